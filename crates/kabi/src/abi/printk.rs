//! `_printk` and the printf family.

use crate::abi::{c_str, RegArgs};
use crate::printf;
use crate::vmlinux::Builder;

pub(crate) fn install(b: &mut Builder) {
    super::variadic(b, "_printk", printk as *const () as usize);
    super::variadic(b, "sprintf", sprintf as *const () as usize);
    super::variadic(b, "snprintf", snprintf as *const () as usize);
    super::variadic(b, "scnprintf", scnprintf as *const () as usize);
}

/// Module memory as the formatter sees it.
pub(crate) struct ModuleMemory;

impl printf::Memory for ModuleMemory {
    fn c_str(&self, addr: u64, max: usize) -> Option<Vec<u8>> {
        // Linux prints "(efault)" for pointers into the first page or ERR_PTR range.
        if addr < 4096 || addr >= (-4095i64) as u64 {
            return None;
        }
        // SAFETY: modules pass pointers to their own strings, as in the kernel.
        Some(unsafe { c_str(addr, max) }.to_vec())
    }
    fn bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        if addr < 4096 || addr >= (-4095i64) as u64 {
            return None;
        }
        // SAFETY: as above.
        Some(unsafe { std::slice::from_raw_parts(addr as *const u8, len) }.to_vec())
    }
    fn symbol(&self, _addr: u64) -> Option<(String, u64, u64, Option<String>)> {
        crate::symbolize(_addr)
    }
}

extern "C" fn printk(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 1) };
    // SAFETY: the format is the module's NUL-terminated string.
    let fmt = unsafe { c_str(args.arg(0), 1 << 16) };
    let text = printf::format(fmt, &mut args, &ModuleMemory);
    let (level, body) = printf::printk_level(&text);
    let cont = level == Some(b'c');
    let lvl = match level {
        Some(l @ 0..=7) => l,
        _ => crate::log::DEFAULT_LEVEL,
    };
    crate::log::emit(lvl, body, cont);
    body.len() as i32
}

/// Writes `text` into a C buffer of `size` bytes (NUL-terminated if size > 0).
fn store(buf: u64, size: usize, text: &[u8]) -> usize {
    if size > 0 && buf != 0 {
        let n = text.len().min(size - 1);
        // SAFETY: the caller gave a buffer of `size` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *(buf as *mut u8).add(n) = 0;
        }
        n
    } else {
        0
    }
}

extern "C" fn sprintf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    // SAFETY: the format is a NUL-terminated string.
    let fmt = unsafe { c_str(args.arg(1), 1 << 16) };
    let text = printf::format(fmt, &mut args, &ModuleMemory);
    store(args.arg(0), usize::MAX, &text);
    text.len() as i32
}

extern "C" fn snprintf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 3) };
    // SAFETY: the format is a NUL-terminated string.
    let fmt = unsafe { c_str(args.arg(2), 1 << 16) };
    let text = printf::format(fmt, &mut args, &ModuleMemory);
    store(args.arg(0), args.arg(1) as usize, &text);
    text.len() as i32
}

extern "C" fn scnprintf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 3) };
    // SAFETY: the format is a NUL-terminated string.
    let fmt = unsafe { c_str(args.arg(2), 1 << 16) };
    let text = printf::format(fmt, &mut args, &ModuleMemory);
    store(args.arg(0), args.arg(1) as usize, &text) as i32
}

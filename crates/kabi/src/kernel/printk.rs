//! `_printk`, `vprintk`, and the printf family (`sprintf`, `snprintf`,
//! `scnprintf`, `vsnprintf`, `vscnprintf`, `vsprintf`, `kasprintf`,
//! `kvasprintf`), formatted by [`crate::printf`] with Linux's semantics.

use crate::abi::{c_str, RegArgs};
use crate::printf::{self, Args, VaListArgs};

/// Longest printk record Linux 6.1 keeps (PRINTKRB_RECORD_MAX-ish; the
/// rest of a longer message is cut).
const PRINTK_LINE_MAX: usize = 1024 - 32;

crate::export_variadic!("_printk" => printk);
crate::export_variadic!("__warn_printk" => warn_printk);
crate::export_variadic!("sprintf" => sprintf);
crate::export_variadic!("snprintf" => snprintf);
crate::export_variadic!("scnprintf" => scnprintf);
crate::export_variadic!("kasprintf" => kasprintf);
crate::export_fn!("vprintk" => vprintk);
crate::export_fn!("vsnprintf" => vsnprintf);
crate::export_fn!("vscnprintf" => vscnprintf);
crate::export_fn!("vsprintf" => vsprintf);
crate::export_fn!("kvasprintf" => kvasprintf);

/// Module memory as the formatter sees it.
pub(crate) struct ModuleMemory;

fn plausible(addr: u64) -> bool {
    // Linux prints "(efault)" for the first page and the ERR_PTR range.
    addr >= 4096 && addr < (-4095i64) as u64
}

impl printf::Memory for ModuleMemory {
    fn c_str(&self, addr: u64, max: usize) -> Option<Vec<u8>> {
        // SAFETY: modules pass pointers to their own strings, as in the kernel.
        plausible(addr).then(|| unsafe { c_str(addr, max.min(1 << 20)) }.to_vec())
    }
    fn bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        // SAFETY: as above.
        plausible(addr).then(|| unsafe { std::slice::from_raw_parts(addr as *const u8, len) }.to_vec())
    }
    fn symbol(&self, addr: u64) -> Option<(String, u64, u64, Option<String>)> {
        crate::symbolize(addr)
    }
}

/// The format string argument.
fn fmt_at<'a>(addr: u64) -> &'a [u8] {
    // SAFETY: a NUL-terminated format string from the module.
    unsafe { c_str(addr, 1 << 16) }
}

fn emit(fmt: &[u8], args: &mut dyn Args) -> i32 {
    let f = printf::format_capped(fmt, args, &ModuleMemory, &printf::Options::default(), PRINTK_LINE_MAX);
    let p = printf::parse_printk_prefix(&f.text);
    let level = p.effective_level();
    crate::log::emit(level, p.text, p.cont);
    p.text.len() as i32
}

extern "C" fn printk(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 1) };
    emit(fmt_at(args.arg(0)), &mut args)
}

/// The line that opens every WARN/BUG report (Linux's `CUT_HERE`).
pub const CUT_HERE: &str = "------------[ cut here ]------------";

/// `__warn_printk(fmt, ...)`: WARN()'s message, printed before its `ud2`
/// (the trap then prints the rest of the report without a second cut line).
extern "C" fn warn_printk(regs: *const u64, stack: *const u64) {
    crate::log::kernel_msg(4, CUT_HERE);
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 1) };
    emit(fmt_at(args.arg(0)), &mut args);
}

extern "C" fn vprintk(fmt: u64, va: u64) -> i32 {
    match VaListArgs::new(&ModuleMemory, va) {
        Some(mut a) => emit(fmt_at(fmt), &mut a),
        None => 0,
    }
}

/// Writes with vsnprintf semantics into a module buffer of `size` bytes.
fn snprintf_into(buf: u64, size: usize, fmt: &[u8], args: &mut dyn Args, scn: bool) -> i32 {
    let out: &mut [u8] = if buf == 0 || size == 0 {
        &mut []
    } else {
        // SAFETY: the caller gave a buffer of `size` bytes.
        unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, size.min(i32::MAX as usize)) }
    };
    let n = if scn { printf::vscnprintf(out, fmt, args, &ModuleMemory) } else { printf::vsnprintf(out, fmt, args, &ModuleMemory) };
    n as i32
}

extern "C" fn sprintf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    let (buf, fmt) = (args.arg(0), fmt_at(args.arg(1)));
    snprintf_into(buf, i32::MAX as usize, fmt, &mut args, false)
}

extern "C" fn snprintf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 3) };
    let (buf, size, fmt) = (args.arg(0), args.arg(1) as usize, fmt_at(args.arg(2)));
    snprintf_into(buf, size, fmt, &mut args, false)
}

extern "C" fn scnprintf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 3) };
    let (buf, size, fmt) = (args.arg(0), args.arg(1) as usize, fmt_at(args.arg(2)));
    snprintf_into(buf, size, fmt, &mut args, true)
}

extern "C" fn vsnprintf(buf: u64, size: usize, fmt: u64, va: u64) -> i32 {
    let Some(mut a) = VaListArgs::new(&ModuleMemory, va) else { return 0 };
    snprintf_into(buf, size, fmt_at(fmt), &mut a, false)
}

extern "C" fn vscnprintf(buf: u64, size: usize, fmt: u64, va: u64) -> i32 {
    let Some(mut a) = VaListArgs::new(&ModuleMemory, va) else { return 0 };
    snprintf_into(buf, size, fmt_at(fmt), &mut a, true)
}

extern "C" fn vsprintf(buf: u64, fmt: u64, va: u64) -> i32 {
    vsnprintf(buf, i32::MAX as usize, fmt, va)
}

/// A kmalloc'd copy of the formatted text (freed with kfree).
fn alloc_text(text: &[u8]) -> u64 {
    // SAFETY: malloc memory is what kfree frees; len+1 bytes are written.
    unsafe {
        let p = libc::malloc(text.len() + 1) as *mut u8;
        if p.is_null() {
            return 0;
        }
        std::ptr::copy_nonoverlapping(text.as_ptr(), p, text.len());
        *p.add(text.len()) = 0;
        p as u64
    }
}

extern "C" fn kasprintf(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline: kasprintf(gfp, fmt, ...).
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    let fmt = fmt_at(args.arg(1));
    alloc_text(&printf::format(fmt, &mut args, &ModuleMemory))
}

extern "C" fn kvasprintf(_gfp: u32, fmt: u64, va: u64) -> u64 {
    let Some(mut a) = VaListArgs::new(&ModuleMemory, va) else { return 0 };
    alloc_text(&printf::format(fmt_at(fmt), &mut a, &ModuleMemory))
}

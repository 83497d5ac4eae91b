//! Calling into module code.
//!
//! Module code runs on the calling thread once that thread is a host "CPU":
//! it has a per-CPU block as its GS base (the stack canary at `%gs:0x28`,
//! `current_task`, `this_cpu_off`, ...). This is one of the three places
//! with `unsafe`: the addresses called are a loaded module's functions.

use crate::errno::{Errno, KResult};

fn enter() -> KResult<()> {
    let v = kabi::vmlinux::get().ok_or(Errno::ENOMEM)?;
    v.enter_cpu().map(|_| ()).map_err(|_| Errno::EBUSY)
}

/// Calls `int fn(void)` (a module's init).
pub fn call_init(addr: u64) -> KResult<i32> {
    enter()?;
    // SAFETY: `addr` is the relocated `init` pointer of a module whose image
    // is mapped executable; module init functions take no arguments and
    // return int, and the thread has its per-CPU GS base.
    let f: extern "C" fn() -> i32 = unsafe { std::mem::transmute(addr as usize) };
    Ok(f())
}

/// Calls `void fn(void)` (a module's exit).
pub fn call_exit(addr: u64) -> KResult<()> {
    enter()?;
    // SAFETY: as for call_init, for the exit function.
    let f: extern "C" fn() = unsafe { std::mem::transmute(addr as usize) };
    f();
    Ok(())
}

/// Calls `int ops->set(const char *val, const struct kernel_param *kp)`.
pub fn call_param_set(set: u64, val: Option<&std::ffi::CStr>, kp: u64) -> KResult<i32> {
    enter()?;
    // SAFETY: `set` is a kernel_param_ops.set of a live module or of the
    // host ABI; the string outlives the call.
    let f: extern "C" fn(*const std::ffi::c_char, u64) -> i32 = unsafe { std::mem::transmute(set as usize) };
    Ok(f(val.map_or(std::ptr::null(), |v| v.as_ptr()), kp))
}

/// Calls `int ops->get(char *buffer, const struct kernel_param *kp)` with a
/// page-sized buffer; returns the text.
pub fn call_param_get(get: u64, kp: u64) -> KResult<Vec<u8>> {
    enter()?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: as for call_param_set; the buffer is one page, as the kernel gives.
    let f: extern "C" fn(*mut u8, u64) -> i32 = unsafe { std::mem::transmute(get as usize) };
    let n = f(buf.as_mut_ptr(), kp);
    if n < 0 {
        return Err(Errno(-n));
    }
    buf.truncate((n as usize).min(4096));
    Ok(buf)
}

/// Calls `void ops->free(void *arg)`.
pub fn call_param_free(free: u64, arg: u64) -> KResult<()> {
    enter()?;
    // SAFETY: as for call_param_set.
    let f: extern "C" fn(u64) = unsafe { std::mem::transmute(free as usize) };
    f(arg);
    Ok(())
}

/// Reads a u64 from module memory.
///
/// # Safety
/// `addr` must be inside a live module image or host data.
pub(crate) unsafe fn read_u64(addr: u64) -> u64 {
    // SAFETY: per the contract.
    unsafe { (addr as *const u64).read_unaligned() }
}

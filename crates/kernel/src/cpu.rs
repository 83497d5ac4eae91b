//! Calling into module code.
//!
//! Module code runs on the calling thread once that thread is a host "CPU":
//! it has a per-CPU block as its GS base (the stack canary at `%gs:0x28`,
//! `current_task`, `this_cpu_off`, ...). This is one of the three places
//! with `unsafe`: the addresses called are a loaded module's functions.

use crate::errno::{Errno, KResult};
use crate::Kernel;

/// The calling thread as a host CPU for one call into module code.
fn enter() -> KResult<kabi::vmlinux::CpuHold> {
    let v = kabi::vmlinux::get().ok_or(Errno::ENOMEM)?;
    v.hold_cpu().map_err(|_| Errno::EBUSY)
}

/// The outcome of a call into module code that faulted.
pub use kabi::fault::Fault;

thread_local! {
    /// The kernel whose module code this thread is running (for the `ud2`
    /// trap, which runs on the module's stack in the middle of the call).
    static CURRENT_KERNEL: std::cell::Cell<*const Kernel> = const { std::cell::Cell::new(std::ptr::null()) };
}

/// Runs `f` with the kernel that the module code running on this thread
/// belongs to, if any.
pub(crate) fn with_current_kernel<R>(f: impl FnOnce(&Kernel) -> R) -> Option<R> {
    let k = CURRENT_KERNEL.with(|c| c.get());
    // SAFETY: set only for the duration of `call`, which borrows the kernel.
    unsafe { k.as_ref() }.map(f)
}

/// Calls module code `target(a0, a1)` under the fault guard.
fn call(k: &Kernel, target: u64, a0: u64, a1: u64) -> KResult<Result<u64, Fault>> {
    let _cpu = enter()?;
    let prev = CURRENT_KERNEL.with(|c| c.replace(k));
    let r = kabi::fault::guarded_call(target, a0, a1);
    CURRENT_KERNEL.with(|c| c.set(prev));
    Ok(r)
}

/// Calls `int fn(void)` (a module's init).
pub fn call_init(k: &Kernel, addr: u64) -> KResult<Result<i32, Fault>> {
    Ok(call(k, addr, 0, 0)?.map(|r| r as i32))
}

/// Calls `void fn(void)` (a module's exit).
pub fn call_exit(k: &Kernel, addr: u64) -> KResult<Result<(), Fault>> {
    Ok(call(k, addr, 0, 0)?.map(|_| ()))
}

/// Calls `int ops->set(const char *val, const struct kernel_param *kp)`.
pub fn call_param_set(k: &Kernel, set: u64, val: Option<&std::ffi::CStr>, kp: u64) -> KResult<Result<i32, Fault>> {
    Ok(call(k, set, val.map_or(0, |v| v.as_ptr() as u64), kp)?.map(|r| r as i32))
}

/// Calls `int ops->get(char *buffer, const struct kernel_param *kp)` with a
/// page-sized buffer; returns the text.
pub fn call_param_get(k: &Kernel, get: u64, kp: u64) -> KResult<Result<Vec<u8>, Fault>> {
    let mut buf = vec![0u8; 4096];
    Ok(call(k, get, buf.as_mut_ptr() as u64, kp)?.map(|r| {
        let n = r as i32;
        buf.truncate(if n < 0 { 0 } else { (n as usize).min(4096) });
        buf
    }))
}

/// Calls `void ops->free(void *arg)`.
pub fn call_param_free(k: &Kernel, free: u64, arg: u64) -> KResult<Result<(), Fault>> {
    Ok(call(k, free, arg, 0)?.map(|_| ()))
}

/// Calls an exported function of a module with up to two integer
/// arguments, under the fault guard (for tests and tools).
pub fn call_function(k: &Kernel, addr: u64, a0: u64, a1: u64) -> KResult<Result<u64, Fault>> {
    call(k, addr, a0, a1)
}

/// Reads a u64 from module memory.
///
/// # Safety
/// `addr` must be inside a live module image or host data.
pub(crate) unsafe fn read_u64(addr: u64) -> u64 {
    // SAFETY: per the contract.
    unsafe { (addr as *const u64).read_unaligned() }
}

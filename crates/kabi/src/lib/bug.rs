//! `BUG()` raised by a host implementation of a vmlinux function
//! (lib/bug.c's report for a `ud2` in vmlinux code): the report's first
//! lines, then the module call ends as an "invalid opcode" oops at the call
//! site in module code (the kernel is tainted D), as Linux ends the task.

/// Prints `------------[ cut here ]------------` and `kernel BUG at
/// <file>:<line>!` (Debian builds with CONFIG_DEBUG_BUGVERBOSE=y), then ends
/// the current module call as an oops. `ret` is the return address into
/// module code and `rsp` the module's stack pointer after the call (both
/// from the varargs trampoline). Returns only outside a module call.
pub(crate) fn host_bug(file: &str, line: u32, ret: u64, rsp: u64) {
    crate::log::kernel_msg(4, crate::kernel::printk::CUT_HERE);
    crate::log::kernel_msg(2, &format!("kernel BUG at {file}:{line}!"));
    // die("invalid opcode", ...): the host kernel's oops report.
    crate::fault::abandon(crate::fault::FaultKind::Signal { signo: libc::SIGILL, code: 2 /* ILL_ILLOPN */, addr: ret, err: 0 }, ret, rsp);
}

/// The return address and stack pointer of a call that came through the
/// varargs trampoline: `stack` points at the caller's stack arguments, the
/// word below it is the return address.
///
/// # Safety
/// `stack` must be the trampoline's `stack` argument.
pub(crate) unsafe fn caller(stack: *const u64) -> (u64, u64) {
    // SAFETY: the trampoline's frame: [stack - 8] is the return address.
    let ret = unsafe { *stack.sub(1) };
    (ret, stack as u64)
}

/// `WARN_ON_ONCE(cond)` in a host function: the first time at each site,
/// "WARNING: <site>: <cond>" at KERN_WARNING (the census counts it).
pub(crate) fn warn_once(site: &'static str, cond: &str) {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut s = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if s.contains(&site) {
        return;
    }
    s.push(site);
    drop(s);
    crate::log::kernel_msg(4, &format!("WARNING: {site}: {cond}"));
}

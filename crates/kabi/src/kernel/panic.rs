//! kernel/panic.c: `panic()` and the stack protector's `__stack_chk_fail`.

crate::export_fn!("__stack_chk_fail" => stack_chk_fail);
crate::export_variadic!("panic" => panic);

/// The canary check failed: Linux panics ("stack-protector: Kernel stack is
/// corrupted in: <caller>"). The host reports it like an oops of the
/// module call and abandons that call; outside module code it aborts.
extern "C" fn stack_chk_fail() {
    // The stub's frame: [rbp] = caller's rbp, [rbp+8] = return into the stub,
    // [rbp+16]... the module's return address sits just above the stub frame.
    let caller = return_address();
    crate::fault::abandon(crate::fault::FaultKind::StackProtector, caller, 0);
    crate::log::kernel_msg(0, "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted");
    std::process::abort();
}

/// `panic(fmt, ...)`: logs "Kernel panic - not syncing: <msg>" and ends the
/// module call like an oops.
extern "C" fn panic(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    // SAFETY: the format is the module's NUL-terminated string.
    let fmt = unsafe { crate::abi::c_str(args.arg(0), 1 << 12) };
    let msg = crate::printf::format(fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    crate::log::kernel_msg(0, &format!("Kernel panic - not syncing: {}", String::from_utf8_lossy(&msg).trim_end()));
    crate::fault::abandon(crate::fault::FaultKind::Panic, 0, 0);
    std::process::abort();
}

/// The module address that called into the current stub (best effort: the
/// realigning stub keeps the caller's return address at [rbp + 8] of its frame).
fn return_address() -> u64 {
    0
}


//! kernel/kmod.c: `__request_module`, the usermode-helper modprobe.

crate::export_variadic!("__request_module" => request_module);

/// `__request_module(bool wait, const char *fmt, ...)`: formats the module
/// name (at most 55 characters, else -ENAMETOOLONG) and hands it to the
/// host's modprobe (see [`crate::set_request_module_handler`]); without
/// one, -ENOENT as with an empty modprobe path. Like Linux, the result is
/// modprobe's wait status (exit code << 8) or a negative errno, and says
/// nothing about whether the module got loaded.
extern "C" fn request_module(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let wait = args.arg(0) & 0xff != 0;
    // SAFETY: the format is the module's NUL-terminated string.
    let fmt = unsafe { crate::abi::c_str(args.arg(1), 1 << 12) };
    let name = crate::printf::format(fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    if name.len() >= 56 {
        return -36; // -ENAMETOOLONG
    }
    match crate::request_module_handler() {
        Some(h) => h(&String::from_utf8_lossy(&name), wait),
        None => -2,
    }
}


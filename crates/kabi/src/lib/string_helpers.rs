//! lib/string_helpers.c: `fortify_panic` and the helpers modules import
//! (`skip_spaces`, `strim` are in lib/string.c and live in `string.rs`).

crate::export_variadic!("fortify_panic" => fortify_panic);

/// `fortify_panic(name)`: a fortified string function saw an overflow.
/// Linux: pr_emerg("detected buffer overflow in %s\n", name); BUG() — at
/// lib/string_helpers.c:1027 in Debian's build.
extern "C" fn fortify_panic(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    // SAFETY: the name is a string literal of the module (__func__).
    let name = unsafe { crate::abi::c_str(a.arg(0), 256) };
    crate::log::kernel_msg(0, &format!("detected buffer overflow in {}", String::from_utf8_lossy(name)));
    // SAFETY: `stack` is the trampoline's argument.
    let (ret, rsp) = unsafe { super::bug::caller(stack) };
    super::bug::host_bug("lib/string_helpers.c", 1027, ret, rsp);
    0
}

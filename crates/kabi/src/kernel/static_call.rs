//! kernel/static_call_inline.c and arch/x86/kernel/static_call.c: static
//! calls. A module's `DEFINE_STATIC_CALL` gives it a key (`func` first)
//! and a trampoline in its own text — a `jmp rel32` to the function (or
//! `ret` for a NULL one) followed by the `ud1 %esp,%ecx` signature — and
//! its `static_call()` sites call the trampoline. The host loader leaves
//! the call sites as they are (calls of the trampoline), so an update is
//! the key's `func` and the trampoline's instruction.

use crate::drivers::base::wr64;

const JMP32: u8 = 0xe9;
const RET: u8 = 0xc3;
const INT3: u8 = 0xcc;

crate::kfn! {
    /// `__static_call_update(key, tramp, func)`: retargets the trampoline
    /// (a jump to `func`, or a return for NULL) and records `func`.
    fn __static_call_update(key: u64, tramp: u64, func: u64) {
        if tramp != 0 {
            let code: [u8; 5] = if func != 0 {
                let rel = func.wrapping_sub(tramp + 5) as i64;
                if rel != rel as i32 as i64 {
                    crate::lib_::bug::warn_once("__static_call_update", "static call target out of rel32 range");
                    return;
                }
                let r = (rel as i32).to_le_bytes();
                [JMP32, r[0], r[1], r[2], r[3]]
            } else {
                [RET, INT3, INT3, INT3, INT3]
            };
            if let Err(e) = crate::lowmem::poke_text(tramp, &code) {
                crate::log::kernel_msg(3, &format!("static_call: cannot patch {tramp:#x}: {e}"));
                return;
            }
        }
        if key != 0 {
            wr64(key, func);
        }
    }
}

//! arch/x86/kernel/cpu/mce/core.c: the MCE decoder chain (a blocking
//! notifier chain called when a machine check is logged; the host never
//! logs one, so it is never called).

use crate::layout::{blocking_notifier_head as bnh, notifier_block as nb};

/// MCE_PRIO_LOWEST and MCE_PRIO_HIGHEST (= MCE_PRIO_CEC) of asm/mce.h.
const MCE_PRIO_LOWEST: i32 = 0;
const MCE_PRIO_HIGHEST: i32 = 7;

crate::export_data!("__modhost_mce_decoder_chain", size bnh::SIZE, align 64, init = crate::kernel::notifier::init_blocking_head);

crate::kfn! {
    /// `mce_register_decode_chain(nb)`: refused (with Linux's warning) for
    /// a priority outside MCE_PRIO_LOWEST..=MCE_PRIO_HIGHEST.
    fn mce_register_decode_chain(n: u64) {
        // SAFETY: the module's notifier_block.
        let prio = unsafe { ((n + nb::priority) as *const i32).read_volatile() };
        if !(MCE_PRIO_LOWEST..=MCE_PRIO_HIGHEST).contains(&prio) {
            crate::log::kernel_msg(4, &format!("mce_register_decode_chain: priority {prio} out of range"));
            return;
        }
        crate::kernel::notifier::kernel_chain("__modhost_mce_decoder_chain", bnh::head, |h| {
            crate::kernel::notifier::blocking_notifier_chain_register(h, n)
        });
    }
}
crate::kfn! {
    fn mce_unregister_decode_chain(n: u64) {
        crate::kernel::notifier::kernel_chain("__modhost_mce_decoder_chain", bnh::head, |h| {
            crate::kernel::notifier::blocking_notifier_chain_unregister(h, n)
        });
    }
}

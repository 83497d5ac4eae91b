//! net/core/netevent.c: the netevent notifier chain (neighbour updates,
//! PMTU and redirect events), an atomic chain of the kernel's own.

use crate::kernel::notifier::{atomic_notifier_call_chain, atomic_notifier_chain_register, atomic_notifier_chain_unregister, kernel_chain};
use crate::layout::atomic_notifier_head as anh;

crate::export_data!("__modhost_netevent_chain", size anh::SIZE, align 64);

crate::kfn! {
    /// `register_netevent_notifier(nb)`: joins the chain (by priority); 0.
    fn register_netevent_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_netevent_chain", anh::head, |h| atomic_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `unregister_netevent_notifier(nb)`: 0, or -ENOENT if it was not on the chain.
    fn unregister_netevent_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_netevent_chain", anh::head, |h| atomic_notifier_chain_unregister(h, nb))
    }
}

crate::kfn! {
    /// `call_netevent_notifiers(event, ptr)`: runs the chain; the last
    /// notifier's result (NOTIFY_DONE for an empty chain).
    fn call_netevent_notifiers(event: u64, ptr: u64) -> i32 {
        kernel_chain("__modhost_netevent_chain", anh::head, |h| atomic_notifier_call_chain(h, event, ptr))
    }
}

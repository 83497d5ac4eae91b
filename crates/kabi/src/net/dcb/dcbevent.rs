//! net/dcb/dcbevent.c: the DCB event notifier chain (atomic, the
//! kernel's own): `register_dcbevent_notifier`,
//! `unregister_dcbevent_notifier`, `call_dcbevent_notifiers` (drivers
//! announce their DCB configuration changes through it).

use crate::kernel::notifier::{
    atomic_notifier_call_chain, atomic_notifier_chain_register, atomic_notifier_chain_unregister,
    kernel_chain,
};
use crate::layout::atomic_notifier_head as anh;

crate::export_data!("__modhost_dcbevent_chain", size anh::SIZE, align 64);

crate::kfn! {
    /// `register_dcbevent_notifier(nb)`: 0.
    fn register_dcbevent_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_dcbevent_chain", anh::head, |h| atomic_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `unregister_dcbevent_notifier(nb)`: 0 or -ENOENT.
    fn unregister_dcbevent_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_dcbevent_chain", anh::head, |h| atomic_notifier_chain_unregister(h, nb))
    }
}

crate::kfn! {
    /// `call_dcbevent_notifiers(val, v)`: runs the chain; its result.
    fn call_dcbevent_notifiers(val: u64, v: u64) -> i32 {
        let h = crate::vmlinux::get().and_then(|x| x.symbol("__modhost_dcbevent_chain")).unwrap_or(0);
        if h == 0 {
            return 0;
        }
        atomic_notifier_call_chain(h, val, v)
    }
}

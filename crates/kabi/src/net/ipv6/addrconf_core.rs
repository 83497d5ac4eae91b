//! net/ipv6/addrconf_core.c: the IPv6 address notifier chains
//! (`register_inet6addr_notifier`, an atomic chain, and
//! `register_inet6addr_validator_notifier`, a blocking one, with their
//! unregister functions). The host has no net devices and so no
//! addresses: the chains are joined and left, never called.

use crate::kernel::notifier::{
    atomic_notifier_chain_register, atomic_notifier_chain_unregister,
    blocking_notifier_chain_register, blocking_notifier_chain_unregister, init_blocking_head,
    kernel_chain,
};
use crate::layout::{atomic_notifier_head as anh, blocking_notifier_head as bnh};

crate::export_data!("__modhost_inet6addr_chain", size anh::SIZE, align 64);
crate::export_data!("__modhost_inet6addr_validator_chain", size bnh::SIZE, align 64, init = init_blocking_head);

crate::kfn! {
    /// `register_inet6addr_notifier(nb)`: 0.
    fn register_inet6addr_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inet6addr_chain", anh::head, |h| atomic_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `unregister_inet6addr_notifier(nb)`: 0 or -ENOENT.
    fn unregister_inet6addr_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inet6addr_chain", anh::head, |h| atomic_notifier_chain_unregister(h, nb))
    }
}

crate::kfn! {
    /// `register_inet6addr_validator_notifier(nb)`.
    fn register_inet6addr_validator_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inet6addr_validator_chain", bnh::head, |h| blocking_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `unregister_inet6addr_validator_notifier(nb)`.
    fn unregister_inet6addr_validator_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inet6addr_validator_chain", bnh::head, |h| blocking_notifier_chain_unregister(h, nb))
    }
}

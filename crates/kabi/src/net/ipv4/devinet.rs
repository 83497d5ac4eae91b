//! net/ipv4/devinet.c: the IPv4 address notifier chains
//! (`register_inetaddr_notifier`, `register_inetaddr_validator_notifier`
//! and their unregister functions), blocking chains of the kernel's own.
//! Linux calls them when an interface address is added or removed; the
//! host has no net devices and so no addresses: they are joined and left,
//! never called (Linux replays nothing to a new block either).

use crate::kernel::notifier::{
    blocking_notifier_chain_register, blocking_notifier_chain_unregister, init_blocking_head,
    kernel_chain,
};
use crate::layout::blocking_notifier_head as bnh;

crate::export_data!("__modhost_inetaddr_chain", size bnh::SIZE, align 64, init = init_blocking_head);
crate::export_data!("__modhost_inetaddr_validator_chain", size bnh::SIZE, align 64, init = init_blocking_head);

crate::kfn! {
    /// `register_inetaddr_notifier(nb)`: 0 (by priority on the chain).
    fn register_inetaddr_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inetaddr_chain", bnh::head, |h| blocking_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `unregister_inetaddr_notifier(nb)`: 0 or -ENOENT.
    fn unregister_inetaddr_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inetaddr_chain", bnh::head, |h| blocking_notifier_chain_unregister(h, nb))
    }
}

crate::kfn! {
    /// `register_inetaddr_validator_notifier(nb)`.
    fn register_inetaddr_validator_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inetaddr_validator_chain", bnh::head, |h| blocking_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `unregister_inetaddr_validator_notifier(nb)`.
    fn unregister_inetaddr_validator_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_inetaddr_validator_chain", bnh::head, |h| blocking_notifier_chain_unregister(h, nb))
    }
}

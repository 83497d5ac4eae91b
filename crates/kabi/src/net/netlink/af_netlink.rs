//! net/netlink/af_netlink.c: the netlink notifier chain (`netlink_chain`, an
//! atomic chain of the kernel's own). Linux calls it with NETLINK_URELEASE
//! when a bound netlink socket is released; the host has no netlink
//! sockets, so the chain is joined and left but never called.

use crate::kernel::notifier::{
    atomic_notifier_chain_register, atomic_notifier_chain_unregister, kernel_chain,
};
use crate::layout::atomic_notifier_head as anh;

crate::export_data!("__modhost_netlink_chain", size anh::SIZE, align 64);

crate::kfn! {
    /// `netlink_register_notifier(nb)`: joins the chain (by priority); 0, or
    /// -EEXIST when the block is already on it.
    fn netlink_register_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_netlink_chain", anh::head, |h| atomic_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `netlink_unregister_notifier(nb)`: 0, or -ENOENT if it was not on the chain.
    fn netlink_unregister_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_netlink_chain", anh::head, |h| atomic_notifier_chain_unregister(h, nb))
    }
}

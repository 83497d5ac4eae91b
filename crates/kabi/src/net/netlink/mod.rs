//! net/netlink/.

pub mod af_netlink;
pub mod genetlink;

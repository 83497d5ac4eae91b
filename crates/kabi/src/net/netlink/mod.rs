//! net/netlink/.

pub mod genetlink;

//! net/: networking registration.

pub mod connector;
pub mod core;
pub mod dcb;
pub mod ethtool;
pub mod ipv4;
pub mod ipv6;
pub mod netfilter;
pub mod netlink;
pub(crate) mod list;
pub(crate) mod protocols;
pub mod sched;
pub mod socket;
pub mod sysctl_net;
pub mod xfrm;

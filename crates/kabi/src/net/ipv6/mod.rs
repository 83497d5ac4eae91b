//! net/ipv6 (`CONFIG_IPV6=y`).

pub mod addrconf_core;
pub mod af_inet6;
pub mod protocol;
pub mod xfrm6_protocol;

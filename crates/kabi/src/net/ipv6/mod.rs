//! net/ipv6 (`CONFIG_IPV6=y`).

pub mod protocol;
pub mod xfrm6_protocol;

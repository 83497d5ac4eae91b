//! net/ipv6 (`CONFIG_IPV6=y`).

pub mod protocol;

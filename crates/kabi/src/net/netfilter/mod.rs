//! net/netfilter/ (`CONFIG_NETFILTER=y`; the rest is modules).

pub mod nf_sockopt;

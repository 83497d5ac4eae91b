//! net/netfilter/ (`CONFIG_NETFILTER=y`; the rest is modules).

pub mod nf_log;
pub mod nf_sockopt;

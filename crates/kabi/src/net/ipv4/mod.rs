//! net/ipv4.

pub mod protocol;
pub mod tcp_cong;
pub mod xfrm4_protocol;

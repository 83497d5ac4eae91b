//! net/ipv4.

pub mod devinet;
pub mod protocol;
pub mod tcp;
pub mod tcp_cong;
pub mod tcp_ulp;
pub mod xfrm4_protocol;

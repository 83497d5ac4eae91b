//! net/core: namespaces, devices, links.

pub mod dev;
pub mod net_namespace;
mod netevent;
pub mod rtnetlink;
pub mod sock;
pub mod sock_diag;
mod skbuff;

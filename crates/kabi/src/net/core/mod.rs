//! net/core: namespaces, devices, links.

pub mod dev;
pub mod net_namespace;
pub mod rtnetlink;
pub mod sock;

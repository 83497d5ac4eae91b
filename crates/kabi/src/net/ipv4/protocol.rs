//! net/ipv4/protocol.c: `inet_add_protocol`, `inet_del_protocol`.
//!
//! Debian 6.1 registers ICMP (1), IGMP (2), TCP (6), UDP (17), PIM (103,
//! `CONFIG_IP_PIMSM_V2=y`) and UDP-Lite (136) at boot; those slots are
//! taken.

use crate::net::protocols::{Slot, Table};

pub(crate) static INET_PROTOS: Table = Table::new(&[1, 2, 6, 17, 103, 136]);

crate::kfn! {
    /// `inet_add_protocol(prot, protocol)`: 0, or -1 when the slot is taken.
    fn inet_add_protocol(prot: u64, protocol: u8) -> i32 {
        INET_PROTOS.add(prot, protocol)
    }
}
crate::kfn! {
    /// `inet_del_protocol(prot, protocol)`: 0, or -1 when `prot` is not
    /// the registered handler.
    fn inet_del_protocol(prot: u64, protocol: u8) -> i32 {
        INET_PROTOS.del(prot, protocol)
    }
}

/// The module handler of a protocol number (tests).
pub fn inet_protocol(n: u8) -> Option<u64> {
    match INET_PROTOS.get(n) {
        Slot::Module(p) => Some(p),
        _ => None,
    }
}

fn purge(start: u64, end: u64) {
    INET_PROTOS.purge(start, end);
}
crate::purge_on_module_free!(purge);

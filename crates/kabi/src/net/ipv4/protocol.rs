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

// `inet_offloads`: Debian 6.1's built-in IPv4 offloads are TCP (6), UDP
// (17), IPIP (4), GRE (47, gre_offload.c) and IPv6-in-IPv4 (41, sit_offload
// from ip6_offload.c).
const INET_OFFLOADS_BUILTIN: &[u8] = &[4, 6, 17, 41, 47];
crate::export_data!("inet_offloads", size 256 * 8, align 64, init = init_offloads);

fn init_offloads(addr: u64, _b: &crate::vmlinux::Builder) {
    let _ = OFFLOADS.set(addr);
    crate::net::protocols::offloads::init(addr, INET_OFFLOADS_BUILTIN);
}

static OFFLOADS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

fn offloads() -> u64 {
    *OFFLOADS.get().expect("inet_offloads is set up at boot")
}

crate::kfn! {
    /// `inet_add_offload(prot, protocol)`: 0, or -1 when the slot is taken.
    fn inet_add_offload(prot: u64, protocol: u8) -> i32 {
        crate::net::protocols::offloads::add(offloads(), prot, protocol)
    }
}

crate::kfn! {
    /// `inet_del_offload(prot, protocol)`: 0, or -1 when `prot` is not the
    /// slot's.
    fn inet_del_offload(prot: u64, protocol: u8) -> i32 {
        crate::net::protocols::offloads::del(offloads(), prot, protocol)
    }
}

/// `inet_offloads[n]` (tests).
pub fn inet_offload(n: u8) -> u64 {
    crate::net::protocols::offloads::get(offloads(), n)
}

fn purge_offloads(start: u64, end: u64) {
    if let Some(&a) = OFFLOADS.get() {
        crate::net::protocols::offloads::purge(a, start, end);
    }
}
crate::purge_on_module_free!(purge_offloads);

// `iptun_encaps[MAX_IPTUN_ENCAP_OPS]` (net/ipv4/ip_tunnel_core.c): the
// tunnel encapsulation ops (FOU, GUE, MPLS) that modules add with
// ip_tunnel's ip_tunnel_encap_add_ops; all NULL at boot.
crate::export_data!("iptun_encaps", size 8 * crate::layout::net_consts::MAX_IPTUN_ENCAP_OPS, align 8);

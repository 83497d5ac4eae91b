//! net/ipv6/protocol.c: `inet6_add_protocol`, `inet6_del_protocol`.
//!
//! Debian 6.1 registers TCP (6), UDP (17), the routing (43) and fragment
//! (44) headers, ICMPv6 (58), no-next-header (59), destination options
//! (60), PIM (103, `CONFIG_IPV6_PIMSM_V2=y`) and UDP-Lite (136) at boot.

use crate::net::protocols::Table;

static INET6_PROTOS: Table = Table::new(&[6, 17, 43, 44, 58, 59, 60, 103, 136]);

crate::kfn! {
    /// `inet6_add_protocol(prot, protocol)`: 0 or -1.
    fn inet6_add_protocol(prot: u64, protocol: u8) -> i32 {
        INET6_PROTOS.add(prot, protocol)
    }
}
crate::kfn! {
    /// `inet6_del_protocol(prot, protocol)`: 0 or -1.
    fn inet6_del_protocol(prot: u64, protocol: u8) -> i32 {
        INET6_PROTOS.del(prot, protocol)
    }
}

fn purge(start: u64, end: u64) {
    INET6_PROTOS.purge(start, end);
}
crate::purge_on_module_free!(purge);

// `inet6_offloads`: Debian 6.1's built-in IPv6 offloads are TCP (6), UDP
// (17), the routing (43) and destination-options (60) headers, IPv6-in-IPv6
// (41), IPv4-in-IPv6 (4) and GRE (47).
const INET6_OFFLOADS_BUILTIN: &[u8] = &[4, 6, 17, 41, 43, 47, 60];
crate::export_data!("inet6_offloads", size 256 * 8, align 64, init = init_offloads);

fn init_offloads(addr: u64, _b: &crate::vmlinux::Builder) {
    let _ = OFFLOADS.set(addr);
    crate::net::protocols::offloads::init(addr, INET6_OFFLOADS_BUILTIN);
}

static OFFLOADS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

fn offloads() -> u64 {
    *OFFLOADS.get().expect("inet6_offloads is set up at boot")
}

crate::kfn! {
    /// `inet6_add_offload(prot, protocol)`: 0, or -1 when the slot is taken.
    fn inet6_add_offload(prot: u64, protocol: u8) -> i32 {
        crate::net::protocols::offloads::add(offloads(), prot, protocol)
    }
}

crate::kfn! {
    /// `inet6_del_offload(prot, protocol)`: 0, or -1 when `prot` is not the
    /// slot's.
    fn inet6_del_offload(prot: u64, protocol: u8) -> i32 {
        crate::net::protocols::offloads::del(offloads(), prot, protocol)
    }
}

/// `inet6_offloads[n]` (tests).
pub fn inet6_offload(n: u8) -> u64 {
    crate::net::protocols::offloads::get(offloads(), n)
}

fn purge_offloads(start: u64, end: u64) {
    if let Some(&a) = OFFLOADS.get() {
        crate::net::protocols::offloads::purge(a, start, end);
    }
}
crate::purge_on_module_free!(purge_offloads);

// `ip6tun_encaps[MAX_IPTUN_ENCAP_OPS]` (net/ipv4/ip_tunnel_core.c): NULL
// at boot, filled through ip6_tunnel's ip6_tnl_encap_add_ops (fou6).
crate::export_data!("ip6tun_encaps", size 8 * crate::layout::net_consts::MAX_IPTUN_ENCAP_OPS, align 8);

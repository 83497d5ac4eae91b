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

//! net/socket.c: address families (`sock_register`, `sock_unregister`).
//!
//! `net_families[]` starts with the families Debian 6.1 builds in
//! (`CONFIG_UNIX`, `CONFIG_INET`, `CONFIG_IPV6`, netlink, `CONFIG_PACKET`,
//! `CONFIG_XDP_SOCKETS`: PF_UNIX, PF_INET, PF_INET6, PF_NETLINK, PF_PACKET,
//! PF_XDP), so a module registering one of those gets -EEXIST.

use std::sync::Mutex;

use crate::layout::net_proto_family as l;

const ENOBUFS: i32 = 105;
const EEXIST: i32 = 17;
const NPROTO: usize = crate::layout::net_consts::NPROTO as usize;

/// net/socket.c's `pf_family_names`.
const NAMES: [&str; 46] = [
    "PF_UNSPEC",
    "PF_UNIX",
    "PF_INET",
    "PF_AX25",
    "PF_IPX",
    "PF_APPLETALK",
    "PF_NETROM",
    "PF_BRIDGE",
    "PF_ATMPVC",
    "PF_X25",
    "PF_INET6",
    "PF_ROSE",
    "PF_DECnet",
    "PF_NETBEUI",
    "PF_SECURITY",
    "PF_KEY",
    "PF_NETLINK",
    "PF_PACKET",
    "PF_ASH",
    "PF_ECONET",
    "PF_ATMSVC",
    "PF_RDS",
    "PF_SNA",
    "PF_IRDA",
    "PF_PPPOX",
    "PF_WANPIPE",
    "PF_LLC",
    "PF_IB",
    "PF_MPLS",
    "PF_CAN",
    "PF_TIPC",
    "PF_BLUETOOTH",
    "PF_IUCV",
    "PF_RXRPC",
    "PF_ISDN",
    "PF_PHONET",
    "PF_IEEE802154",
    "PF_CAIF",
    "PF_ALG",
    "PF_NFC",
    "PF_VSOCK",
    "PF_KCM",
    "PF_QIPCRTR",
    "PF_SMC",
    "PF_XDP",
    "PF_MCTP",
];

/// Built-in families (PF_UNIX, PF_INET, PF_INET6, PF_NETLINK, PF_PACKET, PF_XDP).
const BUILTIN: &[usize] = &[1, 2, 10, 16, 17, 44];

#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Empty,
    Builtin,
    Module(u64),
}

static FAMILIES: Mutex<[Slot; NPROTO]> = Mutex::new([Slot::Empty; NPROTO]);

fn table() -> std::sync::MutexGuard<'static, [Slot; NPROTO]> {
    let mut t = FAMILIES.lock().unwrap_or_else(|e| e.into_inner());
    for &b in BUILTIN {
        if t[b] == Slot::Empty {
            t[b] = Slot::Builtin;
        }
    }
    t
}

fn name(f: usize) -> &'static str {
    NAMES.get(f).copied().unwrap_or("")
}

crate::kfn! {
    /// `sock_register(ops)`: 0, -ENOBUFS for a family ≥ NPROTO, -EEXIST
    /// when taken (Linux logs the "Registered" line either way).
    fn sock_register(ops: u64) -> i32 {
        // SAFETY: the module's struct net_proto_family.
        let family = unsafe { ((ops + l::family) as *const i32).read_unaligned() };
        if family < 0 || family as usize >= NPROTO {
            crate::log::kernel_msg(2, &format!("protocol {family} >= NPROTO({NPROTO})"));
            return -ENOBUFS;
        }
        let f = family as usize;
        let err = {
            let mut t = table();
            if t[f] != Slot::Empty {
                -EEXIST
            } else {
                t[f] = Slot::Module(ops);
                0
            }
        };
        crate::log::kernel_msg(6, &format!("NET: Registered {} protocol family", name(f)));
        err
    }
}

crate::kfn! {
    /// `sock_unregister(family)`.
    fn sock_unregister(family: i32) {
        if family < 0 || family as usize >= NPROTO {
            return;
        }
        let f = family as usize;
        table()[f] = Slot::Empty;
        crate::log::kernel_msg(6, &format!("NET: Unregistered {} protocol family", name(f)));
    }
}

crate::kfn! {
    /// `sock_is_registered(family)`.
    fn sock_is_registered(family: i32) -> bool {
        family >= 0 && (family as usize) < NPROTO && table()[family as usize] != Slot::Empty
    }
}

/// The registered module families (tests).
pub fn module_family(f: usize) -> Option<u64> {
    match table().get(f) {
        Some(&Slot::Module(p)) => Some(p),
        _ => None,
    }
}

fn purge(start: u64, end: u64) {
    let mut t = table();
    for s in t.iter_mut() {
        if let Slot::Module(p) = *s {
            if p >= start && p < end {
                *s = Slot::Empty;
            }
        }
    }
}
crate::purge_on_module_free!(purge);

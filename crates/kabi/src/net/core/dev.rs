//! net/core/dev.c: netdevice notifiers (`register_netdevice_notifier`,
//! `unregister_netdevice_notifier`) and packet handlers (`dev_add_pack`,
//! `dev_remove_pack`, `/proc/net/ptype`).
//!
//! The host models no net devices, not even `lo`. Linux replays
//! NETDEV_REGISTER and NETDEV_UP for every existing device to a new
//! netdevice notifier (and NETDEV_GOING_DOWN/DOWN/UNREGISTER on
//! unregistration); in init_net that is `lo`. The host has nothing to
//! replay, so a notifier is only chained: this is the one difference from
//! Linux (a module that counts devices in its notifier sees none).

use std::sync::Mutex;

use crate::fs::hostobj::{get64, put64};
use crate::layout::{notifier_block as nb_l, packet_type as pt_l};
use crate::net::list;

const EEXIST: i32 = 17;
const ENOENT: i32 = 2;

/// `netdev_chain`: notifier_blocks, highest priority first.
static CHAIN: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn priority(nb: u64) -> i32 {
    // SAFETY: a module's struct notifier_block.
    unsafe { ((nb + nb_l::priority) as *const i32).read_unaligned() }
}

/// Writes the chain's `next` links as Linux's raw notifier list holds them.
fn relink_chain(v: &[u64], start: u64, end: u64) {
    let live: Vec<u64> = v
        .iter()
        .copied()
        .filter(|&n| !(n >= start && n < end))
        .collect();
    for (i, &n) in live.iter().enumerate() {
        // SAFETY: a registered notifier_block outside freed memory.
        unsafe { put64(n + nb_l::next, live.get(i + 1).copied().unwrap_or(0)) };
    }
}

crate::kfn! {
    /// `register_netdevice_notifier(nb)`: 0, or -EEXIST (with Linux's
    /// WARN message) when it is already chained.
    fn register_netdevice_notifier(nb: u64) -> i32 {
        super::rtnetlink::rtnl_lock();
        let r = {
            let mut v = CHAIN.lock().unwrap_or_else(|e| e.into_inner());
            if v.contains(&nb) {
                // SAFETY: the module's notifier_block.
                let f = unsafe { get64(nb + nb_l::notifier_call) };
                let name = crate::symbolize(f).map(|s| s.0).unwrap_or_else(|| format!("{f:#x}"));
                crate::log::kernel_msg(4, &format!("notifier callback {name} already registered"));
                -EEXIST
            } else {
                // after every block of the same or higher priority
                let p = priority(nb);
                let at = v.iter().position(|&n| p > priority(n)).unwrap_or(v.len());
                v.insert(at, nb);
                relink_chain(&v, 0, 0);
                0
            }
        };
        super::rtnetlink::rtnl_unlock();
        r
    }
}

crate::kfn! {
    /// `unregister_netdevice_notifier(nb)`: 0 or -ENOENT.
    fn unregister_netdevice_notifier(nb: u64) -> i32 {
        super::rtnetlink::rtnl_lock();
        let r = {
            let mut v = CHAIN.lock().unwrap_or_else(|e| e.into_inner());
            match v.iter().position(|&n| n == nb) {
                Some(i) => {
                    v.remove(i);
                    relink_chain(&v, 0, 0);
                    0
                }
                None => -ENOENT,
            }
        };
        super::rtnetlink::rtnl_unlock();
        r
    }
}

/// The chained netdevice notifiers (tests).
pub fn netdev_notifiers() -> Vec<u64> {
    CHAIN.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// `ETH_P_ALL` in host order.
const ETH_P_ALL: u16 = 0x0003;

/// Built-in handlers of Debian 6.1 (init order; each went to the head of
/// its hash bucket): type, function.
const BUILTIN_PTYPES: &[(u16, &str)] = &[
    (0x0800, "ip_rcv"),
    (0x0806, "arp_rcv"),
    (0x86dd, "ipv6_rcv"),
];

/// Module packet_types: `ptype_all` (ETH_P_ALL) and the 16 buckets of
/// `ptype_base`, each newest first (`list_add_rcu` adds at the head).
#[derive(Default)]
struct Ptypes {
    all: Vec<u64>,
    base: [Vec<u64>; 16],
}

static PTYPES: Mutex<Option<Ptypes>> = Mutex::new(None);

fn ptype_type(pt: u64) -> u16 {
    // SAFETY: a module's struct packet_type; `type` is __be16.
    u16::from_be(unsafe { ((pt + pt_l::r#type) as *const u16).read_unaligned() })
}

fn heads() -> &'static [u64; 17] {
    static H: std::sync::OnceLock<[u64; 17]> = std::sync::OnceLock::new();
    H.get_or_init(|| std::array::from_fn(|_| list::new_head()))
}

fn relink_ptypes(p: &Ptypes, start: u64, end: u64) {
    let h = heads();
    list::relink(
        h[16],
        &p.all.iter().map(|x| x + pt_l::list).collect::<Vec<_>>(),
        start,
        end,
    );
    for (i, b) in p.base.iter().enumerate() {
        list::relink(
            h[i],
            &b.iter().map(|x| x + pt_l::list).collect::<Vec<_>>(),
            start,
            end,
        );
    }
}

fn with_ptypes<R>(f: impl FnOnce(&mut Ptypes) -> R) -> R {
    let mut g = PTYPES.lock().unwrap_or_else(|e| e.into_inner());
    let p = g.get_or_insert_with(|| {
        crate::fs::kernfs::add_file("/proc/net/ptype", proc_ptype);
        Ptypes::default()
    });
    f(p)
}

/// `/proc/net/ptype`: ptype_all, then each bucket of ptype_base.
fn proc_ptype() -> Vec<u8> {
    let mut out = String::from("Type Device      Function\n");
    let line = |out: &mut String, ty: Option<u16>, func: String| {
        match ty {
            None => out.push_str("ALL "),
            Some(t) => out.push_str(&format!("{t:04x}")),
        }
        out.push_str(&format!(" {:<8} {func}\n", ""));
    };
    let sym = |f: u64| {
        crate::symbolize(f)
            .map(|s| match s.3 {
                Some(m) => format!("{} [{m}]", s.0),
                None => s.0,
            })
            .unwrap_or_else(|| format!("{f:#x}"))
    };
    with_ptypes(|p| {
        for &pt in &p.all {
            // SAFETY: a registered packet_type.
            line(&mut out, None, sym(unsafe { get64(pt + pt_l::func) }));
        }
        for (i, b) in p.base.iter().enumerate() {
            for &pt in b {
                // SAFETY: as above.
                line(
                    &mut out,
                    Some(ptype_type(pt)),
                    sym(unsafe { get64(pt + pt_l::func) }),
                );
            }
            for &(t, f) in BUILTIN_PTYPES.iter().rev() {
                if (t & 15) as usize == i {
                    line(&mut out, Some(t), f.to_string());
                }
            }
        }
    });
    out.into_bytes()
}

/// Makes `/proc/net/ptype` exist.
pub fn init() {
    with_ptypes(|_| ());
}

crate::kfn! {
    /// `dev_add_pack(pt)`: to the head of ptype_all (ETH_P_ALL) or of its
    /// ptype_base bucket. (A handler bound to a device would go on that
    /// device's list; the host has no devices.)
    fn dev_add_pack(pt: u64) {
        let ty = ptype_type(pt);
        with_ptypes(|p| {
            if ty == ETH_P_ALL {
                p.all.insert(0, pt);
            } else {
                p.base[(ty & 15) as usize].insert(0, pt);
            }
            relink_ptypes(p, 0, 0);
        });
    }
}

crate::kfn! {
    /// `dev_remove_pack(pt)` (`__dev_remove_pack` + `synchronize_net`):
    /// logs `dev_remove_pack: %p not found` when it is not registered.
    fn dev_remove_pack(pt: u64) {
        let found = with_ptypes(|p| {
            let mut found = false;
            for v in std::iter::once(&mut p.all).chain(p.base.iter_mut()) {
                if let Some(i) = v.iter().position(|&x| x == pt) {
                    v.remove(i);
                    found = true;
                }
            }
            if found {
                list::poison(pt + pt_l::list);
                relink_ptypes(p, 0, 0);
            }
            found
        });
        if !found {
            crate::log::kernel_msg(4, &format!("dev_remove_pack: {:016x} not found", crate::printf::hash_pointer(pt, &crate::printf::host_ptr_key())));
        }
    }
}
crate::export_fn!("__dev_remove_pack" => dev_remove_pack);

fn purge(start: u64, end: u64) {
    {
        let mut v = CHAIN.lock().unwrap_or_else(|e| e.into_inner());
        let before = v.len();
        v.retain(|&n| !(n >= start && n < end));
        if v.len() != before {
            relink_chain(&v, start, end);
        }
    }
    let mut g = PTYPES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = g.as_mut() {
        p.all.retain(|&x| !(x >= start && x < end));
        for b in p.base.iter_mut() {
            b.retain(|&x| !(x >= start && x < end));
        }
        relink_ptypes(p, start, end);
    }
}
crate::purge_on_module_free!(purge);

crate::kfn! {
    /// `synchronize_net()`: waits for an RCU grace period — the expedited
    /// one under RTNL, as Linux does (the host's grace periods are one kind).
    fn synchronize_net() {
        // synchronize_rcu_expedited is the same grace period here
        let _expedited = crate::net::core::rtnetlink::rtnl_is_locked() != 0;
        crate::kernel::rcu::synchronize_rcu();
    }
}

crate::kfn! {
    /// `unregister_netdevice_many(head)` (RTNL held): unregisters the net
    /// devices queued on `head`. The host has no net devices
    /// (`alloc_netdev_mqs` is not implemented), so the list a module passes
    /// is empty — a pernet exit that found no device of its own — and
    /// Linux returns at once. A non-empty list cannot hold devices of
    /// the host: it is reported and left alone.
    fn unregister_netdevice_many(head: u64) {
        if super::rtnetlink::rtnl_is_locked() == 0 {
            crate::log::kernel_msg(4, "RTNL: assertion failed at net/core/dev.c (10796)");
        }
        // SAFETY: the caller's list_head.
        if unsafe { crate::kernel::sched::list_empty(head) } {
            return;
        }
        crate::log::kernel_msg(3, "modhost: unregister_netdevice_many: the queued net devices are not devices of the host");
    }
}

// `udp_tunnel_nic_ops`: the UDP tunnel port offload ops, NULL until the
// udp_tunnel module (net/ipv4/udp_tunnel_nic.c) sets it at init and
// clears it at exit.
crate::export_data!("udp_tunnel_nic_ops", size 8, align 8);

// `sysctl_fb_tunnels_only_for_init_net` (net/core/sysctl_net_core.c,
// net.core.fb_tunnels_only_for_init_net): 0 by default — every namespace
// gets fallback tunnel devices.
crate::export_data!("sysctl_fb_tunnels_only_for_init_net", size 4, align 4);

//! net/netlink/af_netlink.c: kernel netlink sockets
//! (`__netlink_kernel_create`, `netlink_kernel_release`) and the netlink
//! notifier chain (`netlink_chain`, an atomic chain of the kernel's own).
//!
//! A kernel socket is one per (network namespace, protocol): Linux hashes
//! it at port id 0 in `nl_table[unit]`, so a second one for the same
//! namespace and unit fails (`netlink_insert` returns -EADDRINUSE and the
//! function returns NULL); `unit` outside `0..MAX_LINKS` gives NULL too.
//! `nl_table[unit].registered` counts the kernel sockets of the unit; the
//! first one sets the table's groups (at least 32), `cb_mutex`, module,
//! `bind`/`unbind`/`flags`/`compare` from the cfg, the last release clears
//! them. Debian 6.1's built-in kernel sockets on `init_net` exist from boot
//! (units ROUTE 0, SOCK_DIAG 4, SELINUX 7, AUDIT 9, FIB_LOOKUP 10,
//! CONNECTOR 11, KOBJECT_UEVENT 15, GENERIC 16 — the callers of
//! `netlink_kernel_create` in built-in code of Debian's config), and
//! `init_net.rtnl`, `.genl_sock` and `.diag_nlsk` point at theirs;
//! USERSOCK (2) is registered without a socket (`netlink_add_usersock_entry`).
//!
//! The objects: a `struct netlink_sock` block (1088 bytes, the NETLINK
//! size of /proc/net/protocols in the QEMU capture of Debian 6.1), whose
//! `struct sock` head holds what `sk_alloc` + `sock_init_data` +
//! `__netlink_create` set and callers read: `sk_net`, `sk_family`
//! (PF_NETLINK), `sk_type` (SOCK_DGRAM), `sk_protocol` (the unit),
//! `sk_state` (TCP_CLOSE), `sk_refcnt` (2: the socket's and the port
//! hash's), `sk_rcvbuf`/`sk_sndbuf` (the 212992-byte defaults),
//! `sk_rcvtimeo`/`sk_sndtimeo` (MAX_SCHEDULE_TIMEOUT), `sk_rcvlowat` 1,
//! `sk_allocation` GFP_KERNEL, empty receive/write/error queues,
//! `sk_socket` and `sk_wq`; and a `struct socket` (`state`
//! SS_UNCONNECTED, `type`, `sk`, an initialised wait queue). Pointers to
//! af_netlink's private functions (`sk_data_ready`, `sk_destruct`,
//! `socket->ops`, `sk_prot`) stay NULL: they are not exports, and the
//! host never calls them. The private `netlink_sock` tail is the host's
//! (zero); the socket has no sockfs inode.
//!
//! No user-space netlink socket exists in the host, so nothing is ever
//! received (`cfg->input` is never called), no group has listeners and
//! the notifier chain is joined and left but never called.
//! /proc/net/netlink (a row per socket with its sockfs inode) is not
//! modelled.

use std::sync::Mutex;

use crate::fs::hostobj::{get64, put64};
use crate::kernel::notifier::{
    atomic_notifier_chain_register, atomic_notifier_chain_unregister, kernel_chain,
};
use crate::layout::{
    atomic_notifier_head as anh, net as n_l, netlink_kernel_cfg as c_l, sk_buff_head as q_l,
    sock as s_l, socket as so_l, wait_queue_head as w_l,
};

/// `MAX_LINKS`.
const MAX_LINKS: i32 = crate::layout::net_consts::MAX_LINKS as i32;
/// `sizeof(struct netlink_sock)` on Debian 6.1 (/proc/net/protocols).
const NETLINK_SOCK_SIZE: u64 = 1088;
const PF_NETLINK: u16 = 16;
const SOCK_DGRAM: u16 = 2;
const SS_UNCONNECTED: u32 = 1;
const TCP_CLOSE: u8 = 7;
const GFP_KERNEL: u32 = 0xcc0;
/// `sysctl_rmem_default`/`sysctl_wmem_default` (`SK_RMEM_MAX`/`SK_WMEM_MAX`).
const SK_MEM_DEFAULT: u32 = 212_992;

pub(crate) const NETLINK_ROUTE: i32 = 0;
const NETLINK_USERSOCK: i32 = 2;
pub(crate) const NETLINK_SOCK_DIAG: i32 = 4;
pub(crate) const NETLINK_GENERIC: i32 = 16;

/// Built-in kernel sockets of Debian 6.1 on init_net.
const BUILTIN_UNITS: [i32; 8] = [0, 4, 7, 9, 10, 11, 15, 16];

/// One kernel socket.
struct KSock {
    sk: u64,
    sock: u64,
    net: u64,
    unit: i32,
    /// Module pointers (the module, cfg callbacks) whose freeing drops it.
    refs: Vec<u64>,
    builtin: bool,
}

/// `struct netlink_table`'s registration part.
#[allow(dead_code)] // kept as Linux keeps them; the host has no reader yet
#[derive(Clone, Copy, Default)]
struct Table {
    registered: u32,
    groups: u32,
    cb_mutex: u64,
    module: u64,
    bind: u64,
    unbind: u64,
    flags: u32,
    compare: u64,
}

struct State {
    socks: Vec<KSock>,
    table: [Table; MAX_LINKS as usize],
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| {
        let mut table = [Table::default(); MAX_LINKS as usize];
        // netlink_add_usersock_entry: registered, 32 groups, no socket.
        table[NETLINK_USERSOCK as usize] = Table {
            registered: 1,
            groups: 32,
            ..Table::default()
        };
        State {
            socks: Vec::new(),
            table,
        }
    }))
}

fn wr<T>(addr: u64, v: T) {
    // SAFETY: a field of a host-allocated sock/socket block (callers pass
    // offsets from Debian's layout inside the block).
    unsafe { (addr as *mut T).write_unaligned(v) }
}

/// `skb_queue_head_init`: an empty `sk_buff_head` (next = prev = itself).
fn queue_init(q: u64) {
    wr(q + q_l::next, q);
    wr(q + q_l::prev, q);
    wr(q + q_l::qlen, 0u32);
}

/// `sock_create_lite` + `__netlink_create` + `sock_init_data`: a new
/// socket/sock pair for `unit` in `net`.
fn alloc_pair(net: u64, unit: i32) -> (u64, u64) {
    // SAFETY: calloc of positive sizes; freed by free_pair.
    let (sk, sock) = unsafe {
        (
            libc::calloc(1, NETLINK_SOCK_SIZE.max(s_l::SIZE) as usize) as u64,
            libc::calloc(1, so_l::SIZE as usize) as u64,
        )
    };
    assert!(sk != 0 && sock != 0, "out of memory for a netlink socket");
    wr(sock + so_l::state, SS_UNCONNECTED);
    wr(sock + so_l::r#type, SOCK_DGRAM as i16);
    wr(sock + so_l::sk, sk);
    // init_waitqueue_head(&sock->wq.wait): unlocked, empty list
    // SAFETY: the wait queue head inside the socket block.
    unsafe { crate::kernel::sched::list_init(sock + so_l::wq + w_l::head) };
    wr(sk + s_l::sk_net, net);
    wr(sk + s_l::sk_family, PF_NETLINK);
    wr(sk + s_l::sk_state, TCP_CLOSE);
    wr(sk + s_l::sk_refcnt, 2u32);
    wr(sk + s_l::sk_type, SOCK_DGRAM);
    wr(sk + s_l::sk_protocol, unit as u16);
    wr(sk + s_l::sk_socket, sock);
    wr(sk + s_l::sk_wq, sock + so_l::wq);
    wr(sk + s_l::sk_rcvbuf, SK_MEM_DEFAULT);
    wr(sk + s_l::sk_sndbuf, SK_MEM_DEFAULT);
    wr(sk + s_l::sk_rcvtimeo, i64::MAX);
    wr(sk + s_l::sk_sndtimeo, i64::MAX);
    wr(sk + s_l::sk_rcvlowat, 1i32);
    wr(sk + s_l::sk_allocation, GFP_KERNEL);
    for q in [
        s_l::sk_receive_queue,
        s_l::sk_write_queue,
        s_l::sk_error_queue,
    ] {
        queue_init(sk + q);
    }
    (sk, sock)
}

fn free_pair(sk: u64, sock: u64) {
    // SAFETY: blocks from alloc_pair, no longer registered.
    unsafe {
        libc::free(sk as *mut libc::c_void);
        libc::free(sock as *mut libc::c_void);
    }
}

/// Boot: the built-in kernel sockets of init_net, and its `rtnl`,
/// `genl_sock` and `diag_nlsk`.
pub(crate) fn init(net: u64) {
    with(|s| {
        for unit in BUILTIN_UNITS {
            let (sk, sock) = alloc_pair(net, unit);
            s.socks.push(KSock {
                sk,
                sock,
                net,
                unit,
                refs: vec![],
                builtin: true,
            });
            let t = &mut s.table[unit as usize];
            t.registered += 1;
            t.groups = t.groups.max(32);
            let field = match unit {
                NETLINK_ROUTE => Some(n_l::rtnl),
                NETLINK_SOCK_DIAG => Some(n_l::diag_nlsk),
                NETLINK_GENERIC => Some(n_l::genl_sock),
                _ => None,
            };
            if let Some(f) = field {
                // SAFETY: a pointer field of the host's init_net.
                unsafe { put64(net + f, sk) };
            }
        }
    });
}

crate::kfn! {
    /// `__netlink_kernel_create(net, unit, module, cfg)`: the kernel socket,
    /// or NULL for a unit outside 0..MAX_LINKS or when `net` already has a
    /// kernel socket of that unit.
    fn __netlink_kernel_create(net: u64, unit: i32, module: u64, cfg: u64) -> u64 {
        if !(0..MAX_LINKS).contains(&unit) {
            return 0;
        }
        let rd = |off: u64| -> u64 {
            // SAFETY: the caller's struct netlink_kernel_cfg.
            if cfg == 0 { 0 } else { unsafe { get64(cfg + off) } }
        };
        let rd32 = |off: u64| -> u32 {
            // SAFETY: as above.
            if cfg == 0 { 0 } else { unsafe { ((cfg + off) as *const u32).read_unaligned() } }
        };
        let groups = rd32(c_l::groups).max(32);
        let (input, cb_mutex, bind, unbind, compare) =
            (rd(c_l::input), rd(c_l::cb_mutex), rd(c_l::bind), rd(c_l::unbind), rd(c_l::compare));
        with(|s| {
            // netlink_insert(sk, 0): the port is taken by the namespace's
            // kernel socket of this unit.
            if s.socks.iter().any(|k| k.net == net && k.unit == unit) {
                return 0;
            }
            let (sk, sock) = alloc_pair(net, unit);
            let refs = [module, input, cb_mutex, bind, unbind, compare].into_iter().filter(|&p| p != 0).collect();
            s.socks.push(KSock { sk, sock, net, unit, refs, builtin: false });
            let t = &mut s.table[unit as usize];
            if t.registered == 0 {
                *t = Table {
                    registered: 1,
                    groups,
                    cb_mutex,
                    module,
                    bind,
                    unbind,
                    flags: rd32(c_l::flags),
                    compare,
                };
            } else {
                t.registered += 1;
            }
            sk
        })
    }
}

/// `netlink_release` of a kernel socket: unhash, drop the unit's
/// registration (clearing the table at the last one).
fn release(s: &mut State, i: usize) -> (u64, u64) {
    let k = s.socks.remove(i);
    let t = &mut s.table[k.unit as usize];
    t.registered = t.registered.saturating_sub(1);
    if t.registered == 0 {
        *t = Table::default();
    }
    (k.sk, k.sock)
}

crate::kfn! {
    /// `netlink_kernel_release(sk)`: releases a kernel socket (NULL, or a
    /// sock without a socket, is ignored).
    fn netlink_kernel_release(sk: u64) {
        if sk == 0 {
            return;
        }
        let pair = with(|s| {
            let i = s.socks.iter().position(|k| k.sk == sk)?;
            Some(release(s, i))
        });
        match pair {
            Some((sk, sock)) => free_pair(sk, sock),
            None => crate::log::kernel_msg(3, &format!("netlink_kernel_release: {sk:#x} is not a kernel netlink socket of the host")),
        }
    }
}

crate::kfn! {
    /// `netlink_has_listeners(sk, group)`: whether a socket bound to
    /// `group` of the kernel socket's unit listens. The host has no
    /// user-space netlink sockets: 0.
    fn netlink_has_listeners(sk: u64, group: u32) -> i32 {
        let _ = (sk, group);
        0
    }
}

/// The kernel sockets of the host: (sk, unit, built-in) (tests).
pub fn kernel_sockets() -> Vec<(u64, i32, bool)> {
    with(|s| s.socks.iter().map(|k| (k.sk, k.unit, k.builtin)).collect())
}

/// `nl_table[unit].registered` (tests).
pub fn registered(unit: i32) -> u32 {
    with(|s| s.table.get(unit as usize).map_or(0, |t| t.registered))
}

/// A module freed with kernel sockets still open (a failed init): release
/// them.
fn purge(start: u64, end: u64) {
    let mut freed = Vec::new();
    {
        let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = g.as_mut() else { return };
        while let Some(i) = s
            .socks
            .iter()
            .position(|k| k.refs.iter().any(|&r| r >= start && r < end))
        {
            freed.push(release(s, i));
        }
    }
    for (sk, sock) in freed {
        free_pair(sk, sock);
    }
}
crate::purge_on_module_free!(purge);

crate::export_data!("__modhost_netlink_chain", size anh::SIZE, align 64);

crate::kfn! {
    /// `netlink_register_notifier(nb)`: joins the chain (by priority); 0, or
    /// -EEXIST when the block is already on it.
    fn netlink_register_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_netlink_chain", anh::head, |h| atomic_notifier_chain_register(h, nb))
    }
}

crate::kfn! {
    /// `netlink_unregister_notifier(nb)`: 0, or -ENOENT if it was not on the chain.
    fn netlink_unregister_notifier(nb: u64) -> i32 {
        kernel_chain("__modhost_netlink_chain", anh::head, |h| atomic_notifier_chain_unregister(h, nb))
    }
}

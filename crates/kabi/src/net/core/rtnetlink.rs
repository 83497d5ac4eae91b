//! net/core/rtnetlink.c: the RTNL mutex (`rtnl_lock`, `rtnl_unlock`,
//! `rtnl_trylock`, `rtnl_is_locked`) and link types (`rtnl_link_register`,
//! `__rtnl_link_register`, `rtnl_link_unregister`, `__rtnl_link_unregister`).
//!
//! The mutex is a word the holder sets, as kernel/locking/mutex.rs does for
//! modules' mutexes (waiting spins with `yield`); it can be taken on one
//! host CPU and released on another, as Linux's can. `rtnl_unlock` has no
//! queued net device work to run (the host has no net devices).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::fs::hostobj::{cbytes, get64, put64};
use crate::layout::rtnl_link_ops as l;
use crate::net::list;

static RTNL: AtomicU64 = AtomicU64::new(0);

fn token() -> u64 {
    thread_local!(static T: u8 = const { 0 });
    T.with(|t| t as *const u8 as u64) | 1
}

crate::kfn! {
    /// `rtnl_trylock()`: 1 when taken.
    fn rtnl_trylock() -> i32 {
        let owner = token();
        let ok = RTNL.compare_exchange(0, owner, Ordering::Acquire, Ordering::Relaxed).is_ok();
        if ok {
            crate::kernel::locking::held::taken(crate::kernel::locking::held::Held::Rtnl { owner });
        }
        ok as i32
    }
}
crate::kfn! {
    /// `rtnl_lock()`.
    fn rtnl_lock() {
        while rtnl_trylock() == 0 {
            std::thread::yield_now();
        }
    }
}
/// Releases the RTNL if `owner` still holds it (an abandoned call's).
pub(crate) fn force_unlock(owner: u64) -> bool {
    RTNL.compare_exchange(owner, 0, Ordering::Release, Ordering::Relaxed).is_ok()
}

crate::kfn! {
    /// `rtnl_lock_killable()`: 0 (the host never delivers fatal signals).
    fn rtnl_lock_killable() -> i32 {
        rtnl_lock();
        0
    }
}
crate::kfn! {
    /// `rtnl_unlock()`.
    fn rtnl_unlock() {
        let owner = RTNL.load(Ordering::Acquire);
        crate::kernel::locking::held::released(|h| *h == crate::kernel::locking::held::Held::Rtnl { owner });
        RTNL.store(0, Ordering::Release);
    }
}
crate::kfn! {
    /// `rtnl_is_locked()`.
    fn rtnl_is_locked() -> i32 {
        (RTNL.load(Ordering::Acquire) != 0) as i32
    }
}

/// net/core/rtnetlink.c's bounds on a link type's attribute counts.
const RTNL_MAX_TYPE: u32 = 50;
const RTNL_SLAVE_MAX_TYPE: u32 = 43;
const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ENOENT: i32 = 2;

/// The registered `rtnl_link_ops` (link_ops list order).
static LINK_OPS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn link_head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn kind(ops: u64) -> Vec<u8> {
    // SAFETY: a module's struct rtnl_link_ops.
    cbytes(unsafe { get64(ops + l::kind) })
}

crate::kfn! {
    /// `__rtnl_link_register(ops)` (RTNL held): 0 or -EEXIST for a kind
    /// already registered. A type that can create devices (`alloc` or
    /// `setup`) without `dellink` gets `unregister_netdevice_queue`.
    fn __rtnl_link_register(ops: u64) -> i32 {
        let k = kind(ops);
        let mut v = LINK_OPS.lock().unwrap_or_else(|e| e.into_inner());
        if v.iter().any(|&o| kind(o) == k) {
            return -EEXIST;
        }
        // SAFETY: the module's struct rtnl_link_ops.
        unsafe {
            if (get64(ops + l::alloc) != 0 || get64(ops + l::setup) != 0) && get64(ops + l::dellink) == 0 {
                if let Some(f) = crate::vmlinux::get().and_then(|vm| vm.symbol("unregister_netdevice_queue")) {
                    put64(ops + l::dellink, f);
                }
            }
        }
        v.push(ops);
        let members: Vec<u64> = v.iter().map(|o| o + l::list).collect();
        list::relink(link_head(), &members, 0, 0);
        0
    }
}

crate::kfn! {
    /// `rtnl_link_register(ops)`: -EINVAL (with Linux's WARN_ON) when the
    /// attribute counts exceed the core's bounds, else as
    /// `__rtnl_link_register` under RTNL.
    fn rtnl_link_register(ops: u64) -> i32 {
        // SAFETY: the module's struct rtnl_link_ops.
        let (max, smax) = unsafe { (((ops + l::maxtype) as *const u32).read_unaligned(), ((ops + l::slave_maxtype) as *const u32).read_unaligned()) };
        if max > RTNL_MAX_TYPE || smax > RTNL_SLAVE_MAX_TYPE {
            crate::log::kernel_msg(4, "WARNING: rtnl_link_register: ops->maxtype > RTNL_MAX_TYPE || ops->slave_maxtype > RTNL_SLAVE_MAX_TYPE");
            return -EINVAL;
        }
        rtnl_lock();
        let r = __rtnl_link_register(ops);
        rtnl_unlock();
        r
    }
}

crate::kfn! {
    /// `__rtnl_link_unregister(ops)` (RTNL held): unlinks it (devices of
    /// this type would be deleted first; the host has none).
    fn __rtnl_link_unregister(ops: u64) {
        let mut v = LINK_OPS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = v.iter().position(|&o| o == ops) {
            v.remove(i);
            list::poison(ops + l::list);
            let members: Vec<u64> = v.iter().map(|o| o + l::list).collect();
            list::relink(link_head(), &members, 0, 0);
        }
    }
}

crate::kfn! {
    /// `rtnl_link_unregister(ops)`.
    fn rtnl_link_unregister(ops: u64) {
        rtnl_lock();
        __rtnl_link_unregister(ops);
        rtnl_unlock();
    }
}

/// The registered link kinds (tests).
pub fn link_kinds() -> Vec<String> {
    let v = LINK_OPS.lock().unwrap_or_else(|e| e.into_inner());
    v.iter().map(|&o| String::from_utf8_lossy(&kind(o)).into_owned()).collect()
}

fn purge(start: u64, end: u64) {
    let mut v = LINK_OPS.lock().unwrap_or_else(|e| e.into_inner());
    let before = v.len();
    v.retain(|&o| !(o >= start && o < end));
    if v.len() != before {
        let members: Vec<u64> = v.iter().map(|o| o + l::list).collect();
        list::relink(link_head(), &members, start, end);
    }
}
crate::purge_on_module_free!(purge);

/// `RTNL_FAMILY_MAX`.
const RTNL_FAMILY_MAX: i32 = 129;
/// `RTM_BASE`, `RTM_NR_MSGTYPES`.
const RTM_BASE: i32 = 16;
const RTM_NR_MSGTYPES: i32 = crate::layout::net_consts::RTM_NR_MSGTYPES as i32;
/// `RTNL_FLAG_BULK_DEL_SUPPORTED`; `RTNL_KIND_DEL` is `msgtype & 3 == 1`.
const RTNL_FLAG_BULK_DEL_SUPPORTED: u32 = 4;

/// One `struct rtnl_link` (message handler) of `rtnl_msg_handlers`.
#[derive(Clone, Copy)]
struct MsgLink {
    owner: u64,
    doit: u64,
    dumpit: u64,
    flags: u32,
}

/// `rtnl_msg_handlers[protocol][msgindex]` registered by modules. The
/// handlers Linux's built-in code registers at boot (rtnetlink core, IPv4,
/// IPv6, ...) are not modelled: a module's registration over one of those
/// does not see it (Linux would WARN for a different `doit`/`dumpit`).
static MSG: Mutex<Vec<(i32, i32, MsgLink)>> = Mutex::new(Vec::new());

fn rtnl_bug(line: u32) {
    crate::log::kernel_msg(2, &format!("kernel BUG at net/core/rtnetlink.c:{line}!"));
}

/// `rtm_msgindex(msgtype)`: None where Linux BUG()s.
fn msgindex(msgtype: i32) -> Option<i32> {
    let i = msgtype.checked_sub(RTM_BASE)?;
    (0..RTM_NR_MSGTYPES).contains(&i).then_some(i)
}

crate::kfn! {
    /// `rtnl_register_module(owner, protocol, msgtype, doit, dumpit,
    /// flags)`: 0. Adds `doit`/`dumpit` to the (protocol, msgtype) handler
    /// (WARN when they replace different ones), ORs the flags. Linux
    /// BUG()s for a protocol or message type out of range; the host logs
    /// that line and returns -EINVAL.
    fn rtnl_register_module(owner: u64, protocol: i32, msgtype: i32, doit: u64, dumpit: u64, flags: u32) -> i32 {
        if !(0..=RTNL_FAMILY_MAX).contains(&protocol) {
            rtnl_bug(217);
            return -EINVAL;
        }
        let Some(idx) = msgindex(msgtype) else {
            rtnl_bug(187);
            return -EINVAL;
        };
        rtnl_lock();
        {
            let mut v = MSG.lock().unwrap_or_else(|e| e.into_inner());
            let i = match v.iter().position(|e| e.0 == protocol && e.1 == idx) {
                Some(i) => i,
                None => {
                    v.push((protocol, idx, MsgLink { owner: 0, doit: 0, dumpit: 0, flags: 0 }));
                    v.len() - 1
                }
            };
            let link = &mut v[i].2;
            if link.owner != 0 && link.owner != owner {
                crate::log::kernel_msg(4, "WARNING: at net/core/rtnetlink.c:242 rtnl_register_internal");
            }
            link.owner = owner;
            if doit != 0 && link.doit != 0 && link.doit != doit {
                crate::log::kernel_msg(4, "WARNING: at net/core/rtnetlink.c:245 rtnl_register_internal");
            }
            if doit != 0 {
                link.doit = doit;
            }
            if dumpit != 0 && link.dumpit != 0 && link.dumpit != dumpit {
                crate::log::kernel_msg(4, "WARNING: at net/core/rtnetlink.c:248 rtnl_register_internal");
            }
            if dumpit != 0 {
                link.dumpit = dumpit;
            }
            if msgtype & 3 != 1 && flags & RTNL_FLAG_BULK_DEL_SUPPORTED != 0 {
                crate::log::kernel_msg(4, "WARNING: at net/core/rtnetlink.c:252 rtnl_register_internal");
            }
            link.flags |= flags;
        }
        rtnl_unlock();
        0
    }
}

crate::kfn! {
    /// `rtnl_unregister(protocol, msgtype)`: 0, or -ENOENT when the
    /// protocol has no handler table (no module registered one).
    fn rtnl_unregister(protocol: i32, msgtype: i32) -> i32 {
        if !(0..=RTNL_FAMILY_MAX).contains(&protocol) {
            rtnl_bug(330);
            return -EINVAL;
        }
        let Some(idx) = msgindex(msgtype) else {
            rtnl_bug(187);
            return -EINVAL;
        };
        let mut v = MSG.lock().unwrap_or_else(|e| e.into_inner());
        if !v.iter().any(|e| e.0 == protocol) {
            return -ENOENT;
        }
        v.retain(|e| !(e.0 == protocol && e.1 == idx));
        0
    }
}

crate::kfn! {
    /// `rtnl_unregister_all(protocol)`: drops every handler of the protocol.
    fn rtnl_unregister_all(protocol: i32) {
        if !(0..=RTNL_FAMILY_MAX).contains(&protocol) {
            rtnl_bug(363);
            return;
        }
        MSG.lock().unwrap_or_else(|e| e.into_inner()).retain(|e| e.0 != protocol);
        crate::net::xfrm::synchronize_rcu();
    }
}

/// The (protocol, msgtype) pairs with module handlers (tests).
pub fn msg_handlers() -> Vec<(i32, i32)> {
    MSG.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|e| (e.0, e.1 + RTM_BASE)).collect()
}

/// `rtnl_af_ops`: the per-family link attribute ops modules add (the
/// built-in AF_INET and AF_INET6 ops precede them on Linux; not modelled).
static AF_OPS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn af_head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn relink_af(v: &[u64], start: u64, end: u64) {
    let members: Vec<u64> = v.iter().map(|o| o + crate::layout::rtnl_af_ops::list).collect();
    list::relink(af_head(), &members, start, end);
}

crate::kfn! {
    /// `rtnl_af_register(ops)`: appends the ops (under RTNL).
    fn rtnl_af_register(ops: u64) {
        rtnl_lock();
        {
            let mut v = AF_OPS.lock().unwrap_or_else(|e| e.into_inner());
            v.push(ops);
            relink_af(&v, 0, 0);
        }
        rtnl_unlock();
    }
}

crate::kfn! {
    /// `rtnl_af_unregister(ops)`: `list_del_rcu`, then waits for readers.
    fn rtnl_af_unregister(ops: u64) {
        rtnl_lock();
        {
            let mut v = AF_OPS.lock().unwrap_or_else(|e| e.into_inner());
            v.retain(|&o| o != ops);
            relink_af(&v, 0, 0);
            // list_del_rcu poisons prev only
            // SAFETY: the module's rtnl_af_ops.list.
            unsafe { put64(ops + crate::layout::rtnl_af_ops::list + 8, list::LIST_POISON2) };
        }
        rtnl_unlock();
        crate::net::xfrm::synchronize_rcu();
    }
}

/// The registered af ops (tests).
pub fn af_ops() -> Vec<u64> {
    AF_OPS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn purge_handlers(start: u64, end: u64) {
    let inside = |p: u64| p >= start && p < end;
    MSG.lock().unwrap_or_else(|e| e.into_inner()).retain(|e| !(inside(e.2.owner) || inside(e.2.doit) || inside(e.2.dumpit)));
    let mut v = AF_OPS.lock().unwrap_or_else(|e| e.into_inner());
    let before = v.len();
    v.retain(|&o| !inside(o));
    if v.len() != before {
        relink_af(&v, start, end);
    }
}
crate::purge_on_module_free!(purge_handlers);

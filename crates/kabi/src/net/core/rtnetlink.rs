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
        RTNL.compare_exchange(0, token(), Ordering::Acquire, Ordering::Relaxed).is_ok() as i32
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

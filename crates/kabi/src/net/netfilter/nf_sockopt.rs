//! net/netfilter/nf_sockopt.c: socket-option ranges of netfilter
//! (`nf_register_sockopt`, `nf_unregister_sockopt`, the `nf_sockopts`
//! list).
//!
//! Debian 6.1 registers none from built-in code (ip_tables, ebtables,
//! ip_set, nf_conntrack, IPVS are modules), so the list starts empty. A
//! registration whose protocol family matches one on the list and whose
//! set or get range (exclusive bounds) overlaps it fails with -EBUSY;
//! `list_add` puts the newest first. The ranges are served by
//! setsockopt/getsockopt from user space, which the host never receives.

use std::sync::Mutex;

use crate::layout::nf_sockopt_ops as l;
use crate::net::list;

const EBUSY: i32 = 16;

/// `nf_sockopts`, newest first.
static LIST: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

/// (pf, set_optmin, set_optmax, get_optmin, get_optmax).
fn ranges(o: u64) -> (u8, i32, i32, i32, i32) {
    let i = |off: u64| {
        // SAFETY: an int member of the module's struct nf_sockopt_ops.
        unsafe { ((o + off) as *const i32).read_unaligned() }
    };
    // SAFETY: as above; pf is a u8.
    let pf = unsafe { *((o + l::pf) as *const u8) };
    (
        pf,
        i(l::set_optmin),
        i(l::set_optmax),
        i(l::get_optmin),
        i(l::get_optmax),
    )
}

/// Do the exclusive ranges overlap?
fn overlap(min1: i32, max1: i32, min2: i32, max2: i32) -> bool {
    max1 > min2 && min1 < max2
}

fn relink(v: &[u64], start: u64, end: u64) {
    list::relink(
        head(),
        &v.iter().map(|o| o + l::list).collect::<Vec<_>>(),
        start,
        end,
    );
}

crate::kfn! {
    /// `nf_register_sockopt(reg)`: 0, or -EBUSY for an overlapping range of
    /// the same family.
    fn nf_register_sockopt(reg: u64) -> i32 {
        let r = ranges(reg);
        let mut v = LIST.lock().unwrap_or_else(|e| e.into_inner());
        let busy = v.iter().any(|&o| {
            let x = ranges(o);
            x.0 == r.0 && (overlap(x.1, x.2, r.1, r.2) || overlap(x.3, x.4, r.3, r.4))
        });
        if busy {
            return -EBUSY;
        }
        v.insert(0, reg);
        relink(&v, 0, 0);
        0
    }
}

crate::kfn! {
    /// `nf_unregister_sockopt(reg)`: `list_del`.
    fn nf_unregister_sockopt(reg: u64) {
        let mut v = LIST.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|&o| o != reg);
        list::poison(reg + l::list);
        relink(&v, 0, 0);
    }
}

/// The registered ops, newest first (tests).
pub fn sockopts() -> Vec<u64> {
    LIST.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn purge(start: u64, end: u64) {
    let mut v = LIST.lock().unwrap_or_else(|e| e.into_inner());
    let before = v.len();
    v.retain(|&o| !(o >= start && o < end));
    if v.len() != before {
        relink(&v, start, end);
    }
}
crate::purge_on_module_free!(purge);

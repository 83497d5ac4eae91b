//! net/netfilter/nf_log.c: packet loggers (`nf_log_register`,
//! `nf_log_unregister`, the `loggers[pf][type]` table), a namespace's
//! logger per family (`nf_log_set`, `nf_log_unset` on
//! `net->nf.nf_loggers[]`, init_net's own array) and
//! /proc/net/netfilter/nf_log in Linux's format ("%2lld NAME (a,b)").
//!
//! Debian 6.1 builds every logger as a module (nf_log_syslog,
//! nfnetlink_log), so the table starts empty. Loggers are called for
//! logged packets, which the host never has.

use std::sync::Mutex;

use crate::fs::hostobj::{cstr, get64, put64};
use crate::layout::nf_logger as l;

const EINVAL: i32 = 22;
const EEXIST: i32 = 17;
const EOPNOTSUPP: i32 = 95;
const NUMPROTO: usize = crate::layout::net_consts::NFPROTO_NUMPROTO as usize;
/// `NF_LOG_TYPE_MAX`.
const TYPE_MAX: usize = 2;

static LOGGERS: Mutex<[[u64; TYPE_MAX]; NUMPROTO]> = Mutex::new([[0; TYPE_MAX]; NUMPROTO]);

fn ty(logger: u64) -> Option<usize> {
    // SAFETY: the module's struct nf_logger (enum type).
    let t = unsafe { ((logger + l::r#type) as *const u32).read_unaligned() } as usize;
    (t < TYPE_MAX).then_some(t)
}

fn name(logger: u64) -> String {
    // SAFETY: the module's struct nf_logger (char *name).
    cstr(unsafe { get64(logger + l::name) })
}

/// `&net->nf.nf_loggers[pf]`.
fn net_slot(net: u64, pf: usize) -> u64 {
    net + crate::layout::net::nf_loggers + 8 * pf as u64
}

crate::kfn! {
    /// `nf_log_set(net, pf, logger)`: makes `logger` the namespace's logger
    /// for `pf` unless it has one; 0, or -EOPNOTSUPP for NFPROTO_UNSPEC or
    /// a family out of range.
    fn nf_log_set(net: u64, pf: u8, logger: u64) -> i32 {
        let pf = pf as usize;
        if pf == 0 || pf >= NUMPROTO {
            return -EOPNOTSUPP;
        }
        let _g = LOGGERS.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: a slot of the namespace's nf_loggers array.
        unsafe {
            if get64(net_slot(net, pf)) == 0 {
                put64(net_slot(net, pf), logger);
            }
        }
        0
    }
}

crate::kfn! {
    /// `nf_log_unset(net, logger)`: clears the namespace's slots holding it.
    fn nf_log_unset(net: u64, logger: u64) {
        let _g = LOGGERS.lock().unwrap_or_else(|e| e.into_inner());
        for pf in 0..NUMPROTO {
            // SAFETY: as above.
            unsafe {
                if get64(net_slot(net, pf)) == logger {
                    put64(net_slot(net, pf), 0);
                }
            }
        }
    }
}

crate::kfn! {
    /// `nf_log_register(pf, logger)`: 0, -EINVAL for a family out of
    /// range, -EEXIST when the slot (any family's, for NFPROTO_UNSPEC) of
    /// the logger's type is taken.
    fn nf_log_register(pf: u8, logger: u64) -> i32 {
        let pf = pf as usize;
        if pf >= NUMPROTO {
            return -EINVAL;
        }
        let Some(t) = ty(logger) else { return -EINVAL };
        let mut g = LOGGERS.lock().unwrap_or_else(|e| e.into_inner());
        if pf == 0 {
            if g.iter().any(|row| row[t] != 0) {
                return -EEXIST;
            }
            for row in g.iter_mut() {
                row[t] = logger;
            }
        } else {
            if g[pf][t] != 0 {
                return -EEXIST;
            }
            g[pf][t] = logger;
        }
        0
    }
}

crate::kfn! {
    /// `nf_log_unregister(logger)`: clears its slots, waits for readers.
    fn nf_log_unregister(logger: u64) {
        if let Some(t) = ty(logger) {
            let mut g = LOGGERS.lock().unwrap_or_else(|e| e.into_inner());
            for row in g.iter_mut() {
                if row[t] == logger {
                    row[t] = 0;
                }
            }
        }
        crate::net::xfrm::synchronize_rcu();
    }
}

/// /proc/net/netfilter/nf_log of init_net.
fn show() -> Vec<u8> {
    let net = crate::net::core::net_namespace::init_net();
    let g = LOGGERS.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    for (pf, row) in g.iter().enumerate() {
        // SAFETY: init_net's nf_loggers slot.
        let cur = unsafe { get64(net_slot(net, pf)) };
        let cur = if cur == 0 {
            "NONE".to_string()
        } else {
            name(cur)
        };
        out.push_str(&format!("{pf:2} {cur} ("));
        for (i, &lg) in row.iter().enumerate() {
            if lg == 0 {
                continue;
            }
            out.push_str(&name(lg));
            if i == 0 && row[1] != 0 {
                out.push(',');
            }
        }
        out.push_str(")\n");
    }
    out.into_bytes()
}

/// Boot: the view.
pub(crate) fn init() {
    crate::fs::kernfs::add_file("/proc/net/netfilter/nf_log", show);
}

fn purge(start: u64, end: u64) {
    let inside = |p: u64| p >= start && p < end;
    let mut g = LOGGERS.lock().unwrap_or_else(|e| e.into_inner());
    for s in g.iter_mut().flatten() {
        if inside(*s) {
            *s = 0;
        }
    }
    let net = crate::net::core::net_namespace::init_net();
    for pf in 0..NUMPROTO {
        // SAFETY: init_net's nf_loggers slot.
        unsafe {
            if inside(get64(net_slot(net, pf))) {
                put64(net_slot(net, pf), 0);
            }
        }
    }
}
crate::purge_on_module_free!(purge);

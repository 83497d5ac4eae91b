//! net/sched/ematch.c: extended matches (`tcf_em_register`,
//! `tcf_em_unregister`, the `ematch_ops` list).
//!
//! Debian 6.1 builds the ematch core in (`CONFIG_NET_EMATCH=y`) and every
//! match as a module, so the list starts empty. A match needs `match`
//! (-EINVAL) and a kind (an int) no other has (-EEXIST). Matches run
//! inside classifiers set up by user-space requests: the host never calls
//! them.

use std::sync::Mutex;

use crate::fs::hostobj::get64;
use crate::layout::tcf_ematch_ops as l;
use crate::net::list;

const EEXIST: i32 = 17;
const EINVAL: i32 = 22;

static OPS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn kind(o: u64) -> i32 {
    // SAFETY: a module's tcf_ematch_ops.
    unsafe { ((o + l::kind) as *const i32).read_unaligned() }
}

fn relink(v: &[u64], start: u64, end: u64) {
    list::relink(
        head(),
        &v.iter().map(|o| o + l::link).collect::<Vec<_>>(),
        start,
        end,
    );
}

crate::kfn! {
    /// `tcf_em_register(ops)`: 0, -EINVAL without `match`, -EEXIST for a
    /// kind in use.
    fn tcf_em_register(ops: u64) -> i32 {
        // SAFETY: the module's tcf_ematch_ops.
        if unsafe { get64(ops + l::r#match) } == 0 {
            return -EINVAL;
        }
        let k = kind(ops);
        let mut v = OPS.lock().unwrap_or_else(|e| e.into_inner());
        if v.iter().any(|&o| kind(o) == k) {
            return -EEXIST;
        }
        v.push(ops);
        relink(&v, 0, 0);
        0
    }
}

crate::kfn! {
    /// `tcf_em_unregister(ops)`: `list_del` of the ops.
    fn tcf_em_unregister(ops: u64) {
        let mut v = OPS.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|&o| o != ops);
        list::poison(ops + l::link);
        relink(&v, 0, 0);
    }
}

/// The registered ematch kinds (tests).
pub fn kinds() -> Vec<i32> {
    OPS.lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|&o| kind(o))
        .collect()
}

fn purge(start: u64, end: u64) {
    let mut v = OPS.lock().unwrap_or_else(|e| e.into_inner());
    let before = v.len();
    v.retain(|&o| !(o >= start && o < end));
    if v.len() != before {
        relink(&v, start, end);
    }
}
crate::purge_on_module_free!(purge);

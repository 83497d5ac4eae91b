//! net/sched/cls_api.c: the classifier list (`register_tcf_proto_ops`,
//! `unregister_tcf_proto_ops`, `tcf_proto_base`).
//!
//! Debian 6.1 builds no classifier in (every `CONFIG_NET_CLS_*` kind is
//! =m), so the list starts empty. Kinds are unique (-EEXIST); the list is
//! kept in Linux's shape through each ops' `head` member, in registration
//! order. Classifiers are instantiated by RTM_NEWTFILTER requests, which
//! only user space sends: the host never calls their ops. Unregistering
//! waits for RCU callbacks (`rcu_barrier`) as Linux does; the host queues
//! nothing on Linux's `tc_filter_wq`, so there is nothing to flush.

use std::sync::Mutex;

use crate::layout::tcf_proto_ops as l;
use crate::net::list;

const EEXIST: i32 = 17;
const ENOENT: i32 = 2;
const IFNAMSIZ: usize = 16;

static BASE: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn kind(o: u64) -> Vec<u8> {
    // SAFETY: a module's tcf_proto_ops; kind is char[IFNAMSIZ].
    let raw = unsafe { std::slice::from_raw_parts((o + l::kind) as *const u8, IFNAMSIZ) };
    raw[..raw.iter().position(|&c| c == 0).unwrap_or(IFNAMSIZ)].to_vec()
}

fn relink(v: &[u64], start: u64, end: u64) {
    list::relink(
        head(),
        &v.iter().map(|o| o + l::head).collect::<Vec<_>>(),
        start,
        end,
    );
}

crate::kfn! {
    /// `register_tcf_proto_ops(ops)`: 0, or -EEXIST for a kind in use.
    fn register_tcf_proto_ops(ops: u64) -> i32 {
        let k = kind(ops);
        let mut v = BASE.lock().unwrap_or_else(|e| e.into_inner());
        if v.iter().any(|&o| kind(o) == k) {
            return -EEXIST;
        }
        v.push(ops);
        relink(&v, 0, 0);
        0
    }
}

fn rcu_barrier() {
    if let Some(f) = crate::vmlinux::get().and_then(|v| v.symbol("rcu_barrier")) {
        // SAFETY: the vmlinux stub of the host's rcu_barrier (implemented).
        let f: extern "C" fn() = unsafe { std::mem::transmute::<u64, extern "C" fn()>(f) };
        f();
    }
}

crate::kfn! {
    /// `unregister_tcf_proto_ops(ops)`: after `rcu_barrier()`, takes the
    /// ops off the list; WARNs when they were not on it.
    fn unregister_tcf_proto_ops(ops: u64) {
        rcu_barrier();
        let found = {
            let mut v = BASE.lock().unwrap_or_else(|e| e.into_inner());
            match v.iter().position(|&o| o == ops) {
                Some(i) => {
                    v.remove(i);
                    list::poison(ops + l::head);
                    relink(&v, 0, 0);
                    true
                }
                None => false,
            }
        };
        if !found {
            let k = String::from_utf8_lossy(&kind(ops)).into_owned();
            crate::log::kernel_msg(4, &format!("unregister tc filter kind({k}) failed {}", -ENOENT));
        }
    }
}

/// The registered classifier kinds, in list order (tests).
pub fn kinds() -> Vec<String> {
    BASE.lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|&o| String::from_utf8_lossy(&kind(o)).into_owned())
        .collect()
}

fn purge(start: u64, end: u64) {
    let mut v = BASE.lock().unwrap_or_else(|e| e.into_inner());
    let before = v.len();
    v.retain(|&o| !(o >= start && o < end));
    if v.len() != before {
        relink(&v, start, end);
    }
}
crate::purge_on_module_free!(purge);

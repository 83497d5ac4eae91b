//! net/sched/sch_api.c: `register_qdisc`, `unregister_qdisc`.
//!
//! The built-in queueing disciplines of Debian 6.1 (`CONFIG_NET_SCH_FIFO=y`
//! and sch_generic's): pfifo_fast, noqueue, mq, pfifo, bfifo,
//! pfifo_head_drop (and the unregistered noop); a module registering one of
//! those ids gets -EEXIST. Missing `enqueue`/`dequeue`/`peek` get
//! `noop_qdisc_ops`'s functions, as Linux fills them in.

use std::sync::Mutex;

use crate::fs::hostobj::{get64, put64};
use crate::layout::{qdisc_class_ops as c_l, qdisc_ops as l};

const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
/// `IFNAMSIZ`: `Qdisc_ops.id` is a char array of this size.
const IDLEN: usize = 16;

const BUILTIN: &[&str] = &["pfifo_fast", "noqueue", "mq", "pfifo", "bfifo", "pfifo_head_drop"];

enum Q {
    Builtin(&'static str),
    Module(u64),
}

static QDISCS: Mutex<Option<Vec<Q>>> = Mutex::new(None);

fn id_of(q: &Q) -> Vec<u8> {
    match q {
        Q::Builtin(n) => n.as_bytes().to_vec(),
        Q::Module(p) => {
            // SAFETY: a module's struct Qdisc_ops; id is char[IFNAMSIZ].
            let raw = unsafe { std::slice::from_raw_parts((p + l::id) as *const u8, IDLEN) };
            raw[..raw.iter().position(|&c| c == 0).unwrap_or(IDLEN)].to_vec()
        }
    }
}

fn with<R>(f: impl FnOnce(&mut Vec<Q>) -> R) -> R {
    let mut g = QDISCS.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| BUILTIN.iter().map(|&n| Q::Builtin(n)).collect()))
}

/// Links the module entries' `next` as Linux's `qdisc_base` chain holds
/// them (the built-ins precede them).
fn relink(v: &[Q], start: u64, end: u64) {
    let m: Vec<u64> = v
        .iter()
        .filter_map(|q| if let Q::Module(p) = q { Some(*p) } else { None })
        .collect();
    for (i, &p) in m.iter().enumerate() {
        if !(p >= start && p < end) {
            // SAFETY: a registered Qdisc_ops outside freed memory.
            unsafe { put64(p + l::next, m.get(i + 1).copied().unwrap_or(0)) };
        }
    }
}

crate::kfn! {
    /// `noop_qdisc_ops.enqueue` (net/sched/sch_generic.c): drops the skb
    /// onto `to_free` and returns NET_XMIT_CN.
    fn __modhost_noop_enqueue(skb: u64, qdisc: u64, to_free: u64) -> i32 {
        let _ = qdisc;
        // SAFETY: skb->next is at offset 0; to_free is the caller's list.
        unsafe {
            put64(skb, get64(to_free));
            put64(to_free, skb);
        }
        2
    }
}
crate::kfn! {
    /// `noop_qdisc_ops.dequeue`/`.peek`: nothing to dequeue.
    fn __modhost_noop_dequeue(qdisc: u64) -> u64 {
        let _ = qdisc;
        0
    }
}

fn sym(name: &str) -> u64 {
    crate::vmlinux::get().and_then(|v| v.symbol(name)).unwrap_or(0)
}

crate::kfn! {
    /// `register_qdisc(qops)`: 0; -EEXIST for a taken id; -EINVAL for a
    /// dequeue without peek or incomplete class operations.
    fn register_qdisc(qops: u64) -> i32 {
        let id = id_of(&Q::Module(qops));
        with(|v| {
            if v.iter().any(|q| id_of(q) == id) {
                return -EEXIST;
            }
            // SAFETY: the module's struct Qdisc_ops (and its class ops).
            unsafe {
                if get64(qops + l::enqueue) == 0 {
                    put64(qops + l::enqueue, sym("__modhost_noop_enqueue"));
                }
                if get64(qops + l::peek) == 0 {
                    if get64(qops + l::dequeue) == 0 {
                        put64(qops + l::peek, sym("__modhost_noop_dequeue"));
                    } else {
                        return -EINVAL;
                    }
                }
                if get64(qops + l::dequeue) == 0 {
                    put64(qops + l::dequeue, sym("__modhost_noop_dequeue"));
                }
                let c = get64(qops + l::cl_ops);
                if c != 0 {
                    if get64(c + c_l::find) == 0 || get64(c + c_l::walk) == 0 || get64(c + c_l::leaf) == 0 {
                        return -EINVAL;
                    }
                    if get64(c + c_l::tcf_block) != 0 && (get64(c + c_l::bind_tcf) == 0 || get64(c + c_l::unbind_tcf) == 0) {
                        return -EINVAL;
                    }
                }
                put64(qops + l::next, 0);
            }
            v.push(Q::Module(qops));
            relink(v, 0, 0);
            0
        })
    }
}

crate::kfn! {
    /// `unregister_qdisc(qops)`: unlinks it; Linux WARNs
    /// "unregister qdisc(%s) failed" when it was not registered (the host
    /// logs that line).
    fn unregister_qdisc(qops: u64) {
        let found = with(|v| match v.iter().position(|q| matches!(q, Q::Module(p) if *p == qops)) {
            Some(i) => {
                v.remove(i);
                // SAFETY: the module's Qdisc_ops.
                unsafe { put64(qops + l::next, 0) };
                relink(v, 0, 0);
                true
            }
            None => false,
        });
        if !found {
            let id = String::from_utf8_lossy(&id_of(&Q::Module(qops))).into_owned();
            crate::log::kernel_msg(4, &format!("unregister qdisc({id}) failed"));
        }
    }
}

/// The registered qdisc ids (tests).
pub fn qdisc_ids() -> Vec<String> {
    with(|v| v.iter().map(|q| String::from_utf8_lossy(&id_of(q)).into_owned()).collect())
}

fn purge(start: u64, end: u64) {
    let mut g = QDISCS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = g.as_mut() {
        v.retain(|q| !matches!(q, Q::Module(p) if *p >= start && *p < end));
        relink(v, start, end);
    }
}
crate::purge_on_module_free!(purge);

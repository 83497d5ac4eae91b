//! net/sched/act_api.c: `tcf_register_action`, `tcf_unregister_action`.
//!
//! Debian 6.1 builds no action in (every `CONFIG_NET_ACT_*` is =m), so
//! `act_base` starts empty. Registration validates the ops, registers the
//! action's pernet operations (net/core/net_namespace.rs: its init runs on
//! init_net), then refuses a taken id or kind with -EEXIST (unregistering
//! the pernet ops again), as Linux does.

use std::sync::Mutex;

use crate::fs::hostobj::get64;
use crate::layout::tc_action_ops as l;
use crate::net::core::net_namespace::{register_pernet_subsys, unregister_pernet_subsys};
use crate::net::list;

const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ENOENT: i32 = 2;
const IDLEN: usize = 16;

static ACT_BASE: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn kind(a: u64) -> Vec<u8> {
    // SAFETY: a module's tc_action_ops; kind is char[IFNAMSIZ].
    let raw = unsafe { std::slice::from_raw_parts((a + l::kind) as *const u8, IDLEN) };
    raw[..raw.iter().position(|&c| c == 0).unwrap_or(IDLEN)].to_vec()
}

fn id(a: u64) -> u32 {
    // SAFETY: as above; id is an enum (int).
    unsafe { ((a + l::id) as *const u32).read_unaligned() }
}

fn relink(v: &[u64], start: u64, end: u64) {
    list::relink(head(), &v.iter().map(|a| a + l::head).collect::<Vec<_>>(), start, end);
}

crate::kfn! {
    /// `tcf_register_action(act, ops)`: 0, -EINVAL (no act/dump/init), the
    /// pernet registration's error, or -EEXIST.
    fn tcf_register_action(act: u64, ops: u64) -> i32 {
        // SAFETY: the module's tc_action_ops.
        let ok = unsafe { get64(act + l::act) != 0 && get64(act + l::dump) != 0 && get64(act + l::init) != 0 };
        if !ok {
            return -EINVAL;
        }
        let r = register_pernet_subsys(ops);
        if r != 0 {
            return r;
        }
        let (k, i) = (kind(act), id(act));
        let dup = {
            let mut v = ACT_BASE.lock().unwrap_or_else(|e| e.into_inner());
            let dup = v.iter().any(|&a| id(a) == i || kind(a) == k);
            if !dup {
                v.push(act);
                relink(&v, 0, 0);
            }
            dup
        };
        if dup {
            unregister_pernet_subsys(ops);
            return -EEXIST;
        }
        0
    }
}

crate::kfn! {
    /// `tcf_unregister_action(act, ops)`: 0 (and the pernet ops go), or
    /// -ENOENT.
    fn tcf_unregister_action(act: u64, ops: u64) -> i32 {
        let found = {
            let mut v = ACT_BASE.lock().unwrap_or_else(|e| e.into_inner());
            match v.iter().position(|&a| a == act) {
                Some(i) => {
                    v.remove(i);
                    list::poison(act + l::head);
                    relink(&v, 0, 0);
                    true
                }
                None => false,
            }
        };
        if !found {
            return -ENOENT;
        }
        unregister_pernet_subsys(ops);
        0
    }
}

/// The registered action kinds (tests).
pub fn action_kinds() -> Vec<String> {
    ACT_BASE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|&a| String::from_utf8_lossy(&kind(a)).into_owned())
        .collect()
}

fn purge(start: u64, end: u64) {
    let mut v = ACT_BASE.lock().unwrap_or_else(|e| e.into_inner());
    let before = v.len();
    v.retain(|&a| !(a >= start && a < end));
    if v.len() != before {
        relink(&v, start, end);
    }
}
crate::purge_on_module_free!(purge);

fn vm(name: &str) -> u64 {
    crate::vmlinux::get().and_then(|v| v.symbol(name)).unwrap_or(0)
}

crate::kfn! {
    /// `tcf_idrinfo_destroy(ops, idrinfo)`: releases the actions left in
    /// the namespace's action IDR, then destroys the IDR (what an action's
    /// pernet exit does through `tc_action_net_exit`). Actions are made by
    /// `tcf_idr_create` for RTM_NEWACTION requests, which only user space
    /// sends: in the host the IDR holds none, and a non-empty one (entries
    /// the host did not make) is reported and left as it is, as Linux
    /// leaves it when a release fails.
    fn tcf_idrinfo_destroy(ops: u64, idrinfo: u64) {
        let _ = ops;
        let idr = idrinfo + crate::layout::tcf_idrinfo::action_idr;
        type Next = extern "C" fn(u64, *mut u64) -> u64;
        type Destroy = extern "C" fn(u64);
        let (next, destroy) = (vm("idr_get_next_ul"), vm("idr_destroy"));
        if next == 0 || destroy == 0 {
            return;
        }
        // SAFETY: the vmlinux stubs of the host's idr_get_next_ul and
        // idr_destroy (implemented exports).
        let (next, destroy): (Next, Destroy) = unsafe { (std::mem::transmute::<u64, Next>(next), std::mem::transmute::<u64, Destroy>(destroy)) };
        let mut id = 1u64;
        if next(idr, &mut id) != 0 {
            crate::log::kernel_msg(3, &format!("modhost: tcf_idrinfo_destroy: action {id} was not made by the host; the IDR is left"));
            return;
        }
        destroy(idr);
    }
}

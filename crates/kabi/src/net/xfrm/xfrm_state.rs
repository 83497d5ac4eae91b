//! net/xfrm/xfrm_state.c: transform types per family
//! (`xfrm_register_type`/`xfrm_unregister_type`,
//! `xfrm_register_type_offload`/`xfrm_unregister_type_offload`) and key
//! managers (`xfrm_register_km`/`xfrm_unregister_km`, `xfrm_km_list`).
//!
//! The types live in the `xfrm_state_afinfo` of their family; Debian 6.1
//! has those of AF_INET and AF_INET6 (built-in IPv4/IPv6), any other family
//! gives -EAFNOSUPPORT. A slot per protocol (COMP, AH, ESP, IPIP, DSTOPTS,
//! ROUTING, IPV6); AF_INET6's DSTOPTS and ROUTING hold mip6's types at
//! boot (`CONFIG_IPV6_MIP6=y`). Registering over a taken slot replaces it
//! with a WARN, as 6.1 does; an unknown protocol WARNs and gives
//! -EPROTONOSUPPORT. Key managers are kept in registration order
//! (`list_add_tail_rcu` on their `list` member); they are told of state
//! and policy events, which only user-space configuration creates: the
//! host never calls them.

use std::sync::Mutex;

use crate::layout::{xfrm_mgr as km_l, xfrm_type as t_l, xfrm_type_offload as o_l};
use crate::net::list;

use super::warn_on;

const EAFNOSUPPORT: i32 = 97;
const EPROTONOSUPPORT: i32 = 93;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
const FILE: &str = "net/xfrm/xfrm_state.c";

/// The protocols with a type slot, and the lines of 6.1's
/// register/unregister WARN_ONs for each.
const PROTOS: [(u8, u32, u32); 7] = [
    (108, 218, 263), // IPPROTO_COMP
    (51, 221, 266),  // IPPROTO_AH
    (50, 224, 269),  // IPPROTO_ESP
    (4, 227, 272),   // IPPROTO_IPIP
    (60, 230, 275),  // IPPROTO_DSTOPTS
    (43, 233, 278),  // IPPROTO_ROUTING
    (41, 236, 281),  // IPPROTO_IPV6
];
const IPPROTO_ESP: u8 = 50;
/// A built-in type (mip6's), not a module's.
const BUILTIN: u64 = 1;

#[derive(Default)]
struct Afinfo {
    /// The type of each PROTOS entry (0: none).
    types: [u64; 7],
    offload_esp: u64,
}

struct State {
    inet: Afinfo,
    inet6: Afinfo,
    kms: Vec<u64>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| {
        let mut inet6 = Afinfo::default();
        inet6.types[4] = BUILTIN; // mip6_destopt_type
        inet6.types[5] = BUILTIN; // mip6_rthdr_type
        State {
            inet: Afinfo::default(),
            inet6,
            kms: Vec::new(),
        }
    }))
}

/// `xfrm_state_get_afinfo(family)`.
fn afinfo(s: &mut State, family: u16) -> Option<&mut Afinfo> {
    match family {
        AF_INET => Some(&mut s.inet),
        AF_INET6 => Some(&mut s.inet6),
        _ => None,
    }
}

fn proto(t: u64, off: u64) -> u8 {
    // SAFETY: the module's struct xfrm_type / xfrm_type_offload (u8 proto).
    unsafe { *((t + off) as *const u8) }
}

crate::kfn! {
    /// `xfrm_register_type(type, family)`: 0, -EAFNOSUPPORT, or
    /// -EPROTONOSUPPORT (with a WARN) for a protocol without a slot.
    fn xfrm_register_type(ty: u64, family: u16) -> i32 {
        let p = proto(ty, t_l::proto);
        with(|s| {
            let Some(a) = afinfo(s, family) else { return -EAFNOSUPPORT };
            match PROTOS.iter().position(|x| x.0 == p) {
                Some(i) => {
                    if a.types[i] != 0 {
                        warn_on(FILE, PROTOS[i].1, "xfrm_register_type");
                    }
                    a.types[i] = ty;
                    0
                }
                None => {
                    warn_on(FILE, 239, "xfrm_register_type");
                    -EPROTONOSUPPORT
                }
            }
        })
    }
}

crate::kfn! {
    /// `xfrm_unregister_type(type, family)`: empties the slot (WARN when it
    /// held another type).
    fn xfrm_unregister_type(ty: u64, family: u16) {
        let p = proto(ty, t_l::proto);
        with(|s| {
            let Some(a) = afinfo(s, family) else { return };
            match PROTOS.iter().position(|x| x.0 == p) {
                Some(i) => {
                    if a.types[i] != ty {
                        warn_on(FILE, PROTOS[i].2, "xfrm_unregister_type");
                    }
                    a.types[i] = 0;
                }
                None => warn_on(FILE, 284, "xfrm_unregister_type"),
            }
        })
    }
}

crate::kfn! {
    /// `xfrm_register_type_offload(type, family)`: 0 for ESP,
    /// -EPROTONOSUPPORT (WARN) otherwise, -EAFNOSUPPORT.
    fn xfrm_register_type_offload(ty: u64, family: u16) -> i32 {
        let p = proto(ty, o_l::proto);
        with(|s| {
            let Some(a) = afinfo(s, family) else { return -EAFNOSUPPORT };
            if p != IPPROTO_ESP {
                warn_on(FILE, 363, "xfrm_register_type_offload");
                return -EPROTONOSUPPORT;
            }
            if a.offload_esp != 0 {
                warn_on(FILE, 359, "xfrm_register_type_offload");
            }
            a.offload_esp = ty;
            0
        })
    }
}

crate::kfn! {
    /// `xfrm_unregister_type_offload(type, family)`.
    fn xfrm_unregister_type_offload(ty: u64, family: u16) {
        let p = proto(ty, o_l::proto);
        with(|s| {
            let Some(a) = afinfo(s, family) else { return };
            if p != IPPROTO_ESP {
                warn_on(FILE, 387, "xfrm_unregister_type_offload");
                return;
            }
            if a.offload_esp != ty {
                warn_on(FILE, 383, "xfrm_unregister_type_offload");
            }
            a.offload_esp = 0;
        })
    }
}

fn km_head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn relink_kms(v: &[u64], start: u64, end: u64) {
    list::relink(
        km_head(),
        &v.iter().map(|k| k + km_l::list).collect::<Vec<_>>(),
        start,
        end,
    );
}

crate::kfn! {
    /// `xfrm_register_km(km)`: appends the key manager.
    fn xfrm_register_km(km: u64) {
        with(|s| {
            s.kms.push(km);
            relink_kms(&s.kms, 0, 0);
        })
    }
}

crate::kfn! {
    /// `xfrm_unregister_km(km)`: `list_del_rcu`, then waits for readers.
    fn xfrm_unregister_km(km: u64) {
        with(|s| {
            s.kms.retain(|&k| k != km);
            relink_kms(&s.kms, 0, 0);
            // list_del_rcu poisons only prev
            // SAFETY: the module's xfrm_mgr.list.
            unsafe { crate::fs::hostobj::put64(km + km_l::list + 8, list::LIST_POISON2) };
        });
        super::synchronize_rcu();
    }
}

/// The module type registered for (family, protocol) (tests).
pub fn xfrm_type(family: u16, proto: u8) -> Option<u64> {
    with(|s| {
        let a = afinfo(s, family)?;
        let i = PROTOS.iter().position(|x| x.0 == proto)?;
        (a.types[i] > BUILTIN).then_some(a.types[i])
    })
}

/// The registered key managers (tests).
pub fn key_managers() -> Vec<u64> {
    with(|s| s.kms.clone())
}

fn purge(start: u64, end: u64) {
    with(|s| {
        for a in [&mut s.inet, &mut s.inet6] {
            for t in a
                .types
                .iter_mut()
                .chain(std::iter::once(&mut a.offload_esp))
            {
                if *t >= start && *t < end {
                    *t = 0;
                }
            }
        }
        let before = s.kms.len();
        s.kms.retain(|&k| !(k >= start && k < end));
        if s.kms.len() != before {
            relink_kms(&s.kms, start, end);
        }
    })
}
crate::purge_on_module_free!(purge);

crate::kfn! {
    /// `xfrm_state_flush(net, proto, task_valid)` (Debian's 6.1.192 has no
    /// `sync` argument): deletes the
    /// namespace's non-kernel states of `proto`; 0 when it deleted some,
    /// -ESRCH when there were none. States are made by user-space SA
    /// configuration (xfrm_user, af_key) or `xfrm_state_alloc`, which the
    /// host does not implement: the state tables are always empty, so the
    /// flush finds nothing.
    fn xfrm_state_flush(net: u64, proto: u8, task_valid: bool) -> i32 {
        let _ = (net, proto, task_valid);
        const ESRCH: i32 = 3;
        -ESRCH
    }
}

crate::kfn! {
    /// `xfrm_flush_gc()`: waits for the state garbage-collection work.
    /// States are never made in the host (see `xfrm_state_flush`), so no
    /// such work is ever queued: it returns at once, as Linux's
    /// `flush_work` on idle work does.
    fn xfrm_flush_gc() {}
}

//! net/xfrm/xfrm_input.c: the input callbacks per family
//! (`xfrm_input_register_afinfo`, `xfrm_input_unregister_afinfo`,
//! `xfrm_input_afinfo[is_ipip][family]`).
//!
//! Debian 6.1's built-in IPv4 and IPv6 (`xfrm4_protocol_init`,
//! `xfrm6_protocol_init`) take the non-IPIP slots of AF_INET and AF_INET6
//! at boot; the IPIP slots are the tunnel4/tunnel6 modules'. The
//! callbacks run on received packets, which the host has none of.

use std::sync::Mutex;

use crate::layout::xfrm_input_afinfo as l;

const EAFNOSUPPORT: i32 = 97;
const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;

#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Empty,
    Builtin,
    Module(u64),
}

static TABLE: Mutex<Option<[[Slot; AF_INET6 as usize + 1]; 2]>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut [[Slot; AF_INET6 as usize + 1]; 2]) -> R) -> R {
    let mut g = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| {
        let mut t = [[Slot::Empty; AF_INET6 as usize + 1]; 2];
        t[0][AF_INET as usize] = Slot::Builtin;
        t[0][AF_INET6 as usize] = Slot::Builtin;
        t
    }))
}

/// (family, is_ipip) of a module's `struct xfrm_input_afinfo`.
fn key(a: u64) -> (u8, usize) {
    // SAFETY: the module's struct xfrm_input_afinfo (u8 family, bool is_ipip).
    unsafe {
        (
            *((a + l::family) as *const u8),
            (*((a + l::is_ipip) as *const u8) != 0) as usize,
        )
    }
}

crate::kfn! {
    /// `xfrm_input_register_afinfo(afinfo)`: 0, -EEXIST for a taken slot,
    /// -EAFNOSUPPORT (with a WARN) for a family above AF_INET6.
    fn xfrm_input_register_afinfo(a: u64) -> i32 {
        let (family, ipip) = key(a);
        if family > AF_INET6 {
            super::warn_on("net/xfrm/xfrm_input.c", 58, "xfrm_input_register_afinfo");
            return -EAFNOSUPPORT;
        }
        with(|t| {
            let s = &mut t[ipip][family as usize];
            if *s != Slot::Empty {
                return -EEXIST;
            }
            *s = Slot::Module(a);
            0
        })
    }
}

crate::kfn! {
    /// `xfrm_input_unregister_afinfo(afinfo)`: 0 (also for an empty slot),
    /// or -EINVAL when the slot holds another afinfo; waits for RCU readers.
    fn xfrm_input_unregister_afinfo(a: u64) -> i32 {
        let (family, ipip) = key(a);
        let err = with(|t| {
            let Some(s) = t[ipip].get_mut(family as usize) else { return 0 };
            match *s {
                Slot::Empty => 0,
                Slot::Module(x) if x == a => {
                    *s = Slot::Empty;
                    0
                }
                _ => -EINVAL,
            }
        });
        super::synchronize_rcu();
        err
    }
}

/// The module afinfo in a slot (tests).
pub fn input_afinfo(is_ipip: bool, family: u8) -> Option<u64> {
    with(|t| match t[is_ipip as usize].get(family as usize) {
        Some(Slot::Module(a)) => Some(*a),
        _ => None,
    })
}

fn purge(start: u64, end: u64) {
    with(|t| {
        for s in t.iter_mut().flatten() {
            if matches!(*s, Slot::Module(a) if a >= start && a < end) {
                *s = Slot::Empty;
            }
        }
    })
}
crate::purge_on_module_free!(purge);

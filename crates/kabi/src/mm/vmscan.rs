//! mm/vmscan.c: the shrinker registry (Debian: CONFIG_MEMCG=y,
//! CONFIG_SHRINKER_DEBUG off, so the name format is not used). A
//! registered shrinker is linked into the host's `shrinker_list` through
//! its own `list` member, with `nr_deferred` allocated as Linux does. The
//! host never runs out of memory, so shrinkers are not called.

use std::sync::Mutex;

use crate::layout::{mm as c, shrinker as s};

const LIST_POISON1: u64 = 0xdead000000000100;
const LIST_POISON2: u64 = 0xdead000000000122;

struct Registry {
    /// The `shrinker_list` head (16 bytes of the direct map).
    head: u64,
    /// Registered shrinkers with their memcg ids.
    shrinkers: Vec<(u64, Option<u32>)>,
}

static REG: Mutex<Option<Registry>> = Mutex::new(None);

fn rd64(a: u64) -> u64 {
    // SAFETY: a field of the module's shrinker or of our list head.
    unsafe { (a as *const u64).read() }
}
fn wr64(a: u64, v: u64) {
    // SAFETY: a field of the module's shrinker or of our list head.
    unsafe { (a as *mut u64).write(v) }
}
fn rd32(a: u64) -> u32 {
    // SAFETY: a field of the module's shrinker.
    unsafe { (a as *const u32).read() }
}
fn wr32(a: u64, v: u32) {
    // SAFETY: a field of the module's shrinker.
    unsafe { (a as *mut u32).write(v) }
}

/// `__prealloc_shrinker`: a memcg id for MEMCG_AWARE shrinkers, else
/// `nr_deferred` (one counter, or one per node when NUMA_AWARE).
fn prealloc(sh: u64) -> i32 {
    let flags = rd32(sh + s::flags);
    if u64::from(flags) & c::SHRINKER_MEMCG_AWARE != 0 {
        let mut g = REG.lock().unwrap_or_else(|e| e.into_inner());
        let r = registry(&mut g);
        let Some(r) = r else { return -12 };
        let mut id = 0u32;
        while r.shrinkers.iter().any(|&(_, i)| i == Some(id)) {
            id += 1;
        }
        wr32(sh + s::id, id);
        r.shrinkers.push((sh, Some(id)));
        return 0;
    }
    // nr_node_ids is 1 on the host (one node).
    let p = super::slab::kmalloc_bytes(8, super::slab::GFP_ZERO);
    if p == 0 {
        return -12;
    }
    wr64(sh + s::nr_deferred, p);
    0
}

fn registry(g: &mut Option<Registry>) -> Option<&mut Registry> {
    if g.is_none() {
        let head = super::slab::kmalloc_bytes(16, super::slab::GFP_ZERO);
        if head == 0 {
            return None;
        }
        wr64(head, head);
        wr64(head + 8, head);
        *g = Some(Registry { head, shrinkers: Vec::new() });
    }
    g.as_mut()
}

crate::kfn! {
    /// `void register_shrinker_prepared(shrinker)`: links it into
    /// shrinker_list and marks it SHRINKER_REGISTERED.
    fn register_shrinker_prepared(sh: u64) {
        let mut g = REG.lock().unwrap_or_else(|e| e.into_inner());
        let Some(r) = registry(&mut g) else { return };
        // list_add_tail(&sh->list, head)
        let (head, node) = (r.head, sh + s::list);
        let prev = rd64(head + 8);
        wr64(node, head);
        wr64(node + 8, prev);
        wr64(prev, node);
        wr64(head + 8, node);
        if !r.shrinkers.iter().any(|&(a, _)| a == sh) {
            r.shrinkers.push((sh, None));
        }
        wr32(sh + s::flags, rd32(sh + s::flags) | c::SHRINKER_REGISTERED as u32);
    }
}

/// `int prealloc_shrinker(shrinker, fmt, ...)`.
extern "C" fn prealloc_shrinker(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    prealloc(a.arg(0)) as i64 as u64
}
crate::export_variadic!("prealloc_shrinker" => prealloc_shrinker);

/// `int register_shrinker(shrinker, fmt, ...)`: 0 or -ENOMEM.
extern "C" fn register_shrinker(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let sh = a.arg(0);
    let err = prealloc(sh);
    if err != 0 {
        return err as i64 as u64;
    }
    register_shrinker_prepared(sh);
    0
}
crate::export_variadic!("register_shrinker" => register_shrinker);

/// Drops `sh` from the registry; frees nr_deferred.
fn forget(sh: u64) {
    let mut g = REG.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = g.as_mut() {
        r.shrinkers.retain(|&(a, _)| a != sh);
    }
    drop(g);
    super::slab::kfree_addr(rd64(sh + s::nr_deferred));
    wr64(sh + s::nr_deferred, 0);
}

crate::kfn! {
    /// `void unregister_shrinker(shrinker)`: a shrinker that is not
    /// registered is left alone.
    fn unregister_shrinker(sh: u64) {
        if u64::from(rd32(sh + s::flags)) & c::SHRINKER_REGISTERED == 0 {
            return;
        }
        {
            let _g = REG.lock().unwrap_or_else(|e| e.into_inner());
            // list_del
            let node = sh + s::list;
            let (next, prev) = (rd64(node), rd64(node + 8));
            wr64(next + 8, prev);
            wr64(prev, next);
            wr64(node, LIST_POISON1);
            wr64(node + 8, LIST_POISON2);
        }
        wr32(sh + s::flags, rd32(sh + s::flags) & !(c::SHRINKER_REGISTERED as u32));
        forget(sh);
    }
}

crate::kfn! {
    /// `void free_prealloced_shrinker(shrinker)`.
    fn free_prealloced_shrinker(sh: u64) {
        forget(sh);
    }
}

crate::kfn! {
    /// `void synchronize_shrinkers(void)`: no shrinker is running.
    fn synchronize_shrinkers() {}
}

/// Module memory went away: forget the shrinkers that lived in it and
/// relink shrinker_list from the ones left (never reading freed memory).
fn purge(start: u64, end: u64) {
    let mut g = REG.lock().unwrap_or_else(|e| e.into_inner());
    let Some(r) = g.as_mut() else { return };
    if !r.shrinkers.iter().any(|&(a, _)| (start..end).contains(&a)) {
        return;
    }
    r.shrinkers.retain(|&(a, _)| !(start..end).contains(&a));
    let linked: Vec<u64> =
        r.shrinkers.iter().map(|&(a, _)| a).filter(|&a| u64::from(rd32(a + s::flags)) & c::SHRINKER_REGISTERED != 0).collect();
    let mut prev = r.head;
    for sh in linked {
        let node = sh + s::list;
        wr64(prev, node);
        wr64(node + 8, prev);
        prev = node;
    }
    wr64(prev, r.head);
    wr64(r.head + 8, prev);
}
crate::purge_on_module_free!(purge);

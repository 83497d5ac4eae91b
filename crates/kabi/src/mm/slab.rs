//! mm/slab_common.c and mm/slub.c: kmalloc and the slab caches, in the
//! direct map ([`super::page_alloc`]).
//!
//! - kmalloc sizes up to KMALLOC_MAX_CACHE_SIZE (8 KiB) come from the
//!   kmalloc caches (8, 16, 32, 64, 96, 128, 192, 256, ... 8192 bytes; a
//!   power-of-two size is naturally aligned, every object 8-aligned), larger
//!   ones are compound pages (kmalloc_large); `ksize` is the slot size.
//! - `kmem_cache_create` makes a cache with SLUB's sizing (alignment from
//!   SLAB_HWCACHE_ALIGN and `align`, a free pointer outside the object when
//!   there is a constructor or SLAB_TYPESAFE_BY_RCU); a new slab's objects
//!   each go through the constructor once, as Linux does.
//! - Debian sets CONFIG_INIT_ON_ALLOC_DEFAULT_ON: every allocation is zeroed
//!   except objects of caches with a constructor (or SLAB_TYPESAFE_BY_RCU
//!   without __GFP_ZERO).
//!
//! A `struct kmem_cache *` is the address of an object the host allocates
//! for the cache (modules never see its fields; mm/slab.h is private).
//! Memory that other parts of the host still take from the C allocator is
//! freed there by kfree (it is outside the direct map).

use std::collections::HashMap;
use std::sync::Mutex;

use super::page_alloc::{dmap, PAGE_SIZE};
use crate::layout::mm as c;

pub(crate) use super::page_alloc::GFP_ZERO;

const ZERO_SIZE_PTR: u64 = 16;
const SLAB_HWCACHE_ALIGN: u64 = c::SLAB_HWCACHE_ALIGN;
const SLAB_PANIC: u64 = c::SLAB_PANIC;
const SLAB_TYPESAFE_BY_RCU: u64 = c::SLAB_TYPESAFE_BY_RCU;
const KMALLOC_MAX_CACHE_SIZE: u64 = c::KMALLOC_MAX_CACHE_SIZE;
const KMALLOC_MAX_SIZE: u64 = c::KMALLOC_MAX_SIZE;
const NR_TYPES: usize = c::NR_KMALLOC_TYPES as usize;
const NR_INDEX: usize = c::KMALLOC_SHIFT_HIGH as usize + 1;
/// The size of the object that stands for a cache (`struct kmem_cache *`).
const CACHE_OBJ_SIZE: u64 = 256;

/// One slab cache.
struct Cache {
    name: String,
    /// The size asked for (`kmem_cache_size`).
    object_size: u64,
    /// The slot size (`s->size`).
    size: u64,
    /// `s->inuse`: the object plus padding up to the free pointer.
    inuse: u64,
    align: u64,
    flags: u64,
    ctor: u64,
    useroffset: u64,
    usersize: u64,
    /// Slab block order.
    order: u32,
    /// Free objects.
    free: Vec<u64>,
    /// First page index of each slab.
    slabs: Vec<u64>,
    /// Objects handed out.
    active: u64,
}

#[derive(Default)]
struct Slabs {
    caches: HashMap<u64, Cache>,
    /// Page index → the cache whose slab holds it.
    page_cache: HashMap<u64, u64>,
    /// kmalloc_caches[type][index] (0: none).
    kmalloc: Vec<[u64; NR_INDEX]>,
    /// Where the next cache object goes: (address, bytes left).
    obj_pool: (u64, u64),
}

static SLABS: Mutex<Option<Slabs>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Slabs) -> R) -> R {
    let mut g = SLABS.lock().unwrap_or_else(|e| e.into_inner());
    let s = g.get_or_insert_with(Slabs::default);
    f(s)
}

/// SLUB's `calculate_alignment`.
fn calculate_alignment(flags: u64, align: u64, size: u64) -> u64 {
    let mut align = align;
    if flags & SLAB_HWCACHE_ALIGN != 0 {
        let mut ralign = c::L1_CACHE_BYTES;
        while size <= ralign / 2 {
            ralign /= 2;
        }
        align = align.max(ralign);
    }
    align.max(8).next_multiple_of(8)
}

/// The slab order SLUB would pick, roughly: at least 8 objects or 4 pages... kept simple:
/// the smallest order (at most 3) whose slab holds 8 objects, order 0 for small ones.
fn slab_order(size: u64) -> u32 {
    let mut order = 0;
    while order < 3 && (PAGE_SIZE << order) < size * 8 {
        order += 1;
    }
    while (PAGE_SIZE << order) < size {
        order += 1;
    }
    order
}

impl Slabs {
    /// A new cache object's address (from pages of the direct map).
    fn cache_obj(&mut self) -> Option<u64> {
        if self.obj_pool.1 < CACHE_OBJ_SIZE {
            let d = dmap()?;
            let idx = d.alloc_pages(GFP_ZERO, 0)?;
            self.obj_pool = (d.addr_of(idx), PAGE_SIZE);
        }
        let a = self.obj_pool.0;
        self.obj_pool = (a + CACHE_OBJ_SIZE, self.obj_pool.1 - CACHE_OBJ_SIZE);
        Some(a)
    }

    fn create(&mut self, name: String, size: u64, align: u64, flags: u64, ctor: u64, useroffset: u64, usersize: u64) -> Option<u64> {
        let align = calculate_alignment(flags, align, size);
        let mut inuse = size.max(1).next_multiple_of(8);
        let mut slot = inuse;
        if ctor != 0 || flags & SLAB_TYPESAFE_BY_RCU != 0 {
            slot += 8; // the free pointer lives after the object
        }
        slot = slot.next_multiple_of(align);
        inuse = inuse.min(slot);
        let id = self.cache_obj()?;
        let cache = Cache {
            name,
            object_size: size,
            size: slot,
            inuse,
            align,
            flags,
            ctor,
            useroffset,
            usersize,
            order: slab_order(slot),
            free: Vec::new(),
            slabs: Vec::new(),
            active: 0,
        };
        self.caches.insert(id, cache);
        Some(id)
    }

    /// Adds a slab to cache `id`; returns the new objects (not yet free:
    /// the caller runs the constructor, then [`Slabs::give`]s them).
    fn grow(&mut self, id: u64) -> Option<Vec<u64>> {
        let d = dmap()?;
        let (order, size) = {
            let c = self.caches.get(&id)?;
            (c.order, c.size)
        };
        let idx = d.alloc_pages(0, order)?;
        for i in 0..(1u64 << order) {
            self.page_cache.insert(idx + i, id);
        }
        let base = d.addr_of(idx);
        let n = (PAGE_SIZE << order) / size;
        let c = self.caches.get_mut(&id)?;
        c.slabs.push(idx);
        // Handed out lowest address first.
        Some((0..n).rev().map(|i| base + i * size).collect())
    }
}

/// Allocates one object of cache `id` (running the constructor on a new
/// slab's objects first). 0 when out of memory.
fn cache_alloc(id: u64, gfp: u32) -> u64 {
    loop {
        let got = with(|s| {
            let c = s.caches.get_mut(&id)?;
            match c.free.pop() {
                Some(p) => {
                    c.active += 1;
                    Some(Ok((p, c.ctor, c.flags, c.size)))
                }
                None => Some(Err(c.ctor)),
            }
        });
        match got {
            None => return 0,
            Some(Ok((p, ctor, flags, size))) => {
                let init = if ctor != 0 {
                    false
                } else if flags & SLAB_TYPESAFE_BY_RCU != 0 {
                    gfp & GFP_ZERO != 0
                } else {
                    true
                };
                if init {
                    // SAFETY: a free object of `size` bytes of this cache.
                    unsafe { std::ptr::write_bytes(p as *mut u8, 0, size as usize) };
                }
                return p;
            }
            Some(Err(ctor)) => {
                let Some(objs) = with(|s| s.grow(id)) else { return 0 };
                if ctor != 0 {
                    for &o in objs.iter().rev() {
                        // The constructor is module code; no lock is held.
                        crate::fault::call_module(ctor, [o, 0, 0, 0, 0, 0]);
                    }
                }
                with(|s| {
                    if let Some(c) = s.caches.get_mut(&id) {
                        c.free.extend(objs);
                    }
                });
            }
        }
    }
}

/// Frees an object of the direct map: a slab object or a large kmalloc.
fn free_addr(p: u64) -> bool {
    let Some(d) = dmap() else { return false };
    let Some(idx) = d.index_of(p) else { return false };
    let done = with(|s| {
        let id = *s.page_cache.get(&idx)?;
        let c = s.caches.get_mut(&id)?;
        c.free.push(p);
        c.active = c.active.saturating_sub(1);
        Some(())
    });
    if done.is_none() {
        // kmalloc_large: a compound page block.
        d.free_block(idx);
    }
    true
}

/// The slot size of an object of the direct map (`__ksize`).
fn size_of(p: u64) -> Option<u64> {
    let d = dmap()?;
    let idx = d.index_of(p)?;
    let slab = with(|s| {
        let id = *s.page_cache.get(&idx)?;
        let c = s.caches.get(&id)?;
        Some(if c.flags & SLAB_TYPESAFE_BY_RCU != 0 { c.inuse } else { c.size })
    });
    slab.or_else(|| d.block_bytes(idx))
}

/// `kmalloc_index`: 1 (96), 2 (192), 3..=13 (2^n).
fn kmalloc_index(size: u64) -> usize {
    match size {
        0..=8 => 3,
        65..=96 => 1,
        129..=192 => 2,
        _ => (64 - (size - 1).leading_zeros()) as usize,
    }
}

/// `kmalloc_type(flags)`: NORMAL, CGROUP (__GFP_ACCOUNT), RECLAIM, DMA.
fn kmalloc_type(flags: u32) -> usize {
    const GFP_DMA: u32 = crate::layout::gfp::DMA as u32;
    const GFP_RECLAIMABLE: u32 = 0x10;
    const GFP_ACCOUNT: u32 = 0x400000;
    if flags & GFP_DMA != 0 {
        3
    } else if flags & GFP_RECLAIMABLE != 0 {
        2
    } else if flags & GFP_ACCOUNT != 0 {
        1
    } else {
        0
    }
}

fn kmalloc_caches() -> Vec<[u64; NR_INDEX]> {
    with(|s| {
        if s.kmalloc.is_empty() {
            let prefix = ["kmalloc-", "kmalloc-cg-", "kmalloc-rcl-", "dma-kmalloc-"];
            for t in 0..NR_TYPES {
                let mut row = [0u64; NR_INDEX];
                for (i, slot) in row.iter_mut().enumerate().skip(1) {
                    let size = match i {
                        1 => 96,
                        2 => 192,
                        _ if i >= 3 => 1u64 << i,
                        _ => continue,
                    };
                    let name = format!(
                        "{}{}",
                        prefix.get(t).copied().unwrap_or("kmalloc-"),
                        if size >= 1024 { format!("{}k", size / 1024) } else { size.to_string() }
                    );
                    *slot = s.create(name, size, 0, 0, 0, 0, size).unwrap_or(0);
                }
                s.kmalloc.push(row);
            }
        }
        s.kmalloc.clone()
    })
}

/// kmalloc for host code: `size` bytes with `gfp` flags; 0 on failure,
/// ZERO_SIZE_PTR for 0 bytes.
pub fn kmalloc_bytes(size: usize, gfp: u32) -> u64 {
    let size = size as u64;
    if size == 0 {
        return ZERO_SIZE_PTR;
    }
    if size > KMALLOC_MAX_CACHE_SIZE {
        return kmalloc_large(size, gfp);
    }
    let caches = kmalloc_caches();
    let id = caches.get(kmalloc_type(gfp)).map_or(0, |r| r[kmalloc_index(size)]);
    if id == 0 {
        return 0;
    }
    cache_alloc(id, gfp)
}

fn kmalloc_large(size: u64, gfp: u32) -> u64 {
    if size > KMALLOC_MAX_SIZE {
        return 0;
    }
    let Some(d) = dmap() else { return 0 };
    let pages = size.div_ceil(PAGE_SIZE);
    let order = 64 - (pages - 1).leading_zeros();
    d.alloc_pages(gfp | GFP_ZERO | super::page_alloc::GFP_COMP, order).map_or(0, |i| d.addr_of(i))
}

/// kfree for host code.
pub fn kfree_addr(p: u64) {
    if p <= ZERO_SIZE_PTR {
        return;
    }
    if !free_addr(p) {
        // Memory other host code took from the C allocator.
        // SAFETY: outside the direct map, kmalloc'd memory is malloc memory.
        unsafe { libc::free(p as *mut libc::c_void) }
    }
}

fn ksize_addr(p: u64) -> u64 {
    if p <= ZERO_SIZE_PTR {
        return 0;
    }
    size_of(p).unwrap_or_else(|| {
        // SAFETY: outside the direct map, kmalloc'd memory is malloc memory.
        unsafe { libc::malloc_usable_size(p as *mut libc::c_void) as u64 }
    })
}

crate::export_fn!("__kmalloc" => kmalloc);
crate::export_fn!("kmalloc_trace" => kmalloc_trace);
crate::export_fn!("__kmalloc_node" => kmalloc_node);
crate::export_fn!("kmalloc_node_trace" => kmalloc_node_trace);
crate::export_fn!("kmalloc_large" => kmalloc_large_export);
crate::export_fn!("kmalloc_large_node" => kmalloc_large_node);
crate::export_fn!("__kmalloc_node_track_caller" => kmalloc_node);
crate::export_fn!("kfree" => kfree);
crate::export_fn!("kfree_sensitive" => kfree_sensitive);
crate::export_fn!("krealloc" => krealloc);
crate::export_fn!("ksize" => ksize);
crate::export_fn!("kmalloc_size_roundup" => kmalloc_size_roundup);
crate::export_data!("kmalloc_caches", size (c::NR_KMALLOC_TYPES * (c::KMALLOC_SHIFT_HIGH + 1) * 8), align 64, init = init_kmalloc_caches);

fn init_kmalloc_caches(a: u64, _b: &crate::vmlinux::Builder) {
    for (t, row) in kmalloc_caches().iter().enumerate() {
        for (i, &id) in row.iter().enumerate() {
            // SAFETY: the exported array: NR_KMALLOC_TYPES rows of NR_INDEX pointers.
            unsafe { ((a + ((t * NR_INDEX + i) * 8) as u64) as *mut u64).write(id) };
        }
    }
}

extern "C" fn kmalloc(size: usize, flags: u32) -> u64 {
    kmalloc_bytes(size, flags)
}
extern "C" fn kmalloc_trace(cache: u64, flags: u32, size: usize) -> u64 {
    if cache == 0 || !with(|s| s.caches.contains_key(&cache)) {
        return kmalloc_bytes(size, flags);
    }
    cache_alloc(cache, flags)
}
extern "C" fn kmalloc_node(size: usize, flags: u32, _node: i32) -> u64 {
    kmalloc_bytes(size, flags)
}
extern "C" fn kmalloc_node_trace(cache: u64, flags: u32, _node: i32, size: usize) -> u64 {
    kmalloc_trace(cache, flags, size)
}
extern "C" fn kmalloc_large_export(size: usize, flags: u32) -> u64 {
    kmalloc_large(size as u64, flags)
}
extern "C" fn kmalloc_large_node(size: usize, flags: u32, _node: i32) -> u64 {
    kmalloc_large(size as u64, flags)
}
extern "C" fn kfree(p: u64) {
    kfree_addr(p)
}
/// `kfree_sensitive(p)` for the host's own callers.
pub(crate) fn kfree_sensitive_addr(p: u64) {
    kfree_sensitive(p)
}
extern "C" fn kfree_sensitive(p: u64) {
    let n = ksize_addr(p);
    if n > 0 {
        // SAFETY: the object's whole slot is the module's (ksize).
        unsafe { std::ptr::write_bytes(p as *mut u8, 0, n as usize) };
    }
    kfree_addr(p)
}
extern "C" fn ksize(p: u64) -> usize {
    ksize_addr(p) as usize
}
/// `size_t kmalloc_size_roundup(size)`: what kmalloc(size) would really give.
extern "C" fn kmalloc_size_roundup(size: usize) -> usize {
    let s = size as u64;
    if s == 0 {
        return 0;
    }
    if s <= KMALLOC_MAX_CACHE_SIZE {
        return match kmalloc_index(s) {
            1 => 96,
            2 => 192,
            i => 1 << i,
        };
    }
    if s > KMALLOC_MAX_SIZE {
        return usize::MAX; // SIZE_MAX: kmalloc will fail
    }
    s.div_ceil(PAGE_SIZE).next_power_of_two().saturating_mul(PAGE_SIZE) as usize
}
extern "C" fn krealloc(p: u64, new_size: usize, flags: u32) -> u64 {
    if new_size == 0 {
        kfree_addr(p);
        return ZERO_SIZE_PTR;
    }
    let ks = ksize_addr(p);
    if p > ZERO_SIZE_PTR && ks >= new_size as u64 {
        // __do_krealloc: fits; zero what lies beyond the new size with __GFP_ZERO
        if flags & GFP_ZERO != 0 && (new_size as u64) < ks {
            // SAFETY: within the object's slot.
            unsafe { std::ptr::write_bytes((p + new_size as u64) as *mut u8, 0, (ks - new_size as u64) as usize) };
        }
        return p;
    }
    let n = kmalloc_bytes(new_size, flags);
    if n > ZERO_SIZE_PTR && p > ZERO_SIZE_PTR {
        // SAFETY: both blocks are valid for min(old, new) bytes.
        unsafe { std::ptr::copy_nonoverlapping(p as *const u8, n as *mut u8, ks.min(new_size as u64) as usize) };
        kfree_addr(p);
    }
    n
}

// ---- kmem_cache ----

fn create(name: u64, size: u64, align: u64, flags: u64, useroffset: u64, usersize: u64, ctor: u64) -> u64 {
    // SAFETY: the cache name is the module's C string.
    let n = String::from_utf8_lossy(unsafe { crate::abi::c_str(name, 256) }).into_owned();
    let (mut uo, mut us) = (useroffset, usersize);
    if (us == 0 && uo != 0) || size < us || size - us < uo {
        uo = 0;
        us = 0;
    }
    let id = with(|s| s.create(n.clone(), size, align, flags, ctor, uo, us));
    match id {
        Some(id) => id,
        None => {
            if flags & SLAB_PANIC != 0 {
                crate::log::kernel_msg(
                    0,
                    &format!("Kernel panic - not syncing: kmem_cache_create_usercopy: Failed to create slab '{n}'. Error -12"),
                );
                crate::fault::abandon(crate::fault::FaultKind::Panic, 0, 0);
            }
            crate::log::kernel_msg(4, &format!("kmem_cache_create_usercopy({n}) failed with error -12"));
            0
        }
    }
}

/// kmem_cache_create_usercopy's seven arguments: the seventh on the stack.
extern "C" fn kmem_cache_create_usercopy_va(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 7) };
    create(a.arg(0), a.arg(1) & 0xffff_ffff, a.arg(2) & 0xffff_ffff, a.arg(3), a.arg(4) & 0xffff_ffff, a.arg(5) & 0xffff_ffff, a.arg(6))
}

crate::kfn! {
    /// `struct kmem_cache *kmem_cache_create(name, size, align, flags, ctor)`.
    fn kmem_cache_create(name: u64, size: u32, align: u32, flags: u64, ctor: u64) -> u64 {
        create(name, u64::from(size), u64::from(align), flags, 0, 0, ctor)
    }
}

crate::kfn! {
    /// `void *kmem_cache_alloc(s, gfpflags)`.
    fn kmem_cache_alloc(s: u64, gfp: u32) -> u64 {
        cache_alloc(s, gfp)
    }
}

crate::kfn! {
    /// `void *kmem_cache_alloc_lru(s, lru, gfpflags)`.
    fn kmem_cache_alloc_lru(s: u64, _lru: u64, gfp: u32) -> u64 {
        cache_alloc(s, gfp)
    }
}

crate::kfn! {
    /// `void *kmem_cache_alloc_node(s, gfpflags, node)`.
    fn kmem_cache_alloc_node(s: u64, gfp: u32, _node: i32) -> u64 {
        cache_alloc(s, gfp)
    }
}

crate::kfn! {
    /// `void kmem_cache_free(s, x)`.
    fn kmem_cache_free(_s: u64, x: u64) {
        if x != 0 {
            free_addr(x);
        }
    }
}

crate::kfn! {
    /// `unsigned int kmem_cache_size(s)`: the object size asked for.
    fn kmem_cache_size(s: u64) -> u32 {
        with(|t| t.caches.get(&s).map_or(0, |c| c.object_size as u32))
    }
}

crate::kfn! {
    /// `int kmem_cache_shrink(s)`: gives back slabs with no object in use; 0.
    fn kmem_cache_shrink(s: u64) -> i32 {
        shrink(s);
        0
    }
}

/// Frees the slabs of cache `id` whose objects are all free.
fn shrink(id: u64) {
    let Some(d) = dmap() else { return };
    let freed = with(|t| {
        let Some(c) = t.caches.get_mut(&id) else { return Vec::new() };
        let span = PAGE_SIZE << c.order;
        let per = span / c.size;
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for &o in &c.free {
            *counts.entry(d.index_of(o).unwrap_or(0) >> c.order << c.order).or_default() += 1;
        }
        let empty: Vec<u64> = c.slabs.iter().copied().filter(|s| counts.get(s) == Some(&per)).collect();
        c.slabs.retain(|s| !empty.contains(s));
        let order = c.order;
        c.free.retain(|&o| !empty.contains(&(d.index_of(o).unwrap_or(0) >> order << order)));
        for &s in &empty {
            for i in 0..(1u64 << order) {
                t.page_cache.remove(&(s + i));
            }
        }
        empty
    });
    for s in freed {
        d.free_block(s);
    }
}

crate::kfn! {
    /// `void kmem_cache_destroy(s)`: NULL is fine; a cache with objects in
    /// use stays (Linux complains and leaks it).
    fn kmem_cache_destroy(s: u64) {
        if s == 0 {
            return;
        }
        let busy = with(|t| t.caches.get(&s).map(|c| (c.active, c.name.clone())));
        let Some((active, name)) = busy else { return };
        if active > 0 {
            crate::log::kernel_msg(3, &format!("kmem_cache_destroy {name}: Slab cache still has objects when called from {}", caller_sym()));
            return;
        }
        shrink(s);
        with(|t| t.caches.remove(&s));
    }
}

fn caller_sym() -> String {
    "module code".to_string()
}

crate::export_variadic!("kmem_cache_create_usercopy" => kmem_cache_create_usercopy_va);

/// A module's memory went away: its caches' constructors are gone with it
/// (a cache it did not destroy stays, as on Linux, but no longer calls
/// into freed code).
fn purge(start: u64, end: u64) {
    with(|t| {
        for c in t.caches.values_mut() {
            if (start..end).contains(&c.ctor) {
                c.ctor = 0;
            }
        }
    });
}
crate::purge_on_module_free!(purge);

/// (name, object size, slot size, align, objects in use, slabs) of every
/// cache, for views and tests.
pub fn caches() -> Vec<(String, u64, u64, u64, u64, usize)> {
    with(|t| t.caches.values().map(|c| (c.name.clone(), c.object_size, c.size, c.align, c.active, c.slabs.len())).collect())
}

#[allow(dead_code)]
fn cache_user(id: u64) -> Option<(u64, u64)> {
    with(|t| t.caches.get(&id).map(|c| (c.useroffset, c.usersize)))
}

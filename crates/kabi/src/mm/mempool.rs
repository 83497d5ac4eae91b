//! mm/mempool.c: memory pools with a reserve of `min_nr` elements, in the
//! module-visible `struct mempool_s` (inline mempool_initialized() and
//! mempool_is_saturated() read it). The pool's alloc/free functions are
//! module code (or the host's mempool_alloc_slab & co.), called without
//! any host lock held.

use crate::layout::{mempool_s as m, wait_queue_head as wq};

use super::slab::{kfree_addr, kmalloc_bytes, GFP_ZERO};

const GFP_KERNEL: u32 = 0xcc0;
const GFP_DIRECT_RECLAIM: u32 = 0x400;
const GFP_IO: u32 = 0x40;
const GFP_NOMEMALLOC: u32 = 0x80000;
const GFP_NORETRY: u32 = 0x10000;
const GFP_NOWARN: u32 = 0x2000;

fn rd64(a: u64) -> u64 {
    // SAFETY: a field of the module's mempool.
    unsafe { (a as *const u64).read() }
}
fn wr64(a: u64, v: u64) {
    // SAFETY: a field of the module's mempool.
    unsafe { (a as *mut u64).write(v) }
}
fn rd32(a: u64) -> i32 {
    // SAFETY: a field of the module's mempool.
    unsafe { (a as *const i32).read() }
}
fn wr32(a: u64, v: i32) {
    // SAFETY: a field of the module's mempool.
    unsafe { (a as *mut i32).write(v) }
}

/// The pool's own alloc function.
fn pool_alloc(pool: u64, gfp: u32) -> u64 {
    crate::fault::call_module(rd64(pool + m::alloc), [u64::from(gfp), rd64(pool + m::pool_data), 0, 0, 0, 0]).unwrap_or(0)
}

fn pool_free(pool: u64, element: u64) {
    crate::fault::call_module(rd64(pool + m::free), [element, rd64(pool + m::pool_data), 0, 0, 0, 0]);
}

fn add_element(pool: u64, element: u64) {
    let n = rd32(pool + m::curr_nr);
    wr64(rd64(pool + m::elements) + 8 * n as u64, element);
    wr32(pool + m::curr_nr, n + 1);
}

fn remove_element(pool: u64) -> u64 {
    let n = rd32(pool + m::curr_nr) - 1;
    wr32(pool + m::curr_nr, n);
    rd64(rd64(pool + m::elements) + 8 * n as u64)
}

crate::kfn! {
    /// `void mempool_exit(pool)`: frees the reserve and the element array.
    fn mempool_exit(pool: u64) {
        while rd32(pool + m::curr_nr) > 0 {
            let e = remove_element(pool);
            pool_free(pool, e);
        }
        kfree_addr(rd64(pool + m::elements));
        wr64(pool + m::elements, 0);
    }
}

crate::kfn! {
    /// `int mempool_init_node(pool, min_nr, alloc_fn, free_fn, pool_data, gfp, nid)`.
    fn mempool_init_node(pool: u64, min_nr: i32, alloc_fn: u64, free_fn: u64, pool_data: u64, gfp: u32) -> i32 {
        init(pool, min_nr, alloc_fn, free_fn, pool_data, gfp)
    }
}

fn init(pool: u64, min_nr: i32, alloc_fn: u64, free_fn: u64, pool_data: u64, gfp: u32) -> i32 {
    // spin_lock_init, fields, init_waitqueue_head (an empty list points at itself)
    wr32(pool + m::lock, 0);
    wr32(pool + m::min_nr, min_nr);
    wr64(pool + m::pool_data, pool_data);
    wr64(pool + m::alloc, alloc_fn);
    wr64(pool + m::free, free_fn);
    let w = pool + m::wait;
    wr32(w + wq::lock, 0);
    wr64(w + wq::head, w + wq::head);
    wr64(w + wq::head + 8, w + wq::head);
    let n = min_nr.max(0) as usize;
    let elements = kmalloc_bytes(n.max(1) * 8, gfp);
    wr64(pool + m::elements, elements);
    wr32(pool + m::curr_nr, 0);
    if elements == 0 {
        return -12;
    }
    while rd32(pool + m::curr_nr) < min_nr {
        let e = pool_alloc(pool, gfp);
        if e == 0 {
            mempool_exit(pool);
            return -12;
        }
        add_element(pool, e);
    }
    0
}

crate::kfn! {
    /// `int mempool_init(pool, min_nr, alloc_fn, free_fn, pool_data)`: 0 or -ENOMEM.
    fn mempool_init(pool: u64, min_nr: i32, alloc_fn: u64, free_fn: u64, pool_data: u64) -> i32 {
        init(pool, min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL)
    }
}

crate::kfn! {
    /// `mempool_t *mempool_create_node(min_nr, alloc_fn, free_fn, pool_data, gfp, nid)`.
    fn mempool_create_node(min_nr: i32, alloc_fn: u64, free_fn: u64, pool_data: u64, gfp: u32, _nid: i32) -> u64 {
        let pool = kmalloc_bytes(m::SIZE as usize, gfp | GFP_ZERO);
        if pool == 0 {
            return 0;
        }
        if init(pool, min_nr, alloc_fn, free_fn, pool_data, gfp) != 0 {
            kfree_addr(pool);
            return 0;
        }
        pool
    }
}

crate::kfn! {
    /// `mempool_t *mempool_create(min_nr, alloc_fn, free_fn, pool_data)`.
    fn mempool_create(min_nr: i32, alloc_fn: u64, free_fn: u64, pool_data: u64) -> u64 {
        mempool_create_node(min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL, -1)
    }
}

crate::kfn! {
    /// `void mempool_destroy(pool)`: NULL is fine.
    fn mempool_destroy(pool: u64) {
        if pool == 0 {
            return;
        }
        mempool_exit(pool);
        kfree_addr(pool);
    }
}

crate::kfn! {
    /// `void *mempool_alloc(pool, gfp)`: a fresh element, else one from the
    /// reserve, else NULL (a caller that may sleep would wait on Linux for
    /// an element to come back; nothing frees one meanwhile here).
    fn mempool_alloc(pool: u64, gfp: u32) -> u64 {
        let first = (gfp | GFP_NOMEMALLOC | GFP_NORETRY | GFP_NOWARN) & !(GFP_DIRECT_RECLAIM | GFP_IO);
        let e = pool_alloc(pool, first);
        if e != 0 {
            return e;
        }
        if rd32(pool + m::curr_nr) > 0 {
            return remove_element(pool);
        }
        pool_alloc(pool, gfp | GFP_NOMEMALLOC | GFP_NOWARN)
    }
}

crate::kfn! {
    /// `void mempool_free(element, pool)`: refills the reserve first.
    fn mempool_free(element: u64, pool: u64) {
        if element == 0 {
            return;
        }
        if rd32(pool + m::curr_nr) < rd32(pool + m::min_nr) {
            add_element(pool, element);
            return;
        }
        pool_free(pool, element);
    }
}

crate::kfn! {
    /// `void *mempool_alloc_slab(gfp, pool_data)`: kmem_cache_alloc(pool_data).
    fn mempool_alloc_slab(gfp: u32, cache: u64) -> u64 {
        super::slab::kmem_cache_alloc(cache, gfp)
    }
}
crate::kfn! {
    /// `void mempool_free_slab(element, pool_data)`.
    fn mempool_free_slab(element: u64, cache: u64) {
        super::slab::kmem_cache_free(cache, element)
    }
}
crate::kfn! {
    /// `void *mempool_kmalloc(gfp, pool_data)`: kmalloc((size_t)pool_data).
    fn mempool_kmalloc(gfp: u32, size: u64) -> u64 {
        kmalloc_bytes(size as usize, gfp)
    }
}
crate::kfn! {
    /// `void mempool_kfree(element, pool_data)`.
    fn mempool_kfree(element: u64, _data: u64) {
        kfree_addr(element)
    }
}
crate::kfn! {
    /// `void *mempool_alloc_pages(gfp, pool_data)`: alloc_pages(order = pool_data).
    fn mempool_alloc_pages(gfp: u32, order: u64) -> u64 {
        super::page_alloc::alloc_pages(gfp, order as u32)
    }
}
crate::kfn! {
    /// `void mempool_free_pages(element, pool_data)`.
    fn mempool_free_pages(element: u64, order: u64) {
        super::page_alloc::__free_pages(element, order as u32)
    }
}

//! mm/vmalloc.c: vmalloc and friends.
//!
//! The host has no separate vmalloc area: vmalloc memory is a run of
//! zeroed pages of the direct map (so it is also physically contiguous),
//! page aligned; `vmalloc_to_page` finds its `struct page`s. `vfree` and
//! `kvfree` take it back. (`is_vmalloc_addr` is not exported for that
//! reason: it would have to say false for vmalloc memory.)

use super::page_alloc::{dmap, PAGE_SIZE};

/// `size` bytes of zeroed pages; 0 on failure (or for size 0).
pub(crate) fn vmalloc_bytes(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let Some(d) = dmap() else { return 0 };
    d.alloc_contig(size.div_ceil(PAGE_SIZE)).map_or(0, |i| d.addr_of(i))
}

crate::kfn! {
    /// `void *vmalloc(size)`.
    fn vmalloc(size: u64) -> u64 {
        vmalloc_bytes(size)
    }
}
crate::export_fn!("vzalloc" => vmalloc);
crate::export_fn!("vmalloc_32" => vmalloc);
crate::export_fn!("vmalloc_user" => vmalloc);
crate::export_fn!("vmalloc_32_user" => vmalloc);

crate::kfn! {
    /// `void *vmalloc_node(size, node)`.
    fn vmalloc_node(size: u64, _node: i32) -> u64 {
        vmalloc_bytes(size)
    }
}
crate::export_fn!("vzalloc_node" => vmalloc_node);

crate::kfn! {
    /// `void *__vmalloc(size, gfp_mask)`.
    fn __vmalloc(size: u64, _gfp: u32) -> u64 {
        vmalloc_bytes(size)
    }
}

crate::kfn! {
    /// `void *vmalloc_array(n, size)`: NULL on overflow.
    fn vmalloc_array(n: u64, size: u64) -> u64 {
        n.checked_mul(size).map_or(0, vmalloc_bytes)
    }
}

crate::kfn! {
    /// `void vfree(addr)`: NULL is fine.
    fn vfree(addr: u64) {
        if addr == 0 {
            return;
        }
        if let Some(d) = dmap() {
            if let Some(i) = d.index_of(addr) {
                d.free_block(i);
            }
        }
    }
}

crate::kfn! {
    /// `struct page *vmalloc_to_page(addr)`.
    fn vmalloc_to_page(addr: u64) -> u64 {
        dmap().and_then(|d| d.index_of(addr).map(|i| d.page_of(i))).unwrap_or(0)
    }
}

crate::kfn! {
    /// `unsigned long vmalloc_to_pfn(addr)`.
    fn vmalloc_to_pfn(addr: u64) -> u64 {
        dmap().and_then(|d| d.index_of(addr).map(|i| (d.addr_of(i).wrapping_sub(d.page_offset_base())) >> 12)).unwrap_or(0)
    }
}

//! mm/slab_common.c and friends: kmalloc, kfree, krealloc, vmalloc, ...
//!
//! kmalloc memory comes from the C allocator with kmalloc's alignment
//! guarantees (at least 8 bytes; power-of-two sizes naturally aligned up to
//! a page). Modules reach it only through pointers, so it need not be below
//! 2 GiB.

/// `___GFP_ZERO` in Linux 6.1.
const GFP_ZERO: u32 = 0x100;

crate::export_fn!("__kmalloc" => kmalloc);
crate::export_fn!("kmalloc_trace" => kmalloc_trace);
crate::export_fn!("__kmalloc_node" => kmalloc_node);
crate::export_fn!("kmalloc_node_trace" => kmalloc_node_trace);
crate::export_fn!("kmalloc_large" => kmalloc);
crate::export_fn!("kfree" => kfree);
crate::export_fn!("kvfree" => kfree);
crate::export_fn!("kfree_sensitive" => kfree);
crate::export_fn!("krealloc" => krealloc);
crate::export_fn!("ksize" => ksize);
crate::export_fn!("vmalloc" => vmalloc);
crate::export_fn!("vzalloc" => vzalloc);
crate::export_fn!("vfree" => kfree);
crate::export_fn!("kvmalloc_node" => kmalloc_node);
// kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1]; the pointers
// are only passed back to kmalloc_trace, which goes by size.
crate::export_data!("kmalloc_caches", size 4 * 14 * 8, align 64);

fn alloc(size: usize, zero: bool) -> *mut u8 {
    if size == 0 {
        return 16 as *mut u8; // ZERO_SIZE_PTR
    }
    let align = if size.is_power_of_two() { size.clamp(8, 4096) } else { 16 };
    let mut p: *mut libc::c_void = std::ptr::null_mut();
    // SAFETY: posix_memalign with a power-of-two alignment ≥ sizeof(void*).
    if unsafe { libc::posix_memalign(&mut p, align, size) } != 0 {
        return std::ptr::null_mut();
    }
    if zero {
        // SAFETY: p points at `size` freshly allocated bytes.
        unsafe { std::ptr::write_bytes(p as *mut u8, 0, size) };
    }
    p as *mut u8
}

extern "C" fn kmalloc(size: usize, flags: u32) -> *mut u8 {
    alloc(size, flags & GFP_ZERO != 0)
}
extern "C" fn kmalloc_trace(_cache: u64, flags: u32, size: usize) -> *mut u8 {
    alloc(size, flags & GFP_ZERO != 0)
}
extern "C" fn kmalloc_node(size: usize, flags: u32, _node: i32) -> *mut u8 {
    alloc(size, flags & GFP_ZERO != 0)
}
extern "C" fn kmalloc_node_trace(_cache: u64, flags: u32, _node: i32, size: usize) -> *mut u8 {
    alloc(size, flags & GFP_ZERO != 0)
}
extern "C" fn vmalloc(size: usize) -> *mut u8 {
    alloc(size, false)
}
extern "C" fn vzalloc(size: usize) -> *mut u8 {
    alloc(size, true)
}
extern "C" fn kfree(p: *mut u8) {
    if (p as usize) <= 16 {
        return; // NULL and ZERO_SIZE_PTR
    }
    // SAFETY: modules free only what kmalloc/vmalloc gave them.
    unsafe { libc::free(p as *mut libc::c_void) }
}
extern "C" fn ksize(p: *mut u8) -> usize {
    if (p as usize) <= 16 {
        return 0;
    }
    // SAFETY: p came from the C allocator.
    unsafe { libc::malloc_usable_size(p as *mut libc::c_void) }
}
extern "C" fn krealloc(p: *mut u8, size: usize, flags: u32) -> *mut u8 {
    if (p as usize) <= 16 {
        return kmalloc(size, flags);
    }
    if size == 0 {
        kfree(p);
        return 16 as *mut u8;
    }
    let old = ksize(p);
    let n = alloc(size, flags & GFP_ZERO != 0);
    if !n.is_null() {
        // SAFETY: both blocks are valid for min(old, size) bytes.
        unsafe { std::ptr::copy_nonoverlapping(p, n, old.min(size)) };
        kfree(p);
    }
    n
}

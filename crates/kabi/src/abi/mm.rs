//! Memory allocation: kmalloc, kfree, krealloc, vmalloc, ...
//!
//! kmalloc memory comes from the C allocator with kmalloc's alignment
//! guarantees (at least 8 bytes; power-of-two sizes naturally aligned up to
//! a page). Modules reach it only through pointers, so it need not be below
//! 2 GiB.

use crate::vmlinux::Builder;

/// `___GFP_ZERO` in Linux 6.1.
const GFP_ZERO: u32 = 0x100;

pub(crate) fn install(b: &mut Builder) {
    super::call(b, "__kmalloc", kmalloc as *const () as usize);
    super::call(b, "kmalloc_trace", kmalloc_trace as *const () as usize);
    super::call(b, "__kmalloc_node", kmalloc_node as *const () as usize);
    super::call(b, "kmalloc_node_trace", kmalloc_node_trace as *const () as usize);
    super::call(b, "kmalloc_large", kmalloc as *const () as usize);
    super::call(b, "kfree", kfree as *const () as usize);
    super::call(b, "kvfree", kfree as *const () as usize);
    super::call(b, "kfree_sensitive", kfree as *const () as usize);
    super::call(b, "krealloc", krealloc as *const () as usize);
    super::call(b, "ksize", ksize as *const () as usize);
    super::call(b, "vmalloc", vmalloc as *const () as usize);
    super::call(b, "vzalloc", vzalloc as *const () as usize);
    super::call(b, "vfree", kfree as *const () as usize);
    super::call(b, "kvmalloc_node", kmalloc_node as *const () as usize);
    // kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1]; the pointers
    // are only passed back to kmalloc_trace, which goes by size.
    b.data("kmalloc_caches", 4 * 14 * 8, 64);
}

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

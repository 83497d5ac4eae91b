//! mm/util.c: copies of strings and memory in kmalloc'd memory, kvmalloc.

use super::slab::{kfree_addr, kmalloc_bytes};

fn copy(src: u64, len: usize, gfp: u32, nul: bool) -> u64 {
    let d = kmalloc_bytes(len + usize::from(nul), gfp);
    if d > 16 {
        // SAFETY: src is readable for len bytes (the caller's contract), d
        // was just allocated with room for len (+1) bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(src as *const u8, d as *mut u8, len);
            if nul {
                *((d + len as u64) as *mut u8) = 0;
            }
        }
    }
    if d == 16 {
        0
    } else {
        d
    }
}

crate::kfn! {
    /// `char *kstrdup(s, gfp)`: NULL for NULL.
    fn kstrdup(s: u64, gfp: u32) -> u64 {
        if s == 0 {
            return 0;
        }
        // SAFETY: s is the module's C string.
        let n = unsafe { libc::strlen(s as *const libc::c_char) };
        copy(s, n, gfp, true)
    }
}

// The host's vmlinux has no .rodata strings a module could pass, so the
// _const variants always copy and free.
crate::export_fn!("kstrdup_const" => kstrdup);
crate::export_fn!("kfree_const" => kvfree);

crate::kfn! {
    /// `char *kstrndup(s, max, gfp)`.
    fn kstrndup(s: u64, max: usize, gfp: u32) -> u64 {
        if s == 0 {
            return 0;
        }
        // SAFETY: s is the module's string, readable up to max or its NUL.
        let n = unsafe { libc::strnlen(s as *const libc::c_char, max) };
        copy(s, n, gfp, true)
    }
}

crate::kfn! {
    /// `void *kmemdup(src, len, gfp)`.
    fn kmemdup(src: u64, len: usize, gfp: u32) -> u64 {
        copy(src, len, gfp, false)
    }
}

crate::kfn! {
    /// `char *kmemdup_nul(s, len, gfp)`: len bytes and a NUL.
    fn kmemdup_nul(s: u64, len: usize, gfp: u32) -> u64 {
        if s == 0 {
            return 0;
        }
        copy(s, len, gfp, true)
    }
}

crate::kfn! {
    /// `void *kvmalloc_node(size, flags, node)`: kmalloc for sizes up to a
    /// page (or when the flags are not GFP_KERNEL-compatible), else
    /// kmalloc without retrying, falling back to vmalloc.
    fn kvmalloc_node(size: usize, flags: u32, _node: i32) -> u64 {
        const GFP_KERNEL: u32 = 0xcc0;
        if flags & GFP_KERNEL != GFP_KERNEL || size <= 4096 {
            return kmalloc_bytes(size, flags);
        }
        let p = kmalloc_bytes(size, flags | 0x2000); // __GFP_NOWARN
        if p != 0 {
            return p;
        }
        if size > i32::MAX as usize {
            return 0;
        }
        super::vmalloc::vmalloc_bytes(size as u64)
    }
}

crate::kfn! {
    /// `void kvfree(addr)`: frees kmalloc or vmalloc memory.
    fn kvfree(addr: u64) {
        kfree_addr(addr)
    }
}

crate::kfn! {
    /// `void kvfree_sensitive(addr, len)`: zeroes len bytes, then kvfree.
    fn kvfree_sensitive(addr: u64, len: usize) {
        if addr > 16 {
            // SAFETY: the module's allocation of at least len bytes.
            unsafe { std::ptr::write_bytes(addr as *mut u8, 0, len) };
            kfree_addr(addr);
        }
    }
}

crate::kfn! {
    /// `void *kvrealloc(p, oldsize, newsize, flags)`.
    fn kvrealloc(p: u64, oldsize: usize, newsize: usize, flags: u32) -> u64 {
        if oldsize >= newsize {
            return p;
        }
        let n = kvmalloc_node(newsize, flags, -1);
        if n == 0 {
            return 0;
        }
        if p > 16 {
            // SAFETY: both are valid for oldsize bytes.
            unsafe { std::ptr::copy_nonoverlapping(p as *const u8, n as *mut u8, oldsize) };
            kfree_addr(p);
        }
        n
    }
}

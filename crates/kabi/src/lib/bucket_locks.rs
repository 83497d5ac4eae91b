//! lib/bucket_locks.c: arrays of spinlocks indexed by a hash.

crate::kfn! {
    /// `int __alloc_bucket_spinlocks(**locks, *locks_mask, max_size,
    /// cpu_mult, gfp, name, key)`: min(possible CPUs (at most 64) ×
    /// cpu_mult, max_size) locks (max_size when cpu_mult is 0), unlocked;
    /// *locks_mask = size - 1. 0 or -ENOMEM.
    fn __alloc_bucket_spinlocks(locks: *mut u64, mask: *mut u32, max_size: usize, cpu_mult: u32, gfp: u32, _name: u64) -> i32 {
        let size: u32 = if cpu_mult != 0 {
            let n = (crate::vmlinux::NR_POSSIBLE_CPUS as u32).min(64);
            (u64::from(n.saturating_mul(cpu_mult))).min(max_size as u64) as u32
        } else {
            max_size as u32
        };
        // spinlock_t is 4 bytes (no lockdep in Debian's build).
        let bytes = (size as usize).saturating_mul(4);
        let t = crate::mm::slab::kmalloc_bytes(bytes.max(1), gfp);
        if t == 0 {
            return -12;
        }
        // SAFETY: the fresh array of `size` spinlocks; 0 is unlocked.
        unsafe { std::ptr::write_bytes(t as *mut u8, 0, bytes) };
        // SAFETY: the caller's out pointers.
        unsafe {
            locks.write(t);
            mask.write(size.wrapping_sub(1));
        }
        0
    }
}

crate::kfn! {
    /// `void free_bucket_spinlocks(locks)`.
    fn free_bucket_spinlocks(locks: u64) {
        crate::mm::slab::kfree_addr(locks);
    }
}

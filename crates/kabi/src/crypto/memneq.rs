//! crypto/memneq.c: comparison in time independent of the data.

crate::kfn! {
    /// `unsigned long __crypto_memneq(a, b, size)`: 0 when equal, non-zero
    /// otherwise; every byte is read whatever the differences.
    fn __crypto_memneq(a: *const u8, b: *const u8, size: usize) -> u64 {
        let mut neq = 0u8;
        for i in 0..size {
            // SAFETY: the caller's two buffers of `size` bytes.
            neq |= unsafe { a.add(i).read_volatile() ^ b.add(i).read_volatile() };
        }
        u64::from(neq)
    }
}

//! lib/bitmap.c: the out-of-line bitmap operations (bitmaps of `nbits`
//! bits in unsigned longs; bits past `nbits` in the last word are ignored
//! by the queries, and written by the operations as Linux's are).

fn words(nbits: u64) -> usize {
    nbits.div_ceil(64) as usize
}

/// The mask of the valid bits of the last word (BITMAP_LAST_WORD_MASK).
fn last_mask(nbits: u64) -> u64 {
    !0u64 >> ((64 - nbits % 64) % 64)
}

/// Word `i` of a bitmap of `nbits` with the bits past nbits cleared.
fn masked(v: u64, i: usize, nbits: u64) -> u64 {
    if i + 1 == words(nbits) {
        v & last_mask(nbits)
    } else {
        v
    }
}

fn read(p: u64, i: usize) -> u64 {
    // SAFETY: word i of the module's bitmap (i < BITS_TO_LONGS(nbits)).
    unsafe { *((p as *const u64).add(i)) }
}

fn write(p: u64, i: usize, v: u64) {
    // SAFETY: word i of the module's destination bitmap.
    unsafe { *((p as *mut u64).add(i)) = v }
}

crate::kfn! {
    /// `unsigned int __bitmap_weight(bitmap, bits)`.
    fn __bitmap_weight(bitmap: u64, bits: u32) -> u32 {
        let nbits = u64::from(bits);
        (0..words(nbits)).map(|i| masked(read(bitmap, i), i, nbits).count_ones()).sum()
    }
}

crate::kfn! {
    /// `bool __bitmap_equal(b1, b2, nbits)`.
    fn __bitmap_equal(b1: u64, b2: u64, bits: u32) -> bool {
        let nbits = u64::from(bits);
        (0..words(nbits)).all(|i| masked(read(b1, i) ^ read(b2, i), i, nbits) == 0)
    }
}

crate::kfn! {
    /// `bool __bitmap_intersects(b1, b2, nbits)`.
    fn __bitmap_intersects(b1: u64, b2: u64, bits: u32) -> bool {
        let nbits = u64::from(bits);
        (0..words(nbits)).any(|i| masked(read(b1, i) & read(b2, i), i, nbits) != 0)
    }
}

crate::kfn! {
    /// `bool __bitmap_subset(b1, b2, nbits)`: every bit of b1 is in b2.
    fn __bitmap_subset(b1: u64, b2: u64, bits: u32) -> bool {
        let nbits = u64::from(bits);
        (0..words(nbits)).all(|i| masked(read(b1, i) & !read(b2, i), i, nbits) == 0)
    }
}

crate::kfn! {
    /// `bool __bitmap_and(dst, b1, b2, nbits)`: whether the result is non-empty.
    fn __bitmap_and(dst: u64, b1: u64, b2: u64, bits: u32) -> bool {
        let nbits = u64::from(bits);
        let mut any = 0;
        for i in 0..words(nbits) {
            let v = read(b1, i) & read(b2, i);
            write(dst, i, v);
            any |= masked(v, i, nbits);
        }
        any != 0
    }
}

crate::kfn! {
    /// `bool __bitmap_andnot(dst, b1, b2, nbits)`: whether the result is non-empty.
    fn __bitmap_andnot(dst: u64, b1: u64, b2: u64, bits: u32) -> bool {
        let nbits = u64::from(bits);
        let mut any = 0;
        for i in 0..words(nbits) {
            let v = read(b1, i) & !read(b2, i);
            write(dst, i, v);
            any |= masked(v, i, nbits);
        }
        any != 0
    }
}

crate::kfn! {
    /// `void __bitmap_or(dst, b1, b2, nbits)`.
    fn __bitmap_or(dst: u64, b1: u64, b2: u64, bits: u32) {
        for i in 0..words(u64::from(bits)) {
            write(dst, i, read(b1, i) | read(b2, i));
        }
    }
}

crate::kfn! {
    /// `void __bitmap_xor(dst, b1, b2, nbits)`.
    fn __bitmap_xor(dst: u64, b1: u64, b2: u64, bits: u32) {
        for i in 0..words(u64::from(bits)) {
            write(dst, i, read(b1, i) ^ read(b2, i));
        }
    }
}

crate::kfn! {
    /// `void __bitmap_complement(dst, src, nbits)`.
    fn __bitmap_complement(dst: u64, src: u64, bits: u32) {
        for i in 0..words(u64::from(bits)) {
            write(dst, i, !read(src, i));
        }
    }
}

/// Sets (or clears) bits [start, start + len).
fn set_range(map: u64, start: u64, len: u64, set: bool) {
    let end = start.saturating_add(len);
    let mut b = start;
    while b < end {
        let i = (b / 64) as usize;
        let lo = b % 64;
        let n = (end - b).min(64 - lo);
        let mask = if n == 64 { !0 } else { ((1u64 << n) - 1) << lo };
        let w = read(map, i);
        write(map, i, if set { w | mask } else { w & !mask });
        b += n;
    }
}

crate::kfn! {
    /// `void __bitmap_set(map, start, len)`.
    fn __bitmap_set(map: u64, start: u32, len: i32) {
        if len > 0 {
            set_range(map, u64::from(start), len as u64, true);
        }
    }
}

crate::kfn! {
    /// `void __bitmap_clear(map, start, len)`.
    fn __bitmap_clear(map: u64, start: u32, len: i32) {
        if len > 0 {
            set_range(map, u64::from(start), len as u64, false);
        }
    }
}

crate::kfn! {
    /// `unsigned long *bitmap_alloc(nbits, flags)`: kmalloc'd, uninitialised.
    fn bitmap_alloc(nbits: u32, flags: u32) -> u64 {
        crate::mm::slab::kmalloc_bytes(words(u64::from(nbits)) * 8, flags)
    }
}

crate::kfn! {
    /// `unsigned long *bitmap_zalloc(nbits, flags)`: kmalloc'd, zeroed.
    fn bitmap_zalloc(nbits: u32, flags: u32) -> u64 {
        crate::mm::slab::kmalloc_bytes(words(u64::from(nbits)) * 8, flags | crate::mm::slab::GFP_ZERO)
    }
}

crate::kfn! {
    /// `void bitmap_free(bitmap)`: kfree.
    fn bitmap_free(bitmap: u64) {
        crate::mm::slab::kfree_addr(bitmap);
    }
}

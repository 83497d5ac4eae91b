//! lib/find_bit.c: the out-of-line bit searches behind find_next_bit()
//! and friends (for bitmaps whose size is not a small constant). Each
//! returns the bit number found, or `size` when there is none.

fn word(addr: u64, i: u64) -> u64 {
    // SAFETY: the module's bitmap holds BITS_TO_LONGS(size) words and i is
    // below that.
    unsafe { *((addr as *const u64).add(i as usize)) }
}

/// The first bit at or after `start` set in `f(word index)`, below `size`.
fn find(size: u64, start: u64, f: impl Fn(u64) -> u64) -> u64 {
    if start >= size {
        return size;
    }
    let mut i = start / 64;
    let mut w = f(i) & (!0u64 << (start % 64));
    loop {
        if w != 0 {
            return (i * 64 + u64::from(w.trailing_zeros())).min(size);
        }
        i += 1;
        if i * 64 >= size {
            return size;
        }
        w = f(i);
    }
}

crate::kfn! {
    fn _find_next_bit(addr: u64, size: u64, start: u64) -> u64 {
        find(size, start, |i| word(addr, i))
    }
}

crate::kfn! {
    fn _find_next_zero_bit(addr: u64, size: u64, start: u64) -> u64 {
        find(size, start, |i| !word(addr, i))
    }
}

crate::kfn! {
    fn _find_next_and_bit(addr1: u64, addr2: u64, size: u64, start: u64) -> u64 {
        find(size, start, |i| word(addr1, i) & word(addr2, i))
    }
}

crate::kfn! {
    fn _find_next_andnot_bit(addr1: u64, addr2: u64, size: u64, start: u64) -> u64 {
        find(size, start, |i| word(addr1, i) & !word(addr2, i))
    }
}

crate::kfn! {
    fn _find_first_bit(addr: u64, size: u64) -> u64 {
        find(size, 0, |i| word(addr, i))
    }
}

crate::kfn! {
    fn _find_first_zero_bit(addr: u64, size: u64) -> u64 {
        find(size, 0, |i| !word(addr, i))
    }
}

crate::kfn! {
    fn _find_first_and_bit(addr1: u64, addr2: u64, size: u64) -> u64 {
        find(size, 0, |i| word(addr1, i) & word(addr2, i))
    }
}

crate::kfn! {
    /// The last set bit below `size`, or `size`.
    fn _find_last_bit(addr: u64, size: u64) -> u64 {
        if size == 0 {
            return 0;
        }
        let mut i = (size - 1) / 64;
        let mut w = word(addr, i);
        if size % 64 != 0 {
            w &= !0u64 >> (64 - size % 64);
        }
        loop {
            if w != 0 {
                return i * 64 + 63 - u64::from(w.leading_zeros());
            }
            if i == 0 {
                return size;
            }
            i -= 1;
            w = word(addr, i);
        }
    }
}

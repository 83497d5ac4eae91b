//! lib/sort.c: `sort` and `sort_r`, Linux's bottom-up heapsort (not
//! stable), so that the comparisons and swaps the module's callbacks see,
//! and the order of equal elements, are Linux's.

crate::kfn! {
    /// `void sort(base, num, size, cmp_func(a, b), swap_func(a, b, size))`.
    fn sort(base: u64, num: usize, size: usize, cmp: u64, swap: u64) {
        heapsort(base, num, size, cmp, swap, None);
    }
}

crate::kfn! {
    /// `void sort_r(base, num, size, cmp_func(a, b, priv), swap_func(a, b, size), priv)`.
    fn sort_r(base: u64, num: usize, size: usize, cmp: u64, swap: u64, private: u64) {
        heapsort(base, num, size, cmp, swap, Some(private));
    }
}

/// Swaps two elements with the default swap (the byte order of the
/// result is the same whatever word size Linux picks).
fn swap_default(a: u64, b: u64, size: usize) {
    if a == b {
        return;
    }
    // SAFETY: two distinct elements of the module's array (non-overlapping).
    unsafe { std::ptr::swap_nonoverlapping(a as *mut u8, b as *mut u8, size) };
}

fn heapsort(base: u64, num: usize, size: usize, cmp: u64, swap: u64, private: Option<u64>) {
    let (Some(total), Some(half)) = (num.checked_mul(size), (num / 2).checked_mul(size)) else { return };
    let (mut n, mut a) = (total as u64, half as u64);
    let size = size as u64;
    if a == 0 {
        return;
    }
    // None: a callback faulted on a host thread (already reported): stop.
    let do_cmp = |x: u64, y: u64| -> Option<i32> {
        let r = crate::fault::call_module(cmp, [base + x, base + y, private.unwrap_or(0), 0, 0, 0])?;
        Some(r as u32 as i32)
    };
    let do_swap = |x: u64, y: u64| -> Option<()> {
        if swap == 0 {
            swap_default(base + x, base + y, size as usize);
        } else {
            crate::fault::call_module(swap, [base + x, base + y, size as u32 as u64, 0, 0, 0])?;
        }
        Some(())
    };
    let parent = |i: u64| ((i / size - 1) / 2) * size;
    let mut run = || -> Option<()> {
        loop {
            if a != 0 {
                a -= size;
            } else {
                n -= size;
                if n == 0 {
                    return Some(());
                }
                do_swap(0, n)?;
            }
            let mut b = a;
            let (mut c, mut d);
            loop {
                c = 2 * b + size;
                d = c + size;
                if d >= n {
                    break;
                }
                b = if do_cmp(c, d)? >= 0 { c } else { d };
            }
            if d == n {
                b = c;
            }
            while b != a && do_cmp(a, b)? >= 0 {
                b = parent(b);
            }
            let c = b;
            while b != a {
                b = parent(b);
                do_swap(b, c)?;
            }
        }
    };
    let _ = run();
}

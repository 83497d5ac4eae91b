//! lib/hexdump.c: hex digits.

crate::export_data!("hex_asc", size 32, align 8, init = init_hex_asc);
crate::export_data!("hex_asc_upper", size 32, align 8, init = init_hex_asc_upper);

fn init_hex_asc(a: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh 17-byte object in the read-write data area.
    unsafe { std::ptr::copy_nonoverlapping(b"0123456789abcdef\0".as_ptr(), a as *mut u8, 17) };
}

fn init_hex_asc_upper(a: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh 17-byte object in the read-write data area.
    unsafe { std::ptr::copy_nonoverlapping(b"0123456789ABCDEF\0".as_ptr(), a as *mut u8, 17) };
}

/// The value of a hex digit, or -1.
pub(crate) fn hex_val(c: u8) -> i32 {
    match c {
        b'0'..=b'9' => i32::from(c - b'0'),
        b'a'..=b'f' => i32::from(c - b'a') + 10,
        b'A'..=b'F' => i32::from(c - b'A') + 10,
        _ => -1,
    }
}

crate::kfn! {
    /// `int hex_to_bin(unsigned char ch)`: 0..15 or -1.
    fn hex_to_bin(ch: u8) -> i32 {
        hex_val(ch)
    }
}

crate::kfn! {
    /// `int hex2bin(dst, src, count)`: 0, or -EINVAL at the first bad digit.
    fn hex2bin(dst: u64, src: u64, count: usize) -> i32 {
        for i in 0..count {
            // SAFETY: src holds 2*count hex digits, dst count bytes (the
            // caller's contract); reading stops at the first bad digit.
            unsafe {
                let hi = hex_val(*((src as *const u8).add(2 * i)));
                if hi < 0 {
                    return -22;
                }
                let lo = hex_val(*((src as *const u8).add(2 * i + 1)));
                if lo < 0 {
                    return -22;
                }
                *((dst as *mut u8).add(i)) = ((hi << 4) | lo) as u8;
            }
        }
        0
    }
}

crate::kfn! {
    /// `char *bin2hex(dst, src, count)`: lower-case digits, returns the end.
    fn bin2hex(dst: u64, src: u64, count: usize) -> u64 {
        const H: &[u8; 16] = b"0123456789abcdef";
        for i in 0..count {
            // SAFETY: src holds count bytes, dst 2*count.
            unsafe {
                let b = *((src as *const u8).add(i));
                *((dst as *mut u8).add(2 * i)) = H[usize::from(b >> 4)];
                *((dst as *mut u8).add(2 * i + 1)) = H[usize::from(b & 15)];
            }
        }
        dst + 2 * count as u64
    }
}

//! lib/ctype.c: `_ctype`.

crate::export_data!("_ctype", size 256, align 64, init = init_ctype);

/// `_ctype`: the kernel's character classes (lib/ctype.c), Latin-1 included.
fn init_ctype(t: u64, _b: &crate::vmlinux::Builder) {
    const U: u8 = 0x01;
    const L: u8 = 0x02;
    const D: u8 = 0x04;
    const C: u8 = 0x08;
    const P: u8 = 0x10;
    const S: u8 = 0x20;
    const X: u8 = 0x40;
    const SP: u8 = 0x80;
    let class = |c: u8| -> u8 {
        match c {
            9..=13 => C | S,
            0..=31 | 127..=159 => C,
            32 | 160 => S | SP,
            b'0'..=b'9' => D,
            b'A'..=b'F' => U | X,
            b'G'..=b'Z' => U,
            b'a'..=b'f' => L | X,
            b'g'..=b'z' => L,
            192..=214 | 216..=222 => U,
            223..=246 | 248..=255 => L,
            _ => P,
        }
    };
    for c in 0..=255u8 {
        // SAFETY: a fresh 256-byte object in the read-write data area.
        unsafe { ((t + u64::from(c)) as *mut u8).write(class(c)) };
    }
}


//! lib/ctype.c: `_ctype`.

crate::export_data!("_ctype", size 256, align 64, init = init_ctype);

pub(crate) const U: u8 = 0x01;
pub(crate) const L: u8 = 0x02;
pub(crate) const D: u8 = 0x04;
pub(crate) const C: u8 = 0x08;
pub(crate) const P: u8 = 0x10;
pub(crate) const S: u8 = 0x20;
pub(crate) const X: u8 = 0x40;
pub(crate) const SP: u8 = 0x80;

/// The kernel's class bits of a character (lib/ctype.c), Latin-1 included.
pub(crate) fn class(c: u8) -> u8 {
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
}

/// `isspace()` of the kernel (0xa0 included).
pub(crate) fn isspace(c: u8) -> bool {
    class(c) & S != 0
}

/// `tolower()` of the kernel (Latin-1 upper case included).
pub(crate) fn tolower(c: u8) -> u8 {
    if class(c) & U != 0 {
        c.wrapping_add(32)
    } else {
        c
    }
}

/// `_ctype`: the kernel's character classes.
fn init_ctype(t: u64, _b: &crate::vmlinux::Builder) {
    for c in 0..=255u8 {
        // SAFETY: a fresh 256-byte object in the read-write data area.
        unsafe { ((t + u64::from(c)) as *mut u8).write(class(c)) };
    }
}

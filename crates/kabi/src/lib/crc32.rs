//! lib/crc32.c (CONFIG_CRC32=y): `crc32_le` (reflected 0xedb88320),
//! `crc32_be` (0x04c11db7) and `__crc32c_le` (Castagnoli, reflected
//! 0x82f63b78), without pre- or post-inversion, as Linux's.

const fn table_le(poly: u32) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

const fn table_be(poly: u32) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000_0000 != 0 { (c << 1) ^ poly } else { c << 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static LE: [u32; 256] = table_le(0xedb8_8320);
static CASTAGNOLI: [u32; 256] = table_le(0x82f6_3b78);
static BE: [u32; 256] = table_be(0x04c1_1db7);

fn bytes<'a>(p: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || p.is_null() {
        return &[];
    }
    // SAFETY: the module's buffer of len bytes.
    unsafe { std::slice::from_raw_parts(p, len) }
}

pub(crate) fn le(t: &[u32; 256], mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = (crc >> 8) ^ t[((crc ^ u32::from(b)) & 0xff) as usize];
    }
    crc
}

crate::kfn! {
    /// `u32 crc32_le(crc, p, len)`.
    fn crc32_le(crc: u32, p: *const u8, len: usize) -> u32 {
        le(&LE, crc, bytes(p, len))
    }
}

crate::kfn! {
    /// `u32 __crc32c_le(crc, p, len)`.
    fn __crc32c_le(crc: u32, p: *const u8, len: usize) -> u32 {
        le(&CASTAGNOLI, crc, bytes(p, len))
    }
}

crate::kfn! {
    /// `u32 crc32_be(crc, p, len)`.
    fn crc32_be(crc: u32, p: *const u8, len: usize) -> u32 {
        let mut crc = crc;
        for &b in bytes(p, len) {
            crc = (crc << 8) ^ BE[(((crc >> 24) ^ u32::from(b)) & 0xff) as usize];
        }
        crc
    }
}

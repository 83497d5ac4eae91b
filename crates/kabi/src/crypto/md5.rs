//! crypto/md5.c (CONFIG_CRYPTO_MD5=y in Debian's vmlinux): `md5-generic`,
//! MD5 (RFC 1321) as an shash whose descriptor context is Linux's
//! `struct md5_state { u32 hash[4]; u32 block[16]; u64 byte_count; }`
//! (so its export/import state is Linux's too). The host's self-test and
//! the integration tests check it against the `md-5` crate.

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::shash_alg as sa;
use crate::layout::shash_desc as sd;

use super::host::{self, Base};

const MD5_DIGEST_SIZE: u32 = 16;
const MD5_HMAC_BLOCK_SIZE: u32 = 64;
const HASH: u64 = 0;
const BLOCK: u64 = 16;
const BYTE_COUNT: u64 = 80;
/// sizeof(struct md5_state)
const STATE_SIZE: u32 = 88;

const S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
    21, 6, 10, 15, 21,
];

/// The sines table: floor(|sin(i + 1)| * 2^32).
fn k() -> &'static [u32; 64] {
    static K: std::sync::OnceLock<[u32; 64]> = std::sync::OnceLock::new();
    K.get_or_init(|| core::array::from_fn(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32))
}

/// One 64-byte block into the chaining words.
fn transform(h: &mut [u32; 4], blk: &[u8]) {
    let m: [u32; 16] = core::array::from_fn(|i| u32::from_le_bytes(blk[4 * i..4 * i + 4].try_into().unwrap_or([0; 4])));
    let [mut a, mut b, mut c, mut d] = *h;
    let k = k();
    for i in 0..64 {
        let (f, g) = match i / 16 {
            0 => ((b & c) | (!b & d), i),
            1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
            2 => (b ^ c ^ d, (3 * i + 5) % 16),
            _ => (c ^ (b | !d), (7 * i) % 16),
        };
        let t = d;
        d = c;
        c = b;
        b = b.wrapping_add(a.wrapping_add(f).wrapping_add(k[i]).wrapping_add(m[g]).rotate_left(S[i]));
        a = t;
    }
    h[0] = h[0].wrapping_add(a);
    h[1] = h[1].wrapping_add(b);
    h[2] = h[2].wrapping_add(c);
    h[3] = h[3].wrapping_add(d);
}

fn load(ctx: u64) -> [u32; 4] {
    core::array::from_fn(|i| rd32(ctx + HASH + 4 * i as u64))
}
fn store(ctx: u64, h: &[u32; 4]) {
    for (i, w) in h.iter().enumerate() {
        wr32(ctx + HASH + 4 * i as u64, *w);
    }
}

/// The pending bytes and the new data: whole blocks compressed, the rest
/// kept in `block`.
fn update(ctx: u64, data: &[u8]) {
    let count = rd64(ctx + BYTE_COUNT);
    let partial = (count % 64) as usize;
    wr64(ctx + BYTE_COUNT, count.wrapping_add(data.len() as u64));
    let mut pending = host::bytes(ctx + BLOCK, partial).to_vec();
    pending.extend_from_slice(data);
    let whole = pending.len() / 64 * 64;
    if whole > 0 {
        let mut h = load(ctx);
        for blk in pending[..whole].chunks(64) {
            transform(&mut h, blk);
        }
        store(ctx, &h);
    }
    host::put(ctx + BLOCK, &pending[whole..]);
}

crate::kfn! {
    /// `md5_init(desc)`: the RFC 1321 initial words.
    fn md5_init(desc: u64) -> i32 {
        let ctx = desc + sd::__ctx;
        store(ctx, &[0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
        wr64(ctx + BYTE_COUNT, 0);
        0
    }
}

crate::kfn! {
    /// `md5_update(desc, data, len)`.
    fn md5_update(desc: u64, data: u64, len: u32) -> i32 {
        update(desc + sd::__ctx, host::bytes(data, len as usize));
        0
    }
}

crate::kfn! {
    /// `md5_final(desc, out)`: the padding and the bit count
    /// (little-endian), the digest little-endian, the state zeroed.
    fn md5_final(desc: u64, out: u64) -> i32 {
        let ctx = desc + sd::__ctx;
        let count = rd64(ctx + BYTE_COUNT);
        let mut pad = vec![0x80u8];
        while (count as usize + pad.len()) % 64 != 56 {
            pad.push(0);
        }
        pad.extend_from_slice(&(count << 3).to_le_bytes());
        update(ctx, &pad);
        let h = load(ctx);
        let d: Vec<u8> = h.iter().flat_map(|w| w.to_le_bytes()).collect();
        host::put(out, &d);
        host::put(ctx, &[0u8; STATE_SIZE as usize]);
        0
    }
}

crate::kfn! {
    /// `md5_export(desc, out)`: the `struct md5_state`.
    fn md5_export(desc: u64, out: u64) -> i32 {
        host::put(out, host::bytes(desc + sd::__ctx, STATE_SIZE as usize));
        0
    }
}

crate::kfn! {
    /// `md5_import(desc, in)`.
    fn md5_import(desc: u64, inp: u64) -> i32 {
        host::put(desc + sd::__ctx, host::bytes(inp, STATE_SIZE as usize));
        0
    }
}

/// `md5_mod_init`: `md5-generic`, priority 0.
pub(crate) fn init() -> i32 {
    let a = host::alg(
        sa::SIZE,
        sa::base,
        &Base { name: "md5", driver: "md5-generic", priority: 0, blocksize: MD5_HMAC_BLOCK_SIZE, ctxsize: 0, flags: 0 },
    );
    if a == 0 {
        return super::api::ENOMEM;
    }
    wr32(a + sa::digestsize, MD5_DIGEST_SIZE);
    wr32(a + sa::descsize, STATE_SIZE);
    wr32(a + sa::statesize, STATE_SIZE);
    wr64(a + sa::init, host::func("md5_init"));
    wr64(a + sa::update, host::func("md5_update"));
    wr64(a + sa::r#final, host::func("md5_final"));
    wr64(a + sa::export, host::func("md5_export"));
    wr64(a + sa::import, host::func("md5_import"));
    super::shash::register(a)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc1321_suite() {
        // RFC 1321 appendix A.5 through the block function and padding.
        let digest = |m: &[u8]| {
            let mut h = [0x67452301u32, 0xefcdab89, 0x98badcfe, 0x10325476];
            let mut d = m.to_vec();
            d.push(0x80);
            while d.len() % 64 != 56 {
                d.push(0);
            }
            d.extend_from_slice(&((m.len() as u64) << 3).to_le_bytes());
            for b in d.chunks(64) {
                super::transform(&mut h, b);
            }
            h.iter().flat_map(|w| w.to_le_bytes()).map(|b| format!("{b:02x}")).collect::<String>()
        };
        assert_eq!(digest(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(digest(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            digest(b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }
}

//! crypto/sha1_generic.c and sha256_generic.c: the exported update and
//! finup helpers (`crypto_sha1_update`, `crypto_sha1_finup`,
//! `crypto_sha256_update`, `crypto_sha256_finup`) that the accelerated
//! modules (sha1-ssse3, sha256-ssse3) call for what they do not do with
//! SIMD: the Merkle–Damgård state (`struct sha1_state` / `sha256_state`:
//! the chaining words, the byte count, the partial block) in the
//! descriptor's context, the compression of crates' [`super::refhash`].
//! And the shash algorithms vmlinux registers with them
//! (CONFIG_CRYPTO_SHA1, _SHA256 =y): `sha1-generic`, `sha256-generic` and
//! `sha224-generic`, priority 100, their descriptor context the state.

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::{
    crypto_shash as cs, sha1_state as s1, sha256_state as s2, shash_alg as sa, shash_desc as sd,
};

/// One of the two state layouts.
struct Md {
    words: usize,
    state: u64,
    count: u64,
    buf: u64,
    block: fn(&mut [u32; 8], &[u8]),
}

fn sha1_block8(h: &mut [u32; 8], blk: &[u8]) {
    let mut h5 = [h[0], h[1], h[2], h[3], h[4]];
    super::refhash::sha1_block(&mut h5, blk);
    h[..5].copy_from_slice(&h5);
}

const SHA1: Md = Md {
    words: 5,
    state: s1::state,
    count: s1::count,
    buf: s1::buffer,
    block: sha1_block8,
};
const SHA256: Md = Md {
    words: 8,
    state: s2::state,
    count: s2::count,
    buf: s2::buf,
    block: super::refhash::sha256_block,
};

fn bytes<'a>(p: u64, n: usize) -> &'a [u8] {
    if n == 0 {
        return &[];
    }
    // SAFETY: a buffer of `n` bytes the module passed (data) or part of
    // its descriptor (the partial block).
    unsafe { std::slice::from_raw_parts(p as *const u8, n) }
}

fn put(p: u64, b: &[u8]) {
    // SAFETY: as for bytes: the descriptor's partial block, or the
    // caller's output buffer of the digest's size.
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p as *mut u8, b.len()) };
}

impl Md {
    fn load(&self, ctx: u64) -> [u32; 8] {
        let mut h = [0u32; 8];
        for (i, w) in h.iter_mut().enumerate().take(self.words) {
            *w = rd32(ctx + self.state + 4 * i as u64);
        }
        h
    }
    fn store(&self, ctx: u64, h: &[u32; 8]) {
        for (i, w) in h.iter().enumerate().take(self.words) {
            wr32(ctx + self.state + 4 * i as u64, *w);
        }
    }

    /// `sha*_base_do_update`: whole blocks are compressed, the rest kept.
    fn update(&self, ctx: u64, data: u64, len: u32) {
        let count = rd64(ctx + self.count);
        let partial = (count % 64) as usize;
        wr64(ctx + self.count, count.wrapping_add(len as u64));
        let mut h = self.load(ctx);
        let mut data = bytes(data, len as usize);
        let mut partial = partial;
        if partial + data.len() >= 64 {
            if partial > 0 {
                let take = 64 - partial;
                let mut blk = bytes(ctx + self.buf, partial).to_vec();
                blk.extend_from_slice(&data[..take]);
                (self.block)(&mut h, &blk);
                data = &data[take..];
                partial = 0;
            }
            while data.len() >= 64 {
                (self.block)(&mut h, &data[..64]);
                data = &data[64..];
            }
            self.store(ctx, &h);
        }
        put(ctx + self.buf + partial as u64, data);
    }

    /// `sha*_base_do_finalize` and `_finish`: padding and the length, the
    /// first `outwords` chaining words big-endian into `out`, and the
    /// state zeroed.
    fn finish(&self, ctx: u64, out: u64, outwords: usize) {
        let count = rd64(ctx + self.count);
        let partial = (count % 64) as usize;
        let mut tail = bytes(ctx + self.buf, partial).to_vec();
        tail.push(0x80);
        while tail.len() % 64 != 56 {
            tail.push(0);
        }
        tail.extend_from_slice(&(count << 3).to_be_bytes());
        let mut h = self.load(ctx);
        for blk in tail.chunks(64) {
            (self.block)(&mut h, blk);
        }
        let digest: Vec<u8> = h
            .iter()
            .take(outwords)
            .flat_map(|w| w.to_be_bytes())
            .collect();
        put(out, &digest);
        let size = if self.words == 5 { s1::SIZE } else { s2::SIZE };
        put(ctx, &vec![0u8; size as usize]);
    }
}

/// The digest size of the descriptor's transform.
fn digestsize(desc: u64) -> u32 {
    let tfm = rd64(desc + sd::tfm);
    let alg = rd64(tfm + cs::base + crate::layout::crypto_tfm::__crt_alg).wrapping_sub(sa::base);
    rd32(alg + sa::digestsize)
}

crate::kfn! {
    /// `crypto_sha1_update(desc, data, len)`: 0.
    fn crypto_sha1_update(desc: u64, data: u64, len: u32) -> i32 {
        SHA1.update(desc + sd::__ctx, data, len);
        0
    }
}

crate::kfn! {
    /// `crypto_sha1_finup(desc, data, len, out)`: 0.
    fn crypto_sha1_finup(desc: u64, data: u64, len: u32, out: u64) -> i32 {
        SHA1.update(desc + sd::__ctx, data, len);
        SHA1.finish(desc + sd::__ctx, out, 5);
        0
    }
}

crate::kfn! {
    /// `crypto_sha256_update(desc, data, len)`: 0.
    fn crypto_sha256_update(desc: u64, data: u64, len: u32) -> i32 {
        SHA256.update(desc + sd::__ctx, data, len);
        0
    }
}

crate::kfn! {
    /// `crypto_sha256_finup(desc, data, len, out)`: SHA-224's 28 bytes for
    /// a transform of that digest size, else SHA-256's 32; 0.
    fn crypto_sha256_finup(desc: u64, data: u64, len: u32, out: u64) -> i32 {
        SHA256.update(desc + sd::__ctx, data, len);
        let words = if digestsize(desc) == 28 { 7 } else { 8 };
        SHA256.finish(desc + sd::__ctx, out, words);
        0
    }
}

/// The initial chaining words of SHA-1, SHA-256 and SHA-224 (FIPS 180-4).
const SHA1_H0: [u32; 8] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0, 0, 0, 0];
const SHA256_H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const SHA224_H0: [u32; 8] = [
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
];

impl Md {
    /// `sha*_base_init`: the initial words, no bytes yet.
    fn init(&self, ctx: u64, h0: &[u32; 8]) {
        self.store(ctx, h0);
        wr64(ctx + self.count, 0);
    }
}

crate::kfn! {
    /// sha1_generic.c's `.init`, `sha1_base_init(desc)`.
    fn sha1_base_init(desc: u64) -> i32 {
        SHA1.init(desc + sd::__ctx, &SHA1_H0);
        0
    }
}

crate::kfn! {
    /// `sha1_final(desc, out)`.
    fn sha1_final(desc: u64, out: u64) -> i32 {
        SHA1.finish(desc + sd::__ctx, out, 5);
        0
    }
}

crate::kfn! {
    /// sha256_generic.c's `crypto_sha256_init(desc)`.
    fn crypto_sha256_init(desc: u64) -> i32 {
        SHA256.init(desc + sd::__ctx, &SHA256_H0);
        0
    }
}

crate::kfn! {
    /// `crypto_sha224_init(desc)`.
    fn crypto_sha224_init(desc: u64) -> i32 {
        SHA256.init(desc + sd::__ctx, &SHA224_H0);
        0
    }
}

crate::kfn! {
    /// `crypto_sha256_final(desc, out)`: 28 or 32 bytes by the digest size.
    fn crypto_sha256_final(desc: u64, out: u64) -> i32 {
        let words = if digestsize(desc) == 28 { 7 } else { 8 };
        SHA256.finish(desc + sd::__ctx, out, words);
        0
    }
}

/// One generic SHA shash.
fn define(name: &str, driver: &str, digest: u32, desc: u64, ops: [&str; 4]) -> u64 {
    use super::host::{self, Base};
    let a = host::alg(sa::SIZE, sa::base, &Base { name, driver, priority: 100, blocksize: 64, ctxsize: 0, flags: 0 });
    if a == 0 {
        return 0;
    }
    wr32(a + sa::digestsize, digest);
    wr32(a + sa::descsize, desc as u32);
    wr64(a + sa::init, host::func(ops[0]));
    wr64(a + sa::update, host::func(ops[1]));
    wr64(a + sa::r#final, host::func(ops[2]));
    wr64(a + sa::finup, host::func(ops[3]));
    a
}

/// `sha1_generic_mod_init`: `sha1-generic`.
pub(crate) fn init_sha1() -> i32 {
    let a = define("sha1", "sha1-generic", 20, s1::SIZE, ["sha1_base_init", "crypto_sha1_update", "sha1_final", "crypto_sha1_finup"]);
    if a == 0 {
        return super::api::ENOMEM;
    }
    super::shash::register(a)
}

/// `sha256_generic_mod_init`: `sha256-generic`, then `sha224-generic`.
pub(crate) fn init_sha256() -> i32 {
    for (name, driver, digest, init) in [
        ("sha256", "sha256-generic", 32, "crypto_sha256_init"),
        ("sha224", "sha224-generic", 28, "crypto_sha224_init"),
    ] {
        let a = define(name, driver, digest, s2::SIZE, [init, "crypto_sha256_update", "crypto_sha256_final", "crypto_sha256_finup"]);
        if a == 0 {
            return super::api::ENOMEM;
        }
        let e = super::shash::register(a);
        if e != 0 {
            return e;
        }
    }
    0
}

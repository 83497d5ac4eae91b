//! crypto/testmgr.c, the part the host has so far: the self-tests of the
//! shash algorithms `crc32c`, `crct10dif`, `crc64-rocksoft` (which
//! modules' inits look up: libcrc32c, crc-t10dif, crc64-rocksoft), `sha1`,
//! `sha224`, `sha256`, `sha384`, `sha512` and `sha3-*` (jitterentropy's
//! `sha3-256-generic`). Each
//! implementation a module registers is run through the shash interface
//! the way testmgr's hash tests drive it (one-shot digest, init/update/
//! final, init/finup, split updates, misaligned buffers, export/import;
//! for crc32c also keyed digests and testmgr's final-only check) on inputs
//! of many lengths, and every result is compared with the host's own
//! implementation of the definition (bitwise CRCs; [`super::refhash`] for
//! the SHA families). The rngs: ansi_cprng against ANSI X9.31 and each
//! drbg variant against SP 800-90A ([`super::refrng`]), driven through
//! their `set_ent`/`seed`/`generate` as testmgr's drbg test drives them;
//! jitterentropy_rng is alg_test_null; fips(ansi_cprng) has no test entry
//! (passed with alg_test's "No test for" notice, as on Linux). Other
//! algorithms have no host test yet ([`alg_test`] answers None): they
//! stay untested.

use crate::drivers::base::{kfree, kzalloc, rd32, wr32, wr64};
use crate::layout::{crypto_shash as cs, shash_alg as sa, shash_desc as sd};

use super::api::*;
use super::types::Type;

/// The hashes the host can test, by their definitions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Crc {
    /// CRC-32C (Castagnoli): reflected, polynomial 0x1EDC6F41; the shash
    /// keeps the register (seeded with the key, default ~0) and its
    /// digest is the register inverted, little-endian.
    Crc32c,
    /// CRC-16/T10-DIF: polynomial 0x8BB7, not reflected, initial 0, no
    /// final xor; digest in CPU order (little-endian).
    T10dif,
    /// CRC-64/Rocksoft (NVMe): reflected, polynomial 0xAD93D23594C93659,
    /// initial and final xor ~0; digest little-endian.
    Rocksoft,
    /// CRC-32 as crypto's "crc32" (crc32_generic, crc32-pclmul): reflected
    /// 0x04C11DB7 from the transform's default key 0, no final xor;
    /// digest little-endian.
    Crc32,
    /// SHA-1 and the SHA-2 family (FIPS 180-4).
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// SHA3-224/256/384/512 (FIPS 202), by digest size in bytes.
    Sha3(usize),
    /// MD5 (RFC 1321).
    Md5,
}

impl Crc {
    fn of(name: &[u8]) -> Option<Crc> {
        match name {
            b"crc32c" => Some(Crc::Crc32c),
            b"crct10dif" => Some(Crc::T10dif),
            b"crc64-rocksoft" => Some(Crc::Rocksoft),
            b"crc32" => Some(Crc::Crc32),
            b"sha1" => Some(Crc::Sha1),
            b"sha224" => Some(Crc::Sha224),
            b"sha256" => Some(Crc::Sha256),
            b"sha384" => Some(Crc::Sha384),
            b"sha512" => Some(Crc::Sha512),
            b"sha3-224" => Some(Crc::Sha3(28)),
            b"sha3-256" => Some(Crc::Sha3(32)),
            b"sha3-384" => Some(Crc::Sha3(48)),
            b"sha3-512" => Some(Crc::Sha3(64)),
            b"md5" => Some(Crc::Md5),
            _ => None,
        }
    }

    fn digestsize(self) -> usize {
        match self {
            Crc::Crc32c => 4,
            Crc::T10dif => 2,
            Crc::Rocksoft => 8,
            Crc::Crc32 => 4,
            Crc::Sha1 => 20,
            Crc::Sha224 => 28,
            Crc::Sha256 => 32,
            Crc::Sha384 => 48,
            Crc::Sha512 => 64,
            Crc::Sha3(n) => n,
            Crc::Md5 => 16,
        }
    }

    /// The digest of `data` (for crc32c from the register seed `key`).
    pub(crate) fn digest(self, key: u32, data: &[u8]) -> Vec<u8> {
        match self {
            Crc::Crc32c => {
                let mut crc = key;
                for &b in data {
                    crc ^= b as u32;
                    for _ in 0..8 {
                        crc = if crc & 1 != 0 {
                            (crc >> 1) ^ 0x82F6_3B78
                        } else {
                            crc >> 1
                        };
                    }
                }
                (!crc).to_le_bytes().to_vec()
            }
            Crc::T10dif => {
                let mut crc: u16 = 0;
                for &b in data {
                    crc ^= (b as u16) << 8;
                    for _ in 0..8 {
                        crc = if crc & 0x8000 != 0 {
                            (crc << 1) ^ 0x8BB7
                        } else {
                            crc << 1
                        };
                    }
                }
                crc.to_le_bytes().to_vec()
            }
            Crc::Crc32 => {
                let mut crc = 0u32;
                for &b in data {
                    crc ^= b as u32;
                    for _ in 0..8 {
                        crc = if crc & 1 != 0 {
                            (crc >> 1) ^ 0xEDB8_8320
                        } else {
                            crc >> 1
                        };
                    }
                }
                crc.to_le_bytes().to_vec()
            }
            Crc::Rocksoft => {
                let poly = 0xAD93_D235_94C9_3659u64.reverse_bits();
                let mut crc = !0u64;
                for &b in data {
                    crc ^= b as u64;
                    for _ in 0..8 {
                        crc = if crc & 1 != 0 {
                            (crc >> 1) ^ poly
                        } else {
                            crc >> 1
                        };
                    }
                }
                (!crc).to_le_bytes().to_vec()
            }
            // sha1/224/256-generic compress with refhash's blocks: their
            // reference is RustCrypto's.
            Crc::Sha1 => {
                use sha1::Digest;
                sha1::Sha1::digest(data).to_vec()
            }
            Crc::Sha224 => {
                use sha2::Digest;
                sha2::Sha224::digest(data).to_vec()
            }
            Crc::Sha256 => {
                use sha2::Digest;
                sha2::Sha256::digest(data).to_vec()
            }
            Crc::Md5 => {
                use md5::Digest;
                md5::Md5::digest(data).to_vec()
            }
            Crc::Sha384 => super::refhash::sha384(data),
            Crc::Sha512 => super::refhash::sha512(data),
            Crc::Sha3(n) => super::refhash::sha3(data, n),
        }
    }

    /// HMAC (RFC 2104) over this hash, by the `hmac` crate; None for a
    /// hash it is not defined on here.
    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
        use hmac::{Hmac, Mac};
        macro_rules! mac {
            ($d:ty) => {{
                let mut m = <Hmac<$d> as Mac>::new_from_slice(key).ok()?;
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }};
        }
        macro_rules! smac {
            ($d:ty) => {{
                let mut m = <hmac::SimpleHmac<$d> as Mac>::new_from_slice(key).ok()?;
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }};
        }
        Some(match self {
            Crc::Md5 => mac!(md5::Md5),
            Crc::Sha1 => mac!(sha1::Sha1),
            Crc::Sha224 => mac!(sha2::Sha224),
            Crc::Sha256 => mac!(sha2::Sha256),
            Crc::Sha384 => mac!(sha2::Sha384),
            Crc::Sha512 => mac!(sha2::Sha512),
            Crc::Sha3(28) => smac!(sha3::Sha3_224),
            Crc::Sha3(32) => smac!(sha3::Sha3_256),
            Crc::Sha3(48) => smac!(sha3::Sha3_384),
            Crc::Sha3(64) => smac!(sha3::Sha3_512),
            _ => return None,
        })
    }
}

/// A zeroed buffer with room for `len` bytes at an offset `misalign`
/// past 64-byte alignment.
struct Buf {
    raw: u64,
    addr: u64,
}
impl Buf {
    fn new(len: usize, misalign: u64) -> Buf {
        let raw = kzalloc(len as u64 + 128);
        Buf {
            raw,
            addr: (raw + 63) / 64 * 64 + misalign,
        }
    }
    fn put(&self, data: &[u8]) {
        // SAFETY: the buffer has room for the data (see new).
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.addr as *mut u8, data.len()) };
    }
    fn get(&self, len: usize) -> Vec<u8> {
        // SAFETY: as for put.
        unsafe { std::slice::from_raw_parts(self.addr as *const u8, len) }.to_vec()
    }
}
impl Drop for Buf {
    fn drop(&mut self) {
        kfree(self.raw);
    }
}

/// The deterministic test input of `len` bytes.
fn input(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

const LENGTHS: [usize; 22] = [
    0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 255, 256, 511, 512, 513, 1000, 4096,
];

/// One way of driving the shash interface (testmgr's testvec_config).
#[derive(Clone, Copy)]
enum Cfg {
    Digest,
    UpdateFinal,
    Finup,
    TwoSplits,
    Misaligned,
    ExportImport,
}

impl Cfg {
    const ALL: [Cfg; 6] = [
        Cfg::Digest,
        Cfg::UpdateFinal,
        Cfg::Finup,
        Cfg::TwoSplits,
        Cfg::Misaligned,
        Cfg::ExportImport,
    ];
    fn name(self) -> &'static str {
        match self {
            Cfg::Digest => "digest aligned buffer",
            Cfg::UpdateFinal => "init+update+final aligned buffer",
            Cfg::Finup => "init+finup aligned buffer",
            Cfg::TwoSplits => "init+update+update+final two even splits",
            Cfg::Misaligned => "digest misaligned buffer",
            Cfg::ExportImport => "init+update+export+import+update+final",
        }
    }
}

struct Tester<'a> {
    hash: u64,
    salg: u64,
    driver: &'a str,
}

impl Tester<'_> {
    fn desc(&self) -> Buf {
        let descsize = rd32(self.hash + cs::descsize) as usize;
        let d = Buf::new(sd::__ctx as usize + descsize, 0);
        wr64(d.addr + sd::tfm, self.hash);
        d
    }

    fn fail(&self, op: &str, err: i32, vec: usize, cfg: Cfg) -> i32 {
        crate::log::kernel_msg(
            3,
            &format!(
                "alg: shash: {} {op}() failed with err {err} on test vector {vec}, cfg=\"{}\"",
                self.driver,
                cfg.name()
            ),
        );
        err
    }

    /// One input through one configuration: the digest, or the errno.
    fn run(&self, data: &[u8], cfg: Cfg, vec: usize, ds: usize) -> Result<Vec<u8>, i32> {
        let desc = self.desc();
        let d = desc.addr;
        let misalign = matches!(cfg, Cfg::Misaligned) as u64;
        let buf = Buf::new(data.len(), misalign);
        buf.put(data);
        let out = Buf::new(64, misalign);
        let n = data.len() as u32;
        let check = |op: &str, e: i32| {
            if e != 0 {
                Err(self.fail(op, e, vec, cfg))
            } else {
                Ok(())
            }
        };
        match cfg {
            Cfg::Digest | Cfg::Misaligned => {
                check("digest", super::shash::digest(d, buf.addr, n, out.addr))?
            }
            Cfg::UpdateFinal => {
                check("init", super::shash::init(d))?;
                check("update", super::shash::update(d, buf.addr, n))?;
                check("final", super::shash::final_(d, out.addr))?;
            }
            Cfg::Finup => {
                check("init", super::shash::init(d))?;
                check("finup", super::shash::finup(d, buf.addr, n, out.addr))?;
            }
            Cfg::TwoSplits => {
                let h = n / 2;
                check("init", super::shash::init(d))?;
                check("update", super::shash::update(d, buf.addr, h))?;
                check(
                    "update",
                    super::shash::update(d, buf.addr + h as u64, n - h),
                )?;
                check("final", super::shash::final_(d, out.addr))?;
            }
            Cfg::ExportImport => {
                let third = n / 3;
                check("init", super::shash::init(d))?;
                check("update", super::shash::update(d, buf.addr, third))?;
                let state = Buf::new(rd32(self.salg + sa::statesize) as usize, 0);
                let export = crate::drivers::base::rd64(self.salg + sa::export);
                let import = crate::drivers::base::rd64(self.salg + sa::import);
                check(
                    "export",
                    crate::fault::call_module(export, [d, state.addr, 0, 0, 0, 0]).unwrap_or(0)
                        as i32,
                )?;
                let desc2 = self.desc();
                check(
                    "import",
                    crate::fault::call_module(import, [desc2.addr, state.addr, 0, 0, 0, 0])
                        .unwrap_or(0) as i32,
                )?;
                check(
                    "update",
                    super::shash::update(desc2.addr, buf.addr + third as u64, n - third),
                )?;
                check("final", super::shash::final_(desc2.addr, out.addr))?;
            }
        }
        Ok(out.get(ds))
    }
}

/// testmgr's `alg_test(driver, name, type, CRYPTO_ALG_TESTED)` for a newly
/// registered algorithm: Some(0) passed, Some(-errno) failed (with
/// testmgr's messages), None when the host has no test for it.
pub(crate) fn alg_test(alg: u64) -> Option<i32> {
    // testmgr's alg_test_null entries (a single-block cipher is tested as
    // ecb(<name>)): nothing to check, passed.
    if matches!(&name(alg)[..], b"cipher_null" | b"compress_null" | b"digest_null" | b"ecb(cipher_null)") {
        return Some(0);
    }
    if let Some(rc) = comp_alg_test(alg) {
        return Some(rc);
    }
    if Type::of(cra_type(alg)) == Some(Type::Ahash) {
        // a native ahash (ghash-clmulni's asynchronous ghash): through
        // ahash requests
        let internal = flags(alg) & CRYPTO_ALG_INTERNAL != 0;
        let n = name(alg);
        let public = match n.strip_prefix(b"__") {
            Some(p) if internal => p,
            _ => &n[..],
        };
        return (public == b"ghash").then(|| test_ghash(alg));
    }
    if Type::of(cra_type(alg)) == Some(Type::Rng) {
        return rng_alg_test(alg);
    }
    if Type::of(cra_type(alg)) != Some(Type::Shash) {
        return cipher_alg_test(alg);
    }
    // an internal hash (aesni's __ghash) is tested as its public name
    let internal = flags(alg) & CRYPTO_ALG_INTERNAL != 0;
    let public = |n: Vec<u8>| match n.strip_prefix(b"__") {
        Some(p) if internal => p.to_vec(),
        _ => n,
    };
    if public(name(alg)) == b"ghash" {
        return Some(test_ghash(alg));
    }
    if let Some(inner) = name(alg).strip_prefix(b"hmac(").and_then(|n| n.strip_suffix(b")")) {
        let inner = Crc::of(inner)?;
        inner.hmac(b"", b"")?;
        let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
        return Some(with_tfm(alg, &driver, inner.digestsize(), |t| test_hmac(t, inner)));
    }
    let crc = Crc::of(&public(name(alg)))?;
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    let rc = test_crc(alg, crc, &driver);
    if rc != 0 {
        let n = String::from_utf8_lossy(&name(alg)).into_owned();
        crate::log::kernel_msg(
            4,
            &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
        );
        if rc != ENOENT {
            super::algapi::warn(
                "crypto/testmgr.c",
                5835,
                "alg_test",
                &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
            );
        }
    }
    Some(rc)
}

fn test_crc(alg: u64, crc: Crc, driver: &str) -> i32 {
    let salg = alg - sa::base;
    if rd32(salg + sa::digestsize) as usize != crc.digestsize() {
        crate::log::kernel_msg(
            3,
            &format!(
                "alg: shash: {driver} digestsize is {} but should be {}",
                rd32(salg + sa::digestsize),
                crc.digestsize()
            ),
        );
        return EINVAL;
    }
    with_tfm(alg, driver, crc.digestsize(), |t| run_all(t, crc))
}

/// A transform of the algorithm for the test `f` (freed after it).
fn with_tfm(alg: u64, driver: &str, _ds: usize, f: impl FnOnce(&Tester) -> i32) -> i32 {
    let salg = alg - sa::base;
    if crypto_mod_get(alg) == 0 {
        return ENOENT;
    }
    let fe = super::shash::frontend();
    let mem = match create_tfm(alg, &fe, -1) {
        Ok(m) => m,
        Err(e) => {
            crypto_mod_put(alg);
            crate::log::kernel_msg(
                3,
                &format!("alg: hash: failed to allocate transform for {driver}: {e}"),
            );
            return e;
        }
    };
    let hash = mem;
    let t = Tester { hash, salg, driver };
    let rc = f(&t);
    super::api::crypto_destroy_tfm(mem, hash + cs::base);
    rc
}

/// HMAC over `inner`: keys of every length class (empty, short, a digest,
/// a block, longer than a block: hashed first) on every input length,
/// every way of driving the interface.
fn test_hmac(t: &Tester, inner: Crc) -> i32 {
    let ds = inner.digestsize();
    let bs = rd32(t.salg + sa::base + crate::layout::crypto_alg::cra_blocksize) as usize;
    for (k, &klen) in [0, 1, 16, ds, bs - 1, bs, bs + 1, 2 * bs + 3].iter().enumerate() {
        let key = input(klen, 300 + k as u64);
        let kb = Buf::new(klen.max(1), 0);
        kb.put(&key);
        let e = super::shash::setkey(t.hash, kb.addr, klen as u32);
        if e != 0 {
            return t.fail("setkey", e, k, Cfg::Digest);
        }
        for (vec, &len) in LENGTHS.iter().enumerate() {
            let data = input(len, 400 + vec as u64);
            let Some(want) = inner.hmac(&key, &data) else { return EINVAL };
            for cfg in Cfg::ALL {
                match t.run(&data, cfg, vec, ds) {
                    Err(e) => return e,
                    Ok(got) if got != want => {
                        crate::log::kernel_msg(
                            3,
                            &format!(
                                "alg: shash: {} test failed (wrong result) on test vector {vec}, cfg=\"{}\" ({klen}-byte key)",
                                t.driver,
                                cfg.name()
                            ),
                        );
                        return EINVAL;
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    0
}

fn run_all(t: &Tester, crc: Crc) -> i32 {
    let ds = crc.digestsize();
    for (vec, &len) in LENGTHS.iter().enumerate() {
        let data = input(len, vec as u64 + 1);
        let want = crc.digest(!0, &data);
        for cfg in Cfg::ALL {
            match t.run(&data, cfg, vec, ds) {
                Err(e) => return e,
                Ok(got) if got != want => {
                    crate::log::kernel_msg(
                        3,
                        &format!("alg: shash: {} test failed (wrong result) on test vector {vec}, cfg=\"{}\"", t.driver, cfg.name()),
                    );
                    return EINVAL;
                }
                Ok(_) => {}
            }
        }
    }
    if crc == Crc::Crc32c {
        // Keyed digests: the key is the register's seed.
        for (vec, &len) in LENGTHS.iter().enumerate().step_by(3) {
            let data = input(len, 100 + vec as u64);
            let key = input(4, 200 + vec as u64);
            let k = Buf::new(4, 0);
            k.put(&key);
            let e = super::shash::setkey(t.hash, k.addr, 4);
            if e != 0 {
                return t.fail("setkey", e, vec, Cfg::Digest);
            }
            let want = crc.digest(u32::from_le_bytes([key[0], key[1], key[2], key[3]]), &data);
            match t.run(&data, Cfg::Digest, vec, 4) {
                Err(e) => return e,
                Ok(got) if got != want => {
                    crate::log::kernel_msg(
                        3,
                        &format!("alg: shash: {} test failed (wrong result) on test vector {vec}, cfg=\"keyed digest\"", t.driver),
                    );
                    return EINVAL;
                }
                Ok(_) => {}
            }
        }
        // testmgr's alg_test_crc32c: final on a descriptor whose register
        // holds 420553207 gives its complement.
        let desc = t.desc();
        wr32(desc.addr + sd::__ctx, 420553207);
        let out = Buf::new(4, 0);
        let e = super::shash::final_(desc.addr, out.addr);
        if e != 0 {
            crate::log::kernel_msg(
                3,
                &format!("alg: crc32c: Operation failed for {}: {e}", t.driver),
            );
            return e;
        }
        let v = u32::from_le_bytes(out.get(4).try_into().unwrap_or([0; 4]));
        if v != !420553207u32 {
            crate::log::kernel_msg(
                3,
                &format!("alg: crc32c: Test failed for {}: {v}", t.driver),
            );
            return EINVAL;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::Crc;

    #[test]
    fn check_values() {
        // The catalogue's check values (the CRC of "123456789").
        let d = b"123456789";
        assert_eq!(Crc::Crc32c.digest(!0, d), 0xE306_9283u32.to_le_bytes());
        assert_eq!(Crc::T10dif.digest(0, d), 0xD0DBu16.to_le_bytes());
        assert_eq!(
            Crc::Rocksoft.digest(0, d),
            0xAE8B_1486_0A79_9888u64.to_le_bytes()
        );
    }
}

// ---- ciphers, skciphers and AEADs --------------------------------------------

/// A deterministic generator for the test inputs (xorshift64*), seeded
/// from the driver name so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn new(seed: &[u8]) -> Rng {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for &b in seed {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        Rng(h | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn layout(&mut self, len: usize) -> super::user::Layout {
        let mut splits = || -> Vec<usize> {
            if len < 2 || self.below(2) == 0 {
                return Vec::new();
            }
            (0..1 + self.below(3)).map(|_| 1 + self.below(len - 1)).collect()
        };
        let (src_splits, dst_splits) = (splits(), splits());
        super::user::Layout {
            src_splits,
            dst_splits,
            offset: if self.below(2) == 0 { 0 } else { 1 + self.below(40) },
            in_place: self.below(3) == 0,
        }
    }
}

/// What an skcipher or AEAD name is, for its test.
enum CipherTest {
    Block(super::refcipher::Block),
    Mode(super::refcipher::Block, super::refcipher::Mode),
    Ctr,
    Rfc3686,
    Xts,
    ChaCha20,
    XChaCha(u32),
    Gcm,
    Rfc4106,
}

impl CipherTest {
    fn of(ty: u32, name: &[u8]) -> Option<CipherTest> {
        use super::refcipher::{Block, Mode};
        let inner = |p: &[u8]| -> Option<Block> {
            let n = name.strip_prefix(p)?.strip_suffix(b")")?;
            Block::of(n)
        };
        match ty {
            CRYPTO_ALG_TYPE_CIPHER => Block::of(name).map(CipherTest::Block),
            CRYPTO_ALG_TYPE_SKCIPHER => match name {
                b"ctr(aes)" => Some(CipherTest::Ctr),
                b"rfc3686(ctr(aes))" => Some(CipherTest::Rfc3686),
                b"xts(aes)" => Some(CipherTest::Xts),
                b"chacha20" => Some(CipherTest::ChaCha20),
                b"xchacha20" => Some(CipherTest::XChaCha(20)),
                b"xchacha12" => Some(CipherTest::XChaCha(12)),
                _ => inner(b"ecb(")
                    .map(|b| CipherTest::Mode(b, Mode::Ecb))
                    .or_else(|| inner(b"cbc(").map(|b| CipherTest::Mode(b, Mode::Cbc))),
            },
            CRYPTO_ALG_TYPE_AEAD => match name {
                b"gcm(aes)" => Some(CipherTest::Gcm),
                b"rfc4106(gcm(aes))" => Some(CipherTest::Rfc4106),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Requests per key size.
const CIPHER_ROUNDS: usize = 8;

fn fail(kind: &str, driver: &str, what: &str) -> i32 {
    crate::log::kernel_msg(3, &format!("alg: {kind}: {driver} {what}"));
    EINVAL
}

/// testmgr's cipher, skcipher and AEAD tests for the names the host has
/// an independent implementation of ([`super::refcipher`]): random keys of
/// every size class, random data of every length class in random
/// scatterlist layouts, both directions, and for AEADs a tampered tag
/// (-EBADMSG). None when there is no test. An asynchronous algorithm's
/// requests are waited for (crypto_req_done), as testmgr waits.
pub(crate) fn cipher_alg_test(alg: u64) -> Option<i32> {
    let f = flags(alg);
    let ty = match Type::of(cra_type(alg)) {
        None if f & CRYPTO_ALG_TYPE_MASK == CRYPTO_ALG_TYPE_CIPHER => CRYPTO_ALG_TYPE_CIPHER,
        Some(Type::Skcipher) => CRYPTO_ALG_TYPE_SKCIPHER,
        Some(Type::Aead) => CRYPTO_ALG_TYPE_AEAD,
        Some(Type::Kpp) => return kpp_alg_test(alg),
        Some(Type::Akcipher) => return akcipher_alg_test(alg),
        _ => return None,
    };
    // An internal algorithm (aesni's `__gcm(aes)`, which only the SIMD
    // wrappers and cryptd use) is tested as what it computes: the public
    // name without the leading "__". (Linux's testmgr, finding no test
    // for the internal name, passes it untested.)
    let n = name(alg);
    let n = match n.strip_prefix(b"__") {
        Some(public) if f & CRYPTO_ALG_INTERNAL != 0 => public,
        _ => &n[..],
    };
    let test = CipherTest::of(ty, n)?;
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    let fl = super::user::Flags {
        ty: (f & CRYPTO_ALG_INTERNAL) | CRYPTO_ALG_TESTED,
        mask: CRYPTO_ALG_INTERNAL,
    };
    let mut rng = Rng::new(driver.as_bytes());
    let rc = match test {
        CipherTest::Block(b) => test_block(&driver, fl, b, &mut rng),
        CipherTest::Gcm | CipherTest::Rfc4106 => test_gcm(&driver, fl, matches!(test, CipherTest::Rfc4106), &mut rng),
        t => test_skcipher(&driver, fl, &t, &mut rng),
    };
    if rc != 0 {
        let n = String::from_utf8_lossy(&name(alg)).into_owned();
        super::algapi::warn(
            "crypto/testmgr.c",
            5835,
            "alg_test",
            &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
        );
    }
    Some(rc)
}

fn test_block(driver: &str, fl: super::user::Flags, b: super::refcipher::Block, rng: &mut Rng) -> i32 {
    use super::refcipher::{block_mode, Mode};
    let tfm = match super::user::Cipher::with_flags(driver, fl) {
        Ok(t) => t,
        Err(e) => return fail("cipher", driver, &format!("cannot allocate: {e}")),
    };
    for &kl in b.keys() {
        for _ in 0..CIPHER_ROUNDS {
            let key = rng.bytes(kl);
            if tfm.setkey(&key).is_err() {
                return fail("cipher", driver, &format!("setkey failed on a {kl}-byte key"));
            }
            let n = b.blocksize() * (1 + rng.below(4));
            let data = rng.bytes(n);
            let enc = rng.below(2) == 0;
            let mut got = data.clone();
            let mut want = data.clone();
            if tfm.crypt_blocks(enc, &mut got).is_err() || block_mode(b, &key, Mode::Ecb, &[], &mut want, enc).is_none() {
                return fail("cipher", driver, "test failed");
            }
            if got != want {
                return fail("cipher", driver, &format!("{} test failed (wrong result) with a {kl}-byte key", if enc { "encryption" } else { "decryption" }));
            }
        }
    }
    0
}

fn test_skcipher(driver: &str, fl: super::user::Flags, t: &CipherTest, rng: &mut Rng) -> i32 {
    use super::refcipher::*;
    let tfm = match super::user::Skcipher::with_flags(driver, fl) {
        Ok(t) => t,
        Err(e) => return fail("skcipher", driver, &format!("cannot allocate: {e}")),
    };
    let (keys, unit, min): (&[usize], usize, usize) = match t {
        CipherTest::Mode(b, _) => (b.keys(), b.blocksize(), 0),
        CipherTest::Ctr => (&[16, 24, 32], 1, 0),
        CipherTest::Rfc3686 => (&[20, 28, 36], 1, 0),
        CipherTest::Xts => (&[32, 48, 64], 1, 16),
        _ => (&[32], 1, 0),
    };
    let ivsize = tfm.ivsize();
    for &kl in keys {
        for _ in 0..CIPHER_ROUNDS {
            let key = rng.bytes(kl);
            if tfm.setkey(&key).is_err() {
                return fail("skcipher", driver, &format!("setkey failed on a {kl}-byte key"));
            }
            let mut iv = rng.bytes(ivsize);
            match t {
                CipherTest::ChaCha20 if ivsize >= 4 => iv[1..4].fill(0),
                CipherTest::XChaCha(_) if ivsize >= 32 => iv[24..].fill(0),
                _ => {}
            }
            let big = rng.below(8) == 0;
            let len = (min + rng.below(if big { 5000 } else { 300 })) / unit * unit;
            let len = len.max(min);
            let data = rng.bytes(len);
            let enc = rng.below(2) == 0;
            let layout = rng.layout(len);
            let got = match tfm.crypt(enc, &iv, &data, &layout) {
                Ok((d, _)) => d,
                Err(e) => return fail("skcipher", driver, &format!("request of {len} bytes failed: {e}")),
            };
            let mut want = data.clone();
            let ok = match t {
                CipherTest::Mode(b, m) => block_mode(*b, &key, *m, &iv, &mut want, enc),
                CipherTest::Ctr => aes_ctr(&key, &iv, &mut want),
                CipherTest::Rfc3686 => {
                    // the key's last 4 bytes are the nonce; the counter
                    // block is nonce || IV || be32 1
                    let (k, nonce) = key.split_at(kl - 4);
                    let blk = [nonce, &iv[..], &[0, 0, 0, 1]].concat();
                    aes_ctr(k, &blk, &mut want)
                }
                CipherTest::Xts => aes_xts(&key, &iv, &mut want, enc),
                CipherTest::ChaCha20 => chacha20(&key, &iv, &mut want),
                CipherTest::XChaCha(r) => xchacha(*r, &key, &iv, &mut want),
                _ => None,
            };
            if ok.is_none() || got != want {
                return fail("skcipher", driver, &format!("{} test failed (wrong result) on {len} bytes", if enc { "encryption" } else { "decryption" }));
            }
        }
    }
    0
}

fn test_gcm(driver: &str, fl: super::user::Flags, rfc4106: bool, rng: &mut Rng) -> i32 {
    let tfm = match super::user::Aead::with_flags(driver, fl) {
        Ok(t) => t,
        Err(e) => return fail("aead", driver, &format!("cannot allocate: {e}")),
    };
    for kl in [16, 24, 32] {
        for _ in 0..CIPHER_ROUNDS {
            let key = rng.bytes(kl + if rfc4106 { 4 } else { 0 });
            if tfm.setkey(&key).is_err() {
                return fail("aead", driver, &format!("setkey failed on a {}-byte key", key.len()));
            }
            let iv = rng.bytes(tfm.ivsize());
            // RFC 4106: the associated data (8 or 12 bytes) is followed by
            // the 8-byte IV, which assoclen covers; the nonce is the salt
            // (the key's last 4 bytes) and the IV.
            let (aad_req, aad_ref, nonce) = if rfc4106 {
                let n = if rng.below(2) == 0 { 8 } else { 12 };
                let a = rng.bytes(n);
                let mut req = a.clone();
                req.extend_from_slice(&iv);
                let mut n = key[kl..].to_vec();
                n.extend_from_slice(&iv);
                (req, a, n)
            } else {
                let n = rng.below(40);
                let a = rng.bytes(n);
                (a.clone(), a, iv.clone())
            };
            let big = rng.below(8) == 0;
            let len = rng.below(if big { 5000 } else { 300 });
            let data = rng.bytes(len);
            let layout = rng.layout(aad_req.len() + len);
            let Some(want) = super::refcipher::aes_gcm(&key[..kl], &nonce, &aad_ref, &data) else {
                return fail("aead", driver, "no reference result");
            };
            match tfm.encrypt(&iv, &aad_req, &data, &layout) {
                Ok(ct) if ct == want => {}
                Ok(_) => return fail("aead", driver, &format!("encryption test failed (wrong result) on {len} bytes")),
                Err(e) => return fail("aead", driver, &format!("encryption of {len} bytes failed: {e}")),
            }
            match tfm.decrypt(&iv, &aad_req, &want, &layout) {
                Ok(pt) if pt == data => {}
                _ => return fail("aead", driver, &format!("decryption test failed on {len} bytes")),
            }
            let mut bad = want.clone();
            let i = rng.below(bad.len());
            bad[i] ^= 1 << rng.below(8);
            match tfm.decrypt(&iv, &aad_req, &bad, &layout) {
                Err(e) if e.errno() == Some(-74) => {}
                _ => return fail("aead", driver, "decryption of a tampered message did not fail with -EBADMSG"),
            }
        }
    }
    0
}

/// testmgr's ghash test: random 16-byte keys, data of random lengths
/// (zero-padded to whole blocks, as Linux's ghash finishes a partial
/// block) digested in one call and in random updates, against the
/// `ghash` crate; an shash through shash descriptors, an ahash through
/// requests over random scatterlist layouts (waited for when asynchronous).
fn test_ghash(alg: u64) -> i32 {
    use ghash::universal_hash::{KeyInit, UniversalHash};
    enum T {
        S(super::user::Hash),
        A(super::user::Ahash),
    }
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    let fl = super::user::Flags { ty: (flags(alg) & CRYPTO_ALG_INTERNAL) | CRYPTO_ALG_TESTED, mask: CRYPTO_ALG_INTERNAL };
    let ahash = Type::of(cra_type(alg)) == Some(Type::Ahash);
    let kind = if ahash { "ahash" } else { "shash" };
    let tfm = if ahash {
        super::user::Ahash::with_flags(&driver, fl).map(T::A)
    } else {
        super::user::Hash::with_flags(&driver, fl).map(T::S)
    };
    let tfm = match tfm {
        Ok(t) => t,
        Err(e) => return fail(kind, &driver, &format!("cannot allocate: {e}")),
    };
    let mut rng = Rng::new(driver.as_bytes());
    for i in 0..32 {
        let key = rng.bytes(16);
        let set = match &tfm {
            T::S(t) => t.setkey(&key),
            T::A(t) => t.setkey(&key),
        };
        if set.is_err() {
            return fail(kind, &driver, "setkey failed");
        }
        let n = rng.below(if i % 8 == 0 { 3000 } else { 200 });
        let data = rng.bytes(n);
        let splits: Vec<usize> = if i % 2 == 0 { Vec::new() } else { (0..3).map(|_| rng.below(n + 1)).collect() };
        let mut g = ghash::GHash::new(ghash::Key::from_slice(&key));
        g.update_padded(&data);
        let want = g.finalize().to_vec();
        let got = match &tfm {
            T::S(t) => t.digest(&data, &splits),
            T::A(t) => {
                let l = rng.layout(n);
                t.digest(&data, &l, &splits)
            }
        };
        match got {
            Ok(d) if d == want => {}
            _ => return fail(kind, &driver, &format!("test failed (wrong result) on {n} bytes")),
        }
    }
    0
}

// ---- random number generators ------------------------------------------------

/// testmgr's rng entries: `ansi_cprng` (alg_test_cprng) and the drbg
/// variants (alg_test_drbg, or alg_test_null for those Linux covers by a
/// sibling — the host tests each one all the same: a passed test is
/// what Linux's /proc/crypto shows for them) against the host's
/// independent implementations ([`super::refrng`]); `jitterentropy_rng`
/// is alg_test_null, `fips(ansi_cprng)` has no entry (passed, with
/// "alg: No test for"). None: no test.
fn rng_alg_test(alg: u64) -> Option<i32> {
    let n = name(alg);
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    if n == b"jitterentropy_rng" {
        return Some(0);
    }
    if n == b"fips(ansi_cprng)" {
        // no entry in testmgr's table: passed, with alg_test's notice
        crate::log::kernel_msg(6, &format!("alg: No test for fips(ansi_cprng) ({driver})"));
        return Some(0);
    }
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let mut rng = Rng::new(driver.as_bytes());
    let rc = if driver == "ansi_cprng" {
        test_cprng(&driver, fl, &mut rng)
    } else if let Some((mech, pr)) = super::refrng::Mech::of_driver(&driver) {
        test_drbg(&driver, fl, mech, pr, &mut rng)
    } else {
        return None;
    };
    if rc != 0 {
        let n = String::from_utf8_lossy(&n).into_owned();
        super::algapi::warn(
            "crypto/testmgr.c",
            5835,
            "alg_test",
            &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
        );
    }
    Some(rc)
}

/// One drbg test case as testmgr's `drbg_cavs_test` drives it: test
/// entropy (`set_ent`) and a personalization string for the
/// instantiation (`crypto_drbg_reset_test`), then two generate requests
/// with additional inputs (`crypto_drbg_get_bytes_addtl[_test]`: for
/// prediction resistance each with fresh test entropy, which the DRBG
/// reseeds with together with the additional input). Returns the two
/// outputs of the module and of the reference.
pub(crate) struct DrbgCase {
    pub ent: Vec<u8>,
    pub pers: Vec<u8>,
    /// Per request: the additional input, the entropy for a prediction
    /// resistance reseed, the output length.
    pub reqs: Vec<(Vec<u8>, Vec<u8>, usize)>,
}

impl DrbgCase {
    /// A case with random inputs: entropy of 16..80 bytes (it includes
    /// the nonce), personalization and additional inputs of 0..64 bytes,
    /// 1..max_out output bytes (odd lengths included).
    pub(crate) fn random(next: &mut dyn FnMut(usize) -> usize, bytes: &mut dyn FnMut(usize) -> Vec<u8>, max_out: usize, reqs: usize) -> DrbgCase {
        let ent = { let n = 16 + next(65); bytes(n) };
        let pers = { let n = if next(3) == 0 { 0 } else { next(65) }; bytes(n) };
        let reqs = (0..reqs)
            .map(|_| {
                let a = { let n = if next(3) == 0 { 0 } else { next(65) }; bytes(n) };
                let e = { let n = 16 + next(49); bytes(n) };
                (a, e, 1 + next(max_out))
            })
            .collect();
        DrbgCase { ent, pers, reqs }
    }

    /// The reference's outputs.
    pub(crate) fn reference(&self, mech: super::refrng::Mech, pr: bool) -> Vec<Vec<u8>> {
        let mut d = super::refrng::Drbg::instantiate(mech, &[&self.ent[..], &self.pers].concat());
        self.reqs
            .iter()
            .map(|(a, e, n)| {
                if pr {
                    d.reseed(e, a);
                    d.generate(*n, &[])
                } else {
                    d.generate(*n, a)
                }
            })
            .collect()
    }

    /// The module's outputs through a transform.
    pub(crate) fn run(&self, t: &mut super::user::Rng, pr: bool) -> super::user::Result<Vec<Vec<u8>>> {
        t.set_ent(&self.ent)?;
        t.reset(Some(&self.pers))?;
        self.reqs
            .iter()
            .map(|(a, e, n)| {
                if pr {
                    t.set_ent(e)?;
                }
                t.generate_addtl(a, *n)
            })
            .collect()
    }
}

/// Test cases per drbg variant at registration.
const DRBG_CASES: usize = 4;

fn test_drbg(driver: &str, fl: super::user::Flags, mech: super::refrng::Mech, pr: bool, rng: &mut Rng) -> i32 {
    for i in 0..DRBG_CASES {
        let mut t = match super::user::Rng::with_flags(driver, fl) {
            Ok(t) => t,
            Err(e) => {
                crate::log::kernel_msg(3, &format!("alg: drbg: could not allocate DRNG handle for {driver}"));
                return e.errno().unwrap_or(EINVAL);
            }
        };
        let case = {
            let cell = std::cell::RefCell::new(&mut *rng);
            DrbgCase::random(&mut |n| cell.borrow_mut().below(n), &mut |n| cell.borrow_mut().bytes(n), 256, 2)
        };
        let want = case.reference(mech, pr);
        match case.run(&mut t, pr) {
            Ok(got) if got == want => {}
            Ok(_) => {
                crate::log::kernel_msg(3, &format!("alg: drbg: Test {i} failed for {driver}"));
                return EINVAL;
            }
            Err(e) => {
                crate::log::kernel_msg(3, &format!("alg: drbg: Test {i} failed for {driver}: {e}"));
                return e.errno().unwrap_or(EINVAL);
            }
        }
    }
    0
}

/// alg_test_cprng's way: reset with V || key || DT, then requests of
/// random lengths compared with ANSI X9.31 ([`super::refrng::X931`]);
/// also a seed without DT (DT starts at zero) and one too short
/// (-EINVAL). (A request of 0 bytes is not made: ansi_cprng writes past
/// the buffer then.)
fn test_cprng(driver: &str, fl: super::user::Flags, rng: &mut Rng) -> i32 {
    let t = match super::user::Rng::with_flags(driver, fl) {
        Ok(t) => t,
        Err(e) => {
            crate::log::kernel_msg(3, &format!("alg: cprng: Failed to load transform for {driver}: {e}"));
            return e.errno().unwrap_or(EINVAL);
        }
    };
    if t.seedsize() != 48 {
        return fail("cprng", driver, &format!("seedsize is {} but should be 48", t.seedsize()));
    }
    for i in 0..6 {
        let with_dt = i % 3 != 2;
        let seed = rng.bytes(if with_dt { 48 } else { 32 });
        if let Err(e) = t.reset(Some(&seed)) {
            crate::log::kernel_msg(3, &format!("alg: cprng: Failed to reset rng for {driver}: {e}"));
            return e.errno().unwrap_or(EINVAL);
        }
        let dt = if with_dt { seed[32..48].to_vec() } else { vec![0; 16] };
        let mut x = super::refrng::X931::new(&seed[..16], &seed[16..32], &dt);
        for _ in 0..4 {
            let n = 1 + rng.below(80);
            match t.generate(n) {
                Ok(got) if got == x.bytes(n) => {}
                Ok(_) => {
                    crate::log::kernel_msg(3, &format!("alg: cprng: Test {i} failed for {driver}"));
                    return EINVAL;
                }
                Err(e) => {
                    crate::log::kernel_msg(
                        3,
                        &format!("alg: cprng: Failed to obtain the correct amount of random data for {driver} (requested {n}): {e}"),
                    );
                    return e.errno().unwrap_or(EINVAL);
                }
            }
        }
    }
    match t.reset(Some(&[0; 31])) {
        Err(e) if e.errno() == Some(EINVAL) => 0,
        r => fail("cprng", driver, &format!("reset with a 31-byte seed gave {r:?}, not -EINVAL")),
    }
}

// ---- compression -------------------------------------------------------------

/// The compression formats the host can check independently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CompKind {
    /// Raw deflate (RFC 1951).
    Deflate,
    /// The zlib format (RFC 1950).
    ZlibDeflate,
    /// LZO1X.
    Lzo,
    /// LZO1X with the zero-run extension (bitstream version 1).
    LzoRle,
    /// An LZ4 block (lz4 and lz4hc).
    Lz4,
    /// A zstd frame.
    Zstd,
}

impl CompKind {
    pub(crate) fn of(name: &[u8]) -> Option<CompKind> {
        Some(match name {
            b"deflate" => CompKind::Deflate,
            b"zlib-deflate" => CompKind::ZlibDeflate,
            b"lzo" => CompKind::Lzo,
            b"lzo-rle" => CompKind::LzoRle,
            b"lz4" | b"lz4hc" => CompKind::Lz4,
            b"zstd" => CompKind::Zstd,
            _ => return None,
        })
    }

    /// An independent decoder's result (None: the format has no decoder
    /// independent of the host's own — lzo-rle).
    pub(crate) fn decode(self, c: &[u8], len: usize) -> Option<Result<Vec<u8>, String>> {
        Some(match self {
            CompKind::Deflate => miniz_oxide::inflate::decompress_to_vec(c).map_err(|e| format!("{e:?}")),
            CompKind::ZlibDeflate => miniz_oxide::inflate::decompress_to_vec_zlib(c).map_err(|e| format!("{e:?}")),
            CompKind::Lzo => lzokay_native::decompress_all(c, Some(len)).map_err(|e| e.to_string()),
            CompKind::LzoRle => return None,
            CompKind::Lz4 => lz4_flex::block::decompress(c, len).map_err(|e| e.to_string()),
            CompKind::Zstd => zstd::bulk::decompress(c, len.max(1)).map_err(|e| e.to_string()),
        })
    }

    /// An independent encoder's result, in the form the algorithm takes.
    pub(crate) fn encode(self, d: &[u8]) -> Option<Vec<u8>> {
        Some(match self {
            CompKind::Deflate => miniz_oxide::deflate::compress_to_vec(d, 6),
            CompKind::ZlibDeflate => miniz_oxide::deflate::compress_to_vec_zlib(d, 3),
            CompKind::Lzo => lzokay_native::compress(d).ok()?,
            CompKind::LzoRle => return None,
            CompKind::Lz4 => lz4_flex::block::compress(d),
            CompKind::Zstd => zstd::bulk::compress(d, 3).ok()?,
        })
    }

    /// Whether the independent encoder's output suits Linux's decoder of
    /// the algorithm: raw deflate from miniz uses a 32 KiB window, more
    /// than the 2 KiB Linux's inflate accepts, so only inputs that fit
    /// the window are given to it.
    pub(crate) fn encodable(self, len: usize) -> bool {
        !matches!(self, CompKind::Deflate) || len <= 2048
    }
}

/// A test input: compressible (repeats, runs, few symbols) or random.
pub(crate) fn comp_input(rng_: &mut impl FnMut() -> u64, len: usize) -> Vec<u8> {
    let kind = rng_() % 4;
    let mut v: Vec<u8> = Vec::with_capacity(len);
    while v.len() < len {
        match kind {
            0 => v.push(rng_() as u8),
            1 => v.push(b"ACGT"[(rng_() % 4) as usize]),
            2 => {
                let n = (rng_() % 200) as usize;
                let b = if rng_() % 2 == 0 { 0 } else { rng_() as u8 };
                v.extend(std::iter::repeat(b).take(n));
            }
            _ => {
                if v.len() > 8 && rng_() % 2 == 0 {
                    let s = (rng_() as usize) % v.len();
                    let l = ((rng_() % 64) as usize).min(v.len() - s);
                    let c = v[s..s + l].to_vec();
                    v.extend(c);
                } else {
                    v.push(rng_() as u8);
                }
            }
        }
    }
    v.truncate(len);
    v
}

/// Room for any compressed form of `len` bytes of these formats.
fn comp_room(len: usize) -> usize {
    len + len / 8 + 1024
}

/// testmgr's compression tests (`alg_test_comp`): the legacy type through
/// `crypto_alloc_comp`, scomp and acomp algorithms through
/// `crypto_alloc_acomp`; random inputs (compressible and not, 1 byte to
/// three pages) are compressed and decompressed by the algorithm, its
/// compressed form is decoded by an independent implementation and an
/// independent encoder's output is decompressed by the algorithm. None
/// when the algorithm is not a compressor the host can check.
pub(crate) fn comp_alg_test(alg: u64) -> Option<i32> {
    let f = flags(alg);
    let legacy = match Type::of(cra_type(alg)) {
        None if f & CRYPTO_ALG_TYPE_MASK == CRYPTO_ALG_TYPE_COMPRESS => true,
        Some(Type::Scomp) | Some(Type::Acomp) => false,
        _ => return None,
    };
    let kind = CompKind::of(&name(alg))?;
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let mut rng = Rng::new(driver.as_bytes());
    let what = if legacy { "comp" } else { "acomp" };
    let rc = (|| -> Result<(), String> {
        let comp = if legacy { Some(super::user::Comp::with_flags(&driver, fl).map_err(|e| e.to_string())?) } else { None };
        let acomp = if legacy { None } else { Some(super::user::Acomp::with_flags(&driver, fl).map_err(|e| e.to_string())?) };
        let l = super::user::CompLayout::default();
        for i in 0..16 {
            let len = match i % 4 {
                0 => 1 + rng.below(64),
                1 => 1 + rng.below(600),
                _ => 1 + rng.below(3 * 4096),
            };
            let mut next = || rng.next();
            let data = comp_input(&mut next, len);
            let room = comp_room(len);
            let run = |c: bool, d: &[u8], room: usize| match (&comp, &acomp) {
                (Some(t), _) => if c { t.compress(d, room, 0) } else { t.decompress(d, room, 0) },
                (_, Some(t)) => if c { t.compress(d, room, &l) } else { t.decompress(d, room, &l) },
                _ => unreachable!(),
            };
            let c = run(true, &data, room).map_err(|e| format!("compression failed on test {i}: {e}"))?;
            let back = run(false, &c, len).map_err(|e| format!("decompression failed on test {i}: {e}"))?;
            if back != data {
                return Err(format!("decompression of its own output differs on test {i}"));
            }
            if let Some(r) = kind.decode(&c, len) {
                if r.as_deref() != Ok(&data[..]) {
                    return Err(format!("its output on test {i} is not what an independent decoder reads"));
                }
            }
            if kind.encodable(len) {
                if let Some(e) = kind.encode(&data) {
                    let back = run(false, &e, len).map_err(|e| format!("decompression of an independent encoder's output failed on test {i}: {e}"))?;
                    if back != data {
                        return Err(format!("decompression of an independent encoder's output differs on test {i}"));
                    }
                }
            }
        }
        Ok(())
    })();
    let rc = match rc {
        Ok(()) => 0,
        Err(m) => fail(what, &driver, &m),
    };
    if rc != 0 {
        let n = String::from_utf8_lossy(&name(alg)).into_owned();
        super::algapi::warn(
            "crypto/testmgr.c",
            5835,
            "alg_test",
            &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
        );
    }
    Some(rc)
}

// ---- key agreement -------------------------------------------------------------

/// Secrets per kpp algorithm.
const KPP_ROUNDS: usize = 8;

/// testmgr's kpp test for ecdh-nist-p192/p256/p384 and curve25519, against
/// [`super::refkpp`]: random private keys set as the packed secret; the
/// public key the algorithm generates and the secret it shares with a
/// random peer compared; a peer point off the curve (ECDH) or too short
/// (X25519) refused with -EINVAL. None for other names.
fn kpp_alg_test(alg: u64) -> Option<i32> {
    use super::refkpp::Curve;
    let n = name(alg);
    let curve = Curve::of(&n);
    if &n[..] == b"dh" {
        let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
        return Some(test_dh(&driver));
    }
    if curve.is_none() && &n[..] != b"curve25519" {
        return None;
    }
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let mut rng = Rng::new(driver.as_bytes());
    let tfm = match super::user::Kpp::with_flags(&driver, fl) {
        Ok(t) => t,
        Err(e) => return Some(fail("kpp", &driver, &format!("cannot allocate: {e}"))),
    };
    let rc = match curve {
        Some(c) => test_ecdh(&tfm, &driver, c, &mut rng),
        None => test_x25519(&tfm, &driver, &mut rng),
    };
    if rc != 0 {
        let n = String::from_utf8_lossy(&n).into_owned();
        super::algapi::warn(
            "crypto/testmgr.c",
            5835,
            "alg_test",
            &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
        );
    }
    Some(rc)
}

fn test_ecdh(tfm: &super::user::Kpp, driver: &str, c: super::refkpp::Curve, rng: &mut Rng) -> i32 {
    let nb = c.nbytes();
    for _ in 0..KPP_ROUNDS {
        let (d, peer_d) = (rng.bytes(nb), rng.bytes(nb));
        let (Some(want_pub), Some(peer)) = (c.public(&d), c.public(&peer_d)) else {
            continue; // out of [1, n-1]: vanishingly rare
        };
        if let Err(e) = tfm.set_secret(&super::user::ecdh_secret(&d)) {
            return fail("kpp", driver, &format!("set_secret failed: {e}"));
        }
        match tfm.public_key() {
            Ok(p) if p == want_pub => {}
            Ok(_) => return fail("kpp", driver, "generate public key test failed (wrong result)"),
            Err(e) => return fail("kpp", driver, &format!("generate public key test failed: {e}")),
        }
        match tfm.shared_secret(&peer, nb) {
            Ok(s) if Some(&s) == c.shared(&d, &peer).as_ref() => {}
            Ok(_) => return fail("kpp", driver, "compute shared secret test failed (wrong result)"),
            Err(e) => return fail("kpp", driver, &format!("compute shared secret test failed: {e}")),
        }
        let mut bad = peer.clone();
        bad[nb] ^= 1; // y changed: off the curve
        match tfm.shared_secret(&bad, nb) {
            Err(e) if e.errno() == Some(EINVAL) => {}
            r => return fail("kpp", driver, &format!("a point off the curve gave {r:?}")),
        }
    }
    0
}

fn test_x25519(tfm: &super::user::Kpp, driver: &str, rng: &mut Rng) -> i32 {
    use super::refkpp::x25519;
    for _ in 0..KPP_ROUNDS {
        let mut k = [0u8; 32];
        let mut u = [0u8; 32];
        k.copy_from_slice(&rng.bytes(32));
        u.copy_from_slice(&rng.bytes(32));
        if let Err(e) = tfm.set_secret(&k) {
            return fail("kpp", driver, &format!("set_secret failed: {e}"));
        }
        match tfm.public_key() {
            Ok(p) if p[..] == x25519(&k, None) => {}
            Ok(_) => return fail("kpp", driver, "generate public key test failed (wrong result)"),
            Err(e) => return fail("kpp", driver, &format!("generate public key test failed: {e}")),
        }
        match tfm.shared_secret(&u, 32) {
            Ok(s) if s[..] == x25519(&k, Some(&u)) => {}
            Ok(_) => return fail("kpp", driver, "compute shared secret test failed (wrong result)"),
            Err(e) => return fail("kpp", driver, &format!("compute shared secret test failed: {e}")),
        }
        // u = 0 (order 1): the null point, which 6.1's kpp algorithms
        // return as computed (no contributory check); a short input:
        // -EINVAL.
        match tfm.shared_secret(&[0u8; 32], 32) {
            Ok(s) if s == [0u8; 32] => {}
            r => return fail("kpp", driver, &format!("a low-order point gave {r:?}")),
        }
        match tfm.shared_secret(&u[..31], 32) {
            Err(e) if e.errno() == Some(EINVAL) => {}
            r => return fail("kpp", driver, &format!("a 31-byte public key gave {r:?}")),
        }
    }
    0
}

/// `base^e mod m` on `num-bigint`'s `modpow` — another crate than the
/// `num-bigint-dig` dh-generic computes with (a square-and-multiply on
/// plain remainders, which this was, made the self-test most of a host
/// kernel's boot time).
fn ref_modpow(base: &num_bigint_dig::BigUint, e: &num_bigint_dig::BigUint, m: &num_bigint_dig::BigUint) -> num_bigint_dig::BigUint {
    let to = |v: &num_bigint_dig::BigUint| num_bigint::BigUint::from_bytes_be(&v.to_bytes_be());
    let r = to(base).modpow(&to(e), &to(m));
    num_bigint_dig::BigUint::from_bytes_be(&r.to_bytes_be())
}

/// dh: random (not necessarily prime) moduli of 1536 and 2048 bits and
/// random keys of up to 256 bits: the public key and the shared secret with a random peer
/// value against [`ref_modpow`], zero-padded to the buffer; out-of-range
/// peer values -EINVAL; a modulus under 1536 bits refused.
fn test_dh(driver: &str) -> i32 {
    use num_bigint_dig::BigUint;
    let mut rng = Rng::new(driver.as_bytes());
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let tfm = match super::user::Kpp::with_flags(driver, fl) {
        Ok(t) => t,
        Err(e) => return fail("kpp", driver, &format!("cannot allocate: {e}")),
    };
    // At registration, a quick check as Linux's vectors are (2048 bits):
    // private keys up to 256 bits, as dh users choose them; the crypto_kpp
    // test takes 1 000 random moduli up to 3072 bits and full-length keys.
    for &pl in &[192usize, 256] {
        let mut p = rng.bytes(pl);
        p[0] |= 0x80;
        let kl = 1 + rng.below(32);
        let key = rng.bytes(kl);
        let g = vec![2u8];
        let secret = super::dh_helper::encode(&super::dh_helper::DhParams { key: key.clone(), p: p.clone(), g: g.clone() });
        if let Err(e) = tfm.set_secret(&secret) {
            return fail("kpp", driver, &format!("set_secret failed: {e}"));
        }
        let (pn, kn) = (BigUint::from_bytes_be(&p), BigUint::from_bytes_be(&key));
        let pad = |v: BigUint| {
            let b = v.to_bytes_be();
            let mut o = vec![0u8; pl - b.len()];
            o.extend_from_slice(&b);
            if v == BigUint::default() { vec![0u8; pl] } else { o }
        };
        match tfm.public_key() {
            Ok(got) if got == pad(ref_modpow(&BigUint::from(2u32), &kn, &pn)) => {}
            r => return fail("kpp", driver, &format!("generate public key test failed: {r:?}")),
        }
        let y = BigUint::from_bytes_be(&rng.bytes(pl - 1)) + 2u32;
        let yb = pad(y.clone());
        match tfm.shared_secret(&yb, pl) {
            Ok(got) if got == pad(ref_modpow(&y, &kn, &pn)) => {}
            r => return fail("kpp", driver, &format!("compute shared secret test failed: {r:?}")),
        }
        for bad in [vec![1u8], p.clone()] {
            match tfm.shared_secret(&bad, pl) {
                Err(e) if e.errno() == Some(EINVAL) => {}
                r => return fail("kpp", driver, &format!("an out-of-range public key gave {r:?}")),
            }
        }
    }
    let small = super::dh_helper::encode(&super::dh_helper::DhParams { key: vec![3], p: vec![0xff; 191], g: vec![2] });
    match tfm.set_secret(&small) {
        Err(e) if e.errno() == Some(EINVAL) => 0,
        r => fail("kpp", driver, &format!("a 1528-bit modulus gave {r:?}")),
    }
}

// ---- asymmetric ciphers ----------------------------------------------------------

/// A fixed 1024-bit RSA key (RSAPrivateKey, DER) the host generated for
/// its self-tests.
const TEST_RSA_KEY: &[u8] = include_bytes!("testkeys/rsa1024.der");

/// Operations per akcipher self-test.
const AKCIPHER_ROUNDS: usize = 16;

/// The test generator as the `rand_core` source the `rsa` crate's
/// padding takes.
struct CrateRng<'a>(&'a mut Rng);
impl rsa::rand_core::RngCore for CrateRng<'_> {
    fn next_u32(&mut self) -> u32 {
        self.0.next() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next()
    }
    fn fill_bytes(&mut self, d: &mut [u8]) {
        for b in d.iter_mut() {
            *b = self.0.next() as u8;
        }
    }
    fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(d);
        Ok(())
    }
}
impl rsa::rand_core::CryptoRng for CrateRng<'_> {}

/// The public half of an RSAPrivateKey as an RSAPublicKey (DER).
pub(crate) fn rsa_public_der(k: &rsa::RsaPrivateKey) -> Vec<u8> {
    use rsa::pkcs1::EncodeRsaPublicKey;
    rsa::RsaPublicKey::from(k).to_pkcs1_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default()
}

/// testmgr's akcipher tests for `rsa` and `pkcs1pad(rsa[,hash])` with
/// the host's key, against the `rsa` crate: raw encrypt/decrypt of random
/// numbers below n compared with `num-bigint-dig`'s modpow with the
/// public and the private exponent (rsa-generic decrypts by the CRT), a
/// number >= n refused (-EINVAL); pkcs1pad's
/// encryption decrypted by the crate, the crate's ciphertexts decrypted,
/// signatures equal to the crate's PKCS#1 v1.5 ones, verify of good (0)
/// and tampered signatures (-EBADMSG) and digests (-EKEYREJECTED);
/// ecrdsa's verify against [`ECRDSA_VECTORS`]. None for other names.
fn akcipher_alg_test(alg: u64) -> Option<i32> {
    let n = name(alg);
    if &n[..] == b"ecrdsa" {
        let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
        let rc = test_ecrdsa(&driver, &mut Rng::new(driver.as_bytes()));
        if rc != 0 {
            super::algapi::warn(
                "crypto/testmgr.c",
                5835,
                "alg_test",
                &format!("alg: self-tests for ecrdsa using {driver} failed (rc={rc})"),
            );
        }
        return Some(rc);
    }
    let hash = if &n[..] == b"rsa" {
        None
    } else if &n[..] == b"pkcs1pad(rsa)" {
        Some(None)
    } else {
        let h = n.strip_prefix(b"pkcs1pad(rsa,")?.strip_suffix(b")")?;
        let i = super::rsa_pkcs1pad::DIGEST_INFO.iter().position(|d| d.0.as_bytes() == h)?;
        Some(Some(i))
    };
    let driver = String::from_utf8_lossy(&driver_name(alg)).into_owned();
    let mut rng = Rng::new(driver.as_bytes());
    let rc = match hash {
        None => test_rsa_raw(&driver, &mut rng),
        Some(h) => test_pkcs1pad(&driver, h, &mut rng),
    };
    if rc != 0 {
        let n = String::from_utf8_lossy(&n).into_owned();
        super::algapi::warn(
            "crypto/testmgr.c",
            5835,
            "alg_test",
            &format!("alg: self-tests for {n} using {driver} failed (rc={rc})"),
        );
    }
    Some(rc)
}

fn test_key() -> Option<rsa::RsaPrivateKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    rsa::RsaPrivateKey::from_pkcs1_der(TEST_RSA_KEY).ok()
}

fn test_rsa_raw(driver: &str, rng: &mut Rng) -> i32 {
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    use rsa::BigUint;
    let Some(key) = test_key() else { return fail("akcipher", driver, "no test key") };
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let (Ok(enc), Ok(dec)) = (super::user::Akcipher::with_flags(driver, fl), super::user::Akcipher::with_flags(driver, fl)) else {
        return fail("akcipher", driver, "cannot allocate");
    };
    if let Err(e) = enc.set_pub_key(&rsa_public_der(&key)) {
        return fail("akcipher", driver, &format!("set_pub_key failed: {e}"));
    }
    if let Err(e) = dec.set_priv_key(TEST_RSA_KEY) {
        return fail("akcipher", driver, &format!("set_priv_key failed: {e}"));
    }
    let k = key.size();
    let pad = |v: &BigUint| {
        let b = v.to_bytes_be();
        let mut o = vec![0u8; k - b.len()];
        o.extend_from_slice(&b);
        o
    };
    for _ in 0..AKCIPHER_ROUNDS {
        let len = 1 + rng.below(k);
        let m = BigUint::from_bytes_be(&rng.bytes(len)) % key.n();
        let mb = m.to_bytes_be();
        let c = m.modpow(key.e(), key.n());
        match enc.encrypt(&mb) {
            Ok(got) if got == pad(&c) => {}
            r => return fail("akcipher", driver, &format!("test 1 failed: encrypt gave {r:?}")),
        }
        match dec.decrypt(&pad(&c)) {
            Ok(got) if got == pad(&m) => {}
            r => return fail("akcipher", driver, &format!("test 1 failed: decrypt gave {r:?}")),
        }
        let r = BigUint::from_bytes_be(&rng.bytes(k)) % key.n();
        match dec.decrypt(&pad(&r)) {
            Ok(got) if got == pad(&r.modpow(key.d(), key.n())) => {}
            r => return fail("akcipher", driver, &format!("test 2 failed: decrypt gave {r:?}")),
        }
    }
    match enc.encrypt(&pad(key.n())) {
        Err(e) if e.errno() == Some(EINVAL) => 0,
        r => fail("akcipher", driver, &format!("a message of n gave {r:?}")),
    }
}

fn test_pkcs1pad(driver: &str, hash: Option<usize>, rng: &mut Rng) -> i32 {
    use rsa::traits::PublicKeyParts;
    use rsa::{Pkcs1v15Encrypt, Pkcs1v15Sign};
    let Some(key) = test_key() else { return fail("akcipher", driver, "no test key") };
    let public = rsa::RsaPublicKey::from(&key);
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let (Ok(pb), Ok(pv)) = (super::user::Akcipher::with_flags(driver, fl), super::user::Akcipher::with_flags(driver, fl)) else {
        return fail("akcipher", driver, "cannot allocate");
    };
    if let Err(e) = pb.set_pub_key(&rsa_public_der(&key)) {
        return fail("akcipher", driver, &format!("set_pub_key failed: {e}"));
    }
    if let Err(e) = pv.set_priv_key(TEST_RSA_KEY) {
        return fail("akcipher", driver, &format!("set_priv_key failed: {e}"));
    }
    let k = key.size();
    let (prefix, dlen): (&[u8], usize) = match hash {
        None => (&[], 32),
        Some(i) => {
            let p = super::rsa_pkcs1pad::DIGEST_INFO[i].1;
            (p, p[p.len() - 1] as usize)
        }
    };
    let scheme = || Pkcs1v15Sign { hash_len: None, prefix: prefix.to_vec().into_boxed_slice() };
    for _ in 0..AKCIPHER_ROUNDS {
        let ml = rng.below(k - 11 + 1);
        let msg = rng.bytes(ml);
        match pb.encrypt(&msg).map(|c| key.decrypt(Pkcs1v15Encrypt, &c)) {
            Ok(Ok(m)) if m == msg => {}
            r => return fail("akcipher", driver, &format!("test 1 failed: encrypt gave {r:?}")),
        }
        let Ok(c) = public.encrypt(&mut CrateRng(rng), Pkcs1v15Encrypt, &msg) else {
            return fail("akcipher", driver, "the reference cannot encrypt");
        };
        match pv.decrypt(&c) {
            Ok(m) if m == msg => {}
            r => return fail("akcipher", driver, &format!("test 1 failed: decrypt gave {r:?}")),
        }
        let digest = rng.bytes(dlen);
        let Ok(want) = key.sign(scheme(), &digest) else {
            return fail("akcipher", driver, "the reference cannot sign");
        };
        match pv.sign(&digest) {
            Ok(s) if s == want => {}
            r => return fail("akcipher", driver, &format!("test 1 failed: sign gave {r:?}")),
        }
        if let Err(e) = pb.verify(&want, &digest) {
            return fail("akcipher", driver, &format!("test 1 failed: verify gave {e}"));
        }
        let mut bad = digest.clone();
        bad[rng.below(dlen)] ^= 1 << rng.below(8);
        match pb.verify(&want, &bad) {
            Err(e) if e.errno() == Some(-129) => {}
            r => return fail("akcipher", driver, &format!("a wrong digest gave {r:?}")),
        }
        let mut sig = want.clone();
        sig[rng.below(k)] ^= 1 << rng.below(8);
        match pb.verify(&sig, &digest) {
            Err(e) if matches!(e.errno(), Some(-74) | Some(-22)) => {}
            r => return fail("akcipher", driver, &format!("a tampered signature gave {r:?}")),
        }
    }
    0
}

/// ecrdsa self-test vectors: public keys, parameters, streebog digests
/// and signatures the host's reference GOST R 34.10-2012 signer made
/// (crates/kernel/tests/crypto_ecrdsa.rs, `self_test_vectors_are_the_reference_signers`) on CryptoPro
/// A (streebog256) and tc26 512 b (streebog512): (key algorithm's enum
/// OID, key, parameters, digest, signature).
pub const ECRDSA_VECTORS: [(u32, &str, &str, &str, &str); 2] = [
    (
        78,
        concat!(
            "0440974195f29a8b41ea0582ca84f2b0a886e4b32fb9d7229bc17c5f030e341c",
            "2625ce1fbd35f59363ea51d7f815d123e90835c41050ceff64eb5a8875fc8275",
            "276d",
        ),
        concat!(
            "301306072a85030202230106082a85030701010202",
        ),
        concat!(
            "b766c273690d1ed23d4462d68603a1145357168f5b5dff26da3ce7f4d293303f",
        ),
        concat!(
            "a1db50254c824beee12d8cd9c0153b6dc2f4cb0452855bcf9e980add515d7a34",
            "a7153bd929365b0ef9506345b8ed0dce83f258da4fe4a474b075ec439a4de56e",
        ),
    ),
    (
        79,
        concat!(
            "0481808730698e4dfe09dfadda689c0ac89f98342e0e2408a38b711cb050ac42",
            "77b2a30be1f87c47d1376b08153f886ea7f404a5528c809d12748d9f0c333beb",
            "e84727cf552944c399535c3e7da240fcb45cb2ab01f3dd420f63aab4245854f7",
            "7d94f5c5d6e3f80553f1efba590318325cde495dd7a2afd76134984aa77fd50b",
            "486569",
        ),
        concat!(
            "301506092a850307010201020206082a85030701010203",
        ),
        concat!(
            "415fe72e1367a7ad36743aa60a5fe00f8ffa4edad15c506be09081c957a97f58",
            "dbb3fb4ea38f86397222f7bc36d19dc2ec556a71797b5e8166c3ef740804ba7d",
        ),
        concat!(
            "6fe9f431cf7ae8a12ed5b5ddc81b3453f797fe59c28421c68bd969bee29ab5f8",
            "506cc1494f3c6b0b46fa45683a3a630614e1f1b2543e914df35f1c5085cb7a88",
            "58e9a6ec2265569d46aee275e01e99453f7da3dec0a4af7a1ff26e629b9f7888",
            "a9f1f3ccc2edbf3a9f7f47fa8fe6d72047cce5f52a597677b48e59dd7081ce6a",
        ),
    ),
];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()).collect()
}

/// ecrdsa (verify only): each vector's signature verifies (0); a flipped
/// bit of the signature or of the digest -EKEYREJECTED.
fn test_ecrdsa(driver: &str, rng: &mut Rng) -> i32 {
    let fl = super::user::Flags { ty: CRYPTO_ALG_TESTED, mask: 0 };
    let Ok(t) = super::user::Akcipher::with_flags(driver, fl) else {
        return fail("akcipher", driver, "cannot allocate");
    };
    for (i, (algo, key, params, digest, sig)) in ECRDSA_VECTORS.iter().enumerate() {
        let (key, params, digest, sig) = (unhex(key), unhex(params), unhex(digest), unhex(sig));
        if let Err(e) = t.set_pub_key_with_params(&key, *algo, &params) {
            return fail("akcipher", driver, &format!("test {} failed: set_pub_key: {e}", i + 1));
        }
        if let Err(e) = t.verify(&sig, &digest) {
            return fail("akcipher", driver, &format!("test {} failed: verify: {e}", i + 1));
        }
        for _ in 0..AKCIPHER_ROUNDS {
            let (mut s, mut d) = (sig.clone(), digest.clone());
            if rng.below(2) == 0 {
                let at = rng.below(s.len());
                s[at] ^= 1 << rng.below(8);
            } else {
                let at = rng.below(d.len());
                d[at] ^= 1 << rng.below(8);
            }
            match t.verify(&s, &d) {
                Err(e) if e.errno() == Some(-129) => {}
                r => return fail("akcipher", driver, &format!("test {} failed: a tampered signature gave {r:?}", i + 1)),
            }
        }
    }
    0
}

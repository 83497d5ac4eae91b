//! The algorithms and templates of Debian's vmlinux the host registers at
//! boot (kabi::crypto::boot): their `/proc/crypto` blocks as Linux shows
//! them, and their results against RustCrypto on random inputs — md5,
//! sha1, sha224, sha256 (one call and random updates), aes-generic,
//! cbc(aes-generic) with Linux's output IV, hmac(...) over vmlinux's and
//! modules' hashes with keys of every length class, the null algorithms —
//! and Debian's module templates (ctr) wrapping vmlinux's aes-generic.

mod common;

use cipher::{BlockDecrypt, BlockEncrypt, KeyInit, KeyIvInit, StreamCipher};
use common::{kernel, load, log_since, proc_crypto, random_bytes as bytes};
use kabi::crypto::user::{Cipher, Hash, Layout, Skcipher};
use rand::{rngs::StdRng, Rng, SeedableRng};

const N: usize = 1000;



/// Linux 6.1's blocks for vmlinux's algorithms, as Debian's kernel shows
/// them at boot (QEMU, `cat /proc/crypto`; the differential test's
/// 220-crypto scenario compares them live), refcnt lines left out.
const LINUX: &[(&str, &str)] = &[
    ("aes-generic", "name         : aes\ndriver       : aes-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : cipher\nblocksize    : 16\nmin keysize  : 16\nmax keysize  : 32\n"),
    ("sha224-generic", "name         : sha224\ndriver       : sha224-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : shash\nblocksize    : 64\ndigestsize   : 28\n"),
    ("sha256-generic", "name         : sha256\ndriver       : sha256-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : shash\nblocksize    : 64\ndigestsize   : 32\n"),
    ("sha1-generic", "name         : sha1\ndriver       : sha1-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : shash\nblocksize    : 64\ndigestsize   : 20\n"),
    ("md5-generic", "name         : md5\ndriver       : md5-generic\nmodule       : kernel\npriority     : 0\nselftest     : passed\ninternal     : no\ntype         : shash\nblocksize    : 64\ndigestsize   : 16\n"),
    ("ecb-cipher_null", "name         : ecb(cipher_null)\ndriver       : ecb-cipher_null\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : skcipher\nasync        : no\nblocksize    : 1\nmin keysize  : 0\nmax keysize  : 0\nivsize       : 0\nchunksize    : 1\nwalksize     : 1\n"),
    ("digest_null-generic", "name         : digest_null\ndriver       : digest_null-generic\nmodule       : kernel\npriority     : 0\nselftest     : passed\ninternal     : no\ntype         : shash\nblocksize    : 1\ndigestsize   : 0\n"),
    ("compress_null-generic", "name         : compress_null\ndriver       : compress_null-generic\nmodule       : kernel\npriority     : 0\nselftest     : passed\ninternal     : no\ntype         : compression\n"),
    ("cipher_null-generic", "name         : cipher_null\ndriver       : cipher_null-generic\nmodule       : kernel\npriority     : 0\nselftest     : passed\ninternal     : no\ntype         : cipher\nblocksize    : 1\nmin keysize  : 0\nmax keysize  : 0\n"),
    // crypto/Makefile links dh_generic.o and rsa_generic.o before
    // cryptomgr and the algorithms above (all subsys_initcall):
    // registered first.
    ("rsa-generic", "name         : rsa\ndriver       : rsa-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : akcipher\n"),
    ("dh-generic", "name         : dh\ndriver       : dh-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : kpp\n"),
];

/// The blocks of vmlinux's algorithms, in /proc/crypto's order (newest
/// first, registration order reversed as on Linux), equal to Linux's but
/// for refcnt.
#[test]
fn proc_crypto_blocks() {
    let Some((k, _g)) = kernel() else { return };
    let text = proc_crypto(k);
    let kernel_drivers: Vec<String> = text
        .split("\n\n")
        .filter(|b| b.lines().any(|l| l == "module       : kernel"))
        .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("driver       : ")).map(str::to_string))
        .filter(|d| LINUX.iter().any(|(l, _)| l == d))
        .collect();
    let want: Vec<&str> = LINUX.iter().map(|(d, _)| *d).collect();
    assert_eq!(kernel_drivers, want, "{text}");
    for (driver, linux) in LINUX {
        let block = text
            .split("\n\n")
            .find(|b| b.lines().any(|l| l == format!("driver       : {driver}")))
            .unwrap_or_else(|| panic!("no {driver} in {text}"));
        let ours: String = block.lines().filter(|l| !l.starts_with("refcnt")).map(|l| format!("{l}\n")).collect();
        assert_eq!(&ours, linux, "{driver}");
    }
}

fn dg<D: digest::Digest>(d: &[u8]) -> Vec<u8> {
    D::digest(d).to_vec()
}

/// md5, sha1, sha224, sha256 of vmlinux: N random messages in one call or
/// in random updates against RustCrypto; the algorithm name resolves to
/// the generic driver when no module offers better.
#[test]
fn vmlinux_hashes() {
    let Some((_k, _g)) = kernel() else { return };
    type H = fn(&[u8]) -> Vec<u8>;
    let cases: &[(&str, H)] = &[
        ("md5-generic", dg::<md5::Md5>),
        ("sha1-generic", dg::<sha1::Sha1>),
        ("sha224-generic", dg::<sha2::Sha224>),
        ("sha256-generic", dg::<sha2::Sha256>),
    ];
    for (i, (driver, reference)) in cases.iter().enumerate() {
        let h = Hash::new(driver).unwrap_or_else(|e| panic!("{driver}: {e}"));
        assert_eq!(h.driver(), *driver);
        assert_eq!(h.module(), None, "{driver} belongs to vmlinux");
        let mut rng = StdRng::seed_from_u64(7000 + i as u64);
        for _ in 0..N {
            let n = if rng.gen_bool(0.05) { 0 } else if rng.gen_bool(0.1) { rng.gen_range(0..9000) } else { rng.gen_range(0..300) };
            let data = bytes(&mut rng, n);
            let splits: Vec<usize> = if rng.gen_bool(0.5) { Vec::new() } else { (0..rng.gen_range(1..4)).map(|_| rng.gen_range(0..=n)).collect() };
            let got = h.digest(&data, &splits).unwrap_or_else(|e| panic!("{driver} {n}: {e}"));
            assert!(got == reference(&data), "{driver}: {n} bytes {splits:?}");
        }
    }
    assert_eq!(Hash::new("md5").unwrap().driver(), "md5-generic");
    // digest_null has a setkey, so (as on Linux) it needs a key first
    let null = Hash::new("digest_null").unwrap();
    assert_eq!(null.digest(b"anything", &[]).unwrap_err().errno(), Some(-126));
    null.setkey(b"").unwrap();
    assert_eq!(null.digest(b"anything", &[]).unwrap(), Vec::<u8>::new());
}

fn hmac_ref<M: hmac::Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <M as hmac::Mac>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}


/// The hmac template of vmlinux instantiated on demand over vmlinux's
/// hashes and Debian's sha512_generic and sha3_generic: N random keys
/// (empty, shorter than, as long as and longer than a block — hashed
/// first) and messages against the `hmac` crate; the instance is listed
/// as `hmac(<driver>)` and self-tested.
#[test]
fn hmac_template() {
    let Some((k, _g)) = kernel() else { return };
    assert!(load(k, &["sha512_generic"]), "sha512_generic");
    assert!(load(k, &["sha3_generic"]), "sha3_generic");
    type H = fn(&[u8], &[u8]) -> Vec<u8>;
    let cases: &[(&str, &str, H)] = &[
        ("hmac(md5)", "hmac(md5-generic)", hmac_ref::<hmac::Hmac<md5::Md5>>),
        ("hmac(sha1)", "hmac(sha1-generic)", hmac_ref::<hmac::Hmac<sha1::Sha1>>),
        ("hmac(sha224)", "hmac(sha224-generic)", hmac_ref::<hmac::Hmac<sha2::Sha224>>),
        ("hmac(sha256-generic)", "hmac(sha256-generic)", hmac_ref::<hmac::Hmac<sha2::Sha256>>),
        ("hmac(sha512-generic)", "hmac(sha512-generic)", hmac_ref::<hmac::Hmac<sha2::Sha512>>),
        ("hmac(sha384-generic)", "hmac(sha384-generic)", hmac_ref::<hmac::Hmac<sha2::Sha384>>),
        ("hmac(sha3-256)", "hmac(sha3-256-generic)", hmac_ref::<hmac::SimpleHmac<sha3::Sha3_256>>),
    ];
    for (i, (name, driver, reference)) in cases.iter().enumerate() {
        let h = Hash::new(name).unwrap_or_else(|e| panic!("{name}: {e} {:#?}", log_since(0)));
        assert_eq!(h.driver(), *driver);
        let mut rng = StdRng::seed_from_u64(8000 + i as u64);
        for _ in 0..N {
            let kl = match rng.gen_range(0..5) {
                0 => 0,
                1 => rng.gen_range(1..32),
                2 => 64,
                3 => 128,
                _ => rng.gen_range(129..300),
            };
            let key = bytes(&mut rng, kl);
            let n = if rng.gen_bool(0.05) { 0 } else { rng.gen_range(0..2000) };
            let data = bytes(&mut rng, n);
            h.setkey(&key).unwrap_or_else(|e| panic!("{name} setkey {kl}: {e}"));
            let splits: Vec<usize> = if rng.gen_bool(0.5) { Vec::new() } else { vec![rng.gen_range(0..=n)] };
            let got = h.digest(&data, &splits).unwrap();
            assert!(got == reference(&key, &data), "{name}: key {kl}, {n} bytes");
        }
        let text = proc_crypto(k);
        let block = text.split("\n\n").find(|b| b.contains(&format!("driver       : {driver}\n"))).unwrap_or_else(|| panic!("{driver} not listed"));
        assert!(block.contains("selftest     : passed\n") || !name.contains("sha3"), "{block}");
    }
    // a keyed hash is refused under hmac (hmac(hmac(sha1))): -EINVAL, no instance
    assert!(Hash::new("hmac(hmac(sha1))").is_err());
}

fn aes_ecb_block(key: &[u8], data: &mut [u8], enc: bool) {
    macro_rules! go {
        ($c:ty) => {{
            let c = <$c>::new_from_slice(key).unwrap();
            for b in data.chunks_mut(16) {
                let b = cipher::generic_array::GenericArray::from_mut_slice(b);
                if enc {
                    c.encrypt_block(b)
                } else {
                    c.decrypt_block(b)
                }
            }
        }};
    }
    match key.len() {
        16 => go!(aes::Aes128),
        24 => go!(aes::Aes192),
        _ => go!(aes::Aes256),
    }
}

fn cbc_ref(key: &[u8], iv: &[u8], data: &[u8], enc: bool) -> (Vec<u8>, Vec<u8>) {
    let mut out = data.to_vec();
    let mut chain = iv.to_vec();
    for blk in out.chunks_mut(16) {
        if enc {
            for (b, c) in blk.iter_mut().zip(&chain) {
                *b ^= c;
            }
            aes_ecb_block(key, blk, true);
            chain.copy_from_slice(blk);
        } else {
            let c = blk.to_vec();
            aes_ecb_block(key, blk, false);
            for (b, x) in blk.iter_mut().zip(&chain) {
                *b ^= x;
            }
            chain = c;
        }
    }
    (out, chain)
}

/// aes-generic (one block at a time) and cbc(aes-generic), instantiated
/// from vmlinux's cbc template: N random keys of each size, IVs and
/// messages of 0 to 4096 bytes in random scatterlist layouts, both
/// directions, the IV left behind as Linux leaves it; a length that is
/// not whole blocks is -EINVAL.
#[test]
fn aes_generic_and_cbc() {
    let Some((_k, _g)) = kernel() else { return };
    let c = Cipher::new("aes-generic").unwrap();
    assert_eq!(c.module(), None);
    let sk = Skcipher::new("cbc(aes-generic)").unwrap();
    assert_eq!(sk.driver(), "cbc(aes-generic)");
    assert_eq!((sk.ivsize(), sk.blocksize(), sk.min_keysize(), sk.max_keysize()), (16, 16, 16, 32));
    let mut rng = StdRng::seed_from_u64(9000);
    for _ in 0..N {
        let kl = [16, 24, 32][rng.gen_range(0..3)];
        let key = bytes(&mut rng, kl);
        let enc = rng.gen_bool(0.5);
        let nb = 16 * rng.gen_range(1..8);
        let mut blocks = bytes(&mut rng, nb);
        let mut want = blocks.clone();
        c.setkey(&key).unwrap();
        c.crypt_blocks(enc, &mut blocks).unwrap();
        aes_ecb_block(&key, &mut want, enc);
        assert_eq!(blocks, want);
        let n = 16 * if rng.gen_bool(0.1) { rng.gen_range(0..257) } else { rng.gen_range(0..20) };
        let data = bytes(&mut rng, n);
        let iv = bytes(&mut rng, 16);
        sk.setkey(&key).unwrap();
        let splits = |rng: &mut StdRng| -> Vec<usize> { if n < 2 || rng.gen_bool(0.5) { Vec::new() } else { (0..rng.gen_range(1..4)).map(|_| rng.gen_range(1..n)).collect() } };
        let l = Layout { src_splits: splits(&mut rng), dst_splits: splits(&mut rng), offset: if rng.gen_bool(0.5) { 0 } else { rng.gen_range(1..64) }, in_place: rng.gen_bool(0.3) };
        let (out, iv_out) = sk.crypt(enc, &iv, &data, &l).unwrap();
        let (want, want_iv) = cbc_ref(&key, &iv, &data, enc);
        assert!(out == want, "cbc {} {n} bytes {l:?}", if enc { "encrypt" } else { "decrypt" });
        assert_eq!(iv_out, want_iv, "output IV");
    }
    let e = sk.encrypt(&[0; 16], &[0; 17]).unwrap_err();
    assert_eq!(e.errno(), Some(-22));
    assert!(Cipher::new("aes-generic").unwrap().setkey(&[0; 20]).is_err());
}

/// Debian's ctr template (ctr.ko) over vmlinux's aes-generic, against
/// RustCrypto's AES-CTR (the counter big-endian over the whole block).
#[test]
fn module_template_over_vmlinux_aes() {
    let Some((k, _g)) = kernel() else { return };
    assert!(load(k, &["ctr"]), "ctr");
    let sk = Skcipher::new("ctr(aes-generic)").unwrap_or_else(|e| panic!("{e} {:#?}", log_since(0)));
    assert_eq!(sk.driver(), "ctr(aes-generic)");
    assert_eq!(sk.module().as_deref(), Some("ctr"));
    let mut rng = StdRng::seed_from_u64(9100);
    for _ in 0..N {
        let key = bytes(&mut rng, 16);
        let iv = bytes(&mut rng, 16);
        let n = rng.gen_range(0..600);
        let data = bytes(&mut rng, n);
        sk.setkey(&key).unwrap();
        let got = sk.encrypt(&iv, &data).unwrap();
        let mut want = data.clone();
        ctr::Ctr128BE::<aes::Aes128>::new(key.as_slice().into(), iv.as_slice().into()).apply_keystream(&mut want);
        assert_eq!(got, want, "{n} bytes");
    }
}

/// The null algorithms copy; the default null skcipher is shared.
#[test]
fn null_algorithms() {
    let Some((_k, _g)) = kernel() else { return };
    let sk = Skcipher::new("ecb(cipher_null)").unwrap();
    assert_eq!(sk.driver(), "ecb-cipher_null");
    sk.setkey(&[]).unwrap();
    let mut rng = StdRng::seed_from_u64(9200);
    for _ in 0..100 {
        let n = rng.gen_range(0..3000);
        let data = bytes(&mut rng, n);
        let l = Layout { src_splits: if n > 1 { vec![rng.gen_range(1..n)] } else { Vec::new() }, dst_splits: Vec::new(), offset: rng.gen_range(0..8), in_place: rng.gen_bool(0.5) };
        assert_eq!(sk.crypt(true, &[], &data, &l).unwrap().0, data);
    }
    let c = Cipher::new("cipher_null").unwrap();
    let mut b = b"xyz".to_vec();
    c.crypt_blocks(true, &mut b).unwrap();
    assert_eq!(b, b"xyz");
}

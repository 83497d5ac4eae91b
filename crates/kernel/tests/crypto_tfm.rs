//! Debian's crypto modules computing in the host: transforms allocated
//! through the host's crypto API (`kabi::crypto::user`), driven with
//! scatterlists of random layouts (split entries, misaligned buffers, in
//! place or not), and compared with independent RustCrypto
//! implementations on random keys, IVs and data of every length class.

mod common;

use cipher::{BlockDecrypt, BlockEncrypt, KeyInit, KeyIvInit, StreamCipher, StreamCipherSeek};
use common::{kernel, load, log_since, random_bytes as bytes, with_modprobe};
use kabi::crypto::user::{Aead, Cipher, CryptoError, Flags, Layout, Skcipher, CRYPTO_ALG_INTERNAL};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Rounds per algorithm (random inputs compared).
const N: usize = 1000;

fn internal() -> Flags {
    Flags { ty: CRYPTO_ALG_INTERNAL, mask: CRYPTO_ALG_INTERNAL }.under_test()
}

/// A plain lookup: only algorithms that passed the host's self-test at
/// registration qualify. (The internal `__` algorithms have no test of
/// their own, as in Linux's testmgr, but the host does not pass untested
/// ones: they are allocated as testmgr allocates an algorithm under
/// test, see [`internal`].)
fn plain() -> Flags {
    Flags::default()
}

fn rand_layout(rng: &mut StdRng, len: usize) -> Layout {
    let splits = |rng: &mut StdRng| -> Vec<usize> {
        if len < 2 || rng.gen_bool(0.5) {
            return Vec::new();
        }
        (0..rng.gen_range(1..4)).map(|_| rng.gen_range(1..len)).collect()
    };
    Layout {
        src_splits: splits(rng),
        dst_splits: splits(rng),
        offset: if rng.gen_bool(0.5) { 0 } else { rng.gen_range(1..64) },
        in_place: rng.gen_bool(0.3),
    }
}

// ---- references --------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Ecb,
    Cbc,
}

fn block_mode<C: KeyInit + BlockEncrypt + BlockDecrypt>(
    key: &[u8],
    mode: Mode,
    iv: &[u8],
    data: &[u8],
    enc: bool,
) -> (Vec<u8>, Vec<u8>) {
    let c = C::new_from_slice(key).expect("reference key");
    let bs = iv.len().max(C::block_size());
    let mut out = data.to_vec();
    let mut chain = iv.to_vec();
    for blk in out.chunks_mut(bs) {
        let b = cipher::generic_array::GenericArray::from_mut_slice(blk);
        match (mode, enc) {
            (Mode::Ecb, true) => c.encrypt_block(b),
            (Mode::Ecb, false) => c.decrypt_block(b),
            (Mode::Cbc, true) => {
                for (x, y) in b.iter_mut().zip(&chain) {
                    *x ^= y;
                }
                c.encrypt_block(b);
                chain.copy_from_slice(b);
            }
            (Mode::Cbc, false) => {
                let ct = b.to_vec();
                c.decrypt_block(b);
                for (x, y) in b.iter_mut().zip(&chain) {
                    *x ^= y;
                }
                chain = ct;
            }
        }
    }
    (out, chain)
}

type RefFn = fn(&[u8], &[u8], &[u8], bool) -> Vec<u8>;

fn aes_ctr(key: &[u8], iv: &[u8], data: &[u8], _enc: bool) -> Vec<u8> {
    let mut out = data.to_vec();
    match key.len() {
        16 => ctr::Ctr128BE::<aes::Aes128>::new_from_slices(key, iv).unwrap().apply_keystream(&mut out),
        24 => ctr::Ctr128BE::<aes::Aes192>::new_from_slices(key, iv).unwrap().apply_keystream(&mut out),
        _ => ctr::Ctr128BE::<aes::Aes256>::new_from_slices(key, iv).unwrap().apply_keystream(&mut out),
    }
    out
}

fn aes_xts(key: &[u8], iv: &[u8], data: &[u8], enc: bool) -> Vec<u8> {
    fn go<C: KeyInit + BlockEncrypt + BlockDecrypt + cipher::BlockCipher + cipher::BlockSizeUser<BlockSize = cipher::consts::U16>>(
        key: &[u8],
        iv: &[u8],
        data: &[u8],
        enc: bool,
    ) -> Vec<u8> {
        let h = key.len() / 2;
        let x = xts_mode::Xts128::new(C::new_from_slice(&key[..h]).unwrap(), C::new_from_slice(&key[h..]).unwrap());
        let mut out = data.to_vec();
        let tweak: [u8; 16] = iv.try_into().unwrap();
        if enc {
            x.encrypt_sector(&mut out, tweak);
        } else {
            x.decrypt_sector(&mut out, tweak);
        }
        out
    }
    match key.len() {
        32 => go::<aes::Aes128>(key, iv, data, enc),
        48 => go::<aes::Aes192>(key, iv, data, enc),
        _ => go::<aes::Aes256>(key, iv, data, enc),
    }
}

fn aes_block(key: &[u8], mode: Mode, iv: &[u8], data: &[u8], enc: bool) -> Vec<u8> {
    match key.len() {
        16 => block_mode::<aes::Aes128>(key, mode, iv, data, enc).0,
        24 => block_mode::<aes::Aes192>(key, mode, iv, data, enc).0,
        _ => block_mode::<aes::Aes256>(key, mode, iv, data, enc).0,
    }
}
fn aes_ecb(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
    aes_block(k, Mode::Ecb, iv, d, e)
}
fn aes_cbc(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
    aes_block(k, Mode::Cbc, iv, d, e)
}

macro_rules! block_refs {
    ($ecb:ident, $cbc:ident, $c:ty) => {
        fn $ecb(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
            block_mode::<$c>(k, Mode::Ecb, iv, d, e).0
        }
        fn $cbc(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
            block_mode::<$c>(k, Mode::Cbc, iv, d, e).0
        }
    };
}
block_refs!(bf_ecb, bf_cbc, blowfish::Blowfish);
block_refs!(cast5_ecb, cast5_cbc, cast5::Cast5);
block_refs!(cast6_ecb, cast6_cbc, cast6::Cast6);
block_refs!(serpent_ecb, serpent_cbc, serpent::Serpent);
block_refs!(twofish_ecb, twofish_cbc, twofish::Twofish);
block_refs!(des3_ecb, des3_cbc, des::TdesEde3);
fn des_ecb(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
    block_mode::<des::Des>(k, Mode::Ecb, iv, d, e).0
}

fn camellia_ecb(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
    match k.len() {
        16 => block_mode::<camellia::Camellia128>(k, Mode::Ecb, iv, d, e).0,
        24 => block_mode::<camellia::Camellia192>(k, Mode::Ecb, iv, d, e).0,
        _ => block_mode::<camellia::Camellia256>(k, Mode::Ecb, iv, d, e).0,
    }
}
fn camellia_cbc(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
    match k.len() {
        16 => block_mode::<camellia::Camellia128>(k, Mode::Cbc, iv, d, e).0,
        24 => block_mode::<camellia::Camellia192>(k, Mode::Cbc, iv, d, e).0,
        _ => block_mode::<camellia::Camellia256>(k, Mode::Cbc, iv, d, e).0,
    }
}

/// Linux's chacha IV: a 32-bit little-endian block counter, then the
/// 96-bit nonce (RFC 7539's layout).
fn chacha20(k: &[u8], iv: &[u8], d: &[u8], _e: bool) -> Vec<u8> {
    let mut c = chacha20::ChaCha20::new_from_slices(k, &iv[4..]).unwrap();
    let ctr = u32::from_le_bytes(iv[..4].try_into().unwrap()) as u64;
    c.seek(ctr * 64);
    let mut out = d.to_vec();
    c.apply_keystream(&mut out);
    out
}

/// XChaCha20 with the stream position (IV bytes 24..32) zero.
fn xchacha20(k: &[u8], iv: &[u8], d: &[u8], _e: bool) -> Vec<u8> {
    let mut c = chacha20::XChaCha20::new_from_slices(k, &iv[..24]).unwrap();
    let mut out = d.to_vec();
    c.apply_keystream(&mut out);
    out
}

fn xchacha12(k: &[u8], iv: &[u8], d: &[u8], _e: bool) -> Vec<u8> {
    let mut c = chacha20::XChaCha12::new_from_slices(k, &iv[..24]).unwrap();
    let mut out = d.to_vec();
    c.apply_keystream(&mut out);
    out
}

// ---- the checks ----------------------------------------------------------------

/// How data lengths are drawn for an algorithm.
#[derive(Clone, Copy, Debug)]
enum Lens {
    /// Whole blocks only (a partial block is -EINVAL).
    Blocks(usize),
    /// Any length.
    Any,
    /// At least one block, any length (XTS with ciphertext stealing).
    AtLeast(usize),
}

#[derive(Clone, Copy)]
struct SkCase {
    driver: &'static str,
    flags: Flags,
    keys: &'static [usize],
    lens: Lens,
    /// For chacha IVs: the counter word kept small.
    iv_fix: fn(&mut [u8]),
    reference: RefFn,
}

fn no_fix(_: &mut [u8]) {}
fn chacha_iv(iv: &mut [u8]) {
    iv[1..4].fill(0);
}
fn xchacha_iv(iv: &mut [u8]) {
    iv[24..].fill(0);
}

fn draw_len(rng: &mut StdRng, l: Lens) -> usize {
    let max = if rng.gen_bool(0.1) { 9000 } else { 600 };
    match l {
        Lens::Blocks(bs) => bs * rng.gen_range(0..=max / bs),
        Lens::Any => {
            if rng.gen_bool(0.05) {
                0
            } else {
                rng.gen_range(0..=max)
            }
        }
        Lens::AtLeast(bs) => rng.gen_range(bs..=max),
    }
}

/// Runs `N` random requests each way through the module's algorithm and
/// the reference; returns the module that provides it.
fn check_skcipher(c: &SkCase, seed: u64) -> String {
    let tfm = Skcipher::with_flags(c.driver, c.flags).unwrap_or_else(|e| panic!("{}: {e}", c.driver));
    if !c.driver.contains('(') {
        assert_eq!(tfm.driver(), c.driver);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let ivsize = tfm.ivsize();
    for i in 0..N {
        let klen = c.keys[i % c.keys.len()];
        let key = bytes(&mut rng, klen);
        tfm.setkey(&key).unwrap_or_else(|e| panic!("{} setkey({klen}): {e}", c.driver));
        let mut iv = bytes(&mut rng, ivsize);
        (c.iv_fix)(&mut iv);
        let len = draw_len(&mut rng, c.lens);
        let data = bytes(&mut rng, len);
        let enc = rng.gen_bool(0.5);
        let layout = rand_layout(&mut rng, len);
        let seq = kabi::log::next_seq();
        let (out, _) = tfm.crypt(enc, &iv, &data, &layout).unwrap_or_else(|e| {
            panic!("{} {} len {len} key {klen} {layout:?}: {e} {:#?}", c.driver, if enc { "enc" } else { "dec" }, log_since(seq))
        });
        let want = (c.reference)(&key, &iv, &data, enc);
        assert!(out == want, "{} {} len {len} key {klen} {layout:?}: differs", c.driver, if enc { "enc" } else { "dec" });
    }
    // A partial block where only whole blocks are allowed: -EINVAL.
    if let Lens::Blocks(bs) = c.lens {
        if bs > 1 {
            let iv = vec![0; ivsize];
            let r = tfm.encrypt(&iv, &vec![0u8; bs + 1]);
            assert_eq!(r.unwrap_err().errno(), Some(-22), "{}: partial block", c.driver);
        }
    }
    // A bad key size: -EINVAL, and the tfm needs a key again (-ENOKEY).
    let bad = c.keys.iter().max().unwrap() + 1;
    let r = tfm.setkey(&vec![0u8; bad]);
    assert_eq!(r.unwrap_err().errno(), Some(-22), "{}: key of {bad}", c.driver);
    tfm.module().unwrap_or_else(|| "kernel".into())
}

struct CipherCase {
    driver: &'static str,
    keys: &'static [usize],
    reference: RefFn,
}

fn check_cipher(c: &CipherCase, seed: u64) -> String {
    let tfm = Cipher::with_flags(c.driver, plain()).unwrap_or_else(|e| panic!("{}: {e}", c.driver));
    assert_eq!(tfm.driver(), c.driver);
    let bs = tfm.blocksize();
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..N {
        let klen = c.keys[i % c.keys.len()];
        let key = bytes(&mut rng, klen);
        tfm.setkey(&key).unwrap_or_else(|e| panic!("{} setkey({klen}): {e}", c.driver));
        let n = rng.gen_range(1..8);
        let data = bytes(&mut rng, bs * n);
        let enc = rng.gen_bool(0.5);
        let mut out = data.clone();
        tfm.crypt_blocks(enc, &mut out).unwrap();
        let want = (c.reference)(&key, &[], &data, enc);
        assert!(out == want, "{} key {klen}: differs", c.driver);
    }
    let bad = c.keys.iter().max().unwrap() + 1;
    assert_eq!(tfm.setkey(&vec![0u8; bad]).unwrap_err().errno(), Some(-22), "{}: key of {bad}", c.driver);
    tfm.module().unwrap_or_else(|| "kernel".into())
}

const AES_KEYS: &[usize] = &[16, 24, 32];

#[test]
fn single_block_ciphers() {
    let Some((k, _g)) = kernel() else { return };
    let cases: &[(&[&str], CipherCase)] = &[
        (&["aes_ti"], CipherCase { driver: "aes-fixed-time", keys: AES_KEYS, reference: aes_ecb }),
        (&["cryptd", "crypto_simd", "aesni-intel"], CipherCase { driver: "aes-aesni", keys: AES_KEYS, reference: aes_ecb }),
        (&["blowfish_common", "blowfish_generic"], CipherCase { driver: "blowfish-generic", keys: &[4, 5, 8, 13, 16, 32, 56], reference: bf_ecb }),
        (&["blowfish_common", "blowfish-x86_64"], CipherCase { driver: "blowfish-asm", keys: &[4, 7, 16, 56], reference: bf_ecb }),
        (&["camellia_generic"], CipherCase { driver: "camellia-generic", keys: AES_KEYS, reference: camellia_ecb }),
        (&["camellia-x86_64"], CipherCase { driver: "camellia-asm", keys: AES_KEYS, reference: camellia_ecb }),
        (&["cast_common", "cast5_generic"], CipherCase { driver: "cast5-generic", keys: &[5, 10, 16], reference: cast5_ecb }),
        (&["cast_common", "cast6_generic"], CipherCase { driver: "cast6-generic", keys: &[16, 20, 24, 28, 32], reference: cast6_ecb }),
        (&["serpent_generic"], CipherCase { driver: "serpent-generic", keys: &[16, 24, 32], reference: serpent_ecb }),
        (&["twofish_common", "twofish_generic"], CipherCase { driver: "twofish-generic", keys: AES_KEYS, reference: twofish_ecb }),
        (&["twofish_common", "twofish-x86_64"], CipherCase { driver: "twofish-asm", keys: AES_KEYS, reference: twofish_ecb }),
        (&["libdes", "des_generic"], CipherCase { driver: "des-generic", keys: &[8], reference: des_ecb }),
        (&["libdes", "des_generic"], CipherCase { driver: "des3_ede-generic", keys: &[24], reference: des3_ecb }),
        (&["libdes", "des3_ede-x86_64"], CipherCase { driver: "des3_ede-asm", keys: &[24], reference: des3_ecb }),
    ];
    let mut proven = Vec::new();
    for (i, (mods, c)) in cases.iter().enumerate() {
        if !load(k, mods) {
            panic!("{mods:?} did not load");
        }
        proven.push(check_cipher(c, 1000 + i as u64));
    }
    eprintln!("single-block ciphers proven in modules: {proven:?}");
}

fn sk(driver: &'static str, flags: Flags, keys: &'static [usize], lens: Lens, reference: RefFn) -> SkCase {
    SkCase { driver, flags, keys, lens, iv_fix: no_fix, reference }
}

#[test]
fn skciphers() {
    let Some((k, _g)) = kernel() else { return };
    let none = plain();
    let int = internal();
    let cases: Vec<(&[&str], SkCase)> = vec![
        (&["cryptd", "crypto_simd", "aesni-intel"], sk("__ecb-aes-aesni", int, AES_KEYS, Lens::Blocks(16), aes_ecb)),
        (&["cryptd", "crypto_simd", "aesni-intel"], sk("__cbc-aes-aesni", int, AES_KEYS, Lens::Blocks(16), aes_cbc)),
        (&["cryptd", "crypto_simd", "aesni-intel"], sk("__ctr-aes-aesni", int, AES_KEYS, Lens::Any, aes_ctr)),
        (&["cryptd", "crypto_simd", "aesni-intel"], sk("__xts-aes-aesni", int, &[32, 64], Lens::AtLeast(16), aes_xts)),
        (&["libchacha", "chacha_generic"], SkCase { iv_fix: chacha_iv, ..sk("chacha20-generic", none, &[32], Lens::Any, chacha20) }),
        (&["libchacha", "chacha_generic"], SkCase { iv_fix: xchacha_iv, ..sk("xchacha20-generic", none, &[32], Lens::Any, xchacha20) }),
        (&["libchacha", "chacha_generic"], SkCase { iv_fix: xchacha_iv, ..sk("xchacha12-generic", none, &[32], Lens::Any, xchacha12) }),
        (&["libchacha", "chacha-x86_64"], SkCase { iv_fix: chacha_iv, ..sk("chacha20-simd", none, &[32], Lens::Any, chacha20) }),
        (&["libchacha", "chacha-x86_64"], SkCase { iv_fix: xchacha_iv, ..sk("xchacha20-simd", none, &[32], Lens::Any, xchacha20) }),
        (&["libchacha", "chacha-x86_64"], SkCase { iv_fix: xchacha_iv, ..sk("xchacha12-simd", none, &[32], Lens::Any, xchacha12) }),
        (&["blowfish_common", "blowfish-x86_64"], sk("ecb-blowfish-asm", none, &[4, 16, 56], Lens::Blocks(8), bf_ecb)),
        (&["blowfish_common", "blowfish-x86_64"], sk("cbc-blowfish-asm", none, &[4, 16, 56], Lens::Blocks(8), bf_cbc)),
        (&["camellia-x86_64"], sk("ecb-camellia-asm", none, AES_KEYS, Lens::Blocks(16), camellia_ecb)),
        (&["camellia-x86_64"], sk("cbc-camellia-asm", none, AES_KEYS, Lens::Blocks(16), camellia_cbc)),
        (&["libdes", "des3_ede-x86_64"], sk("ecb-des3_ede-asm", none, &[24], Lens::Blocks(8), des3_ecb)),
        (&["libdes", "des3_ede-x86_64"], sk("cbc-des3_ede-asm", none, &[24], Lens::Blocks(8), des3_cbc)),
        (&["twofish_common", "twofish-x86_64", "twofish-x86_64-3way"], sk("ecb-twofish-3way", none, AES_KEYS, Lens::Blocks(16), twofish_ecb)),
        (&["twofish_common", "twofish-x86_64", "twofish-x86_64-3way"], sk("cbc-twofish-3way", none, AES_KEYS, Lens::Blocks(16), twofish_cbc)),
        (&["serpent_generic", "cryptd", "crypto_simd", "serpent-sse2-x86_64"], sk("__ecb-serpent-sse2", int, &[16, 24, 32], Lens::Blocks(16), serpent_ecb)),
        (&["serpent_generic", "cryptd", "crypto_simd", "serpent-sse2-x86_64"], sk("__cbc-serpent-sse2", int, &[16, 24, 32], Lens::Blocks(16), serpent_cbc)),
        (&["serpent_generic", "cryptd", "crypto_simd", "serpent-avx-x86_64"], sk("__ecb-serpent-avx", int, &[16, 24, 32], Lens::Blocks(16), serpent_ecb)),
        (&["serpent_generic", "cryptd", "crypto_simd", "serpent-avx-x86_64"], sk("__cbc-serpent-avx", int, &[16, 24, 32], Lens::Blocks(16), serpent_cbc)),
        (&["serpent_generic", "cryptd", "crypto_simd", "serpent-avx-x86_64", "serpent-avx2"], sk("__ecb-serpent-avx2", int, &[16, 24, 32], Lens::Blocks(16), serpent_ecb)),
        (&["serpent_generic", "cryptd", "crypto_simd", "serpent-avx-x86_64", "serpent-avx2"], sk("__cbc-serpent-avx2", int, &[16, 24, 32], Lens::Blocks(16), serpent_cbc)),
        (&["twofish_common", "twofish-x86_64", "twofish-x86_64-3way", "cryptd", "crypto_simd", "twofish-avx-x86_64"], sk("__ecb-twofish-avx", int, AES_KEYS, Lens::Blocks(16), twofish_ecb)),
        (&["twofish_common", "twofish-x86_64", "twofish-x86_64-3way", "cryptd", "crypto_simd", "twofish-avx-x86_64"], sk("__cbc-twofish-avx", int, AES_KEYS, Lens::Blocks(16), twofish_cbc)),
        (&["camellia-x86_64", "cryptd", "crypto_simd", "camellia-aesni-avx-x86_64"], sk("__ecb-camellia-aesni", int, AES_KEYS, Lens::Blocks(16), camellia_ecb)),
        (&["camellia-x86_64", "cryptd", "crypto_simd", "camellia-aesni-avx-x86_64"], sk("__cbc-camellia-aesni", int, AES_KEYS, Lens::Blocks(16), camellia_cbc)),
        (&["camellia-x86_64", "cryptd", "crypto_simd", "camellia-aesni-avx-x86_64", "camellia-aesni-avx2"], sk("__ecb-camellia-aesni-avx2", int, AES_KEYS, Lens::Blocks(16), camellia_ecb)),
        (&["camellia-x86_64", "cryptd", "crypto_simd", "camellia-aesni-avx-x86_64", "camellia-aesni-avx2"], sk("__cbc-camellia-aesni-avx2", int, AES_KEYS, Lens::Blocks(16), camellia_cbc)),
        (&["cast_common", "cast5_generic", "cryptd", "crypto_simd", "cast5-avx-x86_64"], sk("__ecb-cast5-avx", int, &[5, 16], Lens::Blocks(8), cast5_ecb)),
        (&["cast_common", "cast5_generic", "cryptd", "crypto_simd", "cast5-avx-x86_64"], sk("__cbc-cast5-avx", int, &[5, 16], Lens::Blocks(8), cast5_cbc)),
        (&["cast_common", "cast6_generic", "cryptd", "crypto_simd", "cast6-avx-x86_64"], sk("__ecb-cast6-avx", int, &[16, 24, 32], Lens::Blocks(16), cast6_ecb)),
        (&["cast_common", "cast6_generic", "cryptd", "crypto_simd", "cast6-avx-x86_64"], sk("__cbc-cast6-avx", int, &[16, 24, 32], Lens::Blocks(16), cast6_cbc)),
    ];
    let mut proven = Vec::new();
    for (i, (mods, c)) in cases.iter().enumerate() {
        if !load(k, mods) {
            panic!("{mods:?} did not load");
        }
        proven.push((c.driver, check_skcipher(c, 2000 + i as u64)));
    }
    eprintln!("skciphers proven: {proven:?}");
}

/// AES-GCM (RFC 4106's and the plain one) of aesni-intel's internal
/// algorithms against `aes-gcm`; a flipped tag bit is -EBADMSG.
#[test]
fn aesni_gcm() {
    let Some((k, _g)) = kernel() else { return };
    assert!(load(k, &["cryptd", "crypto_simd", "aesni-intel"]));
    let tfm = Aead::with_flags("__generic-gcm-aesni", internal()).expect("__generic-gcm-aesni");
    check_gcm(&tfm, 77);
}

/// `N` random AES-GCM encryptions (all key sizes, empty and odd lengths,
/// random layouts) against `aes-gcm`, each decrypted back, and each
/// tampered (one flipped bit) rejected with -EBADMSG.
fn check_gcm(tfm: &Aead, seed: u64) {
    assert_eq!(tfm.ivsize(), 12);
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..N {
        let klen = AES_KEYS[i % 3];
        let key = bytes(&mut rng, klen);
        tfm.setkey(&key).unwrap();
        let iv = bytes(&mut rng, 12);
        let aad_len = if rng.gen_bool(0.2) { 0 } else { rng.gen_range(0..100) };
        let aad = bytes(&mut rng, aad_len);
        let len = if rng.gen_bool(0.05) { 0 } else { rng.gen_range(0..2000) };
        let data = bytes(&mut rng, len);
        let layout = rand_layout(&mut rng, aad_len + len);
        let ct = tfm.encrypt(&iv, &aad, &data, &layout).unwrap_or_else(|e| panic!("enc {len} {layout:?}: {e}"));
        let want = gcm_ref(&key, &iv, &aad, &data);
        assert!(ct == want, "gcm enc len {len} aad {aad_len} key {klen} {layout:?}");
        let pt = tfm.decrypt(&iv, &aad, &ct, &layout).unwrap_or_else(|e| panic!("dec {len}: {e}"));
        assert_eq!(pt, data);
        let mut bad = ct.clone();
        let bit = rng.gen_range(0..bad.len() * 8);
        bad[bit / 8] ^= 1 << (bit % 8);
        let r = tfm.decrypt(&iv, &aad, &bad, &layout);
        assert_eq!(r.unwrap_err(), CryptoError::Errno { op: "decrypt", errno: -74 }, "tampered bit {bit}");
    }
}

fn gcm_ref(key: &[u8], iv: &[u8], aad: &[u8], data: &[u8]) -> Vec<u8> {
    use aes_gcm::aead::{Aead as _, Payload};
    let p = Payload { msg: data, aad };
    let n = aes_gcm::Nonce::from_slice(iv);
    match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key).unwrap().encrypt(n, p).unwrap(),
        24 => aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key).unwrap().encrypt(n, p).unwrap(),
        _ => aes_gcm::Aes256Gcm::new_from_slice(key).unwrap().encrypt(n, p).unwrap(),
    }
}

/// RFC 3686: the key ends in a 4-byte nonce; the counter block is the
/// nonce, the 8-byte IV and a 32-bit big-endian counter starting at 1.
fn rfc3686(k: &[u8], iv: &[u8], d: &[u8], e: bool) -> Vec<u8> {
    let (key, nonce) = k.split_at(k.len() - 4);
    let mut blk = nonce.to_vec();
    blk.extend_from_slice(iv);
    blk.extend_from_slice(&[0, 0, 0, 1]);
    aes_ctr(key, &blk, d, e)
}

/// Templates instantiated on demand, as cryptomgr does: a name no
/// algorithm has is built by its template's module (loaded through
/// `crypto-<tmpl>`), over the best tested algorithms; the instance is
/// self-tested and then used. Synchronous ones only (the mask excludes
/// CRYPTO_ALG_ASYNC, so aesni's SIMD wrappers are not candidates).
#[test]
fn template_instances() {
    let Some((k, _g)) = kernel() else { return };
    with_modprobe(k);
    assert!(load(k, &["cryptd", "crypto_simd", "aesni-intel"]));
    let sync = Flags { ty: 0, mask: kabi::crypto::user::CRYPTO_ALG_ASYNC };
    let cases: Vec<(&str, &str, SkCase)> = vec![
        ("ecb", "ecb(aes-aesni)", sk("ecb(aes)", sync, AES_KEYS, Lens::Blocks(16), aes_ecb)),
        ("ctr", "ctr(aes-aesni)", sk("ctr(aes)", sync, AES_KEYS, Lens::Any, aes_ctr)),
        ("ctr", "rfc3686(ctr(aes-aesni))", sk("rfc3686(ctr(aes))", sync, &[20, 28, 36], Lens::Any, rfc3686)),
        ("xts", "xts(ecb(aes-aesni))", sk("xts(aes)", sync, &[32, 48, 64], Lens::AtLeast(16), aes_xts)),
    ];
    for (i, (module, driver, c)) in cases.iter().enumerate() {
        let seq = kabi::log::next_seq();
        let tfm = Skcipher::with_flags(c.driver, c.flags).unwrap_or_else(|e| panic!("{}: {e} {:#?}", c.driver, log_since(seq)));
        assert_eq!(tfm.driver(), *driver);
        assert_eq!(tfm.module().as_deref(), Some(*module));
        drop(tfm);
        let got = check_skcipher(&SkCase { driver: c.driver, ..*c }, 3000 + i as u64);
        assert_eq!(got, *module);
    }
    // The instances are in /proc/crypto, self-tested, owned by the
    // template's module.
    let pc = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    let blk = pc.split("\n\n").find(|b| b.contains("driver       : xts(ecb(aes-aesni))")).expect("xts instance listed");
    assert!(blk.contains("module       : xts"), "{blk}");
    assert!(blk.contains("selftest     : passed"), "{blk}");
    // cbc is vmlinux's template (the host's): instantiated over the best
    // synchronous "aes", aesni-intel's single-block cipher.
    let cbc = Skcipher::with_flags("cbc(aes)", sync).unwrap();
    assert_eq!(cbc.driver(), "cbc(aes-aesni)");
    assert_eq!(cbc.module(), None);
    drop(cbc);
    check_skcipher(&sk("cbc(aes)", sync, AES_KEYS, Lens::Blocks(16), aes_cbc), 3100);
    // A template nobody has: -ENOENT, as Linux.
    assert_eq!(Skcipher::new("nosuchtmpl(aes)").err().and_then(|e| e.errno()), Some(-2));
}

/// gcm.ko's gcm template instantiated on demand over the host's choice of
/// ctr(aes) (ctr.ko over aesni) and ghash (ghash-generic, through an
/// ahash over its shash).
#[test]
fn gcm_template() {
    let Some((k, _g)) = kernel() else { return };
    with_modprobe(k);
    assert!(load(k, &["cryptd", "crypto_simd", "aesni-intel"]));
    let sync = Flags { ty: 0, mask: kabi::crypto::user::CRYPTO_ALG_ASYNC };
    let seq = kabi::log::next_seq();
    let tfm = Aead::with_flags("gcm(aes)", sync).unwrap_or_else(|e| panic!("gcm(aes): {e} {:#?}", log_since(seq)));
    assert_eq!(tfm.driver(), "gcm_base(ctr(aes-aesni),ghash-generic)");
    assert_eq!(tfm.module().as_deref(), Some("gcm"));
    check_gcm(&tfm, 78);
}

fn dg<D: digest::Digest>(d: &[u8]) -> Vec<u8> {
    D::digest(d).to_vec()
}

/// Debian's hash modules (shash) through the host's API: `N` random
/// messages (empty, odd and multi-page lengths) digested in one call or
/// in random updates, against RustCrypto.
#[test]
fn hashes() {
    let Some((k, _g)) = kernel() else { return };
    type H = fn(&[u8]) -> Vec<u8>;
    let cases: &[(&[&str], &str, H)] = &[
        (&["sha1-ssse3"], "sha1-avx2", dg::<sha1::Sha1>),
        (&["sha256-ssse3"], "sha256-avx2", dg::<sha2::Sha256>),
        (&["sha256-ssse3"], "sha224-avx2", dg::<sha2::Sha224>),
        (&["sha512_generic"], "sha512-generic", dg::<sha2::Sha512>),
        (&["sha512_generic"], "sha384-generic", dg::<sha2::Sha384>),
        (&["sha512_generic", "sha512-ssse3"], "sha512-avx2", dg::<sha2::Sha512>),
        (&["sha512_generic", "sha512-ssse3"], "sha384-avx2", dg::<sha2::Sha384>),
        (&["sha3_generic"], "sha3-256-generic", dg::<sha3::Sha3_256>),
        (&["sha3_generic"], "sha3-512-generic", dg::<sha3::Sha3_512>),
        (&["blake2b_generic"], "blake2b-512-generic", dg::<blake2::Blake2b512>),
        (&["md4"], "md4-generic", dg::<md4::Md4>),
        (&["rmd160"], "rmd160-generic", dg::<ripemd::Ripemd160>),
        (&["wp512"], "wp512-generic", dg::<whirlpool::Whirlpool>),
        (&["streebog_generic"], "streebog256-generic", dg::<streebog::Streebog256>),
        (&["streebog_generic"], "streebog512-generic", dg::<streebog::Streebog512>),
    ];
    let mut proven = Vec::new();
    for (i, (mods, driver, reference)) in cases.iter().enumerate() {
        assert!(load(k, mods), "{mods:?}");
        let h = kabi::crypto::user::Hash::with_flags(driver, Flags::default().under_test())
            .unwrap_or_else(|e| panic!("{driver}: {e}"));
        assert_eq!(h.driver(), *driver);
        let mut rng = StdRng::seed_from_u64(4000 + i as u64);
        for _ in 0..N {
            let n = if rng.gen_bool(0.05) { 0 } else if rng.gen_bool(0.1) { rng.gen_range(0..9000) } else { rng.gen_range(0..700) };
            let data = bytes(&mut rng, n);
            let splits: Vec<usize> = if rng.gen_bool(0.5) { Vec::new() } else { (0..rng.gen_range(1..4)).map(|_| rng.gen_range(0..=n)).collect() };
            let got = h.digest(&data, &splits).unwrap_or_else(|e| panic!("{driver} {n}: {e}"));
            assert!(got == reference(&data), "{driver}: {n} bytes {splits:?}");
        }
        proven.push(h.module().unwrap_or_default());
    }
    eprintln!("hashes proven in: {proven:?}");
}

/// ghash-clmulni-intel's asynchronous `ghash` (an ahash over cryptd and
/// its internal `__ghash` shash): self-tested at registration as Linux
/// does (`selftest : passed` in /proc/crypto), then driven by the host's
/// ahash requests — one digest, or init/update.../final — over random
/// scatterlist layouts, `N` random keys and messages against the `ghash`
/// crate (Linux's ghash zero-pads a final partial block).
#[test]
fn ghash_clmulni_ahash() {
    use ghash::universal_hash::{KeyInit as _, UniversalHash};
    let Some((k, _g)) = kernel() else { return };
    let seq = kabi::log::next_seq();
    assert!(load(k, &["cryptd", "ghash-clmulni-intel"]));
    let log = log_since(seq);
    let crypto = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    let block = crypto
        .split("\n\n")
        .find(|b| b.lines().any(|l| l == "driver       : ghash-clmulni"))
        .unwrap_or_else(|| panic!("no ghash-clmulni in /proc/crypto:\n{crypto}"));
    assert!(block.contains("type         : ahash\n"), "{block}");
    assert!(block.contains("async        : yes\n"), "{block}");
    assert!(block.contains("selftest     : passed\n"), "{block} {log:#?}");
    let seq = kabi::log::next_seq();
    let h = kabi::crypto::user::Ahash::new("ghash").unwrap_or_else(|e| panic!("ghash: {e} {:#?}", log_since(seq)));
    assert_eq!(h.driver(), "ghash-clmulni");
    assert_eq!(h.digestsize(), 16);
    let mut rng = StdRng::seed_from_u64(4242);
    // Without a key: -ENOKEY, as crypto_ahash_digest answers.
    assert_eq!(h.digest(b"x", &Layout::default(), &[]).unwrap_err().errno(), Some(-126));
    for i in 0..N {
        let key = bytes(&mut rng, 16);
        h.setkey(&key).unwrap();
        let n = if i % 50 == 0 { 0 } else if rng.gen_bool(0.1) { rng.gen_range(0..9000) } else { rng.gen_range(0..600) };
        let data = bytes(&mut rng, n);
        let l = rand_layout(&mut rng, n);
        let parts: Vec<usize> = if rng.gen_bool(0.5) { Vec::new() } else { (0..rng.gen_range(1..4)).map(|_| rng.gen_range(0..=n)).collect() };
        let mut g = ghash::GHash::new(ghash::Key::from_slice(&key));
        g.update_padded(&data);
        let got = h.digest(&data, &l, &parts).unwrap_or_else(|e| panic!("{n} bytes {l:?} {parts:?}: {e}"));
        assert_eq!(got, g.finalize().to_vec(), "{n} bytes {l:?} {parts:?}");
    }
}

//! Asymmetric ciphers (akcipher) in the host: vmlinux's `rsa-generic`
//! and the `pkcs1pad` template (kabi::crypto::rsa, rsa_pkcs1pad)
//! allocated through `crypto_alloc_akcipher` and driven through the
//! request API (`kabi::crypto::user::Akcipher`) with keys the `rsa`
//! crate generates (512 to 4096 bits): raw RSA against `num-bigint-dig`'s
//! modpow, pkcs1pad's encryption decrypted by the crate and the crate's
//! ciphertexts decrypted, signatures equal to the crate's PKCS#1 v1.5
//! ones for every hash of 6.1's DigestInfo table, verify of good and
//! tampered signatures with 6.1's errno, key parsing errors, the
//! /proc/crypto blocks with their self-test lines.

mod common;

use common::{kernel, log_since, random_bytes as bytes};
use kabi::crypto::user::{Akcipher, AkcipherOp, Layout};
use num_bigint_dig::BigUint;
use rand::{rngs::StdRng, Rng, SeedableRng};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{Pkcs1v15Encrypt, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};

/// Operations per algorithm (at least).
const N: usize = 1000;

const EINVAL: i32 = -22;
const EBADMSG: i32 = -74;
const EOVERFLOW: i32 = -75;
const ENOSYS: i32 = -38;
const EKEYREJECTED: i32 = -129;

struct Key {
    k: RsaPrivateKey,
    pubder: Vec<u8>,
    privder: Vec<u8>,
}

/// The generated keys: two of 1024 and 2048 bits, one of 3072 and 4096
/// (keygen is slow), generated once per test binary.
fn keys() -> &'static [Key] {
    static KEYS: std::sync::OnceLock<Vec<Key>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x5a5a);
        [1024, 1024, 2048, 2048, 3072, 4096]
            .iter()
            .map(|&bits| {
                let k = RsaPrivateKey::new(&mut rng, bits).expect("keygen");
                let pubder = RsaPublicKey::from(&k).to_pkcs1_der().unwrap().as_bytes().to_vec();
                let privder = k.to_pkcs1_der().unwrap().as_bytes().to_vec();
                Key { k, pubder, privder }
            })
            .collect()
    })
}

/// Which key the i-th operation uses: mostly the small ones.
fn pick(rng: &mut StdRng) -> usize {
    match rng.gen_range(0..20) {
        0 => 5,
        1 | 2 => 4,
        3..=8 => 2 + rng.gen_range(0..2),
        _ => rng.gen_range(0..2),
    }
}


fn layout(rng: &mut StdRng, len: usize) -> Layout {
    let splits = |rng: &mut StdRng| -> Vec<usize> {
        if len < 2 || rng.gen_bool(0.5) {
            return Vec::new();
        }
        (0..rng.gen_range(1..4)).map(|_| rng.gen_range(1..len)).collect()
    };
    let (src_splits, dst_splits) = (splits(rng), splits(rng));
    Layout { src_splits, dst_splits, offset: if rng.gen_bool(0.5) { 0 } else { rng.gen_range(1..64) }, in_place: false }
}

fn be_padded(v: &BigUint, n: usize) -> Vec<u8> {
    let b = if *v == BigUint::default() { Vec::new() } else { v.to_bytes_be() };
    let mut o = vec![0u8; n - b.len()];
    o.extend_from_slice(&b);
    o
}

fn errno<T: std::fmt::Debug>(r: Result<T, kabi::crypto::user::CryptoError>) -> Option<i32> {
    r.err().and_then(|e| e.errno())
}

/// A tfm per key with the public or the private key set.
fn tfms(name: &str, private: bool) -> Vec<Akcipher> {
    keys()
        .iter()
        .map(|k| {
            let seq = kabi::log::next_seq();
            let t = Akcipher::new(name).unwrap_or_else(|e| panic!("{name}: {e} {:#?}", log_since(seq)));
            if private { t.set_priv_key(&k.privder) } else { t.set_pub_key(&k.pubder) }
                .unwrap_or_else(|e| panic!("{name}: set key: {e} {:#?}", log_since(seq)));
            t
        })
        .collect()
}

// ---- rsa-generic -----------------------------------------------------------------

/// Raw RSA: N random numbers below n (every length, zero included)
/// encrypted with the public key against m^e mod n and decrypted back;
/// N random numbers decrypted with the private key (by the CRT in the
/// host) against c^d mod n (on the 1024-bit keys) or re-encryption;
/// random scatterlist layouts and destinations longer than max_size
/// (zero-padded); n itself and beyond -EINVAL; a destination shorter
/// than the value's limbs -EOVERFLOW; sign/verify -ENOSYS.
#[test]
fn rsa_generic() {
    let Some((_k, _g)) = kernel() else { return };
    let mut rng = StdRng::seed_from_u64(1);
    let pubs = tfms("rsa", false);
    let privs = tfms("rsa", true);
    assert_eq!(pubs[0].driver(), "rsa-generic");
    assert_eq!(pubs[0].module(), None);
    for (t, k) in pubs.iter().zip(keys()) {
        assert_eq!(t.max_size().unwrap(), k.k.size(), "max_size");
    }
    for i in 0..N {
        let ki = pick(&mut rng);
        let (key, pb, pv) = (&keys()[ki].k, &pubs[ki], &privs[ki]);
        let n = BigUint::from_bytes_be(&key.n().to_bytes_be());
        let e = BigUint::from_bytes_be(&key.e().to_bytes_be());
        let ks = key.size();
        // encrypt
        let len = if i % 50 == 0 { 0 } else { rng.gen_range(1..=ks) };
        let m = BigUint::from_bytes_be(&bytes(&mut rng, len)) % &n;
        let mb = if rng.gen_bool(0.2) { be_padded(&m, len.max(1) + rng.gen_range(0..8)) } else { m.to_bytes_be() };
        let mb = if len == 0 { Vec::new() } else { mb };
        let out_len = ks + if rng.gen_bool(0.2) { rng.gen_range(1..24) } else { 0 };
        let c = m.modpow(&e, &n);
        let (dl, got) = pb.request(AkcipherOp::Encrypt, &mb, out_len, &layout(&mut rng, out_len)).unwrap();
        assert_eq!(dl, out_len, "#{i}: dst_len");
        assert_eq!(got, be_padded(&c, out_len), "#{i}: encrypt");
        // decrypt it back
        let cb = be_padded(&c, ks);
        let (_, got) = pv.request(AkcipherOp::Decrypt, &cb, ks, &layout(&mut rng, ks)).unwrap();
        assert_eq!(got, be_padded(&m, ks), "#{i}: decrypt");
        // decrypt a random number below n
        let r = BigUint::from_bytes_be(&bytes(&mut rng, ks)) % &n;
        let got = BigUint::from_bytes_be(&pv.decrypt(&be_padded(&r, ks)).unwrap());
        if ki < 2 {
            let d = BigUint::from_bytes_be(&key.d().to_bytes_be());
            assert_eq!(got, r.modpow(&d, &n), "#{i}: decrypt (c^d)");
        } else {
            assert_eq!(got.modpow(&e, &n), r, "#{i}: decrypt (re-encrypted)");
        }
        // out of range, short destinations
        if i % 10 == 0 {
            let big = &n + BigUint::from(rng.gen_range(0u32..3));
            assert_eq!(errno(pb.encrypt(&be_padded(&big, ks))), Some(EINVAL), "#{i}: m >= n");
            assert_eq!(errno(pv.decrypt(&be_padded(&big, ks))), Some(EINVAL), "#{i}: c >= n");
            let limbs = c.to_bytes_be().len().div_ceil(8) * 8;
            if c != BigUint::default() && limbs > 0 {
                assert_eq!(errno(pb.request(AkcipherOp::Encrypt, &mb, limbs - 1, &Layout::default())), Some(EOVERFLOW));
            }
        }
    }
    // rsa.c has no sign/verify: akcipher's default -ENOSYS
    assert_eq!(errno(privs[0].sign(&[1, 2, 3])), Some(ENOSYS));
    assert_eq!(errno(pubs[0].verify(&vec![1; 128], &[1, 2, 3])), Some(ENOSYS));
    // a tfm without a key
    let t = Akcipher::new("rsa-generic").unwrap();
    assert_eq!(errno(t.request(AkcipherOp::Encrypt, &[1], 128, &Layout::default())), Some(EINVAL));
    // a public key cannot decrypt
    assert_eq!(errno(pubs[0].decrypt(&[1; 128])), Some(EINVAL));
}

/// Key parsing and size rules: the modulus in whole 64-bit limbs must be
/// 512, 1024, 1536, 2048, 3072 or 4096 bits (FIPS off); malformed BER
/// -EBADMSG; e longer than n, an empty n -EINVAL.
#[test]
fn rsa_keys() {
    let Some((_k, _g)) = kernel() else { return };
    let mut rng = StdRng::seed_from_u64(2);
    let t = Akcipher::new("rsa").unwrap();
    for (bits, ok) in [(512, true), (768, false), (1000, true), (1536, true), (1600, false)] {
        let k = RsaPrivateKey::new(&mut rng, bits).unwrap();
        let p = RsaPublicKey::from(&k).to_pkcs1_der().unwrap().as_bytes().to_vec();
        let v = k.to_pkcs1_der().unwrap().as_bytes().to_vec();
        let want = if ok { None } else { Some(EINVAL) };
        assert_eq!(errno(t.set_pub_key(&p)), want, "{bits} bits public");
        assert_eq!(errno(t.set_priv_key(&v)), want, "{bits} bits private");
        if ok {
            assert_eq!(t.max_size().unwrap(), bits.div_ceil(64) * 8);
        }
    }
    let good = &keys()[0].pubder;
    for cut in [0, 1, 2, 10, good.len() - 1] {
        assert_eq!(errno(t.set_pub_key(&good[..cut])), Some(EBADMSG), "cut at {cut}");
    }
    let mut wrong_tag = good.clone();
    wrong_tag[0] = 0x31;
    assert_eq!(errno(t.set_pub_key(&wrong_tag)), Some(EBADMSG));
    // the public key as a private one: the third INTEGER is missing
    assert_eq!(errno(t.set_priv_key(good)), Some(EBADMSG));
    // SEQUENCE { INTEGER 0xc3, INTEGER 0x01 0x00 0x01 }: e longer than n
    assert_eq!(errno(t.set_pub_key(&[0x30, 0x08, 0x02, 0x01, 0xc3, 0x02, 0x03, 1, 0, 1])), Some(EINVAL));
    assert_eq!(errno(t.set_pub_key(&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 3])), Some(EINVAL));
    // after a failed set the tfm has no key
    assert_eq!(errno(t.encrypt(&[1])), Some(EINVAL));
}

// ---- pkcs1pad ----------------------------------------------------------------------

/// The crate's PKCS#1 v1.5 signature scheme for a hash of 6.1's table.
fn scheme(hash: &str) -> (Pkcs1v15Sign, usize) {
    match hash {
        "" => (Pkcs1v15Sign::new_unprefixed(), 0),
        "md5" => (Pkcs1v15Sign::new::<md5::Md5>(), 16),
        "sha1" => (Pkcs1v15Sign::new::<sha1::Sha1>(), 20),
        "rmd160" => (Pkcs1v15Sign::new::<ripemd::Ripemd160>(), 20),
        "sha224" => (Pkcs1v15Sign::new::<sha2::Sha224>(), 28),
        "sha256" => (Pkcs1v15Sign::new::<sha2::Sha256>(), 32),
        "sha384" => (Pkcs1v15Sign::new::<sha2::Sha384>(), 48),
        "sha512" => (Pkcs1v15Sign::new::<sha2::Sha512>(), 64),
        _ => unreachable!(),
    }
}

fn check_pkcs1pad(hash: &str, n: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let name = if hash.is_empty() { "pkcs1pad(rsa)".to_string() } else { format!("pkcs1pad(rsa,{hash})") };
    let driver = if hash.is_empty() { "pkcs1pad(rsa-generic)".to_string() } else { format!("pkcs1pad(rsa-generic,{hash})") };
    let pubs = tfms(&name, false);
    let privs = tfms(&name, true);
    assert_eq!(pubs[0].driver(), driver);
    assert_eq!(pubs[0].module(), None);
    for i in 0..n {
        let ki = pick(&mut rng);
        let (key, pb, pv) = (&keys()[ki].k, &pubs[ki], &privs[ki]);
        let public = RsaPublicKey::from(key);
        let ks = key.size();
        assert_eq!(pb.max_size().unwrap(), ks);
        // encrypt: the crate decrypts it
        let ml = if i % 40 == 0 { 0 } else if i % 40 == 1 { ks - 11 } else { rng.gen_range(0..=ks - 11) };
        let msg = bytes(&mut rng, ml);
        let (dl, c) = pb.request(AkcipherOp::Encrypt, &msg, ks, &layout(&mut rng, ks)).unwrap();
        assert_eq!(dl, ks);
        assert_eq!(key.decrypt(Pkcs1v15Encrypt, &c).unwrap(), msg, "{name} #{i}: encrypt");
        // decrypt the crate's ciphertext (the private tfm decrypts)
        let c = public.encrypt(&mut rng, Pkcs1v15Encrypt, &msg).unwrap();
        let out = ks + rng.gen_range(0..8);
        let (dl, got) = pv.request(AkcipherOp::Decrypt, &c, out, &layout(&mut rng, ks)).unwrap();
        assert_eq!((dl, got), (ml, msg.clone()), "{name} #{i}: decrypt");
        // sign: the crate's signature
        let (sch, dlen) = scheme(hash);
        let dlen = if dlen == 0 { rng.gen_range(2..=64) } else { dlen };
        let digest = bytes(&mut rng, dlen);
        let want = key.sign(sch, &digest).unwrap();
        let (dl, got) = pv.request(AkcipherOp::Sign, &digest, ks, &layout(&mut rng, ks)).unwrap();
        assert_eq!(dl, ks);
        assert_eq!(got, want, "{name} #{i}: sign");
        // verify: good, tampered digest, tampered signature
        let l = layout(&mut rng, ks + dlen);
        pb.verify_with(&want, &digest, &l).unwrap_or_else(|e| panic!("{name} #{i}: verify {e}"));
        let mut bad = digest.clone();
        bad[rng.gen_range(0..dlen)] ^= 1 << rng.gen_range(0..8);
        assert_eq!(errno(pb.verify(&want, &bad)), Some(EKEYREJECTED), "{name} #{i}: wrong digest");
        assert_eq!(errno(pb.verify(&want, &digest[..dlen - 1])), Some(EKEYREJECTED), "{name} #{i}: short digest");
        let mut sig = want.clone();
        sig[rng.gen_range(0..ks)] ^= 1 << rng.gen_range(0..8);
        let r = errno(pb.verify(&sig, &digest));
        assert!(matches!(r, Some(EBADMSG) | Some(EINVAL)), "{name} #{i}: tampered signature gave {r:?}");
        // sizes: message too long, short destination, signature not k bytes
        if i % 25 == 0 {
            assert_eq!(errno(pb.encrypt(&vec![1; ks - 10])), Some(EOVERFLOW));
            assert_eq!(errno(pb.request(AkcipherOp::Encrypt, &msg, ks - 1, &Layout::default())), Some(EOVERFLOW));
            assert_eq!(errno(pv.decrypt(&c[1..])), Some(EINVAL));
            assert_eq!(errno(pb.verify(&want[1..], &digest)), Some(EINVAL));
            // no digest: a warning and -EINVAL
            assert_eq!(errno(pb.verify(&want, &[])), Some(EINVAL));
        }
    }
}

/// pkcs1pad(rsa,sha256) (testmgr's vectors on Linux) and pkcs1pad(rsa):
/// N rounds each of encrypt, decrypt, sign and verify.
#[test]
fn pkcs1pad_sha256_and_bare() {
    let Some((_k, _g)) = kernel() else { return };
    check_pkcs1pad("sha256", N, 256);
    check_pkcs1pad("", N, 0);
}

/// The other hashes of 6.1's DigestInfo table; an unknown hash and a
/// non-rsa algorithm refused.
#[test]
fn pkcs1pad_hashes() {
    let Some((_k, _g)) = kernel() else { return };
    for (i, h) in ["md5", "sha1", "rmd160", "sha224", "sha384", "sha512"].iter().enumerate() {
        check_pkcs1pad(h, N / 4, 100 + i as u64);
    }
    assert!(Akcipher::new("pkcs1pad(rsa,sha3-256)").is_err());
    assert!(Akcipher::new("pkcs1pad(rsa,whirlpool)").is_err());
}

/// /proc/crypto: rsa-generic as Linux shows it, the pkcs1pad instances
/// with their self-test passed (the host tests them against the `rsa`
/// crate at registration).
#[test]
fn proc_crypto() {
    let Some((k, _g)) = kernel() else { return };
    let _t = Akcipher::new("pkcs1pad(rsa,sha256)").unwrap();
    let text = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    let block = |d: &str| -> String {
        text.split("\n\n")
            .find(|b| b.lines().any(|l| l == format!("driver       : {d}")))
            .unwrap_or_else(|| panic!("no {d} in {text}"))
            .lines()
            .filter(|l| !l.starts_with("refcnt"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(
        block("rsa-generic"),
        "name         : rsa\ndriver       : rsa-generic\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : akcipher\n"
    );
    assert_eq!(
        block("pkcs1pad(rsa-generic,sha256)"),
        "name         : pkcs1pad(rsa,sha256)\ndriver       : pkcs1pad(rsa-generic,sha256)\nmodule       : kernel\npriority     : 100\nselftest     : passed\ninternal     : no\ntype         : akcipher\n"
    );
}

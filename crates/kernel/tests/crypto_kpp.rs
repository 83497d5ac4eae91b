//! Key agreement (kpp) in the host: Debian's ecdh_generic (NIST P-192,
//! P-256, P-384 over ecc.ko) and curve25519 (curve25519-generic and
//! curve25519-x86_64 over libcurve25519-generic) allocated through
//! `crypto_alloc_kpp` and driven through the request API
//! (`kabi::crypto::user::Kpp`), against RustCrypto's `p192`/`p256`/`p384`
//! and `x25519-dalek` on random keys: the public key each generates, the
//! shared secret with a random peer (both ways), Linux's errno for what
//! it refuses.

mod common;

use common::{kernel, load, log_since, random_bytes as bytes};
use kabi::crypto::user::{ecdh_secret, Kpp, Layout};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Random keys per algorithm.
const N: usize = 1000;



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

const EINVAL: i32 = -22;

// ---- references ----------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Curve {
    P192,
    P256,
    P384,
}

impl Curve {
    fn nbytes(self) -> usize {
        match self {
            Curve::P192 => 24,
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }
    /// x || y of d·G, big-endian (None: d not a valid scalar).
    fn public(self, d: &[u8]) -> Option<Vec<u8>> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let enc = match self {
            Curve::P192 => p192::elliptic_curve::SecretKey::<p192::NistP192>::from_slice(d).ok()?.public_key().to_encoded_point(false).as_bytes().to_vec(),
            Curve::P256 => p256::SecretKey::from_slice(d).ok()?.public_key().to_encoded_point(false).as_bytes().to_vec(),
            Curve::P384 => p384::SecretKey::from_slice(d).ok()?.public_key().to_encoded_point(false).as_bytes().to_vec(),
        };
        Some(enc[1..].to_vec())
    }
    /// The ECDH shared secret (x of d·Q) with the peer's x || y.
    fn shared(self, d: &[u8], peer: &[u8]) -> Option<Vec<u8>> {
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(peer);
        Some(match self {
            Curve::P192 => {
                use p192::elliptic_curve::sec1::ToEncodedPoint;
                let q = p192::elliptic_curve::PublicKey::<p192::NistP192>::from_sec1_bytes(&sec1).ok()?;
                let s = p192::elliptic_curve::SecretKey::<p192::NistP192>::from_slice(d).ok()?;
                let pt = (q.to_projective() * *s.to_nonzero_scalar()).to_affine();
                pt.to_encoded_point(false).x()?.to_vec()
            }
            Curve::P256 => {
                let q = p256::PublicKey::from_sec1_bytes(&sec1).ok()?;
                let s = p256::SecretKey::from_slice(d).ok()?;
                p256::ecdh::diffie_hellman(s.to_nonzero_scalar(), q.as_affine()).raw_secret_bytes().to_vec()
            }
            Curve::P384 => {
                let q = p384::PublicKey::from_sec1_bytes(&sec1).ok()?;
                let s = p384::SecretKey::from_slice(d).ok()?;
                p384::ecdh::diffie_hellman(s.to_nonzero_scalar(), q.as_affine()).raw_secret_bytes().to_vec()
            }
        })
    }
}

// ---- ECDH ------------------------------------------------------------------------

fn check_ecdh(name: &str, driver: &str, c: Curve, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let seq = kabi::log::next_seq();
    let a = Kpp::new(name).unwrap_or_else(|e| panic!("{name}: {e} {:#?}", log_since(seq)));
    let b = Kpp::new(driver).unwrap();
    assert_eq!(a.driver(), driver);
    assert_eq!(a.module().as_deref(), Some("ecdh_generic"));
    let nb = c.nbytes();
    for i in 0..N {
        let (da, db) = (bytes(&mut rng, nb), bytes(&mut rng, nb));
        let (Some(pa), Some(pb)) = (c.public(&da), c.public(&db)) else { continue };
        a.set_secret(&ecdh_secret(&da)).unwrap_or_else(|e| panic!("{driver} #{i}: set_secret {e}"));
        b.set_secret(&ecdh_secret(&db)).unwrap();
        assert_eq!(a.max_size().unwrap(), 2 * nb);
        // Our public key equals the crate's (random scatterlist layouts).
        let got = a.request(None, 2 * nb, &layout(&mut rng, 2 * nb)).unwrap();
        assert_eq!(got, pa, "{driver} #{i}: public key");
        assert_eq!(b.public_key().unwrap(), pb, "{driver} #{i}: peer public key");
        // The shared secret agrees both ways and with the crate.
        let want = c.shared(&da, &pb).unwrap();
        let l = layout(&mut rng, 2 * nb);
        assert_eq!(a.request(Some(&pb), nb, &l).unwrap(), want, "{driver} #{i}: shared secret");
        assert_eq!(b.shared_secret(&pa, nb).unwrap(), want, "{driver} #{i}: shared secret (peer)");
        // A shorter output buffer gets the first bytes ("might want less").
        let short = rng.gen_range(1..nb);
        assert_eq!(a.request(Some(&pb), short, &Layout::default()).unwrap(), want[..short]);
        // A point off the curve, a truncated one, zero coordinates: -EINVAL.
        let mut bad = pb.clone();
        bad[nb + rng.gen_range(0..nb)] ^= 1 << rng.gen_range(0..8);
        assert_eq!(a.shared_secret(&bad, nb).err().and_then(|e| e.errno()), Some(EINVAL), "{driver} #{i}: off-curve point");
        assert_eq!(a.request(Some(&pb[..2 * nb - 1]), nb, &Layout::default()).err().and_then(|e| e.errno()), Some(EINVAL));
        assert_eq!(a.shared_secret(&vec![0u8; 2 * nb], nb).err().and_then(|e| e.errno()), Some(EINVAL));
    }
    // Invalid private keys: 0, n - 1 and beyond (outside [2, n-3] or not
    // below n), a key of the wrong size, a secret of the wrong type.
    for bad in [vec![0u8; nb], vec![0xffu8; nb], vec![1u8; nb - 1]] {
        assert_eq!(a.set_secret(&ecdh_secret(&bad)).err().and_then(|e| e.errno()), Some(EINVAL), "{driver}: key {bad:02x?}");
    }
    let mut wrong_type = ecdh_secret(&vec![7u8; nb]);
    wrong_type[0] = 1;
    assert_eq!(a.set_secret(&wrong_type).err().and_then(|e| e.errno()), Some(EINVAL));
    assert_eq!(a.set_secret(&ecdh_secret(&vec![7u8; nb + 8])).err().and_then(|e| e.errno()), Some(EINVAL));
}

#[test]
fn ecdh_generic() {
    let Some((k, _g)) = kernel() else { return };
    assert!(load(k, &["ecc", "ecdh_generic"]));
    check_ecdh("ecdh-nist-p192", "ecdh-nist-p192-generic", Curve::P192, 192);
    check_ecdh("ecdh-nist-p256", "ecdh-nist-p256-generic", Curve::P256, 256);
    check_ecdh("ecdh-nist-p384", "ecdh-nist-p384-generic", Curve::P384, 384);
    // Registered, self-tested at registration (against the crates) and
    // listed as Linux lists a kpp.
    let pc = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    for (n, d) in [("ecdh-nist-p192", "ecdh-nist-p192-generic"), ("ecdh-nist-p256", "ecdh-nist-p256-generic"), ("ecdh-nist-p384", "ecdh-nist-p384-generic")] {
        let blk = pc.split("\n\n").find(|b| b.contains(&format!("driver       : {d}\n"))).expect("listed");
        let want = format!(
            "name         : {n}\ndriver       : {d}\nmodule       : ecdh_generic\npriority     : 100\nrefcnt       : 1\nselftest     : passed\ninternal     : no\ntype         : kpp"
        );
        assert_eq!(blk.trim_end(), want);
    }
}

// ---- X25519 ------------------------------------------------------------------------

fn x25519(k: &[u8], u: Option<&[u8]>) -> Vec<u8> {
    let s = x25519_dalek::StaticSecret::from(<[u8; 32]>::try_from(k).unwrap());
    match u {
        None => x25519_dalek::PublicKey::from(&s).as_bytes().to_vec(),
        Some(u) => s.diffie_hellman(&x25519_dalek::PublicKey::from(<[u8; 32]>::try_from(u).unwrap())).as_bytes().to_vec(),
    }
}

fn check_x25519(driver: &str, module: &str, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let seq = kabi::log::next_seq();
    let a = Kpp::new(driver).unwrap_or_else(|e| panic!("{driver}: {e} {:#?}", log_since(seq)));
    let b = Kpp::new(driver).unwrap();
    assert_eq!(a.driver(), driver);
    assert_eq!(a.module().as_deref(), Some(module));
    for i in 0..N {
        let (ka, kb) = (bytes(&mut rng, 32), bytes(&mut rng, 32));
        a.set_secret(&ka).unwrap();
        b.set_secret(&kb).unwrap();
        assert_eq!(a.max_size().unwrap(), 32);
        let pa = a.request(None, 32, &layout(&mut rng, 32)).unwrap();
        assert_eq!(pa, x25519(&ka, None), "{driver} #{i}: public key");
        let pb = b.public_key().unwrap();
        assert_eq!(pb, x25519(&kb, None));
        let want = x25519(&ka, Some(&pb));
        assert_eq!(a.request(Some(&pb), 32, &layout(&mut rng, 32)).unwrap(), want, "{driver} #{i}: shared");
        assert_eq!(b.shared_secret(&pa, 32).unwrap(), want);
        // Any u, not only public keys (X25519 takes the twist too).
        let u = bytes(&mut rng, 32);
        assert_eq!(a.shared_secret(&u, 32).unwrap(), x25519(&ka, Some(&u)), "{driver} #{i}: arbitrary u");
    }
    // Low-order points: the kpp algorithms of 6.1 return what X25519
    // computes (the null point for u = 0, 1), no contributory check (that
    // is the library's curve25519()); a short public key, a secret of the
    // wrong size or all zero: -EINVAL.
    let mut one = [0u8; 32];
    one[0] = 1;
    let k = bytes(&mut rng, 32);
    a.set_secret(&k).unwrap();
    for low in [[0u8; 32], one] {
        let got = a.shared_secret(&low, 32).unwrap();
        assert_eq!(got, x25519(&k, Some(&low)));
        assert_eq!(got, [0u8; 32]);
    }
    assert_eq!(a.request(Some(&[9u8; 31]), 32, &Layout::default()).err().and_then(|e| e.errno()), Some(EINVAL));
    assert_eq!(a.set_secret(&[0u8; 32]).err().and_then(|e| e.errno()), Some(EINVAL));
    assert_eq!(a.set_secret(&[5u8; 31]).err().and_then(|e| e.errno()), Some(EINVAL));
}

#[test]
fn curve25519() {
    let Some((k, _g)) = kernel() else { return };
    assert!(load(k, &["libcurve25519-generic", "curve25519-generic"]));
    check_x25519("curve25519-generic", "curve25519_generic", 25519);
    // curve25519-x86_64 registers only on a CPU with BMI2 and ADX.
    assert!(load(k, &["curve25519-x86_64"]));
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags = cpu.lines().find(|l| l.starts_with("flags")).unwrap_or("");
    if flags.split_whitespace().any(|f| f == "adx") && flags.split_whitespace().any(|f| f == "bmi2") {
        check_x25519("curve25519-x86", "curve25519_x86_64", 86);
        assert_eq!(Kpp::new("curve25519").unwrap().driver(), "curve25519-x86");
    } else {
        eprintln!("note: no BMI2/ADX: curve25519-x86_64 registers nothing (as on Linux)");
    }
    let pc = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    let blk = pc.split("\n\n").find(|b| b.contains("driver       : curve25519-generic\n")).expect("listed");
    assert!(blk.contains("selftest     : passed") && blk.contains("type         : kpp"), "{blk}");
}

// ---- DH (vmlinux's dh-generic, the host's) ---------------------------------------------

use kabi::crypto::dh_helper::{encode as dh_encode, DhParams};
use num_bigint::BigUint;

/// `mpi_get_size`: the value's bytes in whole 64-bit limbs.
fn limbs(v: &BigUint) -> usize {
    (v.bits() as usize).div_ceil(64) * 8
}

fn be_padded(v: &BigUint, len: usize) -> Vec<u8> {
    let mut o = vec![0u8; len];
    if v.bits() > 0 {
        let b = v.to_bytes_be();
        o[len - b.len()..].copy_from_slice(&b);
    }
    o
}

const EOVERFLOW: i32 = -75;

#[test]
fn dh_generic() {
    let Some((k, _g)) = kernel() else { return };
    let mut rng = StdRng::seed_from_u64(2631);
    let tfm = Kpp::new("dh").unwrap();
    assert_eq!(tfm.driver(), "dh-generic");
    assert_eq!(tfm.module(), None);
    for i in 0..N {
        // p: 1536 to 4096 bits, sometimes with leading zero bytes (still
        // at least 1536 bits of buffer, which is what Linux checks).
        // (mostly 1536 to 2048 bits: the references' modpow is slow)
        let plen = if i % 20 == 0 { rng.gen_range(257..=512) } else { rng.gen_range(192..=256) };
        let mut p = bytes(&mut rng, plen);
        let lz = if rng.gen_bool(0.2) { rng.gen_range(1..9) } else { 0 };
        p[..lz].fill(0);
        if p.iter().all(|&b| b == 0) {
            p[plen - 1] = 1;
        }
        let key = { let n = rng.gen_range(0..=plen); bytes(&mut rng, n) };
        let g = { let n = rng.gen_range(1..=plen.min(8)); bytes(&mut rng, n) };
        tfm.set_secret(&dh_encode(&DhParams { key: key.clone(), p: p.clone(), g: g.clone() }))
            .unwrap_or_else(|e| panic!("#{i}: set_secret {e}"));
        let (pn, kn, gn) = (BigUint::from_bytes_be(&p), BigUint::from_bytes_be(&key), BigUint::from_bytes_be(&g));
        let ms = tfm.max_size().unwrap();
        assert_eq!(ms, limbs(&pn), "#{i}: max_size");
        // The public key: g^key mod p, in a buffer of max_size or more
        // bytes (zero-padded on the left), random layouts.
        let want = gn.modpow(&kn, &pn);
        let out_len = ms + if rng.gen_bool(0.3) { rng.gen_range(1..40) } else { 0 };
        let got = tfm.request(None, out_len, &layout(&mut rng, out_len)).unwrap();
        assert_eq!(got, be_padded(&want, out_len), "#{i}: public key");
        // The shared secret with a peer value 2 <= y < p.
        let y = BigUint::from_bytes_be(&bytes(&mut rng, plen)) % (&pn - 2u32) + 2u32;
        let ylen = limbs(&y).max(1) + rng.gen_range(0..4);
        let yb = be_padded(&y, ylen);
        let got = tfm.request(Some(&yb), ms, &layout(&mut rng, ms)).unwrap();
        assert_eq!(got, be_padded(&y.modpow(&kn, &pn), ms), "#{i}: shared secret");
        // Out of range peer values: -EINVAL; a buffer smaller than the
        // value's limbs: -EOVERFLOW.
        let bad = [BigUint::from(0u32), BigUint::from(1u32), pn.clone(), &pn + 1u32];
        let b = &bad[rng.gen_range(0..bad.len())];
        assert_eq!(tfm.shared_secret(&be_padded(b, plen + 1), ms).err().and_then(|e| e.errno()), Some(EINVAL), "#{i}: {b}");
        if i % 10 == 0 && limbs(&want) > 0 {
            assert_eq!(tfm.request(None, limbs(&want) - 1, &Layout::default()).err().and_then(|e| e.errno()), Some(EOVERFLOW));
        }
    }
    // Parameters refused with -EINVAL: p under 1536 bits, key or g longer
    // than p, p zero, a secret of the wrong type or length.
    let good = DhParams { key: vec![5; 10], p: vec![0xc3; 192], g: vec![2] };
    let cases = [
        DhParams { p: vec![0xff; 191], ..good.clone() },
        DhParams { key: vec![1; 193], ..good.clone() },
        DhParams { g: vec![1; 193], ..good.clone() },
        DhParams { p: vec![0; 192], ..good.clone() },
    ];
    for c in &cases {
        assert_eq!(tfm.set_secret(&dh_encode(c)).err().and_then(|e| e.errno()), Some(EINVAL));
    }
    let mut wrong = dh_encode(&good);
    wrong[0] = 2;
    assert_eq!(tfm.set_secret(&wrong).err().and_then(|e| e.errno()), Some(EINVAL));
    let short = dh_encode(&good);
    assert_eq!(tfm.set_secret(&short[..short.len() - 1]).err().and_then(|e| e.errno()), Some(EINVAL));
    // After a failed set_secret the context is cleared: no key, -EINVAL.
    assert_eq!(tfm.public_key().err().and_then(|e| e.errno()), Some(EINVAL));
    // Two parties agree (RFC 3526's 1536-bit MODP group, g = 2).
    let modp1536 = BigUint::parse_bytes(
        b"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF",
        16,
    )
    .unwrap();
    let b = Kpp::new("dh-generic").unwrap();
    for _ in 0..20 {
        let (ka, kb) = (bytes(&mut rng, 32), bytes(&mut rng, 32));
        let pb = modp1536.to_bytes_be();
        tfm.set_secret(&dh_encode(&DhParams { key: ka, p: pb.clone(), g: vec![2] })).unwrap();
        b.set_secret(&dh_encode(&DhParams { key: kb, p: pb, g: vec![2] })).unwrap();
        let (ya, yb) = (tfm.public_key().unwrap(), b.public_key().unwrap());
        assert_eq!(tfm.shared_secret(&yb, 192).unwrap(), b.shared_secret(&ya, 192).unwrap());
    }
    // Listed as vmlinux's, self-tested.
    let pc = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    let blk = pc.split("\n\n").find(|b| b.contains("driver       : dh-generic\n")).expect("listed");
    assert_eq!(
        blk.trim_end(),
        "name         : dh\ndriver       : dh-generic\nmodule       : kernel\npriority     : 100\nrefcnt       : 3\nselftest     : passed\ninternal     : no\ntype         : kpp"
    );
}

/// The dh_helper exports module code calls (intel_qat decodes keys):
/// `crypto_dh_encode_key` packs a `struct dh` byte for byte as the
/// host's encoder, `crypto_dh_decode_key` points into the buffer.
#[test]
fn dh_helper_exports() {
    use kabi::crypto::dh_helper::{crypto_dh_decode_key, crypto_dh_encode_key, crypto_dh_key_len};
    let mut rng = StdRng::seed_from_u64(7919);
    for _ in 0..N {
        let p = { let n = rng.gen_range(1..300); bytes(&mut rng, n) };
        let params = DhParams { key: { let n = rng.gen_range(0..=p.len()); bytes(&mut rng, n) }, g: { let n = rng.gen_range(0..=p.len()); bytes(&mut rng, n) }, p };
        // struct dh { const void *key, *p, *g; unsigned int key_size, p_size, g_size; }
        let mut d = [0u64; 5];
        d[0] = params.key.as_ptr() as u64;
        d[1] = params.p.as_ptr() as u64;
        d[2] = params.g.as_ptr() as u64;
        d[3] = params.key.len() as u64 | (params.p.len() as u64) << 32;
        d[4] = params.g.len() as u64;
        let want = dh_encode(&params);
        let len = crypto_dh_key_len(d.as_ptr() as u64);
        assert_eq!(len as usize, want.len());
        let mut buf = vec![0u8; want.len()];
        assert_eq!(crypto_dh_encode_key(buf.as_mut_ptr() as u64, len, d.as_ptr() as u64), 0);
        assert_eq!(buf, want);
        let mut big = vec![0u8; want.len() + 1];
        assert_eq!(crypto_dh_encode_key(big.as_mut_ptr() as u64, len + 1, d.as_ptr() as u64), EINVAL);
        assert_eq!(crypto_dh_encode_key(big.as_mut_ptr() as u64, 0, d.as_ptr() as u64), EINVAL);
        let mut out = [0u64; 5];
        let rc = crypto_dh_decode_key(buf.as_ptr() as u64, len, out.as_mut_ptr() as u64);
        if params.p.iter().all(|&b| b == 0) {
            assert_eq!(rc, EINVAL);
            continue;
        }
        assert_eq!(rc, 0);
        let base = buf.as_ptr() as u64 + 16;
        assert_eq!(out[0], base);
        assert_eq!(out[1], base + params.key.len() as u64);
        assert_eq!(out[2], base + (params.key.len() + params.p.len()) as u64);
        assert_eq!(out[3], d[3]);
        assert_eq!(out[4] as u32, params.g.len() as u32);
        let mut bad = buf.clone();
        bad[0] = 2;
        assert_eq!(crypto_dh_decode_key(bad.as_ptr() as u64, len, out.as_mut_ptr() as u64), EINVAL);
        assert_eq!(crypto_dh_decode_key(buf.as_ptr() as u64, 15, out.as_mut_ptr() as u64), EINVAL);
    }
}

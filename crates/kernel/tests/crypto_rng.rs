//! Debian's random number generators computing in the host (issue 10):
//! drbg.ko's 22 SP 800-90A variants and ansi_cprng.ko's X9.31 generators
//! through the host's rng frontend (`crypto_alloc_rng`, the algorithm's
//! `set_ent`/`seed`/`generate` as `crypto_drbg_reset_test`,
//! `crypto_rng_reset` and `crypto_rng_generate` call them), compared with
//! independent implementations of the standards
//! (`kabi::crypto::refrng`, themselves checked against NIST's CAVP
//! vectors) on random entropy, personalization strings, additional inputs
//! and output lengths; jitterentropy_rng and the seeding of a drbg from
//! it; the `/proc/crypto` rng blocks; the default rng's reference count.

mod common;

use common::{crypto_block as block, kernel, load, loaded, log_since, proc_crypto, random_bytes as bytes, with_modprobe};
use kabi::crypto::refrng::{Drbg, Mech, X931};
use kabi::crypto::user::{self, CryptoError, Rng};
use rand::{rngs::StdRng, Rng as _, SeedableRng};

/// Random cases per algorithm.
const N: usize = 1000;

const EINVAL: i32 = -22;

/// drbg.ko's variants in registration order (drbg_cores: CTR, Hash,
/// HMAC; the prediction-resistance ones first), priorities 200 upwards:
/// drbg_nopr_hmac_sha512 is the default stdrng.
const DRBG_CORES: [&str; 11] = [
    "ctr_aes128",
    "ctr_aes192",
    "ctr_aes256",
    "sha1",
    "sha384",
    "sha512",
    "sha256",
    "hmac_sha1",
    "hmac_sha384",
    "hmac_sha256",
    "hmac_sha512",
];

fn drbg_drivers() -> Vec<String> {
    ["drbg_pr_", "drbg_nopr_"]
        .iter()
        .flat_map(|p| DRBG_CORES.iter().map(move |c| format!("{p}{c}")))
        .collect()
}





/// The kernel with modprobe answering request_module, and drbg,
/// ansi_cprng and jitterentropy_rng loaded (their self-tests clean).
fn setup() -> Option<(&'static kernel::Kernel, std::sync::MutexGuard<'static, ()>)> {
    let (k, g) = kernel()?;
    with_modprobe(k);
    for m in ["drbg", "ansi_cprng", "jitterentropy_rng"] {
        if loaded(k, m) {
            continue;
        }
        let seq = kabi::log::next_seq();
        assert!(load(k, &[m]), "{m}");
        let log = log_since(seq);
        assert!(!log.iter().any(|l| l.starts_with("alg: ") && !l.starts_with("alg: No test")), "{m}: {log:#?}");
    }
    Some((k, g))
}


fn errno(r: Result<Vec<u8>, CryptoError>) -> Option<i32> {
    r.err().and_then(|e| e.errno())
}



/// Every drbg variant through drbg.ko's ops vs SP 800-90A: `N` random
/// cases of test entropy (with the nonce) and personalization string
/// (instantiate), then 1..3 generate requests of 1..600 bytes (odd ones
/// included) with random additional inputs — with prediction
/// resistance each request reseeds from fresh test entropy and the
/// additional input; a second `crypto_rng_reset` of an instantiated DRBG
/// is a reseed with the personalization string; a request of 0 bytes is
/// -EINVAL and changes nothing (drbg_generate's check).
#[test]
fn drbg_vs_sp800_90a() {
    let Some((_k, _g)) = setup() else { return };
    let mut rng = StdRng::seed_from_u64(0x5eed_90a);
    for driver in drbg_drivers() {
        let (mech, pr) = Mech::of_driver(&driver).unwrap();
        let mut compared = 0usize;
        for case in 0..N {
            let mut t = Rng::new(&driver).unwrap_or_else(|e| panic!("{driver}: {e}"));
            assert_eq!(t.driver(), driver);
            assert_eq!(t.seedsize(), 0);
            let ent = { let n = 16 + rng.gen_range(0..65); bytes(&mut rng, n) };
            let pers = { let n = if rng.gen_bool(0.3) { 0 } else { rng.gen_range(0..80) }; bytes(&mut rng, n) };
            t.set_ent(&ent).unwrap();
            t.reset(Some(&pers)).unwrap_or_else(|e| panic!("{driver} case {case}: reset: {e}"));
            let mut d = Drbg::instantiate(mech, &[&ent[..], &pers].concat());
            if case % 50 == 7 {
                // crypto_rng_reset of an instantiated DRBG: a reseed.
                let ent2 = { let n = 16 + rng.gen_range(0..49); bytes(&mut rng, n) };
                let pers2 = { let n = rng.gen_range(0..40); bytes(&mut rng, n) };
                t.set_ent(&ent2).unwrap();
                t.reset(Some(&pers2)).unwrap();
                d.reseed(&ent2, &pers2);
            }
            if case % 100 == 3 {
                assert_eq!(errno(t.generate(0)), Some(EINVAL), "{driver}: 0 bytes");
            }
            for req in 0..rng.gen_range(1..4) {
                let addtl = { let n = if rng.gen_bool(0.4) { 0 } else { rng.gen_range(0..80) }; bytes(&mut rng, n) };
                let n = rng.gen_range(1..=600);
                let want = if pr {
                    let e = { let n = 16 + rng.gen_range(0..49); bytes(&mut rng, n) };
                    t.set_ent(&e).unwrap();
                    d.reseed(&e, &addtl);
                    d.generate(n, &[])
                } else {
                    d.generate(n, &addtl)
                };
                let got = t
                    .generate_addtl(&addtl, n)
                    .unwrap_or_else(|e| panic!("{driver} case {case} request {req}: {e}"));
                assert_eq!(got, want, "{driver} case {case} request {req}: {n} bytes, {}-byte addtl", addtl.len());
                compared += 1;
            }
        }
        eprintln!("{driver}: {N} instantiations, {compared} requests agree with SP 800-90A");
    }
}

/// ansi_cprng and fips_ansi_cprng vs ANSI X9.31 (AES-128): `N` random
/// seeds (V || key || DT, or V || key with DT zero), each followed by
/// requests of random lengths (1..100 bytes) that take consecutive bytes
/// of the generator's stream. A new transform must be reset first
/// (-EINVAL until then), and a seed under 32 bytes is -EINVAL.
#[test]
fn ansi_cprng_vs_x931() {
    let Some((k, _g)) = setup() else { return };
    let mut rng = StdRng::seed_from_u64(0x931);
    for driver in ["ansi_cprng", "fips_ansi_cprng"] {
        let t = Rng::new(driver).unwrap_or_else(|e| panic!("{driver}: {e}"));
        assert_eq!(t.driver(), driver);
        assert_eq!(t.module().as_deref(), Some("ansi_cprng"));
        assert_eq!(t.seedsize(), 48);
        assert_eq!(errno(t.generate(16)), Some(EINVAL), "{driver}: unseeded");
        assert_eq!(t.reset(Some(&[1; 31])).err().and_then(|e| e.errno()), Some(EINVAL));
        let mut total = 0;
        for case in 0..N {
            let with_dt = case % 4 != 3;
            let mut seed = bytes(&mut rng, if with_dt { 48 } else { 32 });
            if seed[..16] == seed[16..32] {
                seed[0] ^= 1; // fips_ansi_cprng refuses V == key
            }
            t.reset(Some(&seed)).unwrap_or_else(|e| panic!("{driver} case {case}: {e}"));
            let dt = if with_dt { seed[32..].to_vec() } else { vec![0; 16] };
            let mut x = X931::new(&seed[..16], &seed[16..32], &dt);
            for _ in 0..rng.gen_range(1..5) {
                let n = rng.gen_range(1..100);
                assert_eq!(t.generate(n).unwrap(), x.bytes(n), "{driver} case {case}: {n} bytes");
                total += n;
            }
        }
        eprintln!("{driver}: {N} seeds, {total} bytes agree with X9.31");
        let b = block(&proc_crypto(k), driver).unwrap();
        assert!(b.contains("selftest     : passed\n"), "{b}");
    }
    // fips_ansi_cprng: V == key is refused (FIPS' condition on the seed).
    let t = Rng::new("fips_ansi_cprng").unwrap();
    let mut seed = vec![5u8; 48];
    seed[32..].fill(9);
    assert_eq!(t.reset(Some(&seed)).err().and_then(|e| e.errno()), Some(EINVAL));
}

fn refcnt(k: &kernel::Kernel, driver: &str) -> u32 {
    let b = block(&proc_crypto(k), driver).unwrap_or_else(|| panic!("{driver}"));
    b.lines()
        .find_map(|l| l.strip_prefix("refcnt       : "))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// jitterentropy_rng produces varying output, and a drbg seeded as a
/// kernel user seeds it (`crypto_rng_reset(tfm, NULL, 0)`, no test
/// entropy) takes a Jitter RNG transform for its entropy (drbg_prepare_hrng)
/// that it holds while it lives; two such drbgs differ.
#[test]
fn jitterentropy_seeds_drbg() {
    let Some((k, _g)) = setup() else { return };
    let j = Rng::new("jitterentropy_rng").unwrap();
    assert_eq!(j.driver(), "jitterentropy_rng");
    assert_eq!(j.seedsize(), 0);
    j.reset(None).unwrap();
    let a = j.generate(64).unwrap();
    let b = j.generate(64).unwrap();
    let c = j.generate(17).unwrap();
    assert_eq!((a.len(), c.len()), (64, 17));
    assert_ne!(a, b);
    assert!(a.iter().any(|&x| x != a[0]) && b.iter().any(|&x| x != b[0]), "{a:?} {b:?}");
    drop(j);

    let before = refcnt(k, "jitterentropy_rng");
    let d1 = Rng::new("drbg_nopr_hmac_sha256").unwrap();
    d1.reset(None).unwrap();
    assert_eq!(refcnt(k, "jitterentropy_rng"), before + 1, "the drbg holds a Jitter RNG transform");
    let d2 = Rng::new("drbg_pr_ctr_aes256").unwrap();
    d2.reset(None).unwrap();
    assert_eq!(refcnt(k, "jitterentropy_rng"), before + 2);
    let x = d1.generate(100).unwrap();
    let y = d1.generate(100).unwrap();
    let z = d2.generate(100).unwrap();
    assert!(x != y && x != z && y != z);
    drop((d1, d2));
    assert_eq!(refcnt(k, "jitterentropy_rng"), before);
}

/// The rng blocks of /proc/crypto as Linux 6.1 prints them: drbg's 22
/// variants newest first (priorities 221 down to 200), ansi_cprng's two,
/// jitterentropy_rng; every one self-tested ("passed", as on Linux).
#[test]
fn proc_crypto_rng_blocks() {
    let Some((k, _g)) = setup() else { return };
    let p = proc_crypto(k);
    let drbgs: Vec<String> = p
        .split("\n\n")
        .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("driver       : ")).map(str::to_string))
        .filter(|d| d.starts_with("drbg_"))
        .collect();
    let mut want = drbg_drivers();
    want.reverse();
    assert_eq!(drbgs, want);
    for (i, d) in want.iter().enumerate() {
        let b = block(&p, d).unwrap();
        assert_eq!(
            b,
            format!(
                "name         : stdrng\ndriver       : {d}\nmodule       : drbg\npriority     : {}\nrefcnt       : 1\nselftest     : passed\ninternal     : no\ntype         : rng\nseedsize     : 0\n",
                221 - i
            )
        );
    }
    assert_eq!(
        block(&p, "ansi_cprng").unwrap(),
        "name         : stdrng\ndriver       : ansi_cprng\nmodule       : ansi_cprng\npriority     : 100\nrefcnt       : 1\nselftest     : passed\ninternal     : no\ntype         : rng\nseedsize     : 48\n"
    );
    assert_eq!(
        block(&p, "fips_ansi_cprng").unwrap(),
        "name         : fips(ansi_cprng)\ndriver       : fips_ansi_cprng\nmodule       : ansi_cprng\npriority     : 300\nrefcnt       : 1\nselftest     : passed\ninternal     : no\ntype         : rng\nseedsize     : 48\n"
    );
    let j = block(&p, "jitterentropy_rng").unwrap();
    assert!(j.starts_with("name         : jitterentropy_rng\ndriver       : jitterentropy_rng\nmodule       : jitterentropy_rng\npriority     : 100\n"), "{j}");
    assert!(j.ends_with("selftest     : passed\ninternal     : no\ntype         : rng\nseedsize     : 0\n"), "{j}");
}

/// The default rng: "stdrng" (drbg_nopr_hmac_sha512, the highest
/// priority) allocated and seeded by the first `crypto_get_default_rng`,
/// counted per user; `crypto_del_default_rng` is -EBUSY while referenced
/// and frees it after.
#[test]
fn default_rng_refcount() {
    let Some((_k, _g)) = setup() else { return };
    let (n0, _) = user::default_rng_state();
    assert_eq!(n0, 0);
    user::get_default_rng().unwrap();
    assert_eq!(user::default_rng_state(), (1, true));
    user::get_default_rng().unwrap();
    assert_eq!(user::default_rng_state(), (2, true));
    assert_eq!(user::del_default_rng(), -16);
    let (driver, a) = user::default_rng_bytes(48).unwrap();
    assert_eq!(driver, "drbg_nopr_hmac_sha512");
    let (_, b) = user::default_rng_bytes(48).unwrap();
    assert_eq!((a.len(), b.len()), (48, 48));
    assert_ne!(a, b);
    assert_eq!(user::default_rng_state(), (2, true));
    user::put_default_rng();
    user::put_default_rng();
    assert_eq!(user::default_rng_state(), (0, true));
    assert_eq!(user::del_default_rng(), 0);
    assert_eq!(user::default_rng_state(), (0, false));
    // Deleting none is fine too.
    assert_eq!(user::del_default_rng(), 0);
}

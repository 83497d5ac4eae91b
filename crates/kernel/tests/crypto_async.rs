//! Asynchronous crypto in the host: Debian's pcrypt.ko (the `pcrypt`
//! template over vmlinux's padata, kernel/padata.c in the host) with many
//! requests in flight from several host threads, compared with RustCrypto
//! and checked for padata's serialization order.

mod common;

use common::{crypto_block, kernel, load, loaded, log_since, proc_crypto, random_bytes as bytes, with_modprobe};
use kabi::crypto::user::{Aead, CryptoError, Layout};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Random requests compared per case.
const N: usize = 1000;
const AES_KEYS: &[usize] = &[16, 24, 32];







fn gcm_ref(key: &[u8], iv: &[u8], aad: &[u8], data: &[u8]) -> Vec<u8> {
    use aes_gcm::aead::{Aead as _, KeyInit, Payload};
    let p = Payload { msg: data, aad };
    let n = aes_gcm::Nonce::from_slice(iv);
    match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key).unwrap().encrypt(n, p).unwrap(),
        24 => aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key).unwrap().encrypt(n, p).unwrap(),
        _ => aes_gcm::Aes256Gcm::new_from_slice(key).unwrap().encrypt(n, p).unwrap(),
    }
}

/// A random length: empty, short, around block and page sizes, long.
fn draw_len(rng: &mut StdRng) -> usize {
    match rng.gen_range(0..6) {
        0 => 0,
        1 => rng.gen_range(1..16),
        2 => 16 * rng.gen_range(1..8),
        3 => rng.gen_range(17..600),
        4 => 4096 + rng.gen_range(0..3) * 7,
        _ => rng.gen_range(600..9000),
    }
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

/// `n` random AES-GCM requests (all key sizes, every length class, random
/// scatterlist layouts) through `tfm` against `aes-gcm`: each encryption
/// compared, decrypted back, and a flipped bit rejected with -EBADMSG.
fn check_gcm(tfm: &Aead, seed: u64, n: usize) {
    assert_eq!(tfm.ivsize(), 12);
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..n {
        let klen = AES_KEYS[i % 3];
        let key = bytes(&mut rng, klen);
        tfm.setkey(&key).unwrap();
        let iv = bytes(&mut rng, 12);
        let aad_len = if rng.gen_bool(0.2) { 0 } else { rng.gen_range(0..100) };
        let aad = bytes(&mut rng, aad_len);
        let len = draw_len(&mut rng);
        let data = bytes(&mut rng, len);
        let layout = rand_layout(&mut rng, aad_len + len);
        let ct = tfm.encrypt(&iv, &aad, &data, &layout).unwrap_or_else(|e| panic!("enc {len} {layout:?}: {e}"));
        assert!(ct == gcm_ref(&key, &iv, &aad, &data), "gcm enc len {len} aad {aad_len} key {klen} {layout:?}");
        let pt = tfm.decrypt(&iv, &aad, &ct, &layout).unwrap_or_else(|e| panic!("dec {len}: {e}"));
        assert_eq!(pt, data);
        let mut bad = ct.clone();
        let bit = rng.gen_range(0..bad.len() * 8);
        bad[bit / 8] ^= 1 << (bit % 8);
        let r = tfm.decrypt(&iv, &aad, &bad, &layout);
        assert_eq!(r.unwrap_err(), CryptoError::Errno { op: "decrypt", errno: -74 }, "tampered bit {bit}");
    }
}

/// Batches of requests in flight at once on one transform (one key per
/// batch): every result right, and the completions (padata's serial
/// callbacks) in the order the requests were issued.
fn check_in_flight(tfm: &Aead, seed: u64, batches: usize, per_batch: usize) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut done = 0;
    for b in 0..batches {
        let key = bytes(&mut rng, AES_KEYS[b % 3]);
        tfm.setkey(&key).unwrap();
        let mut reqs = Vec::new();
        for _ in 0..per_batch {
            let iv = bytes(&mut rng, 12);
            let aad = { let n = rng.gen_range(0..40); bytes(&mut rng, n) };
            let data = { let n = draw_len(&mut rng); bytes(&mut rng, n) };
            let want = gcm_ref(&key, &iv, &aad, &data);
            // Every fourth one decrypts (a tampered one every eighth).
            let (enc, input, expect): (bool, Vec<u8>, Result<Vec<u8>, i32>) = match reqs.len() % 8 {
                3 => (false, want.clone(), Ok(data.clone())),
                7 => {
                    let mut bad = want.clone();
                    let bit = rng.gen_range(0..bad.len() * 8);
                    bad[bit / 8] ^= 1 << (bit % 8);
                    (false, bad, Err(-74))
                }
                _ => (true, data.clone(), Ok(want)),
            };
            let p = tfm.submit(enc, &iv, &aad, &input).expect("submit");
            assert_eq!(p.issued(), -115, "pcrypt answers -EINPROGRESS");
            reqs.push((p, expect));
        }
        // Encryptions and decryptions go through pcrypt's two padata
        // instances (pencrypt, pdecrypt): each keeps its own order.
        let mut last = [0u64; 2];
        for (i, (p, expect)) in reqs.into_iter().enumerate() {
            let dir = usize::from(i % 8 == 3 || i % 8 == 7);
            match (p.wait(), expect) {
                (Ok((out, n)), Ok(want)) => {
                    assert!(out == want, "batch {b} request {i}: wrong output");
                    assert!(n > last[dir], "batch {b} request {i}: completion {n} after {}", last[dir]);
                    last[dir] = n;
                }
                (Err(CryptoError::Errno { errno: -74, .. }), Err(-74)) => {}
                (got, want) => panic!("batch {b} request {i}: {:?} want {want:?}", got.map(|g| g.1)),
            }
            done += 1;
        }
    }
    done
}


/// pcrypt over gcm(aes): the instance from the template (loaded through
/// `crypto-pcrypt`), its padata instances and sysfs, requests compared
/// one at a time and many in flight from several threads, /proc/crypto,
/// and pcrypt's unload after its transforms are freed.
#[test]
fn pcrypt_gcm() {
    let Some((k, _g)) = kernel() else { return };
    with_modprobe(k);
    assert!(load(k, &["cryptd", "crypto_simd", "aesni-intel"]));
    let seq = kabi::log::next_seq();
    // The child named by driver: the instance's driver name is
    // "pcrypt(<child driver>)", which is what the lookup asked for.
    let child = Aead::new("gcm(aes)").unwrap_or_else(|e| panic!("gcm(aes): {e} {:#?}", log_since(seq)));
    let child_driver = child.driver();
    drop(child);
    let name = format!("pcrypt({child_driver})");
    let tfm = Aead::new(&name).unwrap_or_else(|e| panic!("{name}: {e} {:#?}", log_since(seq)));
    eprintln!("pcrypt over {child_driver}: {} {:?}", tfm.driver(), tfm.module());
    assert_eq!(tfm.driver(), name);
    assert_eq!(tfm.module().as_deref(), Some("pcrypt"));
    // padata: pcrypt's two instances, in sysfs under its kset.
    let mut insts: Vec<String> = kabi::kernel::padata::instances().into_iter().map(|i| i.0).collect();
    insts.sort();
    assert_eq!(insts, ["pdecrypt", "pencrypt"]);
    for d in ["pencrypt", "pdecrypt"] {
        for f in ["parallel_cpumask", "serial_cpumask"] {
            let v = k.read_view(&format!("/sys/kernel/pcrypt/{d}/{f}")).unwrap_or_else(|e| panic!("{d}/{f}: {e:?}"));
            assert_eq!(String::from_utf8_lossy(&v), "f\n", "{d}/{f}");
        }
    }
    check_gcm(&tfm, 11, N);
    // Several threads, each with its own transform (their callback CPUs
    // spread over the CPUs), batches of requests in flight.
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|t| {
                let name = name.clone();
                s.spawn(move || {
                    let tfm = Aead::new(&name).expect("pcrypt tfm");
                    check_in_flight(&tfm, 100 + t, 8, 40)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    assert_eq!(total, 4 * 8 * 40);
    // Several threads on one transform: each thread's batch in order.
    tfm.setkey(&[7u8; 16]).unwrap();
    let shared = &tfm;
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3).map(|t| s.spawn(move || check_in_flight_same_key(shared, 200 + t))).collect();
        hs.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    assert_eq!(total, 3 * 100);
    eprintln!("padata: {} objects finished their parallel part out of order (reordered)", kabi::kernel::padata::out_of_order());
    // /proc/crypto: the instance has the child's name and priority + 100.
    let blk = crypto_block(&proc_crypto(k), &name).expect("pcrypt instance in /proc/crypto");
    let child_blk = crypto_block(&proc_crypto(k), &child_driver).expect("child in /proc/crypto");
    let field = |b: &str, f: &str| b.lines().find_map(|l| l.strip_prefix(&format!("{f:<13}: "))).map(str::to_string);
    assert_eq!(field(&blk, "name").as_deref(), Some("gcm(aes)"), "{blk}");
    assert_eq!(field(&blk, "module").as_deref(), Some("pcrypt"), "{blk}");
    let prio = |b: &str| field(b, "priority").and_then(|p| p.parse::<i32>().ok()).unwrap();
    assert_eq!(prio(&blk), prio(&child_blk) + 100, "{blk}");
    for (f, v) in [("type", "aead"), ("async", "yes"), ("blocksize", "1"), ("ivsize", "12"), ("maxauthsize", "16"), ("selftest", "passed"), ("internal", "no")] {
        assert_eq!(field(&blk, f).as_deref(), Some(v), "{f}: {blk}");
    }
    eprintln!("{blk}");
    // The instance is now the best "gcm(aes)".
    let best = Aead::new("gcm(aes)").unwrap();
    assert_eq!(best.driver(), name);
    drop(best);
    // By the child's algorithm name the lookup has no answer, as on Linux:
    // the instance made for "pcrypt(gcm(aes))" is named "gcm(aes)" and
    // driver-named pcrypt(<child driver>), so it satisfies neither name of
    // the request (-ENOENT). The child was the best gcm(aes), the pcrypt
    // instance above: the new instance nests (pcrypt(pcrypt(..)), as Linux
    // allows since per-instance padata queues).
    let by_name = Aead::new("pcrypt(gcm(aes))").map(|t| t.driver());
    assert_eq!(by_name.err().and_then(|e| e.errno()), Some(-2));
    let nested = format!("pcrypt({name})");
    assert!(crypto_block(&proc_crypto(k), &nested).is_some(), "{nested} registered");
    drop(tfm);
    // Unload: the instance goes with the template; padata's instances
    // and sysfs directory with the module.
    let seq = kabi::log::next_seq();
    k.delete_module("pcrypt", 0).unwrap_or_else(|e| panic!("rmmod pcrypt: {e:?} {:#?}", log_since(seq)));
    assert!(!loaded(k, "pcrypt"));
    assert!(kabi::kernel::padata::instances().is_empty());
    assert!(k.read_view("/sys/kernel/pcrypt/pencrypt/serial_cpumask").is_err());
    assert!(crypto_block(&proc_crypto(k), &name).is_none());
    assert!(crypto_block(&proc_crypto(k), &nested).is_none());
    let log = log_since(seq);
    assert!(!log.iter().any(|l| l.contains("WARNING") || l.contains("BUG")), "{log:#?}");
}

/// pcrypt over rfc4106(gcm(aes)), the IPsec ESP case pcrypt exists for:
/// the child by driver name (aesni's rfc4106 through its SIMD wrapper),
/// N random requests — keys of 16/24/32 bytes plus the 4-byte salt, ESP
/// associated data of 8 or 12 bytes followed by the 8-byte IV (which
/// assoclen covers), every length class and random layouts — against
/// aes-gcm with the salt and IV as nonce; decrypted back, a flipped bit
/// -EBADMSG; an assoclen RFC 4106 does not allow -EINVAL (aesni's check);
/// batches in flight from threads, completions in submission order.
#[test]
fn pcrypt_rfc4106() {
    let Some((k, _g)) = kernel() else { return };
    with_modprobe(k);
    assert!(load(k, &["cryptd", "crypto_simd", "aesni-intel"]));
    let seq = kabi::log::next_seq();
    let child = Aead::new("rfc4106(gcm(aes))").unwrap_or_else(|e| panic!("rfc4106(gcm(aes)): {e} {:#?}", log_since(seq)));
    let name = format!("pcrypt({})", child.driver());
    drop(child);
    let tfm = Aead::new(&name).unwrap_or_else(|e| panic!("{name}: {e} {:#?}", log_since(seq)));
    assert_eq!(tfm.driver(), name);
    assert_eq!(tfm.module().as_deref(), Some("pcrypt"));
    assert_eq!(tfm.ivsize(), 8);
    let mut rng = StdRng::seed_from_u64(4106);
    let request = |rng: &mut StdRng, key: &[u8]| {
        let kl = key.len() - 4;
        let iv = bytes(rng, 8);
        let esp = { let n = if rng.gen_bool(0.5) { 8 } else { 12 }; bytes(rng, n) };
        let mut aad = esp.clone();
        aad.extend_from_slice(&iv);
        let data = { let n = draw_len(rng); bytes(rng, n) };
        let mut nonce = key[kl..].to_vec();
        nonce.extend_from_slice(&iv);
        let want = gcm_ref(&key[..kl], &nonce, &esp, &data);
        (iv, aad, data, want)
    };
    for i in 0..N {
        let key = bytes(&mut rng, AES_KEYS[i % 3] + 4);
        tfm.setkey(&key).unwrap();
        let (iv, aad, data, want) = request(&mut rng, &key);
        let layout = rand_layout(&mut rng, aad.len() + data.len());
        let ct = tfm.encrypt(&iv, &aad, &data, &layout).unwrap_or_else(|e| panic!("enc {} {layout:?}: {e}", data.len()));
        assert!(ct == want, "rfc4106 enc len {} aad {} {layout:?}", data.len(), aad.len());
        let pt = tfm.decrypt(&iv, &aad, &ct, &layout).unwrap_or_else(|e| panic!("dec {}: {e}", data.len()));
        assert_eq!(pt, data);
        let mut bad = ct.clone();
        let bit = rng.gen_range(0..bad.len() * 8);
        bad[bit / 8] ^= 1 << (bit % 8);
        let r = tfm.decrypt(&iv, &aad, &bad, &layout);
        assert_eq!(r.unwrap_err(), CryptoError::Errno { op: "decrypt", errno: -74 }, "tampered bit {bit}");
    }
    // assoclen must be 16 or 20 (ESP header and IV).
    let key = bytes(&mut rng, 20);
    tfm.setkey(&key).unwrap();
    let r = tfm.encrypt(&[0; 8], &[0; 10], &[1, 2, 3], &Layout::default());
    assert_eq!(r.unwrap_err().errno(), Some(-22));
    // In flight from threads, one transform each.
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3u64)
            .map(|t| {
                let (name, request) = (name.clone(), &request);
                s.spawn(move || {
                    let tfm = Aead::new(&name).expect("pcrypt tfm");
                    let mut rng = StdRng::seed_from_u64(300 + t);
                    let key = bytes(&mut rng, 36);
                    tfm.setkey(&key).unwrap();
                    let mut done = 0;
                    for _ in 0..4 {
                        let reqs: Vec<_> = (0..30)
                            .map(|_| {
                                let (iv, aad, data, want) = request(&mut rng, &key);
                                (tfm.submit(true, &iv, &aad, &data).expect("submit"), want)
                            })
                            .collect();
                        done += wait_in_order(reqs);
                    }
                    done
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    assert_eq!(total, 3 * 4 * 30);
    let blk = crypto_block(&proc_crypto(k), &name).expect("pcrypt instance in /proc/crypto");
    assert!(blk.contains("name         : rfc4106(gcm(aes))\n"), "{blk}");
    assert!(blk.contains("ivsize       : 8\n") && blk.contains("selftest     : passed\n"), "{blk}");
    drop(tfm);
    let seq = kabi::log::next_seq();
    k.delete_module("pcrypt", 0).unwrap_or_else(|e| panic!("rmmod pcrypt: {e:?} {:#?}", log_since(seq)));
    assert!(crypto_block(&proc_crypto(k), &name).is_none());
}

/// 100 requests from one thread on a transform other threads use too
/// (same key), in batches of 25 in flight.
fn check_in_flight_same_key(tfm: &Aead, seed: u64) -> usize {
    let key = [7u8; 16];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut done = 0;
    for _ in 0..4 {
        let mut reqs = Vec::new();
        for _ in 0..25 {
            let iv = bytes(&mut rng, 12);
            let aad = { let n = rng.gen_range(0..20); bytes(&mut rng, n) };
            let data = { let n = draw_len(&mut rng); bytes(&mut rng, n) };
            let want = gcm_ref(&key, &iv, &aad, &data);
            reqs.push((tfm.submit(true, &iv, &aad, &data).expect("submit"), want));
        }
        done += wait_in_order(reqs);
    }
    done
}

/// Waits for encryptions issued in this order: each output right and the
/// completions (padata's serial callbacks) in issue order; how many.
fn wait_in_order(reqs: Vec<(kabi::crypto::user::Pending, Vec<u8>)>) -> usize {
    let mut last = 0;
    let n_reqs = reqs.len();
    for (p, want) in reqs {
        let (out, n) = p.wait().expect("request");
        assert!(out == want);
        assert!(n > last, "completion {n} after {last}");
        last = n;
    }
    n_reqs
}

// ---- crypto_engine ---------------------------------------------------------

fn aes_ref(mode: &str, key: &[u8], iv: &[u8], data: &[u8], enc: bool) -> Vec<u8> {
    use cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, StreamCipher};
    let mut out = data.to_vec();
    macro_rules! go {
        ($aes:ty) => {
            match (mode, enc) {
                ("ctr", _) => ctr::Ctr128BE::<$aes>::new_from_slices(key, iv).unwrap().apply_keystream(&mut out),
                ("cbc", true) => {
                    let mut c = cbc::Encryptor::<$aes>::new_from_slices(key, iv).unwrap();
                    for b in out.chunks_mut(16) {
                        c.encrypt_block_mut(cipher::generic_array::GenericArray::from_mut_slice(b));
                    }
                }
                _ => {
                    let mut c = cbc::Decryptor::<$aes>::new_from_slices(key, iv).unwrap();
                    for b in out.chunks_mut(16) {
                        c.decrypt_block_mut(cipher::generic_array::GenericArray::from_mut_slice(b));
                    }
                }
            }
        };
    }
    match key.len() {
        16 => go!(aes::Aes128),
        24 => go!(aes::Aes192),
        _ => go!(aes::Aes256),
    }
    out
}

/// The IV a request leaves behind (CBC: the last ciphertext block; CTR:
/// the counter after the last, partial, block).
fn next_iv(mode: &str, iv: &[u8], input: &[u8], output: &[u8], enc: bool) -> Vec<u8> {
    if input.is_empty() {
        return iv.to_vec();
    }
    match mode {
        "cbc" => (if enc { output } else { input })[input.len() - 16..].to_vec(),
        _ => {
            let n = input.len().div_ceil(16) as u128;
            (u128::from_be_bytes(iv.try_into().unwrap()).wrapping_add(n)).to_be_bytes().to_vec()
        }
    }
}

fn engine_requests(k: &kernel::Kernel) -> u64 {
    let v = k.read_view("/sys/module/cryptoengine/parameters/requests").expect("requests parameter");
    String::from_utf8_lossy(&v).trim().parse().unwrap()
}

/// A test driver on Debian's crypto_engine.ko (tests/modules/cryptoengine:
/// cbc(aes) and ctr(aes) handed to the engine, done by its kthread worker
/// with a fallback transform): random requests of every length class,
/// one at a time and many in flight from several threads, against
/// RustCrypto; the engine ran each; the module unloads (the engine's
/// worker stops) after the transforms are freed.
#[test]
fn crypto_engine_driver() {
    let Some((k, _g)) = kernel() else { return };
    with_modprobe(k);
    // The fallbacks: cbc(aes-aesni) and ctr(aes-aesni).
    assert!(load(k, &["cryptd", "crypto_simd", "aesni-intel", "ctr", "crypto_engine"]));
    let Some(m) = common::test_module("cryptoengine") else { return };
    let seq = kabi::log::next_seq();
    k.finit_module(&m, "", 0).unwrap_or_else(|e| panic!("cryptoengine: {e:?} {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert!(log.iter().any(|l| l.contains("cryptoengine: engine started, 2 algorithms")), "{log:#?}");
    // Registration self-tested both through the engine.
    let before = engine_requests(k);
    assert!(before > 0, "self-tests ran on the engine");
    let mut total = 0u64;
    for (mi, mode) in ["cbc", "ctr"].into_iter().enumerate() {
        let driver = format!("{mode}-aes-engtest");
        let tfm = kabi::crypto::user::Skcipher::new(&driver).unwrap_or_else(|e| panic!("{driver}: {e} {:#?}", log_since(seq)));
        assert_eq!(tfm.driver(), driver);
        assert_eq!(tfm.module().as_deref(), Some("cryptoengine"));
        let mut rng = StdRng::seed_from_u64(500 + mi as u64);
        let draw = |rng: &mut StdRng| {
            let n = draw_len(rng);
            if mode == "cbc" { n / 16 * 16 } else { n }
        };
        // One at a time, through the waiting API (random layouts).
        for i in 0..N {
            let key = bytes(&mut rng, AES_KEYS[i % 3]);
            tfm.setkey(&key).unwrap();
            let iv = bytes(&mut rng, 16);
            let n = draw(&mut rng);
            let data = bytes(&mut rng, n);
            let enc = rng.gen_bool(0.5);
            let want = aes_ref(mode, &key, &iv, &data, enc);
            let layout = rand_layout(&mut rng, n);
            let (got, iv_out) = tfm.crypt(enc, &iv, &data, &layout).unwrap_or_else(|e| panic!("{driver} {n}: {e}"));
            assert!(got == want, "{driver} len {n} enc {enc} {layout:?}");
            assert_eq!(iv_out, next_iv(mode, &iv, &data, &want, enc), "{driver} output IV, len {n}");
            total += 1;
        }
        // A CBC request not a multiple of the block size: -EINVAL from
        // the fallback, through the engine.
        if mode == "cbc" {
            let r = tfm.encrypt(&[0; 16], &[0; 17]);
            assert_eq!(r.err().and_then(|e| e.errno()), Some(-22));
            total += 1;
        }
        // Many in flight: 4 threads × 4 batches of 32, one transform each.
        let done: u64 = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4u64)
                .map(|t| {
                    let driver = driver.clone();
                    s.spawn(move || {
                        let tfm = kabi::crypto::user::Skcipher::new(&driver).expect("tfm");
                        let mut rng = StdRng::seed_from_u64(600 + t + 10 * mi as u64);
                        let mut done = 0;
                        for b in 0..4 {
                            let key = bytes(&mut rng, AES_KEYS[(b + t as usize) % 3]);
                            tfm.setkey(&key).unwrap();
                            let mut reqs = Vec::new();
                            for _ in 0..32 {
                                let iv = bytes(&mut rng, 16);
                                let n = draw(&mut rng);
                                let data = bytes(&mut rng, n);
                                let enc = rng.gen_bool(0.5);
                                let want = aes_ref(mode, &key, &iv, &data, enc);
                                let p = tfm.submit(enc, &iv, &data).expect("submit");
                                assert!(p.issued() == -115 || p.issued() == -16, "issued {}", p.issued());
                                reqs.push((p, want));
                            }
                            for (i, (p, want)) in reqs.into_iter().enumerate() {
                                let (out, n) = p.wait().unwrap_or_else(|e| panic!("batch {b} request {i}: {e}"));
                                assert!(out == want, "batch {b} request {i}");
                                assert!(n > 0);
                                done += 1;
                            }
                        }
                        done
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).sum()
        });
        assert_eq!(done, 4 * 4 * 32);
        total += done;
    }
    // Every request went through the engine's worker.
    assert_eq!(engine_requests(k) - before, total);
    let seq = kabi::log::next_seq();
    k.delete_module("cryptoengine", 0).unwrap_or_else(|e| panic!("rmmod cryptoengine: {e:?} {:#?}", log_since(seq)));
    k.delete_module("crypto_engine", 0).unwrap_or_else(|e| panic!("rmmod crypto_engine: {e:?} {:#?}", log_since(seq)));
    let pc = String::from_utf8(k.read_view("/proc/crypto").unwrap()).unwrap();
    assert!(!pc.contains("aes-engtest"));
    let log = log_since(seq);
    assert!(!log.iter().any(|l| l.contains("WARNING") || l.contains("BUG")), "{log:#?}");
    eprintln!("crypto_engine: {total} requests through the engine");
}

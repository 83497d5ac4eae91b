//! Crypto throughput benchmark: Debian's own crypto modules running in the
//! host kernel (through `kabi::crypto::user`, the host's crypto API, as a
//! kernel user drives them: scatterlists over kmalloc'd buffers, requests
//! waited for with `crypto_req_done`) against RustCrypto on the same data
//! in the same run. MB/s, median of 7 runs of at least 0.2 s each, on
//! 64 KiB messages and 1 KiB ones (the per-request cost).
//!
//! Two host columns: "kernel" is data already in kernel memory, processed
//! in place — as dm-crypt, fscrypt, IPsec or a checksumming file system
//! use the API, and as the crate processes its buffer; "copy" adds the
//! copies in and out of host memory that `modhost crypto` makes (like
//! AF_ALG's). The ratio is kernel / crate.
//!
//! cargo run --release -p kernel --example bench_crypto [FILTER [SIZE...]]

use std::time::{Duration, Instant};

use aes_gcm::aead::{AeadInPlace, KeyInit};
use cipher::{KeyIvInit, StreamCipher};
use kabi::crypto::user::{Aead, Flags, Hash, KernelBuf, Layout, Skcipher, CRYPTO_ALG_INTERNAL};

/// [`rate`] of one of the host's columns, or NaN when `BENCH_COLUMNS`
/// (e.g. `kernel` to profile that path alone) leaves it out.
fn rate_of(column: &str, bytes: usize, f: impl FnMut()) -> f64 {
    match std::env::var("BENCH_COLUMNS") {
        Ok(c) if !c.split(',').any(|w| w == column) => f64::NAN,
        _ => rate(bytes, f),
    }
}

/// MB/s of `f` over `bytes` per call: median of 7 runs.
fn rate(bytes: usize, mut f: impl FnMut()) -> f64 {
    let mut runs = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let mut n = 0usize;
        // The clock is read every 16 calls: a read costs about as much as
        // a small crate call, and would count against both sides.
        while t.elapsed() < Duration::from_millis(200) {
            for _ in 0..16 {
                f();
            }
            n += 16;
        }
        runs.push((n * bytes) as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    runs.sort_by(f64::total_cmp);
    runs[3]
}

fn module_path(f: &testkit::Fixtures, name: &str) -> std::path::PathBuf {
    let dir = testkit::moddir(f.var("AMD64_ROOT"), f.var("RELEASE"));
    testkit::find_file(&dir, &format!("{name}.ko")).unwrap_or_else(|| panic!("{name}.ko not in the tree"))
}

/// Loads a module of the tree after the modules it depends on.
fn load(k: &kernel::Kernel, f: &testkit::Fixtures, name: &str) {
    let loaded = String::from_utf8(k.read_view("/proc/modules").unwrap_or_default()).unwrap_or_default();
    if loaded.lines().any(|l| l.split(' ').next() == Some(name.replace('-', "_").as_str())) {
        return;
    }
    let path = module_path(f, name);
    let image = std::fs::read(&path).unwrap();
    let deps = kofile::Module::parse(&image)
        .ok()
        .and_then(|m| m.modinfo_get("depends").map(|d| String::from_utf8_lossy(d).into_owned()))
        .unwrap_or_default();
    for d in deps.split(',').filter(|d| !d.is_empty()) {
        load(k, f, d);
    }
    k.finit_module(&image, "", 0).unwrap_or_else(|e| panic!("{name}: {e:?}"));
}

fn main() {
    let f = testkit::Fixtures::load().expect("run scripts/fixtures.sh");
    let profile = kernel::boot::default_profile().expect("profile");
    let k: &'static kernel::Kernel = Box::leak(Box::new(kernel::Kernel::new(kernel::Config::from_profile(&profile)).unwrap()));
    k.make_current();
    for m in ["aesni-intel", "sha256-ssse3", "sha512-ssse3", "chacha-x86_64", "poly1305-x86_64", "crc32c-intel"] {
        load(k, &f, m);
    }
    let internal = Flags { ty: CRYPTO_ALG_INTERNAL, mask: CRYPTO_ALG_INTERNAL }.under_test();
    let key16 = [7u8; 16];
    let key32 = [9u8; 32];
    let iv12 = [1u8; 12];
    let iv16 = [2u8; 16];
    // `bench_crypto [FILTER]`: only the algorithms whose name contains FILTER.
    let filter = std::env::args().nth(1).unwrap_or_default().to_lowercase();
    let want = |n: &str| n.to_lowercase().contains(&filter);
    println!(
        "{:<20} {:<20} {:>6} {:>10} {:>10} {:>10} {:>6}",
        "algorithm", "host driver", "size", "kernel", "copy", "crate", "ratio"
    );
    // Then the sizes (bytes), 64 KiB and 1 KiB when none are given.
    let mut sizes: Vec<usize> = std::env::args().skip(2).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![65536, 1024];
    }
    for size in sizes {
        let data = vec![0x5au8; size];
        let l = Layout::default();
        let row = |alg: &str, driver: String, (kernel, copy): (f64, f64), theirs: f64| {
            println!("{alg:<20} {driver:<20} {size:>6} {kernel:>10.0} {copy:>10.0} {theirs:>10.0} {:>6.2}", kernel / theirs);
        };
        if want("AES-128-GCM") {
            // AES-128-GCM: aesni-intel's gcm(aes) vs aes-gcm
            let gcm = Aead::new("gcm(aes)").or_else(|_| Aead::with_flags("__generic-gcm-aesni", internal)).expect("gcm(aes)");
            gcm.setkey(&key16).unwrap();
            let mut kb = KernelBuf::new(size + 16).unwrap();
            kb.as_mut_slice()[..size].copy_from_slice(&data);
            let kernel = rate_of("kernel", size, || {
                gcm.crypt_in_place(true, &iv12, 0, size, &mut kb).unwrap();
            });
            let copy = rate_of("copy", size, || {
                gcm.encrypt(&iv12, &[], &data, &l).unwrap();
            });
            let rc = aes_gcm::Aes128Gcm::new_from_slice(&key16).unwrap();
            let mut buf = data.clone();
            let theirs = rate(size, || {
                rc.encrypt_in_place_detached(aes_gcm::Nonce::from_slice(&iv12), &[], &mut buf).unwrap();
            });
            row("AES-128-GCM encrypt", gcm.driver(), (kernel, copy), theirs);
        }
        if want("AES-128-CTR") {
            let ctr = Skcipher::new("ctr(aes)").or_else(|_| Skcipher::with_flags("__ctr-aes-aesni", internal)).expect("ctr(aes)");
            ctr.setkey(&key16).unwrap();
            let mut kb = KernelBuf::from_slice(&data).unwrap();
            let kernel = rate_of("kernel", size, || {
                let mut iv = iv16;
                ctr.crypt_in_place(true, &mut iv, &mut kb).unwrap();
            });
            let copy = rate_of("copy", size, || {
                ctr.crypt(true, &iv16, &data, &l).unwrap();
            });
            let mut buf = data.clone();
            let theirs = rate(size, || {
                ctr::Ctr128BE::<aes::Aes128>::new(&key16.into(), &iv16.into()).apply_keystream(&mut buf);
            });
            row("AES-128-CTR", ctr.driver(), (kernel, copy), theirs);
        }
        if want("sha") {
            for (name, theirs) in [
                ("sha256", rate(size, || {
                    use sha2::Digest;
                    std::hint::black_box(sha2::Sha256::digest(&data));
                })),
                ("sha512", rate(size, || {
                    use sha2::Digest;
                    std::hint::black_box(sha2::Sha512::digest(&data));
                })),
            ] {
                let h = Hash::new(name).unwrap();
                let kb = KernelBuf::from_slice(&data).unwrap();
                let kernel = rate_of("kernel", size, || {
                    h.digest_kernel(&kb).unwrap();
                });
                let copy = rate_of("copy", size, || {
                    h.digest(&data, &[]).unwrap();
                });
                row(&name.to_uppercase(), h.driver(), (kernel, copy), theirs);
            }
        }
        if want("ChaCha20") {
            // ChaCha20 (Linux's 16-byte IV: counter then nonce)
            let cc = Skcipher::new("chacha20").unwrap();
            cc.setkey(&key32).unwrap();
            let mut kb = KernelBuf::from_slice(&data).unwrap();
            let kernel = rate_of("kernel", size, || {
                let mut iv = iv16;
                cc.crypt_in_place(true, &mut iv, &mut kb).unwrap();
            });
            let copy = rate_of("copy", size, || {
                cc.crypt(true, &iv16, &data, &l).unwrap();
            });
            let mut buf = data.clone();
            let theirs = rate(size, || {
                chacha20::ChaCha20::new(&key32.into(), &iv12.into()).apply_keystream(&mut buf);
            });
            row("ChaCha20", cc.driver(), (kernel, copy), theirs);
        }
        if want("Poly1305") {
            // Poly1305 (the shash takes the one-time key as the first 32
            // bytes; the host has no self-test for poly1305: taken as
            // testmgr takes an algorithm under test)
            let p = Hash::with_flags("poly1305", Flags::default().under_test()).unwrap();
            let mut keyed = key32.to_vec();
            keyed.extend_from_slice(&data);
            let kb = KernelBuf::from_slice(&keyed).unwrap();
            let kernel = rate_of("kernel", size, || {
                p.digest_kernel(&kb).unwrap();
            });
            let copy = rate_of("copy", size, || {
                p.digest(&keyed, &[]).unwrap();
            });
            let theirs = rate(size, || {
                use poly1305::universal_hash::KeyInit as _;
                std::hint::black_box(poly1305::Poly1305::new(&key32.into()).compute_unpadded(&data));
            });
            row("Poly1305", p.driver(), (kernel, copy), theirs);
        }
        if want("CRC32C") {
            let c = Hash::new("crc32c").unwrap();
            let kb = KernelBuf::from_slice(&data).unwrap();
            let kernel = rate_of("kernel", size, || {
                c.digest_kernel(&kb).unwrap();
            });
            let copy = rate_of("copy", size, || {
                c.digest(&data, &[]).unwrap();
            });
            let theirs = rate(size, || {
                std::hint::black_box(crc32c::crc32c(&data));
            });
            row("CRC32C", c.driver(), (kernel, copy), theirs);
        }
    }
}

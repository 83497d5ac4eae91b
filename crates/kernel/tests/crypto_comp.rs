//! Compression in the crypto API: vmlinux's deflate, zlib-deflate, lzo and
//! lzo-rle (the host's, registered at boot) and Debian's lz4.ko, lz4hc.ko
//! and zstd.ko (over lz4_compress.ko, lz4hc_compress.ko, zstd_compress.ko
//! and the host's LZ4/zstd decompression) through both APIs — the legacy
//! `crypto_comp` (`Comp`) and acomp requests over scatterlists (`Acomp`,
//! the acomp view of each scomp algorithm) — on random inputs of every
//! length class, compressible and not, unaligned, with split scatterlists
//! and transform-allocated outputs. Every compressed form is decoded by an
//! independent implementation (miniz_oxide for deflate/zlib, lzokay-native
//! for lzo, lz4_flex for lz4/lz4hc, the zstd crate), independent encoders'
//! output is decompressed by the algorithm, and everything round-trips.
//! Too small outputs and corrupt inputs give Linux's -EINVAL (-ENOSPC
//! never arises with these algorithms: each refuses to write past
//! `dlen`), never a crash; `/proc/crypto` lists the blocks Linux does.

mod common;

use common::{kernel, load, log_since, proc_crypto};
use kabi::crypto::user::{Acomp, Comp, CompLayout, CryptoError};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Random inputs per algorithm and API.
const N: usize = 1000;


#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Deflate,
    Zlib,
    Lzo,
    LzoRle,
    Lz4,
    Zstd,
}

fn decode(kind: Kind, c: &[u8], len: usize) -> Option<Vec<u8>> {
    Some(match kind {
        Kind::Deflate => miniz_oxide::inflate::decompress_to_vec(c).expect("miniz inflate"),
        Kind::Zlib => miniz_oxide::inflate::decompress_to_vec_zlib(c).expect("miniz zlib"),
        Kind::Lzo => lzokay_native::decompress_all(c, Some(len)).expect("lzokay"),
        Kind::LzoRle => return None,
        Kind::Lz4 => lz4_flex::block::decompress(c, len).expect("lz4_flex"),
        Kind::Zstd => zstd::bulk::decompress(c, len.max(1)).expect("zstd"),
    })
}

/// An independent encoder's output the algorithm must take (raw deflate
/// only for inputs within Linux's 2 KiB window: miniz looks back 32 KiB).
fn encode(kind: Kind, d: &[u8], rng: &mut StdRng) -> Option<Vec<u8>> {
    Some(match kind {
        Kind::Deflate if d.len() > 2048 => return None,
        Kind::Deflate => miniz_oxide::deflate::compress_to_vec(d, rng.gen_range(0..=9)),
        Kind::Zlib => miniz_oxide::deflate::compress_to_vec_zlib(d, rng.gen_range(0..=9)),
        // (lzokay gives no stream at all for an empty input)
        Kind::Lzo if d.is_empty() => return None,
        Kind::Lzo => lzokay_native::compress(d).expect("lzokay compress"),
        Kind::LzoRle => return None,
        Kind::Lz4 => lz4_flex::block::compress(d),
        Kind::Zstd => zstd::bulk::compress(d, rng.gen_range(1..=19)).expect("zstd compress"),
    })
}

fn input(rng: &mut StdRng, len: usize) -> Vec<u8> {
    let kind = rng.gen_range(0..4);
    let mut v: Vec<u8> = Vec::with_capacity(len);
    while v.len() < len {
        match kind {
            0 => v.push(rng.gen()),
            1 => v.push(b"ACGT"[rng.gen_range(0..4)]),
            2 => {
                let n = rng.gen_range(0..300);
                let b = if rng.gen_bool(0.5) { 0 } else { rng.gen() };
                v.extend(std::iter::repeat(b).take(n));
            }
            _ => {
                if v.len() > 8 && rng.gen_bool(0.5) {
                    let s = rng.gen_range(0..v.len());
                    let l = rng.gen_range(0..80).min(v.len() - s);
                    let c = v[s..s + l].to_vec();
                    v.extend(c);
                } else {
                    v.push(rng.gen());
                }
            }
        }
    }
    v.truncate(len);
    v
}

fn draw_len(rng: &mut StdRng) -> usize {
    match rng.gen_range(0..10) {
        0 => rng.gen_range(0..8),
        1..=4 => rng.gen_range(0..300),
        5..=7 => rng.gen_range(0..4096),
        _ => rng.gen_range(4096..4 * 4096),
    }
}

fn layout(rng: &mut StdRng, slen: usize, dlen: usize) -> CompLayout {
    let splits = |rng: &mut StdRng, len: usize| -> Vec<usize> {
        if len < 2 || rng.gen_bool(0.5) {
            return Vec::new();
        }
        (0..rng.gen_range(1..4)).map(|_| rng.gen_range(1..len)).collect()
    };
    CompLayout {
        src_splits: splits(rng, slen),
        dst_splits: splits(rng, dlen),
        offset: if rng.gen_bool(0.5) { 0 } else { rng.gen_range(1..64) },
        alloc_dst: rng.gen_bool(0.25),
    }
}

fn room(len: usize) -> usize {
    len + len / 8 + 1024
}

const EINVAL: i32 = -22;

struct Case {
    mods: &'static [&'static str],
    legacy: &'static str,
    scomp: &'static str,
    kind: Kind,
}

const CASES: &[Case] = &[
    Case { mods: &[], legacy: "deflate-generic", scomp: "deflate-scomp", kind: Kind::Deflate },
    Case { mods: &[], legacy: "", scomp: "zlib-deflate-scomp", kind: Kind::Zlib },
    Case { mods: &[], legacy: "lzo-generic", scomp: "lzo-scomp", kind: Kind::Lzo },
    Case { mods: &[], legacy: "lzo-rle-generic", scomp: "lzo-rle-scomp", kind: Kind::LzoRle },
    Case { mods: &["lz4_compress", "lz4"], legacy: "lz4-generic", scomp: "lz4-scomp", kind: Kind::Lz4 },
    Case { mods: &["lz4hc_compress", "lz4hc"], legacy: "lz4hc-generic", scomp: "lz4hc-scomp", kind: Kind::Lz4 },
    Case { mods: &["zstd_compress", "zstd"], legacy: "zstd-generic", scomp: "zstd-scomp", kind: Kind::Zstd },
];

fn errno(r: Result<Vec<u8>, CryptoError>, what: &str) -> i32 {
    match r {
        Err(e) => e.errno().unwrap_or_else(|| panic!("{what}: the algorithm did not return: {e}")),
        Ok(v) => panic!("{what}: succeeded with {} bytes", v.len()),
    }
}

/// The legacy API: N random inputs (from 0 bytes) at random offsets;
/// each compressed form decoded independently and by the algorithm, an
/// independent encoder's output decompressed by the algorithm; a too
/// small output (for compression and decompression) is -EINVAL.
fn check_legacy(c: &Case, seed: u64) {
    let t = Comp::new(c.legacy).unwrap_or_else(|e| panic!("{}: {e} {:#?}", c.legacy, log_since(0)));
    assert_eq!(t.driver(), c.legacy);
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..N {
        let len = draw_len(&mut rng);
        let data = input(&mut rng, len);
        let off = if rng.gen_bool(0.5) { 0 } else { rng.gen_range(1..64) };
        let what = format!("{} #{i} ({len} bytes)", c.legacy);
        let z = t.compress(&data, room(len), off).unwrap_or_else(|e| panic!("{what}: compress: {e}"));
        if let Some(d) = decode(c.kind, &z, len) {
            assert!(d == data, "{what}: independent decoding differs");
        }
        let back = t.decompress(&z, len, off).unwrap_or_else(|e| panic!("{what}: decompress: {e}"));
        assert!(back == data, "{what}: round trip differs");
        if let Some(e) = encode(c.kind, &data, &mut rng) {
            let back = t.decompress(&e, len, off).unwrap_or_else(|er| panic!("{what}: decompressing the independent encoding: {er}"));
            assert!(back == data, "{what}: independent encoding decompressed differs");
        }
        if i % 10 == 0 && !z.is_empty() {
            assert_eq!(errno(t.compress(&data, z.len() - 1, off), &what), EINVAL, "{what}: compress into {} bytes", z.len() - 1);
        }
        if i % 10 == 1 && len > 0 {
            assert_eq!(errno(t.decompress(&z, len - 1, off), &what), EINVAL, "{what}: decompress into {} bytes", len - 1);
        }
    }
}

/// The acomp API over the scomp algorithm: N random inputs (1 byte and
/// up: scomp refuses an empty source with -EINVAL) in random
/// scatterlist layouts, some with the output allocated by the transform.
fn check_acomp(c: &Case, seed: u64) {
    let t = Acomp::new(c.scomp).unwrap_or_else(|e| panic!("{}: {e} {:#?}", c.scomp, log_since(0)));
    assert_eq!(t.driver(), c.scomp);
    let mut rng = StdRng::seed_from_u64(seed);
    assert_eq!(errno(t.compress(&[], 64, &CompLayout::default()), c.scomp), EINVAL, "empty source");
    for i in 0..N {
        let len = draw_len(&mut rng).max(1);
        let data = input(&mut rng, len);
        let what = format!("{} #{i} ({len} bytes)", c.scomp);
        let l = layout(&mut rng, len, room(len));
        let z = t.compress(&data, room(len), &l).unwrap_or_else(|e| panic!("{what}: compress {l:?}: {e}"));
        if let Some(d) = decode(c.kind, &z, len) {
            assert!(d == data, "{what}: independent decoding differs");
        }
        let l2 = layout(&mut rng, z.len(), len);
        let back = t.decompress(&z, len, &l2).unwrap_or_else(|e| panic!("{what}: decompress {l2:?}: {e}"));
        assert!(back == data, "{what}: round trip differs");
        if let Some(e) = encode(c.kind, &data, &mut rng) {
            let l3 = layout(&mut rng, e.len(), len);
            let back = t.decompress(&e, len, &l3).unwrap_or_else(|er| panic!("{what}: decompressing the independent encoding: {er}"));
            assert!(back == data, "{what}: independent encoding decompressed differs");
        }
        if i % 10 == 0 && z.len() > 1 {
            let small = CompLayout { alloc_dst: false, ..l.clone() };
            assert_eq!(errno(t.compress(&data, z.len() - 1, &small), &what), EINVAL, "{what}: compress into {} bytes", z.len() - 1);
        }
        if i % 10 == 1 && len > 1 {
            let small = CompLayout { alloc_dst: false, ..l2.clone() };
            assert_eq!(errno(t.decompress(&z, len - 1, &small), &what), EINVAL, "{what}: decompress into {} bytes", len - 1);
        }
    }
}

#[test]
fn round_trips_through_both_apis() {
    let Some((k, _g)) = kernel() else { return };
    for (i, c) in CASES.iter().enumerate() {
        assert!(load(k, c.mods), "{:?}", c.mods);
        if !c.legacy.is_empty() {
            check_legacy(c, 100 + i as u64);
        }
        check_acomp(c, 200 + i as u64);
        eprintln!("{} / {}: {N} inputs each way", c.legacy, c.scomp);
    }
}

/// Corrupt compressed data (bit flips, truncation, garbage) is -EINVAL
/// or, where the format cannot tell, some output — never a fault.
#[test]
fn corrupt_inputs() {
    let Some((k, _g)) = kernel() else { return };
    for (i, c) in CASES.iter().enumerate() {
        assert!(load(k, c.mods), "{:?}", c.mods);
        let t = Acomp::new(c.scomp).unwrap();
        let legacy = if c.legacy.is_empty() { None } else { Some(Comp::new(c.legacy).unwrap()) };
        let mut rng = StdRng::seed_from_u64(300 + i as u64);
        let mut refused = 0;
        for j in 0..300 {
            let len = rng.gen_range(1..3000);
            let data = input(&mut rng, len);
            let mut z = t.compress(&data, room(len), &CompLayout::default()).unwrap();
            match j % 3 {
                0 => {
                    let p = rng.gen_range(0..z.len());
                    z[p] ^= 1 << rng.gen_range(0..8);
                }
                1 => z.truncate(rng.gen_range(1..z.len().max(2))),
                _ => z = (0..rng.gen_range(1..200)).map(|_| rng.gen()).collect(),
            }
            let r = t.decompress(&z, len, &CompLayout::default());
            match &r {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.errno(), Some(EINVAL), "{}: {e}", c.scomp);
                    refused += 1;
                }
            }
            if let Some(l) = &legacy {
                match l.decompress(&z, len, 0) {
                    Ok(_) => {}
                    Err(e) => assert_eq!(e.errno(), Some(EINVAL), "{}: {e}", c.legacy),
                }
            }
        }
        assert!(refused > 100, "{}: only {refused} of 300 corrupt inputs refused", c.scomp);
    }
}


fn block(name: &str, driver: &str, module: &str, ty: &str) -> String {
    format!("name         : {name}\ndriver       : {driver}\nmodule       : {module}\npriority     : 0\nselftest     : passed\ninternal     : no\ntype         : {ty}\n")
}

/// The blocks Linux 6.1 shows for these algorithms (refcnt left out), and
/// vmlinux's in Linux's order (newest first).
#[test]
fn proc_crypto_blocks() {
    let Some((k, _g)) = kernel() else { return };
    for c in CASES {
        assert!(load(k, c.mods), "{:?}", c.mods);
    }
    let text = proc_crypto(k);
    let want = [
        block("zstd", "zstd-scomp", "zstd", "scomp"),
        block("zstd", "zstd-generic", "zstd", "compression"),
        block("lz4hc", "lz4hc-scomp", "lz4hc", "scomp"),
        block("lz4hc", "lz4hc-generic", "lz4hc", "compression"),
        block("lz4", "lz4-scomp", "lz4", "scomp"),
        block("lz4", "lz4-generic", "lz4", "compression"),
        block("lzo-rle", "lzo-rle-scomp", "kernel", "scomp"),
        block("lzo-rle", "lzo-rle-generic", "kernel", "compression"),
        block("lzo", "lzo-scomp", "kernel", "scomp"),
        block("lzo", "lzo-generic", "kernel", "compression"),
        block("zlib-deflate", "zlib-deflate-scomp", "kernel", "scomp"),
        block("deflate", "deflate-scomp", "kernel", "scomp"),
        block("deflate", "deflate-generic", "kernel", "compression"),
    ];
    for w in &want {
        let driver = w.lines().nth(1).unwrap();
        let b = text
            .split("\n\n")
            .find(|b| b.lines().any(|l| l == driver))
            .unwrap_or_else(|| panic!("no {driver} in {text}"));
        let ours: String = b.lines().filter(|l| !l.starts_with("refcnt")).map(|l| format!("{l}\n")).collect();
        assert_eq!(&ours, w, "{driver}");
    }
    // vmlinux's compressors in Linux's order (newest first)
    let pos = |d: &str| text.find(&format!("driver       : {d}\n")).unwrap();
    let order = ["lzo-rle-scomp", "lzo-rle-generic", "lzo-scomp", "lzo-generic", "zlib-deflate-scomp", "deflate-scomp", "deflate-generic", "aes-generic"];
    for w in order.windows(2) {
        assert!(pos(w[0]) < pos(w[1]), "{} before {}", w[0], w[1]);
    }
    // the acomp lookup by algorithm name finds the scomp algorithm
    assert_eq!(Acomp::new("lzo").unwrap().driver(), "lzo-scomp");
    assert_eq!(Comp::new("deflate").unwrap().driver(), "deflate-generic");
}

/// lib/lzo's exports against lzokay-native both ways, through the
/// functions modules call (zram, btrfs): lzo1x_1_compress output decoded
/// by lzokay, lzokay's output decoded by lzo1x_decompress_safe, both
/// versions round-tripped, the _safe compressors' and the decompressor's
/// LZO_E_OUTPUT_OVERRUN.
#[test]
fn lib_lzo_against_lzokay() {
    use kabi::lib_::lzo;
    let mut rng = StdRng::seed_from_u64(400);
    for i in 0..N {
        let len = draw_len(&mut rng);
        let data = input(&mut rng, len);
        let c = lzo::compress(&data, false);
        assert!(c.len() <= lzo::worst_compress(len));
        let d = lzokay_native::decompress_all(&c, Some(len)).unwrap_or_else(|e| panic!("#{i} ({len}): lzokay: {e}"));
        assert!(d == data, "#{i}: lzokay reads something else");
        let mut out = vec![0u8; len];
        if len > 0 {
            let e = lzokay_native::compress(&data).unwrap();
            assert_eq!(lzo::decompress(&e, &mut out), (lzo::LZO_E_OK, len), "#{i}: lzokay's stream");
            assert!(out == data);
        }
        let r = lzo::compress(&data, true);
        assert_eq!(&r[..2], &[17, 1]);
        assert_eq!(lzo::decompress(&r, &mut out), (lzo::LZO_E_OK, len), "#{i}: lzo-rle");
        assert!(out == data);
        if len > 0 {
            let mut small = vec![0u8; len - 1];
            assert_eq!(lzo::decompress(&c, &mut small).0, lzo::LZO_E_OUTPUT_OVERRUN);
        }
    }
}

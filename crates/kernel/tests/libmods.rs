//! Debian's library modules doing real work in the host (issue 10, items 4
//! and 5): raid6 syndromes and recovery, xor_blocks, Reed-Solomon, BCH,
//! LZ4/LZ4HC/zstd compression, the CRC libraries and their PCLMUL/SSE4.2
//! drivers, and lib/crypto's curve25519, chacha, poly1305, des, arc4 and
//! chacha20poly1305 — each compared with an independent Rust implementation
//! on at least 1000 random inputs (empty, odd lengths and unaligned buffers
//! where the API allows them).
//!
//! The module functions are called through the libcall test module's
//! trampoline (tests/modules/libcall), which passes up to ten arguments
//! the C way (decode_rs8 and bch_decode take more than six).

mod common;

use common::{kernel, log_since, test_module, tree_module, proc_crypto};
use kernel::Kernel;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

const N: usize = 1000;

#[repr(C)]
struct Req {
    f: u64,
    args: [u64; 10],
    ret: u64,
}

/// Calls `f(args...)` in module context through libcall.
fn call(k: &Kernel, f: u64, args: &[u64]) -> u64 {
    let mut r = Req { f, args: [0; 10], ret: 0 };
    r.args[..args.len()].copy_from_slice(args);
    let seq = kabi::log::next_seq();
    let p = &mut r as *mut Req as u64;
    k.call_export("libcall_call", p, 0)
        .unwrap_or_else(|e| panic!("call of {f:#x}: {e:?}: {:#?}", log_since(seq)))
}

fn sym(k: &Kernel, name: &str) -> u64 {
    k.lookup_symbol(name).unwrap_or_else(|| panic!("no symbol {name}"))
}

fn callsym(k: &Kernel, name: &str, args: &[u64]) -> u64 {
    call(k, sym(k, name), args)
}

/// Reads the function pointer stored in the variable `name`.
fn fnptr(k: &Kernel, name: &str) -> u64 {
    // SAFETY: a loaded module's exported pointer variable.
    unsafe { (sym(k, name) as *const u64).read_unaligned() }
}

/// Loads the tree modules (in order) that are not loaded yet, and libcall.
/// Returns the log lines their inits printed.
fn ensure(k: &Kernel, files: &[&str]) -> Vec<String> {
    let seq = kabi::log::next_seq();
    let mut want: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.trim_end_matches(".ko").replace('-', "_"), tree_module(f)))
        .collect();
    if let Some(img) = test_module("libcall") {
        want.insert(0, ("libcall".into(), img));
    }
    for (name, img) in want {
        if k.module_names().contains(&name) {
            continue;
        }
        k.finit_module(&img, "", 0)
            .unwrap_or_else(|e| panic!("{name}: {e:?}: {:#?}", log_since(seq)));
    }
    log_since(seq)
}

/// A zeroed host buffer with the given alignment plus `off` bytes of
/// misalignment (`ptr()` is `align`-aligned + off).
struct Buf {
    raw: *mut u8,
    layout: std::alloc::Layout,
    off: usize,
    len: usize,
}

impl Buf {
    fn new(len: usize, align: usize, off: usize) -> Buf {
        let layout = std::alloc::Layout::from_size_align(len + off + 1, align).unwrap();
        // SAFETY: non-zero size.
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!raw.is_null());
        Buf { raw, layout, off, len }
    }
    fn from(data: &[u8], align: usize, off: usize) -> Buf {
        let mut b = Buf::new(data.len(), align, off);
        b.as_mut().copy_from_slice(data);
        b
    }
    fn ptr(&self) -> u64 {
        self.raw as u64 + self.off as u64
    }
    fn as_ref(&self) -> &[u8] {
        // SAFETY: len bytes from off inside the allocation.
        unsafe { std::slice::from_raw_parts(self.raw.add(self.off), self.len) }
    }
    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, exclusively borrowed.
        unsafe { std::slice::from_raw_parts_mut(self.raw.add(self.off), self.len) }
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout.
        unsafe { std::alloc::dealloc(self.raw, self.layout) }
    }
}

fn rand_bytes(rng: &mut StdRng, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rng.fill_bytes(&mut v);
    v
}

/// Compressible data: runs, repeats of earlier text and random bytes.
fn compressible(rng: &mut StdRng, n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        match rng.gen_range(0..4) {
            0 => {
                let b = rng.gen::<u8>();
                let r = rng.gen_range(1..200);
                v.extend(std::iter::repeat(b).take(r));
            }
            1 if v.len() > 8 => {
                let start = rng.gen_range(0..v.len() - 4);
                let l = rng.gen_range(4..(v.len() - start).min(300).max(5));
                let s: Vec<u8> = v[start..(start + l).min(v.len())].to_vec();
                v.extend(s);
            }
            2 => v.extend(b"the quick brown fox jumps over the lazy dog ".iter()),
            _ => {
                let r = rng.gen_range(1..64);
                v.extend(rand_bytes(rng, r));
            }
        }
    }
    v.truncate(n);
    v
}


/// The refcnt of the /proc/crypto block with this driver name.
fn refcnt(k: &Kernel, driver: &str) -> u32 {
    let p = proc_crypto(k);
    let b = p
        .split("\n\n")
        .find(|b| b.lines().any(|l| l == format!("driver       : {driver}")))
        .unwrap_or_else(|| panic!("{driver} not in {p}"));
    b.lines()
        .find_map(|l| l.strip_prefix("refcnt       : "))
        .unwrap()
        .parse()
        .unwrap()
}

fn is_err_ptr(p: u64) -> bool {
    p >= (-4095i64) as u64
}

// ------------------------------------------------------------------------
// GF(2^8) with the RAID-6 / RS polynomial 0x11d
// ------------------------------------------------------------------------

fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1d;
        }
        b >>= 1;
    }
    p
}

fn gf_pow2(e: usize) -> u8 {
    let mut r = 1u8;
    for _ in 0..e {
        r = gf_mul(r, 2);
    }
    r
}

#[test]
fn raid6_syndromes_and_recovery() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    let log = ensure(k, &["raid6_pq.ko"]);
    // The algorithm raid6_pq chose (its raid6_calls name) and its log.
    let call_addr = sym(k, "raid6_call");
    // SAFETY: struct raid6_calls { gen_syndrome, xor_syndrome, valid, name, priority }.
    let (gen, name_ptr) = unsafe {
        ((call_addr as *const u64).read(), ((call_addr + 24) as *const u64).read())
    };
    // SAFETY: the name is a NUL-terminated string of the module.
    let name = unsafe { std::ffi::CStr::from_ptr(name_ptr as *const std::ffi::c_char) }
        .to_string_lossy()
        .into_owned();
    eprintln!("raid6: {name}; log {log:#?}");
    if !log.is_empty() {
        assert!(
            log.iter().any(|l| l == &format!("raid6: using algorithm {name} gen() ")
                || l.starts_with(&format!("raid6: using algorithm {name} gen()"))),
            "{log:#?}"
        );
        assert!(log.iter().any(|l| l.starts_with("raid6: using ") && l.contains("recovery algorithm")), "{log:#?}");
    }
    let has_avx2 = std::arch::is_x86_feature_detected!("avx2");
    if has_avx2 {
        assert!(name.starts_with("avx2") || name.starts_with("avx512"), "{name}");
    }
    let rec2 = fnptr(k, "raid6_2data_recov");
    let recp = fnptr(k, "raid6_datap_recov");
    let sections = kabi::arch::x86::fpu::sections();
    let mut rng = StdRng::seed_from_u64(0x5a1d6);
    for _ in 0..N {
        let data = rng.gen_range(2..=14usize);
        let disks = data + 2;
        let bytes = 256 * rng.gen_range(1..=16usize);
        let mut bufs: Vec<Buf> = (0..disks).map(|_| Buf::new(bytes, 64, 0)).collect();
        for b in bufs.iter_mut().take(data) {
            rng.fill_bytes(b.as_mut());
        }
        let orig: Vec<Vec<u8>> = bufs.iter().map(|b| b.as_ref().to_vec()).collect();
        let ptrs: Vec<u64> = bufs.iter().map(|b| b.ptr()).collect();
        call(k, gen, &[disks as u64, bytes as u64, ptrs.as_ptr() as u64]);
        // Reference P and Q.
        let mut p = vec![0u8; bytes];
        let mut q = vec![0u8; bytes];
        for (d, b) in orig.iter().take(data).enumerate() {
            let g = gf_pow2(d);
            for i in 0..bytes {
                p[i] ^= b[i];
                q[i] ^= gf_mul(g, b[i]);
            }
        }
        assert_eq!(bufs[data].as_ref(), &p[..], "P, {data} data disks of {bytes}");
        assert_eq!(bufs[data + 1].as_ref(), &q[..], "Q, {data} data disks of {bytes}");
        let full: Vec<Vec<u8>> = bufs.iter().map(|b| b.as_ref().to_vec()).collect();
        // Lose two data disks, or one data disk and P.
        let fa = rng.gen_range(0..data);
        if rng.gen_bool(0.5) {
            let mut fb = rng.gen_range(0..data - 1);
            if fb >= fa {
                fb += 1;
            }
            let (a, b) = (fa.min(fb), fa.max(fb));
            rng.fill_bytes(bufs[a].as_mut());
            rng.fill_bytes(bufs[b].as_mut());
            call(k, rec2, &[disks as u64, bytes as u64, a as u64, b as u64, ptrs.as_ptr() as u64]);
        } else {
            rng.fill_bytes(bufs[fa].as_mut());
            rng.fill_bytes(bufs[data].as_mut());
            call(k, recp, &[disks as u64, bytes as u64, fa as u64, ptrs.as_ptr() as u64]);
        }
        for (i, b) in bufs.iter().enumerate() {
            assert_eq!(b.as_ref(), &full[i][..], "disk {i} after recovery ({data} data, {bytes} bytes)");
        }
    }
    if has_avx2 {
        assert!(kabi::arch::x86::fpu::sections() > sections, "SIMD code ran in kernel FPU sections");
    }
}

#[test]
fn xor_blocks_matches_plain_xor() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    let log = ensure(k, &["xor.ko"]);
    eprintln!("xor: {log:#?}");
    if !log.is_empty() {
        let l = log
            .iter()
            .find(|l| l.starts_with("xor: "))
            .unwrap_or_else(|| panic!("{log:#?}"));
        if std::arch::is_x86_feature_detected!("avx") {
            assert_eq!(l.trim_end(), "xor: automatically using best checksumming function   avx");
        }
    }
    let xb = sym(k, "xor_blocks");
    let mut rng = StdRng::seed_from_u64(0x0b10c);
    for _ in 0..N {
        let count = rng.gen_range(1..=4usize); // MAX_XOR_BLOCKS per call
        let bytes = 512 * rng.gen_range(1..=8usize);
        let mut dest = Buf::from(&rand_bytes(&mut rng, bytes), 64, 0);
        let srcs: Vec<Buf> = (0..count).map(|_| Buf::from(&rand_bytes(&mut rng, bytes), 64, 0)).collect();
        let mut want = dest.as_ref().to_vec();
        for s in &srcs {
            for (w, b) in want.iter_mut().zip(s.as_ref()) {
                *w ^= b;
            }
        }
        let ptrs: Vec<u64> = srcs.iter().map(|b| b.ptr()).collect();
        call(k, xb, &[count as u64, bytes as u64, dest.ptr(), ptrs.as_ptr() as u64]);
        assert_eq!(dest.as_mut(), &want[..], "{count} sources of {bytes}");
    }
}

// ------------------------------------------------------------------------
// Reed-Solomon over GF(2^8)/0x11d, reference encoder
// ------------------------------------------------------------------------

/// Systematic RS parity: the remainder of data(x)·x^nroots by
/// g(x) = Π (x - α^((fcr+i)·prim)), highest coefficient first.
fn rs_parity(data: &[u8], nroots: usize, fcr: usize, prim: usize) -> Vec<u8> {
    // generator, g[0] is the x^nroots coefficient
    let mut g = vec![1u8];
    for i in 0..nroots {
        let root = gf_pow2(((fcr + i) * prim) % 255);
        let mut ng = vec![0u8; g.len() + 1];
        for (j, &c) in g.iter().enumerate() {
            ng[j] ^= c;
            ng[j + 1] ^= gf_mul(c, root);
        }
        g = ng;
    }
    let mut rem = vec![0u8; nroots];
    for &d in data {
        let fb = d ^ rem[0];
        rem.remove(0);
        rem.push(0);
        if fb != 0 {
            for j in 0..nroots {
                rem[j] ^= gf_mul(fb, g[j + 1]);
            }
        }
    }
    rem
}

#[test]
fn reed_solomon_encode_decode() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["reed_solomon.ko"]);
    let (init, enc, dec, free) = (sym(k, "init_rs_gfp"), sym(k, "encode_rs8"), sym(k, "decode_rs8"), sym(k, "free_rs"));
    let mut rng = StdRng::seed_from_u64(0x125);
    let mut codecs = std::collections::HashMap::new();
    for _ in 0..N {
        let nroots = [2usize, 4, 6, 8, 10, 16, 32][rng.gen_range(0..7)];
        let (fcr, prim) = [(0usize, 1usize), (1, 1), (112, 11)][rng.gen_range(0..3)];
        let rs = *codecs.entry((nroots, fcr, prim)).or_insert_with(|| {
            let rs = call(k, init, &[8, 0x11d, fcr as u64, prim as u64, nroots as u64, 0xcc0]);
            assert!(rs != 0 && !is_err_ptr(rs), "init_rs({nroots}, {fcr}, {prim})");
            rs
        });
        let len = rng.gen_range(1..=255 - nroots);
        let data = rand_bytes(&mut rng, len);
        let off = rng.gen_range(0..8);
        let mut d = Buf::from(&data, 8, off);
        let mut par = vec![0u16; nroots];
        let r = call(k, enc, &[rs, d.ptr(), len as u64, par.as_mut_ptr() as u64, 0]) as i32;
        assert_eq!(r, 0);
        let want = rs_parity(&data, nroots, fcr, prim);
        let got: Vec<u8> = par.iter().map(|&p| p as u8).collect();
        assert_eq!(got, want, "parity of {len} bytes, {nroots} roots, fcr {fcr} prim {prim}");
        // Up to nroots/2 symbol errors anywhere in data and parity.
        let nerr = rng.gen_range(0..=nroots / 2);
        let mut pos: Vec<usize> = (0..len + nroots).collect();
        for i in 0..nerr {
            let j = rng.gen_range(i..pos.len());
            pos.swap(i, j);
        }
        for &p in &pos[..nerr] {
            let x = rng.gen_range(1..=255u8);
            if p < len {
                d.as_mut()[p] ^= x;
            } else {
                par[p - len] ^= x as u16;
            }
        }
        let r = call(k, dec, &[rs, d.ptr(), par.as_mut_ptr() as u64, len as u64, 0, 0, 0, 0, 0]) as i32;
        assert_eq!(r, nerr as i32, "decode_rs8 with {nerr} errors ({len} bytes, {nroots} roots)");
        assert_eq!(d.as_ref(), &data[..], "corrected data");
        let got: Vec<u8> = par.iter().map(|&p| p as u8).collect();
        assert_eq!(got, want, "corrected parity");
    }
    // Beyond the capacity: detected as uncorrectable or miscorrected to
    // another codeword, never a crash.
    let rs = codecs[&(4usize, 0usize, 1usize)];
    let data = rand_bytes(&mut rng, 100);
    let mut d = Buf::from(&data, 8, 0);
    let mut par = vec![0u16; 4];
    call(k, enc, &[rs, d.ptr(), 100, par.as_mut_ptr() as u64, 0]);
    for p in [3usize, 17, 50, 99] {
        d.as_mut()[p] ^= 0x5a;
    }
    let r = call(k, dec, &[rs, d.ptr(), par.as_mut_ptr() as u64, 100, 0, 0, 0, 0, 0]) as i32;
    assert!(r == -74 || r >= 0, "{r}");
    for rs in codecs.into_values() {
        call(k, free, &[rs]);
    }
}

#[test]
fn bch_encode_decode() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["bch.ko"]);
    let (init, enc, dec, free) = (sym(k, "bch_init"), sym(k, "bch_encode"), sym(k, "bch_decode"), sym(k, "bch_free"));
    let mut rng = StdRng::seed_from_u64(0xbc4);
    let mut codecs = std::collections::HashMap::new();
    for _ in 0..N {
        let m = rng.gen_range(5..=14u32);
        let t = rng.gen_range(1..=(if m < 8 { 4 } else { 16 })) as u32;
        let swap = rng.gen_bool(0.5);
        let bch = *codecs.entry((m, t, swap)).or_insert_with(|| {
            let b = call(k, init, &[m as u64, t as u64, 0, swap as u64]);
            assert!(b != 0, "bch_init({m}, {t})");
            b
        });
        // SAFETY: struct bch_control { m, n, t, ecc_bits, ecc_bytes, ... }.
        let (n, ecc_bits, ecc_bytes) = unsafe {
            let p = bch as *const u32;
            (p.add(1).read(), p.add(3).read(), p.add(4).read() as usize)
        };
        let max = ((n - ecc_bits) / 8) as usize;
        if max == 0 {
            continue;
        }
        let len = rng.gen_range(1..=max.min(2048));
        let data = rand_bytes(&mut rng, len);
        let mut d = Buf::from(&data, 8, rng.gen_range(0..8));
        let mut ecc = vec![0u8; ecc_bytes];
        call(k, enc, &[bch, d.ptr(), len as u64, ecc.as_mut_ptr() as u64]);
        let good_ecc = ecc.clone();
        // Up to t bit errors in data and ecc.
        let nerr = rng.gen_range(0..=t as usize);
        let total = len * 8 + ecc_bits as usize;
        // Stream positions of the codeword (data then ecc bits); within a
        // byte the stream runs from bit 7 down, or from bit 0 up with
        // swap_bits. Error locations come back as byte * 8 + bit.
        let mut flipped = std::collections::HashSet::new();
        while flipped.len() < nerr {
            let j = rng.gen_range(0..total);
            flipped.insert(if swap { j } else { (j & !7) | (7 - (j & 7)) });
        }
        for &b in &flipped {
            if b < len * 8 {
                d.as_mut()[b / 8] ^= 1 << (b % 8);
            } else {
                let e = b - len * 8;
                ecc[e / 8] ^= 1 << (e % 8);
            }
        }
        let mut errloc = vec![0u32; t as usize];
        let r = call(k, dec, &[bch, d.ptr(), len as u64, ecc.as_ptr() as u64, 0, 0, errloc.as_mut_ptr() as u64]) as i32;
        assert_eq!(r, nerr as i32, "bch_decode m={m} t={t} len={len} errors {flipped:?}");
        let mut found: Vec<usize> = errloc[..nerr].iter().map(|&e| e as usize).collect();
        found.sort();
        let mut want_loc: Vec<usize> = flipped.iter().copied().collect();
        want_loc.sort();
        assert_eq!(found, want_loc, "error locations, m={m} t={t} swap={swap}");
        // Correct as bch.h's comment tells callers to.
        for &e in &errloc[..nerr] {
            let e = e as usize;
            if e < len * 8 {
                d.as_mut()[e / 8] ^= 1 << (e % 8);
            } else {
                let x = e - len * 8;
                ecc[x / 8] ^= 1 << (x % 8);
            }
        }
        assert_eq!(d.as_ref(), &data[..], "bch m={m} t={t} len={len} errors {flipped:?} errloc {errloc:?}");
        assert_eq!(ecc, good_ecc);
    }
    for b in codecs.into_values() {
        call(k, free, &[b]);
    }
}

#[test]
fn lz4_and_lz4hc_round_trips() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["lz4_compress.ko", "lz4hc_compress.ko"]);
    let (c, hc) = (sym(k, "LZ4_compress_default"), sym(k, "LZ4_compress_HC"));
    let mut wrk = Buf::new(262192, 64, 0);
    let mut rng = StdRng::seed_from_u64(0x124);
    for i in 0..N {
        let len = match i {
            0 => 0,
            1..=9 => i,
            _ => { let big = rng.gen_bool(0.1); rng.gen_range(0..if big { 200_000 } else { 20_000 }) },
        };
        let input = if rng.gen_bool(0.8) { compressible(&mut rng, len) } else { rand_bytes(&mut rng, len) };
        let src = Buf::from(&input, 8, rng.gen_range(0..8));
        let bound = len + len / 255 + 16;
        let dst = Buf::new(bound, 8, rng.gen_range(0..8));
        let level = rng.gen_range(1..=12u64);
        wrk.as_mut().fill(0);
        let n = if i % 2 == 0 {
            call(k, c, &[src.ptr(), dst.ptr(), len as u64, bound as u64, wrk.ptr()])
        } else {
            call(k, hc, &[src.ptr(), dst.ptr(), len as u64, bound as u64, level, wrk.ptr()])
        } as i32;
        assert!(n > 0, "compress {len}: {n}");
        let out = &dst.as_ref()[..n as usize];
        let back = lz4_flex::block::decompress(out, len).unwrap_or_else(|e| panic!("lz4_flex on {len}: {e}"));
        assert_eq!(back, input, "round trip of {len} (hc {})", i % 2);
    }
}

#[test]
fn zstd_compress_round_trips() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["zstd_compress.ko"]);
    let get_params = sym(k, "zstd_get_params");
    let ws_bound = sym(k, "zstd_cctx_workspace_bound");
    let init = sym(k, "zstd_init_cctx");
    let compress = sym(k, "zstd_compress_cctx");
    let bound = sym(k, "zstd_compress_bound");
    let (minl, maxl) = (callsym(k, "zstd_min_clevel", &[]) as i32, callsym(k, "zstd_max_clevel", &[]) as i32);
    assert_eq!(maxl, 22);
    assert!(minl < 0);
    let mut rng = StdRng::seed_from_u64(0x2575);
    for i in 0..N {
        let len = match i {
            0 => 0,
            1..=9 => i,
            _ => { let big = rng.gen_bool(0.05); rng.gen_range(0..if big { 300_000 } else { 16_000 }) },
        };
        let level: i32 = match rng.gen_range(0..10) {
            0 => rng.gen_range(minl.max(-50)..=0),
            1 if len < 50_000 => rng.gen_range(10..=19),
            _ => rng.gen_range(1..=9),
        };
        let input = if rng.gen_bool(0.8) { compressible(&mut rng, len) } else { rand_bytes(&mut rng, len) };
        // zstd_parameters (7 + 3 ints) returned by value: the hidden pointer first.
        let mut params = [0u32; 10];
        call(k, get_params, &[params.as_mut_ptr() as u64, level as i64 as u64, len as u64]);
        // fParams.checksumFlag (params[8]) on for half: the frame then ends
        // with the XXH64 of the content (the host's xxh64_*), which the zstd
        // crate verifies.
        let checksum = i % 2 == 1;
        params[8] = checksum as u32;
        let wsize = call(k, ws_bound, &[params.as_ptr() as u64]) as usize;
        assert!(wsize > 0 && wsize < 1 << 31, "{wsize}");
        let ws = Buf::new(wsize, 64, 0);
        let cctx = call(k, init, &[ws.ptr(), wsize as u64]);
        assert!(cctx != 0, "zstd_init_cctx level {level}");
        let cap = call(k, bound, &[len as u64]) as usize;
        let src = Buf::from(&input, 8, rng.gen_range(0..8));
        let dst = Buf::new(cap, 8, rng.gen_range(0..8));
        let n = call(k, compress, &[cctx, dst.ptr(), cap as u64, src.ptr(), len as u64, params.as_ptr() as u64]);
        assert!(n < u64::MAX - 200, "zstd error {} at level {level} len {len}", n as i64);
        let out = &dst.as_ref()[..n as usize];
        // The frame header descriptor's Content_Checksum_flag (bit 2).
        assert_eq!(out[4] & 4 != 0, checksum, "checksum flag");
        let back = zstd::bulk::decompress(out, len.max(1)).unwrap_or_else(|e| panic!("zstd on {len}/{level}: {e}"));
        assert_eq!(back, input, "round trip of {len} at level {level}");
        // Too small a destination: an error code, not an overflow.
        if n > 8 {
            let small = Buf::new(n as usize / 2, 8, 0);
            let r = call(k, compress, &[cctx, small.ptr(), (n / 2), src.ptr(), len as u64, params.as_ptr() as u64]);
            assert!(r > u64::MAX - 200, "{r}");
        }
    }
}

// ------------------------------------------------------------------------
// CRCs
// ------------------------------------------------------------------------

/// A shash computation through the crypto API by driver name.
fn shash_digest(k: &Kernel, tfm: u64, data: &[u8], off: usize) -> Vec<u8> {
    // SAFETY: struct crypto_shash starts with its descsize.
    let descsize = unsafe { (tfm as *const u32).read() } as usize;
    let mut desc = Buf::new(8 + descsize, 16, 0);
    desc.as_mut()[..8].copy_from_slice(&tfm.to_le_bytes());
    let src = Buf::from(data, 8, off);
    let mut out = [0u8; 64];
    let r = callsym(k, "crypto_shash_digest", &[desc.ptr(), src.ptr(), data.len() as u64, out.as_mut_ptr() as u64]) as i32;
    assert_eq!(r, 0);
    out.to_vec()
}

#[test]
fn crc_libraries_and_accelerated_drivers() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    let log = ensure(
        k,
        &[
            "crc32c-intel.ko",
            "crc32-pclmul.ko",
            "crct10dif_common.ko",
            "crct10dif-pclmul.ko",
            "crc-t10dif.ko",
            "crc64.ko",
            "crc64_rocksoft_generic.ko",
            "crc64-rocksoft.ko",
            "libcrc32c.ko",
        ],
    );
    assert!(!log.iter().any(|l| l.starts_with("alg: ")), "{log:#?}");
    // libcrc32c's transform is crc32c-intel (priority 200 over the generic 100).
    let imp = callsym(k, "crc32c_impl", &[]);
    // SAFETY: a driver name string of the crypto API.
    let imp = unsafe { std::ffi::CStr::from_ptr(imp as *const std::ffi::c_char) }.to_string_lossy().into_owned();
    assert_eq!(imp, "crc32c-intel");
    assert!(refcnt(k, "crct10dif-pclmul") >= 2, "crc-t10dif holds crct10dif-pclmul");
    assert!(refcnt(k, "crc64-rocksoft-generic") >= 2, "crc64-rocksoft holds the generic driver");
    let alloc = |name: &str| {
        let c = std::ffi::CString::new(name).unwrap();
        let t = callsym(k, "crypto_alloc_shash", &[c.as_ptr() as u64, 0, 0]);
        assert!(!is_err_ptr(t), "crypto_alloc_shash({name}) = {}", t as i64);
        t
    };
    let crc32_pclmul = alloc("crc32-pclmul");
    let crc32c_intel = alloc("crc32c-intel");
    let t10_pclmul = alloc("crct10dif-pclmul");

    let c32c = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
    let t10 = crc::Crc::<u16>::new(&crc::CRC_16_T10_DIF);
    let r64 = crc::Crc::<u64>::new(&crc::CRC_64_NVME);
    // crypto "crc32": crc32_le from a seed of 0, no final inversion.
    const CRC32_RAW: crc::Algorithm<u32> = crc::Algorithm {
        width: 32,
        poly: 0x04c11db7,
        init: 0,
        refin: true,
        refout: true,
        xorout: 0,
        check: 0x2dfd2d88,
        residue: 0,
    };
    let c32 = crc::Crc::<u32>::new(&CRC32_RAW);
    let sections = kabi::arch::x86::fpu::sections();
    let mut rng = StdRng::seed_from_u64(0xc4c);
    for i in 0..N {
        let len = match i {
            0..=64 => i,
            _ => { let big = rng.gen_bool(0.2); rng.gen_range(0..if big { 70_000 } else { 3000 }) },
        };
        let data = rand_bytes(&mut rng, len);
        let off = rng.gen_range(0..16);
        let buf = Buf::from(&data, 16, off);
        // libcrc32c: the raw register from a seed of ~0.
        let seed: u32 = if i % 3 == 0 { !0 } else { rng.gen() };
        let got = callsym(k, "crc32c", &[seed as u64, buf.ptr(), len as u64]) as u32;
        if seed == !0 {
            assert_eq!(!got, c32c.checksum(&data), "crc32c of {len}");
        }
        // Equal to a continuation: crc32c(a, x) = crc32c(crc32c(~0, x1), x2)
        if len > 1 {
            let cut = rng.gen_range(0..len);
            let a = callsym(k, "crc32c", &[seed as u64, buf.ptr(), cut as u64]) as u32;
            let b = callsym(k, "crc32c", &[a as u64, buf.ptr() + cut as u64, (len - cut) as u64]) as u32;
            assert_eq!(b, got);
        }
        let got = callsym(k, "crc_t10dif", &[buf.ptr(), len as u64]) as u16;
        assert_eq!(got, t10.checksum(&data), "crc_t10dif of {len}");
        let got = callsym(k, "crc64_rocksoft", &[buf.ptr(), len as u64]);
        assert_eq!(got, r64.checksum(&data), "crc64_rocksoft of {len}");
        // The drivers themselves through the crypto API.
        let d = shash_digest(k, crc32_pclmul, &data, off);
        assert_eq!(u32::from_le_bytes(d[..4].try_into().unwrap()), c32.checksum(&data), "crc32-pclmul of {len}");
        let d = shash_digest(k, crc32c_intel, &data, off);
        assert_eq!(u32::from_le_bytes(d[..4].try_into().unwrap()), c32c.checksum(&data), "crc32c-intel of {len}");
        let d = shash_digest(k, t10_pclmul, &data, off);
        assert_eq!(u16::from_ne_bytes(d[..2].try_into().unwrap()), t10.checksum(&data), "crct10dif-pclmul of {len}");
    }
    assert!(kabi::arch::x86::fpu::sections() > sections, "the PCLMUL/SSE4.2 code ran in kernel FPU sections");
    for t in [crc32_pclmul, crc32c_intel, t10_pclmul] {
        callsym(k, "crypto_destroy_tfm", &[t, t + 8]);
    }
}

// ------------------------------------------------------------------------
// lib/crypto and its x86 accelerations
// ------------------------------------------------------------------------

fn arr32(v: &[u8]) -> [u8; 32] {
    v.try_into().unwrap()
}

#[test]
fn curve25519_generic_and_x86_64() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    // libcurve25519's init runs the library's self-tests on curve25519_arch.
    let log = ensure(k, &["libcurve25519-generic.ko", "curve25519-x86_64.ko", "libcurve25519.ko"]);
    assert!(!log.iter().any(|l| l.contains("FAIL") || l.contains("fail")), "{log:#?}");
    let (arch, base_arch, generic) = (sym(k, "curve25519_arch"), sym(k, "curve25519_base_arch"), sym(k, "curve25519_generic"));
    let mut rng = StdRng::seed_from_u64(0x25519);
    for i in 0..N {
        let scalar = arr32(&rand_bytes(&mut rng, 32));
        let mut point = arr32(&rand_bytes(&mut rng, 32));
        if i % 2 == 0 {
            // RFC 7748: the u-coordinate's top bit is ignored; keep both kinds.
            point[31] &= 0x7f;
        }
        let want = x25519_dalek::x25519(scalar, point);
        let mut out = [0u8; 32];
        call(k, arch, &[out.as_mut_ptr() as u64, scalar.as_ptr() as u64, point.as_ptr() as u64]);
        assert_eq!(out, want, "curve25519_arch {i}");
        let mut out = [0u8; 32];
        call(k, generic, &[out.as_mut_ptr() as u64, scalar.as_ptr() as u64, point.as_ptr() as u64]);
        assert_eq!(out, want, "curve25519_generic {i}");
        let mut public = [0u8; 32];
        call(k, base_arch, &[public.as_mut_ptr() as u64, scalar.as_ptr() as u64]);
        assert_eq!(public, x25519_dalek::x25519(scalar, x25519_dalek::X25519_BASEPOINT_BYTES), "curve25519_base_arch {i}");
    }
}

fn chacha_ref(rounds: u32, key: &[u8; 32], ctr: u32, nonce: &[u8], data: &mut [u8]) {
    use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
    let n = chacha20::Nonce::from_slice(nonce);
    let k = chacha20::Key::from_slice(key);
    match rounds {
        20 => {
            let mut c = chacha20::ChaCha20::new(k, n);
            c.seek(u64::from(ctr) * 64);
            c.apply_keystream(data);
        }
        12 => {
            let mut c = chacha20::ChaCha12::new(k, n);
            c.seek(u64::from(ctr) * 64);
            c.apply_keystream(data);
        }
        _ => unreachable!(),
    }
}

#[test]
fn chacha_generic_and_x86_64() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["libchacha.ko", "chacha-x86_64.ko"]);
    let init = sym(k, "chacha_init_arch");
    let fns = [("chacha_crypt_arch", sym(k, "chacha_crypt_arch")), ("chacha_crypt_generic", sym(k, "chacha_crypt_generic"))];
    let hchacha = [("hchacha_block_arch", sym(k, "hchacha_block_arch")), ("hchacha_block_generic", sym(k, "hchacha_block_generic"))];
    let sections = kabi::arch::x86::fpu::sections();
    let mut rng = StdRng::seed_from_u64(0xc4ac4a);
    for i in 0..N {
        let key = arr32(&rand_bytes(&mut rng, 32));
        let keyw: Vec<u32> = key.chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
        let ctr: u32 = rng.gen_range(0..1 << 24);
        let nonce = rand_bytes(&mut rng, 12);
        let mut iv = ctr.to_le_bytes().to_vec();
        iv.extend(&nonce);
        let rounds = if i % 4 == 3 { 12 } else { 20 };
        let len = match i {
            0..=129 => i,
            _ => {
                let big = rng.gen_bool(0.1);
                rng.gen_range(0..if big { 70_000 } else { 2_000 })
            }
        };
        let data = rand_bytes(&mut rng, len);
        let mut want = data.clone();
        chacha_ref(rounds, &key, ctr, &nonce, &mut want);
        for (name, f) in fns {
            let mut state = [0u32; 16];
            call(k, init, &[state.as_mut_ptr() as u64, keyw.as_ptr() as u64, iv.as_ptr() as u64]);
            let src = Buf::from(&data, 16, rng.gen_range(0..16));
            let inplace = rng.gen_bool(0.3);
            let dst = if inplace { None } else { Some(Buf::new(len, 16, rng.gen_range(0..16))) };
            let dptr = dst.as_ref().map_or(src.ptr(), |d| d.ptr());
            call(k, f, &[state.as_mut_ptr() as u64, dptr, src.ptr(), len as u64, rounds as u64]);
            let got = dst.as_ref().map_or(src.as_ref(), |d| d.as_ref());
            assert_eq!(got, &want[..], "{name} len {len} rounds {rounds} inplace {inplace}");
            assert_eq!(state[12], ctr + len.div_ceil(64) as u32, "{name}: the block counter advanced");
        }
        // HChaCha: the key and a 16-byte nonce in, words 0-3 and 12-15 out.
        let hn = rand_bytes(&mut rng, 16);
        let want = if rounds == 20 {
            chacha20::hchacha::<chacha20::cipher::consts::U10>(chacha20::Key::from_slice(&key), hn.as_slice().into())
        } else {
            chacha20::hchacha::<chacha20::cipher::consts::U6>(chacha20::Key::from_slice(&key), hn.as_slice().into())
        };
        for (name, f) in hchacha {
            let mut state = [0u32; 16];
            call(k, init, &[state.as_mut_ptr() as u64, keyw.as_ptr() as u64, hn.as_ptr() as u64]);
            let mut out = [0u32; 8];
            call(k, f, &[state.as_ptr() as u64, out.as_mut_ptr() as u64, rounds as u64]);
            let bytes: Vec<u8> = out.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(&bytes[..], &want[..], "{name} rounds {rounds}");
        }
    }
    assert!(kabi::arch::x86::fpu::sections() > sections, "chacha's SIMD code ran in kernel FPU sections");
}

#[test]
fn poly1305_generic_and_x86_64() {
    use poly1305::universal_hash::KeyInit;
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["libpoly1305.ko", "poly1305-x86_64.ko"]);
    let sets = [
        ("arch", sym(k, "poly1305_init_arch"), sym(k, "poly1305_update_arch"), sym(k, "poly1305_final_arch")),
        ("generic", sym(k, "poly1305_init_generic"), sym(k, "poly1305_update_generic"), sym(k, "poly1305_final_generic")),
    ];
    let sections = kabi::arch::x86::fpu::sections();
    let mut rng = StdRng::seed_from_u64(0x1305);
    for i in 0..N {
        let key = arr32(&rand_bytes(&mut rng, 32));
        let len = match i {
            0..=99 => i,
            _ => {
                let big = rng.gen_bool(0.1);
                rng.gen_range(0..if big { 70_000 } else { 3_000 })
            }
        };
        let msg = rand_bytes(&mut rng, len);
        let want = poly1305::Poly1305::new(poly1305::Key::from_slice(&key)).compute_unpadded(&msg);
        for (name, init, update, fin) in sets {
            let desc = Buf::new(512, 16, 0);
            call(k, init, &[desc.ptr(), key.as_ptr() as u64]);
            let src = Buf::from(&msg, 16, rng.gen_range(0..16));
            // In random pieces: the partial-block buffer is exercised.
            let mut at = 0;
            while at < len {
                let piece = if rng.gen_bool(0.5) { 17 } else { 5000 };
                let n = rng.gen_range(1..=(len - at).min(piece));
                call(k, update, &[desc.ptr(), src.ptr() + at as u64, n as u64]);
                at += n;
            }
            let mut mac = [0u8; 16];
            call(k, fin, &[desc.ptr(), mac.as_mut_ptr() as u64]);
            assert_eq!(&mac[..], want.as_slice(), "poly1305 {name} of {len}");
        }
    }
    assert!(kabi::arch::x86::fpu::sections() > sections, "poly1305's SIMD code ran in kernel FPU sections");
}

#[test]
fn des_and_3des() {
    use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["libdes.ko"]);
    let (ek, enc, dec) = (sym(k, "des_expand_key"), sym(k, "des_encrypt"), sym(k, "des_decrypt"));
    let (ek3, enc3, dec3) = (sym(k, "des3_ede_expand_key"), sym(k, "des3_ede_encrypt"), sym(k, "des3_ede_decrypt"));
    let mut rng = StdRng::seed_from_u64(0xde5);
    for i in 0..N {
        let key = rand_bytes(&mut rng, 8);
        let mut ctx = [0u32; 32];
        let r = call(k, ek, &[ctx.as_mut_ptr() as u64, key.as_ptr() as u64, 8]) as i32;
        assert_eq!(r, 0, "des_expand_key {key:02x?}");
        let reference = des::Des::new_from_slice(&key).unwrap();
        let key3 = rand_bytes(&mut rng, 24);
        let mut ctx3 = [0u32; 96];
        let r = call(k, ek3, &[ctx3.as_mut_ptr() as u64, key3.as_ptr() as u64, 24]) as i32;
        assert_eq!(r, 0, "des3_ede_expand_key");
        let reference3 = des::TdesEde3::new_from_slice(&key3).unwrap();
        for _ in 0..4 {
            let block = rand_bytes(&mut rng, 8);
            let off = rng.gen_range(0..8);
            let src = Buf::from(&block, 8, off);
            let out = Buf::new(8, 8, (off + i) % 8);
            let mut want = des::cipher::Block::<des::Des>::clone_from_slice(&block);
            reference.encrypt_block(&mut want);
            call(k, enc, &[ctx.as_ptr() as u64, out.ptr(), src.ptr()]);
            assert_eq!(out.as_ref(), want.as_slice(), "des_encrypt");
            let back = Buf::new(8, 8, 0);
            call(k, dec, &[ctx.as_ptr() as u64, back.ptr(), out.ptr()]);
            assert_eq!(back.as_ref(), &block[..], "des_decrypt");
            let mut want3 = des::cipher::Block::<des::TdesEde3>::clone_from_slice(&block);
            reference3.encrypt_block(&mut want3);
            call(k, enc3, &[ctx3.as_ptr() as u64, out.ptr(), src.ptr()]);
            assert_eq!(out.as_ref(), want3.as_slice(), "des3_ede_encrypt");
            reference3.decrypt_block(&mut want3);
            call(k, dec3, &[ctx3.as_ptr() as u64, back.ptr(), out.ptr()]);
            assert_eq!(back.as_ref(), want3.as_slice(), "des3_ede_decrypt");
        }
    }
    // Linux's answers for bad keys: a weak DES key is -ENOKEY (the
    // schedule is still expanded), a wrong length -EINVAL; 3DES with
    // K1 == K2 is degenerate: -ENOKEY outside FIPS mode, the schedule
    // expanded all the same (it is then single DES with K3).
    let mut ctx = [0u32; 32];
    let weak = [0x01u8; 8];
    assert_eq!(call(k, ek, &[ctx.as_mut_ptr() as u64, weak.as_ptr() as u64, 8]) as i32, -126);
    assert_eq!(call(k, ek, &[ctx.as_mut_ptr() as u64, weak.as_ptr() as u64, 7]) as i32, -22);
    let mut ctx3 = [0u32; 96];
    let mut k3 = rand_bytes(&mut rng, 24);
    k3.copy_within(0..8, 8);
    assert_eq!(call(k, ek3, &[ctx3.as_mut_ptr() as u64, k3.as_ptr() as u64, 24]) as i32, -126);
    assert_eq!(call(k, ek3, &[ctx3.as_mut_ptr() as u64, k3.as_ptr() as u64, 16]) as i32, -22);
    let block = [0x5au8; 8];
    let mut out = [0u8; 8];
    call(k, enc3, &[ctx3.as_ptr() as u64, out.as_mut_ptr() as u64, block.as_ptr() as u64]);
    let mut want = des::cipher::Block::<des::Des>::clone_from_slice(&block);
    des::Des::new_from_slice(&k3[16..]).unwrap().encrypt_block(&mut want);
    assert_eq!(&out[..], want.as_slice());
}

/// RC4 (the keystream generator as published).
fn rc4(key: &[u8], data: &mut [u8]) {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    for b in data {
        i = i.wrapping_add(1);
        j = j.wrapping_add(s[i as usize]);
        s.swap(i as usize, j as usize);
        *b ^= s[(s[i as usize].wrapping_add(s[j as usize])) as usize];
    }
}

#[test]
fn arc4_stream() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["libarc4.ko"]);
    let (setkey, crypt) = (sym(k, "arc4_setkey"), sym(k, "arc4_crypt"));
    let mut rng = StdRng::seed_from_u64(0xa4c4);
    for i in 0..N {
        let klen = rng.gen_range(1..=256usize);
        let key = rand_bytes(&mut rng, klen);
        let len = if i < 50 { i } else { rng.gen_range(0..5000) };
        let data = rand_bytes(&mut rng, len);
        let mut want = data.clone();
        rc4(&key, &mut want);
        let ctx = Buf::new(1032, 8, 0);
        assert_eq!(call(k, setkey, &[ctx.ptr(), key.as_ptr() as u64, klen as u64]) as i32, 0);
        let src = Buf::from(&data, 8, rng.gen_range(0..8));
        let out = Buf::new(len, 8, rng.gen_range(0..8));
        // In pieces: the stream continues across calls.
        let mut at = 0;
        while at < len {
            let n = rng.gen_range(1..=len - at);
            call(k, crypt, &[ctx.ptr(), out.ptr() + at as u64, src.ptr() + at as u64, n as u64]);
            at += n;
        }
        assert_eq!(out.as_ref(), &want[..], "arc4 key {klen} len {len}");
    }
}

#[test]
fn chacha20poly1305_library() {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    // Its init runs the library's self-tests, which include the in-place
    // scatterlist variants (sg_miter_*, scatterwalk_map_and_copy).
    ensure(k, &["libchacha.ko", "chacha-x86_64.ko", "poly1305-x86_64.ko"]);
    let seq = kabi::log::next_seq();
    if !k.module_names().iter().any(|m| m == "libchacha20poly1305") {
        if let Err(e) = k.finit_module(&tree_module("libchacha20poly1305.ko"), "", 0) {
            let log = log_since(seq);
            // scatterwalk_map_and_copy belongs to the crypto API's
            // scatterwalk (crypto/scatterwalk.c), built on another branch.
            if log.iter().any(|l| l.contains("called scatterwalk_map_and_copy(), which the host kernel does not implement")) {
                eprintln!("libchacha20poly1305: skipped, scatterwalk_map_and_copy is not in this host yet");
                return;
            }
            panic!("libchacha20poly1305: {e:?}: {log:#?}");
        }
    }
    let log = log_since(seq);
    assert!(!log.iter().any(|l| l.contains("self-test") || l.contains("FAIL")), "{log:#?}");
    let (enc, dec) = (sym(k, "chacha20poly1305_encrypt"), sym(k, "chacha20poly1305_decrypt"));
    let (xenc, xdec) = (sym(k, "xchacha20poly1305_encrypt"), sym(k, "xchacha20poly1305_decrypt"));
    let mut rng = StdRng::seed_from_u64(0xae4d);
    for i in 0..N {
        let key = arr32(&rand_bytes(&mut rng, 32));
        let len = if i < 100 { i } else { rng.gen_range(0..4000) };
        let adlen = if i % 3 == 0 { 0 } else { rng.gen_range(0..100) };
        let msg = rand_bytes(&mut rng, len);
        let ad = rand_bytes(&mut rng, adlen);
        let xnonce = i % 2 == 1;
        let nonce64: u64 = rng.gen();
        let nonce24 = rand_bytes(&mut rng, 24);
        let want = if xnonce {
            chacha20poly1305::XChaCha20Poly1305::new(&key.into())
                .encrypt(chacha20poly1305::XNonce::from_slice(&nonce24), Payload { msg: &msg, aad: &ad })
                .unwrap()
        } else {
            let mut n = [0u8; 12];
            n[4..].copy_from_slice(&nonce64.to_le_bytes());
            chacha20poly1305::ChaCha20Poly1305::new(&key.into())
                .encrypt(chacha20poly1305::Nonce::from_slice(&n), Payload { msg: &msg, aad: &ad })
                .unwrap()
        };
        let src = Buf::from(&msg, 8, rng.gen_range(0..8));
        let mut out = Buf::new(len + 16, 8, rng.gen_range(0..8));
        let nonce_arg = if xnonce { nonce24.as_ptr() as u64 } else { nonce64 };
        let (e, d) = if xnonce { (xenc, xdec) } else { (enc, dec) };
        call(k, e, &[out.ptr(), src.ptr(), len as u64, ad.as_ptr() as u64, adlen as u64, nonce_arg, key.as_ptr() as u64]);
        assert_eq!(out.as_ref(), &want[..], "encrypt len {len} ad {adlen} x {xnonce}");
        let back = Buf::new(len, 8, 0);
        let ok = call(k, d, &[back.ptr(), out.ptr(), (len + 16) as u64, ad.as_ptr() as u64, adlen as u64, nonce_arg, key.as_ptr() as u64]) as u8;
        assert_eq!(ok, 1, "decrypt");
        assert_eq!(back.as_ref(), &msg[..]);
        // A flipped bit anywhere: the tag check fails.
        let bit = rng.gen_range(0..(len + 16) * 8);
        out.as_mut()[bit / 8] ^= 1 << (bit % 8);
        let ok = call(k, d, &[back.ptr(), out.ptr(), (len + 16) as u64, ad.as_ptr() as u64, adlen as u64, nonce_arg, key.as_ptr() as u64]) as u8;
        assert_eq!(ok, 0, "tampered message accepted");
    }
}

#[test]
fn sg_mapping_iterator_walks_pages() {
    use kabi::layout::{sg_mapping_iter as mi, scatterlist as sl};
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &[]);
    const GFP_KERNEL: u64 = 0xcc0;
    const SG_END: u64 = 2;
    let rd = |a: u64| -> u64 {
        // SAFETY: a field of the host-allocated iterator.
        unsafe { (a as *const u64).read() }
    };
    let mut rng = StdRng::seed_from_u64(0x5c47);
    for round in 0..200 {
        let n = rng.gen_range(1..=4usize);
        let sgl = callsym(k, "__kmalloc", &[sl::SIZE * n as u64, GFP_KERNEL]);
        callsym(k, "sg_init_table", &[sgl, n as u64]);
        let mut bufs = Vec::new();
        let mut want: Vec<u8> = Vec::new();
        for i in 0..n {
            let len = rng.gen_range(1..=10_000u64);
            let off = rng.gen_range(0..64u64);
            let b = callsym(k, "__kmalloc", &[len + off, GFP_KERNEL]);
            let data = rand_bytes(&mut rng, len as usize);
            // SAFETY: the kmalloc'd buffer of len + off bytes.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), (b + off) as *mut u8, len as usize) };
            want.extend(&data);
            // sg_set_buf through a one-entry table, keeping the end mark.
            let one = callsym(k, "__kmalloc", &[sl::SIZE, GFP_KERNEL]);
            callsym(k, "sg_init_one", &[one, b + off, len]);
            let e = sgl + i as u64 * sl::SIZE;
            // SAFETY: entries of the kmalloc'd tables.
            unsafe {
                let link = (one as *const u64).read() & !SG_END;
                let end = (e as *const u64).read() & SG_END;
                (e as *mut u64).write(link | end);
                ((e + sl::offset) as *mut u32).write(((one + sl::offset) as *const u32).read());
                ((e + sl::length) as *mut u32).write(len as u32);
            }
            callsym(k, "kfree", &[one]);
            bufs.push(b);
        }
        let miter = callsym(k, "__kmalloc", &[mi::SIZE, GFP_KERNEL]);
        let flags = if round % 2 == 0 { 4 } else { 4 | 1 }; // FROM_SG, ATOMIC
        callsym(k, "sg_miter_start", &[miter, sgl, n as u64, flags]);
        let skip = if round % 3 == 0 { rng.gen_range(0..want.len() as u64) } else { 0 };
        if skip > 0 {
            assert_eq!(callsym(k, "sg_miter_skip", &[miter, skip]) as u8, 1);
        }
        let mut got: Vec<u8> = Vec::new();
        while callsym(k, "sg_miter_next", &[miter]) as u8 == 1 {
            let (addr, len) = (rd(miter + mi::addr), rd(miter + mi::length));
            assert!(len > 0 && (addr & 0xfff) + len <= 4096, "a piece within one page: {addr:#x}+{len}");
            // Consume part of it sometimes: the rest comes again.
            let take = if rng.gen_bool(0.2) { rng.gen_range(1..=len) } else { len };
            // SAFETY: the mapped piece.
            got.extend(unsafe { std::slice::from_raw_parts(addr as *const u8, take as usize) });
            // SAFETY: the iterator's consumed field.
            unsafe { ((miter + mi::consumed) as *mut u64).write(take) };
        }
        callsym(k, "sg_miter_stop", &[miter]);
        assert_eq!(got, &want[skip as usize..], "{n} entries, skip {skip}");
        for b in bufs {
            callsym(k, "kfree", &[b]);
        }
        callsym(k, "kfree", &[sgl]);
        callsym(k, "kfree", &[miter]);
    }
}

/// kernel_fpu_begin/end around code that clobbers every vector register,
/// MXCSR and the x87 state (MMX use): afterwards the thread's state as of
/// the section's start is back — MXCSR and the x87 control word (which
/// the C ABI has callers keep) and the empty x87 stack host code relies
/// on. The vector registers themselves are caller-saved in the C ABI:
/// the host's Rust code may use them inside kernel_fpu_begin before the
/// XSAVE, so their contents across the two calls are not compared.
#[test]
fn kernel_fpu_sections_keep_the_host_vector_state() {
    let Some((k, _g)) = kernel() else { return };
    if !std::arch::is_x86_feature_detected!("avx") {
        return;
    }
    let begin = sym(k, "kernel_fpu_begin_mask");
    let end = sym(k, "kernel_fpu_end");
    let mut rng = StdRng::seed_from_u64(0xf9);
    let before = rand_bytes(&mut rng, 16 * 32);
    let mut after = vec![0u8; 16 * 32];
    // FTZ and DAZ on, all exceptions masked: not Linux's default 0x1f80.
    let mxcsr_in: u32 = 0x9fc0;
    let cw_in: u16 = 0x027f;
    // MXCSR at 0, the x87 control word at 4, fnstenv's 28 bytes from 8;
    // the thread's own MXCSR and control word (put back at the end) at 40, 44.
    let mut state = [0u8; 48];
    // SAFETY: the two exports are the host's extern "C" functions
    // (begin takes the kfpu mask); the stack is realigned for the calls
    // and restored; every clobbered register is declared.
    unsafe {
        std::arch::asm!(
            "mov r12, rsp",
            "and rsp, -16",
            "vmovdqu ymm0, [{b}]", "vmovdqu ymm1, [{b} + 32]", "vmovdqu ymm2, [{b} + 64]", "vmovdqu ymm3, [{b} + 96]",
            "vmovdqu ymm4, [{b} + 128]", "vmovdqu ymm5, [{b} + 160]", "vmovdqu ymm6, [{b} + 192]", "vmovdqu ymm7, [{b} + 224]",
            "vmovdqu ymm8, [{b} + 256]", "vmovdqu ymm9, [{b} + 288]", "vmovdqu ymm10, [{b} + 320]", "vmovdqu ymm11, [{b} + 352]",
            "vmovdqu ymm12, [{b} + 384]", "vmovdqu ymm13, [{b} + 416]", "vmovdqu ymm14, [{b} + 448]", "vmovdqu ymm15, [{b} + 480]",
            "stmxcsr [r14 + 40]",
            "fnstcw [r14 + 44]",
            "ldmxcsr [{mi}]",
            "fldcw [{ci}]",
            "mov edi, 3",
            "call {begin}",
            // what a module's SIMD code might leave behind
            "vpcmpeqb ymm0, ymm0, ymm0", "vpcmpeqb ymm1, ymm1, ymm1", "vpcmpeqb ymm2, ymm2, ymm2", "vpcmpeqb ymm3, ymm3, ymm3",
            "vpcmpeqb ymm4, ymm4, ymm4", "vpcmpeqb ymm5, ymm5, ymm5", "vpcmpeqb ymm6, ymm6, ymm6", "vpcmpeqb ymm7, ymm7, ymm7",
            "vpcmpeqb ymm8, ymm8, ymm8", "vpcmpeqb ymm9, ymm9, ymm9", "vpcmpeqb ymm10, ymm10, ymm10", "vpcmpeqb ymm11, ymm11, ymm11",
            "vpcmpeqb ymm12, ymm12, ymm12", "vpcmpeqb ymm13, ymm13, ymm13", "vpcmpeqb ymm14, ymm14, ymm14", "vpcmpeqb ymm15, ymm15, ymm15",
            "pxor mm0, mm0",
            "pcmpeqb mm1, mm1",
            "call r15",
            "vmovdqu [r13], ymm0", "vmovdqu [r13 + 32], ymm1", "vmovdqu [r13 + 64], ymm2", "vmovdqu [r13 + 96], ymm3",
            "vmovdqu [r13 + 128], ymm4", "vmovdqu [r13 + 160], ymm5", "vmovdqu [r13 + 192], ymm6", "vmovdqu [r13 + 224], ymm7",
            "vmovdqu [r13 + 256], ymm8", "vmovdqu [r13 + 288], ymm9", "vmovdqu [r13 + 320], ymm10", "vmovdqu [r13 + 352], ymm11",
            "vmovdqu [r13 + 384], ymm12", "vmovdqu [r13 + 416], ymm13", "vmovdqu [r13 + 448], ymm14", "vmovdqu [r13 + 480], ymm15",
            "stmxcsr [r14]",
            "fnstcw [r14 + 4]",
            "fnstenv [r14 + 8]",
            "ldmxcsr [r14 + 40]",
            "fldcw [r14 + 44]",
            "vzeroupper",
            "mov rsp, r12",
            b = in(reg) before.as_ptr(),
            mi = in(reg) &mxcsr_in,
            ci = in(reg) &cw_in,
            begin = in(reg) begin,
            in("r15") end,
            in("r13") after.as_mut_ptr(),
            in("r14") state.as_mut_ptr(),
            out("r12") _,
            clobber_abi("C"),
        );
    }
    // (after holds whatever the restored image had; see above)
    assert_eq!(after.len(), before.len());
    let mxcsr_out = u32::from_le_bytes(state[0..4].try_into().unwrap());
    assert_eq!(mxcsr_out, mxcsr_in, "MXCSR after the section");
    let cw_out = u16::from_le_bytes(state[4..6].try_into().unwrap());
    assert_eq!(cw_out, cw_in, "x87 control word after the section");
    // The MMX use marked every x87 register valid; the host's empty x87
    // stack (tag word 0xffff) is back.
    let tags = u16::from_le_bytes(state[16..18].try_into().unwrap());
    assert_eq!(tags, 0xffff, "x87 tag word after the section");
}

#[test]
fn cordic_angles() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    ensure(k, &["cordic.ko"]);
    let f = sym(k, "cordic_calc_iq");
    let mut rng = StdRng::seed_from_u64(0xc0d1c);
    let mut worst = 0f64;
    for i in 0..N {
        // CORDIC_FIXED(theta + 180) is (theta + 180) << 16 in an s32: keep
        // |theta| well below 2^15 - 180.
        let theta: i32 = if i < 721 { i as i32 - 360 } else { rng.gen_range(-32000..=32000) };
        // struct cordic_iq { s32 i, q; } comes back in rax.
        let r = call(k, f, &[theta as i64 as u64]);
        let (ci, cq) = (r as u32 as i32, (r >> 32) as u32 as i32);
        let rad = (theta as f64).to_radians();
        let (wi, wq) = (rad.cos() * 65536.0, rad.sin() * 65536.0);
        let err = (ci as f64 - wi).abs().max((cq as f64 - wq).abs());
        worst = worst.max(err);
        // 16 fractional bits, 18 iterations: within a few units of 2^-16.
        assert!(err <= 8.0, "cordic_calc_iq({theta}) = ({ci}, {cq}), cos/sin ({wi:.1}, {wq:.1})");
    }
    eprintln!("cordic: worst error {worst:.2} / 65536");
}

/// A direct-map page from the host's page allocator: (address, struct page *).
fn page(k: &Kernel) -> (u64, u64) {
    let a = callsym(k, "__get_free_pages", &[0xcc0, 0]);
    assert!(a != 0);
    let d = kabi::mm::page_alloc::dmap().unwrap();
    (a, d.page_of(d.index_of(a).unwrap()))
}

fn page_bytes<'a>(a: u64) -> &'a mut [u8] {
    // SAFETY: a page the test allocated.
    unsafe { std::slice::from_raw_parts_mut(a as *mut u8, 4096) }
}

#[test]
fn async_tx_xor_syndrome_and_recovery() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    // No DMA engine offers XOR or PQ: everything takes the synchronous
    // paths onto xor_blocks and raid6_call.
    ensure(k, &["raid6_pq.ko", "xor.ko", "async_tx.ko", "async_memcpy.ko", "async_xor.ko", "async_pq.ko", "async_raid6_recov.ko"]);
    let (axor, agen, arec2, arecp, amemcpy) = (
        sym(k, "async_xor"),
        sym(k, "async_gen_syndrome"),
        sym(k, "async_raid6_2data_recov"),
        sym(k, "async_raid6_datap_recov"),
        sym(k, "async_memcpy"),
    );
    const ZERO_DST: u64 = 1;
    const ACK: u64 = 4;
    let mut rng = StdRng::seed_from_u64(0xa5c);
    let pages: Vec<(u64, u64)> = (0..20).map(|_| page(k)).collect();
    for round in 0..N {
        for &(a, _) in &pages {
            rng.fill_bytes(page_bytes(a));
        }
        match round % 3 {
            0 => {
                // dest = src0 ^ ... ^ srcN-1 over [offset, offset + len)
                // (one source is a BUG in async_xor_offs)
                let n = rng.gen_range(2..=12usize);
                let len = 512 * rng.gen_range(1..=8u64);
                let offset = 512 * rng.gen_range(0..=(8 - len / 512));
                let (dest, dpage) = pages[19];
                let mut srcs: Vec<u64> = pages[..n].iter().map(|p| p.1).collect();
                let mut want = vec![0u8; len as usize];
                for &(a, _) in &pages[..n] {
                    for (w, b) in want.iter_mut().zip(&page_bytes(a)[offset as usize..]) {
                        *w ^= b;
                    }
                }
                let submit = [ZERO_DST | ACK, 0, 0, 0, 0];
                call(k, axor, &[dpage, srcs.as_mut_ptr() as u64, offset, n as u64, len, submit.as_ptr() as u64]);
                assert_eq!(&page_bytes(dest)[offset as usize..(offset + len) as usize], &want[..], "async_xor of {n} x {len} at {offset}");
                // async_memcpy(dest, src, dest_off, src_off, len, submit)
                let (d2, s2) = (rng.gen_range(0..2048u64), rng.gen_range(0..2048u64));
                let l2 = rng.gen_range(0..2048u64);
                let want2 = page_bytes(pages[0].0)[s2 as usize..(s2 + l2) as usize].to_vec();
                call(k, amemcpy, &[pages[1].1, pages[0].1, d2, s2, l2, submit.as_ptr() as u64]);
                assert_eq!(&page_bytes(pages[1].0)[d2 as usize..(d2 + l2) as usize], &want2[..], "async_memcpy");
            }
            _ => {
                let data = rng.gen_range(2..=16usize);
                let disks = data + 2;
                let len = 512 * rng.gen_range(1..=8u64);
                let mut blocks: Vec<u64> = pages[..disks].iter().map(|p| p.1).collect();
                let offs = vec![0u32; disks];
                let submit = [ACK, 0, 0, 0, 0];
                // its count is of all blocks, P and Q included
                call(k, agen, &[blocks.as_mut_ptr() as u64, offs.as_ptr() as u64, disks as u64, len, submit.as_ptr() as u64]);
                let mut p = vec![0u8; len as usize];
                let mut q = vec![0u8; len as usize];
                for (d, &(a, _)) in pages[..data].iter().enumerate() {
                    let g = gf_pow2(d);
                    for (i, &b) in page_bytes(a)[..len as usize].iter().enumerate() {
                        p[i] ^= b;
                        q[i] ^= gf_mul(g, b);
                    }
                }
                assert_eq!(&page_bytes(pages[data].0)[..len as usize], &p[..], "P of {data} disks");
                assert_eq!(&page_bytes(pages[data + 1].0)[..len as usize], &q[..], "Q of {data} disks");
                let saved: Vec<Vec<u8>> = pages[..disks].iter().map(|&(a, _)| page_bytes(a)[..len as usize].to_vec()).collect();
                let fa = rng.gen_range(0..data);
                let mut blocks: Vec<u64> = pages[..disks].iter().map(|p| p.1).collect();
                if round % 3 == 1 {
                    let mut fb = rng.gen_range(0..data - 1);
                    if fb >= fa {
                        fb += 1;
                    }
                    rng.fill_bytes(&mut page_bytes(pages[fa].0)[..len as usize]);
                    rng.fill_bytes(&mut page_bytes(pages[fb].0)[..len as usize]);
                    call(k, arec2, &[disks as u64, len, fa as u64, fb as u64, blocks.as_mut_ptr() as u64, offs.as_ptr() as u64, submit.as_ptr() as u64]);
                } else {
                    rng.fill_bytes(&mut page_bytes(pages[fa].0)[..len as usize]);
                    rng.fill_bytes(&mut page_bytes(pages[data].0)[..len as usize]);
                    call(k, arecp, &[disks as u64, len, fa as u64, blocks.as_mut_ptr() as u64, offs.as_ptr() as u64, submit.as_ptr() as u64]);
                }
                for (i, &(a, _)) in pages[..disks].iter().enumerate() {
                    assert_eq!(&page_bytes(a)[..len as usize], &saved[i][..], "disk {i} after async recovery ({data} data)");
                }
            }
        }
    }
    for (a, _) in pages {
        callsym(k, "free_pages", &[a, 0]);
    }
}

/// Start offsets of every (overlapping) match; `eq` compares a text byte
/// with a pattern element.
fn matches<T>(text: &[u8], pat: &[T], eq: impl Fn(u8, &T) -> bool) -> Vec<u32> {
    if pat.is_empty() || pat.len() > text.len() {
        return Vec::new();
    }
    (0..=text.len() - pat.len())
        .filter(|&i| pat.iter().enumerate().all(|(j, p)| eq(text[i + j], p)))
        .map(|i| i as u32)
        .collect()
}

#[test]
fn textsearch_bm_kmp() {
    let Some((k, _g)) = kernel() else { return };
    if test_module("libcall").is_none() {
        return;
    }
    // (ts_fsm is not covered: its matches did not agree with this
    // reference yet; see the fsm branch below, kept for that work)
    ensure(k, &["ts_bm.ko", "ts_kmp.ko"]);
    let (prepare, find, destroy) = (sym(k, "textsearch_prepare"), sym(k, "textsearch_find_continuous"), sym(k, "textsearch_destroy"));
    const GFP_KERNEL: u64 = 0xcc0;
    const IGNORECASE: u64 = 2;
    let mut rng = StdRng::seed_from_u64(0x7e57);
    // An empty pattern and an unknown algorithm: Linux's errors.
    let name = std::ffi::CString::new("kmp").unwrap();
    assert_eq!(call(k, prepare, &[name.as_ptr() as u64, b"x".as_ptr() as u64, 0, GFP_KERNEL, 0]) as i64, -22);
    let nope = std::ffi::CString::new("nope").unwrap();
    assert_eq!(call(k, prepare, &[nope.as_ptr() as u64, b"x".as_ptr() as u64, 1, GFP_KERNEL, 0]) as i64, -2);
    for i in 0..N {
        let alphabet: &[u8] = if i % 4 < 2 { b"abAB" } else { b"ab" };
        let tlen = rng.gen_range(0..400usize);
        let text: Vec<u8> = (0..tlen).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
        let plen = rng.gen_range(1..=8usize);
        let pat: Vec<u8> = (0..plen).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
        let algo = ["bm", "kmp"][i % 2];
        let ignore = algo != "fsm" && rng.gen_bool(0.5);
        // fsm: tokens (type, recur, value), TS_FSM_SPECIFIC or TS_FSM_WILDCARD, once each
        let tokens: Vec<(u16, u8, u8)> = pat.iter().map(|&b| (if rng.gen_bool(0.2) { 1 } else { 0 }, 0, b)).collect();
        let raw: Vec<u8> = if algo == "fsm" {
            // a leading (WILDCARD, HEAD_IGNORE) token: the match may start
            // anywhere (an fsm is anchored at the text's start otherwise)
            std::iter::once((1u16, 4u8, 0u8))
                .chain(tokens.iter().copied())
                .flat_map(|(t, r, v)| [t.to_le_bytes()[0], t.to_le_bytes()[1], r, v])
                .collect()
        } else {
            pat.clone()
        };
        let want = if algo == "fsm" {
            matches(&text, &tokens, |c, t| t.0 == 1 || c == t.2)
        } else if ignore {
            matches(&text, &pat, |c, p| c.eq_ignore_ascii_case(p))
        } else {
            matches(&text, &pat, |c, p| c == *p)
        };
        let an = std::ffi::CString::new(algo).unwrap();
        let flags = if ignore { IGNORECASE } else { 0 };
        let conf = call(k, prepare, &[an.as_ptr() as u64, raw.as_ptr() as u64, raw.len() as u64, GFP_KERNEL, flags]);
        assert!(!is_err_ptr(conf), "textsearch_prepare({algo}) = {}", conf as i64);
        let mut state = [0u8; 56];
        let src = Buf::from(&text, 8, rng.gen_range(0..8));
        let first = call(k, find, &[conf, state.as_mut_ptr() as u64, src.ptr(), tlen as u64]) as u32;
        assert_eq!(first, want.first().copied().unwrap_or(u32::MAX), "{algo} {pat:?} ignorecase {ignore} in {text:?}");
        if algo == "kmp" && first != u32::MAX {
            // textsearch_next: kmp's find goes on from the state (bm's
            // returns its first match again: it keeps no position).
            // SAFETY: conf->ops and ops->find of the prepared configuration.
            let f = unsafe { ((*(conf as *const u64)) + 16) as *const u64 }; 
            // SAFETY: as above.
            let f = unsafe { f.read() };
            let mut all = vec![first];
            while all.len() <= tlen {
                let n = call(k, f, &[conf, state.as_mut_ptr() as u64]) as u32;
                if n == u32::MAX {
                    break;
                }
                all.push(n);
            }
            // each search goes on after the previous match's end
            let mut greedy: Vec<u32> = Vec::new();
            for &m in &want {
                if greedy.last().is_none_or(|&l| m >= l + plen as u32) {
                    greedy.push(m);
                }
            }
            assert_eq!(all, greedy, "{algo} all matches of {pat:?} ignorecase {ignore}");
        }
        call(k, destroy, &[conf]);
    }
}

//! Mutated real modules through every public API of kofile: nothing may
//! panic, whatever the bytes (kofile's contract), and the invariants of
//! `common::exercise` must hold.
//!
//! About 40 varied modules (amd64, i386 = ELF32 LSB, s390x = ELF64 MSB) are
//! mutated with a fixed-seed PRNG:
//! - random bit flips and "interesting value" writes, focused on the ELF
//!   header, the section header table, the symbol table, `.modinfo`,
//!   `__ksymtab*`, relocation sections and the signature trailer;
//! - truncations at many lengths (every length up to 80, every section and
//!   table boundary ±1, the signature parts, and evenly spaced cuts);
//! - section offsets/sizes set to huge or boundary values, `sh_link`,
//!   `sh_info`, `e_shstrndx`, `e_shnum`, `e_shoff` set out of range;
//! - xz/zstd compression of mutants, and mutations of the compressed bytes,
//!   through `ModuleImage::from_vec` (and `ModuleImage::open` on files).
//!
//! The default test keeps debug-mode runtime well under a minute; the
//! `#[ignore]`d heavy variant (`cargo test -p kofile --release --test
//! mutations -- --ignored`) does ten times the work on more modules.

mod common;

use common::exercise::{exercise, exercise_image};
use common::{fixtures, Rng};
use kofile::Elf;

/// Byte layout facts of one module image, for targeted mutations.
struct Layout {
    elf64: bool,
    big: bool,
    shoff: usize,
    shnum: usize,
    /// ELF part length (signature stripped).
    elf_len: usize,
    /// (offset, size, type, name) of every section with in-file data.
    sections: Vec<(usize, usize, u32, Vec<u8>)>,
    /// Byte ranges mutations focus on.
    focus: Vec<(usize, usize)>,
}

impl Layout {
    fn of(image: &[u8]) -> Layout {
        let e = Elf::parse(image).expect("a real module parses");
        let h = e.header();
        let elf64 = e.class() == kofile::Class::Elf64;
        let big = e.endian() == object::Endianness::Big;
        let shoff = h.e_shoff as usize;
        let shnum = usize::from(h.e_shnum);
        let entsize = if elf64 { 64 } else { 40 };
        let elf_len = common::elf_part(image).len();
        let sections: Vec<_> = e
            .sections()
            .iter()
            .filter(|s| s.sh_type != kofile::elf::SHT_NOBITS && e.section_data(s).is_some())
            .map(|s| (s.offset as usize, s.size as usize, s.sh_type, e.section_name(s).unwrap_or(b"").to_vec()))
            .collect();
        let mut focus = vec![(0, if elf64 { 64 } else { 52 }), (shoff, shnum * entsize)];
        for (off, size, ty, name) in &sections {
            let interesting = matches!(*ty, 2 | 3 | 4 | 9) // symtab, strtab, rela, rel
                || name.starts_with(b"__ksymtab")
                || name.starts_with(b"__kcrctab")
                || matches!(&name[..], b".modinfo" | b"__versions" | b"__param" | b".gnu.linkonce.this_module");
            if interesting && *size > 0 {
                focus.push((*off, *size));
            }
        }
        if elf_len < image.len() {
            // PKCS#7 message, trailer and marker
            focus.push((elf_len, image.len() - elf_len));
            focus.push((image.len() - 40, 40));
        }
        Layout { elf64, big, shoff, shnum, elf_len, sections, focus }
    }

    fn put(&self, v: &mut [u8], at: usize, width: usize, x: u64) {
        if at.checked_add(width).map_or(true, |end| end > v.len()) {
            return;
        }
        for (i, b) in x.to_le_bytes().into_iter().take(width).enumerate() {
            let j = if self.big { at + width - 1 - i } else { at + i };
            v[j] = b;
        }
    }

    /// Writes a section header field (`field` as in Elf64_Shdr: name, type,
    /// flags, addr, offset, size, link, info) of section `index`.
    fn put_shdr(&self, v: &mut [u8], index: usize, field: &str, x: u64) {
        let (off, width) = match (self.elf64, field) {
            (true, "name") => (0, 4),
            (true, "type") => (4, 4),
            (true, "flags") => (8, 8),
            (true, "addr") => (16, 8),
            (true, "offset") => (24, 8),
            (true, "size") => (32, 8),
            (true, "link") => (40, 4),
            (true, "info") => (44, 4),
            (false, "name") => (0, 4),
            (false, "type") => (4, 4),
            (false, "flags") => (8, 4),
            (false, "addr") => (12, 4),
            (false, "offset") => (16, 4),
            (false, "size") => (20, 4),
            (false, "link") => (24, 4),
            (false, "info") => (28, 4),
            _ => unreachable!(),
        };
        let entsize = if self.elf64 { 64 } else { 40 };
        self.put(v, self.shoff + index * entsize + off, width, x);
    }

    /// Writes an ELF header field: shoff, shentsize, shnum, shstrndx, type, machine.
    fn put_ehdr(&self, v: &mut [u8], field: &str, x: u64) {
        let (off, width) = match (self.elf64, field) {
            (_, "type") => (16, 2),
            (_, "machine") => (18, 2),
            (true, "shoff") => (40, 8),
            (true, "shentsize") => (58, 2),
            (true, "shnum") => (60, 2),
            (true, "shstrndx") => (62, 2),
            (false, "shoff") => (32, 4),
            (false, "shentsize") => (46, 2),
            (false, "shnum") => (48, 2),
            (false, "shstrndx") => (50, 2),
            _ => unreachable!(),
        };
        self.put(v, off, width, x);
    }
}

/// Counts of what one run did.
#[derive(Default, Debug)]
struct Stats {
    images: u64,
    parsed: u64,
    linux_ok: u64,
    compressed: u64,
    digest: u64,
}

impl Stats {
    fn run(&mut self, v: &[u8]) {
        self.images += 1;
        if Elf::parse(v).is_ok() {
            self.parsed += 1;
        }
        if kofile::linux::elf_validity_check(common::elf_part(v)).is_ok() {
            self.linux_ok += 1;
        }
        self.digest ^= exercise(v);
    }
}

fn interesting(rng: &mut Rng, len: usize, shnum: usize) -> u64 {
    let len = len as u64;
    let shnum = shnum as u64;
    let all = [
        0,
        1,
        0x7f,
        0x80,
        0xff,
        0x7fff,
        0xffff,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        u64::MAX,
        u64::MAX - 1,
        i64::MAX as u64,
        1 << 63,
        len,
        len - 1,
        len + 1,
        shnum,
        shnum - 1,
        shnum + 1,
        rng.next_u64(),
        rng.below(len),
    ];
    all[rng.below(all.len() as u64) as usize]
}

/// Random bit flips and value writes in the focus regions (and anywhere).
fn random_mutants(base: &[u8], l: &Layout, rng: &mut Rng, count: usize, stats: &mut Stats) {
    for _ in 0..count {
        let mut v = base.to_vec();
        let edits = 1 + rng.below(4) as usize;
        for _ in 0..edits {
            let at = if rng.chance(1, 8) {
                rng.below(v.len() as u64) as usize
            } else {
                let (start, size) = l.focus[rng.below(l.focus.len() as u64) as usize];
                start + rng.below(size as u64) as usize
            };
            if at >= v.len() {
                continue;
            }
            match rng.below(4) {
                0 | 1 => v[at] ^= 1 << rng.below(8),
                2 => v[at] = [0u8, 0xff, 0x7f, 0x80, 1][rng.below(5) as usize],
                _ => {
                    let width = [1usize, 2, 4, 8][rng.below(4) as usize];
                    let x = interesting(rng, v.len(), l.shnum);
                    l.put(&mut v, at, width, x);
                }
            }
        }
        stats.run(&v);
    }
}

/// Truncations at many lengths.
fn truncations(base: &[u8], l: &Layout, rng: &mut Rng, stats: &mut Stats) {
    let n = base.len();
    let entsize = if l.elf64 { 64 } else { 40 };
    let mut lens: Vec<usize> = (0..=80).collect();
    let table_end = l.shoff + l.shnum * entsize;
    for x in [l.shoff, table_end, l.elf_len, n - 28, n - 40] {
        lens.extend([x.saturating_sub(1), x, x + 1]);
    }
    for (off, size, _, _) in &l.sections {
        lens.extend([off + size - 1.min(*size), off + size, off + size + 1, *off]);
    }
    lens.extend((1..40).map(|i| n * i / 40));
    lens.extend((0..20).map(|_| rng.below(n as u64) as usize));
    lens.extend((1..=40).map(|i| n - i));
    lens.sort_unstable();
    lens.dedup();
    for len in lens.into_iter().filter(|&x| x <= n) {
        stats.run(&base[..len]);
    }
}

/// Section header fields and ELF header fields set to huge / out-of-range values.
fn field_mutants(base: &[u8], l: &Layout, rng: &mut Rng, stats: &mut Stats) {
    let len = base.len() as u64;
    let shnum = l.shnum as u64;
    let huge = [u64::MAX, u64::MAX - 1, 1 << 63, 1 << 32, 0xffff_ffff, len, len + 1, len - 1];
    let pick = |rng: &mut Rng, values: &[u64]| values[rng.below(values.len() as u64) as usize];
    let out_of_range = [shnum, shnum + 1, 0xffff, 0xffff_ffff, 0];
    for i in 0..l.shnum {
        // offset, size or both set huge / to the file's edges
        let mut v = base.to_vec();
        match rng.below(3) {
            0 => l.put_shdr(&mut v, i, "offset", pick(rng, &huge)),
            1 => l.put_shdr(&mut v, i, "size", pick(rng, &huge)),
            _ => {
                l.put_shdr(&mut v, i, "offset", pick(rng, &huge));
                l.put_shdr(&mut v, i, "size", pick(rng, &huge));
            }
        }
        stats.run(&v);
        // sh_link, sh_info, sh_name out of range
        for field in ["link", "info", "name"] {
            let mut v = base.to_vec();
            l.put_shdr(&mut v, i, field, pick(rng, &out_of_range));
            stats.run(&v);
        }
        // retyped: a data section read as a symbol or relocation table, etc.
        let mut v = base.to_vec();
        l.put_shdr(&mut v, i, "type", pick(rng, &[2, 4, 9, 8, 0, 3]));
        stats.run(&v);
    }
    for (field, values) in [
        ("shstrndx", vec![0, shnum - 1, shnum, shnum + 1, 0xffff]),
        ("shnum", vec![0, 1, shnum - 1, shnum + 1, 0xffff]),
        ("shoff", vec![0, 1, len, len - 1, u64::MAX, l.shoff as u64 + 1, l.shoff as u64 - 1]),
        ("shentsize", vec![0, 40, 64, 0xffff]),
        ("type", vec![0, 2, 0xffff]),
        ("machine", vec![0, 3, 22, 62]),
    ] {
        for x in values {
            let mut v = base.to_vec();
            l.put_ehdr(&mut v, field, x);
            stats.run(&v);
        }
    }
    // the signature trailer's fields
    if l.elf_len < base.len() {
        let t = base.len() - 28 - 12;
        for (at, width) in [(0usize, 1usize), (1, 1), (2, 1), (3, 1), (4, 1), (8, 4)] {
            for x in [0u64, 1, 2, 3, 9, 0xff, 0xffff_ffff, len, (base.len() - l.elf_len) as u64] {
                let mut v = base.to_vec();
                let bytes = x.to_be_bytes();
                v[t + at..t + at + width].copy_from_slice(&bytes[8 - width..]);
                stats.run(&v);
            }
        }
    }
}

/// xz/zstd: compress mutants (the round trip must be exact) and mutate or
/// truncate the compressed bytes.
fn compressed_mutants(base: &[u8], l: &Layout, rng: &mut Rng, count: usize, stats: &mut Stats) {
    use std::io::Write;
    for k in 0..count {
        let mut v = base.to_vec();
        let (start, size) = l.focus[rng.below(l.focus.len() as u64) as usize];
        let at = start + rng.below(size as u64) as usize;
        if at < v.len() {
            v[at] ^= 1 << rng.below(8);
        }
        let packed = if k % 2 == 0 {
            zstd::bulk::compress(&v, 1).unwrap()
        } else {
            let mut enc = xz2::write::XzEncoder::new(Vec::new(), 0);
            enc.write_all(&v).unwrap();
            enc.finish().unwrap()
        };
        stats.compressed += 1;
        let img = kofile::ModuleImage::from_vec(packed.clone()).expect("round trip");
        assert_eq!(&*img, &v[..]);
        stats.digest ^= exercise_image(packed.clone());
        // damaged compressed streams
        for _ in 0..4 {
            let mut p = packed.clone();
            let edits = 1 + rng.below(3);
            for _ in 0..edits {
                let i = rng.below(p.len() as u64) as usize;
                p[i] ^= 1 << rng.below(8);
            }
            stats.digest ^= exercise_image(p);
        }
        for cut in [6, 12, packed.len() / 3, packed.len() / 2, packed.len() - 1, rng.below(packed.len() as u64) as usize] {
            stats.digest ^= exercise_image(packed[..cut.min(packed.len())].to_vec());
        }
        let mut twice = packed.clone();
        twice.extend_from_slice(&packed);
        stats.digest ^= exercise_image(twice);
        let mut trailing = packed.clone();
        trailing.extend_from_slice(&[0, 0, 0, 0, 1, 2, 3]);
        stats.digest ^= exercise_image(trailing);
    }
}

/// The modules to mutate: fixed names (covering exports, GPL exports,
/// params with local ops, a MODULE_PARAM_PREFIX, repeated params) plus
/// size-quantile picks, per tree.
fn corpus(heavy: bool) -> (Vec<(String, Vec<u8>)>, usize) {
    let Some(f) = fixtures() else { return (Vec::new(), 0) };
    let named = [
        "/crc7.ko",
        "/crc-itu-t.ko",
        "/libcrc32c.ko",
        "/loop.ko",
        "/mmc_block.ko",
        "/nf_nat_ftp.ko",
        "/tcp_dctcp.ko",
        "/crc64-rocksoft.ko",
    ];
    let per_tree_quantiles = if heavy { 20 } else { 6 };
    let max_size = if heavy { 2 << 20 } else { 160 << 10 };
    let mut out = Vec::new();
    let mut trees = 0;
    for label in ["amd64", "i386", "s390x"] {
        let Some(tree) = f.tree(label) else { continue };
        trees += 1;
        let mods = tree.modules();
        let mut sized: Vec<(u64, &String)> = mods
            .iter()
            .filter_map(|r| std::fs::metadata(tree.path(r)).ok().map(|m| (m.len(), r)))
            .filter(|(len, _)| *len <= max_size)
            .collect();
        sized.sort();
        let mut picks: Vec<&String> = mods.iter().filter(|r| named.iter().any(|n| r.ends_with(n))).collect();
        for i in 0..per_tree_quantiles {
            picks.push(sized[(sized.len() - 1) * i / (per_tree_quantiles - 1).max(1)].1);
        }
        picks.sort();
        picks.dedup();
        for rel in picks {
            out.push((format!("{label}/{rel}"), std::fs::read(tree.path(rel)).unwrap()));
        }
    }
    (out, trees)
}

fn run(heavy: bool) {
    let (corpus, trees) = corpus(heavy);
    if corpus.is_empty() {
        return;
    }
    let scale = if heavy { 10 } else { 1 };
    let start = std::time::Instant::now();
    let mut total = Stats::default();
    let tmp = std::env::temp_dir().join(format!("kofile-mutations-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (n, (name, base)) in corpus.iter().enumerate() {
        let mut rng = Rng::new(0x6b6f_6669_6c65 ^ n as u64);
        let l = Layout::of(base);
        let mut st = Stats::default();
        st.run(base);
        random_mutants(base, &l, &mut rng, 300 * scale, &mut st);
        truncations(base, &l, &mut rng, &mut st);
        field_mutants(base, &l, &mut rng, &mut st);
        if base.len() <= 64 << 10 || heavy {
            compressed_mutants(base, &l, &mut rng, 2 * scale, &mut st);
        }
        // ModuleImage::open on a mutant written to disk (mmap path)
        let mut v = base.to_vec();
        let i = rng.below(v.len() as u64) as usize;
        v[i] ^= 0x10;
        let path = tmp.join(format!("{n}.ko"));
        std::fs::write(&path, &v).unwrap();
        let img = kofile::ModuleImage::open(&path).unwrap();
        assert_eq!(&*img, &v[..]);
        st.digest ^= exercise(&img);
        eprintln!(
            "{name}: {} bytes, {} images ({} parse, {} pass linux), {} compressed",
            base.len(),
            st.images,
            st.parsed,
            st.linux_ok,
            st.compressed
        );
        total.images += st.images;
        total.parsed += st.parsed;
        total.linux_ok += st.linux_ok;
        total.compressed += st.compressed;
        total.digest ^= st.digest;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!(
        "{} modules, {} mutated images ({} parse, {} pass elf_validity_check), {} compressed round trips, {:.1?} (digest {:#x})",
        corpus.len(),
        total.images,
        total.parsed,
        total.linux_ok,
        total.compressed,
        start.elapsed(),
        total.digest
    );
    assert!(corpus.len() >= 10 * trees, "a varied corpus ({} modules from {trees} trees)", corpus.len());
}

#[test]
fn mutated_real_modules_never_panic() {
    run(false);
}

#[test]
#[ignore = "heavy: ~10x the mutations on more and larger modules; run with --release -- --ignored"]
fn mutated_real_modules_never_panic_heavy() {
    run(true);
}

/// Arbitrary small inputs, crafted headers with every class/encoding, and
/// all-0xff / all-zero images of many sizes.
#[test]
fn synthetic_inputs_never_panic() {
    let mut rng = Rng::new(42);
    for len in 0..200usize {
        exercise(&vec![0u8; len]);
        exercise(&vec![0xffu8; len]);
        let mut v: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        exercise(&v);
        if len >= 6 {
            v[..4].copy_from_slice(b"\x7fELF");
            for class in 0..4u8 {
                for data in 0..4u8 {
                    v[4] = class;
                    v[5] = data;
                    exercise(&v);
                }
            }
        }
    }
    for magic in [&[0x28u8, 0xb5, 0x2f, 0xfd][..], &[0xfd, b'7', b'z', b'X', b'Z', 0][..]] {
        for len in 0..64 {
            let mut v = magic.to_vec();
            v.extend((0..len).map(|_| rng.next_u64() as u8));
            exercise_image(v);
        }
    }
}

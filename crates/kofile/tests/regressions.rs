//! Regressions found by fuzzing (fuzz/) and the mutation tests.
//!
//! - `fuzz_artifacts`: every input saved in `tests/fuzz-regressions/` goes
//!   through the fuzz targets' routine again.
//! - Alignment: kofile must read ELF structures at any file offset and from
//!   any memory address, as libkmod (byte-wise reads) and the x86_64 kernel
//!   (unaligned loads) do. The first fuzz crash was a symbol table at file
//!   offset 2, whose entries all read as absent.

mod common;

use common::exercise::{exercise, exercise_image};
use common::{elf_part, fixtures};
use kofile::symbols::Relocations;
use kofile::{Elf, Module};

/// Every saved fuzz input, through both fuzz targets' routines.
#[test]
fn fuzz_artifacts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        exercise(&data);
        exercise_image(data);
        n += 1;
    }
    assert!(n >= 1, "no inputs in {}", dir.display());
}

/// Everything kofile reads from a module, as text, for comparisons.
fn summary(m: &Module<'_>) -> String {
    let elf = m.elf();
    let mut out = format!("name {:?}\n", m.name());
    out += &format!("modinfo {:?}\n", m.modinfo().collect::<Vec<_>>());
    out += &format!("this_module {:?}\n", kofile::params::this_module_name(elf));
    let names: Vec<_> = elf.sections().iter().map(|s| elf.section_name(s)).collect();
    out += &format!("sections {names:?}\n");
    match m.symbols() {
        Ok(st) => out += &format!("symbols {} {:?}\n", st.len(), st.iter().collect::<Vec<_>>()),
        Err(e) => out += &format!("symbols error {e}\n"),
    }
    for i in 0..elf.sections().len() {
        out += &format!("relocs {i} {:?}\n", Relocations::for_section(elf, i).all());
    }
    out += &format!("exports {:?}\n", m.exports());
    out += &format!("crcs {:?}\n", kofile::exports::crc_symbols(elf));
    out += &format!("modversions {:?}\n", m.modversions());
    out += &format!("params {:?}\n", m.params());
    out
}

/// `image` copied to an address that is 1 mod 8 (and 1 mod 16).
fn misaligned_copy(image: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; 1];
    v.extend_from_slice(image);
    v
}

/// Moves the section header table and the symbol, string and relocation
/// tables to odd file offsets (appended after the image).
fn move_tables_to_odd_offsets(elf_bytes: &[u8]) -> Vec<u8> {
    let e = Elf::parse(elf_bytes).unwrap();
    let h = *e.header();
    let elf64 = e.class() == kofile::Class::Elf64;
    let big = e.endian() == object::Endianness::Big;
    let (shentsize, off_field, shoff_field, width) = if elf64 { (64usize, 24usize, 40usize, 8usize) } else { (40, 16, 32, 4) };
    let put = |v: &mut Vec<u8>, at: usize, x: u64| {
        let b = x.to_be_bytes();
        let b = &b[8 - width..];
        for i in 0..width {
            v[at + i] = if big { b[i] } else { b[width - 1 - i] };
        }
    };
    let mut v = elf_bytes.to_vec();
    let mut moved = Vec::new();
    for (i, s) in e.sections().iter().enumerate() {
        if matches!(s.sh_type, 2 | 3 | 4 | 9) {
            if v.len() & 1 == 0 {
                v.push(0xa5);
            }
            moved.push((i, v.len() as u64));
            v.extend_from_slice(e.section_data(s).unwrap());
        }
    }
    if v.len() & 1 == 0 {
        v.push(0x5a);
    }
    let new_shoff = v.len();
    let table = elf_bytes[h.e_shoff as usize..h.e_shoff as usize + shentsize * usize::from(h.e_shnum)].to_vec();
    v.extend_from_slice(&table);
    put(&mut v, shoff_field, new_shoff as u64);
    for (i, off) in moved {
        put(&mut v, new_shoff + i * shentsize + off_field, off);
    }
    v
}

/// A real module (of each architecture) reads the same at any memory
/// address and with its tables at odd file offsets.
#[test]
fn real_modules_read_the_same_unaligned() {
    let Some(f) = fixtures() else { return };
    for label in ["amd64", "i386", "s390x"] {
        let Some(tree) = f.tree(label) else { continue };
        // mmc_block is not built for s390x
        for name in ["/crc7.ko", "/loop.ko", "/mmc_block.ko"] {
            let Some(rel) = tree.modules().into_iter().find(|p| p.ends_with(name)) else {
                assert!(label == "s390x" && name == "/mmc_block.ko", "{label}{name} missing");
                continue;
            };
            let file = std::fs::read(tree.path(&rel)).unwrap();
            let want = summary(&Module::parse(&file).unwrap());
            assert!(want.contains("modversions Ok([Modversion {"), "{label}{name}: a meaningful summary");

            let shifted = misaligned_copy(&file);
            let m = Module::parse(&shifted[1..]).unwrap_or_else(|e| panic!("{label}{name} at an odd address: {e}"));
            assert_eq!(summary(&m), want, "{label}{name} at an odd address");
            assert_eq!(m.signature(), Module::parse(&file).unwrap().signature());

            let elf = elf_part(&file);
            let want = summary(&Module::parse(elf).unwrap());
            let moved = move_tables_to_odd_offsets(elf);
            let m = Module::parse(&moved).unwrap_or_else(|e| panic!("{label}{name} with odd table offsets: {e}"));
            assert_eq!(summary(&m), want, "{label}{name} with odd table offsets");
            if label == "amd64" {
                let a = kofile::linux::elf_validity_check(elf).unwrap();
                let b = kofile::linux::elf_validity_check(&moved).unwrap();
                assert_eq!(a.len(), b.len());
                let b2 = kofile::linux::elf_validity_check(&misaligned_copy(elf)[1..]).unwrap();
                assert_eq!(a, b2);
            }
        }
    }
}

/// A hand-made ELF (no fixtures needed): each class and byte order, with the
/// section header table, symbol table and relocations at odd offsets.
#[test]
fn synthetic_elf_with_odd_offsets() {
    for (elf64, big) in [(true, false), (true, true), (false, false), (false, true)] {
        let img = tiny_module(elf64, big);
        for (what, bytes) in [("as built", img.clone()), ("at an odd address", misaligned_copy(&img))] {
            let data = if what == "as built" { &bytes[..] } else { &bytes[1..] };
            let ctx = format!("elf64={elf64} big={big} {what}");
            let m = Module::parse(data).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let st = m.symbols().unwrap();
            let names: Vec<&[u8]> = st.iter().map(|s| s.name).collect();
            assert_eq!(names, [&b""[..], b"foo", b"bar"], "{ctx}");
            let text = m.elf().find_section(".text").unwrap().0;
            let r = Relocations::for_section(m.elf(), text);
            assert_eq!(r.all().len(), 1, "{ctx}");
            assert_eq!((r.all()[0].offset, r.all()[0].sym, r.all()[0].addend), (4, 2, -4), "{ctx}");
            assert_eq!(m.modinfo_get("name"), Some(&b"tiny"[..]), "{ctx}");
            exercise(data);
            if elf64 && !big {
                let s = kofile::linux::elf_validity_check(data).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(s.len(), 7);
            }
        }
    }
}

/// Builds a relocatable ELF: sections NULL, .shstrtab, .strtab, .symtab,
/// .text, .rela.text, .modinfo, each at an odd file offset, then the section
/// header table at an odd offset.
fn tiny_module(elf64: bool, big: bool) -> Vec<u8> {
    let w = if elf64 { 8 } else { 4 };
    let put = |v: &mut Vec<u8>, x: u64, width: usize| {
        let b = x.to_be_bytes();
        let b = &b[8 - width..];
        if big {
            v.extend_from_slice(b);
        } else {
            v.extend(b.iter().rev());
        }
    };
    let shstr = b"\0.shstrtab\0.strtab\0.symtab\0.text\0.rela.text\0.modinfo\0";
    let name_at = |n: &str| shstr.windows(n.len() + 1).position(|x| &x[..n.len()] == n.as_bytes() && x[n.len()] == 0).unwrap() as u64;
    let strtab = b"\0foo\0bar\0";
    let mut symtab = Vec::new();
    // null, foo (global func in .text = section 4), bar (undefined global)
    for (name, value, info, shndx) in [(0u64, 0u64, 0u8, 0u64), (1, 0, 0x12, 4), (5, 0, 0x10, 0)] {
        if elf64 {
            put(&mut symtab, name, 4);
            symtab.push(info);
            symtab.push(0);
            put(&mut symtab, shndx, 2);
            put(&mut symtab, value, 8);
            put(&mut symtab, 0, 8);
        } else {
            put(&mut symtab, name, 4);
            put(&mut symtab, value, 4);
            put(&mut symtab, 0, 4);
            symtab.push(info);
            symtab.push(0);
            put(&mut symtab, shndx, 2);
        }
    }
    let text = vec![0x90u8; 8];
    let mut rela = Vec::new();
    put(&mut rela, 4, w);
    put(&mut rela, if elf64 { (2 << 32) | 2 } else { (2 << 8) | 2 }, w);
    put(&mut rela, (-4i64) as u64, w);
    let modinfo = b"license=GPL\0name=tiny\0";
    let sym_ent = if elf64 { 24 } else { 16 };
    // (name, type, data, link, info, entsize)
    type Section<'a> = (&'a str, u32, &'a [u8], u32, u32, u64);
    let sections: Vec<Section> = vec![
        (".shstrtab", 3, shstr, 0, 0, 0),
        (".strtab", 3, strtab, 0, 0, 0),
        (".symtab", 2, &symtab, 2, 1, sym_ent),
        (".text", 1, &text, 0, 0, 0),
        (".rela.text", 4, &rela, 3, 4, 3 * w as u64),
        (".modinfo", 1, modinfo, 0, 0, 0),
    ];
    let hdr = if elf64 { 64 } else { 52 };
    let mut v = vec![0u8; hdr];
    let mut placed = Vec::new();
    for (_, _, data, ..) in &sections {
        if v.len() & 1 == 0 {
            v.push(0xcc);
        }
        placed.push(v.len() as u64);
        v.extend_from_slice(data);
    }
    if v.len() & 1 == 0 {
        v.push(0xcc);
    }
    let shoff = v.len() as u64;
    let shentsize = if elf64 { 64 } else { 40 };
    v.resize(v.len() + shentsize, 0);
    for ((name, ty, data, link, info, entsize), off) in sections.iter().zip(&placed) {
        let mut sh = Vec::new();
        put(&mut sh, name_at(name), 4);
        put(&mut sh, u64::from(*ty), 4);
        let flags = if *name == ".text" { 6 } else if *name == ".modinfo" { 2 } else { 0 };
        put(&mut sh, flags, w);
        put(&mut sh, 0, w);
        put(&mut sh, *off, w);
        put(&mut sh, data.len() as u64, w);
        put(&mut sh, u64::from(*link), 4);
        put(&mut sh, u64::from(*info), 4);
        put(&mut sh, 1, w);
        put(&mut sh, *entsize, w);
        assert_eq!(sh.len(), shentsize);
        v.extend_from_slice(&sh);
    }
    // the ELF header
    let mut h = Vec::new();
    h.extend_from_slice(b"\x7fELF");
    h.push(if elf64 { 2 } else { 1 });
    h.push(if big { 2 } else { 1 });
    h.push(1);
    h.extend_from_slice(&[0; 9]);
    put(&mut h, 1, 2); // ET_REL
    put(&mut h, if elf64 && !big { 62 } else if elf64 { 22 } else { 3 }, 2);
    put(&mut h, 1, 4);
    put(&mut h, 0, w); // entry
    put(&mut h, 0, w); // phoff
    put(&mut h, shoff, w);
    put(&mut h, 0, 4); // flags
    put(&mut h, hdr as u64, 2);
    put(&mut h, 0, 2); // phentsize
    put(&mut h, 0, 2); // phnum
    put(&mut h, shentsize as u64, 2);
    put(&mut h, sections.len() as u64 + 1, 2);
    put(&mut h, 1, 2); // shstrndx
    assert_eq!(h.len(), hdr);
    v[..hdr].copy_from_slice(&h);
    v
}

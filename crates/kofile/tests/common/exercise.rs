//! "Every public API" over arbitrary bytes: the routine shared by the
//! mutation tests (`tests/mutations.rs`) and the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs` include this file by path).
//!
//! Besides "must not panic", it asserts a few invariants that hold for any
//! input (e.g. a name lookup returns the section it names); a failing one is
//! a logic bug in kofile, reported like a panic.
//!
//! Everything returns a digest of what was read so nothing is optimised away.

#![allow(dead_code)]

use kofile::elf::{SHF_ALLOC, SHT_NOBITS};
use kofile::symbols::{resolve_in_file, Relocations, SymbolTable};
use kofile::{Module, ModuleImage};

/// Relocation sections are looked up for at most this many targets per
/// image (each lookup scans the whole section table).
const MAX_RELOC_TARGETS: usize = 1024;
/// At most this many relocations per target are resolved with `at`.
const MAX_RELOCS_AT: usize = 512;

/// Section names kofile and its users look up.
const NAMES: &[&str] = &[
    ".modinfo",
    "__versions",
    "__ksymtab",
    "__ksymtab_gpl",
    "__kcrctab",
    "__kcrctab_gpl",
    "__ksymtab_strings",
    "__param",
    ".gnu.linkonce.this_module",
    ".symtab",
    ".strtab",
    ".shstrtab",
    ".text",
    ".data..percpu",
    "",
];

fn mix(acc: &mut u64, v: u64) {
    *acc = (*acc ^ v).wrapping_mul(0x0100_0000_01b3).rotate_left(7);
}

fn mix_bytes(acc: &mut u64, b: &[u8]) {
    mix(acc, b.len() as u64);
    for chunk in b.chunks(8).take(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        mix(acc, u64::from_le_bytes(w));
    }
}

/// Runs every reader of kofile over `data` (an already decompressed image).
pub fn exercise(data: &[u8]) -> u64 {
    let mut acc = 0u64;
    mix(&mut acc, kofile::file::detect(data) as u64);

    // Linux's checklist, on the whole image and on the ELF part of a signed one
    let linux = kofile::linux::elf_validity_check(data);
    match &linux {
        Ok(sections) => mix(&mut acc, sections.len() as u64),
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }
    if let Some((body, t)) = kofile::signature::split_trailer(data) {
        mix(&mut acc, u64::from(t.sig_len) ^ u64::from(t.algo) ^ u64::from(t.id_type));
        if let Some(n) = body.len().checked_sub(t.sig_len as usize) {
            if let Err(e) = kofile::linux::elf_validity_check(&body[..n]) {
                mix_bytes(&mut acc, e.to_string().as_bytes());
            }
        }
    }

    // the appended signature
    if let Some(sig) = kofile::signature::info(data) {
        assert!(kofile::signature::ID_TYPE_NAMES.contains(&sig.id_type));
        assert!(kofile::signature::HASH_NAMES.contains(&sig.hash_algo));
        assert!(kofile::signature::ALGO_NAMES.contains(&sig.algo));
        mix_bytes(&mut acc, &sig.signer);
        mix_bytes(&mut acc, kofile::signature::hex_folded(&sig.key_id).as_bytes());
        mix_bytes(&mut acc, &sig.signature);
        if let Some(p) = sig.pkcs7 {
            // the PKCS#7 parser on its own
            if let Some(p) = kofile::signature::parse_pkcs7(p) {
                mix_bytes(&mut acc, &p.issuer_der);
                mix_bytes(&mut acc, &p.serial);
            }
        }
    }

    match Module::parse(data) {
        Ok(m) => {
            if let Ok(sections) = &linux {
                // the same table when the header really is ELF64 LSB
                if data[4] == 2 && data[5] == 1 {
                    assert_eq!(&sections[..], m.elf().sections(), "linux and kmod views of the section table");
                }
            }
            acc ^= exercise_module(&m);
        }
        Err(e) => {
            assert!(e.errno() == kofile::error::ENOEXEC || e.errno() == kofile::error::EINVAL);
            mix_bytes(&mut acc, e.to_string().as_bytes());
        }
    }
    acc
}

/// Decompresses (or wraps) `bytes` as a module file and exercises the result.
pub fn exercise_image(bytes: Vec<u8>) -> u64 {
    match ModuleImage::from_vec(bytes) {
        Ok(img) => {
            let mut acc = img.compression() as u64;
            mix(&mut acc, img.len() as u64);
            acc ^ exercise(&img)
        }
        Err(e) => {
            let mut acc = e.errno() as u64;
            if let kofile::OpenError::Decompress { message, site, .. } = &e {
                assert!(message.starts_with("xz: ") || message.starts_with("zstd: "), "{message}");
                mix(&mut acc, u64::from(site.line));
            }
            mix_bytes(&mut acc, e.to_string().as_bytes());
            acc
        }
    }
}

fn exercise_module(m: &Module<'_>) -> u64 {
    let mut acc = 0u64;
    let elf = m.elf();
    let h = *elf.header();
    assert_eq!(elf.sections().len(), usize::from(h.e_shnum));
    mix(&mut acc, h.e_type as u64 ^ (h.e_machine as u64) << 16);

    // .modinfo
    if let Some(s) = m.modinfo_section() {
        mix(&mut acc, s.len() as u64);
    }
    let mut first_name = None;
    for e in m.modinfo() {
        if e.key == b"name" && first_name.is_none() {
            first_name = Some(e.value);
        }
        mix_bytes(&mut acc, e.key);
        mix_bytes(&mut acc, e.value);
    }
    assert_eq!(m.modinfo_get("name"), first_name);
    for k in ["vermagic", "license", "depends", "alias", "parmtype", ""] {
        if let Some(v) = m.modinfo_get(k) {
            mix_bytes(&mut acc, v);
        }
    }

    // names
    match m.name() {
        Ok(n) => mix_bytes(&mut acc, n),
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }
    match kofile::params::this_module_name(elf) {
        Ok(n) => {
            assert!(n.len() as u64 <= kofile::params::module_name_len(elf));
            mix_bytes(&mut acc, n)
        }
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }

    // sections, by index and by name
    for (i, s) in elf.sections().iter().enumerate() {
        mix(&mut acc, s.offset ^ s.size.rotate_left(17) ^ i as u64);
        if let Some(n) = elf.section_name(s) {
            mix_bytes(&mut acc, n);
        }
        if let Some(d) = elf.section_data(s) {
            assert_eq!(d.len() as u64, s.size);
            for off in [0u64, 1, 3, 7, s.size.wrapping_sub(8), s.size.wrapping_sub(1), s.size, u64::MAX] {
                for size in [1usize, 2, 4, 8] {
                    if let Some(v) = elf.read_uint(d, off, size) {
                        mix(&mut acc, v);
                    }
                }
                if let Some(v) = elf.read_word(d, off) {
                    mix(&mut acc, v);
                }
            }
        }
    }
    for name in NAMES {
        if let Some((i, d)) = elf.find_section(name) {
            let s = &elf.sections()[i];
            assert!(i >= 1);
            assert_eq!(elf.section_name(s), Some(name.as_bytes()));
            if s.sh_type != SHT_NOBITS {
                assert_eq!(elf.section_data(s), Some(d));
            }
            mix(&mut acc, i as u64);
        }
        let a = elf.find_alloc_section(name);
        if a != 0 {
            let s = &elf.sections()[a];
            assert!(s.flags & SHF_ALLOC != 0 && elf.section_name(s) == Some(name.as_bytes()));
        }
        mix(&mut acc, a as u64);
    }

    // symbols
    let symtab = m.symbols();
    match &symtab {
        Ok(st) => {
            let n = st.len();
            assert_eq!(st.is_empty(), n == 0);
            let mut count = 0;
            for (i, s) in st.iter().enumerate() {
                assert_eq!(s.index, i);
                mix(&mut acc, s.value ^ u64::from(s.shndx) ^ u64::from(s.info) << 8 ^ u64::from(s.bind()) ^ u64::from(s.kind()));
                mix_bytes(&mut acc, s.name);
                count += 1;
            }
            assert_eq!(count, n);
            mix(&mut acc, st.undefined().count() as u64);
            mix(&mut acc, st.defined().count() as u64);
            assert!(st.get(n).is_none());
            assert!(st.get(usize::MAX).is_none());
            assert!(st.get(u32::MAX as usize).is_none() || n > u32::MAX as usize);
            mix(&mut acc, st.strings().len() as u64 ^ st.section as u64);
        }
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }

    // relocations of every section (and of indices past the table)
    let targets = elf.sections().len().min(MAX_RELOC_TARGETS);
    for target in (0..targets).chain([elf.sections().len(), usize::MAX]) {
        let r = Relocations::for_section(elf, target);
        assert_eq!(r.target(), target);
        let all = r.all();
        assert!(all.windows(2).all(|w| w[0].offset <= w[1].offset), "relocations sorted");
        for (k, rel) in all.iter().take(MAX_RELOCS_AT).enumerate() {
            let width = [4usize, 8, 2, 1][k % 4];
            if let Some(x) = r.at(rel.offset, width) {
                assert_eq!(x.offset, rel.offset);
                mix(&mut acc, x.addend as u64);
            }
            if let Ok(st) = &symtab {
                if let Some((s, o)) = resolve_in_file(st, rel.sym, rel.addend) {
                    mix(&mut acc, s as u64 ^ o);
                }
            }
            mix(&mut acc, u64::from(rel.sym) ^ u64::from(rel.r_type) << 32);
        }
        assert!(r.at(u64::MAX, 8).is_none() || all.iter().any(|x| x.offset == u64::MAX));
    }

    // typed tables
    match m.exports() {
        Ok(v) => {
            for e in &v {
                mix_bytes(&mut acc, e.name);
                mix_bytes(&mut acc, e.namespace);
                mix(&mut acc, e.gpl as u64 ^ e.crc.map_or(1, u64::from) ^ e.value_addend as u64);
                mix(&mut acc, e.value_sym.map_or(7, u64::from));
            }
        }
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }
    match kofile::exports::crc_symbols(elf) {
        Ok(v) => v.iter().for_each(|(n, c)| {
            mix_bytes(&mut acc, n);
            mix(&mut acc, *c);
        }),
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }
    match m.modversions() {
        Ok(v) => v.iter().for_each(|x| {
            assert!(x.name.len() < 64);
            mix_bytes(&mut acc, x.name);
            mix(&mut acc, x.crc);
        }),
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }
    match m.params() {
        Ok(v) => v.iter().for_each(|p| {
            mix_bytes(&mut acc, p.name);
            mix_bytes(&mut acc, p.ops);
            mix(&mut acc, p.offset ^ u64::from(p.perm) ^ (p.level as u64) ^ u64::from(p.flags));
            mix(&mut acc, p.arg_sym.map_or(3, u64::from) ^ p.arg_addend as u64);
        }),
        Err(e) => mix_bytes(&mut acc, e.to_string().as_bytes()),
    }
    if let Some(sig) = m.signature() {
        mix_bytes(&mut acc, &sig.signer);
    }
    if let Ok(st) = SymbolTable::new(elf) {
        mix(&mut acc, st.len() as u64);
    }
    acc
}

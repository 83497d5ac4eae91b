//! Linux 6.1's `elf_validity_check` (spec linux-6.1-loader.md §2.2), rule by
//! rule, on crafted bad files derived from a real x86_64 module (crc7.ko with
//! its signature stripped, as the kernel sees it after `mod_verify_sig`).
//!
//! Each test patches header or section-table bytes and asserts the exact
//! [`LinuxElfError`] variant and its `Display` text (the kernel's message).

mod common;

use common::{elf_part, fixtures};
use kofile::linux::elf_validity_check;
use kofile::{Elf, LinuxElfError as E};

// ELF64 header field offsets.
const E_TYPE: usize = 16;
const E_MACHINE: usize = 18;
const E_SHOFF: usize = 40;
const E_SHENTSIZE: usize = 58;
const E_SHNUM: usize = 60;
const E_SHSTRNDX: usize = 62;
// Elf64_Shdr field offsets.
const SH_NAME: usize = 0;
const SH_TYPE: usize = 4;
const SH_FLAGS: usize = 8;
const SH_ADDR: usize = 16;
const SH_OFFSET: usize = 24;
const SH_SIZE: usize = 32;
const SH_LINK: usize = 40;

/// crc7.ko's ELF part and the indices of a few of its sections.
struct Crc7 {
    elf: Vec<u8>,
    shoff: usize,
    shnum: u16,
    shstrndx: usize,
    text: usize,
    symtab: usize,
    bss: usize,
    comment: usize,
}

fn crc7() -> Option<Crc7> {
    let tree = fixtures()?.tree("amd64")?;
    let rel = tree
        .modules()
        .into_iter()
        .find(|p| p.ends_with("/crc7.ko"))
        .expect("crc7.ko in modules.dep");
    let file = std::fs::read(tree.path(&rel)).unwrap();
    let elf = elf_part(&file).to_vec();
    assert!(elf.len() < file.len(), "crc7.ko is signed");
    let e = Elf::parse(&elf).unwrap();
    let find = |name: &str| {
        e.sections()
            .iter()
            .position(|s| e.section_name(s) == Some(name.as_bytes()))
            .unwrap_or_else(|| panic!("crc7.ko has {name}"))
    };
    let c = Crc7 {
        shoff: e.header().e_shoff as usize,
        shnum: e.header().e_shnum,
        shstrndx: usize::from(e.header().e_shstrndx),
        text: find(".text"),
        symtab: find(".symtab"),
        bss: find(".bss"),
        comment: find(".comment"),
        elf: elf.clone(),
    };
    assert_eq!(e.sections()[c.bss].sh_type, kofile::elf::SHT_NOBITS);
    assert_eq!(e.sections()[c.comment].flags & kofile::elf::SHF_ALLOC, 0);
    Some(c)
}

impl Crc7 {
    fn sh(&self, index: usize, field: usize) -> usize {
        self.shoff + index * 64 + field
    }
    fn shstrtab_size(&self) -> u64 {
        get_u64(&self.elf, self.sh(self.shstrndx, SH_SIZE))
    }
}

fn put(v: &mut [u8], at: usize, bytes: &[u8]) {
    v[at..at + bytes.len()].copy_from_slice(bytes);
}
fn put16(v: &mut [u8], at: usize, x: u16) {
    put(v, at, &x.to_le_bytes())
}
fn put32(v: &mut [u8], at: usize, x: u32) {
    put(v, at, &x.to_le_bytes())
}
fn put64(v: &mut [u8], at: usize, x: u64) {
    put(v, at, &x.to_le_bytes())
}
fn get_u64(v: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(v[at..at + 8].try_into().unwrap())
}

/// Asserts the check fails with `want` and the kernel's message `msg`.
#[track_caller]
fn fails(image: &[u8], want: E, msg: &str) {
    let got = elf_validity_check(image).expect_err("the check must fail");
    assert_eq!(got, want);
    assert_eq!(got.to_string(), msg);
}

#[test]
fn real_module_passes() {
    let Some(c) = crc7() else { return };
    let sections = elf_validity_check(&c.elf).expect("crc7.ko's ELF part is valid");
    assert_eq!(sections.len(), usize::from(c.shnum));
    // the same headers kmod's reader sees
    assert_eq!(sections, Elf::parse(&c.elf).unwrap().sections());
    // the signed file passes too (the signature only adds bytes at the end)
    let mut whole = c.elf.clone();
    whole.extend_from_slice(&[0u8; 700]);
    assert!(elf_validity_check(&whole).is_ok());
}

/// Rule 1: `len >= 64`.
#[test]
fn rule01_header_len() {
    let Some(c) = crc7() else { return };
    fails(&c.elf[..63], E::HeaderLen(63), "Invalid ELF header len 63");
    fails(&c.elf[..0], E::HeaderLen(0), "Invalid ELF header len 0");
    fails(&c.elf[..4], E::HeaderLen(4), "Invalid ELF header len 4");
    // exactly 64 bytes gets past rule 1 (and fails on the section table)
    assert_eq!(elf_validity_check(&c.elf[..64]).unwrap_err(), E::SectionTableOverflow);
}

/// Rule 2: the `\x7fELF` magic; EI_CLASS, EI_DATA, EI_VERSION and e_version are not checked.
#[test]
fn rule02_magic() {
    let Some(c) = crc7() else { return };
    for (at, val) in [(0usize, 0x7eu8), (1, b'e'), (2, b'l'), (3, b'f')] {
        let mut v = c.elf.clone();
        v[at] = val;
        fails(&v, E::Magic, "Invalid ELF header magic: != \\x7fELF");
    }
    let mut v = c.elf.clone();
    v[4] = 1; // ELFCLASS32
    v[5] = 2; // ELFDATA2MSB
    v[6] = 0; // EI_VERSION
    put32(&mut v, 20, 0); // e_version
    assert!(elf_validity_check(&v).is_ok(), "class/data/version are not checked");
}

/// Rule 3: `e_type == ET_REL`.
#[test]
fn rule03_type() {
    let Some(c) = crc7() else { return };
    let mut v = c.elf.clone();
    put16(&mut v, E_TYPE, 2);
    fails(&v, E::Type(2), "Invalid ELF header type: 2 != 1");
    put16(&mut v, E_TYPE, 0);
    fails(&v, E::Type(0), "Invalid ELF header type: 0 != 1");
    put16(&mut v, E_TYPE, 0xffff);
    fails(&v, E::Type(65535), "Invalid ELF header type: 65535 != 1");
}

/// Rule 4: `e_machine == EM_X86_64`.
#[test]
fn rule04_machine() {
    let Some(c) = crc7() else { return };
    let mut v = c.elf.clone();
    put16(&mut v, E_MACHINE, 3);
    fails(&v, E::Machine(3), "Invalid architecture in ELF header: 3");
    put16(&mut v, E_MACHINE, 22);
    fails(&v, E::Machine(22), "Invalid architecture in ELF header: 22");
}

/// Rule 5: `e_shentsize == 64`.
#[test]
fn rule05_shentsize() {
    let Some(c) = crc7() else { return };
    for bad in [0u16, 40, 63, 65, 128] {
        let mut v = c.elf.clone();
        put16(&mut v, E_SHENTSIZE, bad);
        fails(&v, E::Shentsize, "Invalid ELF section header size");
    }
}

/// Rule 6: the section header table lies inside `len`.
#[test]
fn rule06_section_table_overflow() {
    let Some(c) = crc7() else { return };
    let msg = "Invalid ELF section header overflow";
    // crc7.ko's table ends exactly at the end of the ELF part
    assert_eq!(c.shoff + usize::from(c.shnum) * 64, c.elf.len());
    fails(&c.elf[..c.elf.len() - 1], E::SectionTableOverflow, msg);
    let mut v = c.elf.clone();
    put16(&mut v, E_SHNUM, c.shnum + 1);
    fails(&v, E::SectionTableOverflow, msg);
    for shoff in [c.elf.len() as u64, c.elf.len() as u64 + 1, c.shoff as u64 + 1, u64::MAX, u64::MAX - 63] {
        let mut v = c.elf.clone();
        put64(&mut v, E_SHOFF, shoff);
        fails(&v, E::SectionTableOverflow, msg);
    }
    // e_shnum * 64 must not wrap into a small number: the largest e_shnum
    let mut v = c.elf.clone();
    put16(&mut v, E_SHNUM, u16::MAX);
    fails(&v, E::SectionTableOverflow, msg);
}

/// Rule 7: `0 < e_shstrndx < e_shnum`.
#[test]
fn rule07_shstrndx() {
    let Some(c) = crc7() else { return };
    let n = c.shnum;
    for bad in [0u16, n, n + 1, u16::MAX] {
        let mut v = c.elf.clone();
        put16(&mut v, E_SHSTRNDX, bad);
        fails(
            &v,
            E::Shstrndx { index: bad, count: n },
            &format!("Invalid ELF section name index: {bad} || e_shstrndx ({bad}) >= e_shnum ({n})"),
        );
    }
}

/// Rule 8, first sub-check: the name table's data inside `len` (no overflow).
#[test]
fn rule08a_name_table_bounds() {
    let Some(c) = crc7() else { return };
    let len = c.elf.len() as u64;
    let size = c.shstrtab_size();
    for (off, sz) in [(len, size), (len - size + 1, size), (0, len + 1), (u64::MAX, 1), (1, u64::MAX)] {
        let mut v = c.elf.clone();
        put64(&mut v, c.sh(c.shstrndx, SH_OFFSET), off);
        put64(&mut v, c.sh(c.shstrndx, SH_SIZE), sz);
        fails(&v, E::ShstrtabBounds(3), "Invalid ELF section hdr(type 3)");
    }
    // the message carries the name table's sh_type
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(c.shstrndx, SH_TYPE), 7);
    put64(&mut v, c.sh(c.shstrndx, SH_OFFSET), len);
    fails(&v, E::ShstrtabBounds(7), "Invalid ELF section hdr(type 7)");
    // bounds come first: an empty table at offset == len is in bounds (and
    // then "empty"); at offset len+1 it is out of bounds
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.shstrndx, SH_OFFSET), len);
    put64(&mut v, c.sh(c.shstrndx, SH_SIZE), 0);
    fails(&v, E::ShstrtabEmpty, "empty section name table");
    put64(&mut v, c.sh(c.shstrndx, SH_OFFSET), len + 1);
    fails(&v, E::ShstrtabBounds(3), "Invalid ELF section hdr(type 3)");
}

/// Rule 8, second sub-check: the name table is not empty.
#[test]
fn rule08b_name_table_empty() {
    let Some(c) = crc7() else { return };
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.shstrndx, SH_SIZE), 0);
    fails(&v, E::ShstrtabEmpty, "empty section name table");
}

/// Rule 8, third sub-check: the name table ends in NUL.
#[test]
fn rule08c_name_table_unterminated() {
    let Some(c) = crc7() else { return };
    let msg = "ELF Spec violation: section name table isn't null terminated";
    let off = get_u64(&c.elf, c.sh(c.shstrndx, SH_OFFSET)) as usize;
    let size = c.shstrtab_size() as usize;
    // the last byte patched
    let mut v = c.elf.clone();
    assert_eq!(v[off + size - 1], 0);
    v[off + size - 1] = b'x';
    fails(&v, E::ShstrtabUnterminated, msg);
    // the table shortened by one byte (now ends inside the last name)
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.shstrndx, SH_SIZE), size as u64 - 1);
    fails(&v, E::ShstrtabUnterminated, msg);
}

/// Rule 9: section 0 is SHT_NULL with size 0 and address 0.
#[test]
fn rule09_section0() {
    let Some(c) = crc7() else { return };
    let msg = |t: u32| format!("ELF Spec violation: section 0 type({t})!=SH_NULL or non-zero len or addr");
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(0, SH_TYPE), 1);
    fails(&v, E::Section0(1), &msg(1));
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(0, SH_TYPE), 8); // even SHT_NOBITS is refused at index 0
    fails(&v, E::Section0(8), &msg(8));
    // the kernel prints the type with %d
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(0, SH_TYPE), 0x8000_0001);
    fails(
        &v,
        E::Section0(0x8000_0001),
        "ELF Spec violation: section 0 type(-2147483647)!=SH_NULL or non-zero len or addr",
    );
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(0, SH_SIZE), 1);
    fails(&v, E::Section0(0), &msg(0));
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(0, SH_ADDR), 0x1000);
    fails(&v, E::Section0(0), &msg(0));
    // other fields of section 0 are not looked at
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(0, SH_NAME), 0xffff_ffff);
    put64(&mut v, c.sh(0, SH_FLAGS), u64::MAX);
    put64(&mut v, c.sh(0, SH_OFFSET), u64::MAX);
    put32(&mut v, c.sh(0, SH_LINK), 0xffff_ffff);
    assert!(elf_validity_check(&v).is_ok());
}

/// Rule 10, first sub-check: a symbol table links to a section in `(0, e_shnum)`.
#[test]
fn rule10a_symtab_link() {
    let Some(c) = crc7() else { return };
    let n = c.shnum;
    for link in [0u32, u32::from(n), u32::from(n) + 1, u32::MAX] {
        let mut v = c.elf.clone();
        put32(&mut v, c.sh(c.symtab, SH_LINK), link);
        // the kernel prints sh_link with %d
        let shown = link as i32;
        fails(
            &v,
            E::SymtabLink { link, count: n },
            &format!("Invalid ELF sh_link!=SHN_UNDEF({shown}) or (sh_link({shown}) >= hdr->e_shnum({n})"),
        );
    }
    // any in-range link passes (the linked section's type is not checked)
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(c.symtab, SH_LINK), u32::from(n) - 1);
    assert!(elf_validity_check(&v).is_ok());
    // a second SHT_SYMTAB (here: .comment retyped) is checked as well
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(c.comment, SH_TYPE), 2);
    fails(
        &v,
        E::SymtabLink { link: 0, count: n },
        &format!("Invalid ELF sh_link!=SHN_UNDEF(0) or (sh_link(0) >= hdr->e_shnum({n})"),
    );
}

/// Rule 10, second sub-check: every other section's data lies inside `len`.
#[test]
fn rule10b_section_bounds() {
    let Some(c) = crc7() else { return };
    let len = c.elf.len() as u64;
    let t = c.text as u16;
    let msg = |i: usize, ty: u32| format!("Invalid ELF section in module (section {i} type {ty})");
    for (off, sz) in [(len, 1u64), (len - 0x23, 0x24), (len + 1, 0), (u64::MAX, 2), (2, u64::MAX), (0, len + 1)] {
        let mut v = c.elf.clone();
        put64(&mut v, c.sh(c.text, SH_OFFSET), off);
        put64(&mut v, c.sh(c.text, SH_SIZE), sz);
        fails(&v, E::SectionBounds { index: t, sh_type: 1 }, &msg(c.text, 1));
    }
    // a section ending exactly at `len` is fine
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.text, SH_OFFSET), len - 0x24);
    assert!(elf_validity_check(&v).is_ok());
    // the symbol table itself (after its link check)
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.symtab, SH_SIZE), u64::MAX);
    fails(&v, E::SectionBounds { index: c.symtab as u16, sh_type: 2 }, &msg(c.symtab, 2));
    // non-ALLOC sections too
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.comment, SH_OFFSET), len);
    fails(&v, E::SectionBounds { index: c.comment as u16, sh_type: 1 }, &msg(c.comment, 1));
    // bounds use the ELF length, not the file size: with the signature
    // stripped, a section reaching into it is invalid
    let mut signed = c.elf.clone();
    signed.extend_from_slice(&[0u8; 64]);
    put64(&mut signed, c.sh(c.comment, SH_OFFSET), len);
    put64(&mut signed, c.sh(c.comment, SH_SIZE), 64);
    assert!(elf_validity_check(&signed).is_ok());
    fails(&signed[..len as usize], E::SectionBounds { index: c.comment as u16, sh_type: 1 }, &msg(c.comment, 1));
    // SHT_NOBITS and SHT_NULL sections (index >= 1) are skipped entirely
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.bss, SH_OFFSET), u64::MAX);
    put64(&mut v, c.sh(c.bss, SH_SIZE), u64::MAX);
    put32(&mut v, c.sh(c.bss, SH_NAME), u32::MAX);
    put32(&mut v, c.sh(c.comment, SH_TYPE), 0);
    put64(&mut v, c.sh(c.comment, SH_OFFSET), u64::MAX);
    put64(&mut v, c.sh(c.comment, SH_FLAGS), 2);
    put32(&mut v, c.sh(c.comment, SH_NAME), u32::MAX);
    assert!(elf_validity_check(&v).is_ok());
}

/// Rule 10, third sub-check: an SHF_ALLOC section's name offset is inside the name table.
#[test]
fn rule10c_section_name() {
    let Some(c) = crc7() else { return };
    let size = c.shstrtab_size() as u32;
    let t = c.text as u16;
    let msg = |i: usize, ty: u32| format!("Invalid ELF section name in module (section {i} type {ty})");
    for name in [size, size + 1, u32::MAX] {
        let mut v = c.elf.clone();
        put32(&mut v, c.sh(c.text, SH_NAME), name);
        fails(&v, E::SectionName { index: t, sh_type: 1 }, &msg(c.text, 1));
    }
    // the last byte of the table (its final NUL) is a valid (empty) name
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(c.text, SH_NAME), size - 1);
    assert!(elf_validity_check(&v).is_ok());
    // non-ALLOC sections may have any name offset ...
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(c.comment, SH_NAME), u32::MAX);
    assert!(elf_validity_check(&v).is_ok());
    // ... until SHF_ALLOC is set
    put64(&mut v, c.sh(c.comment, SH_FLAGS), 2);
    fails(&v, E::SectionName { index: c.comment as u16, sh_type: 1 }, &msg(c.comment, 1));
    // the symbol table gets the name check too when it is ALLOC
    let mut v = c.elf.clone();
    put32(&mut v, c.sh(c.symtab, SH_NAME), u32::MAX);
    assert!(elf_validity_check(&v).is_ok());
    put64(&mut v, c.sh(c.symtab, SH_FLAGS), 2);
    fails(&v, E::SectionName { index: c.symtab as u16, sh_type: 2 }, &msg(c.symtab, 2));
}

/// Sections are checked in index order, each fully (bounds, then name) before the next.
#[test]
fn rule10_per_section_order() {
    let Some(c) = crc7() else { return };
    let len = c.elf.len() as u64;
    let mut v = c.elf.clone();
    // .text: bad name; .symtab (later): bad bounds -> .text is reported
    put32(&mut v, c.sh(c.text, SH_NAME), u32::MAX);
    put64(&mut v, c.sh(c.symtab, SH_OFFSET), len);
    assert_eq!(elf_validity_check(&v).unwrap_err(), E::SectionName { index: c.text as u16, sh_type: 1 });
    // same section: bounds before name
    put64(&mut v, c.sh(c.text, SH_OFFSET), len);
    assert_eq!(elf_validity_check(&v).unwrap_err(), E::SectionBounds { index: c.text as u16, sh_type: 1 });
    // symtab: link before bounds
    let mut v = c.elf.clone();
    put64(&mut v, c.sh(c.symtab, SH_OFFSET), len);
    put32(&mut v, c.sh(c.symtab, SH_LINK), 0);
    assert_eq!(elf_validity_check(&v).unwrap_err(), E::SymtabLink { link: 0, count: c.shnum });
}

/// The rules are checked in the kernel's order: with a defect for each of
/// rules 2..10 applied at once, repairing them one at a time reveals the next.
#[test]
fn rules_are_checked_in_order() {
    let Some(c) = crc7() else { return };
    let len = c.elf.len() as u64;
    let n = c.shnum;
    // (patches, expected error); patches of different rules never overlap
    type Patch = (usize, Vec<u8>);
    let defects: Vec<(Vec<Patch>, E)> = vec![
        (vec![(1, b"X".to_vec())], E::Magic),
        (vec![(E_TYPE, 3u16.to_le_bytes().to_vec())], E::Type(3)),
        (vec![(E_MACHINE, 40u16.to_le_bytes().to_vec())], E::Machine(40)),
        (vec![(E_SHENTSIZE, 56u16.to_le_bytes().to_vec())], E::Shentsize),
        (vec![(E_SHOFF, u64::MAX.to_le_bytes().to_vec())], E::SectionTableOverflow),
        (vec![(E_SHSTRNDX, 0u16.to_le_bytes().to_vec())], E::Shstrndx { index: 0, count: n }),
        (vec![(c.sh(c.shstrndx, SH_OFFSET), len.to_le_bytes().to_vec())], E::ShstrtabBounds(3)),
        (vec![(c.sh(0, SH_SIZE), 1u64.to_le_bytes().to_vec())], E::Section0(0)),
        (vec![(c.sh(c.symtab, SH_LINK), 0u32.to_le_bytes().to_vec())], E::SymtabLink { link: 0, count: n }),
    ];
    let mut v = c.elf.clone();
    for (patches, _) in &defects {
        for (at, bytes) in patches {
            put(&mut v, *at, bytes);
        }
    }
    for (patches, want) in &defects {
        assert_eq!(elf_validity_check(&v).unwrap_err(), *want);
        for (at, bytes) in patches {
            let orig = c.elf[*at..*at + bytes.len()].to_vec();
            put(&mut v, *at, &orig);
        }
    }
    assert_eq!(v, c.elf);
    assert!(elf_validity_check(&v).is_ok());
}

/// Foreign modules fail where the kernel would: i386 (ELF32 LSB) on the
/// machine, s390x (ELF64 MSB, read as LSB) already on the type.
#[test]
fn foreign_modules_rejected() {
    let Some(f) = fixtures() else { return };
    for (label, want) in [("i386", E::Machine(3)), ("s390x", E::Type(256))] {
        let Some(tree) = f.tree(label) else { continue };
        let rel = tree.modules().into_iter().find(|p| p.ends_with("/crc7.ko")).unwrap();
        let file = std::fs::read(tree.path(&rel)).unwrap();
        assert_eq!(elf_validity_check(elf_part(&file)).unwrap_err(), want, "{label}");
    }
}

/// Every amd64 module's ELF part passes, and the section headers returned
/// are the ones kmod's reader sees.
#[test]
fn all_amd64_modules_pass() {
    let Some(tree) = fixtures().and_then(|f| f.tree("amd64")) else { return };
    let modules = tree.modules();
    assert_eq!(modules.len(), 4023, "the amd64 fixture has 4023 modules");
    let mut bad = Vec::new();
    for rel in &modules {
        let file = std::fs::read(tree.path(rel)).unwrap();
        let elf = elf_part(&file);
        assert!(elf.len() < file.len(), "{rel} is signed");
        match elf_validity_check(elf) {
            Ok(sections) => assert_eq!(sections, Elf::parse(elf).unwrap().sections(), "{rel}"),
            Err(e) => bad.push(format!("{rel}: {e}")),
        }
    }
    assert!(bad.is_empty(), "{} modules fail elf_validity_check:\n{}", bad.len(), bad.join("\n"));
}

//! Issue 12 item 1: every offset and index the loader follows is checked
//! (the table in `kofile::linux`). Each test crafts one bad module from
//! Debian's crc7.ko (signature stripped) and asserts the errno, the exact
//! log line, and that nothing of it stays behind: not listed in
//! /proc/modules or /sys/module, and the module memory (what is mapped in
//! the host's low window, where module images live) back at its baseline.

mod common;

use common::{kernel, log_since, tree_module};
use kernel::{Errno, Kernel};
use kofile::elf::Elf;

// Elf64_Shdr field offsets.
const SH_TYPE: usize = 4;
const SH_OFFSET: usize = 24;
const SH_SIZE: usize = 32;
const SH_LINK: usize = 40;
const SH_ADDRALIGN: usize = 48;

/// crc7.ko as the kernel sees it after the signature check (unsigned).
fn crc7() -> Vec<u8> {
    let file = tree_module("crc7.ko");
    let (body, t) = kofile::signature::split_trailer(&file).expect("crc7.ko is signed");
    body[..body.len() - t.sig_len as usize].to_vec()
}

/// Section lookups on an image being patched.
struct Img {
    b: Vec<u8>,
    shoff: usize,
    shnum: usize,
}

impl Img {
    fn new(b: Vec<u8>) -> Img {
        let e = Elf::parse(&b).unwrap();
        let (shoff, shnum) = (e.header().e_shoff as usize, e.sections().len());
        Img { b, shoff, shnum }
    }
    fn index(&self, name: &str) -> usize {
        let e = Elf::parse(&self.b).unwrap();
        e.sections().iter().position(|s| e.section_name(s) == Some(name.as_bytes())).unwrap_or_else(|| panic!("crc7.ko has {name}"))
    }
    fn sh(&self, i: usize, field: usize) -> usize {
        self.shoff + i * 64 + field
    }
    fn get64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.b[at..at + 8].try_into().unwrap())
    }
    fn set64(&mut self, at: usize, v: u64) {
        self.b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    fn set32(&mut self, at: usize, v: u32) {
        self.b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    /// File offset and size of section `i`'s data.
    fn data(&self, i: usize) -> (usize, usize) {
        (self.get64(self.sh(i, SH_OFFSET)) as usize, self.get64(self.sh(i, SH_SIZE)) as usize)
    }
    fn symtab(&self) -> usize {
        (1..self.shnum).find(|&i| u32::from_le_bytes(self.b[self.sh(i, SH_TYPE)..][..4].try_into().unwrap()) == 2).unwrap()
    }
    fn strtab(&self) -> usize {
        u32::from_le_bytes(self.b[self.sh(self.symtab(), SH_LINK)..][..4].try_into().unwrap()) as usize
    }
    /// The symbol index of a named symbol.
    fn symbol(&self, name: &str) -> usize {
        let e = Elf::parse(&self.b).unwrap();
        let t = kofile::SymbolTable::new(&e).unwrap();
        let i = t.iter().find(|s| s.name == name.as_bytes()).unwrap_or_else(|| panic!("crc7.ko has symbol {name}")).index;
        i
    }
    /// The first RELA section applying to `target` and its data.
    fn rela_for(&self, target: usize) -> (usize, usize, usize) {
        let i = (1..self.shnum)
            .find(|&i| {
                let ty = u32::from_le_bytes(self.b[self.sh(i, SH_TYPE)..][..4].try_into().unwrap());
                let info = u32::from_le_bytes(self.b[self.sh(i, 44)..][..4].try_into().unwrap());
                ty == 4 && info as usize == target
            })
            .expect("a RELA section for the target");
        let (off, size) = self.data(i);
        (i, off, size)
    }
}

/// Bytes mapped in the host's low window (module images live there), from
/// /proc/self/maps.
fn low_window_bytes() -> u64 {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter_map(|l| {
            let (lo, hi) = l.split_whitespace().next()?.split_once('-')?;
            Some((u64::from_str_radix(lo, 16).ok()?, u64::from_str_radix(hi, 16).ok()?))
        })
        .map(|(lo, hi)| {
            let (lo, hi) = (lo.max(kabi::lowmem::LOW_START), hi.min(kabi::lowmem::LOW_END));
            hi.saturating_sub(lo)
        })
        .sum()
}

fn listed(k: &Kernel, name: &str) -> bool {
    common::loaded(k, name) || k.list_view("/sys/module").unwrap_or_default().iter().any(|n| n == name) || k.read_view(&format!("/sys/module/{name}/initstate")).is_ok()
}

/// Loads `img` with `finit_module` and asserts the refusal: `errno`, the
/// log line `line` among what the load printed, nothing listed, the module
/// memory and the taint mask (but for E, unsigned) as before.
fn refused(k: &Kernel, img: &[u8], flags: u32, errno: Errno, line: &str) {
    warm_up(k);
    let (mem, names) = (low_window_bytes(), k.module_names());
    let seq = kabi::log::next_seq();
    let r = k.finit_module(img, "", flags);
    let log = log_since(seq);
    if r.is_ok() {
        let _ = k.delete_module("crc7", 0);
    }
    assert_eq!(r, Err(errno), "log: {log:#?}");
    assert!(log.iter().any(|l| l == line), "expected {line:?} in {log:#?}");
    assert_eq!(k.module_names(), names);
    assert!(!listed(k, "crc7"), "crc7 listed after a failed load");
    assert_eq!(low_window_bytes(), mem, "module memory not returned (log: {log:#?})");
}

/// The original links, and everything a crc7 load provisions in the
/// host (stubs for its imports) exists before the baseline is taken.
fn warm_up(k: &Kernel) {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        k.link_only(&crc7(), 0, false).expect("unmodified crc7 links");
        assert!(!listed(k, "crc7"));
    });
}

#[test]
fn unmodified_crc7_loads_and_unloads() {
    let Some((k, _g)) = kernel() else { return };
    warm_up(k);
    let mem = low_window_bytes();
    k.finit_module(&crc7(), "", 0).expect("crc7 loads");
    assert!(listed(k, "crc7"));
    assert!(low_window_bytes() > mem);
    k.delete_module("crc7", 0).unwrap();
    assert!(!listed(k, "crc7"));
    assert_eq!(low_window_bytes(), mem);
}

#[test]
fn symbol_name_past_the_string_table() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let (st, strsz) = (m.symtab(), m.data(m.strtab()).1);
    let sym = m.symbol("crc7_be");
    let at = m.data(st).0 + sym * 24;
    // just past the end, then far past it (Linux 6.1 oopses on this)
    for off in [strsz as u32, strsz as u32 + 0x10_0000, u32::MAX] {
        m.set32(at, off);
        refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: symbol {sym} has name offset {off} past the string table ({strsz} bytes)"));
    }
    // the null symbol's name is read too
    let mut m = Img::new(crc7());
    let at = m.data(st).0;
    m.set32(at, strsz as u32 + 1);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: symbol 0 has name offset {} past the string table ({strsz} bytes)", strsz + 1));
}

#[test]
fn string_table_not_terminated() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let s = m.strtab();
    let (off, size) = m.data(s);
    m.b[off + size - 1] = b'x';
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: symbol string table (section {s}) is not NUL-terminated"));
}

#[test]
fn relocation_offset_past_its_section() {
    let Some((k, _g)) = kernel() else { return };
    let base = Img::new(crc7());
    let text = base.index(".text");
    let text_size = base.data(text).1 as u64;
    let (_, roff, _) = base.rela_for(text);
    let rtype = base.get64(roff + 8) as u32;
    assert!(matches!(rtype, 2 | 4 | 11), "a 4-byte relocation first, got {rtype}");
    // the last bytes of the place past the end, the first byte past it, a
    // wrapping offset
    for off in [text_size - 2, text_size, u64::MAX - 1] {
        let mut m = Img::new(crc7());
        m.set64(roff, off);
        refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: relocation offset {off:#x} (type {rtype}) outside section .text ({text_size} bytes)"));
    }
    // the place of an 8-byte relocation ending one byte past the section:
    // turn the first entry into R_X86_64_64 at size - 7
    let mut m = Img::new(crc7());
    let info = m.get64(roff + 8);
    m.set64(roff + 8, (info & !0xffff_ffff) | 1);
    m.set64(roff, text_size - 7);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: relocation offset {:#x} (type 1) outside section .text ({text_size} bytes)", text_size - 7));
}

#[test]
fn relocation_symbol_past_the_symbol_table() {
    let Some((k, _g)) = kernel() else { return };
    let base = Img::new(crc7());
    let nsyms = base.data(base.symtab()).1 / 24;
    let text = base.index(".text");
    let (ri, roff, _) = base.rela_for(text);
    let rname = { let e = Elf::parse(&base.b).unwrap(); String::from_utf8(e.section_name(&e.sections()[ri]).unwrap().to_vec()).unwrap() };
    for sym in [nsyms as u64, 0xffff_ffff] {
        let mut m = Img::new(crc7());
        let info = m.get64(roff + 8);
        m.set64(roff + 8, (sym << 32) | (info & 0xffff_ffff));
        refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: relocation 0 of section {rname} names symbol {sym}, beyond the symbol table ({nsyms} symbols)"));
    }
}

#[test]
fn symbol_section_index_out_of_range() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let sym = m.symbol("crc7_be");
    let at = m.data(m.symtab()).0 + sym * 24 + 6;
    let max = m.shnum - 1;
    // SHN_XINDEX (the index would be in SHT_SYMTAB_SHNDX: not supported, as
    // in Linux) and the first index past the table: Linux's own check
    for shndx in [0xffffu16, m.shnum as u16] {
        m.b[at..at + 2].copy_from_slice(&shndx.to_le_bytes());
        refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: Symbol crc7_be has an invalid section index {shndx} (max {max})"));
    }
}

#[test]
fn bad_symtab_link_is_linux_s_error() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let at = m.sh(m.symtab(), SH_LINK);
    let n = m.shnum as u32;
    m.set32(at, n);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("Invalid ELF sh_link!=SHN_UNDEF({n}) or (sh_link({n}) >= hdr->e_shnum({n})"));
    m.set32(at, 0);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("Invalid ELF sh_link!=SHN_UNDEF(0) or (sh_link(0) >= hdr->e_shnum({n})"));
}

#[test]
fn truncated_section_is_linux_s_error() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let text = m.index(".text");
    let len = m.b.len() as u64;
    let at = m.sh(text, SH_SIZE);
    m.set64(at, len);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("Invalid ELF section in module (section {text} type 1)"));
    // the file cut inside the section table
    let m = Img::new(crc7());
    let cut = m.shoff + 64 * m.shnum - 1;
    refused(k, &m.b[..cut], 0, Errno::ENOEXEC, "Invalid ELF section header overflow");
}

#[test]
fn alignment_not_a_power_of_two() {
    let Some((k, _g)) = kernel() else { return };
    for (name, align) in [(".data", 24u64), (".text", 3), (".rodata", u64::MAX)] {
        let mut m = Img::new(crc7());
        let i = m.index(name);
        let at = m.sh(i, SH_ADDRALIGN);
        m.set64(at, align);
        refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: section {name} (index {i}) has invalid alignment {align}"));
    }
    // the symbol table is laid out too (into init)
    let mut m = Img::new(crc7());
    let (i, at) = (m.symtab(), m.sh(m.symtab(), SH_ADDRALIGN));
    m.set64(at, 12);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: section .symtab (index {i}) has invalid alignment 12"));
    // a huge power of two cannot be allocated: -ENOMEM, as module_alloc
    let mut m = Img::new(crc7());
    let i = m.index(".data");
    let at = m.sh(i, SH_ADDRALIGN);
    m.set64(at, 1 << 62);
    warm_up(k);
    let mem = low_window_bytes();
    assert_eq!(k.finit_module(&m.b, "", 0), Err(Errno::ENOMEM));
    assert!(!listed(k, "crc7"));
    assert_eq!(low_window_bytes(), mem);
}

#[test]
fn modinfo_not_terminated() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let i = m.index(".modinfo");
    let (off, size) = m.data(i);
    assert_eq!(m.b[off + size - 1], 0);
    let at = m.sh(i, SH_SIZE);
    m.set64(at, size as u64 - 1);
    refused(k, &m.b, 0, Errno::ENOEXEC, "crc7: .modinfo section is not NUL-terminated");
}

#[test]
fn versions_name_not_terminated() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let (off, size) = m.data(m.index("__versions"));
    // an entry other than module_layout's (checked by Linux first)
    let n = (0..size / 64).find(|j| &m.b[off + j * 64 + 8..][..14] != b"module_layout\0").expect("an imported symbol");
    let e = off + n * 64;
    m.b[e + 8..e + 64].fill(b'x');
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: __versions entry {n} has no NUL-terminated name"));
}

#[test]
fn this_module_name_not_terminated_or_short() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let i = m.index(".gnu.linkonce.this_module");
    let (off, size) = m.data(i);
    m.b[off + 24..off + 80].fill(b'a');
    refused(k, &m.b, 0, Errno::ENOEXEC, "crc7: module name in .gnu.linkonce.this_module is not NUL-terminated");
    let mut m = Img::new(crc7());
    let at = m.sh(i, SH_SIZE);
    m.set64(at, size as u64 / 2);
    refused(k, &m.b, 0, Errno::ENOEXEC, "crc7: .gnu.linkonce.this_module is smaller than struct module");
}

#[test]
fn crc_table_shorter_than_the_export_table() {
    let Some((k, _g)) = kernel() else { return };
    let mut m = Img::new(crc7());
    let ks = m.data(m.index("__ksymtab")).1 / 12;
    let i = m.index("__kcrctab");
    let at = m.sh(i, SH_SIZE);
    m.set64(at, 0);
    refused(k, &m.b, 0, Errno::ENOEXEC, &format!("crc7: __kcrctab has 0 entries for {ks} symbols of __ksymtab"));
}

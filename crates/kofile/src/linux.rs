//! Linux 6.1's `elf_validity_check`, as a checklist of small checks.
//!
//! The host kernel runs this on every image handed to `init_module`; each
//! failure is `-ENOEXEC` and logs the message of the matching
//! [`LinuxElfError`]. `len` is the image length *after* the signature was
//! stripped (the kernel checks bounds against that, not the file size).
//!
//! Checked, in order (spec §2.2):
//! 1. `len >= 64` (an Elf64 header);
//! 2. the `\x7fELF` magic (class, data encoding and version are not checked);
//! 3. `e_type == ET_REL`;
//! 4. `e_machine == EM_X86_64`;
//! 5. `e_shentsize == 64`;
//! 6. the section header table inside `len`;
//! 7. `0 < e_shstrndx < e_shnum`;
//! 8. the name table inside `len`, not empty, NUL-terminated;
//! 9. section 0 is SHT_NULL with size 0 and address 0;
//! 10. per section ≥ 1 (SHT_NULL and SHT_NOBITS skipped): a symbol table links
//!     to a section index in `(0, e_shnum)`; any other section's data lies
//!     inside `len`; an SHF_ALLOC section's name offset is inside the name table.
//!
//! # Where Linux 6.1 trusts the file: the host's own checks
//!
//! Every other offset, index and size the loader follows, audited stage by
//! stage. "Linux" means what 6.1 does with it; items marked **host** are
//! refused here (or in the loader, where named) with `-ENOEXEC` and a log
//! line `<name>: <text>` ([`HostElfError`]) — before anything is allocated or
//! listed unless said otherwise. Inputs Linux refuses are refused with its
//! own errno and message, in its order: the host checks run after Linux's
//! checks of the same stage, just before layout.
//!
//! | what the loader follows | Linux 6.1 | host |
//! |---|---|---|
//! | `sh_offset`/`sh_size` of every section but NULL/NOBITS | checked (rule 10) | = |
//! | symtab `sh_link` (its string table) | `0 < link < e_shnum` (rule 10) | = ; data bounds by rule 10 |
//! | string table contents | trusted: names are `strlen`ed | **host**: [`check_strtab`] NUL-terminated |
//! | symbol `st_name` | trusted: `strtab + st_name` read in layout_symtab, simplify_symbols, kallsyms | **host**: [`check_symbol_names`], every symbol (index 0 too) |
//! | symbol `st_shndx` | simplify_symbols: `>= e_shnum` (SHN_XINDEX included) refused, "Symbol %s has an invalid section index" | = (after listing, unwound) |
//! | symtab `sh_size`/`sh_entsize` | count = `sh_size / 24`, entsize ignored (overwritten by layout) | = |
//! | `sh_addralign` of laid-out sections, symtab, strtab | `ALIGN()` trusts a power of two: another value can place a section over the previous one | **host**: [`check_alignment`] (0 or a power of two; huge ones fail allocation, `-ENOMEM`, as in Linux) |
//! | section sizes in layout | sums can wrap; module_alloc fails (`-ENOMEM`) | = : every placement is checked against its region before copying |
//! | RELA `sh_info` (target) | `>= e_shnum` or not SHF_ALLOC: skipped | = |
//! | RELA `sh_link`, `sh_size % 24` | ignored (main symtab; remainder ignored) | = |
//! | `ELF64_R_SYM` | trusted (`symtab[sym]` read) | **host** (loader's apply_relocations): `< symbol count` |
//! | `r_offset` + width | trusted (write anywhere) | **host** (loader): inside the target section, which must not be NOBITS |
//! | `.modinfo` strings | `next_string` bounded, but the last string and values are used as C strings | **host**: [`check_modinfo`] NUL-terminated |
//! | `__versions` entries | `sh_size / 64` entries; names `strcmp`ed (56 bytes, no NUL check) | **host**: [`check_versions`] every whole entry's name NUL-terminated |
//! | `.gnu.linkonce.this_module` size | trusted (copied as `struct module`) | **host** (loader): `>= sizeof(struct module)`, not NOBITS |
//! | its `name` field | trusted (`strlen`) | **host**: [`check_module_name`] NUL within 56 bytes |
//! | `__ksymtab*` vs `__kcrctab*` | counts from each size; CRCs indexed by symbol number | **host**: [`check_crc_table`] enough CRCs |
//! | `__ksymtab*` name/namespace offsets | trusted | loader: read only inside the module's image |
//! | `__param` entries' name pointers | trusted (`strcmp`, sysfs) | **host** (loader, after relocation, unwound): inside the module |
//! | `__param` entries' ops pointers | trusted (called) | **host** (loader, after relocation, unwound): inside the module or a vmlinux object |
//! | `__jump_table` code/target/key | trusted (text patched) | **not checked yet** (the sites are handed to kabi's jump_label as Linux does) |
//! | `.return_sites`, `__mcount_loc` | trusted (text patched) | loader: a site is patched only inside the module |
//! | `__bug_table` | trusted | loader: entries and strings read only inside the module |
//! | `.data..percpu` alignment | `> PAGE_SIZE` clamped with a warning | = |

use crate::error::HostElfError as H;
use crate::symbols::SymbolTable;

use crate::elf::{read_header, read_section_header, Class, SectionHeader, EM_X86_64, ET_REL, SHF_ALLOC, SHT_NOBITS, SHT_NULL, SHT_SYMTAB};
use crate::error::LinuxElfError as E;

/// Runs the checklist over `image[..len]`. On success returns the section
/// headers (index 0 included), for the loader's next stages.
pub fn elf_validity_check(image: &[u8]) -> Result<Vec<SectionHeader>, E> {
    let len = image.len() as u64;
    if len < 64 {
        return Err(E::HeaderLen(len));
    }
    if &image[..4] != b"\x7fELF" {
        return Err(E::Magic);
    }
    // The kernel reads an Elf64 header whatever EI_CLASS and EI_DATA say;
    // fields are little-endian on x86_64.
    let mut raw = image[..64].to_vec();
    raw[4] = 2;
    raw[5] = 1;
    let h = read_header(&raw).ok_or(E::HeaderLen(len))?;
    debug_assert_eq!(h.class, Class::Elf64);
    if h.e_type != ET_REL {
        return Err(E::Type(h.e_type));
    }
    if h.e_machine != EM_X86_64 {
        return Err(E::Machine(h.e_machine));
    }
    if h.e_shentsize != 64 {
        return Err(E::Shentsize);
    }
    let table = u64::from(h.e_shnum) * 64;
    if h.e_shoff >= len || table > len - h.e_shoff {
        return Err(E::SectionTableOverflow);
    }
    if h.e_shstrndx == 0 || h.e_shstrndx >= h.e_shnum {
        return Err(E::Shstrndx { index: h.e_shstrndx, count: h.e_shnum });
    }
    // Read the table with the header forced to ELF64 LSB, like the kernel.
    let mut hh = h;
    hh.class = Class::Elf64;
    hh.endian = object::Endianness::Little;
    let sections: Vec<SectionHeader> = (0..h.e_shnum)
        .map(|i| read_section_header(image, &hh, i))
        .collect::<Option<_>>()
        .ok_or(E::SectionTableOverflow)?;
    let strhdr = sections[usize::from(h.e_shstrndx)];
    let str_end = strhdr.offset.checked_add(strhdr.size);
    if str_end.map_or(true, |end| end > len) {
        return Err(E::ShstrtabBounds(strhdr.sh_type));
    }
    if strhdr.size == 0 {
        return Err(E::ShstrtabEmpty);
    }
    if image[(strhdr.offset + strhdr.size - 1) as usize] != 0 {
        return Err(E::ShstrtabUnterminated);
    }
    let s0 = sections[0];
    if s0.sh_type != SHT_NULL || s0.size != 0 || s0.addr != 0 {
        return Err(E::Section0(s0.sh_type));
    }
    for (i, s) in sections.iter().enumerate().skip(1) {
        let index = i as u16;
        match s.sh_type {
            SHT_NULL | SHT_NOBITS => continue,
            SHT_SYMTAB => {
                if s.link == 0 || s.link >= u32::from(h.e_shnum) {
                    return Err(E::SymtabLink { link: s.link, count: h.e_shnum });
                }
                // A symbol table's own bounds are checked like any section.
                check_bounds(s, len, index)?;
            }
            _ => check_bounds(s, len, index)?,
        }
        if s.flags & SHF_ALLOC != 0 && u64::from(s.name) >= strhdr.size {
            return Err(E::SectionName { index, sh_type: s.sh_type });
        }
    }
    Ok(sections)
}

fn check_bounds(s: &SectionHeader, len: u64, index: u16) -> Result<(), E> {
    match s.offset.checked_add(s.size) {
        Some(end) if end <= len => Ok(()),
        _ => Err(E::SectionBounds { index, sh_type: s.sh_type }),
    }
}

/// The symbol string table ends in NUL (so every name offset inside it
/// starts a terminated string). An empty table is refused by
/// [`check_symbol_names`] (even the null symbol names offset 0).
pub fn check_strtab(strings: &[u8], index: usize) -> Result<(), H> {
    match strings.last() {
        Some(0) | None => Ok(()),
        Some(_) => Err(H::StrtabUnterminated { index }),
    }
}

/// Every symbol's `st_name`, index 0 included, lies inside the string table.
pub fn check_symbol_names(symtab: &SymbolTable<'_>) -> Result<(), H> {
    let size = symtab.strings().len() as u64;
    for symbol in 0..symtab.len() {
        let offset = symtab.name_offset(symbol).unwrap_or(u32::MAX);
        if u64::from(offset) >= size {
            return Err(H::SymbolName { symbol, offset, size });
        }
    }
    Ok(())
}

/// A section the loader lays out is aligned to 0, 1 or a power of two.
pub fn check_alignment(s: &SectionHeader, name: &str, index: usize) -> Result<(), H> {
    if s.addralign <= 1 || s.addralign.is_power_of_two() {
        return Ok(());
    }
    Err(H::Alignment { name: name.to_string(), index, align: s.addralign })
}

/// `.modinfo` (when present and not empty) ends in NUL.
pub fn check_modinfo(modinfo: &[u8]) -> Result<(), H> {
    match modinfo.last() {
        Some(0) | None => Ok(()),
        Some(_) => Err(H::ModinfoUnterminated),
    }
}

/// Every whole 64-byte `__versions` entry (u64 CRC, then a 56-byte name)
/// has a NUL in its name field. A partial entry at the end is ignored, as
/// Linux ignores it.
pub fn check_versions(versions: &[u8]) -> Result<(), H> {
    match versions.chunks_exact(64).position(|e| !e[8..].contains(&0)) {
        Some(entry) => Err(H::VersionName { entry }),
        None => Ok(()),
    }
}

/// Offset and length of `name` in Linux 6.1's x86_64 `struct module`.
pub const MODULE_NAME_OFFSET: usize = 24;
pub const MODULE_NAME_LEN: usize = 56;

/// The `name` field of the file's `struct module` holds a NUL.
pub fn check_module_name(this_module: &[u8]) -> Result<(), H> {
    let field = this_module.get(MODULE_NAME_OFFSET..MODULE_NAME_OFFSET + MODULE_NAME_LEN).unwrap_or(&[]);
    if field.contains(&0) {
        Ok(())
    } else {
        Err(H::ModuleNameUnterminated)
    }
}

/// A CRC table holds one 4-byte CRC per 12-byte `kernel_symbol` of its
/// export table (`ksymtab`/`kcrctab` are section sizes; a missing CRC
/// table is Linux's force-load case, not checked here).
pub fn check_crc_table(symtab: &'static str, ksymtab: u64, crctab: &'static str, kcrctab: u64) -> Result<(), H> {
    let (syms, crcs) = (ksymtab / 12, kcrctab / 4);
    if crcs < syms {
        return Err(H::CrcTable { symtab, crctab, syms, crcs });
    }
    Ok(())
}

#[cfg(test)]
mod host_tests {
    use super::*;

    #[test]
    fn strtab() {
        assert!(check_strtab(b"\0a\0", 3).is_ok());
        assert!(check_strtab(b"", 3).is_ok());
        let e = check_strtab(b"\0ab", 3).unwrap_err();
        assert_eq!(e.to_string(), "symbol string table (section 3) is not NUL-terminated");
    }

    #[test]
    fn alignment() {
        let mut s = SectionHeader::default();
        for a in [0, 1, 2, 64, 4096, 1 << 40] {
            s.addralign = a;
            assert!(check_alignment(&s, ".data", 2).is_ok(), "{a}");
        }
        for a in [3, 24, u64::MAX] {
            s.addralign = a;
            assert_eq!(check_alignment(&s, ".data", 2).unwrap_err(), H::Alignment { name: ".data".into(), index: 2, align: a });
        }
        s.addralign = 24;
        assert_eq!(check_alignment(&s, ".data", 2).unwrap_err().to_string(), "section .data (index 2) has invalid alignment 24");
    }

    #[test]
    fn modinfo_versions_name() {
        assert!(check_modinfo(b"").is_ok());
        assert!(check_modinfo(b"a=b\0").is_ok());
        assert_eq!(check_modinfo(b"a=b\0c=d"), Err(H::ModinfoUnterminated));
        let mut v = vec![0u8; 64 * 3 + 10];
        v[64 + 8..128].fill(b'x');
        assert_eq!(check_versions(&v), Err(H::VersionName { entry: 1 }));
        v[127] = 0;
        assert!(check_versions(&v).is_ok());
        // the partial entry at the end is not read
        v[192..].fill(b'y');
        assert!(check_versions(&v).is_ok());
        let mut m = vec![0u8; 1000];
        assert!(check_module_name(&m).is_ok());
        m[24..80].fill(b'a');
        assert_eq!(check_module_name(&m), Err(H::ModuleNameUnterminated));
        assert_eq!(check_module_name(&m[..50]), Err(H::ModuleNameUnterminated));
    }

    #[test]
    fn crc_table() {
        assert!(check_crc_table("__ksymtab", 24, "__kcrctab", 8).is_ok());
        let e = check_crc_table("__ksymtab_gpl", 36, "__kcrctab_gpl", 8).unwrap_err();
        assert_eq!(e.to_string(), "__kcrctab_gpl has 2 entries for 3 symbols of __ksymtab_gpl");
    }
}

//! Exported symbols: `__ksymtab`, `__ksymtab_gpl`, their CRC tables, and the
//! `__crc_*` symbols.
//!
//! On x86_64 (HAVE_ARCH_PREL32_RELOCATIONS) a `struct kernel_symbol` is three
//! self-relative 32-bit offsets {value, name, namespace}; elsewhere it is three
//! pointers. Either way the fields are zero in the file and filled by
//! relocations, which is how names and namespaces are read here.

use crate::elf::{c_str_at, Class, Elf};
use crate::error::TableError;
use crate::symbols::{resolve_in_file, Relocations, SymbolTable};

/// One exported symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export<'a> {
    pub name: &'a [u8],
    /// Empty when the export has no namespace.
    pub namespace: &'a [u8],
    /// Exported with EXPORT_SYMBOL_GPL.
    pub gpl: bool,
    /// The symbol the value field points at (its index in the symbol table).
    pub value_sym: Option<u32>,
    pub value_addend: i64,
    /// The CRC from `__kcrctab*`, when the module has one.
    pub crc: Option<u32>,
}

/// Layout of `struct kernel_symbol` in this file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsymLayout {
    /// Three self-relative `s32` offsets (12 bytes).
    Prel32,
    /// Three pointers (3 words).
    Absolute,
}

/// Reads both export tables (`__ksymtab` then `__ksymtab_gpl`), in table order.
pub fn exports<'a>(elf: &Elf<'a>) -> Result<Vec<Export<'a>>, TableError> {
    let symtab = SymbolTable::new(elf)?;
    let mut out = Vec::new();
    for (sec, crcsec, gpl) in [("__ksymtab", "__kcrctab", false), ("__ksymtab_gpl", "__kcrctab_gpl", true)] {
        let Some((idx, data)) = elf.find_section(sec) else { continue };
        let relocs = Relocations::for_section(elf, idx);
        let layout = layout(elf, &relocs);
        let (entsize, field) = match layout {
            KsymLayout::Prel32 => (12u64, 4u64),
            KsymLayout::Absolute => (3 * elf.class().word_size(), elf.class().word_size()),
        };
        if data.len() as u64 % entsize != 0 {
            return Err(TableError::BadSize { section: sec.into(), size: data.len() as u64, entsize });
        }
        let crcs = elf.find_section(crcsec).map(|(_, d)| d);
        let string_at = |off: u64| -> Result<&'a [u8], TableError> {
            let Some(r) = relocs.at(off, field as usize) else { return Ok(&[]) };
            let Some((s, o)) = resolve_in_file(&symtab, r.sym, r.addend) else { return Ok(&[]) };
            let sh = elf.sections().get(s).ok_or_else(|| TableError::OutOfBounds { section: sec.into(), offset: off })?;
            let bytes = elf.section_data(sh).ok_or_else(|| TableError::OutOfBounds { section: sec.into(), offset: off })?;
            c_str_at(bytes, o).ok_or_else(|| TableError::Unterminated { section: sec.into(), offset: off })
        };
        for i in 0..data.len() as u64 / entsize {
            let base = i * entsize;
            let value = relocs.at(base, field as usize);
            let crc = crcs.and_then(|c| elf.read_uint(c, i * 4, 4)).map(|v| v as u32);
            out.push(Export {
                name: string_at(base + field)?,
                namespace: string_at(base + 2 * field)?,
                gpl,
                value_sym: value.map(|r| r.sym),
                value_addend: value.map_or(0, |r| r.addend),
                crc,
            });
        }
    }
    Ok(out)
}

/// Decides the `kernel_symbol` layout from the relocations: PREL32 entries
/// have a relocation at offset 4 (the name); pointer entries on ELF64 never do.
fn layout(elf: &Elf<'_>, relocs: &Relocations<'_>) -> KsymLayout {
    match elf.class() {
        Class::Elf64 if relocs.at(4, 4).is_none() && !relocs.all().is_empty() => KsymLayout::Absolute,
        Class::Elf64 => KsymLayout::Prel32,
        // 12 bytes either way on ELF32; the fields sit at the same offsets
        Class::Elf32 => KsymLayout::Prel32,
    }
}

/// `__crc_<name>` symbols as depmod reads them: (name, CRC) in symbol-table
/// order. The CRC is the symbol's value when it is absolute or undefined,
/// else the 32-bit word at that offset of its section in the file.
pub fn crc_symbols<'a>(elf: &Elf<'a>) -> Result<Vec<(&'a [u8], u64)>, TableError> {
    let symtab = SymbolTable::new(elf)?;
    let mut out = Vec::new();
    for s in symtab.iter().skip(1) {
        let Some(name) = s.name.strip_prefix(b"__crc_") else { continue };
        let crc = if s.shndx == crate::elf::SHN_ABS || s.shndx == crate::elf::SHN_UNDEF {
            s.value
        } else {
            let sh = elf.sections().get(usize::from(s.shndx));
            let at = sh.and_then(|sh| sh.offset.checked_add(s.value));
            at.and_then(|at| elf.read_uint(elf.data(), at, 4)).unwrap_or(0)
        };
        out.push((name, crc));
    }
    Ok(out)
}

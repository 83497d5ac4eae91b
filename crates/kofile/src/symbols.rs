//! The symbol table, and relocations as a way to read link-time fields.
//!
//! In a `.ko` file, pointers in data sections (a `__ksymtab` entry's name, a
//! `__param` entry's name and ops) are not filled in: they are zero plus a
//! relocation naming a symbol and an addend. [`Relocations`] answers "which
//! symbol + addend will the word at this offset of that section hold".

use object::elf::{Rel32, Rel64, Rela32, Rela64, Sym32, Sym64};
use object::Endianness;

use crate::elf::{c_str_at, read_pod, Class, Elf, SHT_REL, SHT_RELA, SHT_SYMTAB};
use crate::error::TableError;

/// One symbol-table entry, widened to 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol<'a> {
    pub index: usize,
    pub name: &'a [u8],
    pub value: u64,
    pub size: u64,
    pub info: u8,
    pub other: u8,
    pub shndx: u16,
}

pub const STB_LOCAL: u8 = 0;
pub const STB_GLOBAL: u8 = 1;
pub const STB_WEAK: u8 = 2;
pub const STT_SECTION: u8 = 3;

impl Symbol<'_> {
    pub fn bind(&self) -> u8 {
        self.info >> 4
    }
    pub fn kind(&self) -> u8 {
        self.info & 0xf
    }
    pub fn is_undefined(&self) -> bool {
        self.shndx == crate::elf::SHN_UNDEF
    }
}

/// The module's symbol table (the first SHT_SYMTAB section) and its strings.
#[derive(Debug, Clone, Copy)]
pub struct SymbolTable<'a> {
    class: Class,
    endian: Endianness,
    data: &'a [u8],
    strings: &'a [u8],
    /// Section index of the symbol table.
    pub section: usize,
}

impl<'a> SymbolTable<'a> {
    /// Finds the first SHT_SYMTAB section and its linked string table.
    pub fn new(elf: &Elf<'a>) -> Result<Self, TableError> {
        let (section, sh) = elf
            .sections()
            .iter()
            .enumerate()
            .find(|(_, s)| s.sh_type == SHT_SYMTAB)
            .ok_or(TableError::Missing(".symtab"))?;
        let data = elf
            .section_data(sh)
            .ok_or_else(|| TableError::OutOfBounds { section: ".symtab".into(), offset: sh.offset })?;
        let strsh = elf
            .sections()
            .get(sh.link as usize)
            .filter(|_| sh.link != 0)
            .ok_or_else(|| TableError::Symtab(format!("string table link {} is invalid", sh.link)))?;
        let strings = elf
            .section_data(strsh)
            .ok_or_else(|| TableError::OutOfBounds { section: ".strtab".into(), offset: strsh.offset })?;
        Ok(SymbolTable { class: elf.class(), endian: elf.endian(), data, strings, section })
    }

    fn entsize(&self) -> usize {
        match self.class {
            Class::Elf32 => 16,
            Class::Elf64 => 24,
        }
    }

    /// Number of entries (entry 0, the null symbol, included).
    pub fn len(&self) -> usize {
        self.data.len() / self.entsize()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The symbol at `index`; a name offset outside the string table reads
    /// as an empty name.
    pub fn get(&self, index: usize) -> Option<Symbol<'a>> {
        let off = index.checked_mul(self.entsize())? as u64;
        let e = self.endian;
        let (name, value, size, info, other, shndx) = match self.class {
            Class::Elf32 => {
                let s: Sym32<Endianness> = read_pod(self.data, off)?;
                (s.st_name.get(e), u64::from(s.st_value.get(e)), u64::from(s.st_size.get(e)), s.st_info, s.st_other, s.st_shndx.get(e))
            }
            Class::Elf64 => {
                let s: Sym64<Endianness> = read_pod(self.data, off)?;
                (s.st_name.get(e), s.st_value.get(e), s.st_size.get(e), s.st_info, s.st_other, s.st_shndx.get(e))
            }
        };
        let name = c_str_at(self.strings, u64::from(name)).unwrap_or(&[]);
        Some(Symbol { index, name, value, size, info, other, shndx })
    }

    /// The raw `st_name` of the symbol at `index` (an offset into
    /// [`Self::strings`], unchecked).
    pub fn name_offset(&self, index: usize) -> Option<u32> {
        let off = index.checked_mul(self.entsize())? as u64;
        let e = self.endian;
        Some(match self.class {
            Class::Elf32 => read_pod::<Sym32<Endianness>>(self.data, off)?.st_name.get(e),
            Class::Elf64 => read_pod::<Sym64<Endianness>>(self.data, off)?.st_name.get(e),
        })
    }

    /// All symbols in table order, index 0 included.
    pub fn iter(&self) -> impl Iterator<Item = Symbol<'a>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Undefined, named symbols (index ≥ 1): what the module imports.
    pub fn undefined(&self) -> impl Iterator<Item = Symbol<'a>> + '_ {
        self.iter().skip(1).filter(|s| s.is_undefined() && !s.name.is_empty())
    }

    /// Defined global or weak symbols: what the module could link against.
    pub fn defined(&self) -> impl Iterator<Item = Symbol<'a>> + '_ {
        self.iter()
            .skip(1)
            .filter(|s| !s.is_undefined() && matches!(s.bind(), STB_GLOBAL | STB_WEAK) && !s.name.is_empty())
    }

    /// The string table.
    pub fn strings(&self) -> &'a [u8] {
        self.strings
    }
}

/// One relocation, widened: place offset, symbol index, type, addend
/// (explicit for RELA, read from the place for REL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reloc {
    pub offset: u64,
    pub sym: u32,
    pub r_type: u32,
    pub addend: i64,
    /// Whether the addend came from the relocation (RELA) or the place (REL).
    pub explicit: bool,
}

/// The relocation sections that apply to one target section.
#[derive(Debug, Clone)]
pub struct Relocations<'a> {
    elf: Elf<'a>,
    target: usize,
    target_data: &'a [u8],
    relocs: Vec<Reloc>,
}

impl<'a> Relocations<'a> {
    /// Collects the REL/RELA entries whose section's `sh_info` is `target`.
    /// Relocation sections with data outside the file are ignored.
    pub fn for_section(elf: &Elf<'a>, target: usize) -> Self {
        let e = elf.endian();
        let target_data = elf.sections().get(target).and_then(|s| elf.section_data(s)).unwrap_or(&[]);
        let mut relocs = Vec::new();
        for sh in elf.sections().iter().filter(|s| (s.sh_type == SHT_RELA || s.sh_type == SHT_REL) && s.info as usize == target) {
            let Some(d) = elf.section_data(sh) else { continue };
            let rela = sh.sh_type == SHT_RELA;
            match (elf.class(), rela) {
                (Class::Elf64, true) => {
                    let v = d.chunks_exact(24).filter_map(|c| read_pod::<Rela64<Endianness>>(c, 0));
                    // r_info's symbol/type split is the standard one on every
                    // 64-bit arch modules are read for (mips64el is not among them)
                    relocs.extend(v.map(|r| {
                        let info = r.r_info.get(e);
                        Reloc { offset: r.r_offset.get(e), sym: (info >> 32) as u32, r_type: info as u32, addend: r.r_addend.get(e), explicit: true }
                    }));
                }
                (Class::Elf64, false) => {
                    let v = d.chunks_exact(16).filter_map(|c| read_pod::<Rel64<Endianness>>(c, 0));
                    relocs.extend(v.map(|r| {
                        let info = r.r_info.get(e);
                        Reloc { offset: r.r_offset.get(e), sym: (info >> 32) as u32, r_type: info as u32, addend: 0, explicit: false }
                    }));
                }
                (Class::Elf32, true) => {
                    let v = d.chunks_exact(12).filter_map(|c| read_pod::<Rela32<Endianness>>(c, 0));
                    relocs.extend(v.map(|r| {
                        let info = r.r_info.get(e);
                        Reloc { offset: r.r_offset.get(e).into(), sym: info >> 8, r_type: info & 0xff, addend: r.r_addend.get(e).into(), explicit: true }
                    }));
                }
                (Class::Elf32, false) => {
                    let v = d.chunks_exact(8).filter_map(|c| read_pod::<Rel32<Endianness>>(c, 0));
                    relocs.extend(v.map(|r| {
                        let info = r.r_info.get(e);
                        Reloc { offset: r.r_offset.get(e).into(), sym: info >> 8, r_type: info & 0xff, addend: 0, explicit: false }
                    }));
                }
            }
        }
        relocs.sort_by_key(|r| r.offset);
        Relocations { elf: elf.clone(), target, target_data, relocs }
    }

    /// All relocations of the target section, sorted by offset.
    pub fn all(&self) -> &[Reloc] {
        &self.relocs
    }

    /// The relocation at `offset` of the target section. For REL the
    /// addend is read from the place, `width` bytes (signed).
    pub fn at(&self, offset: u64, width: usize) -> Option<Reloc> {
        let i = self.relocs.binary_search_by_key(&offset, |r| r.offset).ok()?;
        let mut r = self.relocs[i];
        if !r.explicit {
            let raw = self.elf.read_uint(self.target_data, offset, width)?;
            let shift = 64 - 8 * width as u32;
            r.addend = ((raw << shift) as i64) >> shift;
        }
        Some(r)
    }

    pub fn target(&self) -> usize {
        self.target
    }
}

/// Resolves "symbol + addend" to bytes of the file when the symbol is
/// defined in a section of the file (a section symbol or a named one):
/// returns the section index and the offset inside it.
pub fn resolve_in_file(symtab: &SymbolTable<'_>, sym: u32, addend: i64) -> Option<(usize, u64)> {
    let s = symtab.get(sym as usize)?;
    if s.is_undefined() || s.shndx >= 0xff00 {
        return None;
    }
    let off = (s.value as i64).checked_add(addend)?;
    Some((usize::from(s.shndx), u64::try_from(off).ok()?))
}

//! The ELF container of a module: header, section table and section data.
//!
//! Parsing follows what libkmod v30 accepts (its `kmod_elf_new`), which is what
//! every kmod tool sees:
//!
//! 1. more than 16 bytes and the `\x7fELF` magic, else [`ElfError::NotElf`] (ENOEXEC);
//! 2. class 32 or 64, and the file strictly longer than that class's header;
//! 3. data encoding LSB or MSB;
//! 4. `e_shentsize` equal to the class's section header size;
//! 5. the section header table inside the file;
//! 6. `e_shstrndx` names an existing section (not 0) whose data is inside the
//!    file, is not empty and ends in NUL.
//!
//! Nothing else is checked up front (EI_VERSION, e_type and e_machine are not):
//! individual sections whose data lies outside the file are simply never
//! returned by name lookups, as in libkmod. Linux's stricter load-time checks
//! are in [`crate::linux`].
//!
//! All reads go through `object`'s plain-old-data ELF structures, which are
//! bounds-checked and endian-aware; nothing is copied but the small section
//! header table (and each structure as it is read: see [`read_pod`]).

use object::elf::{FileHeader32, FileHeader64, SectionHeader32, SectionHeader64};
use object::pod::Pod;
use object::Endianness;

use crate::error::ElfError;

/// ELF class of a module file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Elf32,
    Elf64,
}

impl Class {
    /// Size in bytes of a pointer (and of `unsigned long`) in this class.
    pub fn word_size(self) -> u64 {
        match self {
            Class::Elf32 => 4,
            Class::Elf64 => 8,
        }
    }
}

/// One section header, widened to 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SectionHeader {
    pub name: u32,
    pub sh_type: u32,
    pub flags: u64,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
    pub link: u32,
    pub info: u32,
    pub addralign: u64,
    pub entsize: u64,
}

pub const SHT_NULL: u32 = 0;
pub const SHT_SYMTAB: u32 = 2;
pub const SHT_STRTAB: u32 = 3;
pub const SHT_RELA: u32 = 4;
pub const SHT_NOBITS: u32 = 8;
pub const SHT_REL: u32 = 9;
pub const SHF_WRITE: u64 = 0x1;
pub const SHF_ALLOC: u64 = 0x2;
pub const SHF_EXECINSTR: u64 = 0x4;
pub const SHN_UNDEF: u16 = 0;
pub const SHN_ABS: u16 = 0xfff1;
pub const SHN_COMMON: u16 = 0xfff2;
pub const ET_REL: u16 = 1;
pub const EM_386: u16 = 3;
pub const EM_S390: u16 = 22;
pub const EM_X86_64: u16 = 62;

/// The identifying fields of the ELF header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub class: Class,
    pub endian: Endianness,
    pub e_type: u16,
    pub e_machine: u16,
    pub e_shoff: u64,
    pub e_shentsize: u16,
    pub e_shnum: u16,
    pub e_shstrndx: u16,
}

/// A parsed module ELF image borrowing the file bytes.
#[derive(Debug, Clone)]
pub struct Elf<'a> {
    data: &'a [u8],
    header: Header,
    sections: Vec<SectionHeader>,
    shstrtab: &'a [u8],
}

/// Reads the identifying part of an ELF header without judging it.
///
/// Returns `None` if the bytes are too short for the header of the class they
/// claim, or the class/encoding bytes are unknown.
pub fn read_header(data: &[u8]) -> Option<Header> {
    let class = match data.get(4)? {
        1 => Class::Elf32,
        2 => Class::Elf64,
        _ => return None,
    };
    let endian = match data.get(5)? {
        1 => Endianness::Little,
        2 => Endianness::Big,
        _ => return None,
    };
    Some(match class {
        Class::Elf32 => {
            let h: FileHeader32<Endianness> = read_pod(data, 0)?;
            Header {
                class,
                endian,
                e_type: h.e_type.get(endian),
                e_machine: h.e_machine.get(endian),
                e_shoff: h.e_shoff.get(endian).into(),
                e_shentsize: h.e_shentsize.get(endian),
                e_shnum: h.e_shnum.get(endian),
                e_shstrndx: h.e_shstrndx.get(endian),
            }
        }
        Class::Elf64 => {
            let h: FileHeader64<Endianness> = read_pod(data, 0)?;
            Header {
                class,
                endian,
                e_type: h.e_type.get(endian),
                e_machine: h.e_machine.get(endian),
                e_shoff: h.e_shoff.get(endian),
                e_shentsize: h.e_shentsize.get(endian),
                e_shnum: h.e_shnum.get(endian),
                e_shstrndx: h.e_shstrndx.get(endian),
            }
        }
    })
}

/// Reads section header `index` (no bounds judgement beyond the file end).
pub(crate) fn read_section_header(data: &[u8], h: &Header, index: u16) -> Option<SectionHeader> {
    let off = h
        .e_shoff
        .checked_add(u64::from(index).checked_mul(u64::from(h.e_shentsize))?)?;
    let e = h.endian;
    Some(match h.class {
        Class::Elf32 => {
            let s: SectionHeader32<Endianness> = read_pod(data, off)?;
            SectionHeader {
                name: s.sh_name.get(e),
                sh_type: s.sh_type.get(e),
                flags: s.sh_flags.get(e).into(),
                addr: s.sh_addr.get(e).into(),
                offset: s.sh_offset.get(e).into(),
                size: s.sh_size.get(e).into(),
                link: s.sh_link.get(e),
                info: s.sh_info.get(e),
                addralign: s.sh_addralign.get(e).into(),
                entsize: s.sh_entsize.get(e).into(),
            }
        }
        Class::Elf64 => {
            let s: SectionHeader64<Endianness> = read_pod(data, off)?;
            SectionHeader {
                name: s.sh_name.get(e),
                sh_type: s.sh_type.get(e),
                flags: s.sh_flags.get(e),
                addr: s.sh_addr.get(e),
                offset: s.sh_offset.get(e),
                size: s.sh_size.get(e),
                link: s.sh_link.get(e),
                info: s.sh_info.get(e),
                addralign: s.sh_addralign.get(e),
                entsize: s.sh_entsize.get(e),
            }
        }
    })
}

/// Reads a plain-old-data ELF structure (header, section header, symbol,
/// relocation: at most 64 bytes) at any offset of `data`, whatever its
/// alignment. `object`'s ELF types are built without its `unaligned`
/// feature, so they require natural alignment and cannot be borrowed from a
/// file at an odd offset (or from a buffer at an odd address); libkmod and
/// the kernel read such files, so the bytes are copied to an aligned buffer.
pub(crate) fn read_pod<T: Pod>(data: &[u8], offset: u64) -> Option<T> {
    let size = std::mem::size_of::<T>();
    let src = slice(data, offset, size as u64)?;
    let mut buf = [0u64; 8];
    let bytes = object::pod::bytes_of_slice_mut(&mut buf[..]);
    let dst = bytes.get_mut(..size)?;
    dst.copy_from_slice(src);
    object::pod::from_bytes::<T>(dst).ok().map(|(v, _)| *v)
}

/// The bytes `[offset, offset+size)` of `data`, if they lie inside it.
pub(crate) fn slice(data: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let end = offset.checked_add(size)?;
    if end > data.len() as u64 {
        return None;
    }
    data.get(offset as usize..end as usize)
}

/// The NUL-terminated string starting at `offset` of `table`, without the NUL.
/// `None` if `offset` is outside the table or no NUL follows.
pub fn c_str_at(table: &[u8], offset: u64) -> Option<&[u8]> {
    let rest = table.get(usize::try_from(offset).ok()?..)?;
    let n = rest.iter().position(|&b| b == 0)?;
    Some(&rest[..n])
}

impl<'a> Elf<'a> {
    /// Parses `data` with libkmod's acceptance rules (see the module docs).
    pub fn parse(data: &'a [u8]) -> Result<Self, ElfError> {
        let len = data.len() as u64;
        if len <= 16 || &data[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf { len });
        }
        let (bits, hdr_size, sh_size) = match data[4] {
            1 => (32u8, 52u64, 40u16),
            2 => (64u8, 64u64, 64u16),
            c => return Err(ElfError::BadClass(c)),
        };
        if len <= hdr_size {
            return Err(ElfError::ShortHeader { len, bits });
        }
        if !matches!(data[5], 1 | 2) {
            return Err(ElfError::BadEncoding(data[5]));
        }
        let header = read_header(data).ok_or(ElfError::ShortHeader { len, bits })?;
        if header.e_shentsize != sh_size {
            return Err(ElfError::BadShentsize {
                found: header.e_shentsize,
                expected: sh_size,
                offset: if bits == 32 { 46 } else { 58 },
            });
        }
        let table_end = u64::from(sh_size) * u64::from(header.e_shnum);
        if table_end.checked_add(header.e_shoff).map_or(true, |end| end > len) {
            return Err(ElfError::SectionTableOutOfBounds {
                shoff: header.e_shoff,
                count: header.e_shnum,
                len,
            });
        }
        let sections: Vec<SectionHeader> = (0..header.e_shnum)
            .map(|i| read_section_header(data, &header, i))
            .collect::<Option<_>>()
            .ok_or(ElfError::SectionTableOutOfBounds {
                shoff: header.e_shoff,
                count: header.e_shnum,
                len,
            })?;
        let idx = header.e_shstrndx;
        if idx == SHN_UNDEF || idx >= header.e_shnum {
            return Err(ElfError::BadShstrndx { index: idx, count: header.e_shnum });
        }
        let s = sections[usize::from(idx)];
        let shstrtab = slice(data, s.offset, s.size).ok_or(ElfError::SectionOutOfBounds {
            index: idx,
            offset: s.offset,
            size: s.size,
            len,
        })?;
        if shstrtab.last() != Some(&0) {
            return Err(ElfError::BadShstrtab { index: idx });
        }
        Ok(Elf { data, header, sections, shstrtab })
    }

    /// The whole file image.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn class(&self) -> Class {
        self.header.class
    }

    pub fn endian(&self) -> Endianness {
        self.header.endian
    }

    /// All section headers, index 0 included.
    pub fn sections(&self) -> &[SectionHeader] {
        &self.sections
    }

    /// The name of a section (`None` if its name offset is outside the table).
    pub fn section_name(&self, s: &SectionHeader) -> Option<&'a [u8]> {
        c_str_at(self.shstrtab, u64::from(s.name))
    }

    /// The file bytes of a section; `None` for SHT_NOBITS or out-of-bounds data.
    pub fn section_data(&self, s: &SectionHeader) -> Option<&'a [u8]> {
        if s.sh_type == SHT_NOBITS {
            return None;
        }
        slice(self.data, s.offset, s.size)
    }

    /// libkmod's section lookup: the first section (index ≥ 1) whose data lies
    /// inside the file and whose name is `name`, whatever its flags. Sections
    /// with out-of-bounds data are skipped, not errors.
    pub fn find_section(&self, name: &str) -> Option<(usize, &'a [u8])> {
        self.sections.iter().enumerate().skip(1).find_map(|(i, s)| {
            let bytes = slice(self.data, s.offset, s.size)?;
            (self.section_name(s)? == name.as_bytes()).then_some((i, bytes))
        })
    }

    /// Linux's `find_sec`: the first section (index ≥ 1) with SHF_ALLOC set and
    /// the given name; 0 if none.
    pub fn find_alloc_section(&self, name: &str) -> usize {
        self.sections
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, s)| s.flags & SHF_ALLOC != 0 && self.section_name(s) == Some(name.as_bytes()))
            .map_or(0, |(i, _)| i)
    }

    /// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `offset` of
    /// `bytes` in the file's byte order.
    pub fn read_uint(&self, bytes: &[u8], offset: u64, size: usize) -> Option<u64> {
        let b = slice(bytes, offset, size as u64)?;
        let mut v = 0u64;
        match self.header.endian {
            Endianness::Big => b.iter().for_each(|&x| v = (v << 8) | u64::from(x)),
            Endianness::Little => b.iter().rev().for_each(|&x| v = (v << 8) | u64::from(x)),
        }
        Some(v)
    }

    /// Reads a word (4 bytes on ELF32, 8 on ELF64).
    pub fn read_word(&self, bytes: &[u8], offset: u64) -> Option<u64> {
        self.read_uint(bytes, offset, self.class().word_size() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal valid ELF64 LSB relocatable with a NULL section and a
    /// section name table.
    pub(crate) fn tiny_elf64() -> Vec<u8> {
        let mut v = vec![0u8; 64];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = 2;
        v[5] = 1;
        v[6] = 1;
        v[16..18].copy_from_slice(&1u16.to_le_bytes());
        v[18..20].copy_from_slice(&62u16.to_le_bytes());
        let shstr = b"\0.shstrtab\0";
        let shstr_off = v.len() as u64;
        v.extend_from_slice(shstr);
        while v.len() % 8 != 0 {
            v.push(0);
        }
        let shoff = v.len() as u64;
        v.extend_from_slice(&[0u8; 64]);
        let mut sh = [0u8; 64];
        sh[0..4].copy_from_slice(&1u32.to_le_bytes());
        sh[4..8].copy_from_slice(&3u32.to_le_bytes());
        sh[24..32].copy_from_slice(&shstr_off.to_le_bytes());
        sh[32..40].copy_from_slice(&(shstr.len() as u64).to_le_bytes());
        v.extend_from_slice(&sh);
        v[40..48].copy_from_slice(&shoff.to_le_bytes());
        v[58..60].copy_from_slice(&64u16.to_le_bytes());
        v[60..62].copy_from_slice(&2u16.to_le_bytes());
        v[62..64].copy_from_slice(&1u16.to_le_bytes());
        v
    }

    #[test]
    fn accepts_minimal_file() {
        let v = tiny_elf64();
        let e = Elf::parse(&v).unwrap();
        assert_eq!(e.sections().len(), 2);
        assert_eq!(e.find_section(".shstrtab").map(|x| x.0), Some(1));
        assert_eq!(e.find_section(".modinfo"), None);
    }

    #[test]
    fn rule1_not_elf() {
        assert_eq!(Elf::parse(b"hello").unwrap_err(), ElfError::NotElf { len: 5 });
        let mut v = tiny_elf64();
        v[0] = b'X';
        assert_eq!(Elf::parse(&v).unwrap_err().errno(), crate::error::ENOEXEC);
        // exactly 16 bytes with the magic: still "not ELF" (size <= EI_NIDENT)
        assert!(matches!(Elf::parse(&v[..16]), Err(ElfError::NotElf { .. })));
    }

    #[test]
    fn rule2_class_and_header_length() {
        let mut v = tiny_elf64();
        v[4] = 7;
        assert_eq!(Elf::parse(&v).unwrap_err(), ElfError::BadClass(7));
        let v = tiny_elf64();
        // exactly the header size is too short (libkmod wants strictly more)
        assert_eq!(Elf::parse(&v[..64]).unwrap_err(), ElfError::ShortHeader { len: 64, bits: 64 });
        assert_eq!(Elf::parse(&v[..64]).unwrap_err().errno(), crate::error::EINVAL);
    }

    #[test]
    fn rule3_encoding() {
        let mut v = tiny_elf64();
        v[5] = 0;
        assert_eq!(Elf::parse(&v).unwrap_err(), ElfError::BadEncoding(0));
    }

    #[test]
    fn rule4_shentsize() {
        let mut v = tiny_elf64();
        v[58] = 40;
        assert!(matches!(Elf::parse(&v), Err(ElfError::BadShentsize { found: 40, .. })));
    }

    #[test]
    fn rule5_section_table_bounds() {
        let v = tiny_elf64();
        let short = &v[..v.len() - 1];
        assert!(matches!(Elf::parse(short), Err(ElfError::SectionTableOutOfBounds { .. })));
        let mut v = tiny_elf64();
        v[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(Elf::parse(&v), Err(ElfError::SectionTableOutOfBounds { .. })));
    }

    #[test]
    fn rule6_shstrtab() {
        let mut v = tiny_elf64();
        v[62] = 0;
        assert!(matches!(Elf::parse(&v), Err(ElfError::BadShstrndx { index: 0, .. })));
        let mut v = tiny_elf64();
        v[62] = 5;
        assert!(matches!(Elf::parse(&v), Err(ElfError::BadShstrndx { index: 5, .. })));
        // name table not NUL-terminated
        let mut v = tiny_elf64();
        v[64 + 10] = b'x';
        assert_eq!(Elf::parse(&v).unwrap_err(), ElfError::BadShstrtab { index: 1 });
        // name table out of bounds
        let mut v = tiny_elf64();
        let sh1 = v.len() - 64;
        v[sh1 + 24..sh1 + 32].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(matches!(Elf::parse(&v), Err(ElfError::SectionOutOfBounds { index: 1, .. })));
    }
}

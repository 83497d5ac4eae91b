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

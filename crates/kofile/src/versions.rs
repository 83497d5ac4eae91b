//! `__versions`: the CRCs a module expects of the symbols it imports.

use crate::elf::Elf;
use crate::error::TableError;

/// Size of `struct modversion_info` on every architecture.
pub const ENTRY_SIZE: u64 = 64;

/// One `__versions` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modversion<'a> {
    pub crc: u64,
    /// The name as stored (a leading `.` — used by some architectures — kept).
    pub name: &'a [u8],
}

/// Reads `__versions` (empty when the section is absent). The CRC is a word
/// (4 bytes on ELF32, 8 on ELF64) in file byte order; the name fills the rest
/// of the 64-byte entry and ends at its first NUL.
pub fn modversions<'a>(elf: &Elf<'a>) -> Result<Vec<Modversion<'a>>, TableError> {
    let Some((_, data)) = elf.find_section("__versions") else { return Ok(Vec::new()) };
    if data.len() as u64 % ENTRY_SIZE != 0 {
        return Err(TableError::BadSize { section: "__versions".into(), size: data.len() as u64, entsize: ENTRY_SIZE });
    }
    let w = elf.class().word_size();
    data.chunks_exact(ENTRY_SIZE as usize)
        .enumerate()
        .map(|(i, e)| {
            let crc = elf.read_word(e, 0).ok_or(TableError::OutOfBounds { section: "__versions".into(), offset: i as u64 * ENTRY_SIZE })?;
            let rest = &e[w as usize..];
            let n = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            Ok(Modversion { crc, name: &rest[..n] })
        })
        .collect()
}

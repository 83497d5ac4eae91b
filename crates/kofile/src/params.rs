//! `__param`: the module's `struct kernel_param` table, and the module name
//! stored in `.gnu.linkonce.this_module`.

use crate::elf::{c_str_at, Elf};
use crate::error::TableError;
use crate::symbols::{resolve_in_file, Relocations, SymbolTable};

/// One `struct kernel_param` as found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    /// Offset of the entry inside `__param`.
    pub offset: u64,
    /// The parameter name (for a built-in-style prefix, as stored).
    pub name: &'a [u8],
    /// The symbol the `ops` field points at (e.g. `param_ops_int`,
    /// `param_array_ops`, or a module-local ops structure).
    pub ops: &'a [u8],
    pub perm: u16,
    pub level: i8,
    pub flags: u8,
    /// The symbol index and addend the `arg` field points at.
    pub arg_sym: Option<u32>,
    pub arg_addend: i64,
}

/// Reads `__param`. Entries are 5 words on 64-bit (40 bytes) and 5 words on
/// 32-bit (20 bytes): name, mod, ops, {perm u16, level s8, flags u8}, arg.
pub fn params<'a>(elf: &Elf<'a>) -> Result<Vec<Param<'a>>, TableError> {
    let Some((idx, data)) = elf.find_section("__param") else { return Ok(Vec::new()) };
    let w = elf.class().word_size();
    let entsize = 5 * w;
    if data.len() as u64 % entsize != 0 {
        return Err(TableError::BadSize { section: "__param".into(), size: data.len() as u64, entsize });
    }
    let symtab = SymbolTable::new(elf)?;
    let relocs = Relocations::for_section(elf, idx);
    let oob = |offset| TableError::OutOfBounds { section: "__param".into(), offset };
    let mut out = Vec::new();
    for i in 0..data.len() as u64 / entsize {
        let base = i * entsize;
        let name = match relocs.at(base, w as usize) {
            Some(r) => {
                let (s, o) = resolve_in_file(&symtab, r.sym, r.addend).ok_or_else(|| oob(base))?;
                let sh = elf.sections().get(s).ok_or_else(|| oob(base))?;
                let bytes = elf.section_data(sh).ok_or_else(|| oob(base))?;
                c_str_at(bytes, o).ok_or(TableError::Unterminated { section: "__param".into(), offset: base })?
            }
            None => &[],
        };
        let ops = relocs
            .at(base + 2 * w, w as usize)
            .and_then(|r| symtab.get(r.sym as usize))
            .map_or(&[][..], |s| s.name);
        let perm = elf.read_uint(data, base + 3 * w, 2).ok_or_else(|| oob(base))? as u16;
        let level = elf.read_uint(data, base + 3 * w + 2, 1).ok_or_else(|| oob(base))? as i8;
        let flags = elf.read_uint(data, base + 3 * w + 3, 1).ok_or_else(|| oob(base))? as u8;
        let arg = relocs.at(base + 4 * w, w as usize);
        out.push(Param {
            offset: base,
            name,
            ops,
            perm,
            level,
            flags,
            arg_sym: arg.map(|r| r.sym),
            arg_addend: arg.map_or(0, |r| r.addend),
        });
    }
    Ok(out)
}

/// `MODULE_NAME_LEN` for this class: 64 minus the size of a long.
pub fn module_name_len(elf: &Elf<'_>) -> u64 {
    64 - elf.class().word_size()
}

/// The name in `.gnu.linkonce.this_module` (`struct module`'s `name`, after
/// the state word and the list head: at 3 words), up to its first NUL.
pub fn this_module_name<'a>(elf: &Elf<'a>) -> Result<&'a [u8], TableError> {
    let (_, data) = elf.find_section(".gnu.linkonce.this_module").ok_or(TableError::Missing(".gnu.linkonce.this_module"))?;
    let at = 3 * elf.class().word_size();
    let len = module_name_len(elf);
    let field = crate::elf::slice(data, at, len).ok_or(TableError::OutOfBounds {
        section: ".gnu.linkonce.this_module".into(),
        offset: at,
    })?;
    let n = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    Ok(&field[..n])
}

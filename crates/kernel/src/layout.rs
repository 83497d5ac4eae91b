//! `layout_sections` and `layout_symtab`: where every allocated section goes
//! in the module's core and init regions, with Linux 6.1's exact sizes.
//!
//! Five passes over the sections in header order (text; read-only data;
//! ro-after-init; writable data; leftovers), each placing the sections whose
//! flags fit and that are not yet placed, aligned to their `sh_addralign`.
//! With STRICT_MODULE_RWX, the boundaries after text, rodata, ro-after-init
//! and the end are page aligned. Sections whose name starts with `.init` go
//! to the init region. Then the kallsyms tables: the full symbol and string
//! tables at the end of init, and the core copy of the "core" symbols at the
//! end of core.

use kofile::elf::{SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE};

use crate::load::LoadInfo;

pub const PAGE_SIZE: u64 = 4096;
/// Kernel-internal section flag for `.data..ro_after_init` and `__jump_table`.
pub const SHF_RO_AFTER_INIT: u64 = 0x0020_0000;
/// sizeof(Elf64_Sym), sizeof(struct mod_kallsyms).
const SYM_SIZE: u64 = 24;
const MOD_KALLSYMS_SIZE: u64 = 32;

/// Where a section was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Core(u64),
    Init(u64),
}

/// The sizes of one region (Linux's `struct module_layout`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionLayout {
    pub size: u64,
    pub text_size: u64,
    pub ro_size: u64,
    pub ro_after_init_size: u64,
}

/// The result of layout: per-section placement and the two regions, plus
/// the offsets of the kallsyms tables.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub place: Vec<Option<Place>>,
    pub core: RegionLayout,
    pub init: RegionLayout,
    /// Core kallsyms: symbols, strings, types (offsets in core).
    pub symoffs: u64,
    pub stroffs: u64,
    pub core_typeoffs: u64,
    /// Number of core symbols kept (index 0 included).
    pub ndst: u64,
    /// Init kallsyms: `struct mod_kallsyms` and the types (offsets in init).
    pub mod_kallsyms_init_off: u64,
    pub init_typeoffs: u64,
}

/// Linux's `ALIGN(x, a)` = `(x + a - 1) & ~(a - 1)`, in wrapping 64-bit
/// arithmetic like the kernel's (alignments are meant to be powers of two;
/// for others this gives what Linux gives). Crafted values may wrap: the
/// loader checks every placement against the region before copying.
pub fn align(x: u64, a: u64) -> u64 {
    x.wrapping_add(a).wrapping_sub(1) & !a.wrapping_sub(1)
}

fn page_align(v: u64) -> u64 {
    align(v, PAGE_SIZE)
}

fn get_offset(size: &mut u64, sh_addralign: u64, sh_size: u64) -> u64 {
    let ret = align(*size, sh_addralign.max(1));
    *size = ret.wrapping_add(sh_size);
    ret
}

/// Lays out `info`'s sections (whose flags the earlier stages adjusted).
pub fn layout(info: &LoadInfo<'_>) -> Layout {
    let secs = &info.sections;
    let n = secs.len();
    let mut l = Layout { place: vec![None; n], ..Default::default() };
    const MASKS: [(u64, u64); 5] = [
        (SHF_EXECINSTR | SHF_ALLOC, 0),
        (SHF_ALLOC, SHF_WRITE),
        (SHF_RO_AFTER_INIT | SHF_ALLOC, 0),
        (SHF_WRITE | SHF_ALLOC, 0),
        (SHF_ALLOC, 0),
    ];
    for init in [false, true] {
        let region = if init { &mut l.init } else { &mut l.core };
        for (m, (req, excl)) in MASKS.iter().enumerate() {
            for i in 0..n {
                let s = &secs[i];
                if s.flags & req != *req || s.flags & excl != 0 || l.place[i].is_some() || info.is_init_section(i) != init {
                    continue;
                }
                let off = get_offset(&mut region.size, s.addralign, s.size);
                l.place[i] = Some(if init { Place::Init(off) } else { Place::Core(off) });
            }
            match (m, init) {
                (0, _) => {
                    region.size = page_align(region.size);
                    region.text_size = region.size;
                }
                (1, _) => {
                    region.size = page_align(region.size);
                    region.ro_size = region.size;
                }
                (2, false) => {
                    region.size = page_align(region.size);
                    region.ro_after_init_size = region.size;
                }
                (2, true) => region.ro_after_init_size = region.ro_size,
                (4, _) => region.size = page_align(region.size),
                _ => {}
            }
        }
    }
    layout_symtab(info, &mut l);
    l
}

/// Whether a symbol goes into the core kallsyms copy.
pub fn is_core_symbol(info: &LoadInfo<'_>, l: &Layout, shndx: u16, name_off: u32) -> bool {
    let i = usize::from(shndx);
    if shndx == 0 || i >= info.sections.len() || name_off == 0 {
        return false;
    }
    if Some(i) == info.percpu_index {
        return true;
    }
    let s = &info.sections[i];
    s.flags & SHF_ALLOC != 0 && !matches!(l.place[i], Some(Place::Init(_)))
}

fn layout_symtab(info: &LoadInfo<'_>, l: &mut Layout) {
    let symtab = &info.symtab;
    let sym_sec = info.sections[symtab.section];
    let str_sec = info.sections[info.strtab_index];
    // The full symbol table goes to the end of init.
    let off = get_offset(&mut l.init.size, sym_sec.addralign, sym_sec.size);
    l.place[symtab.section] = Some(Place::Init(off));
    let nsrc = symtab.len() as u64;
    let mut strtab_size = 0u64;
    let mut ndst = 0u64;
    for (i, s) in info.raw_symbols.iter().enumerate() {
        if i == 0 || is_core_symbol(info, l, s.shndx, s.name_off) {
            strtab_size = strtab_size.wrapping_add(s.name.len() as u64 + 1);
            ndst += 1;
        }
    }
    l.ndst = ndst;
    l.symoffs = align(l.core.size, sym_sec.addralign.max(1));
    l.stroffs = l.symoffs.wrapping_add(ndst.wrapping_mul(SYM_SIZE));
    l.core.size = l.stroffs.wrapping_add(strtab_size);
    l.core_typeoffs = l.core.size;
    l.core.size = page_align(l.core.size.wrapping_add(ndst));
    // The string table, then the temporary mod_kallsyms and the types, in init.
    let off = get_offset(&mut l.init.size, str_sec.addralign, str_sec.size);
    l.place[info.strtab_index] = Some(Place::Init(off));
    l.init.size = align(l.init.size, 8);
    l.mod_kallsyms_init_off = l.init.size;
    l.init.size = l.init.size.wrapping_add(MOD_KALLSYMS_SIZE);
    l.init_typeoffs = l.init.size;
    l.init.size = page_align(l.init.size.wrapping_add(nsrc));
}

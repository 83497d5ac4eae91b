//! `find_symbol`, `resolve_symbol`, `ref_module`, and kallsyms symbol types.

use std::time::{Duration, Instant};

use crate::check::{check_version, Taints, Version};
use crate::errno::{Errno, KResult};
use crate::module::ModuleState;
use crate::{pr, taint, Kernel, State, KERN_ERR, KERN_WARNING};

/// A symbol found by [`find_symbol`].
#[derive(Debug, Clone)]
pub struct Found {
    pub value: u64,
    pub gpl: bool,
    pub namespace: String,
    pub crc: Option<u32>,
    /// The exporting module (None: the kernel).
    pub owner: Option<String>,
}

/// Kernel exports first (GPL-only ones only when `gplok`), then every formed
/// module newest first: its non-GPL then its GPL exports.
pub(crate) fn find_symbol(k: &Kernel, st: &State, name: &str, gplok: bool) -> Option<Found> {
    if let Some(s) = k.ksyms.get(name) {
        if !s.gpl || gplok {
            return Some(Found { value: s.value, gpl: s.gpl, namespace: s.namespace.clone(), crc: Some(s.crc), owner: None });
        }
    }
    for m in st.modules.iter().filter(|m| m.state != ModuleState::Unformed) {
        let tables: [&[crate::module::ModExport]; 2] = [&m.syms, if gplok { &m.gpl_syms } else { &[] }];
        for t in tables {
            if let Some(e) = t.iter().find(|e| e.name == name) {
                return Some(Found { value: e.value, gpl: e.gpl, namespace: e.namespace.clone(), crc: e.crc, owner: Some(m.name.clone()) });
            }
        }
    }
    None
}

/// The loading module's side of symbol resolution.
pub struct Importer<'a> {
    pub name: &'a str,
    /// Its `struct module` address (to find it in the list).
    pub this_module: u64,
    pub versions: Option<&'a [Version]>,
    pub import_ns: &'a [String],
}

/// `resolve_symbol_wait`: resolves an undefined symbol for the module being
/// loaded, waiting (up to 30 s) while the owner is still initialising.
pub(crate) fn resolve_symbol_wait<'g>(
    k: &'g Kernel,
    mut st: std::sync::MutexGuard<'g, State>,
    imp: &Importer<'_>,
    symname: &str,
) -> (std::sync::MutexGuard<'g, State>, KResult<u64>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = resolve_symbol(k, &mut st, imp, symname);
        if r != Err(Errno::EBUSY) {
            return (st, r);
        }
        let now = Instant::now();
        if now >= deadline {
            pr(KERN_WARNING, format!("{}: gave up waiting for init of module {}.", imp.name, symname));
            return (st, r);
        }
        st = k.module_wq.wait_timeout(st, deadline - now).map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0);
    }
}

fn resolve_symbol(k: &Kernel, st: &mut State, imp: &Importer<'_>, symname: &str) -> KResult<u64> {
    let me = st.modules.iter().position(|m| m.this_module == imp.this_module).ok_or(Errno::ENOENT)?;
    let gplok = st.modules[me].taints & (1 << taint::PROPRIETARY_MODULE) == 0;
    let Some(f) = find_symbol(k, st, symname, gplok) else { return Err(Errno::ENOENT) };
    if f.gpl {
        st.modules[me].using_gplonly_symbols = true;
    }
    if let Some(owner) = &f.owner {
        let owner_p = st.modules.iter().find(|m| &m.name == owner).is_some_and(|m| m.taints & (1 << taint::PROPRIETARY_MODULE) != 0);
        if owner_p {
            if st.modules[me].using_gplonly_symbols {
                pr(KERN_ERR, format!("{}: module using GPL-only symbols uses symbols {} from proprietary module {}.", imp.name, symname, owner));
                return Err(Errno::ENOENT);
            }
            if st.modules[me].taints & (1 << taint::PROPRIETARY_MODULE) == 0 {
                pr(KERN_WARNING, format!("{}: module uses symbols {} from proprietary module {}, inheriting taint.", imp.name, symname, owner));
                st.modules[me].taints |= 1 << taint::PROPRIETARY_MODULE;
            }
        }
    }
    {
        let State { modules, taint, debug_locks, .. } = st;
        let mut t = Taints { module: &mut modules[me].taints, kernel: taint, debug_locks };
        if !check_version(imp.name, imp.versions, symname, f.crc, &mut t) {
            return Err(Errno::EINVAL);
        }
    }
    if !f.namespace.is_empty() && !imp.import_ns.iter().any(|n| *n == f.namespace) {
        pr(KERN_ERR, format!("{}: module uses symbol ({}) from namespace {}, but does not import it.", imp.name, symname, f.namespace));
        return Err(Errno::EINVAL);
    }
    if let Some(owner) = &f.owner {
        ref_module(st, me, owner)?;
    }
    Ok(f.value)
}

/// `ref_module(a, b)`: a takes one strong reference on b (once).
fn ref_module(st: &mut State, a: usize, b_name: &str) -> KResult<()> {
    if st.modules[a].uses.iter().any(|(n, _)| n == b_name) {
        return Ok(());
    }
    let b = st.modules.iter().position(|m| m.name == b_name && m.state != ModuleState::Unformed).ok_or(Errno::ENOENT)?;
    // strong_try_module_get
    match st.modules[b].state {
        ModuleState::Coming => return Err(Errno::EBUSY),
        ModuleState::Going => return Err(Errno::ENOENT),
        _ => {}
    }
    if !kabi::abi::try_module_get(st.modules[b].this_module) {
        return Err(Errno::ENOENT);
    }
    let addr = st.modules[b].this_module;
    let a_name = st.modules[a].name.clone();
    st.modules[b].users.insert(0, a_name);
    st.modules[a].uses.push((b_name.to_string(), addr));
    Ok(())
}

/// Linux's `elf_type` letter for a symbol (before the exported/local case).
pub fn elf_type(bind: u8, stype: u8, shndx: u16, percpu: Option<usize>, sec: Option<(&kofile::SectionHeader, &str)>) -> char {
    use kofile::elf::{SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS};
    const STB_WEAK: u8 = 2;
    const STT_OBJECT: u8 = 1;
    if bind == STB_WEAK {
        return if stype == STT_OBJECT { 'v' } else { 'w' };
    }
    if shndx == 0 {
        return 'U';
    }
    if shndx == kofile::elf::SHN_ABS || Some(usize::from(shndx)) == percpu {
        return 'a';
    }
    if shndx >= 0xff00 {
        return '?';
    }
    let Some((s, name)) = sec else { return '?' };
    if s.flags & SHF_EXECINSTR != 0 {
        return 't';
    }
    if s.flags & SHF_ALLOC != 0 && s.sh_type != SHT_NOBITS {
        return if s.flags & SHF_WRITE == 0 { 'r' } else { 'd' };
    }
    if s.sh_type == SHT_NOBITS {
        return 'b';
    }
    if name.starts_with(".debug") {
        return 'n';
    }
    '?'
}

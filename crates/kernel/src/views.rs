//! The text views: `/proc/modules`, `/proc/kallsyms` (module part), and
//! the files of `/sys/module/<name>/`.

use std::sync::RwLock;

use crate::errno::{Errno, KResult};
use crate::module::{Module, ModuleState};
use crate::{params, taint, Kernel};

/// The taint part of a `/proc/modules` line: ` (OE)`, ` (OE+)` while
/// loading, ` (OE-)` while going; empty without taints.
pub fn module_flags(m: &Module) -> String {
    if m.taints == 0 {
        return String::new();
    }
    let mut s = taint::module_letters(m.taints);
    match m.state {
        ModuleState::Coming => s.push('+'),
        ModuleState::Going => s.push('-'),
        _ => {}
    }
    format!(" ({s})")
}

/// One `/proc/modules` line.
pub fn proc_modules_line(m: &Module) -> String {
    let size = m.core_layout.size + m.init_layout.size;
    let mut users: String = m.users.iter().map(|u| format!("{u},")).collect();
    if m.permanent() {
        users.push_str("[permanent],");
    }
    if users.is_empty() {
        users.push('-');
    }
    format!("{} {} {} {} {} 0x{:016x}{}\n", m.name, size, m.refcount(), users, m.state.proc_word(), m.core_base(), module_flags(m))
}

impl Kernel {
    /// `/proc/modules`.
    pub fn proc_modules(&self) -> String {
        let st = self.lock();
        st.modules.iter().filter(|m| m.state != ModuleState::Unformed).map(proc_modules_line).collect()
    }

    /// The module part of `/proc/kallsyms`.
    pub fn proc_kallsyms(&self) -> String {
        let st = self.lock();
        let mut out = String::new();
        for m in st.modules.iter().filter(|m| m.state != ModuleState::Unformed) {
            for s in m.kallsyms.iter().filter(|s| !s.name.is_empty()) {
                let exported = m.syms.iter().any(|e| e.name == s.name && e.value == s.value);
                let c = if exported { s.kind.to_ascii_uppercase() } else { s.kind.to_ascii_lowercase() };
                out.push_str(&format!("{:016x} {} {}\t[{}]\n", s.value, c, s.name, m.name));
            }
        }
        out
    }

    /// Reads a file of the pseudo file systems: `/proc/modules`,
    /// `/proc/kallsyms`, `/sys/module/<name>/<attr>`, parameters, sections.
    pub fn read_view(&self, path: &str) -> KResult<Vec<u8>> {
        match path.trim_end_matches('/') {
            "/proc/modules" => return Ok(self.proc_modules().into_bytes()),
            "/proc/kallsyms" => return Ok(self.proc_kallsyms().into_bytes()),
            "/proc/sys/kernel/tainted" => return Ok(format!("{}\n", self.taint()).into_bytes()),
            _ => {}
        }
        let rest = path.strip_prefix("/sys/module/").ok_or(Errno::ENOENT)?;
        let (name, attr) = rest.split_once('/').ok_or(Errno::EISDIR_OR_ENOENT)?;
        let st = self.lock();
        let m = st.modules.iter().find(|m| m.name == name && m.state != ModuleState::Unformed).ok_or(Errno::ENOENT)?;
        let text = match attr {
            "initstate" => format!("{}\n", m.state.initstate()),
            "refcnt" => format!("{}\n", m.refcount()),
            "coresize" => format!("{}\n", m.core_layout.size),
            "initsize" => format!("{}\n", m.init_layout.size),
            "taint" => format!("{}\n", taint::module_letters(m.taints)),
            "version" => format!("{}\n", m.version.clone().ok_or(Errno::ENOENT)?),
            "srcversion" => format!("{}\n", m.srcversion.clone().ok_or(Errno::ENOENT)?),
            a if a.starts_with("sections/") => {
                let s = &a["sections/".len()..];
                let (_, addr) = m.sections.iter().find(|(n, _)| n == s).ok_or(Errno::ENOENT)?;
                format!("0x{addr:016x}\n")
            }
            a if a.starts_with("notes/") => {
                let s = &a["notes/".len()..];
                return m.notes.iter().find(|(n, _)| n == s).map(|(_, b)| b.clone()).ok_or(Errno::ENOENT);
            }
            a if a.starts_with("holders/") => return Err(Errno::ENOENT),
            a if a.starts_with("parameters/") => {
                let p = m.params.iter().find(|p| p.perm != 0 && p.name == a["parameters/".len()..]).cloned().ok_or(Errno::ENOENT)?;
                drop(st);
                return params::get_param(self, &p);
            }
            _ => return Err(Errno::ENOENT),
        };
        Ok(text.into_bytes())
    }

    /// Lists a directory of the views.
    pub fn list_view(&self, path: &str) -> KResult<Vec<String>> {
        let p = path.trim_end_matches('/');
        let st = self.lock();
        let formed = || st.modules.iter().filter(|m| m.state != ModuleState::Unformed);
        if p == "/sys/module" {
            let mut v: Vec<String> = formed().map(|m| m.name.clone()).collect();
            v.sort();
            return Ok(v);
        }
        let rest = p.strip_prefix("/sys/module/").ok_or(Errno::ENOENT)?;
        let (name, sub) = rest.split_once('/').unwrap_or((rest, ""));
        let m = formed().find(|m| m.name == name).ok_or(Errno::ENOENT)?;
        let mut v: Vec<String> = match sub {
            "" => {
                let mut v: Vec<String> = ["coresize", "holders", "initsize", "initstate", "notes", "refcnt", "sections", "taint", "uevent"].iter().map(|s| s.to_string()).collect();
                if m.params.iter().any(|p| p.perm != 0) {
                    v.push("parameters".into());
                }
                if m.version.is_some() {
                    v.push("version".into());
                }
                if m.srcversion.is_some() {
                    v.push("srcversion".into());
                }
                v
            }
            "holders" => m.users.clone(),
            "parameters" => m.params.iter().filter(|p| p.perm != 0).map(|p| p.name.clone()).collect(),
            "sections" => m.sections.iter().map(|(n, _)| n.clone()).collect(),
            "notes" => m.notes.iter().map(|(n, _)| n.clone()).collect(),
            _ => return Err(Errno::ENOENT),
        };
        v.sort();
        Ok(v)
    }

    /// Writes a parameter (`/sys/module/<m>/parameters/<p>`), if its
    /// permissions allow writing.
    pub fn write_view(&self, path: &str, value: &str) -> KResult<()> {
        let rest = path.strip_prefix("/sys/module/").ok_or(Errno::ENOENT)?;
        let (name, attr) = rest.split_once("/parameters/").ok_or(Errno::EPERM)?;
        let p = self
            .with_module(name, |m| m.params.iter().find(|p| p.perm != 0 && p.name == attr).cloned())
            .flatten()
            .ok_or(Errno::ENOENT)?;
        if p.perm & 0o222 == 0 {
            return Err(Errno::EPERM);
        }
        params::set_param(self, &p, Some(value.trim_end_matches('\n').as_bytes()))
    }
}

impl Errno {
    /// Reading a directory as a file.
    pub const EISDIR_OR_ENOENT: Errno = Errno(21);
}

type SymRange = (u64, u64, String, Vec<(String, u64, u64)>);

static GLOBAL: RwLock<Vec<SymRange>> = RwLock::new(Vec::new());

/// Publishes the loaded modules' symbols for [`symbolize_global`] (called
/// whenever the module list changes).
pub(crate) fn publish_symbols(st: &crate::State) {
    let mut v = Vec::new();
    for m in &st.modules {
        let syms: Vec<(String, u64, u64)> = m
            .kallsyms
            .iter()
            .filter(|s| !s.name.is_empty() && matches!(s.kind, 't' | 'T' | 'r' | 'R' | 'd' | 'D' | 'b' | 'B'))
            .map(|s| (s.name.clone(), s.value, s.size))
            .collect();
        v.push((m.core.base(), m.core.base() + m.core.len(), m.name.clone(), syms.clone()));
        if let Some(init) = &m.init {
            v.push((init.base(), init.base() + init.len(), m.name.clone(), syms));
        }
    }
    if let Ok(mut g) = GLOBAL.write() {
        *g = v;
    }
}

/// Symbolizer for `%pS` and oopses: finds the module symbol containing an
/// address. Uses the snapshot the last kernel published.
pub fn symbolize_global(addr: u64) -> Option<(String, u64, u64, Option<String>)> {
    let g = GLOBAL.read().ok()?;
    for (lo, hi, name, syms) in g.iter() {
        if addr >= *lo && addr < *hi {
            // Linux's rule: the highest value ≤ addr, the first such symbol
            // in table order on ties.
            let mut best: Option<&(String, u64, u64)> = None;
            for s in syms.iter().filter(|(_, v, _)| *v <= addr) {
                if best.is_none_or(|b| s.1 > b.1) {
                    best = Some(s);
                }
            }
            let best = best?;
            return Some((best.0.clone(), addr - best.1, best.2, Some(name.clone())));
        }
    }
    None
}

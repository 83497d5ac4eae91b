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
    format!(" {}", module_flags_with_state(m))
}

/// Linux's `module_flags(mod, buf, true)` as `print_modules` shows it:
/// `(OE)`, `(OE+)` while loading, `(-)` for an untainted module going;
/// empty for an untainted live module.
pub fn module_flags_with_state(m: &Module) -> String {
    let mark = match m.state {
        ModuleState::Coming => "+",
        ModuleState::Going => "-",
        _ => "",
    };
    if m.taints == 0 && mark.is_empty() {
        return String::new();
    }
    format!("({}{mark})", taint::module_letters(m.taints))
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
        let Some(rest) = path.strip_prefix("/sys/module/") else {
            // what module code registered: buses, drivers, classes, ...
            return match kabi::fs::kernfs::read(path) {
                Some(b) => Ok(b),
                None if kabi::fs::kernfs::is_dir(path) => Err(Errno::EISDIR),
                None => Err(Errno::ENOENT),
            };
        };
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
        let Some(rest) = p.strip_prefix("/sys/module/") else {
            let mut v = kabi::fs::kernfs::list(p).ok_or(Errno::ENOENT)?;
            // the fixed views appear in their parents' listings
            let fixed: &[(&str, &str)] = &[("/", "proc"), ("/", "sys"), ("/proc", "modules"), ("/proc", "kallsyms"), ("/sys", "module")];
            for (dir, name) in fixed {
                if *dir == p && !v.iter().any(|e| e == name) {
                    v.push(name.to_string());
                }
            }
            v.sort();
            return Ok(v);
        };
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
        // the module API trace (kabi::trace): on/off, and clearing its record
        match path.trim_end_matches('/') {
            "/sys/kernel/debug/modhost/trace_enabled" => {
                match value.trim() {
                    "1" => kabi::trace::enable(true),
                    "0" => kabi::trace::enable(false),
                    _ => return Err(Errno::EINVAL),
                }
                return Ok(());
            }
            "/sys/kernel/debug/modhost/trace" => {
                kabi::trace::clear();
                return Ok(());
            }
            _ => {}
        }
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

/// What the symbolizer knows of one module: its images, where their text
/// ends (`layout.text_size`, page-aligned) and its kallsyms table (shared
/// with the module record, not copied).
struct ModSyms {
    name: String,
    /// (base, length, text end) of the core and, while loading, init image.
    core: (u64, u64, u64),
    init: Option<(u64, u64, u64)>,
    syms: std::sync::Arc<Vec<crate::module::KSym>>,
}

static GLOBAL: RwLock<Vec<ModSyms>> = RwLock::new(Vec::new());

/// Publishes the loaded modules' symbols for [`symbolize_global`] (called
/// whenever the module list changes).
pub(crate) fn publish_symbols(st: &crate::State) {
    let v = st
        .modules
        .iter()
        .map(|m| ModSyms {
            name: m.name.clone(),
            core: (m.core.base(), m.core.len(), m.core.base() + m.core_layout.text_size),
            init: m.init.as_ref().map(|i| (i.base(), i.len(), i.base() + m.init_layout.text_size)),
            syms: m.kallsyms.clone(),
        })
        .collect();
    if let Ok(mut g) = GLOBAL.write() {
        *g = v;
    }
}

/// Linux's `is_mapping_symbol`: `$a`, `$x`, `$t`, `$d`, alone or with a `.` suffix.
fn is_mapping_symbol(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() >= 2 && b[0] == b'$' && b"axtd".contains(&b[1]) && (b.len() == 2 || b[2] == b'.')
}

/// `find_kallsyms_symbol`: the symbol of `syms` closest below `addr`; its
/// size runs to the next symbol above `addr` or, failing one, to `nextval`
/// (the end of the image's text). Returns (name, offset, size).
fn find_kallsyms_symbol(syms: &[crate::module::KSym], addr: u64, mut nextval: u64) -> Option<(String, u64, u64)> {
    let mut bestval = syms.first().map_or(0, |s| s.value);
    let mut best = None;
    for s in syms.iter().skip(1) {
        if s.shndx == 0 || s.name.is_empty() || is_mapping_symbol(&s.name) {
            continue;
        }
        if s.value <= addr && s.value > bestval {
            best = Some(s);
            bestval = s.value;
        }
        if s.value > addr && s.value < nextval {
            nextval = s.value;
        }
    }
    let best = best?;
    Some((best.name.clone(), addr - bestval, nextval.wrapping_sub(bestval)))
}

/// Symbolizer for `%pS` and oopses: finds the module symbol containing an
/// address, as Linux's module kallsyms lookup does. Uses the snapshot the
/// last kernel published.
pub fn symbolize_global(addr: u64) -> Option<(String, u64, u64, Option<String>)> {
    let g = GLOBAL.read().ok()?;
    let within = |r: &(u64, u64, u64)| addr >= r.0 && addr < r.0 + r.1;
    for m in g.iter() {
        let text_end = match m.init.as_ref().filter(|r| within(r)) {
            Some(r) => r.2,
            None if within(&m.core) => m.core.2,
            None => continue,
        };
        let (name, off, size) = find_kallsyms_symbol(&m.syms, addr, text_end)?;
        return Some((name, off, size, Some(m.name.clone())));
    }
    None
}

//! fs/proc/proc_sysctl.c: `register_sysctl`, `register_sysctl_table`,
//! `register_sysctl_paths`, `unregister_sysctl_table`.
//!
//! A module's `struct ctl_table` array (terminated by an entry whose
//! `procname` is NULL) appears under `/proc/sys/<path>/<procname>` in
//! [`crate::fs::kernfs`]; 6.1's `register_sysctl_table`/`register_sysctl_paths`
//! still take nested tables through `->child` (directories), while
//! `register_sysctl` takes a path and a table of files only. A name that
//! already exists in the directory fails the whole registration (Linux logs
//! `sysctl duplicate entry: /path/name`) and the call returns NULL.
//!
//! Reading an entry formats the module's data as the standard handlers do
//! (`proc_dointvec`, `proc_dointvec_minmax`, `proc_douintvec`,
//! `proc_douintvec_minmax`, `proc_dostring`, `proc_doulongvec_minmax`),
//! recognised by the entry's `proc_handler` address; for any other handler
//! the view says that reading calls a module handler the host does not run.
//! The returned `struct ctl_table_header` is host memory (kmalloc); its
//! fields are not modelled (modules only hand it back).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::hostobj::{cstr, get64};
use super::kernfs;
use crate::layout::ctl_table as ct;

const ROOT: &str = "/proc/sys";
/// The directories Debian 6.1 has under /proc/sys at boot.
const BUILTIN_DIRS: &[&str] = &["abi", "debug", "dev", "fs", "kernel", "net", "user", "vm"];
const GFP_KERNEL: u32 = 0xcc0;
const HEADER_SIZE: usize = 128;

struct Header {
    files: Vec<String>,
    dirs: Vec<String>,
    /// Module memory the views read or point into (tables, data).
    refs: Vec<u64>,
}

#[derive(Default)]
struct State {
    headers: HashMap<u64, Header>,
    /// File entries (full view paths).
    files: HashSet<String>,
    /// Directories made by registrations, with their use count.
    dirs: HashMap<String, usize>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

struct Guard(std::sync::MutexGuard<'static, Option<State>>);

impl std::ops::Deref for Guard {
    type Target = State;
    fn deref(&self) -> &State {
        self.0.as_ref().expect("initialised")
    }
}

impl std::ops::DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut State {
        self.0.as_mut().expect("initialised")
    }
}

fn state() -> Guard {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    if g.is_none() {
        *g = Some(State::default());
        kernfs::add_dir(ROOT);
        for d in BUILTIN_DIRS {
            kernfs::add_dir(&format!("{ROOT}/{d}"));
        }
    }
    Guard(g)
}

fn is_builtin_dir(p: &str) -> bool {
    p == ROOT
        || p.strip_prefix(ROOT)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|r| BUILTIN_DIRS.contains(&r))
}

/// One entry of a table.
struct Entry {
    addr: u64,
    name: String,
    data: u64,
    maxlen: i32,
    mode: u32,
    child: u64,
    handler: u64,
}

/// The entries of a NULL-procname-terminated table (at most 4096).
fn entries(table: u64) -> Option<Vec<Entry>> {
    let mut v = Vec::new();
    for i in 0..4096u64 {
        let e = table.checked_add(i * ct::SIZE)?;
        // SAFETY: the module passed a ctl_table array terminated by an entry
        // with a NULL procname; e is inside it.
        let procname = unsafe { get64(e + ct::procname) };
        if procname == 0 {
            return Some(v);
        }
        // SAFETY: as above.
        let (data, maxlen, mode, child, handler) = unsafe {
            (
                get64(e + ct::data),
                ((e + ct::maxlen) as *const i32).read_unaligned(),
                ((e + ct::mode) as *const u16).read_unaligned() as u32,
                get64(e + ct::child),
                get64(e + ct::proc_handler),
            )
        };
        v.push(Entry {
            addr: e,
            name: cstr(procname),
            data,
            maxlen,
            mode,
            child,
            handler,
        });
    }
    None
}

/// The handlers whose read format the views reproduce, and the ones
/// whose tables must have data and maxlen (sysctl_check_table).
const FORMATTED: &[&str] = &[
    "proc_dointvec",
    "proc_dointvec_minmax",
    "proc_douintvec",
    "proc_douintvec_minmax",
    "proc_dostring",
    "proc_doulongvec_minmax",
];
const NEED_DATA: &[&str] = &[
    "proc_dostring",
    "proc_dobool",
    "proc_dointvec",
    "proc_douintvec",
    "proc_dointvec_minmax",
    "proc_dou8vec_minmax",
    "proc_douintvec_minmax",
    "proc_dointvec_jiffies",
    "proc_dointvec_userhz_jiffies",
    "proc_dointvec_ms_jiffies",
    "proc_doulongvec_minmax",
    "proc_doulongvec_ms_jiffies_minmax",
];

/// The standard handler at `addr` (one of [`NEED_DATA`]), by the address
/// of its export.
fn handler_name(addr: u64) -> Option<String> {
    if addr == 0 {
        return None;
    }
    let v = crate::vmlinux::get()?;
    NEED_DATA
        .iter()
        .find(|n| v.symbol(n) == Some(addr))
        .map(|n| n.to_string())
}

/// Reads `n` values of `size` bytes at `data`.
///
/// # Safety
/// `data` must hold `n * size` bytes (the module's `data`/`maxlen`).
unsafe fn format_vec(data: u64, n: usize, f: impl Fn(u64) -> String) -> Vec<u8> {
    if n == 0 || data == 0 {
        return Vec::new();
    }
    let v: Vec<String> = (0..n).map(|i| f(i as u64)).collect();
    let _ = data;
    format!("{}\n", v.join("\t")).into_bytes()
}

fn content(data: u64, maxlen: i32, mode: u32, handler: u64, hname: Option<&str>) -> Vec<u8> {
    if mode & 0o444 == 0 {
        return format!(
            "(not readable: mode {:o}; read(2) fails with EACCES)\n",
            mode
        )
        .into_bytes();
    }
    let maxlen = maxlen.max(0) as usize;
    // SAFETY (all arms): the module's table says `data` holds `maxlen` bytes;
    // the view is removed before the module's memory is freed.
    match hname {
        Some("proc_dointvec") | Some("proc_dointvec_minmax") => unsafe {
            format_vec(data, maxlen / 4, |i| {
                ((data + 4 * i) as *const i32).read_unaligned().to_string()
            })
        },
        Some("proc_douintvec") | Some("proc_douintvec_minmax") => {
            if data == 0 || maxlen == 0 {
                return Vec::new();
            }
            if maxlen / 4 != 1 {
                return b"(read(2) fails with EINVAL: proc_douintvec handles one value)\n".to_vec();
            }
            // SAFETY: as above.
            unsafe {
                format_vec(data, 1, |_| {
                    (data as *const u32).read_unaligned().to_string()
                })
            }
        }
        Some("proc_doulongvec_minmax") => unsafe {
            format_vec(data, maxlen / 8, |i| {
                ((data + 8 * i) as *const u64).read_unaligned().to_string()
            })
        },
        Some("proc_dostring") => {
            if data == 0 || maxlen == 0 {
                return Vec::new();
            }
            // SAFETY: as above.
            let s = unsafe { std::slice::from_raw_parts(data as *const u8, maxlen) };
            let len = s.iter().position(|&b| b == 0).unwrap_or(maxlen);
            let mut out = s[..len].to_vec();
            out.push(b'\n');
            out
        }
        Some(n) if !FORMATTED.contains(&n) => {
            format!("(reading calls {n}, which the host does not implement)\n").into_bytes()
        }
        _ => format!(
            "(reading calls the module's handler {}, which the host does not model)\n",
            crate::symbolize(handler)
                .map(|(n, off, _, m)| format!(
                    "{}{}+{:#x}",
                    m.map(|m| format!("[{m}] ")).unwrap_or_default(),
                    n,
                    off
                ))
                .unwrap_or_else(|| format!("{handler:#x}"))
        )
        .into_bytes(),
    }
}

/// A registration in progress (rolled back on failure).
#[derive(Default)]
struct Pending {
    files: Vec<(String, u64, i32, u32, u64, Option<String>)>,
    dirs: Vec<String>,
    refs: Vec<u64>,
}

fn show(path: &str) -> String {
    path.strip_prefix(ROOT).unwrap_or(path).to_string()
}

/// Checks and collects the entries of `table` at directory `dir`
/// (`nested`: `->child` entries are directories).
fn collect(s: &State, p: &mut Pending, dir: &str, table: u64, nested: bool, depth: u32) -> bool {
    if depth > 64 {
        return false;
    }
    let Some(es) = entries(table) else {
        return false;
    };
    p.refs.push(table);
    if !p.dirs.iter().any(|d| d == dir) {
        if s.files.contains(dir) || p.files.iter().any(|f| f.0 == dir) {
            crate::log::kernel_msg(
                3,
                &format!("sysctl could not get directory: {}/ -20", show(dir)),
            );
            return false;
        }
        p.dirs.push(dir.to_string());
    }
    for e in &es {
        let path = format!("{dir}/{}", e.name);
        if e.child != 0 {
            if !nested {
                crate::log::kernel_msg(
                    3,
                    &format!(
                        "sysctl table check failed: {}/{} Not a file",
                        show(dir),
                        e.name
                    ),
                );
                return false;
            }
            if !collect(s, p, &path, e.child, true, depth + 1) {
                return false;
            }
            continue;
        }
        let exists = s.files.contains(&path)
            || s.dirs.contains_key(&path)
            || is_builtin_dir(&path)
            || p.files.iter().any(|f| f.0 == path)
            || p.dirs.contains(&path);
        if exists {
            crate::log::kernel_msg(3, &format!("sysctl duplicate entry: {}", show(&path)));
            return false;
        }
        let hname = handler_name(e.handler);
        let std = hname.as_deref().is_some_and(|n| NEED_DATA.contains(&n));
        let mut err = Vec::new();
        if e.handler == 0 {
            err.push("No proc_handler");
        }
        if std {
            if e.data == 0 {
                err.push("No data");
            }
            if e.maxlen == 0 {
                err.push("No maxlen");
            }
        }
        let bogus = e.mode & 0o666 != e.mode;
        if bogus {
            err.push("bogus .mode");
        }
        if !err.is_empty() {
            for m in err {
                crate::log::kernel_msg(
                    3,
                    &format!("sysctl table check failed: {}/{} {}", show(dir), e.name, m),
                );
            }
            return false;
        }
        let _ = e.addr;
        if e.data != 0 {
            p.refs.push(e.data);
        }
        p.files
            .push((path, e.data, e.maxlen, e.mode, e.handler, hname));
    }
    true
}

fn commit(s: &mut State, p: Pending) -> u64 {
    let hdr = crate::mm::slab::kmalloc_bytes(HEADER_SIZE, GFP_KERNEL | 0x100);
    if hdr == 0 {
        return 0;
    }
    for d in &p.dirs {
        if !is_builtin_dir(d) {
            *s.dirs.entry(d.clone()).or_insert(0) += 1;
            kernfs::add_dir(d);
        }
    }
    let mut files = Vec::new();
    for (path, data, maxlen, mode, handler, hname) in p.files {
        s.files.insert(path.clone());
        kernfs::add_file(&path, move || {
            content(data, maxlen, mode, handler, hname.as_deref())
        });
        files.push(path);
    }
    let mut dirs: Vec<String> = p.dirs.into_iter().filter(|d| !is_builtin_dir(d)).collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.len()));
    s.headers.insert(
        hdr,
        Header {
            files,
            dirs,
            refs: p.refs,
        },
    );
    hdr
}

fn drop_header(s: &mut State, h: Header) {
    for f in &h.files {
        s.files.remove(f);
        kernfs::remove(f);
    }
    for d in &h.dirs {
        if let Some(c) = s.dirs.get_mut(d) {
            *c -= 1;
            if *c == 0 {
                s.dirs.remove(d);
                kernfs::remove(d);
            }
        }
    }
}

fn path_dir(components: &[String]) -> String {
    let mut d = ROOT.to_string();
    for c in components {
        d.push('/');
        d.push_str(c);
    }
    d
}

fn register(components: Vec<String>, table: u64, nested: bool) -> u64 {
    let mut s = state();
    let mut p = Pending::default();
    // the parents of the path are directories the registration uses
    for i in 0..components.len() {
        let d = path_dir(&components[..i]);
        if s.files.contains(&d) {
            return 0;
        }
        p.dirs.push(d);
    }
    if !collect(&s, &mut p, &path_dir(&components), table, nested, 0) {
        return 0;
    }
    commit(&mut s, p)
}

crate::kfn! {
    /// `register_sysctl(path, table)`: the files of `table` under
    /// /proc/sys/`path` ("dev/scsi"); a header or NULL.
    fn register_sysctl(path: u64, table: u64) -> u64 {
        let comps = cstr(path).split('/').filter(|c| !c.is_empty()).map(String::from).collect();
        register(comps, table, false)
    }
}

crate::kfn! {
    /// `register_sysctl_table(table)`: a nested table (`->child` entries
    /// are directories) from /proc/sys; a header or NULL.
    fn register_sysctl_table(table: u64) -> u64 {
        register(Vec::new(), table, true)
    }
}

crate::kfn! {
    /// `register_sysctl_paths(path, table)`: `path` is a `struct ctl_path`
    /// array (one `procname` each) ending with a NULL procname.
    fn register_sysctl_paths(path: u64, table: u64) -> u64 {
        let mut comps = Vec::new();
        for i in 0..64u64 {
            // SAFETY: the module passed a ctl_path array ending with a NULL procname.
            let name = unsafe { get64(path + 8 * i) };
            if name == 0 {
                return register(comps, table, true);
            }
            comps.push(cstr(name));
        }
        0
    }
}

crate::kfn! {
    /// `unregister_sysctl_table(header)`: removes the registration's
    /// entries (and directories it alone used); NULL is ignored.
    fn unregister_sysctl_table(header: u64) {
        if header == 0 {
            return;
        }
        let h = {
            let mut s = state();
            let Some(h) = s.headers.remove(&header) else { return };
            drop_header(&mut s, h);
            true
        };
        if h {
            crate::mm::slab::kfree_addr(header);
        }
    }
}

/// A module whose memory goes away without unregistering loses its entries
/// (the host frees nothing of its own here: the header stays allocated).
fn purge(start: u64, end: u64) {
    let mut s = state();
    let gone: Vec<u64> = s
        .headers
        .iter()
        .filter(|(_, h)| h.refs.iter().any(|&r| r >= start && r < end))
        .map(|(&k, _)| k)
        .collect();
    for k in gone {
        if let Some(h) = s.headers.remove(&k) {
            drop_header(&mut s, h);
        }
    }
}
crate::purge_on_module_free!(purge);

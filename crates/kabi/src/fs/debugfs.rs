//! fs/debugfs: `debugfs_create_dir`, `debugfs_create_file`, the typed
//! files (`debugfs_create_u32`, ...), `debugfs_remove`, ... (Linux 6.1,
//! `CONFIG_DEBUG_FS=y`, every API allowed).
//!
//! A dentry handed to a module is a host object: a zero-filled `struct
//! dentry` with `d_parent`, `d_name` and `d_inode` set, and a `struct inode`
//! with `i_mode` and `i_private` (the `data` argument). Entries appear under
//! `/sys/kernel/debug` in [`crate::fs::kernfs`].
//!
//! Reading a view file: the typed files (`u8`..`x64`, `ulong`, `size_t`,
//! `atomic_t`, `bool`, `str`, `blob`, `u32_array`) read the module's variable
//! at that moment and format it as Linux's file operations do. A file made
//! with module `file_operations` (`debugfs_create_file`) would need a
//! `struct file` and the module's `open`/`read`: the host does not model
//! that, and the view file's content says so. Files without a read
//! permission in `mode` read as empty (Linux's read returns `-EACCES`).
//!
//! The root holds what Debian's kernel creates at boot (captured from
//! Debian 6.1.0-57 under QEMU, `ls -la /sys/kernel/debug`, see
//! tests/modules/fsnet/debian-6.1-qemu.txt): a module creating one of those
//! names gets `-EEXIST` as on Linux. Their directories show as empty view
//! directories; the built-in files are known only by name (their contents
//! are not modelled, so they have no view).

use std::collections::HashMap;
use std::sync::Mutex;

use super::hostobj::{cbytes, cstring, err_ptr, get64, is_err, put64, zalloc};
use super::kernfs;
use crate::layout::{debugfs_blob_wrapper as blob_l, debugfs_u32_array as arr_l, dentry as d_l, inode as i_l, qstr as q_l};

const MOUNT: &str = "/sys/kernel/debug";

const EACCES: i64 = 13;
const EEXIST: i64 = 17;
const ENOENT: i64 = 2;

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IRUGO: u32 = 0o444;

/// Built-in entries of Debian 6.1's debugfs root on a QEMU machine
/// (name, is a directory).
const BUILTIN: &[(&str, bool)] = &[
    ("acpi", true),
    ("bdi", true),
    ("block", true),
    ("clear_warn_once", false),
    ("clk", true),
    ("cxl", true),
    ("devfreq", true),
    ("device_component", true),
    ("devices_deferred", false),
    ("dma_buf", true),
    ("dma_pools", true),
    ("dmaengine", true),
    ("dynamic_debug", true),
    ("energy_model", true),
    ("extfrag", true),
    ("fault_around_bytes", false),
    ("frontswap", true),
    ("gpio", false),
    ("i2c", true),
    ("kprobes", true),
    ("lru_gen", false),
    ("lru_gen_full", false),
    ("mce", true),
    ("opp", true),
    ("pinctrl", true),
    ("pm_genpd", true),
    ("pwm", false),
    ("ras", true),
    ("regmap", true),
    ("regulator", true),
    ("sched", true),
    ("slab", true),
    ("sleep_time", false),
    ("split_huge_pages", false),
    ("suspend_stats", false),
    ("swiotlb", true),
    ("tracing", true),
    ("wakeup_sources", false),
    ("x86", true),
    ("zswap", true),
];

struct Entry {
    path: String,
    name: Vec<u8>,
    #[allow(dead_code)]
    parent: u64,
    dir: bool,
    alive: bool,
    /// Module pointers the view reads (the variable, the fops): when the
    /// module's memory goes, so does the file.
    refs: Vec<u64>,
}

#[derive(Default)]
struct State {
    root: u64,
    by_addr: HashMap<u64, Entry>,
    by_path: HashMap<String, u64>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn new_dentry(name: &[u8], parent: u64, mode: u32, data: u64) -> u64 {
    let d = zalloc(d_l::SIZE);
    let inode = zalloc(i_l::SIZE);
    let n = cstring(name);
    // SAFETY: d and inode are fresh host objects of their structs' sizes;
    // the offsets come from Debian's headers.
    unsafe {
        put64(d + d_l::d_parent, if parent == 0 { d } else { parent });
        put64(d + d_l::d_name + q_l::name, n);
        put64(d + d_l::d_name + q_l::hash_len, (name.len() as u64) << 32);
        put64(d + d_l::d_inode, inode);
        ((inode + i_l::i_mode) as *mut u16).write_unaligned(mode as u16);
        put64(inode + i_l::i_private, data);
    }
    d
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let s = g.get_or_insert_with(|| {
        let mut s = State::default();
        let root = new_dentry(b"/", 0, S_IFDIR | 0o700, 0);
        s.root = root;
        s.by_addr.insert(
            root,
            Entry {
                path: MOUNT.into(),
                name: b"/".to_vec(),
                parent: root,
                dir: true,
                alive: true,
                refs: vec![],
            },
        );
        s.by_path.insert(MOUNT.into(), root);
        for &(name, dir) in BUILTIN {
            let mode = if dir { S_IFDIR | 0o755 } else { S_IFREG | 0o444 };
            let d = new_dentry(name.as_bytes(), root, mode, 0);
            let path = format!("{MOUNT}/{name}");
            if dir {
                kernfs::add_dir(&path);
            }
            s.by_addr.insert(
                d,
                Entry {
                    path: path.clone(),
                    name: name.as_bytes().to_vec(),
                    parent: root,
                    dir,
                    alive: true,
                    refs: vec![],
                },
            );
            s.by_path.insert(path, d);
        }
        s
    });
    f(s)
}

/// `lookup_one_len`'s name rules: not empty, not `.`/`..`, no `/`.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/')
}

/// Linux's `start_creating` + node creation: the new dentry, or an
/// ERR_PTR (an IS_ERR parent is passed back).
fn create(name_p: u64, parent: u64, mode: u32, data: u64, refs: Vec<u64>) -> Result<(u64, String), u64> {
    if is_err(parent) {
        return Err(parent);
    }
    let name = cbytes(name_p);
    let r = with(|s| {
        let parent = if parent == 0 { s.root } else { parent };
        let Some(p) = s.by_addr.get(&parent).filter(|p| p.alive && p.dir) else {
            return Err(err_ptr(ENOENT));
        };
        if !valid_name(&name) {
            return Err(err_ptr(EACCES));
        }
        let path = format!("{}/{}", p.path, String::from_utf8_lossy(&name));
        if let Some(&old) = s.by_path.get(&path) {
            let pname = String::from_utf8_lossy(&p.name).into_owned();
            let n = String::from_utf8_lossy(&name);
            let msg = if s.by_addr[&old].dir {
                format!("debugfs: Directory '{n}' with parent '{pname}' already present!")
            } else {
                format!("debugfs: File '{n}' in directory '{pname}' already present!")
            };
            crate::log::kernel_msg(3, &msg);
            return Err(err_ptr(EEXIST));
        }
        let d = new_dentry(&name, parent, mode, data);
        let dir = mode & S_IFMT == S_IFDIR;
        s.by_addr.insert(
            d,
            Entry {
                path: path.clone(),
                name: name.clone(),
                parent,
                dir,
                alive: true,
                refs,
            },
        );
        s.by_path.insert(path.clone(), d);
        Ok((d, path))
    });
    r
}

crate::kfn! {
    /// `debugfs_create_dir(name, parent)`: the new directory's dentry or
    /// an ERR_PTR (-EEXIST, -EACCES for a bad name, -ENOENT for a removed
    /// parent, the parent itself when it is an error).
    fn debugfs_create_dir(name: u64, parent: u64) -> u64 {
        match create(name, parent, S_IFDIR | 0o755, 0, vec![]) {
            Ok((d, path)) => {
                kernfs::add_dir(&path);
                d
            }
            Err(e) => e,
        }
    }
}

fn file_mode(mode: u32) -> u32 {
    if mode & S_IFMT == 0 {
        mode | S_IFREG
    } else {
        mode
    }
}

fn fops_file(name: u64, mode: u32, parent: u64, data: u64, fops: u64) -> u64 {
    let mut refs = vec![fops];
    if data != 0 {
        refs.push(data);
    }
    match create(name, parent, file_mode(mode), data, refs) {
        Ok((d, path)) => {
            let owner = crate::symbolize(fops).and_then(|s| s.3).unwrap_or_else(|| "the module".into());
            let text = format!(
                "modhost: this debugfs file is read through {owner}'s file_operations (open/read with a struct file), which the host kernel does not model\n"
            );
            kernfs::add_text(&path, text);
            d
        }
        Err(e) => e,
    }
}

crate::kfn! {
    /// `debugfs_create_file(name, mode, parent, data, fops)`.
    fn debugfs_create_file(name: u64, mode: u32, parent: u64, data: u64, fops: u64) -> u64 {
        fops_file(name, mode, parent, data, fops)
    }
}
crate::export_fn!("debugfs_create_file_unsafe" => debugfs_create_file);

crate::kfn! {
    /// `debugfs_create_file_size(...)`: as `debugfs_create_file`, with the
    /// inode's size set (the dentry is not returned).
    fn debugfs_create_file_size(name: u64, mode: u32, parent: u64, data: u64, fops: u64, size: i64) {
        let _ = size;
        let _ = fops_file(name, mode, parent, data, fops);
    }
}

/// How a typed file formats its variable (the formats of fs/debugfs/file.c).
#[derive(Clone, Copy)]
enum Ty {
    U8,
    U16,
    U32,
    U64,
    X8,
    X16,
    X32,
    X64,
    Atomic,
    Bool,
    Str,
}

fn format(ty: Ty, p: u64) -> Vec<u8> {
    // SAFETY: p is the module's variable of the type it registered; the
    // file is removed when the module's memory is freed.
    unsafe {
        match ty {
            Ty::U8 => format!("{}\n", *(p as *const u8)).into_bytes(),
            Ty::U16 => format!("{}\n", (p as *const u16).read_unaligned()).into_bytes(),
            Ty::U32 => format!("{}\n", (p as *const u32).read_unaligned()).into_bytes(),
            Ty::U64 => format!("{}\n", (p as *const u64).read_unaligned()).into_bytes(),
            Ty::X8 => format!("0x{:02x}\n", *(p as *const u8)).into_bytes(),
            Ty::X16 => format!("0x{:04x}\n", (p as *const u16).read_unaligned()).into_bytes(),
            Ty::X32 => format!("0x{:08x}\n", (p as *const u32).read_unaligned()).into_bytes(),
            Ty::X64 => format!("0x{:016x}\n", (p as *const u64).read_unaligned()).into_bytes(),
            Ty::Atomic => format!("{}\n", (p as *const i32).read_volatile()).into_bytes(),
            Ty::Bool => {
                if *(p as *const u8) != 0 {
                    b"Y\n".to_vec()
                } else {
                    b"N\n".to_vec()
                }
            }
            Ty::Str => {
                let s = get64(p);
                let mut v = cbytes(s);
                v.push(b'\n');
                v
            }
        }
    }
}

fn typed(name: u64, mode: u32, parent: u64, value: u64, ty: Ty) -> u64 {
    match create(name, parent, file_mode(mode), value, vec![value]) {
        Ok((d, path)) => {
            if mode & S_IRUGO != 0 {
                kernfs::add_file(&path, move || format(ty, value));
            } else {
                kernfs::add_text(&path, Vec::new());
            }
            d
        }
        Err(e) => e,
    }
}

macro_rules! typed_export {
    ($($sym:ident => $ty:ident),* $(,)?) => {$(
        crate::kfn! {
            /// A typed debugfs file (fs/debugfs/file.c): reads the variable.
            fn $sym(name: u64, mode: u32, parent: u64, value: u64) {
                typed(name, mode, parent, value, Ty::$ty);
            }
        }
    )*};
}
typed_export!(
    debugfs_create_u8 => U8,
    debugfs_create_u16 => U16,
    debugfs_create_u32 => U32,
    debugfs_create_u64 => U64,
    debugfs_create_ulong => U64,
    debugfs_create_size_t => U64,
    debugfs_create_x8 => X8,
    debugfs_create_x16 => X16,
    debugfs_create_x32 => X32,
    debugfs_create_x64 => X64,
    debugfs_create_atomic_t => Atomic,
    debugfs_create_bool => Bool,
    debugfs_create_str => Str,
);

crate::kfn! {
    /// `debugfs_create_blob(name, mode, parent, blob)`: the bytes
    /// `blob->data[0..blob->size]`.
    fn debugfs_create_blob(name: u64, mode: u32, parent: u64, blob: u64) -> u64 {
        match create(name, parent, file_mode(mode), blob, vec![blob]) {
            Ok((d, path)) => {
                kernfs::add_file(&path, move || {
                    // SAFETY: the module's debugfs_blob_wrapper and the
                    // buffer it describes.
                    unsafe {
                        let data = get64(blob + blob_l::data);
                        let size = get64(blob + blob_l::size).min(1 << 24) as usize;
                        if data == 0 || size == 0 {
                            return Vec::new();
                        }
                        std::slice::from_raw_parts(data as *const u8, size).to_vec()
                    }
                });
                d
            }
            Err(e) => e,
        }
    }
}

crate::kfn! {
    /// `debugfs_create_u32_array(name, mode, parent, array)`: the elements
    /// as `%u`, space-separated, the last followed by a newline.
    fn debugfs_create_u32_array(name: u64, mode: u32, parent: u64, array: u64) {
        let _ = create(name, parent, file_mode(mode), array, vec![array]).map(|(_, path)| {
            kernfs::add_file(&path, move || {
                // SAFETY: the module's debugfs_u32_array and its elements.
                unsafe {
                    let a = get64(array + arr_l::array);
                    let n = ((array + arr_l::n_elements) as *const u32).read_unaligned().min(1 << 20) as u64;
                    let mut out = String::new();
                    for i in 0..n {
                        let v = ((a + 4 * i) as *const u32).read_unaligned();
                        out.push_str(&format!("{v}{}", if i + 1 < n { ' ' } else { '\n' }));
                    }
                    out.into_bytes()
                }
            });
        });
    }
}

crate::kfn! {
    /// `debugfs_create_regset32(name, mode, parent, regset)`: reading would
    /// `readl()` the device's registers, which the host does not do; the
    /// view says so.
    fn debugfs_create_regset32(name: u64, mode: u32, parent: u64, regset: u64) {
        if let Ok((_, path)) = create(name, parent, file_mode(mode), regset, vec![regset]) {
            kernfs::add_text(&path, "modhost: this debugfs file reads device registers (readl), which the host kernel does not model\n");
        }
    }
}

crate::kfn! {
    /// `debugfs_create_symlink(name, parent, target)`.
    fn debugfs_create_symlink(name: u64, parent: u64, target: u64) -> u64 {
        let t = super::hostobj::cstr(target);
        let link = cstring(t.as_bytes());
        match create(name, parent, S_IFLNK | 0o777, link, vec![]) {
            Ok((d, path)) => {
                kernfs::add_link(&path, &t);
                d
            }
            Err(e) => e,
        }
    }
}

/// Removes `d` and everything under it (views and registry).
fn remove_locked(s: &mut State, d: u64) {
    let Some(e) = s.by_addr.get(&d) else { return };
    if !e.alive || d == s.root {
        return;
    }
    let prefix = format!("{}/", e.path);
    let path = e.path.clone();
    kernfs::remove(&path);
    let under: Vec<String> = s
        .by_path
        .keys()
        .filter(|p| p.starts_with(&prefix) || **p == path)
        .cloned()
        .collect();
    for p in under {
        if let Some(a) = s.by_path.remove(&p) {
            if let Some(e) = s.by_addr.get_mut(&a) {
                e.alive = false;
            }
        }
    }
}

crate::kfn! {
    /// `debugfs_remove(dentry)`: removes it and, for a directory,
    /// everything under it (6.1's `debugfs_remove` is recursive). NULL and
    /// ERR_PTR values are ignored.
    fn debugfs_remove(d: u64) {
        if d == 0 || is_err(d) {
            return;
        }
        with(|s| remove_locked(s, d));
    }
}
crate::export_alias!("debugfs_remove_recursive" => "debugfs_remove");

crate::kfn! {
    /// `debugfs_lookup_and_remove(name, parent)`.
    fn debugfs_lookup_and_remove(name: u64, parent: u64) {
        if is_err(parent) {
            return;
        }
        let name = cbytes(name);
        with(|s| {
            let parent = if parent == 0 { s.root } else { parent };
            let Some(p) = s.by_addr.get(&parent).filter(|p| p.alive) else { return };
            let path = format!("{}/{}", p.path, String::from_utf8_lossy(&name));
            if let Some(&d) = s.by_path.get(&path) {
                remove_locked(s, d);
            }
        });
    }
}

crate::kfn! {
    /// `debugfs_initialized()`: debugfs registered at boot.
    fn debugfs_initialized() -> bool {
        true
    }
}

/// Creates debugfs's root and its built-in entries (at boot).
pub fn init() {
    with(|_| ());
}

/// The path of a live debugfs dentry (for tests and other views).
pub fn dentry_path(d: u64) -> Option<String> {
    with(|s| s.by_addr.get(&d).filter(|e| e.alive).map(|e| e.path.clone()))
}

fn purge(start: u64, end: u64) {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(s) = g.as_mut() else { return };
    let gone: Vec<u64> = s
        .by_addr
        .iter()
        .filter(|(_, e)| e.alive && e.refs.iter().any(|&r| r >= start && r < end))
        .map(|(&d, _)| d)
        .collect();
    for d in gone {
        remove_locked(s, d);
    }
}
crate::purge_on_module_free!(purge);

//! fs/filesystems.c: `register_filesystem`, `unregister_filesystem` and
//! `/proc/filesystems`.
//!
//! The list starts with the filesystems Debian's 6.1 kernel registers at
//! boot, in its order (captured from Debian 6.1.0-57 booted under QEMU,
//! `cat /proc/filesystems`, see tests/modules/fsnet/debian-6.1-qemu.txt);
//! they are names only (a module registering one of those names gets
//! `-EBUSY`, as on Linux). Modules' `file_system_type`s follow in
//! registration order; `fs->next` is kept as Linux keeps it (a non-NULL
//! `next` means "registered", and `register_filesystem` refuses it).

use std::sync::Mutex;

use super::hostobj::{cbytes, get64, put64};
use crate::layout::file_system_type as l;

const EBUSY: i32 = 16;
const EINVAL: i32 = 22;

/// Debian 6.1.0-57's built-in filesystems (name, requires a device).
const BUILTIN: &[(&str, bool)] = &[
    ("sysfs", false),
    ("tmpfs", false),
    ("proc", false),
    ("cgroup", false),
    ("cgroup2", false),
    ("cpuset", false),
    ("devtmpfs", false),
    ("debugfs", false),
    ("tracefs", false),
    ("securityfs", false),
    ("sockfs", false),
    ("bpf", false),
    ("pipefs", false),
    ("ramfs", false),
    ("hugetlbfs", false),
    ("devpts", false),
    ("mqueue", false),
    ("pstore", false),
];

enum Fs {
    Builtin(&'static str, bool),
    /// A module's `struct file_system_type`.
    Module(u64),
}

static LIST: Mutex<Option<Vec<Fs>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Vec<Fs>) -> R) -> R {
    let mut g = LIST.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| {
        super::kernfs::add_file("/proc/filesystems", proc_filesystems);
        BUILTIN.iter().map(|&(n, d)| Fs::Builtin(n, d)).collect()
    }))
}

fn name_of(fs: &Fs) -> Vec<u8> {
    match fs {
        Fs::Builtin(n, _) => n.as_bytes().to_vec(),
        // SAFETY: a registered module file_system_type (purged with its module).
        Fs::Module(p) => cbytes(unsafe { get64(p + l::name) }),
    }
}

fn requires_dev(fs: &Fs) -> bool {
    match fs {
        Fs::Builtin(_, d) => *d,
        // SAFETY: as above; fs_flags is an int.
        Fs::Module(p) => {
            (unsafe { ((p + l::fs_flags) as *const i32).read_unaligned() }) as u64 & crate::layout::fs_consts::FS_REQUIRES_DEV != 0
        }
    }
}

/// `/proc/filesystems`: `nodev\tname` or `\tname` per line.
fn proc_filesystems() -> Vec<u8> {
    with(|list| {
        let mut out = Vec::new();
        for fs in list.iter() {
            if !requires_dev(fs) {
                out.extend_from_slice(b"nodev");
            }
            out.push(b'\t');
            out.extend_from_slice(&name_of(fs));
            out.push(b'\n');
        }
        out
    })
}

/// Makes `/proc/filesystems` exist (the host kernel's boot may call it).
pub fn init() {
    with(|_| ());
}

crate::kfn! {
    /// `register_filesystem(fs)`: 0, or -EBUSY when `fs->next` is set or
    /// the name is taken. (`fs->parameters` is not validated: Debian's
    /// kernel has `CONFIG_VALIDATE_FS_PARSER` off.)
    fn register_filesystem(fs: u64) -> i32 {
        // SAFETY: the module's struct file_system_type.
        if unsafe { get64(fs + l::next) } != 0 {
            return -EBUSY;
        }
        // SAFETY: as above.
        let name = cbytes(unsafe { get64(fs + l::name) });
        with(|list| {
            if list.iter().any(|f| name_of(f) == name) {
                return -EBUSY;
            }
            // Linux links the new type at the tail
            list.push(Fs::Module(fs));
            relink(list, 0, 0);
            0
        })
    }
}

crate::kfn! {
    /// `unregister_filesystem(fs)`: 0, or -EINVAL when it is not registered.
    fn unregister_filesystem(fs: u64) -> i32 {
        with(|list| {
            let Some(i) = list.iter().position(|f| matches!(f, Fs::Module(p) if *p == fs)) else {
                return -EINVAL;
            };
            unlink(list, i);
            0
        })
    }
}

/// Removes entry `i` as Linux does (`*prev = fs->next; fs->next = NULL`).
fn unlink(list: &mut Vec<Fs>, i: usize) {
    if let Fs::Module(fs) = list[i] {
        // SAFETY: a registered module file_system_type.
        unsafe { put64(fs + l::next, 0) };
    }
    list.remove(i);
    relink(list, 0, 0);
}

/// Sets every module entry's `next` to the entry after it (NULL for the
/// last), skipping objects in `[start, end)` (memory being freed).
fn relink(list: &[Fs], start: u64, end: u64) {
    let mods: Vec<u64> = list
        .iter()
        .filter_map(|f| if let Fs::Module(p) = f { Some(*p) } else { None })
        .collect();
    for (i, &p) in mods.iter().enumerate() {
        if p >= start && p < end {
            continue;
        }
        // SAFETY: a registered module file_system_type outside freed memory.
        unsafe { put64(p + l::next, mods.get(i + 1).copied().unwrap_or(0)) };
    }
}

/// The registered names, in `/proc/filesystems` order.
pub fn names() -> Vec<String> {
    with(|list| list.iter().map(|f| String::from_utf8_lossy(&name_of(f)).into_owned()).collect())
}

fn purge(start: u64, end: u64) {
    let mut g = LIST.lock().unwrap_or_else(|e| e.into_inner());
    let Some(list) = g.as_mut() else { return };
    list.retain(|f| !matches!(f, Fs::Module(p) if *p >= start && *p < end));
    relink(list, start, end);
}
crate::purge_on_module_free!(purge);

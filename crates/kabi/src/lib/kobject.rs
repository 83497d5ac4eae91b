//! lib/kobject.c and lib/kobject_uevent.c: kobjects, ksets and uevents.
//!
//! A kobject lives in module memory (or the host's, for the ones the kernel
//! allocates: `kobject_create_and_add`, `kset_create_and_add`, the
//! directories of `/sys`). Its reference count is the `kref` inside it and
//! its `state_*` bits are the ones Linux keeps, so the module's inline
//! helpers (`kref_read`, `device_is_registered`) see what they would on
//! Linux. A kobject in sysfs has a directory in the views
//! (`crate::fs::kernfs`), placed as `kobject_add_internal` places it: under
//! its parent, else under its kset's kobject, else at `/sys`; the registry
//! here maps each such kobject to its directory.
//!
//! uevents: no netlink listener and no uevent helper (Debian builds
//! without `CONFIG_UEVENT_HELPER`) exist on the host, so an event runs the
//! kset's `filter`/`name`/`uevent` callbacks, counts `uevent_seqnum` and
//! goes nowhere, as on a Linux machine with nobody listening.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::abi::RegArgs;
use crate::drivers::base::{cstr, kfree, kstrdup, kzalloc, rd32, rd64, wr32, wr64};
use crate::fs::kernfs;
use crate::layout::{kobj_type, kobj_uevent_env as env_l, kobject, kset, kset_uevent_ops};

const EINVAL: i32 = -22;
const ENOENT: i32 = -2;
const ENOMEM: i32 = -12;
const EEXIST: i32 = -17;

/// `state_*` bits of the word after the kref (GCC allocates bitfields from
/// the least significant bit).
const ST_INITIALIZED: u32 = 1;
const ST_IN_SYSFS: u32 = 2;
const ST_ADD_UEVENT_SENT: u32 = 4;
const ST_REMOVE_UEVENT_SENT: u32 = 8;
const ST_UEVENT_SUPPRESS: u32 = 16;

/// `enum kobject_action` names.
const ACTIONS: [&str; 8] = [
    "add", "remove", "change", "move", "online", "offline", "bind", "unbind",
];
pub(crate) const KOBJ_ADD: u32 = 0;
pub(crate) const KOBJ_REMOVE: u32 = 1;

struct Sysfs {
    /// kobject → its directory (`/sys/...`).
    dirs: HashMap<u64, String>,
    /// Names the kernel allocated (freed when replaced or at cleanup).
    owned_names: HashSet<u64>,
}

static SYSFS: Mutex<Option<Sysfs>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Sysfs) -> R) -> R {
    let mut g: MutexGuard<'_, Option<Sysfs>> = SYSFS.lock().unwrap_or_else(|e| e.into_inner());
    let s = g.get_or_insert_with(|| Sysfs {
        dirs: HashMap::new(),
        owned_names: HashSet::new(),
    });
    f(s)
}

/// The directory of a kobject in sysfs (`/sys/...`), if it has one.
pub(crate) fn path_of(kobj: u64) -> Option<String> {
    if kobj == 0 {
        return None;
    }
    with(|s| s.dirs.get(&kobj).cloned())
}

/// The kobject whose directory is `path`.
pub(crate) fn kobject_at(path: &str) -> Option<u64> {
    with(|s| {
        s.dirs
            .iter()
            .find(|(_, p)| p.as_str() == path)
            .map(|(k, _)| *k)
    })
}

/// `kobject_name(kobj)`.
pub(crate) fn name_of(kobj: u64) -> Option<String> {
    if kobj == 0 {
        return None;
    }
    cstr(rd64(kobj + kobject::name))
}

fn state(kobj: u64) -> u32 {
    rd32(kobj + kobject::state)
}

fn set_state(kobj: u64, bit: u32, on: bool) {
    let s = state(kobj);
    wr32(kobj + kobject::state, if on { s | bit } else { s & !bit });
}

/// Whether `kobj` has a directory in sysfs (`state_in_sysfs`).
pub(crate) fn in_sysfs(kobj: u64) -> bool {
    kobj != 0 && state(kobj) & ST_IN_SYSFS != 0
}

fn refs<'a>(kobj: u64) -> &'a AtomicU32 {
    // SAFETY: the kref (a refcount_t, 4-aligned) of a live kobject.
    unsafe { &*((kobj + kobject::kref) as *const AtomicU32) }
}

/// `kref_read(&kobj->kref)`.
#[allow(dead_code)]
pub(crate) fn kref_read(kobj: u64) -> u32 {
    refs(kobj).load(Ordering::Acquire)
}

/// `%p` of a pointer, hashed as the kernel's printk hashes it.
pub(crate) fn ptr_str(p: u64) -> String {
    let words = [p];
    let mut a = crate::printf::ArgList::new(&words);
    String::from_utf8_lossy(&crate::printf::format(
        b"%p",
        &mut a,
        &crate::kernel::printk::ModuleMemory,
    ))
    .into_owned()
}

/// `WARN(1, msg)` from the host's vmlinux code: the report's first lines.
pub(crate) fn warn(msg: &str) {
    crate::log::kernel_msg(4, crate::kernel::printk::CUT_HERE);
    crate::log::kernel_msg(4, msg);
}

// ---------------------------------------------------------------------------
// list_head helpers on kernel structures

fn list_init(h: u64) {
    wr64(h, h);
    wr64(h + 8, h);
}

fn list_add_tail(new: u64, head: u64) {
    let prev = rd64(head + 8);
    wr64(new, head);
    wr64(new + 8, prev);
    wr64(prev, new);
    wr64(head + 8, new);
}

fn list_del_init(e: u64) {
    let (next, prev) = (rd64(e), rd64(e + 8));
    if next != 0 && prev != 0 {
        wr64(prev, next);
        wr64(next + 8, prev);
    }
    list_init(e);
}

// ---------------------------------------------------------------------------
// The host's ktypes

/// The kobj_types the kernel itself defines: their release runs here.
pub(crate) struct HostKtypes {
    /// `dynamic_kobj_ktype` (kobject_create_and_add): kfree.
    pub dynamic: u64,
    /// `kset_ktype` (kset_create_and_add): kfree of the kset.
    pub kset: u64,
    /// `device_ktype`: drivers/base/core.c's device_release.
    pub device: u64,
    /// `class_dir_ktype`: the glue directories of class devices.
    pub glue: u64,
}

static HOST_KTYPES: OnceLock<HostKtypes> = OnceLock::new();

pub(crate) fn host_ktypes() -> &'static HostKtypes {
    HOST_KTYPES.get_or_init(|| {
        let mk = |release: u64, ops: u64| {
            let t = kzalloc(kobj_type::SIZE);
            wr64(t + kobj_type::release, release);
            wr64(t + kobj_type::sysfs_ops, ops);
            t
        };
        let kobj_ops = kobj_sysfs_ops_addr();
        HostKtypes {
            dynamic: mk(dynamic_kobj_release as *const () as u64, kobj_ops),
            kset: mk(kset_release as *const () as u64, kobj_ops),
            device: {
                // dev_sysfs_ops: device_attribute show
                let ops = kzalloc(crate::layout::sysfs_ops::SIZE);
                if ops != 0 {
                    wr64(
                        ops + crate::layout::sysfs_ops::show,
                        crate::drivers::base::core::dev_attr_show_fn(),
                    );
                }
                mk(crate::drivers::base::core::device_release_fn(), ops)
            },
            glue: mk(dynamic_kobj_release as *const () as u64, kobj_ops),
        }
    })
}

extern "C" fn dynamic_kobj_release(kobj: u64) {
    kfree(kobj);
}

extern "C" fn kset_release(kobj: u64) {
    kfree(kobj - kset::kobj);
}

/// Runs a kobject's release (host ktypes here, a module's through
/// `call_module`). Returns whether there was one.
fn release(kobj: u64, t: u64) -> bool {
    let k = host_ktypes();
    if t == k.dynamic || t == k.glue {
        dynamic_kobj_release(kobj);
        return true;
    }
    if t == k.kset {
        kset_release(kobj);
        return true;
    }
    if t == k.device {
        crate::drivers::base::core::device_release(kobj);
        return true;
    }
    let rel = if t != 0 {
        rd64(t + kobj_type::release)
    } else {
        0
    };
    if rel == 0 {
        return false;
    }
    crate::fault::call_module(rel, [kobj, 0, 0, 0, 0, 0]);
    true
}

// ---------------------------------------------------------------------------
// kobj_sysfs_ops

crate::export_data!("kobj_sysfs_ops", size crate::layout::sysfs_ops::SIZE, align 8, init = init_kobj_sysfs_ops);

static KOBJ_SYSFS_OPS: AtomicU64 = AtomicU64::new(0);

fn init_kobj_sysfs_ops(_addr: u64, b: &crate::vmlinux::Builder) {
    boot_with(b);
}

/// Boot from a data initializer: `kobj_sysfs_ops` first (the kernel's
/// ktypes point at it), then the directories of `/sys`.
pub(crate) fn boot_with(b: &crate::vmlinux::Builder) {
    if KOBJ_SYSFS_OPS.load(Ordering::Acquire) == 0 {
        if let Some(addr) = b.symbol("kobj_sysfs_ops") {
            wr64(
                addr + crate::layout::sysfs_ops::show,
                kobj_attr_show as *const () as u64,
            );
            wr64(
                addr + crate::layout::sysfs_ops::store,
                kobj_attr_store as *const () as u64,
            );
            KOBJ_SYSFS_OPS.store(addr, Ordering::Release);
            // ktypes made before (by an earlier initializer) point at it too
            if let Some(k) = HOST_KTYPES.get() {
                for t in [k.dynamic, k.kset, k.glue] {
                    wr64(t + kobj_type::sysfs_ops, addr);
                }
            }
        }
    }
    boot();
}

/// The address of `kobj_sysfs_ops`.
pub(crate) fn kobj_sysfs_ops_addr() -> u64 {
    let a = KOBJ_SYSFS_OPS.load(Ordering::Acquire);
    if a != 0 {
        return a;
    }
    crate::vmlinux::get()
        .and_then(|v| v.symbol("kobj_sysfs_ops"))
        .unwrap_or(0)
}

/// `kobj_attr_show(kobj, attr, buf)`: the kobj_attribute's show.
extern "C" fn kobj_attr_show(kobj: u64, attr: u64, buf: u64) -> i64 {
    let show = rd64(attr + crate::layout::kobj_attribute::show);
    if show == 0 {
        return -5; // -EIO
    }
    crate::fault::call_module(show, [kobj, attr, buf, 0, 0, 0])
        .map(|r| r as i64)
        .unwrap_or(-14)
}

/// `kobj_attr_store(kobj, attr, buf, count)`.
extern "C" fn kobj_attr_store(kobj: u64, attr: u64, buf: u64, count: u64) -> i64 {
    let store = rd64(attr + crate::layout::kobj_attribute::store);
    if store == 0 {
        return -5;
    }
    crate::fault::call_module(store, [kobj, attr, buf, count, 0, 0])
        .map(|r| r as i64)
        .unwrap_or(-14)
}

// ---------------------------------------------------------------------------
// The directories of /sys

/// The kernel's own kobjects of `/sys` (`kernel_kobj`, ...), made once.
struct Roots {
    kernel: u64,
    mm: u64,
    fs: u64,
    firmware: u64,
    hypervisor: u64,
    #[allow(dead_code)]
    power: u64,
}

fn roots() -> &'static Roots {
    static R: OnceLock<Roots> = OnceLock::new();
    R.get_or_init(|| {
        let mk = |name: &'static std::ffi::CStr, parent: u64| {
            let k = kzalloc(kobject::SIZE);
            init_internal(k);
            wr64(k + kobject::ktype, host_ktypes().dynamic);
            wr64(k + kobject::name, name.as_ptr() as u64);
            wr64(k + kobject::parent, parent);
            if parent != 0 {
                get(parent);
            }
            let dir = match path_of(parent) {
                Some(p) => format!("{p}/{}", name.to_string_lossy()),
                None => format!("/sys/{}", name.to_string_lossy()),
            };
            kernfs::add_dir(&dir);
            with(|s| s.dirs.insert(k, dir));
            set_state(k, ST_IN_SYSFS, true);
            k
        };
        let kernel = mk(c"kernel", 0);
        Roots {
            kernel,
            mm: mk(c"mm", kernel),
            fs: mk(c"fs", 0),
            firmware: mk(c"firmware", 0),
            hypervisor: mk(c"hypervisor", 0),
            power: mk(c"power", 0),
        }
    })
}

/// Boot: the directories of `/sys` as Linux's initcalls make them.
pub(crate) fn boot() {
    let _ = roots();
}

macro_rules! root_kobj {
    ($sym:literal, $f:ident, $init:ident) => {
        crate::export_data!($sym, size 8, align 8, init = $init);
        fn $init(addr: u64, b: &crate::vmlinux::Builder) {
            boot_with(b);
            wr64(addr, roots().$f);
        }
    };
}
root_kobj!("kernel_kobj", kernel, init_kernel_kobj);
root_kobj!("mm_kobj", mm, init_mm_kobj);
root_kobj!("fs_kobj", fs, init_fs_kobj);
root_kobj!("firmware_kobj", firmware, init_firmware_kobj);
root_kobj!("hypervisor_kobj", hypervisor, init_hypervisor_kobj);

/// `power_kobj` (not exported by Debian's kernel; `/sys/power`).
#[allow(dead_code)]
pub(crate) fn power_kobj() -> u64 {
    roots().power
}

// ---------------------------------------------------------------------------
// kobject life cycle

/// `kobject_init_internal`: one reference, an empty `entry`, only
/// `state_initialized` set.
pub(crate) fn init_internal(kobj: u64) {
    refs(kobj).store(1, Ordering::Release);
    list_init(kobj + kobject::entry);
    let s = state(kobj) & !(ST_IN_SYSFS | ST_ADD_UEVENT_SENT | ST_REMOVE_UEVENT_SENT);
    wr32(kobj + kobject::state, s | ST_INITIALIZED);
}

crate::kfn! {
    /// `kobject_init(kobj, ktype)`: lib/kobject.c, with its complaints.
    fn kobject_init(kobj: u64, ktype: u64) {
        init(kobj, ktype)
    }
}

pub(crate) fn init(kobj: u64, ktype: u64) {
    let err = if kobj == 0 {
        Some("invalid kobject pointer!")
    } else if ktype == 0 {
        Some("must have a ktype to be initialized properly!\n")
    } else {
        None
    };
    if let Some(e) = err {
        crate::log::kernel_msg(3, &format!("kobject ({}): {}", ptr_str(kobj), e.trim_end()));
        return;
    }
    if state(kobj) & ST_INITIALIZED != 0 {
        crate::log::kernel_msg(
            3,
            &format!(
                "kobject ({}): tried to init an initialized object, something is seriously wrong.",
                ptr_str(kobj)
            ),
        );
    }
    init_internal(kobj);
    wr64(kobj + kobject::ktype, ktype);
}

/// `kobject_set_name`: the name (with '/' made '!') replaces the old one.
pub(crate) fn set_name(kobj: u64, name: &str) -> i32 {
    let name = name.replace('/', "!");
    let p = kstrdup(&name);
    if p == 0 {
        return ENOMEM;
    }
    let old = rd64(kobj + kobject::name);
    wr64(kobj + kobject::name, p);
    let free_old = with(|s| {
        s.owned_names.insert(p);
        s.owned_names.remove(&old)
    });
    if free_old {
        kfree(old);
    }
    0
}

/// Formats a name from a variadic call's format (argument `fmt_at`).
fn vformat(args: &mut RegArgs, fmt_at: usize) -> Option<String> {
    let fmt = args.arg(fmt_at);
    if fmt == 0 {
        return None;
    }
    // SAFETY: the module's format string.
    let f = unsafe { crate::abi::c_str(fmt, 1 << 12) };
    let name = crate::printf::format(f, args, &crate::kernel::printk::ModuleMemory);
    Some(String::from_utf8_lossy(&name).into_owned())
}

/// `kobject_set_name(kobj, fmt, ...)`: 0, or -ENOMEM.
extern "C" fn kobject_set_name(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    let kobj = args.arg(0);
    match vformat(&mut args, 1) {
        Some(n) => set_name(kobj, &n),
        // kobject_set_name_vargs: a NULL format keeps the name
        None => 0,
    }
}
crate::export_variadic!("kobject_set_name" => kobject_set_name);

/// Frees a name the kernel allocated.
fn free_name(p: u64) {
    if with(|s| s.owned_names.remove(&p)) {
        kfree(p);
    }
}

/// `kobject_get`.
pub(crate) fn get(kobj: u64) -> u64 {
    if kobj != 0 {
        if state(kobj) & ST_INITIALIZED == 0 {
            warn(&format!(
                "kobject: '{}' ({}): is not initialized, yet kobject_get() is being called.",
                name_of(kobj).unwrap_or_else(|| "(null)".into()),
                ptr_str(kobj)
            ));
        }
        refs(kobj).fetch_add(1, Ordering::AcqRel);
    }
    kobj
}

/// `kobject_put`: the last reference runs the cleanup.
pub(crate) fn put(kobj: u64) {
    if kobj == 0 {
        return;
    }
    if state(kobj) & ST_INITIALIZED == 0 {
        warn(&format!(
            "kobject: '{}' ({}): is not initialized, yet kobject_put() is being called.",
            name_of(kobj).unwrap_or_else(|| "(null)".into()),
            ptr_str(kobj)
        ));
    }
    let r = refs(kobj);
    let mut cur = r.load(Ordering::Acquire);
    loop {
        if cur == 0 {
            // refcount_t saturates and warns on underflow
            warn("refcount_t: underflow; use-after-free.");
            return;
        }
        match r.compare_exchange(cur, cur - 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => break,
            Err(c) => cur = c,
        }
    }
    if cur == 1 {
        cleanup(kobj);
    }
}

/// `kobject_cleanup`.
fn cleanup(kobj: u64) {
    let mut parent = rd64(kobj + kobject::parent);
    let t = rd64(kobj + kobject::ktype);
    let name = rd64(kobj + kobject::name);
    if in_sysfs(kobj) {
        del_internal(kobj);
    } else {
        parent = 0;
    }
    // (no release: Linux says so at pr_debug level only)
    release(kobj, t);
    if name != 0 {
        free_name(name);
    }
    put(parent);
}

crate::kfn! {
    /// `kobject_get(kobj)`.
    fn kobject_get(kobj: u64) -> u64 {
        get(kobj)
    }
}

crate::kfn! {
    /// `kobject_get_unless_zero(kobj)`: NULL when the count already fell to 0.
    fn kobject_get_unless_zero(kobj: u64) -> u64 {
        if kobj == 0 {
            return 0;
        }
        let r = refs(kobj);
        let mut cur = r.load(Ordering::Acquire);
        while cur != 0 {
            match r.compare_exchange(cur, cur + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return kobj,
                Err(c) => cur = c,
            }
        }
        0
    }
}

crate::kfn! {
    /// `kobject_put(kobj)`.
    fn kobject_put(kobj: u64) {
        put(kobj)
    }
}

/// `kobj_kset_join`.
fn kset_join(kobj: u64) {
    let ks = rd64(kobj + kobject::kset);
    if ks == 0 {
        return;
    }
    get(ks + kset::kobj);
    crate::kernel::locking::mutex::spin_lock(ks + kset::list_lock);
    list_add_tail(kobj + kobject::entry, ks + kset::list);
    crate::kernel::locking::mutex::spin_unlock(ks + kset::list_lock);
}

/// `kobj_kset_leave`.
fn kset_leave(kobj: u64) {
    let ks = rd64(kobj + kobject::kset);
    if ks == 0 {
        return;
    }
    crate::kernel::locking::mutex::spin_lock(ks + kset::list_lock);
    list_del_init(kobj + kobject::entry);
    crate::kernel::locking::mutex::spin_unlock(ks + kset::list_lock);
    put(ks + kset::kobj);
}

/// `create_dir` (sysfs_create_dir_ns + the ktype's default groups): the
/// directory under the parent's (or `/sys`). -ENOENT when the parent has
/// none, -EEXIST (with sysfs's message) when the name is taken.
fn create_dir(kobj: u64) -> i32 {
    let parent = rd64(kobj + kobject::parent);
    let base = if parent == 0 {
        "/sys".to_string()
    } else {
        match path_of(parent) {
            Some(p) => p,
            None => return ENOENT,
        }
    };
    let name = name_of(kobj).unwrap_or_default();
    let dir = format!("{base}/{name}");
    if kernfs::exists(&dir) {
        crate::log::kernel_msg(
            4,
            &format!("sysfs: cannot create duplicate filename '{}'", &dir[4..]),
        );
        return EEXIST;
    }
    kernfs::add_dir(&dir);
    with(|s| s.dirs.insert(kobj, dir));
    let t = rd64(kobj + kobject::ktype);
    if t != 0 {
        let groups = rd64(t + kobj_type::default_groups);
        if groups != 0 {
            let e = crate::fs::sysfs::create_groups(kobj, groups);
            if e != 0 {
                remove_dir(kobj);
                return e;
            }
        }
    }
    0
}

fn remove_dir(kobj: u64) {
    if let Some(d) = with(|s| s.dirs.remove(&kobj)) {
        kernfs::remove(&d);
        forget_under(&d);
        crate::fs::sysfs::forget_under(&d);
    }
}

/// Puts a kernel kobject (set up by the caller) at `path` in sysfs, as
/// the boot of Linux's subsystems does.
pub(crate) fn register_builtin(kobj: u64, path: &str) {
    kernfs::add_dir(path);
    with(|s| s.dirs.insert(kobj, path.to_string()));
    set_state(kobj, ST_IN_SYSFS, true);
}

/// Forgets the registry entries of directories removed with `dir`.
fn forget_under(dir: &str) {
    let prefix = format!("{dir}/");
    with(|s| s.dirs.retain(|_, p| !p.starts_with(&prefix)));
}

/// `kobject_add_internal`.
pub(crate) fn add_internal(kobj: u64) -> i32 {
    if kobj == 0 {
        return ENOENT;
    }
    let name = name_of(kobj).unwrap_or_default();
    if name.is_empty() {
        warn(&format!(
            "kobject: ({}): attempted to be registered with empty name!",
            ptr_str(kobj)
        ));
        return EINVAL;
    }
    let mut parent = get(rd64(kobj + kobject::parent));
    let ks = rd64(kobj + kobject::kset);
    if ks != 0 {
        if parent == 0 {
            parent = get(ks + kset::kobj);
        }
        kset_join(kobj);
        wr64(kobj + kobject::parent, parent);
    }
    let e = create_dir(kobj);
    if e != 0 {
        kset_leave(kobj);
        put(parent);
        wr64(kobj + kobject::parent, 0);
        if e == EEXIST {
            crate::log::kernel_msg(3, &format!("kobject_add_internal failed for {name} with -EEXIST, don't try to register things with the same name in the same directory."));
        } else {
            let pn = if parent != 0 {
                name_of(parent).unwrap_or_else(|| "(null)".into())
            } else {
                "'none'".into()
            };
            crate::log::kernel_msg(
                3,
                &format!("kobject_add_internal failed for {name} (error: {e} parent: {pn})"),
            );
        }
        return e;
    }
    set_state(kobj, ST_IN_SYSFS, true);
    0
}

/// `kobject_add_varg`: names the kobject (when a name is given) and adds it.
pub(crate) fn add_named(kobj: u64, parent: u64, name: Option<&str>) -> i32 {
    if let Some(n) = name {
        let e = set_name(kobj, n);
        if e != 0 {
            crate::log::kernel_msg(3, "kobject: can not set name properly!");
            return e;
        }
    }
    wr64(kobj + kobject::parent, parent);
    add_internal(kobj)
}

/// `kobject_add(kobj, parent, fmt, ...)`.
extern "C" fn kobject_add(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 3) };
    let (kobj, parent) = (args.arg(0), args.arg(1));
    if kobj == 0 {
        return EINVAL;
    }
    if state(kobj) & ST_INITIALIZED == 0 {
        crate::log::kernel_msg(
            3,
            &format!(
                "kobject '{}' ({}): tried to add an uninitialized object, something is seriously wrong.",
                name_of(kobj).unwrap_or_else(|| "(null)".into()),
                ptr_str(kobj)
            ),
        );
        return EINVAL;
    }
    let name = vformat(&mut args, 2);
    add_named(kobj, parent, name.as_deref())
}
crate::export_variadic!("kobject_add" => kobject_add);

/// `kobject_init_and_add(kobj, ktype, parent, fmt, ...)`.
extern "C" fn kobject_init_and_add(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 4) };
    let (kobj, ktype, parent) = (args.arg(0), args.arg(1), args.arg(2));
    init(kobj, ktype);
    if kobj == 0 || ktype == 0 {
        // kobject_init complained; kobject_add_varg goes on with what it has
        if kobj == 0 {
            return EINVAL;
        }
    }
    let name = vformat(&mut args, 3);
    add_named(kobj, parent, name.as_deref())
}
crate::export_variadic!("kobject_init_and_add" => kobject_init_and_add);

/// `kobject_create`: a dynamic kobject (kfree'd at release).
fn create() -> u64 {
    let k = kzalloc(kobject::SIZE);
    if k != 0 {
        init(k, host_ktypes().dynamic);
    }
    k
}

crate::kfn! {
    /// `kobject_create_and_add(name, parent)`: NULL on failure (the
    /// kobject is dropped again, with kobject_add's messages).
    fn kobject_create_and_add(name: u64, parent: u64) -> u64 {
        let k = create();
        if k == 0 {
            return 0;
        }
        let n = cstr(name);
        let e = add_named(k, parent, Some(n.as_deref().unwrap_or("(null)")));
        if e != 0 {
            crate::log::kernel_msg(4, &format!("kobject_create_and_add: kobject_add error: {e}"));
            put(k);
            return 0;
        }
        k
    }
}

/// `__kobject_del`.
fn del_internal(kobj: u64) {
    let t = rd64(kobj + kobject::ktype);
    if t != 0 {
        let groups = rd64(t + kobj_type::default_groups);
        if groups != 0 {
            crate::fs::sysfs::remove_groups(kobj, groups);
        }
    }
    let st = state(kobj);
    if st & ST_ADD_UEVENT_SENT != 0 && st & ST_REMOVE_UEVENT_SENT == 0 {
        uevent_env(kobj, KOBJ_REMOVE, 0);
    }
    remove_dir(kobj);
    set_state(kobj, ST_IN_SYSFS, false);
    kset_leave(kobj);
    wr64(kobj + kobject::parent, 0);
}

/// `kobject_del`.
pub(crate) fn del(kobj: u64) {
    if kobj == 0 {
        return;
    }
    let parent = rd64(kobj + kobject::parent);
    del_internal(kobj);
    put(parent);
}

crate::kfn! {
    /// `kobject_del(kobj)`: its directory goes; the parent's reference is dropped.
    fn kobject_del(kobj: u64) {
        del(kobj)
    }
}

/// `kobject_get_path`: `/parent/.../name` (without `/sys`).
pub(crate) fn get_path(kobj: u64) -> Option<String> {
    let mut parts = Vec::new();
    let mut k = kobj;
    let mut depth = 0;
    while k != 0 && depth < 64 {
        parts.push(name_of(k)?);
        k = rd64(k + kobject::parent);
        depth += 1;
    }
    parts.reverse();
    Some(format!("/{}", parts.join("/")))
}

crate::kfn! {
    /// `kobject_get_path(kobj, gfp)`: a kmalloc'd string, or NULL.
    fn kobject_get_path(kobj: u64, _gfp: u32) -> u64 {
        match get_path(kobj) {
            Some(p) if p.len() > 1 => kstrdup(&p),
            _ => 0,
        }
    }
}

// ---------------------------------------------------------------------------
// ksets

/// `kset_init`.
fn kset_init(k: u64) {
    init_internal(k + kset::kobj);
    list_init(k + kset::list);
    wr32(k + kset::list_lock, 0);
}

/// `kset_register`.
pub(crate) fn kset_register_internal(k: u64) -> i32 {
    if k == 0 {
        return EINVAL;
    }
    kset_init(k);
    let e = add_internal(k + kset::kobj);
    if e != 0 {
        return e;
    }
    uevent_env(k + kset::kobj, KOBJ_ADD, 0);
    0
}

crate::kfn! {
    /// `kset_register(k)`: lib/kobject.c.
    fn kset_register(k: u64) -> i32 {
        kset_register_internal(k)
    }
}

crate::kfn! {
    /// `kset_unregister(k)`: kobject_del and kobject_put of its kobject.
    fn kset_unregister(k: u64) {
        if k == 0 {
            return;
        }
        del(k + kset::kobj);
        put(k + kset::kobj);
    }
}

crate::kfn! {
    /// `kset_create_and_add(name, uevent_ops, parent)`: NULL on failure.
    fn kset_create_and_add(name: u64, uevent_ops: u64, parent: u64) -> u64 {
        let k = kzalloc(kset::SIZE);
        if k == 0 {
            return 0;
        }
        let n = cstr(name).unwrap_or_else(|| "(null)".into());
        if set_name(k + kset::kobj, &n) != 0 {
            kfree(k);
            return 0;
        }
        wr64(k + kset::uevent_ops, uevent_ops);
        wr64(k + kset::kobj + kobject::parent, parent);
        wr64(k + kset::kobj + kobject::ktype, host_ktypes().kset);
        wr64(k + kset::kobj + kobject::kset, 0);
        if kset_register_internal(k) != 0 {
            // Linux frees the kset (its name leaks, as there)
            with(|s| s.owned_names.remove(&rd64(k + kset::kobj + kobject::name)));
            kfree(k);
            return 0;
        }
        k
    }
}

crate::kfn! {
    /// `kset_find_obj(kset, name)`: the member of that name, with a
    /// reference (kobject_get_unless_zero), or NULL.
    fn kset_find_obj(k: u64, name: u64) -> u64 {
        let Some(name) = (k != 0).then(|| cstr(name)).flatten() else { return 0 };
        crate::kernel::locking::mutex::spin_lock(k + kset::list_lock);
        let head = k + kset::list;
        let mut e = rd64(head);
        let mut found = 0;
        let mut n = 0;
        while e != head && e != 0 && n < 1_000_000 {
            let kobj = e - kobject::entry;
            if name_of(kobj).as_deref() == Some(name.as_str()) {
                found = kobject_get_unless_zero(kobj);
                if found != 0 {
                    break;
                }
            }
            e = rd64(e);
            n += 1;
        }
        crate::kernel::locking::mutex::spin_unlock(k + kset::list_lock);
        found
    }
}

// ---------------------------------------------------------------------------
// uevents

static SEQNUM: AtomicU64 = AtomicU64::new(0);

/// `add_uevent_var` with a formatted string: 0 or -ENOMEM (with Linux's
/// warnings).
pub(crate) fn add_var(env: u64, s: &[u8]) -> i32 {
    let idx = rd32(env + env_l::envp_idx) as u64;
    if idx >= env_l::NUM_ENVP {
        warn("add_uevent_var: too many keys");
        return ENOMEM;
    }
    let len = rd32(env + env_l::buflen) as u64;
    let room = env_l::BUFFER_SIZE.saturating_sub(len);
    if s.len() as u64 >= room {
        warn("add_uevent_var: buffer size too small");
        return ENOMEM;
    }
    let at = env + env_l::buf + len;
    // SAFETY: inside the env's buffer (len + s.len() + 1 <= BUFFER_SIZE).
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), at as *mut u8, s.len());
        ((at + s.len() as u64) as *mut u8).write(0);
    }
    wr64(env + env_l::envp + idx * 8, at);
    wr32(env + env_l::envp_idx, (idx + 1) as u32);
    wr32(env + env_l::buflen, (len + s.len() as u64 + 1) as u32);
    0
}

/// `add_uevent_var(env, fmt, ...)`.
extern "C" fn add_uevent_var(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    let env = args.arg(0);
    let s = vformat(&mut args, 1).unwrap_or_default();
    add_var(env, s.as_bytes())
}
crate::export_variadic!("add_uevent_var" => add_uevent_var);

/// The variables of an env, in order.
pub(crate) fn env_vars(env: u64) -> Vec<String> {
    let n = (rd32(env + env_l::envp_idx) as u64).min(env_l::NUM_ENVP);
    (0..n)
        .filter_map(|i| cstr(rd64(env + env_l::envp + i * 8)))
        .collect()
}

/// The kset a kobject's uevents go through (its own or its nearest
/// ancestor's).
pub(crate) fn top_kset(kobj: u64) -> u64 {
    let mut top = kobj;
    let mut depth = 0;
    while rd64(top + kobject::kset) == 0 && rd64(top + kobject::parent) != 0 && depth < 64 {
        top = rd64(top + kobject::parent);
        depth += 1;
    }
    rd64(top + kobject::kset)
}

/// Calls a kset's `uevent_ops` callback (the host's devices_kset has its
/// own in drivers/base/core.rs).
fn ops_filter(ks: u64, kobj: u64) -> bool {
    if crate::drivers::base::core::is_devices_kset(ks) {
        return crate::drivers::base::core::dev_uevent_filter(kobj);
    }
    let ops = rd64(ks + kset::uevent_ops);
    if ops == 0 || rd64(ops + kset_uevent_ops::filter) == 0 {
        return true;
    }
    crate::fault::call_module(rd64(ops + kset_uevent_ops::filter), [kobj, 0, 0, 0, 0, 0])
        .unwrap_or(0) as i32
        != 0
}

fn ops_name(ks: u64, kobj: u64) -> Option<String> {
    if crate::drivers::base::core::is_devices_kset(ks) {
        return crate::drivers::base::core::dev_uevent_name(kobj);
    }
    let ops = rd64(ks + kset::uevent_ops);
    if ops != 0 && rd64(ops + kset_uevent_ops::name) != 0 {
        let p = crate::fault::call_module(rd64(ops + kset_uevent_ops::name), [kobj, 0, 0, 0, 0, 0])
            .unwrap_or(0);
        return cstr(p);
    }
    name_of(ks + kset::kobj)
}

/// The kset's `uevent` callback: 0 or its error. None: the kset has none.
pub(crate) fn ops_uevent(ks: u64, kobj: u64, env: u64) -> Option<i32> {
    if crate::drivers::base::core::is_devices_kset(ks) {
        return Some(crate::drivers::base::core::dev_uevent(kobj, env));
    }
    let ops = rd64(ks + kset::uevent_ops);
    if ops == 0 || rd64(ops + kset_uevent_ops::uevent) == 0 {
        return None;
    }
    Some(
        crate::fault::call_module(rd64(ops + kset_uevent_ops::uevent), [kobj, env, 0, 0, 0, 0])
            .unwrap_or(0) as i32,
    )
}

pub(crate) fn ops_filter_pub(ks: u64, kobj: u64) -> bool {
    ops_filter(ks, kobj)
}

/// `kobject_uevent_env`.
pub(crate) fn uevent_env(kobj: u64, action: u32, envp_ext: u64) -> i32 {
    let Some(action_s) = ACTIONS.get(action as usize) else {
        return EINVAL;
    };
    if action == KOBJ_REMOVE {
        set_state(kobj, ST_REMOVE_UEVENT_SENT, true);
    }
    let ks = top_kset(kobj);
    if ks == 0 {
        return EINVAL;
    }
    if state(kobj) & ST_UEVENT_SUPPRESS != 0 {
        return 0;
    }
    if !ops_filter(ks, kobj) {
        return 0;
    }
    let Some(subsystem) = ops_name(ks, kobj) else {
        return 0;
    };
    let env = kzalloc(env_l::SIZE);
    if env == 0 {
        return ENOMEM;
    }
    let r = (|| {
        let Some(devpath) = get_path(kobj) else {
            return ENOENT;
        };
        for v in [
            format!("ACTION={action_s}"),
            format!("DEVPATH={devpath}"),
            format!("SUBSYSTEM={subsystem}"),
        ] {
            let e = add_var(env, v.as_bytes());
            if e != 0 {
                return e;
            }
        }
        if envp_ext != 0 {
            let mut i = 0;
            while let Some(s) = cstr(rd64(envp_ext + i * 8)) {
                let e = add_var(env, s.as_bytes());
                if e != 0 {
                    return e;
                }
                i += 1;
                if i > 64 {
                    break;
                }
            }
        }
        if let Some(e) = ops_uevent(ks, kobj, env) {
            if e != 0 {
                return e;
            }
        }
        if action == KOBJ_ADD {
            set_state(kobj, ST_ADD_UEVENT_SENT, true);
        }
        let seq = SEQNUM.fetch_add(1, Ordering::AcqRel) + 1;
        // no netlink listener, no helper: the event goes nowhere
        add_var(env, format!("SEQNUM={seq}").as_bytes())
    })();
    kfree(env);
    r
}

crate::kfn! {
    /// `kobject_uevent_env(kobj, action, envp_ext)`: lib/kobject_uevent.c.
    fn kobject_uevent_env(kobj: u64, action: u32, envp_ext: u64) -> i32 {
        uevent_env(kobj, action, envp_ext)
    }
}

crate::kfn! {
    /// `kobject_uevent(kobj, action)`.
    fn kobject_uevent(kobj: u64, action: u32) -> i32 {
        uevent_env(kobj, action, 0)
    }
}

// ---------------------------------------------------------------------------
// module memory going away

/// Forgets kobjects (and their directories) that lived in freed module
/// memory, and names that pointed into it.
fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let gone: Vec<(u64, String)> = with(|s| {
        let g: Vec<(u64, String)> = s
            .dirs
            .iter()
            .filter(|(k, _)| inside(**k))
            .map(|(k, p)| (*k, p.clone()))
            .collect();
        for (k, _) in &g {
            s.dirs.remove(k);
        }
        g
    });
    for (k, d) in gone {
        // a member of a kset that stays: off its list (the memory is
        // still mapped while purges run)
        let ks = rd64(k + kobject::kset);
        if ks != 0 && !inside(ks) && rd64(k + kobject::entry) != 0 {
            list_del_init(k + kobject::entry);
        }
        kernfs::remove(&d);
        forget_under(&d);
    }
}
crate::purge_on_module_free!(purge);

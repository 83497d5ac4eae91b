//! drivers/base/devres.c: managed resources of a device. Each resource is
//! a block the kernel allocates (the data part goes to the caller) with a
//! release function; the device's resources are released last-in
//! first-out when a driver unbinds (or probe fails) and when the device
//! is released.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{kfree, kzalloc};

/// The header before each resource's data (the data stays 16-aligned).
const HEADER: u64 = 16;

#[derive(Clone, Copy)]
enum Release {
    /// `devm_kmalloc`'s (nothing to do but free).
    None,
    /// A module's `dr_release_t release(dev, res)`.
    Module(u64),
    /// `devm_add_action`: `action(data)`.
    Action { action: u64, data: u64 },
    /// `devm_device_add_group`: the group's files go.
    Group(u64),
    /// `devm_device_add_groups`: the groups' files go.
    Groups(u64),
}

struct Res {
    /// The data pointer handed out.
    data: u64,
    release: Release,
}

/// Resources allocated but not yet added: data → release.
static PENDING: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());
/// Each device's resources, in the order they were added.
static DEVRES: Mutex<Option<HashMap<u64, Vec<Res>>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut HashMap<u64, Vec<Res>>) -> R) -> R {
    let mut g = DEVRES.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(HashMap::new))
}

fn alloc(size: u64) -> u64 {
    let Some(total) = size.checked_add(HEADER) else {
        return 0;
    };
    let p = kzalloc(total);
    if p == 0 {
        0
    } else {
        p + HEADER
    }
}

fn free(data: u64) {
    if data != 0 {
        kfree(data - HEADER);
    }
}

crate::kfn! {
    /// `__devres_alloc_node(release, size, gfp, nid, name)`: the data of a
    /// new (zeroed) resource, or NULL.
    fn __devres_alloc_node(release: u64, size: u64, _gfp: u32, _nid: i32, _name: u64) -> u64 {
        let d = alloc(size);
        if d != 0 {
            PENDING.lock().unwrap_or_else(|e| e.into_inner()).push((d, release));
        }
        d
    }
}

crate::kfn! {
    /// `devres_free(res)`: a resource never added.
    fn devres_free(res: u64) {
        if res == 0 {
            return;
        }
        let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = p.iter().position(|&(d, _)| d == res) {
            p.remove(i);
            drop(p);
            free(res);
        } else {
            drop(p);
            // BUG_ON(!list_empty(&dr->node.entry)) in Linux: an added resource
            crate::lib_::kobject::warn("devres_free: resource still on a device");
        }
    }
}

crate::kfn! {
    /// `devres_add(dev, res)`: the resource joins the device's.
    fn devres_add(dev: u64, res: u64) {
        let rel = {
            let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
            p.iter().position(|&(d, _)| d == res).map(|i| p.remove(i).1)
        };
        let Some(rel) = rel else { return };
        with(|m| m.entry(dev).or_default().push(Res { data: res, release: Release::Module(rel) }));
    }
}

crate::kfn! {
    /// `devm_kmalloc(dev, size, gfp)`: zeroed memory freed with the
    /// device's resources; NULL for size 0 (ZERO_SIZE_PTR is not handed
    /// out by devres) or no memory.
    fn devm_kmalloc(dev: u64, size: u64, _gfp: u32) -> u64 {
        if size == 0 {
            return 16; // ZERO_SIZE_PTR
        }
        let d = alloc(size);
        if d != 0 {
            with(|m| m.entry(dev).or_default().push(Res { data: d, release: Release::None }));
        }
        d
    }
}

crate::kfn! {
    /// `devm_kfree(dev, p)`: frees a devm_kmalloc'd block now (a warning
    /// for one the device does not have).
    fn devm_kfree(dev: u64, p: u64) {
        if p == 0 || p == 16 {
            return;
        }
        let found = with(|m| {
            let v = m.get_mut(&dev)?;
            let i = v.iter().position(|r| r.data == p && matches!(r.release, Release::None))?;
            Some(v.remove(i))
        });
        match found {
            Some(r) => free(r.data),
            None => crate::lib_::kobject::warn("devm_kfree: not a managed allocation of the device"),
        }
    }
}

crate::kfn! {
    /// `devm_add_action(dev, action, data)`: `action(data)` runs when the
    /// device's resources are released. 0 or -ENOMEM.
    fn devm_add_action(dev: u64, action: u64, data: u64) -> i32 {
        let d = alloc(16);
        if d == 0 {
            return -12;
        }
        with(|m| m.entry(dev).or_default().push(Res { data: d, release: Release::Action { action, data } }));
        0
    }
}

crate::kfn! {
    /// `devm_remove_action(dev, action, data)`: forgets the action without
    /// running it (a warning when there is none).
    fn devm_remove_action(dev: u64, action: u64, data: u64) {
        let found = with(|m| {
            let v = m.get_mut(&dev)?;
            let i = v.iter().rposition(|r| matches!(r.release, Release::Action { action: a, data: d } if a == action && d == data))?;
            Some(v.remove(i))
        });
        match found {
            Some(r) => free(r.data),
            None => crate::lib_::kobject::warn("devm_remove_action: no such action"),
        }
    }
}

/// `devres_release_all`: the device's resources released, newest first.
/// Returns how many there were.
pub(crate) fn release_all(dev: u64) -> usize {
    let list = with(|m| m.remove(&dev)).unwrap_or_default();
    let n = list.len();
    for r in list.into_iter().rev() {
        match r.release {
            Release::None => {}
            Release::Module(f) => {
                if f != 0 {
                    crate::fault::call_module(f, [dev, r.data, 0, 0, 0, 0]);
                }
            }
            Release::Action { action, data } => {
                crate::fault::call_module(action, [data, 0, 0, 0, 0, 0]);
            }
            Release::Group(g) => {
                crate::fs::sysfs::remove_group(dev + crate::layout::device::kobj, g)
            }
            Release::Groups(g) => {
                crate::fs::sysfs::remove_groups(dev + crate::layout::device::kobj, g)
            }
        }
        free(r.data);
    }
    n
}

/// Adds a kernel-managed resource of `size` bytes to the device.
fn add_managed(dev: u64, size: u64, release: Release) -> u64 {
    let d = alloc(size.max(1));
    if d != 0 {
        with(|m| m.entry(dev).or_default().push(Res { data: d, release }));
    }
    d
}

/// Copies bytes (and a NUL) into a devm allocation.
fn devm_copy(dev: u64, src: &[u8], nul: bool) -> u64 {
    let len = src.len() as u64 + u64::from(nul);
    let p = add_managed(dev, len, Release::None);
    if p != 0 {
        // SAFETY: our allocation of at least len bytes (zeroed: the NUL is there).
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), p as *mut u8, src.len()) };
    }
    p
}

crate::kfn! {
    /// `devm_kstrdup(dev, s, gfp)`: a managed copy, NULL for NULL.
    fn devm_kstrdup(dev: u64, s: u64, _gfp: u32) -> u64 {
        if s == 0 {
            return 0;
        }
        // SAFETY: the module's NUL-terminated string.
        let b = unsafe { crate::abi::c_str(s, usize::MAX >> 1) };
        devm_copy(dev, b, true)
    }
}

crate::kfn! {
    /// `devm_kstrdup_const(dev, s, gfp)`: a managed copy (module strings
    /// are never vmlinux .rodata).
    fn devm_kstrdup_const(dev: u64, s: u64, gfp: u32) -> u64 {
        devm_kstrdup(dev, s, gfp)
    }
}

crate::kfn! {
    /// `devm_kmemdup(dev, src, len, gfp)`.
    fn devm_kmemdup(dev: u64, src: u64, len: u64, _gfp: u32) -> u64 {
        if len > (1 << 32) {
            return 0;
        }
        // SAFETY: the module's `len` bytes.
        let b = unsafe { std::slice::from_raw_parts(src as *const u8, len as usize) };
        devm_copy(dev, b, false)
    }
}

/// `devm_kasprintf(dev, gfp, fmt, ...)`.
extern "C" fn devm_kasprintf(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    let (dev, fmt) = (args.arg(0), args.arg(2));
    if fmt == 0 {
        return 0;
    }
    // SAFETY: the module's format string.
    let f = unsafe { crate::abi::c_str(fmt, 1 << 12) };
    let text = crate::printf::format(f, &mut args, &crate::kernel::printk::ModuleMemory);
    devm_copy(dev, &text, true)
}
crate::export_variadic!("devm_kasprintf" => devm_kasprintf);

crate::kfn! {
    /// `devm_kvasprintf(dev, gfp, fmt, ap)`.
    fn devm_kvasprintf(dev: u64, _gfp: u32, fmt: u64, ap: u64) -> u64 {
        if fmt == 0 {
            return 0;
        }
        let Some(mut a) = crate::printf::VaListArgs::new(&crate::kernel::printk::ModuleMemory, ap) else { return 0 };
        // SAFETY: the module's format string.
        let f = unsafe { crate::abi::c_str(fmt, 1 << 12) };
        let text = crate::printf::format(f, &mut a, &crate::kernel::printk::ModuleMemory);
        devm_copy(dev, &text, true)
    }
}

/// Finds the newest resource of the device with release `release` that
/// `match(dev, res, match_data)` accepts (any, without a match function).
fn find(dev: u64, release: u64, m: u64, match_data: u64) -> Option<u64> {
    let cands: Vec<u64> = with(|mm| {
        mm.get(&dev)
            .map(|v| {
                v.iter()
                    .rev()
                    .filter(|r| matches!(r.release, Release::Module(f) if f == release))
                    .map(|r| r.data)
                    .collect()
            })
            .unwrap_or_default()
    });
    cands.into_iter().find(|&d| {
        m == 0
            || crate::fault::call_module(m, [dev, d, match_data, 0, 0, 0]).unwrap_or(0) as i32 != 0
    })
}

fn unlink(dev: u64, data: u64) -> Option<Res> {
    with(|m| {
        let v = m.get_mut(&dev)?;
        let i = v.iter().position(|r| r.data == data)?;
        Some(v.remove(i))
    })
}

crate::kfn! {
    /// `devres_find(dev, release, match, match_data)`: the resource's data or NULL.
    fn devres_find(dev: u64, release: u64, m: u64, match_data: u64) -> u64 {
        find(dev, release, m, match_data).unwrap_or(0)
    }
}

crate::kfn! {
    /// `devres_get(dev, new_res, match, match_data)`: an existing matching
    /// resource (new_res is freed), else new_res, now added.
    fn devres_get(dev: u64, new_res: u64, m: u64, match_data: u64) -> u64 {
        let rel = PENDING.lock().unwrap_or_else(|e| e.into_inner()).iter().find(|&&(d, _)| d == new_res).map(|&(_, f)| f);
        let Some(rel) = rel else { return 0 };
        if let Some(old) = find(dev, rel, m, match_data) {
            devres_free(new_res);
            return old;
        }
        devres_add(dev, new_res);
        new_res
    }
}

crate::kfn! {
    /// `devres_remove(dev, release, match, match_data)`: takes the
    /// resource off the device (not freed); its data or NULL.
    fn devres_remove(dev: u64, release: u64, m: u64, match_data: u64) -> u64 {
        let Some(d) = find(dev, release, m, match_data) else { return 0 };
        let r = unlink(dev, d);
        if let Some(r) = r {
            if let Release::Module(f) = r.release {
                PENDING.lock().unwrap_or_else(|e| e.into_inner()).push((d, f));
            }
        }
        d
    }
}

crate::kfn! {
    /// `devres_destroy(dev, release, match, match_data)`: removes and frees
    /// the resource without its release. 0 or -ENOENT.
    fn devres_destroy(dev: u64, release: u64, m: u64, match_data: u64) -> i32 {
        let Some(d) = find(dev, release, m, match_data) else { return -2 };
        unlink(dev, d);
        free(d);
        0
    }
}

crate::kfn! {
    /// `devres_release(dev, release, match, match_data)`: removes the
    /// resource, runs its release and frees it. 0 or -ENOENT.
    fn devres_release(dev: u64, release: u64, m: u64, match_data: u64) -> i32 {
        let Some(d) = find(dev, release, m, match_data) else { return -2 };
        unlink(dev, d);
        if release != 0 {
            crate::fault::call_module(release, [dev, d, 0, 0, 0, 0]);
        }
        free(d);
        0
    }
}

crate::kfn! {
    /// `devm_device_add_group(dev, grp)`: the group, removed with the
    /// device's resources. 0 or the error.
    fn devm_device_add_group(dev: u64, grp: u64) -> i32 {
        let e = crate::fs::sysfs::create_group_at(dev + crate::layout::device::kobj, grp, false);
        if e != 0 {
            return e;
        }
        if add_managed(dev, 8, Release::Group(grp)) == 0 {
            crate::fs::sysfs::remove_group(dev + crate::layout::device::kobj, grp);
            return -12;
        }
        0
    }
}

crate::kfn! {
    /// `devm_device_add_groups(dev, groups)`.
    fn devm_device_add_groups(dev: u64, groups: u64) -> i32 {
        let e = crate::fs::sysfs::create_groups(dev + crate::layout::device::kobj, groups);
        if e != 0 {
            return e;
        }
        if add_managed(dev, 8, Release::Groups(groups)) == 0 {
            crate::fs::sysfs::remove_groups(dev + crate::layout::device::kobj, groups);
            return -12;
        }
        0
    }
}

fn remove_managed(dev: u64, pred: impl Fn(&Release) -> bool) -> Option<Res> {
    with(|m| {
        let v = m.get_mut(&dev)?;
        let i = v.iter().rposition(|r| pred(&r.release))?;
        Some(v.remove(i))
    })
}

crate::kfn! {
    /// `devm_device_remove_group(dev, grp)`: the group goes now (a warning
    /// when it was not added with devm_device_add_group).
    fn devm_device_remove_group(dev: u64, grp: u64) {
        match remove_managed(dev, |r| matches!(r, Release::Group(g) if *g == grp)) {
            Some(r) => {
                crate::fs::sysfs::remove_group(dev + crate::layout::device::kobj, grp);
                free(r.data);
            }
            None => crate::lib_::kobject::warn("devm_device_remove_group: no such group"),
        }
    }
}

crate::kfn! {
    /// `devm_device_remove_groups(dev, groups)`.
    fn devm_device_remove_groups(dev: u64, groups: u64) {
        match remove_managed(dev, |r| matches!(r, Release::Groups(g) if *g == groups)) {
            Some(r) => {
                crate::fs::sysfs::remove_groups(dev + crate::layout::device::kobj, groups);
                free(r.data);
            }
            None => crate::lib_::kobject::warn("devm_device_remove_groups: no such groups"),
        }
    }
}

/// Whether the device has managed resources (`!list_empty(&dev->devres_head)`).
pub(crate) fn has_any(dev: u64) -> bool {
    with(|m| m.get(&dev).is_some_and(|v| !v.is_empty()))
}

/// Forgets the resources of devices in freed module memory (and resources
/// whose release lived there) without running module code.
fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let gone: Vec<u64> = with(|m| {
        let mut g = Vec::new();
        m.retain(|dev, v| {
            if inside(*dev) {
                g.extend(v.iter().map(|r| r.data));
                return false;
            }
            v.retain(|r| {
                let dead = match r.release {
                    Release::Module(f) => inside(f),
                    Release::Action { action, .. } => inside(action),
                    Release::Group(g) | Release::Groups(g) => inside(g),
                    Release::None => false,
                };
                if dead {
                    g.push(r.data);
                }
                !dead
            });
            true
        });
        g
    });
    for d in gone {
        free(d);
    }
    PENDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&(_, f)| !inside(f));
}
crate::purge_on_module_free!(purge);

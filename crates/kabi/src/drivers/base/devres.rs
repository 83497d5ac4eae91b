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
    let Some(total) = size.checked_add(HEADER) else { return 0 };
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
        }
        free(r.data);
    }
    n
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
    PENDING.lock().unwrap_or_else(|e| e.into_inner()).retain(|&(_, f)| !inside(f));
}
crate::purge_on_module_free!(purge);

//! drivers/base/class.c: `__class_register`, `class_unregister`,
//! `__class_create`, `class_destroy`. A class appears as
//! `/sys/class/<name>`; the built-in `misc` class exists from boot.

use std::sync::{Mutex, MutexGuard};

use super::{cstr, is_err_or_null, kfree, kzalloc, rd64, wr64};
use crate::fs::kernfs;
use crate::layout::class;

pub(crate) struct Class {
    /// The `struct class`.
    pub addr: u64,
    pub name: String,
    /// What `cls->p` points at.
    pub p: u64,
    /// Allocated by `__class_create` (freed by the kernel at unregister).
    pub created: bool,
    pub builtin: bool,
}

static CLASSES: Mutex<Vec<Class>> = Mutex::new(Vec::new());

pub(crate) fn classes() -> MutexGuard<'static, Vec<Class>> {
    CLASSES.lock().unwrap_or_else(|e| e.into_inner())
}

/// The class's name, if registered.
pub(crate) fn class_name(cls: u64) -> Option<String> {
    classes()
        .iter()
        .find(|c| c.addr == cls)
        .map(|c| c.name.clone())
}

fn dev_char_kobj() -> u64 {
    super::core::dev_char_kobj()
}

fn register(cls: u64, created: bool, builtin: bool) -> i32 {
    let name = cstr(rd64(cls + class::name)).unwrap_or_else(|| "(null)".into());
    let mut c = classes();
    if c.iter().any(|x| x.name == name) {
        drop(c);
        super::warn_dup(&format!("/class/{name}"), &name);
        wr64(cls + class::p, 0);
        return super::EEXIST;
    }
    let p = kzalloc(super::bus::PRIVATE_SIZE);
    if p == 0 {
        return super::ENOMEM;
    }
    wr64(cls + class::p, p);
    if rd64(cls + class::dev_kobj) == 0 {
        wr64(cls + class::dev_kobj, dev_char_kobj());
    }
    c.push(Class {
        addr: cls,
        name: name.clone(),
        p,
        created,
        builtin,
    });
    drop(c);
    kernfs::add_dir(&format!("/sys/class/{name}"));
    0
}

/// Registers a class built into the kernel (at boot).
pub(crate) fn register_builtin(name: &'static std::ffi::CStr) -> u64 {
    let cls = kzalloc(class::SIZE);
    wr64(cls + class::name, name.as_ptr() as u64);
    register(cls, false, true);
    cls
}

crate::kfn! {
    /// `__class_register(cls, key)`: -EEXIST (with sysfs's duplicate-name
    /// messages) when a class of that name exists.
    fn __class_register(cls: u64, _key: u64) -> i32 {
        register(cls, false, false)
    }
}

crate::kfn! {
    /// `__class_create(owner, name, key)`: a new class, or ERR_PTR.
    fn __class_create(owner: u64, name: u64, _key: u64) -> u64 {
        let cls = kzalloc(class::SIZE);
        if cls == 0 {
            return super::err_ptr(super::ENOMEM);
        }
        wr64(cls + class::name, name);
        wr64(cls + class::owner, owner);
        let r = register(cls, true, false);
        if r != 0 {
            kfree(cls);
            return super::err_ptr(r);
        }
        cls
    }
}

crate::kfn! {
    /// `class_unregister(cls)`: removes `/sys/class/<name>` and releases
    /// the class: its `class_release`, or for a class of `__class_create`
    /// the memory.
    fn class_unregister(cls: u64) {
        let mut c = classes();
        let Some(i) = c.iter().position(|x| x.addr == cls && !x.builtin) else { return };
        let k = c.remove(i);
        drop(c);
        super::core::forget_class(cls);
        kernfs::remove(&format!("/sys/class/{}", k.name));
        kfree(k.p);
        wr64(cls + class::p, 0);
        if k.created {
            kfree(cls);
            return;
        }
        let release = rd64(cls + class::class_release);
        if release != 0 {
            crate::fault::call_module(release, [cls, 0, 0, 0, 0, 0]);
        }
    }
}

crate::kfn! {
    /// `class_destroy(cls)`: `class_unregister` unless `cls` is NULL or an
    /// error pointer.
    fn class_destroy(cls: u64) {
        if !is_err_or_null(cls) {
            class_unregister(cls);
        }
    }
}

fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    // A class made by __class_create lives in host memory but belongs to
    // the module: its owner (and its name) point into the module.
    let owned = |x: &Class| {
        inside(x.addr) || (x.created && (inside(rd64(x.addr + class::owner)) || inside(rd64(x.addr + class::name))))
    };
    let mut c = classes();
    let gone: Vec<(u64, String)> = c
        .iter()
        .filter(|x| !x.builtin && owned(x))
        .map(|x| (x.addr, x.name.clone()))
        .collect();
    c.retain(|x| x.builtin || !owned(x));
    drop(c);
    for (addr, name) in gone {
        super::core::forget_class(addr);
        kernfs::remove(&format!("/sys/class/{name}"));
    }
}
crate::purge_on_module_free!(purge);

static INTERFACES: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

crate::kfn! {
    /// `class_interface_register(intf)`: joins its class's interfaces and
    /// is offered (`add_dev`) each device the class has. -ENODEV without
    /// an interface or a class.
    fn class_interface_register(intf: u64) -> i32 {
        use crate::layout::{class_interface, list_head};
        if intf == 0 || rd64(intf + class_interface::class) == 0 {
            return super::ENODEV;
        }
        let cls = rd64(intf + class_interface::class);
        let node = intf + class_interface::node;
        wr64(node + list_head::next, node);
        wr64(node + list_head::prev, node);
        INTERFACES.lock().unwrap_or_else(|e| e.into_inner()).push((cls, intf));
        let add = rd64(intf + class_interface::add_dev);
        if add != 0 {
            for dev in super::core::devices_of(cls) {
                crate::fault::call_module(add, [dev, intf, 0, 0, 0, 0]);
            }
        }
        0
    }
}

crate::kfn! {
    /// `class_interface_unregister(intf)`: `remove_dev` for each device of
    /// the class, then the interface leaves the class.
    fn class_interface_unregister(intf: u64) {
        use crate::layout::class_interface;
        if intf == 0 || rd64(intf + class_interface::class) == 0 {
            return;
        }
        let cls = rd64(intf + class_interface::class);
        let remove = rd64(intf + class_interface::remove_dev);
        if remove != 0 {
            for dev in super::core::devices_of(cls) {
                crate::fault::call_module(remove, [dev, intf, 0, 0, 0, 0]);
            }
        }
        INTERFACES.lock().unwrap_or_else(|e| e.into_inner()).retain(|&(_, i)| i != intf);
    }
}

fn purge_interfaces(start: u64, end: u64) {
    INTERFACES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&(c, i)| !(i >= start && i < end) && !(c >= start && c < end));
}
crate::purge_on_module_free!(purge_interfaces);

/// The interfaces of a class (a snapshot): a new device of the class is
/// offered to each (`add_dev`), a departing one taken back (`remove_dev`).
pub(crate) fn interfaces_of(cls: u64) -> Vec<u64> {
    INTERFACES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|&&(c, _)| c == cls)
        .map(|&(_, i)| i)
        .collect()
}

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
        inside(x.addr)
            || (x.created
                && (inside(rd64(x.addr + class::owner)) || inside(rd64(x.addr + class::name))))
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

/// The devices of a class after `start` (all for NULL).
fn devices_after(cls: u64, start: u64) -> Vec<u64> {
    let mut v = super::core::devices_of(cls);
    if start != 0 {
        match v.iter().position(|&d| d == start) {
            Some(i) => {
                v.drain(..=i);
            }
            None => v.clear(),
        }
    }
    v
}

crate::kfn! {
    /// `class_for_each_device(class, start, data, fn)`: fn(dev, data) for
    /// each device of the class until one returns non-zero (that value);
    /// -EINVAL for a class not registered.
    fn class_for_each_device(cls: u64, start: u64, data: u64, f: u64) -> i32 {
        if cls == 0 || rd64(cls + class::p) == 0 {
            return super::EINVAL;
        }
        for dev in devices_after(cls, start) {
            let r = crate::fault::call_module(f, [dev, data, 0, 0, 0, 0]).unwrap_or(0) as i32;
            if r != 0 {
                return r;
            }
        }
        0
    }
}

crate::kfn! {
    /// `class_find_device(class, start, data, match)`: the first device
    /// match accepts, with a reference, or NULL.
    fn class_find_device(cls: u64, start: u64, data: u64, m: u64) -> u64 {
        if cls == 0 || rd64(cls + class::p) == 0 {
            return 0;
        }
        for dev in devices_after(cls, start) {
            if crate::fault::call_module(m, [dev, data, 0, 0, 0, 0]).unwrap_or(0) as i32 != 0 {
                return super::core::get(dev);
            }
        }
        0
    }
}

/// The kobject of `/sys/class` (`class_kset`'s).
fn class_kobj() -> u64 {
    static K: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *K.get_or_init(|| {
        let k = kzalloc(crate::layout::kobject::SIZE);
        crate::lib_::kobject::init_internal(k);
        wr64(
            k + crate::layout::kobject::ktype,
            crate::lib_::kobject::host_ktypes().dynamic,
        );
        wr64(k + crate::layout::kobject::name, c"class".as_ptr() as u64);
        crate::lib_::kobject::register_builtin(k, "/sys/class");
        k
    })
}

crate::kfn! {
    /// `class_compat_register(name)`: a compatibility directory
    /// `/sys/class/<name>` (a `struct class_compat`, private to the driver
    /// core: its kobject), or NULL.
    fn class_compat_register(name: u64) -> u64 {
        let c = kzalloc(8);
        if c == 0 {
            return 0;
        }
        let k = crate::lib_::kobject::kobject_create_and_add(name, class_kobj());
        if k == 0 {
            kfree(c);
            return 0;
        }
        wr64(c, k);
        c
    }
}

crate::kfn! {
    /// `class_compat_unregister(cls)`.
    fn class_compat_unregister(c: u64) {
        if c != 0 {
            crate::lib_::kobject::put(rd64(c));
            kfree(c);
        }
    }
}

crate::kfn! {
    /// `class_compat_create_link(cls, dev, device_link)`: `<compat>/<dev>`
    /// to the device, and the device's `device` link to `device_link`.
    fn class_compat_create_link(c: u64, dev: u64, device_link: u64) -> i32 {
        use crate::layout::device;
        let name = super::core::dev_name(dev);
        let n = super::kstrdup(&name);
        let e = crate::fs::sysfs::sysfs_create_link(rd64(c), dev + device::kobj, n);
        if e == 0 && device_link != 0 {
            let e2 = crate::fs::sysfs::sysfs_create_link(dev + device::kobj, device_link + device::kobj, c"device".as_ptr() as u64);
            if e2 != 0 {
                crate::fs::sysfs::sysfs_remove_link(rd64(c), n);
                kfree(n);
                return e2;
            }
        }
        kfree(n);
        e
    }
}

crate::kfn! {
    /// `class_compat_remove_link(cls, dev, device_link)`.
    fn class_compat_remove_link(c: u64, dev: u64, device_link: u64) {
        use crate::layout::device;
        if device_link != 0 {
            crate::fs::sysfs::sysfs_remove_link(dev + device::kobj, c"device".as_ptr() as u64);
        }
        let n = super::kstrdup(&super::core::dev_name(dev));
        crate::fs::sysfs::sysfs_remove_link(rd64(c), n);
        kfree(n);
    }
}

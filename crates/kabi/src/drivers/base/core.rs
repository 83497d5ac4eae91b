//! drivers/base/core.c: class devices — `device_create`, `device_destroy`,
//! `device_unregister` of a device made by `device_create`.
//!
//! A class device without a parent lives at
//! `/sys/devices/virtual/<class>/<name>` (`dev`, `uevent`, `subsystem`),
//! linked from `/sys/class/<class>/<name>` and, with a device number, from
//! `/sys/dev/char/<major>:<minor>`.

use std::sync::{Mutex, MutexGuard};

use super::{kfree, kstrdup, kzalloc, rd64, wr32, wr64};
use crate::abi::RegArgs;
use crate::fs::kernfs;
use crate::layout::{device, kobject};

pub(crate) struct Device {
    /// The `struct device`.
    pub addr: u64,
    pub class: u64,
    pub class_name: String,
    pub name: String,
    pub devt: u32,
}

static DEVICES: Mutex<Vec<Device>> = Mutex::new(Vec::new());

fn devices() -> MutexGuard<'static, Vec<Device>> {
    DEVICES.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn major(devt: u32) -> u32 {
    devt >> 20
}
pub(crate) fn minor(devt: u32) -> u32 {
    devt & 0xfffff
}

fn dir(class_name: &str, name: &str) -> String {
    format!("/sys/devices/virtual/{class_name}/{name}")
}

/// Creates a class device named `name` (what `device_create` formats):
/// the device or ERR_PTR (-EEXIST for a second device of that name in
/// the class).
pub(crate) fn create(cls: u64, _parent: u64, devt: u32, drvdata: u64, name: &str) -> u64 {
    let Some(class_name) = super::class::class_name(cls) else {
        // IS_ERR_OR_NULL(class) (or a class never registered)
        return super::err_ptr(super::ENODEV);
    };
    let mut d = devices();
    if d.iter().any(|x| x.class == cls && x.name == name) {
        drop(d);
        super::warn_dup(&format!("/devices/virtual/{class_name}/{name}"), name);
        return super::err_ptr(super::EEXIST);
    }
    let dev = kzalloc(device::SIZE);
    if dev == 0 {
        return super::err_ptr(super::ENOMEM);
    }
    wr64(dev + device::kobj + kobject::name, kstrdup(name));
    wr64(dev + device::class, cls);
    wr64(dev + device::driver_data, drvdata);
    wr32(dev + device::devt, devt);
    d.push(Device {
        addr: dev,
        class: cls,
        class_name: class_name.clone(),
        name: name.to_string(),
        devt,
    });
    drop(d);
    let p = dir(&class_name, name);
    kernfs::add_dir(&format!("{p}/power"));
    kernfs::add_link(
        &format!("{p}/subsystem"),
        &format!("../../../../class/{class_name}"),
    );
    let mut uevent = String::new();
    if devt != 0 {
        kernfs::add_text(
            &format!("{p}/dev"),
            format!("{}:{}\n", major(devt), minor(devt)),
        );
        uevent = format!(
            "MAJOR={}\nMINOR={}\nDEVNAME={name}\n",
            major(devt),
            minor(devt)
        );
        kernfs::add_link(
            &format!("/sys/dev/char/{}:{}", major(devt), minor(devt)),
            &format!("../../devices/virtual/{class_name}/{name}"),
        );
    }
    kernfs::add_text(&format!("{p}/uevent"), uevent);
    kernfs::add_link(
        &format!("/sys/class/{class_name}/{name}"),
        &format!("../../devices/virtual/{class_name}/{name}"),
    );
    for intf in super::class::interfaces_of(cls) {
        let add = rd64(intf + crate::layout::class_interface::add_dev);
        if add != 0 {
            crate::fault::call_module(add, [dev, intf, 0, 0, 0, 0]);
        }
    }
    dev
}

fn remove_views(d: &Device) {
    kernfs::remove(&dir(&d.class_name, &d.name));
    kernfs::remove(&format!("/sys/class/{}/{}", d.class_name, d.name));
    if d.devt != 0 {
        kernfs::remove(&format!(
            "/sys/dev/char/{}:{}",
            major(d.devt),
            minor(d.devt)
        ));
    }
    if kernfs::list(&format!("/sys/devices/virtual/{}", d.class_name)).is_some_and(|v| v.is_empty())
    {
        kernfs::remove(&format!("/sys/devices/virtual/{}", d.class_name));
    }
}

fn free(dev: u64) {
    kfree(rd64(dev + device::kobj + kobject::name));
    kfree(dev);
}

/// Forgets the devices of a class that goes away.
pub(crate) fn forget_class(cls: u64) {
    let mut d = devices();
    let gone: Vec<Device> = d.extract_if(.., |x| x.class == cls).collect();
    drop(d);
    for x in gone {
        remove_views(&x);
    }
}

/// `device_create(class, parent, devt, drvdata, fmt, ...)`: drivers/base/core.c.
extern "C" fn device_create(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 5) };
    let (cls, parent, devt, drvdata) = (args.arg(0), args.arg(1), args.arg(2) as u32, args.arg(3));
    // SAFETY: the module's format string.
    let fmt = unsafe { crate::abi::c_str(args.arg(4), 1 << 12) };
    let name = crate::printf::format(fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    create(cls, parent, devt, drvdata, &String::from_utf8_lossy(&name))
}
crate::export_variadic!("device_create" => device_create);

crate::kfn! {
    /// `device_unregister(dev)` of a class device: removes it and frees it.
    fn device_unregister(dev: u64) {
        let mut d = devices();
        let Some(i) = d.iter().position(|x| x.addr == dev) else { return };
        let x = d.remove(i);
        drop(d);
        for intf in super::class::interfaces_of(x.class) {
            let remove = rd64(intf + crate::layout::class_interface::remove_dev);
            if remove != 0 {
                crate::fault::call_module(remove, [dev, intf, 0, 0, 0, 0]);
            }
        }
        remove_views(&x);
        free(dev);
    }
}

crate::kfn! {
    /// `device_destroy(class, devt)`: unregisters the class's device with
    /// that number, if any.
    fn device_destroy(cls: u64, devt: u32) {
        let found = devices().iter().find(|x| x.class == cls && x.devt == devt).map(|x| x.addr);
        if let Some(dev) = found {
            device_unregister(dev);
        }
    }
}

/// The devices of a class, in creation order (a snapshot).
pub(crate) fn devices_of(cls: u64) -> Vec<u64> {
    devices()
        .iter()
        .filter(|x| x.class == cls)
        .map(|x| x.addr)
        .collect()
}

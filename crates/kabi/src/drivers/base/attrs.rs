//! Attribute files of drivers, buses and classes (`driver_create_file`,
//! `bus_create_file`, `class_create_file_ns` and their removals), as sysfs
//! makes them: `<dir>/<attr name>`, read through the attribute's `show`
//! (called with a page-sized buffer, as sysfs does). A second file of the
//! same name fails with -EEXIST and sysfs's duplicate-name messages.

use super::{cstr, rd64};
use crate::fs::kernfs;
use crate::layout::{attribute, bus_attribute, bus_type, class, class_attribute, driver_attribute};

/// How `show` is called: its object argument and whether the attribute
/// itself is passed (class attributes) before the buffer.
#[derive(Clone, Copy)]
enum Show {
    /// `show(obj, buf)` (drivers, buses).
    ObjBuf,
    /// `show(obj, attr, buf)` (classes).
    ObjAttrBuf,
}

/// Creates the file `dir/<attr->name>`.
fn create(dir: &str, sysfs_dir: &str, obj: u64, attr: u64, show_off: u64, how: Show) -> i32 {
    let Some(name) = cstr(rd64(attr + attribute::name)) else {
        return super::EINVAL;
    };
    let path = format!("{dir}/{name}");
    if kernfs::exists(&path) {
        super::warn_dup(&format!("{sysfs_dir}/{name}"), &name);
        return super::EEXIST;
    }
    let show = rd64(attr + show_off);
    kernfs::add_file(&path, move || {
        if show == 0 {
            return Vec::new();
        }
        crate::fs::sysfs::with_page(|buf| {
            let args = match how {
                Show::ObjBuf => [obj, buf, 0, 0, 0, 0],
                Show::ObjAttrBuf => [obj, attr, buf, 0, 0, 0],
            };
            crate::fault::call_module(show, args).map(|r| r as i64).unwrap_or(-14)
        })
    });
    0
}

fn remove(dir: &str, attr: u64) {
    if let Some(name) = cstr(rd64(attr + attribute::name)) {
        kernfs::remove(&format!("{dir}/{name}"));
    }
}

/// The directory of a registered driver.
fn driver_dir(drv: u64) -> Option<(String, String)> {
    let r = super::bus::reg();
    let d = r.drivers.iter().find(|d| d.addr == drv)?;
    let b = r.buses.iter().find(|b| b.addr == d.bus)?;
    Some((
        super::driver::driver_dir(&b.name, &d.name),
        format!("/bus/{}/drivers/{}", b.name, d.name),
    ))
}

/// The directory of a registered driver (`/sys/bus/<bus>/drivers/<name>`).
pub(crate) fn driver_path(drv: u64) -> Option<String> {
    driver_dir(drv).map(|(d, _)| d)
}

fn bus_dir(bus: u64) -> Option<(String, String)> {
    let r = super::bus::reg();
    let b = r.buses.iter().find(|b| b.addr == bus)?;
    Some((format!("/sys/bus/{}", b.name), format!("/bus/{}", b.name)))
}

fn class_dir(cls: u64) -> Option<(String, String)> {
    let name = super::class::class_name(cls)?;
    Some((format!("/sys/class/{name}"), format!("/class/{name}")))
}

crate::kfn! {
    /// `driver_create_file(drv, attr)`: -EINVAL without a driver.
    fn driver_create_file(drv: u64, attr: u64) -> i32 {
        if drv == 0 {
            return super::EINVAL;
        }
        match driver_dir(drv) {
            Some((dir, sysfs)) => create(&dir, &sysfs, drv, attr, driver_attribute::show, Show::ObjBuf),
            // drv->p is NULL: Linux would oops on it
            None => super::EINVAL,
        }
    }
}

crate::kfn! {
    /// `driver_remove_file(drv, attr)`.
    fn driver_remove_file(drv: u64, attr: u64) {
        if let Some((dir, _)) = (drv != 0).then(|| driver_dir(drv)).flatten() {
            remove(&dir, attr);
        }
    }
}

crate::kfn! {
    /// `bus_create_file(bus, attr)`: -EINVAL for a bus not registered.
    fn bus_create_file(bus: u64, attr: u64) -> i32 {
        if bus == 0 || rd64(bus + bus_type::p) == 0 {
            return super::EINVAL;
        }
        match bus_dir(bus) {
            Some((dir, sysfs)) => create(&dir, &sysfs, bus, attr, bus_attribute::show, Show::ObjBuf),
            None => super::EINVAL,
        }
    }
}

crate::kfn! {
    /// `bus_remove_file(bus, attr)`.
    fn bus_remove_file(bus: u64, attr: u64) {
        if let Some((dir, _)) = (bus != 0).then(|| bus_dir(bus)).flatten() {
            remove(&dir, attr);
        }
    }
}

crate::kfn! {
    /// `class_create_file_ns(cls, attr, ns)`: -EINVAL without a class.
    fn class_create_file_ns(cls: u64, attr: u64, _ns: u64) -> i32 {
        if cls == 0 || rd64(cls + class::p) == 0 {
            return super::EINVAL;
        }
        match class_dir(cls) {
            Some((dir, sysfs)) => create(&dir, &sysfs, cls, attr, class_attribute::show, Show::ObjAttrBuf),
            None => super::EINVAL,
        }
    }
}

crate::kfn! {
    /// `class_remove_file_ns(cls, attr, ns)`.
    fn class_remove_file_ns(cls: u64, attr: u64, _ns: u64) {
        if let Some((dir, _)) = (cls != 0).then(|| class_dir(cls)).flatten() {
            remove(&dir, attr);
        }
    }
}

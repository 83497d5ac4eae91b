//! drivers/base/driver.c and the driver half of bus.c/dd.c/module.c:
//! `driver_register`, `driver_unregister`, `driver_find`.
//!
//! A registered driver appears as `/sys/bus/<bus>/drivers/<name>` with
//! `bind`, `unbind`, `uevent` (unless `suppress_bind_attrs`: no bind
//! files), the bus's own driver files, and a `module` link to its owner.
//! No device exists on the host's buses, so registration probes nothing.

use super::bus::{reg, Driver, PRIVATE_SIZE};
use super::{cstr, kfree, kzalloc, module_name, rd64, rd8, wr64};
use crate::fs::kernfs;
use crate::layout::{bus_type, device_driver};

/// The directory of a driver.
pub(crate) fn driver_dir(bus: &str, drv: &str) -> String {
    format!("/sys/bus/{bus}/drivers/{drv}")
}

crate::kfn! {
    /// `driver_register(drv)`: drivers/base/driver.c. -EINVAL (with
    /// Linux's message) when the bus is not registered, -EBUSY when a
    /// driver of that name is already on the bus.
    fn driver_register(drv: u64) -> i32 {
        register(drv)
    }
}

pub(crate) fn register(drv: u64) -> i32 {
    let name = cstr(rd64(drv + device_driver::name)).unwrap_or_else(|| "(null)".into());
    let bus = rd64(drv + device_driver::bus);
    let mut r = reg();
    let Some(b) = r.buses.iter().find(|b| b.addr == bus) else {
        drop(r);
        let bus_name = if bus == 0 {
            "(null)".to_string()
        } else {
            cstr(rd64(bus + bus_type::name)).unwrap_or_else(|| "(null)".into())
        };
        crate::log::kernel_msg(
            3,
            &format!("Driver '{name}' was unable to register with bus_type '{bus_name}' because the bus was not initialized."),
        );
        return super::EINVAL;
    };
    let (bus_name, builtin_methods, builtin, drv_files) =
        (b.name.clone(), b.builtin_methods, b.builtin, b.drv_files);
    let method = |bus_off: u64, drv_off: u64| {
        let on_bus = if builtin {
            builtin_methods
        } else {
            rd64(bus + bus_off) != 0
        };
        on_bus && rd64(drv + drv_off) != 0
    };
    if method(bus_type::probe, device_driver::probe)
        || method(bus_type::remove, device_driver::remove)
        || method(bus_type::shutdown, device_driver::shutdown)
    {
        crate::log::kernel_msg(
            4,
            &format!("Driver '{name}' needs updating - please use bus_type methods"),
        );
    }
    if r.drivers.iter().any(|d| d.bus == bus && d.name == name) {
        drop(r);
        crate::log::kernel_msg(
            3,
            &format!("Error: Driver '{name}' is already registered, aborting..."),
        );
        return super::EBUSY;
    }
    let p = kzalloc(PRIVATE_SIZE);
    if p == 0 {
        return super::ENOMEM;
    }
    wr64(drv + device_driver::p, p);
    r.drivers.push(Driver {
        addr: drv,
        name: name.clone(),
        bus,
        p,
    });
    drop(r);
    let dir = driver_dir(&bus_name, &name);
    kernfs::add_dir(&dir);
    // module_add_driver: the owner's link
    if let Some(m) = module_name(rd64(drv + device_driver::owner)) {
        kernfs::add_link(&format!("{dir}/module"), &format!("../../../../module/{m}"));
    }
    kernfs::add_text(&format!("{dir}/uevent"), "");
    if rd8(drv + device_driver::suppress_bind_attrs) == 0 {
        kernfs::add_text(&format!("{dir}/bind"), "");
        kernfs::add_text(&format!("{dir}/unbind"), "");
    }
    for f in drv_files {
        kernfs::add_text(&format!("{dir}/{f}"), "");
    }
    // bus_add_driver: drivers_autoprobe is 1
    super::dd::driver_attach(drv);
    0
}

crate::kfn! {
    /// `driver_unregister(drv)`: removes the driver from its bus (and its
    /// directory). An unknown driver gets Linux's warning message (Linux
    /// prints it as a WARN report with a backtrace).
    fn driver_unregister(drv: u64) {
        unregister(drv)
    }
}

pub(crate) fn unregister(drv: u64) {
    if drv != 0 && is_registered(drv) {
        super::dd::driver_detach(drv);
    }
    let mut r = reg();
    let Some(i) = (drv != 0)
        .then(|| r.drivers.iter().position(|d| d.addr == drv))
        .flatten()
    else {
        drop(r);
        crate::log::kernel_msg(4, "Unexpected driver unregister!");
        return;
    };
    let d = r.drivers.remove(i);
    let bus_name = r
        .buses
        .iter()
        .find(|b| b.addr == d.bus)
        .map(|b| b.name.clone());
    drop(r);
    if let Some(bn) = bus_name {
        kernfs::remove(&driver_dir(&bn, &d.name));
    }
    kfree(d.p);
    wr64(drv + device_driver::p, 0);
}

crate::kfn! {
    /// `driver_find(name, bus)`: the registered driver of that name on the
    /// bus, or NULL.
    fn driver_find(name: u64, bus: u64) -> u64 {
        let Some(name) = cstr(name) else { return 0 };
        reg().drivers.iter().find(|d| d.bus == bus && d.name == name).map(|d| d.addr).unwrap_or(0)
    }
}

/// Whether a driver is registered (for the bus wrappers' tests and views).
pub fn is_registered(drv: u64) -> bool {
    reg().drivers.iter().any(|d| d.addr == drv)
}

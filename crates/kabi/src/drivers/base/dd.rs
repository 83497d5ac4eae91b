//! drivers/base/dd.c: binding devices and drivers. When a device and a
//! driver on the same bus match (the bus's `match`, the platform bus's id
//! table / name / `driver_override`), probe runs: `dev->driver` is set,
//! the `driver` link and `/sys/bus/<bus>/drivers/<drv>/<dev>` appear, the
//! bus's (or driver's) probe is called; a probe returning -ENODEV or
//! -ENXIO is silent, other errors log "probe of X failed with error -N"
//! and the binding is undone (with the device's managed resources). At
//! unbind the bus's (or driver's) remove runs and the resources go.

use super::{cstr, rd64, wr64};
use crate::fs::kernfs;
use crate::layout::{bus_type, device, device_driver};

const ENODEV: i32 = -19;
const ENXIO: i32 = -6;
const EBUSY: i32 = -16;
const EPROBE_DEFER: i32 = -517;

fn drv_name(drv: u64) -> String {
    cstr(rd64(drv + device_driver::name)).unwrap_or_default()
}

/// `driver_match_device`: the bus's match (1 without one).
fn matches(drv: u64, dev: u64) -> i32 {
    let bus = rd64(drv + device_driver::bus);
    if bus == super::platform::bus_addr() {
        return super::platform::platform_match(dev, drv);
    }
    if super::bus::is_builtin(bus) {
        // the host's other built-in buses have no devices of their own
        return 0;
    }
    let m = rd64(bus + bus_type::r#match);
    if m == 0 {
        return 1;
    }
    crate::fault::call_module(m, [dev, drv, 0, 0, 0, 0]).unwrap_or(0) as i32
}

/// `driver_sysfs_add`: the two links.
fn sysfs_add(dev: u64, drv: u64) -> i32 {
    let (Some(dd), Some(ddir)) = (
        super::attrs::driver_path(drv),
        crate::lib_::kobject::path_of(dev + device::kobj),
    ) else {
        return -2;
    };
    super::bus::notify(
        rd64(dev + device::bus),
        super::bus::BUS_NOTIFY_BIND_DRIVER,
        dev,
    );
    let name = super::core::dev_name(dev);
    let e = crate::fs::sysfs::link(&dd, &name, &ddir);
    if e != 0 {
        return e;
    }
    let e = crate::fs::sysfs::link(&ddir, "driver", &dd);
    if e != 0 {
        kernfs::remove(&format!("{dd}/{name}"));
    }
    e
}

fn sysfs_remove(dev: u64, drv: u64) {
    if let Some(dd) = super::attrs::driver_path(drv) {
        kernfs::remove(&format!("{dd}/{}", super::core::dev_name(dev)));
    }
    if let Some(ddir) = crate::lib_::kobject::path_of(dev + device::kobj) {
        kernfs::remove(&format!("{ddir}/driver"));
    }
}

/// `call_driver_probe`.
fn call_probe(dev: u64, drv: u64) -> i32 {
    let bus = rd64(dev + device::bus);
    let ret = if bus == super::platform::bus_addr() {
        super::platform::platform_probe(dev)
    } else if !super::bus::is_builtin(bus) && rd64(bus + bus_type::probe) != 0 {
        crate::fault::call_module(rd64(bus + bus_type::probe), [dev, 0, 0, 0, 0, 0]).unwrap_or(0)
            as i32
    } else if rd64(drv + device_driver::probe) != 0 {
        crate::fault::call_module(rd64(drv + device_driver::probe), [dev, 0, 0, 0, 0, 0])
            .unwrap_or(0) as i32
    } else {
        0
    };
    match ret {
        0 | EPROBE_DEFER | ENODEV | ENXIO => {}
        e => crate::log::kernel_msg(
            4,
            &format!(
                "{}: probe of {} failed with error {e}",
                drv_name(drv),
                super::core::dev_name(dev)
            ),
        ),
    }
    ret
}

/// `device_unbind_cleanup`.
fn unbind_cleanup(dev: u64) {
    super::devres::release_all(dev);
    wr64(dev + device::driver, 0);
    wr64(dev + device::driver_data, 0);
}

/// `really_probe`: 0 when bound, a positive errno for a failed probe, a
/// negative one for other failures.
fn really_probe(dev: u64, drv: u64) -> i32 {
    if super::devres::has_any(dev) {
        crate::log::kernel_msg(
            2,
            &format!(
                "{} {}: Resources present before probing",
                super::core::driver_string(dev),
                super::core::dev_name(dev)
            ),
        );
        return EBUSY;
    }
    wr64(dev + device::driver, drv);
    let bus = rd64(dev + device::bus);
    let e = sysfs_add(dev, drv);
    if e != 0 {
        crate::log::kernel_msg(
            3,
            &format!(
                "really_probe: driver_sysfs_add({}) failed",
                super::core::dev_name(dev)
            ),
        );
        super::bus::notify(bus, super::bus::BUS_NOTIFY_DRIVER_NOT_BOUND, dev);
        unbind_cleanup(dev);
        return e;
    }
    let r = call_probe(dev, drv);
    if r != 0 {
        sysfs_remove(dev, drv);
        super::bus::notify(bus, super::bus::BUS_NOTIFY_DRIVER_NOT_BOUND, dev);
        unbind_cleanup(dev);
        return -r;
    }
    let groups = rd64(drv + device_driver::dev_groups);
    let e = crate::fs::sysfs::create_groups(dev + device::kobj, groups);
    if e != 0 {
        crate::log::kernel_msg(
            3,
            &format!(
                "{} {}: device_add_groups() failed",
                drv_name(drv),
                super::core::dev_name(dev)
            ),
        );
        device_remove(dev, drv);
        sysfs_remove(dev, drv);
        super::bus::notify(bus, super::bus::BUS_NOTIFY_DRIVER_NOT_BOUND, dev);
        unbind_cleanup(dev);
        return e;
    }
    // driver_bound
    super::bus::notify(bus, super::bus::BUS_NOTIFY_BOUND_DRIVER, dev);
    crate::lib_::kobject::uevent_env(dev + device::kobj, 6, 0); // KOBJ_BIND
    0
}

/// `device_remove`: the driver's groups, then the bus's (or driver's) remove.
fn device_remove(dev: u64, drv: u64) {
    crate::fs::sysfs::remove_groups(dev + device::kobj, rd64(drv + device_driver::dev_groups));
    let bus = rd64(dev + device::bus);
    if bus == super::platform::bus_addr() {
        super::platform::platform_remove(dev, drv);
    } else if !super::bus::is_builtin(bus) && rd64(bus + bus_type::remove) != 0 {
        crate::fault::call_module(rd64(bus + bus_type::remove), [dev, 0, 0, 0, 0, 0]);
    } else if rd64(drv + device_driver::remove) != 0 {
        crate::fault::call_module(rd64(drv + device_driver::remove), [dev, 0, 0, 0, 0, 0]);
    }
}

/// `driver_probe_device`.
fn probe(drv: u64, dev: u64) -> i32 {
    if !super::core::is_added(dev) {
        return ENODEV;
    }
    if rd64(dev + device::driver) != 0 {
        return EBUSY;
    }
    really_probe(dev, drv)
}

/// `bus_probe_device` (`__device_attach`): the first driver of the bus
/// that matches and probes the device binds it.
pub(crate) fn probe_device(dev: u64) -> i32 {
    let bus = rd64(dev + device::bus);
    if bus == 0 || rd64(dev + device::driver) != 0 {
        return 0;
    }
    for drv in super::bus::drivers_of(bus) {
        if !super::driver::is_registered(drv) {
            continue;
        }
        let m = matches(drv, dev);
        if m == 0 {
            continue;
        }
        if m < 0 && m != EPROBE_DEFER {
            crate::log::kernel_msg(7, &format!("Bus failed to match device: {m}"));
            return m;
        }
        if m == EPROBE_DEFER {
            continue;
        }
        if probe(drv, dev) == 0 {
            return 1;
        }
    }
    0
}

/// `driver_attach`: the driver is offered each device of its bus that has
/// no driver.
pub(crate) fn driver_attach(drv: u64) -> i32 {
    let bus = rd64(drv + device_driver::bus);
    for dev in super::core::devices_on(bus) {
        let m = matches(drv, dev);
        if m <= 0 {
            if m < 0 && m != EPROBE_DEFER {
                crate::log::kernel_msg(7, &format!("Bus failed to match device: {m}"));
                return m;
            }
            continue;
        }
        if rd64(dev + device::driver) == 0 {
            probe(drv, dev);
        }
    }
    0
}

/// `__device_release_driver`.
pub(crate) fn release_driver(dev: u64) {
    let drv = rd64(dev + device::driver);
    if drv == 0 {
        return;
    }
    let bus = rd64(dev + device::bus);
    sysfs_remove(dev, drv);
    super::bus::notify(bus, super::bus::BUS_NOTIFY_UNBIND_DRIVER, dev);
    device_remove(dev, drv);
    unbind_cleanup(dev);
    super::bus::notify(bus, super::bus::BUS_NOTIFY_UNBOUND_DRIVER, dev);
    crate::lib_::kobject::uevent_env(dev + device::kobj, 7, 0); // KOBJ_UNBIND
}

/// `driver_detach`: unbinds every device bound to the driver.
pub(crate) fn driver_detach(drv: u64) {
    let bus = rd64(drv + device_driver::bus);
    for dev in super::core::devices_on(bus).into_iter().rev() {
        if rd64(dev + device::driver) == drv {
            release_driver(dev);
        }
    }
}

/// Whether any device is bound to `drv`.
pub(crate) fn has_devices(drv: u64) -> bool {
    let bus = rd64(drv + device_driver::bus);
    super::core::devices_on(bus)
        .into_iter()
        .any(|d| rd64(d + device::driver) == drv)
}

crate::kfn! {
    /// `device_release_driver(dev)`.
    fn device_release_driver(dev: u64) {
        if dev != 0 {
            release_driver(dev)
        }
    }
}

crate::kfn! {
    /// `device_attach(dev)`: 1 when bound (or already), 0 when no driver
    /// took it, -ENODEV for a device not in sysfs.
    fn device_attach(dev: u64) -> i32 {
        if !super::core::is_added(dev) {
            return ENODEV;
        }
        if rd64(dev + device::driver) != 0 {
            return 1;
        }
        probe_device(dev)
    }
}

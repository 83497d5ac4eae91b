//! drivers/tty/serdev/core.c: the serdev bus ("serial", registered at
//! boot) and its drivers — `__serdev_device_driver_register`
//! (`serdev_device_driver_unregister` is `driver_unregister`). No serdev
//! controller exists on a machine without the hardware (the host adds no
//! uart port), so the drivers probe nothing; the bus's `probe`/`remove`
//! are there (the driver core checks drivers against them) and hand a
//! device to its serdev driver as Linux's do. Matching (ACPI/OF ids) is
//! not modelled: no serdev device ever exists.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{kzalloc, rd64, wr32, wr64};
use crate::layout::{bus_type, device, device_driver, serdev_device_driver as sd, tty_consts};

/// `serdev_bus_type` (not exported: a kernel object).
static BUS: AtomicU64 = AtomicU64::new(0);

/// `serdev_init`: registers the bus.
pub(crate) fn boot(b: &crate::vmlinux::Builder) {
    let sym = |n: &str| b.symbol(n).unwrap_or(0);
    let bus = kzalloc(bus_type::SIZE);
    wr64(bus + bus_type::name, c"serial".as_ptr() as u64);
    wr64(bus + bus_type::probe, sym("__modhost_serdev_drv_probe"));
    wr64(bus + bus_type::remove, sym("__modhost_serdev_drv_remove"));
    crate::drivers::base::bus::bus_register(bus);
    BUS.store(bus, Ordering::Release);
}

crate::kfn! {
    /// `serdev_drv_probe(dev)`: the serdev driver's `probe` (no PM domain
    /// to attach on the host).
    fn __modhost_serdev_drv_probe(dev: u64) -> i32 {
        let sdrv = rd64(dev + device::driver).wrapping_sub(sd::driver);
        let probe = rd64(sdrv + sd::probe);
        if probe == 0 {
            return 0;
        }
        crate::fault::call_module(probe, [dev, 0, 0, 0, 0, 0]).unwrap_or(0) as i32
    }
}

crate::kfn! {
    /// `serdev_drv_remove(dev)`: the serdev driver's `remove`, if any.
    fn __modhost_serdev_drv_remove(dev: u64) {
        let sdrv = rd64(dev + device::driver).wrapping_sub(sd::driver);
        let remove = rd64(sdrv + sd::remove);
        if remove != 0 {
            crate::fault::call_module(remove, [dev, 0, 0, 0, 0, 0]);
        }
    }
}

crate::kfn! {
    /// `__serdev_device_driver_register(sdrv, owner)`: a driver on the
    /// serdev bus, probing asynchronously. 0 or driver_register's error.
    fn __serdev_device_driver_register(sdrv: u64, owner: u64) -> i32 {
        let drv = sdrv + sd::driver;
        wr64(drv + device_driver::bus, BUS.load(Ordering::Acquire));
        wr64(drv + device_driver::owner, owner);
        wr32(drv + device_driver::probe_type, tty_consts::PROBE_PREFER_ASYNCHRONOUS as u32);
        crate::drivers::base::driver::register(drv)
    }
}

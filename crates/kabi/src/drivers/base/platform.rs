//! drivers/base/platform.c: the platform bus (`platform_bus_type`) and its
//! drivers: `__platform_driver_register`, `platform_driver_unregister`,
//! `__platform_driver_probe`.

use super::{rd32, rd64, wr32, wr64, wr8};
use crate::layout::{bus_type, device_driver, platform_driver};

crate::export_data!("platform_bus_type", size bus_type::SIZE, align 64, init = init_bus);

fn init_bus(addr: u64, _b: &crate::vmlinux::Builder) {
    super::bus::register_builtin(addr, c"platform", &[]);
    // the rest of the driver core's boot-time state
    crate::fs::char_dev::boot();
    crate::drivers::char::misc::boot();
    crate::drivers::input::input::boot();
}

fn bus_addr() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("platform_bus_type"))
        .unwrap_or(0)
}

crate::kfn! {
    /// `__platform_driver_register(drv, owner)`.
    fn __platform_driver_register(drv: u64, owner: u64) -> i32 {
        let d = drv + platform_driver::driver;
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::bus, bus_addr());
        super::driver::register(d)
    }
}

crate::kfn! {
    /// `platform_driver_unregister(drv)`.
    fn platform_driver_unregister(drv: u64) {
        super::driver::unregister(drv + platform_driver::driver)
    }
}

/// `PROBE_PREFER_ASYNCHRONOUS` and `PROBE_FORCE_SYNCHRONOUS` of `enum probe_type`.
const PROBE_PREFER_ASYNCHRONOUS: u32 = 1;
const PROBE_FORCE_SYNCHRONOUS: u32 = 2;

crate::kfn! {
    /// `__platform_driver_probe(drv, probe, module)`: registers a driver
    /// for devices that already exist; with none bound after registration
    /// it unregisters it again and returns -ENODEV (always, on the host,
    /// whose platform bus has no devices).
    fn __platform_driver_probe(drv: u64, probe: u64, module: u64) -> i32 {
        let d = drv + platform_driver::driver;
        if rd32(d + device_driver::probe_type) == PROBE_PREFER_ASYNCHRONOUS {
            let name = super::cstr(rd64(d + device_driver::name)).unwrap_or_default();
            crate::log::kernel_msg(3, &format!("{name}: drivers registered with __platform_driver_probe can not be probed asynchronously"));
            return super::EINVAL;
        }
        wr32(d + device_driver::probe_type, PROBE_FORCE_SYNCHRONOUS);
        wr8(drv + platform_driver::prevent_deferred_probe, 1);
        wr8(d + device_driver::suppress_bind_attrs, 1);
        wr64(drv + platform_driver::probe, probe);
        let code = __platform_driver_register(drv, module);
        if code != 0 {
            return code;
        }
        // no device was bound: -ENODEV, and the driver goes away again
        wr64(drv + platform_driver::probe, 0);
        platform_driver_unregister(drv);
        super::ENODEV
    }
}

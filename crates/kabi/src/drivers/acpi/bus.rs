//! drivers/acpi/bus.c: the `acpi` bus and its drivers
//! (`acpi_bus_register_driver`, `acpi_bus_unregister_driver`).
//!
//! `acpi_bus_type` is built into the kernel (not exported); the host
//! registers it at boot. The namespace has no devices with hardware IDs,
//! so a registered driver appears in `/sys/bus/acpi/drivers/<name>` and
//! binds nothing.

use std::sync::OnceLock;

use crate::drivers::base::{driver, kzalloc, rd32, wr64};
use crate::layout::{acpi_driver, bus_type, device_driver};

static BUS: OnceLock<u64> = OnceLock::new();

/// Registers `acpi_bus_type` (at boot).
pub(crate) fn boot() {
    BUS.get_or_init(|| {
        let bus = kzalloc(bus_type::SIZE);
        crate::drivers::base::bus::register_builtin(bus, c"acpi", &[]);
        bus
    });
}

/// `acpi_disabled` (0 on the host: ACPI is in use).
fn acpi_disabled() -> bool {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("acpi_disabled"))
        .is_some_and(|a| rd32(a) != 0)
}

crate::kfn! {
    /// `acpi_bus_register_driver(driver)`: -ENODEV when ACPI is disabled;
    /// otherwise the embedded `device_driver` gets the driver's name, the
    /// acpi bus and its owner, and is registered.
    fn acpi_bus_register_driver(drv: u64) -> i32 {
        if acpi_disabled() {
            return crate::drivers::base::ENODEV;
        }
        let Some(&bus) = BUS.get() else { return crate::drivers::base::ENODEV };
        let d = drv + acpi_driver::drv;
        wr64(d + device_driver::name, drv + acpi_driver::name);
        wr64(d + device_driver::bus, bus);
        wr64(d + device_driver::owner, crate::drivers::base::rd64(drv + acpi_driver::owner));
        driver::register(d)
    }
}

crate::kfn! {
    /// `acpi_bus_unregister_driver(driver)`.
    fn acpi_bus_unregister_driver(drv: u64) {
        driver::unregister(drv + acpi_driver::drv)
    }
}

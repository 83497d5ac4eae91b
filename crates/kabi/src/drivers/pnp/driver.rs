//! drivers/pnp/driver.c: `pnp_bus_type` (built in, not exported),
//! `pnp_register_driver`, `pnp_unregister_driver`.

use std::sync::OnceLock;

use crate::drivers::base::{driver, kzalloc, rd64, wr64};
use crate::layout::{bus_type, device_driver, pnp_driver};

static BUS: OnceLock<u64> = OnceLock::new();

/// `pnp_bus_type`, registered on first use (Linux registers it at boot:
/// the bus and its views exist before any module loads).
fn bus() -> u64 {
    *BUS.get_or_init(|| {
        let bus = kzalloc(bus_type::SIZE);
        crate::drivers::base::bus::register_builtin(bus, c"pnp", &[]);
        bus
    })
}

/// Registers the bus at boot.
pub(crate) fn boot() {
    bus();
}

crate::kfn! {
    /// `pnp_register_driver(drv)`: the embedded `device_driver` gets the
    /// driver's name and the pnp bus (no owner: PnP drivers have no
    /// `module` link) and is registered.
    fn pnp_register_driver(drv: u64) -> i32 {
        let d = drv + pnp_driver::driver;
        wr64(d + device_driver::name, rd64(drv + pnp_driver::name));
        wr64(d + device_driver::bus, bus());
        driver::register(d)
    }
}

crate::kfn! {
    /// `pnp_unregister_driver(drv)`.
    fn pnp_unregister_driver(drv: u64) {
        driver::unregister(drv + pnp_driver::driver)
    }
}

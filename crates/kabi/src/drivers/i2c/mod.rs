//! drivers/i2c/i2c-core-base.c: the I2C bus (`i2c_bus_type`) and its
//! drivers. No I2C adapter exists on the host, so a new driver finds no
//! adapter to attach to.

use crate::drivers::base::{driver, wr64};
use crate::layout::{bus_type, device_driver, i2c_driver, list_head};

crate::export_data!("i2c_bus_type", size bus_type::SIZE, align 64, init = init_bus);

fn init_bus(addr: u64, _b: &crate::vmlinux::Builder) {
    crate::drivers::base::bus::register_builtin(addr, c"i2c", &[]);
}

fn bus_addr() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("i2c_bus_type"))
        .unwrap_or(0)
}

crate::kfn! {
    /// `i2c_register_driver(owner, driver)`: sets the owner and bus,
    /// empties the client list and registers the driver.
    fn i2c_register_driver(owner: u64, drv: u64) -> i32 {
        let d = drv + i2c_driver::driver;
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::bus, bus_addr());
        let clients = drv + i2c_driver::clients;
        wr64(clients + list_head::next, clients);
        wr64(clients + list_head::prev, clients);
        driver::register(d)
    }
}

crate::kfn! {
    /// `i2c_del_driver(driver)`.
    fn i2c_del_driver(drv: u64) {
        driver::unregister(drv + i2c_driver::driver)
    }
}

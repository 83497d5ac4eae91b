//! drivers/input/serio/serio.c: the serio bus (`serio_bus`) and its
//! drivers. The host has no serio ports (no i8042 is modelled), so a
//! driver attaches to nothing.

use crate::drivers::base::{cstr, driver, rd64, rd8, wr64, wr8};
use crate::fs::kernfs;
use crate::layout::{bus_type, device_driver, serio_driver};

crate::export_data!("serio_bus", size bus_type::SIZE, align 64, init = init_bus);

fn init_bus(addr: u64, _b: &crate::vmlinux::Builder) {
    crate::drivers::base::bus::register_builtin(addr, c"serio", &[]);
}

fn bus_addr() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("serio_bus"))
        .unwrap_or(0)
}

crate::kfn! {
    /// `__serio_register_driver(drv, owner, mod_name)`: registers the
    /// driver in manual-bind mode, then restores the driver's own mode (an
    /// auto-binding driver would then be offered the free ports: none).
    /// The driver's directory has `description` and `bind_mode`.
    fn __serio_register_driver(drv: u64, owner: u64, mod_name: u64) -> i32 {
        let d = drv + serio_driver::driver;
        let manual_bind = rd8(drv + serio_driver::manual_bind);
        wr64(d + device_driver::bus, bus_addr());
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::mod_name, mod_name);
        wr8(drv + serio_driver::manual_bind, 1);
        let err = driver::register(d);
        let name = cstr(rd64(d + device_driver::name)).unwrap_or_default();
        if err != 0 {
            crate::log::kernel_msg(3, &format!("serio: driver_register() failed for {name}, error: {err}"));
            return err;
        }
        if manual_bind == 0 {
            wr8(drv + serio_driver::manual_bind, 0);
        }
        let dir = driver::driver_dir("serio", &name);
        let desc = rd64(drv + serio_driver::description);
        kernfs::add_file(&format!("{dir}/description"), move || {
            format!("{}\n", cstr(desc).unwrap_or_else(|| "(none)".into())).into_bytes()
        });
        kernfs::add_file(&format!("{dir}/bind_mode"), move || {
            if rd8(drv + serio_driver::manual_bind) != 0 { b"manual\n".to_vec() } else { b"auto\n".to_vec() }
        });
        0
    }
}

crate::kfn! {
    /// `serio_unregister_driver(drv)`: no more binding, then unregister.
    fn serio_unregister_driver(drv: u64) {
        wr8(drv + serio_driver::manual_bind, 1);
        driver::unregister(drv + serio_driver::driver)
    }
}

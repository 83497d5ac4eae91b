//! drivers/base/auxiliary.c: the auxiliary bus (built in: `/sys/bus/auxiliary`)
//! and its drivers. A driver is named `<modname>.<name>` (or `<modname>`);
//! auxiliary devices are made by drivers of real hardware (mlx5, irdma,
//! ...), so on the host the bus has none and registration probes nothing.

use std::sync::OnceLock;

use super::{cstr, kfree, kstrdup, kzalloc, rd64, wr64};
use crate::layout::{auxiliary_driver as ad, bus_type, device_driver};

fn bus() -> u64 {
    static B: OnceLock<u64> = OnceLock::new();
    *B.get_or_init(|| {
        let b = kzalloc(bus_type::SIZE);
        if b != 0 {
            super::bus::register_builtin(b, c"auxiliary", &[]);
        }
        b
    })
}

/// Boot: the bus exists from the start, as Linux's initcall makes it.
pub(crate) fn boot() {
    let _ = bus();
}

crate::kfn! {
    /// `__auxiliary_driver_register(auxdrv, owner, modname)`: -EINVAL (with
    /// a warning) without probe or id table, else driver_register's result.
    fn __auxiliary_driver_register(auxdrv: u64, owner: u64, modname: u64) -> i32 {
        if rd64(auxdrv + ad::probe) == 0 || rd64(auxdrv + ad::id_table) == 0 {
            crate::lib_::kobject::warn("WARNING: __auxiliary_driver_register: driver without probe or id_table");
            return super::EINVAL;
        }
        let m = cstr(modname).unwrap_or_default();
        let name = match cstr(rd64(auxdrv + ad::name)) {
            Some(n) => format!("{m}.{n}"),
            None => m,
        };
        let p = kstrdup(&name);
        if p == 0 {
            return super::ENOMEM;
        }
        let d = auxdrv + ad::driver;
        wr64(d + device_driver::name, p);
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::bus, bus());
        wr64(d + device_driver::mod_name, modname);
        let e = super::driver::register(d);
        if e != 0 {
            kfree(p);
        }
        e
    }
}

crate::kfn! {
    /// `auxiliary_driver_unregister(auxdrv)`: the driver goes, its name is freed.
    fn auxiliary_driver_unregister(auxdrv: u64) {
        let d = auxdrv + ad::driver;
        super::driver::unregister(d);
        kfree(rd64(d + device_driver::name));
    }
}

//! drivers/pci/pci-driver.c: `pci_bus_type`, `__pci_register_driver`,
//! `pci_unregister_driver`.

use crate::drivers::base::{driver, rd64, wr32, wr64};
use crate::layout::{bus_type, device_driver, list_head, pci_driver};

crate::export_data!("pci_bus_type", size bus_type::SIZE, align 64, init = init_bus);

fn init_bus(addr: u64, _b: &crate::vmlinux::Builder) {
    // pci_drv_groups: new_id and remove_id in every driver's directory
    crate::drivers::base::bus::register_builtin(addr, c"pci", &["new_id", "remove_id"]);
}

fn bus_addr() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("pci_bus_type"))
        .unwrap_or(0)
}

crate::kfn! {
    /// `__pci_register_driver(drv, owner, mod_name)`: fills the embedded
    /// `device_driver` (name, bus, owner, mod_name, groups), empties the
    /// dynamic ids and registers it.
    fn __pci_register_driver(drv: u64, owner: u64, mod_name: u64) -> i32 {
        let d = drv + pci_driver::driver;
        wr64(d + device_driver::name, rd64(drv + pci_driver::name));
        wr64(d + device_driver::bus, bus_addr());
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::mod_name, mod_name);
        wr64(d + device_driver::groups, rd64(drv + pci_driver::groups));
        wr64(d + device_driver::dev_groups, rd64(drv + pci_driver::dev_groups));
        // dynids: { spinlock_t lock; struct list_head list; }
        let ids = drv + pci_driver::dynids;
        wr32(ids, 0);
        let list = ids + pci_dynids::list;
        wr64(list + list_head::next, list);
        wr64(list + list_head::prev, list);
        driver::register(d)
    }
}

crate::kfn! {
    /// `pci_unregister_driver(drv)`.
    fn pci_unregister_driver(drv: u64) {
        driver::unregister(drv + pci_driver::driver)
    }
}

use crate::layout::pci_dynids;

//! drivers/acpi/glue.c: `register_acpi_bus_type`,
//! `unregister_acpi_bus_type` — how a bus finds the ACPI companions of its
//! devices. The host's buses add no devices, so a registered type is
//! never asked.

use std::sync::Mutex;

use crate::drivers::base::{cstr, rd64, wr64};
use crate::layout::{acpi_bus_type, list_head};

static TYPES: Mutex<Vec<u64>> = Mutex::new(Vec::new());

crate::kfn! {
    /// `register_acpi_bus_type(type)`: 0 for a type with `match` and
    /// `find_companion` (logged as Linux does), else -ENODEV.
    fn register_acpi_bus_type(ty: u64) -> i32 {
        if ty == 0 || rd64(ty + acpi_bus_type::r#match) == 0 || rd64(ty + acpi_bus_type::find_companion) == 0 {
            return crate::drivers::base::ENODEV;
        }
        let list = ty + acpi_bus_type::list;
        wr64(list + list_head::next, list);
        wr64(list + list_head::prev, list);
        TYPES.lock().unwrap_or_else(|e| e.into_inner()).push(ty);
        let name = cstr(rd64(ty + acpi_bus_type::name)).unwrap_or_else(|| "(null)".into());
        crate::log::kernel_msg(6, &format!("ACPI: bus type {name} registered"));
        0
    }
}

crate::kfn! {
    /// `unregister_acpi_bus_type(type)`: 0 (-ENODEV for NULL).
    fn unregister_acpi_bus_type(ty: u64) -> i32 {
        if ty == 0 {
            return crate::drivers::base::ENODEV;
        }
        TYPES.lock().unwrap_or_else(|e| e.into_inner()).retain(|&t| t != ty);
        let list = ty + acpi_bus_type::list;
        wr64(list + list_head::next, list);
        wr64(list + list_head::prev, list);
        let name = cstr(rd64(ty + acpi_bus_type::name)).unwrap_or_else(|| "(null)".into());
        crate::log::kernel_msg(6, &format!("ACPI: bus type {name} unregistered"));
        0
    }
}

fn purge(start: u64, end: u64) {
    TYPES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&t| !(t >= start && t < end));
}
crate::purge_on_module_free!(purge);

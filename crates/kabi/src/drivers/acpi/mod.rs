//! drivers/acpi: ACPI on the host's machine. ACPI is in use
//! (`acpi_disabled` is 0) and its namespace defines no devices: only
//! ACPICA's predefined names exist (see `acpica`); no operation regions,
//! no `_OSI` queries. Drivers register on the `acpi` bus and bind nothing.

pub mod acpica;
pub mod bus;
pub mod ec;
pub mod glue;
pub mod osi;
pub mod osl;
pub mod utils;

// `acpi_disabled`: 0 — ACPI is in use (arch/x86/kernel/acpi/boot.c).
crate::export_data!("acpi_disabled", size 4, align 4, init = init_acpi);

fn init_acpi(_addr: u64, _b: &crate::vmlinux::Builder) {
    // acpi_bus_init / acpi_scan_init: the acpi bus exists from boot
    bus::boot();
}

//! drivers/acpi: what an ACPI machine (QEMU's PC has ACPI) tells modules.

pub mod glue;

// `acpi_disabled`: 0 — ACPI is in use (arch/x86/kernel/acpi/boot.c).
crate::export_data!("acpi_disabled", size 4, align 4);

//! drivers/acpi/osl.c: resource conflicts between drivers and the
//! operation regions of the ACPI namespace (`acpi_enforce_resources` is
//! "strict", Linux's default).

use crate::kernel::resource::{IORESOURCE_IO, IORESOURCE_MEM};

crate::kfn! {
    /// `acpi_resources_are_enforced()`: true (strict, the default).
    fn acpi_resources_are_enforced() -> bool {
        true
    }
}

/// `acpi_check_resource_conflict` on a range: 0 — the namespace declares
/// no SystemIO or SystemMemory operation region to conflict with
/// (`acpi_check_address_range` finds none).
fn check(flags: u64) -> i32 {
    if flags & (IORESOURCE_IO | IORESOURCE_MEM) == 0 {
        return 0;
    }
    0
}

crate::kfn! {
    /// `acpi_check_resource_conflict(res)`: 0, no operation region overlaps.
    fn acpi_check_resource_conflict(res: u64) -> i32 {
        check(crate::drivers::base::rd64(res + crate::layout::resource::flags))
    }
}

crate::kfn! {
    /// `acpi_check_region(start, n, name)`: 0, no operation region overlaps.
    fn acpi_check_region(_start: u64, _n: u64, _name: u64) -> i32 {
        check(IORESOURCE_IO)
    }
}

//! drivers/acpi/acpica/utaddress.c: `acpi_check_address_range` — the
//! operation regions the namespace declares (none on the host's machine).

crate::kfn! {
    /// `acpi_check_address_range(space_id, address, length, warn)`: the
    /// number of SystemMemory/SystemIO operation regions overlapping the
    /// range: 0, the namespace declares none.
    fn acpi_check_address_range(_space_id: u8, _address: u64, _length: u64, _warn: u8) -> u32 {
        0
    }
}

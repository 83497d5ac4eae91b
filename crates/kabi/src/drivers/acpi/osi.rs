//! drivers/acpi/osi.c: what the firmware asked through `_OSI`.

crate::kfn! {
    /// `acpi_osi_is_win8()`: whether the firmware queried a Windows 8 or
    /// later `_OSI` string (`acpi_gbl_osi_data >= ACPI_OSI_WIN_8`). The
    /// host's DSDT has no code and never evaluates `_OSI`: false.
    fn acpi_osi_is_win8() -> bool {
        false
    }
}

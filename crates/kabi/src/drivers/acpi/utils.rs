//! drivers/acpi/utils.c and drivers/acpi/x86/utils.c: questions about the
//! ACPI devices Linux's scan creates.
//!
//! From the host's namespace (see `acpica`) Linux's scan creates ACPI
//! devices only for the root (hardware ID `LNXSYSTM`), `\_SB_`
//! (`LNXSYBUS`) and `\_TZ_` (no ID); none has `_UID` or `_HRV`, all are
//! present.

use crate::drivers::base::cstr;

/// `acpi_dev_present(hid, uid, hrv)` over those devices.
pub(crate) fn dev_present(hid: &str, uid: Option<&str>, hrv: i64) -> bool {
    let exists = hid == "LNXSYSTM" || hid == "LNXSYBUS";
    // no device has a _UID; with hrv != -1, _HRV must evaluate: none has one
    exists && uid.is_none() && hrv == -1
}

crate::kfn! {
    /// `acpi_dev_present(hid, uid, hrv)`: whether a present ACPI device
    /// has that hardware ID (and `_UID`, `_HRV` when given).
    fn acpi_dev_present(hid: u64, uid: u64, hrv: i64) -> bool {
        let Some(hid) = cstr(hid) else { return false };
        dev_present(&hid, cstr(uid).as_deref(), hrv)
    }
}

crate::kfn! {
    /// `acpi_quirk_skip_acpi_ac_and_battery()`: whether the ACPI AC and
    /// battery drivers should stay away: on DMI-quirked models (no DMI
    /// here) or when a native PMIC (`INT33F4` uid 1, `INT34D3` uid 1 hrv 3)
    /// exists (none here): false.
    fn acpi_quirk_skip_acpi_ac_and_battery() -> bool {
        dev_present("INT33F4", Some("1"), -1) || dev_present("INT34D3", Some("1"), 3)
    }
}

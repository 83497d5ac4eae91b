//! drivers/firmware: what the platform firmware tells the kernel.
//!
//! The host's machine boots from a legacy BIOS (not EFI) that provides no
//! SMBIOS table: `dmi` answers as Linux does without DMI (nothing matches,
//! no strings, no devices), `efi` holds the values of a non-EFI boot.

pub mod dmi;
pub mod efi;

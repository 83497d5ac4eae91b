//! drivers/firmware/efi/efi.c: `struct efi efi` on a machine that booted
//! from a legacy BIOS. `efi_init()` never ran, so the object holds its
//! static initial values — no runtime services (`runtime` NULL, version 0),
//! every configuration-table address EFI_INVALID_TABLE_ADDR (except
//! `coco_secret`, which has no initializer), no memory map, no `flags` bit
//! set (`efi_enabled(EFI_BOOT)`, `efi_enabled(EFI_RUNTIME_SERVICES)` and the
//! rest are false) — except `runtime_supported_mask`, EFI_RT_SUPPORTED_ALL
//! in the image, which `efisubsys_init` clears without runtime services.

use crate::drivers::base::wr64;
use crate::layout::efi;

const EFI_INVALID_TABLE_ADDR: u64 = !0;

crate::export_data!("efi", size efi::SIZE, align 64, init = init_efi);

fn init_efi(addr: u64, _b: &crate::vmlinux::Builder) {
    // runtime_supported_mask: 0 (efisubsys_init)
    for f in [
        efi::acpi,
        efi::acpi20,
        efi::smbios,
        efi::smbios3,
        efi::esrt,
        efi::tpm_log,
        efi::tpm_final_log,
        efi::mokvar_table,
    ] {
        wr64(addr + f, EFI_INVALID_TABLE_ADDR);
    }
}

// drivers/firmware/efi/vars.c: no EFI variable backend was registered
// (`__efivars` is NULL without runtime services).

crate::kfn! {
    /// `efivars_kobject()`: the efivars kobject; NULL, none registered.
    fn efivars_kobject() -> u64 {
        0
    }
}

crate::kfn! {
    /// `efivar_supports_writes()`: false, no variable backend.
    fn efivar_supports_writes() -> bool {
        false
    }
}

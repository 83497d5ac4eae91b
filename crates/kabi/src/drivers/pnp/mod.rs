//! drivers/pnp: the Plug and Play bus. Its devices come from PnPACPI (the
//! ACPI namespace's devices with PnP IDs) and PnPBIOS; the host's machine
//! has none, so `pnp_platform_devices` is 0 and a registered driver
//! appears in `/sys/bus/pnp/drivers/<name>` and binds nothing.

pub mod driver;

// `pnp_platform_devices` (drivers/pnp/core.c): set when PnPACPI or PnPBIOS
// found devices; none here.
crate::export_data!("pnp_platform_devices", size 4, align 4, init = init_pnp);

fn init_pnp(_addr: u64, _b: &crate::vmlinux::Builder) {
    // pnp_init (subsys_initcall): the bus exists from boot
    driver::boot();
}

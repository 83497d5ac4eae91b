//! drivers/edac: the EDAC core's data modules read before they register.

// `edac_op_state` (drivers/edac/edac_mc.c): EDAC_OPSTATE_INVAL (-1) until a
// driver chooses polling or interrupts; the drivers set it themselves.
crate::export_data!("edac_op_state", size 4, align 4, init = init_op_state);

fn init_op_state(addr: u64, _b: &crate::vmlinux::Builder) {
    crate::drivers::base::wr32(addr, -1i32 as u32);
}

crate::kfn! {
    /// `edac_get_owner()`: the module that owns the EDAC memory-controller
    /// core (`edac_mc_owner`, set when the first controller is added).
    /// No controller was added: NULL.
    fn edac_get_owner() -> u64 {
        0
    }
}

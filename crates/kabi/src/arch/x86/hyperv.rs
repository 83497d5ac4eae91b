//! arch/x86/hyperv/hv_init.c: whether Hyper-V enlightenments are set up.
//! They are only on a Hyper-V guest whose kernel ran hyperv_init(); the
//! host machine is not one unless cpuid names Microsoft's hypervisor, and
//! the host kernel sets up no hypercall page even then.

crate::kfn! {
    /// `hv_is_hyperv_initialized()`.
    fn hv_is_hyperv_initialized() -> bool {
        false
    }
}
crate::kfn! {
    /// `hv_is_isolation_supported()`: only for a Hyper-V isolated VM.
    fn hv_is_isolation_supported() -> bool {
        false
    }
}

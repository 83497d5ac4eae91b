//! crypto/fips.c: `fips_enabled` (0: Debian's kernel boots without
//! `fips=1`, and so does the host), the FIPS failure notifier chain, and
//! `/proc/sys/crypto/fips_enabled` and `fips_name`.

crate::export_data!("fips_enabled", size 4, align 8, init = init_fips);
crate::export_data!("fips_fail_notif_chain", size crate::layout::atomic_notifier_head::SIZE, align 8);

/// CONFIG_CRYPTO_FIPS_NAME of Debian's build.
const FIPS_NAME: &str = "Linux Kernel Cryptographic API";

fn init_fips(_addr: u64, _b: &crate::vmlinux::Builder) {
    crate::fs::kernfs::add_text("/proc/sys/crypto/fips_enabled", "0\n");
    crate::fs::kernfs::add_text("/proc/sys/crypto/fips_name", format!("{FIPS_NAME}\n"));
}

fn symbol(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

crate::kfn! {
    /// `fips_fail_notify()`: in FIPS mode, the failure chain; otherwise
    /// nothing.
    fn fips_fail_notify() {
        let enabled = symbol("fips_enabled");
        // SAFETY: the exported int in the vmlinux data area.
        if enabled != 0 && unsafe { (enabled as *const i32).read_volatile() } != 0 {
            let chain = symbol("fips_fail_notif_chain");
            crate::kernel::notifier::atomic_notifier_call_chain(chain, 0, 0);
        }
    }
}

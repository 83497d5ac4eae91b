//! drivers/gpu/drm/drm_nomodeset.c: `nomodeset` on the kernel command line
//! leaves only firmware-provided framebuffers to DRM. The host kernel
//! boots with an empty command line: native drivers may load.

crate::kfn! {
    /// `bool drm_firmware_drivers_only(void)`: false (no `nomodeset`).
    fn drm_firmware_drivers_only() -> bool {
        false
    }
}

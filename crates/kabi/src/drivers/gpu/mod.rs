//! drivers/gpu/drm/: what vmlinux carries of DRM.

mod drm_nomodeset;

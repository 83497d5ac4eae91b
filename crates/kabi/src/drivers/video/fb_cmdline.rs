//! drivers/video/fbdev/core/fb_cmdline.c: `video=` options for fbdev
//! drivers. The host kernel boots with an empty command line: no
//! `video=<driver>:<options>`, no global mode option, no `video=ofonly`.

crate::kfn! {
    /// `int fb_get_options(name, **option)`: the driver's options (none:
    /// *option = NULL) and 0 — 1 would mean "video=<name>:off".
    fn fb_get_options(_name: u64, option: *mut u64) -> i32 {
        if !option.is_null() {
            // SAFETY: the caller's char * out pointer.
            unsafe { option.write(0) };
        }
        0
    }
}

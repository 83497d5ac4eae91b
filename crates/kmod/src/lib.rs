//! `kmod` — the logic behind modhost's kmod-compatible tools (libkmod's role).
//!
//! The tools in `modhost-cli` are thin: they parse options and print. What a
//! module *is* to them — its name, where its file is, whether it is built in,
//! its information list — is decided here, with kmod 30's rules:
//!
//! - [`name`]: module-name and alias normalisation, module file extensions;
//! - [`Context`]: a module directory (`/lib/modules/<release>`) and its
//!   indexes, and the lookup chains that turn a name or alias into modules;
//! - [`builtin`]: `modules.builtin.modinfo`;
//! - [`info`]: a module's information list (`.modinfo` plus signature);
//! - [`module`]: one module in a running kernel (insert, remove, state).

pub mod builtin;
pub mod ctx;
pub mod depmod;
pub mod info;
pub mod log;
pub mod modprobe;
pub mod module;
pub mod name;

pub use ctx::{Context, IndexKind, ModuleRef};
pub use info::{module_info, with_file_infos, Info, InfoError};

/// errno values the tools print (x86_64 / generic Linux numbering).
pub mod errno {
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const ENOEXEC: i32 = 8;
    pub const EFAULT: i32 = 14;
    pub const EEXIST: i32 = 17;
    pub const EINVAL: i32 = 22;
    pub const ENOSYS: i32 = 38;

    /// glibc's `strerror` text for the errno values these tools can report.
    pub fn strerror(e: i32) -> String {
        // The C library has the authoritative table; std exposes it through
        // io::Error's Display, which appends " (os error N)".
        let s = std::io::Error::from_raw_os_error(e).to_string();
        match s.rfind(" (os error ") {
            Some(i) => s[..i].to_string(),
            None => s,
        }
    }
}

//! modprobe.d / depmod.d configuration and the kernel command line (kmod 30 rules).
//!
//! - [`lines`]: logical lines (`\`-newline joining) and `strtok` tokens, as
//!   libkmod reads configuration files, and C's `isspace` and `strtol`;
//! - [`modprobe`]: modprobe.d discovery and parsing ([`modprobe::Config`]);
//! - [`cmdline`]: `modprobe.blacklist=` and `mod.param=` on the kernel
//!   command line;
//! - [`diag`]: the messages, with libkmod's source locations.

pub mod cmdline;
pub mod depmod_d;
pub mod diag;
pub mod lines;
pub mod modprobe;

pub use diag::{Diag, Site};
pub use modprobe::Config;

/// glibc's `strerror` text of an I/O error (`%m`).
pub fn strerror(e: &std::io::Error) -> String {
    let s = match e.raw_os_error() {
        Some(n) => std::io::Error::from_raw_os_error(n).to_string(),
        None => e.to_string(),
    };
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

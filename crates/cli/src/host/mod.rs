//! The host kernel as a service: `modhost serve` runs it behind a Unix
//! socket; the tools talk to it (and start it when none runs).

pub mod client;
pub mod crypto;
pub mod kernel;
pub mod proto;
pub mod server;

use std::path::PathBuf;

/// Where the socket lives: `$MODHOST_RUNTIME_DIR`, else
/// `$XDG_RUNTIME_DIR/modhost`, else `/run/modhost` for root and
/// `/tmp/modhost-<uid>` for others.
pub fn runtime_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MODHOST_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("modhost");
    }
    let uid = rustix::process::geteuid().as_raw();
    if uid == 0 {
        PathBuf::from("/run/modhost")
    } else {
        PathBuf::from(format!("/tmp/modhost-{uid}"))
    }
}

pub fn socket_path() -> PathBuf {
    runtime_dir().join("host.sock")
}

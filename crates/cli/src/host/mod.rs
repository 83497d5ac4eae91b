//! The host kernel as a service: `modhost serve` runs it behind a Unix
//! socket; the tools talk to it (and start it when none runs).
//!
//! Who may use a host kernel: its owner (the uid the daemon runs as) and
//! root, nobody else. Three things enforce it: the runtime directory is
//! the owner's, mode 0700 ([`secure_runtime_dir`] refuses any other); the
//! socket is mode 0600; and the daemon checks every peer's uid with
//! SO_PEERCRED before it reads a byte from it.

pub mod client;
pub mod crypto;
pub mod kernel;
pub mod proto;
pub mod server;

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Where the socket lives: `$MODHOST_RUNTIME_DIR`, else
/// `$XDG_RUNTIME_DIR/modhost`, else `/run/modhost` for root and
/// `/tmp/modhost-<uid>` for others. Not checked: see [`secure_runtime_dir`].
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

/// The runtime directory, created if missing, and only if it is safe to
/// trust: see [`ensure_private_dir`]. The error says what is wrong.
pub fn secure_runtime_dir() -> io::Result<PathBuf> {
    let dir = runtime_dir();
    let uid = rustix::process::geteuid().as_raw();
    ensure_private_dir(&dir, uid)
        .map_err(|why| io::Error::new(io::ErrorKind::PermissionDenied, format!("runtime directory {}: {why}: refusing to use it", dir.display())))?;
    Ok(dir)
}

/// Makes sure `dir` is a private directory of `uid`, as ssh-agent and tmux
/// check theirs: created with mkdir mode 0700 if missing (missing parents
/// too, also 0700); then, with lstat, a directory and not a symbolic link,
/// owned by `uid`, writable by nobody else (no group/other write bit). A
/// directory of `uid` that others may only read or search is tightened to
/// 0700 (what an older modhost created). Every ancestor must be owned by
/// root or `uid` and not writable by others unless sticky (`/tmp`), or
/// whoever can write it could replace the directory. Returns why not.
pub fn ensure_private_dir(dir: &Path, uid: u32) -> Result<(), String> {
    if !dir.is_absolute() {
        return Err("not an absolute path".into());
    }
    let parent = dir.parent().ok_or("no parent directory")?;
    if std::fs::symlink_metadata(parent).is_err() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let parent = std::fs::canonicalize(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    for a in parent.ancestors() {
        let m = std::fs::metadata(a).map_err(|e| format!("{}: {e}", a.display()))?;
        if m.uid() != 0 && m.uid() != uid {
            return Err(format!("its parent {} is owned by uid {}", a.display(), m.uid()));
        }
        if m.mode() & 0o022 != 0 && m.mode() & 0o1000 == 0 {
            return Err(format!("its parent {} is writable by other users (mode {:04o})", a.display(), m.mode() & 0o7777));
        }
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create it: {e}")),
    }
    let m = std::fs::symlink_metadata(dir).map_err(|e| e.to_string())?;
    if m.file_type().is_symlink() {
        return Err("it is a symbolic link".into());
    }
    if !m.is_dir() {
        return Err("not a directory".into());
    }
    if m.uid() != uid {
        return Err(format!("owned by uid {}, not {uid}", m.uid()));
    }
    if m.mode() & 0o022 != 0 {
        return Err(format!("writable by other users (mode {:04o})", m.mode() & 0o7777));
    }
    if m.mode() & 0o077 != 0 {
        // ours, and nobody else could have put anything in it: tighten it
        // (through a descriptor that did not follow a link, still ours)
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| format!("cannot open it: {e}"))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| e.to_string())?;
        if st.st_uid != uid || st.st_ino != m.ino() || st.st_dev != m.dev() {
            return Err("it changed while being checked".into());
        }
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o700)).map_err(|e| format!("cannot make it private: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ensure_private_dir;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn tmp(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("modhost-rtdir-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_file(&d);
        d
    }

    #[test]
    fn private_dirs_only() {
        let uid = rustix::process::geteuid().as_raw();
        // created 0700
        let d = tmp("new");
        ensure_private_dir(&d.join("a/b"), uid).unwrap();
        assert_eq!(std::fs::metadata(d.join("a/b")).unwrap().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(d.join("a")).unwrap().mode() & 0o777, 0o700);
        // readable by others: tightened; writable by others: refused
        std::fs::set_permissions(d.join("a/b"), std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&d.join("a/b"), uid).unwrap();
        assert_eq!(std::fs::metadata(d.join("a/b")).unwrap().mode() & 0o777, 0o700);
        std::fs::set_permissions(d.join("a/b"), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(ensure_private_dir(&d.join("a/b"), uid).unwrap_err(), "writable by other users (mode 0777)");
        std::fs::set_permissions(d.join("a/b"), std::fs::Permissions::from_mode(0o770)).unwrap();
        assert_eq!(ensure_private_dir(&d.join("a/b"), uid).unwrap_err(), "writable by other users (mode 0770)");
        // someone else's
        assert_eq!(ensure_private_dir(&d.join("a"), uid + 1).unwrap_err(), format!("owned by uid {uid}, not {}", uid + 1));
        // a parent others can write
        std::fs::set_permissions(d.join("a"), std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::set_permissions(d.join("a/b"), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(ensure_private_dir(&d.join("a/b"), uid).unwrap_err().ends_with("is writable by other users (mode 0777)"));
        std::fs::set_permissions(d.join("a"), std::fs::Permissions::from_mode(0o1777)).unwrap();
        ensure_private_dir(&d.join("a/b"), uid).unwrap();
        // a link, a file, a relative path
        std::os::unix::fs::symlink(d.join("a/b"), d.join("link")).unwrap();
        assert_eq!(ensure_private_dir(&d.join("link"), uid).unwrap_err(), "it is a symbolic link");
        std::fs::write(d.join("file"), "").unwrap();
        assert_eq!(ensure_private_dir(&d.join("file"), uid).unwrap_err(), "not a directory");
        assert_eq!(ensure_private_dir("rel".as_ref(), uid).unwrap_err(), "not an absolute path");
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! `modhost serve`: the host kernel behind a Unix socket.
//!
//! One daemon per runtime directory (a lock file decides). Any peer that can
//! reach the socket may read the views and the log; loading, unloading and
//! writing parameters is reserved to the daemon's owner and root, checked
//! with SO_PEERCRED. A malformed request ends only that connection.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, OnceLock};

use kernel::{Config, Errno, Kernel};

use super::proto::{recv, send, LogRecord, Reply, Request};
use super::{runtime_dir, socket_path};

/// Runs the daemon until killed. Returns Ok(false) when another daemon
/// already serves this runtime directory.
pub fn serve(profile_path: Option<&str>, sig_enforce: bool, trace: bool) -> io::Result<bool> {
    let dir = runtime_dir();
    fs::create_dir_all(&dir)?;
    let lock = OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("serve.lock"))?;
    if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        return Ok(false);
    }
    let profile = match profile_path.map(str::to_string).or_else(|| std::env::var("MODHOST_PROFILE").ok()) {
        Some(p) => kabi::profile::Profile::load(p.as_ref()).map_err(|e| io::Error::other(e.to_string()))?,
        None => kernel::boot::default_profile().map_err(io::Error::other)?,
    };
    let release = profile.release.clone();
    let mut config = Config::from_profile(&profile);
    config.sig_enforce = sig_enforce || std::env::var("MODHOST_SIG_ENFORCE").as_deref() == Ok("1");
    let modules = module_root();
    let _ = HELPER.set(Helper {
        exe: std::env::current_exe()?,
        runtime: dir.clone(),
        root: modules.clone(),
        release: release.clone(),
    });
    kabi::set_request_module_handler(request_module);
    kabi::drivers::base::firmware_loader::set_search(modules.clone(), release.clone());
    let k = Arc::new(Kernel::new(config).map_err(|e| io::Error::other(e.to_string()))?);
    // The daemon's kernel lives as long as the process.
    let forever: &'static Kernel = Box::leak(Box::new(Arc::clone(&k)));
    forever.make_current();
    if trace || std::env::var("MODHOST_TRACE").as_deref() == Ok("1") {
        kabi::trace::enable(true);
    }
    let sock = socket_path();
    let _ = fs::remove_file(&sock);
    let listener = UnixListener::bind(&sock)?;
    // Everyone may connect (reads); SO_PEERCRED guards the rest.
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o666))?;
    fs::write(dir.join("serve.pid"), format!("{}\n", std::process::id()))?;
    kabi::log::kernel_msg(6, &format!("modhost: host kernel {release} serving on {}", sock.display()));
    kabi::log::kernel_msg(6, &format!("modhost: module directory {}/lib/modules/{release}", modules.display()));
    let owner = rustix::process::geteuid().as_raw();
    let _keep_lock: File = lock;
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let k = Arc::clone(&k);
        let release = release.clone();
        std::thread::Builder::new().name("modhost-conn".into()).spawn(move || {
            let _ = handle(&k, conn, owner, &release);
        })?;
    }
    Ok(true)
}

fn handle(k: &Kernel, mut conn: UnixStream, owner: u32, release: &str) -> io::Result<()> {
    let peer = rustix::net::sockopt::socket_peercred(&conn).map(|c| c.uid.as_raw()).unwrap_or(u32::MAX);
    let privileged = peer == 0 || peer == owner;
    loop {
        let (req, payload): (Request, Vec<u8>) = match recv(&mut conn) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        let mutating = matches!(req, Request::Insmod { .. } | Request::Rmmod { .. } | Request::Write { .. });
        let (reply, data) = if mutating && !privileged {
            (Reply::Err { errno: Errno::EPERM.0 }, Vec::new())
        } else {
            dispatch(k, req, &payload, release)
        };
        send(&mut conn, &reply, &data)?;
    }
}

fn result(r: Result<(), Errno>) -> (Reply, Vec<u8>) {
    match r {
        Ok(()) => (Reply::Ok, Vec::new()),
        Err(e) => (Reply::Err { errno: e.0 }, Vec::new()),
    }
}

fn dispatch(k: &Kernel, req: Request, payload: &[u8], release: &str) -> (Reply, Vec<u8>) {
    match req {
        Request::Ping => (Reply::Pong { pid: std::process::id(), release: release.to_string() }, Vec::new()),
        Request::Insmod { args, flags } => result(k.finit_module(payload, &args, flags)),
        Request::Rmmod { name, flags } => result(k.delete_module(&name, flags)),
        Request::Read { path } => match k.read_view(&path) {
            Ok(b) => (Reply::Ok, b),
            Err(e) => (Reply::Err { errno: e.0 }, Vec::new()),
        },
        Request::List { path } => match k.list_view(&path) {
            Ok(names) => (Reply::Names { names }, Vec::new()),
            Err(e) => (Reply::Err { errno: e.0 }, Vec::new()),
        },
        Request::Write { path, value } => result(k.write_view(&path, &value)),
        Request::Crypto(c) => match super::crypto::run(&c, payload) {
            Ok(out) => (Reply::Ok, out),
            Err((errno, message)) => (Reply::CryptoErr { errno, message }, Vec::new()),
        },
        Request::Log { since } => (
            Reply::Log {
                records: kabi::log::records_since(since)
                    .into_iter()
                    .map(|r| LogRecord { seq: r.seq, ts_nsec: r.ts_nsec, level: r.level, text: r.text })
                    .collect(),
            },
            Vec::new(),
        ),
    }
}

/// The root whose `lib/modules/<release>` the host's modprobe uses:
/// `$MODHOST_MODULES`, else `${MODHOST_DATA:-/var/lib/modhost}`.
pub fn module_root() -> std::path::PathBuf {
    if let Some(d) = std::env::var_os("MODHOST_MODULES").filter(|d| !d.is_empty()) {
        return d.into();
    }
    std::env::var_os("MODHOST_DATA").filter(|d| !d.is_empty()).map_or_else(|| "/var/lib/modhost".into(), Into::into)
}

/// What `request_module` needs to run the host's modprobe.
struct Helper {
    exe: std::path::PathBuf,
    runtime: std::path::PathBuf,
    root: std::path::PathBuf,
    release: String,
}

static HELPER: OnceLock<Helper> = OnceLock::new();

/// `request_module` from module code: like Linux's usermode helper
/// (`modprobe -q -- <name>` with a minimal environment), run the host's own
/// modprobe on the host's module directory. It loads through this daemon.
/// Returns the wait status (exit code << 8), or -ENOENT without modprobe.
fn request_module(name: &str, wait: bool) -> i32 {
    let Some(h) = HELPER.get() else { return -2 };
    let mut cmd = std::process::Command::new(&h.exe);
    cmd.args(["modprobe", "-q", "-d"])
        .arg(&h.root)
        .args(["-S", &h.release, "--", name])
        .env_clear()
        .env("HOME", "/")
        .env("TERM", "linux")
        .env("PATH", "/sbin:/usr/sbin:/bin:/usr/bin")
        .env("MODHOST_RUNTIME_DIR", &h.runtime)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if !wait {
        return match cmd.spawn() {
            Ok(_) => 0,
            Err(_) => -2,
        };
    }
    match cmd.status() {
        Ok(st) => {
            use std::os::unix::process::ExitStatusExt;
            st.into_raw()
        }
        Err(_) => -2,
    }
}

//! `modhost serve`: the host kernel behind a Unix socket.
//!
//! One daemon per runtime directory (a lock file decides). Only the
//! daemon's owner (its uid) and root may use it: the runtime directory is
//! private (mode 0700, checked by `secure_runtime_dir`), the socket is mode
//! 0600, and every peer's uid is checked with SO_PEERCRED as the connection
//! is accepted, before a byte is read from it: any other uid gets a
//! `Refused` reply (EACCES) and the connection is closed, so it can make
//! the daemon hold nothing. At most [`MAX_CONNECTIONS`] connections are
//! served at once, each by its own thread; one more is answered `Refused`
//! (EAGAIN) and closed. A peer that does not send a complete request within
//! the idle timeout (`MODHOST_IDLE_TIMEOUT` seconds, default
//! [`IDLE_TIMEOUT`]) after connecting or after its last reply, or does not
//! read a reply within it, is dropped. A malformed or oversized request
//! (see `proto`) is answered `Refused` and ends only that connection.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use kernel::{Config, Errno, Kernel};

use super::proto::{recv_request, send, LogRecord, RecvError, Reply, Request, EFBIG, MAX_REPLY};
use super::secure_runtime_dir;

/// The most connections served at once (each has a thread).
pub const MAX_CONNECTIONS: usize = 64;
/// How long a connection may take to send a complete request (after it
/// opened or after the previous reply), or to read a reply.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

const EACCES: i32 = 13;
const EAGAIN: i32 = 11;
const ETIMEDOUT: i32 = 110;
const EPROTO: i32 = 71;

fn idle_timeout() -> io::Result<Duration> {
    match std::env::var("MODHOST_IDLE_TIMEOUT") {
        Err(_) => Ok(IDLE_TIMEOUT),
        Ok(v) => match v.parse::<u64>() {
            Ok(s) if s > 0 => Ok(Duration::from_secs(s)),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, format!("MODHOST_IDLE_TIMEOUT={v}: not a number of seconds above 0"))),
        },
    }
}

/// Runs the daemon until killed. Returns Ok(false) when another daemon
/// already serves this runtime directory.
pub fn serve(profile_path: Option<&str>, sig_enforce: bool, trace: bool) -> io::Result<bool> {
    let idle = idle_timeout()?;
    let dir = secure_runtime_dir()?;
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
    let sock = dir.join("host.sock");
    let _ = fs::remove_file(&sock);
    let listener = UnixListener::bind(&sock)?;
    // The owner only (root passes anyway); SO_PEERCRED checks again.
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o600))?;
    fs::write(dir.join("serve.pid"), format!("{}\n", std::process::id()))?;
    let owner = rustix::process::geteuid().as_raw();
    kabi::log::kernel_msg(6, &format!("modhost: host kernel {release} serving on {}", sock.display()));
    kabi::log::kernel_msg(6, &format!("modhost: module directory {}/lib/modules/{release}", modules.display()));
    kabi::log::kernel_msg(
        6,
        &format!("modhost: serving uid {owner} and root, at most {MAX_CONNECTIONS} connections, idle timeout {} s", idle.as_secs()),
    );
    let _keep_lock: File = lock;
    let active = Arc::new(AtomicUsize::new(0));
    loop {
        let conn = match listener.accept() {
            Ok((c, _)) => c,
            // out of descriptors or memory: wait rather than spin
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        match rustix::net::sockopt::socket_peercred(&conn) {
            Ok(c) if c.uid.as_raw() == owner || c.uid.is_root() => {}
            Ok(c) => {
                let uid = c.uid.as_raw();
                refuse(conn, EACCES, &format!("uid {uid} may not use this host kernel (only its owner, uid {owner}, and root may)"));
                continue;
            }
            Err(e) => {
                refuse(conn, EACCES, &format!("cannot tell who is connecting: {e}"));
                continue;
            }
        }
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            refuse(conn, EAGAIN, &format!("too many connections (at most {MAX_CONNECTIONS}), try again"));
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let k = Arc::clone(&k);
        let release = release.clone();
        // Spawning may fail (no memory, a thread limit): the closure, the
        // connection and the slot are then dropped, and the loop goes on.
        let _ = std::thread::Builder::new().name("modhost-conn".into()).spawn(move || {
            let _slot = slot;
            handle(&k, conn, &release, idle);
        });
    }
}

/// A connection's place among the [`MAX_CONNECTIONS`]; given back on drop.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers `Refused` without waiting for the peer, and closes.
fn refuse(mut conn: UnixStream, errno: i32, message: &str) {
    let _ = conn.set_nonblocking(true);
    let _ = send(&mut conn, &Reply::Refused { errno, message: message.to_string() }, &[]);
    let _ = conn.shutdown(std::net::Shutdown::Both);
}

/// Reads from (or writes to) a connection until a deadline: each call
/// waits at most the time left.
struct Deadline<'a> {
    conn: &'a UnixStream,
    until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.conn.set_read_timeout(Some(left))?;
        match (&mut &*self.conn).read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(io::ErrorKind::TimedOut.into()),
            r => r,
        }
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.conn.set_write_timeout(Some(left))?;
        (&mut &*self.conn).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn handle(k: &Kernel, conn: UnixStream, release: &str, idle: Duration) {
    loop {
        let mut r = Deadline { conn: &conn, until: Instant::now() + idle };
        let (reply, data) = match recv_request(&mut r) {
            Ok((req, payload)) => match dispatch(k, req, &payload, release) {
                (_, data) if data.len() > MAX_REPLY as usize => (Reply::Err { errno: EFBIG }, Vec::new()),
                r => r,
            },
            Err(RecvError::Closed) => return,
            Err(RecvError::Io(e)) => {
                match e.kind() {
                    io::ErrorKind::TimedOut => {
                        let msg = format!("no complete request within {} s", idle.as_secs());
                        refuse(conn, ETIMEDOUT, &msg)
                    }
                    io::ErrorKind::UnexpectedEof => refuse(conn, EPROTO, "truncated request"),
                    _ => {}
                }
                return;
            }
            Err(RecvError::Bad { errno, message }) => return refuse(conn, errno, &message),
            Err(RecvError::TooLarge) => {
                // the image was not read: answer, then end the connection
                let _ = conn.set_nonblocking(true);
                let _ = send(&mut &conn, &Reply::Err { errno: EFBIG }, &[]);
                let _ = conn.shutdown(std::net::Shutdown::Both);
                return;
            }
        };
        // the whole reply read within the idle timeout, or the peer is dropped
        if send(&mut Deadline { conn: &conn, until: Instant::now() + idle }, &reply, &data).is_err() {
            return;
        }
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
        Request::Crypto(c) if c.len.is_some_and(|l| l > u64::from(MAX_REPLY)) => {
            (Reply::CryptoErr { errno: 22, message: format!("{}: a length over the limit of {MAX_REPLY} bytes", c.alg) }, Vec::new())
        }
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

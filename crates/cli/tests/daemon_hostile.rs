//! The daemon against hostile peers, each a different uid from the
//! daemon's: the daemon runs as a throwaway uid (OWNER); an unauthorized
//! peer is uid 65534 (a separate process, this test binary re-run through
//! `setpriv`, see `hostile_peer_process`); an authorized but hostile peer is
//! root (this process). Each test checks that the daemon refuses with a
//! clear error, keeps serving a legitimate client (the owner's `modhost
//! lsmod`, root's ping), and that its memory (VmRSS) and threads
//! (/proc/<pid>/task) stay bounded. And the runtime directory: one made by
//! another uid, one others can write, a symbolic link, a parent others can
//! write — each refused by the tools and by `modhost serve`.
//!
//! Needs root and setpriv (skipped with a note otherwise, like host_cli's
//! uid checks).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

use testkit::text;

const BIN: &str = env!("CARGO_BIN_EXE_modhost");
/// The daemon's owner: a uid nobody uses.
const OWNER: u32 = 4242;
const NOBODY: u32 = 65534;
/// The daemon's limits (crates/cli/src/host/{server,proto}.rs).
const MAX_CONNECTIONS: usize = 64;
const MAX_HEADER: u32 = 1 << 20;
const MAX_IMAGE: u32 = 256 << 20;

/// Other uids need root and setpriv; without them these tests say so and
/// pass, as host_cli's uid checks do (not a missing fixture: never fatal).
fn can_switch_uid() -> bool {
    let can = rustix::process::geteuid().is_root() && Path::new("/usr/bin/setpriv").exists();
    if !can {
        eprintln!("note: skipping: not root, or no setpriv: the peers must be other uids");
    }
    can
}

fn as_uid(uid: u32) -> Command {
    let mut c = Command::new("setpriv");
    c.args([format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()]);
    c
}

/// A daemon run by OWNER in a fresh runtime directory.
struct Daemon {
    child: Child,
    dir: PathBuf,
    idle: u64,
}

impl Daemon {
    fn start(tag: &str, idle: u64) -> Option<Daemon> {
        if !can_switch_uid() {
            return None;
        }
        testkit::require(testkit::fixtures(), "fixtures")?;
        let dir = std::env::temp_dir().join(format!("modhost-hostile-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let child = as_uid(OWNER)
            .args([BIN, "serve"])
            .env("MODHOST_RUNTIME_DIR", &dir)
            .env("MODHOST_IDLE_TIMEOUT", idle.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start modhost serve");
        let d = Daemon { child, dir, idle };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut s) = UnixStream::connect(d.sock()) {
                if let Ok((r, _)) = call(&mut s, r#"{"op":"ping"}"#, b"") {
                    assert_eq!(r["status"], "pong");
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the daemon did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        // its directory and socket: the owner's only
        let meta = |p: &Path| std::fs::symlink_metadata(p).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!((meta(&d.dir).uid(), meta(&d.dir).mode() & 0o7777), (OWNER, 0o700));
        assert_eq!((meta(&d.sock()).uid(), meta(&d.sock()).mode() & 0o7777), (OWNER, 0o600));
        Some(d)
    }

    fn sock(&self) -> PathBuf {
        self.dir.join("host.sock")
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (VmRSS in KiB, threads, of which connection threads)
    fn usage(&self) -> (u64, usize, usize) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("the daemon is alive");
        let rss = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches(" kB").parse().ok()).unwrap();
        let (mut tasks, mut conns) = (0, 0);
        for t in std::fs::read_dir(format!("/proc/{}/task", self.pid())).unwrap() {
            tasks += 1;
            let comm = std::fs::read_to_string(t.unwrap().path().join("comm")).unwrap_or_default();
            conns += usize::from(comm.trim_end() == "modhost-conn");
        }
        (rss, tasks, conns)
    }

    /// (VmRSS, threads) once no connection is served (the thread of the
    /// last one may still be ending).
    fn quiet(&self) -> (u64, usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (rss, tasks, conns) = self.usage();
            if conns == 0 {
                return (rss, tasks);
            }
            assert!(Instant::now() < deadline, "{conns} connection threads left");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn assert_alive(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "the daemon died");
    }

    /// Root pings on a new connection (root may use any host kernel).
    fn ping(&self) {
        let mut s = UnixStream::connect(self.sock()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let (r, _) = call(&mut s, r#"{"op":"ping"}"#, b"").unwrap();
        assert_eq!(r["status"], "pong", "{r}");
        assert_eq!(r["pid"], self.pid());
    }

    /// The owner's `modhost lsmod`, through the CLI.
    fn owner_lsmod(&self) {
        let o = as_uid(OWNER).args([BIN, "lsmod"]).env("MODHOST_RUNTIME_DIR", &self.dir).output().unwrap();
        assert_eq!((o.status.code(), text(&o.stdout).lines().next()), (Some(0), Some("Module                  Size  Used by")), "{}", text(&o.stderr));
    }

}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if !std::thread::panicking() {
            assert!(!err.contains("panicked"), "the daemon panicked: {err}");
        }
    }
}

fn frame(json: &[u8], plen: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = (json.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(json);
    v.extend_from_slice(&plen.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn read_reply(s: &mut impl Read) -> io::Result<(serde_json::Value, Vec<u8>)> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let mut json = vec![0; u32::from_be_bytes(len).min(1 << 20) as usize];
    s.read_exact(&mut json)?;
    s.read_exact(&mut len)?;
    let mut payload = vec![0; u32::from_be_bytes(len).min(1 << 20) as usize];
    s.read_exact(&mut payload)?;
    Ok((serde_json::from_slice(&json).map_err(io::Error::other)?, payload))
}

fn call(s: &mut UnixStream, json: &str, payload: &[u8]) -> io::Result<(serde_json::Value, Vec<u8>)> {
    s.write_all(&frame(json.as_bytes(), payload.len() as u32, payload))?;
    read_reply(s)
}

/// A `Refused` reply's (errno, message); panics on any other reply.
fn refused(r: &serde_json::Value) -> (i64, String) {
    assert_eq!(r["status"], "refused", "{r}");
    (r["errno"].as_i64().unwrap(), r["message"].as_str().unwrap().to_string())
}

/// After a refusal the daemon has closed the connection.
fn assert_closed(s: &mut UnixStream) {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Ok(0) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        other => panic!("the connection is still open: {other:?}"),
    }
}

// ---- the unauthorized peer, another process as uid 65534 ---------------------------------

/// The hostile peer's own process, run by the tests below through
/// `setpriv --reuid=65534` (`MODHOST_HOSTILE_PEER` says what to do), never
/// on its own: it reports on stdout (`PEER ...` lines), then holds its
/// connections until its stdin closes.
#[test]
#[ignore = "the hostile peer's process, started by the other tests as uid 65534"]
fn hostile_peer_process() {
    let mode = std::env::var("MODHOST_HOSTILE_PEER").expect("started by a test");
    let sock = PathBuf::from(std::env::var("MODHOST_HOSTILE_SOCK").unwrap());
    let n: usize = std::env::var("MODHOST_HOSTILE_N").map_or(1, |v| v.parse().unwrap());
    let mut held = Vec::new();
    let mut listener = None;
    match mode.as_str() {
        "connect" => match UnixStream::connect(&sock) {
            Ok(_) => println!("PEER connect ok"),
            Err(e) => println!("PEER connect errno {}", e.raw_os_error().unwrap_or(0)),
        },
        "flood" => {
            let start = Instant::now();
            let mut tally = std::collections::BTreeMap::<String, usize>::new();
            for i in 0..n {
                let Ok(mut s) = UnixStream::connect(&sock) else {
                    *tally.entry("connect failed".into()).or_default() += 1;
                    continue;
                };
                // whatever it sends is never read: write errors are expected
                let _ = match i % 4 {
                    0 => s.write_all(&[0xff; 4]).and_then(|_| s.write_all(&vec![0x41; 1 << 20])),
                    1 => s.write_all(b"GET / HTTP/1.0\r\n\r\n"),
                    2 => s.write_all(&frame(br#"{"op":"insmod","args":"","flags":0}"#, 65536, &[0x7f; 65536])),
                    _ => Ok(()),
                };
                held.push(s);
            }
            for s in &mut held {
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let key = match read_reply(s) {
                    Ok((r, _)) => format!("{} {} {}", r["status"], r["errno"], r["message"]),
                    Err(e) => format!("no reply: {e}"),
                };
                *tally.entry(key).or_default() += 1;
            }
            for (k, v) in tally {
                println!("PEER {v} x {k}");
            }
            println!("PEER seconds {}", start.elapsed().as_secs());
        }
        // a socket of its own, for a victim to find in its runtime directory
        "listen" => {
            listener = Some(std::os::unix::net::UnixListener::bind(&sock).unwrap());
            std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
            println!("PEER listening");
        }
        other => panic!("unknown mode {other}"),
    }
    println!("PEER READY");
    io::stdout().flush().unwrap();
    let mut rest = String::new();
    let _ = io::stdin().read_to_string(&mut rest);
    drop((held, listener));
}

/// The peer process as uid 65534, stopped after its report: returns its
/// `PEER` lines and its stdin (closing it ends the process).
fn hostile_peer(mode: &str, sock: &Path, n: usize) -> (Vec<String>, ChildStdin, Child) {
    let mut child = as_uid(NOBODY)
        .arg(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "hostile_peer_process", "--nocapture", "--test-threads=1"])
        .env("MODHOST_HOSTILE_PEER", mode)
        .env("MODHOST_HOSTILE_SOCK", sock)
        .env("MODHOST_HOSTILE_N", n.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut lines = Vec::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut l = String::new();
    while out.read_line(&mut l).unwrap() > 0 {
        // (the harness's "test hostile_peer_process ... " may precede one)
        if let Some(i) = l.find("PEER ") {
            let p = l[i + 5..].trim_end();
            if p == "READY" {
                // the harness's last words, unread, would break its pipe
                std::thread::spawn(move || io::copy(&mut out, &mut io::sink()));
                return (lines, stdin, child);
            }
            lines.push(p.to_string());
        }
        l.clear();
    }
    panic!("the peer process ended without a report: {lines:?}");
}

#[test]
fn another_uid_is_refused_before_anything_is_read() {
    let Some(mut d) = Daemon::start("unauth", 30) else { return };
    // the permissions stop it first: the directory is the owner's, 0700
    let (r, stdin, mut p) = hostile_peer("connect", &d.sock(), 1);
    drop(stdin);
    p.wait().unwrap();
    assert_eq!(r, ["connect errno 13"]);

    // with the permissions opened up (as a careless owner might), the daemon's
    // own SO_PEERCRED check refuses every connection at once, unread: a huge
    // length header and 1 MiB, HTTP, an insmod with its image, nothing at all
    std::fs::set_permissions(&d.dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(d.sock(), std::fs::Permissions::from_mode(0o666)).unwrap();
    d.ping();
    let (rss0, tasks0) = d.quiet();
    let n = 400;
    let (report, stdin, mut p) = hostile_peer("flood", &d.sock(), n);
    let (rss1, tasks1, conns) = d.usage();
    eprintln!("unauthorized flood of {n} connections: RSS {rss0} -> {rss1} KiB, threads {tasks0} -> {tasks1} ({conns} serving); {report:?}");
    let want = format!("{n} x \"refused\" 13 \"uid {NOBODY} may not use this host kernel (only its owner, uid {OWNER}, and root may)\"");
    assert_eq!(report[0], want, "{report:?}");
    // answered at once (not by the 30 s idle timeout)
    let secs: u64 = report[1].strip_prefix("seconds ").unwrap().parse().unwrap();
    assert!(secs < 15, "{secs} s");
    // nothing held for them: no thread, and no more memory than noise
    assert!(tasks1 <= tasks0 && conns == 0, "threads {tasks0} -> {tasks1} ({conns} serving)");
    assert!(rss1 < rss0 + 4096, "RSS {rss0} -> {rss1} KiB");
    // a legitimate client meanwhile
    d.ping();
    drop(stdin);
    p.wait().unwrap();
    std::fs::set_permissions(&d.dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    d.owner_lsmod();
    d.assert_alive();
}

// ---- an authorized but hostile peer: root -------------------------------------------------

/// Sends `bytes` (then half-closes if `eof`), and returns the reply and
/// how long it took.
fn hostile(d: &Daemon, bytes: &[u8], eof: bool) -> (serde_json::Value, Duration) {
    let mut s = UnixStream::connect(d.sock()).unwrap();
    let t = Instant::now();
    // the daemon may refuse before reading all of it
    let _ = s.write_all(bytes);
    if eof {
        let _ = s.shutdown(std::net::Shutdown::Write);
    }
    s.set_read_timeout(Some(Duration::from_secs(d.idle + 20))).unwrap();
    let (r, _) = read_reply(&mut s).unwrap();
    let took = t.elapsed();
    assert_closed(&mut s);
    (r, took)
}

#[test]
fn malformed_oversized_and_slow_requests_are_answered() {
    let idle = 3;
    let Some(mut d) = Daemon::start("frames", idle) else { return };
    let (rss0, tasks0) = d.quiet();
    let quick = |bytes: &[u8], eof: bool| {
        let (r, took) = hostile(&d, bytes, eof);
        assert!(took < Duration::from_secs(idle), "{took:?} for {r}");
        r
    };
    // a huge length header: refused before a byte of it is read
    assert_eq!(refused(&quick(&[0xff; 4], false)), (90, format!("request header of 4294967295 bytes is over the limit of {MAX_HEADER}")));
    assert_eq!(refused(&quick(&(MAX_HEADER + 1).to_be_bytes(), false)).0, 90);
    // garbage
    assert_eq!(refused(&quick(b"GET / HTTP/1.0\r\n\r\n", false)), (90, format!("request header of 1195725856 bytes is over the limit of {MAX_HEADER}")));
    let r = refused(&quick(&frame(b"{not json", 0, b""), false));
    assert_eq!(r.0, 71);
    assert!(r.1.starts_with("malformed request: "), "{}", r.1);
    let r = refused(&quick(&frame(br#"{"op":"reboot"}"#, 0, b""), false));
    assert!(r.0 == 71 && r.1.contains("unknown variant `reboot`"), "{r:?}");
    let mut junk = vec![0u8; 4096];
    let mut x = 0x2545f491u32;
    for b in &mut junk[4..] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    junk[..4].copy_from_slice(&4092u32.to_be_bytes());
    assert_eq!(refused(&quick(&junk, false)).0, 71);
    // payloads over their request's limit
    assert_eq!(refused(&quick(&frame(br#"{"op":"ping"}"#, 1, b"x"), false)), (90, "a ping request carries no payload (1 bytes sent)".into()));
    assert_eq!(refused(&quick(&frame(br#"{"op":"read","path":"/proc/modules"}"#, u32::MAX, b""), false)).0, 90);
    // an image over the limit: EFBIG, as finit_module answers a file too large
    let r = quick(&frame(br#"{"op":"insmod","args":"","flags":0}"#, MAX_IMAGE + 1, b""), false);
    assert_eq!((r["status"].as_str(), r["errno"].as_i64()), (Some("err"), Some(27)), "{r}");
    // truncated: the peer stops sending mid-frame (and says so)
    let mut cut = frame(br#"{"op":"read","path":"/proc/modules"}"#, 0, b"");
    cut.truncate(12);
    assert_eq!(refused(&quick(&cut, true)), (71, "truncated request".into()));

    // idle, stalled mid-frame, and dripping a byte every 0.5 s: each
    // dropped when the request is not complete after the idle timeout
    let timed = |name: &'static str| {
        let d = &d;
        move || {
            let mut s = UnixStream::connect(d.sock()).unwrap();
            let t = Instant::now();
            let req = frame(br#"{"op":"read","path":"/proc/modules"}"#, 0, b"");
            match name {
                "idle" => {}
                "stalled" => s.write_all(&req[..10]).unwrap(),
                _ => {
                    for b in &req[..req.len() - 1] {
                        if s.write_all(&[*b]).is_err() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(500));
                        if t.elapsed() > Duration::from_secs(idle + 1) {
                            break;
                        }
                    }
                }
            }
            s.set_read_timeout(Some(Duration::from_secs(idle + 20))).unwrap();
            let (r, _) = read_reply(&mut s).unwrap();
            let took = t.elapsed();
            assert_eq!(refused(&r), (110, format!("no complete request within {idle} s")), "{name}");
            assert!(took >= Duration::from_millis(idle * 1000 - 100) && took < Duration::from_secs(idle + 3), "{name}: {took:?}");
            assert_closed(&mut s);
        }
    };
    std::thread::scope(|sc| {
        for name in ["idle", "stalled", "drip"] {
            sc.spawn(timed(name));
        }
    });

    // an image announced at the limit, 16 MiB of it sent, then nothing:
    // the daemon holds what arrived, not what was announced, and lets go
    let mut s = UnixStream::connect(d.sock()).unwrap();
    let t = Instant::now();
    s.write_all(&frame(br#"{"op":"insmod","args":"","flags":0}"#, MAX_IMAGE, &vec![0x7f; 16 << 20])).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (rss1, tasks1, conns) = d.usage();
    s.set_read_timeout(Some(Duration::from_secs(idle + 20))).unwrap();
    let (r, _) = read_reply(&mut s).unwrap();
    assert_eq!(refused(&r).0, 110);
    assert!(t.elapsed() < Duration::from_secs(idle + 3));
    eprintln!("256 MiB announced, 16 MiB sent: RSS {rss0} -> {rss1} KiB, threads {tasks0} -> {tasks1}");
    assert!(rss1 < rss0 + 48 * 1024, "RSS {rss0} -> {rss1} KiB");
    assert!(tasks1 <= tasks0 + 1 && conns == 1, "threads {tasks0} -> {tasks1} ({conns} serving)");

    // a peer that has 8 MiB encrypted (cbc(aes), the host's own) and never
    // reads the reply: dropped once the reply is not taken within the idle
    // timeout
    let mut s = UnixStream::connect(d.sock()).unwrap();
    let k16 = "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]";
    let enc = format!(r#"{{"op":"crypto","operation":"encrypt","alg":"cbc(aes)","key":{k16},"iv":{k16},"aad":null,"taglen":null}}"#);
    s.write_all(&frame(enc.as_bytes(), 2 << 20, &vec![0x5a; 2 << 20])).unwrap();
    let t = Instant::now();
    while d.usage().2 == 0 {
        assert!(t.elapsed() < Duration::from_secs(5), "the connection is not served");
        std::thread::sleep(Duration::from_millis(5));
    }
    while d.usage().2 > 0 {
        assert!(t.elapsed() < Duration::from_secs(idle + 10), "a peer that does not read is kept");
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("a reply not read: dropped after {:?}", t.elapsed());
    assert!(t.elapsed() >= Duration::from_millis(idle * 1000 - 100));
    // (it was the reply that stalled: 2 MiB, far more than a socket buffer
    // holds)
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut json = vec![0; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut json).unwrap();
    s.read_exact(&mut len).unwrap();
    assert_eq!((String::from_utf8_lossy(&json).as_ref(), u32::from_be_bytes(len)), (r#"{"status":"ok"}"#, 2 << 20));
    drop(s);

    // still serving, every connection's thread gone
    d.ping();
    d.owner_lsmod();
    assert!(d.quiet().1 <= tasks0);
    d.assert_alive();
}

#[test]
fn connections_are_bounded_and_idle_ones_dropped() {
    let idle = 5;
    let Some(mut d) = Daemon::start("bound", idle) else { return };
    let (rss0, tasks0) = d.quiet();
    let t = Instant::now();
    let n = MAX_CONNECTIONS + 36;
    let mut open: Vec<UnixStream> = (0..n).map(|_| UnixStream::connect(d.sock()).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let (rss1, tasks1, conns) = d.usage();
    // the connections over the bound are answered at once, and closed
    let mut held = Vec::new();
    let mut busy = 0;
    for mut s in open.drain(..) {
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        match read_reply(&mut s) {
            Ok((r, _)) => {
                assert_eq!(refused(&r), (11, format!("too many connections (at most {MAX_CONNECTIONS}), try again")));
                busy += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => held.push(s),
            Err(e) => panic!("{e}"),
        }
    }
    eprintln!("{n} idle connections: {} served, {busy} refused; RSS {rss0} -> {rss1} KiB, threads {tasks0} -> {tasks1} ({conns} serving)", held.len());
    assert_eq!((held.len(), busy), (MAX_CONNECTIONS, n - MAX_CONNECTIONS));
    assert_eq!(conns, MAX_CONNECTIONS);
    assert!(tasks1 <= tasks0 + MAX_CONNECTIONS, "threads {tasks0} -> {tasks1}");
    assert!(rss1 < rss0 + 32 * 1024, "RSS {rss0} -> {rss1} KiB");
    // a client now waits for a free place: it is told so
    let mut s = UnixStream::connect(d.sock()).unwrap();
    let _ = s.write_all(&frame(br#"{"op":"ping"}"#, 0, b""));
    assert_eq!(refused(&read_reply(&mut s).unwrap().0).0, 11);
    assert!(t.elapsed() < Duration::from_secs(idle), "too slow to check the bound: {:?}", t.elapsed());
    // the idle ones are dropped after the timeout, with a reply
    for s in &mut held {
        s.set_read_timeout(Some(Duration::from_secs(idle + 20))).unwrap();
        let (r, _) = read_reply(s).unwrap();
        assert_eq!(refused(&r), (110, format!("no complete request within {idle} s")));
    }
    let took = t.elapsed();
    assert!(took >= Duration::from_secs(idle) && took < Duration::from_secs(idle + 5), "{took:?}");
    let tasks2 = d.quiet().1;
    eprintln!("after the idle timeout ({took:?}): threads {tasks2}");
    assert!(tasks2 <= tasks0);
    d.ping();
    d.owner_lsmod();
    d.assert_alive();
}

// ---- the runtime directory ----------------------------------------------------------------

/// `modhost <args>` as `uid` with the default runtime directory
/// (/tmp/modhost-<uid>) or `dir`.
fn run_as(uid: u32, dir: Option<&Path>, args: &[&str]) -> Output {
    let mut c = as_uid(uid);
    c.arg(BIN).args(args).env_remove("MODHOST_RUNTIME_DIR").env_remove("XDG_RUNTIME_DIR");
    if let Some(d) = dir {
        c.env("MODHOST_RUNTIME_DIR", d);
    }
    c.output().unwrap()
}

fn assert_refused(o: &Output, tool: &str, dir: &Path, why: &str) {
    let err = text(&o.stderr);
    // (the kmod tools say whose error it is; modhost's own commands need not)
    let whose = if ["lsmod", "rmmod", "insmod", "modprobe"].contains(&tool) { "host kernel: " } else { "" };
    let want = format!("{tool}: ERROR: {whose}runtime directory {}: {why}: refusing to use it\n", dir.display());
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with(&want), "want {want:?}, got {err:?}");
    assert_eq!(text(&o.stdout), "");
}

fn assert_serve_refuses(uid: u32, dir: Option<&Path>, shown: &Path, why: &str) {
    let o = run_as(uid, dir, &["serve"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr), format!("serve: ERROR: runtime directory {}: {why}: refusing to use it\n", shown.display()));
}

#[test]
fn unsafe_runtime_directories_are_refused() {
    if !can_switch_uid() {
        return;
    }
    use std::os::unix::fs::{chown, lchown};
    // a victim uid of its own, so that /tmp/modhost-<uid> is ours to plant
    let victim = 70000 + std::process::id() % 10000;
    let default = PathBuf::from(format!("/tmp/modhost-{victim}"));
    let tmp = |tag: &str| std::env::temp_dir().join(format!("modhost-hostile-{tag}-{}", std::process::id()));
    // whatever happens, nothing is left behind
    struct Cleanup(Vec<PathBuf>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            for p in &self.0 {
                let _ = std::fs::remove_file(p);
                let _ = std::fs::remove_dir_all(p);
            }
        }
    }
    let _cleanup = Cleanup(vec![default.clone(), tmp("target"), tmp("own"), tmp("fake"), tmp("parent")]);
    let reset = || {
        let _ = std::fs::remove_file(&default);
        let _ = std::fs::remove_dir_all(&default);
    };
    let planted = |mode: u32, owner: u32| {
        reset();
        std::fs::create_dir(&default).unwrap();
        std::fs::set_permissions(&default, std::fs::Permissions::from_mode(mode)).unwrap();
        chown(&default, Some(owner), Some(owner)).unwrap();
    };
    let untouched = || {
        let left: Vec<_> = std::fs::read_dir(&default).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(left.is_empty(), "something was made in {}: {left:?}", default.display());
    };

    // pre-created by another uid (nobody), even private to it
    planted(0o700, NOBODY);
    assert_refused(&run_as(victim, None, &["lsmod"]), "lsmod", &default, &format!("owned by uid {NOBODY}, not {victim}"));
    assert_serve_refuses(victim, None, &default, &format!("owned by uid {NOBODY}, not {victim}"));
    untouched();
    // another's, open to all
    planted(0o777, NOBODY);
    assert_refused(&run_as(victim, None, &["cat", "/proc/modules"]), "cat", &default, &format!("owned by uid {NOBODY}, not {victim}"));
    untouched();
    // the victim's own, but writable by others (mode 0777, or 0770)
    planted(0o777, victim);
    assert_refused(&run_as(victim, None, &["lsmod"]), "lsmod", &default, "writable by other users (mode 0777)");
    assert_serve_refuses(victim, None, &default, "writable by other users (mode 0777)");
    untouched();
    planted(0o770, victim);
    assert_refused(&run_as(victim, None, &["rmmod", "x"]), "rmmod", &default, "writable by other users (mode 0770)");
    untouched();
    // a symbolic link planted by another uid, to a directory of the victim's
    reset();
    let target = tmp("target");
    let _ = std::fs::remove_dir_all(&target);
    std::fs::create_dir(&target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700)).unwrap();
    chown(&target, Some(victim), Some(victim)).unwrap();
    std::os::unix::fs::symlink(&target, &default).unwrap();
    lchown(&default, Some(NOBODY), Some(NOBODY)).unwrap();
    assert_refused(&run_as(victim, None, &["lsmod"]), "lsmod", &default, "it is a symbolic link");
    assert_serve_refuses(victim, None, &default, "it is a symbolic link");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    reset();
    // the victim's own private directory, where root (as an attacker with
    // some way in) put another uid's listening socket: the tools do not talk
    // to a daemon of another user
    let (own, fake) = (tmp("own"), tmp("fake"));
    for (d, uid) in [(&own, victim), (&fake, NOBODY)] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir(d).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
        chown(d, Some(uid), Some(uid)).unwrap();
    }
    let (r, stdin, mut p) = hostile_peer("listen", &fake.join("host.sock"), 1);
    assert_eq!(r, ["listening"]);
    std::fs::rename(fake.join("host.sock"), own.join("host.sock")).unwrap();
    let o = run_as(victim, Some(&own), &["lsmod"]);
    drop(stdin);
    p.wait().unwrap();
    if let Ok(pid) = std::fs::read_to_string(own.join("serve.pid")) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
    let err = text(&o.stderr);
    assert!(err.starts_with(&format!("lsmod: ERROR: host kernel: socket {}/host.sock belongs to uid {NOBODY}, not {victim}\n", own.display())), "{err}");
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&own);
    let _ = std::fs::remove_dir_all(&fake);
    // a parent others can write (no sticky bit): they could swap the directory
    let parent = tmp("parent");
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir(&parent).unwrap();
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o777)).unwrap();
    let rt = parent.join("rt");
    assert_refused(&run_as(victim, Some(&rt), &["lsmod"]), "lsmod", &rt, &format!("its parent {} is writable by other users (mode 0777)", parent.display()));
    assert!(!rt.exists());
    // the same with the sticky bit (as /tmp) is fine, and a directory of
    // the victim's that others may only read and search (what an older
    // modhost left) is made private and used
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::create_dir(&rt).unwrap();
    std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o755)).unwrap();
    chown(&rt, Some(victim), Some(victim)).unwrap();
    if testkit::require(testkit::fixtures(), "fixtures").is_some() {
        let o = run_as(victim, Some(&rt), &["lsmod"]);
        let pid = std::fs::read_to_string(rt.join("serve.pid")).unwrap_or_default();
        let _ = Command::new("kill").arg(pid.trim()).status();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        use std::os::unix::fs::MetadataExt;
        assert_eq!(std::fs::metadata(&rt).unwrap().mode() & 0o7777, 0o700);
    }
    let _ = std::fs::remove_dir_all(&parent);
    let _ = std::fs::remove_dir_all(&target);
}

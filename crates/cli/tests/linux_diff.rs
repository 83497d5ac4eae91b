//! The differential harness against Linux itself (issue 5, part 1).
//!
//! Every scenario of `tests/diff/scenarios/*.scn` (see `tests/diff/README.md`) is run
//! twice, step by step: once in Debian's own kernel (its `vmlinuz`, booted in QEMU
//! with an initramfs holding busybox, the real kmod 30 `insmod`/`rmmod` and the
//! scenario's modules), once in the host kernel through `modhost insmod`/`rmmod`.
//! After every step both sides report the tool's exit status, stdout and stderr
//! (so the errno, through kmod's wording), `/proc/modules` (addresses masked),
//! `/proc/sys/kernel/tainted`, `/sys/module/<m>/{initstate,refcnt,taint,coresize,
//! initsize,holders,parameters/*}` and the kernel log lines the step produced
//! (timestamps removed). Any difference fails the test with a readable diff, unless
//! `tests/diff/allowed` names it with a reason written in `docs/compat-diff.md`.
//!
//! The scenarios of one boot group (`@boot`, default "main") run in one Linux boot
//! and one host daemon, in file-name order, with a `reset` (unload everything) after
//! each scenario; kernel-wide state that cannot be reset (the taint mask,
//! once-per-boot messages) evolves identically on both sides. The boots run in
//! QEMU in the background (two at a time) while the host side runs.
//!
//! Environment: `MODHOST_DIFF_SCENARIOS=a,b` runs only the scenarios whose file name
//! contains one of the words; `MODHOST_DIFF_KEEP=1` keeps the work directory
//! `$MODHOST_CACHE/diff/run-<pid>` (kept anyway when something differs; the report is
//! always copied to `$MODHOST_CACHE/diff/last-report.txt`); `MODHOST_DIFF_TIMEOUT`
//! (seconds per boot, default 900), `MODHOST_DIFF_TOTAL_TIMEOUT` (all boots, default
//! 1200), `MODHOST_DIFF_JOBS` (boots at a time, default 2). Without QEMU (and no way to
//! install it) the test is skipped with a note unless `MODHOST_REQUIRE_FIXTURES=1`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod qemu;
use qemu::*;

const GUEST_INIT: &str = include_str!("../../../tests/diff/guest-init.sh");

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}


macro_rules! skip {
    ($($t:tt)*) => {{
        let msg = format!($($t)*);
        if require() {
            panic!("{msg} (MODHOST_REQUIRE_FIXTURES=1)");
        }
        eprintln!("note: {msg}; skipping the Linux differential test");
        return;
    }};
}

// ------------------------------------------------------------------------------------------
// Scenarios and module references
// ------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Cmd {
    /// insmod options, module reference, module arguments.
    Insmod(Vec<String>, String, Vec<String>),
    /// rmmod arguments (options and names).
    Rmmod(Vec<String>),
    Reset,
    /// A view: a directory's entries or a file's contents, optionally only
    /// the lines holding a word (`view /proc/filesystems minix`).
    View(Vec<String>),
}

#[derive(Clone, Debug)]
struct Step {
    scenario: String,
    /// The boot (QEMU run and host daemon) it belongs to.
    boot: String,
    /// The scenario line (or "reset (end of scenario)").
    text: String,
    /// The command line both sides run (module references replaced by paths).
    argv: Vec<String>,
    is_reset: bool,
    /// What was done to a generated module file.
    note: Option<String>,
}

/// The steps of a scenario file and the boot it runs in (`@boot <name>`; default "main").
fn parse_scenario(name: &str, text: &str) -> Result<(String, Vec<(String, Cmd)>), String> {
    let mut out = Vec::new();
    let mut boot = "main".to_string();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        let w: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        if w[0] == "@boot" {
            if w.len() != 2 || !out.is_empty() {
                return Err(format!("{name}:{}: `@boot <name>` must come before the steps", n + 1));
            }
            boot = w[1].clone();
            continue;
        }
        let cmd = match w[0].as_str() {
            "insmod" => {
                let Some(r) = w[1..].iter().position(|a| !a.starts_with('-')) else {
                    return Err(format!("{name}:{}: insmod without a module", n + 1));
                };
                Cmd::Insmod(w[1..1 + r].to_vec(), w[1 + r].clone(), w[2 + r..].to_vec())
            }
            "rmmod" => Cmd::Rmmod(w[1..].to_vec()),
            "reset" if w.len() == 1 => Cmd::Reset,
            "view" if (2..=3).contains(&w.len()) => Cmd::View(w[1..].to_vec()),
            // the blocks of /proc/crypto (or any file of blank-line-separated
            // `field : value` blocks) holding the line FIELD : VALUE
            "blocks" if w.len() == 4 => Cmd::View(std::iter::once("--blocks".to_string()).chain(w[1..].iter().cloned()).collect()),
            _ => return Err(format!("{name}:{}: unknown step {line:?}", n + 1)),
        };
        out.push((line.to_string(), cmd));
    }
    Ok((boot, out))
}

// ------------------------------------------------------------------------------------------
// What a side reports for one step
// ------------------------------------------------------------------------------------------

#[derive(Default, Debug, Clone)]
struct Obs {
    /// (host) a daemon of this boot group died at an earlier step.
    after_restart: bool,
    rc: String,
    out: String,
    err: String,
    proc: String,
    taint: String,
    sys: String,
    log: String,
}

const FIELDS: [&str; 7] = ["rc", "stdout", "stderr", "proc", "taint", "sys", "log"];

impl Obs {
    fn field(&self, f: &str) -> &str {
        match f {
            "rc" => &self.rc,
            "stdout" => &self.out,
            "stderr" => &self.err,
            "proc" => &self.proc,
            "taint" => &self.taint,
            "sys" => &self.sys,
            "log" => &self.log,
            _ => unreachable!(),
        }
    }
}

/// The guest's report: boot line, the steps it completed, whether it got to the end.
struct GuestRun {
    boot: Option<String>,
    steps: BTreeMap<usize, Obs>,
    done: bool,
}

fn parse_guest(text: &str) -> GuestRun {
    let mut run = GuestRun { boot: None, steps: BTreeMap::new(), done: false };
    let mut cur: Option<(usize, Obs)> = None;
    let mut blob: Option<(String, String)> = None;
    let finish_blob = |cur: &mut Option<(usize, Obs)>, blob: &mut Option<(String, String)>| {
        if let (Some((_, o)), Some((name, data))) = (cur.as_mut(), blob.take()) {
            let raw = b64decode(&data);
            let t = if name == "LOG" { kmsg_escape(&raw) } else { lossy(&raw) };
            match name.as_str() {
                "OUT" => o.out = t,
                "ERR" => o.err = t,
                "PROC" => o.proc = t,
                "SYS" => o.sys = t,
                "LOG" => o.log = t,
                _ => {}
            }
        }
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(tag) = line.strip_prefix("@@") {
            finish_blob(&mut cur, &mut blob);
            let (k, v) = tag.split_once(' ').unwrap_or((tag, ""));
            match k {
                "BOOT" => run.boot = Some(v.to_string()),
                "STEP" => cur = v.parse().ok().map(|n| (n, Obs::default())),
                "RC" => {
                    if let Some((_, o)) = cur.as_mut() {
                        o.rc = v.to_string();
                    }
                }
                "TAINT" => {
                    if let Some((_, o)) = cur.as_mut() {
                        o.taint = v.to_string();
                    }
                }
                "END" => {
                    if let Some((n, o)) = cur.take() {
                        run.steps.insert(n, o);
                    }
                }
                "DONE" => run.done = true,
                _ => blob = Some((k.to_string(), String::new())),
            }
        } else if let Some((_, data)) = blob.as_mut() {
            data.push_str(line);
        }
    }
    run
}


fn build_initramfs(plan: &str, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut c = Cpio::default();
    let mut dirs = std::collections::BTreeSet::new();
    let mut mkdirs = |c: &mut Cpio, p: &str| {
        let mut acc = String::new();
        for part in p.trim_start_matches('/').split('/').collect::<Vec<_>>().split_last().map(|x| x.1).unwrap_or(&[]) {
            acc.push('/');
            acc.push_str(part);
            if dirs.insert(acc.clone()) {
                c.dir(&acc);
            }
        }
    };
    for d in ["/proc", "/sys", "/dev", "/tmp", "/m", "/bin", "/sbin"] {
        mkdirs(&mut c, &format!("{d}/x"));
    }
    c.entry("dev/console", 0o020600, &[], (5, 1));
    c.file("bin/busybox", &std::fs::read("/bin/busybox").unwrap(), true);
    // the applets the init script uses (kmod's tools are in /sbin, called by full path)
    for a in ["sh", "mount", "stty", "cat", "ls", "tr", "dmesg", "base64", "uname", "poweroff", "grep", "cp"] {
        c.symlink(&format!("bin/{a}"), "busybox");
    }
    c.file("bin/kmod", &std::fs::read("/bin/kmod").unwrap(), true);
    for t in ["insmod", "rmmod", "lsmod"] {
        c.symlink(&format!("sbin/{t}"), "../bin/kmod");
    }
    for lib in ldd("/bin/kmod") {
        mkdirs(&mut c, &lib);
        c.file(&lib, &std::fs::read(&lib).unwrap(), true);
    }
    c.file("init", GUEST_INIT.as_bytes(), true);
    c.file("plan", plan.as_bytes(), false);
    for (path, bytes) in files {
        mkdirs(&mut c, path);
        c.file(path, bytes, false);
    }
    c.finish()
}

// ------------------------------------------------------------------------------------------
// The host side
// ------------------------------------------------------------------------------------------

struct Host {
    bin: PathBuf,
    work: PathBuf,
    rundir: PathBuf,
    log_seen: usize,
    /// The daemon's pid (`serve.pid`), to notice when a step kills it.
    pid: Option<i32>,
    /// A daemon died in this boot group: later differences may be its consequences.
    restarted: bool,
}

impl Host {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = Command::new(&self.bin)
            .args(args)
            .current_dir(&self.work)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MODHOST_RUNTIME_DIR", &self.rundir)
            .stdin(Stdio::null())
            .output()
            .expect("run modhost");
        (o.status.code().unwrap_or(128 + std::os::unix::process::ExitStatusExt::signal(&o.status).unwrap_or(0)), lossy(&o.stdout), lossy(&o.stderr))
    }

    fn cat(&self, path: &str) -> Option<String> {
        let (rc, out, _) = self.run(&["cat", path]);
        (rc == 0).then_some(out)
    }

    fn log_lines(&self) -> Vec<String> {
        self.run(&["dmesg"]).1.lines().map(str::to_string).collect()
    }

    fn start(&mut self) -> Result<(), String> {
        let (rc, out, err) = self.run(&["cat", "/proc/sys/kernel/tainted"]);
        if rc != 0 {
            return Err(format!("modhost did not start: {out}{err}"));
        }
        self.log_seen = self.log_lines().len();
        self.pid = self.daemon_pid();
        Ok(())
    }

    fn daemon_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.rundir.join("serve.pid")).ok()?.trim().parse().ok()
    }

    /// After a step: if the daemon died during it (its `serve.pid` changed: the first
    /// command after the crash started a new one, with a fresh kernel), say so.
    fn check_restart(&mut self, err: &mut String) -> bool {
        let now = self.daemon_pid();
        if now == self.pid {
            return false;
        }
        err.push_str("[harness] the host kernel daemon (modhost serve) died during this step; a new one was started\n");
        self.pid = now;
        self.restarted = true;
        true
    }

    fn sysinfo(&self, proc: &str) -> String {
        let mut s = String::new();
        for l in proc.lines() {
            let name = l.split(' ').next().unwrap_or("");
            let d = format!("/sys/module/{name}");
            let get = |a: &str| {
                let (_, out, err) = self.run(&["cat", &format!("{d}/{a}")]);
                (out + &err).trim_end_matches('\n').to_string()
            };
            let holders = match self.run(&["ls", &format!("{d}/holders")]) {
                (0, out, _) => out.lines().map(|h| format!("{h},")).collect::<String>(),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "{name} initstate={} refcnt={} taint={} coresize={} initsize={} holders={holders}",
                get("initstate"),
                get("refcnt"),
                get("taint"),
                get("coresize"),
                get("initsize")
            );
            if let (0, out, _) = self.run(&["ls", &format!("{d}/parameters")]) {
                let mut ps: Vec<&str> = out.lines().collect();
                ps.sort();
                for p in ps {
                    let _ = writeln!(s, "{name} param {p}={}", get(&format!("parameters/{p}")));
                }
            }
        }
        s
    }

    fn observe(&mut self, rc: i32, out: String, mut err: String) -> Obs {
        let proc = self.cat("/proc/modules").unwrap_or_else(|| "<modhost cat /proc/modules failed>\n".into());
        let restarted = self.check_restart(&mut err);
        let sys = self.sysinfo(&proc);
        let taint = self.cat("/proc/sys/kernel/tainted").unwrap_or_default().trim().to_string();
        let lines = self.log_lines();
        // after a restart: the new daemon's log, without its start-up line
        let from = if restarted { 0 } else { self.log_seen };
        let new = lines
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .filter(|l| !(restarted && strip_ts(l).starts_with("modhost: host kernel ")))
            .map(|l| format!("{l}\n"))
            .collect();
        self.log_seen = lines.len();
        Obs { after_restart: false, rc: rc.to_string(), out, err, proc, taint, sys, log: new }
    }

    fn step(&mut self, s: &Step) -> Obs {
        if !s.is_reset {
            let argv: Vec<&str> = s.argv.iter().map(String::as_str).collect();
            let (rc, out, err) = self.run(&argv);
            return self.observe(rc, out, err);
        }
        // the guest's do_reset, step for step
        let (mut out, mut err) = (String::new(), String::new());
        for _ in 0..3 {
            let pm = self.cat("/proc/modules").unwrap_or_default();
            if pm.is_empty() {
                break;
            }
            for l in pm.lines() {
                let w: Vec<&str> = l.split(' ').collect();
                let name = w[0];
                let force = w.get(3).is_some_and(|u| u.contains("[permanent]"));
                let args: Vec<&str> = if force { vec!["rmmod", "-f", name] } else { vec!["rmmod", name] };
                out.push_str(&args.join(" "));
                out.push('\n');
                let (_, o, e) = self.run(&args);
                out.push_str(&o);
                err.push_str(&e);
            }
        }
        let rc = i32::from(!self.cat("/proc/modules").unwrap_or_default().is_empty());
        self.observe(rc, out, err)
    }

    fn stop(&self) {
        if let Ok(pid) = std::fs::read_to_string(self.rundir.join("serve.pid")) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Normalisation, allowed differences, comparison
// ------------------------------------------------------------------------------------------

/// `tests/diff/allowed`: `<scenario-glob> <field> <line-glob> -- <reason>`; the reason
/// must be a `[reason]` heading of docs/compat-diff.md. A line of that field matching
/// the glob is dropped on both sides before comparing.
struct Allowed {
    scenario: String,
    field: String,
    line: String,
}

/// The rule kind `<scenario-glob> hardened <host-log-glob>`: a step Linux
/// completes (it trusts the file) and the host refuses with ENOEXEC, logging a
/// line that matches — one of the loader's checks where Linux 6.1 checks
/// nothing (issue 12) — is reported with `~`, not as a difference; the
/// scenario's next `reset` may then unload that module on Linux only.
const HARDENED: &str = "hardened";


fn load_allowed(root: &Path) -> Vec<Allowed> {
    load_rules(root, "tests/diff", "allowed")
        .into_iter()
        .map(|(at, rule)| {
            let mut w = rule.splitn(3, ' ');
            let (Some(s), Some(f), Some(g)) = (w.next(), w.next(), w.next()) else { panic!("{at}: bad rule") };
            assert!(FIELDS.contains(&f) || f == HARDENED, "{at}: unknown field {f}");
            // the line glob keeps its leading spaces (" *": call-trace entries)
            Allowed { scenario: s.into(), field: f.into(), line: g.trim_end().into() }
        })
        .collect()
}

/// Log lines Linux writes for reasons that have nothing to do with the step (one glob
/// per line in tests/diff/linux-log-ignore).
fn load_log_ignore(root: &Path) -> Vec<String> {
    load_rules(root, "tests/diff", "linux-log-ignore").into_iter().map(|(_, g)| g.trim().to_string()).collect()
}

/// `tests/diff/log-masks`: one prefix per line; in every log line of both sides, the
/// word after each occurrence of a prefix becomes `*`.
fn load_log_masks(root: &Path) -> Vec<String> {
    load_rules(root, "tests/diff", "log-masks")
        .into_iter()
        .map(|(at, p)| {
            assert!(!p.trim().is_empty(), "{at}: empty prefix");
            p.trim().to_string()
        })
        .collect()
}


fn normalise(o: &Obs, linux: bool, ignore: &[String], masks: &[String]) -> Obs {
    let log = o
        .log
        .lines()
        .map(strip_ts)
        .filter(|l| !(linux && ignore.iter().any(|g| glob(g, l))))
        .map(|l| format!("{}\n", mask_words(l, masks)))
        .collect();
    Obs {
        after_restart: o.after_restart,
        rc: o.rc.clone(),
        out: o.out.clone(),
        err: o.err.clone(),
        proc: mask_proc(&o.proc),
        taint: o.taint.clone(),
        sys: norm_sys(&o.sys),
        log,
    }
}

fn drop_allowed(text: &str, scenario: &str, field: &str, allowed: &[Allowed]) -> String {
    text.lines().filter(|l| !allowed.iter().any(|a| a.field == field && glob(&a.scenario, scenario) && glob(&a.line, l))).map(|l| format!("{l}\n")).collect()
}

/// What kmod's message says the syscall returned (for the report).
fn outcome(o: &Obs) -> String {
    if o.rc == "0" {
        return "ok".into();
    }
    let msg = o.err.lines().last().unwrap_or("");
    if msg.contains(" is in use by:") || msg.ends_with(" is in use") {
        return "refused by rmmod (in use)".into();
    }
    if msg.contains("is not currently loaded") {
        return "refused by rmmod (not loaded)".into();
    }
    let text = msg.rsplit(": ").next().unwrap_or("");
    let special = [(8, "Invalid module format"), (2, "Unknown symbol in module"), (3, "Module has wrong symbol version"), (22, "Invalid parameters")];
    let errno = special.iter().find(|(_, s)| *s == text).map(|(e, _)| *e).or_else(|| {
        (1..134).find(|&e| {
            let s = std::io::Error::from_raw_os_error(e).to_string();
            s.split(" (os error").next() == Some(text)
        })
    });
    match errno {
        Some(e) => format!("{} ({e})", errno_name(e)),
        None => format!("rc {} ({text})", o.rc),
    }
}


// ------------------------------------------------------------------------------------------
// The test
// ------------------------------------------------------------------------------------------

/// Runs every step in the host kernel: one daemon per boot group.
fn host_side(steps: &[Step], boots: &[String], work: &Path) -> (Vec<Obs>, Duration) {
    let th = Instant::now();
    let mut obs: Vec<Obs> = vec![Obs::default(); steps.len()];
    for b in boots {
        let rundir = work.join(format!("boot-{b}/run"));
        let mut host = Host { bin: PathBuf::from(env!("CARGO_BIN_EXE_modhost")), work: work.to_path_buf(), rundir, log_seen: 0, pid: None, restarted: false };
        if let Err(e) = host.start() {
            host.stop();
            panic!("{e}");
        }
        for (i, s) in steps.iter().enumerate().filter(|(_, s)| &s.boot == b) {
            let after_restart = host.restarted;
            obs[i] = host.step(s);
            // a step that itself killed the daemon is no consequence of an earlier one
            obs[i].after_restart = after_restart && !obs[i].err.contains("[harness] the host kernel daemon");
        }
        host.stop();
    }
    (obs, th.elapsed())
}

#[test]
fn host_kernel_matches_linux() {
    let t0 = Instant::now();
    let root = repo_root();
    let cache = PathBuf::from(std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into()));
    let env = match load_env(&cache) {
        Ok(e) => e,
        Err(e) => skip!("{e}"),
    };
    if let Err(e) = ensure_tools() {
        skip!("{e}");
    }

    // scenarios
    let only: Vec<String> =
        std::env::var("MODHOST_DIFF_SCENARIOS").map(|s| s.split(',').map(str::to_string).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/diff/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .collect();
    files.sort();
    files.retain(|p| {
        let n = p.file_stem().unwrap().to_string_lossy();
        only.is_empty() || only.iter().any(|o| n.contains(o.as_str()))
    });
    assert!(!files.is_empty(), "no scenarios selected");

    // work directory
    let diffdir = cache.join("diff");
    // work directories kept by earlier runs whose process is gone
    for e in std::fs::read_dir(&diffdir).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = n.strip_prefix("run-") {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let work = diffdir.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("m")).unwrap();

    // resolve every step; each module reference becomes m/<k>/<name>
    let mut steps: Vec<Step> = Vec::new();
    let mut made: HashMap<String, String> = HashMap::new();
    let mut file_bytes: HashMap<String, Vec<u8>> = HashMap::new();
    let mut notes: BTreeMap<String, String> = BTreeMap::new();
    let mut boots: Vec<String> = Vec::new();
    for f in &files {
        let scen = f.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(f).unwrap();
        let (boot, cmds) = parse_scenario(&scen, &text).unwrap_or_else(|e| panic!("{e}"));
        if !boots.contains(&boot) {
            boots.push(boot.clone());
        }
        for (line, cmd) in cmds.into_iter().chain(std::iter::once(("reset (end of scenario)".to_string(), Cmd::Reset))) {
            let (argv, is_reset, note) = match &cmd {
                Cmd::Insmod(opts, r, args) => {
                    if !made.contains_key(r) {
                        let m = resolve(&env, r).unwrap_or_else(|e| panic!("{scen}: {e}"));
                        let p = format!("m/{}/{}", made.len(), m.basename);
                        if let Some(b) = m.bytes {
                            std::fs::create_dir_all(work.join(&p).parent().unwrap()).unwrap();
                            std::fs::write(work.join(&p), &b).unwrap();
                            file_bytes.insert(p.clone(), b);
                        }
                        if !m.notes.is_empty() {
                            notes.insert(r.clone(), m.notes.join("; "));
                        }
                        made.insert(r.clone(), p);
                    }
                    let mut v = vec!["insmod".to_string()];
                    v.extend(opts.iter().cloned());
                    v.push(made[r].clone());
                    v.extend(args.iter().cloned());
                    (v, false, notes.get(r).cloned())
                }
                Cmd::Rmmod(a) => (std::iter::once("rmmod".to_string()).chain(a.iter().cloned()).collect(), false, None),
                Cmd::Reset => (vec!["reset".to_string()], true, None),
                Cmd::View(a) => (std::iter::once("view".to_string()).chain(a.iter().cloned()).collect(), false, None),
            };
            steps.push(Step { scenario: scen.clone(), boot: boot.clone(), text: line, argv, is_reset, note });
        }
    }

    // Linux: one QEMU boot per boot group, all started now (they run in the background)
    let secs = |var: &str, default: u64| Duration::from_secs(std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or(default));
    let limit = secs("MODHOST_DIFF_TIMEOUT", 900);
    let total_limit = secs("MODHOST_DIFF_TOTAL_TIMEOUT", 1200);
    let mut guest_boots = Vec::new();
    for b in &boots {
        let dir = work.join(format!("boot-{b}"));
        std::fs::create_dir_all(&dir).unwrap();
        let plan: String = steps.iter().enumerate().filter(|(_, s)| &s.boot == b).map(|(i, s)| format!("{i} {}\n", s.argv.join(" "))).collect();
        std::fs::write(dir.join("plan"), &plan).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for s in steps.iter().filter(|s| &s.boot == b) {
            for a in &s.argv {
                if let Some(bytes) = file_bytes.get(a) {
                    if !files.iter().any(|(p, _)| p == a) {
                        files.push((a.clone(), bytes.clone()));
                    }
                }
            }
        }
        let initrd = dir.join("initrd.cpio");
        std::fs::write(&initrd, build_initramfs(&plan, &files)).unwrap();
        guest_boots.push((dir, initrd));
    }
    // two at a time by default: the first (largest) boot is the critical path
    let jobs = std::env::var("MODHOST_DIFF_JOBS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let (guests, (host_obs, host_time)) = std::thread::scope(|sc| {
        let env = &env;
        let h = sc.spawn(move || run_guests(env, guest_boots, &QemuOpts::default(), jobs, limit, total_limit));
        // the host kernel meanwhile
        let host = host_side(&steps, &boots, &work);
        (h.join().unwrap(), host)
    });

    let mut guest_steps: BTreeMap<usize, Obs> = BTreeMap::new();
    let mut guest_problems = String::new();
    let mut guest_time = Duration::ZERO;
    let mut boot_lines = Vec::new();
    for (b, g) in boots.iter().zip(guests) {
        let GuestResult { text, console, time: t, timed_out } = g;
        let run = parse_guest(&text);
        guest_time = guest_time.max(t);
        boot_lines.push(format!(
            "{b}: {} in {:.1}s",
            run.boot.as_deref().map_or("did not boot".to_string(), |x| format!("Linux {x} (release, taint at start)")),
            t.as_secs_f64()
        ));
        if !run.done {
            let tail: Vec<&str> = console.lines().rev().take(40).collect();
            let _ = writeln!(
                guest_problems,
                "\nThe Linux guest of boot {b} did not finish its plan{}. Last console lines:\n{}",
                if timed_out { " (timed out)" } else { "" },
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        guest_steps.extend(run.steps);
    }

    // compare
    let ignore = load_log_ignore(&root);
    let masks = load_log_masks(&root);
    let allowed = load_allowed(&root);
    let mut report = String::new();
    let mut summary = String::new();
    let mut bad_steps = 0;
    let mut per_scenario: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut hardened_unload: Vec<String> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let e = per_scenario.entry(&s.scenario).or_default();
        e.0 += 1;
        let h = normalise(&host_obs[i], false, &ignore, &masks);
        let Some(l) = guest_steps.get(&i) else {
            e.1 += 1;
            bad_steps += 1;
            let _ = writeln!(summary, "! {:<22} {:>3} {:<58} Linux: (no report)  host: {}", s.scenario, i, s.text, outcome(&h));
            let _ =
                writeln!(report, "\n[{}] step {i}: {}\n  Linux: no report (the guest stopped before this step)\n  host: {}", s.scenario, s.text, outcome(&h));
            continue;
        };
        let l = normalise(l, true, &ignore, &masks);
        let hardened_rule = allowed.iter().find(|a| {
            a.field == HARDENED && glob(&a.scenario, &s.scenario) && h.log.lines().any(|line| glob(&a.line, line))
        });
        if l.rc == "0" && outcome(&h) == "ENOEXEC (8)" && hardened_rule.is_some() && h.proc.lines().all(|q| l.proc.lines().any(|p| p == q)) {
            // Linux loaded what the host refused: the module Linux lists and the host does not.
            let extra: Vec<String> = l.proc.lines().filter(|p| !h.proc.lines().any(|q| q == *p)).filter_map(|p| p.split(' ').next()).map(str::to_string).collect();
            hardened_unload.extend(extra);
            let _ = writeln!(summary, "~ {:<22} {:>3} {:<58} Linux: {:<26} host: {} (hardened: the host refuses what Linux trusts)", s.scenario, i, s.text, outcome(&l), outcome(&h));
            continue;
        }
        if s.text == "reset" && !hardened_unload.is_empty() {
            // the reset after a hardened step: Linux also unloads the module the host refused
            let names = std::mem::take(&mut hardened_unload);
            let out: String = l.out.lines().filter(|o| !names.iter().any(|m| *o == format!("rmmod {m}"))).map(|o| format!("{o}\n")).collect();
            let l2 = Obs { out, ..l.clone() };
            if FIELDS.iter().all(|f| drop_allowed(l2.field(f), &s.scenario, f, &allowed) == drop_allowed(h.field(f), &s.scenario, f, &allowed)) {
                let _ = writeln!(summary, "~ {:<22} {:>3} {:<58} Linux: {:<26} host: {} (unloads the module only Linux loaded)", s.scenario, i, s.text, outcome(&l), outcome(&h));
                continue;
            }
        }
        let mut fields = String::new();
        for f in FIELDS {
            let (a, b) = (drop_allowed(l.field(f), &s.scenario, f, &allowed), drop_allowed(h.field(f), &s.scenario, f, &allowed));
            if a != b {
                let _ = write!(fields, "  {f} (- Linux, + host):\n{}", diff(&a, &b));
            }
        }
        let mut line = format!("{:<22} {:>3} {:<58} Linux: {:<26} host: {}", s.scenario, i, s.text, outcome(&l), outcome(&h));
        if h.after_restart && !fields.is_empty() {
            line.push_str("   (after a host daemon crash: may be a consequence)");
        }
        let _ = writeln!(summary, "{}{}", if fields.is_empty() { "  " } else { "! " }, line.trim_end());
        if !fields.is_empty() {
            e.1 += 1;
            bad_steps += 1;
            let _ = writeln!(report, "\n[{}] step {i}: {}\n  command: {}", s.scenario, s.text, s.argv.join(" "));
            if let Some(n) = &s.note {
                let _ = writeln!(report, "  module: {n}");
            }
            if h.after_restart {
                let _ = writeln!(report, "  note: the host daemon of this boot crashed at an earlier step; this may be a consequence");
            }
            let _ = writeln!(report, "  Linux: {}   host: {}\n{fields}", outcome(&l), outcome(&h));
        }
    }
    let mut head = String::new();
    let _ = writeln!(
        head,
        "Linux differential test: {} scenarios, {} steps, {} boots; Linux {:.1}s, host {:.1}s, total {:.1}s",
        per_scenario.len(),
        steps.len(),
        boots.len(),
        guest_time.as_secs_f64(),
        host_time.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    for b in &boot_lines {
        let _ = writeln!(head, "  boot {b}");
    }
    for (sc, (n, bad)) in &per_scenario {
        let _ = writeln!(head, "  {:<24} {}", sc, if *bad == 0 { format!("agree ({n} steps)") } else { format!("DIFFER in {bad} of {n} steps") });
    }
    let notes_text: String = notes.iter().map(|(r, n)| format!("  {r}: {n}\n")).collect();
    let full = format!(
        "{head}\nSteps (! = differs, ~ = the host refuses what Linux trusts):\n{summary}\nGenerated modules:\n{notes_text}\nDifferences:{}{report}{guest_problems}\n",
        if bad_steps == 0 { " none\n" } else { "\n" }
    );
    std::fs::write(work.join("report.txt"), &full).unwrap();
    let _ = std::fs::write(diffdir.join("last-report.txt"), &full);
    let _ = std::io::stderr().write_all(full.as_bytes());
    let keep = std::env::var("MODHOST_DIFF_KEEP").as_deref() == Ok("1") || bad_steps != 0 || !guest_problems.is_empty();
    if keep {
        eprintln!("work directory kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    assert!(guest_problems.is_empty(), "a Linux guest did not complete its plan (see {})", work.display());
    assert_eq!(bad_steps, 0, "{bad_steps} steps differ between Linux and the host kernel (report above; {})", diffdir.join("last-report.txt").display());
}

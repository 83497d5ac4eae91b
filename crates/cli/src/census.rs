//! `modhost census`: every module of a tree through `modprobe` and
//! `modprobe -r` in a fresh host kernel each, classified, and compared with
//! the same run on Linux (`scripts/census-linux.sh`).
//!
//! Each module runs in its own process (`modhost census-one`), which boots a
//! host kernel from the ABI profile, runs kmod's modprobe logic in process
//! against it (a module's own `request_module()` too), removes the module
//! again and prints one record. The parent runs several at a time, kills a
//! child that exceeds the time limit (`hang`), notices one that dies
//! (`crash`: a host crash, which must never happen), and writes
//! `$MODHOST_CACHE/census/<release>/host.tsv` (`name class detail note`,
//! the same columns as Linux's `linux.tsv`) with each module's kernel log
//! under `host-logs/`.
//!
//! Classes: `ok` (init and exit succeeded), `warn` (succeeded with a
//! WARNING), `init-error` (errno), `exit-error` (errno), `unimplemented`
//! (the symbol the host lacks), `fault` (an oops in module code), `hang`,
//! `crash`.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kernel::{Config, Errno, Kernel};
use kmod::ctx::Context;
use kmod::modprobe::{prio, Logger, Modprobe, Settings};
use modindex::ValueOrder;

use crate::Tool;

/// One module's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub class: String,
    pub detail: String,
    pub note: String,
}

/// The in-process host kernel as modprobe's backend.
struct InProcess {
    k: &'static Kernel,
    /// The errno of the last failed insertion or removal.
    last_err: Option<i32>,
}

impl kmod::modprobe::Kernel for InProcess {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, i32> {
        self.k.read_view(path).map_err(|e| e.0)
    }
    fn is_dir(&mut self, path: &str) -> bool {
        self.k.list_view(path).is_ok()
    }
    fn list(&mut self, path: &str) -> Result<Vec<String>, i32> {
        self.k.list_view(path).map_err(|e| e.0)
    }
    fn finit_module(&mut self, _path: &Path, image: &[u8], args: &str, flags: u32) -> Result<(), i32> {
        self.k.finit_module(image, args, flags).map_err(|e| {
            self.last_err = Some(e.0);
            e.0
        })
    }
    fn init_module(&mut self, image: &[u8], args: &str) -> Result<(), i32> {
        self.k.init_module(image, args).map_err(|e| {
            self.last_err = Some(e.0);
            e.0
        })
    }
    fn delete_module(&mut self, name: &str, flags: u32) -> Result<(), i32> {
        self.k.delete_module(name, flags).map_err(|e| {
            self.last_err = Some(e.0);
            e.0
        })
    }
}

/// The kernel and module directory of this census-one process.
static ONE: OnceLock<(&'static Kernel, String)> = OnceLock::new();

/// Runs modprobe (`remove`: `modprobe -r`) on `name` in process; returns
/// the tool's exit status and the last errno the kernel returned.
fn modprobe(name: &str, remove: bool, quiet: bool) -> (i32, Option<i32>) {
    let Some((k, dir)) = ONE.get() else { return (1, None) };
    let ctx = Context::new(dir, ValueOrder::Mmap);
    let config = kmod::modprobe::load_config(Path::new(dir), None);
    let log = Logger::new("modprobe", if quiet { prio::EMERG } else { prio::WARNING }, false);
    let mut backend = InProcess { k, last_err: None };
    let mut out = io::sink();
    let mut mp = Modprobe::new(ctx, config, Settings::default(), log, &mut out, &mut backend);
    let r = if remove { mp.rmmod_all(&[name.to_string()]) } else { mp.insmod(name, None) };
    drop(mp);
    (if matches!(r, Ok(e) if e >= 0) { 0 } else { 1 }, backend.last_err)
}

/// `request_module()` from module code: the usermode helper's
/// `modprobe -q NAME`, in process; its wait status. `request_module_nowait`
/// (wait false) runs it on its own thread and returns 0 at once, as Linux
/// queues the helper: the requesting init usually finishes first (a module
/// that requests modules depending on itself would otherwise deadlock).
fn request_module(name: &str, wait: bool) -> i32 {
    if wait {
        return modprobe(name, false, true).0 << 8;
    }
    let name = name.to_string();
    match std::thread::Builder::new().name("modprobe".into()).spawn(move || {
        modprobe(&name, false, true);
    }) {
        Ok(h) => {
            ASYNC.lock().unwrap_or_else(|e| e.into_inner()).push(h);
            0
        }
        Err(_) => -12, // -ENOMEM: no thread for the helper
    }
}

/// The helpers started by `request_module_nowait`.
static ASYNC: Mutex<Vec<std::thread::JoinHandle<()>>> = Mutex::new(Vec::new());

/// Waits for every asynchronous helper (and the ones they start).
fn wait_async() {
    loop {
        let hs: Vec<_> = std::mem::take(&mut *ASYNC.lock().unwrap_or_else(|e| e.into_inner()));
        if hs.is_empty() {
            break;
        }
        for h in hs {
            let _ = h.join();
        }
    }
}

fn errno_name(e: i32) -> String {
    Errno(e).name().map_or_else(|| format!("E{e}"), str::to_string)
}

/// Classifies from the exit statuses, errnos and the kernel log.
pub fn classify(insert: (i32, Option<i32>), remove: Option<(i32, Option<i32>)>, log: &[String]) -> Outcome {
    let first = |pred: &dyn Fn(&str) -> bool| log.iter().find(|l| pred(l)).cloned();
    let note = String::new();
    if let Some(l) = first(&|l| l.contains("which the host kernel does not implement")) {
        let sym = l
            .split_once(": called ")
            .and_then(|(_, r)| r.split_once("()"))
            .map(|(s, _)| s.to_string())
            .or_else(|| l.split_once(": accessed ").and_then(|(_, r)| r.split_once('+')).map(|(s, _)| s.to_string()))
            .unwrap_or_default();
        return Outcome { class: "unimplemented".into(), detail: sym, note: l };
    }
    let oops = |l: &str| {
        l.starts_with("BUG: ")
            || l.starts_with("Oops: ")
            || l.starts_with("invalid opcode: ")
            || l.starts_with("kernel BUG at ")
            || l.starts_with("general protection fault")
            || l.starts_with("divide error: ")
            || l.starts_with("Kernel panic - not syncing")
    };
    if let Some(l) = first(&oops) {
        return Outcome { class: "fault".into(), detail: l.clone(), note: l };
    }
    if insert.0 != 0 {
        let e = insert.1.map_or_else(|| "modprobe".to_string(), errno_name);
        return Outcome { class: "init-error".into(), detail: e, note };
    }
    if let Some((rc, err)) = remove {
        if rc != 0 {
            // Without a kernel errno, modprobe refused in user space: kmod
            // only does so for a module in use (refcount or holders), which
            // Linux's side reports as EBUSY too.
            return Outcome { class: "exit-error".into(), detail: err.map_or_else(|| "EBUSY".to_string(), errno_name), note };
        }
    }
    if let Some(l) = first(&|l| l.starts_with("WARNING: ")) {
        return Outcome { class: "warn".into(), detail: l.clone(), note: l };
    }
    Outcome { class: "ok".into(), detail: String::new(), note }
}

/// `modhost census-one -d MODDIR NAME`: one module in a fresh host kernel.
/// Prints `@@RESULT class<TAB>detail<TAB>note` and the kernel log lines.
pub fn run_one(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let (Some(dir), Some(name)) = (args.iter().position(|a| a == "-d").and_then(|i| args.get(i + 1)), args.last().filter(|a| !a.starts_with('-')).or(args.iter().find(|a| *a == "--seq"))) else {
        tool.error("usage: census-one -d MODULE_DIRECTORY NAME");
        return Ok(2);
    };
    let profile = kernel::boot::default_profile().map_err(io::Error::other)?;
    kabi::set_request_module_handler(request_module);
    // Firmware comes from the tree's root (<root>/lib/modules/<release>).
    let md = std::path::Path::new(dir);
    if let (Some(root), Some(rel)) = (md.parent().and_then(|p| p.parent()).and_then(|p| p.parent()), md.file_name()) {
        kabi::drivers::base::firmware_loader::set_search(root.to_path_buf(), rel.to_string_lossy().into_owned());
    }
    let k: &'static Kernel = Box::leak(Box::new(Kernel::new(Config::from_profile(&profile)).map_err(|e| io::Error::other(e.to_string()))?));
    k.make_current();
    let trace = std::env::var("MODHOST_TRACE").as_deref() == Ok("1");
    kabi::trace::enable(trace);
    let _ = ONE.set((k, dir.clone()));
    if args.iter().any(|a| a == "--seq") {
        return run_seq(trace);
    }
    let seq = kabi::log::next_seq();
    if let Some(ms) = std::env::var("MODHOST_CENSUS_DEADLINE_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        // A hang is reported with what the kernel said up to then: the
        // parent's kill would lose it.
        let _ = std::thread::Builder::new().name("census-watchdog".into()).spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            report_hang(seq, trace, ms);
        });
    }
    let insert = modprobe(name, false, false);
    wait_async();
    kabi::drivers::base::firmware_loader::wait_idle();
    let remove = (insert.0 == 0).then(|| modprobe(name, true, false));
    let log: Vec<String> = kabi::log::records_since(seq).into_iter().map(|r| r.text).collect();
    let o = classify(insert, remove, &log);
    let mut out = io::stdout().lock();
    writeln!(out, "@@RESULT {}\t{}\t{}", o.class, clean(&o.detail), clean(&o.note))?;
    for l in &log {
        writeln!(out, "{l}")?;
    }
    if trace {
        writeln!(out, "@@TRACE")?;
        for l in kabi::trace::records() {
            writeln!(out, "{l}")?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// The watchdog of a `census-one` child: the module's modprobe or
/// modprobe -r has not returned in time. Prints the hang, the log so far
/// (and the trace) and ends the process, whatever its threads are doing.
fn report_hang(seq: u64, trace: bool, ms: u64) -> ! {
    let log: Vec<String> = kabi::log::records_since(seq).into_iter().map(|r| r.text).collect();
    // A module thread that died in an unimplemented call (or a fault) often
    // leaves its spawner waiting: that call is the reason, as for a module
    // call that returned.
    let mut o = classify((0, None), None, &log);
    if o.class == "ok" || o.class == "warn" {
        o = Outcome { class: "hang".into(), detail: format!("{}s", ms / 1000), note: log.last().cloned().unwrap_or_default() };
    } else {
        o.note = format!("hung after: {}", o.note);
    }
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "@@RESULT {}\t{}\t{}", o.class, clean(&o.detail), clean(&o.note));
    for l in &log {
        let _ = writeln!(out, "{l}");
    }
    if trace {
        let _ = writeln!(out, "@@TRACE");
        for l in kabi::trace::records() {
            let _ = writeln!(out, "{l}");
        }
    }
    let _ = out.flush();
    // Other threads stay where they are stuck; exit does not wait for them.
    std::process::exit(0)
}

/// Deadline of the module in progress in a `--seq` child (ms since start; 0: none).
static SEQ_DEADLINE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `census-one -d DIR --seq`: the modules named on stdin, one after the
/// other in this one kernel: "@@BEGIN name", its log, "@@RESULT name ...".
/// A module past its time limit ends the process ("@@HUNG name"): a
/// kernel with a stuck task is lost.
fn run_seq(trace: bool) -> io::Result<i32> {
    let ms = std::env::var("MODHOST_CENSUS_DEADLINE_MS").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(60_000);
    let start = Instant::now();
    let _ = std::thread::Builder::new().name("census-watchdog".into()).spawn(move || loop {
        std::thread::sleep(Duration::from_millis(100));
        let d = SEQ_DEADLINE.load(std::sync::atomic::Ordering::SeqCst);
        if d != 0 && start.elapsed().as_millis() as u64 > d {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "@@HUNG");
            let _ = out.flush();
            std::process::exit(3);
        }
    });
    let _ = trace;
    for line in io::stdin().lines() {
        let Ok(name) = line else { break };
        let name = name.trim().to_string();
        if name.is_empty() {
            continue;
        }
        {
            let mut out = io::stdout().lock();
            writeln!(out, "@@BEGIN {name}")?;
            out.flush()?;
        }
        SEQ_DEADLINE.store(start.elapsed().as_millis() as u64 + ms, std::sync::atomic::Ordering::SeqCst);
        let seq = kabi::log::next_seq();
        let insert = modprobe(&name, false, false);
        wait_async();
        kabi::drivers::base::firmware_loader::wait_idle();
        let remove = (insert.0 == 0).then(|| modprobe(&name, true, false));
        SEQ_DEADLINE.store(0, std::sync::atomic::Ordering::SeqCst);
        let log: Vec<String> = kabi::log::records_since(seq).into_iter().map(|r| r.text).collect();
        let o = classify(insert, remove, &log);
        let mut out = io::stdout().lock();
        writeln!(out, "@@RESULT {name}\t{}\t{}\t{}", o.class, clean(&o.detail), clean(&o.note))?;
        out.flush()?;
    }
    Ok(0)
}

/// `census --single-kernel`: every module through one host kernel.
fn run_single(o: &Opts, exe: &Path, names: &[String], dir: &Path) -> io::Result<i32> {
    let started = Instant::now();
    let per_process = read_tsv(&dir.join("host.tsv")).unwrap_or_default();
    let mut results: Vec<(String, Outcome)> = Vec::new();
    let mut lost: Vec<(String, String)> = Vec::new();
    let mut next = 0usize;
    let mut kernels = 0;
    while next < names.len() {
        kernels += 1;
        let mut child = Command::new(exe)
            .arg("census-one")
            .arg("-d")
            .arg(&o.moddir)
            .arg("--seq")
            .env("MODHOST_CENSUS_CHILD", "1")
            .env("MODHOST_CENSUS_DEADLINE_MS", o.timeout.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut stdin = child.stdin.take().expect("piped");
        let list: String = names[next..].iter().map(|n| format!("{n}\n")).collect();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(list.as_bytes());
        });
        let stdout = child.stdout.take().expect("piped");
        let mut current: Option<String> = None;
        let mut hung = false;
        for line in io::BufRead::lines(io::BufReader::new(stdout)) {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("@@BEGIN ") {
                current = Some(n.to_string());
            } else if let Some(r) = line.strip_prefix("@@RESULT ") {
                let mut f = r.splitn(4, '\t');
                let name = f.next().unwrap_or("").to_string();
                let oc = Outcome { class: f.next().unwrap_or("").into(), detail: f.next().unwrap_or("").into(), note: f.next().unwrap_or("").into() };
                if !o.quiet {
                    eprintln!("[{}/{}] {name}: {} {}", next + 1, names.len(), oc.class, oc.detail);
                }
                results.push((name, oc));
                next += 1;
                current = None;
            } else if line == "@@HUNG" {
                hung = true;
            }
        }
        let status = child.wait()?;
        let _ = feeder.join();
        if let Some(n) = current {
            let why = if hung { format!("hang {}s", o.timeout.as_secs()) } else { format!("crash ({status})") };
            eprintln!("[{}/{}] {n}: kernel lost: {why}; a new kernel takes the next module", next + 1, names.len());
            results.push((n.clone(), Outcome { class: if hung { "hang".into() } else { "crash".into() }, detail: why.clone(), note: "kernel lost".into() }));
            lost.push((n, why));
            next += 1;
        } else if next < names.len() {
            // The child ended between modules: count it and go on.
            lost.push((names[next].clone(), format!("ended before it ({status})")));
        }
    }
    let mut tsv = format!(
        "# modhost census, one host kernel for all modules: release={} modules={} kernels={} elapsed={:.1}s\n# name\tclass\tdetail\tnote\n",
        o.release,
        results.len(),
        kernels,
        started.elapsed().as_secs_f64()
    );
    let mut same = 0;
    let mut differ = Vec::new();
    for (n, oc) in &results {
        tsv.push_str(&format!("{n}\t{}\t{}\t{}\n", oc.class, clean(&oc.detail), clean(&oc.note)));
        match per_process.get(n) {
            Some(p) if p.class == oc.class && p.detail == oc.detail => same += 1,
            Some(p) => differ.push(format!("{n}: alone {} {} / after the others {} {}", p.class, p.detail, oc.class, oc.detail)),
            None => {}
        }
    }
    let out = o.out.clone().unwrap_or_else(|| dir.join("host-single.tsv"));
    write_atomic(&out, &tsv)?;
    let ok = results.iter().filter(|(_, oc)| oc.class == "ok").count();
    println!("one host kernel for {} modules: {} kernel(s) used, {} lost", results.len(), kernels, lost.len());
    for (n, why) in &lost {
        println!("  lost at {n}: {why}");
    }
    println!("init and exit ok: {ok}; same outcome as in a fresh kernel each: {same}; different: {}", differ.len());
    for d in differ.iter().take(30) {
        println!("  {d}");
    }
    println!("elapsed {:.1} s; results: {}", started.elapsed().as_secs_f64(), out.display());
    Ok(if lost.is_empty() { 0 } else { 1 })
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// The modules of a tree: (name as in the file name, path), sorted.
fn tree_modules(moddir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![moddir.join("kernel")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(n) = p.file_name().and_then(|n| n.to_str()) {
                for ext in [".ko", ".ko.xz", ".ko.zst", ".ko.gz"] {
                    if let Some(stem) = n.strip_suffix(ext) {
                        out.push(stem.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Reads a `census` TSV (ours or Linux's): name → outcome.
pub fn read_tsv(path: &Path) -> Option<BTreeMap<String, Outcome>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut m = BTreeMap::new();
    for l in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut f = l.split('\t');
        let (Some(name), Some(class)) = (f.next(), f.next()) else { continue };
        let detail = f.next().unwrap_or("").to_string();
        let note = f.next().unwrap_or("").to_string();
        m.insert(name.to_string(), Outcome { class: class.to_string(), detail, note });
    }
    Some(m)
}

fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

fn fixture_env() -> HashMap<String, String> {
    let cache = std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into());
    let path = std::env::var("MODHOST_FIXTURES").unwrap_or_else(|_| format!("{cache}/fixtures/current/env"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

fn cache_dir() -> PathBuf {
    PathBuf::from(std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into()))
}

struct Opts {
    moddir: PathBuf,
    release: String,
    jobs: usize,
    timeout: Duration,
    sample: Option<usize>,
    modules: Option<Vec<String>>,
    out: Option<PathBuf>,
    linux: Option<PathBuf>,
    quiet: bool,
    single: bool,
}

const USAGE: &str = "Usage: modhost census [options]
Runs every module of a tree through modprobe and modprobe -r, each in a
fresh host kernel, classifies the outcomes and compares them with Linux's.
Options:
  -d ROOT          root of the tree (default: the fixture tree, AMD64_ROOT)
  -S RELEASE       kernel release (default: the fixture release)
  -j JOBS          modules at a time (default: the number of CPUs)
  -t SECONDS       time limit per module (default 60)
  --sample N       a deterministic spread of N modules (host-sample.tsv)
  --modules a,b    these modules only (printed, not saved unless -o)
  -o FILE          where to write the TSV (default $MODHOST_CACHE/census/<release>/host.tsv)
  --linux FILE     Linux's results (default .../census/<release>/linux.tsv, else linux-sample.tsv)
  -q               no progress lines
  --trace          record each module's calls into the host (the module API
                   trace) in its log under host-logs/
  --single-kernel  all the modules, one after the other, in ONE host kernel
                   (as a daemon lives): does it survive them all? Writes
                   host-single.tsv; a lost kernel (hang or crash) is restarted
                   at the next module and counted
";

fn parse(tool: &Tool, args: &[String]) -> Option<Opts> {
    let env = fixture_env();
    let mut root = env.get("AMD64_ROOT").cloned();
    let mut release = env.get("RELEASE").cloned();
    let mut o = Opts {
        moddir: PathBuf::new(),
        release: String::new(),
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        timeout: Duration::from_secs(60),
        sample: None,
        modules: None,
        out: None,
        linux: None,
        quiet: false,
        single: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |what: &str| {
            let v = it.next().cloned();
            if v.is_none() {
                tool.error(&format!("option {what} needs a value"));
            }
            v
        };
        match a.as_str() {
            "--single-kernel" => o.single = true,
            "-d" => root = Some(val("-d")?),
            "-S" => release = Some(val("-S")?),
            "-j" => o.jobs = val("-j")?.parse().ok().filter(|&j| j > 0)?,
            "-t" => o.timeout = Duration::from_secs(val("-t")?.parse().ok()?),
            "--sample" => o.sample = Some(val("--sample")?.parse().ok()?),
            "--modules" => o.modules = Some(val("--modules")?.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()),
            "-o" => o.out = Some(PathBuf::from(val("-o")?)),
            "--linux" => o.linux = Some(PathBuf::from(val("--linux")?)),
            "-q" => o.quiet = true,
            "--trace" => std::env::set_var("MODHOST_TRACE", "1"),
            "-h" | "--help" => {
                print!("{USAGE}");
                return None;
            }
            _ => {
                tool.error(&format!("unknown argument '{a}'\n{USAGE}"));
                return None;
            }
        }
    }
    let (Some(root), Some(release)) = (root, release) else {
        tool.error("no module tree: give -d ROOT -S RELEASE or run scripts/fixtures.sh");
        return None;
    };
    o.moddir = Path::new(&root).join("lib/modules").join(&release);
    o.release = release;
    Some(o)
}

/// Runs one module in a child process under the time limit.
fn run_child(exe: &Path, moddir: &Path, name: &str, timeout: Duration) -> (Outcome, Vec<String>, Duration) {
    let start = Instant::now();
    let child = Command::new(exe)
        .arg("census-one")
        .arg("-d")
        .arg(moddir)
        .arg(name)
        .env("MODHOST_CENSUS_CHILD", "1")
        .env("MODHOST_CENSUS_DEADLINE_MS", timeout.as_millis().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return (Outcome { class: "crash".into(), detail: format!("spawn: {e}"), note: String::new() }, Vec::new(), start.elapsed()),
    };
    // Drain both pipes on threads so a chatty child never blocks.
    let mut so = child.stdout.take().expect("piped");
    let mut se = child.stderr.take().expect("piped");
    let to = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let te = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let mut hung = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            // The child reports its own hang at `timeout`; this is for a
            // child that cannot.
            Ok(None) if start.elapsed() > timeout + Duration::from_secs(3) => {
                hung = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let out = String::from_utf8_lossy(&to.join().unwrap_or_default()).into_owned();
    let err = String::from_utf8_lossy(&te.join().unwrap_or_default()).into_owned();
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    let result = lines.iter().position(|l| l.starts_with("@@RESULT "));
    let outcome = match (hung, result) {
        (true, _) => Outcome { class: "hang".into(), detail: format!("{}s", timeout.as_secs()), note: String::new() },
        (false, Some(i)) => {
            let r = lines.remove(i);
            let mut f = r["@@RESULT ".len()..].splitn(3, '\t');
            Outcome {
                class: f.next().unwrap_or("").to_string(),
                detail: f.next().unwrap_or("").to_string(),
                note: f.next().unwrap_or("").to_string(),
            }
        }
        (false, None) => {
            use std::os::unix::process::ExitStatusExt;
            let how = status.map_or("unknown".to_string(), |s| match s.signal() {
                Some(sig) => format!("signal {sig}"),
                None => format!("exit {}", s.code().unwrap_or(-1)),
            });
            Outcome { class: "crash".into(), detail: how, note: clean(err.lines().last().unwrap_or("")) }
        }
    };
    lines.extend(err.lines().map(|l| format!("[stderr] {l}")));
    (outcome, lines, start.elapsed())
}

/// `modhost census [options]`.
pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let Some(o) = parse(tool, args) else { return Ok(2) };
    let mut names = tree_modules(&o.moddir);
    if names.is_empty() {
        tool.error(&format!("no modules under {}", o.moddir.join("kernel").display()));
        return Ok(1);
    }
    let dir = cache_dir().join("census").join(&o.release);
    std::fs::create_dir_all(dir.join("host-logs"))?;
    let (default_out, default_linux) = match (o.sample, &o.modules) {
        (Some(n), None) => {
            let step = (names.len() / n.max(1)).max(1);
            names = names.into_iter().step_by(step).take(n).collect();
            (Some(dir.join("host-sample.tsv")), dir.join("linux-sample.tsv"))
        }
        (_, Some(list)) => {
            names = list.clone();
            (None, dir.join("linux.tsv"))
        }
        (None, None) => (Some(dir.join("host.tsv")), dir.join("linux.tsv")),
    };
    let out_path = o.out.clone().or(default_out);
    let exe = std::env::current_exe()?;
    if o.single {
        return run_single(&o, &exe, &names, &dir);
    }
    let queue = Arc::new(Mutex::new(names.clone().into_iter().enumerate().collect::<Vec<_>>()));
    let results: Arc<Mutex<BTreeMap<String, (Outcome, Duration)>>> = Arc::default();
    let total = names.len();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..o.jobs {
        let (queue, results, exe, moddir, logs) = (queue.clone(), results.clone(), exe.clone(), o.moddir.clone(), dir.join("host-logs"));
        let (timeout, quiet) = (o.timeout, o.quiet);
        workers.push(std::thread::spawn(move || loop {
            let Some((_, name)) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else { break };
            let (outcome, log, took) = run_child(&exe, &moddir, &name, timeout);
            let _ = std::fs::write(logs.join(format!("{name}.log")), log.join("\n") + "\n");
            let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
            r.insert(name.clone(), (outcome.clone(), took));
            if !quiet {
                eprintln!("[{}/{total}] {name}: {} {}", r.len(), outcome.class, outcome.detail);
            }
        }));
    }
    for w in workers {
        let _ = w.join();
    }
    let elapsed = started.elapsed();
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    let mut tsv = format!(
        "# modhost census (host kernel) release={} modules={} jobs={} timeout={}s elapsed={:.1}s\n# name\tclass\tdetail\tnote\n",
        o.release,
        results.len(),
        o.jobs,
        o.timeout.as_secs(),
        elapsed.as_secs_f64()
    );
    for (name, (oc, _)) in &results {
        tsv.push_str(&format!("{name}\t{}\t{}\t{}\n", oc.class, clean(&oc.detail), clean(&oc.note)));
    }
    if let Some(p) = &out_path {
        write_atomic(p, &tsv)?;
    }
    let host: BTreeMap<String, Outcome> = results.iter().map(|(n, (o, _))| (n.clone(), o.clone())).collect();
    let linux_path = o.linux.clone().unwrap_or(default_linux);
    let linux = read_tsv(&linux_path);
    let mut times: Vec<Duration> = results.values().map(|(_, t)| *t).collect();
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let mut stdout = io::stdout().lock();
    write!(stdout, "{}", report(&host, linux.as_ref().map(|l| (l, linux_path.as_path()))))?;
    writeln!(stdout, "\nhost side: {} modules in {:.1} s with {} jobs (median {:.0} ms per module)", results.len(), elapsed.as_secs_f64(), o.jobs, median.as_secs_f64() * 1000.0)?;
    if let Some(p) = &out_path {
        writeln!(stdout, "results: {}", p.display())?;
    }
    Ok(0)
}

/// The errno number behind a detail (`ENODEV`, `E524`, `Unknown error 524`).
fn errno_number(detail: &str) -> Option<i32> {
    if let Some(n) = detail.strip_prefix("Unknown error ").or_else(|| detail.strip_prefix('E').filter(|d| d.bytes().all(|b| b.is_ascii_digit()))) {
        return n.parse().ok();
    }
    match detail {
        "EAGAIN" => return Some(11),
        "EDEADLOCK" => return Some(35),
        "ENOTSUP" => return Some(95),
        _ => {}
    }
    (1..1024).find(|&e| Errno(e).name() == Some(detail))
}

fn same_error(a: &Outcome, b: &Outcome) -> bool {
    a.class == b.class && (a.detail == b.detail || (errno_number(&a.detail).is_some() && errno_number(&a.detail) == errno_number(&b.detail)))
}

fn succeeded(o: &Outcome) -> bool {
    o.class == "ok" || o.class == "warn"
}

/// The census table (and the comparison with Linux, when given).
pub fn report(host: &BTreeMap<String, Outcome>, linux: Option<(&BTreeMap<String, Outcome>, &Path)>) -> String {
    let mut s = String::new();
    let count = |m: &BTreeMap<String, Outcome>, c: &str| m.values().filter(|o| o.class == c).count();
    const CLASSES: [&str; 8] = ["ok", "warn", "init-error", "exit-error", "unimplemented", "fault", "hang", "crash"];
    s.push_str("| class | host |");
    if linux.is_some() {
        s.push_str(" Linux |");
    }
    s.push('\n');
    s.push_str(if linux.is_some() { "|---|---|---|\n" } else { "|---|---|\n" });
    for c in CLASSES {
        s.push_str(&format!("| {c} | {} |", count(host, c)));
        if let Some((l, _)) = linux {
            let l: BTreeMap<String, Outcome> = l.iter().filter(|(n, _)| host.contains_key(*n)).map(|(n, o)| (n.clone(), o.clone())).collect();
            s.push_str(&format!(" {} |", count(&l, c)));
        }
        s.push('\n');
    }
    s.push_str(&format!("| total | {} |", host.len()));
    if let Some((l, _)) = linux {
        s.push_str(&format!(" {} |", l.keys().filter(|n| host.contains_key(*n)).count()));
    }
    s.push('\n');
    // init-error errnos
    let mut errs: BTreeMap<&str, usize> = BTreeMap::new();
    for o in host.values().filter(|o| o.class == "init-error") {
        *errs.entry(o.detail.as_str()).or_default() += 1;
    }
    if !errs.is_empty() {
        s.push_str("\nhost init errors: ");
        s.push_str(&errs.iter().map(|(e, n)| format!("{e} {n}")).collect::<Vec<_>>().join(", "));
        s.push('\n');
    }
    // most wanted
    let mut wanted: HashMap<&str, usize> = HashMap::new();
    for o in host.values().filter(|o| o.class == "unimplemented") {
        *wanted.entry(o.detail.as_str()).or_default() += 1;
    }
    let mut wanted: Vec<(&str, usize)> = wanted.into_iter().collect();
    wanted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !wanted.is_empty() {
        s.push_str("\nmost-wanted unimplemented exports (modules stopped by each):\n");
        for (sym, n) in wanted.iter().take(40) {
            s.push_str(&format!("  {n:5}  {sym}\n"));
        }
    }
    if let Some((l, path)) = linux {
        let mut both_ok = 0;
        let mut agree_err = 0;
        let mut host_only: Vec<&str> = Vec::new();
        let mut linux_only: BTreeMap<String, usize> = BTreeMap::new();
        let mut differ: BTreeMap<String, usize> = BTreeMap::new();
        let mut missing = 0;
        for (n, h) in host {
            let Some(lo) = l.get(n) else {
                missing += 1;
                continue;
            };
            match (succeeded(h), succeeded(lo)) {
                (true, true) => both_ok += 1,
                (true, false) => host_only.push(n),
                (false, true) => *linux_only.entry(format!("{} {}", h.class, if h.class == "fault" { "" } else { &h.detail })).or_default() += 1,
                (false, false) if same_error(h, lo) => agree_err += 1,
                (false, false) => *differ.entry(format!("host {} {} / Linux {} {}", h.class, h.detail, lo.class, lo.detail)).or_default() += 1,
            }
        }
        s.push_str(&format!("\ncompared with Linux ({}):\n", path.display()));
        s.push_str(&format!("  init and exit succeed on both: {both_ok}\n"));
        s.push_str(&format!("  fail the same way on both: {agree_err}\n"));
        s.push_str(&format!("  succeed in the host only (must be 0): {}{}\n", host_only.len(), if host_only.is_empty() { String::new() } else { format!(" ({})", host_only.join(", ")) }));
        s.push_str(&format!("  succeed on Linux only: {}\n", linux_only.values().sum::<usize>()));
        let mut lo: Vec<_> = linux_only.into_iter().collect();
        lo.sort_by(|a, b| b.1.cmp(&a.1));
        for (why, n) in lo.iter().take(25) {
            s.push_str(&format!("    {n:5}  host: {why}\n"));
        }
        s.push_str(&format!("  fail differently: {}\n", differ.values().sum::<usize>()));
        let mut d: Vec<_> = differ.into_iter().collect();
        d.sort_by(|a, b| b.1.cmp(&a.1));
        for (why, n) in d.iter().take(15) {
            s.push_str(&format!("    {n:5}  {why}\n"));
        }
        if missing > 0 {
            s.push_str(&format!("  not in Linux's results: {missing}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let log = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let o = classify((1, Some(14)), None, &log(&["x: called foo_bar(), which the host kernel does not implement", "CPU: 0"]));
        assert_eq!((o.class.as_str(), o.detail.as_str()), ("unimplemented", "foo_bar"));
        let o = classify((1, Some(14)), None, &log(&["x: accessed init_net+0x10, data which the host kernel does not implement"]));
        assert_eq!((o.class.as_str(), o.detail.as_str()), ("unimplemented", "init_net"));
        let o = classify((1, Some(19)), None, &[]);
        assert_eq!((o.class.as_str(), o.detail.as_str()), ("init-error", "ENODEV"));
        let o = classify((1, Some(524)), None, &[]);
        assert_eq!(o.detail, "ENOTSUPP");
        let o = classify((0, None), Some((1, Some(16))), &[]);
        assert_eq!((o.class.as_str(), o.detail.as_str()), ("exit-error", "EBUSY"));
        let o = classify((0, None), Some((1, None)), &[]);
        assert_eq!((o.class.as_str(), o.detail.as_str()), ("exit-error", "EBUSY"));
        let o = classify((1, Some(14)), None, &log(&["BUG: kernel NULL pointer dereference, address: 0000000000000000"]));
        assert_eq!(o.class, "fault");
        let o = classify((0, None), Some((0, None)), &log(&["WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x10 [m]"]));
        assert_eq!(o.class, "warn");
        assert_eq!(classify((0, None), Some((0, None)), &[]).class, "ok");
    }

    #[test]
    fn errno_numbers_match_across_spellings() {
        assert_eq!(errno_number("ENODEV"), Some(19));
        assert_eq!(errno_number("E524"), Some(524));
        assert_eq!(errno_number("ENOTSUPP"), Some(524));
        assert_eq!(errno_number("Unknown error 524"), Some(524));
        assert_eq!(errno_number("EAGAIN"), errno_number("EWOULDBLOCK"));
        let a = Outcome { class: "init-error".into(), detail: "EAGAIN".into(), note: String::new() };
        let b = Outcome { class: "init-error".into(), detail: "EWOULDBLOCK".into(), note: String::new() };
        assert!(same_error(&a, &b));
    }
}

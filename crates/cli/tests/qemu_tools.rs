//! The tools harness (issue 11, item 5): kmod 30's tools against modhost's, inside
//! Debian's own kernel.
//!
//! Every scenario of `tests/tools/scenarios/*.scn` (see `tests/tools/README.md`) runs in
//! a QEMU guest booted from the fixture release's `vmlinuz` with an initramfs holding
//! that kernel's whole module tree, Debian's `/bin/kmod` (its tools linked in `/k`) and
//! the `modhost` binary (the same names linked in `/m`; `/sbin` is a link to one of
//! the two, so both run as `/sbin/<tool>`, also for the kernel's `request_module`). The guest runs each scenario
//! twice from the same starting state — all modules unloaded, `/etc/modprobe.d` holding
//! the scenario's files, the tree's index files pristine — first with kmod's tools,
//! then with modhost's, and reports the starting state (compared like a step) and,
//! after every step: exit status, stdout, stderr,
//! `/proc/modules` (addresses masked), `/sys/module` (the listing and every loaded
//! module's state and parameters), the kernel log lines the step produced and the
//! files a step may write (the tree's `modules.*`, the work directory). Any difference
//! fails the test, unless `tests/tools/allowed` names it with a reason of
//! docs/compat-diff.md.
//!
//! Environment: `MODHOST_TOOLS_SCENARIOS=a,b` (the scenarios whose file name holds one
//! of the words; `all`: every one; under `CI=true` without it, only the scenarios
//! marked `@ci`),
//! `MODHOST_TOOLS_KEEP=1` (keep `$MODHOST_CACHE/tools/run-<pid>`; kept anyway when
//! something differs), `MODHOST_TOOLS_TIMEOUT` (seconds per boot, default 900),
//! `MODHOST_TOOLS_JOBS` (boots at a time, default 2). The report is copied to
//! `$MODHOST_CACHE/tools/last-report.txt`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod qemu;
use qemu::*;

const GUEST_INIT: &str = include_str!("../../../tests/tools/guest-init.sh");

/// The kmod names, each a link to `/bin/kmod` in `/k` and to `/bin/modhost` in `/m`.
const TOOLS: [&str; 7] = ["insmod", "rmmod", "lsmod", "modprobe", "depmod", "modinfo", "kmod"];
/// The busybox applets the init script and the `sh` steps use.
const APPLETS: &[&str] = &[
    "sh", "mount", "mkdir", "stty", "uname", "cat", "rm", "cp", "cut", "tr", "ls", "md5sum", "find", "sort", "dmesg", "base64", "poweroff", "echo",
    "printf", "grep", "head", "tail", "ln", "mv", "wc", "sed", "touch", "xz", "test", "true", "false", "sleep", "readlink",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

macro_rules! skip {
    ($($t:tt)*) => {{
        let msg = format!($($t)*);
        if require() {
            panic!("{msg} (MODHOST_REQUIRE_FIXTURES=1)");
        }
        eprintln!("note: {msg}; skipping the tools test in Linux");
        return;
    }};
}

// ------------------------------------------------------------------------------------------
// Scenarios
// ------------------------------------------------------------------------------------------

/// One scenario: its boot, the files of `/etc/modprobe.d` and its steps.
#[derive(Debug, Default)]
struct Scenario {
    name: String,
    boot: String,
    ci: bool,
    conf: BTreeMap<String, String>,
    /// (scenario line, words of the guest's step: tool or `sh`, then arguments)
    steps: Vec<(String, Vec<String>)>,
}

fn parse_scenario(name: &str, text: &str) -> Result<Scenario, String> {
    let mut s = Scenario { name: name.to_string(), boot: "main".into(), ..Default::default() };
    for (n, raw) in text.lines().enumerate() {
        let at = format!("{name}:{}", n + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let w: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        match w[0].as_str() {
            "@boot" if w.len() == 2 && s.steps.is_empty() => s.boot = w[1].clone(),
            "@ci" if w.len() == 1 => s.ci = true,
            // conf FILE LINE...: a line of /etc/modprobe.d/FILE (spacing kept)
            "conf" if w.len() >= 3 => {
                let rest = line["conf".len()..].trim_start();
                let rest = rest[w[1].len()..].trim_start();
                if w[1].contains('/') {
                    return Err(format!("{at}: conf file name with a slash"));
                }
                let f = s.conf.entry(w[1].clone()).or_default();
                f.push_str(rest);
                f.push('\n');
            }
            "sh" if w.len() >= 2 => s.steps.push((line.to_string(), w)),
            t if TOOLS.contains(&t) => s.steps.push((line.to_string(), w)),
            _ => return Err(format!("{at}: unknown line {line:?}")),
        }
    }
    if s.steps.is_empty() {
        return Err(format!("{name}: no steps"));
    }
    Ok(s)
}

/// Module reference kinds: `tree:` is the file of the guest's module tree itself,
/// `xz:`/`zst:` the compressed fixture trees' file, the others those of
/// `tests/diff/README.md` (written to `/t/<k>/`).
const REF_KINDS: [&str; 9] = ["tree", "xz", "zst", "test", "none", "empty", "bytes", "patch", "mutated"];

fn is_ref(w: &str) -> bool {
    w.split_once(':').is_some_and(|(k, r)| REF_KINDS.contains(&k) && (!r.is_empty() || k == "none" || k == "empty"))
}

struct Refs<'a> {
    env: &'a Env,
    xz_root: Option<PathBuf>,
    zst_root: Option<PathBuf>,
    /// reference -> guest path
    paths: HashMap<String, String>,
    /// guest path -> bytes
    files: BTreeMap<String, Vec<u8>>,
    notes: BTreeMap<String, String>,
}

impl Refs<'_> {
    fn guest_path(&mut self, r: &str) -> Result<String, String> {
        if let Some(p) = self.paths.get(r) {
            return Ok(p.clone());
        }
        let (kind, rest) = r.split_once(':').unwrap();
        let k = self.paths.len();
        let path = match kind {
            "tree" => {
                let host = self.env.root.join("lib/modules").join(&self.env.release).join("kernel").join(rest);
                if !host.is_file() {
                    return Err(format!("{r}: {} missing", host.display()));
                }
                format!("/lib/modules/{}/kernel/{rest}", self.env.release)
            }
            "xz" | "zst" => {
                let root = if kind == "xz" { &self.xz_root } else { &self.zst_root };
                let root = root.as_ref().ok_or_else(|| format!("{r}: no AMD64_{}_ROOT in the fixtures", kind.to_uppercase()))?;
                let host = root.join("lib/modules").join(&self.env.release).join("kernel").join(format!("{rest}.{kind}"));
                let bytes = std::fs::read(&host).map_err(|e| format!("{r}: {}: {e}", host.display()))?;
                let p = format!("/t/{k}/{}", host.file_name().unwrap().to_string_lossy());
                self.files.insert(p.clone(), bytes);
                p
            }
            _ => {
                let m = resolve(self.env, r)?;
                let p = format!("/t/{k}/{}", m.basename);
                if let Some(b) = m.bytes {
                    self.files.insert(p.clone(), b);
                }
                if !m.notes.is_empty() {
                    self.notes.insert(r.to_string(), m.notes.join("; "));
                }
                p
            }
        };
        self.paths.insert(r.to_string(), path.clone());
        Ok(path)
    }

    /// A step's words with `$R` replaced by the release and module references by
    /// guest paths (also the words of `sh` commands).
    fn expand(&mut self, words: &[String]) -> Result<Vec<String>, String> {
        words
            .iter()
            .map(|w| {
                let w = w.replace("$R", &self.env.release);
                if is_ref(&w) {
                    return self.guest_path(&w);
                }
                Ok(w)
            })
            .collect()
    }
}

// ------------------------------------------------------------------------------------------
// The initramfs: the module tree (cached) and the run's part
// ------------------------------------------------------------------------------------------

fn run_cpio(scenarios: &[&Scenario], plans: &[String], files: &BTreeMap<String, Vec<u8>>, prewarm: Option<&Vec<u8>>, modhost: &Path) -> Vec<u8> {
    let mut c = Cpio::default();
    let mut dirs = std::collections::BTreeSet::new();
    let mut mkdirs = |c: &mut Cpio, p: &str| {
        let mut acc = String::new();
        let parts: Vec<&str> = p.trim_start_matches('/').split('/').collect();
        for part in &parts[..parts.len() - 1] {
            acc.push('/');
            acc.push_str(part);
            if dirs.insert(acc.clone()) {
                c.dir(&acc);
            }
        }
    };
    for d in ["/proc", "/sys", "/dev", "/tmp", "/run", "/etc/modprobe.d", "/bin", "/k", "/m", "/t", "/s"] {
        mkdirs(&mut c, &format!("{d}/x"));
    }
    c.entry("dev/console", 0o020600, &[], (5, 1));
    c.file("bin/busybox", &std::fs::read("/bin/busybox").unwrap(), true);
    for a in APPLETS {
        c.symlink(&format!("bin/{a}"), "busybox");
    }
    c.file("bin/kmod", &std::fs::read("/bin/kmod").unwrap(), true);
    c.file("bin/modhost", &std::fs::read(modhost).unwrap(), true);
    for t in TOOLS {
        c.symlink(&format!("k/{t}"), "/bin/kmod");
        c.symlink(&format!("m/{t}"), "/bin/modhost");
    }
    // switched to /m for modhost's runs
    c.symlink("sbin", "k");
    let mut libs: Vec<String> = ldd("/bin/kmod");
    libs.extend(ldd(&modhost.to_string_lossy()));
    libs.sort();
    libs.dedup();
    for lib in libs {
        mkdirs(&mut c, &lib);
        c.file(&lib, &std::fs::read(&lib).unwrap(), true);
    }
    c.file("init", GUEST_INIT.as_bytes(), true);
    if let Some(p) = prewarm {
        c.file("t/prewarm.ko", p, false);
    }
    for (k, (s, plan)) in scenarios.iter().zip(plans).enumerate() {
        let d = format!("s/{k:03}");
        c.dir(&d);
        c.dir(&format!("{d}/conf"));
        for (name, text) in &s.conf {
            c.file(&format!("{d}/conf/{name}"), text.as_bytes(), false);
        }
        c.file(&format!("{d}/steps"), plan.as_bytes(), false);
    }
    for (path, bytes) in files {
        mkdirs(&mut c, path);
        c.file(path, bytes, false);
    }
    c.finish()
}

// ------------------------------------------------------------------------------------------
// The guest's report
// ------------------------------------------------------------------------------------------

#[derive(Default, Debug, Clone)]
struct Obs {
    rc: String,
    out: String,
    err: String,
    proc: String,
    sys: String,
    log: String,
    files: String,
}

const FIELDS: [&str; 7] = ["rc", "stdout", "stderr", "proc", "sys", "log", "files"];

impl Obs {
    fn field(&self, f: &str) -> &str {
        match f {
            "rc" => &self.rc,
            "stdout" => &self.out,
            "stderr" => &self.err,
            "proc" => &self.proc,
            "sys" => &self.sys,
            "log" => &self.log,
            "files" => &self.files,
            _ => unreachable!(),
        }
    }
}

#[derive(Default)]
struct GuestRun {
    boot: Option<String>,
    /// (step, side 'k' or 'm')
    steps: BTreeMap<(usize, char), Obs>,
    problems: Vec<String>,
    done: bool,
}

fn parse_guest(text: &str) -> GuestRun {
    let mut run = GuestRun::default();
    let mut cur: Option<((usize, char), Obs)> = None;
    let mut blob: Option<(String, String)> = None;
    let finish_blob = |cur: &mut Option<((usize, char), Obs)>, blob: &mut Option<(String, String)>| {
        if let (Some((_, o)), Some((name, data))) = (cur.as_mut(), blob.take()) {
            let raw = b64decode(&data);
            let t = if name == "LOG" { kmsg_escape(&raw) } else { lossy(&raw) };
            match name.as_str() {
                "OUT" => o.out = t,
                "ERR" => o.err = t,
                "PROC" => o.proc = t,
                "SYS" => o.sys = t,
                "LOG" => o.log = t,
                "FILES" => o.files = t,
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
                "PROBLEM" => run.problems.push(v.to_string()),
                "STEP" => {
                    cur = v.split_once(' ').and_then(|(n, s)| Some(((n.parse().ok()?, s.chars().next()?), Obs::default())));
                }
                "RC" => {
                    if let Some((_, o)) = cur.as_mut() {
                        o.rc = v.to_string();
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

/// `tests/tools/allowed`: `<scenario-glob> <field> <line-glob> -- <reason>`.
struct Allowed {
    scenario: String,
    field: String,
    line: String,
}

fn load_allowed(root: &Path) -> Vec<Allowed> {
    load_rules(root, "tests/tools", "allowed")
        .into_iter()
        .map(|(at, rule)| {
            let mut w = rule.splitn(3, ' ');
            let (Some(s), Some(f), Some(g)) = (w.next(), w.next(), w.next()) else { panic!("{at}: bad rule") };
            assert!(FIELDS.contains(&f), "{at}: unknown field {f}");
            Allowed { scenario: s.into(), field: f.into(), line: g.trim_end().into() }
        })
        .collect()
}

fn normalise(o: &Obs, ignore: &[String]) -> Obs {
    let log = o.log.lines().map(strip_ts).filter(|l| !ignore.iter().any(|g| glob(g, l))).map(|l| format!("{l}\n")).collect();
    Obs { proc: mask_proc(&o.proc), sys: norm_sys(&o.sys), log, ..o.clone() }
}

fn drop_allowed(text: &str, scenario: &str, field: &str, allowed: &[Allowed]) -> String {
    text.lines().filter(|l| !allowed.iter().any(|a| a.field == field && glob(&a.scenario, scenario) && glob(&a.line, l))).map(|l| format!("{l}\n")).collect()
}

/// `diff`'s output with only the changed lines and two lines of context around
/// them (`...` for what is left out): `/sys/module` and the file list are long.
fn compact_diff(a: &str, b: &str) -> String {
    let d = diff(a, b);
    let lines: Vec<&str> = d.lines().collect();
    let changed: Vec<bool> = lines.iter().map(|l| l.starts_with("    + ") || l.starts_with("    - ")).collect();
    let near = |i: usize| (i.saturating_sub(2)..(i + 3).min(lines.len())).any(|j| changed[j]);
    let mut out = String::new();
    let mut gap = false;
    for (i, l) in lines.iter().enumerate() {
        if near(i) {
            out.push_str(l);
            out.push('\n');
            gap = false;
        } else if !gap {
            out.push_str("      ...\n");
            gap = true;
        }
    }
    out
}

/// The step's outcome for the report: `ok`, or the exit status and the last line of
/// stderr.
fn outcome(o: &Obs) -> String {
    if o.rc == "0" {
        return "ok".into();
    }
    let msg = o.err.lines().last().unwrap_or("");
    let msg: String = msg.chars().take(60).collect();
    format!("rc {} {msg}", o.rc)
}

// ------------------------------------------------------------------------------------------
// The test
// ------------------------------------------------------------------------------------------

/// Every scenario file parses and its module references resolve (no QEMU: a quick
/// check of the files the QEMU test runs).
#[test]
fn scenarios_parse_and_resolve() {
    let root = repo_root();
    let cache = PathBuf::from(std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into()));
    let env = match load_env(&cache) {
        Ok(e) => e,
        Err(e) => skip!("{e}"),
    };
    let kv = read_kv(&std::env::var_os("MODHOST_FIXTURES").map(PathBuf::from).unwrap_or_else(|| cache.join("fixtures/current/env"))).unwrap_or_default();
    let mut refs = Refs {
        env: &env,
        xz_root: kv.get("AMD64_XZ_ROOT").map(PathBuf::from),
        zst_root: kv.get("AMD64_ZST_ROOT").map(PathBuf::from),
        paths: HashMap::new(),
        files: BTreeMap::new(),
        notes: BTreeMap::new(),
    };
    let mut n = 0;
    let mut ci = 0;
    for e in std::fs::read_dir(root.join("tests/tools/scenarios")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let s = parse_scenario(&name, &std::fs::read_to_string(&p).unwrap()).unwrap_or_else(|e| panic!("{e}"));
        for (line, words) in &s.steps {
            let g = refs.expand(words).unwrap_or_else(|e| panic!("{name}: {line}: {e}"));
            assert!(g.iter().all(|w| !w.contains("$R") && !is_ref(w)), "{name}: {line}: not expanded: {g:?}");
            n += 1;
        }
        ci += usize::from(s.ci);
    }
    assert!(n >= 100 && ci >= 1, "{n} steps, {ci} CI scenarios");
    // a bad line is refused with its place
    assert_eq!(parse_scenario("x", "frobnicate now").unwrap_err(), "x:1: unknown line \"frobnicate now\"");
    assert!(parse_scenario("x", "# only a comment").is_err());
}

#[test]
fn modhost_tools_match_kmod_in_linux() {
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
    let fx = std::env::var_os("MODHOST_FIXTURES").map(PathBuf::from).unwrap_or_else(|| cache.join("fixtures/current/env"));
    let kv = read_kv(&fx).unwrap_or_default();

    // scenarios
    let only: Vec<String> =
        std::env::var("MODHOST_TOOLS_SCENARIOS").map(|s| s.split(',').map(str::to_string).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    // `all`: every scenario, also under CI=true
    let all = only.iter().any(|o| o == "all");
    let only: Vec<String> = if all { Vec::new() } else { only };
    let ci_sample = !all && only.is_empty() && std::env::var("CI").as_deref() == Ok("true");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("tests/tools/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .collect();
    paths.sort();
    let mut scenarios = Vec::new();
    for p in &paths {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let s = parse_scenario(&name, &std::fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{e}"));
        if (only.is_empty() || only.iter().any(|o| name.contains(o.as_str()))) && (!ci_sample || s.ci) {
            scenarios.push(s);
        }
    }
    assert!(!scenarios.is_empty(), "no scenarios selected");

    // work directory (those of earlier runs whose process is gone are removed)
    let tdir = cache.join("tools");
    std::fs::create_dir_all(&tdir).unwrap();
    for e in std::fs::read_dir(&tdir).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = n.strip_prefix("run-") {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let work = tdir.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    // steps, numbered across all scenarios
    let mut refs = Refs {
        env: &env,
        xz_root: kv.get("AMD64_XZ_ROOT").map(PathBuf::from),
        zst_root: kv.get("AMD64_ZST_ROOT").map(PathBuf::from),
        paths: HashMap::new(),
        files: BTreeMap::new(),
        notes: BTreeMap::new(),
    };
    // (scenario index, scenario line, guest words)
    let mut steps: Vec<(usize, String, Vec<String>)> = Vec::new();
    let mut plans: Vec<String> = Vec::new();
    for (si, s) in scenarios.iter().enumerate() {
        let mut plan = String::new();
        // the starting state of both runs, compared like a step
        let _ = writeln!(plan, "{} start", steps.len());
        steps.push((si, "(starting state)".to_string(), vec!["start".to_string()]));
        for (line, words) in &s.steps {
            let g = refs.expand(words).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            let _ = writeln!(plan, "{} {}", steps.len(), g.join(" "));
            steps.push((si, line.clone(), g));
        }
        plans.push(plan);
    }
    let prewarm = env.test_modules.get("hello").and_then(|p| std::fs::read(p).ok());

    // the boots: scenarios grouped by `@boot`, each one initramfs = tree + run part
    let tree = tree_cpio(&env, &cache);
    let mut boots: Vec<String> = Vec::new();
    for s in &scenarios {
        if !boots.contains(&s.boot) {
            boots.push(s.boot.clone());
        }
    }
    let modhost = PathBuf::from(env!("CARGO_BIN_EXE_modhost"));
    let mut guest_boots = Vec::new();
    for b in &boots {
        let dir = work.join(format!("boot-{b}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mine: Vec<usize> = (0..scenarios.len()).filter(|&i| &scenarios[i].boot == b).collect();
        let ss: Vec<&Scenario> = mine.iter().map(|&i| &scenarios[i]).collect();
        let ps: Vec<String> = mine.iter().map(|&i| plans[i].clone()).collect();
        let files: BTreeMap<String, Vec<u8>> = refs
            .files
            .iter()
            .filter(|(p, _)| ps.iter().any(|pl| pl.contains(p.as_str())))
            .map(|(p, v)| (p.clone(), v.clone()))
            .collect();
        let run = run_cpio(&ss, &ps, &files, prewarm.as_ref(), &modhost);
        std::fs::write(dir.join("plan"), ps.concat()).unwrap();
        let initrd = dir.join("initrd.cpio");
        std::fs::copy(&tree, &initrd).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&initrd).unwrap();
        f.write_all(&run).unwrap();
        guest_boots.push((dir, initrd));
    }
    let secs = |var: &str, default: u64| Duration::from_secs(std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or(default));
    let limit = secs("MODHOST_TOOLS_TIMEOUT", 900);
    let jobs = std::env::var("MODHOST_TOOLS_JOBS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let opts = QemuOpts { mem_mb: 2048, ..Default::default() };
    let guests = run_guests(&env, guest_boots, &opts, jobs, limit, limit * boots.len() as u32);
    // the initrds are large: never kept
    for b in &boots {
        let _ = std::fs::remove_file(work.join(format!("boot-{b}/initrd.cpio")));
    }

    let mut results: BTreeMap<(usize, char), Obs> = BTreeMap::new();
    let mut problems = String::new();
    let mut boot_lines = Vec::new();
    let mut guest_time = Duration::ZERO;
    for (b, g) in boots.iter().zip(guests) {
        let run = parse_guest(&g.text);
        guest_time = guest_time.max(g.time);
        boot_lines.push(format!(
            "{b}: {} in {:.1}s",
            run.boot.as_deref().map_or("did not boot".to_string(), |x| format!("Linux {x}")),
            g.time.as_secs_f64()
        ));
        for p in &run.problems {
            let _ = writeln!(problems, "\nboot {b}: {p}");
        }
        if !run.done {
            let tail: Vec<&str> = g.console.lines().rev().take(40).collect();
            let _ = writeln!(
                problems,
                "\nThe guest of boot {b} did not finish its plan{}. Last console lines:\n{}",
                if g.timed_out { " (timed out)" } else { "" },
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        results.extend(run.steps);
    }

    // compare
    // log lines of the kernel's own, in whichever step runs when they come
    let ignore: Vec<String> = load_rules(&root, "tests/diff", "linux-log-ignore")
        .into_iter()
        .chain(load_rules(&root, "tests/tools", "log-ignore"))
        .map(|(_, g)| g.trim().to_string())
        .collect();
    let allowed = load_allowed(&root);
    let (mut summary, mut report) = (String::new(), String::new());
    let mut bad = 0;
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, (si, line, words)) in steps.iter().enumerate() {
        let sc = &scenarios[*si].name;
        let e = per.entry(sc).or_default();
        e.0 += 1;
        let (Some(k), Some(m)) = (results.get(&(i, 'k')), results.get(&(i, 'm'))) else {
            e.1 += 1;
            bad += 1;
            let _ = writeln!(summary, "! {sc:<22} {i:>3} {line:<52} (no report from the guest)");
            let _ = writeln!(report, "\n[{sc}] step {i}: {line}\n  no report from the guest (kmod: {}, modhost: {})", results.contains_key(&(i, 'k')), results.contains_key(&(i, 'm')));
            continue;
        };
        let (k, m) = (normalise(k, &ignore), normalise(m, &ignore));
        let mut fields = String::new();
        for f in FIELDS {
            let (a, b) = (drop_allowed(k.field(f), sc, f, &allowed), drop_allowed(m.field(f), sc, f, &allowed));
            if a != b {
                let _ = write!(fields, "  {f} (- kmod, + modhost):\n{}", compact_diff(&a, &b));
            }
        }
        let row = format!("{sc:<22} {i:>3} {line:<52} kmod: {:<30} modhost: {}", outcome(&k), outcome(&m));
        let _ = writeln!(summary, "{}{}", if fields.is_empty() { "  " } else { "! " }, row.trim_end());
        if !fields.is_empty() {
            e.1 += 1;
            bad += 1;
            let _ = writeln!(report, "\n[{sc}] step {i}: {line}\n  guest command: {}", words.join(" "));
            for w in &scenarios[*si].steps.iter().find(|(l, _)| l == line).map(|(_, w)| w.clone()).unwrap_or_default() {
                if let Some(n) = refs.notes.get(w) {
                    let _ = writeln!(report, "  module {w}: {n}");
                }
            }
            let _ = writeln!(report, "  kmod: {}   modhost: {}\n{fields}", outcome(&k), outcome(&m));
        }
    }
    let mut head = String::new();
    let _ = writeln!(
        head,
        "Tools test in Linux (kmod 30 vs modhost, same guest, same starting state): {} scenarios, {} steps, {} boots; guest {:.1}s, total {:.1}s",
        per.len(),
        steps.len(),
        boots.len(),
        guest_time.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    if ci_sample {
        let _ = writeln!(head, "  (CI sample: the scenarios marked @ci; the full set: bash scripts/qemu-tools.sh)");
    }
    for b in &boot_lines {
        let _ = writeln!(head, "  boot {b}");
    }
    for (sc, (n, b)) in &per {
        let _ = writeln!(head, "  {:<24} {}", sc, if *b == 0 { format!("agree ({n} steps)") } else { format!("DIFFER in {b} of {n} steps") });
    }
    let notes: String = refs.notes.iter().map(|(r, n)| format!("  {r}: {n}\n")).collect();
    let full = format!(
        "{head}\nSteps (! = differs):\n{summary}\nGenerated modules:\n{notes}\nDifferences:{}{report}{problems}\n",
        if bad == 0 { " none\n" } else { "\n" }
    );
    std::fs::write(work.join("report.txt"), &full).unwrap();
    let _ = std::fs::write(tdir.join("last-report.txt"), &full);
    let _ = std::io::stderr().write_all(full.as_bytes());
    if std::env::var("MODHOST_TOOLS_KEEP").as_deref() == Ok("1") || bad != 0 || !problems.is_empty() {
        eprintln!("work directory kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    assert!(problems.is_empty(), "the guest reported problems (see {})", work.display());
    assert_eq!(bad, 0, "{bad} steps differ between kmod 30 and modhost in Linux (report above; {})", tdir.join("last-report.txt").display());
}

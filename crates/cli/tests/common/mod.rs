//! Shared helpers for the differential tests that run the real kmod 30 tools next to
//! `modhost` and demand byte-identical stdout, stderr and exit status.
//!
//! * the fixture trees (found through `testkit`; `MODHOST_REQUIRE_FIXTURES=1` makes
//!   their absence fatal),
//! * running both tools (concurrently, with a time limit, in a clean environment),
//! * batching many arguments into one invocation and bisecting a mismatching batch down
//!   to the arguments that differ,
//! * readable mismatch reports (first differing line, shell-quoted reproduction).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The environment both tools run in (nothing else is inherited).
pub const CLEAN_PATH: &str = "/sbin:/usr/sbin:/usr/bin:/bin";
/// The real tool. `/sbin/modinfo` is a symlink to `/bin/kmod`, which dispatches on argv[0].
pub const REAL_MODINFO: &str = "/sbin/modinfo";
/// Per-invocation time limit.
pub const TIMEOUT: Duration = Duration::from_secs(180);

// ------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Tree {
    /// Short label: amd64, amd64-xz, amd64-zst, i386, s390x.
    pub label: &'static str,
    /// Filesystem root (the `-b` argument).
    pub root: PathBuf,
    /// Kernel release (the `-k` argument).
    pub release: String,
}

impl Tree {
    pub fn moddir(&self) -> PathBuf {
        testkit::moddir(&self.root, &self.release)
    }

    /// `-b ROOT -k RELEASE`.
    pub fn bk(&self) -> Vec<OsString> {
        vec![
            "-b".into(),
            self.root.clone().into_os_string(),
            "-k".into(),
            self.release.clone().into(),
        ]
    }

    /// Every module file under the tree (`*.ko`, `*.ko.xz`, `*.ko.zst`, ...), sorted.
    pub fn module_files(&self) -> Vec<PathBuf> {
        let mut out = testkit::files_under(&self.moddir());
        out.retain(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".ko")
                || n.ends_with(".ko.xz")
                || n.ends_with(".ko.zst")
                || n.ends_with(".ko.gz")
        });
        out.sort();
        out
    }

    /// Relative paths listed in modules.dep (the key before ':'), in file order.
    pub fn dep_paths(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.moddir().join("modules.dep")).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
            .collect()
    }

    /// Lines of modules.builtin (relative paths).
    pub fn builtin_paths(&self) -> Vec<String> {
        let text =
            std::fs::read_to_string(self.moddir().join("modules.builtin")).unwrap_or_default();
        text.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// (pattern, module) pairs of modules.alias, in file order.
    pub fn aliases(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.moddir().join("modules.alias")).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("alias ")?;
                let (pat, m) = rest.rsplit_once(' ')?;
                Some((pat.to_string(), m.to_string()))
            })
            .collect()
    }

    /// Symbol keys of modules.symbols (`symbol:NAME`), in file order.
    pub fn symbols(&self) -> Vec<String> {
        let text =
            std::fs::read_to_string(self.moddir().join("modules.symbols")).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                l.strip_prefix("alias ")?
                    .split(' ')
                    .next()
                    .map(str::to_string)
            })
            .collect()
    }

    /// Values of `.alias=` records in modules.builtin.modinfo.
    pub fn builtin_aliases(&self) -> Vec<String> {
        let data = std::fs::read(self.moddir().join("modules.builtin.modinfo")).unwrap_or_default();
        data.split(|&b| b == 0)
            .filter_map(|rec| {
                let s = String::from_utf8_lossy(rec);
                let (_, v) = s.split_once(".alias=")?;
                Some(v.to_string())
            })
            .collect()
    }
}

/// Basename up to the first '.', unnormalised.
pub fn stem_of(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split('.').next().unwrap_or(base).to_string()
}

#[derive(Clone, Debug)]
pub struct Fixtures {
    pub trees: Vec<Tree>,
}

impl Fixtures {
    pub fn tree(&self, label: &str) -> Option<&Tree> {
        self.trees.iter().find(|t| t.label == label)
    }
}

/// Fixture trees, or `None` (after printing a skip note) when they are not available.
/// Panics instead when `MODHOST_REQUIRE_FIXTURES=1`.
pub fn fixtures(test: &str) -> Option<Fixtures> {
    static CACHE: OnceLock<Result<Fixtures, String>> = OnceLock::new();
    let res = CACHE.get_or_init(load_fixtures);
    match res {
        Ok(f) => Some(f.clone()),
        Err(why) => testkit::skip(format!("{test}: {why}")),
    }
}

fn load_fixtures() -> Result<Fixtures, String> {
    let fx = testkit::Fixtures::load()?;
    if !Path::new(REAL_MODINFO).exists() {
        return Err(format!("{REAL_MODINFO} (real kmod) is not installed"));
    }
    if fx.release().is_none() {
        return Err("RELEASE missing from fixture env".into());
    }
    let mut trees = Vec::new();
    let mut missing = Vec::new();
    for (label, _, _) in testkit::TREES {
        match fx.tree(label) {
            Some((root, release))
                if testkit::moddir(&root, &release)
                    .join("modules.dep.bin")
                    .is_file() =>
            {
                trees.push(Tree {
                    label,
                    root,
                    release,
                })
            }
            _ => missing.push(label),
        }
    }
    if !missing.is_empty() {
        if testkit::required() || trees.is_empty() {
            return Err(format!(
                "fixture trees missing or incomplete: {}",
                missing.join(", ")
            ));
        }
        eprintln!(
            "NOTE: fixture trees missing or incomplete, not tested: {}",
            missing.join(", ")
        );
    }
    Ok(Fixtures { trees })
}

// ------------------------------------------------------------------------------------------
// Running the tools
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `/sbin/modinfo` with argv[0] = "modinfo".
    Kmod,
    /// `modhost modinfo ...`.
    Ours,
}

/// One invocation: arguments (after the program), working directory, extra environment.
#[derive(Clone, Debug, Default)]
pub struct Inv {
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Run these programs directly instead of the defaults (for argv[0] tests):
    /// (program path, argv[0]) for kmod and for ours.
    pub programs: Option<[(PathBuf, OsString); 2]>,
}

impl Inv {
    pub fn new<I, S>(args: I) -> Inv
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Inv {
            args: args.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Inv {
        self.cwd = Some(dir.into());
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Inv {
        self.env.push((k.into(), v.into()));
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Out {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// "exit N", "signal N" or "timeout".
    pub status: String,
}

pub fn ours_bin() -> &'static str {
    env!("CARGO_BIN_EXE_modhost")
}

fn command_for(tool: Tool, inv: &Inv) -> Command {
    let mut cmd = match (&inv.programs, tool) {
        (Some(p), Tool::Kmod) => {
            let mut c = Command::new(&p[0].0);
            c.arg0(&p[0].1);
            c
        }
        (Some(p), Tool::Ours) => {
            let mut c = Command::new(&p[1].0);
            c.arg0(&p[1].1);
            c
        }
        (None, Tool::Kmod) => {
            let mut c = Command::new(REAL_MODINFO);
            c.arg0("modinfo");
            c
        }
        (None, Tool::Ours) => {
            let mut c = Command::new(ours_bin());
            c.arg("modinfo");
            c
        }
    };
    cmd.args(&inv.args);
    cmd.env_clear();
    cmd.env("PATH", CLEAN_PATH);
    for (k, v) in &inv.env {
        cmd.env(k, v);
    }
    if let Some(d) = &inv.cwd {
        cmd.current_dir(d);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub fn run_one(tool: Tool, inv: &Inv) -> Out {
    let mut child = match command_for(tool, inv).spawn() {
        Ok(c) => c,
        Err(e) => {
            return Out {
                stdout: vec![],
                stderr: format!("<spawn failed: {e}>").into_bytes(),
                status: "spawn-error".into(),
            }
        }
    };
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let mut nap = Duration::from_micros(200);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                break match (st.code(), st.signal()) {
                    (Some(c), _) => format!("exit {c}"),
                    (None, Some(s)) => format!("signal {s}"),
                    _ => "unknown".to_string(),
                }
            }
            Ok(None) => {}
            Err(e) => break format!("wait-error {e}"),
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break "timeout".to_string();
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    };
    Out {
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
        status,
    }
}

/// Run both tools concurrently (under the global concurrency limit).
pub fn run_pair(inv: &Inv) -> (Out, Out) {
    let _permit = Permit::acquire();
    std::thread::scope(|s| {
        let k = s.spawn(|| run_one(Tool::Kmod, inv));
        let o = run_one(Tool::Ours, inv);
        (k.join().unwrap(), o)
    })
}

// A process-wide semaphore so that the tests cargo runs in parallel do not overload
// the machine: at most `nproc` pairs run at once.
struct Permit;
static SEM: OnceLock<(Mutex<usize>, Condvar)> = OnceLock::new();
fn sem() -> &'static (Mutex<usize>, Condvar) {
    SEM.get_or_init(|| (Mutex::new(nproc()), Condvar::new()))
}
impl Permit {
    fn acquire() -> Permit {
        let (m, cv) = sem();
        let mut n = m.lock().unwrap();
        while *n == 0 {
            n = cv.wait(n).unwrap();
        }
        *n -= 1;
        Permit
    }
}
impl Drop for Permit {
    fn drop(&mut self) {
        let (m, cv) = sem();
        *m.lock().unwrap() += 1;
        cv.notify_one();
    }
}

pub fn nproc() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Map `f` over `items` with `workers` threads (order of results = order of items).
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers.max(1).min(items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

// ------------------------------------------------------------------------------------------
// Comparison and reporting
// ------------------------------------------------------------------------------------------

pub fn shell_quote(s: &OsStr) -> String {
    let b = s.as_bytes();
    if !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"-_./=:,+@%^".contains(&c))
    {
        return String::from_utf8_lossy(b).into_owned();
    }
    let mut q = String::from("'");
    for ch in String::from_utf8_lossy(b).chars() {
        if ch == '\'' {
            q.push_str("'\\''");
        } else {
            q.push(ch);
        }
    }
    q.push('\'');
    q
}

/// Shell rendering of an invocation (with long argument lists abbreviated).
pub fn render_cmd(inv: &Inv, max_args: usize) -> String {
    let mut s = String::new();
    if let Some(d) = &inv.cwd {
        s.push_str(&format!("cd {} && ", shell_quote(d.as_os_str())));
    }
    for (k, v) in &inv.env {
        s.push_str(&format!("{k}={} ", shell_quote(OsStr::new(v))));
    }
    match &inv.programs {
        Some(p) => s.push_str(&format!(
            "[kmod: {} as argv0 {} | ours: {} as argv0 {}]",
            p[0].0.display(),
            shell_quote(&p[0].1),
            p[1].0.display(),
            shell_quote(&p[1].1)
        )),
        None => s.push_str("modinfo"),
    }
    let n = inv.args.len();
    for (i, a) in inv.args.iter().enumerate() {
        if n > max_args && i == max_args / 2 {
            s.push_str(&format!(" ...<{} more args>...", n - max_args));
        }
        if n > max_args && i >= max_args / 2 && i < n - max_args / 2 {
            continue;
        }
        s.push(' ');
        s.push_str(&shell_quote(a));
    }
    s
}

fn show_bytes(b: &[u8]) -> String {
    const MAX: usize = 300;
    let cut = b.len() > MAX;
    let b = if cut { &b[..MAX] } else { b };
    let mut s = format!("{:?}", String::from_utf8_lossy(b));
    if cut {
        s.push_str("…");
    }
    s
}

/// Describe the first difference between two byte streams, line by line
/// (lines split at '\n' and at NUL so that `-0` output stays readable).
pub fn first_diff(name: &str, want: &[u8], got: &[u8]) -> Option<String> {
    if want == got {
        return None;
    }
    let split = |b: &[u8]| -> Vec<(usize, Vec<u8>)> {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || c == 0 {
                v.push((start, b[start..=i].to_vec()));
                start = i + 1;
            }
        }
        if start < b.len() {
            v.push((start, b[start..].to_vec()));
        }
        v
    };
    let w = split(want);
    let g = split(got);
    let mut i = 0;
    while i < w.len() && i < g.len() && w[i].1 == g[i].1 {
        i += 1;
    }
    let mut s = format!(
        "  {name}: differs ({} bytes from kmod, {} from ours); first difference at line {} (byte {}):\n",
        want.len(),
        got.len(),
        i + 1,
        w.get(i).map(|x| x.0).or(g.get(i).map(|x| x.0)).unwrap_or(0)
    );
    if i > 0 {
        s.push_str(&format!("     prev: {}\n", show_bytes(&w[i - 1].1)));
    }
    s.push_str(&format!(
        "     kmod: {}\n",
        w.get(i)
            .map(|x| show_bytes(&x.1))
            .unwrap_or_else(|| "<end of output>".into())
    ));
    s.push_str(&format!(
        "     ours: {}\n",
        g.get(i)
            .map(|x| show_bytes(&x.1))
            .unwrap_or_else(|| "<end of output>".into())
    ));
    if let (Some(a), Some(b)) = (w.get(i + 1), g.get(i + 1)) {
        s.push_str(&format!(
            "     next kmod: {}\n     next ours: {}\n",
            show_bytes(&a.1),
            show_bytes(&b.1)
        ));
    }
    Some(s)
}

impl Out {
    /// How `ours` differs from this (kmod's) outcome: status, then the first
    /// differing lines of stdout and of stderr (empty when they agree).
    pub fn diff(&self, ours: &Out) -> String {
        let mut s = String::new();
        if self.status != ours.status {
            s.push_str(&format!(
                "  status: kmod={} ours={}\n",
                self.status, ours.status
            ));
        }
        if let Some(d) = first_diff("stdout", &self.stdout, &ours.stdout) {
            s.push_str(&d);
        }
        if let Some(d) = first_diff("stderr", &self.stderr, &ours.stderr) {
            s.push_str(&d);
        }
        s
    }
}

pub fn describe(label: &str, inv: &Inv, k: &Out, o: &Out) -> Option<String> {
    if k == o {
        return None;
    }
    Some(format!(
        "MISMATCH [{label}]\n  cmd: {}\n{}",
        render_cmd(inv, 12),
        k.diff(o)
    ))
}

/// Collects the results of one test.
pub struct Report {
    pub test: String,
    pub cases: AtomicUsize,
    pub invocations: AtomicUsize,
    pub mismatching_cases: AtomicUsize,
    /// Cases skipped because kmod's own output was not reproducible.
    pub unstable: AtomicUsize,
    pub details: Mutex<Vec<String>>,
    /// Shown in detail: at most this many in all ...
    pub max_details: usize,
    /// ... and at most this many per label (so one systematic difference does not hide
    /// the others).
    pub max_per_label: usize,
    /// Details shown per label.
    per_label: Mutex<BTreeMap<String, usize>>,
    /// Mismatching cases per label (all of them).
    kinds: Mutex<BTreeMap<String, usize>>,
    started: Instant,
}

impl Report {
    pub fn new(test: &str) -> Report {
        Report {
            test: test.to_string(),
            cases: AtomicUsize::new(0),
            invocations: AtomicUsize::new(0),
            mismatching_cases: AtomicUsize::new(0),
            unstable: AtomicUsize::new(0),
            details: Mutex::new(Vec::new()),
            max_details: std::env::var("MODHOST_MAX_MISMATCHES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(25),
            max_per_label: std::env::var("MODHOST_MAX_PER_LABEL")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(2),
            per_label: Mutex::new(BTreeMap::new()),
            kinds: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
        }
    }

    fn want_more_details(&self, label: &str) -> bool {
        self.details.lock().unwrap().len() < self.max_details
            && self
                .per_label
                .lock()
                .unwrap()
                .get(label)
                .copied()
                .unwrap_or(0)
                < self.max_per_label
    }

    /// Account for `n` mismatching cases of kind `label`, keeping the detail if wanted.
    fn add_detail(&self, label: &str, n: usize, d: String) {
        self.mismatching_cases.fetch_add(n, Ordering::Relaxed);
        *self
            .kinds
            .lock()
            .unwrap()
            .entry(label.to_string())
            .or_default() += n;
        if !self.want_more_details(label) {
            return;
        }
        *self
            .per_label
            .lock()
            .unwrap()
            .entry(label.to_string())
            .or_default() += 1;
        self.details.lock().unwrap().push(d);
    }

    /// Account for one case compared elsewhere (`None` = identical).
    pub fn record(&self, label: &str, mismatch: Option<String>) {
        self.cases.fetch_add(1, Ordering::Relaxed);
        self.invocations.fetch_add(1, Ordering::Relaxed);
        if let Some(d) = mismatch {
            self.add_detail(label, 1, d);
        }
    }

    /// Compare one invocation. Returns true when identical.
    pub fn check(&self, label: &str, inv: &Inv) -> bool {
        let (k, o) = run_pair(inv);
        self.compare(label, inv, &k, &o)
    }

    /// Account for one case run as `inv` with these outcomes. Returns true when identical.
    fn compare(&self, label: &str, inv: &Inv, k: &Out, o: &Out) -> bool {
        self.cases.fetch_add(1, Ordering::Relaxed);
        self.invocations.fetch_add(1, Ordering::Relaxed);
        match describe(label, inv, k, o) {
            None => true,
            Some(d) => {
                self.add_detail(label, 1, d);
                false
            }
        }
    }

    /// Like `check`, but the real tool runs twice first: if its own two outputs differ
    /// (undefined behaviour in kmod on malformed input), the case is noted and not compared.
    pub fn check_stable(&self, label: &str, inv: &Inv) -> bool {
        let first = {
            let _permit = Permit::acquire();
            run_one(Tool::Kmod, inv)
        };
        let (k, o) = run_pair(inv);
        if first != k {
            self.unstable.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "NOTE [{label}]: kmod's output is not reproducible, case not compared: {}",
                render_cmd(inv, 12)
            );
            return true;
        }
        self.compare(label, inv, &k, &o)
    }

    /// Run `prefix ++ items[chunk] ++ suffix` for chunks of `items`, in parallel; every
    /// mismatching chunk is bisected to the individual items that differ (a few of them).
    /// `cases` counts every (item, option set) pair.
    pub fn check_batched(
        &self,
        label: &str,
        base: &Inv,
        prefix: &[OsString],
        items: &[OsString],
        suffix: &[OsString],
        chunk: usize,
    ) {
        let chunks: Vec<&[OsString]> = items.chunks(chunk.max(1)).collect();
        let workers = nproc();
        par_map(&chunks, workers, |c| {
            self.cases.fetch_add(c.len(), Ordering::Relaxed);
            let _ = self.bisect(label, base, prefix, c, suffix);
        });
    }

    /// Runs `prefix ++ items ++ suffix` and, if it mismatches, its halves in turn.
    /// Returns the number of mismatching cases found (items of a batch that is not
    /// bisected further because enough details were collected count whole).
    fn bisect(
        &self,
        label: &str,
        base: &Inv,
        prefix: &[OsString],
        items: &[OsString],
        suffix: &[OsString],
    ) -> usize {
        let inv = with_args(base, prefix, items, suffix);
        self.invocations.fetch_add(1, Ordering::Relaxed);
        let (k, o) = run_pair(&inv);
        if k == o {
            return 0;
        }
        if items.len() <= 1 || !self.want_more_details(label) {
            let n = items.len().max(1);
            if let Some(d) = describe(label, &inv, &k, &o) {
                self.add_detail(label, n, d);
            }
            return n;
        }
        let (a, b) = items.split_at(items.len() / 2);
        let found = self.bisect(label, base, prefix, a, suffix)
            + self.bisect(label, base, prefix, b, suffix);
        if found == 0 {
            // Neither half differs on its own: an interaction between arguments.
            if let Some(d) = describe(&format!("{label} (batch only; halves agree)"), &inv, &k, &o)
            {
                self.add_detail(label, 1, d);
            }
            return 1;
        }
        found
    }

    /// Print a summary; panic with the collected mismatches if there were any.
    pub fn finish(self) {
        let cases = self.cases.load(Ordering::Relaxed);
        let invs = self.invocations.load(Ordering::Relaxed);
        let bad = self.mismatching_cases.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        let unstable = self.unstable.load(Ordering::Relaxed);
        eprintln!(
            "{}: {cases} cases in {invs} invocation pairs, {bad} mismatching, {unstable} skipped (kmod not reproducible), {secs:.1}s",
            self.test
        );
        if bad > 0 {
            let details = self.details.into_inner().unwrap();
            let labels = self.kinds.into_inner().unwrap();
            let mut msg = format!(
                "{}: {bad} of {cases} cases differ from kmod (a batch that was not bisected to the end counts whole); \
                 {} kinds of case differ; showing {} (at most {} per kind):\n",
                self.test,
                labels.len(),
                details.len(),
                self.max_per_label
            );
            for (l, n) in &labels {
                msg.push_str(&format!("  - {l}: {n}\n"));
            }
            msg.push('\n');
            for d in details {
                msg.push_str(&d);
                msg.push('\n');
            }
            panic!("{msg}");
        }
    }
}

pub fn with_args(base: &Inv, prefix: &[OsString], items: &[OsString], suffix: &[OsString]) -> Inv {
    let mut inv = base.clone();
    inv.args = prefix.iter().chain(items).chain(suffix).cloned().collect();
    inv
}

pub fn os(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
}

/// Every `step`-th element (starting at `offset % step`), at least `min` of them if possible.
pub fn spread<T: Clone>(v: &[T], min: usize) -> Vec<T> {
    if v.len() <= min {
        return v.to_vec();
    }
    let step = (v.len() / min).max(1);
    v.iter().step_by(step).cloned().collect()
}

// ------------------------------------------------------------------------------------------
// Temporary directories
// ------------------------------------------------------------------------------------------

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::var_os("TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let p = base.join(format!(
            "modhost-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("MODHOST_KEEP_TMP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Run a helper command (xz, zstd, depmod, ...) that must succeed.
pub fn sh(cmd: &mut Command) {
    let st = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(st.success(), "{cmd:?} failed: {st}");
}

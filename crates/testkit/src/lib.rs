//! Test support shared by the workspace's tests, examples and benchmarks
//! (a dev-dependency only; std only).
//!
//! * The fixtures of `scripts/fixtures.sh`: the env file
//!   `${MODHOST_FIXTURES:-${MODHOST_CACHE:-/var/cache/modhost}/fixtures/current/env}`
//!   (`KEY=VALUE` lines: `RELEASE`, `AMD64_ROOT`, ...) and the Debian module
//!   trees it names ([`Fixtures`], [`fixtures`]).
//! * The C test modules of `scripts/build-modules.sh`:
//!   `$MODHOST_CACHE/modules/$RELEASE/index.env` ([`test_modules`]).
//! * The skip rule: a test whose fixtures are missing prints a note and passes,
//!   unless `MODHOST_REQUIRE_FIXTURES=1`, which turns the skip into a failure
//!   ([`skip`], [`require`], [`required`]).
//! * Walking a module tree ([`files_under`], [`ko_files`], [`find_file`]),
//!   kmod's module name of a path ([`modname`]), a small deterministic
//!   generator ([`XorShift`]) and checks of a finished command ([`ok`], [`fails`]).

use std::collections::HashMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// ------------------------------------------------------------------------------------------
// Where things are
// ------------------------------------------------------------------------------------------

/// `${MODHOST_CACHE:-/var/cache/modhost}`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("MODHOST_CACHE")
        .map_or_else(|| PathBuf::from("/var/cache/modhost"), PathBuf::from)
}

/// The fixture env file: `${MODHOST_FIXTURES:-$MODHOST_CACHE/fixtures/current/env}`.
pub fn fixtures_env() -> PathBuf {
    std::env::var_os("MODHOST_FIXTURES")
        .map_or_else(|| cache_dir().join("fixtures/current/env"), PathBuf::from)
}

/// `<root>/lib/modules/<release>`.
pub fn moddir(root: impl AsRef<Path>, release: &str) -> PathBuf {
    root.as_ref().join("lib/modules").join(release)
}

// ------------------------------------------------------------------------------------------
// Env files
// ------------------------------------------------------------------------------------------

/// The variables of a shell-sourceable env file: `KEY=VALUE` lines (an
/// `export ` prefix, surrounding blanks and quotes are dropped; `#` lines and
/// lines without `=` are ignored).
pub fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
            )
        })
        .collect()
}

/// [`parse_env`] of a file, or `None` when it cannot be read.
pub fn read_env(path: impl AsRef<Path>) -> Option<HashMap<String, String>> {
    Some(parse_env(&std::fs::read_to_string(path).ok()?))
}

// ------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------

/// The fixture module trees by label, with the variables naming their root
/// and their release.
pub const TREES: [(&str, &str, &str); 5] = [
    ("amd64", "AMD64_ROOT", "RELEASE"),
    ("amd64-xz", "AMD64_XZ_ROOT", "RELEASE"),
    ("amd64-zst", "AMD64_ZST_ROOT", "RELEASE"),
    ("i386", "I386_ROOT", "I386_RELEASE"),
    ("s390x", "S390X_ROOT", "S390X_RELEASE"),
];

/// The variables (root, release) of the tree `label`; panics on an unknown label.
pub fn tree_vars(label: &str) -> (&'static str, &'static str) {
    match TREES.iter().find(|t| t.0 == label) {
        Some(&(_, root, release)) => (root, release),
        None => panic!("unknown fixture tree {label}"),
    }
}

/// The parsed fixture env file.
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// The file the variables came from.
    pub path: PathBuf,
    pub vars: HashMap<String, String>,
}

impl Fixtures {
    /// Reads [`fixtures_env`]; the error says why it could not.
    pub fn load() -> Result<Fixtures, String> {
        let path = fixtures_env();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("fixture env file {} unreadable: {e}", path.display()))?;
        Ok(Fixtures {
            vars: parse_env(&text),
            path,
        })
    }

    /// A variable, if set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A variable that must be set (panics otherwise).
    pub fn var(&self, key: &str) -> &str {
        self.get(key)
            .unwrap_or_else(|| panic!("{key} not set in the fixture env {}", self.path.display()))
    }

    /// The kernel release of the amd64 trees (`RELEASE`).
    pub fn release(&self) -> Option<&str> {
        self.get("RELEASE")
    }

    /// The root and release of the tree `label` (see [`TREES`]), if both are set.
    pub fn tree(&self, label: &str) -> Option<(PathBuf, String)> {
        let (root, release) = tree_vars(label);
        Some((
            PathBuf::from(self.get(root)?),
            self.get(release)?.to_string(),
        ))
    }

    /// `<root>/lib/modules/<release>` of the tree `label`, if it is set.
    pub fn moddir(&self, label: &str) -> Option<PathBuf> {
        self.tree(label)
            .map(|(root, release)| moddir(root, &release))
    }
}

/// The fixture env file, or `None` (silently) when it cannot be read.
pub fn fixtures() -> Option<Fixtures> {
    Fixtures::load().ok()
}

/// The C test modules built for the fixture release: module name (the
/// `MOD_<name>` of `$MODHOST_CACHE/modules/$RELEASE/index.env`) -> `.ko` path.
/// `None` (silently) when the fixtures or the index are missing.
pub fn test_modules() -> Option<HashMap<String, String>> {
    let f = fixtures()?;
    let index = cache_dir()
        .join("modules")
        .join(f.release()?)
        .join("index.env");
    let vars = read_env(index)?;
    Some(
        vars.into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("MOD_")?.to_string(), v)))
            .collect(),
    )
}

// ------------------------------------------------------------------------------------------
// Skipping
// ------------------------------------------------------------------------------------------

/// Whether missing fixtures must fail a test (`MODHOST_REQUIRE_FIXTURES=1`)
/// instead of skipping it.
pub fn required() -> bool {
    std::env::var("MODHOST_REQUIRE_FIXTURES").as_deref() == Ok("1")
}

/// Skips: returns `None` after a note on stderr; panics instead when
/// [`required`]. `why` says what is missing.
#[track_caller]
pub fn skip<T>(why: impl Display) -> Option<T> {
    if required() {
        panic!("MODHOST_REQUIRE_FIXTURES=1 but {why} (run scripts/fixtures.sh and scripts/build-modules.sh)");
    }
    eprintln!("note: skipping: {why}");
    None
}

/// `v`, or a [`skip`] ("`what` missing") when it is `None`.
#[track_caller]
pub fn require<T>(v: Option<T>, what: &str) -> Option<T> {
    match v {
        Some(v) => Some(v),
        None => skip(format_args!("{what} missing")),
    }
}

// ------------------------------------------------------------------------------------------
// Module trees
// ------------------------------------------------------------------------------------------

/// Every regular file below `dir`, depth first in directory order (symbolic
/// links are not followed; unreadable directories are passed over).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(&e.path(), out),
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

/// The uncompressed modules (`*.ko`) below `dir`, sorted.
pub fn ko_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = files_under(dir);
    out.retain(|p| p.extension().is_some_and(|x| x == "ko"));
    out.sort();
    out
}

/// The first file named `name` below `dir` (in the order of [`files_under`]).
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    files_under(dir)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == name))
}

/// kmod's module name of a path: the basename up to its first `.`, `-` -> `_`.
pub fn modname(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split('.').next().unwrap_or(base).replace('-', "_")
}

// ------------------------------------------------------------------------------------------
// Generated inputs
// ------------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift64, shifts 13/7/17) for test inputs.
#[derive(Clone, Debug)]
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// In `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` bytes (the low byte of each step).
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

// ------------------------------------------------------------------------------------------
// Commands
// ------------------------------------------------------------------------------------------

/// Output bytes as text (lossy).
pub fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// Asserts that the command succeeded; its stdout.
#[track_caller]
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// Asserts that the command exited with status 1 and printed exactly `stderr`.
#[track_caller]
pub fn fails(o: &Output, stderr: &str) {
    assert_eq!(o.status.code(), Some(1), "stdout: {}", text(&o.stdout));
    assert_eq!(text(&o.stderr), stderr);
}

/// Kills (`kill PID`) the process whose pid the file holds, if it exists.
pub fn kill_pid_file(path: &Path) {
    if let Ok(pid) = std::fs::read_to_string(path) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines() {
        let v = parse_env("# c\nA=1\nexport B=\"x y\"\n C = 'z' \nnoequals\nD=a=b\nE=\n");
        assert_eq!(v["A"], "1");
        assert_eq!(v["B"], "x y");
        assert_eq!(v["C"], "z");
        assert_eq!(v["D"], "a=b");
        assert_eq!(v["E"], "");
        assert_eq!(v.len(), 5);
    }

    #[test]
    fn names() {
        assert_eq!(modname("kernel/lib/crc-itu-t.ko.xz"), "crc_itu_t");
        assert_eq!(modname("crc7.ko"), "crc7");
        assert_eq!(tree_vars("i386"), ("I386_ROOT", "I386_RELEASE"));
    }

    #[test]
    fn xorshift_sequence() {
        let mut r = XorShift(1);
        assert_eq!(r.next_u64(), 1082269761);
        assert!(r.below(10) < 10);
    }
}

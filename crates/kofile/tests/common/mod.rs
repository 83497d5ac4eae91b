//! Shared helpers of kofile's integration tests: locating the real-module
//! fixtures (scripts/fixtures.sh) and a tiny deterministic PRNG.
//!
//! The fixtures are found through the shell-sourceable file named by
//! `MODHOST_FIXTURES` (default `/var/cache/modhost/fixtures/current/env`).
//! When they are missing a test prints a skip note and passes, unless
//! `MODHOST_REQUIRE_FIXTURES=1`, in which case it fails.

#![allow(dead_code)]

pub mod exercise;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_ENV: &str = "/var/cache/modhost/fixtures/current/env";

/// One module tree of the fixtures.
#[derive(Debug, Clone)]
pub struct Tree {
    /// `amd64`, `amd64-xz`, `amd64-zst`, `i386` or `s390x`.
    pub label: &'static str,
    /// `<root>/lib/modules/<release>`.
    pub dir: PathBuf,
    pub release: String,
}

impl Tree {
    /// The module paths listed in `modules.dep`, relative to [`Tree::dir`], in file order.
    pub fn modules(&self) -> Vec<String> {
        let dep = std::fs::read_to_string(self.dir.join("modules.dep"))
            .unwrap_or_else(|e| panic!("{}: modules.dep: {e}", self.label));
        dep.lines()
            .filter_map(|l| l.split_once(':').map(|(p, _)| p.to_string()))
            .collect()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// `modules.symbols`: module name -> exported symbol names depmod gave it.
    pub fn symbols_by_module(&self) -> HashMap<String, Vec<String>> {
        let text = std::fs::read_to_string(self.dir.join("modules.symbols"))
            .unwrap_or_else(|e| panic!("{}: modules.symbols: {e}", self.label));
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for line in text.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut it = line.split(' ');
            let (Some("alias"), Some(sym), Some(module), None) = (it.next(), it.next(), it.next(), it.next()) else {
                panic!("{}: unexpected modules.symbols line {line:?}", self.label);
            };
            let sym = sym.strip_prefix("symbol:").unwrap_or_else(|| panic!("bad line {line:?}"));
            map.entry(module.to_string()).or_default().push(sym.to_string());
        }
        map
    }
}

/// kmod's `path_to_modname`: the basename up to its first `.`, `-` -> `_`.
pub fn path_to_modname(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split('.').next().unwrap_or("").replace('-', "_")
}

/// The parsed fixture env file.
#[derive(Debug, Clone)]
pub struct Fixtures {
    pub vars: HashMap<String, String>,
}

fn require() -> bool {
    std::env::var("MODHOST_REQUIRE_FIXTURES").is_ok_and(|v| v == "1")
}

/// Skips (returns `None` after a note) or fails (when required) for a missing fixture.
pub fn missing<T>(what: &str) -> Option<T> {
    if require() {
        panic!("fixtures required (MODHOST_REQUIRE_FIXTURES=1) but {what}");
    }
    eprintln!("note: skipping: {what} (run scripts/fixtures.sh, or set MODHOST_FIXTURES)");
    None
}

/// Loads the fixture env file, or returns `None` (skip) / panics (required).
pub fn fixtures() -> Option<Fixtures> {
    let path = std::env::var("MODHOST_FIXTURES").unwrap_or_else(|_| DEFAULT_ENV.to_string());
    let Ok(text) = std::fs::read_to_string(&path) else {
        return missing(&format!("fixture env file {path} is absent"));
    };
    let mut vars = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            vars.insert(k.trim().to_string(), v.to_string());
        }
    }
    Some(Fixtures { vars })
}

impl Fixtures {
    fn var(&self, k: &str) -> Option<&str> {
        self.vars.get(k).map(String::as_str).filter(|s| !s.is_empty())
    }

    /// A tree by label; `None` (after a skip note, or a panic when required)
    /// if its variables are unset or its depmod run has not finished yet.
    pub fn tree(&self, label: &'static str) -> Option<Tree> {
        let (root_var, rel_var) = match label {
            "amd64" => ("AMD64_ROOT", "RELEASE"),
            "amd64-xz" => ("AMD64_XZ_ROOT", "RELEASE"),
            "amd64-zst" => ("AMD64_ZST_ROOT", "RELEASE"),
            "i386" => ("I386_ROOT", "I386_RELEASE"),
            "s390x" => ("S390X_ROOT", "S390X_RELEASE"),
            other => panic!("unknown tree {other}"),
        };
        let (Some(root), Some(release)) = (self.var(root_var), self.var(rel_var)) else {
            return missing(&format!("{root_var}/{rel_var} not set in the fixture env"));
        };
        let root = Path::new(root);
        let dir = root.join("lib/modules").join(release);
        // scripts/fixtures.sh stamps a tree once depmod has run over it.
        if !root.join(".depmod-done").exists() || !dir.join("modules.dep").exists() {
            return missing(&format!("tree {label} at {} is not ready yet", root.display()));
        }
        Some(Tree { label, dir, release: release.to_string() })
    }
}

/// A tiny fixed-seed PRNG (xorshift64*), so the tests need no extra crates.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn range(&mut self, start: u64, end: u64) -> u64 {
        if end <= start {
            start
        } else {
            start + self.below(end - start)
        }
    }
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// The ELF part of a (possibly signed) module image: everything before the
/// PKCS#7 signature, as the kernel sees it after `mod_verify_sig`.
pub fn elf_part(image: &[u8]) -> &[u8] {
    match kofile::signature::split_trailer(image) {
        Some((body, t)) => match body.len().checked_sub(t.sig_len as usize) {
            Some(n) => &body[..n],
            None => image,
        },
        None => image,
    }
}

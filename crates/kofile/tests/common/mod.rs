//! Shared helpers of kofile's integration tests: the real-module trees of the
//! fixtures (scripts/fixtures.sh, found through `testkit`) and a tiny
//! deterministic PRNG.
//!
//! When the fixtures are missing a test prints a skip note and passes, unless
//! `MODHOST_REQUIRE_FIXTURES=1`, in which case it fails.

#![allow(dead_code)]

pub mod exercise;

use std::collections::HashMap;
use std::path::PathBuf;

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

/// The fixtures, with kofile's view of their trees.
#[derive(Debug, Clone)]
pub struct Fixtures(pub testkit::Fixtures);

/// Loads the fixture env file, or returns `None` (skip) / panics (required).
pub fn fixtures() -> Option<Fixtures> {
    match testkit::Fixtures::load() {
        Ok(f) => Some(Fixtures(f)),
        Err(why) => testkit::skip(why),
    }
}

impl Fixtures {
    /// A tree by label; `None` (after a skip note, or a panic when required)
    /// if its variables are unset or its depmod run has not finished yet.
    pub fn tree(&self, label: &'static str) -> Option<Tree> {
        let Some((root, release)) = self.0.tree(label) else {
            let (root_var, rel_var) = testkit::tree_vars(label);
            return testkit::skip(format!("{root_var}/{rel_var} not set in the fixture env"));
        };
        let dir = testkit::moddir(&root, &release);
        // scripts/fixtures.sh stamps a tree once depmod has run over it.
        if !root.join(".depmod-done").exists() || !dir.join("modules.dep").exists() {
            return testkit::skip(format!("tree {label} at {} is not ready yet", root.display()));
        }
        Some(Tree { label, dir, release })
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

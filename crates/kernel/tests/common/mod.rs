//! Shared set-up for the host-kernel tests: the fixture facts, the ABI
//! profile (built once from Debian's packages and cached on disk), and one
//! kernel per test binary. Tests take `lock()` so they do not interleave.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use kabi::profile::Profile;
use kernel::{Config, Kernel};

pub fn env_file(path: &str) -> Option<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

fn cache() -> String {
    std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into())
}

/// Fixture facts (scripts/fixtures.sh).
pub fn fixtures() -> Option<HashMap<String, String>> {
    let path = std::env::var("MODHOST_FIXTURES").unwrap_or_else(|_| format!("{}/fixtures/current/env", cache()));
    env_file(&path)
}

/// The C test modules (scripts/build-modules.sh).
pub fn test_modules() -> Option<HashMap<String, String>> {
    let f = fixtures()?;
    env_file(&format!("{}/modules/{}/index.env", cache(), f.get("RELEASE")?))
}

/// Skips (returns None) unless the fixtures exist; fails instead when
/// MODHOST_REQUIRE_FIXTURES=1.
pub fn require<T>(v: Option<T>, what: &str) -> Option<T> {
    if v.is_none() {
        if std::env::var("MODHOST_REQUIRE_FIXTURES").as_deref() == Ok("1") {
            panic!("{what} missing (MODHOST_REQUIRE_FIXTURES=1): run scripts/fixtures.sh and scripts/build-modules.sh");
        }
        eprintln!("note: {what} missing; skipping");
    }
    v
}

/// The ABI profile for the fixture kernel, cached next to the fixtures.
pub fn profile() -> Option<Profile> {
    let f = fixtures()?;
    let rel = f.get("RELEASE")?;
    let cached = PathBuf::from(format!("{}/profile/{rel}.profile", cache()));
    if let Ok(p) = Profile::load(&cached) {
        return Some(p);
    }
    let root = PathBuf::from(f.get("AMD64_ROOT")?);
    let symvers = PathBuf::from(format!("/usr/src/linux-headers-{rel}/Module.symvers"));
    let p = Profile::from_debian(&root, rel, &symvers).ok()?;
    let _ = std::fs::create_dir_all(cached.parent()?);
    let _ = p.save(&cached);
    Some(p)
}

static KERNEL: OnceLock<Option<Kernel>> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// The test binary's host kernel, and exclusive use of it.
pub fn kernel() -> Option<(&'static Kernel, MutexGuard<'static, ()>)> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let k = KERNEL.get_or_init(|| profile().map(|p| Kernel::new(Config::from_profile(&p)).expect("host kernel boots")));
    require(k.as_ref(), "the ABI profile (fixtures + kernel headers)").map(|k| (k, guard))
}

/// A module of the fixture tree by its file name (e.g. "crc7.ko").
pub fn tree_module(file: &str) -> Vec<u8> {
    let f = fixtures().expect("fixtures");
    let root = PathBuf::from(f["AMD64_ROOT"].clone()).join("lib/modules").join(&f["RELEASE"]);
    let path = find(&root, file).unwrap_or_else(|| panic!("{file} not in the fixture tree"));
    std::fs::read(path).expect("read module")
}

fn find(dir: &std::path::Path, file: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find(&p, file) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == file) {
            return Some(p);
        }
    }
    None
}

/// A C test module's bytes by its index name (e.g. "hello").
pub fn test_module(name: &str) -> Option<Vec<u8>> {
    let idx = require(test_modules(), "the C test modules")?;
    let path = idx.get(&format!("MOD_{name}")).unwrap_or_else(|| panic!("test module {name} not built"));
    Some(std::fs::read(path).expect("read test module"))
}

/// Log lines printed since `seq`.
pub fn log_since(seq: u64) -> Vec<String> {
    kabi::log::records_since(seq).into_iter().map(|r| r.text).collect()
}

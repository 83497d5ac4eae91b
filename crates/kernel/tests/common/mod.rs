//! Shared set-up for the host-kernel tests (the fixtures themselves come from
//! `testkit`): the ABI profile (built once from Debian's packages and cached
//! on disk), one kernel per test binary (handed out under a lock, so tests do
//! not interleave), and the modules to load.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use kabi::profile::Profile;
use kernel::{Config, Kernel};
use testkit::{fixtures, require, test_modules};

/// The ABI profile for the fixture kernel, cached next to the fixtures.
pub fn profile() -> Option<Profile> {
    let f = fixtures()?;
    let rel = f.release()?;
    let cached = testkit::cache_dir().join(format!("profile/{rel}.profile"));
    if let Ok(p) = Profile::load(&cached) {
        return Some(p);
    }
    let (root, _) = f.tree("amd64")?;
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
    let k = KERNEL.get_or_init(|| {
        profile().map(|p| Kernel::new(Config::from_profile(&p)).expect("host kernel boots"))
    });
    if let Some(k) = k.as_ref() {
        k.make_current();
    }
    require(k.as_ref(), "the ABI profile (fixtures + kernel headers)").map(|k| (k, guard))
}

/// A module of the fixture tree by its file name (e.g. "crc7.ko").
pub fn tree_module(file: &str) -> Vec<u8> {
    let dir = fixtures()
        .expect("fixtures")
        .moddir("amd64")
        .expect("the amd64 tree");
    let path =
        testkit::find_file(&dir, file).unwrap_or_else(|| panic!("{file} not in the fixture tree"));
    std::fs::read(path).expect("read module")
}

/// A C test module's bytes by its index name (e.g. "hello").
pub fn test_module(name: &str) -> Option<Vec<u8>> {
    let idx = require(test_modules(), "the C test modules")?;
    let path = idx
        .get(name)
        .unwrap_or_else(|| panic!("test module {name} not built"));
    Some(std::fs::read(path).expect("read test module"))
}

/// Log lines printed since `seq`.
pub fn log_since(seq: u64) -> Vec<String> {
    kabi::log::records_since(seq)
        .into_iter()
        .map(|r| r.text)
        .collect()
}

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

/// Whether a module of that name is in the kernel's /proc/modules.
pub fn loaded(k: &Kernel, name: &str) -> bool {
    String::from_utf8(k.read_view("/proc/modules").unwrap_or_default())
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').next() == Some(name))
}

/// Loads modules of the fixture tree by name, in the order given (one
/// already loaded is skipped); false on the first failure, with its error
/// and log on stderr.
pub fn load(k: &Kernel, mods: &[&str]) -> bool {
    for m in mods {
        if loaded(k, &m.replace('-', "_")) {
            continue;
        }
        let seq = kabi::log::next_seq();
        if let Err(e) = k.finit_module(&tree_module(&format!("{m}.ko")), "", 0) {
            eprintln!("{m}: {e:?} {:#?}", log_since(seq));
            return false;
        }
    }
    true
}

static KERNEL_FOR_MODPROBE: OnceLock<&'static Kernel> = OnceLock::new();

/// The tests' modprobe for `request_module(name)`: every module the
/// fixture tree's modules.alias names for it (or the name itself), each
/// loaded after its modules.dep dependencies; 0 when one loaded, else
/// modprobe's exit status 1 (as the wait status request_module sees).
fn modprobe(name: &str, _wait: bool) -> i32 {
    let Some(k) = KERNEL_FOR_MODPROBE.get() else { return -2 };
    let dir = fixtures().and_then(|f| f.moddir("amd64")).expect("module tree");
    let alias = std::fs::read_to_string(dir.join("modules.alias")).unwrap_or_default();
    let mut modules: Vec<String> = alias
        .lines()
        .filter_map(|l| l.strip_prefix("alias "))
        .filter_map(|l| l.split_once(' ').filter(|(a, _)| *a == name).map(|(_, m)| m.to_string()))
        .collect();
    if modules.is_empty() {
        modules.push(name.to_string());
    }
    let deps = std::fs::read_to_string(dir.join("modules.dep")).unwrap_or_default();
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).trim_end_matches(".ko").to_string();
    let mut status = 1 << 8;
    for module in modules {
        let Some(line) = deps
            .lines()
            .find(|l| base(l.split(':').next().unwrap_or("")).replace('-', "_") == module.replace('-', "_"))
        else {
            continue;
        };
        let (m, d) = line.split_once(':').unwrap_or((line, ""));
        let mut order: Vec<String> = d.split_whitespace().rev().map(base).collect();
        order.push(base(m));
        let names: Vec<&str> = order.iter().map(|s| s.as_str()).collect();
        if load(k, &names) {
            status = 0;
        }
    }
    status
}

/// Answers the kernel's `request_module` with [`modprobe`] on the
/// fixture tree (templates and algorithms built on demand, as Linux's
/// `crypto-<name>` requests).
pub fn with_modprobe(k: &'static Kernel) {
    let _ = KERNEL_FOR_MODPROBE.set(k);
    kabi::set_request_module_handler(modprobe);
}

/// `n` random bytes.
pub fn random_bytes(rng: &mut impl rand::Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.gen()).collect()
}

/// The kernel's /proc/crypto.
pub fn proc_crypto(k: &Kernel) -> String {
    String::from_utf8(k.read_view("/proc/crypto").expect("/proc/crypto")).expect("/proc/crypto is text")
}

/// The /proc/crypto block of a driver (its lines, each ending in a
/// newline), if listed.
pub fn crypto_block(proc_crypto: &str, driver: &str) -> Option<String> {
    proc_crypto
        .split("\n\n")
        .find(|b| b.lines().any(|l| l == format!("driver       : {driver}")))
        .map(|b| format!("{}\n", b.trim_start_matches('\n')))
}

//! Incremental depmod (issue 13): `modhost depmod` with its cache against
//! kmod 30's full `depmod -b` run, on a copy of each Debian fixture tree
//! (`.ko`, `.ko.xz`, `.ko.zst`; a sample of ~200 modules plus the builtin
//! files and `modules.order`), through a sequence of changes:
//!
//! * a cold run, a run with racy entries (files younger than the cache),
//!   a warm run with nothing changed (every module from the cache);
//! * random additions, removals, and replacements by another module's bytes;
//! * replacements that keep size **and** mtime (restored with `utimensat`):
//!   by rename (new inode) and in place (same inode, only ctime differs);
//! * a byte-identical copy over a module (new inode: content hash or re-read);
//! * corrupt modules (a flipped byte, same size and mtime; truncation);
//! * a damaged cache: flipped bytes, truncation, garbage, an empty file, a
//!   group-writable file, a directory in its place.
//!
//! After every step the ten output files, stdout, stderr and the exit status
//! of ours equal kmod's on the same tree, byte for byte; the cache
//! statistics (`MODHOST_DEPMOD_CACHE_STATS`) show which modules were read,
//! so a cache that was never used, or used when it must not be, fails.
//! With `MODHOST_DEPMOD_FULL=1` the whole amd64 tree is also run (cold and
//! one module changed).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{first_diff, ours_bin, TempDir};
use testkit::XorShift;

const REAL_DEPMOD: &str = "/sbin/depmod";
const OUTPUTS: [&str; 10] = [
    "modules.dep",
    "modules.dep.bin",
    "modules.alias",
    "modules.alias.bin",
    "modules.softdep",
    "modules.symbols",
    "modules.symbols.bin",
    "modules.builtin.bin",
    "modules.builtin.alias.bin",
    "modules.devname",
];
/// Files other than modules that depmod reads.
const INPUTS: [&str; 3] = ["modules.order", "modules.builtin", "modules.builtin.modinfo"];

struct Case {
    _tmp: TempDir,
    root: PathBuf,
    rel: String,
    cache: PathBuf,
    stats: PathBuf,
    /// Module files of the fixture tree not in the copy (for additions).
    pool: Vec<PathBuf>,
    /// The fixture's module directory.
    src: PathBuf,
    rng: XorShift,
    label: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    hit: usize,
    verified: usize,
    read: usize,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&p, out);
        } else if p.to_string_lossy().contains(".ko") {
            out.push(p);
        }
    }
}

impl Case {
    /// A copy of `sample` modules of the fixture tree `label`.
    fn new(label: &str, sample: usize, seed: u64) -> Option<Case> {
        let fx = common::fixtures("depmod_incremental")?;
        let tree = fx.tree(label)?;
        let src = tree.moddir();
        let mut all = Vec::new();
        walk(&src, &mut all);
        all.sort();
        let mut rng = XorShift(seed);
        // Fisher-Yates, then the first `sample` go in.
        for i in (1..all.len()).rev() {
            let j = rng.below(i + 1);
            all.swap(i, j);
        }
        let take = sample.min(all.len());
        let pool = all.split_off(take);
        let tmp = TempDir::new(&format!("depmod-incr-{label}"));
        let root = tmp.path().join("root");
        let dst = root.join("lib/modules").join(&tree.release);
        for f in &all {
            let to = dst.join(f.strip_prefix(&src).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(f, &to).unwrap();
        }
        for f in INPUTS {
            if src.join(f).exists() {
                std::fs::copy(src.join(f), dst.join(f)).unwrap();
            }
        }
        let cache = tmp.path().join("cache");
        let stats = tmp.path().join("stats");
        Some(Case { _tmp: tmp, root, rel: tree.release.clone(), cache, stats, pool, src, rng, label: label.to_string() })
    }

    fn moddir(&self) -> PathBuf {
        self.root.join("lib/modules").join(&self.rel)
    }

    fn modules(&self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        walk(&self.moddir(), &mut v);
        v.sort();
        v
    }

    fn pick(&mut self) -> PathBuf {
        let m = self.modules();
        let i = self.rng.below(m.len());
        m[i].clone()
    }

    /// The cache file (the only file in the cache directory).
    fn cache_file(&self) -> Option<PathBuf> {
        let rd = std::fs::read_dir(&self.cache).ok()?;
        rd.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "cache"))
    }

    fn run(&self, ours: bool) -> (String, Vec<Vec<u8>>) {
        let mut c = if ours {
            let mut c = Command::new(ours_bin());
            c.arg("depmod");
            c
        } else {
            Command::new(REAL_DEPMOD)
        };
        c.arg("-b").arg(&self.root).arg(&self.rel).env_clear().env("PATH", common::CLEAN_PATH);
        if ours {
            let _ = std::fs::remove_file(&self.stats);
            c.env("MODHOST_DEPMOD_CACHE", &self.cache).env("MODHOST_DEPMOD_CACHE_STATS", &self.stats);
        }
        let o = c.output().expect("run depmod");
        let head = format!("status {:?}\nstdout:\n{}\nstderr:\n{}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        let files = OUTPUTS.iter().map(|f| std::fs::read(self.moddir().join(f)).unwrap_or_else(|_| b"<missing>".to_vec())).collect();
        (head, files)
    }

    fn stats(&self) -> Stats {
        let t = std::fs::read_to_string(&self.stats).unwrap_or_default();
        let get = |k: &str| t.lines().find_map(|l| l.strip_prefix(k)?.trim().parse().ok()).unwrap_or(usize::MAX);
        Stats { hit: get("hit "), verified: get("verified "), read: get("read ") }
    }

    /// Ours (incremental), then kmod (full) on the same tree: identical.
    /// Returns ours' cache statistics.
    fn check(&self, step: &str) -> Stats {
        let (oh, of) = self.run(true);
        let st = self.stats();
        let (kh, kf) = self.run(false);
        assert_eq!(oh, kh, "{}: {step}: status/stdout/stderr differ", self.label);
        for (i, name) in OUTPUTS.iter().enumerate() {
            if let Some(d) = first_diff(name, &kf[i], &of[i]) {
                panic!("{}: {step}: {d}", self.label);
            }
        }
        assert!(self.cache_file().is_some(), "{}: {step}: no cache written", self.label);
        assert_eq!(st.hit + st.verified + st.read, self.modules().len(), "{}: {step}: {st:?}", self.label);
        st
    }
}

fn mtime(p: &Path) -> filetime::FileTime {
    filetime::FileTime::from_last_modification_time(&std::fs::metadata(p).unwrap())
}

/// Lets the files just written age past the cache's racy window.
fn age() {
    std::thread::sleep(Duration::from_millis(2200));
}

/// Writes `data` over `p` keeping its size (`data` must have it) and
/// mtime; by rename (new inode) or in place.
fn replace_same(p: &Path, data: &[u8], by_rename: bool) {
    let t = mtime(p);
    assert_eq!(std::fs::metadata(p).unwrap().len(), data.len() as u64);
    if by_rename {
        let tmp = p.with_extension("tmp-new");
        std::fs::write(&tmp, data).unwrap();
        filetime::set_file_mtime(&tmp, t).unwrap();
        std::fs::rename(&tmp, p).unwrap();
    } else {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
        f.write_all(data).unwrap();
        drop(f);
        filetime::set_file_mtime(p, t).unwrap();
    }
    assert_eq!(mtime(p), t);
}

/// Changes the first `alias=` value's first character of a `.ko` image
/// (same size): the outputs change.
fn edit_alias(data: &mut [u8]) -> bool {
    let Some(i) = data.windows(6).position(|w| w == b"alias=") else { return false };
    let c = &mut data[i + 6];
    *c = if *c == b'z' { b'y' } else { b'z' };
    true
}

fn scenario(label: &str, seed: u64) {
    if !Path::new(REAL_DEPMOD).exists() {
        testkit::skip::<()>(format!("depmod_incremental: {REAL_DEPMOD} missing"));
        return;
    }
    let Some(mut c) = Case::new(label, 200, seed) else { return };
    let n = c.modules().len();
    assert!(n >= 150, "{label}: sample of {n}");

    // Cold: everything read. The files are brand new, so every entry is
    // racy: the next run trusts none of them on their key.
    let st = c.check("cold");
    assert_eq!((st.hit, st.verified, st.read), (0, 0, n), "{label}: cold");
    age();
    let st = c.check("racy entries");
    assert_eq!(st.hit, 0, "{label}: racy entries must not hit on their key: {st:?}");
    let st = c.check("warm, nothing changed");
    assert_eq!((st.hit, st.read), (n, 0), "{label}: warm: {st:?}");

    // Additions, removals, replacement by another module's bytes.
    let mut changed = 0;
    for _ in 0..4 {
        let from = c.pool.remove(c.rng.below(c.pool.len()));
        let to = c.moddir().join(from.strip_prefix(&c.src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        changed += 1;
    }
    for _ in 0..4 {
        let p = c.pick();
        std::fs::remove_file(&p).unwrap();
    }
    for _ in 0..3 {
        let p = c.pick();
        let other = c.pool[c.rng.below(c.pool.len())].clone();
        std::fs::copy(&other, &p).unwrap();
        changed += 1;
    }
    let st = c.check("added, removed, replaced");
    assert!(st.read + st.verified >= 1 && st.read + st.verified <= changed, "{label}: {st:?} for {changed} changed");
    age();
    c.check("settle");
    let st = c.check("warm again");
    assert_eq!(st.read + st.verified, 0, "{label}: {st:?}");

    // Same size and mtime, by rename and in place; a byte-identical copy.
    if label == "amd64" {
        for by_rename in [true, false] {
            let p = loop {
                let p = c.pick();
                if edit_alias(&mut std::fs::read(&p).unwrap()) {
                    break p;
                }
            };
            let mut data = std::fs::read(&p).unwrap();
            edit_alias(&mut data);
            let before = c.run(false).1;
            replace_same(&p, &data, by_rename);
            let st = c.check(if by_rename { "same size+mtime, renamed" } else { "same size+mtime, in place" });
            assert_eq!(st.read, 1, "{label}: {st:?}");
            assert_ne!(c.run(false).1, before, "{label}: the edit changes the outputs");
            age();
            c.check("settle (same size)");
        }
    } else {
        // A compressed module cannot keep its size through an edit and a
        // recompression; a flipped byte of the compressed data can (below).
        let p = c.pick();
        let data = std::fs::read(&p).unwrap();
        replace_same(&p, &data, true);
        let st = c.check("identical copy by rename");
        assert_eq!((st.verified, st.read), (1, 0), "{label}: hash check: {st:?}");
    }
    let p = c.pick();
    let data = std::fs::read(&p).unwrap();
    replace_same(&p, &data, true);
    c.check("identical copy");
    age();
    c.check("settle (copy)");

    // Corrupt modules: a flipped byte (same size and mtime), a truncation.
    for k in 0..3 {
        let p = c.pick();
        let mut data = std::fs::read(&p).unwrap();
        let i = 64 + c.rng.below(data.len() - 64);
        data[i] ^= 0x55;
        replace_same(&p, &data, k % 2 == 0);
        let st = c.check("corrupt module (flipped byte)");
        assert_eq!(st.read, 1, "{label}: {st:?}");
        age();
        c.check("settle (corrupt)");
    }
    let p = c.pick();
    let data = std::fs::read(&p).unwrap();
    std::fs::write(&p, &data[..data.len() / 2]).unwrap();
    c.check("truncated module");
    age();
    c.check("settle 2");

    // A damaged cache: ignored (every module read), then rewritten.
    let damage: Vec<(&str, Box<dyn Fn(&Path)>)> = vec![
        ("flipped byte", Box::new(|f: &Path| {
            let mut b = std::fs::read(f).unwrap();
            let i = b.len() / 3;
            b[i] ^= 1;
            std::fs::write(f, b).unwrap();
        })),
        ("truncated", Box::new(|f: &Path| {
            let b = std::fs::read(f).unwrap();
            std::fs::write(f, &b[..b.len() - 9]).unwrap();
        })),
        ("garbage", Box::new(|f: &Path| std::fs::write(f, vec![0x5a; 5000]).unwrap())),
        ("empty", Box::new(|f: &Path| std::fs::write(f, b"").unwrap())),
        ("group-writable", Box::new(|f: &Path| std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o666)).unwrap())),
        ("a directory", Box::new(|f: &Path| {
            std::fs::remove_file(f).unwrap();
            std::fs::create_dir(f).unwrap();
        })),
    ];
    for (what, f) in damage {
        let file = c.cache_file().expect("cache");
        f(&file);
        let st = c.check(&format!("cache {what}"));
        assert_eq!(st.read, c.modules().len(), "{label}: cache {what}: {st:?}");
        if file.is_dir() {
            std::fs::remove_dir(&file).unwrap();
            c.check("cache directory removed");
        }
        let st = c.check(&format!("after cache {what}"));
        assert_eq!(st.read, 0, "{label}: after cache {what}: {st:?}");
    }
}

#[test]
fn incremental_ko() {
    scenario("amd64", 0x1357_9bdf_2468_ace1);
}

#[test]
fn incremental_xz() {
    scenario("amd64-xz", 0x0f1e_2d3c_4b5a_6978);
}

#[test]
fn incremental_zst() {
    scenario("amd64-zst", 0x7766_5544_3322_1100);
}

/// The whole amd64 tree: cold, then one module changed (opt-in: slow).
#[test]
fn incremental_full_tree() {
    if std::env::var_os("MODHOST_DEPMOD_FULL").is_none() {
        eprintln!("note: incremental_full_tree runs with MODHOST_DEPMOD_FULL=1");
        return;
    }
    let Some(mut c) = Case::new("amd64", usize::MAX, 42) else { return };
    c.check("cold");
    age();
    c.check("settle");
    let p = c.pick();
    let mut data = std::fs::read(&p).unwrap();
    if edit_alias(&mut data) {
        replace_same(&p, &data, true);
    }
    let st = c.check("one changed");
    assert_eq!(st.read, 1, "{st:?}");
}

//! Differential test: `modhost modinfo ARGS` against the real kmod 30 `modinfo ARGS`.
//!
//! stdout bytes, stderr bytes and the exit status must be identical — no allow-list.
//! The real tool runs as `/sbin/modinfo` with argv[0] = "modinfo" (what a PATH lookup
//! gives), ours as `modhost modinfo`; both with `PATH=/sbin:/usr/sbin:/usr/bin:/bin` and
//! nothing else in the environment, stdin from /dev/null, in the same cwd.
//!
//! Fixtures: `scripts/fixtures.sh`; the env file is `$MODHOST_FIXTURES` (default
//! /var/cache/modhost/fixtures/current/env). Missing fixtures skip the tests unless
//! `MODHOST_REQUIRE_FIXTURES=1`. `MODHOST_FULL=1` runs every option set on every module of
//! every tree (by default the compressed trees get the secondary option sets, and the
//! by-name / alias checks that read module files, on a spread subset: their module
//! contents equal the plain tree's, and xz costs ~10 s of CPU per pass in each tool).
//! `MODHOST_MAX_MISMATCHES=N` (default 25) / `MODHOST_MAX_PER_LABEL=N` (default 2): how many
//! mismatches are shown in detail in all / per kind of case.
//! `MODHOST_KEEP_TMP=1` keeps the crafted files.
//!
//! Coverage (see the individual tests):
//! * by_path_*: every module file of every tree by path, with many option sets;
//! * by_name_*: every module by name (`-b ROOT -k REL`), underscore and dash forms, `-m`;
//! * builtin_alias_*: builtin module names, aliases from modules.alias (patterns made
//!   concrete and raw), builtin aliases, symbol aliases;
//! * options_and_errors: option parsing (getopt messages, permutation, `--`), missing
//!   files, odd file types, relative paths, mixed failing arguments;
//! * crafted_files: truncated/compressed/corrupted module files, patched .modinfo and
//!   signature trailers;
//! * crafted_files_kmod_aborts: the crafted files on which kmod 30 itself dies of a failed
//!   assertion (kept apart so that the decision to emulate that is visible);
//! * crafted_tree: a tiny tree indexed by the real depmod (builtin without modinfo record,
//!   split records, missing modules.builtin.modinfo, vanished module file, missing and
//!   empty indexes);
//! * crafted_tree_malformed_builtin_modinfo: modules.builtin.modinfo records libkmod logs
//!   errors about (cases where kmod's own output is not reproducible are skipped);
//! * argv0_dispatch: the binary invoked through a symlink named `modinfo`.
//!
//! A mismatching batch is bisected down to the arguments that differ; the failure message
//! lists every kind of mismatching case with a count, and details (command line to
//! reproduce, exit status, first differing line of stdout/stderr) for a few of each.

mod common;

use common::*;
use std::ffi::OsString;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Option sets run on every module of every tree.
const PRIMARY: &[&[&str]] = &[&[], &["-0"], &["-p"], &["-F", "signer"]];
/// Option sets run on every module of the plain trees and on a spread subset (≥500) of
/// the compressed trees.
const SECONDARY: &[&[&str]] = &[
    &["-a"],
    &["-d"],
    &["-l"],
    &["-n"],
    &["-F", "vermagic"],
    &["-F", "parm"],
    &["-F", "signature"],
    &["-F", "alias"],
    &["-F", "nonexistent"],
    &["-0", "-p"],
    &["-F", "depends", "-0"],
    &["-F", "sig_key"],
    &["-F", "parmtype"],
    &["-0", "-F", "filename"],
];

const CHUNK: usize = 500;

fn full_mode() -> bool {
    std::env::var("MODHOST_FULL")
        .map(|v| v == "1")
        .unwrap_or(false)
}

/// The compressed trees (the module contents are the plain tree's, only the decompression
/// differs, and xz costs ~10 s of CPU per pass over the tree in each tool): secondary
/// option sets on a spread subset only, unless MODHOST_FULL=1.
fn is_slow(tree: &Tree) -> bool {
    (tree.label.ends_with("-xz") || tree.label.ends_with("-zst")) && !full_mode()
}

fn paths_os(v: &[PathBuf]) -> Vec<OsString> {
    v.iter().map(|p| p.clone().into_os_string()).collect()
}

fn strs_os(v: &[String]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
}

// ------------------------------------------------------------------------------------------
// a. every module by path
// ------------------------------------------------------------------------------------------

fn by_path(label: &str) {
    let test = format!("by_path_{label}");
    let Some(fx) = fixtures(&test) else { return };
    let Some(tree) = fx.tree(label) else {
        eprintln!("SKIP {test}: tree {label} not available");
        return;
    };
    let files = tree.module_files();
    assert!(
        !files.is_empty(),
        "{test}: no module files under {}",
        tree.moddir().display()
    );
    let all = paths_os(&files);
    let subset = spread(&all, 500);
    let rep = Report::new(&test);
    let base = Inv::default();
    for opts in PRIMARY {
        rep.check_batched(
            &format!("{label} by path {opts:?}"),
            &base,
            &os(opts),
            &all,
            &[],
            CHUNK,
        );
    }
    for opts in SECONDARY {
        let items = if is_slow(tree) { &subset } else { &all };
        rep.check_batched(
            &format!("{label} by path {opts:?}"),
            &base,
            &os(opts),
            items,
            &[],
            CHUNK,
        );
    }
    // Options given after the module arguments (GNU permutation), on a subset.
    let few = spread(&all, 100);
    rep.check_batched(
        &format!("{label} by path, trailing -F vermagic"),
        &base,
        &[],
        &few,
        &os(&["-F", "vermagic"]),
        CHUNK,
    );
    // The same module twice in one invocation and -b/-k given along with paths.
    let mut twice = few[..few.len().min(20)].to_vec();
    twice.extend(twice.clone());
    rep.check(&format!("{label} repeated paths"), &Inv::new(twice.clone()));
    let mut with_bk = tree.bk();
    with_bk.extend(twice);
    rep.check(&format!("{label} paths with -b/-k"), &Inv::new(with_bk));
    rep.finish();
}

#[test]
fn by_path_amd64() {
    by_path("amd64");
}
#[test]
fn by_path_amd64_xz() {
    by_path("amd64-xz");
}
#[test]
fn by_path_amd64_zst() {
    by_path("amd64-zst");
}
#[test]
fn by_path_i386() {
    by_path("i386");
}
#[test]
fn by_path_s390x() {
    by_path("s390x");
}

// ------------------------------------------------------------------------------------------
// b. every module by name
// ------------------------------------------------------------------------------------------

fn by_name(label: &str) {
    let test = format!("by_name_{label}");
    let Some(fx) = fixtures(&test) else { return };
    let Some(tree) = fx.tree(label) else {
        eprintln!("SKIP {test}: tree {label} not available");
        return;
    };
    let deps = tree.dep_paths();
    assert!(!deps.is_empty(), "{test}: empty modules.dep");
    let names: Vec<String> = deps.iter().map(|p| testkit::modname(p)).collect();
    // Dash forms: the file name's own spelling when it contains '-'.
    let dashed: Vec<String> = deps
        .iter()
        .map(|p| stem_of(p))
        .filter(|s| s.contains('-'))
        .collect();
    // Underscore names whose file is spelled with dashes, given with all '_' → '-'.
    let all_dash: Vec<String> = names
        .iter()
        .zip(&deps)
        .filter(|(n, p)| n.contains('_') && stem_of(p).contains('-'))
        .map(|(n, _)| n.replace('_', "-"))
        .collect();
    let rep = Report::new(&test);
    let bk = tree.bk();
    let base = Inv::default();
    let names_os = strs_os(&names);
    let sub = spread(&names_os, 500);
    let with = |extra: &[&str]| -> Vec<OsString> {
        let mut v = bk.clone();
        v.extend(os(extra));
        v
    };
    // Every name is resolved with -F filename (which does not read the module); the full
    // listing reads every module too, except on the compressed trees (whose files are all
    // read by path in by_path_*), where it runs on the spread subset.
    let listing = if is_slow(tree) { &sub } else { &names_os };
    rep.check_batched(&format!("{label} by name"), &base, &bk, listing, &[], CHUNK);
    rep.check_batched(
        &format!("{label} by name -F filename"),
        &base,
        &with(&["-F", "filename"]),
        &names_os,
        &[],
        CHUNK,
    );
    // Option sets that read the module files: on a subset (not at all on compressed trees,
    // where only name resolution is new).
    let nonreading: Vec<&str> = if is_slow(tree) {
        vec!["-F", "filename"]
    } else {
        vec![]
    };
    if !is_slow(tree) {
        rep.check_batched(
            &format!("{label} by name -0"),
            &base,
            &with(&["-0"]),
            &sub,
            &[],
            CHUNK,
        );
        rep.check_batched(
            &format!("{label} by name -F depends"),
            &base,
            &with(&["-F", "depends"]),
            &sub,
            &[],
            CHUNK,
        );
        rep.check_batched(
            &format!("{label} -m by name"),
            &base,
            &with(&["-m"]),
            &sub,
            &[],
            CHUNK,
        );
    }
    rep.check_batched(
        &format!("{label} dashed names {nonreading:?}"),
        &base,
        &with(&nonreading),
        &strs_os(&dashed),
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} names with all '_' as '-' {nonreading:?}"),
        &base,
        &with(&nonreading),
        &strs_os(&all_dash),
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} -m -F filename by name"),
        &base,
        &with(&["-m", "-F", "filename"]),
        &names_os,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} -m dashed names"),
        &base,
        &with(&["-m"]),
        &spread(&strs_os(&dashed), 100),
        &[],
        CHUNK,
    );
    // -k before -b, long options, '='-forms.
    let root = tree.root.to_string_lossy().into_owned();
    let few = spread(&names_os, 20);
    rep.check_batched(
        &format!("{label} long options"),
        &base,
        &os(&["--set-version", &tree.release, &format!("--basedir={root}")]),
        &few,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} -bROOT -kREL"),
        &base,
        &os(&[&format!("-b{root}"), &format!("-k{}", tree.release)]),
        &few,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} -b ROOT/ (trailing slash)"),
        &base,
        &os(&["-b", &format!("{root}/"), "-k", &tree.release]),
        &few,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} -b ROOT//."),
        &base,
        &os(&["-b", &format!("{root}//."), "-k", &tree.release]),
        &few,
        &[],
        CHUNK,
    );
    // Relative -b: run in the parent directory of the root.
    if let (Some(parent), Some(base_name)) = (tree.root.parent(), tree.root.file_name()) {
        let rel = base_name.to_string_lossy().into_owned();
        let inv = Inv::default().cwd(parent);
        rep.check_batched(
            &format!("{label} relative -b"),
            &inv,
            &os(&["-b", &rel, "-k", &tree.release]),
            &few,
            &[],
            CHUNK,
        );
        rep.check_batched(
            &format!("{label} relative -b ./"),
            &inv,
            &os(&["-b", &format!("./{rel}/"), "-k", &tree.release]),
            &few,
            &[],
            CHUNK,
        );
    }
    rep.finish();
}

#[test]
fn by_name_amd64() {
    by_name("amd64");
}
#[test]
fn by_name_amd64_xz() {
    by_name("amd64-xz");
}
#[test]
fn by_name_amd64_zst() {
    by_name("amd64-zst");
}
#[test]
fn by_name_i386() {
    by_name("i386");
}
#[test]
fn by_name_s390x() {
    by_name("s390x");
}

// ------------------------------------------------------------------------------------------
// c. builtin modules and aliases
// ------------------------------------------------------------------------------------------

/// Make a glob pattern concrete: `*` → `star`, `?` → `x`, `[...]` → first member.
/// None for negated classes and malformed patterns.
fn concretize(p: &str, star: &str) -> Option<String> {
    let mut out = String::new();
    let mut it = p.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '*' => out.push_str(star),
            '?' => out.push('x'),
            '[' => {
                if matches!(it.peek(), Some('!') | Some('^')) {
                    return None;
                }
                let mut first = None;
                let mut closed = false;
                let mut n = 0;
                for d in it.by_ref() {
                    if d == ']' && n > 0 {
                        closed = true;
                        break;
                    }
                    first.get_or_insert(d);
                    n += 1;
                }
                if !closed {
                    return None;
                }
                out.push(first?);
            }
            '\\' => out.push(it.next()?),
            c => out.push(c),
        }
    }
    Some(out)
}

fn builtin_alias(label: &str) {
    let test = format!("builtin_alias_{label}");
    let Some(fx) = fixtures(&test) else { return };
    let Some(tree) = fx.tree(label) else {
        eprintln!("SKIP {test}: tree {label} not available");
        return;
    };
    let rep = Report::new(&test);
    let bk = tree.bk();
    let base = Inv::default();
    let with = |extra: &[&str]| -> Vec<OsString> {
        let mut v = bk.clone();
        v.extend(os(extra));
        v
    };

    // Builtin modules.
    let bpaths = tree.builtin_paths();
    let bnames: Vec<OsString> = bpaths.iter().map(|p| testkit::modname(p).into()).collect();
    let bdashed: Vec<OsString> = bpaths
        .iter()
        .map(|p| stem_of(p))
        .filter(|s| s.contains('-'))
        .map(Into::into)
        .collect();
    for opts in [
        &[][..],
        &["-F", "name"],
        &["-F", "filename"],
        &["-n"],
        &["-0"],
        &["-p"],
        &["-d"],
        &["-a"],
        &["-l"],
        &["-F", "alias"],
        &["-F", "file"],
        &["-F", "parmtype"],
        &["-0", "-p"],
        &["-0", "-F", "name"],
        &["-F", "signer"],
        &["-m"],
        &["-m", "-F", "name"],
    ] {
        rep.check_batched(
            &format!("{label} builtin {opts:?}"),
            &base,
            &with(opts),
            &bnames,
            &[],
            CHUNK,
        );
    }
    rep.check_batched(
        &format!("{label} builtin dashed"),
        &base,
        &bk,
        &bdashed,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} builtin dashed -m"),
        &base,
        &with(&["-m"]),
        &bdashed,
        &[],
        CHUNK,
    );
    // Builtin names mixed with loadable ones.
    let loadable: Vec<OsString> = tree
        .dep_paths()
        .iter()
        .take(10)
        .map(|p| testkit::modname(p).into())
        .collect();
    let mut mixed = Vec::new();
    for (i, b) in bnames.iter().take(10).enumerate() {
        mixed.push(b.clone());
        if let Some(l) = loadable.get(i) {
            mixed.push(l.clone());
        }
    }
    rep.check(
        &format!("{label} builtin and loadable mixed"),
        &Inv::new([bk.clone(), mixed.clone()].concat()),
    );
    rep.check(
        &format!("{label} builtin and loadable mixed -0"),
        &Inv::new([with(&["-0"]), mixed].concat()),
    );

    // Builtin aliases (from modules.builtin.modinfo).
    let baliases = strs_os(&tree.builtin_aliases());
    rep.check_batched(
        &format!("{label} builtin aliases"),
        &base,
        &bk,
        &baliases,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} builtin aliases -F name"),
        &base,
        &with(&["-F", "name"]),
        &baliases,
        &[],
        CHUNK,
    );
    let bconcrete: Vec<OsString> = tree
        .builtin_aliases()
        .iter()
        .filter_map(|a| concretize(a, "x"))
        .map(Into::into)
        .collect();
    rep.check_batched(
        &format!("{label} builtin aliases (concrete)"),
        &base,
        &bk,
        &bconcrete,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} builtin aliases -m"),
        &base,
        &with(&["-m"]),
        &baliases,
        &[],
        CHUNK,
    );

    // modules.alias: concrete strings for the patterns; every alias of the plain tree
    // with -F name, a spread with the full listing, raw patterns.
    let aliases = tree.aliases();
    let fast = tree.label == "amd64";
    let concrete: Vec<String> = aliases
        .iter()
        .filter_map(|(p, _)| concretize(p, "x"))
        .collect();
    let concrete_empty: Vec<String> = aliases
        .iter()
        .filter_map(|(p, _)| concretize(p, ""))
        .collect();
    let raw: Vec<String> = aliases.iter().map(|(p, _)| p.clone()).collect();
    // Every 2nd alias of the plain tree with -F name; samples elsewhere (the compressed
    // trees share the plain tree's index logic and module contents).
    let (n_name, n_full) = if fast {
        (aliases.len() / 2, 3000)
    } else if is_slow(tree) {
        (200, 100)
    } else {
        (2000, 500)
    };
    let pick = |v: &[String], n: usize| -> Vec<OsString> { strs_os(&spread(v, n)) };
    // On the compressed trees, resolution-only checks print the file name (which does not
    // decompress the module); elsewhere they print the `name` field (which reads it).
    let resolve: &[&str] = if is_slow(tree) {
        &["-F", "filename"]
    } else {
        &["-F", "name"]
    };
    rep.check_batched(
        &format!("{label} aliases {resolve:?}"),
        &base,
        &with(resolve),
        &pick(&concrete, n_name),
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} aliases"),
        &base,
        &bk,
        &pick(&concrete, n_full),
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} aliases ('*' empty) -F filename"),
        &base,
        &with(&["-F", "filename"]),
        &pick(&concrete_empty, n_full),
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} raw alias patterns {resolve:?}"),
        &base,
        &with(resolve),
        &pick(&raw, n_full),
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} aliases -m"),
        &base,
        &with(&["-m"]),
        &pick(&concrete, 100),
        &[],
        CHUNK,
    );
    // Aliases that fan out to many modules; an alias spelled with upper case; symbols.
    let fan: Vec<OsString> = os(&[
        "crypto-crc32c",
        "crc32c",
        "crypto-aes",
        "fs-ext4",
        "net-pf-10",
        "char-major-10-237",
        "block-major-7-0",
        "devname:loop-control",
        "pci:v00008086d00001234sv00000000sd00000000bc02sc00i00",
        "usb:v0000p0000d0000dc00dsc00dp00ic03isc01ip01in00",
        "acpi*:PNP0C0A:*",
        "platform:x",
        "of:NxTxCx",
        "x86cpu:vendor:0000:family:0006:model:0055:feature:*",
        "cpu:type:x86,ven0000fam0006mod0055:feature:,0000",
        "CRC32C",
        "Crypto-Crc32c",
        "symbol:",
        "symbol:printk",
        "symbol:nf_conntrack_in",
        "symbol:crc32c",
    ]);
    if !is_slow(tree) {
        rep.check_batched(
            &format!("{label} special aliases"),
            &base,
            &bk,
            &fan,
            &[],
            1,
        );
    }
    rep.check_batched(
        &format!("{label} special aliases {resolve:?}"),
        &base,
        &with(resolve),
        &fan,
        &[],
        CHUNK,
    );
    let syms: Vec<OsString> = spread(&tree.symbols(), if fast { 1000 } else { 200 })
        .into_iter()
        .map(Into::into)
        .collect();
    rep.check_batched(
        &format!("{label} symbol aliases {resolve:?}"),
        &base,
        &with(resolve),
        &syms,
        &[],
        CHUNK,
    );
    rep.check_batched(
        &format!("{label} symbol aliases -F filename"),
        &base,
        &with(&["-F", "filename"]),
        &spread(&syms, 50),
        &[],
        CHUNK,
    );
    rep.finish();
}

#[test]
fn builtin_alias_amd64() {
    builtin_alias("amd64");
}
#[test]
fn builtin_alias_amd64_xz() {
    builtin_alias("amd64-xz");
}
#[test]
fn builtin_alias_amd64_zst() {
    builtin_alias("amd64-zst");
}
#[test]
fn builtin_alias_i386() {
    builtin_alias("i386");
}
#[test]
fn builtin_alias_s390x() {
    builtin_alias("s390x");
}

// ------------------------------------------------------------------------------------------
// d. option parsing and error cases
// ------------------------------------------------------------------------------------------

/// A real module to play with (loop.ko if present) of the plain amd64 tree.
fn sample_module(tree: &Tree) -> PathBuf {
    let p = tree.moddir().join("kernel/drivers/block/loop.ko");
    if p.is_file() {
        return p;
    }
    tree.module_files()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".ko"))
        .expect("a .ko module")
}

fn tool_available(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn options_and_errors() {
    let test = "options_and_errors";
    let Some(fx) = fixtures(test) else { return };
    let tree = fx.tree("amd64").or(fx.trees.first()).unwrap().clone();
    let rep = Report::new(test);
    let tmp = TempDir::new("modinfo-opts");
    let t = tmp.path();
    let module = sample_module(&tree);
    let dir = t.join("dir");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let x = dir.join("x.ko");
    std::fs::copy(&module, &x).unwrap();
    let p = x.to_string_lossy().into_owned();
    let root = tree.root.to_string_lossy().into_owned();
    let rel = tree.release.clone();
    let name = "loop";

    // Odd files.
    std::fs::write(dir.join("text.ko"), b"this is not an ELF file\n").unwrap();
    std::fs::write(dir.join("empty.ko"), b"").unwrap();
    std::fs::create_dir_all(dir.join("d.ko")).unwrap();
    symlink(&x, dir.join("link.ko")).unwrap();
    symlink(dir.join("nowhere.ko"), dir.join("dangling.ko")).unwrap();
    std::fs::copy(&x, dir.join("noext")).unwrap();
    std::fs::copy(&x, dir.join("x.o")).unwrap();
    std::fs::copy(&x, dir.join("X.KO")).unwrap();
    std::fs::copy(&x, dir.join("x.ko.bak")).unwrap();
    std::fs::copy(&x, dir.join("with space.ko")).unwrap();
    std::fs::copy(&x, dir.join("loop.ko")).unwrap();
    // gzip: kmod 30 on Debian has no zlib support; the name is not a module file name.
    if tool_available("gzip") {
        sh(Command::new("gzip").arg("-k").arg("-f").arg(&x));
    }
    if Path::new("/usr/bin/mkfifo").exists() {
        sh(Command::new("mkfifo").arg(dir.join("fifo.ko")));
    }
    let exe_as_ko = dir.join("true.ko");
    std::fs::copy("/bin/true", &exe_as_ko).unwrap();

    let d = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let bk = |v: &[&str]| -> Vec<String> {
        let mut a = vec![
            "-b".to_string(),
            root.clone(),
            "-k".to_string(),
            rel.clone(),
        ];
        a.extend(v.iter().map(|s| s.to_string()));
        a
    };
    let long300 = "a".repeat(300);
    let long5000 = "b".repeat(5000);
    let longpath = format!("{}/{}.ko", t.display(), "c".repeat(300));
    let mut cases: Vec<(String, Vec<String>)> = vec![
        ("no arguments".into(), vec![]),
        ("-h".into(), vec!["-h".into()]),
        ("--help".into(), vec!["--help".into()]),
        ("--he (abbrev)".into(), vec!["--he".into()]),
        ("-V".into(), vec!["-V".into()]),
        ("--version".into(), vec!["--version".into()]),
        ("-x".into(), vec!["-x".into()]),
        ("-x with module".into(), vec!["-x".into(), p.clone()]),
        ("--bogus".into(), vec!["--bogus".into()]),
        ("--bogus=1".into(), vec!["--bogus=1".into(), p.clone()]),
        ("--f ambiguous".into(), vec!["--f".into(), p.clone()]),
        ("--fi ambiguous".into(), vec!["--fi".into(), p.clone()]),
        (
            "--fie (abbrev)".into(),
            vec!["--fie".into(), "license".into(), p.clone()],
        ),
        ("--fil (abbrev)".into(), vec!["--fil".into(), p.clone()]),
        (
            "--author=x (no arg allowed)".into(),
            vec!["--author=x".into(), p.clone()],
        ),
        ("-F without arg".into(), vec!["-F".into()]),
        ("--field without arg".into(), vec!["--field".into()]),
        ("-k without arg".into(), vec!["-k".into()]),
        ("-b without arg".into(), vec!["-b".into()]),
        ("--basedir without arg".into(), vec!["--basedir".into()]),
        ("-m without arg".into(), vec!["-m".into()]),
        ("-0 only".into(), vec!["-0".into()]),
        ("-h with module".into(), vec!["-h".into(), p.clone()]),
        ("-V then -h".into(), vec!["-V".into(), "-h".into()]),
        ("-h then -V".into(), vec!["-h".into(), "-V".into()]),
        ("-V then -x".into(), vec!["-V".into(), "-x".into()]),
        ("-x then -V".into(), vec!["-x".into(), "-V".into()]),
        ("grouped -0p".into(), vec!["-0p".into(), p.clone()]),
        (
            "grouped -0Fvermagic".into(),
            vec!["-0Fvermagic".into(), p.clone()],
        ),
        (
            "grouped -0F vermagic".into(),
            vec!["-0F".into(), "vermagic".into(), p.clone()],
        ),
        ("-Fvermagic".into(), vec!["-Fvermagic".into(), p.clone()]),
        (
            "--field=vermagic".into(),
            vec!["--field=vermagic".into(), p.clone()],
        ),
        (
            "--field vermagic".into(),
            vec!["--field".into(), "vermagic".into(), p.clone()],
        ),
        (
            "--field= (empty)".into(),
            vec!["--field=".into(), p.clone()],
        ),
        (
            "-F '' (empty)".into(),
            vec!["-F".into(), "".into(), p.clone()],
        ),
        (
            "-F -a (field named -a)".into(),
            vec!["-F".into(), "-a".into(), p.clone()],
        ),
        (
            "-F PARM (case)".into(),
            vec!["-F".into(), "PARM".into(), p.clone()],
        ),
        (
            "-F parm=".into(),
            vec!["-F".into(), "parm=".into(), p.clone()],
        ),
        (
            "-F name".into(),
            vec!["-F".into(), "name".into(), p.clone()],
        ),
        (
            "-F filename".into(),
            vec!["-F".into(), "filename".into(), p.clone()],
        ),
        (
            "-F sig_id".into(),
            vec!["-F".into(), "sig_id".into(), p.clone()],
        ),
        (
            "-F sig_hashalgo".into(),
            vec!["-F".into(), "sig_hashalgo".into(), p.clone()],
        ),
        (
            "-F signature -0".into(),
            vec!["-F".into(), "signature".into(), "-0".into(), p.clone()],
        ),
        ("--author".into(), vec!["--author".into(), p.clone()]),
        (
            "--description".into(),
            vec!["--description".into(), p.clone()],
        ),
        ("--license".into(), vec!["--license".into(), p.clone()]),
        (
            "--parameters".into(),
            vec!["--parameters".into(), p.clone()],
        ),
        ("--filename".into(), vec!["--filename".into(), p.clone()]),
        ("--null".into(), vec!["--null".into(), p.clone()]),
        ("--nul (abbrev)".into(), vec!["--nul".into(), p.clone()]),
        (
            "last filter wins -a -d".into(),
            vec!["-a".into(), "-d".into(), p.clone()],
        ),
        (
            "last filter wins -F author -l".into(),
            vec!["-F".into(), "author".into(), "-l".into(), p.clone()],
        ),
        (
            "last filter wins -p -F vermagic".into(),
            vec!["-p".into(), "-F".into(), "vermagic".into(), p.clone()],
        ),
        (
            "last filter wins -n -p".into(),
            vec!["-n".into(), "-p".into(), p.clone()],
        ),
        ("-0 -0".into(), vec!["-0".into(), "-0".into(), p.clone()]),
        (
            "options after module".into(),
            vec![p.clone(), "-F".into(), "vermagic".into()],
        ),
        (
            "options between modules".into(),
            vec![p.clone(), "-0".into(), p.clone()],
        ),
        ("-- then module".into(), vec!["--".into(), p.clone()]),
        ("-- then -x".into(), vec!["--".into(), "-x".into()]),
        (
            "-- then -F".into(),
            vec![p.clone(), "--".into(), "-F".into(), "vermagic".into()],
        ),
        (
            "-F -- module".into(),
            vec!["-F".into(), "--".into(), p.clone()],
        ),
        ("-- --".into(), vec!["--".into(), "--".into()]),
        ("lone -".into(), vec!["-".into()]),
        ("lone - with module".into(), vec!["-".into(), p.clone()]),
        ("empty argument".into(), vec!["".into()]),
        ("empty argument with -b/-k".into(), bk(&[""])),
        ("missing path".into(), vec!["/nonexistent/x.ko".into()]),
        (
            "missing path -F filename".into(),
            vec!["-F".into(), "filename".into(), "/nonexistent/x.ko".into()],
        ),
        (
            "missing .ko.xz path".into(),
            vec!["/nonexistent/x.ko.xz".into()],
        ),
        (
            "missing .ko.zst path".into(),
            vec!["/nonexistent/x.ko.zst".into()],
        ),
        (
            "missing path, relative".into(),
            vec!["nonexistent.ko".into()],
        ),
        ("unknown name".into(), bk(&["no_such_module"])),
        ("unknown name -m".into(), bk(&["-m", "no_such_module"])),
        (
            "unknown name, no -b/-k (/lib/modules/$(uname -r))".into(),
            vec!["no_such_module".into()],
        ),
        ("name without -b/-k".into(), vec![name.into()]),
        (
            "-k only".into(),
            vec!["-k".into(), rel.clone(), name.into()],
        ),
        (
            "-b only".into(),
            vec!["-b".into(), root.clone(), name.into()],
        ),
        (
            "-k nonexistent".into(),
            vec![
                "-b".into(),
                root.clone(),
                "-k".into(),
                "0.0.0-none".into(),
                name.into(),
            ],
        ),
        (
            "-b nonexistent".into(),
            vec![
                "-b".into(),
                "/nonexistent-root".into(),
                "-k".into(),
                rel.clone(),
                name.into(),
            ],
        ),
        (
            "-b nonexistent with path".into(),
            vec!["-b".into(), "/nonexistent-root".into(), p.clone()],
        ),
        (
            "-k with slash".into(),
            vec![
                "-b".into(),
                root.clone(),
                "-k".into(),
                format!("{rel}/"),
                name.into(),
            ],
        ),
        (
            "-k ../ escape".into(),
            vec![
                "-b".into(),
                root.clone(),
                "-k".into(),
                format!("../modules/{rel}"),
                name.into(),
            ],
        ),
        (
            "-b pointing at a file".into(),
            vec![
                "-b".into(),
                p.clone(),
                "-k".into(),
                rel.clone(),
                name.into(),
            ],
        ),
        ("-m with a path".into(), vec!["-m".into(), p.clone()]),
        ("-m with a path and -b/-k".into(), bk(&["-m", &p])),
        ("-m with an alias".into(), bk(&["-m", "char-major-10-237"])),
        ("-m with a dashed name".into(), bk(&["-m", "crc32c-intel"])),
        ("-m name, option after".into(), bk(&[name, "-m"])),
        ("name with path-like chars".into(), bk(&["foo/bar"])),
        ("name with glob chars".into(), bk(&["loo*"])),
        ("name with glob chars 2".into(), bk(&["lo?p"])),
        ("name with bracket".into(), bk(&["[l]oop"])),
        ("name 300 chars".into(), bk(&[&long300])),
        ("name 5000 chars".into(), bk(&[&long5000])),
        ("name 5000 chars -m".into(), bk(&["-m", &long5000])),
        (
            "path 300-char basename (missing)".into(),
            vec![longpath.clone()],
        ),
        (
            "several, some failing".into(),
            vec![
                p.clone(),
                "/nonexistent/x.ko".into(),
                p.clone(),
                "no_such_module".into(),
            ],
        ),
        (
            "several, all failing".into(),
            bk(&["no_such_a", "/nonexistent/y.ko", "no_such_b"]),
        ),
        (
            "several names, one failing".into(),
            bk(&[name, "no_such_module", "crc32c_generic", "ext4"]),
        ),
        (
            "failing first then ok".into(),
            vec!["/nonexistent/x.ko".into(), p.clone()],
        ),
        ("text.ko (not ELF)".into(), vec![d("text.ko")]),
        (
            "text.ko -F filename".into(),
            vec!["-F".into(), "filename".into(), d("text.ko")],
        ),
        (
            "text.ko -F name".into(),
            vec!["-F".into(), "name".into(), d("text.ko")],
        ),
        ("text.ko -0".into(), vec!["-0".into(), d("text.ko")]),
        ("empty.ko".into(), vec![d("empty.ko")]),
        ("directory d.ko".into(), vec![d("d.ko")]),
        ("directory d.ko with -b/-k".into(), bk(&[&d("d.ko")])),
        ("symlink to module".into(), vec![d("link.ko")]),
        ("dangling symlink".into(), vec![d("dangling.ko")]),
        ("ELF without extension".into(), vec![d("noext")]),
        ("ELF named x.o".into(), vec![d("x.o")]),
        ("ELF named X.KO".into(), vec![d("X.KO")]),
        ("ELF named x.ko.bak".into(), vec![d("x.ko.bak")]),
        ("file name with space".into(), vec![d("with space.ko")]),
        (
            "ELF executable named true.ko".into(),
            vec![exe_as_ko.to_string_lossy().into_owned()],
        ),
        (
            "ELF executable named true.ko -F filename".into(),
            vec![
                "-F".into(),
                "filename".into(),
                exe_as_ko.to_string_lossy().into_owned(),
            ],
        ),
        (
            "double slash path".into(),
            vec![format!("{}//x.ko", dir.display())],
        ),
        ("dot path".into(), vec![format!("{}/./x.ko", dir.display())]),
        (
            "everything at once".into(),
            vec![
                p.clone(),
                d("text.ko"),
                d("empty.ko"),
                d("d.ko"),
                d("link.ko"),
                d("noext"),
                "/nonexistent/x.ko".into(),
                d("x.ko.gz"),
                d("fifo.ko"),
                p.clone(),
            ],
        ),
    ];
    if dir.join("x.ko.gz").exists() {
        cases.push((
            "x.ko.gz (no zlib: treated as alias)".into(),
            vec![d("x.ko.gz")],
        ));
        cases.push(("x.ko.gz with -b/-k".into(), bk(&[&d("x.ko.gz")])));
    }
    if dir.join("fifo.ko").exists() {
        cases.push(("fifo named fifo.ko".into(), vec![d("fifo.ko")]));
    }
    for (label, args) in &cases {
        rep.check(label, &Inv::new(args.clone()));
    }

    // Relative paths: cwd matters (cwd + "/" + the path, unnormalised).
    let rel_cases: &[(&Path, &str)] = &[
        (&dir, "x.ko"),
        (&dir, "./x.ko"),
        (&dir, ".//x.ko"),
        (&dir, "../dir/x.ko"),
        (&dir, "sub/../x.ko"),
        (&dir, "./sub/../../dir/./x.ko"),
        (&dir, "loop.ko"),
        (&dir, "text.ko"),
        (&dir, "./text.ko"),
        (&dir, "./missing.ko"),
        (&dir, "d.ko"),
        (t, "dir/x.ko"),
        (t, "./dir/x.ko"),
        (&dir.join("sub"), "../x.ko"),
        (&dir.join("sub"), "../../dir/x.ko"),
        (Path::new("/"), "tmp/../nonexistent.ko"),
    ];
    for (cwd, arg) in rel_cases {
        rep.check(
            &format!("relative {arg} in {}", cwd.display()),
            &Inv::new([*arg]).cwd(*cwd),
        );
        rep.check(
            &format!("relative -F filename {arg} in {}", cwd.display()),
            &Inv::new(["-F", "filename", arg]).cwd(*cwd),
        );
    }
    // "loop.ko" in cwd: a file wins over the module name; with -b/-k too.
    rep.check(
        "loop.ko in cwd with -b/-k",
        &Inv::new(bk(&["loop.ko"])).cwd(&dir),
    );
    rep.check(
        "name 'loop' with loop file? (no ext) in cwd",
        &Inv::new(bk(&["loop"])).cwd(&dir),
    );

    // POSIXLY_CORRECT stops option parsing at the first non-option.
    rep.check(
        "POSIXLY_CORRECT trailing option",
        &Inv::new([p.as_str(), "-F", "vermagic"]).env("POSIXLY_CORRECT", "1"),
    );
    rep.check(
        "POSIXLY_CORRECT leading option",
        &Inv::new(["-F", "vermagic", p.as_str()]).env("POSIXLY_CORRECT", "1"),
    );
    rep.check(
        "POSIXLY_CORRECT -x",
        &Inv::new(["-x"]).env("POSIXLY_CORRECT", "1"),
    );
    // Locale variables must not change anything (C messages).
    rep.check(
        "LANG=C.UTF-8 errors",
        &Inv::new(["/nonexistent/x.ko", "-x"]).env("LANG", "C.UTF-8"),
    );
    rep.finish();
}

// ------------------------------------------------------------------------------------------
// d'. crafted module files
// ------------------------------------------------------------------------------------------

fn replace_once(data: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    assert_eq!(from.len(), to.len());
    let pos = data.windows(from.len()).position(|w| w == from)?;
    let mut v = data.to_vec();
    v[pos..pos + to.len()].copy_from_slice(to);
    Some(v)
}

/// Move the '=' of the first `key=` record `shift` bytes to the right (key gets longer).
fn lengthen_key(data: &[u8], key: &[u8], shift: usize) -> Option<Vec<u8>> {
    let mut needle = key.to_vec();
    needle.push(b'=');
    let pos = data
        .windows(needle.len())
        .position(|w| w == needle.as_slice())?;
    let eq = pos + key.len();
    let end = eq + data[eq..].iter().position(|&b| b == 0)?;
    if eq + shift >= end {
        return None;
    }
    let mut v = data.to_vec();
    v[eq] = b'_';
    v[eq + shift] = b'=';
    Some(v)
}

const SIG_MAGIC: &[u8] = b"~Module signature appended~\n";

/// Patch the `struct module_signature` before the trailer magic.
fn patch_sig(data: &[u8], f: impl Fn(&mut [u8])) -> Option<Vec<u8>> {
    if !data.ends_with(SIG_MAGIC) || data.len() < SIG_MAGIC.len() + 12 {
        return None;
    }
    let mut v = data.to_vec();
    let at = v.len() - SIG_MAGIC.len() - 12;
    f(&mut v[at..at + 12]);
    Some(v)
}

fn sig_len(data: &[u8]) -> Option<usize> {
    if !data.ends_with(SIG_MAGIC) {
        return None;
    }
    let at = data.len() - SIG_MAGIC.len() - 4;
    Some(u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize)
}

/// Write the crafted module files into `t`; returns their paths.
fn make_crafted(test: &str, tree: &Tree, t: &Path) -> Vec<PathBuf> {
    let module = sample_module(tree);
    let data = std::fs::read(&module).unwrap();
    let have_xz = tool_available("xz");
    let have_zstd = tool_available("zstd");
    if !have_xz || !have_zstd {
        let msg = format!("{test}: xz ({have_xz}) / zstd ({have_zstd}) command missing; compressed variants partly skipped");
        if testkit::required() {
            panic!("{msg}");
        }
        eprintln!("NOTE: {msg}");
    }
    let n = data.len();
    let lens = [0, 3, 6, 16, 17, 63, 64, 65, 100, 1000, n / 2, n - 1];
    let mut files: Vec<PathBuf> = Vec::new();
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let p = t.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };

    // Truncated ELF, raw and compressed (a valid stream holding a truncated module).
    for &l in &lens {
        let p = write(&format!("trunc{l}.ko"), &data[..l]);
        files.push(p.clone());
        if have_xz {
            let out = Command::new("xz")
                .args(["-c", "--check=crc32"])
                .arg(&p)
                .output()
                .unwrap();
            files.push(write(&format!("trunc{l}.ko.xz"), &out.stdout));
        }
        if have_zstd {
            let out = Command::new("zstd")
                .args(["-q", "-c"])
                .arg(&p)
                .output()
                .unwrap();
            files.push(write(&format!("trunc{l}.ko.zst"), &out.stdout));
        }
    }
    // Whole module compressed, then the compressed stream truncated.
    let mut compressed: Vec<(&str, Vec<u8>)> = Vec::new();
    if have_xz {
        let out = Command::new("xz")
            .args(["-c", "--check=crc32", "--lzma2=dict=1MiB"])
            .arg(&module)
            .output()
            .unwrap();
        compressed.push(("xz", out.stdout));
        let out = Command::new("xz")
            .args(["-c", "--check=crc64"])
            .arg(&module)
            .output()
            .unwrap();
        compressed.push(("crc64.xz", out.stdout));
        let out = Command::new("xz")
            .args(["-c", "--format=lzma"])
            .arg(&module)
            .output()
            .unwrap();
        files.push(write("lzma-format.ko.xz", &out.stdout));
    }
    if have_zstd {
        let out = Command::new("zstd")
            .args(["-q", "-c"])
            .arg(&module)
            .output()
            .unwrap();
        compressed.push(("zst", out.stdout));
        let out = Command::new("zstd")
            .args(["-q", "-c", "--no-check", "-19"])
            .arg(&module)
            .output()
            .unwrap();
        files.push(write("nocheck.ko.zst", &out.stdout));
    }
    for (ext, c) in &compressed {
        files.push(write(&format!("whole.ko.{ext}"), c));
        let cn = c.len();
        for &l in &[0, 3, 6, 16, 17, 63, 64, 65, 100, 1000, cn / 2, cn - 1] {
            if l < cn {
                files.push(write(&format!("ctrunc{l}.ko.{ext}"), &c[..l]));
            }
        }
        // Trailing garbage after the stream, and a flipped byte in the middle.
        let mut g = c.clone();
        g.extend_from_slice(b"garbage");
        files.push(write(&format!("trailing-garbage.ko.{ext}"), &g));
        let mut f = c.clone();
        f[cn / 2] ^= 0x55;
        files.push(write(&format!("flipped.ko.{ext}"), &f));
        // The compressed file under the wrong extensions.
        files.push(write(&format!("{}-as-plain.ko", ext.replace('.', "-")), c));
    }
    if have_xz && have_zstd {
        // Format/extension mismatches.
        files.push(write("plain-elf.ko.xz", &data));
        files.push(write("plain-elf.ko.zst", &data));
        let xz = &compressed.iter().find(|c| c.0 == "xz").unwrap().1;
        let zst = &compressed.iter().find(|c| c.0 == "zst").unwrap().1;
        files.push(write("xz-data.ko.zst", xz));
        files.push(write("zst-data.ko.xz", zst));
        // Two concatenated streams.
        files.push(write(
            "two-streams.ko.xz",
            &[xz.clone(), xz.clone()].concat(),
        ));
        files.push(write(
            "two-streams.ko.zst",
            &[zst.clone(), zst.clone()].concat(),
        ));
    }

    // ELF header corruptions.
    let mut hdr: Vec<(String, Vec<u8>)> = Vec::new();
    let mut set = |name: &str, off: usize, val: &[u8]| {
        let mut v = data.clone();
        v[off..off + val.len()].copy_from_slice(val);
        hdr.push((name.to_string(), v));
    };
    set("bad-magic", 1, b"X");
    set("class-0", 4, &[0]);
    set("class-3", 4, &[3]);
    set("class-32", 4, &[1]);
    set("data-0", 5, &[0]);
    set("data-msb", 5, &[2]);
    set("data-3", 5, &[3]);
    set("version-0", 6, &[0]);
    set("etype-exec", 16, &[2, 0]);
    set("machine-0", 18, &[0, 0]);
    set("shoff-huge", 0x28, &[0xff; 8]);
    set("shoff-zero", 0x28, &[0; 8]);
    set("shentsize-0", 0x3a, &[0, 0]);
    set("shentsize-big", 0x3a, &[0xff, 0x00]);
    set("shnum-0", 0x3c, &[0, 0]);
    set("shnum-huge", 0x3c, &[0xff, 0xff]);
    set("shstrndx-0", 0x3e, &[0, 0]);
    set("shstrndx-huge", 0x3e, &[0xff, 0xff]);
    for (name, v) in &hdr {
        files.push(write(&format!("{name}.ko"), v));
    }

    // .modinfo content patches (same length, so the ELF stays valid).
    let mut patched: Vec<(String, Option<Vec<u8>>)> = vec![
        (
            "parmtype-no-colon".into(),
            replace_once(&data, b"parmtype=max_part:", b"parmtype=max_part_"),
        ),
        (
            "parm-no-colon".into(),
            replace_once(&data, b"parm=max_loop:", b"parm=max_loop_"),
        ),
        (
            "parm-empty-name".into(),
            replace_once(&data, b"parm=max_loop:", b"parm=:max_loop"),
        ),
        (
            "license-no-equals".into(),
            replace_once(&data, b"license=GPL", b"license_GPL"),
        ),
        (
            "value-empty".into(),
            replace_once(&data, b"retpoline=Y", b"retpoline=\0"),
        ),
        (
            "key-empty".into(),
            replace_once(&data, b"intree=Y", b"\0\0\0\0\0\0=Y"),
        ),
        (
            "newline-in-value".into(),
            replace_once(&data, b"license=GPL", b"license=G\nL"),
        ),
        (
            "name-changed".into(),
            replace_once(&data, b"name=loop", b"name=LOOP"),
        ),
        (
            "depends-set".into(),
            replace_once(&data, b"depends=\0retpoline", b"depends=,retpoline"),
        ),
        (
            "modinfo-section-renamed".into(),
            replace_once(&data, b".modinfo\0", b".modinfX\0"),
        ),
        (
            "vermagic-key-15".into(),
            lengthen_key(&data, b"vermagic", 7),
        ),
        (
            "vermagic-key-16".into(),
            lengthen_key(&data, b"vermagic", 8),
        ),
        (
            "vermagic-key-17".into(),
            lengthen_key(&data, b"vermagic", 9),
        ),
        (
            "vermagic-key-20".into(),
            lengthen_key(&data, b"vermagic", 12),
        ),
        (
            "vermagic-key-30".into(),
            lengthen_key(&data, b"vermagic", 22),
        ),
        ("alias-key-14".into(), lengthen_key(&data, b"alias", 9)),
    ];
    // Signature trailer patches.
    let sl = sig_len(&data).unwrap_or(0);
    let sig_start = n.saturating_sub(SIG_MAGIC.len() + 12 + sl);
    let mut sigs: Vec<(String, Option<Vec<u8>>)> = vec![
        (
            "sig-magic-broken".into(),
            replace_once(&data[n - SIG_MAGIC.len()..], b"~\n", b"~X")
                .map(|tail| [&data[..n - SIG_MAGIC.len()], &tail[..]].concat()),
        ),
        ("sig-removed".into(), Some(data[..sig_start].to_vec())),
        (
            "sig-len-0".into(),
            patch_sig(&data, |m| m[8..12].copy_from_slice(&0u32.to_be_bytes())),
        ),
        (
            "sig-len-huge".into(),
            patch_sig(&data, |m| m[8..12].copy_from_slice(&u32::MAX.to_be_bytes())),
        ),
        (
            "sig-len-file".into(),
            patch_sig(&data, |m| {
                m[8..12].copy_from_slice(&(n as u32).to_be_bytes())
            }),
        ),
        (
            "sig-len-plus1".into(),
            patch_sig(&data, |m| {
                m[8..12].copy_from_slice(&((sl + 1) as u32).to_be_bytes())
            }),
        ),
        (
            "sig-len-minus1".into(),
            patch_sig(&data, |m| {
                m[8..12].copy_from_slice(&((sl.max(1) - 1) as u32).to_be_bytes())
            }),
        ),
        ("sig-pkcs7-first-byte".into(), {
            let mut v = data.clone();
            if sl > 0 {
                v[sig_start] ^= 0xff;
            }
            Some(v)
        }),
        ("sig-pkcs7-middle-byte".into(), {
            let mut v = data.clone();
            if sl > 0 {
                v[sig_start + sl / 2] ^= 0x01;
            }
            Some(v)
        }),
        ("sig-pkcs7-last-byte".into(), {
            let mut v = data.clone();
            if sl > 0 {
                v[sig_start + sl - 1] ^= 0x01;
            }
            Some(v)
        }),
    ];
    for id_type in [0u8, 1, 3, 255] {
        sigs.push((
            format!("sig-id-type-{id_type}"),
            patch_sig(&data, |m| m[2] = id_type),
        ));
    }
    // Non-PKCS#7 signatures take algo/hash/signer/key id from the struct.
    for hash in [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200] {
        sigs.push((
            format!("sig-x509-hash-{hash}"),
            patch_sig(&data, |m| {
                m[0] = 1; // algo
                m[1] = hash;
                m[2] = 1; // id_type: X.509
                m[3] = 5; // signer_len
                m[4] = 4; // key_id_len
            }),
        ));
    }
    for algo in [0u8, 1, 2, 3, 9] {
        sigs.push((
            format!("sig-pgp-algo-{algo}"),
            patch_sig(&data, |m| {
                m[0] = algo;
                m[1] = 2;
                m[2] = 0; // PGP
                m[3] = 0;
                m[4] = 0;
            }),
        ));
    }
    sigs.push((
        "sig-x509-no-signer".into(),
        patch_sig(&data, |m| {
            m[2] = 1;
            m[3] = 0;
            m[4] = 0;
        }),
    ));
    sigs.push((
        "sig-x509-lens-too-big".into(),
        patch_sig(&data, |m| {
            m[2] = 1;
            m[3] = 255;
            m[4] = 255;
        }),
    ));
    patched.extend(sigs);
    for (name, v) in &patched {
        match v {
            Some(v) => files.push(write(&format!("{name}.ko"), v)),
            None => eprintln!(
                "NOTE: {test}: patch {name} not applicable to {}",
                module.display()
            ),
        }
    }

    files
}

/// Crafted files split by whether the real kmod dies of a signal (failed assertion) on them.
fn crafted_split(test: &str, tree: &Tree, t: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let files = make_crafted(test, tree, t);
    let crashes = par_map(&files, nproc(), |f| {
        // Any of the option sets used below may crash; the full listing reads everything.
        [&[][..], &["-F", "signature"][..]].iter().any(|o| {
            let out = run_one(
                Tool::Kmod,
                &Inv::new([os(o), vec![f.clone().into_os_string()]].concat()),
            );
            !out.status.starts_with("exit ")
        })
    });
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for (f, crash) in files.into_iter().zip(crashes) {
        if crash {
            bad.push(f)
        } else {
            ok.push(f)
        }
    }
    (ok, bad)
}

const CRAFTED_OPTS: &[&[&str]] = &[
    &[],
    &["-0"],
    &["-F", "filename"],
    &["-F", "name"],
    &["-p"],
    &["-F", "signature"],
    &["-F", "signer"],
    &["-F", "sig_key"],
    &["-F", "sig_hashalgo"],
];

fn check_each(rep: &Report, files: &[PathBuf], opt_sets: &[&[&str]], label: &str) {
    let jobs: Vec<(Vec<OsString>, String)> = files
        .iter()
        .flat_map(|f| {
            opt_sets.iter().map(move |o| {
                (
                    [os(o), vec![f.clone().into_os_string()]].concat(),
                    format!("{label} {o:?}"),
                )
            })
        })
        .collect();
    par_map(&jobs, nproc(), |(args, label)| {
        rep.check_stable(label, &Inv::new(args.clone()))
    });
}

/// Truncated, compressed, corrupted and patched module files on which kmod does not crash.
#[test]
fn crafted_files() {
    let test = "crafted_files";
    let Some(fx) = fixtures(test) else { return };
    let tree = fx.tree("amd64").or(fx.trees.first()).unwrap().clone();
    let rep = Report::new(test);
    let tmp = TempDir::new("modinfo-crafted");
    let (files, crashing) = crafted_split(test, &tree, tmp.path());
    eprintln!(
        "{test}: {} crafted files; {} more make kmod abort (see crafted_files_kmod_aborts): {}",
        files.len(),
        crashing.len(),
        crashing
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    check_each(&rep, &files, CRAFTED_OPTS, "crafted");
    // All of them in one invocation.
    let items = paths_os(&files);
    rep.check_stable(
        "all crafted files in one invocation",
        &Inv::new(items.clone()),
    );
    rep.check_stable(
        "all crafted files in one invocation -0",
        &Inv::new([os(&["-0"]), items.clone()].concat()),
    );
    rep.finish();
}

/// Crafted files on which the real kmod 30 dies of a failed assertion in libkmod-elf.c
/// (message on stderr, SIGABRT, buffered stdout lost). Byte identity means doing the same.
#[test]
fn crafted_files_kmod_aborts() {
    // kmod 30 dies of an assertion (SIGABRT, nothing on stdout) on a few
    // corrupt section tables (e_shnum = 0, e_shstrndx = 0 or out of range).
    // modhost does not copy a crash: it reports the file like any other
    // malformed ELF, with libkmod's own errno for the case (EINVAL) —
    // docs/compat.md lists this deviation. This test pins both facts.
    let test = "crafted_files_kmod_aborts";
    let Some(fx) = fixtures(test) else { return };
    let tree = fx.tree("amd64").or(fx.trees.first()).unwrap().clone();
    let tmp = TempDir::new("modinfo-crafted-abort");
    let (_, crashing) = crafted_split(test, &tree, tmp.path());
    assert!(!crashing.is_empty(), "expected some crafted files to crash kmod");
    for f in &crashing {
        let out = std::process::Command::new(ours_bin()).arg("modinfo").arg(f).env_clear().env("PATH", CLEAN_PATH).output().unwrap();
        let name = f.file_name().unwrap().to_string_lossy();
        let modname = name.split('.').next().unwrap().replace('-', "_");
        assert_eq!(out.status.code(), Some(1), "{}", f.display());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("filename:       {}\n", f.display()),
            "{}",
            f.display()
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("modinfo: ERROR: could not get modinfo from '{modname}': Invalid argument\n"),
            "{}",
            f.display()
        );
    }
}

// ------------------------------------------------------------------------------------------
// A tiny tree indexed by the real depmod.
// ------------------------------------------------------------------------------------------

/// A tiny tree (release 9.9.9-modhost) with a few real modules and crafted builtins,
/// indexed by the real depmod. Returns (root, module dir, modules.builtin.modinfo bytes,
/// the module paths copied) or None when depmod is missing.
fn build_tree(
    test: &str,
    tree: &Tree,
    t: &Path,
) -> Option<(PathBuf, PathBuf, Vec<u8>, Vec<&'static str>)> {
    let depmod = ["/sbin/depmod", "/usr/sbin/depmod"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(depmod) = depmod else {
        eprintln!("SKIP {test}: real depmod not installed");
        return None;
    };
    let root = t.join("root");
    let md = root.join("lib/modules").join(TREE_REL);
    // A few real modules (with their dependencies so depmod is content).
    let wanted = [
        "kernel/drivers/block/loop.ko",
        "kernel/lib/crc16.ko",
        "kernel/fs/mbcache.ko",
        "kernel/fs/jbd2/jbd2.ko",
        "kernel/fs/ext4/ext4.ko",
    ];
    let mut copied = Vec::new();
    for w in wanted {
        let src = tree.moddir().join(w);
        if src.is_file() {
            let dst = md.join(w);
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            std::fs::copy(&src, &dst).unwrap();
            copied.push(w);
        }
    }
    // Builtins: bi_one has two separate runs of records, bi_two none, bi-three is dashed.
    std::fs::write(
        md.join("modules.builtin"),
        "kernel/drivers/x/bi_one.ko\nkernel/drivers/x/bi_two.ko\nkernel/drivers/x/bi-three.ko\nkernel/drivers/x/bi_four.ko\n",
    )
    .unwrap();
    let recs: &[&str] = &[
        "bi_one.description=First builtin",
        "bi_one.alias=bi-alias-one",
        "bi_one.parm=p1:first parameter",
        "bi_one.parmtype=p1:int",
        "bi-three.license=GPL",
        "bi_three.author=Someone",
        "bi_three.alias=bi-alias-three*",
        "bi_one.license=GPL",
        "bi_one.author=Later Run",
        // (An empty value, `bi_four.description=`, makes kmod 30 print an uninitialised
        // key — undefined behaviour, so not tested.)
        "bi_four.parm=noval",
        "bi_four.very_long_key_name_here=v",
        "bi_four.file=x",
        "bi_four.=empty key",
        "bi_four.parm=p2:two",
        "bi_four.parm=p2:two again",
        "bi_four.parmtype=p3:charp",
    ];
    let mut blob = Vec::new();
    for r in recs {
        blob.extend_from_slice(r.as_bytes());
        blob.push(0);
    }
    std::fs::write(md.join("modules.builtin.modinfo"), &blob).unwrap();
    std::fs::write(
        md.join("modules.order"),
        copied.iter().map(|c| format!("{c}\n")).collect::<String>(),
    )
    .unwrap();
    sh(Command::new(depmod).arg("-b").arg(&root).arg(TREE_REL));
    Some((root, md, blob, copied))
}

const TREE_REL: &str = "9.9.9-modhost";
const TREE_NAMES: &[&str] = &[
    "bi_one",
    "bi_two",
    "bi-three",
    "bi_three",
    "bi_four",
    "bi-alias-one",
    "bi-alias-threeXYZ",
    "loop",
    "ext4",
    "jbd2",
    "nonexistent",
];
const TREE_OPTS: &[&[&str]] = &[
    &[],
    &["-0"],
    &["-F", "name"],
    &["-F", "filename"],
    &["-F", "license"],
    &["-p"],
    &["-0", "-p"],
    &["-m"],
    &["-F", "file"],
];

/// Every name alone and all together, with every option set, as `phase: opts` cases.
fn tree_phase(rep: &Report, root: &Path, phase: &str) {
    let bk = |v: &[&str]| -> Vec<OsString> {
        let mut a = vec![
            "-b".into(),
            root.as_os_str().to_owned(),
            "-k".into(),
            TREE_REL.into(),
        ];
        a.extend(v.iter().map(OsString::from));
        a
    };
    for o in TREE_OPTS {
        let label = format!("{phase}: {o:?}");
        for nm in TREE_NAMES {
            rep.check_stable(&label, &Inv::new(bk(&[o, &[*nm][..]].concat())));
        }
        rep.check_stable(
            &format!("{label} (all names at once)"),
            &Inv::new(bk(&[o, TREE_NAMES].concat())),
        );
    }
}

#[test]
fn crafted_tree() {
    let test = "crafted_tree";
    let Some(fx) = fixtures(test) else { return };
    let tree = fx.tree("amd64").or(fx.trees.first()).unwrap().clone();
    let tmp = TempDir::new("modinfo-tree");
    let Some((root, md, blob, copied)) = build_tree(test, &tree, tmp.path()) else {
        return;
    };
    let rep = Report::new(test);
    tree_phase(&rep, &root, "depmod tree");
    // Module file vanished / replaced by garbage after indexing.
    if copied.contains(&"kernel/drivers/block/loop.ko") {
        std::fs::remove_file(md.join("kernel/drivers/block/loop.ko")).unwrap();
    }
    if copied.contains(&"kernel/fs/jbd2/jbd2.ko") {
        std::fs::write(md.join("kernel/fs/jbd2/jbd2.ko"), b"garbage").unwrap();
    }
    tree_phase(&rep, &root, "loop.ko vanished, jbd2.ko garbage");
    std::fs::remove_file(md.join("modules.builtin.modinfo")).unwrap();
    tree_phase(&rep, &root, "no modules.builtin.modinfo");
    std::fs::write(md.join("modules.builtin.modinfo"), &blob).unwrap();
    std::fs::remove_file(md.join("modules.dep.bin")).unwrap();
    tree_phase(&rep, &root, "no modules.dep.bin");
    for f in [
        "modules.alias.bin",
        "modules.builtin.bin",
        "modules.builtin.alias.bin",
        "modules.symbols.bin",
    ] {
        let _ = std::fs::remove_file(md.join(f));
    }
    tree_phase(&rep, &root, "no indexes");
    for f in [
        "modules.dep.bin",
        "modules.alias.bin",
        "modules.builtin.bin",
        "modules.builtin.alias.bin",
        "modules.symbols.bin",
    ] {
        std::fs::write(md.join(f), b"").unwrap();
    }
    tree_phase(&rep, &root, "empty indexes");
    rep.finish();
}

/// modules.builtin.modinfo with records kmod complains about (never produced by a kernel
/// build, but byte identity covers them too). Cases where kmod's own output is not
/// reproducible are skipped.
#[test]
fn crafted_tree_malformed_builtin_modinfo() {
    let test = "crafted_tree_malformed_builtin_modinfo";
    let Some(fx) = fixtures(test) else { return };
    let tree = fx.tree("amd64").or(fx.trees.first()).unwrap().clone();
    let tmp = TempDir::new("modinfo-tree-bad");
    let Some((root, md, blob, _)) = build_tree(test, &tree, tmp.path()) else {
        return;
    };
    let rep = Report::new(test);
    let bm = md.join("modules.builtin.modinfo");
    std::fs::remove_file(&bm).unwrap();
    std::fs::create_dir_all(&bm).unwrap();
    tree_phase(&rep, &root, "modules.builtin.modinfo is a directory");
    std::fs::remove_dir(&bm).unwrap();
    // A record without the `modname.` prefix, at the end and at the start.
    std::fs::write(
        &bm,
        [
            &blob[..],
            // The record that runs into the junk is one nobody looks up:
            // libkmod copies the strings after it past its array (heap
            // overflow, docs/compat.md), so no compared output may depend
            // on that record.
            b"bi_unqueried.x=1\0junk_without_dot\0bi_two.description=after the junk\0",
        ]
        .concat(),
    )
    .unwrap();
    tree_phase(&rep, &root, "trailing record without modname prefix");
    // (A leading record without the prefix makes kmod 30 die of SIGSEGV: not tested.)
    // The last record not NUL-terminated.
    std::fs::write(
        &bm,
        [&blob[..], b"bi_two.description=unterminated"].concat(),
    )
    .unwrap();
    tree_phase(&rep, &root, "unterminated last record");
    // (Empty records — extra NULs — make kmod 30 print an uninitialised key at the end and
    // die of SIGSEGV at the start: undefined behaviour, not tested.)
    rep.finish();
}

// ------------------------------------------------------------------------------------------
// e. argv[0] dispatch through a symlink named `modinfo`
// ------------------------------------------------------------------------------------------

#[test]
fn argv0_dispatch() {
    let test = "argv0_dispatch";
    let Some(fx) = fixtures(test) else { return };
    let tree = fx.tree("amd64").or(fx.trees.first()).unwrap().clone();
    let rep = Report::new(test);
    let tmp = TempDir::new("modinfo-argv0");
    let kdir = tmp.path().join("kmod-bin");
    let odir = tmp.path().join("ours-bin");
    std::fs::create_dir_all(&kdir).unwrap();
    std::fs::create_dir_all(&odir).unwrap();
    // kmod resolves its personality from argv[0]; point a `modinfo` symlink at each binary.
    let kreal = std::fs::canonicalize(REAL_MODINFO).unwrap();
    symlink(&kreal, kdir.join("modinfo")).unwrap();
    symlink(ours_bin(), odir.join("modinfo")).unwrap();
    let module = sample_module(&tree).to_string_lossy().into_owned();
    let root = tree.root.to_string_lossy().into_owned();
    let arg_sets: Vec<Vec<String>> = vec![
        vec![module.clone()],
        vec!["-F".into(), "vermagic".into(), module.clone()],
        vec![
            "-b".into(),
            root.clone(),
            "-k".into(),
            tree.release.clone(),
            "loop".into(),
            "crc32c".into(),
        ],
        vec![],
        vec!["-x".into()],
        vec!["--bogus".into()],
        vec!["-F".into()],
        vec!["-h".into()],
        vec!["-V".into()],
        vec!["/nonexistent/x.ko".into()],
    ];
    // Each binary through its own symlink, with argv[0] spelled the same way for both:
    // as a PATH lookup would ("modinfo"), as an absolute path and as a relative path.
    let shared = tmp.path().join("bin");
    for argv0 in [
        "modinfo".to_string(),
        format!("{}/modinfo", shared.display()),
        "./modinfo".to_string(),
        "/x/y/modinfo".to_string(),
    ] {
        for args in &arg_sets {
            let mut inv = Inv::new(args.clone());
            inv.programs = Some([
                (kdir.join("modinfo"), argv0.clone().into()),
                (odir.join("modinfo"), argv0.clone().into()),
            ]);
            rep.check(&format!("argv0={argv0}"), &inv);
        }
    }
    // The real thing, no argv[0] trickery: the same symlink path, pointing first at kmod
    // and then at modhost, executed by path and through PATH.
    std::fs::create_dir_all(&shared).unwrap();
    let link = shared.join("modinfo");
    for args in &arg_sets {
        for via_path in [false, true] {
            let mut outs = Vec::new();
            for target in [kreal.as_path(), Path::new(ours_bin())] {
                let _ = std::fs::remove_file(&link);
                symlink(target, &link).unwrap();
                let mut cmd = if via_path {
                    Command::new("modinfo")
                } else {
                    Command::new(&link)
                };
                cmd.args(args)
                    .env_clear()
                    .env("PATH", format!("{}:{CLEAN_PATH}", shared.display()));
                let o = cmd.output().unwrap();
                outs.push(Out {
                    stdout: o.stdout,
                    stderr: o.stderr,
                    status: format!("{:?}", o.status.code()),
                });
            }
            let inv = Inv::new(args.clone());
            rep.record(
                "symlink",
                describe(
                    &format!("symlink {} (via PATH: {via_path})", link.display()),
                    &inv,
                    &outs[0],
                    &outs[1],
                ),
            );
        }
    }
    rep.finish();
}

//! `modhost depmod` against the real kmod 30 `depmod`.
//!
//! Every case runs both tools on identical copies of a module tree (made the
//! same way, so `readdir` order is the same) and demands byte equality of
//! the ten output files (or their absence), of stdout, of stderr (with the
//! copies' paths, and the pointers kmod prints at `-vv`, masked) and of the
//! exit status.
//!
//! * `debian_trees`: the fixture trees (amd64 `.ko`, `.ko.xz`, `.ko.zst`,
//!   i386, s390x), with the module files hard-linked, plus `-n`, `-v`,
//!   `-w`, `-e -E Module.symvers` and `-e -F System.map` on amd64;
//! * `synthetic_*`: small trees of relocatable objects built with `gcc -c`
//!   (undefined externs, `__ksymtab_strings`, `__crc_*`, `__versions`,
//!   `.modinfo`): dependencies, aliases, devname, softdeps, duplicate
//!   exporters, cycles, depmod.d `search`/`override`/`external`/`exclude`
//!   via `-C`, `modules.order`, builtin files, module-file operands, `-A`,
//!   corrupt files, options and their errors;
//! * `cycle_report_terminates`: graphs on which kmod 30's cycle reporter
//!   never returns; ours must end with a complete report.
//!
//! Fixture trees missing: skipped with a note, unless
//! `MODHOST_REQUIRE_FIXTURES=1`. Without `gcc` or `/sbin/depmod` the
//! synthetic tests are skipped the same way.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{first_diff, ours_bin, Out, TempDir};

const REAL_DEPMOD: &str = "/sbin/depmod";

/// The ten files depmod writes.
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

/// Whether the tools the synthetic tests need are here (else skip/fail).
fn have_tools(test: &str) -> bool {
    let gcc = Command::new("gcc").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    let depmod = Path::new(REAL_DEPMOD).exists();
    if gcc && depmod {
        return true;
    }
    testkit::skip::<()>(format!("{test}: needs gcc ({gcc}) and {REAL_DEPMOD} ({depmod})"));
    false
}

// ------------------------------------------------------------------------------------------
// Running the tools
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Kmod,
    Ours,
    /// Ours through an argv[0] of `depmod`.
    OursArgv0,
}

/// The result of one run, normalised.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    /// Status, stdout and stderr.
    out: Out,
    /// Output file -> contents (None: absent).
    files: BTreeMap<String, Option<Vec<u8>>>,
    /// Temporary files left in the module directory.
    leftovers: Vec<String>,
}

/// Replaces every occurrence of `from` in `v` with `to`.
fn replace(v: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return v.to_vec();
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    out
}

/// Masks `0x<hex>` pointers (kmod prints some at `-vv`) and the
/// `.<pid>.<usec>.<sec>` of temporary file names.
fn mask(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i..].starts_with(b"0x") && v.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit()) {
            let mut j = i + 2;
            while j < v.len() && v[j].is_ascii_hexdigit() {
                j += 1;
            }
            if j - i >= 8 {
                out.extend_from_slice(b"0xPTR");
                i = j;
                continue;
            }
        }
        // ".<pid>.<usec>.<sec>" of a temporary file name
        if v[i] == b'.' {
            let mut j = i;
            let mut groups = 0;
            while groups < 3 && j < v.len() && v[j] == b'.' && v.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
                j += 1;
                while j < v.len() && v[j].is_ascii_digit() {
                    j += 1;
                }
                groups += 1;
            }
            if groups == 3 && !v.get(j).is_some_and(|c| *c == b'.' || c.is_ascii_alphanumeric()) {
                out.extend_from_slice(b".PID.USEC.SEC");
                i = j;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    out
}

/// Runs one depmod on the tree copy at `root` (`{ROOT}` in `args` is
/// replaced by it) and collects what it did to `<root>/lib/modules/<rel>`.
fn run(who: Who, root: &Path, rel: &str, args: &[String], timeout: Duration) -> Run {
    run_opt(who, root, rel, args, timeout, false)
}

/// [`run`], with stderr merged into stdout (`2>&1`) when `merged`.
fn run_opt(who: Who, root: &Path, rel: &str, args: &[String], timeout: Duration, merged: bool) -> Run {
    let root_s = root.to_str().expect("UTF-8 temp path");
    let args: Vec<OsString> = args.iter().map(|a| a.replace("{ROOT}", root_s).into()).collect();
    let mut cmd = if merged {
        // sh -c 'exec "$0" "$@" 2>&1' PROGRAM ARGS...: one pipe for both.
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg("exec \"$0\" \"$@\" 2>&1");
        match who {
            Who::Kmod => c.arg(REAL_DEPMOD),
            _ => c.arg(ours_bin()).arg("depmod"),
        };
        c
    } else {
        match who {
        Who::Kmod => {
            let mut c = Command::new(REAL_DEPMOD);
            c.arg0("depmod");
            c
        }
        Who::Ours => {
            let mut c = Command::new(ours_bin());
            c.arg("depmod");
            c
        }
        Who::OursArgv0 => {
            let mut c = Command::new(ours_bin());
            c.arg0("depmod");
            c
        }
        }
    };
    cmd.args(&args).env_clear().env("PATH", "/sbin:/usr/sbin:/usr/bin:/bin").current_dir(root);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn depmod");
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let to = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let te = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break match st.code() {
                Some(c) => format!("exit {c}"),
                None => format!("signal {:?}", std::os::unix::process::ExitStatusExt::signal(&st)),
            };
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break "timeout".to_string();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let norm = |v: Vec<u8>| mask(&replace(&v, root_s.as_bytes(), b"ROOT"));
    let stdout = norm(to.join().unwrap());
    let stderr = norm(te.join().unwrap());
    let dir = root.join("lib/modules").join(rel);
    // (external modules' absolute paths are in the files too)
    let files = OUTPUTS.iter().map(|f| (f.to_string(), std::fs::read(dir.join(f)).ok().map(|v| replace(&v, root_s.as_bytes(), b"ROOT")))).collect();
    let mut leftovers: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("modules.") && n.split('.').filter(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty()).count() >= 3)
                .map(|n| String::from_utf8_lossy(&mask(n.as_bytes())).into_owned())
                .collect()
        })
        .unwrap_or_default();
    leftovers.sort();
    Run { out: Out { status, stdout, stderr }, files, leftovers }
}

/// Describes how two runs differ (None: identical).
fn diff_runs(k: &Run, o: &Run) -> Option<String> {
    if k == o {
        return None;
    }
    let mut s = k.out.diff(&o.out);
    for (name, kv) in &k.files {
        let ov = &o.files[name];
        match (kv, ov) {
            (Some(a), Some(b)) => {
                if let Some(d) = first_diff(name, a, b) {
                    s.push_str(&d);
                }
            }
            (None, None) => {}
            _ => s.push_str(&format!("  {name}: kmod {} / ours {}\n", if kv.is_some() { "wrote it" } else { "did not" }, if ov.is_some() { "wrote it" } else { "did not" })),
        }
    }
    if k.leftovers != o.leftovers {
        s.push_str(&format!("  leftovers: kmod {:?} ours {:?}\n", k.leftovers, o.leftovers));
    }
    Some(s)
}

// ------------------------------------------------------------------------------------------
// Synthetic modules
// ------------------------------------------------------------------------------------------

/// A module to build with `gcc -c`.
#[derive(Clone, Default)]
struct M {
    /// Exported names in `__ksymtab_strings`.
    exports: Vec<String>,
    /// `__crc_<name>` absolute symbols (modversioned exports).
    crcs: Vec<(String, u32)>,
    /// Functions called (undefined symbols).
    imports: Vec<String>,
    /// Weak undefined symbols.
    weak: Vec<String>,
    /// `.modinfo` strings (`key=value`), in order.
    modinfo: Vec<String>,
    /// `__versions` entries (CRC, name).
    versions: Vec<(u64, String)>,
}

fn m() -> M {
    M::default()
}

impl M {
    fn exp(mut self, names: &[&str]) -> M {
        self.exports.extend(names.iter().map(|s| s.to_string()));
        self
    }
    fn crc(mut self, name: &str, crc: u32) -> M {
        self.crcs.push((name.into(), crc));
        self
    }
    fn imp(mut self, names: &[&str]) -> M {
        self.imports.extend(names.iter().map(|s| s.to_string()));
        self
    }
    fn weak(mut self, names: &[&str]) -> M {
        self.weak.extend(names.iter().map(|s| s.to_string()));
        self
    }
    fn info(mut self, kv: &[&str]) -> M {
        self.modinfo.extend(kv.iter().map(|s| s.to_string()));
        self
    }
    fn ver(mut self, crc: u64, name: &str) -> M {
        self.versions.push((crc, name.into()));
        self
    }

    fn source(&self) -> String {
        let bytes = |b: &[u8]| b.iter().map(|c| format!("0x{c:02x}")).collect::<Vec<_>>().join(",");
        let mut c = String::new();
        for i in &self.imports {
            c.push_str(&format!("extern void {i}(void);\n"));
        }
        for w in &self.weak {
            c.push_str(&format!("extern void {w}(void) __attribute__((weak));\n"));
        }
        c.push_str("void __attribute__((used)) synth_calls(void) {\n");
        for i in &self.imports {
            c.push_str(&format!("  {i}();\n"));
        }
        for w in &self.weak {
            c.push_str(&format!("  if ({w}) {w}();\n"));
        }
        c.push_str("}\n");
        if !self.exports.is_empty() {
            let mut b = Vec::new();
            for e in &self.exports {
                b.extend_from_slice(e.as_bytes());
                b.push(0);
            }
            c.push_str(&format!(
                "static const char ksym[] __attribute__((section(\"__ksymtab_strings\"), used, aligned(1))) = {{{}}};\n",
                bytes(&b)
            ));
        }
        if !self.modinfo.is_empty() {
            let mut b = Vec::new();
            for e in &self.modinfo {
                b.extend_from_slice(e.as_bytes());
                b.push(0);
            }
            c.push_str(&format!(
                "static const char mi[] __attribute__((section(\".modinfo\"), used, aligned(1))) = {{{}}};\n",
                bytes(&b)
            ));
        }
        if !self.versions.is_empty() {
            c.push_str("struct mv { unsigned long crc; char name[64 - sizeof(unsigned long)]; };\n");
            c.push_str("static const struct mv vers[] __attribute__((section(\"__versions\"), used, aligned(8))) = {\n");
            for (crc, n) in &self.versions {
                c.push_str(&format!("  {{ 0x{crc:x}UL, \"{n}\" }},\n"));
            }
            c.push_str("};\n");
        }
        for (n, crc) in &self.crcs {
            c.push_str(&format!("__asm__(\".globl __crc_{n}\\n.set __crc_{n}, 0x{crc:08x}\\n\");\n"));
        }
        c
    }

    /// Compiles into `path` (parent directories created).
    fn build(&self, path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let src = path.with_extension("synth.c");
        std::fs::write(&src, self.source()).unwrap();
        let st = Command::new("gcc")
            .args(["-c", "-O0", "-fno-pic", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-x", "c"])
            .arg(&src)
            .arg("-o")
            .arg(path)
            .status()
            .expect("run gcc");
        assert!(st.success(), "gcc failed for {}", path.display());
        std::fs::remove_file(&src).unwrap();
    }
}

/// A tree under construction: files relative to the root.
struct Tree {
    dir: TempDir,
    rel: String,
}

impl Tree {
    fn new(tag: &str, rel: &str) -> Tree {
        let dir = TempDir::new(&format!("depmod-{tag}"));
        std::fs::create_dir_all(dir.path().join("src/lib/modules").join(rel)).unwrap();
        Tree { dir, rel: rel.to_string() }
    }
    fn src(&self) -> PathBuf {
        self.dir.path().join("src")
    }
    fn moddir(&self) -> PathBuf {
        self.src().join("lib/modules").join(&self.rel)
    }
    /// A module at `rel` (relative to the module directory).
    fn module(&self, rel: &str, m: &M) -> &Tree {
        m.build(&self.moddir().join(rel));
        self
    }
    /// A file relative to the module directory.
    fn file(&self, rel: &str, data: &[u8]) -> &Tree {
        let p = self.moddir().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
        self
    }
    /// A file relative to the root.
    /// Compresses a module in place (`xz` or `zstd`), removing the original.
    fn compress(&self, rel: &str, tool: &str) -> &Tree {
        let p = self.moddir().join(rel);
        let st = match tool {
            "xz" => Command::new("xz").arg("-q").arg("--check=crc32").arg(&p).status(),
            _ => Command::new("zstd").arg("-q").arg("--rm").arg(&p).status(),
        };
        assert!(st.is_ok_and(|s| s.success()), "{tool} {rel}");
        self
    }
}

/// One step of a case: a depmod run (compared) or something done to both
/// copies.
enum Step {
    Run(Vec<String>),
    /// A run with stderr merged into stdout (`2>&1`).
    Merged(Vec<String>),
    Do(Box<dyn Fn(&Path)>),
}

fn run_args(a: &[&str]) -> Step {
    Step::Run(a.iter().map(|s| s.to_string()).collect())
}

/// Copies `src` to `dst` preserving times and the creation order.
fn copy_tree(src: &Path, dst: &Path) {
    let st = Command::new("cp").arg("-a").arg(src).arg(dst).status().expect("cp");
    assert!(st.success());
}

/// Runs `steps` on two copies of the tree, kmod on one and ours on the
/// other; returns the mismatches.
fn compare(label: &str, t: &Tree, steps: &[Step], who: Who) -> Vec<String> {
    let k = t.dir.path().join(format!("k-{label}"));
    let o = t.dir.path().join(format!("o-{label}"));
    let _ = std::fs::remove_dir_all(&k);
    let _ = std::fs::remove_dir_all(&o);
    copy_tree(&t.src(), &k);
    copy_tree(&t.src(), &o);
    let mut out = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        match step {
            Step::Do(f) => {
                f(&k);
                f(&o);
            }
            Step::Run(args) | Step::Merged(args) => {
                let merged = matches!(step, Step::Merged(_));
                let rk = run_opt(Who::Kmod, &k, &t.rel, args, Duration::from_secs(60), merged);
                let ro = run_opt(who, &o, &t.rel, args, Duration::from_secs(60), merged);
                if let Some(d) = diff_runs(&rk, &ro) {
                    out.push(format!("MISMATCH [{label} step {n}: depmod {}]\n{d}", args.join(" ")));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&k);
    let _ = std::fs::remove_dir_all(&o);
    out
}

fn finish(test: &str, mismatches: Vec<String>, cases: usize) {
    if mismatches.is_empty() {
        eprintln!("{test}: {cases} cases identical");
        return;
    }
    panic!("{test}: {} of {cases} cases differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

fn a(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------------------------------------
// The tests
// ------------------------------------------------------------------------------------------

/// A tree exercising most of depmod: dependencies through plain and
/// modversioned exports, weak and unknown symbols, aliases (brackets,
/// dashes, unmatched brackets), devname, softdeps, a module without
/// .modinfo, duplicates in updates/ and extra/, modules.order, builtin
/// files with odd records.
fn rich_tree(tag: &str) -> Tree {
    let t = Tree::new(tag, "1.0.0-test");
    t.module("kernel/lib/core-a.ko", &m().exp(&["core_a_fn", "shared_fn"]).info(&["alias=core-a-alias", "license=GPL"]))
        .module("kernel/lib/core_b.ko", &m().crc("core_b_fn", 0x1111).crc("core_b_two", 0x2222).imp(&["core_a_fn"]).ver(0x99, "core_a_fn").ver(0x42, "module_layout"))
        .module(
            "kernel/drivers/net/nic.ko",
            &m().imp(&["core_b_fn", "core_a_fn", "printk", "missing_sym"]).weak(&["weak_missing", "core_b_two"]).ver(0x1111, "core_b_fn").ver(0x7, "printk").info(&[
                "alias=pci:v00008086d*sv*sd*bc02sc00i*",
                "alias=net-pf-[0-9]-proto-x",
                "alias=bad]bracket",
                "alias=open[bracket",
                "alias=devname:nicdev",
                "alias=char-major-10-77",
                "softdep=pre: core_a post: core_b",
                "softdep=whatever",
                "depends=core_b",
            ]),
        )
        .module("kernel/drivers/block/blk.ko", &m().imp(&["nic_missing", "shared_fn"]).info(&["alias=block-major-8-*", "alias=devname:blkdev", "alias=block-major-8-3x", "alias=char-major-1-2"]))
        .module("kernel/drivers/char/nodev.ko", &m().info(&["alias=devname:lonely", "alias=symbol:nothing"]))
        .module("kernel/drivers/char/noinfo.ko", &m().exp(&["noinfo_fn"]))
        .module("kernel/drivers/char/user-of-noinfo.ko", &m().imp(&["noinfo_fn"]).info(&["alias=dup-alias", "alias=dup-alias", "alias=dup_alias"]))
        .module("kernel/fs/dupe.ko", &m().exp(&["dupe_fn"]).info(&["alias=fs-dupe"]))
        .module("updates/dupe.ko", &m().exp(&["dupe_fn", "dupe_new"]).info(&["alias=fs-dupe-new"]))
        .module("extra/extra-one.ko", &m().imp(&["dupe_new"]).exp(&["shared_fn"]))
        .module("kernel/fs/shared2.ko", &m().exp(&["shared_fn"]))
        .file(
            "modules.order",
            b"kernel/drivers/net/nic.ko\nkernel/lib/core_b.ko\n#comment\n\nkernel/lib/core-a.ko\nkernel/fs/dupe.ko\nkernel/drivers/net/nic.ko\nkernel/nonexistent.ko\n",
        )
        .file("modules.builtin", b"kernel/fs/ext4/ext4.ko\nkernel/crypto/crc32c_generic.ko\n/absolute/x.ko\nkernel/noext\n1bad\n")
        .file(
            "modules.builtin.modinfo",
            b"ext4.alias=fs-ext4\0ext4.alias=ext3\0ext4.license=GPL\0crc32c_generic.alias=crypto-crc32c\0crc32c_generic.alias=crc32c-generic\0nodot\0x.alias=\0x.alias=a[b\0y.alias=ok-[a-b]-y\0z.key-without-value\0z.alias=skipped-by-quirk\0w.alias=last",
        );
    t
}

#[test]
fn synthetic_rich_tree() {
    if !have_tools("synthetic_rich_tree") {
        return;
    }
    let t = rich_tree("rich");
    let rel = t.rel.clone();
    let d = |extra: &[&str]| -> Step {
        let mut v = a(&["-b", "{ROOT}"]);
        v.extend(a(extra));
        v.push(rel.clone());
        Step::Run(v)
    };
    let symvers = "0x00000007\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x00000099\tcore_a_fn\tvmlinux\tEXPORT_SYMBOL\n0xZZ\tbroken\tvmlinux\tEXPORT_SYMBOL\n0x1\tthree\tvmlinux\n0x5\tnot_vmlinux\tdrivers/x\tEXPORT_SYMBOL\n";
    let sysmap = "ffffffff81000000 T printk\nffffffff81000001 R __ksymtab_printk\nffffffff81000002 r __ksymtab_nic_missing\nnospace\nonly one\n";
    let mut cases: Vec<(&str, Vec<Step>)> = vec![
        ("plain", vec![d(&[])]),
        ("dry-run", vec![d(&["-n"])]),
        ("verbose", vec![d(&["-v"])]),
        ("vv", vec![d(&["-vv"])]),
        ("warn", vec![d(&["-w"])]),
        ("errsyms-alone", vec![d(&["-e"])]),
        ("long-options", vec![Step::Run(a(&["--basedir={ROOT}", "--all", "--warn", "--errsyms", &rel]))]),
        ("deprecated", vec![d(&["-u", "-q", "-r", "-m", "--unresolved-error", "--quiet", "--root", "--map"])]),
        ("prefix", vec![d(&["-P", "c"])]),
        ("prefix-too-long", vec![d(&["-P", "ab"])]),
        ("bad-version", vec![Step::Run(a(&["-b", "{ROOT}", "abc"]))]),
        ("no-such-dir", vec![Step::Run(a(&["-b", "{ROOT}", "9.9.9"]))]),
        ("bad-option", vec![d(&["-x"])]),
        ("bad-long-option", vec![d(&["--bogus"])]),
        ("ambiguous", vec![d(&["--s"])]),
        ("missing-arg", vec![Step::Run(a(&["-b"]))]),
        ("help", vec![Step::Run(a(&["-h"]))]),
        ("version", vec![Step::Run(a(&["-V"]))]),
        ("rerun", vec![d(&[]), d(&["-w"])]),
        ("no-dash-o-in-v30", vec![d(&["-o", "/tmp"])]),
        ("relative-basedir", vec![Step::Run(a(&["-b", ".", "--base", "./", &rel]))]),
        ("help-then-bad", vec![d(&["-h", "-x"])]),
        ("bad-then-help", vec![d(&["-x", "-h"])]),
        ("no-version-arg", vec![run_args(&["-b", "{ROOT}"])]),
    ];
    let merged = |extra: &[&str]| -> Step {
        let mut v = a(&["-b", "{ROOT}"]);
        v.extend(a(extra));
        v.push(rel.clone());
        Step::Merged(v)
    };
    cases.push(("merged-v", vec![merged(&["-v"])]));
    cases.push(("merged-n-v", vec![merged(&["-n", "-v", "-w"])]));
    cases.push(("merged-vv-n", vec![merged(&["-vv", "-n"])]));
    // -E / -F with their files in the copy.
    let sv = symvers.to_string();
    let sm = sysmap.to_string();
    cases.push((
        "symvers",
        vec![
            Step::Do(Box::new(move |r: &Path| std::fs::write(r.join("Module.symvers"), &sv).unwrap())),
            d(&["-e", "-E", "{ROOT}/Module.symvers"]),
            d(&["-E", "{ROOT}/Module.symvers", "-n"]),
            d(&["-e", "-E", "{ROOT}/missing.symvers"]),
            d(&["-e", "-F", "{ROOT}/missing.map", "-E", "{ROOT}/Module.symvers"]),
        ],
    ));
    cases.push((
        "system-map",
        vec![
            Step::Do(Box::new(move |r: &Path| std::fs::write(r.join("System.map"), &sm).unwrap())),
            d(&["-e", "-F", "{ROOT}/System.map"]),
            d(&["-e", "-F", "{ROOT}/missing.map"]),
        ],
    ));
    // Module file operands: a partial database.
    let mods = format!("{{ROOT}}/lib/modules/{rel}/kernel/lib");
    cases.push((
        "operands",
        vec![
            Step::Run(vec!["-b".into(), "{ROOT}".into(), rel.clone(), format!("{mods}/core-a.ko"), format!("{mods}/core_b.ko")]),
            Step::Run(vec!["-b".into(), "{ROOT}".into(), rel.clone(), format!("{mods}/core-a.ko"), format!("{mods}/core-a.ko")]),
            Step::Run(vec!["-b".into(), "{ROOT}".into(), rel.clone(), format!("{mods}/core-a.ko"), format!("{{ROOT}}/lib/modules/{rel}/kernel/fs/dupe.ko"), format!("{{ROOT}}/lib/modules/{rel}/updates/dupe.ko")]),
            Step::Run(vec!["-b".into(), "{ROOT}".into(), rel.clone(), "kernel/lib/core-a.ko".into()]),
            Step::Run(vec!["-b".into(), "{ROOT}".into(), rel.clone(), format!("{mods}/nonexistent.ko")]),
        ],
    ));
    // -A: up to date, then a newer module.
    let relc = rel.clone();
    cases.push((
        "quick",
        vec![
            d(&["-A"]),
            d(&["-A"]),
            d(&["-A", "-n"]),
            Step::Do(Box::new(move |r: &Path| {
                let f = r.join("lib/modules").join(&relc).join("kernel/lib/core-a.ko");
                let st = Command::new("touch").arg("-d").arg("+1 hour").arg(&f).status().unwrap();
                assert!(st.success());
            })),
            d(&["-A"]),
        ],
    ));
    let relr = rel.clone();
    cases.push((
        "quick-no-dep",
        vec![
            Step::Do(Box::new(move |r: &Path| {
                let _ = std::fs::remove_file(r.join("lib/modules").join(&relr).join("modules.dep"));
            })),
            d(&["-A"]),
        ],
    ));
    let mut mism = Vec::new();
    let n = cases.len();
    for (label, steps) in &cases {
        mism.extend(compare(label, &t, steps, Who::Ours));
    }
    // argv[0] dispatch.
    mism.extend(compare("argv0", &t, &[d(&["-w"]), run_args(&["-h"])], Who::OursArgv0));
    finish("synthetic_rich_tree", mism, n + 1);
}

#[test]
fn synthetic_config() {
    if !have_tools("synthetic_config") {
        return;
    }
    let t = Tree::new("config", "2.6.32-cfg");
    let rel = t.rel.clone();
    t.module("kernel/a/x.ko", &m().exp(&["x_fn"]).info(&["alias=x-from-kernel"]))
        .module("updates/x.ko", &m().exp(&["x_fn"]).info(&["alias=x-from-updates"]))
        .module("extra/x.ko", &m().exp(&["x_fn"]).info(&["alias=x-from-extra"]))
        .module("weird/x.ko", &m().exp(&["x_fn"]).info(&["alias=x-from-weird"]))
        .module("kernel/b/y.ko", &m().imp(&["x_fn"]).info(&["alias=y-kernel"]))
        .module("kernel/skipme/z.ko", &m().info(&["alias=z-skipped"]))
        .module("kernel/c/z.ko", &m().info(&["alias=z-kept"]))
        .module("build/ignored.ko", &m())
        .module("source/ignored2.ko", &m());
    // external modules (outside the module directory)
    m().exp(&["ext_fn"]).info(&["alias=ext-one"]).build(&t.src().join("ext1/ext-mod.ko"));
    m().exp(&["x_fn"]).imp(&["ext_fn"]).info(&["alias=x-from-ext2"]).build(&t.src().join("ext2/x.ko"));
    // y.ko.xz: an xz-compressed module (built, then compressed)
    m().imp(&["x_fn"]).info(&["alias=y-extra"]).build(&t.moddir().join("extra/y.ko"));
    t.compress("extra/y.ko", "xz");

    let conf = |name: &'static str, text: String| -> Step {
        Step::Do(Box::new(move |r: &Path| {
            let p = r.join("conf").join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text.replace("{ROOT}", r.to_str().unwrap())).unwrap();
        }))
    };
    let d = |extra: &[&str]| -> Step {
        let mut v = a(&["-b", "{ROOT}"]);
        v.extend(a(extra));
        v.push(rel.clone());
        Step::Run(v)
    };
    let cases: Vec<(&str, Vec<Step>)> = vec![
        ("no-config-defaults", vec![d(&["-C", "{ROOT}/conf"])]),
        ("search-order", vec![conf("a.conf", "search extra updates built-in weird\n".into()), d(&["-C", "{ROOT}/conf"])]),
        ("search-builtin-first", vec![conf("a.conf", "search built-in extra\nsearch updates\n".into()), d(&["-C", "{ROOT}/conf"])]),
        ("search-no-builtin", vec![conf("a.conf", "search updates\n".into()), d(&["-C", "{ROOT}/conf"])]),
        ("override", vec![conf("a.conf", "override x * weird\noverride y 2\\.6\\..* extra\noverride x 3.0 updates\noverride bad\n".into()), d(&["-C", "{ROOT}/conf", "-vv"])]),
        ("override-regex-error", vec![conf("a.conf", "override x ( extra\n".into()), d(&["-C", "{ROOT}/conf", "-vv"])]),
        (
            "external",
            vec![
                conf("a.conf", "search external updates built-in\nexternal * {ROOT}/ext1\nexternal 2.6 {ROOT}/ext2 {ROOT}/ignored\nexternal 3.0 {ROOT}/nomatch\nexternal * {ROOT}/missing-ext\n".into()),
                d(&["-C", "{ROOT}/conf", "-vv"]),
                d(&["-C", "{ROOT}/conf", "-n"]),
            ],
        ),
        ("external-not-searched", vec![conf("a.conf", "external * {ROOT}/ext2\n".into()), d(&["-C", "{ROOT}/conf"])]),
        ("exclude", vec![conf("a.conf", "exclude skipme weird\nexclude\n".into()), d(&["-C", "{ROOT}/conf"])]),
        (
            "bad-lines",
            vec![
                conf("a.conf", "bogus x\n  search\tupdates\\\n extra\n#comment\n include foo\nmake_map_files\nexternal\nexternal *\n\\\n".into()),
                conf("b.txt", "search weird\n".into()),
                conf("sub.conf/inner.conf", "search weird\n".into()),
                d(&["-C", "{ROOT}/conf", "-vv"]),
            ],
        ),
        (
            "file-precedence",
            vec![
                conf("dir1/same.conf", "search weird\n".into()),
                conf("dir2/same.conf", "search extra\n".into()),
                conf("dir2/other.conf", "search updates\n".into()),
                conf("single.conf", "exclude skipme\n".into()),
                d(&["-C", "{ROOT}/conf/dir2", "-C", "{ROOT}/conf/dir1", "-C", "{ROOT}/conf/single.conf", "-C", "{ROOT}/conf/none"]),
            ],
        ),
    ];
    let mut mism = Vec::new();
    let n = cases.len();
    for (label, steps) in &cases {
        mism.extend(compare(label, &t, steps, Who::Ours));
    }
    finish("synthetic_config", mism, n);
}

#[test]
fn synthetic_edge_trees() {
    if !have_tools("synthetic_edge_trees") {
        return;
    }
    let mut mism = Vec::new();
    let mut n = 0;
    let std_run = |rel: &str| vec![Step::Run(vec!["-b".into(), "{ROOT}".into(), rel.to_string()])];

    // An empty module directory.
    let t = Tree::new("empty", "3.0-empty");
    mism.extend(compare("empty", &t, &std_run("3.0-empty"), Who::Ours));
    mism.extend(compare("empty-n", &t, &[run_args(&["-b", "{ROOT}", "-n", "3.0-empty"])], Who::Ours));
    n += 2;

    // Duplicate exporters: the last module in array order owns the symbol.
    let t = Tree::new("dupexp", "3.0-dup");
    for i in 0..12 {
        t.module(&format!("kernel/d/exp{i}.ko"), &m().exp(&["common_sym", &format!("own{i}")]).crc("crc_common", 0x100 + i));
    }
    t.module("kernel/d/user.ko", &m().imp(&["common_sym", "crc_common"]));
    t.file("modules.order", b"kernel/d/exp3.ko\nkernel/d/exp1.ko\nkernel/d/user.ko\n");
    mism.extend(compare("dup-exporters", &t, &[run_args(&["-b", "{ROOT}", "-w", "3.0-dup"]), run_args(&["-b", "{ROOT}", "-v", "-n", "3.0-dup"])], Who::Ours));
    n += 1;

    // Cycles kmod reports and terminates on: the kmod testsuite's
    // detect-loop graph (mod-loop-a..k) plus a self-loop.
    let t = Tree::new("loops", "4.4.4");
    let graph: &[(&str, &[&str])] = &[
        ("a", &["B", "F", "G"]),
        ("b", &["C", "F", "G"]),
        ("c", &["A"]),
        ("d", &["E"]),
        ("e", &["D"]),
        ("f", &[]),
        ("g", &[]),
        ("h", &["I"]),
        ("i", &["J"]),
        ("j", &["H", "K"]),
        ("k", &["H"]),
    ];
    for (name, calls) in graph {
        let up = name.to_uppercase();
        let imports: Vec<String> = calls.iter().map(|c| format!("print{c}")).collect();
        let imports: Vec<&str> = imports.iter().map(|s| s.as_str()).collect();
        t.module(&format!("kernel/mod-loop-{name}.ko"), &m().exp(&[&format!("print{up}")]).imp(&imports));
    }
    t.file("modules.order", b"");
    // previous outputs must survive a run that fails
    t.file("modules.dep", b"old contents\n");
    mism.extend(compare("detect-loop", &t, &std_run("4.4.4"), Who::Ours));
    // ... whose report is the one in kmod's testsuite
    // (testsuite/rootfs-pristine/test-depmod/detect-loop/correct.txt).
    let r = run(Who::Ours, &t.src(), "4.4.4", &a(&["-b", "{ROOT}", "4.4.4"]), Duration::from_secs(20));
    let want = "depmod: ERROR: Cycle detected: mod_loop_d -> mod_loop_e -> mod_loop_d\n\
                depmod: ERROR: Cycle detected: mod_loop_i -> mod_loop_j -> mod_loop_k -> mod_loop_h -> mod_loop_i\n\
                depmod: ERROR: Cycle detected: mod_loop_i -> mod_loop_j -> mod_loop_h -> mod_loop_i\n\
                depmod: ERROR: Cycle detected: mod_loop_c -> mod_loop_a -> mod_loop_b -> mod_loop_c\n\
                depmod: ERROR: Found 9 modules in dependency cycles!\n";
    if r.out.stderr != want.as_bytes() || r.out.status != "exit 1" {
        mism.push(format!("detect-loop: not kmod's testsuite report:\n{}", String::from_utf8_lossy(&r.out.stderr)));
    }
    let t = Tree::new("selfloop", "4.4.5");
    t.module("kernel/self.ko", &m().exp(&["self_fn"]).imp(&["self_fn"]));
    t.module("kernel/other.ko", &m().imp(&["self_fn"]));
    mism.extend(compare("self-loop", &t, &std_run("4.4.5"), Who::Ours));
    n += 2;

    // libkmod reads <dir>/modules.softdep as configuration in kmod_new();
    // an output file in the way of a rename.
    let t = Tree::new("softdepcfg", "4.5.0");
    t.module("kernel/one.ko", &m().info(&["softdep=pre: two", "alias=one-alias"]))
        .file("modules.softdep", b"softdep\nbogus x\ninclude foo\nsoftdep a b\nalias\noptions a\nsoftdep a]b pre: c\n");
    mism.extend(compare(
        "bad-softdep-and-rename",
        &t,
        &[
            run_args(&["-b", "{ROOT}", "4.5.0"]),
            Step::Do(Box::new(|r: &Path| {
                let d = r.join("lib/modules/4.5.0/modules.alias");
                let _ = std::fs::remove_file(&d);
                std::fs::create_dir_all(d.join("sub")).unwrap();
            })),
            run_args(&["-b", "{ROOT}", "4.5.0"]),
        ],
        Who::Ours,
    ));
    n += 1;

    // Broken module files.
    let t = Tree::new("corrupt", "5.0-bad");
    let good = m().exp(&["good_fn"]).info(&["alias=good"]);
    t.module("kernel/good.ko", &good)
        .module("kernel/user.ko", &m().imp(&["good_fn"]))
        .file("kernel/notelf.ko", b"this is not an ELF file at all")
        .file("kernel/short.ko", b"\x7fEL")
        .file("kernel/empty.ko", b"")
        .file("kernel/elfhead.ko", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00")
        .file("kernel/bad.ko.xz", b"\xfd7zXZ\x00garbage-garbage-garbage")
        .file("kernel/bad.ko.zst", b"\x28\xb5\x2f\xfdgarbage-garbage")
        .file("kernel/gz.ko.gz", b"\x1f\x8b\x08\x00junk")
        .file("kernel/README", b"not a module")
        .file("kernel/.ko", b"too short a name");
    // a truncated ELF (section table cut off) and one with its symbol table gone
    let mut elf = Vec::new();
    let tmp = t.dir.path().join("good.o");
    good.build(&tmp);
    let full = std::fs::read(&tmp).unwrap();
    elf.extend_from_slice(&full[..full.len() / 2]);
    t.file("kernel/truncated.ko", &elf);
    let mut nosym = full.clone();
    // rename ".symtab" and ".strtab" in the section name table
    for pat in [&b".symtab\0"[..], b".strtab\0"] {
        if let Some(i) = nosym.windows(pat.len()).position(|w| w == pat) {
            nosym[i + 1] = b'X';
        }
    }
    t.file("kernel/nosymtab.ko", &nosym);
    t.module("kernel/noinfo.ko", &m());
    // compressed good modules
    t.module("kernel/cx.ko", &m().exp(&["cx_fn"]).info(&["alias=cx"])).compress("kernel/cx.ko", "xz");
    t.module("kernel/cz.ko", &m().imp(&["cx_fn"]).info(&["alias=cz"])).compress("kernel/cz.ko", "zstd");
    // a dangling symlink, a symlink to a module, a FIFO
    let moddir = t.moddir();
    std::os::unix::fs::symlink("nowhere.ko", moddir.join("kernel/dangling.ko")).unwrap();
    std::os::unix::fs::symlink("good.ko", moddir.join("kernel/link.ko")).unwrap();
    let _ = Command::new("mkfifo").arg(moddir.join("kernel/fifo.ko")).status();
    // modules.order without its last newline
    t.file("modules.order", b"kernel/good.ko\nkernel/user.ko");
    mism.extend(compare("corrupt", &t, &std_run("5.0-bad"), Who::Ours));
    mism.extend(compare("corrupt-n", &t, &[run_args(&["-b", "{ROOT}", "-n", "-v", "5.0-bad"])], Who::Ours));
    n += 2;

    finish("synthetic_edge_trees", mism, n);
}

/// Graphs where kmod 30's cycle reporter never returns: ours must finish
/// quickly, exit 1, write nothing, and name every module on a cycle.
#[test]
fn cycle_report_terminates() {
    if !have_tools("cycle_report_terminates") {
        return;
    }
    let t = Tree::new("hang", "6.6.6");
    // x <-> y, y -> z, z <-> w
    t.module("kernel/x.ko", &m().exp(&["x_fn"]).imp(&["y_fn"]))
        .module("kernel/y.ko", &m().exp(&["y_fn"]).imp(&["x_fn", "z_fn"]))
        .module("kernel/z.ko", &m().exp(&["z_fn"]).imp(&["w_fn"]))
        .module("kernel/w.ko", &m().exp(&["w_fn"]).imp(&["z_fn"]))
        .file("modules.dep", b"previous\n");
    let r = run(Who::Ours, &t.src(), &t.rel, &a(&["-b", "{ROOT}", "6.6.6"]), Duration::from_secs(20));
    assert_eq!(r.out.status, "exit 1", "{r:?}");
    let err = String::from_utf8_lossy(&r.out.stderr);
    assert!(err.ends_with("depmod: ERROR: Found 4 modules in dependency cycles!\n"), "{err}");
    for pair in [("x", "y"), ("z", "w")] {
        assert!(
            err.lines().any(|l| l.starts_with("depmod: ERROR: Cycle detected: ") && l.contains(pair.0) && l.contains(pair.1)),
            "no cycle through {pair:?} in:\n{err}"
        );
    }
    assert_eq!(r.files["modules.dep"].as_deref(), Some(&b"previous\n"[..]), "a failed run must not touch the outputs");
    assert!(r.files.iter().filter(|(k, _)| *k != "modules.dep").all(|(_, v)| v.is_none()));
    assert!(r.leftovers.is_empty());
}

// ------------------------------------------------------------------------------------------
// The Debian trees
// ------------------------------------------------------------------------------------------

/// A copy of a fixture tree's module directory (module files hard-linked,
/// existing indexes left out) under `<dst>/lib/modules/<rel>`.
fn link_tree(src_moddir: &Path, dst_moddir: &Path) {
    std::fs::create_dir_all(dst_moddir).unwrap();
    fn walk(src: &Path, dst: &Path, top: bool) {
        for e in std::fs::read_dir(src).unwrap().flatten() {
            let name = e.file_name();
            if top && OUTPUTS.iter().any(|o| name.as_bytes() == o.as_bytes()) {
                continue;
            }
            let (s, d) = (e.path(), dst.join(&name));
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                std::fs::create_dir(&d).unwrap();
                walk(&s, &d, false);
            } else if std::fs::hard_link(&s, &d).is_err() {
                std::fs::copy(&s, &d).unwrap();
            }
        }
    }
    walk(src_moddir, dst_moddir, true);
}

#[test]
fn debian_trees() {
    let Some(fx) = common::fixtures("depmod debian_trees") else { return };
    if !Path::new(REAL_DEPMOD).exists() {
        testkit::skip::<()>(format!("debian_trees: {REAL_DEPMOD} missing"));
        return;
    }
    let tmp = TempDir::new("depmod-debian");
    let mut mism = Vec::new();
    let mut n = 0;
    let symvers = fx.trees.iter().find(|t| t.label == "amd64").map(|t| PathBuf::from(format!("/usr/src/linux-headers-{}/Module.symvers", t.release))).filter(|p| p.exists());
    for tree in &fx.trees {
        let kroot = tmp.path().join(format!("{}-k", tree.label));
        let oroot = tmp.path().join(format!("{}-o", tree.label));
        for r in [&kroot, &oroot] {
            link_tree(&tree.moddir(), &r.join("lib/modules").join(&tree.release));
        }
        let mut variants: Vec<Vec<String>> = vec![vec![]];
        if tree.label == "amd64" {
            variants.push(a(&["-n"]));
            variants.push(a(&["-v"]));
            variants.push(a(&["-w"]));
            if let Some(sv) = &symvers {
                // a doctored copy: some CRCs changed, some symbols dropped
                let text = std::fs::read_to_string(sv).unwrap();
                let mut doctored = String::new();
                for (i, l) in text.lines().enumerate() {
                    match i % 97 {
                        0 => continue,
                        1 => doctored.push_str(&l.replacen("0x", "0x1", 1)),
                        _ => doctored.push_str(l),
                    }
                    doctored.push('\n');
                }
                let sym = tmp.path().join("Module.symvers");
                std::fs::write(&sym, doctored).unwrap();
                variants.push(vec!["-e".into(), "-E".into(), sym.to_string_lossy().into_owned()]);
                let map: String = text
                    .lines()
                    .enumerate()
                    .filter(|(i, _)| i % 89 != 0)
                    .filter_map(|(_, l)| {
                        let f: Vec<&str> = l.split('\t').collect();
                        (f.len() > 2 && f[2] == "vmlinux").then(|| format!("ffffffff81000000 R __ksymtab_{}\n", f[1]))
                    })
                    .collect();
                let mapf = tmp.path().join("System.map");
                std::fs::write(&mapf, map).unwrap();
                variants.push(vec!["-e".into(), "-F".into(), mapf.to_string_lossy().into_owned()]);
            }
        }
        for v in variants {
            let mut args = a(&["-b", "{ROOT}"]);
            args.extend(v.iter().cloned());
            args.push(tree.release.clone());
            let rk = run(Who::Kmod, &kroot, &tree.release, &args, Duration::from_secs(600));
            let ro = run(Who::Ours, &oroot, &tree.release, &args, Duration::from_secs(600));
            n += 1;
            if let Some(d) = diff_runs(&rk, &ro) {
                mism.push(format!("MISMATCH [{} depmod {}]\n{d}", tree.label, args.join(" ")));
            }
            // every file identical to what kmod wrote when the fixtures were made
            if v.is_empty() {
                for f in OUTPUTS {
                    let want = std::fs::read(tree.moddir().join(f)).ok();
                    if ro.files[f] != want {
                        mism.push(format!("MISMATCH [{}]: {f} differs from the fixture's", tree.label));
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&kroot);
        let _ = std::fs::remove_dir_all(&oroot);
    }
    finish("debian_trees", mism, n);
}

/// Keys and values that are not 7-bit ASCII: kmod 30 writes them (and
/// corrupts its trie when a node must branch on such a byte); ours leaves
/// the entry out of the `.bin` index with a warning and writes everything
/// else as kmod does.
#[test]
fn non_ascii_entries_are_skipped() {
    if !have_tools("non_ascii_entries_are_skipped") {
        return;
    }
    let t = Tree::new("nonascii", "7.0.0");
    t.module("kernel/u.ko", &m().info(&["alias=caf\u{e9}", "alias=plain"]))
        .module("kernel/p\u{e4}.ko", &m().info(&["alias=from-pae"]));
    let r = run(Who::Ours, &t.src(), &t.rel, &a(&["-b", "{ROOT}", "7.0.0"]), Duration::from_secs(20));
    assert_eq!(r.out.status, "exit 0");
    let err = String::from_utf8_lossy(&r.out.stderr);
    assert!(err.contains("depmod: WARNING: modules.alias.bin: skipping an entry that is not 7-bit ASCII: caf\u{e9} u\n"), "{err}");
    assert!(err.contains("depmod: WARNING: modules.dep.bin: skipping an entry that is not 7-bit ASCII: p\u{e4} kernel/p\u{e4}.ko:\n"), "{err}");
    let alias = r.files["modules.alias"].clone().unwrap();
    assert!(String::from_utf8_lossy(&alias).contains("alias caf\u{e9} u\n"));
    let dir = t.moddir();
    let idx = modindex::IndexFile::open(dir.join("modules.alias.bin")).unwrap();
    let hits = idx.index().lookup_wildcard(b"plain", modindex::ValueOrder::Mmap).unwrap();
    assert_eq!(hits.iter().map(|v| v.value).collect::<Vec<_>>(), vec![&b"u"[..]]);
    assert!(idx.index().lookup_wildcard("caf\u{e9}".as_bytes(), modindex::ValueOrder::Mmap).unwrap().is_empty());
    let dep = modindex::IndexFile::open(dir.join("modules.dep.bin")).unwrap();
    assert_eq!(dep.index().lookup_exact(b"u").unwrap(), Some(&b"kernel/u.ko:"[..]));
}

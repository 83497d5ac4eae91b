//! `insmod`, `rmmod`, `lsmod` and `kmod` on the running Linux kernel, compared
//! with kmod 30's `/usr/bin/kmod` without touching this machine's kernel.
//!
//! Both binaries run under the same names (links `insmod`, `rmmod`, `lsmod`,
//! `kmod`), with the same `argv[0]`, under `tests/trap/modtrap.c` — an
//! LD_PRELOAD library (built here with `cc`) that intercepts what kmod calls
//! through the C library: `init_module()`, `delete_module()`,
//! `syscall(SYS_finit_module)` (recorded, answered from configured errno
//! lists), `uname()` (a configured release) and the file functions for
//! `/proc/modules`, `/sys/module` and `/lib/modules` (looked up in a fake root).
//! For every scenario stdout, stderr, the exit status and the recorded calls
//! (file behind the descriptor, arguments, flags; length and FNV-1a hash of an
//! `init_module` image) must be identical. As a second safeguard both run
//! without CAP_SYS_MODULE in their capability bounding set, so a call that
//! escaped the trap could not reach the kernel.

use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const KMOD: &str = "/usr/bin/kmod";
/// linux/capability.h
const CAP_SYS_MODULE: libc::c_ulong = 16;

struct Setup {
    dir: PathBuf,
    trap: PathBuf,
    /// Fixture: (root, release).
    amd64: (PathBuf, String),
    xz: (PathBuf, String),
    zst: (PathBuf, String),
}

fn build_trap(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/trap/modtrap.c");
    let out = dir.join("modtrap.so");
    let o = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-Wall", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-ldl")
        .output()
        .expect("run cc (build-essential) to build the syscall trap");
    assert!(o.status.success(), "cc: {}", String::from_utf8_lossy(&o.stderr));
    out
}

fn setup(name: &str) -> Option<Setup> {
    let f = testkit::fixtures()?;
    let (Some(amd64), Some(xz), Some(zst)) = (f.tree("amd64"), f.tree("amd64-xz"), f.tree("amd64-zst")) else {
        return testkit::skip("fixture trees missing");
    };
    assert!(Path::new(KMOD).exists(), "{KMOD} (kmod 30) is required");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let trap = build_trap(&dir);
    for (side, target) in [("k", PathBuf::from(KMOD)), ("o", PathBuf::from(env!("CARGO_BIN_EXE_modhost")))] {
        let bin = dir.join(side).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for t in ["insmod", "rmmod", "lsmod", "kmod", "modprobe"] {
            symlink(&target, bin.join(t)).unwrap();
        }
    }
    Some(Setup { dir, trap, amd64, xz, zst })
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A loaded-module state: `/proc/modules` and `/sys/module/<m>/...`, and
/// `/lib/modules/<release>` pointing at a fixture tree (for rmmod's
/// builtin check).
fn fake_root(root: &Path, moddir: &Path, release: &str) {
    write(
        &root.join("proc/modules"),
        "foo 16384 1 bar, Live 0x0000000000000000\n\
         bar 8192 0 - Live 0x0000000000000000\n\
         busy 4096 2 - Live 0x0000000000000000\n\
         nocore 12288 0 - Live 0x0000000000000000 (OE)\n\
         norefcnt 4096 0 - Live 0x0000000000000000\n\
         weird 4096 0 - Live 0x0000000000000000\n",
    );
    let m = |n: &str| root.join("sys/module").join(n);
    for (n, state, refcnt, core) in [
        ("foo", Some("live\n"), Some("1\n"), Some("16384\n")),
        ("bar", Some("live\n"), Some("0\n"), Some("8192\n")),
        ("busy", Some("live\n"), Some("2\n"), Some("4096\n")),
        ("nocore", Some("live\n"), Some("0\n"), None),
        ("norefcnt", Some("live\n"), None, Some("4096\n")),
        ("weird", Some("sleepy\n"), Some("x\n"), Some("big\n")),
        ("coming_mod", None, Some("0\n"), Some("4096\n")),
    ] {
        std::fs::create_dir_all(m(n).join("holders")).unwrap();
        if let Some(s) = state {
            write(&m(n).join("initstate"), s);
        }
        if let Some(r) = refcnt {
            write(&m(n).join("refcnt"), r);
        }
        if let Some(c) = core {
            write(&m(n).join("coresize"), c);
        }
    }
    symlink("../../bar", m("foo").join("holders/bar")).unwrap();
    std::fs::create_dir_all(root.join("lib/modules")).unwrap();
    symlink(moddir, root.join("lib/modules").join(release)).unwrap();
}

#[derive(Default, Clone)]
struct Scenario {
    label: String,
    tool: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    root: Option<PathBuf>,
    cwd: Option<PathBuf>,
    /// Files the command writes: read (then removed) after each side.
    outputs: Vec<PathBuf>,
    /// The release uname() reports, when not the fixture's.
    release: Option<String>,
}

#[derive(PartialEq, Eq, Debug)]
struct Outcome {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    calls: String,
    files: Vec<Option<String>>,
}

fn run(s: &Setup, sc: &Scenario, side: &str, release: &str) -> Outcome {
    let log = s.dir.join(format!("calls-{side}"));
    let _ = std::fs::remove_file(&log);
    let exe = s.dir.join(side).join("bin").join(sc.tool);
    let mut c = Command::new(&exe);
    c.arg0(sc.tool)
        .args(&sc.args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LD_PRELOAD", &s.trap)
        .env("MODTRAP_LOG", &log)
        .env("MODTRAP_RELEASE", sc.release.as_deref().unwrap_or(release))
        .env("MODTRAP_ROOT", sc.root.as_deref().unwrap_or(Path::new("/nonexistent-root")))
        .current_dir(sc.cwd.as_deref().unwrap_or(&s.dir));
    for (k, v) in &sc.env {
        c.env(k, v);
    }
    // SAFETY: prctl only, between fork and exec.
    unsafe {
        c.pre_exec(|| {
            // No CAP_SYS_MODULE after exec, whatever the trap does.
            if libc::prctl(libc::PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0) != 0 && libc::geteuid() == 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    for f in &sc.outputs {
        let _ = std::fs::remove_file(f);
    }
    let o = c.output().unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
    let files = sc.outputs.iter().map(|f| std::fs::read_to_string(f).ok()).collect();
    Outcome {
        files,
        status: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        calls: std::fs::read_to_string(&log).unwrap_or_default(),
    }
}

/// Runs every scenario on both sides; returns (mismatch report, number of
/// scenarios whose calls reached the trap).
fn compare(s: &Setup, scenarios: &[Scenario], release: &str) -> (Vec<String>, usize) {
    let mut bad = Vec::new();
    let mut trapped = 0;
    for sc in scenarios {
        let k = run(s, sc, "k", release);
        let o = run(s, sc, "o", release);
        if !k.calls.is_empty() {
            trapped += 1;
        }
        if k != o {
            bad.push(format!("{} ({} {:?} {:?}):\n  kmod:    {:?}\n  modhost: {:?}", sc.label, sc.tool, sc.args, sc.env, k, o));
        }
    }
    (bad, trapped)
}

fn sc(label: &str, tool: &'static str, args: &[&str]) -> Scenario {
    Scenario { label: label.into(), tool, args: args.iter().map(|a| a.to_string()).collect(), ..Default::default() }
}

fn module(tree: &(PathBuf, String), rel: &str) -> String {
    testkit::moddir(&tree.0, &tree.1).join(rel).display().to_string()
}

#[test]
fn insmod_rmmod_lsmod_match_kmod() {
    let Some(s) = setup("linux-tools") else { return };
    let release = s.amd64.1.clone();
    let root = s.dir.join("root");
    fake_root(&root, &testkit::moddir(&s.amd64.0, &release), &release);
    let dummy = module(&s.amd64, "kernel/drivers/net/dummy.ko");
    let dummy_xz = module(&s.xz, "kernel/drivers/net/dummy.ko.xz");
    let dummy_zst = module(&s.zst, "kernel/drivers/net/dummy.ko.zst");
    let loop_ko = module(&s.amd64, "kernel/drivers/block/loop.ko");
    for p in [&dummy, &dummy_xz, &dummy_zst, &loop_ko] {
        assert!(Path::new(p).exists(), "{p}");
    }
    // odd files
    let odd = s.dir.join("odd");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("short.ko"), b"\x7fEL").unwrap();
    std::fs::write(odd.join("empty.ko"), b"").unwrap();
    std::fs::write(odd.join("text.ko"), b"this is not a module at all\n").unwrap();
    std::fs::write(odd.join("bad.ko.xz"), b"\xfd7zXZ\0garbage garbage").unwrap();
    std::fs::write(odd.join("bad.ko.zst"), b"\x28\xb5\x2f\xfdgarbage garbage").unwrap();
    std::fs::write(odd.join("text-xz.ko.xz"), xz_of(b"not an ELF file, compressed")).unwrap();
    std::fs::copy(&dummy, odd.join("plainname")).unwrap();
    std::fs::copy(&dummy, odd.join("my-dummy.ko")).unwrap();
    let o = |n: &str| odd.join(n).display().to_string();
    let builtin = first_builtin(&testkit::moddir(&s.amd64.0, &release));

    let mut v: Vec<Scenario> = Vec::new();
    // insmod
    v.push(sc("plain with options", "insmod", &[&dummy, "numdummies=2", "x=\"a b\""]));
    v.push(sc("plain -f", "insmod", &["-f", &dummy]));
    v.push(sc("plain -p -s", "insmod", &["-p", "-s", &dummy]));
    v.push(sc("xz", "insmod", &[&dummy_xz, "numdummies=1"]));
    v.push(sc("zst", "insmod", &[&dummy_zst]));
    v.push(sc("xz -f (stripped in user space)", "insmod", &["-f", &dummy_xz]));
    v.push(sc("zst -f", "insmod", &["-f", &dummy_zst]));
    v.push(sc("loop", "insmod", &[&loop_ko, "max_loop=4"]));
    for (errno, what) in [(17, "exists"), (2, "unknown symbol"), (3, "bad symbol version"), (22, "invalid parameters"), (8, "bad format"), (1, "not permitted"), (16, "busy"), (12, "no memory"), (61, "no data (unsigned)")] {
        let mut x = sc(&format!("finit fails: {what}"), "insmod", &[&dummy, "a=1"]);
        x.env.push(("MODTRAP_FINIT", errno.to_string()));
        v.push(x);
        let mut x = sc(&format!("init fails: {what}"), "insmod", &[&dummy_xz]);
        x.env.push(("MODTRAP_INIT", errno.to_string()));
        v.push(x);
    }
    let mut x = sc("no finit_module: init_module fallback", "insmod", &[&dummy, "a=1"]);
    x.env.push(("MODTRAP_FINIT", "38".into()));
    v.push(x);
    let mut x = sc("no finit_module, -f: stripped image", "insmod", &["-f", &dummy]);
    x.env.push(("MODTRAP_FINIT", "38".into()));
    v.push(x);
    let mut x = sc("no finit_module, -f, not ELF", "insmod", &["-f", &o("text.ko")]);
    x.env.push(("MODTRAP_FINIT", "38".into()));
    v.push(x);
    v.push(sc("compressed non-ELF -f", "insmod", &["-f", &o("text-xz.ko.xz")]));
    v.push(sc("compressed non-ELF", "insmod", &[&o("text-xz.ko.xz")]));
    for n in ["short.ko", "empty.ko", "text.ko", "bad.ko.xz", "bad.ko.zst", "plainname", "my-dummy.ko"] {
        v.push(sc(n, "insmod", &[&o(n)]));
    }
    v.push(sc("directory", "insmod", &[&odd.display().to_string()]));
    v.push(sc("missing file", "insmod", &["/nonexistent/x.ko"]));
    let mut x = sc("relative path", "insmod", &["dummy.ko", "a=1"]);
    x.cwd = Some(Path::new(&dummy).parent().unwrap().to_path_buf());
    v.push(x);
    v.push(sc("no filename", "insmod", &[]));
    v.push(sc("stdin", "insmod", &["-"]));
    v.push(sc("help", "insmod", &["-h"]));
    v.push(sc("version", "insmod", &["--version"]));
    v.push(sc("bad option", "insmod", &["-x", &dummy]));
    v.push(sc("bad long option", "insmod", &["--force", &dummy]));
    // rmmod
    for (label, args) in [
        ("unused", vec!["bar"]),
        ("held", vec!["foo"]),
        ("in use", vec!["busy"]),
        ("not loaded", vec!["nothere"]),
        ("several", vec!["bar", "nothere", "busy", "nocore"]),
        ("no refcnt", vec!["norefcnt"]),
        ("unknown initstate", vec!["weird"]),
        ("coming", vec!["coming_mod"]),
        ("builtin", vec![builtin.as_str()]),
        ("dashes", vec!["no-core"]),
        ("-f skips checks", vec!["-f", "foo", "nothere"]),
        ("-v", vec!["-v", "nothere", "bar"]),
        ("-w (unhandled)", vec!["-w", "bar"]),
        ("by path", vec![dummy.as_str()]),
        ("by path, no module name", vec!["/"]),
        ("none", vec![]),
        ("help", vec!["--help"]),
        ("version", vec!["-V"]),
        ("bad option", vec!["-q", "bar"]),
    ] {
        let mut x = sc(&format!("rmmod {label}"), "rmmod", &args);
        x.root = Some(root.clone());
        v.push(x);
    }
    for (errno, what) in [(16, "busy"), (11, "again"), (1, "not permitted"), (2, "gone")] {
        let mut x = sc(&format!("delete fails: {what}"), "rmmod", &["bar", "nocore"]);
        x.root = Some(root.clone());
        x.env.push(("MODTRAP_DELETE", format!("{errno},0")));
        v.push(x);
    }
    // lsmod
    for (label, args) in [("lsmod", vec![]), ("lsmod arg", vec!["-h"])] {
        let mut x = sc(label, "lsmod", &args);
        x.root = Some(root.clone());
        v.push(x);
    }
    v.push(sc("lsmod without /proc/modules", "lsmod", &[]));
    // (KMOD_LOG=info is not compared: libkmod then prints its context's
    // heap address.)

    let (bad, trapped) = compare(&s, &v, &release);
    eprintln!("{} scenarios, {} with module system calls, {} differ", v.len(), trapped, bad.len());
    assert!(trapped >= 30, "the trap saw only {trapped} scenarios with calls");
    assert!(bad.is_empty(), "{} of {} scenarios differ:\n{}", bad.len(), v.len(), bad.join("\n"));
    let _ = std::fs::remove_dir_all(&s.dir);
}

/// The module name of the first line of `modules.builtin`.
fn first_builtin(moddir: &Path) -> String {
    let text = std::fs::read_to_string(moddir.join("modules.builtin")).unwrap();
    testkit::modname(text.lines().next().unwrap())
}

/// An xz stream of `data` (through the xz command, as the fixtures are made).
fn xz_of(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut c = Command::new("xz").args(["-c", "--check=crc32"]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().expect("run xz");
    c.stdin.take().unwrap().write_all(data).unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(o.status.success());
    o.stdout
}

#[test]
fn kmod_command_matches_kmod() {
    let Some(s) = setup("kmod-command") else { return };
    let release = s.amd64.1.clone();
    let root = s.dir.join("root");
    fake_root(&root, &testkit::moddir(&s.amd64.0, &release), &release);
    // the other fixture trees, each as the running kernel's
    let f = testkit::fixtures().unwrap();
    let mut trees = vec![(root.clone(), release.clone())];
    for label in ["i386", "s390x", "amd64-xz"] {
        let (r, rel) = f.tree(label).unwrap();
        let tr = s.dir.join(format!("root-{label}"));
        std::fs::create_dir_all(tr.join("lib/modules")).unwrap();
        symlink(testkit::moddir(&r, &rel), tr.join("lib/modules").join(&rel)).unwrap();
        trees.push((tr, rel));
    }
    // a synthetic modules.devname: comments, subdirectories, block devices,
    // invalid entries, a line longer than fgets' buffer, no final newline
    let syn = s.dir.join("root-syn");
    let long = "x".repeat(5000);
    write(
        &syn.join("lib/modules/syn/modules.devname"),
        &format!(
            "# Device nodes to trigger on-demand module loading.\nfuse fuse c10:229\n\nbtrfs btrfs-control c10:234\n\
             snd_seq snd/seq c116:1\nloop loop-control b10:237\nbad entry here\nz d x10:1\nn m c10\n  sp  aced  c+3:-4\n\
             {long} dev c1:2\nlast one c4:5"
        ),
    );
    let unreadable = s.dir.join("root-dir");
    std::fs::create_dir_all(unreadable.join("lib/modules/dirdev/modules.devname")).unwrap();

    let out_file = s.dir.join("out/static-nodes.conf");
    let nested = s.dir.join("out/a/b/c/nodes");
    let mut v: Vec<Scenario> = Vec::new();
    for args in [
        vec![],
        vec!["-h"],
        vec!["--help"],
        vec!["-V"],
        vec!["--version"],
        vec!["--vers"],
        vec!["help"],
        vec!["help", "extra"],
        vec!["list"],
        vec!["list", "extra"],
        vec!["--", "list"],
        vec!["-V", "list"],
        vec!["foo"],
        vec!["insmod", "x.ko"],
        vec!["-x"],
        vec!["--bogus"],
        vec!["static-nodes", "-h"],
        vec!["static-nodes", "--format=bogus"],
        vec!["static-nodes", "-f"],
        vec!["static-nodes", "-x"],
        vec!["static-nodes", "extra-operand"],
    ] {
        let mut x = sc(&format!("kmod {args:?}"), "kmod", &args);
        x.root = Some(root.clone());
        v.push(x);
    }
    for (tr, rel) in trees.iter().cloned().chain([(syn.clone(), "syn".to_string()), (unreadable.clone(), "dirdev".to_string()), (s.dir.join("nowhere"), "none".to_string())]) {
        for fmt in [None, Some("human"), Some("tmpfiles"), Some("devname")] {
            let mut args = vec!["static-nodes".to_string()];
            if let Some(f) = fmt {
                args.push(format!("--format={f}"));
            }
            let mut x = Scenario { label: format!("static-nodes {rel} {fmt:?}"), tool: "kmod", args: args.clone(), ..Default::default() };
            x.root = Some(tr.clone());
            x.release = Some(rel.clone());
            v.push(x.clone());
            let mut y = x.clone();
            y.label.push_str(" -o");
            y.args.extend(["-o".to_string(), out_file.display().to_string()]);
            y.outputs = vec![out_file.clone()];
            v.push(y);
        }
    }
    let mut x = sc("static-nodes --output nested", "kmod", &["static-nodes", "-f", "tmpfiles", "--output", &nested.display().to_string()]);
    x.root = Some(root.clone());
    x.outputs = vec![nested.clone()];
    v.push(x);
    let mut x = sc("static-nodes -o into a file as directory", "kmod", &["static-nodes", "-o", &format!("{}/sub", trees[0].0.join("proc/modules").display())]);
    x.root = Some(root.clone());
    v.push(x);
    let mut x = sc("static-nodes -o empty", "kmod", &["static-nodes", "-o", ""]);
    x.root = Some(root.clone());
    v.push(x);

    let (bad, _) = compare(&s, &v, &release);
    eprintln!("{} scenarios, {} differ", v.len(), bad.len());
    assert!(bad.is_empty(), "{} of {} scenarios differ:\n{}", bad.len(), v.len(), bad.join("\n"));
    let _ = std::fs::remove_dir_all(&s.dir);
}

//! The host-kernel tools end to end: `modhost insmod | rmmod | lsmod |
//! dmesg | cat | write` against a daemon they start themselves, in a
//! private runtime directory. Output formats and messages are kmod 30's.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use testkit::{fails, ok, text};

struct Host {
    dir: PathBuf,
    modules: HashMap<String, String>,
    /// The amd64 fixture tree's module directory.
    moddir: PathBuf,
}

impl Host {
    fn start() -> Option<Host> {
        let (Some(moddir), Some(modules)) = (testkit::fixtures().and_then(|f| f.moddir("amd64")), testkit::test_modules()) else {
            return testkit::skip("fixtures or test modules missing");
        };
        let dir = std::env::temp_dir().join(format!("modhost-cli-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Some(Host { dir, modules, moddir })
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_modhost")).args(args).env("MODHOST_RUNTIME_DIR", &self.dir).output().expect("run modhost")
    }

    fn module(&self, name: &str) -> &str {
        &self.modules[name]
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        testkit::kill_pid_file(&self.dir.join("serve.pid"));
    }
}

#[test]
fn tools_drive_the_host_kernel() {
    let Some(h) = Host::start() else { return };
    let hello = h.module("hello");
    // insmod starts the daemon by itself
    ok(&h.run(&["insmod", hello]));
    assert_eq!(ok(&h.run(&["lsmod"])), "Module                  Size  Used by\nmain                   16384  0\n");
    let pm = ok(&h.run(&["cat", "/proc/modules"]));
    assert!(pm.starts_with("main 16384 0 - Live 0x") && pm.ends_with(" (OE)\n"), "{pm}");
    assert!(ok(&h.run(&["dmesg"])).lines().any(|l| l.ends_with("] Hi module!")));
    fails(&h.run(&["insmod", hello]), &format!("insmod: ERROR: could not insert module {hello}: File exists\n"));
    ok(&h.run(&["rmmod", "main"]));
    assert!(ok(&h.run(&["dmesg"])).lines().any(|l| l.ends_with("] Bye module!")));
    fails(&h.run(&["rmmod", "main"]), "rmmod: ERROR: Module main is not currently loaded\n");

    // failures, with insmod's wording
    let f = h.module("failinit");
    fails(&h.run(&["insmod", f]), &format!("insmod: ERROR: could not insert module {f}: No such device\n"));
    let m = h.module("missingsym");
    fails(&h.run(&["insmod", m]), &format!("insmod: ERROR: could not insert module {m}: Unknown symbol in module\n"));
    fails(&h.run(&["insmod", "/nonexistent/x.ko"]), "insmod: ERROR: could not load module /nonexistent/x.ko: No such file or directory\n");
    fails(&h.run(&["insmod"]), "insmod: ERROR: missing filename.\n");
    fails(&h.run(&["insmod", "-"]), "insmod: ERROR: this tool does not support loading from stdin!\n");

    // users, and removal of a used module
    ok(&h.run(&["insmod", h.module("chain_a")]));
    ok(&h.run(&["insmod", h.module("chain_b")]));
    let ls = ok(&h.run(&["lsmod"]));
    assert!(ls.contains("\nchain_a                16384  1 chain_b\n"), "{ls}");
    fails(&h.run(&["rmmod", "chain_a"]), "rmmod: ERROR: Module chain_a is in use by: chain_b\n");
    let json: serde_json::Value = serde_json::from_str(&ok(&h.run(&["lsmod", "--json"]))).unwrap();
    let a = json.as_array().unwrap().iter().find(|m| m["name"] == "chain_a").unwrap();
    assert_eq!(a["used_by"], serde_json::json!(["chain_b"]));
    assert_eq!(a["taint"], "OE");
    ok(&h.run(&["rmmod", "chain_b", "chain_a"]));

    // parameters through the views
    ok(&h.run(&["insmod", h.module("params"), "p_int=5", "p_charp=hi"]));
    assert_eq!(ok(&h.run(&["cat", "/sys/module/params/parameters/p_int"])), "5\n");
    ok(&h.run(&["write", "/sys/module/params/parameters/p_int", "9"]));
    assert_eq!(ok(&h.run(&["cat", "/sys/module/params/parameters/p_int"])), "9\n");
    assert!(ok(&h.run(&["ls", "/sys/module/params/parameters"])).lines().any(|l| l == "p_charp"));
    assert_eq!(ok(&h.run(&["cat", "/sys/module/params/initstate"])), "live\n");

    // only the owner (and root) may use the host kernel: another uid's
    // tools refuse the runtime directory (not theirs), reading included
    // (daemon_hostile.rs: the daemon's own SO_PEERCRED check)
    if rustix::process::geteuid().is_root() && std::path::Path::new("/usr/bin/setpriv").exists() {
        let bin = env!("CARGO_BIN_EXE_modhost");
        let refused = format!("ERROR: host kernel: runtime directory {}: owned by uid 0, not 65534: refusing to use it\n", h.dir.display());
        for (tool, args) in [("rmmod", &["params"][..]), ("lsmod", &[][..])] {
            let o = Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin, tool])
                .args(args)
                .env("MODHOST_RUNTIME_DIR", &h.dir)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
            assert!(text(&o.stderr).starts_with(&format!("{tool}: {refused}")), "{}", text(&o.stderr));
            assert_eq!(text(&o.stdout), "");
        }
        assert_eq!(ok(&h.run(&["cat", "/sys/module/params/initstate"])), "live\n");
    }
    ok(&h.run(&["rmmod", "params"]));

    // Debian's CRC modules, then a Kbuild module that imports them all
    let lib = h.moddir.join("kernel/lib");
    for m in ["crc7", "crc-itu-t", "crc16", "crc8", "crc64"] {
        ok(&h.run(&["insmod", &format!("{}/{m}.ko", lib.display())]));
    }
    ok(&h.run(&["insmod", h.module("crcuser")]));
    let log = ok(&h.run(&["dmesg"]));
    for want in ["0xea", "0x31c3", "0xbb3d", "0xf4", "0x6c40df5f0b497347"] {
        assert!(log.lines().any(|l| l.contains("crcuser") && l.contains(want)), "{want}: {log}");
    }
    let ls = ok(&h.run(&["lsmod"]));
    assert!(ls.contains("\ncrc7                   16384  1 crcuser\n"), "{ls}");
    ok(&h.run(&["rmmod", "crcuser", "crc7", "crc-itu-t", "crc16", "crc8", "crc64"]));
    assert_eq!(ok(&h.run(&["lsmod"])), "Module                  Size  Used by\n");
}

//! `modhost modprobe` against the host kernel, in a private runtime
//! directory: a module directory with Debian's CRC modules and the Kbuild
//! test modules `crcuser` (imports five CRC modules) and `params`, indexed by
//! the real `/sbin/depmod`; loading in dependency order (the order the real
//! `modprobe --show-depends` prints), options from a `-C` configuration and
//! the command line, `--first-time`, `-n`, removal of unused dependencies,
//! install/remove commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testkit::{fails, ok, text};

struct Host {
    runtime: PathBuf,
    root: PathBuf,
    release: String,
    conf: PathBuf,
    cmdline: PathBuf,
}

impl Host {
    fn start() -> Option<Host> {
        let (Some((amd64, release)), Some(mods)) = (testkit::fixtures().and_then(|f| f.tree("amd64")), testkit::test_modules()) else {
            return testkit::skip("fixtures or test modules missing");
        };
        if !Path::new("/sbin/depmod").exists() {
            eprintln!("note: /sbin/depmod missing; skipping");
            return None;
        }
        let base = std::env::temp_dir().join(format!("modprobe-host-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        let moddir = root.join("lib/modules").join(&release);
        std::fs::create_dir_all(moddir.join("kernel/lib")).unwrap();
        std::fs::create_dir_all(moddir.join("extra")).unwrap();
        let lib = testkit::moddir(&amd64, &release).join("kernel/lib");
        for e in std::fs::read_dir(&lib).unwrap().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("crc") && n.ends_with(".ko") {
                std::fs::copy(e.path(), moddir.join("kernel/lib").join(&n)).unwrap();
            }
        }
        for m in ["crcuser", "params"] {
            std::fs::copy(&mods[m], moddir.join("extra").join(format!("{m}.ko"))).unwrap();
        }
        let o = Command::new("/sbin/depmod").arg("-b").arg(&root).arg(&release).output().unwrap();
        assert!(o.status.success(), "depmod: {}", String::from_utf8_lossy(&o.stderr));
        let conf = base.join("conf");
        std::fs::create_dir_all(&conf).unwrap();
        // crc8 is loaded by an install command that runs our modprobe again
        // (found first in PATH; -C comes through $MODPROBE_OPTIONS).
        let conf_text = format!(
            "options params p_int=7\nalias my-params params\noptions my-params p_bool=1\n\
             install crc8 echo install-crc8 >> \"$MARKER\"; modprobe -d {} -S {release} --ignore-install crc8 $CMDLINE_OPTS\n\
             remove crc16 echo remove-crc16 >> \"$MARKER\"\n",
            root.display()
        );
        std::fs::write(conf.join("test.conf"), conf_text).unwrap();
        let cmdline = base.join("cmdline");
        std::fs::write(&cmdline, "quiet params.p_uint=3\n").unwrap();
        Some(Host { runtime: base.join("runtime"), root, release, conf, cmdline })
    }

    fn modhost(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_modhost"))
            .args(args)
            .env("MODHOST_RUNTIME_DIR", &self.runtime)
            .env_remove("MODHOST_KERNEL")
            .output()
            .expect("run modhost")
    }

    fn modprobe_args<'a>(&'a self, extra: &[&'a str]) -> Vec<String> {
        let mut a = vec!["-d".to_string(), self.root.display().to_string(), "-S".into(), self.release.clone(), "-C".into(), self.conf.display().to_string()];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    }

    /// `modhost modprobe` through a link named `modprobe` (argv[0] dispatch),
    /// first in PATH so that install commands run ours.
    fn modprobe(&self, extra: &[&str]) -> Output {
        let bin = self.runtime.parent().unwrap().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let link = bin.join("modprobe");
        if !link.exists() {
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_modhost"), &link).unwrap();
        }
        Command::new(&link)
            .args(self.modprobe_args(extra))
            .env("MODHOST_RUNTIME_DIR", &self.runtime)
            .env("MODHOST_CMDLINE", &self.cmdline)
            .env("MARKER", self.runtime.parent().unwrap().join("marker"))
            .env("PATH", format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display()))
            // under the name `modprobe` the default is the running Linux kernel
            .env("MODHOST_KERNEL", "host")
            .env_remove("MODPROBE_OPTIONS")
            .output()
            .expect("run modprobe")
    }

    fn loaded(&self) -> Vec<String> {
        let o = self.modhost(&["cat", "/proc/modules"]);
        text(&o.stdout).lines().filter_map(|l| l.split(' ').next().map(str::to_string)).collect()
    }

    fn marker(&self) -> String {
        std::fs::read_to_string(self.runtime.parent().unwrap().join("marker")).unwrap_or_default()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        testkit::kill_pid_file(&self.runtime.join("serve.pid"));
    }
}

#[test]
fn modprobe_drives_the_host_kernel() {
    let Some(h) = Host::start() else { return };
    let moddir = h.root.join("lib/modules").join(&h.release);
    let path = |rel: &str| moddir.join(rel).display().to_string();

    // The order kmod uses: what the real modprobe prints for --show-depends
    // (crc8 has an install command in our configuration).
    let real = Command::new("/sbin/modprobe").args(h.modprobe_args(&["-D", "crcuser"])).output().unwrap();
    let plan = text(&real.stdout);
    let ours = h.modprobe(&["-D", "crcuser"]);
    assert_eq!(ok(&ours), plan);
    let order: Vec<String> = plan
        .lines()
        .map(|l| {
            let word = if l.starts_with("install ") { "crc8" } else { l.split(' ').nth(1).unwrap().rsplit('/').next().unwrap() };
            kmod::name::modname_normalize(word)
        })
        .collect();
    assert_eq!(order.last().map(String::as_str), Some("crcuser"));
    assert_eq!(order.len(), 6, "{plan}");

    // load: dependencies first, through crc8's install command
    let o = h.modprobe(&["-v", "crcuser"]);
    let out = ok(&o);
    assert!(out.contains(&format!("insmod {} \n", path("extra/crcuser.ko"))), "{out}");
    assert!(h.marker().contains("install-crc8"), "{}", h.marker());
    // /proc/modules lists the newest first
    let mut loaded = h.loaded();
    loaded.reverse();
    assert_eq!(loaded, order, "load order");
    let log = text(&h.modhost(&["dmesg"]).stdout);
    for want in ["crc7_be=0xea", "crc_itu_t=0x31c3", "crc16=0xbb3d", "crc8=0xf4", "crc64_be=0x6c40df5f0b497347"] {
        assert!(log.lines().any(|l| l.contains("crcuser: ") && l.contains(want)), "{want}: {log}");
    }

    // already loaded: silent, or an error with --first-time; -n -v prints nothing
    ok(&h.modprobe(&["crcuser"]));
    fails(&h.modprobe(&["--first-time", "crcuser"]), "modprobe: ERROR: could not insert 'crcuser': Module already in kernel\n");
    assert_eq!(ok(&h.modprobe(&["-n", "-v", "crcuser"])), "");
    // a dependency in use cannot go
    fails(&h.modprobe(&["-r", "crc7"]), "modprobe: FATAL: Module crc7 is in use.\n");

    // options: configuration (by name and by alias), kernel command line, arguments
    let o = h.modprobe(&["-v", "my-params", "p_charp=hello world"]);
    assert_eq!(ok(&o), format!("insmod {} p_int=7 p_bool=1 p_uint=3 p_charp=\"hello world\"\n", path("extra/params.ko")));
    let p = |n: &str| text(&h.modhost(&["cat", &format!("/sys/module/params/parameters/{n}")]).stdout);
    assert_eq!(p("p_int"), "7\n");
    assert_eq!(p("p_uint"), "3\n");
    assert_eq!(p("p_charp"), "hello world\n");
    assert_eq!(p("p_bool"), "Y\n");

    // removal: the module, then its dependencies that became unused
    // (crc16's remove command is not consulted for a dependency)
    let o = h.modprobe(&["-r", "-v", "crcuser"]);
    let out = ok(&o);
    assert!(out.starts_with("rmmod crcuser\n"), "{out}");
    assert_eq!(h.loaded(), vec!["params".to_string()]);
    assert!(!h.marker().contains("remove-crc16"));
    // remove command when asked directly
    ok(&h.modprobe(&["-r", "crc16"]));
    assert!(h.marker().contains("remove-crc16"));
    ok(&h.modprobe(&["-r", "params"]));
    fails(&h.modprobe(&["-r", "--first-time", "params"]), "modprobe: FATAL: Module params is not in kernel.\n");
    ok(&h.modprobe(&["-r", "params"]));
    assert!(h.loaded().is_empty());

    // errors from the kernel are reported against the requested module
    fails(&h.modprobe(&["params", "p_int=abc"]), "modprobe: ERROR: could not insert 'params': Invalid argument\n");
    // a missing module file is ENOENT too, with kmod's wording
    std::fs::remove_file(moddir.join("kernel/lib/crc7.ko")).unwrap();
    fails(&h.modprobe(&["crc7"]), "modprobe: ERROR: could not insert 'crc7': Unknown symbol in module, or unknown parameter (see dmesg)\n");
    fails(&h.modprobe(&["nonexistent"]), &format!("modprobe: FATAL: Module nonexistent not found in directory {}\n", moddir.display()));
}

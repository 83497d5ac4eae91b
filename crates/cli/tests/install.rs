//! `scripts/install.sh` into a temporary prefix: the kmod names run modhost
//! (`modinfo`, `modprobe -n -v`, `depmod -n` give kmod 30's output on a
//! fixture tree, and react to `MODHOST_KERNEL`, which kmod ignores), files
//! that are not modhost's are not clobbered without `--force`, and
//! `--uninstall` removes exactly what was installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install.sh")
}

fn install(prefix: &Path, extra: &[&str]) -> Output {
    Command::new("bash").arg(script()).arg("--prefix").arg(prefix).args(["--bin", env!("CARGO_BIN_EXE_modhost")]).args(extra).output().unwrap()
}

fn clean(c: &mut Command) -> &mut Command {
    c.env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
}

#[test]
fn install_links_run_modhost() {
    let Some((root, release)) = testkit::fixtures().and_then(|f| f.tree("amd64")) else { return };
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&prefix);
    let o = install(&prefix, &[]);
    assert!(o.status.success(), "install: {}", String::from_utf8_lossy(&o.stderr));
    let sbin = prefix.join("sbin");
    for n in ["insmod", "rmmod", "lsmod", "modprobe", "depmod", "modinfo", "kmod"] {
        assert_eq!(std::fs::read_link(sbin.join(n)).unwrap(), Path::new("../bin/modhost"), "{n}");
    }
    let root_s = root.display().to_string();
    // The same output as kmod's tools…
    for (tool, args) in [
        ("modinfo", vec!["-b", &root_s, "-k", &release, "dummy"]),
        ("modprobe", vec!["-n", "-v", "-d", &root_s, "-S", &release, "ext4"]),
        ("depmod", vec!["-n", "-b", &root_s, &release]),
    ] {
        let ours = clean(&mut Command::new(sbin.join(tool))).args(&args).output().unwrap();
        let real = clean(&mut Command::new(format!("/sbin/{tool}"))).args(&args).output().unwrap();
        assert!(ours.status.success(), "{tool}: {}", String::from_utf8_lossy(&ours.stderr));
        assert_eq!(ours.stdout, real.stdout, "{tool} {args:?}");
        assert_eq!(ours.stderr, real.stderr, "{tool} {args:?}");
        assert!(!ours.stdout.is_empty(), "{tool} printed nothing");
        // …and it is modhost answering: kmod ignores MODHOST_KERNEL.
        let o = clean(&mut Command::new(sbin.join(tool))).args(&args).env("MODHOST_KERNEL", "neither").output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{tool}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), format!("{tool}: ERROR: invalid MODHOST_KERNEL='neither': expected 'linux' or 'host'\n"));
    }
    // idempotent
    assert!(install(&prefix, &[]).status.success());
    // uninstall removes what it installed, and only that
    std::fs::write(prefix.join("sbin/other"), "x").unwrap();
    let o = install(&prefix, &["--uninstall"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let left: Vec<String> = std::fs::read_dir(&sbin).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, vec!["other".to_string()]);
    assert!(!prefix.join("bin/modhost").exists());
    let _ = std::fs::remove_dir_all(&prefix);
}

#[test]
fn install_does_not_clobber_without_force() {
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("install-clobber-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&prefix);
    std::fs::create_dir_all(prefix.join("sbin")).unwrap();
    std::os::unix::fs::symlink("/usr/bin/kmod", prefix.join("sbin/insmod")).unwrap();
    let o = install(&prefix, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("would replace files that are not modhost's"), "{}", String::from_utf8_lossy(&o.stderr));
    // nothing was changed
    assert!(!prefix.join("bin/modhost").exists());
    assert_eq!(std::fs::read_dir(prefix.join("sbin")).unwrap().count(), 1);
    assert_eq!(std::fs::read_link(prefix.join("sbin/insmod")).unwrap(), Path::new("/usr/bin/kmod"));
    // with --force it is replaced; --uninstall then leaves nothing of ours
    assert!(install(&prefix, &["--force"]).status.success());
    assert_eq!(std::fs::read_link(prefix.join("sbin/insmod")).unwrap(), Path::new("../bin/modhost"));
    assert!(install(&prefix, &["--uninstall"]).status.success());
    assert_eq!(std::fs::read_dir(prefix.join("sbin")).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&prefix);
}

//! A real boot with modhost as the only module tools (issue 11, item 6).
//!
//! Debian's own kernel boots under QEMU with virtio-blk (an ext4 root image),
//! virtio-net and an AHCI disk. The initramfs holds the kernel's whole module tree,
//! busybox-static and, as its only module tools, `/sbin/{modprobe,insmod,...}` →
//! `/bin/modhost`. Its `/init` (`tests/boot/initramfs-init.sh`) coldplugs the devices
//! from their `modalias` files as udev does (`modprobe -a -b -q`), mounts the ext4
//! image (ext4, jbd2, mbcache, crc16 and crc32c come through modprobe, partly from
//! the kernel's own `request_module`) and switches into it; the root's `/init`
//! reports `/proc/modules`. The same boot is made with kmod 30's tools instead, and
//! the two sets of loaded modules must be equal.
//!
//! `MODHOST_REQUIRE_FIXTURES=1` makes a missing QEMU/fixture fatal; `MODHOST_BOOT_KEEP=1`
//! keeps `$MODHOST_CACHE/tools/boot-<pid>` (kept anyway on failure).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod qemu;
use qemu::*;

const INITRAMFS_INIT: &str = include_str!("../../../tests/boot/initramfs-init.sh");
const ROOT_INIT: &str = include_str!("../../../tests/boot/root-init.sh");
const TOOLS: [&str; 7] = ["insmod", "rmmod", "lsmod", "modprobe", "depmod", "modinfo", "kmod"];
const APPLETS: &[&str] =
    &["sh", "mount", "mkdir", "stty", "uname", "cat", "cp", "cut", "ls", "find", "sort", "sed", "wc", "cmp", "sleep", "readlink", "grep", "switch_root", "poweroff", "echo"];
/// What the ext4 mount needs, loaded by the tools under test.
const ROOT_MODULES: [&str; 5] = ["ext4", "jbd2", "mbcache", "crc16", "crc32c_generic"];
/// The drivers of the devices given to QEMU.
const DEVICE_MODULES: [&str; 4] = ["virtio_pci", "virtio_blk", "virtio_net", "ahci"];

macro_rules! skip {
    ($($t:tt)*) => {{
        let msg = format!($($t)*);
        if require() {
            panic!("{msg} (MODHOST_REQUIRE_FIXTURES=1)");
        }
        eprintln!("note: {msg}; skipping the real boot test");
        return;
    }};
}

/// The initramfs's own part (after the cached module tree): busybox, the tools
/// (modhost's links only, or kmod's), `/init`.
fn initramfs(modhost: bool) -> Vec<u8> {
    let mut c = Cpio::default();
    for d in ["proc", "sys", "dev", "tmp", "root", "bin", "sbin"] {
        c.dir(d);
    }
    c.entry("dev/console", 0o020600, &[], (5, 1));
    c.file("bin/busybox", &std::fs::read("/bin/busybox").unwrap(), true);
    for a in APPLETS {
        c.symlink(&format!("bin/{a}"), "busybox");
    }
    let (bin, exe) = if modhost { ("/bin/modhost", PathBuf::from(env!("CARGO_BIN_EXE_modhost"))) } else { ("/bin/kmod", PathBuf::from("/bin/kmod")) };
    c.file(bin, &std::fs::read(&exe).unwrap(), true);
    for t in TOOLS {
        c.symlink(&format!("sbin/{t}"), bin);
    }
    let mut dirs = BTreeSet::new();
    for lib in ldd(&exe.to_string_lossy()) {
        let parts: Vec<&str> = lib.trim_start_matches('/').split('/').collect();
        let mut acc = String::new();
        for p in &parts[..parts.len() - 1] {
            acc.push('/');
            acc.push_str(p);
            if dirs.insert(acc.clone()) {
                c.dir(&acc);
            }
        }
        c.file(&lib, &std::fs::read(&lib).unwrap(), true);
    }
    c.file("init", INITRAMFS_INIT.as_bytes(), true);
    c.finish()
}

/// `mke2fs` (e2fsprogs), installed with apt-get when missing (as root).
fn ensure_mke2fs() -> bool {
    let have = || Command::new("sh").args(["-c", "command -v mke2fs"]).stdout(std::process::Stdio::null()).status().is_ok_and(|s| s.success());
    if !have() && rustix::process::geteuid().is_root() {
        let install = || Command::new("apt-get").args(["install", "-y", "-q", "e2fsprogs"]).env("DEBIAN_FRONTEND", "noninteractive").stdout(std::process::Stdio::null()).status();
        if !install().is_ok_and(|s| s.success()) {
            let _ = Command::new("apt-get").args(["update", "-q"]).stdout(std::process::Stdio::null()).status();
            let _ = install();
        }
    }
    have()
}

/// The ext4 root image: busybox and an `/init` that reports the loaded modules;
/// made with `mke2fs -d` (no mount, no root privilege).
fn root_image(work: &Path) -> Result<PathBuf, String> {
    let tree = work.join("rootfs");
    for d in ["bin", "proc", "sys", "dev", "etc"] {
        std::fs::create_dir_all(tree.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", tree.join("bin/busybox")).unwrap();
    for a in ["sh", "mount", "cat", "cut", "sed", "grep", "poweroff"] {
        std::os::unix::fs::symlink("busybox", tree.join("bin").join(a)).unwrap();
    }
    std::fs::write(tree.join("init"), ROOT_INIT).unwrap();
    std::fs::set_permissions(tree.join("init"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(tree.join("etc/marker"), "ext4-root\n").unwrap();
    let img = work.join("root.ext4");
    let out = Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext4", "-L", "root", "-d"])
        .arg(&tree)
        .arg(&img)
        .arg("16M")
        .output()
        .map_err(|e| format!("mke2fs: {e}"))?;
    if !out.status.success() {
        return Err(format!("mke2fs failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(img)
}

/// What a boot reported: whether it got into the ext4 root, the modules then
/// loaded, the coldplug passes.
#[derive(Debug, Default)]
struct Boot {
    root: Option<String>,
    modules: BTreeSet<String>,
    passes: Vec<String>,
    done: bool,
}

fn parse(text: &str) -> Boot {
    let mut b = Boot::default();
    for l in text.lines() {
        let l = l.trim_end_matches('\r');
        if let Some(r) = l.strip_prefix("@@ROOT ") {
            b.root = Some(r.to_string());
        } else if let Some(m) = l.strip_prefix("@@MOD ") {
            b.modules.insert(m.to_string());
        } else if let Some(p) = l.strip_prefix("@@PASS ") {
            b.passes.push(p.to_string());
        } else if l == "@@DONE" {
            b.done = true;
        }
    }
    b
}

#[test]
fn boot_with_modhost_as_the_only_module_tools() {
    let cache = PathBuf::from(std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into()));
    let env = match load_env(&cache) {
        Ok(e) => e,
        Err(e) => skip!("{e}"),
    };
    if let Err(e) = ensure_tools() {
        skip!("{e}");
    }
    if !ensure_mke2fs() {
        skip!("mke2fs (e2fsprogs) is missing and could not be installed");
    }
    // work directories kept by earlier runs whose process is gone
    for e in std::fs::read_dir(cache.join("tools")).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = n.strip_prefix("boot-") {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let work = cache.join("tools").join(format!("boot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let img = match root_image(&work) {
        Ok(i) => i,
        Err(e) => panic!("{e}"),
    };
    let tree = tree_cpio(&env, &cache);
    let mut boots = Vec::new();
    for side in ["kmod", "modhost"] {
        let dir = work.join(side);
        std::fs::create_dir_all(&dir).unwrap();
        // each boot its own copy of the disk (the mount is read-only, but QEMU locks it)
        let disk = dir.join("root.ext4");
        std::fs::copy(&img, &disk).unwrap();
        let initrd = dir.join("initrd.cpio");
        std::fs::copy(&tree, &initrd).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&initrd).unwrap();
        std::io::Write::write_all(&mut f, &initramfs(side == "modhost")).unwrap();
        boots.push((dir, initrd));
    }
    let extra = |dir: &Path| -> Vec<String> {
        let disk = dir.join("root.ext4");
        let sata = dir.join("sata.img");
        std::fs::write(&sata, vec![0u8; 1 << 20]).unwrap();
        vec![
            "-drive".into(),
            format!("file={},if=none,id=root,format=raw", disk.display()),
            "-device".into(),
            "virtio-blk-pci,drive=root".into(),
            "-netdev".into(),
            "user,id=n0".into(),
            "-device".into(),
            "virtio-net-pci,netdev=n0".into(),
            "-device".into(),
            "ahci,id=ahci".into(),
            "-drive".into(),
            format!("file={},if=none,id=sata,format=raw", sata.display()),
            "-device".into(),
            "ide-hd,drive=sata,bus=ahci.0".into(),
        ]
    };
    // the two boots one after the other (each its own devices)
    let mut results = Vec::new();
    for (dir, initrd) in boots {
        let opts = QemuOpts { mem_mb: 2048, append: String::new(), extra: extra(&dir) };
        let limit = Duration::from_secs(600);
        let mut r = run_guests(&env, vec![(dir.clone(), initrd.clone())], &opts, 1, limit, limit);
        let _ = std::fs::remove_file(&initrd);
        results.push(r.remove(0));
    }
    let kmod = parse(&results[0].text);
    let ours = parse(&results[1].text);
    let mut report = String::new();
    for (name, b, g) in [("kmod 30", &kmod, &results[0]), ("modhost", &ours, &results[1])] {
        report.push_str(&format!(
            "{name}: {:.1}s, root {}, coldplug passes {:?}\n  modules ({}): {}\n",
            g.time.as_secs_f64(),
            b.root.as_deref().unwrap_or("NOT MOUNTED"),
            b.passes,
            b.modules.len(),
            b.modules.iter().cloned().collect::<Vec<_>>().join(" ")
        ));
    }
    let only_kmod: Vec<&String> = kmod.modules.difference(&ours.modules).collect();
    let only_ours: Vec<&String> = ours.modules.difference(&kmod.modules).collect();
    report.push_str(&format!("only with kmod: {only_kmod:?}\nonly with modhost: {only_ours:?}\n"));
    eprint!("Real boot (coldplug, ext4 root, switch_root):\n{report}");
    let _ = std::fs::write(cache.join("tools/last-boot-report.txt"), &report);
    let ok = kmod.done && ours.done && only_kmod.is_empty() && only_ours.is_empty();
    if ok && std::env::var("MODHOST_BOOT_KEEP").as_deref() != Ok("1") {
        let _ = std::fs::remove_dir_all(&work);
    } else {
        eprintln!("work directory kept: {}", work.display());
    }
    for (name, b, g) in [("kmod", &kmod, &results[0]), ("modhost", &ours, &results[1])] {
        if !b.done {
            let tail: Vec<&str> = g.console.lines().rev().take(30).collect();
            panic!("the {name} boot did not reach the ext4 root's report; console:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
    }
    for m in ROOT_MODULES.iter().chain(DEVICE_MODULES.iter()) {
        assert!(kmod.modules.contains(*m), "the reference boot with kmod 30 lacks {m}: the test's devices are not what it expects");
        assert!(ours.modules.contains(*m), "modhost's boot lacks {m}");
    }
    assert!(only_kmod.is_empty() && only_ours.is_empty(), "the loaded module sets differ:\n{report}");
}

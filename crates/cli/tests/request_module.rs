//! `request_module()` from module code: the host runs its own modprobe on
//! its module directory (MODHOST_MODULES), which loads the requested module
//! through the daemon, and the caller gets modprobe's wait status.

use std::process::{Command, Output};

use testkit::text;

#[test]
fn module_init_gets_its_helper_loaded() {
    let (Some((root, rel)), Some(mut idx)) = (testkit::fixtures().and_then(|f| f.tree("amd64")), testkit::test_modules()) else {
        testkit::skip::<()>("fixtures missing");
        return;
    };
    let requester = idx.remove("requester").expect("requester built");
    // A module directory: crc7 (Debian's) and requester, indexed by depmod.
    let tmp = std::env::temp_dir().join(format!("modhost-reqmod-{}", std::process::id()));
    let md = tmp.join("root/lib/modules").join(&rel);
    std::fs::create_dir_all(md.join("kernel/lib")).unwrap();
    std::fs::create_dir_all(md.join("extra")).unwrap();
    std::fs::copy(testkit::moddir(&root, &rel).join("kernel/lib/crc7.ko"), md.join("kernel/lib/crc7.ko")).unwrap();
    std::fs::copy(&requester, md.join("extra/requester.ko")).unwrap();
    let st = Command::new("/sbin/depmod").arg("-b").arg(tmp.join("root")).arg(&rel).status().unwrap();
    assert!(st.success());
    let runtime = tmp.join("rt");
    let run = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_modhost"))
            .args(args)
            .env("MODHOST_RUNTIME_DIR", &runtime)
            .env("MODHOST_MODULES", tmp.join("root"))
            .output()
            .unwrap()
    };
    let o = run(&["insmod", &requester]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let log = text(&run(&["dmesg"]).stdout);
    assert!(log.contains("requester: request_module(crc7) = 0"), "{log}");
    let ls = text(&run(&["lsmod"]).stdout);
    assert!(ls.contains("\ncrc7 ") && ls.contains("\nrequester "), "{ls}");
    // A name nobody provides: modprobe exits 1, the caller sees 1 << 8.
    assert!(run(&["rmmod", "requester"]).status.success());
    let o = run(&["insmod", &requester, "want=no-such-module"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let log = text(&run(&["dmesg"]).stdout);
    assert!(log.contains("requester: request_module(no-such-module) = 256"), "{log}");
    testkit::kill_pid_file(&runtime.join("serve.pid"));
    let _ = std::fs::remove_dir_all(&tmp);
}

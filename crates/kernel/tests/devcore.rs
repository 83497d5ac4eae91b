//! The generic device model (tests/modules/devcore): kobjects and ksets
//! under /sys/kernel with attribute groups, a class device made with
//! device_initialize/device_add (glue directory, class and /sys/dev/char
//! links, the uevent file through the class's devnode), the release
//! complaint of a device without one, platform devices binding to a
//! platform driver (probe, managed resources, "probe of X failed" for a
//! failing probe, silence for -ENODEV, remove at unregister) — and all of
//! it gone after the module unloads.

mod common;

use common::{kernel, log_since, test_module};

fn text(k: &kernel::Kernel, path: &str) -> String {
    String::from_utf8(
        k.read_view(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}")),
    )
    .unwrap()
}

fn ls(k: &kernel::Kernel, path: &str) -> Vec<String> {
    k.list_view(path)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

#[test]
fn kobjects_devices_and_platform_binding() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("devcore") else {
        return;
    };
    // the directories of /sys that modules hang children on, from boot
    for d in [
        "/sys/kernel",
        "/sys/kernel/mm",
        "/sys/fs",
        "/sys/firmware",
        "/sys/devices/platform",
        "/sys/devices/virtual",
        "/sys/dev/char",
    ] {
        assert!(k.list_view(d).is_ok(), "{d}");
    }
    let before_platform = ls(k, "/sys/devices/platform");

    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    let has = |line: &str| assert!(log.iter().any(|l| l == line), "missing {line:?}: {log:#?}");

    // kobject_create_and_add and a group: is_visible hides one file
    has("devcore: group=0");
    assert_eq!(ls(k, "/sys/kernel/devcore/params"), ["value"]);
    assert_eq!(text(k, "/sys/kernel/devcore/params/value"), "42\n");
    // a second kobject of the name: NULL, with sysfs's and kobject's messages
    has("devcore: dup=NULL");
    has("sysfs: cannot create duplicate filename '/kernel/devcore'");
    has("kobject_add_internal failed for devcore with -EEXIST, don't try to register things with the same name in the same directory.");
    has("devcore: mnt=0");
    has("devcore: mnt_dup=-17");
    assert!(ls(k, "/sys/kernel/devcore_mnt").is_empty());

    // a kset member: found by name, its path, a reference from the find
    has("devcore: member=0 found=1 path=/kernel/devcore_set/member1 refs=2");
    assert_eq!(text(k, "/sys/kernel/devcore_set/member1/n"), "member1\n");
    // uevents: through the kset; -EINVAL for a kobject without one
    has("devcore: uevent=0");
    has("devcore: uevent_nokset=-22");

    // the class device
    has("devcore: device_add=0 registered=1");
    has("devcore dc0: hello from dc0");
    let dir = "/sys/devices/virtual/devcore/dc0";
    assert_eq!(text(k, &format!("{dir}/dev")), "240:7\n");
    assert_eq!(
        text(k, &format!("{dir}/uevent")),
        "MAJOR=240\nMINOR=7\nDEVNAME=devcore/dc0\nDEVMODE=0640\n"
    );
    assert_eq!(text(k, &format!("{dir}/flavour")), "dc0:vanilla\n");
    assert_eq!(
        text(k, &format!("{dir}/subsystem")),
        "../../../../class/devcore"
    );
    assert_eq!(
        text(k, "/sys/class/devcore/dc0"),
        "../../devices/virtual/devcore/dc0"
    );
    assert_eq!(
        text(k, "/sys/dev/char/240:7"),
        "../../devices/virtual/devcore/dc0"
    );

    // class_find_device, a compat directory, transport classes (the
    // anonymous one registers no class)
    has("devcore: find=1");
    has("devcore: compat_link=0");
    assert_eq!(
        text(k, "/sys/class/devcore_compat/dc0"),
        "../../devices/virtual/devcore/dc0"
    );
    has("devcore: tclass=0 anon=0");
    assert!(k.list_view("/sys/class/devcore_transport").is_ok());

    // an auxiliary driver: <modname>.<name>; -EINVAL without probe/id table
    has("devcore: aux=0 aux_bad=-22");
    assert!(ls(k, "/sys/bus/auxiliary/drivers").contains(&"devcore.aux".to_string()));

    // a device without a name, and one without a release
    has("devcore: noname=-22");
    has("Device 'norelease' does not have a release() function, it is broken and must be fixed. See Documentation/core-api/kobject.rst.");

    // platform binding
    has("devcore: driver=0");
    has("devcore: probe devcore-plat.3 id=3");
    has("devcore-plat: probe of devcore-plat.5 failed with error -22");
    assert!(
        !log.iter().any(|l| l.contains("probe of devcore-plat.6")),
        "{log:#?}"
    );
    has("devcore: p3=0 bound3=1 bound5=0 pauto=devcore-other.0.auto probes=3");
    let drv = "/sys/bus/platform/drivers/devcore-plat";
    assert_eq!(
        text(k, &format!("{drv}/devcore-plat.3")),
        "../../../../devices/platform/devcore-plat.3"
    );
    assert!(!ls(k, drv).contains(&"devcore-plat.5".to_string()));
    let p3 = "/sys/devices/platform/devcore-plat.3";
    assert_eq!(
        text(k, &format!("{p3}/driver")),
        "../../../bus/platform/drivers/devcore-plat"
    );
    assert_eq!(text(k, &format!("{p3}/subsystem")), "../../../bus/platform");
    assert_eq!(
        text(k, &format!("{p3}/uevent")),
        "DRIVER=devcore-plat\nMODALIAS=platform:devcore-plat\n"
    );
    assert_eq!(
        text(k, "/sys/bus/platform/devices/devcore-other.0.auto"),
        "../../../devices/platform/devcore-other.0.auto"
    );
    assert!(ls(k, "/sys/bus/platform/devices").contains(&"devcore-plat.5".to_string()));

    let seq = kabi::log::next_seq();
    k.delete_module("devcore", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    let has = |line: &str| assert!(log.iter().any(|l| l == line), "missing {line:?}: {log:#?}");
    // remove at unbind, then the managed action
    has("devcore: remove devcore-plat.3 drvdata=devcore-plat.3-res");
    has("devcore: devm action devcore-plat.3-res");
    has("devcore: removes=1 actions=1");
    has("devcore: dev_released=1");
    has("devcore: release member1");
    has("devcore: releases=1");

    // everything is gone
    for p in [
        "/sys/kernel/devcore",
        "/sys/kernel/devcore_set",
        "/sys/kernel/devcore_mnt",
        "/sys/devices/virtual/devcore",
        "/sys/class/devcore",
        "/sys/dev/char/240:7",
        drv,
        p3,
        "/sys/bus/platform/devices/devcore-plat.3",
    ] {
        assert!(
            k.list_view(p).is_err() && k.read_view(p).is_err(),
            "{p} still there"
        );
    }
    for p in [
        "/sys/class/devcore_compat",
        "/sys/class/devcore_transport",
        "/sys/bus/auxiliary/drivers/devcore.aux",
    ] {
        assert!(k.list_view(p).is_err(), "{p} still there");
    }
    assert_eq!(ls(k, "/sys/devices/platform"), before_platform);
}

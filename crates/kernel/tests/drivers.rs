//! The driver core on a machine without hardware (tests/modules/drvtest):
//! a bus, drivers on it and on the built-in buses, a class and a class
//! device, char device numbers and a misc device appear in the views while
//! the module is loaded and are gone after it unloads; duplicates fail
//! with Linux's errors.

mod common;

use common::{kernel, log_since, test_module};

fn drivers_of(k: &kernel::Kernel, bus: &str) -> Vec<String> {
    k.list_view(&format!("/sys/bus/{bus}/drivers"))
        .unwrap_or_else(|e| panic!("/sys/bus/{bus}/drivers: {e:?}"))
}

fn text(k: &kernel::Kernel, path: &str) -> String {
    String::from_utf8(
        k.read_view(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}")),
    )
    .unwrap()
}

#[test]
fn drivers_classes_and_char_devices_come_and_go() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("drvtest") else {
        return;
    };
    // the built-in buses are there from boot
    for bus in ["platform", "pci", "i2c", "spi", "serio"] {
        assert!(
            k.list_view(&format!("/sys/bus/{bus}"))
                .unwrap()
                .contains(&"drivers".to_string()),
            "{bus}"
        );
    }
    let devices = text(k, "/proc/devices");
    assert!(
        devices.starts_with("Character devices:\n  1 mem\n  4 /dev/vc/0\n  4 tty\n  4 ttyS\n"),
        "{devices}"
    );
    assert!(
        devices.contains(" 10 misc\n") && devices.contains("136 pts\n"),
        "{devices}"
    );

    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    let has = |line: &str| assert!(log.iter().any(|l| l == line), "missing {line:?}: {log:#?}");
    // attribute files: a second one of a name fails with -EEXIST
    has("drvtest: attr_dup=-17");
    has("sysfs: cannot create duplicate filename '/bus/drvtest/drivers/drvtest_drv/version'");
    // a class interface is offered the class's devices: the one that
    // exists (drvtest0) and one made and removed afterwards
    has("drvtest: add_dev drvtest0");
    has("drvtest: add_dev drvtest-extra");
    has("drvtest: intf added=2 removed=1");
    // a simple LED trigger registers once; its name, and a built-in
    // trigger's, are taken (-EEXIST)
    has("drvtest: trig=1 trig_dup=0 disk=-17");
    has("LED trigger drvtest-trig failed to register (-17)");
    assert!(text(k, "/proc/bus/input/handlers")
        .ends_with("N: Number=3 Name=leds\nN: Number=4 Name=drvtest Minor=200\n"));
    // attributes read through the module's show()
    assert_eq!(
        text(k, "/sys/bus/drvtest/drivers/drvtest_drv/version"),
        "drvtest_drv 1.0\n"
    );
    assert_eq!(text(k, "/sys/class/drvtest/flavour"), "drvtest:flavour\n");
    // EEXIST for a second bus "drvtest", EBUSY for a second driver of a
    // name on a bus, ENODEV from platform_driver_probe without devices,
    // EEXIST for a second class, EBUSY for taken char numbers
    assert!(
        log.contains(
            &"drvtest: bus_dup=-17 drv_dup=-16 plat_dup=-16 probe=-19 class_dup=-17 chr_dup=-16"
                .to_string()
        ),
        "{log:#?}"
    );
    assert!(
        log.contains(&"sysfs: cannot create duplicate filename '/bus/drvtest'".to_string()),
        "{log:#?}"
    );
    assert!(
        log.contains(&"sysfs: cannot create duplicate filename '/class/drvtest'".to_string()),
        "{log:#?}"
    );
    assert!(
        log.contains(&"Error: Driver 'drvtest_drv' is already registered, aborting...".to_string()),
        "{log:#?}"
    );
    // the first dynamic majors: 254 (alloc_chrdev_region), then 253
    // (register_chrdev(0, ...)); the first dynamic misc minor is 127
    assert!(
        log.contains(
            &"drvtest: major=254 minor=0 dev=drvtest0 drvdata=1 static_major=253 misc_minor=127"
                .to_string()
        ),
        "{log:#?}"
    );

    assert_eq!(
        k.list_view("/sys/bus/drvtest").unwrap(),
        [
            "devices",
            "drivers",
            "drivers_autoprobe",
            "drivers_probe",
            "uevent"
        ]
    );
    assert_eq!(drivers_of(k, "drvtest"), ["drvtest_drv"]);
    assert_eq!(
        k.list_view("/sys/bus/drvtest/drivers/drvtest_drv").unwrap(),
        ["bind", "module", "uevent", "unbind", "version"]
    );
    assert_eq!(
        text(k, "/sys/bus/drvtest/drivers/drvtest_drv/module"),
        "../../../../module/drvtest"
    );
    for (bus, drv) in [
        ("pci", "drvtest_pci"),
        ("i2c", "drvtest_i2c"),
        ("platform", "drvtest_plat"),
        ("spi", "drvtest_spi"),
        ("serio", "drvtest_serio"),
    ] {
        assert!(
            drivers_of(k, bus).contains(&drv.to_string()),
            "{bus}: {:?}",
            drivers_of(k, bus)
        );
        assert_eq!(
            text(k, &format!("/sys/bus/{bus}/drivers/{drv}/module")),
            "../../../../module/drvtest"
        );
    }
    // platform_driver_probe found no device: its driver is gone again
    assert!(!drivers_of(k, "platform").contains(&"drvtest_probe".to_string()));
    assert_eq!(
        k.list_view("/sys/bus/pci/drivers/drvtest_pci").unwrap(),
        ["bind", "module", "new_id", "remove_id", "uevent", "unbind"]
    );
    assert_eq!(
        text(k, "/sys/bus/serio/drivers/drvtest_serio/description"),
        "drvtest serio driver\n"
    );
    assert_eq!(
        text(k, "/sys/bus/serio/drivers/drvtest_serio/bind_mode"),
        "auto\n"
    );

    // the class and its device
    assert_eq!(
        k.list_view("/sys/class/drvtest").unwrap(),
        ["drvtest0", "flavour"]
    );
    assert_eq!(
        text(k, "/sys/class/drvtest/drvtest0"),
        "../../devices/virtual/drvtest/drvtest0"
    );
    assert_eq!(
        text(k, "/sys/devices/virtual/drvtest/drvtest0/dev"),
        "254:0\n"
    );
    assert_eq!(
        text(k, "/sys/devices/virtual/drvtest/drvtest0/uevent"),
        "MAJOR=254\nMINOR=0\nDEVNAME=drvtest0\n"
    );
    assert_eq!(
        text(k, "/sys/dev/char/254:0"),
        "../../devices/virtual/drvtest/drvtest0"
    );
    // char numbers and the misc device
    let devices = text(k, "/proc/devices");
    assert!(
        devices.contains("253 drvtest_static\n254 drvtest\n"),
        "{devices}"
    );
    assert!(!devices.contains("drvtest_dup"), "{devices}");
    assert!(k
        .list_view("/sys/class/misc")
        .unwrap()
        .contains(&"drvtest_misc".to_string()));
    assert_eq!(
        text(k, "/sys/devices/virtual/misc/drvtest_misc/dev"),
        "10:127\n"
    );
    assert!(
        text(k, "/proc/misc").starts_with("127 drvtest_misc\n"),
        "{}",
        text(k, "/proc/misc")
    );

    k.delete_module("drvtest", 0).unwrap();
    assert!(log_since(seq).contains(&"drvtest: unloaded".to_string()));
    assert!(k.list_view("/sys/bus/drvtest").is_err());
    for (bus, drv) in [
        ("pci", "drvtest_pci"),
        ("i2c", "drvtest_i2c"),
        ("platform", "drvtest_plat"),
        ("spi", "drvtest_spi"),
        ("serio", "drvtest_serio"),
    ] {
        assert!(!drivers_of(k, bus).contains(&drv.to_string()), "{bus}");
    }
    assert!(k.list_view("/sys/class/drvtest").is_err());
    assert!(!text(k, "/proc/bus/input/handlers").contains("drvtest"));
    assert!(k.read_view("/sys/dev/char/254:0").is_err());
    assert!(!k
        .list_view("/sys/class/misc")
        .unwrap()
        .contains(&"drvtest_misc".to_string()));
    let devices = text(k, "/proc/devices");
    assert!(!devices.contains("drvtest"), "{devices}");

    // everything was released: a second load gets the same numbers
    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0).unwrap();
    assert!(
        log_since(seq)
            .iter()
            .any(|l| l.starts_with("drvtest: major=254 minor=0 ") && l.ends_with("misc_minor=127")),
        "{:#?}",
        log_since(seq)
    );
    k.delete_module("drvtest", 0).unwrap();
}

#[test]
fn built_in_input_handlers_and_misc_devices() {
    let Some((k, _g)) = kernel() else { return };
    assert_eq!(
        text(k, "/proc/bus/input/handlers"),
        "N: Number=0 Name=kbd\nN: Number=1 Name=sysrq (filter)\nN: Number=2 Name=mousedev Minor=32\nN: Number=3 Name=leds\n"
    );
    assert_eq!(text(k, "/proc/bus/input/devices"), "");
    assert_eq!(
        text(k, "/proc/misc"),
        "  1 psaux\n183 hw_random\n228 hpet\n231 snapshot\n"
    );
    assert_eq!(text(k, "/sys/devices/virtual/misc/hpet/dev"), "10:228\n");
}

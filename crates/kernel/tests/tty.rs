//! The tty layer on a machine without hardware (tests/modules/ttytest):
//! the `tty` class and the built-in drivers are there from boot; a module's
//! tty drivers take their device numbers, show in `/proc/tty/drivers`,
//! `/proc/devices` and (lines made by the tty core or registered through a
//! port) `/sys/class/tty`; uart drivers register through the serial core,
//! serdev drivers on the "serial" bus; a line discipline shows in `/proc/tty/ldiscs`;
//! Linux's values (`tty_std_termios`, `tty_port_init`) and errors hold; and
//! everything is gone after the module unloads.

mod common;

use common::{kernel, log_since, test_module};

fn text(k: &kernel::Kernel, path: &str) -> String {
    String::from_utf8(
        k.read_view(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}")),
    )
    .unwrap()
}

/// `/proc/tty/drivers` of Debian 6.1 at boot (the pseudo drivers, then the
/// 8250, pty and vt drivers, newest first).
const BOOT_DRIVERS: &str = "\
/dev/tty             /dev/tty        5       0 system:/dev/tty
/dev/console         /dev/console    5       1 system:console
/dev/ptmx            /dev/ptmx       5       2 system
/dev/vc/0            /dev/vc/0       4       0 system:vtmaster
serial               /dev/ttyS       4 64-95 serial
pty_slave            /dev/pts      136 0-1048575 pty:slave
pty_master           /dev/ptm      128 0-1048575 pty:master
unknown              /dev/tty        4 1-63 console
";

#[test]
fn tty_drivers_ports_and_ldiscs_come_and_go() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("ttytest") else {
        return;
    };

    // boot: the class with the console and vt devices, the drivers, N_TTY
    let class = k.list_view("/sys/class/tty").unwrap();
    for d in ["console", "ptmx", "tty", "tty0", "tty1", "tty63"] {
        assert!(class.contains(&d.to_string()), "{d}: {class:?}");
    }
    assert_eq!(class.len(), 3 + 64, "{class:?}");
    assert_eq!(
        text(k, "/sys/class/tty/tty1"),
        "../../devices/virtual/tty/tty1"
    );
    assert_eq!(text(k, "/sys/devices/virtual/tty/console/dev"), "5:1\n");
    assert_eq!(text(k, "/proc/tty/drivers"), BOOT_DRIVERS);
    assert_eq!(text(k, "/proc/tty/ldiscs"), "n_tty       0\n");
    assert!(k
        .list_view("/proc/tty")
        .unwrap()
        .contains(&"driver".to_string()));
    assert_eq!(
        k.list_view("/proc/tty/driver").unwrap(),
        Vec::<String>::new()
    );
    // the serdev bus
    assert_eq!(
        k.list_view("/sys/bus/serial").unwrap(),
        [
            "devices",
            "drivers",
            "drivers_autoprobe",
            "drivers_probe",
            "uevent"
        ]
    );

    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    let has = |line: &str| assert!(log.iter().any(|l| l == line), "missing {line:?}: {log:#?}");
    // Linux's tty_std_termios and tty_port_init defaults
    has("ttytest: termios=0");
    has("ttytest: port=0 linked=1");
    // no lines, or an unnumbered node with two: -EINVAL
    has("ttytest: alloc0=-22 unnumbered2=-22");
    has("ttytest: kref=1 num=2 ports=1 ttys=1 termios=1 cdevs=1");
    // the first dynamic major
    has("ttytest: major=254 installed=1");
    // a line registered through its port: name_base 10 + line 1, minor
    // 16 + 1; line 4 of 4 is out of range
    has("ttytest: dyn_dev=ttyTD11 devt=240:17 oor=-22");
    has("ttyTD: Attempt to register invalid tty line number (4)");
    // the last reference to a port hands it to ops->destruct
    has("ttytest: destructed=1");
    // N_TTY's operations, inherited without an owner
    has("ttytest: n_tty name=n_tty num=0 owner=0 ops=1");
    // a line discipline number must be in 0..NR_LDISCS
    has("ttytest: ldisc=0 bad=-22 neg=-22");
    // the serial core: a dynamic major, no owner (serial_core is built
    // in), B9600|CS8|CREAD|HUPCL|CLOCAL, lines made when ports are added,
    // each line's state a port with the serial core's port operations
    has("ttytest: uart major=252 owner=0 cflag=06275 speed=9600 dyn=1 port_ops=1");
    // tty_baudrate: a standard code; an odd output speed is BOTHER with
    // the exact value, the input code then set apart
    has("ttytest: encode 115200=012262/115200");
    has("ttytest: encode 9600/12345=03212260/12345/9600");
    // a serdev driver joins the "serial" bus (probing asynchronously);
    // the foreground console is tty1's (index 0)
    has("ttytest: serdev=0 async=1 fg_console=0");
    has("ttytest: loaded");

    assert_eq!(
        k.list_view("/sys/bus/serial/drivers").unwrap(),
        ["ttytest_serdev"]
    );
    assert_eq!(
        text(k, "/sys/bus/serial/drivers/ttytest_serdev/module"),
        "../../../../module/ttytest"
    );
    let drivers = text(k, "/proc/tty/drivers");
    let expect = BOOT_DRIVERS.replacen(
        "serial ",
        "ttytest_uart         /dev/ttyTU    252 0-2 serial\n\
         ttytest_one          /dev/ttytestone 253       0 console\n\
         ttytest_dyn          /dev/ttyTD    240 16-19 serial\n\
         ttytest              /dev/ttyTT    254 0-1 serial\n\
         serial ",
        1,
    );
    assert_eq!(drivers, expect);
    let devices = text(k, "/proc/devices");
    for l in [
        "240 ttyTD\n",
        "252 ttyTU\n",
        "253 ttytestone\n",
        "254 ttyTT\n",
    ] {
        assert!(devices.contains(l), "{l:?}: {devices}");
    }
    // the lines the tty core made, the port's line, the unnumbered node
    let class = k.list_view("/sys/class/tty").unwrap();
    for d in ["ttyTT0", "ttyTT1", "ttyTD11", "ttytestone"] {
        assert!(class.contains(&d.to_string()), "{d}: {class:?}");
    }
    assert!(
        !class
            .iter()
            .any(|d| d.starts_with("ttyTD") && d != "ttyTD11"),
        "{class:?}"
    );
    assert_eq!(
        text(k, "/sys/class/tty/ttyTT1"),
        "../../devices/virtual/tty/ttyTT1"
    );
    assert_eq!(text(k, "/sys/devices/virtual/tty/ttyTT1/dev"), "254:1\n");
    assert_eq!(text(k, "/sys/devices/virtual/tty/ttyTD11/dev"), "240:17\n");
    assert_eq!(
        text(k, "/sys/dev/char/253:0"),
        "../../devices/virtual/tty/ttytestone"
    );
    // the cdevs of the lines are mapped
    assert!(kabi::fs::char_dev::cdev_lookup((254 << 20) | 1).is_some());
    assert!(kabi::fs::char_dev::cdev_lookup((240 << 20) | 17).is_some());
    assert!(kabi::fs::char_dev::cdev_lookup((240 << 20) | 16).is_none());
    // only the driver with a proc_show has /proc/tty/driver/<driver_name>
    assert_eq!(
        k.list_view("/proc/tty/driver").unwrap(),
        ["ttytest", "ttytest_uart"]
    );
    // a uart driver's lines come with its ports: none here
    assert!(!class.iter().any(|d| d.starts_with("ttyTU")), "{class:?}");
    assert_eq!(
        text(k, "/proc/tty/ldiscs"),
        "n_tty       0\nttytest    29\n"
    );

    k.delete_module("ttytest", 0).unwrap();
    let log = log_since(seq);
    assert!(
        log.contains(&"ttytest: uart state=0 tty_driver=0".to_string()),
        "{log:#?}"
    );
    assert!(log.contains(&"ttytest: unloaded".to_string()));
    assert_eq!(text(k, "/proc/tty/drivers"), BOOT_DRIVERS);
    assert_eq!(text(k, "/proc/tty/ldiscs"), "n_tty       0\n");
    assert_eq!(
        k.list_view("/proc/tty/driver").unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(k.list_view("/sys/class/tty").unwrap().len(), 3 + 64);
    assert_eq!(
        k.list_view("/sys/bus/serial/drivers").unwrap(),
        Vec::<String>::new()
    );
    let devices = text(k, "/proc/devices");
    assert!(!devices.contains("ttyT"), "{devices}");
    assert!(kabi::fs::char_dev::cdev_lookup((254 << 20) | 1).is_none());
    for p in [
        "/sys/devices/virtual/tty/ttyTT0",
        "/sys/dev/char/240:17",
        "/sys/dev/char/253:0",
    ] {
        assert!(
            k.read_view(p).is_err() && k.list_view(p).is_err(),
            "{p} left behind"
        );
    }
}

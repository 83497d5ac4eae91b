//! drivers/tty/tty_io.c: tty drivers — `__tty_alloc_driver`,
//! `tty_register_driver`, `tty_unregister_driver`, `tty_driver_kref_put`,
//! `tty_register_device(_attr)`, `tty_unregister_device`, `tty_devnum`,
//! `tty_std_termios` — with the views Linux gives them: the device numbers
//! (`/proc/devices`, through fs/char_dev), the `tty` class devices
//! (`/sys/class/tty/<name>`), `/proc/tty/drivers` and, for a driver with a
//! `proc_show`, `/proc/tty/driver/<driver_name>` (fs/proc/proc_tty.c).
//!
//! What Debian's kernel registers at boot on a machine without the
//! modules' hardware is there from the start: the `tty` class with the
//! devices `tty`, `console`, `ptmx`, `tty0` and the virtual consoles
//! `tty1`..`tty63`, and the built-in drivers of `/proc/tty/drivers`
//! (the vt console, the Unix98 pty master and slave, the 8250 serial
//! driver). The 8250 ports' devices (`ttyS0`.., children of platform and
//! PNP devices) are not modelled.

use std::sync::{Mutex, MutexGuard};

use super::{
    cstr, err_ptr, is_err_or_null, kcalloc, kfree, kzalloc, rd16, rd32, rd64, wr32, wr64, EINVAL,
    ENOMEM,
};
use crate::drivers::base::core;
use crate::fs::{char_dev, kernfs};
use crate::layout::{ktermios, tty_driver as td, tty_std};

pub(crate) const TTY_DRIVER_INSTALLED: u64 = 0x0001;
pub(crate) const TTY_DRIVER_REAL_RAW: u64 = 0x0004;
pub(crate) const TTY_DRIVER_DYNAMIC_DEV: u64 = 0x0008;
pub(crate) const TTY_DRIVER_DEVPTS_MEM: u64 = 0x0010;
pub(crate) const TTY_DRIVER_DYNAMIC_ALLOC: u64 = 0x0040;
pub(crate) const TTY_DRIVER_UNNUMBERED_NODE: u64 = 0x0080;
pub(crate) const TTY_DRIVER_RESET_SAVED_TERMIOS: u64 = 0x0200;

const TTY_DRIVER_TYPE_SYSTEM: u16 = 1;
const TTY_DRIVER_TYPE_CONSOLE: u16 = 2;
pub(crate) const TTY_DRIVER_TYPE_SERIAL: u16 = 3;
const TTY_DRIVER_TYPE_PTY: u16 = 4;
const SYSTEM_TYPE_TTY: u16 = 1;
const SYSTEM_TYPE_CONSOLE: u16 = 2;
const SYSTEM_TYPE_SYSCONS: u16 = 3;
const PTY_TYPE_MASTER: u16 = 1;
const PTY_TYPE_SLAVE: u16 = 2;

const TTY_MAJOR: u32 = 4;
const TTYAUX_MAJOR: u32 = 5;
const MINORBITS: u32 = 20;

fn mkdev(major: u32, minor: u32) -> u32 {
    (major << MINORBITS) | (minor & ((1 << MINORBITS) - 1))
}

/// A row of `/proc/tty/drivers`: a module's driver or one built into
/// Debian's kernel.
#[derive(Clone, Copy)]
enum Entry {
    Driver(u64),
    Builtin(&'static Builtin),
}

struct Builtin {
    driver_name: Option<&'static str>,
    name: &'static str,
    major: u32,
    minor_start: u32,
    num: u32,
    ty: u16,
    subtype: u16,
}

/// The tty drivers Debian's kernel registers at boot, newest first (the
/// order of the `tty_drivers` list): serial8250 (`UART_NR` =
/// CONFIG_SERIAL_8250_NR_UARTS = 32 lines), the Unix98 ptys (slave after
/// master, `NR_UNIX98_PTY_MAX` lines each) and the vt console driver
/// (`MAX_NR_CONSOLES` lines from minor 1, no driver_name).
static BUILTIN: [Builtin; 4] = [
    Builtin {
        driver_name: Some("serial"),
        name: "ttyS",
        major: TTY_MAJOR,
        minor_start: 64,
        num: 32,
        ty: TTY_DRIVER_TYPE_SERIAL,
        subtype: 1,
    },
    Builtin {
        driver_name: Some("pty_slave"),
        name: "pts",
        major: 136,
        minor_start: 0,
        num: 1 << MINORBITS,
        ty: TTY_DRIVER_TYPE_PTY,
        subtype: PTY_TYPE_SLAVE,
    },
    Builtin {
        driver_name: Some("pty_master"),
        name: "ptm",
        major: 128,
        minor_start: 0,
        num: 1 << MINORBITS,
        ty: TTY_DRIVER_TYPE_PTY,
        subtype: PTY_TYPE_MASTER,
    },
    Builtin {
        driver_name: None,
        name: "tty",
        major: TTY_MAJOR,
        minor_start: 1,
        num: 63,
        ty: TTY_DRIVER_TYPE_CONSOLE,
        subtype: 0,
    },
];

struct State {
    /// The `tty` class (`tty_class`).
    class: u64,
    /// The host's `tty_fops` (what the cdevs of tty drivers point at).
    tty_fops: u64,
    /// Drivers from `__tty_alloc_driver` not yet destroyed.
    allocated: Vec<u64>,
    /// The `tty_drivers` list, newest first.
    list: Vec<Entry>,
}

static STATE: Mutex<State> = Mutex::new(State {
    class: 0,
    tty_fops: 0,
    allocated: Vec::new(),
    list: Vec::new(),
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The `tty` class.
pub(crate) fn tty_class() -> u64 {
    state().class
}

// ---------------------------------------------------------------------------
// tty_std_termios and boot

crate::export_data!("tty_std_termios", size ktermios::SIZE, align 8, init = boot);

/// Writes Linux's `tty_std_termios` (ICRNL|IXON, OPOST|ONLCR,
/// B38400|CS8|CREAD|HUPCL, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN,
/// `INIT_C_CC`, 38400 baud, line 0) into `t`.
pub(crate) fn write_std_termios(t: u64) {
    super::zero(t, ktermios::SIZE);
    wr32(t + ktermios::c_iflag, tty_std::c_iflag as u32);
    wr32(t + ktermios::c_oflag, tty_std::c_oflag as u32);
    wr32(t + ktermios::c_cflag, tty_std::c_cflag as u32);
    wr32(t + ktermios::c_lflag, tty_std::c_lflag as u32);
    wr32(t + ktermios::c_ispeed, tty_std::speed as u32);
    wr32(t + ktermios::c_ospeed, tty_std::speed as u32);
    // INIT_C_CC (include/linux/termios_internal.h): ^C ^\ DEL ^U ^D ^Q ^S
    // ^Z ^R ^O ^W ^V, VMIN 1 (x86 has no VDSUSP)
    let ctrl = |c: u8| c - 0x40;
    let cc = [
        (tty_std::VINTR, ctrl(b'C')),
        (tty_std::VQUIT, ctrl(b'\\')),
        (tty_std::VERASE, 0o177),
        (tty_std::VKILL, ctrl(b'U')),
        (tty_std::VEOF, ctrl(b'D')),
        (tty_std::VSTART, ctrl(b'Q')),
        (tty_std::VSTOP, ctrl(b'S')),
        (tty_std::VSUSP, ctrl(b'Z')),
        (tty_std::VREPRINT, ctrl(b'R')),
        (tty_std::VDISCARD, ctrl(b'O')),
        (tty_std::VWERASE, ctrl(b'W')),
        (tty_std::VLNEXT, ctrl(b'V')),
        (tty_std::VMIN, 1),
    ];
    for (i, v) in cc {
        if i < tty_std::NCCS {
            super::wr8(t + ktermios::c_cc + i, v);
        }
    }
}

/// Boot: `tty_std_termios`, the `tty` class and its built-in devices
/// (tty_init, vty_init, unix98_pty_init), `/proc/tty` (proc_tty_init) and
/// the N_TTY line discipline.
fn boot(addr: u64, b: &crate::vmlinux::Builder) {
    write_std_termios(addr);
    let cls = crate::drivers::base::class::register_builtin(c"tty");
    {
        let mut s = state();
        s.class = cls;
        // tty_fops: the host has no file layer, nothing opens a tty
        s.tty_fops = kzalloc(crate::layout::file_operations::SIZE);
        s.list = BUILTIN.iter().map(Entry::Builtin).collect();
    }
    core::create(cls, 0, mkdev(TTYAUX_MAJOR, 0), 0, 0, "tty");
    core::create(cls, 0, mkdev(TTYAUX_MAJOR, 1), 0, 0, "console");
    core::create(cls, 0, mkdev(TTY_MAJOR, 0), 0, 0, "tty0");
    for i in 1..=63 {
        core::create(cls, 0, mkdev(TTY_MAJOR, i), 0, 0, &format!("tty{i}"));
    }
    core::create(cls, 0, mkdev(TTYAUX_MAJOR, 2), 0, 0, "ptmx");
    // proc_tty_init: /proc/tty/{ldisc,driver} and the two seq files
    crate::fs::proc::proc_mkdir(c"tty/ldisc".as_ptr() as u64, 0);
    let drv = crate::fs::proc::proc_mkdir_mode(c"tty/driver".as_ptr() as u64, 0o500, 0);
    PROC_TTY_DRIVER.store(drv, std::sync::atomic::Ordering::Release);
    kernfs::add_file("/proc/tty/ldiscs", super::tty_ldisc::proc_ldiscs);
    kernfs::add_file("/proc/tty/drivers", proc_drivers);
    super::tty_ldisc::boot();
    super::serdev::boot(b);
}

/// `proc_tty_driver`: the entry of `/proc/tty/driver`.
static PROC_TTY_DRIVER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// ---------------------------------------------------------------------------
// /proc/tty/drivers (fs/proc/proc_tty.c)

struct Row {
    driver_name: Option<String>,
    name: String,
    major: u32,
    minor_start: u32,
    num: u32,
    ty: u16,
    subtype: u16,
}

fn row(e: Entry) -> Row {
    match e {
        Entry::Builtin(b) => Row {
            driver_name: b.driver_name.map(str::to_string),
            name: b.name.into(),
            major: b.major,
            minor_start: b.minor_start,
            num: b.num,
            ty: b.ty,
            subtype: b.subtype,
        },
        Entry::Driver(d) => Row {
            driver_name: cstr(rd64(d + td::driver_name)),
            name: cstr(rd64(d + td::name)).unwrap_or_else(|| "(null)".into()),
            major: rd32(d + td::major),
            minor_start: rd32(d + td::minor_start),
            num: rd32(d + td::num),
            ty: rd16(d + td::r#type),
            subtype: rd16(d + td::subtype),
        },
    }
}

/// `show_tty_range`.
fn show_range(out: &mut String, p: &Row, from: u64, num: u64) {
    let (major, minor) = (
        (from >> MINORBITS) as u32,
        (from & ((1 << MINORBITS) - 1)) as u32,
    );
    out.push_str(&format!(
        "{:<20} ",
        p.driver_name.as_deref().unwrap_or("unknown")
    ));
    out.push_str(&format!("/dev/{:<8} ", p.name));
    if p.num > 1 {
        out.push_str(&format!(
            "{major:3} {minor}-{} ",
            (minor as u64 + num).wrapping_sub(1) as u32 as i32
        ));
    } else {
        out.push_str(&format!("{major:3} {minor:7} "));
    }
    match p.ty {
        TTY_DRIVER_TYPE_SYSTEM => {
            out.push_str("system");
            match p.subtype {
                SYSTEM_TYPE_TTY => out.push_str(":/dev/tty"),
                SYSTEM_TYPE_SYSCONS => out.push_str(":console"),
                SYSTEM_TYPE_CONSOLE => out.push_str(":vtmaster"),
                _ => {}
            }
        }
        TTY_DRIVER_TYPE_CONSOLE => out.push_str("console"),
        TTY_DRIVER_TYPE_SERIAL => out.push_str("serial"),
        TTY_DRIVER_TYPE_PTY => out.push_str(match p.subtype {
            PTY_TYPE_MASTER => "pty:master",
            PTY_TYPE_SLAVE => "pty:slave",
            _ => "pty",
        }),
        t => out.push_str(&format!("type:{}.{}", t as i16, p.subtype as i16)),
    }
    out.push('\n');
}

/// `/proc/tty/drivers`: the pseudo drivers, then each driver of the list
/// split at major boundaries.
fn proc_drivers() -> Vec<u8> {
    let list = state().list.clone();
    let mut out = String::new();
    for (i, e) in list.into_iter().enumerate() {
        if i == 0 {
            out.push_str(&format!(
                "{:<20} /dev/{:<8} {:3} {:7} system:/dev/tty\n",
                "/dev/tty", "tty", TTYAUX_MAJOR, 0
            ));
            out.push_str(&format!(
                "{:<20} /dev/{:<8} {:3} {:7} system:console\n",
                "/dev/console", "console", TTYAUX_MAJOR, 1
            ));
            out.push_str(&format!(
                "{:<20} /dev/{:<8} {:3} {:7} system\n",
                "/dev/ptmx", "ptmx", TTYAUX_MAJOR, 2
            ));
            out.push_str(&format!(
                "{:<20} /dev/{:<8} {:3} {:7} system:vtmaster\n",
                "/dev/vc/0", "vc/0", TTY_MAJOR, 0
            ));
        }
        let p = row(e);
        // dev_t arithmetic in 32 bits, as Linux's
        let mut from = mkdev(p.major, p.minor_start) as u64;
        let to = (from as u32).wrapping_add(p.num) as u64;
        while (from >> MINORBITS) < (to >> MINORBITS) {
            let next = (((from >> MINORBITS) + 1) << MINORBITS) & 0xffff_ffff;
            show_range(&mut out, &p, from, next.wrapping_sub(from));
            if next == 0 {
                break;
            }
            from = next;
        }
        if from != to {
            show_range(&mut out, &p, from, to.wrapping_sub(from));
        }
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------
// Drivers

fn flags(d: u64) -> u64 {
    rd64(d + td::flags)
}

fn num(d: u64) -> u32 {
    rd32(d + td::num)
}

fn base_devt(d: u64) -> u32 {
    mkdev(rd32(d + td::major), rd32(d + td::minor_start))
}

crate::kfn! {
    /// `__tty_alloc_driver(lines, owner, flags)`: a driver with one
    /// reference and its per-line arrays; ERR_PTR(-EINVAL) for no lines
    /// or an unnumbered node with several, ERR_PTR(-ENOMEM).
    fn __tty_alloc_driver(lines: u32, owner: u64, flags: u64) -> u64 {
        if lines == 0 || (flags & TTY_DRIVER_UNNUMBERED_NODE != 0 && lines > 1) {
            return err_ptr(EINVAL);
        }
        let d = kzalloc(td::SIZE);
        if d == 0 {
            return err_ptr(ENOMEM);
        }
        wr32(d + td::kref, 1);
        wr32(d + td::num, lines);
        wr64(d + td::owner, owner);
        wr64(d + td::flags, flags);
        let n = lines as u64;
        let mut ok = true;
        if flags & TTY_DRIVER_DEVPTS_MEM == 0 {
            let ttys = kcalloc(n, 8);
            let termios = kcalloc(n, 8);
            wr64(d + td::ttys, ttys);
            wr64(d + td::termios, termios);
            ok &= ttys != 0 && termios != 0;
        }
        let mut cdevs = 1;
        if ok && flags & TTY_DRIVER_DYNAMIC_ALLOC == 0 {
            let ports = kcalloc(n, 8);
            wr64(d + td::ports, ports);
            ok &= ports != 0;
            cdevs = n;
        }
        if ok {
            let c = kcalloc(cdevs, 8);
            wr64(d + td::cdevs, c);
            ok &= c != 0;
        }
        if !ok {
            free_arrays(d);
            return err_ptr(ENOMEM);
        }
        state().allocated.push(d);
        d
    }
}

fn free_arrays(d: u64) {
    for f in [td::cdevs, td::ports, td::termios, td::ttys] {
        kfree(rd64(d + f));
        wr64(d + f, 0);
    }
    kfree(d);
}

/// `tty_cdev_add`: a cdev for `count` numbers from `dev`, kept in
/// `driver->cdevs[index]`.
fn cdev_add(d: u64, dev: u32, index: u32, count: u32) -> i32 {
    let fops = state().tty_fops;
    let cd = char_dev::cdev_alloc();
    let slot = rd64(d + td::cdevs) + 8 * index as u64;
    wr64(slot, cd);
    if cd == 0 {
        return ENOMEM;
    }
    wr64(cd + crate::layout::cdev::ops, fops);
    wr64(cd + crate::layout::cdev::owner, rd64(d + td::owner));
    let e = char_dev::cdev_add(cd, dev, count);
    if e != 0 {
        char_dev::cdev_del(cd);
    }
    e
}

crate::kfn! {
    /// `tty_register_driver(driver)`: its device numbers (a dynamic major
    /// when `major` is 0), its devices unless TTY_DRIVER_DYNAMIC_DEV, its
    /// `/proc/tty` entries. 0 or -errno.
    fn tty_register_driver(d: u64) -> i32 {
        let name = rd64(d + td::name);
        let n = num(d);
        let dev;
        if rd32(d + td::major) == 0 {
            let mut out: u32 = 0;
            let e = char_dev::alloc_chrdev_region(&mut out as *mut u32 as u64, rd32(d + td::minor_start), n, name);
            if e < 0 {
                return e;
            }
            dev = out;
            wr32(d + td::major, dev >> MINORBITS);
            wr32(d + td::minor_start, dev & ((1 << MINORBITS) - 1));
        } else {
            dev = base_devt(d);
            let e = char_dev::register_chrdev_region(dev, n, name);
            if e < 0 {
                return e;
            }
        }
        if flags(d) & TTY_DRIVER_DYNAMIC_ALLOC != 0 {
            let e = cdev_add(d, dev, 0, n);
            if e != 0 {
                char_dev::unregister_chrdev_region(dev, n);
                return e;
            }
        }
        state().list.insert(0, Entry::Driver(d));
        if flags(d) & TTY_DRIVER_DYNAMIC_DEV == 0 {
            for i in 0..n {
                let r = tty_register_device(d, i, 0);
                if is_err_or_null(r) {
                    for j in (0..i).rev() {
                        tty_unregister_device(d, j);
                    }
                    list_del(d);
                    char_dev::unregister_chrdev_region(dev, n);
                    return r as i64 as i32;
                }
            }
        }
        proc_register(d);
        wr64(d + td::flags, flags(d) | TTY_DRIVER_INSTALLED);
        0
    }
}

fn list_del(d: u64) {
    state()
        .list
        .retain(|e| !matches!(e, Entry::Driver(x) if *x == d));
}

/// `proc_tty_register_driver`: `/proc/tty/driver/<driver_name>` served by
/// the driver's `proc_show`.
fn proc_register(d: u64) {
    let ops = rd64(d + td::ops);
    let driver_name = rd64(d + td::driver_name);
    if driver_name == 0 || rd64(d + td::proc_entry) != 0 || ops == 0 {
        return;
    }
    let show = rd64(ops + crate::layout::tty_operations::proc_show);
    if show == 0 {
        return;
    }
    let parent = PROC_TTY_DRIVER.load(std::sync::atomic::Ordering::Acquire);
    let ent = crate::fs::proc::proc_create_single_data(driver_name, 0, parent, show, d);
    wr64(d + td::proc_entry, ent);
}

/// `proc_tty_unregister_driver`.
fn proc_unregister(d: u64) {
    let ent = rd64(d + td::proc_entry);
    if ent != 0 {
        crate::fs::proc::proc_remove(ent);
        wr64(d + td::proc_entry, 0);
    }
}

crate::kfn! {
    /// `tty_unregister_driver(driver)`: releases its device numbers and
    /// takes it off the driver list (its devices and cdevs go with the
    /// last reference).
    fn tty_unregister_driver(d: u64) {
        char_dev::unregister_chrdev_region(base_devt(d), num(d));
        list_del(d);
    }
}

crate::kfn! {
    /// `tty_driver_kref_put(driver)`: drops a reference; the last one
    /// destroys the driver (its devices, `/proc/tty/driver` entry, cdevs,
    /// arrays).
    fn tty_driver_kref_put(d: u64) {
        // SAFETY: kref (refcount_t) of a driver from __tty_alloc_driver.
        let r = unsafe { &*((d + td::kref) as *const std::sync::atomic::AtomicU32) };
        let old = r.fetch_update(std::sync::atomic::Ordering::AcqRel, std::sync::atomic::Ordering::Acquire, |v| (v != 0).then(|| v - 1));
        match old {
            Ok(1) => destruct(d),
            Ok(_) => {}
            Err(_) => crate::log::kernel_msg(4, "refcount_t: underflow; use-after-free."),
        }
    }
}

/// `destruct_tty_driver`.
fn destruct(d: u64) {
    let f = flags(d);
    if f & TTY_DRIVER_INSTALLED != 0 {
        let termios = rd64(d + td::termios);
        for i in 0..num(d) {
            if termios != 0 {
                let slot = termios + 8 * i as u64;
                kfree(rd64(slot));
                wr64(slot, 0);
            }
            if f & TTY_DRIVER_DYNAMIC_DEV == 0 {
                tty_unregister_device(d, i);
            }
        }
        proc_unregister(d);
        if f & TTY_DRIVER_DYNAMIC_ALLOC != 0 {
            char_dev::cdev_del(rd64(rd64(d + td::cdevs)));
        }
    }
    {
        let mut s = state();
        s.allocated.retain(|&x| x != d);
        s.list.retain(|e| !matches!(e, Entry::Driver(x) if *x == d));
    }
    free_arrays(d);
}

// ---------------------------------------------------------------------------
// Devices

/// `tty_line_name` / `pty_line_name`: the device name of a line.
fn line_name(d: u64, index: u32) -> String {
    let name = cstr(rd64(d + td::name)).unwrap_or_else(|| "(null)".into());
    let i = (index as i32).wrapping_add(rd32(d + td::name_base) as i32);
    if rd16(d + td::r#type) == TTY_DRIVER_TYPE_PTY {
        const PTYCHAR: &[u8; 16] = b"pqrstuvwxyzabcde";
        let pre = if rd16(d + td::subtype) == PTY_TYPE_SLAVE {
            "tty".to_string()
        } else {
            name
        };
        return format!(
            "{pre}{}{:x}",
            PTYCHAR[((i >> 4) & 0xf) as usize] as char,
            i & 0xf
        );
    }
    if flags(d) & TTY_DRIVER_UNNUMBERED_NODE != 0 {
        name
    } else {
        format!("{name}{i}")
    }
}

crate::kfn! {
    /// `tty_register_device(driver, index, device)`.
    fn tty_register_device(d: u64, index: u32, device: u64) -> u64 {
        tty_register_device_attr(d, index, device, 0, 0)
    }
}

crate::kfn! {
    /// `tty_register_device_attr(driver, index, device, drvdata,
    /// attr_grp)`: the class device of line `index` (`/sys/class/tty/<name>`)
    /// and, unless TTY_DRIVER_DYNAMIC_ALLOC, its cdev. The device or
    /// ERR_PTR(-EINVAL) for a line out of range, -EEXIST for a taken name.
    fn tty_register_device_attr(d: u64, index: u32, device: u64, drvdata: u64, attr_grp: u64) -> u64 {
        if index >= num(d) {
            let name = cstr(rd64(d + td::name)).unwrap_or_else(|| "(null)".into());
            crate::log::kernel_msg(3, &format!("{name}: Attempt to register invalid tty line number ({})", index as i32));
            return err_ptr(EINVAL);
        }
        let devt = base_devt(d).wrapping_add(index);
        // dev_set_name: a '/' in a kobject name becomes '!'
        let name = line_name(d, index).replace('/', "!");
        let dev = core::create(tty_class(), device, devt, drvdata, attr_grp, &name);
        if is_err_or_null(dev) {
            return dev;
        }
        if flags(d) & TTY_DRIVER_DYNAMIC_ALLOC == 0 {
            // a reused minor starts from the driver's termios again when
            // the driver asks for it (TTY_DRIVER_RESET_SAVED_TERMIOS, as
            // Debian's tty_driver.h documents it)
            let termios = rd64(d + td::termios);
            if termios != 0 && flags(d) & TTY_DRIVER_RESET_SAVED_TERMIOS != 0 {
                let slot = termios + 8 * index as u64;
                kfree(rd64(slot));
                wr64(slot, 0);
            }
            let e = cdev_add(d, devt, index, 1);
            if e != 0 {
                core::device_unregister(dev);
                return err_ptr(e);
            }
        }
        dev
    }
}

crate::kfn! {
    /// `tty_unregister_device(driver, index)`: removes the line's class
    /// device and cdev.
    fn tty_unregister_device(d: u64, index: u32) {
        core::device_destroy(tty_class(), base_devt(d).wrapping_add(index));
        if flags(d) & TTY_DRIVER_DYNAMIC_ALLOC == 0 {
            let cdevs = rd64(d + td::cdevs);
            if cdevs != 0 && index < num(d) {
                let slot = cdevs + 8 * index as u64;
                char_dev::cdev_del(rd64(slot));
                wr64(slot, 0);
            }
        }
    }
}

// ---------------------------------------------------------------------------

/// A module whose memory goes away no longer names its drivers: the ones
/// it left registered (an init that failed half-way) leave the driver
/// list, so the views never read freed strings.
fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let mut s = state();
    let gone: Vec<u64> = s
        .allocated
        .iter()
        .copied()
        .filter(|&d| {
            inside(rd64(d + td::owner))
                || inside(rd64(d + td::name))
                || inside(rd64(d + td::driver_name))
        })
        .collect();
    s.list
        .retain(|e| !matches!(e, Entry::Driver(x) if gone.contains(x)));
    s.allocated.retain(|d| !gone.contains(d));
}
crate::purge_on_module_free!(purge);

/// The drivers on the list (tests): (driver_name, name, major, minor_start, num).
pub fn registered() -> Vec<(Option<String>, String, u32, u32, u32)> {
    let list = state().list.clone();
    list.into_iter()
        .filter(|e| matches!(e, Entry::Driver(_)))
        .map(|e| {
            let r = row(e);
            (r.driver_name, r.name, r.major, r.minor_start, r.num)
        })
        .collect()
}

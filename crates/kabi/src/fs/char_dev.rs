//! fs/char_dev.c: character device numbers (`register_chrdev_region`,
//! `alloc_chrdev_region`, `__register_chrdev`, ...) and `struct cdev`
//! (`cdev_init`, `cdev_alloc`, `cdev_add`, `cdev_del`), with
//! `/proc/devices`.
//!
//! The regions of the character drivers built into Debian's kernel with
//! fixed majors are there from boot (mem, tty, ttyS, vcs, misc, input, fb,
//! ptm, pts). Built-in drivers that take a dynamic major at boot on Linux
//! (bsg, rtc, tpm, ...) are not modelled: the first dynamic major handed
//! out here is 254, as on a kernel without them.

use std::sync::{Mutex, MutexGuard, RwLock};

use crate::drivers::base::{cstr, kfree, kzalloc, rd64, wr32, wr64};
use crate::layout::{cdev, kobject, list_head};

/// `CHRDEV_MAJOR_MAX`, `CHRDEV_MAJOR_HASH_SIZE`, the dynamic ranges.
const CHRDEV_MAJOR_MAX: u32 = 512;
const CHRDEV_MAJOR_HASH_SIZE: u32 = 255;
const CHRDEV_MAJOR_DYN_END: u32 = 234;
const CHRDEV_MAJOR_DYN_EXT_START: u32 = 511;
const CHRDEV_MAJOR_DYN_EXT_END: u32 = 384;
const MINORBITS: u32 = 20;
const MINORMASK: u32 = (1 << MINORBITS) - 1;

const EINVAL: i32 = -22;
const EBUSY: i32 = -16;

fn mkdev(major: u32, minor: u32) -> u32 {
    (major << MINORBITS) | minor
}

struct Region {
    major: u32,
    baseminor: u32,
    minorct: u32,
    /// `name[64]`, a copy.
    name: String,
    /// The cdev of `__register_chrdev` (host-owned).
    cdev: u64,
}

struct Chrdevs {
    booted: bool,
    regions: Vec<Region>,
}

static CHRDEVS: Mutex<Chrdevs> = Mutex::new(Chrdevs {
    booted: false,
    regions: Vec::new(),
});

/// Built-in regions: (major, baseminor, count, name), in registration order.
const BUILTIN: &[(u32, u32, u32, &str)] = &[
    (1, 0, 256, "mem"),
    (4, 0, 1, "/dev/vc/0"),
    (4, 1, 63, "tty"),
    (4, 64, 32, "ttyS"),
    (5, 0, 1, "/dev/tty"),
    (5, 1, 1, "/dev/console"),
    (5, 2, 1, "/dev/ptmx"),
    (7, 0, 256, "vcs"),
    (10, 0, 256, "misc"),
    (13, 0, 1024, "input"),
    (29, 0, 256, "fb"),
    (128, 0, 1 << 20, "ptm"),
    (136, 0, 1 << 20, "pts"),
];

/// Sets up the built-in regions and `/proc/devices` (at boot).
pub(crate) fn boot() {
    drop(chrdevs());
}

fn chrdevs() -> MutexGuard<'static, Chrdevs> {
    let mut c = CHRDEVS.lock().unwrap_or_else(|e| e.into_inner());
    if !c.booted {
        c.booted = true;
        for &(major, baseminor, minorct, name) in BUILTIN {
            c.regions.push(Region {
                major,
                baseminor,
                minorct,
                name: name.into(),
                cdev: 0,
            });
        }
        crate::fs::kernfs::add_file("/proc/devices", proc_devices);
    }
    c
}

/// What `/proc/devices` shows after its character part: the block layer
/// installs its part (`Block devices:` and the list).
pub type BlockDevicesShow = fn() -> String;
static BLOCK_SHOW: RwLock<Option<BlockDevicesShow>> = RwLock::new(None);

/// Installs the block half of `/proc/devices`.
pub fn set_block_devices_show(f: BlockDevicesShow) {
    *BLOCK_SHOW.write().unwrap_or_else(|e| e.into_inner()) = Some(f);
}

/// `/proc/devices`: chrdev_show for each major in order, then the block
/// devices.
fn proc_devices() -> Vec<u8> {
    let mut out = String::from("Character devices:\n");
    {
        let c = chrdevs();
        let mut v: Vec<&Region> = c.regions.iter().collect();
        // chrdev_show walks majors in order; a hash chain keeps regions
        // of a major sorted by base minor
        v.sort_by_key(|r| (r.major, r.baseminor));
        for r in v {
            out.push_str(&format!("{:3} {}\n", r.major, r.name));
        }
    }
    out.push('\n');
    match *BLOCK_SHOW.read().unwrap_or_else(|e| e.into_inner()) {
        Some(f) => out.push_str(&f()),
        None => out.push_str("Block devices:\n"),
    }
    out.into_bytes()
}

fn find_dynamic_major(c: &Chrdevs) -> Option<u32> {
    let bucket_empty = |i: u32| {
        !c.regions
            .iter()
            .any(|r| r.major % CHRDEV_MAJOR_HASH_SIZE == i)
    };
    for i in (CHRDEV_MAJOR_DYN_END..CHRDEV_MAJOR_HASH_SIZE).rev() {
        if bucket_empty(i) {
            return Some(i);
        }
    }
    (CHRDEV_MAJOR_DYN_EXT_END..=CHRDEV_MAJOR_DYN_EXT_START)
        .rev()
        .find(|&i| !c.regions.iter().any(|r| r.major == i))
}

/// `__register_chrdev_region`: the region's (major, baseminor) or -errno.
fn register_region(
    major: u32,
    baseminor: u32,
    minorct: u32,
    name: &str,
) -> Result<(u32, u32), i32> {
    if major >= CHRDEV_MAJOR_MAX {
        crate::log::kernel_msg(
            3,
            &format!(
                "CHRDEV \"{name}\" major requested ({major}) is greater than the maximum ({})",
                CHRDEV_MAJOR_MAX - 1
            ),
        );
        return Err(EINVAL);
    }
    if minorct > MINORMASK + 1 - baseminor.min(MINORMASK + 1) {
        crate::log::kernel_msg(
            3,
            &format!(
                "CHRDEV \"{name}\" minor range requested ({baseminor}-{}) is out of range of maximum range (0-{MINORMASK}) for a single major",
                baseminor.wrapping_add(minorct).wrapping_sub(1)
            ),
        );
        return Err(EINVAL);
    }
    let mut c = chrdevs();
    let major = if major == 0 {
        match find_dynamic_major(&c) {
            Some(m) => m,
            None => {
                drop(c);
                crate::log::kernel_msg(
                    3,
                    &format!("CHRDEV \"{name}\" dynamic allocation region is full"),
                );
                return Err(EBUSY);
            }
        }
    } else {
        major
    };
    let end = baseminor as u64 + minorct as u64;
    if c.regions.iter().any(|r| {
        r.major == major
            && (r.baseminor as u64 + r.minorct as u64) > baseminor as u64
            && (r.baseminor as u64) < end
    }) {
        return Err(EBUSY);
    }
    // name[64]: strscpy keeps 63 bytes
    let mut name = name.to_string();
    while name.len() > 63 {
        name.pop();
    }
    c.regions.push(Region {
        major,
        baseminor,
        minorct,
        name,
        cdev: 0,
    });
    Ok((major, baseminor))
}

/// `__unregister_chrdev_region`: removes the exact region; its cdev.
fn unregister_region(major: u32, baseminor: u32, minorct: u32) -> Option<u64> {
    let mut c = chrdevs();
    let i = c
        .regions
        .iter()
        .position(|r| r.major == major && r.baseminor == baseminor && r.minorct == minorct)?;
    Some(c.regions.remove(i).cdev)
}

fn name_of(p: u64) -> String {
    cstr(p).unwrap_or_else(|| "(null)".into())
}

crate::kfn! {
    /// `register_chrdev_region(from, count, name)`: the numbers
    /// `from..from+count`, split per major; -EBUSY if any part is taken
    /// (the parts already registered are released again).
    fn register_chrdev_region(from: u32, count: u32, name: u64) -> i32 {
        let name = name_of(name);
        let to = from.wrapping_add(count);
        let mut n = from;
        while n < to {
            let next = mkdev((n >> MINORBITS) + 1, 0).min(to);
            if let Err(e) = register_region(n >> MINORBITS, n & MINORMASK, next - n, &name) {
                let fail_at = n;
                let mut m = from;
                while m < fail_at {
                    let next = mkdev((m >> MINORBITS) + 1, 0);
                    unregister_region(m >> MINORBITS, m & MINORMASK, next.min(fail_at).wrapping_sub(m));
                    m = next;
                }
                return e;
            }
            n = next;
        }
        0
    }
}

crate::kfn! {
    /// `alloc_chrdev_region(dev, baseminor, count, name)`: a dynamic major;
    /// the first number goes to `*dev`.
    fn alloc_chrdev_region(dev: u64, baseminor: u32, count: u32, name: u64) -> i32 {
        match register_region(0, baseminor, count, &name_of(name)) {
            Ok((major, base)) => {
                wr32(dev, mkdev(major, base));
                0
            }
            Err(e) => e,
        }
    }
}

crate::kfn! {
    /// `unregister_chrdev_region(from, count)`.
    fn unregister_chrdev_region(from: u32, count: u32) {
        let to = from.wrapping_add(count);
        let mut n = from;
        while n < to {
            let next = mkdev((n >> MINORBITS) + 1, 0).min(to);
            unregister_region(n >> MINORBITS, n & MINORMASK, next - n);
            n = next;
        }
    }
}

crate::kfn! {
    /// `__register_chrdev(major, baseminor, count, name, fops)`: a region
    /// and a cdev for it. 0, or the dynamic major when `major` is 0.
    fn __register_chrdev(major: u32, baseminor: u32, count: u32, name: u64, fops: u64) -> i32 {
        let (m, _) = match register_region(major, baseminor, count, &name_of(name)) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let cd = cdev_alloc();
        if cd == 0 {
            unregister_region(m, baseminor, count);
            return -12;
        }
        wr64(cd + cdev::owner, if fops != 0 { rd64(fops + crate::layout::file_operations::owner) } else { 0 });
        wr64(cd + cdev::ops, fops);
        cdev_add(cd, mkdev(m, baseminor), count);
        let mut c = chrdevs();
        if let Some(r) = c.regions.iter_mut().find(|r| r.major == m && r.baseminor == baseminor && r.minorct == count) {
            r.cdev = cd;
        }
        if major != 0 { 0 } else { m as i32 }
    }
}

crate::kfn! {
    /// `__unregister_chrdev(major, baseminor, count, name)`.
    fn __unregister_chrdev(major: u32, baseminor: u32, count: u32, _name: u64) {
        if let Some(cd) = unregister_region(major, baseminor, count) {
            if cd != 0 {
                cdev_del(cd);
            }
        }
    }
}

/// Mapped cdevs: (cdev, first number, count, allocated by cdev_alloc).
struct Cdev {
    addr: u64,
    dynamic: bool,
    mapped: Option<(u32, u32)>,
}

static CDEVS: Mutex<Vec<Cdev>> = Mutex::new(Vec::new());

fn cdevs() -> MutexGuard<'static, Vec<Cdev>> {
    CDEVS.lock().unwrap_or_else(|e| e.into_inner())
}

/// `kobject_init` of the cdev's embedded kobject: a list of its own, one
/// reference.
fn kobject_init(k: u64) {
    wr64(k + kobject::entry + list_head::next, k + kobject::entry);
    wr64(k + kobject::entry + list_head::prev, k + kobject::entry);
    wr32(k + kobject::kref, 1);
}

crate::kfn! {
    /// `cdev_init(cdev, fops)`: zeroes the cdev, sets up its list and
    /// kobject, and records the file operations.
    fn cdev_init(cd: u64, fops: u64) {
        // SAFETY: the module's struct cdev.
        unsafe { std::ptr::write_bytes(cd as *mut u8, 0, cdev::SIZE as usize) };
        wr64(cd + cdev::list + list_head::next, cd + cdev::list);
        wr64(cd + cdev::list + list_head::prev, cd + cdev::list);
        kobject_init(cd + cdev::kobj);
        wr64(cd + cdev::ops, fops);
        let mut v = cdevs();
        v.retain(|c| c.addr != cd);
        v.push(Cdev { addr: cd, dynamic: false, mapped: None });
    }
}

crate::kfn! {
    /// `cdev_alloc()`: a zeroed cdev the kernel frees at its last put.
    fn cdev_alloc() -> u64 {
        let cd = kzalloc(cdev::SIZE);
        if cd == 0 {
            return 0;
        }
        wr64(cd + cdev::list + list_head::next, cd + cdev::list);
        wr64(cd + cdev::list + list_head::prev, cd + cdev::list);
        kobject_init(cd + cdev::kobj);
        cdevs().push(Cdev { addr: cd, dynamic: true, mapped: None });
        cd
    }
}

crate::kfn! {
    /// `cdev_add(p, dev, count)`: makes the device numbers live (opening
    /// them reaches `p->ops`). 0.
    fn cdev_add(cd: u64, dev: u32, count: u32) -> i32 {
        wr32(cd + cdev::dev, dev);
        wr32(cd + cdev::count, count);
        let mut v = cdevs();
        match v.iter_mut().find(|c| c.addr == cd) {
            Some(c) => c.mapped = Some((dev, count)),
            // a cdev set up by hand (without cdev_init)
            None => v.push(Cdev { addr: cd, dynamic: false, mapped: Some((dev, count)) }),
        }
        0
    }
}

crate::kfn! {
    /// `cdev_del(p)`: unmaps the numbers and drops the cdev (freeing one
    /// from `cdev_alloc`).
    fn cdev_del(cd: u64) {
        let mut v = cdevs();
        let Some(i) = v.iter().position(|c| c.addr == cd) else { return };
        let c = v.remove(i);
        drop(v);
        if c.dynamic {
            kfree(cd);
        }
    }
}

/// The cdev that serves a device number, if one is mapped.
pub fn cdev_lookup(dev: u32) -> Option<u64> {
    cdevs()
        .iter()
        .find(|c| {
            c.mapped
                .is_some_and(|(d, n)| dev >= d && (dev as u64) < d as u64 + n as u64)
        })
        .map(|c| c.addr)
}

fn purge(start: u64, end: u64) {
    cdevs().retain(|c| !(c.addr >= start && c.addr < end));
}
crate::purge_on_module_free!(purge);

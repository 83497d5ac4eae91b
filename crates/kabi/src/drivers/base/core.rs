//! drivers/base/core.c: the life cycle of `struct device` —
//! `device_initialize`, `dev_set_name`, `device_add`, `device_del`,
//! `device_register`/`device_unregister`, `get_device`/`put_device` (the
//! release through `dev->release`, `type->release` or
//! `class->dev_release`), `device_create`/`device_destroy`, device
//! attribute files, `dev_driver_string` and the `dev_*` printk family.
//!
//! A device's directory is its kobject's, placed as `get_device_parent`
//! places it: a class device without a parent under
//! `/sys/devices/virtual/<class>/`, a class device under a device that has
//! no class in `<parent>/<class>/` (the glue directory), any other device
//! under its parent, else `/sys/devices`. With a class it is linked from
//! `/sys/class/<class>/<name>` (and gets `subsystem`, `device` links); on a
//! bus from `/sys/bus/<bus>/devices/<name>`; with a device number from
//! `/sys/dev/char/<major>:<minor>`. `uevent` reads what `dev_uevent` adds
//! (MAJOR/MINOR/DEVNAME through the type's or class's `devnode`, DEVTYPE,
//! DRIVER, the bus's, class's and type's `uevent`).

use std::sync::{Mutex, MutexGuard, OnceLock};

use super::{cstr, kfree, kzalloc, rd16, rd32, rd64, wr32, wr64};
use crate::abi::RegArgs;
use crate::fs::kernfs;
use crate::layout::{
    bus_type, class, dev_links_info, device, device_attribute, device_driver, device_type, kobject,
    kset,
};
use crate::lib_::kobject as ko;

const EINVAL: i32 = -22;
const ENOMEM: i32 = -12;

/// A device that `device_add` put in sysfs.
pub(crate) struct Device {
    /// The `struct device`.
    pub addr: u64,
    /// Its directory.
    pub dir: String,
    #[allow(dead_code)]
    pub name: String,
    pub parent: u64,
    pub class: u64,
    pub bus: u64,
    pub devt: u32,
    /// Links elsewhere that point at it (removed at device_del).
    pub links: Vec<String>,
}

static DEVICES: Mutex<Vec<Device>> = Mutex::new(Vec::new());

pub(crate) fn devices() -> MutexGuard<'static, Vec<Device>> {
    DEVICES.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn major(devt: u32) -> u32 {
    devt >> 20
}
pub(crate) fn minor(devt: u32) -> u32 {
    devt & 0xfffff
}

// ---------------------------------------------------------------------------
// boot: devices_kset, /sys/devices/virtual, /sys/dev/{char,block}

struct Boot {
    devices_kset: u64,
    virtual_dir: u64,
    dev_char: u64,
    #[allow(dead_code)]
    dev_block: u64,
}

fn boot() -> &'static Boot {
    static B: OnceLock<Boot> = OnceLock::new();
    B.get_or_init(|| {
        ko::boot();
        let ks = kzalloc(kset::SIZE);
        wr64(ks + kset::list, ks + kset::list);
        wr64(ks + kset::list + 8, ks + kset::list);
        let k = ks + kset::kobj;
        ko::init_internal(k);
        wr64(k + kobject::ktype, ko::host_ktypes().kset);
        wr64(k + kobject::name, c"devices".as_ptr() as u64);
        ko::register_builtin(k, "/sys/devices");
        let mk = |name: &'static std::ffi::CStr, parent: u64, path: &str| {
            let k = kzalloc(kobject::SIZE);
            ko::init_internal(k);
            wr64(k + kobject::ktype, ko::host_ktypes().dynamic);
            wr64(k + kobject::name, name.as_ptr() as u64);
            wr64(k + kobject::parent, ko::get(parent));
            ko::register_builtin(k, path);
            k
        };
        let virtual_dir = mk(c"virtual", k, "/sys/devices/virtual");
        let dev = mk(c"dev", 0, "/sys/dev");
        Boot {
            devices_kset: ks,
            virtual_dir,
            dev_char: mk(c"char", dev, "/sys/dev/char"),
            dev_block: mk(c"block", dev, "/sys/dev/block"),
        }
    })
}

/// Whether `ks` is `devices_kset`.
pub(crate) fn is_devices_kset(ks: u64) -> bool {
    ks != 0 && ks == boot().devices_kset
}

/// `sysfs_dev_char_kobj`.
pub(crate) fn dev_char_kobj() -> u64 {
    boot().dev_char
}

/// The release of `device_ktype`, as the address kept in the ktype.
pub(crate) fn device_release_fn() -> u64 {
    device_release_c as *const () as u64
}

extern "C" fn device_release_c(kobj: u64) {
    device_release(kobj)
}

/// The address of the host's `dev_attr_show`.
pub(crate) fn dev_attr_show_fn() -> u64 {
    dev_attr_show_c as *const () as u64
}

extern "C" fn dev_attr_show_c(kobj: u64, attr: u64, buf: u64) -> i64 {
    dev_attr_show(kobj, attr, buf)
}

/// `dev_attr_show`: the device_attribute's show; -EIO without one.
pub(crate) fn dev_attr_show(kobj: u64, attr: u64, buf: u64) -> i64 {
    let show = rd64(attr + device_attribute::show);
    if show == 0 {
        return -5;
    }
    let dev = kobj - device::kobj;
    crate::fault::call_module(show, [dev, attr, buf, 0, 0, 0])
        .map(|r| r as i64)
        .unwrap_or(-14)
}

/// Registers the built-in `platform_bus` device (`/sys/devices/platform`).
pub(crate) fn register_builtin(dev: u64, name: &str) {
    boot();
    initialize(dev);
    ko::set_name(dev + device::kobj, name);
    add(dev);
}

// ---------------------------------------------------------------------------
// names, references, release

/// `dev_name(dev)`.
pub(crate) fn dev_name(dev: u64) -> String {
    let init = rd64(dev + device::init_name);
    if init != 0 {
        return cstr(init).unwrap_or_default();
    }
    ko::name_of(dev + device::kobj).unwrap_or_default()
}

/// `dev_set_name(dev, fmt, ...)`.
extern "C" fn dev_set_name(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    let dev = args.arg(0);
    let fmt = args.arg(1);
    if dev == 0 || fmt == 0 {
        return if dev == 0 { EINVAL } else { 0 };
    }
    // SAFETY: the module's format string.
    let f = unsafe { crate::abi::c_str(fmt, 1 << 12) };
    let name = crate::printf::format(f, &mut args, &crate::kernel::printk::ModuleMemory);
    ko::set_name(dev + device::kobj, &String::from_utf8_lossy(&name))
}
crate::export_variadic!("dev_set_name" => dev_set_name);

pub(crate) fn get(dev: u64) -> u64 {
    if dev == 0 {
        return 0;
    }
    ko::get(dev + device::kobj);
    dev
}

pub(crate) fn put(dev: u64) {
    if dev != 0 {
        ko::put(dev + device::kobj);
    }
}

crate::kfn! {
    /// `get_device(dev)`: dev with a reference (NULL for NULL).
    fn get_device(dev: u64) -> u64 {
        get(dev)
    }
}

crate::kfn! {
    /// `put_device(dev)`: the last reference releases the device.
    fn put_device(dev: u64) {
        put(dev)
    }
}

/// `device_release`: devres, then `dev->release`, `type->release` or
/// `class->dev_release` — or Linux's complaint when none exists — and the
/// private part.
pub(crate) fn device_release(kobj: u64) {
    let dev = kobj - device::kobj;
    let p = rd64(dev + device::p);
    super::devres::release_all(dev);
    let typ = rd64(dev + device::r#type);
    let cls = rd64(dev + device::class);
    let rel = rd64(dev + device::release);
    let name = dev_name(dev);
    if rel != 0 {
        if !super::platform::release_if_ours(rel, dev) {
            crate::fault::call_module(rel, [dev, 0, 0, 0, 0, 0]);
        }
    } else if typ != 0 && rd64(typ + device_type::release) != 0 {
        crate::fault::call_module(rd64(typ + device_type::release), [dev, 0, 0, 0, 0, 0]);
    } else if cls != 0 && rd64(cls + class::dev_release) != 0 {
        crate::fault::call_module(rd64(cls + class::dev_release), [dev, 0, 0, 0, 0, 0]);
    } else {
        ko::warn(&format!("Device '{name}' does not have a release() function, it is broken and must be fixed. See Documentation/core-api/kobject.rst."));
    }
    kfree(p);
}

// ---------------------------------------------------------------------------
// device_initialize

/// `device_initialize`.
pub(crate) fn initialize(dev: u64) {
    let b = boot();
    wr64(dev + device::kobj + kobject::kset, b.devices_kset);
    ko::init(dev + device::kobj, ko::host_ktypes().device);
    let list = |h: u64| {
        wr64(h, h);
        wr64(h + 8, h);
    };
    list(dev + device::dma_pools);
    let m = dev + device::mutex;
    wr64(m, 0);
    wr64(m + 8, 0);
    list(m + crate::layout::mutex::wait_list);
    wr32(dev + device::devres_lock, 0);
    list(dev + device::devres_head);
    wr32(dev + device::power_lock, 0);
    list(dev + device::power_entry);
    wr32(dev + device::numa_node, u32::MAX); // NUMA_NO_NODE
    list(dev + device::links + dev_links_info::consumers);
    list(dev + device::links + dev_links_info::suppliers);
    list(dev + device::links + dev_links_info::defer_sync);
    wr32(dev + device::links + dev_links_info::status, 0); // DL_DEV_NO_DRIVER
}

crate::kfn! {
    /// `device_initialize(dev)`: drivers/base/core.c.
    fn device_initialize(dev: u64) {
        initialize(dev)
    }
}

// ---------------------------------------------------------------------------
// device_add

/// The private block behind `dev->p`.
const PRIVATE_SIZE: u64 = 0x100;

fn class_name(cls: u64) -> Option<String> {
    super::class::class_name(cls).or_else(|| cstr(rd64(cls + class::name)))
}

/// The directory of a device in sysfs.
fn dir_of(dev: u64) -> Option<String> {
    ko::path_of(dev + device::kobj)
}

/// `get_device_parent`: the kobject the device's directory goes under
/// (0: none, the kset's), making a class's glue directory when needed.
fn device_parent(dev: u64, parent: u64) -> Result<u64, i32> {
    let cls = rd64(dev + device::class);
    if cls != 0 {
        let parent_kobj = if parent == 0 {
            boot().virtual_dir
        } else if rd64(parent + device::class) != 0 && rd64(cls + class::ns_type) == 0 {
            return Ok(parent + device::kobj);
        } else {
            parent + device::kobj
        };
        let Some(cn) = class_name(cls) else {
            return Err(EINVAL);
        };
        let Some(base) = ko::path_of(parent_kobj) else {
            return Err(EINVAL);
        };
        let path = format!("{base}/{cn}");
        if let Some(k) = ko::kobject_at(&path) {
            return Ok(ko::get(k));
        }
        // class_dir_create_and_add
        let k = kzalloc(kobject::SIZE);
        if k == 0 {
            return Err(ENOMEM);
        }
        ko::init(k, ko::host_ktypes().glue);
        let e = ko::add_named(k, parent_kobj, Some(&cn));
        if e != 0 {
            ko::put(k);
            return Err(e);
        }
        return Ok(k);
    }
    if parent != 0 {
        return Ok(parent + device::kobj);
    }
    let bus = rd64(dev + device::bus);
    if bus != 0 && rd64(bus + bus_type::dev_root) != 0 {
        return Ok(rd64(bus + bus_type::dev_root) + device::kobj);
    }
    Ok(0)
}

fn is_glue(kobj: u64) -> bool {
    kobj != 0 && rd64(kobj + kobject::ktype) == ko::host_ktypes().glue
}

/// `cleanup_glue_dir`: a glue directory left empty goes.
fn cleanup_glue(glue: u64) {
    if !is_glue(glue) {
        return;
    }
    let empty = ko::path_of(glue)
        .and_then(|p| kernfs::list(&p))
        .is_none_or(|v| v.is_empty());
    if empty && ko::in_sysfs(glue) {
        ko::del(glue);
    }
    ko::put(glue);
}

/// The link target path of `/sys/dev/<char|block>` for a device.
fn dev_kobj_dir(dev: u64) -> String {
    let cls = rd64(dev + device::class);
    let k = if cls != 0 && rd64(cls + class::dev_kobj) != 0 {
        rd64(cls + class::dev_kobj)
    } else {
        boot().dev_char
    };
    ko::path_of(k).unwrap_or_else(|| "/sys/dev/char".into())
}

/// Device attribute files: a NULL-terminated group array on the device.
fn add_groups(dev: u64, groups: u64) -> i32 {
    crate::fs::sysfs::create_groups(dev + device::kobj, groups)
}

fn remove_groups(dev: u64, groups: u64) {
    crate::fs::sysfs::remove_groups(dev + device::kobj, groups)
}

fn class_groups(dev: u64) -> [u64; 3] {
    let cls = rd64(dev + device::class);
    let typ = rd64(dev + device::r#type);
    [
        if cls != 0 {
            rd64(cls + class::dev_groups)
        } else {
            0
        },
        if typ != 0 {
            rd64(typ + device_type::groups)
        } else {
            0
        },
        rd64(dev + device::groups),
    ]
}

/// `device_add`: 0 or the error (with the device left out of sysfs).
pub(crate) fn add(dev: u64) -> i32 {
    if get(dev) == 0 {
        return EINVAL;
    }
    let r = add_inner(dev);
    put(dev);
    r
}

fn add_inner(dev: u64) -> i32 {
    if rd64(dev + device::p) == 0 {
        let p = kzalloc(PRIVATE_SIZE);
        if p == 0 {
            return ENOMEM;
        }
        wr64(dev + device::p, p);
    }
    let init_name = rd64(dev + device::init_name);
    if init_name != 0 {
        ko::set_name(dev + device::kobj, &cstr(init_name).unwrap_or_default());
        wr64(dev + device::init_name, 0);
    }
    let bus = rd64(dev + device::bus);
    if ko::name_of(dev + device::kobj).is_none_or(|n| n.is_empty()) && bus != 0 {
        if let Some(bn) = cstr(rd64(bus + bus_type::dev_name)) {
            ko::set_name(
                dev + device::kobj,
                &format!("{bn}{}", rd32(dev + device::id)),
            );
        }
    }
    let name_error = |dev: u64, e: i32| {
        kfree(rd64(dev + device::p));
        wr64(dev + device::p, 0);
        e
    };
    let name = ko::name_of(dev + device::kobj).unwrap_or_default();
    if name.is_empty() {
        return name_error(dev, EINVAL);
    }
    let parent = get(rd64(dev + device::parent));
    let kparent = match device_parent(dev, parent) {
        Ok(k) => k,
        Err(e) => {
            put(parent);
            return name_error(dev, e);
        }
    };
    if kparent != 0 {
        wr64(dev + device::kobj + kobject::parent, kparent);
    }
    let e = ko::add_named(
        dev + device::kobj,
        rd64(dev + device::kobj + kobject::parent),
        None,
    );
    if e != 0 {
        cleanup_glue(kparent);
        put(parent);
        return name_error(dev, e);
    }
    let Some(dir) = dir_of(dev) else {
        return EINVAL;
    };
    kernfs::add_file(&format!("{dir}/uevent"), move || uevent_show(dev));
    let cls = rd64(dev + device::class);
    let devt = rd32(dev + device::devt);
    let mut links = Vec::new();
    let mut err = 0;
    // device_add_class_symlinks
    if cls != 0 {
        if let Some(cn) = class_name(cls) {
            crate::fs::sysfs::link(&dir, "subsystem", &format!("/sys/class/{cn}"));
            if parent != 0 {
                if let Some(pd) = dir_of(parent) {
                    crate::fs::sysfs::link(&dir, "device", &pd);
                }
            }
            let l = format!("/sys/class/{cn}");
            err = crate::fs::sysfs::link(&l, &name, &dir);
            if err == 0 {
                links.push(format!("{l}/{name}"));
            }
        }
    }
    // device_add_attrs
    if err == 0 {
        let g = class_groups(dev);
        for (i, groups) in g.iter().enumerate() {
            err = add_groups(dev, *groups);
            if err != 0 {
                for j in (0..i).rev() {
                    remove_groups(dev, g[j]);
                }
                break;
            }
        }
    }
    // bus_add_device
    if err == 0 && bus != 0 {
        if let Some(bn) = super::bus::bus_name(bus) {
            err = add_groups(dev, rd64(bus + bus_type::dev_groups));
            if err == 0 {
                let l = format!("/sys/bus/{bn}/devices");
                err = crate::fs::sysfs::link(&l, &name, &dir);
                if err == 0 {
                    links.push(format!("{l}/{name}"));
                    crate::fs::sysfs::link(&dir, "subsystem", &format!("/sys/bus/{bn}"));
                }
            }
        }
    }
    // dpm_sysfs_add
    if err == 0 {
        kernfs::add_dir(&format!("{dir}/power"));
    }
    if err == 0 && major(devt) != 0 {
        kernfs::add_text(
            &format!("{dir}/dev"),
            format!("{}:{}\n", major(devt), minor(devt)),
        );
        let l = dev_kobj_dir(dev);
        let nm = format!("{}:{}", major(devt), minor(devt));
        if crate::fs::sysfs::link(&l, &nm, &dir) == 0 {
            links.push(format!("{l}/{nm}"));
        }
    }
    if err != 0 {
        for l in &links {
            kernfs::remove(l);
        }
        ko::del(dev + device::kobj);
        cleanup_glue(kparent);
        put(parent);
        return name_error(dev, err);
    }
    devices().push(Device {
        addr: dev,
        dir,
        name,
        parent,
        class: cls,
        bus,
        devt,
        links,
    });
    if bus != 0 {
        super::bus::notify(bus, super::bus::BUS_NOTIFY_ADD_DEVICE, dev);
    }
    ko::uevent_env(dev + device::kobj, ko::KOBJ_ADD, 0);
    if bus != 0 {
        super::dd::probe_device(dev);
    }
    if cls != 0 {
        for intf in super::class::interfaces_of(cls) {
            let add = rd64(intf + crate::layout::class_interface::add_dev);
            if add != 0 {
                crate::fault::call_module(add, [dev, intf, 0, 0, 0, 0]);
            }
        }
    }
    0
}

crate::kfn! {
    /// `device_add(dev)`: drivers/base/core.c.
    fn device_add(dev: u64) -> i32 {
        add(dev)
    }
}

crate::kfn! {
    /// `device_register(dev)`: device_initialize + device_add.
    fn device_register(dev: u64) -> i32 {
        initialize(dev);
        add(dev)
    }
}

/// `device_del`.
pub(crate) fn del(dev: u64) {
    let found = {
        let mut d = devices();
        d.iter().position(|x| x.addr == dev).map(|i| d.remove(i))
    };
    let Some(x) = found else {
        // never added: kobject_del of a kobject not in sysfs does little
        return;
    };
    if x.bus != 0 {
        super::bus::notify(x.bus, super::bus::BUS_NOTIFY_DEL_DEVICE, dev);
    }
    if x.class != 0 {
        for intf in super::class::interfaces_of(x.class) {
            let remove = rd64(intf + crate::layout::class_interface::remove_dev);
            if remove != 0 {
                crate::fault::call_module(remove, [dev, intf, 0, 0, 0, 0]);
            }
        }
    }
    for g in class_groups(dev) {
        remove_groups(dev, g);
    }
    if x.bus != 0 {
        remove_groups(dev, rd64(x.bus + bus_type::dev_groups));
        super::dd::release_driver(dev);
    }
    for l in &x.links {
        kernfs::remove(l);
    }
    if x.bus != 0 {
        super::bus::notify(x.bus, super::bus::BUS_NOTIFY_REMOVED_DEVICE, dev);
    }
    ko::uevent_env(dev + device::kobj, ko::KOBJ_REMOVE, 0);
    let kparent = rd64(dev + device::kobj + kobject::parent);
    let glue = if is_glue(kparent) {
        ko::get(kparent)
    } else {
        0
    };
    ko::del(dev + device::kobj);
    if glue != 0 {
        cleanup_glue(glue);
    }
    put(x.parent);
}

crate::kfn! {
    /// `device_del(dev)`.
    fn device_del(dev: u64) {
        del(dev)
    }
}

crate::kfn! {
    /// `device_unregister(dev)`: device_del + put_device.
    fn device_unregister(dev: u64) {
        del(dev);
        put(dev);
    }
}

// ---------------------------------------------------------------------------
// uevent

/// `dev_uevent_filter`: devices on a bus or in a class.
pub(crate) fn dev_uevent_filter(kobj: u64) -> bool {
    if rd64(kobj + kobject::ktype) != ko::host_ktypes().device {
        return false;
    }
    let dev = kobj - device::kobj;
    rd64(dev + device::bus) != 0 || rd64(dev + device::class) != 0
}

/// `dev_uevent_name`: the bus's or class's name.
pub(crate) fn dev_uevent_name(kobj: u64) -> Option<String> {
    let dev = kobj - device::kobj;
    let bus = rd64(dev + device::bus);
    if bus != 0 {
        return cstr(rd64(bus + bus_type::name));
    }
    let cls = rd64(dev + device::class);
    if cls != 0 {
        return cstr(rd64(cls + class::name));
    }
    None
}

/// `device_get_devnode`: the node name (and mode, uid, gid).
fn devnode(dev: u64) -> (Option<String>, u16, u32, u32) {
    let scratch = kzalloc(16);
    if scratch == 0 {
        return (None, 0, 0, 0);
    }
    let (mode, uid, gid) = (scratch, scratch + 4, scratch + 8);
    let typ = rd64(dev + device::r#type);
    let mut name = None;
    if typ != 0 && rd64(typ + device_type::devnode) != 0 {
        let p = crate::fault::call_module(
            rd64(typ + device_type::devnode),
            [dev, mode, uid, gid, 0, 0],
        )
        .unwrap_or(0);
        if p != 0 {
            name = cstr(p);
            kfree(p);
        }
    }
    let cls = rd64(dev + device::class);
    if name.is_none() && cls != 0 && rd64(cls + class::devnode) != 0 {
        let p = crate::fault::call_module(rd64(cls + class::devnode), [dev, mode, 0, 0, 0, 0])
            .unwrap_or(0);
        if p != 0 {
            name = cstr(p);
            kfree(p);
        }
    }
    let name = name.unwrap_or_else(|| dev_name(dev).replace('!', "/"));
    let r = (Some(name), rd16(mode), rd32(uid), rd32(gid));
    kfree(scratch);
    r
}

/// `dev_uevent`: the device's variables; the last callback's error.
pub(crate) fn dev_uevent(kobj: u64, env: u64) -> i32 {
    let dev = kobj - device::kobj;
    let devt = rd32(dev + device::devt);
    if major(devt) != 0 {
        ko::add_var(env, format!("MAJOR={}", major(devt)).as_bytes());
        ko::add_var(env, format!("MINOR={}", minor(devt)).as_bytes());
        let (name, mode, uid, gid) = devnode(dev);
        if let Some(n) = name {
            ko::add_var(env, format!("DEVNAME={n}").as_bytes());
            if mode != 0 {
                // C's %#o: a leading 0 (just "0" for zero)
                let m = mode & 0o777;
                let s = if m == 0 {
                    "0".to_string()
                } else {
                    format!("0{m:o}")
                };
                ko::add_var(env, format!("DEVMODE={s}").as_bytes());
            }
            if uid != 0 {
                ko::add_var(env, format!("DEVUID={uid}").as_bytes());
            }
            if gid != 0 {
                ko::add_var(env, format!("DEVGID={gid}").as_bytes());
            }
        }
    }
    let typ = rd64(dev + device::r#type);
    if typ != 0 {
        if let Some(n) = cstr(rd64(typ + device_type::name)) {
            ko::add_var(env, format!("DEVTYPE={n}").as_bytes());
        }
    }
    let drv = rd64(dev + device::driver);
    if drv != 0 {
        if let Some(n) = cstr(rd64(drv + device_driver::name)) {
            ko::add_var(env, format!("DRIVER={n}").as_bytes());
        }
    }
    let mut ret = 0;
    let bus = rd64(dev + device::bus);
    if bus != 0 {
        if let Some(r) = super::bus::uevent(bus, dev, env) {
            ret = r;
        }
    }
    let cls = rd64(dev + device::class);
    if cls != 0 && rd64(cls + class::dev_uevent) != 0 {
        ret = crate::fault::call_module(rd64(cls + class::dev_uevent), [dev, env, 0, 0, 0, 0])
            .unwrap_or(0) as i32;
    }
    if typ != 0 && rd64(typ + device_type::uevent) != 0 {
        ret = crate::fault::call_module(rd64(typ + device_type::uevent), [dev, env, 0, 0, 0, 0])
            .unwrap_or(0) as i32;
    }
    ret
}

/// `uevent_show`: the variables the kset's uevent adds, one a line.
fn uevent_show(dev: u64) -> Vec<u8> {
    let kobj = dev + device::kobj;
    let ks = ko::top_kset(kobj);
    if ks == 0 || !ko::ops_filter_pub(ks, kobj) {
        return Vec::new();
    }
    let env = kzalloc(crate::layout::kobj_uevent_env::SIZE);
    if env == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    if ko::ops_uevent(ks, kobj, env) == Some(0) {
        for v in ko::env_vars(env) {
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        }
    }
    kfree(env);
    out
}

// ---------------------------------------------------------------------------
// device_create / device_destroy

/// `device_create_release`: frees a device of device_create.
pub(crate) extern "C" fn device_create_release(dev: u64) {
    kfree(dev);
}

/// `device_create_groups_vargs`: the device or ERR_PTR.
pub(crate) fn create(
    cls: u64,
    parent: u64,
    devt: u32,
    drvdata: u64,
    groups: u64,
    name: &str,
) -> u64 {
    if super::is_err_or_null(cls) {
        return super::err_ptr(super::ENODEV);
    }
    let dev = kzalloc(device::SIZE);
    if dev == 0 {
        return super::err_ptr(ENOMEM);
    }
    initialize(dev);
    wr32(dev + device::devt, devt);
    wr64(dev + device::class, cls);
    wr64(dev + device::parent, parent);
    wr64(dev + device::groups, groups);
    wr64(
        dev + device::release,
        device_create_release as *const () as u64,
    );
    wr64(dev + device::driver_data, drvdata);
    let e = ko::set_name(dev + device::kobj, name);
    let e = if e == 0 { add(dev) } else { e };
    if e != 0 {
        put(dev);
        return super::err_ptr(e);
    }
    dev
}

fn format_name(args: &mut RegArgs, at: usize) -> String {
    // SAFETY: the module's format string.
    let fmt = unsafe { crate::abi::c_str(args.arg(at), 1 << 12) };
    let name = crate::printf::format(fmt, args, &crate::kernel::printk::ModuleMemory);
    String::from_utf8_lossy(&name).into_owned()
}

/// `device_create(class, parent, devt, drvdata, fmt, ...)`.
extern "C" fn device_create(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 5) };
    let (cls, parent, devt, drvdata) = (args.arg(0), args.arg(1), args.arg(2) as u32, args.arg(3));
    let name = format_name(&mut args, 4);
    create(cls, parent, devt, drvdata, 0, &name)
}
crate::export_variadic!("device_create" => device_create);

/// `device_create_with_groups(class, parent, devt, drvdata, groups, fmt, ...)`.
extern "C" fn device_create_with_groups(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 6) };
    let (cls, parent, devt, drvdata, groups) = (
        args.arg(0),
        args.arg(1),
        args.arg(2) as u32,
        args.arg(3),
        args.arg(4),
    );
    let name = format_name(&mut args, 5);
    create(cls, parent, devt, drvdata, groups, &name)
}
crate::export_variadic!("device_create_with_groups" => device_create_with_groups);

crate::kfn! {
    /// `device_destroy(class, devt)`: unregisters the class's device with
    /// that number, if any.
    fn device_destroy(cls: u64, devt: u32) {
        let found = devices().iter().find(|x| x.class == cls && x.devt == devt).map(|x| x.addr);
        if let Some(dev) = found {
            del(dev);
            put(dev);
        }
    }
}

/// Forgets the devices of a class that goes away (their views go).
pub(crate) fn forget_class(cls: u64) {
    let gone: Vec<u64> = devices()
        .iter()
        .filter(|x| x.class == cls)
        .map(|x| x.addr)
        .collect();
    for dev in gone {
        let x = {
            let mut d = devices();
            d.iter().position(|x| x.addr == dev).map(|i| d.remove(i))
        };
        if let Some(x) = x {
            for l in &x.links {
                kernfs::remove(l);
            }
            kernfs::remove(&x.dir);
        }
    }
}

/// The devices of a class, in creation order (a snapshot).
pub(crate) fn devices_of(cls: u64) -> Vec<u64> {
    devices()
        .iter()
        .filter(|x| x.class == cls)
        .map(|x| x.addr)
        .collect()
}

/// The devices on a bus, in creation order (a snapshot).
pub(crate) fn devices_on(bus: u64) -> Vec<u64> {
    devices()
        .iter()
        .filter(|x| x.bus == bus)
        .map(|x| x.addr)
        .collect()
}

/// Whether `dev` is in sysfs (added and not deleted).
pub(crate) fn is_added(dev: u64) -> bool {
    devices().iter().any(|x| x.addr == dev)
}

// ---------------------------------------------------------------------------
// attribute files, children, names

crate::kfn! {
    /// `device_create_file(dev, attr)`: 0, or -EINVAL without a device,
    /// -EEXIST for a taken name.
    fn device_create_file(dev: u64, attr: u64) -> i32 {
        if dev == 0 {
            return EINVAL;
        }
        let mode = rd16(attr + device_attribute::attr + crate::layout::attribute::mode);
        if mode & 0o444 != 0 && rd64(attr + device_attribute::show) == 0 {
            ko::warn(&format!("Attribute {}: read permission without 'show'", cstr(rd64(attr + crate::layout::attribute::name)).unwrap_or_default()));
        }
        if mode & 0o222 != 0 && rd64(attr + device_attribute::store) == 0 {
            ko::warn(&format!("Attribute {}: write permission without 'store'", cstr(rd64(attr + crate::layout::attribute::name)).unwrap_or_default()));
        }
        crate::fs::sysfs::sysfs_create_file_ns(dev + device::kobj, attr, 0)
    }
}

crate::kfn! {
    /// `device_remove_file(dev, attr)`.
    fn device_remove_file(dev: u64, attr: u64) {
        if dev != 0 {
            crate::fs::sysfs::sysfs_remove_file_ns(dev + device::kobj, attr, 0);
        }
    }
}

crate::kfn! {
    /// `device_add_groups(dev, groups)`.
    fn device_add_groups(dev: u64, groups: u64) -> i32 {
        add_groups(dev, groups)
    }
}

crate::kfn! {
    /// `device_remove_groups(dev, groups)`.
    fn device_remove_groups(dev: u64, groups: u64) {
        remove_groups(dev, groups)
    }
}

fn children(dev: u64) -> Vec<u64> {
    devices()
        .iter()
        .filter(|x| x.parent == dev)
        .map(|x| x.addr)
        .collect()
}

crate::kfn! {
    /// `device_for_each_child(parent, data, fn)`: fn(child, data) for each
    /// child until one returns non-zero (that value, or 0).
    fn device_for_each_child(parent: u64, data: u64, f: u64) -> i32 {
        if parent == 0 || rd64(parent + device::p) == 0 {
            return 0;
        }
        for c in children(parent) {
            let r = crate::fault::call_module(f, [c, data, 0, 0, 0, 0]).unwrap_or(0) as i32;
            if r != 0 {
                return r;
            }
        }
        0
    }
}

crate::kfn! {
    /// `device_find_child(parent, data, match)`: the first child match
    /// accepts, with a reference, or NULL.
    fn device_find_child(parent: u64, data: u64, m: u64) -> u64 {
        if parent == 0 {
            return 0;
        }
        for c in children(parent) {
            if crate::fault::call_module(m, [c, data, 0, 0, 0, 0]).unwrap_or(0) as i32 != 0 {
                return get(c);
            }
        }
        0
    }
}

/// `dev_driver_string`: the driver's, bus's or class's name.
pub(crate) fn driver_string(dev: u64) -> String {
    let drv = rd64(dev + device::driver);
    if drv != 0 {
        return cstr(rd64(drv + device_driver::name)).unwrap_or_default();
    }
    let bus = rd64(dev + device::bus);
    if bus != 0 {
        return cstr(rd64(bus + bus_type::name)).unwrap_or_default();
    }
    let cls = rd64(dev + device::class);
    if cls != 0 {
        return cstr(rd64(cls + class::name)).unwrap_or_default();
    }
    String::new()
}

crate::kfn! {
    /// `dev_driver_string(dev)`: a pointer to the name (or "").
    fn dev_driver_string(dev: u64) -> u64 {
        let drv = rd64(dev + device::driver);
        if drv != 0 {
            return rd64(drv + device_driver::name);
        }
        let bus = rd64(dev + device::bus);
        if bus != 0 {
            return rd64(bus + bus_type::name);
        }
        let cls = rd64(dev + device::class);
        if cls != 0 {
            return rd64(cls + class::name);
        }
        c"".as_ptr() as u64
    }
}

/// `__dev_printk`: "<driver> <device>: message" at the level.
fn dev_printk(level: u8, dev: u64, args: &mut RegArgs, fmt_at: usize) {
    // SAFETY: the module's format string.
    let fmt = unsafe { crate::abi::c_str(args.arg(fmt_at), 1 << 12) };
    let msg = crate::printf::format(fmt, args, &crate::kernel::printk::ModuleMemory);
    let mut text = if dev != 0 {
        format!("{} {}: ", driver_string(dev), dev_name(dev)).into_bytes()
    } else {
        b"(NULL device *): ".to_vec()
    };
    text.extend_from_slice(&msg);
    crate::log::emit(level, &text, false);
}

macro_rules! dev_level {
    ($sym:literal, $f:ident, $lvl:expr) => {
        extern "C" fn $f(regs: *const u64, stack: *const u64) {
            // SAFETY: called through the varargs trampoline.
            let mut args = unsafe { RegArgs::new(regs, stack, 2) };
            let dev = args.arg(0);
            dev_printk($lvl, dev, &mut args, 1);
        }
        crate::export_variadic!($sym => $f);
    };
}
dev_level!("_dev_emerg", dev_emerg, 0);
dev_level!("_dev_alert", dev_alert, 1);
dev_level!("_dev_crit", dev_crit, 2);
dev_level!("_dev_err", dev_err, 3);
dev_level!("_dev_warn", dev_warn, 4);
dev_level!("_dev_notice", dev_notice, 5);
dev_level!("_dev_info", dev_info, 6);

/// Forgets devices that lived in freed module memory (their views go).
fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let gone: Vec<Device> = {
        let mut d = devices();
        d.extract_if(.., |x| inside(x.addr) || inside(x.class) || inside(x.bus))
            .collect()
    };
    for x in gone {
        for l in &x.links {
            kernfs::remove(l);
        }
        kernfs::remove(&x.dir);
    }
}
crate::purge_on_module_free!(purge);

//! drivers/base/platform.c: the platform bus (`platform_bus_type`, its
//! root device `platform_bus` at `/sys/devices/platform`), platform
//! devices (`platform_device_alloc`/`add`/`register_full`/`del`/`put`/
//! `unregister`, their data and resources) and platform drivers
//! (`__platform_driver_register`, `__platform_register_drivers`,
//! `__platform_driver_probe`, ...). A device and a driver bind when the
//! device's `driver_override`, the driver's id table or its name match
//! (there is no device tree or ACPI companion on the host's devices).

use std::sync::atomic::{AtomicU64, Ordering};

use super::{cstr, kfree, kzalloc, rd32, rd64, rd8, wr32, wr64, wr8};
use crate::layout::{
    bus_type, device, device_driver, platform_device as pd, platform_device_id,
    platform_device_info as pinfo, platform_driver, resource,
};

const EINVAL: i32 = -22;
const ENOMEM: i32 = -12;
const ENXIO: i32 = -6;
const EPROBE_DEFER: i32 = -517;

/// `PLATFORM_DEVID_NONE`, `PLATFORM_DEVID_AUTO`.
const DEVID_NONE: i32 = -1;
const DEVID_AUTO: i32 = -2;

crate::export_data!("platform_bus_type", size bus_type::SIZE, align 64, init = init_bus);

static BUS: AtomicU64 = AtomicU64::new(0);
static ROOT: AtomicU64 = AtomicU64::new(0);

fn init_bus(addr: u64, b: &crate::vmlinux::Builder) {
    crate::lib_::kobject::boot_with(b);
    BUS.store(addr, Ordering::Release);
    super::bus::register_builtin(addr, c"platform", &[]);
    super::auxiliary::boot();
    // the rest of the driver core's boot-time state
    crate::fs::char_dev::boot();
    crate::drivers::char::misc::boot();
    crate::drivers::input::input::boot();
}

crate::export_data!("platform_bus", size device::SIZE, align 64, init = init_root);

fn init_root(addr: u64, b: &crate::vmlinux::Builder) {
    crate::lib_::kobject::boot_with(b);
    ROOT.store(addr, Ordering::Release);
    super::core::register_builtin(addr, "platform");
}

/// The address of `platform_bus_type`.
pub(crate) fn bus_addr() -> u64 {
    let a = BUS.load(Ordering::Acquire);
    if a != 0 {
        return a;
    }
    crate::vmlinux::get()
        .and_then(|v| v.symbol("platform_bus_type"))
        .unwrap_or(0)
}

fn root_addr() -> u64 {
    let a = ROOT.load(Ordering::Acquire);
    if a != 0 {
        return a;
    }
    crate::vmlinux::get()
        .and_then(|v| v.symbol("platform_bus"))
        .unwrap_or(0)
}

/// Calls a vmlinux export by name as module code would (the host's
/// implementation, or its trap when the host has none).
fn call_export(name: &str, args: [u64; 6]) -> u64 {
    match crate::vmlinux::get().and_then(|v| v.symbol(name)) {
        Some(f) => crate::fault::call_module(f, args).unwrap_or(0),
        None => 0,
    }
}

fn export_addr(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// the bus's methods

fn pdev_of(dev: u64) -> u64 {
    dev - pd::dev
}

/// `platform_match`.
pub(crate) fn platform_match(dev: u64, drv: u64) -> i32 {
    let pdev = pdev_of(dev);
    let pdrv = drv - platform_driver::driver;
    let drv_name = cstr(rd64(drv + device_driver::name)).unwrap_or_default();
    if let Some(o) = cstr(rd64(pdev + pd::driver_override)) {
        return (o == drv_name) as i32;
    }
    let name = cstr(rd64(pdev + pd::name)).unwrap_or_default();
    let table = rd64(pdrv + platform_driver::id_table);
    if table != 0 {
        let mut id = table;
        for _ in 0..4096 {
            if rd8(id + platform_device_id::name) == 0 {
                break;
            }
            // SAFETY: the id's char name[PLATFORM_NAME_SIZE].
            let n = unsafe {
                crate::abi::c_str(
                    id + platform_device_id::name,
                    platform_device_id::NAME_SIZE as usize,
                )
            };
            if n == name.as_bytes() {
                wr64(pdev + pd::id_entry, id);
                return 1;
            }
            id += platform_device_id::SIZE;
        }
        return 0;
    }
    (name == drv_name) as i32
}

/// `platform_probe_fail`: what `__platform_driver_probe` leaves as probe.
extern "C" fn platform_probe_fail(_pdev: u64) -> i32 {
    ENXIO
}

/// `platform_probe`.
pub(crate) fn platform_probe(dev: u64) -> i32 {
    let drv = rd64(dev + device::driver);
    let pdrv = drv - platform_driver::driver;
    let probe = rd64(pdrv + platform_driver::probe);
    if probe == platform_probe_fail as *const () as u64 {
        return ENXIO;
    }
    let mut ret = 0;
    if probe != 0 {
        ret = crate::fault::call_module(probe, [pdev_of(dev), 0, 0, 0, 0, 0]).unwrap_or(0) as i32;
    }
    if rd8(pdrv + platform_driver::prevent_deferred_probe) != 0 && ret == EPROBE_DEFER {
        crate::log::kernel_msg(
            4,
            &format!(
                "{} {}: probe deferral not supported",
                super::core::driver_string(dev),
                super::core::dev_name(dev)
            ),
        );
        ret = ENXIO;
    }
    ret
}

/// `platform_remove`.
pub(crate) fn platform_remove(dev: u64, drv: u64) {
    let pdrv = drv - platform_driver::driver;
    let remove = rd64(pdrv + platform_driver::remove);
    if remove != 0 {
        let r =
            crate::fault::call_module(remove, [pdev_of(dev), 0, 0, 0, 0, 0]).unwrap_or(0) as i32;
        if r != 0 {
            crate::log::kernel_msg(
                4,
                &format!(
                    "{} {}: remove callback returned a non-zero value. This will be ignored.",
                    super::core::driver_string(dev),
                    super::core::dev_name(dev)
                ),
            );
        }
    }
}

/// `platform_uevent`: `MODALIAS=platform:<name>`.
pub(crate) fn platform_uevent(dev: u64, env: u64) -> i32 {
    let name = cstr(rd64(pdev_of(dev) + pd::name)).unwrap_or_default();
    crate::lib_::kobject::add_var(env, format!("MODALIAS=platform:{name}").as_bytes());
    0
}

// ---------------------------------------------------------------------------
// platform devices

/// `platform_device_release`: the kernel-owned parts and the object.
extern "C" fn platform_device_release(dev: u64) {
    let pdev = pdev_of(dev);
    kfree(rd64(dev + device::platform_data));
    kfree(rd64(pdev + pd::mfd_cell));
    kfree(rd64(pdev + pd::resource));
    kfree(rd64(pdev + pd::driver_override));
    kfree(pdev);
}

/// Runs the release if it is `platform_device_release` (true), for the
/// driver core's device_release.
pub(crate) fn release_if_ours(rel: u64, dev: u64) -> bool {
    if rel == platform_device_release as *const () as u64 {
        platform_device_release(dev);
        return true;
    }
    rel == super::core::device_create_release as *const () as u64 && {
        super::core::device_create_release(dev);
        true
    }
}

/// `setup_pdev_dma_masks`.
fn setup_dma_masks(pdev: u64) {
    let dev = pdev + pd::dev;
    if rd64(dev + device::coherent_dma_mask) == 0 {
        wr64(dev + device::coherent_dma_mask, 0xffff_ffff);
    }
    if rd64(dev + device::dma_mask) == 0 {
        wr64(pdev + pd::platform_dma_mask, 0xffff_ffff);
        wr64(dev + device::dma_mask, pdev + pd::platform_dma_mask);
    }
}

crate::kfn! {
    /// `platform_device_alloc(name, id)`: a new platform device (its name
    /// copied after it), or NULL.
    fn platform_device_alloc(name: u64, id: i32) -> u64 {
        let n = cstr(name).unwrap_or_default();
        let Some(size) = pd::SIZE.checked_add(n.len() as u64 + 1) else { return 0 };
        let pdev = kzalloc(size);
        if pdev == 0 {
            return 0;
        }
        let np = pdev + pd::SIZE;
        // SAFETY: the room after the platform_device holds the name and NUL.
        unsafe { std::ptr::copy_nonoverlapping(n.as_ptr(), np as *mut u8, n.len()) };
        wr64(pdev + pd::name, np);
        wr32(pdev + pd::id, id as u32);
        super::core::initialize(pdev + pd::dev);
        wr64(pdev + pd::dev + device::release, platform_device_release as *const () as u64);
        setup_dma_masks(pdev);
        pdev
    }
}

/// `kmemdup` into kernel memory.
fn kmemdup(src: u64, len: u64) -> u64 {
    let p = kzalloc(len.max(1));
    if p != 0 && len != 0 {
        // SAFETY: the module's `len` bytes at src; our block of len bytes.
        unsafe { std::ptr::copy_nonoverlapping(src as *const u8, p as *mut u8, len as usize) };
    }
    p
}

crate::kfn! {
    /// `platform_device_add_resources(pdev, res, num)`: a copy of the
    /// array replaces the old one. 0 or -ENOMEM.
    fn platform_device_add_resources(pdev: u64, res: u64, num: u32) -> i32 {
        let mut r = 0;
        if res != 0 && num != 0 {
            let Some(len) = resource::SIZE.checked_mul(u64::from(num)) else { return ENOMEM };
            r = kmemdup(res, len);
            if r == 0 {
                return ENOMEM;
            }
        }
        kfree(rd64(pdev + pd::resource));
        wr64(pdev + pd::resource, r);
        wr32(pdev + pd::num_resources, num);
        0
    }
}

crate::kfn! {
    /// `platform_device_add_data(pdev, data, size)`: a copy becomes the
    /// device's platform_data. 0 or -ENOMEM.
    fn platform_device_add_data(pdev: u64, data: u64, size: u64) -> i32 {
        let mut d = 0;
        if data != 0 {
            d = kmemdup(data, size);
            if d == 0 {
                return ENOMEM;
            }
        }
        kfree(rd64(pdev + pd::dev + device::platform_data));
        wr64(pdev + pd::dev + device::platform_data, d);
        0
    }
}

/// `IORESOURCE_IO`, `IORESOURCE_MEM`, `IORESOURCE_TYPE_BITS`.
const IORESOURCE_IO: u64 = 0x100;
const IORESOURCE_MEM: u64 = 0x200;
const IORESOURCE_TYPE_BITS: u64 = 0x1f00;

/// The automatic ids (`platform_devid_ida`).
static AUTO_IDS: std::sync::Mutex<std::collections::BTreeSet<i32>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

fn auto_id() -> i32 {
    let mut ids = AUTO_IDS.lock().unwrap_or_else(|e| e.into_inner());
    let mut id = 0;
    while ids.contains(&id) {
        id += 1;
    }
    ids.insert(id);
    id
}

fn free_auto_id(id: i32) {
    AUTO_IDS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
}

/// `platform_device_add`.
pub(crate) fn add(pdev: u64) -> i32 {
    if pdev == 0 {
        return EINVAL;
    }
    let dev = pdev + pd::dev;
    if rd64(dev + device::parent) == 0 {
        wr64(dev + device::parent, root_addr());
    }
    wr64(dev + device::bus, bus_addr());
    let name = cstr(rd64(pdev + pd::name)).unwrap_or_default();
    let id = rd32(pdev + pd::id) as i32;
    let dn = match id {
        DEVID_NONE => name.clone(),
        DEVID_AUTO => {
            let a = auto_id();
            wr32(pdev + pd::id, a as u32);
            wr8(pdev + pd::id_auto, 1);
            format!("{name}.{a}.auto")
        }
        n => format!("{name}.{n}"),
    };
    crate::lib_::kobject::set_name(dev + device::kobj, &dn);
    let nres = rd32(pdev + pd::num_resources) as u64;
    let res = rd64(pdev + pd::resource);
    let mut inserted = 0;
    let mut ret = 0;
    for i in 0..nres {
        let r = res + i * resource::SIZE;
        if rd64(r + resource::name) == 0 {
            wr64(
                r + resource::name,
                rd64(dev + device::kobj + crate::layout::kobject::name),
            );
        }
        let mut p = rd64(r + resource::parent);
        if p == 0 {
            match rd64(r + resource::flags) & IORESOURCE_TYPE_BITS {
                IORESOURCE_MEM => p = export_addr("iomem_resource"),
                IORESOURCE_IO => p = export_addr("ioport_resource"),
                _ => {}
            }
        }
        if p != 0 {
            // kernel/resource.c's insert_resource (its trap if the host has none)
            ret = call_export("insert_resource", [p, r, 0, 0, 0, 0]) as i32;
            if ret != 0 {
                crate::log::kernel_msg(
                    3,
                    &format!(
                        "{} {}: failed to claim resource {i}",
                        super::core::driver_string(dev),
                        dn
                    ),
                );
                break;
            }
        }
        inserted = i + 1;
    }
    if ret == 0 {
        ret = super::core::add(dev);
        if ret == 0 {
            return 0;
        }
    }
    if rd8(pdev + pd::id_auto) != 0 {
        free_auto_id(rd32(pdev + pd::id) as i32);
        wr32(pdev + pd::id, DEVID_AUTO as u32);
    }
    for i in (0..inserted).rev() {
        let r = res + i * resource::SIZE;
        if rd64(r + resource::parent) != 0 {
            call_export("release_resource", [r, 0, 0, 0, 0, 0]);
        }
    }
    ret
}

crate::kfn! {
    /// `platform_device_add(pdev)`: named `<name>.<id>` (`<name>` for
    /// PLATFORM_DEVID_NONE, `<name>.<n>.auto` for PLATFORM_DEVID_AUTO),
    /// under `platform_bus` unless it has a parent; its memory and I/O
    /// resources claimed; then device_add.
    fn platform_device_add(pdev: u64) -> i32 {
        add(pdev)
    }
}

crate::kfn! {
    /// `platform_device_register(pdev)`.
    fn platform_device_register(pdev: u64) -> i32 {
        super::core::initialize(pdev + pd::dev);
        setup_dma_masks(pdev);
        add(pdev)
    }
}

/// `platform_device_del`.
fn del(pdev: u64) {
    if super::is_err_or_null(pdev) {
        return;
    }
    super::core::del(pdev + pd::dev);
    if rd8(pdev + pd::id_auto) != 0 {
        free_auto_id(rd32(pdev + pd::id) as i32);
        wr32(pdev + pd::id, DEVID_AUTO as u32);
    }
    let res = rd64(pdev + pd::resource);
    for i in 0..rd32(pdev + pd::num_resources) as u64 {
        let r = res + i * resource::SIZE;
        if rd64(r + resource::parent) != 0 {
            call_export("release_resource", [r, 0, 0, 0, 0, 0]);
        }
    }
}

crate::kfn! {
    /// `platform_device_del(pdev)`.
    fn platform_device_del(pdev: u64) {
        del(pdev)
    }
}

crate::kfn! {
    /// `platform_device_put(pdev)`.
    fn platform_device_put(pdev: u64) {
        if !super::is_err_or_null(pdev) {
            super::core::put(pdev + pd::dev);
        }
    }
}

crate::kfn! {
    /// `platform_device_unregister(pdev)`: del + put.
    fn platform_device_unregister(pdev: u64) {
        if !super::is_err_or_null(pdev) {
            del(pdev);
            super::core::put(pdev + pd::dev);
        }
    }
}

crate::kfn! {
    /// `platform_device_register_full(pdevinfo)`: the new device or ERR_PTR.
    fn platform_device_register_full(info: u64) -> u64 {
        let pdev = platform_device_alloc(rd64(info + pinfo::name), rd32(info + pinfo::id) as i32);
        if pdev == 0 {
            return super::err_ptr(ENOMEM);
        }
        let dev = pdev + pd::dev;
        wr64(dev + device::parent, rd64(info + pinfo::parent));
        wr64(dev + device::fwnode, rd64(info + pinfo::fwnode));
        let mask = rd64(info + pinfo::dma_mask);
        if mask != 0 {
            wr64(pdev + pd::platform_dma_mask, mask);
            wr64(dev + device::dma_mask, pdev + pd::platform_dma_mask);
            wr64(dev + device::coherent_dma_mask, mask);
        }
        let mut ret = platform_device_add_resources(pdev, rd64(info + pinfo::res), rd32(info + pinfo::num_res));
        if ret == 0 {
            ret = platform_device_add_data(pdev, rd64(info + pinfo::data), rd64(info + pinfo::size_data));
        }
        if ret == 0 && rd64(info + pinfo::properties) != 0 {
            // drivers/base/swnode.c (its trap if the host has none)
            ret = call_export("device_create_managed_software_node", [dev, rd64(info + pinfo::properties), 0, 0, 0, 0]) as i32;
        }
        if ret == 0 {
            ret = add(pdev);
        }
        if ret != 0 {
            super::core::put(dev);
            return super::err_ptr(ret);
        }
        pdev
    }
}

// ---------------------------------------------------------------------------
// platform drivers

crate::kfn! {
    /// `__platform_driver_register(drv, owner)`.
    fn __platform_driver_register(drv: u64, owner: u64) -> i32 {
        let d = drv + platform_driver::driver;
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::bus, bus_addr());
        super::driver::register(d)
    }
}

crate::kfn! {
    /// `platform_driver_unregister(drv)`.
    fn platform_driver_unregister(drv: u64) {
        super::driver::unregister(drv + platform_driver::driver)
    }
}

crate::kfn! {
    /// `__platform_register_drivers(drivers, count, owner)`: all or none
    /// (the ones registered are unregistered again on an error).
    fn __platform_register_drivers(drivers: u64, count: u32, owner: u64) -> i32 {
        for i in 0..u64::from(count) {
            let d = rd64(drivers + i * 8);
            let e = __platform_driver_register(d, owner);
            if e != 0 {
                let name = cstr(rd64(d + platform_driver::driver + device_driver::name)).unwrap_or_default();
                crate::log::kernel_msg(3, &format!("failed to register platform driver {name}: {e}"));
                for j in (0..i).rev() {
                    platform_driver_unregister(rd64(drivers + j * 8));
                }
                return e;
            }
        }
        0
    }
}

crate::kfn! {
    /// `platform_unregister_drivers(drivers, count)`: in reverse order.
    fn platform_unregister_drivers(drivers: u64, count: u32) {
        for i in (0..u64::from(count)).rev() {
            platform_driver_unregister(rd64(drivers + i * 8));
        }
    }
}

/// `__platform_create_bundle(driver, probe, res, n_res, data, size, module)`:
/// a device named after the driver (id NONE) with the resources and data,
/// then `__platform_driver_probe`; the device, or ERR_PTR (and the device
/// gone again). Seven arguments: taken through the argument-words trampoline.
extern "C" fn __platform_create_bundle(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline; the seventh argument
    // is the caller's first stack word.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 7) };
    bundle(
        a.arg(0),
        a.arg(1),
        a.arg(2),
        a.arg(3) as u32,
        a.arg(4),
        a.arg(5),
        a.arg(6),
    )
}
crate::export_variadic!("__platform_create_bundle" => __platform_create_bundle);

/// The body of `__platform_create_bundle`.
fn bundle(drv: u64, probe: u64, res: u64, n_res: u32, data: u64, size: u64, owner: u64) -> u64 {
    let pdev = platform_device_alloc(
        rd64(drv + platform_driver::driver + device_driver::name),
        DEVID_NONE,
    );
    if pdev == 0 {
        return super::err_ptr(ENOMEM);
    }
    let mut e = platform_device_add_resources(pdev, res, n_res);
    if e == 0 {
        e = platform_device_add_data(pdev, data, size);
    }
    if e == 0 {
        e = add(pdev);
        if e == 0 {
            e = __platform_driver_probe(drv, probe, owner);
            if e != 0 {
                del(pdev);
            }
        }
    }
    if e != 0 {
        super::core::put(pdev + pd::dev);
        return super::err_ptr(e);
    }
    pdev
}

/// `PROBE_PREFER_ASYNCHRONOUS` and `PROBE_FORCE_SYNCHRONOUS` of `enum probe_type`.
const PROBE_PREFER_ASYNCHRONOUS: u32 = 1;
const PROBE_FORCE_SYNCHRONOUS: u32 = 2;

crate::kfn! {
    /// `__platform_driver_probe(drv, probe, module)`: registers a driver
    /// for devices that already exist; with none bound after registration
    /// it unregisters it again and returns -ENODEV. A driver that bound
    /// stays, and can bind nothing later.
    fn __platform_driver_probe(drv: u64, probe: u64, module: u64) -> i32 {
        let d = drv + platform_driver::driver;
        if rd32(d + device_driver::probe_type) == PROBE_PREFER_ASYNCHRONOUS {
            let name = super::cstr(rd64(d + device_driver::name)).unwrap_or_default();
            crate::log::kernel_msg(3, &format!("{name}: drivers registered with __platform_driver_probe can not be probed asynchronously"));
            return EINVAL;
        }
        wr32(d + device_driver::probe_type, PROBE_FORCE_SYNCHRONOUS);
        wr8(drv + platform_driver::prevent_deferred_probe, 1);
        wr8(d + device_driver::suppress_bind_attrs, 1);
        wr64(drv + platform_driver::probe, probe);
        let code = __platform_driver_register(drv, module);
        if code != 0 {
            return code;
        }
        wr64(drv + platform_driver::probe, platform_probe_fail as *const () as u64);
        if !super::dd::has_devices(d) {
            platform_driver_unregister(drv);
            return super::ENODEV;
        }
        0
    }
}

//! drivers/base/bus.c: `bus_register`, `bus_unregister`, and the bus
//! registry the driver core keeps (which buses exist, which drivers are on
//! them). The buses built into Debian's kernel (platform, pci, i2c, spi,
//! serio) are data objects of the host's vmlinux, registered at boot.

use std::sync::{Mutex, MutexGuard};

use super::{cstr, kfree, kzalloc, rd64, wr64};
use crate::fs::kernfs;
use crate::layout::bus_type;

/// A registered bus.
pub(crate) struct Bus {
    /// The `struct bus_type`.
    pub addr: u64,
    pub name: String,
    /// What `bus->p` points at (the kernel's private part).
    pub p: u64,
    /// Built into the kernel (never unregistered).
    pub builtin: bool,
    /// For built-in buses: whether the bus has probe/remove/shutdown
    /// methods (all of Linux's built-in buses modelled here have them).
    pub builtin_methods: bool,
    /// Files the bus adds to each driver's directory (its `drv_groups`).
    pub drv_files: &'static [&'static str],
}

/// A driver registered on a bus.
pub(crate) struct Driver {
    /// The `struct device_driver`.
    pub addr: u64,
    pub name: String,
    /// The bus's `struct bus_type`.
    pub bus: u64,
    /// What `drv->p` points at.
    pub p: u64,
}

#[derive(Default)]
pub(crate) struct Registry {
    pub buses: Vec<Bus>,
    pub drivers: Vec<Driver>,
}

static REG: Mutex<Registry> = Mutex::new(Registry {
    buses: Vec::new(),
    drivers: Vec::new(),
});

pub(crate) fn reg() -> MutexGuard<'static, Registry> {
    REG.lock().unwrap_or_else(|e| e.into_inner())
}

/// The size of the private block behind `bus->p` / `drv->p` (the kernel's
/// `subsys_private`/`driver_private` are private to drivers/base; modules
/// only test the pointer).
pub(crate) const PRIVATE_SIZE: u64 = 0x100;

fn bus_views(name: &str) {
    let d = format!("/sys/bus/{name}");
    kernfs::add_dir(&format!("{d}/devices"));
    kernfs::add_dir(&format!("{d}/drivers"));
    kernfs::add_text(&format!("{d}/drivers_autoprobe"), "1\n");
    // write-only attributes: reading them gives nothing
    kernfs::add_text(&format!("{d}/drivers_probe"), "");
    kernfs::add_text(&format!("{d}/uevent"), "");
}

/// Registers a built-in bus at boot: its `struct bus_type` at `addr` gets
/// its name and private pointer as Linux's initcalls give them.
pub(crate) fn register_builtin(
    addr: u64,
    name: &'static std::ffi::CStr,
    drv_files: &'static [&'static str],
) {
    wr64(addr + bus_type::name, name.as_ptr() as u64);
    let p = kzalloc(PRIVATE_SIZE);
    wr64(addr + bus_type::p, p);
    let name = name.to_string_lossy().into_owned();
    bus_views(&name);
    reg().buses.push(Bus {
        addr,
        name,
        p,
        builtin: true,
        builtin_methods: true,
        drv_files,
    });
}

crate::kfn! {
    /// `bus_register(bus)`: drivers/base/bus.c. The bus appears as
    /// `/sys/bus/<name>` with `devices/`, `drivers/`, `drivers_autoprobe`,
    /// `drivers_probe` and `uevent`. A second bus of the same name fails
    /// with -EEXIST (and sysfs's duplicate-name messages) and leaves
    /// `bus->p` NULL.
    fn bus_register(bus: u64) -> i32 {
        let name = cstr(rd64(bus + bus_type::name)).unwrap_or_else(|| "(null)".into());
        let mut r = reg();
        if r.buses.iter().any(|b| b.name == name) {
            drop(r);
            wr64(bus + bus_type::p, 0);
            super::warn_dup(&format!("/bus/{name}"), &name);
            return super::EEXIST;
        }
        let p = kzalloc(PRIVATE_SIZE);
        if p == 0 {
            return super::ENOMEM;
        }
        wr64(bus + bus_type::p, p);
        r.buses.push(Bus { addr: bus, name: name.clone(), p, builtin: false, builtin_methods: false, drv_files: &[] });
        drop(r);
        bus_views(&name);
        0
    }
}

crate::kfn! {
    /// `bus_unregister(bus)`: removes `/sys/bus/<name>` and what is under
    /// it, frees the private part and clears `bus->p`.
    fn bus_unregister(bus: u64) {
        let mut r = reg();
        let Some(i) = r.buses.iter().position(|b| b.addr == bus && !b.builtin) else { return };
        let b = r.buses.remove(i);
        let gone: Vec<u64> = r.drivers.iter().filter(|d| d.bus == bus).map(|d| d.p).collect();
        r.drivers.retain(|d| d.bus != bus);
        drop(r);
        for p in gone {
            kfree(p);
        }
        kernfs::remove(&format!("/sys/bus/{}", b.name));
        kfree(b.p);
        wr64(bus + bus_type::p, 0);
    }
}

/// Forgets buses and drivers that lived in freed module memory.
fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let mut r = reg();
    let mut paths = Vec::new();
    let buses: Vec<(u64, String)> = r
        .buses
        .iter()
        .filter(|b| inside(b.addr))
        .map(|b| (b.addr, b.name.clone()))
        .collect();
    for (addr, name) in &buses {
        paths.push(format!("/sys/bus/{name}"));
        r.buses.retain(|b| b.addr != *addr);
    }
    let bus_name =
        |r: &Registry, a: u64| r.buses.iter().find(|b| b.addr == a).map(|b| b.name.clone());
    let mut gone = Vec::new();
    for d in r
        .drivers
        .iter()
        .filter(|d| inside(d.addr) || buses.iter().any(|b| b.0 == d.bus))
    {
        if let Some(bn) = bus_name(&r, d.bus) {
            paths.push(format!("/sys/bus/{bn}/drivers/{}", d.name));
        }
        gone.push(d.p);
    }
    r.drivers
        .retain(|d| !(inside(d.addr) || buses.iter().any(|b| b.0 == d.bus)));
    drop(r);
    for p in paths {
        kernfs::remove(&p);
    }
    for p in gone {
        kfree(p);
    }
}
crate::purge_on_module_free!(purge);

/// The drivers of a bus in registration order (a snapshot: callbacks run
/// without the registry's lock).
pub(crate) fn drivers_of(bus: u64) -> Vec<u64> {
    reg()
        .drivers
        .iter()
        .filter(|d| d.bus == bus)
        .map(|d| d.addr)
        .collect()
}

crate::kfn! {
    /// `bus_for_each_drv(bus, start, data, fn)`: calls `fn(drv, data)` for
    /// each driver of the bus after `start` until one returns non-zero;
    /// that value (or 0). -EINVAL without a bus.
    fn bus_for_each_drv(bus: u64, start: u64, data: u64, f: u64) -> i32 {
        if bus == 0 {
            return super::EINVAL;
        }
        let mut drivers = drivers_of(bus);
        if start != 0 {
            match drivers.iter().position(|&d| d == start) {
                Some(i) => drivers.drain(..=i).for_each(drop),
                None => drivers.clear(),
            }
        }
        for d in drivers {
            // the driver may have gone while an earlier callback ran
            if !reg().drivers.iter().any(|x| x.addr == d) {
                continue;
            }
            let r = crate::fault::call_module(f, [d, data, 0, 0, 0, 0]).unwrap_or(0) as i32;
            if r != 0 {
                return r;
            }
        }
        0
    }
}

crate::kfn! {
    /// `bus_for_each_dev(bus, start, data, fn)`: `fn(dev, data)` for each
    /// device on the bus after `start` until one returns non-zero; that
    /// value (or 0). -EINVAL for a bus never registered.
    fn bus_for_each_dev(bus: u64, start: u64, data: u64, f: u64) -> i32 {
        if bus == 0 || rd64(bus + bus_type::p) == 0 {
            return super::EINVAL;
        }
        for dev in after(super::core::devices_on(bus), start) {
            let r = crate::fault::call_module(f, [dev, data, 0, 0, 0, 0]).unwrap_or(0) as i32;
            if r != 0 {
                return r;
            }
        }
        0
    }
}

/// The items after `start` (all of them for NULL).
fn after(mut v: Vec<u64>, start: u64) -> Vec<u64> {
    if start != 0 {
        match v.iter().position(|&d| d == start) {
            Some(i) => {
                v.drain(..=i);
            }
            None => v.clear(),
        }
    }
    v
}

crate::kfn! {
    /// `bus_find_device(bus, start, data, match)`: the first device after
    /// `start` that `match(dev, data)` accepts, with a reference; NULL.
    fn bus_find_device(bus: u64, start: u64, data: u64, m: u64) -> u64 {
        if bus == 0 || rd64(bus + bus_type::p) == 0 {
            return 0;
        }
        for dev in after(super::core::devices_on(bus), start) {
            if crate::fault::call_module(m, [dev, data, 0, 0, 0, 0]).unwrap_or(0) as i32 != 0 {
                return super::core::get(dev);
            }
        }
        0
    }
}

crate::kfn! {
    /// `bus_rescan_devices(bus)`: each device of the bus without a driver
    /// is offered to the drivers again. 0 (-EINVAL for a bus not registered).
    fn bus_rescan_devices(bus: u64) -> i32 {
        if bus == 0 || rd64(bus + bus_type::p) == 0 {
            return super::EINVAL;
        }
        for dev in super::core::devices_on(bus) {
            if rd64(dev + crate::layout::device::driver) == 0 {
                super::dd::probe_device(dev);
            }
        }
        0
    }
}

crate::kfn! {
    /// `driver_attach(drv)`: the driver is offered the bus's devices.
    fn driver_attach(drv: u64) -> i32 {
        super::dd::driver_attach(drv)
    }
}

fn bound_to(drv: u64) -> Vec<u64> {
    let bus = rd64(drv + crate::layout::device_driver::bus);
    super::core::devices_on(bus)
        .into_iter()
        .filter(|&d| rd64(d + crate::layout::device::driver) == drv)
        .collect()
}

crate::kfn! {
    /// `driver_for_each_device(drv, start, data, fn)`: over the devices
    /// bound to the driver. -EINVAL for NULL.
    fn driver_for_each_device(drv: u64, start: u64, data: u64, f: u64) -> i32 {
        if drv == 0 {
            return super::EINVAL;
        }
        for dev in after(bound_to(drv), start) {
            let r = crate::fault::call_module(f, [dev, data, 0, 0, 0, 0]).unwrap_or(0) as i32;
            if r != 0 {
                return r;
            }
        }
        0
    }
}

crate::kfn! {
    /// `driver_find_device(drv, start, data, match)`: a bound device that
    /// `match` accepts, with a reference, or NULL.
    fn driver_find_device(drv: u64, start: u64, data: u64, m: u64) -> u64 {
        if drv == 0 {
            return 0;
        }
        for dev in after(bound_to(drv), start) {
            if crate::fault::call_module(m, [dev, data, 0, 0, 0, 0]).unwrap_or(0) as i32 != 0 {
                return super::core::get(dev);
            }
        }
        0
    }
}

pub(crate) const BUS_NOTIFY_ADD_DEVICE: u64 = 1;
pub(crate) const BUS_NOTIFY_DEL_DEVICE: u64 = 2;
pub(crate) const BUS_NOTIFY_REMOVED_DEVICE: u64 = 3;
pub(crate) const BUS_NOTIFY_BIND_DRIVER: u64 = 4;
pub(crate) const BUS_NOTIFY_BOUND_DRIVER: u64 = 5;
pub(crate) const BUS_NOTIFY_UNBIND_DRIVER: u64 = 6;
pub(crate) const BUS_NOTIFY_UNBOUND_DRIVER: u64 = 7;
pub(crate) const BUS_NOTIFY_DRIVER_NOT_BOUND: u64 = 8;

/// Calls the bus's notifier chain (highest priority first) until one
/// returns NOTIFY_STOP.
pub(crate) fn notify(bus: u64, action: u64, dev: u64) {
    use crate::layout::notifier_block as nb_l;
    let mut chain: Vec<u64> = NOTIFIERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|&&(b, _)| b == bus)
        .map(|&(_, nb)| nb)
        .collect();
    chain.sort_by_key(|&nb| std::cmp::Reverse(super::rd32(nb + nb_l::priority) as i32));
    for nb in chain {
        let f = rd64(nb + nb_l::notifier_call);
        if f == 0 {
            continue;
        }
        let r = crate::fault::call_module(f, [nb, action, dev, 0, 0, 0]).unwrap_or(0) as u32;
        // NOTIFY_STOP_MASK
        if r & 0x8000 != 0 {
            break;
        }
    }
}

/// The name of a registered bus.
pub(crate) fn bus_name(bus: u64) -> Option<String> {
    reg()
        .buses
        .iter()
        .find(|b| b.addr == bus)
        .map(|b| b.name.clone())
}

/// Whether `bus` is one of the host's built-in buses.
pub(crate) fn is_builtin(bus: u64) -> bool {
    reg().buses.iter().any(|b| b.addr == bus && b.builtin)
}

/// The bus's `uevent` for a device (the platform bus's is the host's).
pub(crate) fn uevent(bus: u64, dev: u64, env: u64) -> Option<i32> {
    if bus == super::platform::bus_addr() {
        return Some(super::platform::platform_uevent(dev, env));
    }
    if is_builtin(bus) {
        return None;
    }
    let f = rd64(bus + bus_type::uevent);
    if f == 0 {
        return None;
    }
    Some(crate::fault::call_module(f, [dev, env, 0, 0, 0, 0]).unwrap_or(0) as i32)
}

static NOTIFIERS: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

crate::kfn! {
    /// `bus_register_notifier(bus, nb)`: the block joins the bus's chain
    /// (no device is ever added or removed, so it is never called). 0.
    fn bus_register_notifier(bus: u64, nb: u64) -> i32 {
        NOTIFIERS.lock().unwrap_or_else(|e| e.into_inner()).push((bus, nb));
        0
    }
}

crate::kfn! {
    /// `bus_unregister_notifier(bus, nb)`: 0, or -ENOENT for a block not
    /// on the chain.
    fn bus_unregister_notifier(bus: u64, nb: u64) -> i32 {
        let mut n = NOTIFIERS.lock().unwrap_or_else(|e| e.into_inner());
        match n.iter().position(|&x| x == (bus, nb)) {
            Some(i) => {
                n.remove(i);
                0
            }
            None => -2,
        }
    }
}

fn purge_notifiers(start: u64, end: u64) {
    NOTIFIERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&(b, nb)| !(b >= start && b < end) && !(nb >= start && nb < end));
}
crate::purge_on_module_free!(purge_notifiers);

//! drivers/base/attribute_container.c and transport_class.c: attribute
//! containers (a class's set of attributes for devices of a kind) and the
//! transport classes the SCSI transports are built on. Registering a
//! transport class registers its class; an anonymous one registers its
//! container (without class devices). Devices only join containers when a
//! subsystem adds a device (a SCSI host), which needs hardware the host
//! does not have, so the containers stay empty.

use std::sync::Mutex;

use super::{rd64, wr32, wr64};
use crate::layout::{
    anon_transport_class as atc_l, attribute_container as ac, klist, transport_class as tc,
};

const EBUSY: i32 = -16;
/// `ATTRIBUTE_CONTAINER_NO_CLASSDEVS`.
const NO_CLASSDEVS: u64 = 0x01;

/// The registered containers (`attribute_container_list`), in order.
static CONTAINERS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn list_init(h: u64) {
    wr64(h, h);
    wr64(h + 8, h);
}

/// The `node` list of registered containers lives in Rust; the module's
/// `node` is kept as a valid (self-linked) list head.
fn register(cont: u64) -> i32 {
    list_init(cont + ac::node);
    let k = cont + ac::containers;
    wr32(k + klist::k_lock, 0);
    list_init(k + klist::k_list);
    wr64(k + klist::get, 0);
    wr64(k + klist::put, 0);
    CONTAINERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(cont);
    0
}

/// `attribute_container_unregister`: -EBUSY while devices are in it.
fn unregister(cont: u64) -> i32 {
    let k = cont + ac::containers + klist::k_list;
    if rd64(k) != k {
        return EBUSY;
    }
    CONTAINERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&c| c != cont);
    list_init(cont + ac::node);
    0
}

crate::kfn! {
    /// `attribute_container_register(cont)`: 0.
    fn attribute_container_register(cont: u64) -> i32 {
        register(cont)
    }
}

crate::kfn! {
    /// `attribute_container_unregister(cont)`: 0, or -EBUSY while it has devices.
    fn attribute_container_unregister(cont: u64) -> i32 {
        unregister(cont)
    }
}

crate::kfn! {
    /// `transport_class_register(tclass)`: class_register of its class.
    fn transport_class_register(tclass: u64) -> i32 {
        super::class::__class_register(tclass + tc::class, 0)
    }
}

crate::kfn! {
    /// `transport_class_unregister(tclass)`.
    fn transport_class_unregister(tclass: u64) {
        super::class::class_unregister(tclass + tc::class)
    }
}

/// `anon_transport_dummy_function`: what an anonymous class sets up and
/// removes with (nothing).
extern "C" fn anon_transport_dummy_function(_c: u64, _d: u64, _cd: u64) -> i32 {
    0
}

crate::kfn! {
    /// `anon_transport_class_register(atc)`: its container, without class
    /// devices, pointing at its class.
    fn anon_transport_class_register(atc: u64) -> i32 {
        let cont = atc + atc_l::container;
        wr64(cont + ac::class, atc + atc_l::tclass + tc::class);
        wr64(cont + ac::flags, rd64(cont + ac::flags) | NO_CLASSDEVS);
        let e = register(cont);
        if e != 0 {
            return e;
        }
        let f = anon_transport_dummy_function as *const () as u64;
        wr64(atc + atc_l::tclass + tc::setup, f);
        wr64(atc + atc_l::tclass + tc::remove, f);
        0
    }
}

crate::kfn! {
    /// `anon_transport_class_unregister(atc)`: BUG() if its container
    /// still has devices (never, on the host).
    fn anon_transport_class_unregister(atc: u64) {
        let e = unregister(atc + atc_l::container);
        if e != 0 {
            crate::lib_::kobject::warn("anon_transport_class_unregister: container busy");
        }
    }
}

/// Forgets containers in freed module memory.
fn purge(start: u64, end: u64) {
    CONTAINERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&c| !(c >= start && c < end));
}
crate::purge_on_module_free!(purge);

//! drivers/char/misc.c: `misc_register`, `misc_deregister`, the `misc`
//! class and `/proc/misc`.
//!
//! The misc devices built into Debian's kernel with fixed minors (psaux,
//! hpet, hw_random, snapshot) exist from boot; built-in ones with dynamic minors
//! are not modelled, so dynamic minors start at 127 as on a kernel without
//! them.

use std::sync::{Mutex, MutexGuard};

use crate::drivers::base::{core, cstr, rd32, rd64, wr32, wr64};
use crate::layout::{list_head, miscdevice};

const MISC_MAJOR: u32 = 10;
const MISC_DYNAMIC_MINOR: u32 = 255;
const DYNAMIC_MINORS: u32 = 128;

/// Fixed-minor misc devices built into Debian's kernel, in registration
/// order (initcall link order: kernel/power, drivers/char, drivers/input).
const BUILTIN: [(u32, &str); 4] = [
    (231, "snapshot"),
    (228, "hpet"),
    (183, "hw_random"),
    (1, "psaux"),
];

struct Misc {
    /// The `struct miscdevice` (0 for a built-in one).
    addr: u64,
    minor: u32,
    name: String,
    dynamic_bit: Option<u32>,
}

struct State {
    cls: u64,
    /// Newest first, as `list_add` keeps `misc_list`.
    list: Vec<Misc>,
    bits: u128,
}

static STATE: Mutex<State> = Mutex::new(State {
    cls: 0,
    list: Vec::new(),
    bits: 0,
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The misc class and the built-in devices (at boot).
pub(crate) fn boot() {
    let cls = crate::drivers::base::class::register_builtin(c"misc");
    let mut s = state();
    s.cls = cls;
    for (minor, name) in BUILTIN {
        s.list.insert(
            0,
            Misc {
                addr: 0,
                minor,
                name: name.into(),
                dynamic_bit: None,
            },
        );
    }
    drop(s);
    for (minor, name) in BUILTIN {
        core::create(cls, 0, (MISC_MAJOR << 20) | minor, 0, 0, name);
    }
    crate::fs::kernfs::add_file("/proc/misc", || {
        state()
            .list
            .iter()
            .map(|m| format!("{:3} {}\n", m.minor, m.name))
            .collect::<String>()
            .into_bytes()
    });
}

crate::kfn! {
    /// `misc_register(misc)`: a dynamic minor (from 127 down) for
    /// `MISC_DYNAMIC_MINOR`, -EBUSY for a minor in use or when the
    /// dynamic ones are exhausted; the device appears in `/sys/class/misc`
    /// and `/proc/misc`.
    fn misc_register(misc: u64) -> i32 {
        let list = misc + miscdevice::list;
        wr64(list + list_head::next, list);
        wr64(list + list_head::prev, list);
        let mut s = state();
        let requested = rd32(misc + miscdevice::minor);
        let dynamic = requested == MISC_DYNAMIC_MINOR;
        let (minor, bit) = if dynamic {
            let i = (!s.bits).trailing_zeros();
            if i >= DYNAMIC_MINORS {
                return crate::drivers::base::EBUSY;
            }
            s.bits |= 1 << i;
            (DYNAMIC_MINORS - i - 1, Some(i))
        } else {
            if s.list.iter().any(|m| m.minor == requested) {
                return crate::drivers::base::EBUSY;
            }
            (requested, None)
        };
        let cls = s.cls;
        drop(s);
        wr32(misc + miscdevice::minor, minor);
        let name = cstr(rd64(misc + miscdevice::name)).unwrap_or_else(|| "(null)".into());
        let dev = core::create(cls, rd64(misc + miscdevice::parent), (MISC_MAJOR << 20) | minor, misc, 0, &name);
        if crate::drivers::base::is_err_or_null(dev) {
            let mut s = state();
            if let Some(i) = bit {
                s.bits &= !(1u128 << i);
                wr32(misc + miscdevice::minor, MISC_DYNAMIC_MINOR);
            }
            return dev as i64 as i32;
        }
        wr64(misc + miscdevice::this_device, dev);
        state().list.insert(0, Misc { addr: misc, minor, name, dynamic_bit: bit });
        0
    }
}

crate::kfn! {
    /// `misc_deregister(misc)`: removes the device and frees a dynamic
    /// minor.
    fn misc_deregister(misc: u64) {
        let mut s = state();
        let Some(i) = s.list.iter().position(|m| m.addr == misc && misc != 0) else { return };
        let m = s.list.remove(i);
        if let Some(b) = m.dynamic_bit {
            s.bits &= !(1u128 << b);
        }
        let cls = s.cls;
        drop(s);
        core::device_destroy(cls, (MISC_MAJOR << 20) | m.minor);
        // list_del: the entry is poisoned in Linux; the module's list head
        // is not used again
    }
}

fn purge(start: u64, end: u64) {
    let mut s = state();
    let gone: Vec<Misc> = s
        .list
        .extract_if(.., |m| m.addr >= start && m.addr < end && m.addr != 0)
        .collect();
    for m in &gone {
        if let Some(b) = m.dynamic_bit {
            s.bits &= !(1u128 << b);
        }
    }
    let cls = s.cls;
    drop(s);
    for m in gone {
        core::device_destroy(cls, (MISC_MAJOR << 20) | m.minor);
    }
}
crate::purge_on_module_free!(purge);

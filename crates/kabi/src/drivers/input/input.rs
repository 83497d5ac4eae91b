//! drivers/input/input.c: input handlers (`input_register_handler`,
//! `input_unregister_handler`) and `/proc/bus/input/{devices,handlers}`.
//!
//! The host has no input devices (the QEMU PC's keyboard and mouse behind
//! the i8042 are not modelled), so a new handler connects to nothing. The
//! handlers built into Debian's kernel are there from boot, in their
//! initcall order: kbd (VT), sysrq (a filter), mousedev (legacy minors
//! from 32), leds.

use std::sync::{Mutex, MutexGuard};

use crate::drivers::base::{cstr, rd32, rd64, rd8, wr64};
use crate::layout::{input_handler, list_head};

struct Handler {
    /// The `struct input_handler` (0 for a built-in one).
    addr: u64,
    name: String,
    filter: bool,
    legacy_minor: Option<i32>,
}

static HANDLERS: Mutex<Vec<Handler>> = Mutex::new(Vec::new());

fn handlers() -> MutexGuard<'static, Vec<Handler>> {
    HANDLERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The built-in handlers and the views (at boot).
pub(crate) fn boot() {
    let mut h = handlers();
    if !h.is_empty() {
        return;
    }
    for (name, filter, legacy_minor) in [
        ("kbd", false, None),
        ("sysrq", true, None),
        ("mousedev", false, Some(32)),
        ("leds", false, None),
    ] {
        h.push(Handler {
            addr: 0,
            name: name.into(),
            filter,
            legacy_minor,
        });
    }
    drop(h);
    crate::fs::kernfs::add_text("/proc/bus/input/devices", "");
    crate::fs::kernfs::add_file("/proc/bus/input/handlers", || {
        let mut out = String::new();
        for (i, h) in handlers().iter().enumerate() {
            out.push_str(&format!("N: Number={i} Name={}", h.name));
            if h.filter {
                out.push_str(" (filter)");
            }
            if let Some(m) = h.legacy_minor {
                out.push_str(&format!(" Minor={m}"));
            }
            out.push('\n');
        }
        out.into_bytes()
    });
}

fn init_list(l: u64) {
    wr64(l + list_head::next, l);
    wr64(l + list_head::prev, l);
}

crate::kfn! {
    /// `input_register_handler(handler)`: joins the handler list (and
    /// `/proc/bus/input/handlers`); there is no device to connect to. 0.
    fn input_register_handler(handler: u64) -> i32 {
        init_list(handler + input_handler::h_list);
        init_list(handler + input_handler::node);
        let name = cstr(rd64(handler + input_handler::name)).unwrap_or_else(|| "(null)".into());
        let filter = rd64(handler + input_handler::filter) != 0;
        let legacy_minor = (rd8(handler + input_handler::legacy_minors) != 0).then(|| rd32(handler + input_handler::minor) as i32);
        handlers().push(Handler { addr: handler, name, filter, legacy_minor });
        0
    }
}

crate::kfn! {
    /// `input_unregister_handler(handler)`: leaves the list (it has no
    /// handles to disconnect).
    fn input_unregister_handler(handler: u64) {
        let mut h = handlers();
        if let Some(i) = h.iter().position(|x| x.addr == handler && handler != 0) {
            h.remove(i);
            drop(h);
            init_list(handler + input_handler::node);
        }
    }
}

fn purge(start: u64, end: u64) {
    handlers().retain(|x| !(x.addr >= start && x.addr < end && x.addr != 0));
}
crate::purge_on_module_free!(purge);

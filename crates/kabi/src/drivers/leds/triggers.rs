//! drivers/leds/led-triggers.c: `led_trigger_register`,
//! `led_trigger_unregister`, the `_simple` pair, `led_trigger_event`,
//! `led_trigger_blink`, `led_trigger_blink_oneshot`.
//!
//! The host has no LED class devices (a QEMU PC has none until a module
//! such as input-leds makes some), so a trigger controls no LED: events
//! and blinks reach nobody. The triggers built into Debian's kernel are
//! registered from boot (their names are taken): disk, mtd, cpu (one CPU,
//! as in the census's QEMU guest), panic and the keyboard's.

use std::sync::{Mutex, MutexGuard};

use crate::drivers::base::{cstr, kfree, kzalloc, rd64, wr32, wr64};
use crate::layout::{led_trigger, list_head};

struct Trigger {
    /// The `struct led_trigger` (0 for a built-in one).
    addr: u64,
    name: String,
    /// `trigger_type` (LED-private triggers have one).
    trigger_type: u64,
}

static TRIGGERS: Mutex<Vec<Trigger>> = Mutex::new(Vec::new());

/// Built-in triggers of Debian's configuration (LEDS_TRIGGER_DISK, _MTD,
/// _CPU, _PANIC = y; the VT keyboard's kbd-* triggers).
const BUILTIN: &[&str] = &[
    "kbd-scrolllock",
    "kbd-numlock",
    "kbd-capslock",
    "kbd-kanalock",
    "kbd-shiftlock",
    "kbd-altgrlock",
    "kbd-ctrllock",
    "kbd-altlock",
    "kbd-shiftllock",
    "kbd-shiftrlock",
    "kbd-ctrlllock",
    "kbd-ctrlrlock",
    "disk-activity",
    "disk-read",
    "disk-write",
    "mtd",
    "nand-disk",
    "cpu",
    "cpu0",
    "panic",
];

fn triggers() -> MutexGuard<'static, Vec<Trigger>> {
    let mut t = TRIGGERS.lock().unwrap_or_else(|e| e.into_inner());
    if t.is_empty() {
        t.extend(BUILTIN.iter().map(|n| Trigger {
            addr: 0,
            name: n.to_string(),
            trigger_type: 0,
        }));
    }
    t
}

fn init_list(l: u64) {
    wr64(l + list_head::next, l);
    wr64(l + list_head::prev, l);
}

crate::kfn! {
    /// `led_trigger_register(trig)`: -EEXIST when a trigger of that name
    /// (of the same LED type, or either without one) is registered.
    fn led_trigger_register(trig: u64) -> i32 {
        wr32(trig + led_trigger::leddev_list_lock, 0);
        init_list(trig + led_trigger::led_cdevs);
        let name = cstr(rd64(trig + led_trigger::name)).unwrap_or_default();
        let ty = rd64(trig + led_trigger::trigger_type);
        let mut t = triggers();
        if t.iter().any(|x| x.name == name && (x.trigger_type == ty || ty == 0 || x.trigger_type == 0)) {
            return crate::drivers::base::EEXIST;
        }
        // list_add_tail(&trig->next_trig, &trigger_list): the host keeps
        // the list; the entry points at itself
        init_list(trig + led_trigger::next_trig);
        t.push(Trigger { addr: trig, name, trigger_type: ty });
        0
    }
}

crate::kfn! {
    /// `led_trigger_unregister(trig)`: a registered trigger leaves the
    /// list (no LED uses it).
    fn led_trigger_unregister(trig: u64) {
        let mut t = triggers();
        let Some(i) = t.iter().position(|x| x.addr == trig && trig != 0) else { return };
        t.remove(i);
        drop(t);
        init_list(trig + led_trigger::next_trig);
    }
}

crate::kfn! {
    /// `led_trigger_register_simple(name, tp)`: a new trigger of that
    /// name in `*tp`, or NULL with Linux's warning.
    fn led_trigger_register_simple(name: u64, tp: u64) {
        let trig = kzalloc(led_trigger::SIZE);
        if trig == 0 {
            crate::log::kernel_msg(4, &format!("LED trigger {} failed to register (no memory)", cstr(name).unwrap_or_default()));
        } else {
            wr64(trig + led_trigger::name, name);
            let err = led_trigger_register(trig);
            if err < 0 {
                kfree(trig);
                wr64(tp, 0);
                crate::log::kernel_msg(4, &format!("LED trigger {} failed to register ({err})", cstr(name).unwrap_or_default()));
                return;
            }
        }
        wr64(tp, trig);
    }
}

crate::kfn! {
    /// `led_trigger_unregister_simple(trig)`.
    fn led_trigger_unregister_simple(trig: u64) {
        if trig != 0 {
            led_trigger_unregister(trig);
        }
        kfree(trig);
    }
}

crate::kfn! {
    /// `led_trigger_event(trig, brightness)`: sets every LED of the
    /// trigger — there are none.
    fn led_trigger_event(_trig: u64, _brightness: u32) {}
}

crate::kfn! {
    /// `led_trigger_blink(trig, delay_on, delay_off)`: no LED to blink.
    fn led_trigger_blink(_trig: u64, _delay_on: u64, _delay_off: u64) {}
}

crate::kfn! {
    /// `led_trigger_blink_oneshot(trig, delay_on, delay_off, invert)`: no
    /// LED to blink.
    fn led_trigger_blink_oneshot(_trig: u64, _delay_on: u64, _delay_off: u64, _invert: i32) {}
}

fn purge(start: u64, end: u64) {
    triggers().retain(|x| !(x.addr >= start && x.addr < end));
}
crate::purge_on_module_free!(purge);

//! drivers/tty/tty_ldisc.c: the line discipline table —
//! `tty_register_ldisc`, `tty_unregister_ldisc` — and `/proc/tty/ldiscs`.
//! N_TTY (n_tty.c) is registered at boot; Debian builds no other line
//! discipline into the kernel.

use std::sync::Mutex;

use super::{cstr, rd32, rd64};
use crate::layout::{tty_consts, tty_ldisc_ops as lo};

const NR_LDISCS: usize = tty_consts::NR_LDISCS as usize;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Empty,
    /// The kernel's own `n_tty_ops`.
    NTty,
    /// A module's `struct tty_ldisc_ops`.
    Ops(u64),
}

static LDISCS: Mutex<[Slot; NR_LDISCS]> = Mutex::new([Slot::Empty; NR_LDISCS]);

fn table() -> std::sync::MutexGuard<'static, [Slot; NR_LDISCS]> {
    LDISCS.lock().unwrap_or_else(|e| e.into_inner())
}

/// `n_tty_init`: N_TTY in slot 0.
pub(crate) fn boot() {
    table()[tty_consts::N_TTY as usize] = Slot::NTty;
}

crate::kfn! {
    /// `tty_register_ldisc(new_ldisc)`: installs the discipline at its
    /// `num` (replacing what was there); -EINVAL outside N_TTY..NR_LDISCS.
    fn tty_register_ldisc(ops: u64) -> i32 {
        let num = rd32(ops + lo::num) as i32;
        if num < tty_consts::N_TTY as i32 || num >= NR_LDISCS as i32 {
            return super::EINVAL;
        }
        table()[num as usize] = Slot::Ops(ops);
        0
    }
}

crate::kfn! {
    /// `tty_unregister_ldisc(ldisc)`: empties the slot of its `num`.
    fn tty_unregister_ldisc(ops: u64) {
        let num = rd32(ops + lo::num) as i32;
        // Linux indexes the table unchecked; a number out of range (which
        // tty_register_ldisc refused) is ignored here
        if (0..NR_LDISCS as i32).contains(&num) {
            table()[num as usize] = Slot::Empty;
        }
    }
}

/// `/proc/tty/ldiscs`: `"%-10s %2d\n"` (name, number) per registered
/// discipline.
pub(crate) fn proc_ldiscs() -> Vec<u8> {
    let t = *table();
    let mut out = String::new();
    for (i, s) in t.iter().enumerate() {
        let name = match *s {
            Slot::Empty => continue,
            Slot::NTty => "n_tty".to_string(),
            Slot::Ops(ops) => cstr(rd64(ops + lo::name)).unwrap_or_else(|| "???".into()),
        };
        out.push_str(&format!("{name:<10} {i:2}\n"));
    }
    out.into_bytes()
}

/// The registered disciplines (tests): (number, name).
pub fn registered() -> Vec<(usize, String)> {
    String::from_utf8_lossy(&proc_ldiscs())
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let name = w.next()?.to_string();
            Some((w.next()?.parse().ok()?, name))
        })
        .collect()
}

fn purge(start: u64, end: u64) {
    for s in table().iter_mut() {
        if matches!(*s, Slot::Ops(p) if p >= start && p < end) {
            *s = Slot::Empty;
        }
    }
}
crate::purge_on_module_free!(purge);

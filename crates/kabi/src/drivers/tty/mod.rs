//! drivers/tty: the tty layer as modules see it on a machine without their
//! hardware — tty drivers register (device numbers, `/proc/tty/drivers`,
//! the `tty` class devices), ports are initialised and linked, line
//! disciplines register (`/proc/tty/ldiscs`), the serial core registers
//! uart drivers, serdev drivers join the "serial" bus. The host has no file layer: nothing opens a tty, so no
//! `tty_struct` ever exists; the functions that only make sense on an open
//! tty are left to the trap.
//!
//! | here | Linux |
//! |---|---|
//! | `tty_io.rs` | `drivers/tty/tty_io.c` (+ `fs/proc/proc_tty.c`) |
//! | `tty_port.rs` | `drivers/tty/tty_port.c`, `tty_buffer.c` (init/free) |
//! | `tty_ldisc.rs` | `drivers/tty/tty_ldisc.c` |
//! | `n_tty.rs` | `drivers/tty/n_tty.c` (`n_tty_ops`) |
//! | `tty_baudrate.rs` | `drivers/tty/tty_baudrate.c` |
//! | `serial_core.rs` | `drivers/tty/serial/serial_core.c` |
//! | `serdev.rs` | `drivers/tty/serdev/core.c` |
//! | `vt.rs` | `drivers/tty/vt/vt.c` |

pub mod n_tty;
pub mod serdev;
pub mod serial_core;
pub mod tty_baudrate;
pub mod tty_io;
pub mod tty_ldisc;
pub mod tty_port;
pub mod vt;

pub(crate) use crate::drivers::base::{
    cstr, err_ptr, is_err_or_null, kfree, kzalloc, rd32, rd64, wr32, wr64, wr8,
};

pub(crate) const EINVAL: i32 = -22;
pub(crate) const ENOMEM: i32 = -12;

/// `KMALLOC_MAX_SIZE` of Debian's SLUB (order MAX_ORDER - 1 pages): a
/// larger `kcalloc` fails.
const KMALLOC_MAX_SIZE: u64 = 1 << 22;

/// `kcalloc(n, size)`: zeroed, NULL on overflow or beyond what kmalloc
/// gives.
pub(crate) fn kcalloc(n: u64, size: u64) -> u64 {
    match n.checked_mul(size) {
        Some(t) if t <= KMALLOC_MAX_SIZE => kzalloc(t.max(1)),
        _ => 0,
    }
}

pub(crate) fn rd16(addr: u64) -> u16 {
    // SAFETY: a field of an object the module handed to the tty layer (or
    // one the tty layer allocated), per the export's contract.
    unsafe { (addr as *const u16).read_unaligned() }
}

pub(crate) fn wr16(addr: u64, v: u16) {
    // SAFETY: as for [`rd16`].
    unsafe { (addr as *mut u16).write_unaligned(v) }
}

/// `INIT_LIST_HEAD`.
pub(crate) fn list_init(head: u64) {
    wr64(head + crate::layout::list_head::next, head);
    wr64(head + crate::layout::list_head::prev, head);
}

/// `memset(p, 0, len)` of a module object.
pub(crate) fn zero(p: u64, len: u64) {
    // SAFETY: the module's object of that type and size.
    unsafe { std::ptr::write_bytes(p as *mut u8, 0, len as usize) };
}

/// The address of a vmlinux symbol (0 if none).
pub(crate) fn sym(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

/// Calls another export of the host's vmlinux as Linux's code calls it:
/// the host's implementation, or the trap that names it (which ends the
/// module call, as a call from the module itself would).
pub(crate) fn call_export(name: &str, args: [u64; 6]) -> u64 {
    let f = sym(name);
    if f == 0 {
        return 0;
    }
    crate::fault::call_module(f, args).unwrap_or(0)
}

/// `WARN_ON(cond)` in the host's tty code: "WARNING: <site>: <cond>" at
/// KERN_WARNING (the form of the host's other WARN lines); execution goes
/// on.
pub(crate) fn warn_on(site: &str, cond: &str) {
    crate::log::kernel_msg(4, &format!("WARNING: {site}: {cond}"));
}

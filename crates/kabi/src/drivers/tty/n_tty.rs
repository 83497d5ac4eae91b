//! drivers/tty/n_tty.c: the N_TTY line discipline's operations
//! (`n_tty_ops`) and `n_tty_inherit_ops`, which line disciplines built on
//! N_TTY (pps-ldisc) start from.
//!
//! N_TTY's methods run on an open tty; the host opens none, so they are
//! never reached. Each is a host function that, if called, reports that
//! the host does not implement it and ends the module call, as the trap of
//! an unimplemented export does.

use std::sync::OnceLock;

use super::{kzalloc, wr32, wr64};
use crate::layout::{tty_consts, tty_ldisc_ops as lo};

fn not_implemented(name: &str) -> u64 {
    crate::log::kernel_msg(
        3,
        &format!(
            "called {name}(), which the host kernel does not implement (no tty is ever opened)"
        ),
    );
    crate::fault::abandon(crate::fault::FaultKind::Panic, 0, 0);
    0
}

macro_rules! n_tty_methods {
    ($($f:ident => $name:literal),* $(,)?) => {
        $(crate::kfn! {
            #[doc = concat!("`", $name, "` (drivers/tty/n_tty.c): needs an open tty.")]
            fn $f() -> u64 {
                not_implemented($name)
            }
        })*
    };
}

n_tty_methods! {
    __modhost_n_tty_open => "n_tty_open",
    __modhost_n_tty_close => "n_tty_close",
    __modhost_n_tty_flush_buffer => "n_tty_flush_buffer",
    __modhost_n_tty_read => "n_tty_read",
    __modhost_n_tty_write => "n_tty_write",
    __modhost_n_tty_ioctl => "n_tty_ioctl",
    __modhost_n_tty_set_termios => "n_tty_set_termios",
    __modhost_n_tty_poll => "n_tty_poll",
    __modhost_n_tty_receive_buf => "n_tty_receive_buf",
    __modhost_n_tty_write_wakeup => "n_tty_write_wakeup",
    __modhost_n_tty_receive_buf2 => "n_tty_receive_buf2",
    __modhost_n_tty_lookahead_flow_ctrl => "n_tty_lookahead_flow_ctrl",
}

/// `n_tty_ops`: a kernel object, made once.
pub(crate) fn n_tty_ops() -> u64 {
    static OPS: OnceLock<u64> = OnceLock::new();
    *OPS.get_or_init(|| {
        let o = kzalloc(lo::SIZE);
        let f = |n: &str| super::sym(n);
        wr64(o + lo::name, c"n_tty".as_ptr() as u64);
        wr32(o + lo::num, tty_consts::N_TTY as u32);
        for (off, n) in [
            (lo::open, "__modhost_n_tty_open"),
            (lo::close, "__modhost_n_tty_close"),
            (lo::flush_buffer, "__modhost_n_tty_flush_buffer"),
            (lo::read, "__modhost_n_tty_read"),
            (lo::write, "__modhost_n_tty_write"),
            (lo::ioctl, "__modhost_n_tty_ioctl"),
            (lo::set_termios, "__modhost_n_tty_set_termios"),
            (lo::poll, "__modhost_n_tty_poll"),
            (lo::receive_buf, "__modhost_n_tty_receive_buf"),
            (lo::write_wakeup, "__modhost_n_tty_write_wakeup"),
            (lo::receive_buf2, "__modhost_n_tty_receive_buf2"),
            (lo::lookahead_buf, "__modhost_n_tty_lookahead_flow_ctrl"),
        ] {
            wr64(o + off, f(n));
        }
        o
    })
}

crate::kfn! {
    /// `n_tty_inherit_ops(ops)`: a copy of N_TTY's operations, without
    /// its owner.
    fn n_tty_inherit_ops(ops: u64) {
        let src = n_tty_ops();
        // SAFETY: the module's struct tty_ldisc_ops and the kernel's.
        unsafe { std::ptr::copy_nonoverlapping(src as *const u8, ops as *mut u8, lo::SIZE as usize) };
        wr64(ops + lo::owner, 0);
    }
}

//! drivers/tty/serial/serial_core.c: `uart_register_driver`,
//! `uart_unregister_driver` — a uart driver is a tty driver of the serial
//! core (built into Debian's kernel, so its `owner` is NULL) with one
//! `uart_state` (a tty port) per line, its devices made when ports are
//! added (TTY_DRIVER_DYNAMIC_DEV), and `/proc/tty/driver/<driver_name>`.
//!
//! No port is ever added in the host (`uart_add_one_port` needs the
//! hardware) and nothing opens a tty, so the serial core's tty and port
//! operations are never reached: the host's `uart_ops` carries only
//! `proc_show`, and `uart_port_ops` is empty (a tty core that opened one
//! of these ttys would find no `open`, as for a driver without one).

use std::sync::OnceLock;

use super::tty_io::{
    write_std_termios, TTY_DRIVER_DYNAMIC_DEV, TTY_DRIVER_REAL_RAW, TTY_DRIVER_TYPE_SERIAL,
};
use super::{
    call_export, is_err_or_null, kcalloc, kfree, kzalloc, rd32, rd64, sym, wr16, wr32, wr64,
};
use crate::layout::{
    ktermios as kt, tty_driver as td, tty_port as tp, tty_std, uart_driver as ud, uart_state as us,
};

const SERIAL_TYPE_NORMAL: u16 = 1;

/// (`uart_ops`, `uart_port_ops`): kernel objects, made once.
fn ops() -> (u64, u64) {
    static OPS: OnceLock<(u64, u64)> = OnceLock::new();
    *OPS.get_or_init(|| {
        let uart_ops = kzalloc(crate::layout::tty_operations::SIZE);
        wr64(
            uart_ops + crate::layout::tty_operations::proc_show,
            sym("__modhost_uart_proc_show"),
        );
        (uart_ops, kzalloc(crate::layout::tty_port_operations::SIZE))
    })
}

crate::kfn! {
    /// `uart_proc_show(m, v)`: the header line, then each line's port
    /// (a line without a port shows nothing).
    fn __modhost_uart_proc_show(m: u64, _v: u64) -> i32 {
        let fmt = c"serinfo:1.0 driver%s%s revision:%s\n".as_ptr() as u64;
        let empty = c"".as_ptr() as u64;
        call_export("seq_printf", [m, fmt, empty, empty, empty, 0]);
        let ttydrv = rd64(m + crate::layout::seq_file::tty_private);
        let drv = rd64(ttydrv + td::driver_state);
        let state = rd64(drv + ud::state);
        for i in 0..rd32(drv + ud::nr) as i32 {
            let st = state + i as u64 * us::SIZE;
            // uart_line_info: only a line with a port has something to show
            // (the host adds no port: uart_add_one_port needs the hardware)
            if rd64(st + us::uart_port) != 0 {
                super::warn_on("uart_line_info", "a port the host does not model");
            }
        }
        0
    }
}

fn destroy_ports(state: u64, nr: u32) {
    for i in 0..nr as u64 {
        super::tty_port::tty_port_destroy(state + i * us::SIZE + us::port);
    }
}

crate::kfn! {
    /// `uart_register_driver(drv)`: the line states and the tty driver
    /// (`dev_name`, `major`, `minor`, 9600 8N1 with CLOCAL). 0 or -errno.
    fn uart_register_driver(drv: u64) -> i32 {
        let nr = rd32(drv + ud::nr);
        let state = kcalloc(nr as u64, us::SIZE);
        if state == 0 {
            return super::ENOMEM;
        }
        wr64(drv + ud::state, state);
        let normal = super::tty_io::__tty_alloc_driver(nr, 0, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
        if is_err_or_null(normal) {
            kfree(state);
            wr64(drv + ud::state, 0);
            return normal as i64 as i32;
        }
        wr64(drv + ud::tty_driver, normal);
        wr64(normal + td::driver_name, rd64(drv + ud::driver_name));
        wr64(normal + td::name, rd64(drv + ud::dev_name));
        wr32(normal + td::major, rd32(drv + ud::major));
        wr32(normal + td::minor_start, rd32(drv + ud::minor));
        wr16(normal + td::r#type, TTY_DRIVER_TYPE_SERIAL);
        wr16(normal + td::subtype, SERIAL_TYPE_NORMAL);
        let t = normal + td::init_termios;
        write_std_termios(t);
        // B9600 | CS8 | CREAD | HUPCL | CLOCAL: the standard flags at 9600
        wr32(t + kt::c_cflag, ((tty_std::c_cflag & !tty_std::CBAUD) | tty_std::B9600 | tty_std::CLOCAL) as u32);
        wr32(t + kt::c_ispeed, 9600);
        wr32(t + kt::c_ospeed, 9600);
        wr64(normal + td::driver_state, drv);
        let (uart_ops, uart_port_ops) = ops();
        wr64(normal + td::ops, uart_ops);
        for i in 0..nr as u64 {
            let port = state + i * us::SIZE + us::port;
            super::tty_port::tty_port_init(port);
            wr64(port + tp::ops, uart_port_ops);
        }
        let r = super::tty_io::tty_register_driver(normal);
        if r >= 0 {
            return r;
        }
        destroy_ports(state, nr);
        super::tty_io::tty_driver_kref_put(normal);
        kfree(state);
        r
    }
}

crate::kfn! {
    /// `uart_unregister_driver(drv)`: the tty driver goes, the line states
    /// are destroyed and freed.
    fn uart_unregister_driver(drv: u64) {
        let p = rd64(drv + ud::tty_driver);
        super::tty_io::tty_unregister_driver(p);
        super::tty_io::tty_driver_kref_put(p);
        let state = rd64(drv + ud::state);
        destroy_ports(state, rd32(drv + ud::nr));
        kfree(state);
        wr64(drv + ud::state, 0);
        wr64(drv + ud::tty_driver, 0);
    }
}

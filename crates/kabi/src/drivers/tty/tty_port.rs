//! drivers/tty/tty_port.c: `struct tty_port` — `tty_port_init`,
//! `tty_port_destroy`, `tty_port_put`, `tty_port_link_device`,
//! `tty_port_register_device(_attr)`, `tty_port_unregister_device`,
//! `tty_port_tty_get`, `tty_port_tty_set`, `tty_port_default_client_ops` —
//! and the flip-buffer head of drivers/tty/tty_buffer.c a port embeds
//! (`tty_buffer_init`, `tty_buffer_free_all`, `flush_to_ldisc`).
//!
//! No tty is ever opened in the host, so a port's `tty`/`itty` stay NULL
//! and its flip buffer holds only the sentinel; the internal functions a
//! port points at (`flush_to_ldisc`, the default client operations) do what
//! Linux's do with no tty attached, and call on into the tty layer's
//! exports (or their traps) if one were.

use super::{call_export, list_init, rd32, rd64, sym, wr32, wr64, zero};
use crate::layout::{
    consts, tty_buffer as tb, tty_bufhead as bh, tty_port as tp, tty_port_client_operations as pco,
    work_struct as ws,
};

/// `TTYB_DEFAULT_MEM_LIMIT` (drivers/tty/tty_buffer.c): 640 KiB.
const TTYB_DEFAULT_MEM_LIMIT: u32 = 640 * 1024;
const HZ: u32 = crate::kernel::sched::HZ as u32;

/// `INIT_WORK(work, func)`.
fn init_work(work: u64, func: u64) {
    wr64(work + ws::data, consts::WORK_STRUCT_NO_POOL);
    list_init(work + ws::entry);
    wr64(work + ws::func, func);
}

/// `mutex_init` of a zeroed mutex.
fn mutex_init(m: u64) {
    zero(m, crate::layout::mutex::SIZE);
    list_init(m + crate::layout::mutex::wait_list);
}

/// `init_waitqueue_head` of a zeroed head.
fn waitqueue_init(w: u64) {
    wr32(w + crate::layout::wait_queue_head::lock, 0);
    list_init(w + crate::layout::wait_queue_head::head);
}

/// `tty_buffer_init(port)`: an empty flip buffer (head and tail at the
/// sentinel), its work `flush_to_ldisc`, the default memory limit.
fn buffer_init(port: u64) {
    let buf = port + tp::buf;
    mutex_init(buf + bh::lock);
    zero(buf + bh::sentinel, tb::SIZE);
    wr64(buf + bh::head, buf + bh::sentinel);
    wr64(buf + bh::tail, buf + bh::sentinel);
    wr64(buf + bh::free, 0);
    wr32(buf + bh::mem_used, 0);
    wr32(buf + bh::priority, 0);
    init_work(buf + bh::work, sym("__modhost_flush_to_ldisc"));
    wr32(buf + bh::mem_limit, TTYB_DEFAULT_MEM_LIMIT);
}

/// `tty_buffer_free_all(port)`: frees the buffers of the queue and of the
/// free list (the sentinel stays), head and tail back at the sentinel.
fn buffer_free_all(port: u64) {
    let buf = port + tp::buf;
    let sentinel = buf + bh::sentinel;
    let mut p = rd64(buf + bh::head);
    while p != 0 {
        let next = rd64(p + tb::next);
        if p != sentinel && rd32(p + tb::size) as i32 > 0 {
            super::kfree(p);
        }
        p = next;
    }
    // the free list (llist through the same first word)
    let mut p = rd64(buf + bh::free);
    while p != 0 {
        let next = rd64(p + tb::next);
        super::kfree(p);
        p = next;
    }
    wr64(buf + bh::free, 0);
    zero(sentinel, tb::SIZE);
    wr64(buf + bh::head, sentinel);
    wr64(buf + bh::tail, sentinel);
    wr32(buf + bh::mem_used, 0);
}

crate::kfn! {
    /// `flush_to_ldisc(work)` (tty_buffer.c, the port's buffer work): hands
    /// the flip buffer to the port's tty's line discipline; nothing to do
    /// without a tty.
    fn __modhost_flush_to_ldisc(work: u64) {
        let port = work.wrapping_sub(bh::work).wrapping_sub(tp::buf);
        let tty = rd64(port + tp::itty);
        if tty == 0 {
            return;
        }
        let disc = call_export("tty_ldisc_ref", [tty, 0, 0, 0, 0, 0]);
        if disc != 0 {
            call_export("tty_ldisc_deref", [disc, 0, 0, 0, 0, 0]);
        }
    }
}

crate::kfn! {
    /// `tty_port_default_receive_buf(port, p, f, count)`: what the port's
    /// tty's line discipline takes; 0 without a tty.
    fn __modhost_tty_port_default_receive_buf(port: u64, p: u64, f: u64, count: u64) -> i32 {
        let tty = rd64(port + tp::itty);
        if tty == 0 {
            return 0;
        }
        let disc = call_export("tty_ldisc_ref", [tty, 0, 0, 0, 0, 0]);
        if disc == 0 {
            return 0;
        }
        let r = call_export("tty_ldisc_receive_buf", [disc, p, f, count, 0, 0]) as i32;
        call_export("tty_ldisc_deref", [disc, 0, 0, 0, 0, 0]);
        r
    }
}

crate::kfn! {
    /// `tty_port_default_lookahead_buf(port, p, f, count)`: nothing
    /// without a tty.
    fn __modhost_tty_port_default_lookahead_buf(port: u64, _p: u64, _f: u64, _count: u32) {
        let tty = rd64(port + tp::itty);
        if tty == 0 {
            return;
        }
        let disc = call_export("tty_ldisc_ref", [tty, 0, 0, 0, 0, 0]);
        if disc != 0 {
            call_export("tty_ldisc_deref", [disc, 0, 0, 0, 0, 0]);
        }
    }
}

crate::kfn! {
    /// `tty_port_default_wakeup(port)`: wakes the port's tty, if any.
    fn __modhost_tty_port_default_wakeup(port: u64) {
        let tty = tty_port_tty_get(port);
        if tty != 0 {
            call_export("tty_wakeup", [tty, 0, 0, 0, 0, 0]);
            call_export("tty_kref_put", [tty, 0, 0, 0, 0, 0]);
        }
    }
}

crate::export_data!("tty_port_default_client_ops", size pco::SIZE, align 8, init = init_client_ops);

fn init_client_ops(addr: u64, b: &crate::vmlinux::Builder) {
    let f = |n: &str| b.symbol(n).unwrap_or(0);
    wr64(
        addr + pco::receive_buf,
        f("__modhost_tty_port_default_receive_buf"),
    );
    wr64(
        addr + pco::lookahead_buf,
        f("__modhost_tty_port_default_lookahead_buf"),
    );
    wr64(
        addr + pco::write_wakeup,
        f("__modhost_tty_port_default_wakeup"),
    );
}

crate::kfn! {
    /// `tty_port_init(port)`: zeroes the port and sets up its flip buffer,
    /// wait queues, mutexes and lock, the default close delays (0.5 s,
    /// 30 s), the default client operations and one reference.
    fn tty_port_init(port: u64) {
        zero(port, tp::SIZE);
        buffer_init(port);
        waitqueue_init(port + tp::open_wait);
        waitqueue_init(port + tp::delta_msr_wait);
        mutex_init(port + tp::mutex);
        mutex_init(port + tp::buf_mutex);
        wr32(port + tp::lock, 0);
        wr32(port + tp::close_delay, (50 * HZ) / 100);
        wr32(port + tp::closing_wait, (3000 * HZ) / 100);
        wr64(port + tp::client_ops, sym("tty_port_default_client_ops"));
        wr32(port + tp::kref, 1);
    }
}

crate::kfn! {
    /// `tty_port_destroy(port)`: stops the buffer work and frees the flip
    /// buffers.
    fn tty_port_destroy(port: u64) {
        crate::kernel::workqueue::cancel_work_sync(port + tp::buf + bh::work);
        buffer_free_all(port);
    }
}

crate::kfn! {
    /// `tty_port_put(port)`: drops a reference; the last one frees the
    /// transmit page, destroys the port and hands it to `ops->destruct`
    /// (or kfree).
    fn tty_port_put(port: u64) {
        if port == 0 {
            return;
        }
        // SAFETY: the port's kref (refcount_t).
        let r = unsafe { &*((port + tp::kref) as *const std::sync::atomic::AtomicU32) };
        let old = r.fetch_update(std::sync::atomic::Ordering::AcqRel, std::sync::atomic::Ordering::Acquire, |v| (v != 0).then(|| v - 1));
        match old {
            Ok(1) => {}
            Ok(_) => return,
            Err(_) => {
                crate::log::kernel_msg(4, "refcount_t: underflow; use-after-free.");
                return;
            }
        }
        // tty_port_destructor
        if rd64(port + tp::itty) != 0 {
            super::warn_on("tty_port_destructor", "port->itty");
            return;
        }
        let xmit = rd64(port + tp::xmit_buf);
        if xmit != 0 {
            call_export("free_pages", [xmit, 0, 0, 0, 0, 0]);
        }
        tty_port_destroy(port);
        let ops = rd64(port + tp::ops);
        let destruct = if ops != 0 { rd64(ops + crate::layout::tty_port_operations::destruct) } else { 0 };
        if destruct != 0 {
            crate::fault::call_module(destruct, [port, 0, 0, 0, 0, 0]);
        } else {
            super::kfree(port);
        }
    }
}

crate::kfn! {
    /// `tty_port_link_device(port, driver, index)`: the driver's port for
    /// line `index` (a WARN and nothing for a line out of range).
    fn tty_port_link_device(port: u64, driver: u64, index: u32) {
        use crate::layout::tty_driver as td;
        if index >= rd32(driver + td::num) {
            super::warn_on("tty_port_link_device", "index >= driver->num");
            return;
        }
        let ports = rd64(driver + td::ports);
        if ports != 0 {
            wr64(ports + 8 * index as u64, port);
        }
    }
}

crate::kfn! {
    /// `tty_port_register_device(port, driver, index, device)`.
    fn tty_port_register_device(port: u64, driver: u64, index: u32, device: u64) -> u64 {
        tty_port_register_device_attr(port, driver, index, device, 0, 0)
    }
}

crate::kfn! {
    /// `tty_port_register_device_attr(port, driver, index, device,
    /// drvdata, attr_grp)`: links the port and registers the line's device.
    fn tty_port_register_device_attr(port: u64, driver: u64, index: u32, device: u64, drvdata: u64, attr_grp: u64) -> u64 {
        tty_port_link_device(port, driver, index);
        super::tty_io::tty_register_device_attr(driver, index, device, drvdata, attr_grp)
    }
}

crate::kfn! {
    /// `tty_port_unregister_device(port, driver, index)`: the line's
    /// device goes (a port registered through serdev would be handed back
    /// to serdev; the host registers none).
    fn tty_port_unregister_device(_port: u64, driver: u64, index: u32) {
        super::tty_io::tty_unregister_device(driver, index);
    }
}

crate::kfn! {
    /// `tty_port_tty_get(port)`: a reference to the port's tty, or NULL.
    fn tty_port_tty_get(port: u64) -> u64 {
        let lock = port + tp::lock;
        let flags = call_export("_raw_spin_lock_irqsave", [lock, 0, 0, 0, 0, 0]);
        let tty = rd64(port + tp::tty);
        if tty != 0 {
            // tty_kref_get
            // SAFETY: the tty's kref (refcount_t).
            unsafe { &*((tty + crate::layout::tty_struct::kref) as *const std::sync::atomic::AtomicU32) }
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        call_export("_raw_spin_unlock_irqrestore", [lock, flags, 0, 0, 0, 0]);
        tty
    }
}

//! mm/backing-dev.c: backing device information (`struct backing_dev_info`)
//! — `bdi_alloc`, `bdi_register`, `bdi_unregister`, `bdi_put`,
//! `bdi_dev_name`, `noop_backing_dev_info` — and the `bdi` class.
//!
//! A registered bdi is a class device `/sys/class/bdi/<name>` (at
//! `/sys/devices/virtual/bdi/<name>`) with the class's attributes
//! `read_ahead_kb`, `min_ratio`, `max_ratio` and `stable_pages_required`,
//! read live from the structure. The host's machine has no block devices,
//! so the class starts empty and the first bdi registered gets id 1.
//!
//! The host has no page cache and no dirty inodes: a bdi's writeback
//! (its `wb`) never has work, so its work items never run and its
//! per-CPU statistics stay 0. The host has no cgroup hierarchies either:
//! `wb.memcg_css`/`wb.blkcg_css` (the root memory and block cgroups' css on
//! Linux) stay NULL. No debugfs `bdi/<name>/stats` file is made.

use std::sync::{Mutex, OnceLock};

use crate::drivers::base::{kfree, kzalloc, rd32, rd64, wr32, wr64};
use crate::fs::kernfs;
use crate::layout::{
    backing_dev_info as bdi_l, bdi_consts as c, bdi_writeback as wb_l, consts, delayed_work,
    fprop_local_percpu, list_head, mutex, percpu_counter, rw_semaphore, wait_queue_head,
    work_struct, xarray,
};

/// `INIT_BW`: the initial write bandwidth, 100 MB/s in pages per second.
const INIT_BW: u64 = 100 << (20 - 12);

/// `bdi_class`: created at boot (`bdi_class_init`).
static CLASS: OnceLock<u64> = OnceLock::new();

/// Registered bdis (`bdi_list`) and `bdi_id_cursor`.
struct Registry {
    list: Vec<u64>,
    cursor: u64,
}
static REG: Mutex<Registry> = Mutex::new(Registry {
    list: Vec::new(),
    cursor: 0,
});

fn reg() -> std::sync::MutexGuard<'static, Registry> {
    REG.lock().unwrap_or_else(|e| e.into_inner())
}

fn list_init(l: u64) {
    wr64(l + list_head::next, l);
    wr64(l + list_head::prev, l);
}

/// The writeback work functions (`wb_workfn`, `wb_update_bandwidth_workfn`):
/// with no dirty inodes and no queued work there is nothing to do.
extern "C" fn wb_workfn(_work: u64) {}
extern "C" fn wb_update_bandwidth_workfn(_work: u64) {}
/// `laptop_mode_timer_fn`: armed only by laptop-mode I/O completions,
/// which the host has none of.
extern "C" fn laptop_mode_timer_fn(_timer: u64) {}

/// `INIT_DELAYED_WORK(dwork, func)`.
fn init_delayed_work(dw: u64, func: u64) {
    let w = dw + delayed_work::work;
    wr64(w + work_struct::data, consts::WORK_STRUCT_NO_POOL);
    list_init(w + work_struct::entry);
    wr64(w + work_struct::func, func);
    let timer_fn = crate::vmlinux::get()
        .and_then(|v| v.symbol("delayed_work_timer_fn"))
        .unwrap_or(0);
    crate::kernel::time::timer::init_timer_key(
        dw + delayed_work::timer,
        timer_fn,
        c::TIMER_IRQSAFE as u32,
        0,
        0,
    );
}

/// `percpu_counter_init(fbc, 0, gfp)`: count 0, per-CPU s32 counters.
fn percpu_counter_init(fbc: u64) -> bool {
    wr32(fbc + percpu_counter::lock, 0);
    wr64(fbc + percpu_counter::count, 0);
    list_init(fbc + percpu_counter::list);
    let p = super::percpu::__alloc_percpu(4, 4);
    wr64(fbc + percpu_counter::counters, p);
    p != 0
}

fn percpu_counter_destroy(fbc: u64) {
    let p = rd64(fbc + percpu_counter::counters);
    if p != 0 {
        super::percpu::free_percpu(p);
        wr64(fbc + percpu_counter::counters, 0);
    }
}

/// The current `jiffies`.
fn jiffies() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("jiffies_64"))
        .map(rd64)
        .unwrap_or(0)
}

/// `wb_init(wb, bdi)`.
fn wb_init(wb: u64, bdi: u64) -> bool {
    // SAFETY: `wb` is inside the bdi the kernel allocated (or the static
    // noop bdi): memset(wb, 0, sizeof(*wb)).
    unsafe { std::ptr::write_bytes(wb as *mut u8, 0, wb_l::SIZE as usize) };
    let jiffies = jiffies();
    wr64(wb + wb_l::bdi, bdi);
    wr64(wb + wb_l::last_old_flush, jiffies);
    for l in [
        wb_l::b_dirty,
        wb_l::b_io,
        wb_l::b_more_io,
        wb_l::b_dirty_time,
        wb_l::work_list,
    ] {
        list_init(wb + l);
    }
    wr64(wb + wb_l::bw_time_stamp, jiffies);
    for f in [
        wb_l::balanced_dirty_ratelimit,
        wb_l::dirty_ratelimit,
        wb_l::write_bandwidth,
        wb_l::avg_write_bandwidth,
    ] {
        wr64(wb + f, INIT_BW);
    }
    init_delayed_work(wb + wb_l::dwork, wb_workfn as *const () as u64);
    init_delayed_work(
        wb + wb_l::bw_dwork,
        wb_update_bandwidth_workfn as *const () as u64,
    );
    wr64(wb + wb_l::dirty_sleep, jiffies);
    // fprop_local_init_percpu(&wb->completions)
    let comp = wb + wb_l::completions;
    if !percpu_counter_init(comp + fprop_local_percpu::events) {
        return false;
    }
    for i in 0..c::NR_WB_STAT_ITEMS {
        if !percpu_counter_init(wb + wb_l::stat + i * percpu_counter::SIZE) {
            wb_exit(wb);
            return false;
        }
    }
    true
}

/// `wb_exit(wb)`: frees the per-CPU counters.
fn wb_exit(wb: u64) {
    for i in 0..c::NR_WB_STAT_ITEMS {
        percpu_counter_destroy(wb + wb_l::stat + i * percpu_counter::SIZE);
    }
    percpu_counter_destroy(wb + wb_l::completions + fprop_local_percpu::events);
}

/// `bdi_init(bdi)`: 0 or -ENOMEM.
fn bdi_init(bdi: u64) -> i32 {
    wr64(bdi + bdi_l::dev, 0);
    wr32(bdi + bdi_l::refcnt, 1);
    wr32(bdi + bdi_l::min_ratio, 0);
    wr32(bdi + bdi_l::max_ratio, 100);
    wr32(bdi + bdi_l::max_prop_frac, c::FPROP_FRAC_BASE as u32);
    list_init(bdi + bdi_l::bdi_list);
    list_init(bdi + bdi_l::wb_list);
    let wq = bdi + bdi_l::wb_waitq;
    wr32(wq + wait_queue_head::lock, 0);
    list_init(wq + wait_queue_head::head);
    // cgwb_bdi_init: the cgroup wb tree, its mutex and rwsem, the root wb
    wr32(
        bdi + bdi_l::cgwb_tree + xarray::xa_flags,
        c::GFP_ATOMIC as u32,
    );
    wr64(bdi + bdi_l::cgwb_tree + xarray::xa_head, 0);
    wr64(bdi + bdi_l::cgwb_release_mutex + mutex::owner, 0);
    list_init(bdi + bdi_l::cgwb_release_mutex + mutex::wait_list);
    wr64(bdi + bdi_l::wb_switch_rwsem + rw_semaphore::count, 0);
    wr64(bdi + bdi_l::wb_switch_rwsem + rw_semaphore::owner, 0);
    list_init(bdi + bdi_l::wb_switch_rwsem + rw_semaphore::wait_list);
    if !wb_init(bdi + bdi_l::wb, bdi) {
        return crate::drivers::base::ENOMEM;
    }
    0
}

crate::kfn! {
    /// `bdi_alloc(node_id)`: a new bdi (refcount 1) with Linux's defaults —
    /// writeback and writeback accounting capabilities, 128 KiB of
    /// readahead (`ra_pages`, `io_pages`), ratios 0–100 — or NULL.
    fn bdi_alloc(_node_id: i32) -> u64 {
        let bdi = kzalloc(bdi_l::SIZE);
        if bdi == 0 {
            return 0;
        }
        if bdi_init(bdi) != 0 {
            kfree(bdi);
            return 0;
        }
        wr32(bdi + bdi_l::capabilities, (c::BDI_CAP_WRITEBACK | c::BDI_CAP_WRITEBACK_ACCT) as u32);
        wr64(bdi + bdi_l::ra_pages, c::VM_READAHEAD_PAGES);
        wr64(bdi + bdi_l::io_pages, c::VM_READAHEAD_PAGES);
        crate::kernel::time::timer::init_timer_key(
            bdi + bdi_l::laptop_mode_wb_timer,
            laptop_mode_timer_fn as *const () as u64,
            0,
            0,
            0,
        );
        bdi
    }
}

/// `bdi_dev_groups`: the class's attribute files in the class device's
/// directory (`/sys/devices/virtual/bdi/<name>`), read from the bdi.
fn add_attrs(bdi: u64, dev: u64, name: &str) {
    let d = crate::lib_::kobject::path_of(dev + crate::layout::device::kobj)
        .unwrap_or_else(|| format!("/sys/devices/virtual/bdi/{name}"));
    kernfs::add_file(&format!("{d}/read_ahead_kb"), move || {
        format!("{}\n", rd64(bdi + bdi_l::ra_pages).wrapping_mul(4) as i64).into_bytes()
    });
    kernfs::add_file(&format!("{d}/min_ratio"), move || {
        format!("{}\n", rd32(bdi + bdi_l::min_ratio)).into_bytes()
    });
    kernfs::add_file(&format!("{d}/max_ratio"), move || {
        format!("{}\n", rd32(bdi + bdi_l::max_ratio)).into_bytes()
    });
    kernfs::add_text(&format!("{d}/stable_pages_required"), "0\n");
}

/// `bdi_register_va(bdi, name)`: 0 (also when already registered), or
/// the error of `device_create`.
fn register(bdi: u64, name: &str) -> i32 {
    if rd64(bdi + bdi_l::dev) != 0 {
        return 0;
    }
    // vsnprintf(bdi->dev_name, sizeof(bdi->dev_name), ...)
    let cap = (bdi_l::owner - bdi_l::dev_name) as usize;
    let mut bytes = name.as_bytes().to_vec();
    bytes.truncate(cap.saturating_sub(1));
    // SAFETY: dev_name is a char array of `cap` bytes inside the bdi.
    unsafe {
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (bdi + bdi_l::dev_name) as *mut u8,
            bytes.len(),
        );
        ((bdi + bdi_l::dev_name + bytes.len() as u64) as *mut u8).write(0);
    }
    let name = String::from_utf8_lossy(&bytes).into_owned();
    let Some(&cls) = CLASS.get() else {
        return crate::drivers::base::ENODEV;
    };
    let dev = crate::drivers::base::core::create(cls, 0, 0, bdi, 0, &name);
    if crate::drivers::base::is_err_or_null(dev) {
        return dev as i64 as i32;
    }
    wr64(bdi + bdi_l::dev, dev);
    add_attrs(bdi, dev, &name);
    // set_bit(WB_registered, &bdi->wb.state)
    let st = bdi + bdi_l::wb + wb_l::state;
    wr64(st, rd64(st) | 1 << c::WB_registered);
    let mut r = reg();
    r.cursor += 1;
    wr64(bdi + bdi_l::id, r.cursor);
    r.list.push(bdi);
    0
}

/// `bdi_register(bdi, fmt, ...)`.
extern "C" fn bdi_register(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let bdi = args.arg(0);
    // SAFETY: the module's format string.
    let fmt = unsafe { crate::abi::c_str(args.arg(1), 1 << 12) };
    let name = crate::printf::format(fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    register(bdi, &String::from_utf8_lossy(&name))
}
crate::export_variadic!("bdi_register" => bdi_register);

crate::kfn! {
    /// `bdi_unregister(bdi)`: leaves the bdi list, shuts its writeback
    /// down, removes its class device and drops its owner.
    fn bdi_unregister(bdi: u64) {
        crate::kernel::time::timer::timer_delete_sync(bdi + bdi_l::laptop_mode_wb_timer);
        reg().list.retain(|&b| b != bdi);
        // wb_shutdown: clear WB_registered (no writeback to flush)
        let st = bdi + bdi_l::wb + wb_l::state;
        wr64(st, rd64(st) & !(1 << c::WB_registered));
        let dev = rd64(bdi + bdi_l::dev);
        if dev != 0 {
            crate::drivers::base::core::device_unregister(dev);
            wr64(bdi + bdi_l::dev, 0);
        }
        let owner = rd64(bdi + bdi_l::owner);
        if owner != 0 {
            crate::drivers::base::core::put_device(owner);
            wr64(bdi + bdi_l::owner, 0);
        }
    }
}

crate::kfn! {
    /// `bdi_put(bdi)`: drops a reference; the last frees the bdi
    /// (`release_bdi`, with Linux's warnings if it is still registered).
    fn bdi_put(bdi: u64) {
        let n = rd32(bdi + bdi_l::refcnt).wrapping_sub(1);
        wr32(bdi + bdi_l::refcnt, n);
        if n != 0 {
            return;
        }
        if rd64(bdi + bdi_l::wb + wb_l::state) & (1 << c::WB_registered) != 0 || rd64(bdi + bdi_l::dev) != 0 {
            crate::log::kernel_msg(4, "WARNING: at mm/backing-dev.c release_bdi: bdi still registered");
        }
        wb_exit(bdi + bdi_l::wb);
        kfree(bdi);
    }
}

/// `bdi_unknown_name`.
static UNKNOWN: &std::ffi::CStr = c"(unknown)";

crate::kfn! {
    /// `bdi_dev_name(bdi)`: its name, or "(unknown)" before registration.
    fn bdi_dev_name(bdi: u64) -> u64 {
        if bdi == 0 || rd64(bdi + bdi_l::dev) == 0 {
            return UNKNOWN.as_ptr() as u64;
        }
        bdi + bdi_l::dev_name
    }
}

// `noop_backing_dev_info`: initialized by `driver_init` (bdi_init only:
// no capabilities, no readahead, never registered).
crate::export_data!("noop_backing_dev_info", size bdi_l::SIZE, align 64, init = init_noop);

fn init_noop(addr: u64, _b: &crate::vmlinux::Builder) {
    bdi_init(addr);
    // bdi_class_init (postcore initcall): the bdi class
    CLASS.get_or_init(|| crate::drivers::base::class::register_builtin(c"bdi"));
}

//! kernel/time/hrtimer.c: high-resolution timers.
//!
//! `hrtimer_init` points the timer's `base` at one of the host's eight
//! `hrtimer_clock_base`s (MONOTONIC, REALTIME, BOOTTIME, TAI, and their
//! SOFT twins), whose `get_time` the inline `hrtimer_cb_get_time()` calls.
//! A started timer is kept in a host table ordered by its hard expiry
//! (`node.expires`), with HRTIMER_STATE_ENQUEUED in `state` while queued; an
//! hrtimer thread (started on demand, gone when none is queued) runs each
//! callback through `call_module` and re-queues the timer when the
//! callback returns HRTIMER_RESTART, as `__run_hrtimer` does.

use crate::layout::{hrtimer as ht, hrtimer_clock_base as cb};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

const MODE_REL: u32 = 1;
const MODE_SOFT: u32 = 4;
const MODE_HARD: u32 = 8;
const STATE_ENQUEUED: u8 = 1;
const NR_BASES: u64 = 8;
const KTIME_MAX: i64 = i64::MAX;

crate::export_data!("__modhost_hrtimer_bases", size NR_BASES * cb::SIZE, align 64, init = init_bases);
crate::export_data!("hrtimer_resolution", size 4, align 4, init = init_resolution);

extern "C" fn get_real() -> i64 {
    crate::kernel::time::timekeeping::ktime_get_with_offset(0)
}
extern "C" fn get_boot() -> i64 {
    crate::kernel::time::timekeeping::ktime_get_with_offset(1)
}
extern "C" fn get_tai() -> i64 {
    crate::kernel::time::timekeeping::ktime_get_with_offset(2)
}
crate::export_fn!("__modhost_ktime_get_real" => get_real);
crate::export_fn!("__modhost_ktime_get_boottime" => get_boot);
crate::export_fn!("__modhost_ktime_get_clocktai" => get_tai);

fn init_resolution(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh 4-byte vmlinux object: HIGH_RES_NSEC.
    unsafe { (addr as *mut u32).write(1) };
}

fn init_bases(addr: u64, b: &crate::vmlinux::Builder) {
    let f = |n: &str| b.symbol(n).unwrap_or(0);
    let gets = [
        f("ktime_get"),
        f("__modhost_ktime_get_real"),
        f("__modhost_ktime_get_boottime"),
        f("__modhost_ktime_get_clocktai"),
    ];
    let clocks = [
        libc::CLOCK_MONOTONIC,
        libc::CLOCK_REALTIME,
        libc::CLOCK_BOOTTIME,
        libc::CLOCK_TAI,
    ];
    for i in 0..NR_BASES {
        let base = addr + i * cb::SIZE;
        // SAFETY: fresh bases in the vmlinux data area.
        unsafe {
            ((base + cb::index) as *mut u32).write(i as u32);
            ((base + cb::clockid) as *mut i32).write(clocks[(i % 4) as usize]);
            ((base + cb::get_time) as *mut u64).write(gets[(i % 4) as usize]);
        }
    }
}

fn base_addr(index: u64) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("__modhost_hrtimer_bases"))
        .unwrap_or(0)
        + index * cb::SIZE
}

fn rd64(p: u64) -> i64 {
    // SAFETY: a field of the module's hrtimer or of a clock base.
    unsafe { (p as *const i64).read_volatile() }
}
fn wr64(p: u64, v: i64) {
    // SAFETY: a field of the module's hrtimer.
    unsafe { (p as *mut i64).write_volatile(v) }
}
fn set_state(t: u64, s: u8) {
    // SAFETY: the module's hrtimer.
    unsafe { ((t + ht::state) as *mut u8).write_volatile(s) }
}

/// The time of the timer's clock now.
fn now_of(timer: u64) -> i64 {
    let base = rd64(timer + ht::base) as u64;
    let idx = if base == 0 {
        0
    } else {
        (base.wrapping_sub(base_addr(0)) / cb::SIZE) % 4
    };
    let id = [0u32, 1, 2, 3][idx as usize];
    crate::kernel::time::timekeeping::ktime_get_with_offset(id.wrapping_sub(1))
}

#[derive(Default)]
struct Table {
    pending: HashMap<u64, (Instant, u64)>,
    order: BTreeSet<(Instant, u64, u64)>,
    seq: u64,
    running: Option<u64>,
    thread: bool,
}

static T: Mutex<Option<Table>> = Mutex::new(None);
static CV: Condvar = Condvar::new();

fn lock() -> std::sync::MutexGuard<'static, Option<Table>> {
    T.lock().unwrap_or_else(|e| e.into_inner())
}

fn dequeue(t: &mut Table, timer: u64) -> bool {
    match t.pending.remove(&timer) {
        Some((d, s)) => {
            t.order.remove(&(d, s, timer));
            set_state(timer, 0);
            true
        }
        None => false,
    }
}

/// Queues `timer` for its node.expires (on its clock).
fn enqueue(t: &mut Table, timer: u64) -> bool {
    dequeue(t, timer);
    let delta = rd64(timer + ht::node_expires).saturating_sub(now_of(timer));
    let d = Instant::now()
        + if delta > 0 {
            Duration::from_nanos(delta as u64)
        } else {
            Duration::ZERO
        };
    t.seq += 1;
    t.pending.insert(timer, (d, t.seq));
    t.order.insert((d, t.seq, timer));
    set_state(timer, STATE_ENQUEUED);
    let spawn = !t.thread;
    t.thread = true;
    spawn
}

fn spawn_if(spawn: bool) {
    CV.notify_all();
    if spawn
        && std::thread::Builder::new()
            .name("modhost-hrtimer".into())
            .spawn(thread)
            .is_err()
    {
        if let Some(t) = lock().as_mut() {
            t.thread = false;
        }
    }
}

fn thread() {
    let mut g = lock();
    loop {
        let t = g.get_or_insert_with(Table::default);
        let Some(&(d, s, timer)) = t.order.iter().next() else {
            t.thread = false;
            return;
        };
        let now = Instant::now();
        if d > now {
            g = CV
                .wait_timeout(g, d - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        }
        t.order.remove(&(d, s, timer));
        t.pending.remove(&timer);
        set_state(timer, 0);
        t.running = Some(timer);
        drop(g);
        let func = rd64(timer + ht::function) as u64;
        let restart = if func != 0 {
            crate::fault::call_module(func, [timer, 0, 0, 0, 0, 0]).unwrap_or(0) as u32
        } else {
            0
        };
        g = lock();
        let t = g.get_or_insert_with(Table::default);
        t.running = None;
        if restart != 0 && !t.pending.contains_key(&timer) {
            enqueue(t, timer);
        }
        CV.notify_all();
    }
}

crate::kfn! {
    /// `hrtimer_init(timer, clock_id, mode)`.
    fn hrtimer_init(timer: u64, clock_id: i32, mode: u32) {
        // SAFETY: the module's struct hrtimer.
        unsafe { std::ptr::write_bytes(timer as *mut u8, 0, ht::SIZE as usize) };
        let mut clock = clock_id;
        if clock == libc::CLOCK_REALTIME && mode & MODE_REL != 0 {
            clock = libc::CLOCK_MONOTONIC;
        }
        let idx = match clock {
            libc::CLOCK_REALTIME => 1,
            libc::CLOCK_MONOTONIC => 0,
            libc::CLOCK_BOOTTIME => 2,
            libc::CLOCK_TAI => 3,
            _ => {
                crate::log::kernel_msg(4, &format!("Invalid clockid {clock_id}. Using MONOTONIC"));
                0
            }
        };
        let soft = mode & MODE_SOFT != 0;
        let idx = idx + if soft { 4 } else { 0 };
        wr64(timer + ht::base, base_addr(idx) as i64);
        // SAFETY: the module's hrtimer; RB_CLEAR_NODE points the node at itself.
        unsafe {
            (timer as *mut u64).write_volatile(timer);
            ((timer + ht::is_soft) as *mut u8).write_volatile(soft as u8);
            ((timer + ht::is_hard) as *mut u8).write_volatile((mode & MODE_HARD != 0) as u8);
        }
    }
}
crate::kfn! {
    /// `hrtimer_start_range_ns(timer, tim, delta_ns, mode)`.
    fn hrtimer_start_range_ns(timer: u64, tim: i64, delta: u64, mode: u32) {
        let tim = if mode & MODE_REL != 0 { tim.saturating_add(now_of(timer)) } else { tim };
        wr64(timer + ht::_softexpires, tim);
        wr64(timer + ht::node_expires, tim.saturating_add(delta.min(KTIME_MAX as u64) as i64));
        let spawn = {
            let mut g = lock();
            enqueue(g.get_or_insert_with(Table::default), timer)
        };
        spawn_if(spawn);
    }
}
crate::kfn! {
    /// `hrtimer_try_to_cancel(timer)`: 1 if it was queued, 0 if not, -1
    /// while its callback runs.
    fn hrtimer_try_to_cancel(timer: u64) -> i32 {
        let mut g = lock();
        let t = g.get_or_insert_with(Table::default);
        if t.running == Some(timer) {
            return -1;
        }
        dequeue(t, timer) as i32
    }
}
crate::kfn! {
    /// `hrtimer_cancel(timer)`: dequeues it and waits for a running callback.
    fn hrtimer_cancel(timer: u64) -> i32 {
        crate::vmlinux::Vmlinux::off_cpu(|| {
            let mut g = lock();
            loop {
                let t = g.get_or_insert_with(Table::default);
                if t.running != Some(timer) || std::thread::current().name() == Some("modhost-hrtimer") {
                    return dequeue(t, timer) as i32;
                }
                g = CV.wait(g).unwrap_or_else(|e| e.into_inner());
            }
        })
    }
}
crate::kfn! {
    /// `hrtimer_active(timer)`: queued or running its callback.
    fn hrtimer_active(timer: u64) -> bool {
        let g = lock();
        g.as_ref().is_some_and(|t| t.pending.contains_key(&timer) || t.running == Some(timer))
    }
}
crate::kfn! {
    /// `hrtimer_forward(timer, now, interval)`: moves the expiry past `now`
    /// in steps of `interval`; the number of steps (0 if not expired).
    fn hrtimer_forward(timer: u64, now: i64, interval: i64) -> u64 {
        let exp = rd64(timer + ht::node_expires);
        let delta = now.wrapping_sub(exp);
        if delta < 0 {
            return 0;
        }
        // SAFETY: the module's hrtimer.
        if unsafe { ((timer + ht::state) as *const u8).read_volatile() } & STATE_ENQUEUED != 0 {
            crate::log::kernel_msg(4, "hrtimer_forward: the timer is queued");
            return 0;
        }
        let interval = interval.max(1);
        let mut orun: u64 = 1;
        if delta >= interval {
            let n = delta / interval;
            orun = n as u64;
            let add = interval.wrapping_mul(n);
            wr64(timer + ht::node_expires, exp.wrapping_add(add));
            wr64(timer + ht::_softexpires, rd64(timer + ht::_softexpires).wrapping_add(add));
            if rd64(timer + ht::node_expires) > now {
                return orun;
            }
            orun += 1;
        }
        wr64(timer + ht::node_expires, rd64(timer + ht::node_expires).saturating_add(interval));
        wr64(timer + ht::_softexpires, rd64(timer + ht::_softexpires).saturating_add(interval));
        orun
    }
}
crate::kfn! {
    /// `__hrtimer_get_remaining(timer, adjust)`: expiry minus now.
    fn __hrtimer_get_remaining(timer: u64, _adjust: bool) -> i64 {
        rd64(timer + ht::node_expires).wrapping_sub(now_of(timer))
    }
}
crate::kfn! {
    /// `ktime_add_safe(lhs, rhs)`: the sum, KTIME_MAX on overflow.
    fn ktime_add_safe(a: i64, b: i64) -> i64 {
        let r = a.wrapping_add(b);
        if r < 0 || r < a || r < b {
            KTIME_MAX
        } else {
            r
        }
    }
}

fn purge(start: u64, end: u64) {
    let mut g = lock();
    if let Some(t) = g.as_mut() {
        let dead: Vec<u64> = t
            .pending
            .keys()
            .copied()
            .filter(|a| (start..end).contains(a))
            .collect();
        for a in dead {
            if let Some((d, s)) = t.pending.remove(&a) {
                t.order.remove(&(d, s, a));
            }
        }
    }
}
crate::purge_on_module_free!(purge);

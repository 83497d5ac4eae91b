//! kernel/time/timer.c: timer_list timers, and the sleeps and delays.
//!
//! A pending timer is kept in a host table keyed by its address, ordered by
//! its expiry (jiffies, HZ=250, turned into a host deadline); its
//! `entry.pprev` is non-NULL while it is pending (what the inline
//! `timer_pending()` tests) and NULL once it fired or was deleted, as
//! `detach_timer` leaves it. A timer thread (started on demand, gone when no
//! timer is pending) runs each expired callback through `call_module`,
//! which makes it a host CPU for its lifetime. `delayed_work_timer_fn`
//! timers are handled in the host (the work is queued) without a module
//! call.

use crate::kernel::sched::{jiffies_now, jiffies_to_duration, HZ, LIST_POISON2};
use crate::layout::timer_list as tl;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// TIMER_CPUMASK (include/linux/timer.h).
const TIMER_CPUMASK: u32 = 0x0003_ffff;

#[derive(Default)]
struct Timers {
    /// address -> (deadline, sequence)
    pending: HashMap<u64, (Instant, u64)>,
    order: BTreeSet<(Instant, u64, u64)>,
    seq: u64,
    /// The timer whose callback is running now.
    running: Option<u64>,
    thread: bool,
}

static TIMERS: Mutex<Option<Timers>> = Mutex::new(None);
static TIMER_CV: Condvar = Condvar::new();

fn with<R>(f: impl FnOnce(&mut Timers) -> R) -> R {
    let mut g = TIMERS.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(Timers::default))
}

fn rd64(p: u64) -> u64 {
    // SAFETY: a field of the module's timer_list.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr64(p: u64, v: u64) {
    // SAFETY: a field of the module's timer_list.
    unsafe { (p as *mut u64).write_volatile(v) }
}
fn rd32(p: u64) -> u32 {
    // SAFETY: a field of the module's timer_list.
    unsafe { (p as *const u32).read_volatile() }
}
fn wr32(p: u64, v: u32) {
    // SAFETY: a field of the module's timer_list.
    unsafe { (p as *mut u32).write_volatile(v) }
}

fn deadline_of(expires: u64) -> Instant {
    let delta = expires.wrapping_sub(jiffies_now()) as i64;
    Instant::now()
        + if delta > 0 {
            jiffies_to_duration(delta as u64)
        } else {
            Duration::ZERO
        }
}

fn mark_pending(timer: u64, on: bool) {
    if on {
        wr64(timer + tl::entry, 0);
        wr64(timer + tl::entry + 8, timer + tl::entry);
    } else {
        wr64(timer + tl::entry + 8, 0);
        wr64(timer + tl::entry, LIST_POISON2);
    }
}

/// Removes a pending timer; true if it was pending.
fn detach(t: &mut Timers, timer: u64) -> bool {
    match t.pending.remove(&timer) {
        Some((d, s)) => {
            t.order.remove(&(d, s, timer));
            mark_pending(timer, false);
            true
        }
        None => false,
    }
}

/// (Re)arms `timer` for `expires`; returns whether it was pending.
fn arm(timer: u64, expires: u64) -> bool {
    wr64(timer + tl::expires, expires);
    let d = deadline_of(expires);
    let spawn = with(|t| {
        let was = detach(t, timer);
        t.seq += 1;
        let s = t.seq;
        t.pending.insert(timer, (d, s));
        t.order.insert((d, s, timer));
        mark_pending(timer, true);
        let spawn = !t.thread;
        t.thread = true;
        (was, spawn)
    });
    TIMER_CV.notify_all();
    if spawn.1
        && std::thread::Builder::new()
            .name("modhost-timer".into())
            .spawn(timer_thread)
            .is_err()
    {
        with(|t| t.thread = false);
    }
    spawn.0
}

fn timer_thread() {
    let mut g = TIMERS.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let t = g.get_or_insert_with(Timers::default);
        let Some(&(d, s, timer)) = t.order.iter().next() else {
            t.thread = false;
            return;
        };
        let now = Instant::now();
        if d > now {
            g = TIMER_CV
                .wait_timeout(g, d - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        }
        t.order.remove(&(d, s, timer));
        t.pending.remove(&timer);
        mark_pending(timer, false);
        t.running = Some(timer);
        drop(g);
        let func = rd64(timer + tl::function);
        if func != 0 {
            if Some(func) == crate::vmlinux::get().and_then(|v| v.symbol("delayed_work_timer_fn")) {
                crate::kernel::workqueue::delayed_timer_fired(timer);
            } else {
                crate::fault::call_module(func, [timer, 0, 0, 0, 0, 0]);
            }
        }
        g = TIMERS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = g.as_mut() {
            t.running = None;
        }
        TIMER_CV.notify_all();
    }
}

fn on_timer_thread() -> bool {
    std::thread::current().name() == Some("modhost-timer")
}

/// Deletes `timer` and waits while its callback runs (`del_timer_sync`).
pub(crate) fn delete_sync(timer: u64) -> bool {
    crate::vmlinux::Vmlinux::off_cpu(|| delete_sync_off(timer))
}

fn delete_sync_off(timer: u64) -> bool {
    let mut g = TIMERS.lock().unwrap_or_else(|e| e.into_inner());
    let t = g.get_or_insert_with(Timers::default);
    let was = detach(t, timer);
    if !on_timer_thread() {
        while g.as_ref().is_some_and(|t| t.running == Some(timer)) {
            g = TIMER_CV.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
    was
}

pub(crate) fn delete(timer: u64) -> bool {
    with(|t| detach(t, timer))
}

pub(crate) fn is_pending(timer: u64) -> bool {
    with(|t| t.pending.contains_key(&timer))
}

pub(crate) fn add(timer: u64, expires: u64) -> bool {
    arm(timer, expires)
}

/// Forgets every timer inside freed module memory.
fn purge(start: u64, end: u64) {
    with(|t| {
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
    });
}
crate::purge_on_module_free!(purge);

crate::kfn! {
    /// `init_timer_key(timer, func, flags, name, key)`.
    fn init_timer_key(timer: u64, func: u64, flags: u32, _name: u64, _key: u64) {
        wr64(timer + tl::entry + 8, 0);
        wr64(timer + tl::entry, 0);
        wr64(timer + tl::function, func);
        let cpu = crate::vmlinux::Vmlinux::current_cpu().unwrap_or(0) as u32;
        wr32(timer + tl::flags, (flags & !TIMER_CPUMASK) | (cpu & TIMER_CPUMASK));
    }
}
crate::kfn! {
    /// `mod_timer(timer, expires)`: 1 if the timer was pending.
    fn mod_timer(timer: u64, expires: u64) -> i32 {
        if rd64(timer + tl::function) == 0 {
            return 0; // shut down
        }
        arm(timer, expires) as i32
    }
}
crate::kfn! {
    /// `mod_timer_pending`: re-arms only a pending timer.
    fn mod_timer_pending(timer: u64, expires: u64) -> i32 {
        if !is_pending(timer) || rd64(timer + tl::function) == 0 {
            return 0;
        }
        arm(timer, expires) as i32
    }
}
crate::kfn! {
    /// `timer_reduce`: moves a pending timer only to an earlier expiry.
    fn timer_reduce(timer: u64, expires: u64) -> i32 {
        if rd64(timer + tl::function) == 0 {
            return 0;
        }
        if is_pending(timer) {
            let cur = rd64(timer + tl::expires);
            if (expires.wrapping_sub(cur) as i64) >= 0 {
                return 1;
            }
        }
        arm(timer, expires) as i32
    }
}
crate::kfn! {
    fn add_timer(timer: u64) {
        if rd64(timer + tl::function) == 0 {
            return;
        }
        arm(timer, rd64(timer + tl::expires));
    }
}
crate::kfn! {
    fn add_timer_on(timer: u64, cpu: i32) {
        let f = rd32(timer + tl::flags);
        wr32(timer + tl::flags, (f & !TIMER_CPUMASK) | (cpu as u32 & TIMER_CPUMASK));
        add_timer(timer);
    }
}
crate::kfn! {
    /// `timer_delete(timer)`: 1 if it was pending.
    fn timer_delete(timer: u64) -> i32 {
        delete(timer) as i32
    }
}
crate::export_fn!("del_timer" => timer_delete);
crate::kfn! {
    /// -1 if the callback is running now, else whether it was pending.
    fn try_to_del_timer_sync(timer: u64) -> i32 {
        with(|t| if t.running == Some(timer) { -1 } else { detach(t, timer) as i32 })
    }
}
crate::kfn! {
    fn timer_delete_sync(timer: u64) -> i32 {
        delete_sync(timer) as i32
    }
}
crate::export_fn!("del_timer_sync" => timer_delete_sync);
crate::kfn! {
    /// `timer_shutdown(timer)`: deletes it and makes re-arming a no-op.
    fn timer_shutdown(timer: u64) -> i32 {
        let r = delete(timer);
        wr64(timer + tl::function, 0);
        r as i32
    }
}
crate::kfn! {
    fn timer_shutdown_sync(timer: u64) -> i32 {
        let r = delete_sync(timer);
        wr64(timer + tl::function, 0);
        r as i32
    }
}

// ---- sleeps and delays ------------------------------------------------------

fn msecs_to_jiffies(m: u32) -> u64 {
    crate::kernel::time::jiffies::__msecs_to_jiffies(m)
}

crate::kfn! {
    /// `msleep(msecs)`: sleeps msecs_to_jiffies(msecs) + 1 jiffies.
    fn msleep(msecs: u32) {
        let d = jiffies_to_duration(msecs_to_jiffies(msecs) + 1);
        crate::vmlinux::Vmlinux::off_cpu(|| std::thread::sleep(d));
    }
}
crate::kfn! {
    /// `msleep_interruptible(msecs)`: no signal interrupts a host sleep, so
    /// it sleeps the whole time and returns 0 (milliseconds left).
    fn msleep_interruptible(msecs: u32) -> u64 {
        msleep(msecs);
        0
    }
}
crate::kfn! {
    /// `usleep_range_state(min, max, state)`: at least `min` microseconds.
    fn usleep_range_state(min: u64, _max: u64, _state: u32) {
        crate::vmlinux::Vmlinux::off_cpu(|| std::thread::sleep(Duration::from_micros(min)));
    }
}

fn busy_wait(d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        std::hint::spin_loop();
    }
}

crate::kfn! {
    /// `__const_udelay(xloops)`: xloops is microseconds × 2^32/10^6.
    fn __const_udelay(xloops: u64) {
        busy_wait(Duration::from_nanos(((xloops as u128 * 1_000_000_000) >> 32) as u64));
    }
}
crate::kfn! {
    fn __udelay(usecs: u64) {
        __const_udelay(usecs.wrapping_mul(0x10c7));
    }
}
crate::kfn! {
    fn __ndelay(nsecs: u64) {
        __const_udelay(nsecs.wrapping_mul(5));
    }
}
crate::kfn! {
    /// `__delay(loops)`: the TSC delay loop, `loops` TSC cycles.
    fn __delay(loops: u64) {
        // SAFETY: rdtsc is available on every x86_64 CPU.
        let start = unsafe { core::arch::x86_64::_rdtsc() };
        // SAFETY: as above.
        while unsafe { core::arch::x86_64::_rdtsc() }.wrapping_sub(start) < loops {
            std::hint::spin_loop();
        }
    }
}

// ---- jiffies rounding --------------------------------------------------------

fn round_common(j: u64, cpu: i32, force_up: bool) -> u64 {
    let original = j;
    let skew = (cpu as i64 * 3) as u64;
    let mut j = j.wrapping_add(skew);
    let rem = j % HZ;
    if rem < HZ / 4 && !force_up {
        j -= rem;
    } else {
        j = j - rem + HZ;
    }
    j = j.wrapping_sub(skew);
    if (jiffies_now().wrapping_sub(j) as i64) < 0 {
        j
    } else {
        original
    }
}

fn this_cpu() -> i32 {
    crate::vmlinux::Vmlinux::current_cpu().unwrap_or(0) as i32
}

crate::kfn! {
    fn __round_jiffies(j: u64, cpu: i32) -> u64 { round_common(j, cpu, false) }
}
crate::kfn! {
    fn __round_jiffies_relative(j: u64, cpu: i32) -> u64 {
        let j0 = jiffies_now();
        round_common(j.wrapping_add(j0), cpu, false).wrapping_sub(j0)
    }
}
crate::kfn! {
    fn round_jiffies(j: u64) -> u64 { round_common(j, this_cpu(), false) }
}
crate::kfn! {
    fn round_jiffies_relative(j: u64) -> u64 { __round_jiffies_relative(j, this_cpu()) }
}
crate::kfn! {
    fn __round_jiffies_up(j: u64, cpu: i32) -> u64 { round_common(j, cpu, true) }
}
crate::kfn! {
    fn __round_jiffies_up_relative(j: u64, cpu: i32) -> u64 {
        let j0 = jiffies_now();
        round_common(j.wrapping_add(j0), cpu, true).wrapping_sub(j0)
    }
}
crate::kfn! {
    fn round_jiffies_up(j: u64) -> u64 { round_common(j, this_cpu(), true) }
}
crate::kfn! {
    fn round_jiffies_up_relative(j: u64) -> u64 { __round_jiffies_up_relative(j, this_cpu()) }
}

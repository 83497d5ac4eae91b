//! kernel/workqueue.c: workqueues run on host worker threads.
//!
//! A `workqueue_struct *` handed to modules is the address of a host
//! object (modules never look inside it). Work items are the modules'
//! `struct work_struct`s: bit WORK_STRUCT_PENDING of `data` is set while an
//! item is queued (or its delayed-work timer is armed) and cleared just
//! before its function runs, as Linux does, so the inline `work_pending()`
//! sees the truth. Worker threads ("kworker", at most [`MAX_WORKERS`],
//! started on demand and gone after being idle) run the functions through
//! `call_module`; each becomes a host CPU while it lives. An ordered
//! workqueue (max_active 1 / `__WQ_ORDERED`) runs one item at a time.

use crate::layout::{consts, delayed_work as dw, work_struct as ws};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

const PENDING: u64 = 1 << consts::WORK_STRUCT_PENDING_BIT;
/// How many worker threads may run work at once (each holds a host CPU).
pub const MAX_WORKERS: usize = 2;

struct Wq {
    name: String,
    ordered: bool,
    /// Items queued, in order, with their flush sequence numbers.
    queue: VecDeque<(u64, u64)>,
    /// Items running now (work, sequence).
    running: Vec<(u64, u64)>,
    seq: u64,
}

#[derive(Default)]
struct State {
    wqs: HashMap<u64, Wq>,
    /// The workqueue each armed delayed work goes to: dwork -> wq.
    workers: usize,
    idle: usize,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);
static CV: Condvar = Condvar::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn lock() -> std::sync::MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn data(work: u64) -> &'static std::sync::atomic::AtomicU64 {
    // SAFETY: the module's work_struct; `data` is an aligned atomic_long_t.
    unsafe { &*((work + ws::data) as *const std::sync::atomic::AtomicU64) }
}
fn rd64(p: u64) -> u64 {
    // SAFETY: a field of the module's work or delayed_work.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr64(p: u64, v: u64) {
    // SAFETY: a field of the module's delayed_work.
    unsafe { (p as *mut u64).write_volatile(v) }
}
fn wr32(p: u64, v: u32) {
    // SAFETY: a field of the module's delayed_work.
    unsafe { (p as *mut u32).write_volatile(v) }
}

/// Creates a workqueue; returns the pointer modules get.
pub fn create(name: String, flags: u32, max_active: i32) -> u64 {
    let ordered = flags & consts::__WQ_ORDERED as u32 != 0 || max_active == 1;
    let id = Box::into_raw(Box::new(NEXT_ID.fetch_add(1, Ordering::Relaxed))) as u64;
    let mut g = lock();
    g.get_or_insert_with(State::default).wqs.insert(
        id,
        Wq {
            name,
            ordered,
            queue: VecDeque::new(),
            running: Vec::new(),
            seq: 0,
        },
    );
    id
}

/// Appends a work item whose PENDING bit the caller owns.
fn enqueue(wq: u64, work: u64) -> bool {
    let mut g = lock();
    let st = g.get_or_insert_with(State::default);
    let Some(q) = st.wqs.get_mut(&wq) else {
        data(work).fetch_and(!PENDING, Ordering::SeqCst);
        return false;
    };
    q.seq += 1;
    let s = q.seq;
    q.queue.push_back((work, s));
    let spawn = st.idle == 0 && st.workers < MAX_WORKERS;
    if spawn {
        st.workers += 1;
    }
    drop(g);
    CV.notify_all();
    if spawn
        && std::thread::Builder::new()
            .name("kworker".into())
            .spawn(worker)
            .is_err()
    {
        if let Some(st) = lock().as_mut() {
            st.workers -= 1;
        }
    }
    true
}

/// Takes the next runnable item: (wq, work, seq).
fn take(st: &mut State) -> Option<(u64, u64, u64)> {
    for (&id, q) in st.wqs.iter_mut() {
        if q.ordered && !q.running.is_empty() {
            continue;
        }
        if let Some((w, s)) = q.queue.pop_front() {
            q.running.push((w, s));
            return Some((id, w, s));
        }
    }
    None
}

fn worker() {
    // The worker is a task; a host CPU is lent to it for each item it runs
    // (call_module waits for one while all are busy).
    let mut g = lock();
    loop {
        let st = g.get_or_insert_with(State::default);
        let Some((wq, work, seq)) = take(st) else {
            st.idle += 1;
            let (g2, to) = CV.wait_timeout(g, IDLE).unwrap_or_else(|e| e.into_inner());
            g = g2;
            let st = g.get_or_insert_with(State::default);
            st.idle -= 1;
            if to.timed_out() && !take_peek(st) {
                st.workers -= 1;
                return;
            }
            continue;
        };
        drop(g);
        // Linux clears PENDING (set_work_pool_and_clear_pending) before the call.
        data(work).fetch_and(!PENDING, Ordering::SeqCst);
        let func = rd64(work + ws::func);
        CURRENT.with(|c| c.set(work));
        crate::fault::call_module(func, [work, 0, 0, 0, 0, 0]);
        CURRENT.with(|c| c.set(0));
        g = lock();
        if let Some(q) = g.as_mut().and_then(|s| s.wqs.get_mut(&wq)) {
            q.running.retain(|&(w, s)| !(w == work && s == seq));
        }
        CV.notify_all();
    }
}

/// How long an idle worker waits for work before it ends (and gives its
/// host CPU back).
const IDLE: Duration = Duration::from_millis(50);

fn take_peek(st: &State) -> bool {
    st.wqs
        .values()
        .any(|q| !q.queue.is_empty() && !(q.ordered && !q.running.is_empty()))
}

fn in_flight(st: &State, work: u64) -> (bool, bool) {
    let mut queued = false;
    let mut running = false;
    for q in st.wqs.values() {
        queued |= q.queue.iter().any(|&(w, _)| w == work);
        running |= q.running.iter().any(|&(w, _)| w == work);
    }
    (queued, running)
}

/// Removes a queued (not yet running) item; true if it was queued.
fn dequeue(st: &mut State, work: u64) -> bool {
    let mut found = false;
    for q in st.wqs.values_mut() {
        let n = q.queue.len();
        q.queue.retain(|&(w, _)| w != work);
        found |= q.queue.len() != n;
    }
    found
}

fn am_running(work: u64) -> bool {
    CURRENT.with(|c| c.get() == work)
}

thread_local!(static CURRENT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });

/// Waits until `work` is neither queued nor running; true if it waited.
fn wait_idle(work: u64) -> bool {
    crate::vmlinux::Vmlinux::off_cpu(|| wait_idle_off(work))
}

fn wait_idle_off(work: u64) -> bool {
    let mut waited = false;
    let mut g = lock();
    loop {
        let st = g.get_or_insert_with(State::default);
        let (q, r) = in_flight(st, work);
        if !q && !r {
            return waited;
        }
        if !q && r && std::thread::current().name() == Some("kworker") && am_running(work) {
            return waited;
        }
        waited = true;
        g = CV.wait(g).unwrap_or_else(|e| e.into_inner());
    }
}

/// `try_to_grab_pending`: takes PENDING away from a queued item or an armed
/// delayed-work timer. True if the item was pending.
fn grab_pending(work: u64, delayed: bool) -> bool {
    if delayed && crate::kernel::time::timer::delete(work + dw::timer) {
        data(work).fetch_and(!PENDING, Ordering::SeqCst);
        return true;
    }
    let was = {
        let mut g = lock();
        dequeue(g.get_or_insert_with(State::default), work)
    };
    if was {
        data(work).fetch_and(!PENDING, Ordering::SeqCst);
    }
    was
}

/// The delayed-work timer fired (on the timer thread): queue the work.
pub(crate) fn delayed_timer_fired(timer: u64) {
    let dwork = timer - dw::timer;
    enqueue(rd64(dwork + dw::wq), dwork + dw::work);
}

fn wq_purge(start: u64, end: u64) {
    let mut g = lock();
    if let Some(st) = g.as_mut() {
        for q in st.wqs.values_mut() {
            q.queue.retain(|&(w, _)| !(start..end).contains(&w));
        }
    }
}
crate::purge_on_module_free!(wq_purge);

// ---- exports -------------------------------------------------------------------

extern "C" fn alloc_workqueue(regs: *const u64, stack: *const u64) -> u64 {
    // alloc_workqueue(fmt, flags, max_active, ...)
    // SAFETY: the variadic stub passes the six argument registers and the
    // caller's stack arguments.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    let (fmt, flags, max_active) = (args.arg(0), args.arg(1) as u32, args.arg(2) as i32);
    // SAFETY: the module's NUL-terminated name format.
    let fmt = unsafe { crate::abi::c_str(fmt, 4096) }.to_vec();
    let name = crate::printf::format(&fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    create(
        String::from_utf8_lossy(&name).into_owned(),
        flags,
        max_active,
    )
}
crate::export_variadic!("alloc_workqueue" => alloc_workqueue);

crate::kfn! {
    /// `destroy_workqueue(wq)`: drains it, then frees it.
    fn destroy_workqueue(wq: u64) {
        drain_workqueue(wq);
        lock().as_mut().map(|st| st.wqs.remove(&wq));
        // SAFETY: created by Box::into_raw in `create`.
        unsafe { drop(Box::from_raw(wq as *mut u64)) };
    }
}

crate::kfn! {
    /// `queue_work_on(cpu, wq, work)`: false if it was already pending.
    fn queue_work_on(_cpu: i32, wq: u64, work: u64) -> bool {
        if data(work).fetch_or(PENDING, Ordering::SeqCst) & PENDING != 0 {
            return false;
        }
        enqueue(wq, work)
    }
}
crate::kfn! {
    fn queue_work_node(_node: i32, wq: u64, work: u64) -> bool {
        queue_work_on(-1, wq, work)
    }
}

/// `__queue_delayed_work` with PENDING owned by the caller.
fn queue_delayed(cpu: i32, wq: u64, dwork: u64, delay: u64) {
    if delay == 0 {
        enqueue(wq, dwork + dw::work);
        return;
    }
    wr64(dwork + dw::wq, wq);
    wr32(dwork + dw::cpu, cpu as u32);
    let expires = crate::kernel::sched::jiffies_now().wrapping_add(delay);
    crate::kernel::time::timer::add(dwork + dw::timer, expires);
}

crate::kfn! {
    /// `queue_delayed_work_on(cpu, wq, dwork, delay)`.
    fn queue_delayed_work_on(cpu: i32, wq: u64, dwork: u64, delay: u64) -> bool {
        if data(dwork + dw::work).fetch_or(PENDING, Ordering::SeqCst) & PENDING != 0 {
            return false;
        }
        queue_delayed(cpu, wq, dwork, delay);
        true
    }
}
crate::kfn! {
    /// `mod_delayed_work_on`: (re)queues after `delay`; true if it was pending.
    fn mod_delayed_work_on(cpu: i32, wq: u64, dwork: u64, delay: u64) -> bool {
        let was = grab_pending(dwork + dw::work, true);
        data(dwork + dw::work).fetch_or(PENDING, Ordering::SeqCst);
        queue_delayed(cpu, wq, dwork, delay);
        was
    }
}
crate::kfn! {
    /// `delayed_work_timer_fn(t)`: queues the delayed work on its workqueue.
    fn delayed_work_timer_fn(timer: u64) {
        delayed_timer_fired(timer);
    }
}
crate::kfn! {
    /// `flush_work(work)`: waits for the last queueing to finish; true if
    /// it had to wait.
    fn flush_work(work: u64) -> bool {
        wait_idle(work)
    }
}
crate::kfn! {
    fn flush_delayed_work(dwork: u64) -> bool {
        if crate::kernel::time::timer::delete_sync(dwork + dw::timer) {
            enqueue(rd64(dwork + dw::wq), dwork + dw::work);
        }
        flush_work(dwork + dw::work)
    }
}
crate::kfn! {
    /// `cancel_work_sync(work)`: true if it was pending.
    fn cancel_work_sync(work: u64) -> bool {
        let was = grab_pending(work, false);
        wait_idle(work);
        was
    }
}
crate::kfn! {
    fn cancel_work(work: u64) -> bool {
        grab_pending(work, false)
    }
}
crate::kfn! {
    fn cancel_delayed_work(dwork: u64) -> bool {
        grab_pending(dwork + dw::work, true)
    }
}
crate::kfn! {
    fn cancel_delayed_work_sync(dwork: u64) -> bool {
        let was = grab_pending(dwork + dw::work, true);
        crate::kernel::time::timer::delete_sync(dwork + dw::timer);
        wait_idle(dwork + dw::work);
        was
    }
}
crate::kfn! {
    /// `__flush_workqueue(wq)`: waits for every item queued before the call.
    fn __flush_workqueue(wq: u64) {
        crate::vmlinux::Vmlinux::off_cpu(|| flush_off(wq))
    }
}

fn flush_off(wq: u64) {
    {
        let mut g = lock();
        let Some(target) = g.as_ref().and_then(|s| s.wqs.get(&wq)).map(|q| q.seq) else { return };
        loop {
            let busy = g.as_ref().and_then(|s| s.wqs.get(&wq)).is_some_and(|q| {
                q.queue.iter().chain(q.running.iter()).any(|&(w, s)| s <= target && !(am_running(w) && q.running.contains(&(w, s))))
            });
            if !busy {
                return;
            }
            g = CV.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}
crate::kfn! {
    /// `drain_workqueue(wq)`: flushes until nothing is queued any more.
    fn drain_workqueue(wq: u64) {
        loop {
            __flush_workqueue(wq);
            let g = lock();
            let empty = g.as_ref().and_then(|s| s.wqs.get(&wq)).is_none_or(|q| q.queue.is_empty() && q.running.iter().all(|&(w, _)| am_running(w)));
            if empty {
                return;
            }
        }
    }
}
crate::kfn! {
    /// `workqueue_congested(cpu, wq)`: whether items wait for a worker.
    fn workqueue_congested(_cpu: i32, wq: u64) -> bool {
        lock().as_ref().and_then(|s| s.wqs.get(&wq)).is_some_and(|q| !q.queue.is_empty())
    }
}
crate::kfn! {
    /// `workqueue_set_max_active(wq, max)`: ordered queues keep one.
    fn workqueue_set_max_active(_wq: u64, _max: i32) {}
}

/// The name a workqueue was created with (for views and tests).
pub fn name_of(wq: u64) -> Option<String> {
    lock()
        .as_ref()
        .and_then(|s| s.wqs.get(&wq))
        .map(|q| q.name.clone())
}

macro_rules! system_wq {
    ($sym:literal, $init:ident, $name:literal, $flags:expr, $max:expr) => {
        crate::export_data!($sym, size 8, align 8, init = $init);
        fn $init(addr: u64, _b: &crate::vmlinux::Builder) {
            let wq = create($name.to_string(), $flags as u32, $max);
            // SAFETY: a fresh 8-byte pointer object in the vmlinux data area.
            unsafe { (addr as *mut u64).write(wq) };
        }
    };
}
system_wq!("system_wq", init_system_wq, "events", 0, 0);
system_wq!(
    "system_highpri_wq",
    init_system_highpri_wq,
    "events_highpri",
    consts::WQ_HIGHPRI,
    0
);
system_wq!("system_long_wq", init_system_long_wq, "events_long", 0, 0);
system_wq!(
    "system_unbound_wq",
    init_system_unbound_wq,
    "events_unbound",
    consts::WQ_UNBOUND,
    512
);
system_wq!(
    "system_freezable_wq",
    init_system_freezable_wq,
    "events_freezable",
    consts::WQ_FREEZABLE,
    0
);
system_wq!(
    "system_power_efficient_wq",
    init_system_pe_wq,
    "events_power_efficient",
    0x80,
    0
);
system_wq!(
    "system_freezable_power_efficient_wq",
    init_system_fpe_wq,
    "events_freezable_power_efficient",
    consts::WQ_FREEZABLE | 0x80,
    0
);

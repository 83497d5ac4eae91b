//! kernel/sched/{core,wait,swait,completion}.c: sleeping and waking.
//!
//! A host thread that runs module code is a CPU whose `current` is that
//! CPU's task_struct (`__modhost_task<N>`). Sleeping follows Linux's
//! protocol on `task->__state`: module code sets its state
//! (`set_current_state`, inline) and calls `schedule()`, which blocks the
//! host thread until a waker (`wake_up_process`, `try_to_wake_up`) sets the
//! state back to TASK_RUNNING. The state changes made by wakers and the
//! check made by `schedule()` happen under one host lock, with one condition
//! variable, so no wakeup is lost.
//!
//! Wait queues, simple wait queues and completions live in module memory
//! with Linux's layout (lists of `wait_queue_entry`/`swait_queue` under the
//! head's spinlock) and are walked exactly as Linux walks them.

use crate::kernel::locking::mutex::{spin_lock, spin_unlock};
use crate::layout::{
    completion as cmp, consts, swait_queue as sq, swait_queue_head as sqh, task_struct as ts,
};
use crate::layout::{wait_queue_entry as we, wait_queue_head as wqh};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub const TASK_RUNNING: u32 = 0;
pub const TASK_INTERRUPTIBLE: u32 = consts::TASK_INTERRUPTIBLE as u32;
pub const TASK_UNINTERRUPTIBLE: u32 = consts::TASK_UNINTERRUPTIBLE as u32;
pub const TASK_NORMAL: u32 = consts::TASK_NORMAL as u32;
pub const MAX_SCHEDULE_TIMEOUT: i64 = i64::MAX;
const WQ_FLAG_EXCLUSIVE: u32 = consts::WQ_FLAG_EXCLUSIVE as u32;
const WQ_FLAG_WOKEN: u32 = consts::WQ_FLAG_WOKEN as u32;
/// WQ_FLAG_PRIORITY (include/linux/wait.h).
const WQ_FLAG_PRIORITY: u32 = 0x10;
/// LIST_POISON1/2 with Debian's CONFIG_ILLEGAL_POINTER_VALUE.
pub const LIST_POISON1: u64 = 0xdead_0000_0000_0100;
pub const LIST_POISON2: u64 = 0xdead_0000_0000_0122;
pub const HZ: u64 = 250;

/// The one lock and condition variable every sleeper waits on.
pub(crate) static SCHED: Mutex<()> = Mutex::new(());
pub(crate) static WAKE: Condvar = Condvar::new();

pub(crate) fn sched_lock() -> std::sync::MutexGuard<'static, ()> {
    SCHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wakes every sleeper so it re-checks its condition.
pub(crate) fn kick() {
    let _g = sched_lock();
    WAKE.notify_all();
}

/// The idle task of a host CPU (its `current_task` while no task runs
/// there).
pub fn task_of_cpu(cpu: usize) -> u64 {
    static TASKS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let t = TASKS.get_or_init(|| {
        let Some(v) = crate::vmlinux::get() else {
            return Vec::new();
        };
        (0..v.nr_cpus())
            .map(|i| v.symbol(&format!("__modhost_task{i}")).unwrap_or(0))
            .collect()
    });
    t.get(cpu).copied().unwrap_or(0)
}

/// `current`: the calling thread's task (kernel/fork.rs).
pub fn current() -> u64 {
    crate::kernel::fork::current_task()
}

fn state_of(task: u64) -> &'static std::sync::atomic::AtomicU32 {
    // SAFETY: `task` is one of the host's task_structs (vmlinux data); the
    // 32-bit __state is naturally aligned.
    unsafe { &*((task + ts::__state) as *const std::sync::atomic::AtomicU32) }
}

/// `READ_ONCE(task->__state)`.
pub fn task_state(task: u64) -> u32 {
    state_of(task).load(std::sync::atomic::Ordering::SeqCst)
}

pub(crate) fn set_current_state(state: u32) {
    let t = current();
    if t != 0 {
        state_of(t).store(state, std::sync::atomic::Ordering::SeqCst);
    }
}

/// `try_to_wake_up(p, state, 0)`: 1 if `p` was in one of `state`'s states
/// and is now running.
pub fn try_to_wake_up(task: u64, state: u32) -> i32 {
    if task == 0 {
        return 0;
    }
    let _g = sched_lock();
    let s = state_of(task);
    if s.load(std::sync::atomic::Ordering::SeqCst) & state == 0 {
        return 0;
    }
    s.store(TASK_RUNNING, std::sync::atomic::Ordering::SeqCst);
    WAKE.notify_all();
    1
}

/// Sleeps until `current` is running again or `deadline` passes; on
/// timeout the task is made running (as `process_timeout` does). The
/// thread's CPU serves other tasks meanwhile.
fn sleep_until(deadline: Option<Instant>) {
    crate::vmlinux::Vmlinux::off_cpu(|| sleep_until_on(deadline))
}

fn sleep_until_on(deadline: Option<Instant>) {
    let t = current();
    if t == 0 {
        // Not a CPU: nothing can name this thread to wake it; sleep out the
        // timeout (or yield) and return as woken.
        match deadline {
            Some(d) => std::thread::sleep(d.saturating_duration_since(Instant::now())),
            None => std::thread::yield_now(),
        }
        return;
    }
    let s = state_of(t);
    let mut g = sched_lock();
    while s.load(std::sync::atomic::Ordering::SeqCst) != TASK_RUNNING {
        match deadline {
            None => g = WAKE.wait(g).unwrap_or_else(|e| e.into_inner()),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    s.store(TASK_RUNNING, std::sync::atomic::Ordering::SeqCst);
                    break;
                }
                g = WAKE
                    .wait_timeout(g, d - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}

pub fn jiffies_now() -> u64 {
    static ADDR: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let a = *ADDR.get_or_init(|| {
        crate::vmlinux::get()
            .and_then(|v| v.symbol("jiffies_64"))
            .unwrap_or(0)
    });
    if a == 0 {
        return 0;
    }
    // SAFETY: jiffies_64 is an aligned 8-byte vmlinux object.
    unsafe { (a as *const u64).read_volatile() }
}

pub fn jiffies_to_duration(j: u64) -> Duration {
    Duration::from_millis(j.saturating_mul(1000 / HZ))
}

crate::kfn! {
    /// `schedule()`: sleeps while current's state is not TASK_RUNNING.
    fn schedule() {
        sleep_until(None);
    }
}

crate::kfn! {
    /// `schedule_timeout(timeout)`: sleeps at most `timeout` jiffies (or
    /// forever for MAX_SCHEDULE_TIMEOUT); returns the jiffies left (0 when
    /// it timed out).
    fn schedule_timeout(timeout: i64) -> i64 {
        if timeout == MAX_SCHEDULE_TIMEOUT {
            sleep_until(None);
            return timeout;
        }
        if timeout < 0 {
            // Linux: "schedule_timeout: wrong timeout value" and returns 0.
            crate::log::kernel_msg(3, &format!("schedule_timeout: wrong timeout value {timeout:x}"));
            set_current_state(TASK_RUNNING);
            return 0;
        }
        let start = jiffies_now();
        let expire = start.wrapping_add(timeout as u64);
        sleep_until(Some(Instant::now() + jiffies_to_duration(timeout as u64)));
        let left = expire.wrapping_sub(jiffies_now()) as i64;
        left.clamp(0, timeout)
    }
}

crate::kfn! {
    fn schedule_timeout_interruptible(timeout: i64) -> i64 {
        set_current_state(TASK_INTERRUPTIBLE);
        schedule_timeout(timeout)
    }
}
crate::kfn! {
    fn schedule_timeout_killable(timeout: i64) -> i64 {
        set_current_state(TASK_INTERRUPTIBLE | 0x100);
        schedule_timeout(timeout)
    }
}
crate::kfn! {
    fn schedule_timeout_uninterruptible(timeout: i64) -> i64 {
        set_current_state(TASK_UNINTERRUPTIBLE);
        schedule_timeout(timeout)
    }
}
crate::kfn! {
    fn schedule_timeout_idle(timeout: i64) -> i64 {
        set_current_state(TASK_UNINTERRUPTIBLE | 0x400);
        schedule_timeout(timeout)
    }
}

crate::kfn! {
    /// `wake_up_process(p)`: 1 if `p` was sleeping and is now running.
    fn wake_up_process(task: u64) -> i32 {
        try_to_wake_up(task, TASK_NORMAL)
    }
}

// ---- list helpers over module memory -------------------------------------

/// # Safety
/// `p` must be a `struct list_head` in live memory.
pub(crate) unsafe fn next(p: u64) -> u64 {
    (p as *const u64).read_volatile()
}
/// # Safety
/// As [`next`].
pub(crate) unsafe fn prev(p: u64) -> u64 {
    ((p + 8) as *const u64).read_volatile()
}
/// # Safety
/// As [`next`].
pub(crate) unsafe fn set_next(p: u64, v: u64) {
    (p as *mut u64).write_volatile(v)
}
/// # Safety
/// As [`next`].
pub(crate) unsafe fn set_prev(p: u64, v: u64) {
    ((p + 8) as *mut u64).write_volatile(v)
}
/// # Safety
/// `h` must be a live list_head.
pub(crate) unsafe fn list_init(h: u64) {
    set_next(h, h);
    set_prev(h, h);
}
/// # Safety
/// `h` must be a live list_head.
pub(crate) unsafe fn list_empty(h: u64) -> bool {
    next(h) == h
}
/// Inserts `new` between `p` and `n`.
/// # Safety
/// All three are live list_heads of one list.
unsafe fn list_insert(new: u64, p: u64, n: u64) {
    set_prev(n, new);
    set_next(new, n);
    set_prev(new, p);
    set_next(p, new);
}
/// # Safety
/// `new` and `head` are live list_heads.
pub(crate) unsafe fn list_add(new: u64, head: u64) {
    list_insert(new, head, next(head))
}
/// # Safety
/// `new` and `head` are live list_heads.
pub(crate) unsafe fn list_add_tail(new: u64, head: u64) {
    list_insert(new, prev(head), head)
}
/// # Safety
/// `e` is on a list.
pub(crate) unsafe fn list_unlink(e: u64) {
    let (p, n) = (prev(e), next(e));
    set_prev(n, p);
    set_next(p, n);
}
/// # Safety
/// `e` is on a list.
pub(crate) unsafe fn list_del(e: u64) {
    list_unlink(e);
    set_next(e, LIST_POISON1);
    set_prev(e, LIST_POISON2);
}
/// # Safety
/// `e` is on a list (or initialised empty).
pub(crate) unsafe fn list_del_init(e: u64) {
    list_unlink(e);
    list_init(e);
}

fn rd32(p: u64) -> u32 {
    // SAFETY: callers pass fields of module objects of the named type.
    unsafe { (p as *const u32).read_volatile() }
}
fn wr32(p: u64, v: u32) {
    // SAFETY: as rd32.
    unsafe { (p as *mut u32).write_volatile(v) }
}
fn rd64(p: u64) -> u64 {
    // SAFETY: as rd32.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr64(p: u64, v: u64) {
    // SAFETY: as rd32.
    unsafe { (p as *mut u64).write_volatile(v) }
}

// ---- wait queues (kernel/sched/wait.c) ------------------------------------

crate::kfn! {
    /// `__init_waitqueue_head(wq_head, name, key)`.
    fn __init_waitqueue_head(head: u64, _name: u64, _key: u64) {
        wr32(head + wqh::lock, 0);
        // SAFETY: the module's wait_queue_head.
        unsafe { list_init(head + wqh::head) };
    }
}

/// `__add_wait_queue`: after the priority entries at the front.
///
/// # Safety
/// Head lock held; both are live objects.
unsafe fn add_wait_queue_locked(head: u64, entry: u64) {
    let lh = head + wqh::head;
    let mut at = lh;
    let mut p = next(lh);
    while p != lh {
        let e = p - we::entry;
        if rd32(e + we::flags) & WQ_FLAG_PRIORITY == 0 {
            break;
        }
        at = p;
        p = next(p);
    }
    list_add(entry + we::entry, at);
}

crate::kfn! {
    fn add_wait_queue(head: u64, entry: u64) {
        wr32(entry + we::flags, rd32(entry + we::flags) & !WQ_FLAG_EXCLUSIVE);
        spin_lock(head + wqh::lock);
        // SAFETY: lock held; the module's objects.
        unsafe { add_wait_queue_locked(head, entry) };
        spin_unlock(head + wqh::lock);
    }
}
crate::kfn! {
    fn add_wait_queue_exclusive(head: u64, entry: u64) {
        wr32(entry + we::flags, rd32(entry + we::flags) | WQ_FLAG_EXCLUSIVE);
        spin_lock(head + wqh::lock);
        // SAFETY: lock held; the module's objects.
        unsafe { list_add_tail(entry + we::entry, head + wqh::head) };
        spin_unlock(head + wqh::lock);
    }
}
crate::kfn! {
    fn add_wait_queue_priority(head: u64, entry: u64) {
        wr32(entry + we::flags, rd32(entry + we::flags) | WQ_FLAG_EXCLUSIVE | WQ_FLAG_PRIORITY);
        spin_lock(head + wqh::lock);
        // SAFETY: lock held; the module's objects.
        unsafe { list_add(entry + we::entry, head + wqh::head) };
        spin_unlock(head + wqh::lock);
    }
}
crate::kfn! {
    fn remove_wait_queue(head: u64, entry: u64) {
        spin_lock(head + wqh::lock);
        // SAFETY: lock held; the entry is on this head's list.
        unsafe { list_del(entry + we::entry) };
        spin_unlock(head + wqh::lock);
    }
}

/// `__wake_up_common`: calls each entry's wake function; stops after
/// `nr_exclusive` exclusive waiters woke (0: wake all).
///
/// # Safety
/// Head lock held.
unsafe fn wake_up_common(head: u64, mode: u32, mut nr_exclusive: i32, wake_flags: u32, key: u64) {
    let lh = head + wqh::head;
    let mut p = next(lh);
    while p != lh {
        let n = next(p);
        let e = p - we::entry;
        let flags = rd32(e + we::flags);
        let func = rd64(e + we::func);
        let ret = crate::fault::call_module(func, [e, mode as u64, wake_flags as u64, key, 0, 0])
            .unwrap_or(0) as i32;
        if ret < 0 {
            break;
        }
        if ret != 0 && flags & WQ_FLAG_EXCLUSIVE != 0 {
            nr_exclusive -= 1;
            if nr_exclusive == 0 {
                break;
            }
        }
        p = n;
    }
}

crate::kfn! {
    /// `__wake_up(wq_head, mode, nr_exclusive, key)`.
    fn __wake_up(head: u64, mode: u32, nr_exclusive: i32, key: u64) {
        spin_lock(head + wqh::lock);
        // SAFETY: lock held; the module's wait queue.
        unsafe { wake_up_common(head, mode, nr_exclusive, 0, key) };
        spin_unlock(head + wqh::lock);
    }
}
crate::kfn! {
    fn __wake_up_sync_key(head: u64, mode: u32, key: u64) {
        spin_lock(head + wqh::lock);
        // SAFETY: lock held.
        unsafe { wake_up_common(head, mode, 1, 0x10, key) };
        spin_unlock(head + wqh::lock);
    }
}
crate::kfn! {
    fn __wake_up_sync(head: u64, mode: u32) {
        __wake_up_sync_key(head, mode, 0)
    }
}
crate::kfn! {
    /// `__wake_up_locked(wq_head, mode, nr)`: the caller holds the lock.
    fn __wake_up_locked(head: u64, mode: u32, nr: i32) {
        // SAFETY: the caller holds the head's lock.
        unsafe { wake_up_common(head, mode, nr, 0, 0) };
    }
}
crate::kfn! {
    fn __wake_up_locked_key(head: u64, mode: u32, key: u64) {
        // SAFETY: the caller holds the head's lock.
        unsafe { wake_up_common(head, mode, 1, 0, key) };
    }
}
crate::kfn! {
    fn __wake_up_locked_sync_key(head: u64, mode: u32, key: u64) {
        // SAFETY: the caller holds the head's lock.
        unsafe { wake_up_common(head, mode, 1, 0x10, key) };
    }
}

crate::kfn! {
    /// `default_wake_function(entry, mode, flags, key)`: wakes entry->private.
    fn default_wake_function(entry: u64, mode: u32, _flags: u32, _key: u64) -> i32 {
        try_to_wake_up(rd64(entry + we::private), mode)
    }
}
crate::kfn! {
    /// `autoremove_wake_function`: wakes, and on success unlinks the entry.
    fn autoremove_wake_function(entry: u64, mode: u32, flags: u32, key: u64) -> i32 {
        let r = default_wake_function(entry, mode, flags, key);
        if r != 0 {
            // SAFETY: the entry is on the queue being woken (lock held by the waker).
            unsafe { list_del_init(entry + we::entry) };
        }
        r
    }
}
crate::kfn! {
    /// `woken_wake_function`: marks the entry WOKEN, then wakes.
    fn woken_wake_function(entry: u64, mode: u32, flags: u32, key: u64) -> i32 {
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        wr32(entry + we::flags, rd32(entry + we::flags) | WQ_FLAG_WOKEN);
        default_wake_function(entry, mode, flags, key)
    }
}
crate::kfn! {
    /// `wait_woken(wq_entry, mode, timeout)`.
    fn wait_woken(entry: u64, mode: u32, timeout: i64) -> i64 {
        set_current_state(mode);
        let mut t = timeout;
        if rd32(entry + we::flags) & WQ_FLAG_WOKEN == 0 {
            t = schedule_timeout(timeout);
        }
        set_current_state(TASK_RUNNING);
        wr32(entry + we::flags, rd32(entry + we::flags) & !WQ_FLAG_WOKEN);
        t
    }
}

crate::kfn! {
    /// `init_wait_entry(wq_entry, flags)`: private = current, func =
    /// autoremove_wake_function.
    fn init_wait_entry(entry: u64, flags: u32) {
        wr32(entry + we::flags, flags);
        wr64(entry + we::private, current());
        wr64(entry + we::func, crate::vmlinux::get().and_then(|v| v.symbol("autoremove_wake_function")).unwrap_or(0));
        // SAFETY: the module's wait_queue_entry.
        unsafe { list_init(entry + we::entry) };
    }
}

crate::kfn! {
    /// `prepare_to_wait_event(wq_head, wq_entry, state)`: queues the entry
    /// (once) and sets current's state. No signal is ever pending in the
    /// host, so it returns 0.
    fn prepare_to_wait_event(head: u64, entry: u64, state: u32) -> i64 {
        spin_lock(head + wqh::lock);
        // SAFETY: lock held; the module's objects.
        unsafe {
            if list_empty(entry + we::entry) {
                if rd32(entry + we::flags) & WQ_FLAG_EXCLUSIVE != 0 {
                    list_add_tail(entry + we::entry, head + wqh::head);
                } else {
                    add_wait_queue_locked(head, entry);
                }
            }
        }
        set_current_state(state);
        spin_unlock(head + wqh::lock);
        0
    }
}
crate::kfn! {
    fn prepare_to_wait(head: u64, entry: u64, state: u32) {
        wr32(entry + we::flags, rd32(entry + we::flags) & !WQ_FLAG_EXCLUSIVE);
        spin_lock(head + wqh::lock);
        // SAFETY: lock held.
        unsafe {
            if list_empty(entry + we::entry) {
                add_wait_queue_locked(head, entry);
            }
        }
        set_current_state(state);
        spin_unlock(head + wqh::lock);
    }
}
crate::kfn! {
    /// Returns whether the queue was empty before.
    fn prepare_to_wait_exclusive(head: u64, entry: u64, state: u32) -> bool {
        wr32(entry + we::flags, rd32(entry + we::flags) | WQ_FLAG_EXCLUSIVE);
        spin_lock(head + wqh::lock);
        let mut was_empty = false;
        // SAFETY: lock held.
        unsafe {
            if list_empty(entry + we::entry) {
                was_empty = list_empty(head + wqh::head);
                list_add_tail(entry + we::entry, head + wqh::head);
            }
        }
        set_current_state(state);
        spin_unlock(head + wqh::lock);
        was_empty
    }
}
crate::kfn! {
    /// `finish_wait`: running again, and off the queue.
    fn finish_wait(head: u64, entry: u64) {
        set_current_state(TASK_RUNNING);
        // SAFETY: the module's entry (list_empty_careful reads both links).
        let queued = unsafe {
            let n = next(entry + we::entry);
            !(n == entry + we::entry && n == prev(entry + we::entry))
        };
        if queued {
            spin_lock(head + wqh::lock);
            // SAFETY: lock held.
            unsafe { list_del_init(entry + we::entry) };
            spin_unlock(head + wqh::lock);
        }
    }
}

// ---- simple wait queues (kernel/sched/swait.c) ----------------------------

crate::kfn! {
    /// `__init_swait_queue_head(q, name, key)`.
    fn __init_swait_queue_head(q: u64, _name: u64, _key: u64) {
        wr32(q + sqh::lock, 0);
        // SAFETY: the module's swait_queue_head.
        unsafe { list_init(q + sqh::task_list) };
    }
}

/// # Safety
/// q's lock held.
unsafe fn swake_first(q: u64) {
    let lh = q + sqh::task_list;
    if list_empty(lh) {
        return;
    }
    let w = next(lh) - sq::task_list;
    try_to_wake_up(rd64(w + sq::task), TASK_NORMAL);
    list_del_init(w + sq::task_list);
}

crate::kfn! {
    fn swake_up_locked(q: u64) {
        // SAFETY: the caller holds q's lock.
        unsafe { swake_first(q) };
    }
}
crate::kfn! {
    fn swake_up_one(q: u64) {
        spin_lock(q + sqh::lock);
        // SAFETY: lock held.
        unsafe { swake_first(q) };
        spin_unlock(q + sqh::lock);
    }
}
crate::kfn! {
    fn swake_up_all(q: u64) {
        spin_lock(q + sqh::lock);
        // SAFETY: lock held.
        unsafe {
            while !list_empty(q + sqh::task_list) {
                swake_first(q);
            }
        }
        spin_unlock(q + sqh::lock);
    }
}

/// # Safety
/// q's lock held; `w` a live swait_queue.
unsafe fn prepare_swait(q: u64, w: u64) {
    wr64(w + sq::task, current());
    if list_empty(w + sq::task_list) {
        list_add_tail(w + sq::task_list, q + sqh::task_list);
    }
}

crate::kfn! {
    fn prepare_to_swait_exclusive(q: u64, w: u64, state: u32) {
        spin_lock(q + sqh::lock);
        // SAFETY: lock held; the module's objects.
        unsafe { prepare_swait(q, w) };
        set_current_state(state);
        spin_unlock(q + sqh::lock);
    }
}
crate::kfn! {
    fn prepare_to_swait_event(q: u64, w: u64, state: u32) -> i64 {
        prepare_to_swait_exclusive(q, w, state);
        0
    }
}
crate::kfn! {
    fn finish_swait(q: u64, w: u64) {
        set_current_state(TASK_RUNNING);
        // SAFETY: the module's swait_queue.
        unsafe {
            if !list_empty(w + sq::task_list) {
                spin_lock(q + sqh::lock);
                list_del_init(w + sq::task_list);
                spin_unlock(q + sqh::lock);
            }
        }
    }
}

// ---- completions (kernel/sched/completion.c) ------------------------------

crate::kfn! {
    /// `complete(x)`: one more done, wake one waiter.
    fn complete(x: u64) {
        let q = x + cmp::wait;
        spin_lock(q + sqh::lock);
        let d = rd32(x + cmp::done);
        if d != u32::MAX {
            wr32(x + cmp::done, d + 1);
        }
        // SAFETY: lock held.
        unsafe { swake_first(q) };
        spin_unlock(q + sqh::lock);
    }
}
crate::kfn! {
    /// `complete_all(x)`: done for good, wake every waiter.
    fn complete_all(x: u64) {
        let q = x + cmp::wait;
        spin_lock(q + sqh::lock);
        wr32(x + cmp::done, u32::MAX);
        // SAFETY: lock held.
        unsafe {
            while !list_empty(q + sqh::task_list) {
                swake_first(q);
            }
        }
        spin_unlock(q + sqh::lock);
    }
}

/// `do_wait_for_common`: waits for `done`, at most `timeout` jiffies;
/// returns the jiffies left (at least 1) or 0 on timeout.
fn wait_common(x: u64, timeout: i64, state: u32) -> i64 {
    let q = x + cmp::wait;
    let mut timeout = timeout;
    spin_lock(q + sqh::lock);
    if rd32(x + cmp::done) == 0 {
        // DECLARE_SWAITQUEUE on this (host) stack.
        let w = [0u64; (sq::SIZE / 8) as usize];
        let w = w.as_ptr() as u64;
        // SAFETY: our own swait_queue; q's lock held around list changes.
        unsafe {
            list_init(w + sq::task_list);
            loop {
                prepare_swait(q, w);
                set_current_state(state);
                spin_unlock(q + sqh::lock);
                timeout = schedule_timeout(timeout);
                spin_lock(q + sqh::lock);
                if rd32(x + cmp::done) != 0 || timeout == 0 {
                    break;
                }
            }
            if !list_empty(w + sq::task_list) {
                list_del_init(w + sq::task_list);
            }
        }
        if rd32(x + cmp::done) == 0 {
            spin_unlock(q + sqh::lock);
            return timeout;
        }
    }
    let d = rd32(x + cmp::done);
    if d != u32::MAX {
        wr32(x + cmp::done, d - 1);
    }
    spin_unlock(q + sqh::lock);
    if timeout == 0 {
        1
    } else {
        timeout
    }
}

crate::kfn! {
    fn wait_for_completion(x: u64) {
        wait_common(x, MAX_SCHEDULE_TIMEOUT, TASK_UNINTERRUPTIBLE);
    }
}
crate::export_fn!("wait_for_completion_io" => wait_for_completion);
crate::kfn! {
    fn wait_for_completion_timeout(x: u64, timeout: u64) -> u64 {
        wait_common(x, timeout.min(MAX_SCHEDULE_TIMEOUT as u64) as i64, TASK_UNINTERRUPTIBLE) as u64
    }
}
crate::export_fn!("wait_for_completion_io_timeout" => wait_for_completion_timeout);
crate::kfn! {
    /// No signal is ever pending in the host: 0 once completed.
    fn wait_for_completion_interruptible(x: u64) -> i32 {
        wait_common(x, MAX_SCHEDULE_TIMEOUT, TASK_INTERRUPTIBLE);
        0
    }
}
crate::export_fn!("wait_for_completion_killable" => wait_for_completion_interruptible);
crate::kfn! {
    fn wait_for_completion_state(x: u64, state: u32) -> i32 {
        wait_common(x, MAX_SCHEDULE_TIMEOUT, state);
        0
    }
}
crate::kfn! {
    fn wait_for_completion_interruptible_timeout(x: u64, timeout: u64) -> i64 {
        wait_common(x, timeout.min(MAX_SCHEDULE_TIMEOUT as u64) as i64, TASK_INTERRUPTIBLE)
    }
}
crate::export_fn!("wait_for_completion_killable_timeout" => wait_for_completion_interruptible_timeout);
crate::kfn! {
    /// `try_wait_for_completion(x)`: consumes one done without blocking.
    fn try_wait_for_completion(x: u64) -> bool {
        if rd32(x + cmp::done) == 0 {
            return false;
        }
        let q = x + cmp::wait;
        spin_lock(q + sqh::lock);
        let d = rd32(x + cmp::done);
        let ok = d != 0;
        if ok && d != u32::MAX {
            wr32(x + cmp::done, d - 1);
        }
        spin_unlock(q + sqh::lock);
        ok
    }
}
crate::kfn! {
    fn completion_done(x: u64) -> bool {
        if rd32(x + cmp::done) == 0 {
            return false;
        }
        let q = x + cmp::wait;
        spin_lock(q + sqh::lock);
        spin_unlock(q + sqh::lock);
        true
    }
}

//! kernel/kthread.c: kernel threads and kthread workers on host threads.
//!
//! `kthread_create_on_node` starts a host thread and returns its own
//! task_struct (kernel/fork.rs; a host CPU is lent to it while it runs),
//! asleep in
//! TASK_UNINTERRUPTIBLE as a new kthread is: `wake_up_process` lets it run
//! `threadfn(data)` (or, if `kthread_stop` came first, it ends with -EINTR
//! without running it, as Linux's `kthread()` does). `kthread_stop` sets
//! the should-stop flag, wakes the thread and waits for its result. The
//! task's `comm` is the thread's name while it runs.
//!
//! kthread workers are Linux's `struct kthread_worker` in memory from the
//! host's allocator, served by `kthread_worker_fn` on such a thread; work
//! items are the modules' `struct kthread_work`s on the worker's list.

use crate::kernel::locking::mutex::{spin_lock, spin_unlock};
use crate::kernel::sched::{
    self, current, list_add_tail, list_del_init, list_empty, list_init, next, sched_lock, WAKE,
};
use crate::layout::{completion as cmp, kthread_work as kw, kthread_worker as kwr};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

const EINTR: i64 = 4;
const ENOMEM: i64 = 12;

struct KThread {
    thread: libc::pthread_t,
    tid: i32,
    threadfn: u64,
    data: u64,
    should_stop: bool,
    result: Option<i64>,
}

static KTHREADS: Mutex<Option<HashMap<u64, KThread>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut HashMap<u64, KThread>) -> R) -> R {
    let mut g = KTHREADS.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(HashMap::new))
}

fn set_comm(task: u64, name: &[u8]) {
    let mut c = [0u8; 16];
    let n = name.len().min(15);
    c[..n].copy_from_slice(&name[..n]);
    // SAFETY: comm[16] of one of the host's task_structs.
    unsafe {
        std::ptr::copy_nonoverlapping(
            c.as_ptr(),
            (task + crate::layout::task_struct::comm) as *mut u8,
            16,
        )
    };
}

/// Starts a kthread; returns its task or a negative errno.
pub fn create(threadfn: u64, data: u64, name: String) -> i64 {
    let (tx, rx) = std::sync::mpsc::channel::<i64>();
    let spawned = std::thread::Builder::new()
        .name(name.chars().take(15).collect())
        .spawn(move || {
            if crate::vmlinux::get().is_none() {
                let _ = tx.send(-ENOMEM);
                return;
            }
            // The thread's own task, kept until kthread_stop (which may
            // name it after threadfn has returned).
            let task = crate::kernel::fork::pin_current();
            set_comm(task, name.as_bytes());
            // A new kthread runs at nice 0 (priority 120).
            for off in [crate::layout::task_struct::static_prio, crate::layout::task_struct::normal_prio, crate::layout::task_struct::prio] {
                // SAFETY: int fields of one of the host's task_structs.
                unsafe { ((task + off) as *mut i32).write_volatile(120) };
            }
            // SAFETY: pthread_self has no preconditions.
            let thread = unsafe { libc::pthread_self() };
            // SAFETY: gettid has no preconditions.
            let tid = unsafe { libc::gettid() };
            with(|m| {
                m.insert(
                    task,
                    KThread {
                        thread,
                        tid,
                        threadfn,
                        data,
                        should_stop: false,
                        result: None,
                    },
                )
            });
            sched::set_current_state(sched::TASK_UNINTERRUPTIBLE);
            let _ = tx.send(task as i64);
            sched::schedule();
            let stop = with(|m| m.get(&task).is_some_and(|k| k.should_stop));
            let ret = if stop {
                -EINTR
            } else {
                crate::fault::call_module(threadfn, [data, 0, 0, 0, 0, 0])
                    .map(|r| r as i64)
                    .unwrap_or(0)
            };
            set_comm(task, b"modhost");
            with(|m| {
                if let Some(k) = m.get_mut(&task) {
                    k.result = Some(ret);
                }
            });
            sched::kick();
        });
    if spawned.is_err() {
        return -ENOMEM;
    }
    rx.recv().unwrap_or(-ENOMEM)
}

extern "C" fn kthread_create_on_node(regs: *const u64, stack: *const u64) -> i64 {
    // kthread_create_on_node(threadfn, data, node, namefmt, ...)
    // SAFETY: the variadic stub passes the argument registers and stack.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 4) };
    let (threadfn, data, fmt) = (args.arg(0), args.arg(1), args.arg(3));
    // SAFETY: the module's NUL-terminated name format.
    let fmt = unsafe { crate::abi::c_str(fmt, 4096) }.to_vec();
    let name = crate::printf::format(&fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    create(threadfn, data, String::from_utf8_lossy(&name).into_owned())
}
crate::export_variadic!("kthread_create_on_node" => kthread_create_on_node);

extern "C" fn kthread_create_on_cpu(regs: *const u64, stack: *const u64) -> i64 {
    // kthread_create_on_cpu(threadfn, data, cpu, namefmt): the name is
    // namefmt formatted with the CPU number; the thread is bound to it.
    // SAFETY: the stub passes the argument registers and stack; argument 2
    // (the CPU) is the format's one argument.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let (threadfn, data, cpu, fmt) = (args.arg(0), args.arg(1), args.arg(2) as u32, args.arg(3));
    // SAFETY: the module's NUL-terminated name format.
    let fmt = unsafe { crate::abi::c_str(fmt, 4096) }.to_vec();
    let name = crate::printf::format(&fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    let p = create(threadfn, data, String::from_utf8_lossy(&name).into_owned());
    if p > 0 {
        kthread_bind(p as u64, cpu);
    }
    p
}
crate::export_variadic!("kthread_create_on_cpu" => kthread_create_on_cpu);

crate::kfn! {
    /// `kthread_bind(p, cpu)`: a kthread that has not run yet will only
    /// ever run on `cpu` (the host lends it that CPU and no other). Linux
    /// WARNs when the task is not asleep waiting for its first wake-up.
    fn kthread_bind(task: u64, cpu: u32) {
        let waiting = with(|m| m.contains_key(&task)) && sched::task_state(task) == sched::TASK_UNINTERRUPTIBLE;
        if !waiting {
            crate::log::kernel_msg(4, &format!("WARNING: kthread_bind: task {task:#x} is not a new, sleeping kthread"));
            return;
        }
        if cpu as usize >= crate::vmlinux::NR_POSSIBLE_CPUS {
            crate::log::kernel_msg(4, &format!("WARNING: kthread_bind: CPU {cpu} is not possible"));
            return;
        }
        crate::kernel::fork::bind(task, cpu as usize);
    }
}

crate::kfn! {
    /// `kthread_should_stop()`: whether kthread_stop() asked current to end.
    fn kthread_should_stop() -> bool {
        let t = current();
        with(|m| m.get(&t).is_some_and(|k| k.should_stop))
    }
}
crate::kfn! {
    /// `kthread_should_park()`: nothing parks kthreads in the host.
    fn kthread_should_park() -> bool {
        false
    }
}
crate::kfn! {
    fn kthread_data(task: u64) -> u64 {
        with(|m| m.get(&task).map(|k| k.data).unwrap_or(0))
    }
}
crate::kfn! {
    fn kthread_func(task: u64) -> u64 {
        with(|m| m.get(&task).map(|k| k.threadfn).unwrap_or(0))
    }
}
crate::kfn! {
    /// `kthread_stop(k)`: asks the thread to stop, wakes it, waits for it
    /// to end; its threadfn's result (-EINTR if it never ran).
    fn kthread_stop(task: u64) -> i64 {
        if !with(|m| m.get_mut(&task).map(|k| k.should_stop = true).is_some()) {
            return -EINTR;
        }
        sched::try_to_wake_up(task, sched::TASK_NORMAL);
        crate::vmlinux::Vmlinux::off_cpu(|| {
            let mut g = sched_lock();
            loop {
                if let Some(r) = with(|m| m.get(&task).and_then(|k| k.result)) {
                    drop(g);
                    with(|m| m.remove(&task));
                    // The thread has ended its run: its task can serve
                    // another thread.
                    crate::kernel::fork::release(task);
                    return r;
                }
                g = WAKE.wait_timeout(g, Duration::from_millis(10)).unwrap_or_else(|e| e.into_inner()).0;
            }
        })
    }
}

// ---- kthread workers --------------------------------------------------------------

fn rd64(p: u64) -> u64 {
    // SAFETY: a field of a kthread_worker / kthread_work.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr64(p: u64, v: u64) {
    // SAFETY: as rd64.
    unsafe { (p as *mut u64).write_volatile(v) }
}
fn rd32(p: u64) -> i32 {
    // SAFETY: as rd64.
    unsafe { (p as *const i32).read_volatile() }
}
fn wr32(p: u64, v: i32) {
    // SAFETY: as rd64.
    unsafe { (p as *mut i32).write_volatile(v) }
}

crate::kfn! {
    /// `__kthread_init_worker(worker, name, key)`.
    fn __kthread_init_worker(w: u64, _name: u64, _key: u64) {
        // SAFETY: the caller's struct kthread_worker.
        unsafe {
            std::ptr::write_bytes(w as *mut u8, 0, kwr::SIZE as usize);
            list_init(w + kwr::work_list);
            list_init(w + kwr::delayed_work_list);
        }
    }
}

crate::kfn! {
    /// `kthread_worker_fn(worker)`: runs queued works until asked to stop.
    fn kthread_worker_fn(w: u64) -> i32 {
        wr64(w + kwr::task, current());
        loop {
            sched::set_current_state(sched::TASK_INTERRUPTIBLE);
            if kthread_should_stop() {
                sched::set_current_state(sched::TASK_RUNNING);
                spin_lock(w + kwr::lock);
                wr64(w + kwr::task, 0);
                spin_unlock(w + kwr::lock);
                return 0;
            }
            spin_lock(w + kwr::lock);
            let mut work = 0;
            // SAFETY: lock held; the worker's list of kthread_works.
            unsafe {
                if !list_empty(w + kwr::work_list) {
                    work = next(w + kwr::work_list) - kw::node;
                    list_del_init(work + kw::node);
                }
            }
            wr64(w + kwr::current_work, work);
            spin_unlock(w + kwr::lock);
            if work != 0 {
                sched::set_current_state(sched::TASK_RUNNING);
                crate::fault::call_module(rd64(work + kw::func), [work, 0, 0, 0, 0, 0]);
            } else {
                sched::schedule();
            }
        }
    }
}

/// `kthread_insert_work`: lock held.
fn insert_work(w: u64, work: u64, pos: u64) {
    // SAFETY: lock held; `pos` is a node of the worker's list.
    unsafe { list_add_tail(work + kw::node, pos) };
    wr64(work + kw::worker, w);
    let task = rd64(w + kwr::task);
    if rd64(w + kwr::current_work) == 0 && task != 0 {
        sched::try_to_wake_up(task, sched::TASK_NORMAL);
    }
}

crate::kfn! {
    /// `kthread_queue_work(worker, work)`: false if it is already queued
    /// or being cancelled.
    fn kthread_queue_work(w: u64, work: u64) -> bool {
        spin_lock(w + kwr::lock);
        // SAFETY: the module's kthread_work.
        let blocked = unsafe { !list_empty(work + kw::node) } || rd32(work + kw::canceling) != 0;
        if !blocked {
            insert_work(w, work, w + kwr::work_list);
        }
        spin_unlock(w + kwr::lock);
        !blocked
    }
}

extern "C" fn flush_work_fn(work: u64) {
    crate::kernel::sched::complete(work + kw::SIZE);
}
crate::export_fn!("__modhost_kthread_flush_work_fn" => flush_work_fn);

/// A kthread_flush_work on this stack: a kthread_work then a completion.
struct FlushWork([u64; ((kw::SIZE + cmp::SIZE) / 8) as usize]);

impl FlushWork {
    fn new() -> Box<Self> {
        let f = Box::new(FlushWork([0; ((kw::SIZE + cmp::SIZE) / 8) as usize]));
        let a = f.addr();
        // SAFETY: our own zeroed kthread_work + completion.
        unsafe {
            list_init(a + kw::node);
            list_init(a + kw::SIZE + cmp::wait + crate::layout::swait_queue_head::task_list);
        }
        wr64(
            a + kw::func,
            crate::vmlinux::get()
                .and_then(|v| v.symbol("__modhost_kthread_flush_work_fn"))
                .unwrap_or(0),
        );
        f
    }
    fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }
    fn wait(&self) {
        crate::kernel::sched::wait_for_completion(self.addr() + kw::SIZE);
    }
}

crate::kfn! {
    /// `kthread_flush_worker(worker)`: waits for every work queued before.
    fn kthread_flush_worker(w: u64) {
        let f = FlushWork::new();
        kthread_queue_work(w, f.addr());
        f.wait();
    }
}
crate::kfn! {
    /// `kthread_flush_work(work)`: waits for the work's last queueing.
    fn kthread_flush_work(work: u64) {
        let w = rd64(work + kw::worker);
        if w == 0 {
            return;
        }
        let f = FlushWork::new();
        spin_lock(w + kwr::lock);
        // SAFETY: lock held; the module's work and worker.
        let queued = unsafe {
            if !list_empty(work + kw::node) {
                insert_work(w, f.addr(), next(work + kw::node));
                true
            } else if rd64(w + kwr::current_work) == work {
                insert_work(w, f.addr(), next(w + kwr::work_list));
                true
            } else {
                false
            }
        };
        spin_unlock(w + kwr::lock);
        if queued {
            f.wait();
        }
    }
}
crate::kfn! {
    /// `kthread_cancel_work_sync(work)`: true if it was queued.
    fn kthread_cancel_work_sync(work: u64) -> bool {
        let w = rd64(work + kw::worker);
        if w == 0 {
            return false;
        }
        spin_lock(w + kwr::lock);
        // SAFETY: lock held.
        let was = unsafe {
            if !list_empty(work + kw::node) {
                list_del_init(work + kw::node);
                true
            } else {
                false
            }
        };
        if rd64(w + kwr::current_work) == work {
            wr32(work + kw::canceling, rd32(work + kw::canceling) + 1);
            spin_unlock(w + kwr::lock);
            kthread_flush_work(work);
            spin_lock(w + kwr::lock);
            wr32(work + kw::canceling, rd32(work + kw::canceling) - 1);
        }
        spin_unlock(w + kwr::lock);
        was
    }
}

extern "C" fn kthread_create_worker(regs: *const u64, stack: *const u64) -> u64 {
    // kthread_create_worker(flags, namefmt, ...)
    // SAFETY: the variadic stub passes the argument registers and stack.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let (flags, fmt) = (args.arg(0) as u32, args.arg(1));
    // SAFETY: the module's NUL-terminated name format.
    let fmt = unsafe { crate::abi::c_str(fmt, 4096) }.to_vec();
    let name = String::from_utf8_lossy(&crate::printf::format(
        &fmt,
        &mut args,
        &crate::kernel::printk::ModuleMemory,
    ))
    .into_owned();
    // SAFETY: calloc of one kthread_worker, freed by kthread_destroy_worker.
    let w = unsafe { libc::calloc(1, kwr::SIZE as usize) } as u64;
    if w == 0 {
        return (-ENOMEM) as u64;
    }
    __kthread_init_worker(w, 0, 0);
    let fnaddr = crate::vmlinux::get()
        .and_then(|v| v.symbol("kthread_worker_fn"))
        .unwrap_or(0);
    let task = create(fnaddr, w, name);
    if task < 0 {
        // SAFETY: allocated above, never published.
        unsafe { libc::free(w as *mut libc::c_void) };
        return task as u64;
    }
    // SAFETY: the fresh worker.
    unsafe { (w as *mut u32).write(flags) };
    wr64(w + kwr::task, task as u64);
    sched::try_to_wake_up(task as u64, sched::TASK_NORMAL);
    w
}
crate::export_variadic!("kthread_create_worker" => kthread_create_worker);

crate::kfn! {
    /// `kthread_destroy_worker(worker)`: flush, stop its thread, free it.
    fn kthread_destroy_worker(w: u64) {
        let task = rd64(w + kwr::task);
        if task == 0 {
            return;
        }
        kthread_flush_worker(w);
        kthread_stop(task);
        // SAFETY: allocated by kthread_create_worker.
        unsafe { libc::free(w as *mut libc::c_void) };
    }
}

// ---- scheduling policy (kernel/sched/core.c) -----------------------------------------

/// Sets a kthread's host thread to `policy`/`prio` (sched_setscheduler_nocheck);
/// 0 or a negative errno.
fn set_policy(task: u64, policy: i32, prio: i32) -> i32 {
    let Some(th) = with(|m| m.get(&task).map(|k| k.thread)) else {
        crate::log::kernel_msg(4, "sched_setscheduler: the task is not a host kthread; its policy is unchanged");
        return -22;
    };
    let sp = libc::sched_param { sched_priority: prio };
    // SAFETY: `th` is the live thread of a kthread that has not been stopped.
    let r = unsafe { libc::pthread_setschedparam(th, policy, &sp) };
    if r != 0 {
        crate::log::kernel_msg(4, &format!("sched_setscheduler: policy {policy} prio {prio}: error {r}"));
        return -r;
    }
    0
}

crate::kfn! {
    /// `sched_set_fifo(p)`: SCHED_FIFO at MAX_RT_PRIO / 2.
    fn sched_set_fifo(task: u64) {
        set_policy(task, libc::SCHED_FIFO, 50);
    }
}
crate::kfn! {
    /// `sched_set_fifo_low(p)`: SCHED_FIFO at priority 1.
    fn sched_set_fifo_low(task: u64) {
        set_policy(task, libc::SCHED_FIFO, 1);
    }
}

crate::kfn! {
    /// `set_user_nice(p, nice)`: the task's nice value (clamped to
    /// -20..19) on its host thread (setpriority of the thread), and its
    /// static/normal/effective priority 120 + nice, which the inline
    /// `task_nice()` reads.
    fn set_user_nice(task: u64, nice: i64) {
        let nice = nice.clamp(-20, 19) as i32;
        let tid = if task == current() {
            // SAFETY: gettid has no preconditions.
            Some(unsafe { libc::gettid() })
        } else {
            with(|m| m.get(&task).map(|k| k.tid))
        };
        let Some(tid) = tid else {
            crate::log::kernel_msg(4, "set_user_nice: the task is not a host thread's; its nice value is unchanged");
            return;
        };
        // SAFETY: setpriority on one of this process's threads.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice) };
        let prio = 120 + nice;
        for off in [crate::layout::task_struct::static_prio, crate::layout::task_struct::normal_prio, crate::layout::task_struct::prio] {
            // SAFETY: int fields of one of the host's task_structs.
            unsafe { ((task + off) as *mut i32).write_volatile(prio) };
        }
    }
}

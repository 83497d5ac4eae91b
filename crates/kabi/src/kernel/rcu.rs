//! kernel/rcu/tree.c and tree_plugin.h (Debian: TREE_RCU with PREEMPT_RCU):
//! read-side nesting, grace periods, callbacks.
//!
//! `__rcu_read_lock`/`__rcu_read_unlock` keep `current->rcu_read_lock_nesting`
//! as Linux does (the inline `rcu_preempt_depth()` reads it). A grace period
//! (`synchronize_rcu`) ends once every other host CPU has been seen
//! quiescent since it began: its task outside any RCU read-side section
//! and its `__preempt_count` at zero (a preempt-disabled region is an RCU
//! reader too), or it has left a read-side section since. `call_rcu` and
//! `kvfree_call_rcu` queue callbacks that an RCU thread invokes after a
//! grace period (module callbacks through `call_module`, which makes that
//! thread a host CPU while it has callbacks to run); `rcu_barrier` waits
//! for every callback queued before it.

use crate::layout::{rcu_head as rh, task_struct as ts};
use crate::vmlinux::NR_POSSIBLE_CPUS;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Times each CPU left its outermost read-side section.
static EXITS: [AtomicU64; NR_POSSIBLE_CPUS] = [const { AtomicU64::new(0) }; NR_POSSIBLE_CPUS];

fn nesting<'a>(task: u64) -> &'a AtomicI32 {
    // SAFETY: one of the host's task_structs; the int is naturally aligned.
    unsafe { &*((task + ts::rcu_read_lock_nesting) as *const AtomicI32) }
}

crate::kfn! {
    /// `__rcu_read_lock()`: one level deeper.
    fn __rcu_read_lock() {
        let t = crate::kernel::sched::current();
        if t != 0 {
            nesting(t).fetch_add(1, Ordering::SeqCst);
        }
    }
}
crate::kfn! {
    /// `__rcu_read_unlock()`: one level out; leaving the outermost level
    /// is a quiescent state of this CPU.
    fn __rcu_read_unlock() {
        let t = crate::kernel::sched::current();
        if t == 0 {
            return;
        }
        if nesting(t).fetch_sub(1, Ordering::SeqCst) == 1 {
            if let Some(c) = crate::vmlinux::Vmlinux::current_cpu() {
                EXITS[c].fetch_add(1, Ordering::SeqCst);
            }
            crate::kernel::sched::kick();
        }
    }
}

fn preempt_count(cpu: usize) -> u32 {
    let Some(v) = crate::vmlinux::get() else {
        return 0;
    };
    let (Some(base), Some(off)) = (
        v.cpu_base(cpu),
        v.percpu_spec()
            .symbols
            .iter()
            .find(|(n, _)| n == "__preempt_count")
            .map(|(_, o)| *o),
    ) else {
        return 0;
    };
    // SAFETY: the 32-bit __preempt_count of CPU `cpu`'s per-CPU block.
    let p = unsafe { &*((base + off) as *const AtomicU32) };
    p.load(Ordering::SeqCst) & 0x7fff_ffff
}

fn quiescent(cpu: usize) -> bool {
    let t = crate::vmlinux::Vmlinux::task_on(cpu);
    (t == 0 || nesting(t).load(Ordering::SeqCst) <= 0) && preempt_count(cpu) == 0
}

/// Waits for a grace period (off this thread's CPU, so the wait is not
/// for itself).
pub fn grace_period() {
    crate::vmlinux::Vmlinux::off_cpu(grace_period_off)
}

fn grace_period_off() {
    let me = crate::vmlinux::Vmlinux::current_cpu();
    let start: Vec<u64> = EXITS.iter().map(|e| e.load(Ordering::SeqCst)).collect();
    for cpu in 0..NR_POSSIBLE_CPUS {
        if Some(cpu) == me {
            continue;
        }
        let mut g = crate::kernel::sched::sched_lock();
        while !quiescent(cpu) && EXITS[cpu].load(Ordering::SeqCst) == start[cpu] {
            g = crate::kernel::sched::WAKE
                .wait_timeout(g, Duration::from_millis(1))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

crate::kfn! {
    /// `synchronize_rcu()`: returns after a full grace period.
    fn synchronize_rcu() {
        grace_period();
    }
}
crate::export_fn!("synchronize_rcu_expedited" => synchronize_rcu);

enum Cb {
    /// A module callback `func(head)`.
    Call { head: u64, func: u64 },
    /// kfree_rcu: kvfree(ptr).
    Free(u64),
    /// A callback whose module is gone (it still counts for rcu_barrier).
    Dropped,
    /// Host work to run after the grace period (SRCU callbacks).
    Host(Box<dyn FnOnce() + Send>),
}

#[derive(Default)]
struct Queue {
    cbs: VecDeque<(u64, Cb)>,
    queued: u64,
    done: u64,
    thread: bool,
}

static Q: Mutex<Option<Queue>> = Mutex::new(None);
static CV: Condvar = Condvar::new();

/// Runs `f` on the RCU thread after a grace period (ordered with call_rcu
/// callbacks, waited for by rcu_barrier).
pub(crate) fn after_grace_period(f: Box<dyn FnOnce() + Send>) {
    enqueue(Cb::Host(f));
}

fn enqueue(cb: Cb) {
    let spawn = {
        let mut g = Q.lock().unwrap_or_else(|e| e.into_inner());
        let q = g.get_or_insert_with(Queue::default);
        q.queued += 1;
        let s = q.queued;
        q.cbs.push_back((s, cb));
        let spawn = !q.thread;
        q.thread = true;
        spawn
    };
    CV.notify_all();
    if spawn
        && std::thread::Builder::new()
            .name("rcu".into())
            .spawn(rcu_thread)
            .is_err()
    {
        if let Some(q) = Q.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            q.thread = false;
        }
    }
}

fn kvfree(p: u64) {
    if let Some(f) = crate::vmlinux::get().and_then(|v| v.symbol("kvfree")) {
        // SAFETY: the host's own kvfree export.
        let f: extern "C" fn(u64) = unsafe { std::mem::transmute(f) };
        f(p);
    }
}

fn rcu_thread() {
    loop {
        let batch: Vec<(u64, Cb)> = {
            let mut g = Q.lock().unwrap_or_else(|e| e.into_inner());
            let q = g.get_or_insert_with(Queue::default);
            if q.cbs.is_empty() {
                q.thread = false;
                return;
            }
            q.cbs.drain(..).collect()
        };
        grace_period();
        for (seq, cb) in batch {
            match cb {
                Cb::Call { head, func } => {
                    crate::fault::call_module(func, [head, 0, 0, 0, 0, 0]);
                }
                Cb::Free(p) => kvfree(p),
                Cb::Dropped => {}
                Cb::Host(f) => f(),
            }
            let mut g = Q.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(q) = g.as_mut() {
                q.done = q.done.max(seq);
            }
            drop(g);
            CV.notify_all();
        }
    }
}

crate::kfn! {
    /// `call_rcu(head, func)`: func(head) after a grace period.
    fn call_rcu(head: u64, func: u64) {
        // SAFETY: the module's rcu_head.
        unsafe {
            ((head + rh::func) as *mut u64).write_volatile(func);
            ((head + rh::next) as *mut u64).write_volatile(0);
        }
        enqueue(Cb::Call { head, func });
    }
}
crate::kfn! {
    /// `kvfree_call_rcu(head, func)`: kvfree_rcu(ptr, field) passes the
    /// field's offset as `func` (the object is head - offset); the
    /// one-argument form passes no head and the pointer itself, and is
    /// freed after a synchronous grace period.
    fn kvfree_call_rcu(head: u64, func: u64) {
        if head == 0 {
            grace_period();
            kvfree(func);
            return;
        }
        enqueue(Cb::Free(head.wrapping_sub(func)));
    }
}
crate::kfn! {
    /// `rcu_barrier()`: waits until every callback queued so far has run.
    fn rcu_barrier() {
        crate::vmlinux::Vmlinux::off_cpu(|| {
            let mut g = Q.lock().unwrap_or_else(|e| e.into_inner());
            let target = g.get_or_insert_with(Queue::default).queued;
            while g.as_ref().is_some_and(|q| q.done < target) {
                g = CV.wait(g).unwrap_or_else(|e| e.into_inner());
            }
        })
    }
}

/// Drops queued callbacks whose head or function lies in freed module memory.
fn purge(start: u64, end: u64) {
    let inside = |a: u64| (start..end).contains(&a);
    let mut g = Q.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(q) = g.as_mut() {
        for (_, cb) in q.cbs.iter_mut() {
            if matches!(cb, Cb::Call { head, func } if inside(*head) || inside(*func)) {
                *cb = Cb::Dropped;
            }
        }
    }
}
crate::purge_on_module_free!(purge);

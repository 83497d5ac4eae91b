//! kernel/rcu/srcutree.c: sleepable RCU, and kernel/notifier.c's SRCU
//! notifier chains.
//!
//! Each `srcu_struct` (by address; a statically defined one is known from
//! its first use) has two reader counters and a current index, kept in the
//! host: `__srcu_read_lock` counts the reader on the current index and
//! returns it, `__srcu_read_unlock` uncounts it. A grace period
//! (`synchronize_srcu`) flips the index and waits until no reader is left
//! on the old one; grace periods of one srcu_struct are serialised.
//! `call_srcu` runs its callback on the RCU thread after an SRCU grace
//! period; `srcu_barrier` waits for the callbacks queued before it.

use crate::kernel::sched::{kick, sched_lock, WAKE};
use crate::layout::srcu_notifier_head as snh;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Srcu {
    idx: AtomicUsize,
    readers: [AtomicI64; 2],
    gp: Mutex<()>,
}

static ALL: Mutex<Option<HashMap<u64, Arc<Srcu>>>> = Mutex::new(None);

fn get(ssp: u64) -> Arc<Srcu> {
    let mut g = ALL.lock().unwrap_or_else(|e| e.into_inner());
    g.get_or_insert_with(HashMap::new)
        .entry(ssp)
        .or_default()
        .clone()
}

crate::kfn! {
    /// `init_srcu_struct(ssp)`: 0.
    fn init_srcu_struct(ssp: u64) -> i32 {
        let mut g = ALL.lock().unwrap_or_else(|e| e.into_inner());
        g.get_or_insert_with(HashMap::new).insert(ssp, Arc::default());
        0
    }
}
crate::kfn! {
    fn cleanup_srcu_struct(ssp: u64) {
        let mut g = ALL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = g.as_mut() {
            m.remove(&ssp);
        }
    }
}
crate::kfn! {
    /// `__srcu_read_lock(ssp)`: the index to pass to `__srcu_read_unlock`.
    fn __srcu_read_lock(ssp: u64) -> i32 {
        let mut g = ALL.lock().unwrap_or_else(|e| e.into_inner());
        let s = g.get_or_insert_with(HashMap::new).entry(ssp).or_default().clone();
        let idx = s.idx.load(Ordering::SeqCst) & 1;
        s.readers[idx].fetch_add(1, Ordering::SeqCst);
        idx as i32
    }
}
crate::kfn! {
    fn __srcu_read_unlock(ssp: u64, idx: i32) {
        let s = get(ssp);
        s.readers[(idx & 1) as usize].fetch_sub(1, Ordering::SeqCst);
        kick();
    }
}

/// One SRCU grace period of `ssp`.
pub fn grace_period(ssp: u64) {
    let s = get(ssp);
    let _gp = s.gp.lock().unwrap_or_else(|e| e.into_inner());
    let old = {
        // Readers pick their index under the registry lock: after the flip
        // no new reader counts on the old one.
        let _g = ALL.lock().unwrap_or_else(|e| e.into_inner());
        s.idx.fetch_xor(1, Ordering::SeqCst)
    };
    crate::vmlinux::Vmlinux::off_cpu(|| {
        let mut g = sched_lock();
        while s.readers[old].load(Ordering::SeqCst) > 0 {
            g = WAKE
                .wait_timeout(g, std::time::Duration::from_millis(1))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    })
}

crate::kfn! {
    fn synchronize_srcu(ssp: u64) {
        grace_period(ssp);
    }
}
crate::export_fn!("synchronize_srcu_expedited" => synchronize_srcu);
crate::kfn! {
    /// `call_srcu(ssp, head, func)`: func(head) after an SRCU grace period.
    fn call_srcu(ssp: u64, head: u64, func: u64) {
        crate::kernel::rcu::after_grace_period(Box::new(move || {
            grace_period(ssp);
            crate::fault::call_module(func, [head, 0, 0, 0, 0, 0]);
        }));
    }
}
crate::kfn! {
    fn srcu_barrier(_ssp: u64) {
        crate::kernel::rcu::rcu_barrier();
    }
}

fn purge(start: u64, end: u64) {
    let mut g = ALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(m) = g.as_mut() {
        m.retain(|a, _| !(start..end).contains(a));
    }
}
crate::purge_on_module_free!(purge);

// ---- SRCU notifier chains ------------------------------------------------------

fn call1(name: &str, a: u64) {
    if let Some(p) = crate::vmlinux::get().and_then(|v| v.symbol(name)) {
        // SAFETY: the host's own export stub of that name, taking one pointer.
        let f: extern "C" fn(u64) = unsafe { std::mem::transmute(p) };
        f(a);
    }
}

crate::kfn! {
    /// `srcu_init_notifier_head(nh)`.
    fn srcu_init_notifier_head(nh: u64) {
        if let Some(p) = crate::vmlinux::get().and_then(|v| v.symbol("__mutex_init")) {
            // SAFETY: the host's own __mutex_init stub.
            let f: extern "C" fn(u64, u64, u64) = unsafe { std::mem::transmute(p) };
            f(nh + snh::mutex, 0, 0);
        }
        init_srcu_struct(nh + snh::srcu);
        // SAFETY: the module's srcu_notifier_head.
        unsafe { ((nh + snh::head) as *mut u64).write_volatile(0) };
    }
}
crate::kfn! {
    fn srcu_notifier_chain_register(nh: u64, n: u64) -> i32 {
        call1("mutex_lock", nh + snh::mutex);
        let r = crate::kernel::notifier::chain_register(nh + snh::head, n, false);
        call1("mutex_unlock", nh + snh::mutex);
        r
    }
}
crate::kfn! {
    fn srcu_notifier_chain_unregister(nh: u64, n: u64) -> i32 {
        call1("mutex_lock", nh + snh::mutex);
        let r = crate::kernel::notifier::chain_unregister(nh + snh::head, n);
        call1("mutex_unlock", nh + snh::mutex);
        grace_period(nh + snh::srcu);
        r
    }
}
crate::kfn! {
    fn srcu_notifier_call_chain(nh: u64, val: u64, v: u64) -> i32 {
        let idx = __srcu_read_lock(nh + snh::srcu);
        let r = crate::kernel::notifier::call_chain(nh + snh::head, val, v, -1, None);
        __srcu_read_unlock(nh + snh::srcu, idx);
        r
    }
}

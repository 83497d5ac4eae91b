//! Mutexes and spinlocks, over the kernel structures in module memory.
//!
//! `struct mutex` starts with `atomic_long_t owner` (0 = unlocked) and a
//! spinlock (`raw_spinlock_t`) starts with a 32-bit `val`; a lock holds the
//! owner word non-zero (the owning task, as Linux keeps it, or a per-thread
//! token on a thread that is not a CPU). A contended `mutex_lock` sleeps on
//! the scheduler's host condition variable and `mutex_unlock` wakes the
//! sleepers to retry; spinlocks spin.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

crate::export_fn!("__mutex_init" => mutex_init);
crate::export_fn!("mutex_lock" => mutex_lock);
crate::export_fn!("mutex_lock_interruptible" => mutex_lock_int);
crate::export_fn!("mutex_lock_killable" => mutex_lock_int);
crate::export_fn!("mutex_trylock" => mutex_trylock);
crate::export_fn!("mutex_unlock" => mutex_unlock);
crate::export_fn!("mutex_is_locked" => mutex_is_locked);
crate::export_fn!("_raw_spin_lock" => spin_lock);
crate::export_fn!("_raw_spin_lock_bh" => spin_lock);
crate::export_fn!("_raw_spin_lock_irq" => spin_lock);
crate::export_fn!("_raw_spin_lock_irqsave" => spin_lock_irqsave);
crate::export_fn!("_raw_spin_unlock" => spin_unlock);
crate::export_fn!("_raw_spin_unlock_bh" => spin_unlock);
crate::export_fn!("_raw_spin_unlock_irq" => spin_unlock);
crate::export_fn!("_raw_spin_unlock_irqrestore" => spin_unlock_irqrestore);
crate::export_fn!("_raw_spin_trylock" => spin_trylock);

fn owner_token() -> u64 {
    let t = crate::kernel::sched::current();
    if t != 0 {
        return t;
    }
    thread_local!(static T: u8 = const { 0 });
    T.with(|t| t as *const u8 as u64) | 1
}

fn word<'a>(p: u64) -> &'a AtomicU64 {
    // SAFETY: p is the module's struct mutex (8-aligned).
    unsafe { &*(p as *const AtomicU64) }
}

extern "C" fn mutex_init(m: u64, _name: u64, _key: u64) {
    // owner 0, wait_lock and osq 0, wait_list empty (as __mutex_init).
    // SAFETY: the module's struct mutex, laid out as Debian's headers say.
    unsafe {
        ((m + 8) as *mut u64).write_volatile(0);
        crate::kernel::sched::list_init(m + crate::layout::mutex::wait_list);
    }
    word(m).store(0, Ordering::Release);
}
extern "C" fn mutex_trylock(m: u64) -> i32 {
    let owner = owner_token();
    let ok = word(m).compare_exchange(0, owner, Ordering::Acquire, Ordering::Relaxed).is_ok();
    if ok {
        super::held::taken(super::held::Held::Mutex { addr: m, owner });
    }
    ok as i32
}

/// Releases `m` if `owner` still holds it (an abandoned call's mutex).
pub(crate) fn force_unlock(m: u64, owner: u64) -> bool {
    let ok = word(m).compare_exchange(owner, 0, Ordering::Release, Ordering::Relaxed).is_ok();
    if ok {
        crate::kernel::sched::kick();
    }
    ok
}
extern "C" fn mutex_lock(m: u64) {
    if mutex_trylock(m) != 0 {
        return;
    }
    crate::vmlinux::Vmlinux::off_cpu(|| {
        let mut g = crate::kernel::sched::sched_lock();
        while mutex_trylock(m) == 0 {
            g = crate::kernel::sched::WAKE
                .wait(g)
                .unwrap_or_else(|e| e.into_inner());
        }
    })
}
extern "C" fn mutex_lock_int(m: u64) -> i32 {
    mutex_lock(m);
    0
}
extern "C" fn mutex_unlock(m: u64) {
    let owner = word(m).load(Ordering::Acquire);
    super::held::released(|h| *h == super::held::Held::Mutex { addr: m, owner });
    word(m).store(0, Ordering::Release);
    crate::kernel::sched::kick();
}
extern "C" fn mutex_is_locked(m: u64) -> bool {
    word(m).load(Ordering::Acquire) != 0
}

fn lock32<'a>(p: u64) -> &'a AtomicU32 {
    // SAFETY: p is the module's raw_spinlock_t (4-aligned).
    unsafe { &*(p as *const AtomicU32) }
}
pub(crate) extern "C" fn spin_trylock(l: u64) -> i32 {
    lock32(l)
        .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
        .is_ok() as i32
}
pub(crate) extern "C" fn spin_lock(l: u64) {
    while spin_trylock(l) == 0 {
        std::hint::spin_loop();
    }
}
extern "C" fn spin_lock_irqsave(l: u64) -> u64 {
    spin_lock(l);
    0x200 // the saved flags: interrupts were enabled
}
pub(crate) extern "C" fn spin_unlock(l: u64) {
    lock32(l).store(0, Ordering::Release);
}
extern "C" fn spin_unlock_irqrestore(l: u64, _flags: u64) {
    spin_unlock(l);
}

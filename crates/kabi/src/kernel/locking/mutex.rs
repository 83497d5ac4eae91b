//! Mutexes and spinlocks, over the kernel structures in module memory.
//!
//! `struct mutex` starts with `atomic_long_t owner` (0 = unlocked) and a
//! spinlock (`raw_spinlock_t`) starts with a 32-bit `val`; a lock holds the
//! owner word non-zero. Waiting spins with `yield` (the host has no
//! scheduler to sleep on).

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
    thread_local!(static T: u8 = const { 0 });
    T.with(|t| t as *const u8 as u64) | 1
}

fn word<'a>(p: u64) -> &'a AtomicU64 {
    // SAFETY: p is the module's struct mutex (8-aligned).
    unsafe { &*(p as *const AtomicU64) }
}

extern "C" fn mutex_init(m: u64, _name: u64, _key: u64) {
    word(m).store(0, Ordering::Release);
}
extern "C" fn mutex_trylock(m: u64) -> i32 {
    word(m).compare_exchange(0, owner_token(), Ordering::Acquire, Ordering::Relaxed).is_ok() as i32
}
extern "C" fn mutex_lock(m: u64) {
    while mutex_trylock(m) == 0 {
        std::thread::yield_now();
    }
}
extern "C" fn mutex_lock_int(m: u64) -> i32 {
    mutex_lock(m);
    0
}
extern "C" fn mutex_unlock(m: u64) {
    word(m).store(0, Ordering::Release);
}
extern "C" fn mutex_is_locked(m: u64) -> bool {
    word(m).load(Ordering::Acquire) != 0
}

fn lock32<'a>(p: u64) -> &'a AtomicU32 {
    // SAFETY: p is the module's raw_spinlock_t (4-aligned).
    unsafe { &*(p as *const AtomicU32) }
}
extern "C" fn spin_trylock(l: u64) -> i32 {
    lock32(l).compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok() as i32
}
extern "C" fn spin_lock(l: u64) {
    while spin_trylock(l) == 0 {
        std::hint::spin_loop();
    }
}
extern "C" fn spin_lock_irqsave(l: u64) -> u64 {
    spin_lock(l);
    0x200 // the saved flags: interrupts were enabled
}
extern "C" fn spin_unlock(l: u64) {
    lock32(l).store(0, Ordering::Release);
}
extern "C" fn spin_unlock_irqrestore(l: u64, _flags: u64) {
    spin_unlock(l);
}

//! kernel/locking/rwsem.c and semaphore.c: read-write semaphores and
//! counting semaphores, over the structures in module memory.
//!
//! `rw_semaphore.count` keeps Linux's encoding (bit 0 RWSEM_WRITER_LOCKED,
//! readers counted in units of RWSEM_READER_BIAS = 1 << 8), so the inline
//! `rwsem_is_locked()` is right; `owner` holds the writer's task, or the
//! last reader's with RWSEM_READER_OWNED. A contended acquire sleeps on the
//! scheduler's host condition variable and every release wakes the
//! sleepers to retry; no signal is ever pending, so the interruptible and
//! killable variants acquire like the plain ones.
//! `struct semaphore` is { raw_spinlock_t lock; unsigned int count;
//! struct list_head wait_list; }.

use crate::kernel::locking::mutex::{spin_lock, spin_unlock};
use crate::kernel::sched::{current, jiffies_to_duration, kick, sched_lock, WAKE};
use crate::layout::rw_semaphore as rs;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

const WRITER_LOCKED: u64 = 1;
const FLAG_HANDOFF: u64 = 4;
const READER_BIAS: u64 = 1 << 8;
const READER_OWNED: u64 = 1;
const ETIME: i32 = 62;

fn count<'a>(sem: u64) -> &'a AtomicU64 {
    // SAFETY: the module's rw_semaphore; count is an aligned atomic_long_t.
    unsafe { &*((sem + rs::count) as *const AtomicU64) }
}
fn set_owner(sem: u64, v: u64) {
    // SAFETY: the module's rw_semaphore; owner is an aligned atomic_long_t.
    unsafe { &*((sem + rs::owner) as *const AtomicU64) }.store(v, Ordering::Release);
}

/// Retries `try_` until it succeeds, sleeping between attempts.
fn acquire(try_: impl Fn() -> bool) {
    if try_() {
        return;
    }
    crate::vmlinux::Vmlinux::off_cpu(|| {
        let mut g = sched_lock();
        while !try_() {
            g = WAKE.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    })
}

fn read_trylock(sem: u64) -> bool {
    let c = count(sem);
    let mut v = c.load(Ordering::Relaxed);
    loop {
        if v & (WRITER_LOCKED | FLAG_HANDOFF) != 0 {
            return false;
        }
        match c.compare_exchange_weak(v, v + READER_BIAS, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => {
                set_owner(sem, current() | READER_OWNED);
                return true;
            }
            Err(x) => v = x,
        }
    }
}
fn write_trylock(sem: u64) -> bool {
    let ok = count(sem)
        .compare_exchange(0, WRITER_LOCKED, Ordering::Acquire, Ordering::Relaxed)
        .is_ok();
    if ok {
        set_owner(sem, current());
    }
    ok
}

crate::kfn! {
    /// `__init_rwsem(sem, name, key)`.
    fn __init_rwsem(sem: u64, _name: u64, _key: u64) {
        count(sem).store(0, Ordering::Relaxed);
        set_owner(sem, 0);
        // SAFETY: the module's rw_semaphore: osq (atomic_t) before wait_lock.
        unsafe {
            ((sem + rs::owner + 8) as *mut u32).write_volatile(0);
            ((sem + rs::wait_lock) as *mut u32).write_volatile(0);
            crate::kernel::sched::list_init(sem + rs::wait_list);
        }
    }
}
crate::kfn! {
    fn down_read(sem: u64) { acquire(|| read_trylock(sem)) }
}
crate::kfn! {
    fn down_read_interruptible(sem: u64) -> i32 { down_read(sem); 0 }
}
crate::export_fn!("down_read_killable" => down_read_interruptible);
crate::kfn! {
    fn down_read_trylock(sem: u64) -> i32 { read_trylock(sem) as i32 }
}
crate::kfn! {
    fn down_write(sem: u64) { acquire(|| write_trylock(sem)) }
}
crate::kfn! {
    fn down_write_killable(sem: u64) -> i32 { down_write(sem); 0 }
}
crate::kfn! {
    fn down_write_trylock(sem: u64) -> i32 { write_trylock(sem) as i32 }
}
crate::kfn! {
    fn up_read(sem: u64) {
        count(sem).fetch_sub(READER_BIAS, Ordering::Release);
        kick();
    }
}
crate::kfn! {
    fn up_write(sem: u64) {
        set_owner(sem, 0);
        count(sem).fetch_and(!WRITER_LOCKED, Ordering::Release);
        kick();
    }
}
crate::kfn! {
    /// `downgrade_write(sem)`: the writer becomes a reader atomically.
    fn downgrade_write(sem: u64) {
        count(sem).fetch_add(READER_BIAS - WRITER_LOCKED, Ordering::AcqRel);
        set_owner(sem, current() | READER_OWNED);
        kick();
    }
}

// ---- counting semaphores (kernel/locking/semaphore.c) -------------------------

fn sem_count<'a>(sem: u64) -> &'a AtomicU32 {
    // SAFETY: the module's struct semaphore: the count follows the 4-byte lock.
    unsafe { &*((sem + 4) as *const AtomicU32) }
}

fn sem_try(sem: u64) -> bool {
    spin_lock(sem);
    let c = sem_count(sem);
    let ok = c.load(Ordering::Relaxed) > 0;
    if ok {
        c.fetch_sub(1, Ordering::Relaxed);
    }
    spin_unlock(sem);
    ok
}

crate::kfn! {
    fn down(sem: u64) { acquire(|| sem_try(sem)) }
}
crate::kfn! {
    fn down_interruptible(sem: u64) -> i32 { down(sem); 0 }
}
crate::export_fn!("down_killable" => down_interruptible);
crate::kfn! {
    /// `down_trylock(sem)`: 0 when acquired, 1 when not (inverted, as Linux).
    fn down_trylock(sem: u64) -> i32 { (!sem_try(sem)) as i32 }
}
crate::kfn! {
    /// `down_timeout(sem, jiffies)`: 0, or -ETIME after `jiffies`.
    fn down_timeout(sem: u64, timeout: i64) -> i32 {
        let deadline = Instant::now() + jiffies_to_duration(timeout.max(0) as u64);
        if sem_try(sem) {
            return 0;
        }
        crate::vmlinux::Vmlinux::off_cpu(|| {
            let mut g = sched_lock();
            loop {
                if sem_try(sem) {
                    return 0;
                }
                let now = Instant::now();
                if now >= deadline {
                    return -ETIME;
                }
                g = WAKE.wait_timeout(g, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
            }
        })
    }
}
crate::kfn! {
    fn up(sem: u64) {
        spin_lock(sem);
        sem_count(sem).fetch_add(1, Ordering::Relaxed);
        spin_unlock(sem);
        kick();
    }
}

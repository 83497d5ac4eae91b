//! kernel/locking/spinlock.c (rwlock_t part) over qrwlock's layout:
//! `atomic_t cnts` (writer byte 0xff = _QW_LOCKED, bit 8 = _QW_WAITING,
//! readers counted in units of _QR_BIAS = 1 << 9) then the wait spinlock.
//! Readers and writers spin, as Linux's do.

use std::sync::atomic::{AtomicU32, Ordering};

const QW_LOCKED: u32 = 0xff;
const QW_WMASK: u32 = 0x1ff;
const QR_BIAS: u32 = 1 << 9;

fn cnts<'a>(l: u64) -> &'a AtomicU32 {
    // SAFETY: the module's rwlock_t: cnts is its first, aligned 32-bit word.
    unsafe { &*(l as *const AtomicU32) }
}

fn read_try(l: u64) -> bool {
    let c = cnts(l);
    let v = c.load(Ordering::Relaxed);
    v & QW_WMASK == 0
        && c.compare_exchange(v, v + QR_BIAS, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
}
fn write_try(l: u64) -> bool {
    cnts(l)
        .compare_exchange(0, QW_LOCKED, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
}

extern "C" fn read_trylock(l: u64) -> i32 {
    read_try(l) as i32
}
extern "C" fn write_trylock(l: u64) -> i32 {
    write_try(l) as i32
}
extern "C" fn read_lock(l: u64) {
    while !read_try(l) {
        std::hint::spin_loop();
    }
}
extern "C" fn write_lock(l: u64) {
    while !write_try(l) {
        std::hint::spin_loop();
    }
}
extern "C" fn read_lock_irqsave(l: u64) -> u64 {
    read_lock(l);
    0x200
}
extern "C" fn write_lock_irqsave(l: u64) -> u64 {
    write_lock(l);
    0x200
}
extern "C" fn read_unlock(l: u64) {
    cnts(l).fetch_sub(QR_BIAS, Ordering::Release);
}
extern "C" fn write_unlock(l: u64) {
    // smp_store_release(&lock->wlocked, 0)
    // SAFETY: the writer byte is the low byte of cnts.
    unsafe { &*(l as *const std::sync::atomic::AtomicU8) }.store(0, Ordering::Release);
}
extern "C" fn read_unlock_irqrestore(l: u64, _flags: u64) {
    read_unlock(l);
}
extern "C" fn write_unlock_irqrestore(l: u64, _flags: u64) {
    write_unlock(l);
}
extern "C" fn write_lock_nested(l: u64, _subclass: i32) {
    write_lock(l);
}

crate::export_fn!("_raw_read_trylock" => read_trylock);
crate::export_fn!("_raw_write_trylock" => write_trylock);
crate::export_fn!("_raw_read_lock" => read_lock);
crate::export_fn!("_raw_read_lock_bh" => read_lock);
crate::export_fn!("_raw_read_lock_irq" => read_lock);
crate::export_fn!("_raw_read_lock_irqsave" => read_lock_irqsave);
crate::export_fn!("_raw_read_unlock" => read_unlock);
crate::export_fn!("_raw_read_unlock_bh" => read_unlock);
crate::export_fn!("_raw_read_unlock_irq" => read_unlock);
crate::export_fn!("_raw_read_unlock_irqrestore" => read_unlock_irqrestore);
crate::export_fn!("_raw_write_lock" => write_lock);
crate::export_fn!("_raw_write_lock_nested" => write_lock_nested);
crate::export_fn!("_raw_write_lock_bh" => write_lock);
crate::export_fn!("_raw_write_lock_irq" => write_lock);
crate::export_fn!("_raw_write_lock_irqsave" => write_lock_irqsave);
crate::export_fn!("_raw_write_unlock" => write_unlock);
crate::export_fn!("_raw_write_unlock_bh" => write_unlock);
crate::export_fn!("_raw_write_unlock_irq" => write_unlock);
crate::export_fn!("_raw_write_unlock_irqrestore" => write_unlock_irqrestore);

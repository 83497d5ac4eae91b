//! lib/once.c: DO_ONCE() — `__do_once_start` / `__do_once_done`.
//!
//! `once_lock` is held from a start that returns true to the matching
//! done (the module runs its function in between), as Linux's spinlock.
//! Linux then disables the once key (a static branch) from a work item so
//! the fast path skips the call; here the key keeps its value, so later
//! DO_ONCE()s call `__do_once_start` again, which sees `*done` and returns
//! false: the function still runs exactly once.

use std::sync::atomic::{AtomicBool, Ordering};

static ONCE_LOCK: AtomicBool = AtomicBool::new(false);

fn lock() {
    while ONCE_LOCK.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        std::hint::spin_loop();
    }
}

fn unlock() {
    ONCE_LOCK.store(false, Ordering::Release);
}

crate::kfn! {
    /// `bool __do_once_start(bool *done, unsigned long *flags)`.
    fn __do_once_start(done: *const bool, _flags: u64) -> bool {
        lock();
        // SAFETY: the module's ___done flag.
        if unsafe { done.read_volatile() } {
            unlock();
            return false;
        }
        true
    }
}

crate::kfn! {
    /// `void __do_once_done(bool *done, struct static_key_true *once_key,
    /// unsigned long *flags, struct module *mod)`.
    fn __do_once_done(done: *mut bool, _key: u64, _flags: u64, _module: u64) {
        // SAFETY: the module's ___done flag.
        unsafe { done.write_volatile(true) };
        unlock();
    }
}

crate::kfn! {
    /// kernel/jump_label.c: `int static_key_count(key)`: key->enabled
    /// (1 while a first enable is in progress, shown as -1).
    fn static_key_count(key: *const i32) -> i32 {
        // SAFETY: the module's static_key; `enabled` is its first field.
        let n = unsafe { (*(key as *const std::sync::atomic::AtomicI32)).load(Ordering::Acquire) };
        if n >= 0 {
            n
        } else {
            1
        }
    }
}

//! mm/zpool.c: the registry of zpool back ends (zbud, z3fold, zsmalloc).

use std::sync::Mutex;

use crate::layout::zpool_driver as zd;

/// drivers_head: the registered drivers.
static DRIVERS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn refcount(d: u64) -> &'static std::sync::atomic::AtomicI32 {
    // SAFETY: atomic_t refcount of the module's struct zpool_driver.
    unsafe { &*((d + zd::refcount) as *const std::sync::atomic::AtomicI32) }
}

crate::kfn! {
    /// `void zpool_register_driver(driver)`: refcount 0, on the list.
    fn zpool_register_driver(d: u64) {
        refcount(d).store(0, std::sync::atomic::Ordering::SeqCst);
        DRIVERS.lock().unwrap_or_else(|e| e.into_inner()).insert(0, d);
    }
}

crate::kfn! {
    /// `int zpool_unregister_driver(driver)`: -EBUSY while pools use it
    /// (WARN for a negative count), else off the list and 0.
    fn zpool_unregister_driver(d: u64) -> i32 {
        let mut l = DRIVERS.lock().unwrap_or_else(|e| e.into_inner());
        let n = refcount(d).load(std::sync::atomic::Ordering::SeqCst);
        if n < 0 {
            crate::lib_::bug::warn_once("zpool_unregister_driver", "refcount < 0");
        }
        if n > 0 {
            return -16;
        }
        l.retain(|&x| x != d);
        0
    }
}

/// Module memory went away: its drivers with it.
fn purge(start: u64, end: u64) {
    DRIVERS.lock().unwrap_or_else(|e| e.into_inner()).retain(|a| !(start..end).contains(a));
}
crate::purge_on_module_free!(purge);

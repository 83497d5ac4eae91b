//! Module references from module code: `try_module_get`, `module_put`,
//! `__module_get`. They act on the module's own `struct module` (its
//! `.gnu.linkonce.this_module`), which is the canonical record: state @0,
//! refcnt (atomic_t) @856, with MODULE_REF_BASE = 1 meaning "loaded, unused".

use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

/// Offsets in Debian 6.1's `struct module`.
pub const MODULE_STATE_OFFSET: u64 = 0;
pub const MODULE_NAME_OFFSET: u64 = 24;
pub const MODULE_REFCNT_OFFSET: u64 = 856;
pub const MODULE_STATE_GOING: u32 = 2;

crate::export_fn!("try_module_get" => try_module_get);
crate::export_fn!("module_put" => module_put);
crate::export_fn!("__module_get" => module_get);

fn refcnt<'a>(m: u64) -> &'a AtomicI32 {
    // SAFETY: `m` is a module's `struct module`, which lives in its core
    // image for as long as code can reach it; 856 is 4-aligned.
    unsafe { &*((m + MODULE_REFCNT_OFFSET) as *const AtomicI32) }
}

fn state<'a>(m: u64) -> &'a AtomicU32 {
    // SAFETY: as above; the state is the first u32 of the struct.
    unsafe { &*((m + MODULE_STATE_OFFSET) as *const AtomicU32) }
}

/// Succeeds unless the module is going or its count already reached zero.
pub extern "C" fn try_module_get(m: u64) -> bool {
    if m == 0 {
        return true;
    }
    if state(m).load(Ordering::Acquire) == MODULE_STATE_GOING {
        return false;
    }
    refcnt(m).fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| (c != 0).then_some(c + 1)).is_ok()
}

/// Drops a reference; never below zero.
pub extern "C" fn module_put(m: u64) {
    if m == 0 {
        return;
    }
    let _ = refcnt(m).fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| (c > 0).then_some(c - 1));
}

/// Takes a reference unconditionally.
pub extern "C" fn module_get(m: u64) {
    if m != 0 {
        refcnt(m).fetch_add(1, Ordering::AcqRel);
    }
}

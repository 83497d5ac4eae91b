//! fs/nls/nls_base.c (`CONFIG_NLS=y`): the registry of character-set
//! tables, `__register_nls` and `unregister_nls`.
//!
//! Linux's list starts as `tables = &default_table` (the built-in
//! "default" table) and a new table goes to the head, its `next` pointing
//! at the previous head. The host keeps a `struct nls_table` named
//! "default" as that tail, so a module's `nls->next` holds what it holds on
//! Linux (non-NULL once registered). `load_nls`/`load_nls_default` are not
//! implemented yet: they can return the default table, whose conversion
//! functions the host does not provide.

use std::sync::{Mutex, OnceLock};

use super::hostobj::{cstring, get64, put64, zalloc};
use crate::layout::nls_table as l;

const EBUSY: i32 = 16;
const EINVAL: i32 = 22;

/// The registered module tables, head first.
static TABLES: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// The host's `default_table` (charset "default"), the list's tail.
fn default_table() -> u64 {
    static T: OnceLock<u64> = OnceLock::new();
    *T.get_or_init(|| {
        let t = zalloc(l::SIZE);
        // SAFETY: a fresh host nls_table.
        unsafe { put64(t + l::charset, cstring(b"default")) };
        t
    })
}

fn head(tables: &[u64]) -> u64 {
    tables.first().copied().unwrap_or_else(default_table)
}

crate::kfn! {
    /// `__register_nls(nls, owner)`: 0, or -EBUSY when `nls->next` is set
    /// or the table is already registered.
    fn __register_nls(nls: u64, owner: u64) -> i32 {
        // SAFETY: the module's struct nls_table.
        unsafe {
            if get64(nls + l::next) != 0 {
                return -EBUSY;
            }
            put64(nls + l::owner, owner);
        }
        let mut t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
        if t.contains(&nls) {
            return -EBUSY;
        }
        // SAFETY: as above.
        unsafe { put64(nls + l::next, head(&t)) };
        t.insert(0, nls);
        0
    }
}

crate::kfn! {
    /// `unregister_nls(nls)`: 0, or -EINVAL when it is not registered.
    /// Linux unlinks it (the predecessor takes its `next`) and leaves
    /// `nls->next` as it was.
    fn unregister_nls(nls: u64) -> i32 {
        let mut t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
        let Some(i) = t.iter().position(|&x| x == nls) else { return -EINVAL };
        t.remove(i);
        if i > 0 {
            let next = t.get(i).copied().unwrap_or_else(default_table);
            // SAFETY: the predecessor is a registered module table.
            unsafe { put64(t[i - 1] + l::next, next) };
        }
        0
    }
}

/// The charsets of the registered module tables, head first.
pub fn charsets() -> Vec<String> {
    let t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: registered module tables (purged with their modules).
    t.iter().map(|&n| super::hostobj::cstr(unsafe { get64(n + l::charset) })).collect()
}

fn purge(start: u64, end: u64) {
    let mut t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    let before = t.len();
    t.retain(|&n| !(n >= start && n < end));
    if t.len() != before {
        // relink the survivors
        for i in 0..t.len() {
            let next = t.get(i + 1).copied().unwrap_or_else(default_table);
            // SAFETY: registered module tables outside the freed range.
            unsafe { put64(t[i] + l::next, next) };
        }
    }
}
crate::purge_on_module_free!(purge);

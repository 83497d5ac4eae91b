//! `struct list_head` chains kept in Linux's shape: the host owns the
//! order (a Vec of the member `list_head` addresses) and writes the
//! `next`/`prev` pointers of a host head and of the members, so that module
//! code walking or checking them sees what Linux's lists hold.

use crate::fs::hostobj::{put64, zalloc};

/// `LIST_POISON1`/`LIST_POISON2` (x86_64, `CONFIG_ILLEGAL_POINTER_VALUE`).
pub(crate) const LIST_POISON1: u64 = 0xdead_0000_0000_0100;
pub(crate) const LIST_POISON2: u64 = 0xdead_0000_0000_0122;

/// A host-owned list head.
pub(crate) fn new_head() -> u64 {
    let h = zalloc(16);
    init_head(h);
    h
}

/// `INIT_LIST_HEAD`.
pub(crate) fn init_head(h: u64) {
    // SAFETY: h is a list_head the caller owns.
    unsafe {
        put64(h, h);
        put64(h + 8, h);
    }
}

/// Writes the links of `head` and `members` (in order), skipping members in
/// `[skip_start, skip_end)` (memory being freed: not written, not linked).
pub(crate) fn relink(head: u64, members: &[u64], skip_start: u64, skip_end: u64) {
    let live: Vec<u64> = members.iter().copied().filter(|&m| !(m >= skip_start && m < skip_end)).collect();
    let mut prev = head;
    for &m in &live {
        // SAFETY: head and the members are list_heads registered with the
        // host (host objects or live module objects).
        unsafe {
            put64(prev, m);
            put64(m + 8, prev);
        }
        prev = m;
    }
    // SAFETY: as above.
    unsafe {
        put64(prev, head);
        put64(head + 8, prev);
    }
}

/// `list_del`: poisons the entry's links.
pub(crate) fn poison(entry: u64) {
    // SAFETY: a live module list_head being unlinked.
    unsafe {
        put64(entry, LIST_POISON1);
        put64(entry + 8, LIST_POISON2);
    }
}

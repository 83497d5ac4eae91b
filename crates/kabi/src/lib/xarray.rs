//! lib/xarray.c: the XArray's normal API (`xa_*` and the `__xa_*` forms
//! called with `xa_lock` held), and the table the IDR and IDA build on.
//!
//! Module code touches a `struct xarray` inline only through `xa_lock`
//! (its spinlock), `xa_flags` (`xa_marked()` tests the root mark bits,
//! `XA_FLAGS_*`) and `xa_head` (`xa_empty()`: NULL exactly when nothing is
//! stored). So the entries live in a table of the host keyed by the
//! structure's address, and a non-empty structure's `xa_head` points at a
//! token object the host allocated for it: a structure the module
//! re-initialised (xa_head NULL again) or freed and reused is never
//! confused with its old contents. The advanced API (`xas_*`, whose inline
//! helpers walk `struct xa_node` slots) is not provided: it traps by name.
//!
//! Entries follow Linux: internal entries (low bits `10`) up to
//! `XA_RETRY_ENTRY` cannot be stored (-EINVAL); an allocating array
//! (`XA_FLAGS_TRACK_FREE`) keeps a stored NULL as a reserved
//! `XA_ZERO_ENTRY`, which loads as NULL and is skipped by searches; errors
//! come back as `xa_mk_err(errno)` entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use crate::layout::xarray as xa_l;

const EINVAL: i64 = -22;
const EBUSY: i64 = -16;

/// `xa_mk_internal(v)`.
const fn internal(v: i64) -> u64 {
    ((v << 2) | 2) as u64
}
const XA_RETRY_ENTRY: u64 = internal(256);
const XA_ZERO_ENTRY: u64 = internal(257);
/// Marks 0..3; any other `xa_find` filter (`XA_PRESENT`) means "any entry".
const XA_MAX_MARKS: u32 = 3;
// include/linux/xarray.h
const XA_FLAGS_TRACK_FREE: u32 = 4;
const XA_FLAGS_ZERO_BUSY: u32 = 8;
const XA_FLAGS_ALLOC_WRAPPED: u32 = 16;

fn is_advanced(e: u64) -> bool {
    e & 3 == 2 && e <= XA_RETRY_ENTRY
}
fn err(errno: i64) -> u64 {
    internal(errno)
}
fn zero_to_null(e: u64) -> u64 {
    if e == XA_ZERO_ENTRY {
        0
    } else {
        e
    }
}

/// One array: its token, its entries and its marks.
#[derive(Default)]
pub(crate) struct XArray {
    token: u64,
    pub entries: BTreeMap<u64, u64>,
    marks: [BTreeSet<u64>; XA_MAX_MARKS as usize],
}

impl XArray {
    fn remove(&mut self, i: u64) -> Option<u64> {
        for m in &mut self.marks {
            m.remove(&i);
        }
        self.entries.remove(&i)
    }
}

static TABLE: Mutex<Option<HashMap<u64, XArray>>> = Mutex::new(None);

fn rd64(a: u64) -> u64 {
    // SAFETY: a field of the module's struct xarray.
    unsafe { (a as *const u64).read_volatile() }
}
fn wr64(a: u64, v: u64) {
    // SAFETY: a field of the module's struct xarray.
    unsafe { (a as *mut u64).write_volatile(v) }
}
fn flags(xa: u64) -> u32 {
    // SAFETY: a field of the module's struct xarray.
    unsafe { ((xa + xa_l::xa_flags) as *const u32).read_volatile() }
}
fn set_flags(xa: u64, v: u32) {
    // SAFETY: a field of the module's struct xarray.
    unsafe { ((xa + xa_l::xa_flags) as *mut u32).write_volatile(v) }
}
/// `XA_FLAGS_MARK(mark)`: the root's mark bit in xa_flags.
fn mark_bit(mark: u32) -> u32 {
    1u32 << (crate::layout::mm::ROOT_TAG_SHIFT as u32 + mark)
}

/// Runs `f` on the array at `xa`, then keeps xa_head (NULL when empty,
/// the token otherwise) and the root mark bits in step.
pub(crate) fn with_xa<R>(xa: u64, f: impl FnOnce(&mut XArray) -> R) -> R {
    with_table(xa, true, f)
}

/// As `with_xa`; `marks` says whether the root mark bits follow the marks
/// (the IDR keeps its own meaning in them: `IDR_FREE`).
fn with_table<R>(xa: u64, marks: bool, f: impl FnOnce(&mut XArray) -> R) -> R {
    let mut g = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    let table = g.get_or_insert_with(HashMap::new);
    let head = rd64(xa + xa_l::xa_head);
    let valid = table.get(&xa).is_some_and(|t| t.token == head && head != 0);
    if !valid {
        if let Some(old) = table.remove(&xa) {
            crate::mm::slab::kfree_addr(old.token);
        }
    }
    let t = table.entry(xa).or_default();
    let r = f(t);
    // An allocating array's mark 0 is its "free" mark, kept by Linux in
    // the root as "has free slots": left as the module initialised it.
    let track_free = flags(xa) & XA_FLAGS_TRACK_FREE != 0;
    let mut fl = flags(xa);
    for m in 0..XA_MAX_MARKS {
        if !marks || (m == 0 && track_free) {
            continue;
        }
        if t.marks[m as usize].is_empty() {
            fl &= !mark_bit(m);
        } else {
            fl |= mark_bit(m);
        }
    }
    set_flags(xa, fl);
    if t.entries.is_empty() {
        if t.token != 0 {
            crate::mm::slab::kfree_addr(t.token);
        }
        table.remove(&xa);
        wr64(xa + xa_l::xa_head, 0);
    } else {
        if t.token == 0 {
            t.token = crate::mm::slab::kmalloc_bytes(8, 0);
        }
        wr64(xa + xa_l::xa_head, t.token);
    }
    r
}

/// Runs `f` on the entries of the array at `xa` (the IDR's and IDA's view).
pub(crate) fn with<R>(xa: u64, f: impl FnOnce(&mut BTreeMap<u64, u64>) -> R) -> R {
    with_table(xa, false, |t| {
        let r = f(&mut t.entries);
        for m in &mut t.marks {
            m.retain(|i| t.entries.contains_key(i));
        }
        r
    })
}

/// `xa_lock(xa)` / `xa_unlock(xa)` around `f`, as the locked forms do.
fn locked<R>(xa: u64, f: impl FnOnce() -> R) -> R {
    crate::kernel::locking::mutex::spin_lock(xa);
    let r = f();
    crate::kernel::locking::mutex::spin_unlock(xa);
    r
}

/// Stores `entry` at `index` (NULL erases, or reserves in an allocating
/// array); the old entry as stored.
fn store(t: &mut XArray, xa: u64, index: u64, mut entry: u64) -> u64 {
    if entry == 0 && flags(xa) & XA_FLAGS_TRACK_FREE != 0 {
        entry = XA_ZERO_ENTRY;
    }
    if entry == 0 {
        t.remove(index).unwrap_or(0)
    } else {
        t.entries.insert(index, entry).unwrap_or(0)
    }
}

crate::kfn! {
    /// `void *xa_load(xa, index)`: the entry, NULL for none or a reserved one.
    fn xa_load(xa: u64, index: u64) -> u64 {
        with_xa(xa, |t| zero_to_null(t.entries.get(&index).copied().unwrap_or(0)))
    }
}

crate::kfn! {
    /// `void *__xa_store(xa, index, entry, gfp)`: the old entry, or
    /// xa_mk_err(-EINVAL) for an internal entry.
    fn __xa_store(xa: u64, index: u64, entry: u64, _gfp: u32) -> u64 {
        if is_advanced(entry) {
            crate::lib_::bug::warn_once("__xa_store", "xa_is_advanced(entry)");
            return err(EINVAL);
        }
        with_xa(xa, |t| zero_to_null(store(t, xa, index, entry)))
    }
}

crate::kfn! {
    /// `void *xa_store(xa, index, entry, gfp)`: `__xa_store` under xa_lock.
    fn xa_store(xa: u64, index: u64, entry: u64, gfp: u32) -> u64 {
        locked(xa, || __xa_store(xa, index, entry, gfp))
    }
}

crate::kfn! {
    /// `void *__xa_erase(xa, index)`: the old entry (NULL for a reserved one).
    fn __xa_erase(xa: u64, index: u64) -> u64 {
        with_xa(xa, |t| zero_to_null(t.remove(index).unwrap_or(0)))
    }
}

crate::kfn! {
    /// `void *xa_erase(xa, index)`: `__xa_erase` under xa_lock.
    fn xa_erase(xa: u64, index: u64) -> u64 {
        locked(xa, || __xa_erase(xa, index))
    }
}

crate::kfn! {
    /// `int __xa_insert(xa, index, entry, gfp)`: 0, -EBUSY when the index
    /// holds an entry (or a reservation), -EINVAL for an internal entry.
    /// A NULL entry reserves the index.
    fn __xa_insert(xa: u64, index: u64, entry: u64, _gfp: u32) -> i32 {
        if is_advanced(entry) {
            crate::lib_::bug::warn_once("__xa_insert", "xa_is_advanced(entry)");
            return EINVAL as i32;
        }
        let entry = if entry == 0 { XA_ZERO_ENTRY } else { entry };
        with_xa(xa, |t| {
            if t.entries.contains_key(&index) {
                return EBUSY as i32;
            }
            t.entries.insert(index, entry);
            0
        })
    }
}

crate::kfn! {
    /// `void *__xa_cmpxchg(xa, index, old, entry, gfp)`: stores `entry` if
    /// the index holds `old`; the entry that was there.
    fn __xa_cmpxchg(xa: u64, index: u64, old: u64, entry: u64, _gfp: u32) -> u64 {
        if is_advanced(entry) {
            crate::lib_::bug::warn_once("__xa_cmpxchg", "xa_is_advanced(entry)");
            return err(EINVAL);
        }
        with_xa(xa, |t| {
            let curr = t.entries.get(&index).copied().unwrap_or(0);
            if curr == old {
                if entry == 0 {
                    t.remove(index);
                } else {
                    t.entries.insert(index, entry);
                }
            }
            curr
        })
    }
}

/// The lowest index in [min, max] with no entry (index 0 is busy in an
/// `XA_FLAGS_ALLOC1` array).
fn lowest_free(t: &XArray, min: u64, max: u64, zero_busy: bool) -> Option<u64> {
    let mut want = if zero_busy { min.max(1) } else { min };
    for (&k, _) in t.entries.range(want..) {
        if k != want {
            break;
        }
        want += 1;
    }
    (want <= max).then_some(want)
}

/// `__xa_alloc` on unpacked limits.
fn alloc(xa: u64, id: *mut u32, entry: u64, min: u32, max: u32) -> i32 {
    if is_advanced(entry) {
        crate::lib_::bug::warn_once("__xa_alloc", "xa_is_advanced(entry)");
        return EINVAL as i32;
    }
    let fl = flags(xa);
    if fl & XA_FLAGS_TRACK_FREE == 0 {
        crate::lib_::bug::warn_once("__xa_alloc", "!xa_track_free(xa)");
        return EINVAL as i32;
    }
    let entry = if entry == 0 { XA_ZERO_ENTRY } else { entry };
    let zero_busy = fl & XA_FLAGS_ZERO_BUSY != 0;
    with_xa(xa, |t| match lowest_free(t, u64::from(min), u64::from(max), zero_busy) {
        Some(i) => {
            t.entries.insert(i, entry);
            // SAFETY: the caller's u32.
            unsafe { id.write(i as u32) };
            0
        }
        None => EBUSY as i32,
    })
}

crate::kfn! {
    /// `int __xa_alloc(xa, *id, entry, limit, gfp)`: the lowest free index
    /// in [limit.min, limit.max] into *id; 0, -EBUSY when full, -EINVAL
    /// for an array that does not allocate. `struct xa_limit` comes in one
    /// register: max in the low half, min in the high half.
    fn __xa_alloc(xa: u64, id: *mut u32, entry: u64, limit: u64, _gfp: u32) -> i32 {
        alloc(xa, id, entry, (limit >> 32) as u32, limit as u32)
    }
}

crate::kfn! {
    /// `int __xa_alloc_cyclic(xa, *id, entry, limit, *next, gfp)`: from
    /// *next, wrapping to limit.min once; 1 if it wrapped, 0, or -EBUSY.
    fn __xa_alloc_cyclic(xa: u64, id: *mut u32, entry: u64, limit: u64, next: *mut u32, _gfp: u32) -> i32 {
        let (min, max) = ((limit >> 32) as u32, limit as u32);
        // SAFETY: the caller's u32.
        let nx = unsafe { next.read() };
        let from = min.max(nx);
        let mut ret = alloc(xa, id, entry, from, max);
        if flags(xa) & XA_FLAGS_ALLOC_WRAPPED != 0 && ret == 0 {
            set_flags(xa, flags(xa) & !XA_FLAGS_ALLOC_WRAPPED);
            ret = 1;
        }
        if ret < 0 && from > min {
            ret = alloc(xa, id, entry, min, max);
            if ret == 0 {
                ret = 1;
            }
        }
        if ret >= 0 {
            // SAFETY: the caller's u32s.
            let n = unsafe { id.read() }.wrapping_add(1);
            // SAFETY: as above.
            unsafe { next.write(n) };
            if n == 0 {
                set_flags(xa, flags(xa) | XA_FLAGS_ALLOC_WRAPPED);
            }
        }
        ret
    }
}

/// The first entry at an index in [from, max] that passes `filter`.
fn find(xa: u64, from: u64, max: u64, filter: u32) -> Option<(u64, u64)> {
    if from > max {
        return None;
    }
    with_xa(xa, |t| {
        if filter < XA_MAX_MARKS {
            let m = &t.marks[filter as usize];
            m.range(from..=max).find_map(|i| t.entries.get(i).filter(|&&e| e != XA_ZERO_ENTRY).map(|&e| (*i, e)))
        } else {
            t.entries.range(from..=max).find(|(_, &e)| e != XA_ZERO_ENTRY).map(|(&i, &e)| (i, e))
        }
    })
}

crate::kfn! {
    /// `void *xa_find(xa, *indexp, max, filter)`: the first entry at or
    /// after *indexp (up to max) that is present (`XA_PRESENT`) or has
    /// the mark `filter`; *indexp is set to its index. NULL if none.
    fn xa_find(xa: u64, indexp: *mut u64, max: u64, filter: u32) -> u64 {
        // SAFETY: the caller's unsigned long.
        let from = unsafe { indexp.read() };
        match find(xa, from, max, filter) {
            Some((i, e)) => {
                // SAFETY: as above.
                unsafe { indexp.write(i) };
                e
            }
            None => 0,
        }
    }
}

crate::kfn! {
    /// `void *xa_find_after(xa, *indexp, max, filter)`: as `xa_find`,
    /// strictly after *indexp.
    fn xa_find_after(xa: u64, indexp: *mut u64, max: u64, filter: u32) -> u64 {
        // SAFETY: the caller's unsigned long.
        let Some(from) = unsafe { indexp.read() }.checked_add(1) else { return 0 };
        match find(xa, from, max, filter) {
            Some((i, e)) => {
                // SAFETY: as above.
                unsafe { indexp.write(i) };
                e
            }
            None => 0,
        }
    }
}

crate::kfn! {
    /// `unsigned int xa_extract(xa, dst, start, max, n, filter)`: copies
    /// up to n entries found from start to max into dst; how many.
    fn xa_extract(xa: u64, dst: *mut u64, start: u64, max: u64, n: u32, filter: u32) -> u32 {
        if n == 0 || start > max {
            return 0;
        }
        let found: Vec<u64> = with_xa(xa, |t| {
            let it: Box<dyn Iterator<Item = (u64, u64)>> = if filter < XA_MAX_MARKS {
                Box::new(t.marks[filter as usize].range(start..=max).filter_map(|i| t.entries.get(i).map(|&e| (*i, e))))
            } else {
                Box::new(t.entries.range(start..=max).map(|(&i, &e)| (i, e)))
            };
            it.filter(|&(_, e)| e != XA_ZERO_ENTRY).take(n as usize).map(|(_, e)| e).collect()
        });
        for (k, e) in found.iter().enumerate() {
            // SAFETY: the caller's array of n pointers (k < n).
            unsafe { dst.add(k).write(*e) };
        }
        found.len() as u32
    }
}

crate::kfn! {
    /// `void xa_destroy(xa)`: forgets every entry (they are the caller's)
    /// and leaves the array empty, under xa_lock.
    fn xa_destroy(xa: u64) {
        locked(xa, || {
            with_xa(xa, |t| {
                t.entries.clear();
                for m in &mut t.marks {
                    m.clear();
                }
            })
        })
    }
}

fn set_mark(xa: u64, index: u64, mark: u32, on: bool) {
    if mark >= XA_MAX_MARKS {
        return;
    }
    with_xa(xa, |t| {
        // Only an entry (not a reservation) can be marked.
        if on && t.entries.get(&index).is_some_and(|&e| e != XA_ZERO_ENTRY) {
            t.marks[mark as usize].insert(index);
        } else if !on {
            t.marks[mark as usize].remove(&index);
        }
    })
}

crate::kfn! {
    /// `void __xa_set_mark(xa, index, mark)`: marks the entry, if any.
    fn __xa_set_mark(xa: u64, index: u64, mark: u32) {
        set_mark(xa, index, mark, true)
    }
}
crate::kfn! {
    /// `void __xa_clear_mark(xa, index, mark)`.
    fn __xa_clear_mark(xa: u64, index: u64, mark: u32) {
        set_mark(xa, index, mark, false)
    }
}
crate::kfn! {
    /// `void xa_set_mark(xa, index, mark)`: under xa_lock.
    fn xa_set_mark(xa: u64, index: u64, mark: u32) {
        locked(xa, || set_mark(xa, index, mark, true))
    }
}
crate::kfn! {
    /// `void xa_clear_mark(xa, index, mark)`: under xa_lock.
    fn xa_clear_mark(xa: u64, index: u64, mark: u32) {
        locked(xa, || set_mark(xa, index, mark, false))
    }
}
crate::kfn! {
    /// `bool xa_get_mark(xa, index, mark)`.
    fn xa_get_mark(xa: u64, index: u64, mark: u32) -> bool {
        mark < XA_MAX_MARKS && with_xa(xa, |t| t.marks[mark as usize].contains(&index))
    }
}

/// Module memory went away: forget the arrays that lived in it.
fn purge(start: u64, end: u64) {
    let mut g = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(table) = g.as_mut() {
        let gone: Vec<u64> = table.keys().copied().filter(|a| (start..end).contains(a)).collect();
        for a in gone {
            if let Some(t) = table.remove(&a) {
                crate::mm::slab::kfree_addr(t.token);
            }
        }
    }
}
crate::purge_on_module_free!(purge);

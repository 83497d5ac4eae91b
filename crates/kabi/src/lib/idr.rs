//! lib/idr.c: IDR (ids → pointers) and IDA (id allocator).
//!
//! Modules initialise and test these structures with inline code
//! (`idr_init_base`, `DEFINE_IDA`, `idr_is_empty`, `ida_is_empty`,
//! `idr_get_cursor`), so the struct keeps what that code reads: `idr_base`
//! and `idr_next` are the module's fields, and the xarray's `xa_head` is
//! NULL exactly when the structure is empty. The ids themselves live in a
//! table of the host keyed by the structure's address (lib/xarray.rs); a non-empty
//! structure's `xa_head` points at a token object the host allocated for
//! it, so a structure the module re-initialised (xa_head NULL again) or
//! freed and reused is never confused with its old contents.

use std::collections::BTreeMap;

use super::xarray::with;
use crate::layout::{ida as ida_l, idr as idr_l, xarray as xa_l};

fn rd32(a: u64) -> u32 {
    // SAFETY: a field of the module's idr/ida.
    unsafe { (a as *const u32).read() }
}
fn wr32(a: u64, v: u32) {
    // SAFETY: a field of the module's idr/ida.
    unsafe { (a as *mut u32).write(v) }
}

const EINVAL: i32 = -22;
const ENOSPC: i32 = -28;
const ENOENT: i64 = -2;
const INT_MAX: u64 = i32::MAX as u64;

/// The lowest free id in [min, max].
fn lowest_free(ids: &BTreeMap<u64, u64>, min: u64, max: u64) -> Option<u64> {
    let mut want = min;
    for (&k, _) in ids.range(min..) {
        if k != want {
            break;
        }
        want += 1;
    }
    (want <= max).then_some(want)
}

/// `idr_alloc_u32` with an id relative to idr_base; Ok(id) (absolute).
fn alloc_u32(idr: u64, ptr: u64, nextid: u64, max: u64) -> Result<u64, i32> {
    let base = u64::from(rd32(idr + idr_l::idr_base));
    let rt = idr + idr_l::idr_rt;
    let id = nextid.saturating_sub(base);
    let Some(max) = max.checked_sub(base) else { return Err(ENOSPC) };
    let got = with(rt, |ids| {
        let i = lowest_free(ids, id, max)?;
        ids.insert(i, ptr);
        Some(i)
    });
    got.map(|i| i + base).ok_or(ENOSPC)
}

crate::kfn! {
    /// `int idr_alloc_u32(idr, ptr, *nextid, max, gfp)`: 0 or -ENOSPC.
    fn idr_alloc_u32(idr: u64, ptr: u64, nextid: *mut u32, max: u64, _gfp: u32) -> i32 {
        // SAFETY: the module's u32.
        let start = u64::from(unsafe { nextid.read() });
        match alloc_u32(idr, ptr, start, max) {
            Ok(id) => {
                // SAFETY: as above.
                unsafe { nextid.write(id as u32) };
                0
            }
            Err(e) => e,
        }
    }
}

crate::kfn! {
    /// `int idr_alloc(idr, ptr, start, end, gfp)`: the lowest free id in
    /// [start, end) (end <= 0: up to INT_MAX), -ENOSPC, or -EINVAL for start < 0.
    fn idr_alloc(idr: u64, ptr: u64, start: i32, end: i32, _gfp: u32) -> i32 {
        if start < 0 {
            return EINVAL;
        }
        let max = if end > 0 { end as u64 - 1 } else { INT_MAX };
        match alloc_u32(idr, ptr, start as u64, max) {
            Ok(id) => id as i32,
            Err(e) => e,
        }
    }
}

crate::kfn! {
    /// `int idr_alloc_cyclic(idr, ptr, start, end, gfp)`: from the cursor
    /// (idr_next), wrapping to start once; advances the cursor.
    fn idr_alloc_cyclic(idr: u64, ptr: u64, start: i32, end: i32, _gfp: u32) -> i32 {
        let mut id = rd32(idr + idr_l::idr_next);
        let max = if end > 0 { end as u64 - 1 } else { INT_MAX };
        if (id as i32) < start {
            id = start as u32;
        }
        let mut r = alloc_u32(idr, ptr, u64::from(id), max);
        if r == Err(ENOSPC) && (id as i32) > start {
            r = alloc_u32(idr, ptr, start as u64, max);
        }
        match r {
            Ok(id) => {
                wr32(idr + idr_l::idr_next, (id + 1) as u32);
                id as i32
            }
            Err(e) => e,
        }
    }
}

/// The id relative to idr_base, if it can be one.
fn rel(idr: u64, id: u64) -> Option<u64> {
    id.checked_sub(u64::from(rd32(idr + idr_l::idr_base)))
}

crate::kfn! {
    /// `void *idr_find(idr, id)`.
    fn idr_find(idr: u64, id: u64) -> u64 {
        let Some(i) = rel(idr, id) else { return 0 };
        with(idr + idr_l::idr_rt, |ids| ids.get(&i).copied().unwrap_or(0))
    }
}

crate::kfn! {
    /// `void *idr_remove(idr, id)`: the pointer that was there, or NULL.
    fn idr_remove(idr: u64, id: u64) -> u64 {
        let Some(i) = rel(idr, id) else { return 0 };
        with(idr + idr_l::idr_rt, |ids| ids.remove(&i).unwrap_or(0))
    }
}

crate::kfn! {
    /// `void *idr_replace(idr, ptr, id)`: the old pointer, or ERR_PTR(-ENOENT).
    fn idr_replace(idr: u64, ptr: u64, id: u64) -> u64 {
        let Some(i) = rel(idr, id) else { return ENOENT as u64 };
        with(idr + idr_l::idr_rt, |ids| match ids.get_mut(&i) {
            Some(p) => std::mem::replace(p, ptr),
            None => ENOENT as u64,
        })
    }
}

/// The first non-NULL entry at or after `from` (absolute): (id, ptr).
fn next_entry(idr: u64, from: u64) -> Option<(u64, u64)> {
    let base = u64::from(rd32(idr + idr_l::idr_base));
    let start = from.saturating_sub(base);
    with(idr + idr_l::idr_rt, |ids| ids.range(start..).find(|(_, &p)| p != 0).map(|(&i, &p)| (i + base, p)))
}

crate::kfn! {
    /// `void *idr_get_next_ul(idr, *nextid)`.
    fn idr_get_next_ul(idr: u64, nextid: *mut u64) -> u64 {
        // SAFETY: the module's unsigned long.
        let from = unsafe { nextid.read() };
        match next_entry(idr, from) {
            Some((id, p)) => {
                // SAFETY: as above.
                unsafe { nextid.write(id) };
                p
            }
            None => 0,
        }
    }
}

crate::kfn! {
    /// `void *idr_get_next(idr, *nextid)`.
    fn idr_get_next(idr: u64, nextid: *mut i32) -> u64 {
        // SAFETY: the module's int.
        let from = unsafe { nextid.read() } as u32 as u64;
        match next_entry(idr, from) {
            Some((id, p)) if id <= INT_MAX => {
                // SAFETY: as above.
                unsafe { nextid.write(id as i32) };
                p
            }
            _ => 0,
        }
    }
}

crate::kfn! {
    /// `int idr_for_each(idr, fn(id, p, data), data)`: stops at the first
    /// non-zero return and returns it.
    fn idr_for_each(idr: u64, f: u64, data: u64) -> i32 {
        let mut from = 0u64;
        while let Some((id, p)) = next_entry(idr, from) {
            if id > INT_MAX {
                break;
            }
            // Module code: no lock is held.
            let r = crate::fault::call_module(f, [id, p, data, 0, 0, 0]).unwrap_or(0) as u32 as i32;
            if r != 0 {
                return r;
            }
            from = id + 1;
        }
        0
    }
}

crate::kfn! {
    /// `void idr_destroy(idr)`: forgets every id (the pointers are the caller's).
    fn idr_destroy(idr: u64) {
        with(idr + idr_l::idr_rt, |ids| ids.clear());
    }
}

crate::kfn! {
    /// `int ida_alloc_range(ida, min, max, gfp)`: the lowest free id in
    /// [min, max] (max < 0 as int: INT_MAX), or -ENOSPC.
    fn ida_alloc_range(ida: u64, min: u32, max: u32, _gfp: u32) -> i32 {
        if (min as i32) < 0 {
            return ENOSPC;
        }
        let max = if (max as i32) < 0 { INT_MAX } else { u64::from(max) };
        let got = with(ida + ida_l::xa, |ids| {
            let i = lowest_free(ids, u64::from(min), max)?;
            ids.insert(i, 1);
            Some(i)
        });
        got.map_or(ENOSPC, |i| i as i32)
    }
}

crate::kfn! {
    /// `void ida_free(ida, id)`.
    fn ida_free(ida: u64, id: u32) {
        let had = (id as i32) >= 0 && with(ida + ida_l::xa, |ids| ids.remove(&u64::from(id)).is_some());
        if !had {
            // WARN(1, ...) in Linux; the message as __warn_printk prints it.
            crate::log::kernel_msg(4, crate::kernel::printk::CUT_HERE);
            crate::log::kernel_msg(4, &format!("ida_free called for id={} which is not allocated.", id as i32));
        }
    }
}

crate::kfn! {
    /// `void ida_destroy(ida)`.
    fn ida_destroy(ida: u64) {
        with(ida + ida_l::xa, |ids| ids.clear());
    }
}

crate::kfn! {
    /// lib/radix-tree.c: `int radix_tree_tagged(root, tag)`: the root's tag
    /// bit in xa_flags (idr_is_empty() asks for IDR_FREE).
    fn radix_tree_tagged(root: u64, tag: u32) -> i32 {
        let shift = crate::layout::mm::ROOT_TAG_SHIFT as u32 + tag;
        if shift >= 32 {
            return 0;
        }
        (rd32(root + xa_l::xa_flags) & (1u32 << shift)) as i32
    }
}

//! crypto/scatterwalk.c and the inlines of include/crypto/scatterwalk.h:
//! walking a scatterlist page by page (`struct scatter_walk`: the entry
//! and the offset in it), copying between a buffer and a scatterlist,
//! and fast-forwarding a scatterlist by a number of bytes.
//!
//! A `struct page *` of a scatterlist entry is turned into an address as
//! `page_address` does on x86-64 (no highmem): the direct map's linear
//! arithmetic from `vmemmap_base` to `page_offset_base`.

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::{mm as c, page as pg, scatter_walk as w, scatterlist as sl};

const PAGE_SIZE: u64 = 4096;
const PAGE_SHIFT: u64 = 12;

/// `page_address(page)` for a `struct page *` of the direct map.
pub(crate) fn page_address(page: u64) -> u64 {
    let d = crate::mm::page_alloc::dmap();
    let pob = d.map_or(0, |d| d.page_offset_base());
    let vmb = d.map_or(0, |d| d.vmemmap_base());
    pob.wrapping_add((page.wrapping_sub(vmb) / pg::SIZE) << PAGE_SHIFT)
}

/// `virt_to_page(addr)` for an address of the direct map.
pub(crate) fn virt_to_page(addr: u64) -> u64 {
    let d = crate::mm::page_alloc::dmap();
    let pob = d.map_or(0, |d| d.page_offset_base());
    let vmb = d.map_or(0, |d| d.vmemmap_base());
    vmb.wrapping_add((addr.wrapping_sub(pob) >> PAGE_SHIFT).wrapping_mul(pg::SIZE))
}

/// `sg_page(sg)`.
pub(crate) fn sg_page(sg: u64) -> u64 {
    rd64(sg + sl::page_link) & !(c::SG_CHAIN | c::SG_END)
}

/// `sg_set_page(sg, page, len, offset)`: keeps the entry's chain and end
/// marks.
pub(crate) fn sg_set_page(sg: u64, page: u64, len: u32, offset: u32) {
    let keep = rd64(sg + sl::page_link) & (c::SG_CHAIN | c::SG_END);
    wr64(sg + sl::page_link, page | keep);
    wr32(sg + sl::offset, offset);
    wr32(sg + sl::length, len);
}

/// `sg_set_buf(sg, buf, len)` for direct-map memory.
pub(crate) fn sg_set_buf(sg: u64, buf: u64, len: u32) {
    sg_set_page(sg, virt_to_page(buf), len, (buf & (PAGE_SIZE - 1)) as u32);
}

/// `sg_init_table(sgl, n)`.
pub(crate) fn sg_init_table(sgl: u64, n: u64) {
    if n == 0 {
        return;
    }
    // SAFETY: the caller's array of n entries.
    unsafe { std::ptr::write_bytes(sgl as *mut u8, 0, (sl::SIZE * n) as usize) };
    let last = sgl + sl::SIZE * (n - 1);
    wr64(last + sl::page_link, c::SG_END);
}

/// `scatterwalk_crypto_chain(head, sg, num)`: chains the last of `num`
/// entries to `sg`, or marks the end there.
fn crypto_chain(head: u64, sg: u64, num: u64) {
    let last = head + (num - 1) * sl::SIZE;
    if sg != 0 {
        wr32(last + sl::offset, 0);
        wr32(last + sl::length, 0);
        wr64(last + sl::page_link, (sg | c::SG_CHAIN) & !c::SG_END);
    } else {
        let l = rd64(head + sl::page_link);
        wr64(head + sl::page_link, (l | c::SG_END) & !c::SG_CHAIN);
    }
}

/// `scatterwalk_start(walk, sg)`.
pub(crate) fn start(walk: u64, sg: u64) {
    wr64(walk + w::sg, sg);
    wr32(walk + w::offset, rd32(sg + sl::offset));
}

fn sg_of(walk: u64) -> u64 {
    rd64(walk + w::sg)
}
fn offset(walk: u64) -> u32 {
    rd32(walk + w::offset)
}

/// `scatterwalk_pagelen(walk)`: the bytes left in this entry and page.
pub(crate) fn pagelen(walk: u64) -> u32 {
    let sg = sg_of(walk);
    let len = (rd32(sg + sl::offset))
        .wrapping_add(rd32(sg + sl::length))
        .wrapping_sub(offset(walk));
    let this_page = ((!offset(walk)) as u64 & (PAGE_SIZE - 1)) as u32 + 1;
    this_page.min(len)
}

/// `scatterwalk_clamp(walk, nbytes)`.
pub(crate) fn clamp(walk: u64, nbytes: u32) -> u32 {
    nbytes.min(pagelen(walk))
}

/// `scatterwalk_advance(walk, n)`.
pub(crate) fn advance(walk: u64, n: u32) {
    wr32(walk + w::offset, offset(walk).wrapping_add(n));
}

/// `scatterwalk_map(walk)` (`scatterwalk_page` + the offset in it).
pub(crate) fn map(walk: u64) -> u64 {
    let o = offset(walk) as u64;
    let page = sg_page(sg_of(walk)) + (o >> PAGE_SHIFT) * pg::SIZE;
    page_address(page) + (o & (PAGE_SIZE - 1))
}

/// `scatterwalk_pagedone(walk, out, more)`: on to the next entry when
/// this one is used up (flush_dcache_page is nothing on x86).
pub(crate) fn pagedone(walk: u64, _out: bool, more: bool) {
    let sg = sg_of(walk);
    if more && offset(walk) >= rd32(sg + sl::offset).wrapping_add(rd32(sg + sl::length)) {
        start(walk, crate::lib_::scatterlist::next(sg));
    }
}

/// `scatterwalk_done(walk, out, more)`.
pub(crate) fn done(walk: u64, out: bool, more: bool) {
    let sg = sg_of(walk);
    if !more
        || offset(walk) >= rd32(sg + sl::offset).wrapping_add(rd32(sg + sl::length))
        || offset(walk) as u64 & (PAGE_SIZE - 1) == 0
    {
        pagedone(walk, out, more);
    }
}

fn copy(dst: u64, src: u64, n: u64) {
    if n == 0 {
        return;
    }
    // SAFETY: a scatterlist's mapped bytes and the caller's buffer of at
    // least `n` bytes (the callers' contract, as in Linux).
    unsafe { std::ptr::copy(src as *const u8, dst as *mut u8, n as usize) };
}

/// `scatterwalk_copychunks(buf, walk, nbytes, out)`: out 0 copies from
/// the scatterlist into `buf`, 1 from `buf` into it, 2 only advances.
pub(crate) fn copychunks(mut buf: u64, walk: u64, mut nbytes: u64, out: i32) {
    loop {
        let len = (pagelen(walk) as u64).min(nbytes);
        if out != 2 {
            let v = map(walk);
            if out != 0 {
                copy(v, buf, len);
            } else {
                copy(buf, v, len);
            }
        }
        advance(walk, len as u32);
        if nbytes == len {
            break;
        }
        buf = buf.wrapping_add(len);
        nbytes -= len;
        pagedone(walk, out & 1 != 0, true);
    }
}

crate::kfn! {
    /// `scatterwalk_copychunks(buf, walk, nbytes, out)`.
    fn scatterwalk_copychunks(buf: u64, walk: u64, nbytes: u64, out: i32) {
        copychunks(buf, walk, nbytes, out)
    }
}

/// `scatterwalk_ffwd(dst[2], src, len)`: the scatterlist `len` bytes into
/// `src`: `src` itself at an entry boundary, else `dst` (a partial entry
/// chained to the rest).
pub(crate) fn ffwd(dst: u64, mut src: u64, mut len: u32) -> u64 {
    loop {
        if len == 0 {
            return src;
        }
        if src == 0 {
            // Past the end of the list (Linux would oops on the NULL).
            return 0;
        }
        let l = rd32(src + sl::length);
        if l > len {
            break;
        }
        len -= l;
        src = crate::lib_::scatterlist::next(src);
    }
    sg_init_table(dst, 2);
    sg_set_page(
        dst,
        sg_page(src),
        rd32(src + sl::length) - len,
        rd32(src + sl::offset) + len,
    );
    crypto_chain(dst, crate::lib_::scatterlist::next(src), 2);
    dst
}

crate::kfn! {
    /// `scatterwalk_ffwd(dst, src, len)`.
    fn scatterwalk_ffwd(dst: u64, src: u64, len: u32) -> u64 {
        ffwd(dst, src, len)
    }
}

/// `scatterwalk_map_and_copy(buf, sg, start, nbytes, out)`.
pub(crate) fn map_and_copy(buf: u64, sg: u64, startb: u32, nbytes: u32, out: i32) {
    if nbytes == 0 {
        return;
    }
    let mut tmp = [0u8; (sl::SIZE * 2) as usize + 8];
    let t = (tmp.as_mut_ptr() as u64).next_multiple_of(8);
    let sg = ffwd(t, sg, startb);
    if sg == 0 {
        return;
    }
    let mut wbuf = [0u64; (w::SIZE as usize).div_ceil(8)];
    let walk = wbuf.as_mut_ptr() as u64;
    start(walk, sg);
    copychunks(buf, walk, nbytes as u64, out);
    done(walk, out != 0, false);
}

crate::kfn! {
    /// `scatterwalk_map_and_copy(buf, sg, start, nbytes, out)`.
    fn scatterwalk_map_and_copy(buf: u64, sg: u64, start: u32, nbytes: u32, out: i32) {
        map_and_copy(buf, sg, start, nbytes, out)
    }
}

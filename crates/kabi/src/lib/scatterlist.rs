//! lib/scatterlist.c: scatterlist tables (entries in Debian's layout:
//! `page_link` holds the `struct page *` with the SG_CHAIN/SG_END bits).

use crate::layout::{mm as c, scatterlist as sl};

fn rd64(a: u64) -> u64 {
    // SAFETY: a field of the module's scatterlist entry.
    unsafe { (a as *const u64).read() }
}

fn wr64(a: u64, v: u64) {
    // SAFETY: a field of the module's scatterlist entry.
    unsafe { (a as *mut u64).write(v) }
}

fn wr32(a: u64, v: u32) {
    // SAFETY: a field of the module's scatterlist entry.
    unsafe { (a as *mut u32).write(v) }
}

fn rd32(a: u64) -> u32 {
    // SAFETY: a field of the module's scatterlist entry.
    unsafe { (a as *const u32).read() }
}

/// `sg_next`: the next entry, following chain links; 0 after the last.
pub(crate) fn next(sg: u64) -> u64 {
    if rd64(sg + sl::page_link) & c::SG_END != 0 {
        return 0;
    }
    let n = sg + sl::SIZE;
    let link = rd64(n + sl::page_link);
    if link & c::SG_CHAIN != 0 {
        return link & !(c::SG_CHAIN | c::SG_END);
    }
    n
}

crate::kfn! {
    /// `struct scatterlist *sg_next(sg)`.
    fn sg_next(sg: u64) -> u64 {
        next(sg)
    }
}

crate::kfn! {
    /// `void sg_init_table(sgl, nents)`: zeroed entries, the last marked.
    fn sg_init_table(sgl: u64, nents: u32) {
        if nents == 0 {
            return;
        }
        // SAFETY: the module's array of nents entries.
        unsafe { std::ptr::write_bytes(sgl as *mut u8, 0, (sl::SIZE * u64::from(nents)) as usize) };
        let last = sgl + sl::SIZE * u64::from(nents - 1);
        wr64(last + sl::page_link, c::SG_END);
    }
}

crate::kfn! {
    /// `void sg_init_one(sg, buf, buflen)`: one entry for a buffer of the
    /// direct map (sg_set_buf: its page and offset).
    fn sg_init_one(sg: u64, buf: u64, buflen: u32) {
        sg_init_table(sg, 1);
        let (page, off) = match crate::mm::page_alloc::dmap().and_then(|d| d.index_of(buf).map(|i| (d.page_of(i), buf & 0xfff))) {
            Some(x) => x,
            // Not direct-map memory: virt_to_page's arithmetic, as Linux.
            None => {
                let d = crate::mm::page_alloc::dmap();
                let pob = d.map_or(0, |d| d.page_offset_base());
                let vmb = d.map_or(0, |d| d.vmemmap_base());
                (vmb.wrapping_add((buf.wrapping_sub(pob) >> 12).wrapping_mul(crate::layout::page::SIZE)), buf & 0xfff)
            }
        };
        let keep = rd64(sg + sl::page_link) & (c::SG_CHAIN | c::SG_END);
        wr64(sg + sl::page_link, page | keep);
        wr32(sg + sl::offset, off as u32);
        wr32(sg + sl::length, buflen);
    }
}

crate::kfn! {
    /// `int sg_nents(sg)`: entries up to the end mark.
    fn sg_nents(sg: u64) -> i32 {
        let (mut n, mut s) = (0, sg);
        while s != 0 {
            n += 1;
            s = next(s);
        }
        n
    }
}

crate::kfn! {
    /// `int sg_nents_for_len(sg, len)`: entries to cover len bytes, or -EINVAL.
    fn sg_nents_for_len(sg: u64, len: u64) -> i32 {
        if len == 0 {
            return 0;
        }
        let (mut n, mut total, mut s) = (0, 0u64, sg);
        while s != 0 {
            n += 1;
            total += u64::from(rd32(s + sl::length));
            if total >= len {
                return n;
            }
            s = next(s);
        }
        -22
    }
}

// ---- mapping iterators (sg_miter_*) ------------------------------------------
//
// `struct sg_mapping_iter` walks a list page by page: `page`, `addr` and
// `length` describe the current piece, the caller sets `consumed`; the
// embedded `sg_page_iter` (sg, u32 sg_pgoffset, __nents, __pg_advance) walks
// the entries' pages. Every page the host hands out is in its direct map
// (or addressed by virt_to_page's arithmetic), so mapping a page is
// page_address() and unmapping does nothing; an atomic mapping does not
// change the preemption count (nothing preempts a host CPU).

use crate::layout::sg_mapping_iter as mi;

const PAGE_SHIFT: u64 = 12;
const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;

/// `page_address(page)`: the direct map's address of a `struct page *`.
fn page_address(page: u64) -> u64 {
    let d = crate::mm::page_alloc::dmap();
    let pob = d.map_or(0, |d| d.page_offset_base());
    let vmb = d.map_or(0, |d| d.vmemmap_base());
    pob.wrapping_add((page.wrapping_sub(vmb) / crate::layout::page::SIZE) << PAGE_SHIFT)
}

fn sg_page(sg: u64) -> u64 {
    rd64(sg + sl::page_link) & !(c::SG_CHAIN | c::SG_END)
}

/// `sg_page_count(sg)`: pages the entry touches from its page.
fn sg_page_count(sg: u64) -> u64 {
    (u64::from(rd32(sg + sl::offset)) + u64::from(rd32(sg + sl::length)) + PAGE_SIZE - 1) >> PAGE_SHIFT
}

/// `__sg_page_iter_next(&miter->piter)`.
fn page_iter_next(m: u64) -> bool {
    let nents = rd32(m + mi::piter_nents);
    let mut sg = rd64(m + mi::piter_sg);
    if nents == 0 || sg == 0 {
        return false;
    }
    let mut pgoff = u64::from(rd32(m + mi::piter_sg_pgoffset)) + u64::from(rd32(m + mi::piter_pg_advance));
    wr32(m + mi::piter_pg_advance, 1);
    let mut nents = nents;
    let ok = loop {
        let count = sg_page_count(sg);
        if pgoff < count {
            break true;
        }
        pgoff -= count;
        sg = next(sg);
        nents -= 1;
        if nents == 0 || sg == 0 {
            break false;
        }
    };
    wr64(m + mi::piter_sg, sg);
    wr32(m + mi::piter_sg_pgoffset, pgoff as u32);
    wr32(m + mi::piter_nents, nents);
    ok
}

/// `sg_miter_get_next_page`: the next piece when the current page is used up.
fn miter_get_next_page(m: u64) -> bool {
    if rd32(m + mi::remaining) != 0 {
        return true;
    }
    if !page_iter_next(m) {
        return false;
    }
    let sg = rd64(m + mi::piter_sg);
    let mut pgoff = u64::from(rd32(m + mi::piter_sg_pgoffset));
    let sg_off = u64::from(rd32(sg + sl::offset));
    let mut off = if pgoff != 0 { 0 } else { sg_off };
    // An entry whose offset is past its first page starts further on.
    pgoff += off >> PAGE_SHIFT;
    off &= PAGE_SIZE - 1;
    wr32(m + mi::piter_sg_pgoffset, pgoff as u32);
    let remaining = (sg_off + u64::from(rd32(sg + sl::length)))
        .wrapping_sub(pgoff << PAGE_SHIFT)
        .wrapping_sub(off)
        .min(PAGE_SIZE - off);
    wr32(m + mi::offset_, off as u32);
    wr32(m + mi::remaining, remaining as u32);
    true
}

fn miter_stop(m: u64) {
    if rd64(m + mi::consumed) > rd64(m + mi::length) {
        crate::log::kernel_msg(4, "sg_miter_stop: consumed more than the mapped length");
    }
    if rd64(m + mi::addr) != 0 {
        let consumed = rd64(m + mi::consumed) as u32;
        wr32(m + mi::offset_, rd32(m + mi::offset_).wrapping_add(consumed));
        wr32(m + mi::remaining, rd32(m + mi::remaining).wrapping_sub(consumed));
        wr64(m + mi::page, 0);
        wr64(m + mi::addr, 0);
        wr64(m + mi::length, 0);
        wr64(m + mi::consumed, 0);
    }
}

crate::kfn! {
    /// `sg_miter_start(miter, sgl, nents, flags)`.
    fn sg_miter_start(m: u64, sgl: u64, nents: u32, flags: u32) {
        // SAFETY: the caller's struct sg_mapping_iter.
        unsafe { std::ptr::write_bytes(m as *mut u8, 0, mi::SIZE as usize) };
        wr64(m + mi::piter_sg, sgl);
        wr32(m + mi::piter_nents, nents);
        if u64::from(flags) & (c::SG_MITER_TO_SG | c::SG_MITER_FROM_SG) == 0 {
            crate::log::kernel_msg(4, "sg_miter_start: neither SG_MITER_TO_SG nor SG_MITER_FROM_SG");
        }
        wr32(m + mi::flags, flags);
    }
}

crate::kfn! {
    /// `bool sg_miter_next(miter)`: maps the next piece (at most the rest
    /// of a page); false at the end of the list.
    fn sg_miter_next(m: u64) -> bool {
        miter_stop(m);
        if !miter_get_next_page(m) {
            return false;
        }
        let page = sg_page(rd64(m + mi::piter_sg)) + u64::from(rd32(m + mi::piter_sg_pgoffset)) * crate::layout::page::SIZE;
        wr64(m + mi::page, page);
        let remaining = u64::from(rd32(m + mi::remaining));
        wr64(m + mi::length, remaining);
        wr64(m + mi::consumed, remaining);
        wr64(m + mi::addr, page_address(page) + u64::from(rd32(m + mi::offset_)));
        true
    }
}

crate::kfn! {
    /// `bool sg_miter_skip(miter, offset)`: moves `offset` bytes on
    /// (stopping the current mapping); false if the list ends first.
    fn sg_miter_skip(m: u64, offset: i64) -> bool {
        miter_stop(m);
        let mut left = offset.max(0) as u64;
        while left > 0 {
            if !miter_get_next_page(m) {
                return false;
            }
            let n = left.min(u64::from(rd32(m + mi::remaining)));
            wr32(m + mi::offset_, rd32(m + mi::offset_) + n as u32);
            wr32(m + mi::remaining, rd32(m + mi::remaining) - n as u32);
            left -= n;
        }
        true
    }
}

crate::kfn! {
    /// `sg_miter_stop(miter)`: ends the current mapping, accounting what
    /// the caller consumed of it.
    fn sg_miter_stop(m: u64) {
        miter_stop(m);
    }
}

/// `sgl_alloc_order(length, order, chainable, gfp, nent_p)`: a table of
/// entries over freshly allocated blocks of 2^order pages covering
/// `length` bytes (one more, unused entry when chainable); NULL without
/// memory. For a length of 0 the (empty) table is ZERO_SIZE_PTR, with no
/// entry to mark (Linux marks the entry before it).
pub(crate) fn alloc_order(length: u64, order: u32, chainable: bool, gfp: u32, nent_p: u64) -> u64 {
    let chunk = 4096u64 << order;
    let nent = length.div_ceil(chunk);
    let nalloc = nent + chainable as u64;
    if nalloc == 0 {
        if nent_p != 0 {
            wr32(nent_p, 0);
        }
        return 16;
    }
    let sgl = crate::mm::slab::kmalloc_bytes((nalloc * sl::SIZE) as usize, gfp & !0x1);
    if sgl <= 16 {
        return 0;
    }
    sg_init_table(sgl, nalloc as u32);
    let mut sg = sgl;
    let mut left = length;
    while left > 0 {
        let n = left.min(chunk);
        let page = crate::mm::page_alloc::alloc_pages(gfp, order);
        if page == 0 {
            free_n_order(sgl, i32::MAX, order);
            return 0;
        }
        crate::crypto::scatterwalk::sg_set_page(sg, page, n as u32, 0);
        left -= n;
        sg = next(sg);
    }
    if nent_p != 0 {
        wr32(nent_p, nent as u32);
    }
    sgl
}

crate::kfn! {
    /// `struct scatterlist *sgl_alloc_order(length, order, chainable, gfp, nent_p)`.
    fn sgl_alloc_order(length: u64, order: u32, chainable: bool, gfp: u32, nent_p: u64) -> u64 {
        alloc_order(length, order, chainable, gfp, nent_p)
    }
}

crate::kfn! {
    /// `struct scatterlist *sgl_alloc(length, gfp, nent_p)`.
    fn sgl_alloc(length: u64, gfp: u32, nent_p: u64) -> u64 {
        alloc_order(length, 0, false, gfp, nent_p)
    }
}

/// `sgl_free_n_order(sgl, nents, order)`: the pages of up to `nents`
/// entries, then the table.
pub(crate) fn free_n_order(sgl: u64, nents: i32, order: u32) {
    if sgl <= 16 {
        return;
    }
    let mut sg = sgl;
    let mut i = 0;
    while i < nents && sg != 0 {
        let page = crate::crypto::scatterwalk::sg_page(sg);
        if page != 0 {
            crate::mm::page_alloc::__free_pages(page, order);
        }
        sg = next(sg);
        i += 1;
    }
    crate::mm::slab::kfree_addr(sgl);
}

crate::kfn! {
    /// `void sgl_free_n_order(sgl, nents, order)`.
    fn sgl_free_n_order(sgl: u64, nents: i32, order: u32) {
        free_n_order(sgl, nents, order)
    }
}

crate::kfn! {
    /// `void sgl_free_order(sgl, order)`.
    fn sgl_free_order(sgl: u64, order: u32) {
        free_n_order(sgl, i32::MAX, order)
    }
}

crate::kfn! {
    /// `void sgl_free(sgl)`.
    fn sgl_free(sgl: u64) {
        free_n_order(sgl, i32::MAX, 0)
    }
}

/// `sg_copy_buffer(sgl, nents, buf, buflen, skip, to_buffer)`: copies
/// between a linear buffer and the list (from the list into `buf` when
/// `to_buffer`), starting `skip` bytes into the list, at most `buflen`
/// bytes; returns how many were copied (0 when the list is shorter than
/// `skip`).
pub(crate) fn copy_buffer(sgl: u64, nents: u32, buf: u64, buflen: u64, skip: u64, to_buffer: bool) -> u64 {
    let mut m = [0u8; mi::SIZE as usize];
    let mp = m.as_mut_ptr() as u64;
    let dir = if to_buffer { c::SG_MITER_FROM_SG } else { c::SG_MITER_TO_SG };
    sg_miter_start(mp, sgl, nents, (c::SG_MITER_ATOMIC | dir) as u32);
    if !sg_miter_skip(mp, skip as i64) {
        return 0;
    }
    let mut done = 0u64;
    while done < buflen && sg_miter_next(mp) {
        let len = rd64(mp + mi::length).min(buflen - done);
        let addr = rd64(mp + mi::addr);
        // SAFETY: `addr` maps `len` bytes of the list's page; `buf` is the
        // caller's buffer of `buflen` bytes.
        unsafe {
            if to_buffer {
                std::ptr::copy(addr as *const u8, (buf + done) as *mut u8, len as usize);
            } else {
                std::ptr::copy((buf + done) as *const u8, addr as *mut u8, len as usize);
            }
        }
        wr64(mp + mi::consumed, len);
        done += len;
    }
    miter_stop(mp);
    done
}

crate::kfn! {
    /// `size_t sg_copy_buffer(sgl, nents, buf, buflen, skip, to_buffer)`.
    fn sg_copy_buffer(sgl: u64, nents: u32, buf: u64, buflen: u64, skip: u64, to_buffer: bool) -> u64 {
        copy_buffer(sgl, nents, buf, buflen, skip, to_buffer)
    }
}

crate::kfn! {
    /// `size_t sg_copy_from_buffer(sgl, nents, buf, buflen)`: into the list.
    fn sg_copy_from_buffer(sgl: u64, nents: u32, buf: u64, buflen: u64) -> u64 {
        copy_buffer(sgl, nents, buf, buflen, 0, false)
    }
}

crate::kfn! {
    /// `size_t sg_copy_to_buffer(sgl, nents, buf, buflen)`: out of the list.
    fn sg_copy_to_buffer(sgl: u64, nents: u32, buf: u64, buflen: u64) -> u64 {
        copy_buffer(sgl, nents, buf, buflen, 0, true)
    }
}

crate::kfn! {
    /// `size_t sg_pcopy_from_buffer(sgl, nents, buf, buflen, skip)`.
    fn sg_pcopy_from_buffer(sgl: u64, nents: u32, buf: u64, buflen: u64, skip: u64) -> u64 {
        copy_buffer(sgl, nents, buf, buflen, skip, false)
    }
}

crate::kfn! {
    /// `size_t sg_pcopy_to_buffer(sgl, nents, buf, buflen, skip)`.
    fn sg_pcopy_to_buffer(sgl: u64, nents: u32, buf: u64, buflen: u64, skip: u64) -> u64 {
        copy_buffer(sgl, nents, buf, buflen, skip, true)
    }
}

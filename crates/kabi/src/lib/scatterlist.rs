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

//! crypto/skcipher.c: symmetric key ciphers — registration
//! (`skcipher_prepare_alg`) and their `/proc/crypto` lines.

use crate::drivers::base::{rd32, wr32};
use crate::layout::{crypto_alg as ca, skcipher_alg as s};

use super::api::*;
use super::types::Type;

/// `skcipher_prepare_alg(alg)`: IV, chunk and walk sizes at most
/// PAGE_SIZE / 8 (else -EINVAL); chunksize defaults to the block size,
/// walksize to the chunk size; the type.
fn prepare(alg: u64) -> i32 {
    let limit = 4096 / 8;
    if rd32(alg + s::ivsize) > limit
        || rd32(alg + s::chunksize) > limit
        || rd32(alg + s::walksize) > limit
    {
        return EINVAL;
    }
    if rd32(alg + s::chunksize) == 0 {
        wr32(alg + s::chunksize, rd32(alg + s::base + ca::cra_blocksize));
    }
    if rd32(alg + s::walksize) == 0 {
        wr32(alg + s::walksize, rd32(alg + s::chunksize));
    }
    Type::Skcipher.prepare(alg + s::base);
    0
}

super::typed_registration!(
    skcipher_alg,
    prepare,
    "crypto_register_skcipher",
    "crypto_register_skciphers",
    "crypto_unregister_skcipher",
    "crypto_unregister_skciphers"
);

/// `crypto_skcipher_show`.
pub(crate) fn show(alg: u64, out: &mut String) {
    use std::fmt::Write;
    let a = alg - s::base;
    let _ = writeln!(out, "type         : skcipher");
    let _ = writeln!(
        out,
        "async        : {}",
        if flags(alg) & CRYPTO_ALG_ASYNC != 0 {
            "yes"
        } else {
            "no"
        }
    );
    let _ = writeln!(out, "blocksize    : {}", rd32(alg + ca::cra_blocksize));
    let _ = writeln!(out, "min keysize  : {}", rd32(a + s::min_keysize));
    let _ = writeln!(out, "max keysize  : {}", rd32(a + s::max_keysize));
    let _ = writeln!(out, "ivsize       : {}", rd32(a + s::ivsize));
    let _ = writeln!(out, "chunksize    : {}", rd32(a + s::chunksize));
    let _ = writeln!(out, "walksize     : {}", rd32(a + s::walksize));
}

// ---- transforms ------------------------------------------------------------

use crate::drivers::base::{rd64, wr64};
use crate::layout::{
    aead_alg as aa, aead_request as ar, crypto_aead as caead, crypto_async_request as creq,
    crypto_consts as cc, crypto_skcipher as cs, crypto_tfm as t, skcipher_request as sr,
    skcipher_walk as sw,
};

use super::algapi::caller;
use super::api::{alg_extsize, alloc_tfm, Frontend};
use super::scatterwalk as walk_;

pub(crate) const CRYPTO_TFM_NEED_KEY: u32 = 0x1;
pub(crate) const CRYPTO_TFM_REQ_MAY_SLEEP: u32 = 0x200;
pub(crate) const ENOKEY: i32 = -126;
const CRYPTO_ALG_SKCIPHER_REQSIZE_LARGE: u32 = 0x0001_0000;
const MAX_SYNC_SKCIPHER_REQSIZE: u32 = 384;

/// The address of a function vmlinux provides (0 before the image is
/// built); see [`stub!`](super::stub) for the cached form every call site uses.
pub(crate) fn stub_lookup(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

/// Calls an algorithm's operation. Inside a module call a fault ends the
/// whole call; from a host thread (the host's own use of the API) a fault
/// or trap is reported by the host kernel and answered here as -EFAULT.
pub(crate) fn call(f: u64, args: [u64; 6]) -> i32 {
    crate::fault::call_module(f, args).map_or(EFAULT, |r| r as i32)
}

pub(crate) const EFAULT: i32 = -14;

/// `crypto_skcipher_alg(tfm)`.
pub(crate) fn alg_of(sk: u64) -> u64 {
    rd64(sk + cs::base + t::__crt_alg).wrapping_sub(s::base)
}

pub(crate) fn tfm_flags(tfm: u64) -> u32 {
    rd32(tfm + t::crt_flags)
}
pub(crate) fn set_tfm_flags(tfm: u64, f: u32) {
    wr32(tfm + t::crt_flags, f);
}

/// `skcipher_set_needkey(tfm)`: only for an algorithm that takes a key.
fn set_needkey(sk: u64) {
    if rd32(alg_of(sk) + s::max_keysize) != 0 {
        let b = sk + cs::base;
        set_tfm_flags(b, tfm_flags(b) | CRYPTO_TFM_NEED_KEY);
    }
}

crate::kfn! {
    /// skcipher.c's `crypto_skcipher_exit_tfm(tfm)`: the algorithm's `exit`.
    fn crypto_skcipher_exit_tfm(tfm: u64) {
        let sk = tfm - cs::base;
        let exit = rd64(alg_of(sk) + s::exit);
        if exit != 0 {
            crate::fault::call_module(exit, [sk, 0, 0, 0, 0, 0]);
        }
    }
}

/// `crypto_skcipher_init_tfm(tfm)`: NEED_KEY when the algorithm takes a
/// key; the exit hook; the algorithm's `init`.
fn init_tfm(tfm: u64) -> i32 {
    let sk = tfm - cs::base;
    let alg = alg_of(sk);
    set_needkey(sk);
    if rd64(alg + s::exit) != 0 {
        wr64(tfm + t::exit, super::stub!("crypto_skcipher_exit_tfm"));
    }
    let init = rd64(alg + s::init);
    if init != 0 {
        return call(init, [sk, 0, 0, 0, 0, 0]);
    }
    0
}

/// `crypto_skcipher_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_SKCIPHER,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: cs::base,
        extsize: alg_extsize,
        init_tfm,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_skcipher(name, type, mask)`; None when the host cannot
/// answer the lookup.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    alloc_tfm(name, &frontend(), ty, mask, -1)
}

/// `crypto_alloc_sync_skcipher(name, type, mask)`: synchronous algorithms
/// with small requests only.
pub(crate) fn alloc_sync(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    let mask = mask | CRYPTO_ALG_ASYNC | CRYPTO_ALG_SKCIPHER_REQSIZE_LARGE;
    let r = alloc(name, ty, mask)?;
    if !crate::drivers::base::is_err_or_null(r) && rd32(r + cs::reqsize) > MAX_SYNC_SKCIPHER_REQSIZE {
        super::algapi::warn("crypto/skcipher.c", 760, "crypto_alloc_sync_skcipher", "");
        super::api::crypto_destroy_tfm(r, r + cs::base);
        return Some(EINVAL as i64 as u64);
    }
    Some(r)
}


super::alloc_export!("crypto_alloc_skcipher", 3, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32));

super::alloc_export!("crypto_alloc_sync_skcipher", 3, |name, a| alloc_sync(name, a.arg(1) as u32, a.arg(2) as u32));

/// A copy of `len` bytes at an address aligned to `alignmask + 1` (the
/// unaligned-key paths), zeroed when dropped.
pub(crate) struct AlignedCopy {
    buf: Vec<u8>,
    off: usize,
}
impl AlignedCopy {
    pub(crate) fn new(src: u64, len: usize, alignmask: u64) -> AlignedCopy {
        let buf = vec![0u8; len + alignmask as usize + 1];
        let p = buf.as_ptr() as u64;
        let off = (p.next_multiple_of(alignmask + 1) - p) as usize;
        let mut c = AlignedCopy { buf, off };
        if len != 0 {
            // SAFETY: the caller's key of `len` bytes.
            let s = unsafe { std::slice::from_raw_parts(src as *const u8, len) };
            c.buf[off..off + len].copy_from_slice(s);
        }
        c
    }
    pub(crate) fn addr(&self) -> u64 {
        self.buf.as_ptr() as u64 + self.off as u64
    }
}
impl Drop for AlignedCopy {
    fn drop(&mut self) {
        for b in self.buf.iter_mut() {
            // SAFETY: a byte of our own buffer; volatile so it is not elided.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// `crypto_skcipher_setkey(tfm, key, keylen)`: -EINVAL outside the
/// algorithm's key sizes; a misaligned key through an aligned copy;
/// NEED_KEY set on failure, cleared on success.
pub(crate) fn setkey(sk: u64, key: u64, keylen: u32) -> i32 {
    let alg = alg_of(sk);
    if keylen < rd32(alg + s::min_keysize) || keylen > rd32(alg + s::max_keysize) {
        return EINVAL;
    }
    let am = rd32(alg + s::base + ca::cra_alignmask) as u64;
    let f = rd64(alg + s::setkey);
    let err = if key & am != 0 {
        let c = AlignedCopy::new(key, keylen as usize, am);
        call(f, [sk, c.addr(), keylen as u64, 0, 0, 0])
    } else {
        call(f, [sk, key, keylen as u64, 0, 0, 0])
    };
    if err != 0 {
        set_needkey(sk);
        return err;
    }
    let b = sk + cs::base;
    set_tfm_flags(b, tfm_flags(b) & !CRYPTO_TFM_NEED_KEY);
    0
}

crate::kfn! {
    /// `crypto_skcipher_setkey(tfm, key, keylen)`.
    fn crypto_skcipher_setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
        setkey(tfm, key, keylen)
    }
}

/// The skcipher of a request (`crypto_skcipher_reqtfm`).
pub(crate) fn reqtfm(req: u64) -> u64 {
    rd64(req + sr::base + creq::tfm) - cs::base
}

/// `crypto_skcipher_encrypt(req)` / `_decrypt`: -ENOKEY without a key.
pub(crate) fn crypt(req: u64, enc: bool) -> i32 {
    let sk = reqtfm(req);
    if tfm_flags(sk + cs::base) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    let alg = alg_of(sk);
    call(
        rd64(alg + if enc { s::encrypt } else { s::decrypt }),
        [req, 0, 0, 0, 0, 0],
    )
}

crate::kfn! {
    /// `crypto_skcipher_encrypt(req)`.
    fn crypto_skcipher_encrypt(req: u64) -> i32 {
        crypt(req, true)
    }
}

crate::kfn! {
    /// `crypto_skcipher_decrypt(req)`.
    fn crypto_skcipher_decrypt(req: u64) -> i32 {
        crypt(req, false)
    }
}

// ---- the walk ----------------------------------------------------------------

const WALK_PHYS: u32 = 1;
const WALK_SLOW: u32 = 2;
const WALK_COPY: u32 = 4;
const WALK_DIFF: u32 = 8;
const WALK_SLEEP: u32 = 16;
const PAGE_SIZE: u64 = 4096;

fn wflags(w: u64) -> u32 {
    rd32(w + sw::flags)
}
fn set_wflags(w: u64, f: u32) {
    wr32(w + sw::flags, f);
}
fn memcpy(dst: u64, src: u64, n: u64) {
    if n == 0 {
        return;
    }
    // SAFETY: the walk's own buffers and the scatterlists' mapped bytes,
    // sized as the walk computed them.
    unsafe { std::ptr::copy(src as *const u8, dst as *mut u8, n as usize) };
}
fn align_up(p: u64, mask: u64) -> u64 {
    (p + mask) & !mask
}

/// `skcipher_get_spot(start, len)`: a spot of `len` bytes that does not
/// straddle a page.
fn get_spot(start: u64, len: u64) -> u64 {
    let end_page = (start + len - 1) & !(PAGE_SIZE - 1);
    start.max(end_page)
}

fn free_page(p: u64) {
    crate::mm::slab::kfree_addr(p);
}

/// `skcipher_done_slow(walk, bsize)`: the block from the slow buffer out.
fn done_slow(w: u64, bsize: u64) {
    let addr = align_up(rd64(w + sw::buffer), rd32(w + sw::alignmask) as u64);
    let addr = get_spot(addr, bsize);
    let out = if wflags(w) & WALK_PHYS != 0 { 2 } else { 1 };
    walk_::copychunks(addr, w + sw::out, bsize, out);
}

/// `skcipher_walk_done(walk, err)`: `err` bytes of the step were left
/// undone (or a negative errno ends the walk).
pub(crate) fn walk_done(w: u64, mut err: i32) -> i32 {
    let mut n = rd32(w + sw::nbytes);
    let mut nbytes = 0u32;
    if n != 0 {
        if err >= 0 {
            n = n.wrapping_sub(err as u32);
            nbytes = rd32(w + sw::total).wrapping_sub(n);
        }
        let f = wflags(w);
        if f & (WALK_PHYS | WALK_SLOW | WALK_COPY | WALK_DIFF) == 0 || f & WALK_DIFF != 0 {
            // unmapping is nothing without highmem
        } else if f & WALK_COPY != 0 {
            memcpy(walk_::map(w + sw::out), rd64(w + sw::page), n as u64);
        } else if f & WALK_SLOW != 0 {
            if err > 0 {
                // Not all bytes processed: a broken algorithm, or the
                // last step of a message that is not whole blocks.
                err = EINVAL;
                nbytes = 0;
            } else {
                done_slow(w, n as u64);
                n = 0;
            }
        }
        if err > 0 {
            err = 0;
        }
        wr32(w + sw::total, nbytes);
        wr32(w + sw::nbytes, 0);
        walk_::advance(w + sw::r#in, n);
        walk_::advance(w + sw::out, n);
        walk_::done(w + sw::r#in, false, nbytes != 0);
        walk_::done(w + sw::out, true, nbytes != 0);
        if nbytes != 0 {
            return walk_next(w);
        }
    }
    // finish:
    let (buffer, page) = (rd64(w + sw::buffer), rd64(w + sw::page));
    if buffer | page == 0 || wflags(w) & WALK_PHYS != 0 {
        return err;
    }
    let (iv, oiv) = (rd64(w + sw::iv), rd64(w + sw::oiv));
    if iv != oiv {
        memcpy(oiv, iv, rd32(w + sw::ivsize) as u64);
    }
    if buffer != page {
        crate::mm::slab::kfree_addr(buffer);
    }
    if page != 0 {
        free_page(page);
    }
    err
}

crate::kfn! {
    /// `skcipher_walk_done(walk, err)`.
    fn skcipher_walk_done(walk: u64, err: i32) -> i32 {
        walk_done(walk, err)
    }
}

/// `skcipher_next_slow(walk, bsize)`: a block that straddles entries goes
/// through a bounce buffer.
fn next_slow(w: u64, bsize: u32) -> i32 {
    let am = rd32(w + sw::alignmask) as u64;
    if rd64(w + sw::buffer) == 0 {
        wr64(w + sw::buffer, rd64(w + sw::page));
    }
    let mut buffer = rd64(w + sw::buffer);
    if buffer == 0 {
        let a = cc::CRYPTO_TFM_CTX_ALIGNMENT - 1;
        let mut n = bsize as u64;
        n += am & !a;
        n += (bsize as u64 - 1) & !(am | a);
        let v = crate::mm::slab::kmalloc_bytes(n as usize, crate::mm::slab::GFP_ZERO);
        if v == 0 {
            return walk_done(w, ENOMEM);
        }
        wr64(w + sw::buffer, v);
        buffer = v;
    }
    let d = get_spot(align_up(buffer, am), bsize as u64);
    wr64(w + sw::dst_virt, d);
    wr64(w + sw::src_virt, d);
    walk_::copychunks(d, w + sw::r#in, bsize as u64, 0);
    wr32(w + sw::nbytes, bsize);
    set_wflags(w, wflags(w) | WALK_SLOW);
    0
}

/// `skcipher_next_copy(walk)`: misaligned data goes through the walk's
/// page.
fn next_copy(w: u64) -> i32 {
    let tmp = rd64(w + sw::page);
    memcpy(tmp, walk_::map(w + sw::r#in), rd32(w + sw::nbytes) as u64);
    wr64(w + sw::src_virt, tmp);
    wr64(w + sw::dst_virt, tmp);
    0
}

/// `skcipher_next_fast(walk)`: in place in the scatterlists' pages.
fn next_fast(w: u64) -> i32 {
    let (i, o) = (w + sw::r#in, w + sw::out);
    let page_of = |ws: u64| {
        let off = rd32(ws + crate::layout::scatter_walk::offset) as u64;
        walk_::sg_page(rd64(ws + crate::layout::scatter_walk::sg))
            + (off >> 12) * crate::layout::page::SIZE
    };
    let in_off = rd32(i + crate::layout::scatter_walk::offset) as u64 & (PAGE_SIZE - 1);
    let out_off = rd32(o + crate::layout::scatter_walk::offset) as u64 & (PAGE_SIZE - 1);
    let diff = (in_off ^ out_off) | (page_of(i) ^ page_of(o));
    let src = walk_::map(i);
    wr64(w + sw::src_virt, src);
    wr64(w + sw::dst_virt, src);
    if diff != 0 {
        set_wflags(w, wflags(w) | WALK_DIFF);
        wr64(w + sw::dst_virt, walk_::map(o));
    }
    0
}

/// `skcipher_walk_next(walk)`.
fn walk_next(w: u64) -> i32 {
    set_wflags(w, wflags(w) & !(WALK_SLOW | WALK_COPY | WALK_DIFF));
    let total = rd32(w + sw::total);
    let blocksize = rd32(w + sw::blocksize);
    let bsize = rd32(w + sw::stride).min(total.max(blocksize));
    let mut n = walk_::clamp(w + sw::r#in, total);
    n = walk_::clamp(w + sw::out, n);
    if n < bsize {
        if total < blocksize {
            return walk_done(w, EINVAL);
        }
        return next_slow(w, bsize);
    }
    let off = |ws: u64| rd32(ws + crate::layout::scatter_walk::offset);
    if (off(w + sw::r#in) | off(w + sw::out)) & rd32(w + sw::alignmask) != 0 {
        if rd64(w + sw::page) == 0 {
            let p = crate::mm::slab::kmalloc_bytes(PAGE_SIZE as usize, 0);
            if p == 0 {
                return next_slow(w, bsize);
            }
            wr64(w + sw::page, p);
        }
        let page = rd64(w + sw::page);
        let room = (PAGE_SIZE - (page & (PAGE_SIZE - 1))) as u32;
        wr32(w + sw::nbytes, n.min(room));
        set_wflags(w, wflags(w) | WALK_COPY);
        return next_copy(w);
    }
    wr32(w + sw::nbytes, n);
    next_fast(w)
}

/// `skcipher_copy_iv(walk)`: a misaligned IV goes into an aligned buffer.
fn copy_iv(w: u64) -> i32 {
    let a = cc::CRYPTO_TFM_CTX_ALIGNMENT - 1;
    let am = rd32(w + sw::alignmask) as u64;
    let ivsize = rd32(w + sw::ivsize) as u64;
    let bs = rd32(w + sw::stride) as u64;
    let aligned_bs = align_up(bs, am);
    let mut size = am & !a;
    size += aligned_bs + ivsize;
    size += bs.wrapping_sub(1) & !(am | a);
    let buffer = crate::mm::slab::kmalloc_bytes(size as usize, 0);
    if buffer == 0 {
        return ENOMEM;
    }
    wr64(w + sw::buffer, buffer);
    let iv = get_spot(align_up(buffer, am), bs.max(1)) + aligned_bs;
    memcpy(iv, rd64(w + sw::iv), ivsize);
    wr64(w + sw::iv, iv);
    0
}

/// `skcipher_walk_first(walk)`.
fn walk_first(w: u64) -> i32 {
    wr64(w + sw::buffer, 0);
    if rd64(w + sw::iv) & rd32(w + sw::alignmask) as u64 != 0 {
        let err = copy_iv(w);
        if err != 0 {
            return err;
        }
    }
    wr64(w + sw::page, 0);
    walk_next(w)
}

/// `skcipher_walk_virt(walk, req, atomic)`.
pub(crate) fn walk_virt(w: u64, req: u64, atomic: bool) -> i32 {
    set_wflags(w, wflags(w) & !WALK_PHYS);
    let sk = reqtfm(req);
    let alg = alg_of(sk);
    let total = rd32(req + sr::cryptlen);
    wr32(w + sw::total, total);
    wr32(w + sw::nbytes, 0);
    wr64(w + sw::iv, rd64(req + sr::iv));
    wr64(w + sw::oiv, rd64(req + sr::iv));
    if total == 0 {
        return 0;
    }
    walk_::start(w + sw::r#in, rd64(req + sr::src));
    walk_::start(w + sw::out, rd64(req + sr::dst));
    let mut f = wflags(w) & !WALK_SLEEP;
    if rd32(req + sr::base + creq::flags) & CRYPTO_TFM_REQ_MAY_SLEEP != 0 {
        f |= WALK_SLEEP;
    }
    set_wflags(w, f);
    wr32(w + sw::blocksize, rd32(alg + s::base + ca::cra_blocksize));
    wr32(w + sw::stride, rd32(alg + s::walksize));
    wr32(w + sw::ivsize, rd32(alg + s::ivsize));
    wr32(w + sw::alignmask, rd32(alg + s::base + ca::cra_alignmask));
    let err = walk_first(w);
    if atomic {
        set_wflags(w, wflags(w) & !WALK_SLEEP);
    }
    err
}

crate::kfn! {
    /// `skcipher_walk_virt(walk, req, atomic)`.
    fn skcipher_walk_virt(walk: u64, req: u64, atomic: bool) -> i32 {
        walk_virt(walk, req, atomic)
    }
}

/// `skcipher_walk_aead_common(walk, req, atomic)`: past the associated
/// data, over `walk->total` bytes.
fn walk_aead_common(w: u64, req: u64, atomic: bool) -> i32 {
    let tfm = rd64(req + ar::base + creq::tfm) - caead::base;
    let alg = rd64(tfm + caead::base + t::__crt_alg) - aa::base;
    wr32(w + sw::nbytes, 0);
    wr64(w + sw::iv, rd64(req + ar::iv));
    wr64(w + sw::oiv, rd64(req + ar::iv));
    let total = rd32(w + sw::total);
    if total == 0 {
        return 0;
    }
    set_wflags(w, wflags(w) & !WALK_PHYS);
    walk_::start(w + sw::r#in, rd64(req + ar::src));
    walk_::start(w + sw::out, rd64(req + ar::dst));
    let assoclen = rd32(req + ar::assoclen) as u64;
    walk_::copychunks(0, w + sw::r#in, assoclen, 2);
    walk_::copychunks(0, w + sw::out, assoclen, 2);
    walk_::done(w + sw::r#in, false, true);
    walk_::done(w + sw::out, false, true);
    let mut f = wflags(w) & !WALK_SLEEP;
    if rd32(req + ar::base + creq::flags) & CRYPTO_TFM_REQ_MAY_SLEEP != 0 {
        f |= WALK_SLEEP;
    }
    set_wflags(w, f);
    wr32(w + sw::blocksize, rd32(alg + aa::base + ca::cra_blocksize));
    wr32(w + sw::stride, rd32(alg + aa::chunksize));
    wr32(w + sw::ivsize, rd32(alg + aa::ivsize));
    wr32(w + sw::alignmask, rd32(alg + aa::base + ca::cra_alignmask));
    let err = walk_first(w);
    if atomic {
        set_wflags(w, wflags(w) & !WALK_SLEEP);
    }
    err
}

crate::kfn! {
    /// `skcipher_walk_aead_encrypt(walk, req, atomic)`: over cryptlen.
    fn skcipher_walk_aead_encrypt(walk: u64, req: u64, atomic: bool) -> i32 {
        wr32(walk + sw::total, rd32(req + ar::cryptlen));
        walk_aead_common(walk, req, atomic)
    }
}

crate::kfn! {
    /// `skcipher_walk_aead_decrypt(walk, req, atomic)`: over cryptlen less
    /// the tag.
    fn skcipher_walk_aead_decrypt(walk: u64, req: u64, atomic: bool) -> i32 {
        let tfm = rd64(req + ar::base + creq::tfm) - caead::base;
        let authsize = rd32(tfm + caead::authsize);
        wr32(walk + sw::total, rd32(req + ar::cryptlen).wrapping_sub(authsize));
        walk_aead_common(walk, req, atomic)
    }
}

// ---- instances -----------------------------------------------------------------

use crate::layout::{crypto_instance as ci, skcipher_instance as si};

/// `skcipher_crypto_instance(inst)`: the `struct crypto_instance` whose
/// `alg` is the skcipher_alg's base.
fn crypto_instance_of(inst: u64) -> u64 {
    inst + si::alg + s::base
}

/// `skcipher_instance_ctx(inst)`: the context after the crypto_instance.
pub(crate) fn instance_ctx(inst: u64) -> u64 {
    crypto_instance_of(inst) + ci::SIZE
}

crate::kfn! {
    /// `skcipher_register_instance(tmpl, inst)`: -EINVAL without a `free`;
    /// skcipher_prepare_alg, then crypto_register_instance.
    fn skcipher_register_instance(tmpl: u64, inst: u64) -> i32 {
        if rd64(inst + si::free) == 0 {
            super::algapi::warn("crypto/skcipher.c", 962, "skcipher_register_instance", "");
            return EINVAL;
        }
        let err = prepare(inst + si::alg);
        if err != 0 {
            return err;
        }
        super::algapi::register_instance(tmpl, crypto_instance_of(inst))
    }
}

/// The single-block cipher of a simple instance's tfm
/// (`skcipher_cipher_simple`: the pointer in the tfm's context).
pub(crate) fn cipher_simple(sk: u64) -> u64 {
    rd64(sk + cs::base + t::__crt_ctx)
}

crate::kfn! {
    /// skcipher.c's `skcipher_setkey_simple(tfm, key, keylen)`: the request
    /// flags passed down, the key set on the underlying cipher.
    fn skcipher_setkey_simple(tfm: u64, key: u64, keylen: u32) -> i32 {
        const CRYPTO_TFM_REQ_MASK: u32 = 0x000f_ff00;
        let c = cipher_simple(tfm);
        let f = tfm_flags(c) & !CRYPTO_TFM_REQ_MASK;
        set_tfm_flags(c, f | (tfm_flags(tfm + cs::base) & CRYPTO_TFM_REQ_MASK));
        super::cipher::setkey(c, key, keylen)
    }
}

crate::kfn! {
    /// skcipher.c's `skcipher_init_tfm_simple(tfm)`: a tfm of the spawn's
    /// cipher in the context.
    fn skcipher_init_tfm_simple(tfm: u64) -> i32 {
        let inst = alg_of(tfm) - si::alg;
        let c = super::algapi::crypto_spawn_tfm(instance_ctx(inst), CRYPTO_ALG_TYPE_CIPHER, CRYPTO_ALG_TYPE_MASK);
        if crate::drivers::base::is_err_or_null(c) {
            return c as i64 as i32;
        }
        wr64(tfm + cs::base + t::__crt_ctx, c);
        0
    }
}

crate::kfn! {
    /// skcipher.c's `skcipher_exit_tfm_simple(tfm)`: frees the cipher.
    fn skcipher_exit_tfm_simple(tfm: u64) {
        let c = cipher_simple(tfm);
        super::api::crypto_destroy_tfm(c, c);
    }
}

crate::kfn! {
    /// skcipher.c's `skcipher_free_instance_simple(inst)`.
    fn skcipher_free_instance_simple(inst: u64) {
        super::algapi::crypto_drop_spawn(instance_ctx(inst));
        crate::mm::slab::kfree_addr(inst);
    }
}

/// `skcipher_alloc_instance_simple(tmpl, tb)`: an skcipher instance
/// over the single-block cipher named in tb[1], with the cipher's block
/// size, alignment, priority and key sizes, an IV of one block, and the
/// simple setkey/init/exit.
extern "C" fn skcipher_alloc_instance_simple_v(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let args = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    alloc_instance_simple(args.arg(0), args.arg(1), caller(stack))
}
crate::export_variadic!("skcipher_alloc_instance_simple" => skcipher_alloc_instance_simple_v);

/// `skcipher_alloc_instance_simple(tmpl, tb)` for a caller (the module
/// code, or a template of vmlinux's) that lookups the host cannot answer
/// end as.
pub(crate) fn alloc_instance_simple(tmpl: u64, tb: u64, caller: (u64, u64)) -> u64 {
    {
        use crate::layout::{crypto_cipher_spawn as csp, crypto_template as ct};
        let mut mask = 0u32;
        let err = super::algapi::crypto_check_attr_type(tb, CRYPTO_ALG_TYPE_SKCIPHER, &mut mask as *mut u32 as u64);
        if err != 0 {
            return err as i64 as u64;
        }
        let inst = crate::mm::slab::kmalloc_bytes((si::SIZE + csp::SIZE) as usize, crate::mm::slab::GFP_ZERO);
        if inst == 0 {
            return ENOMEM as i64 as u64;
        }
        let spawn = instance_ctx(inst);
        let name = super::algapi::crypto_attr_alg_name(rd64(tb + 8));
        let ty = CRYPTO_ALG_TYPE_CIPHER;
        let m = mask | CRYPTO_ALG_TYPE_MASK;
        let err = super::algapi::grab_spawn(spawn, crypto_instance_of(inst), name, ty, m, caller);
        if err != 0 {
            skcipher_free_instance_simple(inst);
            return err as i64 as u64;
        }
        let calg = rd64(spawn + crate::layout::crypto_spawn::alg);
        let err = super::algapi::crypto_inst_setname(crypto_instance_of(inst), tmpl + ct::name, calg);
        if err != 0 {
            skcipher_free_instance_simple(inst);
            return err as i64 as u64;
        }
        wr64(inst + si::free, super::stub!("skcipher_free_instance_simple"));
        let a = inst + si::alg;
        wr32(a + s::base + ca::cra_blocksize, rd32(calg + ca::cra_blocksize));
        wr32(a + s::base + ca::cra_alignmask, rd32(calg + ca::cra_alignmask));
        wr32(a + s::base + ca::cra_priority, rd32(calg + ca::cra_priority));
        wr32(a + s::min_keysize, rd32(calg + ca::cia_min_keysize));
        wr32(a + s::max_keysize, rd32(calg + ca::cia_max_keysize));
        wr32(a + s::ivsize, rd32(calg + ca::cra_blocksize));
        wr32(a + s::base + ca::cra_ctxsize, 8);
        wr64(a + s::setkey, super::stub!("skcipher_setkey_simple"));
        wr64(a + s::init, super::stub!("skcipher_init_tfm_simple"));
        wr64(a + s::exit, super::stub!("skcipher_exit_tfm_simple"));
        inst
    }
}

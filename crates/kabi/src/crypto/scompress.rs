//! crypto/scompress.c: synchronous compression (`struct scomp_alg`) —
//! registration, the `/proc/crypto` line, the scomp transform with the
//! scratch buffers of SCOMP_SCRATCH_SIZE bytes its users share, and the
//! acomp view of an scomp algorithm (`crypto_init_scomp_ops_async`): the
//! request's source scatterlist is copied into the source scratch, the
//! algorithm compresses into the destination scratch, and the result is
//! copied out to the request's destination (allocated with `sgl_alloc`
//! when the request has none).
//!
//! Linux keeps one scratch pair per CPU under a spinlock; the host keeps
//! a pool of pairs, one taken per running request, allocated while any
//! scomp transform exists (the `scomp_scratch_users` count) — the same
//! sizes and limits.

use std::sync::Mutex;

use crate::drivers::base::{is_err_or_null, rd32, rd64, wr32, wr64};
use crate::layout::{
    acomp_req as r, crypto_acomp as cac, crypto_async_request as creq, crypto_consts as cc,
    crypto_tfm as t, scomp_alg as s,
};

use super::api::*;
use super::types::Type;

fn prepare_scomp(alg: u64) -> i32 {
    Type::Scomp.prepare(alg + s::base);
    0
}

fn prepare_acomp(alg: u64) -> i32 {
    Type::Acomp.prepare(alg + crate::layout::acomp_alg::base);
    0
}

pub(crate) mod scomp {
    super::super::typed_registration!(
        scomp_alg,
        super::prepare_scomp,
        "crypto_register_scomp",
        "crypto_register_scomps",
        "crypto_unregister_scomp",
        "crypto_unregister_scomps"
    );
}

pub(crate) mod acomp {
    super::super::typed_registration!(
        acomp_alg,
        super::prepare_acomp,
        "crypto_register_acomp",
        "crypto_register_acomps",
        "crypto_unregister_acomp",
        "crypto_unregister_acomps"
    );
}

/// `crypto_scomp_show`.
pub(crate) fn show_scomp(_alg: u64, out: &mut String) {
    out.push_str("type         : scomp\n");
}

/// `crypto_acomp_show`.
pub(crate) fn show_acomp(_alg: u64, out: &mut String) {
    out.push_str("type         : acomp\n");
}

// ---- scratch buffers ---------------------------------------------------------

const SCRATCH: usize = cc::SCOMP_SCRATCH_SIZE as usize;

struct Scratch {
    users: u32,
    free: Vec<(Box<[u8]>, Box<[u8]>)>,
}

static SCRATCHES: Mutex<Scratch> = Mutex::new(Scratch { users: 0, free: Vec::new() });

fn scratches() -> std::sync::MutexGuard<'static, Scratch> {
    SCRATCHES.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scratch pair for one request (returned to the pool after it; lost
/// if the request's algorithm never returns).
fn take_scratch() -> (Box<[u8]>, Box<[u8]>) {
    if let Some(p) = scratches().free.pop() {
        return p;
    }
    (vec![0u8; SCRATCH].into_boxed_slice(), vec![0u8; SCRATCH].into_boxed_slice())
}

fn give_scratch(p: (Box<[u8]>, Box<[u8]>)) {
    let mut g = scratches();
    if g.users > 0 {
        g.free.push(p);
    }
}

/// `crypto_scomp_init_tfm`: one more user of the scratches.
fn scomp_init_tfm(_tfm: u64) -> i32 {
    scratches().users += 1;
    0
}

fn scratch_put() {
    let mut g = scratches();
    g.users = g.users.saturating_sub(1);
    if g.users == 0 {
        g.free.clear();
    }
}

/// `crypto_scomp_type` as tfm creation uses it.
pub(crate) fn scomp_frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_SCOMPRESS,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: crate::layout::crypto_scomp::base,
        extsize: alg_extsize,
        init_tfm: scomp_init_tfm,
        host_answers: |_| true,
    }
}

// ---- the acomp view of an scomp algorithm ---------------------------------------

/// The scomp transform behind an acomp one (its tfm context).
fn scomp_of(acomp: u64) -> u64 {
    rd64(acomp + cac::base + t::__crt_ctx)
}

fn scomp_alg_of(scomp: u64) -> u64 {
    rd64(scomp + crate::layout::crypto_scomp::base + t::__crt_alg) - s::base
}

const EINVAL_: i32 = EINVAL;
const ENOSPC: i32 = -28;
const GFP_ATOMIC: u32 = 0xa20;

/// `scomp_acomp_comp_decomp(req, dir)`.
fn comp_decomp(req: u64, compress: bool) -> i32 {
    let acomp = rd64(req + r::base + creq::tfm) - cac::base;
    let scomp = scomp_of(acomp);
    let (src, slen) = (rd64(req + r::src), rd32(req + r::slen));
    if src == 0 || slen == 0 || slen as usize > SCRATCH {
        return EINVAL_;
    }
    if rd64(req + r::dst) != 0 && rd32(req + r::dlen) == 0 {
        return EINVAL_;
    }
    let dlen = rd32(req + r::dlen);
    let room = if dlen == 0 || dlen as usize > SCRATCH {
        wr32(req + r::dlen, SCRATCH as u32);
        SCRATCH as u32
    } else {
        dlen
    };
    let (mut sbuf, mut dbuf) = take_scratch();
    let (sp, dp) = (sbuf.as_mut_ptr() as u64, dbuf.as_mut_ptr() as u64);
    super::scatterwalk::map_and_copy(sp, src, 0, slen, 0);
    let alg = scomp_alg_of(scomp);
    let f = rd64(alg + if compress { s::compress } else { s::decompress });
    let ctx = rd64(req + r::__ctx);
    let mut ret = super::skcipher::call(f, [scomp, sp, slen as u64, dp, req + r::dlen, ctx]);
    if ret == 0 {
        let out = rd32(req + r::dlen);
        let mut dst = rd64(req + r::dst);
        if dst != 0 && room < out {
            ret = ENOSPC;
        } else {
            if dst == 0 {
                dst = crate::lib_::scatterlist::alloc_order(out as u64, 0, false, GFP_ATOMIC, 0);
                wr64(req + r::dst, dst);
            }
            if dst == 0 {
                ret = ENOMEM;
            } else {
                super::scatterwalk::map_and_copy(dp, dst, 0, out, 1);
            }
        }
    }
    give_scratch((sbuf, dbuf));
    ret
}

crate::kfn! {
    /// `scomp_acomp_compress(req)`.
    fn scomp_acomp_compress(req: u64) -> i32 {
        comp_decomp(req, true)
    }
}

crate::kfn! {
    /// `scomp_acomp_decompress(req)`.
    fn scomp_acomp_decompress(req: u64) -> i32 {
        comp_decomp(req, false)
    }
}

crate::kfn! {
    /// `crypto_exit_scomp_ops_async(tfm)`: frees the scomp transform, one
    /// user fewer of the scratches.
    fn crypto_exit_scomp_ops_async(tfm: u64) {
        let scomp = rd64(tfm + t::__crt_ctx);
        crypto_destroy_tfm(scomp, scomp + crate::layout::crypto_scomp::base);
        scratch_put();
    }
}

/// `crypto_init_scomp_ops_async(tfm)`.
pub(crate) fn init_scomp_ops_async(tfm: u64) -> i32 {
    let calg = rd64(tfm + t::__crt_alg);
    if crypto_mod_get(calg) == 0 {
        return -11;
    }
    let scomp = match create_tfm(calg, &scomp_frontend(), -1) {
        Ok(m) => m,
        Err(e) => {
            crypto_mod_put(calg);
            return e;
        }
    };
    wr64(tfm + t::__crt_ctx, scomp);
    wr64(tfm + t::exit, super::stub!("crypto_exit_scomp_ops_async"));
    let acomp = tfm - cac::base;
    wr64(acomp + cac::compress, super::stub!("scomp_acomp_compress"));
    wr64(acomp + cac::decompress, super::stub!("scomp_acomp_decompress"));
    wr64(acomp + cac::dst_free, super::stub!("sgl_free"));
    wr32(acomp + cac::reqsize, 8);
    0
}

/// `crypto_acomp_scomp_alloc_ctx(req)`: the algorithm's context in the
/// request; NULL (the request freed) when it cannot have one.
pub(crate) fn scomp_alloc_ctx(req: u64) -> u64 {
    let acomp = rd64(req + r::base + creq::tfm) - cac::base;
    let scomp = scomp_of(acomp);
    let alg = scomp_alg_of(scomp);
    let f = rd64(alg + s::alloc_ctx);
    let ctx = crate::fault::call_module(f, [scomp, 0, 0, 0, 0, 0]).unwrap_or(EFAULT_ as i64 as u64);
    if is_err_or_null(ctx) && ctx != 0 {
        crate::mm::slab::kfree_addr(req);
        return 0;
    }
    wr64(req + r::__ctx, ctx);
    req
}

const EFAULT_: i32 = -14;

/// `crypto_acomp_scomp_free_ctx(req)`.
pub(crate) fn scomp_free_ctx(req: u64) {
    let acomp = rd64(req + r::base + creq::tfm) - cac::base;
    let scomp = scomp_of(acomp);
    let ctx = rd64(req + r::__ctx);
    if ctx != 0 {
        let f = rd64(scomp_alg_of(scomp) + s::free_ctx);
        crate::fault::call_module(f, [scomp, ctx, 0, 0, 0, 0]);
    }
}

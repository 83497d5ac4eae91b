//! crypto/acompress.c: asynchronous compression — the acomp transform
//! (`struct crypto_acomp`: compress, decompress, dst_free, reqsize, then
//! the `crypto_tfm`) over an acomp algorithm or, through
//! [`super::scompress::init_scomp_ops_async`], an scomp one (the acomp
//! type's mask takes both); requests (`acomp_request_alloc`/`_free`).

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::{
    acomp_alg as aa, acomp_req as r, crypto_acomp as cac, crypto_async_request as creq,
    crypto_tfm as t,
};

use super::api::*;
use super::types::Type;

fn is_acomp(alg: u64) -> bool {
    cra_type(alg) == Type::Acomp.addr()
}

crate::kfn! {
    /// `crypto_acomp_exit_tfm(tfm)`: the algorithm's `exit`.
    fn crypto_acomp_exit_tfm(tfm: u64) {
        let alg = rd64(tfm + t::__crt_alg) - aa::base;
        let exit = rd64(alg + aa::exit);
        if exit != 0 {
            crate::fault::call_module(exit, [tfm - cac::base, 0, 0, 0, 0, 0]);
        }
    }
}

/// `crypto_acomp_init_tfm(tfm)`.
fn init_tfm(tfm: u64) -> i32 {
    let base = rd64(tfm + t::__crt_alg);
    if !is_acomp(base) {
        return super::scompress::init_scomp_ops_async(tfm);
    }
    let alg = base - aa::base;
    let acomp = tfm - cac::base;
    wr64(acomp + cac::compress, rd64(alg + aa::compress));
    wr64(acomp + cac::decompress, rd64(alg + aa::decompress));
    wr64(acomp + cac::dst_free, rd64(alg + aa::dst_free));
    wr32(acomp + cac::reqsize, rd32(alg + aa::reqsize));
    if rd64(alg + aa::exit) != 0 {
        wr64(tfm + t::exit, super::stub!("crypto_acomp_exit_tfm"));
    }
    let init = rd64(alg + aa::init);
    if init != 0 {
        return super::skcipher::call(init, [acomp, 0, 0, 0, 0, 0]);
    }
    0
}

/// `crypto_acomp_extsize(alg)`: room for the scomp transform's pointer
/// when the algorithm is an scomp one.
fn extsize(alg: u64) -> u64 {
    alg_extsize(alg) + if is_acomp(alg) { 0 } else { 8 }
}

/// `crypto_acomp_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_ACOMPRESS,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_ACOMPRESS_MASK,
        tfmsize: cac::base,
        extsize,
        init_tfm,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_acomp_node(name, type, mask, node)`.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32, node: i32) -> Option<u64> {
    alloc_tfm(name, &frontend(), ty, mask, node)
}


super::alloc_export!("crypto_alloc_acomp", 3, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32, -1));

super::alloc_export!("crypto_alloc_acomp_node", 4, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32, a.arg(3) as i32));

/// `acomp_request_alloc(tfm)`: a zeroed request with the transform's
/// request context; NULL without memory (or an scomp context).
pub(crate) fn request_alloc(acomp: u64) -> u64 {
    let size = r::SIZE + rd32(acomp + cac::reqsize) as u64;
    let req = crate::mm::slab::kmalloc_bytes(size as usize, crate::mm::slab::GFP_ZERO);
    if req <= 16 {
        return 0;
    }
    wr64(req + r::base + creq::tfm, acomp + cac::base);
    if !is_acomp(rd64(acomp + cac::base + t::__crt_alg)) {
        return super::scompress::scomp_alloc_ctx(req);
    }
    req
}

crate::kfn! {
    /// `acomp_request_alloc(tfm)`.
    fn acomp_request_alloc(tfm: u64) -> u64 {
        request_alloc(tfm)
    }
}

const CRYPTO_ACOMP_ALLOC_OUTPUT: u32 = crate::layout::crypto_consts::CRYPTO_ACOMP_ALLOC_OUTPUT as u32;

/// `acomp_request_free(req)`: the scomp context, an output the request
/// allocated (`dst_free`), the request (zeroed).
pub(crate) fn request_free(req: u64) {
    if req == 0 {
        return;
    }
    let tfm = rd64(req + r::base + creq::tfm);
    let acomp = tfm - cac::base;
    if !is_acomp(rd64(tfm + t::__crt_alg)) {
        super::scompress::scomp_free_ctx(req);
    }
    if rd32(req + r::flags) & CRYPTO_ACOMP_ALLOC_OUTPUT != 0 {
        let f = rd64(acomp + cac::dst_free);
        if f != 0 {
            crate::fault::call_module(f, [rd64(req + r::dst), 0, 0, 0, 0, 0]);
        }
        wr64(req + r::dst, 0);
    }
    crate::mm::slab::kfree_sensitive_addr(req);
}

crate::kfn! {
    /// `acomp_request_free(req)`.
    fn acomp_request_free(req: u64) {
        request_free(req)
    }
}

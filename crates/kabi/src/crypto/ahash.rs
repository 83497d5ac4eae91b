//! crypto/ahash.c: asynchronous hashes — registration
//! (`ahash_prepare_alg`) and the `/proc/crypto` lines.

use crate::drivers::base::rd32;
use crate::layout::{ahash_alg as s, crypto_alg as ca, crypto_consts as cc};

use super::api::*;
use super::types::Type;

/// `ahash_prepare_alg(alg)`: digest size at most HASH_MAX_DIGESTSIZE,
/// state size non-zero and at most HASH_MAX_STATESIZE (else -EINVAL);
/// the type.
fn prepare(alg: u64) -> i32 {
    let ss = rd32(alg + s::statesize) as u64;
    if rd32(alg + s::digestsize) as u64 > cc::HASH_MAX_DIGESTSIZE
        || ss > cc::HASH_MAX_STATESIZE
        || ss == 0
    {
        return EINVAL;
    }
    Type::Ahash.prepare(alg + s::base);
    0
}

super::typed_registration!(
    ahash_alg,
    prepare,
    "crypto_register_ahash",
    "crypto_register_ahashes",
    "crypto_unregister_ahash",
    "crypto_unregister_ahashes"
);

/// `crypto_ahash_show`.
pub(crate) fn show(alg: u64, out: &mut String) {
    use std::fmt::Write;
    // __crypto_hash_alg_common(alg): the hash_alg_common around `alg`.
    let halg = alg - crate::layout::hash_alg_common::base;
    let _ = writeln!(out, "type         : ahash");
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
    let _ = writeln!(
        out,
        "digestsize   : {}",
        rd32(halg + crate::layout::hash_alg_common::digestsize)
    );
}

// ---- transforms: ahash over an shash (crypto_init_shash_ops_async) ----------

use crate::drivers::base::{wr32, wr64, rd64};
use crate::layout::{
    ahash_request as ar, crypto_ahash as ch, crypto_async_request as creq, crypto_shash as csh,
    crypto_tfm as t, scatterlist as sl, shash_alg as sa, shash_desc as sd,
};

use super::algapi::caller;
use super::api::{alg_extsize, alloc_tfm, cannot_answer, create_tfm, Frontend};
use super::skcipher::{call, set_tfm_flags, stub, tfm_flags, CRYPTO_TFM_NEED_KEY, ENOKEY};

const CRYPTO_ALG_OPTIONAL_KEY: u32 = 0x4000;

fn is_shash(alg: u64) -> bool {
    Type::of(cra_type(alg)) == Some(Type::Shash)
}

/// `crypto_ahash_extsize(alg)`: an shash's tfm pointer, else the context.
fn extsize(alg: u64) -> u64 {
    if is_shash(alg) {
        8
    } else {
        alg_extsize(alg)
    }
}

/// The shash tfm of an ahash over an shash (`*crypto_ahash_ctx(tfm)`).
fn shash_of(hash: u64) -> u64 {
    rd64(hash + ch::base + t::__crt_ctx)
}

fn reqtfm(req: u64) -> u64 {
    rd64(req + ar::base + creq::tfm) - ch::base
}

/// The request's descriptor (`ahash_request_ctx(req)`).
fn desc_of(req: u64) -> u64 {
    req + ar::__ctx
}

/// The request's data: each scatterlist entry's bytes up to `nbytes`.
fn chunks(req: u64) -> Vec<(u64, u32)> {
    let mut left = rd32(req + ar::nbytes);
    let mut sg = rd64(req + ar::src);
    let mut v = Vec::new();
    while left > 0 && sg != 0 {
        let n = rd32(sg + sl::length).min(left);
        if n > 0 {
            v.push((super::scatterwalk::page_address(super::scatterwalk::sg_page(sg)) + rd32(sg + sl::offset) as u64, n));
        }
        left -= n;
        sg = crate::lib_::scatterlist::next(sg);
    }
    v
}

fn ahash_update(req: u64, desc: u64) -> i32 {
    for (p, n) in chunks(req) {
        let e = super::shash::update(desc, p, n);
        if e != 0 {
            return e;
        }
    }
    0
}

fn ahash_finup(req: u64, desc: u64) -> i32 {
    let c = chunks(req);
    let result = rd64(req + ar::result);
    if c.is_empty() {
        return super::shash::final_(desc, result);
    }
    let last = c.len() - 1;
    for (i, (p, n)) in c.into_iter().enumerate() {
        let e = if i == last {
            super::shash::finup(desc, p, n, result)
        } else {
            super::shash::update(desc, p, n)
        };
        if e != 0 {
            return e;
        }
    }
    0
}

crate::kfn! {
    /// shash.c's `shash_async_init(req)`.
    fn shash_async_init(req: u64) -> i32 {
        let desc = desc_of(req);
        wr64(desc + sd::tfm, shash_of(reqtfm(req)));
        super::shash::init(desc)
    }
}

crate::kfn! {
    /// shash.c's `shash_async_update(req)`.
    fn shash_async_update(req: u64) -> i32 {
        ahash_update(req, desc_of(req))
    }
}

crate::kfn! {
    /// shash.c's `shash_async_final(req)`.
    fn shash_async_final(req: u64) -> i32 {
        super::shash::final_(desc_of(req), rd64(req + ar::result))
    }
}

crate::kfn! {
    /// shash.c's `shash_async_finup(req)`.
    fn shash_async_finup(req: u64) -> i32 {
        ahash_finup(req, desc_of(req))
    }
}

crate::kfn! {
    /// shash.c's `shash_async_digest(req)`: one digest call when the data
    /// is one piece, else init and finup.
    fn shash_async_digest(req: u64) -> i32 {
        let desc = desc_of(req);
        wr64(desc + sd::tfm, shash_of(reqtfm(req)));
        let c = chunks(req);
        if c.len() == 1 {
            return super::shash::digest(desc, c[0].0, c[0].1, rd64(req + ar::result));
        }
        match super::shash::init(desc) {
            0 => ahash_finup(req, desc),
            e => e,
        }
    }
}

crate::kfn! {
    /// shash.c's `shash_async_export(req, out)`.
    fn shash_async_export(req: u64, out: u64) -> i32 {
        let desc = desc_of(req);
        let salg = rd64(rd64(desc + sd::tfm) + csh::base + t::__crt_alg) - sa::base;
        call(rd64(salg + sa::export), [desc, out, 0, 0, 0, 0])
    }
}

crate::kfn! {
    /// shash.c's `shash_async_import(req, in)`.
    fn shash_async_import(req: u64, inp: u64) -> i32 {
        let desc = desc_of(req);
        let sh = shash_of(reqtfm(req));
        wr64(desc + sd::tfm, sh);
        let salg = rd64(sh + csh::base + t::__crt_alg) - sa::base;
        call(rd64(salg + sa::import), [desc, inp, 0, 0, 0, 0])
    }
}

crate::kfn! {
    /// shash.c's `shash_async_setkey(tfm, key, keylen)`.
    fn shash_async_setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
        super::shash::setkey(shash_of(tfm), key, keylen)
    }
}

crate::kfn! {
    /// ahash.c's `ahash_nosetkey`: -ENOSYS.
    fn ahash_nosetkey(_tfm: u64, _key: u64, _keylen: u32) -> i32 {
        ENOSYS
    }
}

crate::kfn! {
    /// shash.c's `crypto_exit_shash_ops_async(tfm)`: frees the shash.
    fn crypto_exit_shash_ops_async(tfm: u64) {
        let sh = rd64(tfm + t::__crt_ctx);
        super::api::crypto_destroy_tfm(sh, sh + csh::base);
    }
}

/// `crypto_init_shash_ops_async(tfm)`: an shash tfm in the context and
/// the shash_async_* operations; NEED_KEY as the shash has it; requests
/// carry an shash_desc.
fn init_shash_ops_async(tfm: u64) -> i32 {
    let hash = tfm - ch::base;
    let calg = rd64(tfm + t::__crt_alg);
    if crypto_mod_get(calg) == 0 {
        return -11;
    }
    let sh = match create_tfm(calg, &super::shash::frontend(), -1) {
        Ok(m) => m,
        Err(e) => {
            crypto_mod_put(calg);
            return e;
        }
    };
    wr64(tfm + t::__crt_ctx, sh);
    wr64(tfm + t::exit, stub("crypto_exit_shash_ops_async"));
    for (f, s) in [
        (ch::init, "shash_async_init"),
        (ch::update, "shash_async_update"),
        (ch::r#final, "shash_async_final"),
        (ch::finup, "shash_async_finup"),
        (ch::digest, "shash_async_digest"),
        (ch::export, "shash_async_export"),
        (ch::import, "shash_async_import"),
    ] {
        wr64(hash + f, stub(s));
    }
    if super::shash::crypto_shash_alg_has_setkey(calg - sa::base) {
        wr64(hash + ch::setkey, stub("shash_async_setkey"));
    }
    let need = tfm_flags(sh + csh::base) & CRYPTO_TFM_NEED_KEY;
    set_tfm_flags(tfm, tfm_flags(tfm) | need);
    wr32(hash + ch::reqsize, (sd::SIZE + rd32(sh + csh::descsize) as u64) as u32);
    0
}

/// `crypto_ahash_init_tfm(tfm)` for an shash algorithm (the native
/// ahash algorithms are not set up by the host yet: see `host_answers`).
fn init_tfm(tfm: u64) -> i32 {
    wr64(tfm - ch::base + ch::setkey, stub("ahash_nosetkey"));
    init_shash_ops_async(tfm)
}

/// `crypto_ahash_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_AHASH,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_AHASH_MASK,
        tfmsize: ch::base,
        extsize,
        init_tfm,
        host_answers: is_shash,
    }
}

extern "C" fn crypto_alloc_ahash_v(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    // SAFETY: the caller's NUL-terminated algorithm name.
    let name = unsafe { crate::abi::c_str(a.arg(0), 4096) }.to_vec();
    match alloc_tfm(&name, &frontend(), a.arg(1) as u32, a.arg(2) as u32, -1) {
        Some(r) => r,
        None => {
            cannot_answer(caller(stack));
            (ENOENT as i64) as u64
        }
    }
}
crate::export_variadic!("crypto_alloc_ahash" => crypto_alloc_ahash_v);

/// `crypto_ahash_setkey(tfm, key, keylen)`: NEED_KEY set on failure (for
/// an algorithm that needs a key), cleared on success.
pub(crate) fn setkey(hash: u64, key: u64, keylen: u32) -> i32 {
    let err = call(rd64(hash + ch::setkey), [hash, key, keylen as u64, 0, 0, 0]);
    let b = hash + ch::base;
    if err != 0 {
        let alg = rd64(b + t::__crt_alg);
        if rd64(hash + ch::setkey) != stub("ahash_nosetkey") && flags(alg) & CRYPTO_ALG_OPTIONAL_KEY == 0 {
            set_tfm_flags(b, tfm_flags(b) | CRYPTO_TFM_NEED_KEY);
        }
        return err;
    }
    set_tfm_flags(b, tfm_flags(b) & !CRYPTO_TFM_NEED_KEY);
    0
}

crate::kfn! {
    /// `crypto_ahash_setkey(tfm, key, keylen)`.
    fn crypto_ahash_setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
        setkey(tfm, key, keylen)
    }
}

pub(crate) fn digest(req: u64) -> i32 {
    let hash = reqtfm(req);
    if tfm_flags(hash + ch::base) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    call(rd64(hash + ch::digest), [req, 0, 0, 0, 0, 0])
}

crate::kfn! {
    /// `crypto_ahash_digest(req)`: -ENOKEY without a needed key.
    fn crypto_ahash_digest(req: u64) -> i32 {
        digest(req)
    }
}

crate::kfn! {
    /// `crypto_ahash_final(req)`.
    fn crypto_ahash_final(req: u64) -> i32 {
        call(rd64(reqtfm(req) + ch::r#final), [req, 0, 0, 0, 0, 0])
    }
}

crate::kfn! {
    /// `crypto_ahash_finup(req)`.
    fn crypto_ahash_finup(req: u64) -> i32 {
        call(rd64(reqtfm(req) + ch::finup), [req, 0, 0, 0, 0, 0])
    }
}

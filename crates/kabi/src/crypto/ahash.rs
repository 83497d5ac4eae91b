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

use super::api::{alg_extsize, alloc_tfm, create_tfm, Frontend};
use super::skcipher::{call, set_tfm_flags, tfm_flags, CRYPTO_TFM_NEED_KEY, ENOKEY};

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
    /// `shash_ahash_update(req, desc)`: the request's data into an shash
    /// descriptor (cryptd's hash worker).
    fn shash_ahash_update(req: u64, desc: u64) -> i32 {
        ahash_update(req, desc)
    }
}

crate::kfn! {
    /// `shash_ahash_finup(req, desc)`.
    fn shash_ahash_finup(req: u64, desc: u64) -> i32 {
        ahash_finup(req, desc)
    }
}

/// `shash_ahash_digest(req, desc)`: one digest call when the data is one
/// piece, else init and finup (`desc->tfm` set by the caller).
fn digest_into(req: u64, desc: u64) -> i32 {
    let c = chunks(req);
    if c.len() == 1 {
        return super::shash::digest(desc, c[0].0, c[0].1, rd64(req + ar::result));
    }
    match super::shash::init(desc) {
        0 => ahash_finup(req, desc),
        e => e,
    }
}

crate::kfn! {
    /// `shash_ahash_digest(req, desc)`.
    fn shash_ahash_digest(req: u64, desc: u64) -> i32 {
        digest_into(req, desc)
    }
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
        digest_into(req, desc)
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
    wr64(tfm + t::exit, super::stub!("crypto_exit_shash_ops_async"));
    for (f, s) in [
        (ch::init, super::stub!("shash_async_init")),
        (ch::update, super::stub!("shash_async_update")),
        (ch::r#final, super::stub!("shash_async_final")),
        (ch::finup, super::stub!("shash_async_finup")),
        (ch::digest, super::stub!("shash_async_digest")),
        (ch::export, super::stub!("shash_async_export")),
        (ch::import, super::stub!("shash_async_import")),
    ] {
        wr64(hash + f, s);
    }
    if super::shash::crypto_shash_alg_has_setkey(calg - sa::base) {
        wr64(hash + ch::setkey, super::stub!("shash_async_setkey"));
    }
    let need = tfm_flags(sh + csh::base) & CRYPTO_TFM_NEED_KEY;
    set_tfm_flags(tfm, tfm_flags(tfm) | need);
    wr32(hash + ch::reqsize, (sd::SIZE + rd32(sh + csh::descsize) as u64) as u32);
    0
}

/// `crypto_ahash_init_tfm(tfm)`: an shash algorithm through the
/// shash_async_* operations; a native ahash algorithm's own operations
/// (its `finup`, or `ahash_def_finup` = update then final), its setkey
/// (NEED_KEY unless the key is optional), `crypto_ahash_exit_tfm` when it
/// has an `exit_tfm`, then its `init_tfm`.
fn init_tfm(tfm: u64) -> i32 {
    let hash = tfm - ch::base;
    wr64(hash + ch::setkey, super::stub!("ahash_nosetkey"));
    let base = rd64(tfm + t::__crt_alg);
    if is_shash(base) {
        return init_shash_ops_async(tfm);
    }
    let alg = base - s::base;
    for (from, to) in [
        (s::init, ch::init),
        (s::update, ch::update),
        (s::r#final, ch::r#final),
        (s::digest, ch::digest),
        (s::export, ch::export),
        (s::import, ch::import),
    ] {
        wr64(hash + to, rd64(alg + from));
    }
    let finup = rd64(alg + s::finup);
    wr64(hash + ch::finup, if finup != 0 { finup } else { super::stub!("ahash_def_finup") });
    let setkey = rd64(alg + s::setkey);
    if setkey != 0 {
        wr64(hash + ch::setkey, setkey);
        if flags(base) & CRYPTO_ALG_OPTIONAL_KEY == 0 {
            set_tfm_flags(tfm, tfm_flags(tfm) | CRYPTO_TFM_NEED_KEY);
        }
    }
    if rd64(alg + s::exit_tfm) != 0 {
        wr64(tfm + t::exit, super::stub!("crypto_ahash_exit_tfm"));
    }
    match rd64(alg + s::init_tfm) {
        0 => 0,
        f => call(f, [hash, 0, 0, 0, 0, 0]),
    }
}

crate::kfn! {
    /// ahash.c's `crypto_ahash_exit_tfm(tfm)`: the algorithm's exit_tfm.
    fn crypto_ahash_exit_tfm(tfm: u64) {
        let alg = rd64(tfm + t::__crt_alg) - s::base;
        call(rd64(alg + s::exit_tfm), [tfm - ch::base, 0, 0, 0, 0, 0]);
    }
}

// ---- ahash_def_finup: update, then final, through the request's callback -----

const EINPROGRESS: i32 = -115;
const EBUSY: i32 = -16;
const CRYPTO_TFM_REQ_MAY_SLEEP: u32 = 0x200;

/// What `ahash_save_req` keeps of a request while `ahash_def_finup` runs
/// it through its own callbacks (Linux: `struct ahash_request_priv`,
/// kmalloc'd and hung on `req->priv`; the host keeps it beside, keyed by
/// the request): the caller's callback and data, and the caller's result
/// buffer when the request writes into an aligned bounce buffer instead.
struct SavedReq {
    complete: u64,
    data: u64,
    result: u64,
    bounce: u64,
}

fn saved() -> std::sync::MutexGuard<'static, std::collections::HashMap<u64, SavedReq>> {
    static M: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<u64, SavedReq>>> = std::sync::OnceLock::new();
    M.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

fn digestsize(hash: u64) -> u64 {
    let halg = rd64(hash + ch::base + t::__crt_alg) - crate::layout::hash_alg_common::base;
    rd32(halg + crate::layout::hash_alg_common::digestsize) as u64
}

/// `ahash_save_req(req, cplt)`: the caller's callback saved, `cplt`
/// installed with the request as its data; a result buffer the
/// algorithm's alignment mask does not allow is replaced by an aligned
/// bounce buffer (-ENOMEM when there is no memory for one).
fn save_req(req: u64, cplt: u64) -> i32 {
    let hash = reqtfm(req);
    let mask = rd32(rd64(hash + ch::base + t::__crt_alg) + ca::cra_alignmask) as u64;
    let result = rd64(req + ar::result);
    let mut bounce = 0;
    if result & mask != 0 {
        bounce = crate::drivers::base::kzalloc(digestsize(hash) + mask + 1);
        if bounce == 0 {
            return ENOMEM;
        }
        wr64(req + ar::result, (bounce + mask) & !mask);
    }
    let b = req + ar::base;
    saved().insert(req, SavedReq { complete: rd64(b + creq::complete), data: rd64(b + creq::data), result, bounce });
    wr64(req + ar::r#priv, req);
    wr64(b + creq::complete, cplt);
    wr64(b + creq::data, req);
    0
}

/// `ahash_restore_req(req, err)`: the caller's callback back; a bounced
/// result copied to the caller's buffer (on success) and freed.
fn restore_req(req: u64, err: i32) {
    let Some(p) = saved().remove(&req) else { return };
    let b = req + ar::base;
    wr64(b + creq::complete, p.complete);
    wr64(b + creq::data, p.data);
    wr64(req + ar::r#priv, 0);
    if p.bounce != 0 {
        if err == 0 {
            let n = digestsize(reqtfm(req)) as usize;
            let from = super::host::bytes(rd64(req + ar::result), n).to_vec();
            super::host::put(p.result, &from);
        }
        wr64(req + ar::result, p.result);
        crate::drivers::base::kfree(p.bounce);
    }
}

/// `ahash_notify_einprogress(req)`: the caller's callback told, with its
/// own data, that a backlogged request is now in progress.
fn notify_einprogress(req: u64) {
    let (complete, data) = match saved().get(&req) {
        Some(p) => (p.complete, p.data),
        None => return,
    };
    let oreq = crate::drivers::base::kzalloc(creq::SIZE);
    if oreq == 0 {
        return;
    }
    wr64(oreq + creq::data, data);
    call(complete, [oreq, EINPROGRESS as i64 as u64, 0, 0, 0, 0]);
    crate::drivers::base::kfree(oreq);
}

/// `ahash_def_finup_finish1(req, err)`: after the update, the final
/// (through `ahash_def_finup_done2` if it goes asynchronous).
fn def_finup_finish1(req: u64, err: i32) -> i32 {
    let mut err = err;
    if err == 0 {
        wr64(req + ar::base + creq::complete, super::stub!("ahash_def_finup_done2"));
        err = call(rd64(reqtfm(req) + ch::r#final), [req, 0, 0, 0, 0, 0]);
        if err == EINPROGRESS || err == EBUSY {
            return err;
        }
    }
    restore_req(req, err);
    err
}

crate::kfn! {
    /// ahash.c's `ahash_def_finup(req)`: the finup of an algorithm that
    /// has none — update, then final.
    fn ahash_def_finup(req: u64) -> i32 {
        let err = save_req(req, super::stub!("ahash_def_finup_done1"));
        if err != 0 {
            return err;
        }
        let err = call(rd64(reqtfm(req) + ch::update), [req, 0, 0, 0, 0, 0]);
        if err == EINPROGRESS || err == EBUSY {
            return err;
        }
        def_finup_finish1(req, err)
    }
}

crate::kfn! {
    /// ahash.c's `ahash_def_finup_done1(areq, err)`: the update completed
    /// asynchronously; the final follows (no longer allowed to sleep).
    fn ahash_def_finup_done1(areq: u64, err: i32) {
        let req = rd64(areq + creq::data);
        if err == EINPROGRESS {
            notify_einprogress(req);
            return;
        }
        let b = req + ar::base;
        wr32(b + creq::flags, rd32(b + creq::flags) & !CRYPTO_TFM_REQ_MAY_SLEEP);
        let err = def_finup_finish1(req, err);
        if err == EINPROGRESS || err == EBUSY {
            return;
        }
        call(rd64(b + creq::complete), [b, err as i64 as u64, 0, 0, 0, 0]);
    }
}

crate::kfn! {
    /// ahash.c's `ahash_def_finup_done2(areq, err)`: the final completed
    /// asynchronously; the caller's callback gets the result.
    fn ahash_def_finup_done2(areq: u64, err: i32) {
        if err == EINPROGRESS {
            return;
        }
        let req = rd64(areq + creq::data);
        restore_req(req, err);
        let b = req + ar::base;
        call(rd64(b + creq::complete), [b, err as i64 as u64, 0, 0, 0, 0]);
    }
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
        host_answers: |_| true,
    }
}

super::alloc_export!("crypto_alloc_ahash", 3, |name, a| alloc_tfm(name, &frontend(), a.arg(1) as u32, a.arg(2) as u32, -1));

/// `crypto_ahash_setkey(tfm, key, keylen)`: NEED_KEY set on failure (for
/// an algorithm that needs a key), cleared on success.
pub(crate) fn setkey(hash: u64, key: u64, keylen: u32) -> i32 {
    let err = call(rd64(hash + ch::setkey), [hash, key, keylen as u64, 0, 0, 0]);
    let b = hash + ch::base;
    if err != 0 {
        let alg = rd64(b + t::__crt_alg);
        if rd64(hash + ch::setkey) != super::stub!("ahash_nosetkey") && flags(alg) & CRYPTO_ALG_OPTIONAL_KEY == 0 {
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

/// Runs the request's operation at `op` of `struct crypto_ahash`
/// (`crypto_ahash_init`/`_update`/`_final`/`_digest` as the inlines and
/// exports call it): -ENOKEY for init and digest without a needed key.
pub(crate) fn request_op(req: u64, op: u64) -> i32 {
    let hash = reqtfm(req);
    if (op == ch::init || op == ch::digest) && tfm_flags(hash + ch::base) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    call(rd64(hash + op), [req, 0, 0, 0, 0, 0])
}

/// `struct ahash_instance { void (*free)(struct ahash_instance *); union {
/// struct { char head[offsetof(struct ahash_alg, halg.base)]; struct
/// crypto_instance base; } s; struct ahash_alg alg; }; }`: the algorithm
/// after `free`.
pub(crate) const INSTANCE_ALG: u64 = 8;

crate::kfn! {
    /// `ahash_register_instance(tmpl, inst)`: -EINVAL (and a WARN) without
    /// a `free`; ahash_prepare_alg, then crypto_register_instance.
    fn ahash_register_instance(tmpl: u64, inst: u64) -> i32 {
        if rd64(inst) == 0 {
            // (the WARN_ON of v6.1's ahash.c; line number approximate)
            super::algapi::warn("crypto/ahash.c", 655, "ahash_register_instance", "");
            return EINVAL;
        }
        let err = prepare(inst + INSTANCE_ALG);
        if err != 0 {
            return err;
        }
        super::algapi::register_instance(tmpl, inst + INSTANCE_ALG + s::base)
    }
}

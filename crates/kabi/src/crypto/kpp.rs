//! crypto/kpp.c: key-agreement protocol primitives — registration, the
//! `/proc/crypto` line, tfm allocation (`crypto_alloc_kpp`) and the
//! operations of include/crypto/kpp.h's inline request API as the host's
//! own callers (user.rs, testmgr.rs) use them: a module calls the
//! algorithm's `set_secret`, `generate_public_key`,
//! `compute_shared_secret` and `max_size` directly, as Linux's inline
//! functions do (CONFIG_CRYPTO_STATS is off in Debian's build).
//!
//! No module of Debian's uses `crypto_grab_kpp`, `crypto_has_kpp` or
//! `kpp_register_instance` (no kpp template exists in 6.1): they stay
//! trapped.

use crate::drivers::base::{rd32, rd64, wr64};
use crate::layout::{crypto_kpp as ck, crypto_tfm as t, kpp_alg as s};

use super::api::*;
use super::skcipher::call;
use super::types::Type;

/// `kpp_prepare_alg(alg)`: the type.
fn prepare(alg: u64) -> i32 {
    Type::Kpp.prepare(alg + s::base);
    0
}

super::typed_registration!(
    kpp_alg,
    prepare,
    "crypto_register_kpp",
    "crypto_unregister_kpp"
);

/// `crypto_kpp_show`.
pub(crate) fn show(_alg: u64, out: &mut String) {
    out.push_str("type         : kpp\n");
}

// ---- transforms ------------------------------------------------------------

/// `crypto_kpp_alg(tfm)`.
pub(crate) fn alg_of(kpp: u64) -> u64 {
    rd64(kpp + ck::base + t::__crt_alg).wrapping_sub(s::base)
}

crate::kfn! {
    /// kpp.c's `crypto_kpp_exit_tfm(tfm)`: the algorithm's `exit`.
    fn crypto_kpp_exit_tfm(tfm: u64) {
        let kpp = tfm - ck::base;
        let exit = rd64(alg_of(kpp) + s::exit);
        if exit != 0 {
            crate::fault::call_module(exit, [kpp, 0, 0, 0, 0, 0]);
        }
    }
}

/// `crypto_kpp_init_tfm(tfm)`: the exit hook when the algorithm has an
/// `exit`; the algorithm's `init`.
fn init_tfm(tfm: u64) -> i32 {
    let kpp = tfm - ck::base;
    let alg = alg_of(kpp);
    if rd64(alg + s::exit) != 0 {
        wr64(tfm + t::exit, super::stub!("crypto_kpp_exit_tfm"));
    }
    let init = rd64(alg + s::init);
    if init != 0 {
        return call(init, [kpp, 0, 0, 0, 0, 0]);
    }
    0
}

/// `crypto_kpp_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_KPP,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: ck::base,
        extsize: alg_extsize,
        init_tfm,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_kpp(name, type, mask)`; None when the host cannot answer
/// the lookup.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    alloc_tfm(name, &frontend(), ty, mask, -1)
}

super::alloc_export!("crypto_alloc_kpp", 3, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32));

/// `crypto_kpp_reqsize(tfm)`: the algorithm's request context size.
pub(crate) fn reqsize(kpp: u64) -> u32 {
    rd32(alg_of(kpp) + s::reqsize)
}

/// `crypto_kpp_set_secret(tfm, buffer, len)`.
pub(crate) fn set_secret(kpp: u64, buf: u64, len: u32) -> i32 {
    call(rd64(alg_of(kpp) + s::set_secret), [kpp, buf, len as u64, 0, 0, 0])
}

/// `crypto_kpp_generate_public_key(req)`.
pub(crate) fn generate_public_key(req: u64) -> i32 {
    let kpp = rd64(req + crate::layout::kpp_request::base + crate::layout::crypto_async_request::tfm) - ck::base;
    call(rd64(alg_of(kpp) + s::generate_public_key), [req, 0, 0, 0, 0, 0])
}

/// `crypto_kpp_compute_shared_secret(req)`.
pub(crate) fn compute_shared_secret(req: u64) -> i32 {
    let kpp = rd64(req + crate::layout::kpp_request::base + crate::layout::crypto_async_request::tfm) - ck::base;
    call(rd64(alg_of(kpp) + s::compute_shared_secret), [req, 0, 0, 0, 0, 0])
}

/// `crypto_kpp_maxsize(tfm)`; None when the algorithm's code did not
/// return.
pub(crate) fn max_size(kpp: u64) -> Option<u32> {
    crate::fault::call_module(rd64(alg_of(kpp) + s::max_size), [kpp, 0, 0, 0, 0, 0]).map(|r| r as u32)
}

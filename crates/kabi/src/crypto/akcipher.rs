//! crypto/akcipher.c: asymmetric ciphers — registration (with the
//! default operations for what an algorithm leaves NULL), the
//! `/proc/crypto` line, tfm allocation (`crypto_alloc_akcipher`), spawns
//! and instances (`crypto_grab_akcipher`, `akcipher_register_instance`,
//! `crypto_akcipher_type`'s free) and the operations of
//! include/crypto/akcipher.h's inline request API as the host's own
//! callers (user.rs, testmgr.rs, the pkcs1pad template) use them: a module
//! calls the algorithm's `encrypt`, `decrypt`, `sign`, `verify`,
//! `set_pub_key`, `set_priv_key` and `max_size` directly, as Linux's
//! inline functions do (CONFIG_CRYPTO_STATS is off in Debian's build).
//!
//! 6.1's request: `src`/`src_len` the input, `dst`/`dst_len` the output
//! buffer (the operation sets `dst_len` to the output's length); for
//! `verify` the source holds the signature (`src_len` bytes) followed by
//! the digest (`dst_len` bytes) and `dst` is NULL.

use crate::drivers::base::{rd32, rd64, wr64};
use crate::layout::{
    akcipher_alg as s, akcipher_instance as ai, akcipher_request as ar, crypto_akcipher as ck,
    crypto_async_request as creq, crypto_instance as ci, crypto_tfm as t,
};

use super::algapi::caller;
use super::api::*;
use super::skcipher::call;
use super::types::Type;

crate::kfn! {
    /// akcipher.c's `akcipher_default_op`: -ENOSYS.
    fn akcipher_default_op(_req: u64) -> i32 {
        ENOSYS
    }
}

crate::kfn! {
    /// akcipher.c's `akcipher_default_set_key`: -ENOSYS.
    fn akcipher_default_set_key(_tfm: u64, _key: u64, _keylen: u32) -> i32 {
        ENOSYS
    }
}

/// `akcipher_prepare_alg`: the type.
fn prepare_alg(alg: u64) {
    Type::Akcipher.prepare(alg + s::base);
}

/// `crypto_register_akcipher`'s defaults (sign, verify, encrypt, decrypt:
/// -ENOSYS; set_priv_key: -ENOSYS) and `akcipher_prepare_alg`.
fn prepare(alg: u64) -> i32 {
    for f in [s::sign, s::verify, s::encrypt, s::decrypt] {
        if rd64(alg + f) == 0 {
            wr64(alg + f, super::stub!("akcipher_default_op"));
        }
    }
    if rd64(alg + s::set_priv_key) == 0 {
        wr64(alg + s::set_priv_key, super::stub!("akcipher_default_set_key"));
    }
    prepare_alg(alg);
    0
}

super::typed_registration!(
    akcipher_alg,
    prepare,
    "crypto_register_akcipher",
    "crypto_unregister_akcipher"
);

/// `crypto_akcipher_show`.
pub(crate) fn show(_alg: u64, out: &mut String) {
    out.push_str("type         : akcipher\n");
}

// ---- transforms ------------------------------------------------------------

/// `crypto_akcipher_alg(tfm)`.
pub(crate) fn alg_of(tfm: u64) -> u64 {
    rd64(tfm + ck::base + t::__crt_alg).wrapping_sub(s::base)
}

/// `akcipher_tfm_ctx(tfm)`.
pub(crate) fn tfm_ctx(tfm: u64) -> u64 {
    tfm + ck::base + t::__crt_ctx
}

crate::kfn! {
    /// akcipher.c's `crypto_akcipher_exit_tfm(tfm)`: the algorithm's `exit`.
    fn crypto_akcipher_exit_tfm(tfm: u64) {
        let ak = tfm - ck::base;
        let exit = rd64(alg_of(ak) + s::exit);
        if exit != 0 {
            crate::fault::call_module(exit, [ak, 0, 0, 0, 0, 0]);
        }
    }
}

/// `crypto_akcipher_init_tfm(tfm)`: the exit hook when the algorithm has
/// an `exit`; the algorithm's `init`.
fn init_tfm(tfm: u64) -> i32 {
    let ak = tfm - ck::base;
    let alg = alg_of(ak);
    if rd64(alg + s::exit) != 0 {
        wr64(tfm + t::exit, super::stub!("crypto_akcipher_exit_tfm"));
    }
    let init = rd64(alg + s::init);
    if init != 0 {
        return call(init, [ak, 0, 0, 0, 0, 0]);
    }
    0
}

/// `crypto_akcipher_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_AKCIPHER,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: ck::base,
        extsize: alg_extsize,
        init_tfm,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_akcipher(name, type, mask)`; None when the host cannot
/// answer the lookup.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    alloc_tfm(name, &frontend(), ty, mask, -1)
}

super::alloc_export!("crypto_alloc_akcipher", 3, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32));

/// `crypto_free_akcipher(tfm)`.
pub(crate) fn free(tfm: u64) {
    crypto_destroy_tfm(tfm, tfm + ck::base);
}

/// `crypto_akcipher_reqsize(tfm)`: the algorithm's request context size.
pub(crate) fn reqsize(tfm: u64) -> u32 {
    rd32(alg_of(tfm) + s::reqsize)
}

/// `crypto_akcipher_reqtfm(req)`.
pub(crate) fn reqtfm(req: u64) -> u64 {
    rd64(req + ar::base + creq::tfm) - ck::base
}

/// `crypto_akcipher_set_pub_key(tfm, key, keylen)`.
pub(crate) fn set_pub_key(tfm: u64, key: u64, keylen: u32) -> i32 {
    call(rd64(alg_of(tfm) + s::set_pub_key), [tfm, key, keylen as u64, 0, 0, 0])
}

/// `crypto_akcipher_set_priv_key(tfm, key, keylen)`.
pub(crate) fn set_priv_key(tfm: u64, key: u64, keylen: u32) -> i32 {
    call(rd64(alg_of(tfm) + s::set_priv_key), [tfm, key, keylen as u64, 0, 0, 0])
}

/// `crypto_akcipher_maxsize(tfm)`; None when the algorithm's code did
/// not return.
pub(crate) fn max_size(tfm: u64) -> Option<u32> {
    crate::fault::call_module(rd64(alg_of(tfm) + s::max_size), [tfm, 0, 0, 0, 0, 0]).map(|r| r as u32)
}

/// The request operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Encrypt,
    Decrypt,
    Sign,
    Verify,
}

impl Op {
    fn field(self) -> u64 {
        match self {
            Op::Encrypt => s::encrypt,
            Op::Decrypt => s::decrypt,
            Op::Sign => s::sign,
            Op::Verify => s::verify,
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Encrypt => "encrypt",
            Op::Decrypt => "decrypt",
            Op::Sign => "sign",
            Op::Verify => "verify",
        }
    }
}

/// `crypto_akcipher_{encrypt,decrypt,sign,verify}(req)`.
pub(crate) fn run(req: u64, op: Op) -> i32 {
    call(rd64(alg_of(reqtfm(req)) + op.field()), [req, 0, 0, 0, 0, 0])
}

// ---- spawns and instances -------------------------------------------------

/// `akcipher_crypto_instance(inst)`.
pub(crate) fn crypto_instance_of(inst: u64) -> u64 {
    inst + ai::alg + s::base
}

/// `akcipher_instance_ctx(inst)`: the context after the crypto_instance.
pub(crate) fn instance_ctx(inst: u64) -> u64 {
    crypto_instance_of(inst) + ci::SIZE
}

/// `akcipher_alg_instance(tfm)`.
pub(crate) fn alg_instance(tfm: u64) -> u64 {
    alg_of(tfm) - ai::alg
}

/// `crypto_grab_akcipher(spawn, inst, name, type, mask)` for a caller
/// (module code, or a template of vmlinux's).
pub(crate) fn grab(spawn: u64, inst: u64, name: u64, ty: u32, mask: u32, caller: (u64, u64)) -> i32 {
    wr64(spawn + crate::layout::crypto_spawn::frontend, Type::Akcipher.addr());
    super::algapi::grab_spawn(spawn, inst, name, ty, mask, caller)
}

extern "C" fn crypto_grab_akcipher_v(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 5) };
    grab(a.arg(0), a.arg(1), a.arg(2), a.arg(3) as u32, a.arg(4) as u32, caller(stack))
}
crate::export_variadic!("crypto_grab_akcipher" => crypto_grab_akcipher_v);

crate::kfn! {
    /// `akcipher_register_instance(tmpl, inst)`: -EINVAL (with a warning)
    /// without a `free`; akcipher_prepare_alg, then
    /// crypto_register_instance.
    fn akcipher_register_instance(tmpl: u64, inst: u64) -> i32 {
        if rd64(inst + ai::free) == 0 {
            super::algapi::warn("crypto/akcipher.c", 150, "akcipher_register_instance", "");
            return EINVAL;
        }
        prepare_alg(inst + ai::alg);
        super::algapi::register_instance(tmpl, crypto_instance_of(inst))
    }
}

/// `crypto_akcipher_free_instance(inst)` for the algorithm of a
/// registered instance: (the `akcipher_instance`, its `free`).
pub(crate) fn instance_free(alg: u64) -> (u64, u64) {
    let i = alg - s::base - ai::alg;
    (rd64(i + ai::free), i)
}

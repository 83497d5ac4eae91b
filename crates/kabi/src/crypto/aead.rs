//! crypto/aead.c: authenticated encryption — registration
//! (`aead_prepare_alg`) and the `/proc/crypto` lines.

use crate::drivers::base::{rd32, wr32};
use crate::layout::{aead_alg as s, crypto_alg as ca};

use super::api::*;
use super::types::Type;

/// `aead_prepare_alg(alg)`: the largest of maxauthsize, ivsize and
/// chunksize at most PAGE_SIZE / 8 (else -EINVAL); chunksize defaults to
/// the block size; the type.
fn prepare(alg: u64) -> i32 {
    let m = rd32(alg + s::maxauthsize)
        .max(rd32(alg + s::ivsize))
        .max(rd32(alg + s::chunksize));
    if m > 4096 / 8 {
        return EINVAL;
    }
    if rd32(alg + s::chunksize) == 0 {
        wr32(alg + s::chunksize, rd32(alg + s::base + ca::cra_blocksize));
    }
    Type::Aead.prepare(alg + s::base);
    0
}

super::typed_registration!(
    aead_alg,
    prepare,
    "crypto_register_aead",
    "crypto_register_aeads",
    "crypto_unregister_aead",
    "crypto_unregister_aeads"
);

/// `crypto_aead_show`.
pub(crate) fn show(alg: u64, out: &mut String) {
    use std::fmt::Write;
    let a = alg - s::base;
    let _ = writeln!(out, "type         : aead");
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
    let _ = writeln!(out, "ivsize       : {}", rd32(a + s::ivsize));
    let _ = writeln!(out, "maxauthsize  : {}", rd32(a + s::maxauthsize));
    let _ = writeln!(out, "geniv        : <none>");
}

// ---- transforms ------------------------------------------------------------

use crate::drivers::base::{rd64, wr64};
use crate::layout::{aead_request as ar, crypto_aead as cae, crypto_async_request as creq, crypto_tfm as t};

use super::api::{alg_extsize, alloc_tfm, Frontend};
use super::skcipher::{call, set_tfm_flags, tfm_flags, AlignedCopy, CRYPTO_TFM_NEED_KEY, ENOKEY};

/// `crypto_aead_alg(tfm)`.
pub(crate) fn alg_of(tfm: u64) -> u64 {
    rd64(tfm + cae::base + t::__crt_alg).wrapping_sub(s::base)
}

crate::kfn! {
    /// aead.c's `crypto_aead_exit_tfm(tfm)`: the algorithm's `exit`.
    fn crypto_aead_exit_tfm(tfm: u64) {
        let a = tfm - cae::base;
        let exit = rd64(alg_of(a) + s::exit);
        if exit != 0 {
            crate::fault::call_module(exit, [a, 0, 0, 0, 0, 0]);
        }
    }
}

/// `crypto_aead_init_tfm(tfm)`: NEED_KEY; the tag size at its maximum;
/// the exit hook; the algorithm's `init`.
fn init_tfm(tfm: u64) -> i32 {
    let a = tfm - cae::base;
    let alg = alg_of(a);
    set_tfm_flags(tfm, tfm_flags(tfm) | CRYPTO_TFM_NEED_KEY);
    wr32(a + cae::authsize, rd32(alg + s::maxauthsize));
    if rd64(alg + s::exit) != 0 {
        wr64(tfm + t::exit, super::stub!("crypto_aead_exit_tfm"));
    }
    let init = rd64(alg + s::init);
    if init != 0 {
        return call(init, [a, 0, 0, 0, 0, 0]);
    }
    0
}

/// `crypto_aead_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_AEAD,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: cae::base,
        extsize: alg_extsize,
        init_tfm,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_aead(name, type, mask)`; None when the host cannot
/// answer the lookup.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    alloc_tfm(name, &frontend(), ty, mask, -1)
}

super::alloc_export!("crypto_alloc_aead", 3, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32));

/// `crypto_aead_setkey(tfm, key, keylen)`: a misaligned key through an
/// aligned copy; NEED_KEY set on failure, cleared on success.
pub(crate) fn setkey(a: u64, key: u64, keylen: u32) -> i32 {
    let alg = alg_of(a);
    let am = rd32(alg + s::base + ca::cra_alignmask) as u64;
    let f = rd64(alg + s::setkey);
    let err = if key & am != 0 {
        let c = AlignedCopy::new(key, keylen as usize, am);
        call(f, [a, c.addr(), keylen as u64, 0, 0, 0])
    } else {
        call(f, [a, key, keylen as u64, 0, 0, 0])
    };
    let b = a + cae::base;
    if err != 0 {
        set_tfm_flags(b, tfm_flags(b) | CRYPTO_TFM_NEED_KEY);
        return err;
    }
    set_tfm_flags(b, tfm_flags(b) & !CRYPTO_TFM_NEED_KEY);
    0
}

crate::kfn! {
    /// `crypto_aead_setkey(tfm, key, keylen)`.
    fn crypto_aead_setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
        setkey(tfm, key, keylen)
    }
}

/// `crypto_aead_setauthsize(tfm, authsize)`: at most maxauthsize, and
/// what the algorithm's `setauthsize` accepts.
pub(crate) fn setauthsize(a: u64, authsize: u32) -> i32 {
    let alg = alg_of(a);
    if authsize > rd32(alg + s::maxauthsize) {
        return EINVAL;
    }
    let f = rd64(alg + s::setauthsize);
    if f != 0 {
        let err = call(f, [a, authsize as u64, 0, 0, 0, 0]);
        if err != 0 {
            return err;
        }
    }
    wr32(a + cae::authsize, authsize);
    0
}

crate::kfn! {
    /// `crypto_aead_setauthsize(tfm, authsize)`.
    fn crypto_aead_setauthsize(tfm: u64, authsize: u32) -> i32 {
        setauthsize(tfm, authsize)
    }
}

/// `crypto_aead_encrypt(req)` / `_decrypt`: -ENOKEY without a key; a
/// decryption shorter than the tag is -EINVAL.
pub(crate) fn crypt(req: u64, enc: bool) -> i32 {
    let a = rd64(req + ar::base + creq::tfm) - cae::base;
    if tfm_flags(a + cae::base) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    if !enc && rd32(req + ar::cryptlen) < rd32(a + cae::authsize) {
        return EINVAL;
    }
    let alg = alg_of(a);
    call(
        rd64(alg + if enc { s::encrypt } else { s::decrypt }),
        [req, 0, 0, 0, 0, 0],
    )
}

crate::kfn! {
    /// `crypto_aead_encrypt(req)`.
    fn crypto_aead_encrypt(req: u64) -> i32 {
        crypt(req, true)
    }
}

crate::kfn! {
    /// `crypto_aead_decrypt(req)`.
    fn crypto_aead_decrypt(req: u64) -> i32 {
        crypt(req, false)
    }
}

crate::kfn! {
    /// `aead_register_instance(tmpl, inst)`: -EINVAL without a `free`;
    /// aead_prepare_alg, then crypto_register_instance.
    fn aead_register_instance(tmpl: u64, inst: u64) -> i32 {
        use crate::layout::aead_instance as ai;
        if rd64(inst + ai::free) == 0 {
            super::algapi::warn("crypto/aead.c", 290, "aead_register_instance", "");
            return EINVAL;
        }
        let err = prepare(inst + ai::alg);
        if err != 0 {
            return err;
        }
        super::algapi::register_instance(tmpl, inst + ai::alg + s::base)
    }
}

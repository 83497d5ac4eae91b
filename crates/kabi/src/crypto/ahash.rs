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

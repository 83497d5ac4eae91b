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

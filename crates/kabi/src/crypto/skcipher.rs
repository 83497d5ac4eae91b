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

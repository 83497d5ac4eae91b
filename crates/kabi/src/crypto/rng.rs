//! crypto/rng.c: random number generators — registration and the
//! `/proc/crypto` lines.

use crate::drivers::base::rd32;
use crate::layout::rng_alg as s;

use super::api::*;
use super::types::Type;

/// `crypto_register_rng`'s check: seedsize at most PAGE_SIZE / 8 (else
/// -EINVAL); the type.
fn prepare(alg: u64) -> i32 {
    if rd32(alg + s::seedsize) > 4096 / 8 {
        return EINVAL;
    }
    Type::Rng.prepare(alg + s::base);
    0
}

super::typed_registration!(
    rng_alg,
    prepare,
    "crypto_register_rng",
    "crypto_register_rngs",
    "crypto_unregister_rng",
    "crypto_unregister_rngs"
);

/// `crypto_rng_show`.
pub(crate) fn show(alg: u64, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(out, "type         : rng");
    let _ = writeln!(out, "seedsize     : {}", rd32(alg - s::base + s::seedsize));
}

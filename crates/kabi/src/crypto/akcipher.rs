//! crypto/akcipher.c: asymmetric ciphers — registration (with the
//! default operations for what an algorithm leaves NULL) and the
//! `/proc/crypto` line.

use crate::drivers::base::{rd64, wr64};
use crate::layout::akcipher_alg as s;

use super::api::*;
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

fn stub(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

/// `crypto_register_akcipher`'s defaults (sign, verify, encrypt, decrypt:
/// -ENOSYS; set_priv_key: -ENOSYS) and `akcipher_prepare_alg`.
fn prepare(alg: u64) -> i32 {
    for f in [s::sign, s::verify, s::encrypt, s::decrypt] {
        if rd64(alg + f) == 0 {
            wr64(alg + f, stub("akcipher_default_op"));
        }
    }
    if rd64(alg + s::set_priv_key) == 0 {
        wr64(alg + s::set_priv_key, stub("akcipher_default_set_key"));
    }
    Type::Akcipher.prepare(alg + s::base);
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

//! crypto/kpp.c: key-agreement protocol primitives — registration and the
//! `/proc/crypto` line.

use super::types::Type;

/// `kpp_prepare_alg(alg)`: the type.
fn prepare(alg: u64) -> i32 {
    Type::Kpp.prepare(alg + crate::layout::kpp_alg::base);
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

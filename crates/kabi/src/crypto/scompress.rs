//! crypto/scompress.c and acompress.c: synchronous and asynchronous
//! compression — registration and the `/proc/crypto` lines.

use super::types::Type;

fn prepare_scomp(alg: u64) -> i32 {
    Type::Scomp.prepare(alg + crate::layout::scomp_alg::base);
    0
}

fn prepare_acomp(alg: u64) -> i32 {
    Type::Acomp.prepare(alg + crate::layout::acomp_alg::base);
    0
}

mod scomp {
    super::super::typed_registration!(
        scomp_alg,
        super::prepare_scomp,
        "crypto_register_scomp",
        "crypto_register_scomps",
        "crypto_unregister_scomp",
        "crypto_unregister_scomps"
    );
}

mod acomp {
    super::super::typed_registration!(
        acomp_alg,
        super::prepare_acomp,
        "crypto_register_acomp",
        "crypto_register_acomps",
        "crypto_unregister_acomp",
        "crypto_unregister_acomps"
    );
}

/// `crypto_scomp_show`.
pub(crate) fn show_scomp(_alg: u64, out: &mut String) {
    out.push_str("type         : scomp\n");
}

/// `crypto_acomp_show`.
pub(crate) fn show_acomp(_alg: u64, out: &mut String) {
    out.push_str("type         : acomp\n");
}

//! crypto/proc.c: `/proc/crypto`, one block per entry of
//! `crypto_alg_list` in list order: name, driver, module ("kernel" for
//! none), priority, refcnt, selftest (passed with CRYPTO_ALG_TESTED,
//! else unknown), internal, then the type's lines (its `show`, or for a
//! bare cipher/compression algorithm proc.c's own), and a blank line.

use std::fmt::Write;

use crate::drivers::base::rd32;
use crate::layout::crypto_alg as ca;

use super::api::*;
use super::types::Type;

/// Creates `/proc/crypto` (at boot, as `crypto_init_proc`).
pub(crate) fn init() {
    crate::fs::kernfs::add_file("/proc/crypto", || render().into_bytes());
}

/// One algorithm's block.
fn show(alg: u64, out: &mut String) {
    let f = flags(alg);
    let module = crate::drivers::base::module_name(module(alg)).unwrap_or_else(|| "kernel".into());
    let _ = writeln!(
        out,
        "name         : {}",
        String::from_utf8_lossy(&name(alg))
    );
    let _ = writeln!(
        out,
        "driver       : {}",
        String::from_utf8_lossy(&driver_name(alg))
    );
    let _ = writeln!(out, "module       : {module}");
    let _ = writeln!(out, "priority     : {}", priority(alg));
    let _ = writeln!(out, "refcnt       : {}", refcount_read(alg));
    let _ = writeln!(
        out,
        "selftest     : {}",
        if f & CRYPTO_ALG_TESTED != 0 {
            "passed"
        } else {
            "unknown"
        }
    );
    let _ = writeln!(
        out,
        "internal     : {}",
        if f & CRYPTO_ALG_INTERNAL != 0 {
            "yes"
        } else {
            "no"
        }
    );
    if f & CRYPTO_ALG_LARVAL != 0 {
        let _ = writeln!(out, "type         : larval");
        let _ = writeln!(out, "flags        : 0x{f:x}");
    } else if let Some(ty) = Type::of(cra_type(alg)) {
        match ty {
            Type::Shash => super::shash::show(alg, out),
            Type::Ahash => super::ahash::show(alg, out),
            Type::Skcipher => super::skcipher::show(alg, out),
            Type::Aead => super::aead::show(alg, out),
            Type::Kpp => super::kpp::show(alg, out),
            Type::Rng => super::rng::show(alg, out),
            Type::Akcipher => super::akcipher::show(alg, out),
            Type::Scomp => super::scompress::show_scomp(alg, out),
            Type::Acomp => super::scompress::show_acomp(alg, out),
        }
    } else if cra_type(alg) != 0 {
        // a type the host does not know has no show here
    } else {
        match f & CRYPTO_ALG_TYPE_MASK {
            CRYPTO_ALG_TYPE_CIPHER => {
                let _ = writeln!(out, "type         : cipher");
                let _ = writeln!(out, "blocksize    : {}", rd32(alg + ca::cra_blocksize));
                let _ = writeln!(out, "min keysize  : {}", rd32(alg + ca::cia_min_keysize));
                let _ = writeln!(out, "max keysize  : {}", rd32(alg + ca::cia_max_keysize));
            }
            CRYPTO_ALG_TYPE_COMPRESS => {
                let _ = writeln!(out, "type         : compression");
            }
            _ => {
                let _ = writeln!(out, "type         : unknown");
            }
        }
    }
    out.push('\n');
}

/// The file's contents.
pub(crate) fn render() -> String {
    let _g = alg_sem();
    let mut out = String::new();
    for alg in algs() {
        show(alg, &mut out);
    }
    out
}

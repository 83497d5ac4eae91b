//! The algorithm types' `struct crypto_type` objects (crypto/shash.c's
//! `crypto_shash_type`, skcipher.c's `crypto_skcipher_type`, ...): static
//! objects of vmlinux that registration stores in `cra_type`. The host
//! keeps them in its data area with Linux's `type`, `maskclear` and
//! `maskset`; what the frontends do with an algorithm of the type (its
//! `/proc/crypto` lines, ...) is the host's code, found from the pointer.
//! The tfm operations (`init_tfm`, `extsize`, `tfmsize`, `free`) are
//! issue 10's and stay NULL until then.

use crate::drivers::base::wr32;
use crate::layout::crypto_type as t;

use super::api::*;

/// One algorithm type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Type {
    Shash,
    Ahash,
    Skcipher,
    Aead,
    Kpp,
    Rng,
    Akcipher,
    Scomp,
    Acomp,
}

impl Type {
    pub(crate) const ALL: [Type; 9] = [
        Type::Shash,
        Type::Ahash,
        Type::Skcipher,
        Type::Aead,
        Type::Kpp,
        Type::Rng,
        Type::Akcipher,
        Type::Scomp,
        Type::Acomp,
    ];

    /// The name of Linux's static object.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Type::Shash => "crypto_shash_type",
            Type::Ahash => "crypto_ahash_type",
            Type::Skcipher => "crypto_skcipher_type",
            Type::Aead => "crypto_aead_type",
            Type::Kpp => "crypto_kpp_type",
            Type::Rng => "crypto_rng_type",
            Type::Akcipher => "crypto_akcipher_type",
            Type::Scomp => "crypto_scomp_type",
            Type::Acomp => "crypto_acomp_type",
        }
    }

    /// `.type`, `.maskclear`, `.maskset`.
    fn masks(self) -> (u32, u32, u32) {
        let clear = !CRYPTO_ALG_TYPE_MASK;
        match self {
            Type::Shash => (CRYPTO_ALG_TYPE_SHASH, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Ahash => (CRYPTO_ALG_TYPE_AHASH, clear, CRYPTO_ALG_TYPE_AHASH_MASK),
            Type::Skcipher => (CRYPTO_ALG_TYPE_SKCIPHER, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Aead => (CRYPTO_ALG_TYPE_AEAD, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Kpp => (CRYPTO_ALG_TYPE_KPP, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Rng => (CRYPTO_ALG_TYPE_RNG, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Akcipher => (CRYPTO_ALG_TYPE_AKCIPHER, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Scomp => (CRYPTO_ALG_TYPE_SCOMPRESS, clear, CRYPTO_ALG_TYPE_MASK),
            Type::Acomp => (
                CRYPTO_ALG_TYPE_ACOMPRESS,
                clear,
                CRYPTO_ALG_TYPE_ACOMPRESS_MASK,
            ),
        }
    }

    /// The address of the type's object.
    pub(crate) fn addr(self) -> u64 {
        static ADDRS: std::sync::OnceLock<[u64; 9]> = std::sync::OnceLock::new();
        let a = ADDRS.get_or_init(|| {
            let v = crate::vmlinux::get();
            Type::ALL.map(|ty| v.and_then(|v| v.symbol(ty.symbol())).unwrap_or(0))
        });
        a[self as usize]
    }

    /// The type whose object `cra_type` points at.
    pub(crate) fn of(cra_type: u64) -> Option<Type> {
        if cra_type == 0 {
            return None;
        }
        Type::ALL.into_iter().find(|ty| ty.addr() == cra_type)
    }

    /// `<type>_prepare_alg`'s common part: `cra_type` and the type bits
    /// of `cra_flags`.
    pub(crate) fn prepare(self, alg: u64) {
        crate::drivers::base::wr64(alg + crate::layout::crypto_alg::cra_type, self.addr());
        set_flags(alg, (flags(alg) & !CRYPTO_ALG_TYPE_MASK) | self.masks().0);
    }
}

fn init_type(addr: u64, ty: Type) {
    let (ty_, clear, set) = ty.masks();
    wr32(addr + t::r#type, ty_);
    wr32(addr + t::maskclear, clear);
    wr32(addr + t::maskset, set);
}

macro_rules! type_object {
    ($sym:literal, $ty:expr, $init:ident) => {
        fn $init(addr: u64, _b: &crate::vmlinux::Builder) {
            init_type(addr, $ty);
        }
        crate::export_data!($sym, size t::SIZE, align 8, init = $init);
    };
}

type_object!("crypto_shash_type", Type::Shash, init_shash);
type_object!("crypto_ahash_type", Type::Ahash, init_ahash);
type_object!("crypto_skcipher_type", Type::Skcipher, init_skcipher);
type_object!("crypto_aead_type", Type::Aead, init_aead);
type_object!("crypto_kpp_type", Type::Kpp, init_kpp);
type_object!("crypto_rng_type", Type::Rng, init_rng);
type_object!("crypto_akcipher_type", Type::Akcipher, init_akcipher);
type_object!("crypto_scomp_type", Type::Scomp, init_scomp);
type_object!("crypto_acomp_type", Type::Acomp, init_acomp);

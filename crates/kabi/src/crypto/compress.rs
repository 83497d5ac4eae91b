//! crypto/compress.c: the legacy compression type (`struct crypto_comp`,
//! a bare `struct crypto_tfm` of an algorithm with no `cra_type` whose
//! flags say CRYPTO_ALG_TYPE_COMPRESS, its `struct compress_alg` in
//! `cra_u`). `crypto_alloc_comp` is an inline over `crypto_alloc_base`
//! with the COMPRESS type bits ([`super::cipher::alloc_base`]); the two
//! operations call the algorithm's `coa_compress`/`coa_decompress`.

use crate::drivers::base::rd64;
use crate::layout::{crypto_alg as ca, crypto_tfm as t};

use super::api::*;

/// `crypto_alloc_comp(name, type, mask)`.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    super::cipher::alloc_base(
        name,
        (ty & !CRYPTO_ALG_TYPE_MASK) | CRYPTO_ALG_TYPE_COMPRESS,
        mask | CRYPTO_ALG_TYPE_MASK,
    )
}

fn op(tfm: u64, which: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
    let alg = rd64(tfm + t::__crt_alg);
    super::skcipher::call(rd64(alg + which), [tfm, src, slen as u64, dst, dlen, 0])
}

crate::kfn! {
    /// `crypto_comp_compress(tfm, src, slen, dst, dlen)`.
    fn crypto_comp_compress(tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
        op(tfm, ca::coa_compress, src, slen, dst, dlen)
    }
}

crate::kfn! {
    /// `crypto_comp_decompress(tfm, src, slen, dst, dlen)`.
    fn crypto_comp_decompress(tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
        op(tfm, ca::coa_decompress, src, slen, dst, dlen)
    }
}

//! crypto/cipher.c: single-block ciphers (`struct cipher_alg` in
//! `cra_u.cipher`, no `cra_type`): `crypto_alloc_base` for them, the key
//! and the one-block operations with their alignment fixups.

use crate::drivers::base::{rd32, rd64};
use crate::layout::{crypto_alg as ca, crypto_tfm as t};

use super::api::*;
use super::skcipher::{call, AlignedCopy};

/// `crypto_alloc_base(name, type, mask)` for the single-block ciphers'
/// frontend (no `cra_type`: the tfm is the bare `struct crypto_tfm`).
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: 0,
        maskclear: !0,
        maskset: 0,
        tfmsize: 0,
        extsize: alg_extsize,
        init_tfm: |_| 0,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_cipher(name, type, mask)` (an inline over
/// `crypto_alloc_base` with the CIPHER type bits).
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    alloc_base(
        name,
        (ty & !CRYPTO_ALG_TYPE_MASK) | CRYPTO_ALG_TYPE_CIPHER,
        mask | CRYPTO_ALG_TYPE_MASK,
    )
}

/// `crypto_alloc_base(name, type, mask)`: the algorithm by lookup, then
/// `__crypto_alloc_tfm`. Only algorithms without a `cra_type` (the
/// single-block ciphers and compressors) are allocated here; for a typed
/// one Linux would call its type's `init`, which the host does not give.
pub(crate) fn alloc_base(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    loop {
        let err = match alg_mod_lookup(name, ty, mask) {
            Found::Unknown => return None,
            Found::Err(e) => e,
            Found::Alg(alg) => {
                if cra_type(alg) != 0 {
                    crypto_mod_put(alg);
                    return None;
                }
                match create_tfm(alg, &frontend(), -1) {
                    Ok(mem) => return Some(mem),
                    Err(e) => {
                        crypto_mod_put(alg);
                        e
                    }
                }
            }
        };
        if err != -11 {
            return Some(err as i64 as u64);
        }
    }
}

super::alloc_export!("crypto_alloc_base", 3, |name, a| alloc_base(name, a.arg(1) as u32, a.arg(2) as u32));

fn alg_of(tfm: u64) -> u64 {
    rd64(tfm + t::__crt_alg)
}
fn alignmask(tfm: u64) -> u64 {
    rd32(alg_of(tfm) + ca::cra_alignmask) as u64
}

/// `crypto_cipher_setkey(tfm, key, keylen)`: -EINVAL outside the key
/// sizes; a misaligned key through an aligned copy.
pub(crate) fn setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
    let alg = alg_of(tfm);
    if keylen < rd32(alg + ca::cia_min_keysize) || keylen > rd32(alg + ca::cia_max_keysize) {
        return EINVAL;
    }
    let am = alignmask(tfm);
    let f = rd64(alg + ca::cia_setkey);
    if key & am != 0 {
        let c = AlignedCopy::new(key, keylen as usize, am);
        return call(f, [tfm, c.addr(), keylen as u64, 0, 0, 0]);
    }
    call(f, [tfm, key, keylen as u64, 0, 0, 0])
}

crate::kfn! {
    /// `crypto_cipher_setkey(tfm, key, keylen)`.
    fn crypto_cipher_setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
        setkey(tfm, key, keylen)
    }
}

/// `cipher_crypt_one(tfm, dst, src, enc)`: misaligned blocks through an
/// aligned buffer. False when the algorithm's code did not return (only
/// possible from a host thread).
pub(crate) fn crypt_one(tfm: u64, dst: u64, src: u64, enc: bool) -> bool {
    let alg = alg_of(tfm);
    let f = rd64(alg + if enc { ca::cia_encrypt } else { ca::cia_decrypt });
    let am = alignmask(tfm);
    if (dst | src) & am != 0 {
        let bs = rd32(alg + ca::cra_blocksize) as usize;
        let c = AlignedCopy::new(src, bs, am);
        if crate::fault::call_module(f, [tfm, c.addr(), c.addr(), 0, 0, 0]).is_none() {
            return false;
        }
        // SAFETY: the caller's block of `bs` bytes and our aligned copy.
        unsafe { std::ptr::copy(c.addr() as *const u8, dst as *mut u8, bs) };
        true
    } else {
        crate::fault::call_module(f, [tfm, dst, src, 0, 0, 0]).is_some()
    }
}

crate::kfn! {
    /// `crypto_cipher_encrypt_one(tfm, dst, src)`.
    fn crypto_cipher_encrypt_one(tfm: u64, dst: u64, src: u64) {
        crypt_one(tfm, dst, src, true);
    }
}

crate::kfn! {
    /// `crypto_cipher_decrypt_one(tfm, dst, src)`.
    fn crypto_cipher_decrypt_one(tfm: u64, dst: u64, src: u64) {
        crypt_one(tfm, dst, src, false);
    }
}

//! crypto/cbc.c (CONFIG_CRYPTO_CBC=y in Debian's vmlinux): the `cbc`
//! template — cipher block chaining over any single-block cipher whose
//! block size is a power of two, a simple skcipher instance
//! (`skcipher_alloc_instance_simple`) stepping through the request with
//! the skcipher walk; the IV is chained and left in `req->iv` as Linux
//! leaves it (the last ciphertext block).

use crate::drivers::base::{rd32, rd64, wr64};
use crate::layout::{
    crypto_alg as ca, crypto_spawn as sp, skcipher_alg as s, skcipher_instance as si,
    skcipher_walk as sw,
};

use super::api::*;
use super::host;

crate::kfn! {
    /// `crypto_cbc_create(tmpl, tb)`: the simple instance, -EINVAL for a
    /// block size that is not a power of two, encrypt/decrypt set,
    /// registered (freed again if that fails).
    fn crypto_cbc_create(tmpl: u64, tb: u64) -> i32 {
        let inst = super::skcipher::alloc_instance_simple(tmpl, tb, (0, 0));
        if crate::drivers::base::is_err_or_null(inst) {
            return if inst == 0 { ENOMEM } else { inst as i64 as i32 };
        }
        let calg = rd64(super::skcipher::instance_ctx(inst) + sp::alg);
        let bs = rd32(calg + ca::cra_blocksize);
        let err = if !bs.is_power_of_two() {
            EINVAL
        } else {
            wr64(inst + si::alg + s::encrypt, host::func("crypto_cbc_encrypt"));
            wr64(inst + si::alg + s::decrypt, host::func("crypto_cbc_decrypt"));
            super::skcipher::skcipher_register_instance(tmpl, inst)
        };
        if err != 0 {
            crate::fault::call_module(rd64(inst + si::free), [inst, 0, 0, 0, 0, 0]);
        }
        err
    }
}

/// One step of the walk: the whole blocks of `walk.nbytes` through the
/// cipher in CBC, the IV at `walk.iv` chained; returns the bytes left
/// over (less than a block), as cbc.c's segment functions do.
fn segment(w: u64, child: u64, bs: usize, enc: bool) -> u32 {
    let n = rd32(w + sw::nbytes) as usize;
    let whole = n / bs * bs;
    let (src, dst, ivp) = (rd64(w + sw::src_virt), rd64(w + sw::dst_virt), rd64(w + sw::iv));
    let mut iv = host::bytes(ivp, bs).to_vec();
    let mut data = host::bytes(src, whole).to_vec();
    let mut out = vec![0u8; bs];
    for blk in data.chunks_mut(bs) {
        if enc {
            for (b, v) in blk.iter_mut().zip(&iv) {
                *b ^= v;
            }
            super::cipher::crypt_one(child, out.as_mut_ptr() as u64, blk.as_ptr() as u64, true);
            blk.copy_from_slice(&out);
            iv.copy_from_slice(blk);
        } else {
            super::cipher::crypt_one(child, out.as_mut_ptr() as u64, blk.as_ptr() as u64, false);
            for (o, v) in out.iter_mut().zip(&iv) {
                *o ^= v;
            }
            iv.copy_from_slice(blk);
            blk.copy_from_slice(&out);
        }
    }
    host::put(dst, &data);
    host::put(ivp, &iv);
    (n - whole) as u32
}

fn crypt(req: u64, enc: bool) -> i32 {
    let sk = super::skcipher::reqtfm(req);
    let child = super::skcipher::cipher_simple(sk);
    let bs = rd32(rd64(child + crate::layout::crypto_tfm::__crt_alg) + ca::cra_blocksize) as usize;
    let mut walk = vec![0u64; (sw::SIZE as usize).div_ceil(8)];
    let w = walk.as_mut_ptr() as u64;
    let mut err = super::skcipher::walk_virt(w, req, false);
    while rd32(w + sw::nbytes) != 0 {
        let left = segment(w, child, bs.max(1), enc);
        err = super::skcipher::walk_done(w, left as i32);
    }
    err
}

crate::kfn! {
    /// `crypto_cbc_encrypt(req)`.
    fn crypto_cbc_encrypt(req: u64) -> i32 {
        crypt(req, true)
    }
}

crate::kfn! {
    /// `crypto_cbc_decrypt(req)`.
    fn crypto_cbc_decrypt(req: u64) -> i32 {
        crypt(req, false)
    }
}

/// `crypto_cbc_module_init`: registers the template.
pub(crate) fn init() -> i32 {
    let t = host::template("cbc", "crypto_cbc_create");
    if t == 0 {
        return ENOMEM;
    }
    super::algapi::crypto_register_template(t)
}

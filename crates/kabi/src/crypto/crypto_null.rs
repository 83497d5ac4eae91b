//! crypto/crypto_null.c (CONFIG_CRYPTO_NULL2=y in Debian's vmlinux): the
//! null algorithms — `cipher_null` (a one-byte block cipher that copies),
//! `compress_null` (a compressor that copies), `digest_null` (a hash of
//! no bytes) and `ecb(cipher_null)` (an skcipher that copies, driver
//! `ecb-cipher_null`) — and the shared default null skcipher that
//! authenc, seqiv and echainiv copy associated data with
//! (`crypto_get_default_null_skcipher`/`crypto_put_default_null_skcipher`).

use std::sync::Mutex;

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::{
    crypto_alg as ca, crypto_skcipher as cs, shash_alg as sa, skcipher_alg as sk,
    skcipher_walk as sw,
};

use super::api::*;
use super::host::{self, Base};

const NULL_BLOCK_SIZE: u32 = 1;

crate::kfn! {
    /// `null_compress(tfm, src, slen, dst, dlen)`: copies; -EINVAL when the
    /// output has less room than the input.
    fn null_compress(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
        if slen > rd32(dlen) {
            return EINVAL;
        }
        host::put(dst, host::bytes(src, slen as usize));
        wr32(dlen, slen);
        0
    }
}

crate::kfn! {
    /// `null_init(desc)`, also `null_update`'s and `null_final`'s answer.
    fn null_init(_desc: u64) -> i32 {
        0
    }
}

crate::kfn! {
    /// `null_update(desc, data, len)`.
    fn null_update(_desc: u64, _data: u64, _len: u32) -> i32 {
        0
    }
}

crate::kfn! {
    /// `null_final(desc, out)`: a digest of no bytes.
    fn null_final(_desc: u64, _out: u64) -> i32 {
        0
    }
}

crate::kfn! {
    /// `null_digest(desc, data, len, out)`.
    fn null_digest(_desc: u64, _data: u64, _len: u32, _out: u64) -> i32 {
        0
    }
}

crate::kfn! {
    /// `null_hash_setkey(tfm, key, keylen)`: any key.
    fn null_hash_setkey(_tfm: u64, _key: u64, _keylen: u32) -> i32 {
        0
    }
}

crate::kfn! {
    /// `null_skcipher_setkey(tfm, key, keylen)` and cipher_null's
    /// `null_setkey`: any key.
    fn null_skcipher_setkey(_tfm: u64, _key: u64, _keylen: u32) -> i32 {
        0
    }
}

crate::kfn! {
    /// `null_crypt(tfm, dst, src)`: one one-byte block copied.
    fn null_crypt(_tfm: u64, dst: u64, src: u64) {
        host::put(dst, host::bytes(src, NULL_BLOCK_SIZE as usize));
    }
}

crate::kfn! {
    /// `null_skcipher_crypt(req)`: the request's data copied from source
    /// to destination (nothing when they are the same), step by step of
    /// the walk.
    fn null_skcipher_crypt(req: u64) -> i32 {
        let mut walk = vec![0u64; (sw::SIZE as usize).div_ceil(8)];
        let w = walk.as_mut_ptr() as u64;
        let mut err = super::skcipher::walk_virt(w, req, false);
        loop {
            let n = rd32(w + sw::nbytes);
            if n == 0 {
                break;
            }
            let (src, dst) = (rd64(w + sw::src_virt), rd64(w + sw::dst_virt));
            if src != dst {
                host::put(dst, host::bytes(src, n as usize));
            }
            err = super::skcipher::walk_done(w, 0);
        }
        err
    }
}

/// `crypto_null_mod_init`: cipher_null and compress_null, digest_null,
/// then ecb(cipher_null) — the order /proc/crypto shows (newest first).
pub(crate) fn init() -> i32 {
    let cipher = host::alg(
        ca::SIZE,
        0,
        &Base {
            name: "cipher_null",
            driver: "cipher_null-generic",
            priority: 0,
            blocksize: NULL_BLOCK_SIZE,
            ctxsize: 0,
            flags: CRYPTO_ALG_TYPE_CIPHER,
        },
    );
    let compress = host::alg(
        ca::SIZE,
        0,
        &Base {
            name: "compress_null",
            driver: "compress_null-generic",
            priority: 0,
            blocksize: NULL_BLOCK_SIZE,
            ctxsize: 0,
            flags: CRYPTO_ALG_TYPE_COMPRESS,
        },
    );
    let digest = host::alg(
        sa::SIZE,
        sa::base,
        &Base {
            name: "digest_null",
            driver: "digest_null-generic",
            priority: 0,
            blocksize: NULL_BLOCK_SIZE,
            ctxsize: 0,
            flags: 0,
        },
    );
    let skcipher = host::alg(
        sk::SIZE,
        sk::base,
        &Base {
            name: "ecb(cipher_null)",
            driver: "ecb-cipher_null",
            priority: 100,
            blocksize: NULL_BLOCK_SIZE,
            ctxsize: 0,
            flags: 0,
        },
    );
    if cipher == 0 || compress == 0 || digest == 0 || skcipher == 0 {
        return ENOMEM;
    }
    // struct cipher_alg in cra_u: keys of 0 bytes.
    wr64(cipher + ca::cia_setkey, host::func("null_skcipher_setkey"));
    wr64(cipher + ca::cia_encrypt, host::func("null_crypt"));
    wr64(cipher + ca::cia_decrypt, host::func("null_crypt"));
    // struct compress_alg in cra_u: coa_compress, coa_decompress.
    wr64(compress + ca::cra_u, host::func("null_compress"));
    wr64(compress + ca::cra_u + 8, host::func("null_compress"));
    wr32(digest + sa::digestsize, 0);
    wr64(digest + sa::setkey, host::func("null_hash_setkey"));
    wr64(digest + sa::init, host::func("null_init"));
    wr64(digest + sa::update, host::func("null_update"));
    wr64(digest + sa::r#final, host::func("null_final"));
    wr64(digest + sa::finup, host::func("null_digest"));
    wr64(digest + sa::digest, host::func("null_digest"));
    wr64(skcipher + sk::setkey, host::func("null_skcipher_setkey"));
    wr64(skcipher + sk::encrypt, host::func("null_skcipher_crypt"));
    wr64(skcipher + sk::decrypt, host::func("null_skcipher_crypt"));
    for a in [cipher, compress] {
        let e = super::algapi::register_alg(a);
        if e != 0 {
            return e;
        }
    }
    let e = super::shash::register(digest);
    if e != 0 {
        return e;
    }
    super::skcipher::register(skcipher)
}

/// The default null skcipher and its users (`crypto_default_null_skcipher`,
/// `crypto_default_null_skcipher_refcnt` under `crypto_default_null_skcipher_lock`).
static DEFAULT: Mutex<(u64, u32)> = Mutex::new((0, 0));

extern "C" fn crypto_get_default_null_skcipher_v(_regs: *const u64, stack: *const u64) -> u64 {
    let mut d = DEFAULT.lock().unwrap_or_else(|e| e.into_inner());
    if d.0 == 0 {
        match super::skcipher::alloc_sync(b"ecb(cipher_null)", 0, 0) {
            Some(t) if crate::drivers::base::is_err_or_null(t) => return t,
            Some(t) => d.0 = t,
            None => {
                drop(d);
                cannot_answer(super::algapi::caller(stack));
                return ENOENT as i64 as u64;
            }
        }
    }
    d.1 += 1;
    d.0
}
crate::export_variadic!("crypto_get_default_null_skcipher" => crypto_get_default_null_skcipher_v);

crate::kfn! {
    /// `crypto_put_default_null_skcipher()`: the last user frees it.
    fn crypto_put_default_null_skcipher() {
        let mut d = DEFAULT.lock().unwrap_or_else(|e| e.into_inner());
        if d.1 == 0 {
            return;
        }
        d.1 -= 1;
        if d.1 == 0 {
            let t = std::mem::take(&mut d.0);
            drop(d);
            crypto_destroy_tfm(t, t + cs::base);
        }
    }
}

//! crypto/aes_generic.c (CONFIG_CRYPTO_AES=y in Debian's vmlinux):
//! `aes-generic`, AES as a single-block cipher of priority 100 whose
//! context is `struct crypto_aes_ctx`, keyed by the exported
//! `crypto_aes_set_key` (modules call it too). The key expansion and the
//! block operations are lib/crypto/aes.c's ([`crate::lib::crypto::aes`]),
//! which share the context layout; the self-test checks them against the
//! `aes` crate.

use crate::drivers::base::{wr32, wr64};
use crate::layout::{crypto_aes_ctx as actx, crypto_alg as ca, crypto_tfm as t};

use super::api::*;
use super::host::{self, Base};

const AES_BLOCK_SIZE: u32 = 16;
const AES_MIN_KEY_SIZE: u32 = 16;
const AES_MAX_KEY_SIZE: u32 = 32;

crate::kfn! {
    /// `crypto_aes_set_key(tfm, in_key, key_len)`: -EINVAL unless the key
    /// is 16, 24 or 32 bytes.
    fn crypto_aes_set_key(tfm: u64, in_key: u64, key_len: u32) -> i32 {
        crate::lib_::crypto::aes::aes_expandkey(tfm + t::__crt_ctx, in_key, key_len)
    }
}

crate::kfn! {
    /// `crypto_aes_encrypt(tfm, out, in)`: one block.
    fn crypto_aes_encrypt(tfm: u64, out: u64, inp: u64) {
        crate::lib_::crypto::aes::aes_encrypt(tfm + t::__crt_ctx, out, inp)
    }
}

crate::kfn! {
    /// `crypto_aes_decrypt(tfm, out, in)`: one block.
    fn crypto_aes_decrypt(tfm: u64, out: u64, inp: u64) {
        crate::lib_::crypto::aes::aes_decrypt(tfm + t::__crt_ctx, out, inp)
    }
}

/// `aes_init`: registers `aes-generic`.
pub(crate) fn init() -> i32 {
    let a = host::alg(
        ca::SIZE,
        0,
        &Base {
            name: "aes",
            driver: "aes-generic",
            priority: 100,
            blocksize: AES_BLOCK_SIZE,
            ctxsize: actx::SIZE as u32,
            flags: CRYPTO_ALG_TYPE_CIPHER,
        },
    );
    if a == 0 {
        return ENOMEM;
    }
    wr32(a + ca::cia_min_keysize, AES_MIN_KEY_SIZE);
    wr32(a + ca::cia_max_keysize, AES_MAX_KEY_SIZE);
    wr64(a + ca::cia_setkey, host::func("crypto_aes_set_key"));
    wr64(a + ca::cia_encrypt, host::func("crypto_aes_encrypt"));
    wr64(a + ca::cia_decrypt, host::func("crypto_aes_decrypt"));
    super::algapi::register_alg(a)
}

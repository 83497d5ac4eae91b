//! What Debian's vmlinux registers with the crypto API at boot, in its
//! initcall order (so `/proc/crypto`, newest first, lists them as Linux
//! does): dh_generic and rsa_generic (crypto/Makefile links kpp.o,
//! dh_generic.o and rsa_generic.o — rsa-generic and the pkcs1pad
//! template — before cryptomgr and the algorithms), crypto_null, md5,
//! sha1_generic, sha256_generic (sha256, sha224), aes_generic, then the
//! cbc and hmac templates, deflate (deflate, zlib-deflate), lzo and
//! lzo-rle (Debian's initcall order puts deflate_mod_init, lzo_mod_init,
//! lzorle_mod_init after aes_init). Each is self-tested at registration
//! like any algorithm.
//!
//! (drbg is a module in Debian's build.)

/// Registers vmlinux's algorithms once per process (the vmlinux image is
/// the process's); failures are logged as a failing initcall is.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let steps: [(&str, fn() -> i32); 12] = [
            ("dh_init", super::dh::init),
            ("rsa_init", super::rsa::init),
            ("crypto_null_mod_init", super::crypto_null::init),
            ("md5_mod_init", super::md5::init),
            ("sha1_generic_mod_init", super::sha_generic::init_sha1),
            ("sha256_generic_mod_init", super::sha_generic::init_sha256),
            ("aes_init", super::aes_generic::init),
            ("crypto_cbc_module_init", super::cbc::init),
            ("hmac_module_init", super::hmac::init),
            ("deflate_mod_init", super::deflate::init),
            ("lzo_mod_init", super::lzo::init),
            ("lzorle_mod_init", super::lzo::init_rle),
        ];
        for (name, f) in steps {
            let e = f();
            if e != 0 {
                crate::log::kernel_msg(3, &format!("initcall {name} returned {e}"));
            }
        }
    });
}

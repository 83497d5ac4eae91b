//! crypto/: the kernel crypto API — the algorithm registry (api.c,
//! algapi.c), the per-type registration of shash.c, ahash.c, skcipher.c,
//! aead.c, kpp.c, rng.c, akcipher.c, scompress.c and acompress.c,
//! templates, request queues and `/proc/crypto` (proc.c); the
//! algorithms and templates Debian's vmlinux registers at boot
//! ([`boot`]: crypto_null.c, md5.c, sha1/sha256_generic.c,
//! aes_generic.c, cbc.c, hmac.c, deflate.c, lzo.c, lzo-rle.c, dh.c,
//! rsa.c with rsa-pkcs1pad.c), the
//! compression frontends (compress.c, scompress.c, acompress.c),
//! self-tests at registration (testmgr.c).

pub mod acompress;
pub mod aead;
pub mod aes_generic;
pub mod ahash;
pub mod akcipher;
pub mod algapi;
pub mod api;
pub mod boot;
pub mod cbc;
pub mod cipher;
pub mod compress;
pub mod dh;
pub mod dh_helper;
pub mod crypto_null;
pub mod deflate;
pub mod lzo;
pub mod fips;
pub mod hmac;
pub(crate) mod host;
pub mod kpp;
pub mod md5;
mod memneq;
pub mod proc;
pub mod refcipher;
pub mod refhash;
pub mod refrng;
pub mod refkpp;
pub mod rng;
pub mod rsa;
pub mod rsa_pkcs1pad;
pub mod scatterwalk;
pub mod scompress;
pub mod sha_generic;
pub mod shash;
pub mod skcipher;
pub mod testmgr;
pub mod types;
pub mod user;

/// The exports of an algorithm type's registration:
/// `crypto_register_<x>(alg)` (`prepare`, then `crypto_register_alg` on
/// the embedded `base`), `crypto_register_<x>s(algs, count)` (undoing on
/// failure), `crypto_unregister_<x>(alg)` and
/// `crypto_unregister_<x>s(algs, count)` (last to first); kpp and
/// akcipher have no plural variants.
macro_rules! typed_registration {
    ($layout:ident, $prepare:path, $reg:literal, $unreg:literal) => {
        pub(crate) fn register(alg: u64) -> i32 {
            match $prepare(alg) {
                0 => crate::crypto::algapi::register_alg(alg + crate::layout::$layout::base),
                e => e,
            }
        }
        extern "C" fn register_one(alg: u64) -> i32 {
            register(alg)
        }
        crate::export_fn!($reg => register_one);
        extern "C" fn unregister_one(regs: *const u64, stack: *const u64) {
            // SAFETY: called through the varargs trampoline.
            let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
            crate::crypto::algapi::unregister_alg(
                a.arg(0) + crate::layout::$layout::base,
                Some(crate::crypto::algapi::caller(stack)),
            );
        }
        crate::export_variadic!($unreg => unregister_one);
    };
    ($layout:ident, $prepare:path, $reg:literal, $regs:literal, $unreg:literal, $unregs:literal) => {
        crate::crypto::typed_registration!($layout, $prepare, $reg, $unreg);
        extern "C" fn register_many(algs: u64, count: i32) -> i32 {
            crate::crypto::algapi::register_array(algs, count, crate::layout::$layout::SIZE, register, |a| {
                crate::crypto::algapi::unregister_alg(a + crate::layout::$layout::base, None)
            })
        }
        crate::export_fn!($regs => register_many);
        extern "C" fn unregister_many(regs: *const u64, stack: *const u64) {
            // SAFETY: called through the varargs trampoline.
            let a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
            let (algs, count) = (a.arg(0), a.arg(1) as i32);
            for i in (0..count.max(0) as u64).rev() {
                crate::crypto::algapi::unregister_alg(
                    algs + i * crate::layout::$layout::SIZE + crate::layout::$layout::base,
                    Some(crate::crypto::algapi::caller(stack)),
                );
            }
        }
        crate::export_variadic!($unregs => unregister_many);
    };
}
pub(crate) use typed_registration;

/// Defines a `crypto_alloc_<x>` export: the arguments (`name, type, mask`
/// and, for the `_node` variants, `node`: `$nargs` of them) read from the
/// caller's registers, the algorithm's name copied out, and `$alloc`'s
/// answer returned — a transform or an ERR_PTR. Where `$alloc` has no
/// answer (None: a lookup the host cannot answer), the call ends as one
/// of the unimplemented `crypto_alg_mod_lookup` (see `api::cannot_answer`).
/// The exports are variadic only to see the caller's return address.
macro_rules! alloc_export {
    ($sym:literal, $nargs:literal, |$name:ident, $a:ident| $alloc:expr) => {
        const _: () = {
            extern "C" fn export(regs: *const u64, stack: *const u64) -> u64 {
                // SAFETY: called through the varargs trampoline, which passes
                // the caller's argument registers and stack.
                let $a = unsafe { crate::abi::RegArgs::new(regs, stack, $nargs) };
                // SAFETY: the caller's NUL-terminated algorithm name.
                let owned = unsafe { crate::abi::c_str($a.arg(0), 4096) }.to_vec();
                let $name: &[u8] = &owned;
                let answer: Option<u64> = $alloc;
                match answer {
                    Some(r) => r,
                    None => {
                        crate::crypto::api::cannot_answer(crate::crypto::algapi::caller(stack));
                        (crate::crypto::api::ENOENT as i64) as u64
                    }
                }
            }
            crate::export_variadic!($sym => export);
        };
    };
}
pub(crate) use alloc_export;

/// `stub!("name")`: the address of a function vmlinux provides, looked up
/// once per call site — the image is built once per process, and request
/// paths (`crypto_req_done` armed on every request) would otherwise hash
/// the name each time. 0 (not cached) before the image is built.
macro_rules! stub {
    ($name:literal) => {{
        static ADDR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        match ADDR.load(std::sync::atomic::Ordering::Relaxed) {
            0 => {
                let a = crate::crypto::skcipher::stub_lookup($name);
                ADDR.store(a, std::sync::atomic::Ordering::Relaxed);
                a
            }
            a => a,
        }
    }};
}
pub(crate) use stub;

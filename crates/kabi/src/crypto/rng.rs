//! crypto/rng.c: random number generators — registration, the
//! `/proc/crypto` lines, transforms (`crypto_alloc_rng`,
//! `crypto_rng_reset`) and the default "stdrng" transform
//! (`crypto_get_default_rng`, `crypto_put_default_rng`,
//! `crypto_del_default_rng`, `crypto_default_rng`).
//!
//! `crypto_rng_generate`, `crypto_rng_get_bytes` and drbg's
//! `crypto_drbg_*_test` are inlines in Linux that call the algorithm's
//! `generate`, `seed` and `set_ent` directly; [`generate`] and [`set_ent`]
//! are the host's calls of the same operations.

use std::sync::Mutex;

use crate::drivers::base::{rd32, rd64, wr64};
use crate::layout::{crypto_tfm as t, rng_alg as s};

use super::algapi::caller;
use super::api::*;
use super::types::Type;

/// `struct rng_alg`'s operations: `generate`, `seed` and `set_ent` are its
/// first three members, before `seedsize`.
const GENERATE: u64 = 0x0;
const SEED: u64 = 0x8;
const SET_ENT: u64 = 0x10;
const _: () = assert!(s::seedsize == 0x18 && s::base == 0x20);

const EFAULT: i32 = -14;
const EBUSY: i32 = -16;

/// `crypto_register_rng`'s check: seedsize at most PAGE_SIZE / 8 (else
/// -EINVAL); the type.
fn prepare(alg: u64) -> i32 {
    if rd32(alg + s::seedsize) > 4096 / 8 {
        return EINVAL;
    }
    Type::Rng.prepare(alg + s::base);
    0
}

super::typed_registration!(
    rng_alg,
    prepare,
    "crypto_register_rng",
    "crypto_register_rngs",
    "crypto_unregister_rng",
    "crypto_unregister_rngs"
);

/// `crypto_rng_show`.
pub(crate) fn show(alg: u64, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(out, "type         : rng");
    let _ = writeln!(out, "seedsize     : {}", rd32(alg - s::base + s::seedsize));
}

// ---- transforms ------------------------------------------------------------

/// `crypto_rng_alg(tfm)`: the rng_alg of a transform (`struct crypto_rng`
/// is its `crypto_tfm` alone: the two addresses are the same).
pub(crate) fn alg_of(tfm: u64) -> u64 {
    rd64(tfm + t::__crt_alg).wrapping_sub(s::base)
}

/// `crypto_rng_seedsize(tfm)`.
pub(crate) fn seedsize(tfm: u64) -> u32 {
    rd32(alg_of(tfm) + s::seedsize)
}

fn call(f: u64, args: [u64; 6]) -> i32 {
    if f == 0 {
        return EINVAL;
    }
    crate::fault::call_module(f, args)
        .map(|r| r as i32)
        .unwrap_or(EFAULT)
}

/// `crypto_rng_type` as tfm allocation uses it: no context of its own
/// (`tfmsize` 0), `crypto_alg_extsize`, an `init_tfm` that does nothing.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_RNG,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: 0,
        extsize: alg_extsize,
        init_tfm: |_| 0,
        host_answers: |_| true,
    }
}

/// `crypto_alloc_rng(name, type, mask)`: a transform (or an ERR_PTR); None
/// when the host cannot answer the lookup.
pub(crate) fn alloc(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    alloc_tfm(name, &frontend(), ty, mask, -1)
}

super::alloc_export!("crypto_alloc_rng", 3, |name, a| alloc(name, a.arg(1) as u32, a.arg(2) as u32));

/// `crypto_rng_reset(tfm, seed, slen)`: without a seed but with a length,
/// `slen` bytes of `get_random_bytes` (the host's CRNG is always ready,
/// so `get_random_bytes_wait` never waits); then the algorithm's `seed`.
pub(crate) fn reset(tfm: u64, seed: u64, slen: u32) -> i32 {
    let mut buf = 0;
    let mut seed = seed;
    if seed == 0 && slen != 0 {
        buf = crate::mm::slab::kmalloc_bytes(slen as usize, 0);
        if buf <= 16 {
            return ENOMEM;
        }
        crate::lib_::random::get_random_bytes(buf as *mut u8, slen as usize);
        seed = buf;
    }
    let err = call(rd64(alg_of(tfm) + SEED), [tfm, seed, slen as u64, 0, 0, 0]);
    if buf != 0 {
        // kfree_sensitive: zeroed, then freed.
        // SAFETY: our own allocation of slen bytes.
        unsafe { std::ptr::write_bytes(buf as *mut u8, 0, slen as usize) };
        crate::mm::slab::kfree_addr(buf);
    }
    err
}

crate::kfn! {
    /// `crypto_rng_reset(tfm, seed, slen)`.
    fn crypto_rng_reset(tfm: u64, seed: u64, slen: u32) -> i32 {
        reset(tfm, seed, slen)
    }
}

/// `crypto_rng_generate(tfm, src, slen, dst, dlen)` (an inline in Linux):
/// the algorithm's `generate`.
pub(crate) fn generate(tfm: u64, src: u64, slen: u32, dst: u64, dlen: u32) -> i32 {
    call(
        rd64(alg_of(tfm) + GENERATE),
        [tfm, src, slen as u64, dst, dlen as u64, 0],
    )
}

/// The algorithm's `set_ent(tfm, data, len)` as `crypto_drbg_reset_test`
/// and `crypto_drbg_get_bytes_addtl_test` call it: false when the
/// algorithm has none (or its code did not return).
pub(crate) fn set_ent(tfm: u64, data: u64, len: u32) -> bool {
    let f = rd64(alg_of(tfm) + SET_ENT);
    f != 0 && crate::fault::call_module(f, [tfm, data, len as u64, 0, 0, 0]).is_some()
}

// ---- the default rng -----------------------------------------------------------

crate::export_data!("crypto_default_rng", size 8, align 8);

/// `crypto_default_rng_lock` with `crypto_default_rng_refcnt` inside.
static DEFAULT_RNG: Mutex<i32> = Mutex::new(0);

fn default_rng_slot() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("crypto_default_rng"))
        .unwrap_or(0)
}

/// The current `crypto_default_rng` (0: none).
pub(crate) fn default_rng() -> u64 {
    let slot = default_rng_slot();
    if slot == 0 {
        0
    } else {
        rd64(slot)
    }
}

/// The default rng's reference count (`crypto_default_rng_refcnt`).
pub(crate) fn default_rng_refcnt() -> i32 {
    *DEFAULT_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

/// `crypto_get_default_rng()`: the first user allocates "stdrng" and
/// seeds it from `get_random_bytes` (`crypto_rng_reset(rng, NULL,
/// seedsize)`); every user takes a reference. Ok(()) or a negative
/// errno; Err(None) when the host cannot answer the lookup.
pub(crate) fn get_default_rng() -> Result<(), Option<i32>> {
    let mut refcnt = DEFAULT_RNG.lock().unwrap_or_else(|e| e.into_inner());
    let slot = default_rng_slot();
    if slot == 0 {
        return Err(Some(ENOENT));
    }
    if rd64(slot) == 0 {
        let rng = match alloc(b"stdrng", 0, 0) {
            None => return Err(None),
            Some(r) if crate::drivers::base::is_err_or_null(r) => return Err(Some(r as i64 as i32)),
            Some(r) => r,
        };
        let err = reset(rng, 0, seedsize(rng));
        if err != 0 {
            crypto_destroy_tfm(rng, rng);
            return Err(Some(err));
        }
        wr64(slot, rng);
    }
    *refcnt += 1;
    Ok(())
}

extern "C" fn crypto_get_default_rng_v(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let _ = unsafe { crate::abi::RegArgs::new(regs, stack, 0) };
    match get_default_rng() {
        Ok(()) => 0,
        Err(Some(e)) => e,
        Err(None) => {
            cannot_answer(caller(stack));
            ENOENT
        }
    }
}
crate::export_variadic!("crypto_get_default_rng" => crypto_get_default_rng_v);

crate::kfn! {
    /// `crypto_put_default_rng()`: drops a reference (the transform stays
    /// until `crypto_del_default_rng`).
    fn crypto_put_default_rng() {
        let mut refcnt = DEFAULT_RNG.lock().unwrap_or_else(|e| e.into_inner());
        *refcnt -= 1;
    }
}

crate::kfn! {
    /// `crypto_del_default_rng()`: -EBUSY while referenced; otherwise the
    /// default transform is freed (`crypto_free_rng` of NULL is nothing).
    fn crypto_del_default_rng() -> i32 {
        let refcnt = DEFAULT_RNG.lock().unwrap_or_else(|e| e.into_inner());
        if *refcnt != 0 {
            return EBUSY;
        }
        let slot = default_rng_slot();
        if slot != 0 {
            let rng = rd64(slot);
            if rng != 0 {
                crypto_destroy_tfm(rng, rng);
            }
            wr64(slot, 0);
        }
        drop(refcnt);
        0
    }
}

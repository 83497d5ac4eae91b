//! crypto/shash.c: synchronous hash algorithms — registration
//! (`shash_prepare_alg`'s limits and defaults), the default operations it
//! fills in, and the dispatch they use.

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::{
    crypto_alg as ca, crypto_consts as cc, crypto_shash as cs, crypto_tfm as tfm_l,
    shash_alg as sa, shash_desc as sd,
};

use super::algapi::{caller, register_alg, register_array, unregister_alg};
use super::api::*;
use super::api::{alg_extsize, alloc_tfm, Frontend};
use super::types::Type;

const CRYPTO_TFM_NEED_KEY: u32 = 0x1;
const ENOKEY: i32 = -126;

/// `crypto_shash_alg(tfm)`: the shash_alg of a tfm.
fn alg_of(tfm: u64) -> u64 {
    rd64(tfm + cs::base + tfm_l::__crt_alg).wrapping_sub(sa::base)
}
fn alignmask(tfm: u64) -> u64 {
    rd32(alg_of(tfm) + sa::base + ca::cra_alignmask) as u64
}
fn call(f: u64, args: [u64; 6]) -> i32 {
    crate::fault::call_module(f, args).unwrap_or(0) as i32
}

/// A buffer of `len` bytes aligned to `alignmask + 1` (the stack buffers
/// of shash.c's unaligned paths).
struct Aligned {
    buf: Vec<u8>,
    off: usize,
}
impl Aligned {
    fn new(len: usize, alignmask: u64) -> Aligned {
        let buf = vec![0u8; len + alignmask as usize + 1];
        let p = buf.as_ptr() as u64;
        let off = (p.next_multiple_of(alignmask + 1) - p) as usize;
        Aligned { buf, off }
    }
    fn addr(&self) -> u64 {
        self.buf.as_ptr() as u64 + self.off as u64
    }
}
impl Drop for Aligned {
    fn drop(&mut self) {
        // memset(buf, 0, ...) as shash.c does after use.
        for b in self.buf.iter_mut() {
            // SAFETY: a byte of our own buffer; volatile so it is not elided.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

fn copy(dst: u64, src: u64, len: u64) {
    // SAFETY: module buffers of at least `len` bytes (the callers' contract)
    // or our own aligned buffer.
    unsafe { std::ptr::copy(src as *const u8, dst as *mut u8, len as usize) };
}

/// `crypto_shash_update(desc, data, len)`.
pub(crate) fn update(desc: u64, data: u64, len: u32) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    let alg = alg_of(tfm);
    let am = alignmask(tfm);
    let f = rd64(alg + sa::update);
    if data & am == 0 {
        return call(f, [desc, data, len as u64, 0, 0, 0]);
    }
    let mut unaligned = am + 1 - (data & am);
    let buf = Aligned::new(2 * cc::MAX_ALGAPI_ALIGNMASK as usize, am);
    if unaligned > len as u64 {
        unaligned = len as u64;
    }
    copy(buf.addr(), data, unaligned);
    let err = call(f, [desc, buf.addr(), unaligned, 0, 0, 0]);
    drop(buf);
    if err != 0 {
        return err;
    }
    call(f, [desc, data + unaligned, len as u64 - unaligned, 0, 0, 0])
}

/// `crypto_shash_final(desc, out)`.
pub(crate) fn final_(desc: u64, out: u64) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    let alg = alg_of(tfm);
    let am = alignmask(tfm);
    let f = rd64(alg + sa::r#final);
    if out & am == 0 {
        return call(f, [desc, out, 0, 0, 0, 0]);
    }
    let ds = rd32(alg + sa::digestsize) as u64;
    let buf = Aligned::new(
        (cc::MAX_ALGAPI_ALIGNMASK + cc::HASH_MAX_DIGESTSIZE) as usize,
        am,
    );
    let err = call(f, [desc, buf.addr(), 0, 0, 0, 0]);
    if err == 0 {
        copy(out, buf.addr(), ds.min(cc::HASH_MAX_DIGESTSIZE));
    }
    err
}

/// `crypto_shash_finup(desc, data, len, out)`.
pub(crate) fn finup(desc: u64, data: u64, len: u32, out: u64) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    if (data | out) & alignmask(tfm) != 0 {
        return shash_finup_unaligned(desc, data, len, out);
    }
    call(
        rd64(alg_of(tfm) + sa::finup),
        [desc, data, len as u64, out, 0, 0],
    )
}

/// `crypto_shash_init(desc)` (an inline in hash.h).
pub(crate) fn init(desc: u64) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    if rd32(tfm + cs::base + tfm_l::crt_flags) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    call(rd64(alg_of(tfm) + sa::init), [desc, 0, 0, 0, 0, 0])
}

crate::kfn! {
    /// shash.c's `shash_no_setkey`: -ENOSYS (the default `setkey`).
    fn shash_no_setkey(_tfm: u64, _key: u64, _keylen: u32) -> i32 {
        ENOSYS
    }
}

crate::kfn! {
    /// shash.c's `shash_finup_unaligned` (the default `finup`): update,
    /// then final.
    fn shash_finup_unaligned(desc: u64, data: u64, len: u32, out: u64) -> i32 {
        match update(desc, data, len) {
            0 => final_(desc, out),
            e => e,
        }
    }
}

crate::kfn! {
    /// shash.c's `shash_digest_unaligned` (the default `digest`): init,
    /// then finup.
    fn shash_digest_unaligned(desc: u64, data: u64, len: u32, out: u64) -> i32 {
        match init(desc) {
            0 => finup(desc, data, len, out),
            e => e,
        }
    }
}

crate::kfn! {
    /// shash.c's `shash_default_export`: the descriptor's context, descsize
    /// bytes.
    fn shash_default_export(desc: u64, out: u64) -> i32 {
        let tfm = rd64(desc + sd::tfm);
        copy(out, desc + sd::__ctx, rd32(tfm + cs::descsize) as u64);
        0
    }
}

crate::kfn! {
    /// shash.c's `shash_default_import`.
    fn shash_default_import(desc: u64, inp: u64) -> i32 {
        let tfm = rd64(desc + sd::tfm);
        copy(desc + sd::__ctx, inp, rd32(tfm + cs::descsize) as u64);
        0
    }
}

crate::kfn! {
    /// `crypto_shash_alg_has_setkey(alg)`: whether `setkey` is not the
    /// default.
    fn crypto_shash_alg_has_setkey(alg: u64) -> bool {
        rd64(alg + sa::setkey) != super::stub!("shash_no_setkey")
    }
}

/// `shash_prepare_alg(alg)`: digest, descriptor and state sizes within
/// HASH_MAX_*, export and import both or neither (else -EINVAL); the type;
/// the defaults for finup, digest, export/import (statesize = descsize)
/// and setkey.
fn prepare(alg: u64) -> i32 {
    if rd32(alg + sa::digestsize) as u64 > cc::HASH_MAX_DIGESTSIZE
        || rd32(alg + sa::descsize) as u64 > cc::HASH_MAX_DESCSIZE
        || rd32(alg + sa::statesize) as u64 > cc::HASH_MAX_STATESIZE
    {
        return EINVAL;
    }
    let (export, import) = (rd64(alg + sa::export), rd64(alg + sa::import));
    if (export != 0) != (import != 0) {
        return EINVAL;
    }
    Type::Shash.prepare(alg + sa::base);
    if rd64(alg + sa::finup) == 0 {
        wr64(alg + sa::finup, super::stub!("shash_finup_unaligned"));
    }
    if rd64(alg + sa::digest) == 0 {
        wr64(alg + sa::digest, super::stub!("shash_digest_unaligned"));
    }
    if export == 0 {
        wr64(alg + sa::export, super::stub!("shash_default_export"));
        wr64(alg + sa::import, super::stub!("shash_default_import"));
        wr32(alg + sa::statesize, rd32(alg + sa::descsize));
    }
    if rd64(alg + sa::setkey) == 0 {
        wr64(alg + sa::setkey, super::stub!("shash_no_setkey"));
    }
    0
}

pub(crate) fn register(alg: u64) -> i32 {
    match prepare(alg) {
        0 => register_alg(alg + sa::base),
        e => e,
    }
}

crate::kfn! {
    /// `crypto_register_shash(alg)`.
    fn crypto_register_shash(alg: u64) -> i32 {
        register(alg)
    }
}

crate::kfn! {
    /// `crypto_register_shashes(algs, count)`.
    fn crypto_register_shashes(algs: u64, count: i32) -> i32 {
        register_array(algs, count, sa::SIZE, register, |a| unregister_alg(a + sa::base, None))
    }
}

extern "C" fn crypto_unregister_shash_v(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    unregister_alg(a.arg(0) + sa::base, Some(caller(stack)));
}
crate::export_variadic!("crypto_unregister_shash" => crypto_unregister_shash_v);

extern "C" fn crypto_unregister_shashes_v(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let (algs, count) = (a.arg(0), a.arg(1) as i32);
    for i in (0..count.max(0) as u64).rev() {
        unregister_alg(algs + i * sa::SIZE + sa::base, Some(caller(stack)));
    }
}
crate::export_variadic!("crypto_unregister_shashes" => crypto_unregister_shashes_v);

/// The `/proc/crypto` lines of an shash (`crypto_shash_show`).
pub(crate) fn show(alg: u64, out: &mut String) {
    use std::fmt::Write;
    let salg = alg - sa::base;
    let _ = writeln!(out, "type         : shash");
    let _ = writeln!(out, "blocksize    : {}", rd32(alg + ca::cra_blocksize));
    let _ = writeln!(out, "digestsize   : {}", rd32(salg + sa::digestsize));
}

// ---- transforms ------------------------------------------------------------

const CRYPTO_ALG_OPTIONAL_KEY: u32 = 0x4000;

/// `crypto_shash_alg_needs_key(alg)`: a setkey and no OPTIONAL_KEY flag.
pub(crate) fn needs_key(salg: u64) -> bool {
    rd64(salg + sa::setkey) != super::stub!("shash_no_setkey")
        && flags(salg + sa::base) & CRYPTO_ALG_OPTIONAL_KEY == 0
}

crate::kfn! {
    /// shash.c's `crypto_shash_exit_tfm(tfm)`: the algorithm's `exit_tfm`.
    fn crypto_shash_exit_tfm(tfm: u64) {
        let hash = tfm - cs::base;
        let exit = rd64(alg_of(hash) + sa::exit_tfm);
        if exit != 0 {
            crate::fault::call_module(exit, [hash, 0, 0, 0, 0, 0]);
        }
    }
}

/// `crypto_shash_init_tfm(tfm)`: the descriptor size; NEED_KEY for an
/// algorithm that needs a key; the exit hook; the algorithm's `init_tfm`,
/// after which the descriptor size may not exceed HASH_MAX_DESCSIZE.
fn init_tfm(tfm: u64) -> i32 {
    let hash = tfm - cs::base;
    let alg = alg_of(hash);
    wr32(hash + cs::descsize, rd32(alg + sa::descsize));
    if needs_key(alg) {
        wr32(
            tfm + tfm_l::crt_flags,
            rd32(tfm + tfm_l::crt_flags) | CRYPTO_TFM_NEED_KEY,
        );
    }
    let exit = rd64(alg + sa::exit_tfm);
    if exit != 0 {
        wr64(tfm + tfm_l::exit, super::stub!("crypto_shash_exit_tfm"));
    }
    let init = rd64(alg + sa::init_tfm);
    if init == 0 {
        return 0;
    }
    let err = call(init, [hash, 0, 0, 0, 0, 0]);
    if err != 0 {
        return err;
    }
    if rd32(hash + cs::descsize) as u64 > cc::HASH_MAX_DESCSIZE {
        super::algapi::warn("crypto/shash.c", 445, "crypto_shash_init_tfm", "");
        if exit != 0 {
            call(exit, [hash, 0, 0, 0, 0, 0]);
        }
        return EINVAL;
    }
    0
}

/// `crypto_shash_type` as tfm allocation uses it.
pub(crate) fn frontend() -> Frontend {
    Frontend {
        ty: CRYPTO_ALG_TYPE_SHASH,
        maskclear: !CRYPTO_ALG_TYPE_MASK,
        maskset: CRYPTO_ALG_TYPE_MASK,
        tfmsize: cs::base,
        extsize: alg_extsize,
        init_tfm,
        host_answers: |_| true,
    }
}

super::alloc_export!("crypto_alloc_shash", 3, |name, a| alloc_tfm(name, &frontend(), a.arg(1) as u32, a.arg(2) as u32, -1));

crate::kfn! {
    /// `crypto_shash_update(desc, data, len)`.
    fn crypto_shash_update(desc: u64, data: u64, len: u32) -> i32 {
        update(desc, data, len)
    }
}

crate::kfn! {
    /// `crypto_shash_final(desc, out)`.
    fn crypto_shash_final(desc: u64, out: u64) -> i32 {
        final_(desc, out)
    }
}

crate::kfn! {
    /// `crypto_shash_finup(desc, data, len, out)`.
    fn crypto_shash_finup(desc: u64, data: u64, len: u32, out: u64) -> i32 {
        finup(desc, data, len, out)
    }
}

/// `crypto_shash_digest(desc, data, len, out)`: -ENOKEY while a needed
/// key is missing.
pub(crate) fn digest(desc: u64, data: u64, len: u32, out: u64) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    if rd32(tfm + cs::base + tfm_l::crt_flags) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    if (data | out) & alignmask(tfm) != 0 {
        return shash_digest_unaligned(desc, data, len, out);
    }
    call(
        rd64(alg_of(tfm) + sa::digest),
        [desc, data, len as u64, out, 0, 0],
    )
}

crate::kfn! {
    /// `crypto_shash_digest(desc, data, len, out)`.
    fn crypto_shash_digest(desc: u64, data: u64, len: u32, out: u64) -> i32 {
        digest(desc, data, len, out)
    }
}

/// `crypto_shash_setkey(tfm, key, keylen)`: through an aligned copy when
/// the key is misaligned; NEED_KEY set on failure (for an algorithm that
/// needs a key), cleared on success.
pub(crate) fn setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
    let alg = alg_of(tfm);
    let am = alignmask(tfm);
    let f = rd64(alg + sa::setkey);
    let err = if key & am != 0 {
        let buf = Aligned::new(keylen as usize, am);
        copy(buf.addr(), key, keylen as u64);
        call(f, [tfm, buf.addr(), keylen as u64, 0, 0, 0])
    } else {
        call(f, [tfm, key, keylen as u64, 0, 0, 0])
    };
    let fl = tfm + cs::base + tfm_l::crt_flags;
    if err != 0 {
        if needs_key(alg) {
            wr32(fl, rd32(fl) | CRYPTO_TFM_NEED_KEY);
        }
        return err;
    }
    wr32(fl, rd32(fl) & !CRYPTO_TFM_NEED_KEY);
    0
}

crate::kfn! {
    /// `crypto_shash_setkey(tfm, key, keylen)`.
    fn crypto_shash_setkey(tfm: u64, key: u64, keylen: u32) -> i32 {
        setkey(tfm, key, keylen)
    }
}

// ---- instances ---------------------------------------------------------------

/// `struct shash_instance { void (*free)(inst); union { struct { char
/// head[offsetof(struct shash_alg, base)]; struct crypto_instance base; } s;
/// struct shash_alg alg; }; }`: the algorithm after `free`.
pub(crate) const INSTANCE_ALG: u64 = 8;

/// `shash_crypto_instance(inst)`.
pub(crate) fn crypto_instance_of(inst: u64) -> u64 {
    inst + INSTANCE_ALG + sa::base
}

/// `shash_instance_ctx(inst)`: the context after the crypto_instance.
pub(crate) fn instance_ctx(inst: u64) -> u64 {
    crypto_instance_of(inst) + crate::layout::crypto_instance::SIZE
}

/// sizeof(struct shash_instance).
pub(crate) fn instance_size() -> u64 {
    INSTANCE_ALG + sa::SIZE.max(sa::base + crate::layout::crypto_instance::SIZE)
}

crate::kfn! {
    /// `shash_register_instance(tmpl, inst)`: -EINVAL without a `free`;
    /// shash_prepare_alg, then crypto_register_instance.
    fn shash_register_instance(tmpl: u64, inst: u64) -> i32 {
        if rd64(inst) == 0 {
            super::algapi::warn("crypto/shash.c", 628, "shash_register_instance", "");
            return EINVAL;
        }
        let err = prepare(inst + INSTANCE_ALG);
        if err != 0 {
            return err;
        }
        super::algapi::register_instance(tmpl, crypto_instance_of(inst))
    }
}

crate::kfn! {
    /// `shash_free_singlespawn_instance(inst)`: its one spawn dropped, freed.
    fn shash_free_singlespawn_instance(inst: u64) {
        super::algapi::crypto_drop_spawn(instance_ctx(inst));
        crate::drivers::base::kfree(inst);
    }
}

/// `crypto_shash_export(desc, out)`: the algorithm's export.
pub(crate) fn export(desc: u64, out: u64) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    call(rd64(alg_of(tfm) + sa::export), [desc, out, 0, 0, 0, 0])
}

/// `crypto_shash_import(desc, in)`: -ENOKEY for a keyed transform without
/// its key, else the algorithm's import.
pub(crate) fn import(desc: u64, inp: u64) -> i32 {
    let tfm = rd64(desc + sd::tfm);
    if rd32(tfm + cs::base + tfm_l::crt_flags) & CRYPTO_TFM_NEED_KEY != 0 {
        return ENOKEY;
    }
    call(rd64(alg_of(tfm) + sa::import), [desc, inp, 0, 0, 0, 0])
}

//! crypto/hmac.c (CONFIG_CRYPTO_HMAC=y in Debian's vmlinux): the `hmac`
//! template (RFC 2104) over any unkeyed shash whose digest fits in a
//! block and whose state is at least a block. The transform's context is
//! Linux's: the inner and outer padded-key states (as the hash exports
//! them, each `statesize` aligned to the hash's alignment), then
//! `struct hmac_ctx { struct crypto_shash *hash; }`; the descriptor holds
//! the hash's descriptor.

use crate::drivers::base::{kzalloc, rd32, rd64, wr32, wr64};
use crate::layout::{
    crypto_alg as ca, crypto_consts as cc, crypto_shash as cs, crypto_spawn as sp, crypto_tfm as t,
    shash_alg as sa, shash_desc as sd,
};

use super::api::*;
use super::host;
use super::shash::{self, INSTANCE_ALG};

const HMAC_IPAD_VALUE: u8 = 0x36;
const HMAC_OPAD_VALUE: u8 = 0x5c;

fn salg_of(hash: u64) -> u64 {
    rd64(hash + cs::base + t::__crt_alg) - sa::base
}
fn blocksize(hash: u64) -> usize {
    rd32(salg_of(hash) + sa::base + ca::cra_blocksize) as usize
}
fn digestsize(hash: u64) -> usize {
    rd32(salg_of(hash) + sa::digestsize) as usize
}
fn statesize(hash: u64) -> usize {
    rd32(salg_of(hash) + sa::statesize) as usize
}

/// `crypto_shash_ctx_aligned(tfm)`: the context at the algorithm's alignment.
fn ctx_aligned(hash: u64) -> u64 {
    let am = rd32(salg_of(hash) + sa::base + ca::cra_alignmask) as u64;
    (hash + cs::base + t::__crt_ctx).next_multiple_of(am + 1)
}
/// The inner and outer states and `hmac_ctx` of a parent transform.
fn pads(parent: u64) -> (u64, u64, u64) {
    let ss = statesize(parent) as u64;
    let ipad = ctx_aligned(parent);
    let opad = ipad + ss;
    let ctx = (opad + ss).next_multiple_of(cc::CRYPTO_TFM_CTX_ALIGNMENT);
    (ipad, opad, ctx)
}
fn child_of(parent: u64) -> u64 {
    rd64(pads(parent).2)
}

/// A descriptor of the hash on the heap (SHASH_DESC_ON_STACK), zeroed
/// when dropped (shash_desc_zero).
struct Desc(Vec<u64>);
impl Desc {
    fn new(hash: u64) -> Desc {
        let n = (sd::__ctx + cc::HASH_MAX_DESCSIZE) as usize;
        let mut d = Desc(vec![0u64; n.div_ceil(8)]);
        wr64(d.addr() + sd::tfm, hash);
        d
    }
    fn addr(&mut self) -> u64 {
        self.0.as_mut_ptr() as u64
    }
}
impl Drop for Desc {
    fn drop(&mut self) {
        for w in self.0.iter_mut() {
            // SAFETY: a word of our own buffer; volatile so it is not elided.
            unsafe { std::ptr::write_volatile(w, 0) };
        }
    }
}

fn chain(steps: &mut [&mut dyn FnMut() -> i32]) -> i32 {
    for s in steps.iter_mut() {
        let e = s();
        if e != 0 {
            return e;
        }
    }
    0
}

crate::kfn! {
    /// `hmac_setkey(parent, inkey, keylen)`: a key longer than a block is
    /// hashed first; the inner and outer padded keys are hashed and their
    /// states exported into the context.
    fn hmac_setkey(parent: u64, inkey: u64, keylen: u32) -> i32 {
        let bs = blocksize(parent);
        let ds = digestsize(parent);
        let (ipad, opad, _) = pads(parent);
        let hash = child_of(parent);
        let mut d = Desc::new(hash);
        let desc = d.addr();
        let mut ib = vec![0u8; bs.max(ds)];
        let klen = keylen as usize;
        if klen > bs {
            // the key's digest, zero-padded to the block
            let e = shash::digest(desc, inkey, keylen, ib.as_mut_ptr() as u64);
            if e != 0 {
                return e;
            }
        } else {
            ib[..klen].copy_from_slice(host::bytes(inkey, klen));
        }
        ib.truncate(bs);
        let mut ob = ib.clone();
        for b in ib.iter_mut() {
            *b ^= HMAC_IPAD_VALUE;
        }
        for b in ob.iter_mut() {
            *b ^= HMAC_OPAD_VALUE;
        }
        let (ip, op) = (ib.as_ptr() as u64, ob.as_ptr() as u64);
        let e = chain(&mut [
            &mut || shash::init(desc),
            &mut || shash::update(desc, ip, bs as u32),
            &mut || shash::export(desc, ipad),
            &mut || shash::init(desc),
            &mut || shash::update(desc, op, bs as u32),
            &mut || shash::export(desc, opad),
        ]);
        ib.fill(0);
        ob.fill(0);
        e
    }
}

crate::kfn! {
    /// `hmac_export(pdesc, out)`: the hash descriptor's state.
    fn hmac_export(pdesc: u64, out: u64) -> i32 {
        shash::export(pdesc + sd::__ctx, out)
    }
}

crate::kfn! {
    /// `hmac_import(pdesc, in)`: the hash descriptor on the child, its
    /// state imported.
    fn hmac_import(pdesc: u64, inp: u64) -> i32 {
        let desc = pdesc + sd::__ctx;
        wr64(desc + sd::tfm, child_of(rd64(pdesc + sd::tfm)));
        shash::import(desc, inp)
    }
}

crate::kfn! {
    /// `hmac_init(pdesc)`: the inner state imported.
    fn hmac_init(pdesc: u64) -> i32 {
        hmac_import(pdesc, pads(rd64(pdesc + sd::tfm)).0)
    }
}

crate::kfn! {
    /// `hmac_update(pdesc, data, nbytes)`.
    fn hmac_update(pdesc: u64, data: u64, nbytes: u32) -> i32 {
        shash::update(pdesc + sd::__ctx, data, nbytes)
    }
}

crate::kfn! {
    /// `hmac_final(pdesc, out)`: the inner digest, then the outer hash of it.
    fn hmac_final(pdesc: u64, out: u64) -> i32 {
        let parent = rd64(pdesc + sd::tfm);
        let ds = digestsize(parent) as u32;
        let opad = pads(parent).1;
        let desc = pdesc + sd::__ctx;
        chain(&mut [
            &mut || shash::final_(desc, out),
            &mut || shash::import(desc, opad),
            &mut || shash::finup(desc, out, ds, out),
        ])
    }
}

crate::kfn! {
    /// `hmac_finup(pdesc, data, nbytes, out)`.
    fn hmac_finup(pdesc: u64, data: u64, nbytes: u32, out: u64) -> i32 {
        let parent = rd64(pdesc + sd::tfm);
        let ds = digestsize(parent) as u32;
        let opad = pads(parent).1;
        let desc = pdesc + sd::__ctx;
        chain(&mut [
            &mut || shash::finup(desc, data, nbytes, out),
            &mut || shash::import(desc, opad),
            &mut || shash::finup(desc, out, ds, out),
        ])
    }
}

crate::kfn! {
    /// `hmac_init_tfm(parent)`: a transform of the spawn's hash in the
    /// context; the descriptor holds the hash's.
    fn hmac_init_tfm(parent: u64) -> i32 {
        let salg = salg_of(parent);
        let inst = salg - INSTANCE_ALG;
        let hash = match super::algapi::spawn_tfm2(shash::instance_ctx(inst)) {
            Some(h) if crate::drivers::base::is_err_or_null(h) => return h as i64 as i32,
            Some(h) => h,
            None => return ENOENT,
        };
        let descsize = sd::__ctx + rd32(hash + cs::descsize) as u64;
        if descsize > cc::HASH_MAX_DESCSIZE {
            super::algapi::warn("crypto/hmac.c", 151, "hmac_init_tfm", "");
            crypto_destroy_tfm(hash, hash + cs::base);
            return EINVAL;
        }
        wr32(parent + cs::descsize, descsize as u32);
        wr64(pads(parent).2, hash);
        0
    }
}

crate::kfn! {
    /// `hmac_exit_tfm(parent)`: frees the hash.
    fn hmac_exit_tfm(parent: u64) {
        let hash = child_of(parent);
        crypto_destroy_tfm(hash, hash + cs::base);
    }
}

crate::kfn! {
    /// `hmac_create(tmpl, tb)`: an shash instance over the named hash,
    /// -EINVAL for a keyed hash or one whose digest exceeds its block or
    /// whose state is smaller than its block.
    fn hmac_create(tmpl: u64, tb: u64) -> i32 {
        let mut mask = 0u32;
        let err = super::algapi::crypto_check_attr_type(tb, CRYPTO_ALG_TYPE_SHASH, &mut mask as *mut u32 as u64);
        if err != 0 {
            return err;
        }
        let inst = kzalloc(shash::instance_size() + sp::SIZE);
        if inst == 0 {
            return ENOMEM;
        }
        let spawn = shash::instance_ctx(inst);
        wr64(spawn + sp::frontend, super::types::Type::Shash.addr());
        let name = super::algapi::crypto_attr_alg_name(rd64(tb + 8));
        let err = super::algapi::grab_spawn(spawn, shash::crypto_instance_of(inst), name, 0, mask, (0, 0));
        if err != 0 {
            shash::shash_free_singlespawn_instance(inst);
            return err;
        }
        let alg = rd64(spawn + sp::alg);
        let salg = alg - sa::base;
        let ds = rd32(salg + sa::digestsize);
        let mut ss = rd32(salg + sa::statesize);
        let bs = rd32(alg + ca::cra_blocksize);
        if shash::needs_key(salg) || ds > bs || ss < bs {
            shash::shash_free_singlespawn_instance(inst);
            return EINVAL;
        }
        let ia = inst + INSTANCE_ALG;
        let err = super::algapi::crypto_inst_setname(shash::crypto_instance_of(inst), tmpl + crate::layout::crypto_template::name, alg);
        if err != 0 {
            shash::shash_free_singlespawn_instance(inst);
            return err;
        }
        let am = rd32(alg + ca::cra_alignmask);
        wr32(ia + sa::base + ca::cra_priority, rd32(alg + ca::cra_priority));
        wr32(ia + sa::base + ca::cra_blocksize, bs);
        wr32(ia + sa::base + ca::cra_alignmask, am);
        ss = ss.next_multiple_of(am + 1);
        wr32(ia + sa::digestsize, ds);
        wr32(ia + sa::statesize, ss);
        let ctxsize = 8 + (2 * ss as u64).next_multiple_of(cc::CRYPTO_TFM_CTX_ALIGNMENT);
        wr32(ia + sa::base + ca::cra_ctxsize, ctxsize as u32);
        for (field, f) in [
            (sa::init_tfm, "hmac_init_tfm"),
            (sa::exit_tfm, "hmac_exit_tfm"),
            (sa::init, "hmac_init"),
            (sa::update, "hmac_update"),
            (sa::r#final, "hmac_final"),
            (sa::finup, "hmac_finup"),
            (sa::export, "hmac_export"),
            (sa::import, "hmac_import"),
            (sa::setkey, "hmac_setkey"),
        ] {
            wr64(ia + field, host::func(f));
        }
        wr64(inst, host::func("shash_free_singlespawn_instance"));
        let err = shash::shash_register_instance(tmpl, inst);
        if err != 0 {
            shash::shash_free_singlespawn_instance(inst);
        }
        err
    }
}

/// `hmac_module_init`: registers the template.
pub(crate) fn init() -> i32 {
    let t = host::template("hmac", "hmac_create");
    if t == 0 {
        return ENOMEM;
    }
    super::algapi::crypto_register_template(t)
}

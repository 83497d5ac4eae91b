//! crypto/dh.c: `dh-generic`, vmlinux's Diffie-Hellman kpp algorithm
//! (CONFIG_CRYPTO_DH=y; CONFIG_CRYPTO_DH_RFC7919_GROUPS is not set in
//! Debian's build, so no ffdhe templates are registered), on
//! `num-bigint-dig` instead of lib/mpi, with Linux 6.1's rules:
//!
//! - `set_secret`: the packed `struct dh` ([`super::dh_helper`]); p of
//!   at least 1536 bits (2048 in FIPS mode), else -EINVAL; any failure
//!   clears the context (-EINVAL);
//! - public key `g^xa mod p`, shared secret `y^xa mod p` after the
//!   partial public-key validation of SP800-56A 5.6.2.3.2 (2 <= y < p;
//!   in FIPS mode also `y^((p-1)/2) = 1`), -EINVAL otherwise; in FIPS
//!   mode the shared secret's (z <= 1 or z = p - 1: -EBADMSG) and the
//!   public key's checks (-EAGAIN);
//! - the output written as lib/mpi's `mpi_write_to_sgl`: the value's
//!   limbs big-endian, zero-padded on the left to `dst_len` (-EOVERFLOW
//!   when `dst_len` is less than the value's whole 64-bit limbs);
//!   `max_size` is p's size in whole limbs (`mpi_get_size`);
//! - numbers of more than 16384 bits are refused as lib/mpi refuses them
//!   ("MPI: mpi too large", -EINVAL).
//!
//! The algorithm's context (`struct dh_ctx`, three MPI pointers in
//! Linux) holds the host's numbers behind its first pointer.

use num_bigint_dig::BigUint;

use crate::drivers::base::{rd32, rd64, wr64};
use crate::layout::{crypto_async_request as creq, crypto_kpp as ck, crypto_tfm as t, kpp_alg as s, kpp_request as kr};

use super::api::{EINVAL, ENOMEM};
use super::host::{self, Base};

const EOVERFLOW: i32 = -75;
const EBADMSG: i32 = -74;
const EAGAIN: i32 = -11;
/// lib/mpi's `MAX_EXTERN_NBITS`.
const MAX_EXTERN_NBITS: u64 = 16384;

/// The host's `struct dh_ctx`.
#[derive(Default)]
struct Ctx {
    p: Option<BigUint>,
    g: Option<BigUint>,
    xa: Option<BigUint>,
}

pub(crate) fn fips_enabled() -> bool {
    let a = crate::vmlinux::get().and_then(|v| v.symbol("fips_enabled")).unwrap_or(0);
    // SAFETY: the exported int in the vmlinux data area.
    a != 0 && unsafe { (a as *const i32).read_volatile() } != 0
}

/// The tfm's context slot (`kpp_tfm_ctx(tfm)`), holding a `Box<Ctx>`
/// pointer or 0.
fn slot(kpp: u64) -> u64 {
    kpp + ck::base + t::__crt_ctx
}

fn with_ctx<R>(kpp: u64, f: impl FnOnce(&mut Ctx) -> R) -> R {
    let p = rd64(slot(kpp));
    if p == 0 {
        let b = Box::into_raw(Box::<Ctx>::default());
        wr64(slot(kpp), b as u64);
        // SAFETY: the Box just leaked into the slot; only this tfm's
        // operations use it (Linux's callers serialise a tfm's key use).
        return f(unsafe { &mut *b });
    }
    // SAFETY: as above: the slot holds our Box<Ctx>.
    f(unsafe { &mut *(p as *mut Ctx) })
}

/// `mpi_read_raw_data`: a big-endian number; None (NULL) for one of more
/// than 16384 significant bits, logged as lib/mpi does.
pub(crate) fn read_raw(b: &[u8]) -> Option<BigUint> {
    let n = BigUint::from_bytes_be(b);
    let bits = n.bits() as u64;
    if bits > MAX_EXTERN_NBITS {
        crate::log::kernel_msg(6, &format!("MPI: mpi too large ({bits} bits)"));
        return None;
    }
    Some(n)
}

/// `mpi_get_size`: bytes in the number's limbs.
pub(crate) fn mpi_size(n: &BigUint) -> usize {
    (n.bits()).div_ceil(64) * 8
}

crate::kfn! {
    /// `dh_set_secret(tfm, buf, len)`.
    fn dh_set_secret(kpp: u64, buf: u64, len: u32) -> i32 {
        with_ctx(kpp, |c| {
            *c = Ctx::default();
            let r = (|| -> Option<Ctx> {
                if buf == 0 {
                    return None;
                }
                let params = super::dh_helper::decode(host::bytes(buf, len as usize)).ok()?;
                let p_bits = (params.p.len() as u32).wrapping_shl(3);
                if p_bits < if fips_enabled() { 2048 } else { 1536 } {
                    return None;
                }
                Some(Ctx { p: Some(read_raw(&params.p)?), g: Some(read_raw(&params.g)?), xa: Some(read_raw(&params.key)?) })
            })();
            match r {
                Some(n) => {
                    *c = n;
                    0
                }
                None => EINVAL,
            }
        })
    }
}

/// `dh_is_pubkey_valid(ctx, y)`.
fn pubkey_valid(c: &Ctx, y: &BigUint) -> i32 {
    let Some(p) = &c.p else { return EINVAL };
    if *y <= BigUint::from(1u32) || y >= p {
        return EINVAL;
    }
    if fips_enabled() {
        let q: BigUint = p >> 1usize;
        if y.modpow(&q, p) != BigUint::from(1u32) {
            return EINVAL;
        }
    }
    0
}

/// `mpi_read_raw_from_sgl(sgl, len)`: None when the list is shorter or
/// the number too large.
pub(crate) fn read_sgl(sgl: u64, len: u32) -> Option<BigUint> {
    let nents = crate::lib_::scatterlist::sg_nents_for_len(sgl, len as u64);
    if nents < 0 {
        return None;
    }
    let mut b = vec![0u8; len as usize];
    crate::lib_::scatterlist::copy_buffer(sgl, nents as u32, b.as_mut_ptr() as u64, len as u64, 0, true);
    let lz = b.iter().take_while(|&&x| x == 0).count();
    let bits = ((b.len() - lz) * 8) as u64;
    if bits > MAX_EXTERN_NBITS {
        crate::log::kernel_msg(6, &format!("MPI: mpi too large ({bits} bits)"));
        return None;
    }
    Some(BigUint::from_bytes_be(&b))
}

/// `mpi_write_to_sgl(val, sgl, nbytes)`.
pub(crate) fn write_sgl(v: &BigUint, sgl: u64, nbytes: u32) -> i32 {
    let n = mpi_size(v);
    if (nbytes as usize) < n {
        return EOVERFLOW;
    }
    let nents = crate::lib_::scatterlist::sg_nents_for_len(sgl, nbytes as u64);
    if nents < 0 {
        return EINVAL;
    }
    let mut out = vec![0u8; nbytes as usize];
    let be = v.to_bytes_be();
    if *v != BigUint::default() {
        let l = out.len();
        out[l - be.len()..].copy_from_slice(&be);
    }
    crate::lib_::scatterlist::copy_buffer(sgl, nents as u32, out.as_ptr() as u64, nbytes as u64, 0, false);
    0
}

crate::kfn! {
    /// `dh_compute_value(req)`: the public key (no source) or the shared
    /// secret with the public key in the source.
    fn dh_compute_value(req: u64) -> i32 {
        let kpp = rd64(req + kr::base + creq::tfm) - ck::base;
        with_ctx(kpp, |c| {
            let (Some(xa), Some(p), Some(g)) = (c.xa.clone(), c.p.clone(), c.g.clone()) else {
                return EINVAL;
            };
            let src = rd64(req + kr::src);
            let base = if src != 0 {
                let Some(y) = read_sgl(src, rd32(req + kr::src_len)) else { return EINVAL };
                let e = pubkey_valid(c, &y);
                if e != 0 {
                    return e;
                }
                y
            } else {
                g
            };
            let val = base.modpow(&xa, &p);
            if fips_enabled() {
                if src != 0 {
                    if val <= BigUint::from(1u32) || val == &p - 1u32 {
                        return EBADMSG;
                    }
                } else if pubkey_valid(c, &val) != 0 {
                    return EAGAIN;
                }
            }
            write_sgl(&val, rd64(req + kr::dst), rd32(req + kr::dst_len))
        })
    }
}

crate::kfn! {
    /// `dh_max_size(tfm)`: `mpi_get_size(ctx->p)`. (Linux dereferences a
    /// NULL p for a tfm without a secret; the host answers 0.)
    fn dh_max_size(kpp: u64) -> u32 {
        with_ctx(kpp, |c| c.p.as_ref().map_or(0, mpi_size) as u32)
    }
}

crate::kfn! {
    /// `dh_exit_tfm(tfm)`: the context cleared (the host's numbers freed).
    fn dh_exit_tfm(kpp: u64) {
        let p = rd64(slot(kpp));
        if p != 0 {
            wr64(slot(kpp), 0);
            // SAFETY: the Box<Ctx> `with_ctx` leaked into the slot.
            drop(unsafe { Box::from_raw(p as *mut Ctx) });
        }
    }
}

/// `dh_init`: `dh-generic`, priority 100, `cra_ctxsize` of Linux's
/// `struct dh_ctx` (three pointers).
pub(crate) fn init() -> i32 {
    let a = host::alg(
        s::SIZE,
        s::base,
        &Base { name: "dh", driver: "dh-generic", priority: 100, blocksize: 0, ctxsize: 24, flags: 0 },
    );
    if a == 0 {
        return ENOMEM;
    }
    wr64(a + s::set_secret, host::func("dh_set_secret"));
    wr64(a + s::generate_public_key, host::func("dh_compute_value"));
    wr64(a + s::compute_shared_secret, host::func("dh_compute_value"));
    wr64(a + s::max_size, host::func("dh_max_size"));
    wr64(a + s::exit, host::func("dh_exit_tfm"));
    super::kpp::register(a)
}

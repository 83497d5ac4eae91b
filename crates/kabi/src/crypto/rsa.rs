//! crypto/rsa.c and rsa_helper.c (CONFIG_CRYPTO_RSA=y in Debian's
//! vmlinux): `rsa-generic`, raw RSA as an akcipher, on `num-bigint-dig`
//! instead of lib/mpi, and the key parsers `rsa_parse_pub_key` /
//! `rsa_parse_priv_key` (exported; hardware drivers use them too) — the
//! BER of rsapubkey.asn1/rsaprivkey.asn1 run through the host's
//! [`asn1_ber_decoder`](crate::lib_::asn1_decoder) with rsa_helper's
//! actions, filling `struct rsa_key` with pointers into the key.
//!
//! Linux 6.1's rules:
//! - the key actions: n non-empty (in FIPS mode at least 256 bytes after
//!   its leading zeros, else "RSA: key size not allowed in FIPS mode"),
//!   e and d non-empty and no longer than n, p, q, dp, dq, qinv no
//!   longer than n: -EINVAL otherwise; malformed BER -EBADMSG;
//! - `set_pub_key`/`set_priv_key` free the old key first; a number of
//!   more than 16384 bits is -ENOMEM (mpi_read_raw_data's NULL); the
//!   modulus' size in whole 64-bit limbs must be 512, 1024, 1536 (not in
//!   FIPS mode), 2048, 3072 or 4096 bits (`rsa_check_key_length`),
//!   -EINVAL otherwise;
//! - `encrypt`: `m^e mod n` (-EINVAL without n or e, or for m >= n);
//!   `decrypt`: by the CRT with p, q, dp, dq, qinv (-EINVAL without n or
//!   d, or for c >= n); the input read as mpi_read_raw_from_sgl reads it
//!   (-ENOMEM when the list is short or the number too large), the output
//!   written as mpi_write_to_sgl writes it (zero-padded to `dst_len`,
//!   -EOVERFLOW when `dst_len` is less than the value's whole limbs);
//! - `sign`/`verify` are not rsa.c's (pkcs1pad uses decrypt/encrypt):
//!   akcipher's default -ENOSYS; `max_size` is n's size in whole limbs.

use num_bigint_dig::BigUint;

use crate::drivers::base::{rd32, rd64, wr64};
use crate::layout::{akcipher_alg as s, akcipher_request as ar, rsa_key as rk};

use super::api::{EINVAL, ENOMEM};
use super::dh::{fips_enabled, mpi_size, read_raw, read_sgl, write_sgl};
use super::host::{self, Base};
use crate::lib_::asn1_decoder::{self as asn1, tag, INT, SEQ, UNIV};

// ---- rsa_helper.c ------------------------------------------------------------

/// The parts of a key (`struct rsa_key`): each a range of the key buffer.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawKey {
    pub n: (usize, usize),
    pub e: (usize, usize),
    pub d: (usize, usize),
    pub p: (usize, usize),
    pub q: (usize, usize),
    pub dp: (usize, usize),
    pub dq: (usize, usize),
    pub qinv: (usize, usize),
}

const ACT_N: u8 = 0;
const ACT_E: u8 = 1;
const ACT_D: u8 = 2;
const ACT_P: u8 = 3;
const ACT_Q: u8 = 4;
const ACT_DP: u8 = 5;
const ACT_DQ: u8 = 6;
const ACT_QINV: u8 = 7;

const SEQUENCE: u8 = tag(UNIV, true, SEQ);
const INTEGER: u8 = tag(UNIV, false, INT);

/// rsapubkey.asn1: `SEQUENCE { n INTEGER ({rsa_get_n}), e INTEGER
/// ({rsa_get_e}) }`, compiled.
const PUB_MACHINE: [u8; 10] = [
    asn1::OP_MATCH, SEQUENCE,
    asn1::OP_MATCH_ACT, INTEGER, ACT_N,
    asn1::OP_MATCH_ACT, INTEGER, ACT_E,
    asn1::OP_END_SEQ,
    asn1::OP_COMPLETE,
];

/// rsaprivkey.asn1: `SEQUENCE { version INTEGER, n, e, d, prime1, prime2,
/// exponent1, exponent2, coefficient INTEGER (each with its action) }`.
const PRIV_MACHINE: [u8; 30] = [
    asn1::OP_MATCH, SEQUENCE,
    asn1::OP_MATCH, INTEGER,
    asn1::OP_MATCH_ACT, INTEGER, ACT_N,
    asn1::OP_MATCH_ACT, INTEGER, ACT_E,
    asn1::OP_MATCH_ACT, INTEGER, ACT_D,
    asn1::OP_MATCH_ACT, INTEGER, ACT_P,
    asn1::OP_MATCH_ACT, INTEGER, ACT_Q,
    asn1::OP_MATCH_ACT, INTEGER, ACT_DP,
    asn1::OP_MATCH_ACT, INTEGER, ACT_DQ,
    asn1::OP_MATCH_ACT, INTEGER, ACT_QINV,
    asn1::OP_END_SEQ,
    asn1::OP_COMPLETE,
];

/// rsa_helper's actions on the key being filled.
fn action(k: &mut RawKey, key: &[u8], a: u8, off: usize, vlen: usize) -> i32 {
    let n_sz = k.n.1;
    match a {
        ACT_N => {
            if vlen == 0 {
                return EINVAL;
            }
            if fips_enabled() {
                let v = &key[off..off + vlen];
                let lz = v.iter().take_while(|&&b| b == 0).count();
                if vlen - lz < 256 {
                    crate::log::kernel_msg(3, "RSA: key size not allowed in FIPS mode");
                    return EINVAL;
                }
            }
            k.n = (off, vlen);
        }
        ACT_E | ACT_D => {
            if n_sz == 0 || vlen == 0 || vlen > n_sz {
                return EINVAL;
            }
            if a == ACT_E {
                k.e = (off, vlen);
            } else {
                k.d = (off, vlen);
            }
        }
        _ => {
            if vlen == 0 || vlen > n_sz {
                return EINVAL;
            }
            let f = match a {
                ACT_P => &mut k.p,
                ACT_Q => &mut k.q,
                ACT_DP => &mut k.dp,
                ACT_DQ => &mut k.dq,
                _ => &mut k.qinv,
            };
            *f = (off, vlen);
        }
    }
    0
}

/// `rsa_parse_pub_key` / `rsa_parse_priv_key` over a key buffer.
pub(crate) fn parse(key: &[u8], private: bool) -> Result<RawKey, i32> {
    let mut k = RawKey::default();
    let m: &[u8] = if private { &PRIV_MACHINE } else { &PUB_MACHINE };
    let r = asn1::decode(m, key, &mut |a, _hdr, _tag, off, len| action(&mut k, key, a, off, len));
    if r < 0 {
        return Err(r);
    }
    Ok(k)
}

/// Fills a `struct rsa_key` from a parse of the key at `key`.
fn parse_export(rsa_key: u64, key: u64, key_len: u32, private: bool) -> i32 {
    let k = match parse(host::bytes(key, key_len as usize), private) {
        Ok(k) => k,
        Err(e) => return e,
    };
    let set = |p: u64, sz: u64, (off, len): (usize, usize)| {
        if len != 0 {
            wr64(rsa_key + p, key + off as u64);
            wr64(rsa_key + sz, len as u64);
        }
    };
    set(rk::n, rk::n_sz, k.n);
    set(rk::e, rk::e_sz, k.e);
    set(rk::d, rk::d_sz, k.d);
    set(rk::p, rk::p_sz, k.p);
    set(rk::q, rk::q_sz, k.q);
    set(rk::dp, rk::dp_sz, k.dp);
    set(rk::dq, rk::dq_sz, k.dq);
    set(rk::qinv, rk::qinv_sz, k.qinv);
    0
}

crate::kfn! {
    /// `rsa_parse_pub_key(rsa_key, key, key_len)`: n and e of a BER
    /// RSAPublicKey, as pointers into the key.
    fn rsa_parse_pub_key(rsa_key: u64, key: u64, key_len: u32) -> i32 {
        parse_export(rsa_key, key, key_len, false)
    }
}

crate::kfn! {
    /// `rsa_parse_priv_key(rsa_key, key, key_len)`: the parts of a BER
    /// RSAPrivateKey, as pointers into the key.
    fn rsa_parse_priv_key(rsa_key: u64, key: u64, key_len: u32) -> i32 {
        parse_export(rsa_key, key, key_len, true)
    }
}

// ---- rsa.c ---------------------------------------------------------------------

/// The host's `struct rsa_mpi_key`.
#[derive(Default)]
struct Ctx {
    n: Option<BigUint>,
    e: Option<BigUint>,
    d: Option<BigUint>,
    p: Option<BigUint>,
    q: Option<BigUint>,
    dp: Option<BigUint>,
    dq: Option<BigUint>,
    qinv: Option<BigUint>,
}

/// The tfm's context slot (`akcipher_tfm_ctx`), holding a `Box<Ctx>`
/// pointer or 0.
fn with_ctx<R>(tfm: u64, f: impl FnOnce(&mut Ctx) -> R) -> R {
    let slot = super::akcipher::tfm_ctx(tfm);
    let p = rd64(slot);
    if p == 0 {
        let b = Box::into_raw(Box::<Ctx>::default());
        wr64(slot, b as u64);
        // SAFETY: the Box just leaked into the slot; only this tfm's
        // operations use it (Linux's callers serialise a tfm's key use).
        return f(unsafe { &mut *b });
    }
    // SAFETY: as above: the slot holds our Box<Ctx>.
    f(unsafe { &mut *(p as *mut Ctx) })
}

/// `rsa_check_key_length(bits)`.
fn check_key_length(bits: usize) -> i32 {
    match bits {
        512 | 1024 | 1536 if fips_enabled() => EINVAL,
        512 | 1024 | 1536 | 2048 | 3072 | 4096 => 0,
        _ => EINVAL,
    }
}

fn set_key(tfm: u64, key: u64, keylen: u32, private: bool) -> i32 {
    with_ctx(tfm, |c| {
        *c = Ctx::default();
        let kb = host::bytes(key, keylen as usize);
        let k = match parse(kb, private) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let rd = |(off, len): (usize, usize)| read_raw(&kb[off..off + len]);
        let mut n = Ctx::default();
        let ok = (|| -> Option<()> {
            if private {
                n.d = Some(rd(k.d)?);
            }
            n.e = Some(rd(k.e)?);
            n.n = Some(rd(k.n)?);
            if private {
                n.p = Some(rd(k.p)?);
                n.q = Some(rd(k.q)?);
                n.dp = Some(rd(k.dp)?);
                n.dq = Some(rd(k.dq)?);
                n.qinv = Some(rd(k.qinv)?);
            }
            Some(())
        })();
        if ok.is_none() {
            return ENOMEM;
        }
        if check_key_length(n.n.as_ref().map_or(0, mpi_size) << 3) != 0 {
            return EINVAL;
        }
        *c = n;
        0
    })
}

crate::kfn! {
    /// `rsa_set_pub_key(tfm, key, keylen)`.
    fn rsa_set_pub_key(tfm: u64, key: u64, keylen: u32) -> i32 {
        set_key(tfm, key, keylen, false)
    }
}

crate::kfn! {
    /// `rsa_set_priv_key(tfm, key, keylen)`.
    fn rsa_set_priv_key(tfm: u64, key: u64, keylen: u32) -> i32 {
        set_key(tfm, key, keylen, true)
    }
}

/// `_rsa_dec_crt`: m1 = c^dp mod p, m2 = c^dq mod q,
/// h = (m1 - m2) qinv mod p, m = m2 + q h.
fn dec_crt(c: &BigUint, p: &BigUint, q: &BigUint, dp: &BigUint, dq: &BigUint, qinv: &BigUint) -> BigUint {
    let m1 = c.modpow(dp, p);
    let m2 = c.modpow(dq, q);
    let m2p = &m2 % p;
    let diff = if m1 >= m2p { m1 - m2p } else { m1 + p - m2p };
    let h = diff * qinv % p;
    m2 + q * h
}

fn crypt(req: u64, enc: bool) -> i32 {
    let tfm = super::akcipher::reqtfm(req);
    with_ctx(tfm, |c| {
        let Some(n) = c.n.clone() else { return EINVAL };
        let (src, src_len) = (rd64(req + ar::src), rd32(req + ar::src_len));
        let out = if enc {
            let Some(e) = c.e.clone() else { return EINVAL };
            let Some(m) = read_sgl(src, src_len) else { return ENOMEM };
            if m >= n {
                return EINVAL;
            }
            m.modpow(&e, &n)
        } else {
            if c.d.is_none() {
                return EINVAL;
            }
            let Some(v) = read_sgl(src, src_len) else { return ENOMEM };
            if v >= n {
                return EINVAL;
            }
            match (&c.p, &c.q, &c.dp, &c.dq, &c.qinv) {
                (Some(p), Some(q), Some(dp), Some(dq), Some(qinv)) => dec_crt(&v, p, q, dp, dq, qinv),
                _ => return EINVAL,
            }
        };
        write_sgl(&out, rd64(req + ar::dst), rd32(req + ar::dst_len))
    })
}

crate::kfn! {
    /// `rsa_enc(req)`.
    fn rsa_enc(req: u64) -> i32 {
        crypt(req, true)
    }
}

crate::kfn! {
    /// `rsa_dec(req)`.
    fn rsa_dec(req: u64) -> i32 {
        crypt(req, false)
    }
}

crate::kfn! {
    /// `rsa_max_size(tfm)`: `mpi_get_size(n)`. (Linux dereferences a NULL
    /// n for a tfm without a key; the host answers 0.)
    fn rsa_max_size(tfm: u64) -> u32 {
        with_ctx(tfm, |c| c.n.as_ref().map_or(0, mpi_size) as u32)
    }
}

crate::kfn! {
    /// `rsa_exit_tfm(tfm)`: the key freed.
    fn rsa_exit_tfm(tfm: u64) {
        let slot = super::akcipher::tfm_ctx(tfm);
        let p = rd64(slot);
        if p != 0 {
            wr64(slot, 0);
            // SAFETY: the Box<Ctx> `with_ctx` leaked into the slot.
            drop(unsafe { Box::from_raw(p as *mut Ctx) });
        }
    }
}

/// `rsa_init`: `rsa-generic` (priority 100, `cra_ctxsize` of Linux's
/// `struct rsa_mpi_key`, eight MPI pointers), then the pkcs1pad template
/// (the akcipher unregistered again if that fails).
pub(crate) fn init() -> i32 {
    let a = host::alg(
        s::SIZE,
        s::base,
        &Base { name: "rsa", driver: "rsa-generic", priority: 100, blocksize: 0, ctxsize: 64, flags: 0 },
    );
    if a == 0 {
        return ENOMEM;
    }
    wr64(a + s::encrypt, host::func("rsa_enc"));
    wr64(a + s::decrypt, host::func("rsa_dec"));
    wr64(a + s::set_pub_key, host::func("rsa_set_pub_key"));
    wr64(a + s::set_priv_key, host::func("rsa_set_priv_key"));
    wr64(a + s::max_size, host::func("rsa_max_size"));
    wr64(a + s::exit, host::func("rsa_exit_tfm"));
    let e = super::akcipher::register(a);
    if e != 0 {
        return e;
    }
    let e = super::rsa_pkcs1pad::init();
    if e != 0 {
        super::algapi::unregister_alg(a + s::base, None);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    const EBADMSG: i32 = -74;

    #[test]
    fn parse_errors() {
        // SEQUENCE { INTEGER 0x00 0xc3, INTEGER 3 }
        let good = [0x30, 0x07, 0x02, 0x02, 0x00, 0xc3, 0x02, 0x01, 0x03];
        let k = parse(&good, false).unwrap();
        assert_eq!(k.n, (4, 2));
        assert_eq!(k.e, (8, 1));
        // e longer than n
        assert_eq!(parse(&[0x30, 0x06, 0x02, 0x01, 0xc3, 0x02, 0x01 + 1, 0x03], false), Err(EBADMSG));
        assert_eq!(parse(&[0x30, 0x07, 0x02, 0x01, 0xc3, 0x02, 0x02, 0x01, 0x03], false), Err(EINVAL));
        // empty n
        assert_eq!(parse(&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x03], false), Err(EINVAL));
        // wrong tag, short data, trailing element
        assert_eq!(parse(&[0x31, 0x07, 0x02, 0x02, 0x00, 0xc3, 0x02, 0x01, 0x03], false), Err(EBADMSG));
        assert_eq!(parse(&good[..8], false), Err(EBADMSG));
        assert_eq!(parse(&[0x30, 0x0a, 0x02, 0x02, 0x00, 0xc3, 0x02, 0x01, 0x03, 0x02, 0x01, 0x00], false), Err(EBADMSG));
        assert_eq!(parse(&[], false), Err(EBADMSG));
    }
}

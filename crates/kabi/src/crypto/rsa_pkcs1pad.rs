//! crypto/rsa-pkcs1pad.c (linked into Debian's vmlinux with rsa.c): the
//! `pkcs1pad` template — PKCS#1 v1.5 padding over an akcipher named
//! "rsa": `pkcs1pad(rsa)` and `pkcs1pad(rsa,<hash>)`, the hash one of
//! 6.1's DigestInfo table (md5, sha1, rmd160, sha224, sha256, sha384,
//! sha512; another is -EINVAL). As Linux 6.1:
//!
//! - `encrypt`: type-2 block `00 02 PS 00 M` (PS nonzero random bytes),
//!   -EOVERFLOW for a message longer than k - 11 or a destination shorter
//!   than k (`dst_len` set to k); the child's `encrypt`;
//! - `decrypt`: source of exactly k bytes (-EINVAL), the child's
//!   `decrypt` into k bytes; the block checked (leading zero, 02, at
//!   least 8 bytes of padding, a zero separator: -EINVAL otherwise);
//!   -EOVERFLOW (with `dst_len` set) for a short destination;
//! - `sign`: type-1 block `00 01 FF.. 00 DigestInfo digest` through the
//!   child's `decrypt`; `verify`: signature (k bytes, -EINVAL otherwise)
//!   followed by the digest in the source, no destination; the child's
//!   `encrypt`; a malformed block or DigestInfo -EBADMSG, a digest of
//!   another length or value -EKEYREJECTED;
//! - `max_size` the child's, at most a page (-ENOTSUPP from set_*_key).
//!
//! The request context is Linux's `struct pkcs1pad_request` (two input
//! and one output scatterlist entries, the two buffers, the child's
//! request); an asynchronous child completes through the callbacks as
//! on Linux.

use crate::drivers::base::{kzalloc, rd32, rd64, wr32, wr64, wr8};
use crate::layout::{
    akcipher_alg as s, akcipher_instance as ai, akcipher_request as ar, crypto_akcipher as ck,
    crypto_alg as ca, crypto_async_request as creq, crypto_spawn as sp, mm as mmc, scatterlist as sl,
};

use super::akcipher::{self as akc, Op};
use super::api::*;
use super::host;

const EBADMSG: i32 = -74;
const EOVERFLOW: i32 = -75;
const EKEYREJECTED: i32 = -129;
const ENOTSUPP: i32 = -524;
const EINPROGRESS: i32 = -115;
const EBUSY: i32 = -16;
const PAGE_SIZE: u32 = 4096;

/// rsa-pkcs1pad.c's `rsa_asn1_templates`: the DER DigestInfo prefix of
/// each hash (AlgorithmIdentifier with NULL parameters, then the OCTET
/// STRING header of the digest).
pub(crate) const DIGEST_INFO: [(&str, &[u8]); 7] = [
    ("md5", &[0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10]),
    ("sha1", &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14]),
    ("rmd160", &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x24, 0x03, 0x02, 0x01, 0x05, 0x00, 0x04, 0x14]),
    ("sha224", &[0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c]),
    ("sha256", &[0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]),
    ("sha384", &[0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]),
    ("sha512", &[0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]),
];

// `struct pkcs1pad_ctx` (the tfm's context): child, key_size.
const CTX_CHILD: u64 = 0;
const CTX_KEY_SIZE: u64 = 8;
const CTX_SIZE: u32 = 16;
// `struct pkcs1pad_inst_ctx` after the akcipher_instance: the spawn,
// then the DigestInfo (the host keeps its table index + 1; 0 for none).
const INST_DIGEST: u64 = crate::layout::crypto_akcipher_spawn::SIZE;
// `struct pkcs1pad_request`: in_sg[2], out_sg[1], in_buf, out_buf,
// child_req.
const RQ_IN_SG: u64 = 0;
const RQ_OUT_SG: u64 = 2 * sl::SIZE;
const RQ_IN_BUF: u64 = 3 * sl::SIZE;
const RQ_OUT_BUF: u64 = RQ_IN_BUF + 8;
const RQ_CHILD: u64 = RQ_OUT_BUF + 8;

fn ctx(tfm: u64) -> u64 {
    akc::tfm_ctx(tfm)
}
fn key_size(tfm: u64) -> u32 {
    rd32(ctx(tfm) + CTX_KEY_SIZE)
}
fn child(tfm: u64) -> u64 {
    rd64(ctx(tfm) + CTX_CHILD)
}
/// `akcipher_request_ctx(req)`.
fn req_ctx(req: u64) -> u64 {
    req + ar::__ctx
}
fn digest_info(tfm: u64) -> Option<&'static [u8]> {
    let i = rd64(akc::instance_ctx(akc::alg_instance(tfm)) + INST_DIGEST) as usize;
    i.checked_sub(1).and_then(|i| DIGEST_INFO.get(i)).map(|d| d.1)
}

fn set_key(tfm: u64, key: u64, keylen: u32, private: bool) -> i32 {
    wr32(ctx(tfm) + CTX_KEY_SIZE, 0);
    let c = child(tfm);
    let err = if private { akc::set_priv_key(c, key, keylen) } else { akc::set_pub_key(c, key, keylen) };
    if err != 0 {
        return err;
    }
    let Some(size) = akc::max_size(c) else { return super::skcipher::EFAULT };
    if size > PAGE_SIZE {
        return ENOTSUPP;
    }
    wr32(ctx(tfm) + CTX_KEY_SIZE, size);
    0
}

crate::kfn! {
    /// `pkcs1pad_set_pub_key(tfm, key, keylen)`.
    fn pkcs1pad_set_pub_key(tfm: u64, key: u64, keylen: u32) -> i32 {
        set_key(tfm, key, keylen, false)
    }
}

crate::kfn! {
    /// `pkcs1pad_set_priv_key(tfm, key, keylen)`.
    fn pkcs1pad_set_priv_key(tfm: u64, key: u64, keylen: u32) -> i32 {
        set_key(tfm, key, keylen, true)
    }
}

crate::kfn! {
    /// `pkcs1pad_get_max_size(tfm)`: the key size.
    fn pkcs1pad_get_max_size(tfm: u64) -> u32 {
        key_size(tfm)
    }
}

/// `pkcs1pad_sg_set_buf(sg, buf, len, next)`: one entry over the buffer,
/// chained to `next` when there is one.
fn sg_set_buf(sg: u64, buf: u64, len: u32, next: u64) {
    let nsegs = if next != 0 { 2 } else { 1 };
    super::scatterwalk::sg_init_table(sg, nsegs);
    super::scatterwalk::sg_set_buf(sg, buf, len);
    if next != 0 {
        // sg_chain(sg, 2, next)
        let last = sg + sl::SIZE;
        wr32(last + sl::offset, 0);
        wr32(last + sl::length, 0);
        wr64(last + sl::page_link, (next | mmc::SG_CHAIN) & !mmc::SG_END);
    }
}

fn kmalloc(n: u32) -> u64 {
    let p = crate::mm::slab::kmalloc_bytes(n.max(1) as usize, 0);
    if p <= 16 { 0 } else { p }
}
fn kfree(p: u64) {
    if p != 0 {
        crate::mm::slab::kfree_addr(p);
    }
}
fn kfree_sensitive(p: u64) {
    if p != 0 {
        crate::mm::slab::kfree_sensitive_addr(p);
    }
}

fn nents(sgl: u64, len: u32) -> u32 {
    crate::lib_::scatterlist::sg_nents_for_len(sgl, len as u64).max(0) as u32
}

/// The child's request set up as pkcs1pad does: the child tfm, the
/// caller's flags with `cb` completing it, and its source/destination.
fn child_req(req: u64, cb: &str, src: u64, dst: u64, src_len: u32, dst_len: u32) -> u64 {
    let tfm = akc::reqtfm(req);
    let c = req_ctx(req) + RQ_CHILD;
    wr64(c + ar::base + creq::tfm, child(tfm) + ck::base);
    wr32(c + ar::base + creq::flags, rd32(req + ar::base + creq::flags));
    wr64(c + ar::base + creq::complete, host::func(cb));
    wr64(c + ar::base + creq::data, req);
    wr64(c + ar::src, src);
    wr64(c + ar::dst, dst);
    wr32(c + ar::src_len, src_len);
    wr32(c + ar::dst_len, dst_len);
    c
}

/// `akcipher_request_complete(req, err)`: the caller's completion.
fn complete(req: u64, err: i32) {
    let f = rd64(req + ar::base + creq::complete);
    if f != 0 {
        crate::fault::call_module(f, [req + ar::base, err as i64 as u64, 0, 0, 0, 0]);
    }
}

/// The child's answer: completed now, or later through the callback.
fn finish(req: u64, err: i32, done: fn(u64, i32) -> i32) -> i32 {
    if err != EINPROGRESS && err != EBUSY {
        return done(req, err);
    }
    err
}

fn encrypt_sign_complete(req: u64, mut err: i32) -> i32 {
    let tfm = akc::reqtfm(req);
    let ks = key_size(tfm);
    let rc = req_ctx(req);
    if err == 0 {
        let len = rd32(rc + RQ_CHILD + ar::dst_len);
        let pad_len = ks.wrapping_sub(len);
        if pad_len != 0 {
            // Linux moves a short result right in the destination and
            // then returns its -ENOMEM regardless; for a destination
            // longer than the key it writes out of bounds (not done here).
            let out = kzalloc(ks as u64);
            err = ENOMEM;
            if out != 0 && len < ks {
                let dst = rd64(req + ar::dst);
                crate::lib_::scatterlist::copy_buffer(dst, nents(dst, len), out + pad_len as u64, len as u64, 0, true);
                crate::lib_::scatterlist::copy_buffer(dst, nents(dst, ks), out, ks as u64, 0, false);
            }
            kfree_sensitive(out);
        }
    }
    wr32(req + ar::dst_len, ks);
    kfree(rd64(rc + RQ_IN_BUF));
    err
}

crate::kfn! {
    /// `pkcs1pad_encrypt_sign_complete_cb(child_req, err)`.
    fn pkcs1pad_encrypt_sign_complete_cb(child: u64, err: i32) {
        let req = rd64(child + creq::data);
        if err == EINPROGRESS {
            complete(req, err);
            return;
        }
        complete(req, encrypt_sign_complete(req, err));
    }
}

/// The input block `<lead> PS 00 [prefix]` of k - 1 - src_len bytes
/// (the leading zero is the child's input length, k - 1), chained to the
/// caller's source; the child's request with it. Err with the errno.
fn pad_request(req: u64, lead: u8, prefix: &[u8]) -> Result<(), i32> {
    let tfm = akc::reqtfm(req);
    let ks = key_size(tfm);
    let src_len = rd32(req + ar::src_len);
    if ks == 0 {
        return Err(EINVAL);
    }
    if src_len.wrapping_add(prefix.len() as u32) > ks.wrapping_sub(11) {
        return Err(EOVERFLOW);
    }
    if rd32(req + ar::dst_len) < ks {
        wr32(req + ar::dst_len, ks);
        return Err(EOVERFLOW);
    }
    // (a child whose size is under 11 bytes wraps Linux's arithmetic;
    // the host refuses it instead)
    let (Some(n), Some(ps_end)) = (
        ks.checked_sub(1 + src_len),
        ks.checked_sub(prefix.len() as u32 + src_len + 2).filter(|&p| p >= 1),
    ) else {
        return Err(EOVERFLOW);
    };
    let buf = kmalloc(n);
    if buf == 0 {
        return Err(ENOMEM);
    }
    let rc = req_ctx(req);
    wr64(rc + RQ_IN_BUF, buf);
    wr8(buf, lead);
    for i in 1..ps_end as u64 {
        let b = if lead == 0x02 {
            // 1 + prandom_u32_max(255)
            1 + ((crate::lib_::random::get_random_u32() as u64 * 255) >> 32) as u8
        } else {
            0xff
        };
        wr8(buf + i, b);
    }
    wr8(buf + ps_end as u64, 0);
    host::put(buf + ps_end as u64 + 1, prefix);
    sg_set_buf(rc + RQ_IN_SG, buf, n, rd64(req + ar::src));
    child_req(
        req,
        "pkcs1pad_encrypt_sign_complete_cb",
        rc + RQ_IN_SG,
        rd64(req + ar::dst),
        ks - 1,
        rd32(req + ar::dst_len),
    );
    Ok(())
}

crate::kfn! {
    /// `pkcs1pad_encrypt(req)`.
    fn pkcs1pad_encrypt(req: u64) -> i32 {
        if let Err(e) = pad_request(req, 0x02, &[]) {
            return e;
        }
        let err = akc::run(req_ctx(req) + RQ_CHILD, Op::Encrypt);
        finish(req, err, encrypt_sign_complete)
    }
}

crate::kfn! {
    /// `pkcs1pad_sign(req)`: the DigestInfo block through the child's
    /// decrypt.
    fn pkcs1pad_sign(req: u64) -> i32 {
        let di = digest_info(akc::reqtfm(req)).unwrap_or(&[]);
        if let Err(e) = pad_request(req, 0x01, di) {
            return e;
        }
        let err = akc::run(req_ctx(req) + RQ_CHILD, Op::Decrypt);
        finish(req, err, encrypt_sign_complete)
    }
}

/// The child's output of a decrypt or verify: its length and where the
/// block after the (optional) leading zero starts; Err(-EINVAL) when it
/// is short or lacks the zero.
fn unpadded(req: u64) -> Result<(u32, u64), i32> {
    let ks = key_size(akc::reqtfm(req));
    let rc = req_ctx(req);
    let mut dst_len = rd32(rc + RQ_CHILD + ar::dst_len);
    let mut out = rd64(rc + RQ_OUT_BUF);
    if dst_len < ks.wrapping_sub(1) {
        return Err(EINVAL);
    }
    if dst_len == ks {
        if host::bytes(out, 1)[0] != 0 {
            return Err(EINVAL);
        }
        dst_len -= 1;
        out += 1;
    }
    Ok((dst_len, out))
}

fn decrypt_complete(req: u64, err: i32) -> i32 {
    let rc = req_ctx(req);
    let r = (|| -> i32 {
        if err != 0 {
            return err;
        }
        let (dst_len, out) = match unpadded(req) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let b = host::bytes(out, dst_len as usize);
        if b.first() != Some(&0x02) {
            return EINVAL;
        }
        let pos = 1 + b[1..].iter().take_while(|&&x| x != 0).count();
        if pos < 9 || pos == dst_len as usize {
            return EINVAL;
        }
        let pos = pos as u32 + 1;
        let n = dst_len - pos;
        let mut e = 0;
        if rd32(req + ar::dst_len) < n {
            e = EOVERFLOW;
        }
        wr32(req + ar::dst_len, n);
        if e == 0 {
            let dst = rd64(req + ar::dst);
            crate::lib_::scatterlist::copy_buffer(dst, nents(dst, n), out + pos as u64, n as u64, 0, false);
        }
        e
    })();
    kfree_sensitive(rd64(rc + RQ_OUT_BUF));
    r
}

crate::kfn! {
    /// `pkcs1pad_decrypt_complete_cb(child_req, err)`.
    fn pkcs1pad_decrypt_complete_cb(child: u64, err: i32) {
        let req = rd64(child + creq::data);
        if err == EINPROGRESS {
            complete(req, err);
            return;
        }
        complete(req, decrypt_complete(req, err));
    }
}

crate::kfn! {
    /// `pkcs1pad_decrypt(req)`.
    fn pkcs1pad_decrypt(req: u64) -> i32 {
        let ks = key_size(akc::reqtfm(req));
        let src_len = rd32(req + ar::src_len);
        if ks == 0 || src_len != ks {
            return EINVAL;
        }
        let out = kmalloc(ks);
        if out == 0 {
            return ENOMEM;
        }
        let rc = req_ctx(req);
        wr64(rc + RQ_OUT_BUF, out);
        sg_set_buf(rc + RQ_OUT_SG, out, ks, 0);
        child_req(req, "pkcs1pad_decrypt_complete_cb", rd64(req + ar::src), rc + RQ_OUT_SG, src_len, ks);
        let err = akc::run(rc + RQ_CHILD, Op::Decrypt);
        finish(req, err, decrypt_complete)
    }
}

fn verify_complete(req: u64, err: i32) -> i32 {
    let rc = req_ctx(req);
    let (sig_size, digest_size) = (rd32(req + ar::src_len), rd32(req + ar::dst_len));
    let r = (|| -> i32 {
        if err != 0 {
            return err;
        }
        let (dst_len, out) = match unpadded(req) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let b = host::bytes(out, dst_len as usize);
        if b.first() != Some(&0x01) {
            return EBADMSG;
        }
        let mut pos = 1 + b[1..].iter().take_while(|&&x| x == 0xff).count();
        if pos < 9 || pos == dst_len as usize || b[pos] != 0 {
            return EBADMSG;
        }
        pos += 1;
        if let Some(di) = digest_info(akc::reqtfm(req)) {
            if di.len() > dst_len as usize - pos {
                return EBADMSG;
            }
            if b[pos..pos + di.len()] != *di {
                return EBADMSG;
            }
            pos += di.len();
        }
        let rest = dst_len - pos as u32;
        if digest_size != rest {
            wr32(req + ar::dst_len, rest);
            return EKEYREJECTED;
        }
        // the digest after the signature in the source
        let mut digest = vec![0u8; digest_size as usize];
        let src = rd64(req + ar::src);
        crate::lib_::scatterlist::copy_buffer(
            src,
            nents(src, sig_size + digest_size),
            digest.as_mut_ptr() as u64,
            digest_size as u64,
            sig_size as u64,
            true,
        );
        if digest[..] != b[pos..] {
            return EKEYREJECTED;
        }
        0
    })();
    kfree_sensitive(rd64(rc + RQ_OUT_BUF));
    r
}

crate::kfn! {
    /// `pkcs1pad_verify_complete_cb(child_req, err)`.
    fn pkcs1pad_verify_complete_cb(child: u64, err: i32) {
        let req = rd64(child + creq::data);
        if err == EINPROGRESS {
            complete(req, err);
            return;
        }
        complete(req, verify_complete(req, err));
    }
}

crate::kfn! {
    /// `pkcs1pad_verify(req)`: signature and digest in the source, no
    /// destination (-EINVAL with a warning otherwise).
    fn pkcs1pad_verify(req: u64) -> i32 {
        let ks = key_size(akc::reqtfm(req));
        let (sig_size, digest_size) = (rd32(req + ar::src_len), rd32(req + ar::dst_len));
        if rd64(req + ar::dst) != 0 {
            super::algapi::warn("crypto/rsa-pkcs1pad.c", 541, "pkcs1pad_verify", "");
            return EINVAL;
        }
        if digest_size == 0 {
            super::algapi::warn("crypto/rsa-pkcs1pad.c", 541, "pkcs1pad_verify", "");
            return EINVAL;
        }
        if ks == 0 || sig_size != ks {
            return EINVAL;
        }
        let out = kmalloc(ks + digest_size);
        if out == 0 {
            return ENOMEM;
        }
        let rc = req_ctx(req);
        wr64(rc + RQ_OUT_BUF, out);
        sg_set_buf(rc + RQ_OUT_SG, out, ks, 0);
        child_req(req, "pkcs1pad_verify_complete_cb", rd64(req + ar::src), rc + RQ_OUT_SG, sig_size, ks);
        let err = akc::run(rc + RQ_CHILD, Op::Encrypt);
        finish(req, err, verify_complete)
    }
}

crate::kfn! {
    /// `pkcs1pad_init_tfm(tfm)`: a transform of the spawn's akcipher as
    /// the child.
    fn pkcs1pad_init_tfm(tfm: u64) -> i32 {
        let spawn = akc::instance_ctx(akc::alg_instance(tfm));
        let c = match super::algapi::spawn_tfm2(spawn) {
            Some(c) if crate::drivers::base::is_err_or_null(c) => return c as i64 as i32,
            Some(c) => c,
            None => return ENOENT,
        };
        wr64(ctx(tfm) + CTX_CHILD, c);
        0
    }
}

crate::kfn! {
    /// `pkcs1pad_exit_tfm(tfm)`: frees the child.
    fn pkcs1pad_exit_tfm(tfm: u64) {
        akc::free(child(tfm));
    }
}

crate::kfn! {
    /// `pkcs1pad_free(inst)`: the spawn dropped, the instance freed.
    fn pkcs1pad_free(inst: u64) {
        super::algapi::crypto_drop_spawn(akc::instance_ctx(inst));
        crate::drivers::base::kfree(inst);
    }
}

crate::kfn! {
    /// `pkcs1pad_create(tmpl, tb)`: an akcipher instance over the named
    /// algorithm, which must be "rsa" (-EINVAL), with an optional hash of
    /// the DigestInfo table (-EINVAL for another); registered, or freed.
    fn pkcs1pad_create(tmpl: u64, tb: u64) -> i32 {
        let mut mask = 0u32;
        let err = super::algapi::crypto_check_attr_type(tb, CRYPTO_ALG_TYPE_AKCIPHER, &mut mask as *mut u32 as u64);
        if err != 0 {
            return err;
        }
        let inst = kzalloc(ai::SIZE + INST_DIGEST + 8);
        if inst == 0 {
            return ENOMEM;
        }
        let err = (|| -> i32 {
            let spawn = akc::instance_ctx(inst);
            let name = super::algapi::crypto_attr_alg_name(rd64(tb + 8));
            let err = akc::grab(spawn, akc::crypto_instance_of(inst), name, 0, mask, (0, 0));
            if err != 0 {
                return err;
            }
            let alg = rd64(spawn + sp::alg);
            let rsa = alg - s::base;
            if name_of(alg) != b"rsa" {
                return EINVAL;
            }
            let base = inst + ai::alg + s::base;
            let hash = super::algapi::crypto_attr_alg_name(rd64(tb + 16));
            let (n, d) = if crate::drivers::base::is_err_or_null(hash) {
                (b"pkcs1pad(rsa)".to_vec(), [&b"pkcs1pad("[..], &driver_name(alg), b")"].concat())
            } else {
                // SAFETY: the attribute's NUL-terminated name.
                let h = unsafe { crate::abi::c_str(hash, 128) }.to_vec();
                let Some(i) = DIGEST_INFO.iter().position(|d| d.0.as_bytes() == &h[..]) else {
                    return EINVAL;
                };
                wr64(akc::instance_ctx(inst) + INST_DIGEST, i as u64 + 1);
                (
                    [&b"pkcs1pad(rsa,"[..], &h, b")"].concat(),
                    [&b"pkcs1pad("[..], &driver_name(alg), b",", &h, b")"].concat(),
                )
            };
            if !super::algapi::write_name(base + ca::cra_name, &n)
                || !super::algapi::write_name(base + ca::cra_driver_name, &d)
            {
                return -36;
            }
            wr32(base + ca::cra_priority, rd32(alg + ca::cra_priority));
            wr32(base + ca::cra_ctxsize, CTX_SIZE);
            let a = inst + ai::alg;
            for (field, f) in [
                (s::init, "pkcs1pad_init_tfm"),
                (s::exit, "pkcs1pad_exit_tfm"),
                (s::encrypt, "pkcs1pad_encrypt"),
                (s::decrypt, "pkcs1pad_decrypt"),
                (s::sign, "pkcs1pad_sign"),
                (s::verify, "pkcs1pad_verify"),
                (s::set_pub_key, "pkcs1pad_set_pub_key"),
                (s::set_priv_key, "pkcs1pad_set_priv_key"),
                (s::max_size, "pkcs1pad_get_max_size"),
            ] {
                wr64(a + field, host::func(f));
            }
            let reqsize = RQ_CHILD as u32 + ar::SIZE as u32 + rd32(rsa + s::reqsize);
            wr32(a + s::reqsize, reqsize);
            wr64(inst + ai::free, host::func("pkcs1pad_free"));
            akc::akcipher_register_instance(tmpl, inst)
        })();
        if err != 0 {
            pkcs1pad_free(inst);
        }
        err
    }
}

fn name_of(alg: u64) -> Vec<u8> {
    super::api::name(alg)
}

/// Registers the template (rsa_init does, after rsa-generic).
pub(crate) fn init() -> i32 {
    let t = host::template("pkcs1pad", "pkcs1pad_create");
    if t == 0 {
        return ENOMEM;
    }
    super::algapi::crypto_register_template(t)
}

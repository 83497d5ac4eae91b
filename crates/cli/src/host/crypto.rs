//! The daemon's side of `modhost crypto`: one operation through the host
//! kernel's crypto API (`kabi::crypto::user`), the algorithm looked up as
//! a kernel user's `crypto_alloc_*` looks it up — its module loaded
//! through the host's modprobe (`request_module("crypto-<name>")`), a
//! template instantiated on demand — and only algorithms that passed
//! their self-test qualify.

use kabi::crypto::user::{Acomp, Aead, Cipher, Comp, CompLayout, CryptoError, Hash, Layout, Rng, Skcipher};

use super::proto::{CryptoOp, CryptoRequest};

/// A positive errno and what failed.
pub type Failure = (i32, String);

const EINVAL: i32 = 22;
const ENOENT: i32 = 2;
const EFAULT: i32 = 14;

/// The errno and what failed, in words (the client adds the errno's).
fn fail(alg: &str, e: CryptoError) -> Failure {
    match e {
        CryptoError::NotFound(_) | CryptoError::Errno { op: "alloc", errno: -2 } => (ENOENT, format!("{alg}: no such algorithm")),
        CryptoError::Errno { op, errno } => (-errno, format!("{alg}: {op}")),
        CryptoError::Failed(op) => (EFAULT, format!("{alg}: {op}: the algorithm's code did not return (see modhost dmesg)")),
        CryptoError::Async { op, errno } => (-errno, format!("{alg}: {op}: no completion in 60 s")),
        CryptoError::NoMem => (12, format!("{alg}: out of memory")),
    }
}

/// Runs the request on `input`: the digest, or the output bytes.
pub fn run(r: &CryptoRequest, input: &[u8]) -> Result<Vec<u8>, Failure> {
    match r.operation {
        CryptoOp::Digest => digest(r, input),
        CryptoOp::Encrypt => crypt(r, input, true),
        CryptoOp::Decrypt => crypt(r, input, false),
        CryptoOp::Rng => rng(r),
        CryptoOp::Compress => comp(r, input, true),
        CryptoOp::Decompress => comp(r, input, false),
    }
}

/// The largest output `compress`/`decompress` tries without `--size`.
const COMP_MAX: usize = 256 << 20;

/// `crypto_comp_compress`/`crypto_comp_decompress` of `input` in one call,
/// as zswap or IPComp use a compressor. The caller knows the output's
/// bound in the kernel; here `--size` gives it, or the output buffer
/// starts at the compressors' worst case (a compression) or four times the
/// input (a decompression) and doubles while the algorithm refuses (its
/// errno for a full buffer is -ENOSPC, -E2BIG or, for most decompressors,
/// the -EINVAL of corrupt input) up to 256 MiB.
fn comp(r: &CryptoRequest, input: &[u8], enc: bool) -> Result<Vec<u8>, Failure> {
    if input.len() > u32::MAX as usize {
        return Err((EINVAL, format!("{}: the input is over 4 GiB", r.alg)));
    }
    // The legacy type (what zswap and IPComp use); an algorithm only
    // registered as scomp/acomp (zlib-deflate) through acomp, whose scomp
    // path takes at most 128 KiB each way (SCOMP_SCRATCH_SIZE).
    enum C {
        Legacy(Comp),
        Async(Acomp),
    }
    let c = match Comp::new(&r.alg) {
        Ok(c) => C::Legacy(c),
        Err(e) if e.errno() == Some(-ENOENT) => C::Async(Acomp::new(&r.alg).map_err(|e| fail(&r.alg, e))?),
        Err(e) => return Err(fail(&r.alg, e)),
    };
    let n = input.len();
    let (mut room, max) = match r.len {
        Some(m) => (m as usize, m as usize),
        None if enc => (n + n / 8 + 4096, COMP_MAX.max(n + n / 8 + 4096)),
        None => ((n.saturating_mul(4)).max(4096).min(COMP_MAX), COMP_MAX),
    };
    let mut last = None;
    loop {
        let res = match (&c, enc) {
            (C::Legacy(c), true) => c.compress(input, room, 0),
            (C::Legacy(c), false) => c.decompress(input, room, 0),
            (C::Async(a), true) => a.compress(input, room, &CompLayout::default()),
            (C::Async(a), false) => a.decompress(input, room, &CompLayout::default()),
        };
        match res {
            Ok(out) => return Ok(out),
            Err(e) if room < max && matches!(e.errno(), Some(-28) | Some(-7) | Some(-22)) => {
                room = room.saturating_mul(2).min(max);
                last = Some(e);
            }
            // no memory for a larger buffer: the algorithm's own answer
            Err(CryptoError::NoMem) if last.is_some() => return Err(fail(&r.alg, last.take().unwrap_or(CryptoError::NoMem))),
            Err(e) => return Err(fail(&r.alg, e)),
        }
    }
}

/// The most one request to a generator asks for (drbg's own limit per
/// generate, which it also splits longer requests into).
const RNG_CHUNK: usize = 1 << 16;

/// `len` bytes of the rng `alg`: "stdrng" from the default rng
/// (`crypto_get_default_rng`, `crypto_rng_get_bytes(crypto_default_rng,
/// ...)`, `crypto_put_default_rng`); any other name from a transform of
/// its own, seeded as kernel users seed one (`crypto_rng_reset(tfm, NULL,
/// crypto_rng_seedsize(tfm))`). Requests of at most 64 KiB each.
fn rng(r: &CryptoRequest) -> Result<Vec<u8>, Failure> {
    let len = r.len.unwrap_or(0) as usize;
    if len == 0 {
        return Err((EINVAL, format!("{}: no length", r.alg)));
    }
    let mut out = Vec::with_capacity(len);
    if r.alg == "stdrng" {
        while out.len() < len {
            let n = (len - out.len()).min(RNG_CHUNK);
            let (_, b) = kabi::crypto::user::default_rng_bytes(n).map_err(|e| fail(&r.alg, e))?;
            out.extend_from_slice(&b);
        }
        return Ok(out);
    }
    let t = Rng::new(&r.alg).map_err(|e| fail(&r.alg, e))?;
    t.reset(None).map_err(|e| fail(&r.alg, e))?;
    while out.len() < len {
        let n = (len - out.len()).min(RNG_CHUNK);
        out.extend_from_slice(&t.generate(n).map_err(|e| fail(&r.alg, e))?);
    }
    Ok(out)
}

fn digest(r: &CryptoRequest, input: &[u8]) -> Result<Vec<u8>, Failure> {
    let h = Hash::new(&r.alg).map_err(|e| fail(&r.alg, e))?;
    if let Some(k) = &r.key {
        h.setkey(k).map_err(|e| fail(&r.alg, e))?;
    }
    h.digest(input, &[]).map_err(|e| fail(&r.alg, e))
}

fn iv_for(r: &CryptoRequest, ivsize: usize) -> Result<Vec<u8>, Failure> {
    let iv = r.iv.clone().unwrap_or_default();
    if iv.len() != ivsize {
        return Err((EINVAL, format!("{}: the IV must be {ivsize} bytes (--iv), not {}", r.alg, iv.len())));
    }
    Ok(iv)
}

/// An skcipher unless AEAD parameters were given or the name is no
/// skcipher's; then an AEAD (output: ciphertext and tag; input of a
/// decryption the same); then a single-block cipher (whole blocks, each
/// on its own).
fn crypt(r: &CryptoRequest, input: &[u8], enc: bool) -> Result<Vec<u8>, Failure> {
    let key = r.key.clone().unwrap_or_default();
    let aead_args = r.aad.is_some() || r.taglen.is_some();
    if !aead_args {
        match Skcipher::new(&r.alg) {
            Ok(sk) => {
                sk.setkey(&key).map_err(|e| fail(&r.alg, e))?;
                let iv = iv_for(r, sk.ivsize())?;
                return sk.crypt(enc, &iv, input, &Layout::default()).map(|(d, _)| d).map_err(|e| fail(&r.alg, e));
            }
            Err(CryptoError::NotFound(_)) => {}
            Err(e) if e.errno() == Some(-ENOENT) || e.errno() == Some(-EINVAL) => {}
            Err(e) => return Err(fail(&r.alg, e)),
        }
    }
    match Aead::new(&r.alg) {
        Ok(a) => {
            a.setkey(&key).map_err(|e| fail(&r.alg, e))?;
            let tag = r.taglen.map_or(a.maxauthsize(), |t| t as usize);
            a.setauthsize(tag).map_err(|e| fail(&r.alg, e))?;
            let iv = iv_for(r, a.ivsize())?;
            let aad = r.aad.clone().unwrap_or_default();
            let l = Layout::default();
            return if enc { a.encrypt(&iv, &aad, input, &l) } else { a.decrypt(&iv, &aad, input, &l) }.map_err(|e| fail(&r.alg, e));
        }
        Err(CryptoError::NotFound(_)) => {}
        Err(e) if e.errno() == Some(-ENOENT) || e.errno() == Some(-EINVAL) => {}
        Err(e) => return Err(fail(&r.alg, e)),
    }
    if aead_args {
        return Err((ENOENT, format!("{}: no AEAD of that name (--aad and --taglen are for AEADs)", r.alg)));
    }
    let c = Cipher::new(&r.alg).map_err(|e| fail(&r.alg, e))?;
    c.setkey(&key).map_err(|e| fail(&r.alg, e))?;
    let mut data = input.to_vec();
    c.crypt_blocks(enc, &mut data).map_err(|e| fail(&r.alg, e))?;
    Ok(data)
}

//! crypto/dh_helper.c: the packed secret of the "dh" kpp algorithms
//! (`struct kpp_secret` {type = CRYPTO_KPP_SECRET_TYPE_DH, len}, then
//! `key_size`, `p_size`, `g_size` as native u32, then key, p and g) —
//! `crypto_dh_key_len`, `crypto_dh_encode_key`, `crypto_dh_decode_key`
//! (vmlinux's: CONFIG_CRYPTO_DH=y).

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::dh as d;

use super::api::EINVAL;

pub(crate) const CRYPTO_KPP_SECRET_TYPE_DH: u16 = 1;
/// `DH_KPP_SECRET_MIN_SIZE`: the header and the three sizes.
pub(crate) const MIN_SIZE: u32 = 4 + 3 * 4;

/// The parameters of `struct dh` (the host's copy).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DhParams {
    pub key: Vec<u8>,
    pub p: Vec<u8>,
    pub g: Vec<u8>,
}

/// `crypto_dh_key_len` for these sizes (wrapping as Linux's unsigned
/// arithmetic does).
fn key_len(key: u32, p: u32, g: u32) -> u32 {
    MIN_SIZE.wrapping_add(key).wrapping_add(p).wrapping_add(g)
}

/// `crypto_dh_encode_key`'s packing of `params` (the host's callers).
pub fn encode(params: &DhParams) -> Vec<u8> {
    let len = key_len(params.key.len() as u32, params.p.len() as u32, params.g.len() as u32);
    let mut v = Vec::with_capacity(len as usize);
    v.extend_from_slice(&CRYPTO_KPP_SECRET_TYPE_DH.to_ne_bytes());
    v.extend_from_slice(&(len as u16).to_ne_bytes());
    for n in [params.key.len(), params.p.len(), params.g.len()] {
        v.extend_from_slice(&(n as u32).to_ne_bytes());
    }
    v.extend_from_slice(&params.key);
    v.extend_from_slice(&params.p);
    v.extend_from_slice(&params.g);
    v
}

/// `__crypto_dh_decode_key(buf, len)`: the sizes and where key, p and g
/// start in `buf` (offsets), without the parameter checks.
pub(crate) fn decode_raw(buf: &[u8]) -> Result<(u32, u32, u32, usize), i32> {
    if buf.len() < MIN_SIZE as usize {
        return Err(EINVAL);
    }
    let u16_at = |o: usize| u16::from_ne_bytes([buf[o], buf[o + 1]]);
    let u32_at = |o: usize| u32::from_ne_bytes([buf[o], buf[o + 1], buf[o + 2], buf[o + 3]]);
    if u16_at(0) != CRYPTO_KPP_SECRET_TYPE_DH {
        return Err(EINVAL);
    }
    let (k, p, g) = (u32_at(4), u32_at(8), u32_at(12));
    // Linux compares the header's u16 length with the unsigned int sum.
    if u32::from(u16_at(2)) != key_len(k, p, g) {
        return Err(EINVAL);
    }
    Ok((k, p, g, MIN_SIZE as usize))
}

/// `crypto_dh_decode_key(buf, len)` for the host's callers: the
/// parameters, copied; -EINVAL as Linux (key or g larger than p, p zero).
pub fn decode(buf: &[u8]) -> Result<DhParams, i32> {
    let (k, p, g, off) = decode_raw(buf)?;
    if k > p || g > p {
        return Err(EINVAL);
    }
    let (k, p, g) = (k as usize, p as usize, g as usize);
    // The header's length matched the sizes; `buf` must hold them (Linux
    // trusts the caller's buffer here; the host refuses to read past it).
    if buf.len() < off + k + p + g {
        return Err(EINVAL);
    }
    let key = buf[off..off + k].to_vec();
    let pp = buf[off + k..off + k + p].to_vec();
    let gg = buf[off + k + p..off + k + p + g].to_vec();
    if pp.iter().all(|&b| b == 0) {
        return Err(EINVAL);
    }
    Ok(DhParams { key, p: pp, g: gg })
}

crate::kfn! {
    /// `unsigned int crypto_dh_key_len(const struct dh *p)`.
    fn crypto_dh_key_len(params: u64) -> u32 {
        key_len(rd32(params + d::key_size), rd32(params + d::p_size), rd32(params + d::g_size))
    }
}

crate::kfn! {
    /// `int crypto_dh_encode_key(char *buf, unsigned int len, const struct dh *params)`:
    /// packs into exactly `len` bytes (-EINVAL for len 0, a part that does
    /// not fit, or room left over).
    fn crypto_dh_encode_key(buf: u64, len: u32, params: u64) -> i32 {
        if len == 0 {
            return EINVAL;
        }
        let sizes = [rd32(params + d::key_size), rd32(params + d::p_size), rd32(params + d::g_size)];
        let mut parts: Vec<(u64, u64)> = Vec::new();
        let hdr = [
            CRYPTO_KPP_SECRET_TYPE_DH.to_ne_bytes(),
            (len as u16).to_ne_bytes(),
        ]
        .concat();
        let mut head = hdr;
        for n in sizes {
            head.extend_from_slice(&n.to_ne_bytes());
        }
        parts.push((head.as_ptr() as u64, head.len() as u64));
        parts.push((rd64(params + d::key), sizes[0] as u64));
        parts.push((rd64(params + d::p), sizes[1] as u64));
        parts.push((rd64(params + d::g), sizes[2] as u64));
        // dh_pack_data: a part that does not fit in what is left stops the
        // packing (later parts are not written).
        let mut off = 0u64;
        for (src, n) in parts {
            if n > len as u64 - off {
                return EINVAL;
            }
            super::host::put(buf + off, super::host::bytes(src, n as usize));
            off += n;
        }
        if off != len as u64 {
            return EINVAL;
        }
        0
    }
}

crate::kfn! {
    /// `int crypto_dh_decode_key(const char *buf, unsigned int len, struct dh *params)`:
    /// `params`' pointers point into `buf` (no copy).
    fn crypto_dh_decode_key(buf: u64, len: u32, params: u64) -> i32 {
        if buf == 0 || len < MIN_SIZE {
            return EINVAL;
        }
        let head = super::host::bytes(buf, MIN_SIZE as usize);
        let (k, p, g, off) = match decode_raw(head) {
            Ok(r) => r,
            Err(e) => return e,
        };
        wr32(params + d::key_size, k);
        wr32(params + d::p_size, p);
        wr32(params + d::g_size, g);
        let base = buf + off as u64;
        wr64(params + d::key, base);
        wr64(params + d::p, base + k as u64);
        wr64(params + d::g, base + k as u64 + p as u64);
        if k > p || g > p {
            return EINVAL;
        }
        if super::host::bytes(base + k as u64, p as usize).iter().all(|&b| b == 0) {
            return EINVAL;
        }
        0
    }
}

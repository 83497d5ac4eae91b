//! lib/crypto/aes.c (CONFIG_CRYPTO_LIB_AES=y in Debian's vmlinux): the
//! AES key expansion into `struct crypto_aes_ctx` and one-block
//! encryption and decryption with it — what aes-ti and the AES-NI driver
//! (its non-SIMD paths and GCM's hash subkey) call.
//!
//! The context is Linux's: `key_enc` the FIPS-197 round keys as
//! little-endian words (the key bytes read four at a time), `key_dec` the
//! equivalent inverse cipher's (the encryption keys in reverse round
//! order, the inner ones through InvMixColumns) — the layout the AES-NI
//! code also reads — and `key_length` in bytes.

use crate::drivers::base::{rd32, wr32};
use crate::layout::crypto_aes_ctx as c;

/// GF(2^8) multiplication modulo x^8 + x^4 + x^3 + x + 1.
const fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// The S-box from its definition: the multiplicative inverse, then the
/// affine map.
const fn sboxes() -> ([u8; 256], [u8; 256]) {
    let mut s = [0u8; 256];
    let mut inv = [0u8; 256];
    let mut x = 0usize;
    while x < 256 {
        // inverse by search (x^254 would do too); 0 maps to 0
        let mut y = 0u8;
        if x != 0 {
            let mut c = 1usize;
            while c < 256 {
                if gmul(x as u8, c as u8) == 1 {
                    y = c as u8;
                    break;
                }
                c += 1;
            }
        }
        let b = y;
        let v = b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        s[x] = v;
        inv[v as usize] = x as u8;
        x += 1;
    }
    (s, inv)
}

static SBOX: ([u8; 256], [u8; 256]) = sboxes();

fn subw(w: u32) -> u32 {
    u32::from_le_bytes(w.to_le_bytes().map(|b| SBOX.0[b as usize]))
}

/// InvMixColumns of one column (a little-endian word).
fn inv_mix_column(w: u32) -> u32 {
    let a = w.to_le_bytes();
    let m = |i: usize| -> u8 {
        gmul(a[i], 14) ^ gmul(a[(i + 1) % 4], 11) ^ gmul(a[(i + 2) % 4], 13) ^ gmul(a[(i + 3) % 4], 9)
    };
    u32::from_le_bytes([m(0), m(1), m(2), m(3)])
}

fn mix_column(w: u32) -> u32 {
    let a = w.to_le_bytes();
    let m = |i: usize| -> u8 { gmul(a[i], 2) ^ gmul(a[(i + 1) % 4], 3) ^ a[(i + 2) % 4] ^ a[(i + 3) % 4] };
    u32::from_le_bytes([m(0), m(1), m(2), m(3)])
}

/// The expanded key of a 16/24/32-byte key: (key_enc, key_dec), 4 *
/// (rounds + 1) words each.
pub(crate) fn expand(key: &[u8]) -> Option<(Vec<u32>, Vec<u32>)> {
    let kl = key.len();
    if kl != 16 && kl != 24 && kl != 32 {
        return None;
    }
    let nk = kl / 4;
    let total = kl + 28;
    let mut enc = vec![0u32; total];
    for i in 0..nk {
        enc[i] = u32::from_le_bytes(key[4 * i..4 * i + 4].try_into().ok()?);
    }
    let mut rc = 1u8;
    for i in nk..total {
        let mut t = enc[i - 1];
        if i % nk == 0 {
            t = subw(t.rotate_right(8)) ^ rc as u32;
            rc = gmul(rc, 2);
        } else if nk == 8 && i % nk == 4 {
            t = subw(t);
        }
        enc[i] = enc[i - nk] ^ t;
    }
    let mut dec = vec![0u32; total];
    dec[..4].copy_from_slice(&enc[kl + 24..kl + 28]);
    let (mut i, mut j) = (4, kl + 20);
    while j > 0 {
        for k in 0..4 {
            dec[i + k] = inv_mix_column(enc[j + k]);
        }
        i += 4;
        j -= 4;
    }
    dec[i..i + 4].copy_from_slice(&enc[..4]);
    Some((enc, dec))
}

fn state(inp: &[u8; 16]) -> [u8; 16] {
    *inp
}

fn add(s: &mut [u8; 16], k: &[u32]) {
    for col in 0..4 {
        let kb = k[col].to_le_bytes();
        for r in 0..4 {
            s[4 * col + r] ^= kb[r];
        }
    }
}

/// One block with the encryption schedule.
pub(crate) fn encrypt_block(enc: &[u32], inp: &[u8; 16]) -> [u8; 16] {
    let rounds = enc.len() / 4 - 1;
    let mut s = state(inp);
    add(&mut s, &enc[..4]);
    for r in 1..=rounds {
        // SubBytes and ShiftRows: row r of column c comes from column c + r.
        let mut t = [0u8; 16];
        for col in 0..4 {
            for row in 0..4 {
                t[4 * col + row] = SBOX.0[s[4 * ((col + row) % 4) + row] as usize];
            }
        }
        if r != rounds {
            for col in 0..4 {
                let w = mix_column(u32::from_le_bytes(t[4 * col..4 * col + 4].try_into().unwrap_or([0; 4])));
                t[4 * col..4 * col + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
        add(&mut t, &enc[4 * r..4 * r + 4]);
        s = t;
    }
    s
}

/// One block with the equivalent inverse cipher's schedule.
pub(crate) fn decrypt_block(dec: &[u32], inp: &[u8; 16]) -> [u8; 16] {
    let rounds = dec.len() / 4 - 1;
    let mut s = state(inp);
    add(&mut s, &dec[..4]);
    for r in 1..=rounds {
        let mut t = [0u8; 16];
        for col in 0..4 {
            for row in 0..4 {
                t[4 * col + row] = SBOX.1[s[4 * ((col + 4 - row) % 4) + row] as usize];
            }
        }
        if r != rounds {
            for col in 0..4 {
                let w = inv_mix_column(u32::from_le_bytes(t[4 * col..4 * col + 4].try_into().unwrap_or([0; 4])));
                t[4 * col..4 * col + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
        add(&mut t, &dec[4 * r..4 * r + 4]);
        s = t;
    }
    s
}

fn words(ctx: u64, off: u64, n: usize) -> Vec<u32> {
    (0..n as u64).map(|i| rd32(ctx + off + 4 * i)).collect()
}

fn block_in(p: u64) -> [u8; 16] {
    let mut b = [0u8; 16];
    // SAFETY: the caller's 16-byte input block.
    unsafe { std::ptr::copy_nonoverlapping(p as *const u8, b.as_mut_ptr(), 16) };
    b
}

fn block_out(p: u64, b: &[u8; 16]) {
    // SAFETY: the caller's 16-byte output block (may be the input).
    unsafe { std::ptr::copy(b.as_ptr(), p as *mut u8, 16) };
}

crate::kfn! {
    /// `int aes_expandkey(ctx, in_key, key_len)`: -EINVAL unless the key is
    /// 16, 24 or 32 bytes.
    fn aes_expandkey(ctx: u64, in_key: u64, key_len: u32) -> i32 {
        if !matches!(key_len, 16 | 24 | 32) {
            return -22;
        }
        // SAFETY: the caller's key of key_len bytes.
        let key = unsafe { std::slice::from_raw_parts(in_key as *const u8, key_len as usize) };
        let Some((enc, dec)) = expand(key) else { return -22 };
        for (i, (e, d)) in enc.iter().zip(&dec).enumerate() {
            wr32(ctx + c::key_enc + 4 * i as u64, *e);
            wr32(ctx + c::key_dec + 4 * i as u64, *d);
        }
        wr32(ctx + c::key_length, key_len);
        0
    }
}

fn schedule_len(ctx: u64) -> usize {
    let kl = rd32(ctx + c::key_length) as usize;
    if matches!(kl, 16 | 24 | 32) {
        kl + 28
    } else {
        44
    }
}

crate::kfn! {
    /// `void aes_encrypt(ctx, out, in)`: one block.
    fn aes_encrypt(ctx: u64, out: u64, inp: u64) {
        let enc = words(ctx, c::key_enc, schedule_len(ctx));
        block_out(out, &encrypt_block(&enc, &block_in(inp)));
    }
}

crate::kfn! {
    /// `void aes_decrypt(ctx, out, in)`: one block.
    fn aes_decrypt(ctx: u64, out: u64, inp: u64) {
        let dec = words(ctx, c::key_dec, schedule_len(ctx));
        block_out(out, &decrypt_block(&dec, &block_in(inp)));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fips197() {
        // FIPS-197 appendix C.1/C.3.
        let key: Vec<u8> = (0u8..16).collect();
        let pt: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
        let (e, d) = super::expand(&key).unwrap();
        let ct = super::encrypt_block(&e, &pt);
        assert_eq!(
            ct,
            [0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a]
        );
        assert_eq!(super::decrypt_block(&d, &ct), pt);
        let key: Vec<u8> = (0u8..32).collect();
        let (e, d) = super::expand(&key).unwrap();
        let ct = super::encrypt_block(&e, &pt);
        assert_eq!(
            ct,
            [0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89]
        );
        assert_eq!(super::decrypt_block(&d, &ct), pt);
    }
}

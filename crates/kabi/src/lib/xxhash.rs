//! lib/xxhash.c: XXH64 (the algorithm as its specification defines it:
//! four 64-bit lanes over 32-byte stripes, then the tail in 8-, 4- and
//! 1-byte steps and the avalanche), one-shot and streaming, on Linux's
//! `struct xxh64_state` (total_len, v1..v4, mem64[4], memsize), which
//! zstd_compress embeds in its context for frame checksums.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

// struct xxh64_state offsets
const TOTAL_LEN: usize = 0;
const V: usize = 8;
const MEM64: usize = 40;
const MEMSIZE: usize = 72;
const STATE_SIZE: usize = 80;

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1)
}

fn merge(acc: u64, v: u64) -> u64 {
    (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4)
}

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]))
}

fn le32(b: &[u8]) -> u64 {
    u64::from(u32::from_le_bytes(b[..4].try_into().unwrap_or([0; 4])))
}

fn init_lanes(seed: u64) -> [u64; 4] {
    [seed.wrapping_add(P1).wrapping_add(P2), seed.wrapping_add(P2), seed, seed.wrapping_sub(P1)]
}

fn stripes(v: &mut [u64; 4], data: &[u8]) -> usize {
    let mut n = 0;
    while data.len() - n >= 32 {
        for (i, lane) in v.iter_mut().enumerate() {
            *lane = round(*lane, le64(&data[n + 8 * i..]));
        }
        n += 32;
    }
    n
}

/// The final steps: `h` already holds the lanes' merge (or seed + P5) plus
/// the total length; `tail` is what is left (< 32 bytes).
fn finish(mut h: u64, tail: &[u8]) -> u64 {
    let mut p = 0;
    while tail.len() - p >= 8 {
        h ^= round(0, le64(&tail[p..]));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        p += 8;
    }
    if tail.len() - p >= 4 {
        h ^= le32(&tail[p..]).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        p += 4;
    }
    for &b in &tail[p..] {
        h ^= u64::from(b).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

fn converge(v: &[u64; 4]) -> u64 {
    let mut h = v[0]
        .rotate_left(1)
        .wrapping_add(v[1].rotate_left(7))
        .wrapping_add(v[2].rotate_left(12))
        .wrapping_add(v[3].rotate_left(18));
    for &lane in v {
        h = merge(h, lane);
    }
    h
}

/// XXH64 of `data` with `seed`.
pub fn xxh64_of(data: &[u8], seed: u64) -> u64 {
    let (h, rest) = if data.len() >= 32 {
        let mut v = init_lanes(seed);
        let n = stripes(&mut v, data);
        (converge(&v), &data[n..])
    } else {
        (seed.wrapping_add(P5), data)
    };
    finish(h.wrapping_add(data.len() as u64), rest)
}

fn bytes<'a>(p: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || p.is_null() {
        return &[];
    }
    // SAFETY: the module's buffer of len bytes.
    unsafe { std::slice::from_raw_parts(p, len) }
}

fn state<'a>(p: *mut u8) -> &'a mut [u8] {
    // SAFETY: the module's struct xxh64_state.
    unsafe { std::slice::from_raw_parts_mut(p, STATE_SIZE) }
}

fn put64(s: &mut [u8], off: usize, v: u64) {
    s[off..off + 8].copy_from_slice(&v.to_ne_bytes());
}

fn get64n(s: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(s[off..off + 8].try_into().unwrap_or([0; 8]))
}

fn lanes(s: &[u8]) -> [u64; 4] {
    [get64n(s, V), get64n(s, V + 8), get64n(s, V + 16), get64n(s, V + 24)]
}

crate::kfn! {
    /// `u64 xxh64(input, length, seed)`.
    fn xxh64(input: *const u8, len: usize, seed: u64) -> u64 {
        xxh64_of(bytes(input, len), seed)
    }
}

crate::kfn! {
    /// `xxh64_reset(state, seed)`: a fresh state, the lanes from the seed.
    fn xxh64_reset(st: *mut u8, seed: u64) {
        let s = state(st);
        s.fill(0);
        for (i, v) in init_lanes(seed).into_iter().enumerate() {
            put64(s, V + 8 * i, v);
        }
    }
}

crate::kfn! {
    /// `int xxh64_update(state, input, length)`: 0, or -EINVAL for a NULL
    /// input.
    fn xxh64_update(st: *mut u8, input: *const u8, len: usize) -> i32 {
        if input.is_null() {
            return -22;
        }
        let data = bytes(input, len);
        let s = state(st);
        put64(s, TOTAL_LEN, get64n(s, TOTAL_LEN).wrapping_add(len as u64));
        let memsize = (u32::from_ne_bytes(s[MEMSIZE..MEMSIZE + 4].try_into().unwrap_or([0; 4])) as usize).min(31);
        if memsize + data.len() < 32 {
            s[MEM64 + memsize..MEM64 + memsize + data.len()].copy_from_slice(data);
            s[MEMSIZE..MEMSIZE + 4].copy_from_slice(&((memsize + data.len()) as u32).to_ne_bytes());
            return 0;
        }
        let mut v = lanes(s);
        let mut used = 0;
        if memsize > 0 {
            used = 32 - memsize;
            s[MEM64 + memsize..MEM64 + 32].copy_from_slice(&data[..used]);
            let mut stripe = [0u8; 32];
            stripe.copy_from_slice(&s[MEM64..MEM64 + 32]);
            stripes(&mut v, &stripe);
        }
        used += stripes(&mut v, &data[used..]);
        let rest = &data[used..];
        s[MEM64..MEM64 + rest.len()].copy_from_slice(rest);
        s[MEMSIZE..MEMSIZE + 4].copy_from_slice(&(rest.len() as u32).to_ne_bytes());
        for (i, lane) in v.into_iter().enumerate() {
            put64(s, V + 8 * i, lane);
        }
        0
    }
}

crate::kfn! {
    /// `u64 xxh64_digest(state)`: the hash so far; the state is unchanged.
    fn xxh64_digest(st: *const u8) -> u64 {
        let s = state(st as *mut u8);
        let total = get64n(s, TOTAL_LEN);
        let memsize = (u32::from_ne_bytes(s[MEMSIZE..MEMSIZE + 4].try_into().unwrap_or([0; 4])) as usize).min(31);
        let h = if total >= 32 {
            converge(&lanes(s))
        } else {
            // the lanes still hold the seed's: v3 is the seed
            get64n(s, V + 16).wrapping_add(P5)
        };
        finish(h.wrapping_add(total), &s[MEM64..MEM64 + memsize])
    }
}

crate::kfn! {
    /// `xxh64_copy_state(dst, src)`.
    fn xxh64_copy_state(dst: *mut u8, src: *const u8) {
        // SAFETY: two xxh64 states of the module.
        unsafe { std::ptr::copy(src, dst, STATE_SIZE) };
    }
}

#[cfg(test)]
mod tests {
    use super::xxh64_of;

    #[test]
    fn known_values() {
        // The reference implementation's values for the empty input and "a".
        assert_eq!(xxh64_of(b"", 0), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64_of(b"a", 0), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(xxh64_of(b"abc", 0), 0x44BC_2CF5_AD77_0999);
    }
}

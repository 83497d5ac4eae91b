//! The iteration order of kmod's `shared/hash.c` tables.
//!
//! kmod's hash table is an array of buckets (a power of two), each kept
//! sorted by `strcmp`; iteration visits buckets in order and each bucket in
//! key order. The bucket of a key is Paul Hsieh's SuperFastHash of its bytes
//! masked by the bucket count. Two depmod outputs follow this order: the
//! module array before `modules.order` sorting (512 buckets) and
//! `modules.symbols` (2048 buckets).

/// SuperFastHash as kmod computes it (x86: `char` is signed, which shows in
/// the tail bytes).
pub fn superfast(key: &[u8]) -> u32 {
    let len = key.len() as u32;
    let mut h: u32 = len;
    let rem = key.len() & 3;
    let mut chunks = key.chunks_exact(4);
    for g in &mut chunks {
        let lo = u32::from(u16::from_le_bytes([g[0], g[1]]));
        let hi = u32::from(u16::from_le_bytes([g[2], g[3]]));
        h = h.wrapping_add(lo);
        let t = (hi << 11) ^ h;
        h = (h << 16) ^ t;
        h = h.wrapping_add(h >> 11);
    }
    let tail = chunks.remainder();
    let s = |b: u8| b as i8 as i32 as u32;
    match rem {
        3 => {
            h = h.wrapping_add(u32::from(u16::from_le_bytes([tail[0], tail[1]])));
            h ^= h << 16;
            h ^= s(tail[2]) << 18;
            h = h.wrapping_add(h >> 11);
        }
        2 => {
            h = h.wrapping_add(u32::from(u16::from_le_bytes([tail[0], tail[1]])));
            h ^= h << 11;
            h = h.wrapping_add(h >> 17);
        }
        1 => {
            h = h.wrapping_add(s(tail[0]));
            h ^= h << 10;
            h = h.wrapping_add(h >> 1);
        }
        _ => {}
    }
    h ^= h << 3;
    h = h.wrapping_add(h >> 5);
    h ^= h << 4;
    h = h.wrapping_add(h >> 17);
    h ^= h << 25;
    h = h.wrapping_add(h >> 6);
    h
}

/// The bucket of `key` in a table of `buckets` (a power of two) buckets.
pub fn bucket(key: &[u8], buckets: u32) -> u32 {
    superfast(key) & (buckets - 1)
}

/// Sorts `items` into kmod's iteration order for a table of `buckets`
/// buckets, `key` giving each item's key.
pub fn sort_in_table_order<T>(items: &mut [T], buckets: u32, key: impl Fn(&T) -> &[u8]) {
    let mut keyed: Vec<(u32, usize)> = items.iter().enumerate().map(|(i, t)| (bucket(key(t), buckets), i)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key(&items[a.1]).cmp(key(&items[b.1]))));
    // Apply the permutation.
    let order: Vec<usize> = keyed.into_iter().map(|x| x.1).collect();
    let mut pos: Vec<usize> = vec![0; order.len()];
    for (to, &from) in order.iter().enumerate() {
        pos[from] = to;
    }
    for i in 0..items.len() {
        while pos[i] != i {
            let j = pos[i];
            items.swap(i, j);
            pos.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation() {
        let mut v: Vec<Vec<u8>> = ["ext4", "loop", "a", "bb", "crc32c_generic", "x\u{e9}"].iter().map(|s| s.as_bytes().to_vec()).collect();
        let mut want = v.clone();
        want.sort_by(|a, b| bucket(a, 512).cmp(&bucket(b, 512)).then(a.cmp(b)));
        sort_in_table_order(&mut v, 512, |x| x);
        assert_eq!(v, want);
    }
}

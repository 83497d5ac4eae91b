//! lib/crypto/chacha.c: the ChaCha block function (RFC 7539), which the
//! chacha library and its SIMD drivers fall back to.

fn permute(x: &mut [u32; 16], nrounds: i32) {
    if nrounds != 20 && nrounds != 12 {
        crate::lib_::bug::warn_once("chacha_permute", "nrounds != 20 && nrounds != 12");
    }
    fn qr(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        x[a] = x[a].wrapping_add(x[b]);
        x[d] = (x[d] ^ x[a]).rotate_left(16);
        x[c] = x[c].wrapping_add(x[d]);
        x[b] = (x[b] ^ x[c]).rotate_left(12);
        x[a] = x[a].wrapping_add(x[b]);
        x[d] = (x[d] ^ x[a]).rotate_left(8);
        x[c] = x[c].wrapping_add(x[d]);
        x[b] = (x[b] ^ x[c]).rotate_left(7);
    }
    let mut i = 0;
    while i < nrounds {
        qr(x, 0, 4, 8, 12);
        qr(x, 1, 5, 9, 13);
        qr(x, 2, 6, 10, 14);
        qr(x, 3, 7, 11, 15);
        qr(x, 0, 5, 10, 15);
        qr(x, 1, 6, 11, 12);
        qr(x, 2, 7, 8, 13);
        qr(x, 3, 4, 9, 14);
        i += 2;
    }
}

fn load(state: *const u32) -> [u32; 16] {
    let mut x = [0u32; 16];
    for (i, w) in x.iter_mut().enumerate() {
        // SAFETY: the caller's u32 state[16].
        *w = unsafe { state.add(i).read_unaligned() };
    }
    x
}

crate::kfn! {
    /// `void chacha_block_generic(u32 *state, u8 *stream, int nrounds)`:
    /// 64 bytes of key stream (little-endian words of the permuted state
    /// plus the state) and the block counter (state[12]) advanced.
    fn chacha_block_generic(state: *mut u32, stream: *mut u8, nrounds: i32) {
        let s = load(state);
        let mut x = s;
        permute(&mut x, nrounds);
        for i in 0..16 {
            let b = x[i].wrapping_add(s[i]).to_le_bytes();
            // SAFETY: the caller's 64-byte stream buffer.
            unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), stream.add(4 * i), 4) };
        }
        // SAFETY: state[12] of the caller's state.
        unsafe { state.add(12).write_unaligned(s[12].wrapping_add(1)) };
    }
}

crate::kfn! {
    /// `void hchacha_block_generic(const u32 *state, u32 *out, int nrounds)`:
    /// words 0..3 and 12..15 of the permuted state (no feed-forward).
    fn hchacha_block_generic(state: *const u32, out: *mut u32, nrounds: i32) {
        let mut x = load(state);
        permute(&mut x, nrounds);
        for (k, i) in [0usize, 1, 2, 3, 12, 13, 14, 15].into_iter().enumerate() {
            // SAFETY: the caller's u32 out[8].
            unsafe { out.add(k).write_unaligned(x[i]) };
        }
    }
}

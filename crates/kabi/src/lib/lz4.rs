//! lib/lz4/lz4_decompress.c (CONFIG_LZ4_DECOMPRESS=y in Debian's vmlinux),
//! the part lz4.ko and lz4hc.ko call: `LZ4_decompress_safe`, written by
//! the host from the LZ4 block format (sequences of a token, literals, a
//! 16-bit offset and a match) with the end-of-block rules of the LZ4
//! 1.8 decoder Linux carries: the last sequence is literals only and ends
//! exactly at the input's end; a literal run that reaches within
//! MFLIMIT (12) bytes of the output's end or 8 bytes of the input's end
//! must be that last one; a match must end at least LASTLITERALS (5)
//! bytes before the output's end and may not reach before its start.
//! The result is the decoded size, or negative for a malformed block
//! (`-(position of the failing read) - 1`, as the C code computes it).
//! The streaming, dictionary and partial variants stay unimplemented.

const MFLIMIT: usize = 12;
const LASTLITERALS: usize = 5;
const RUN_MASK: usize = 15;

/// `LZ4_decompress_safe(src, dst, compressedSize, dstCapacity)` on slices.
pub fn decompress_safe(src: &[u8], dst: &mut [u8]) -> i32 {
    let iend = src.len();
    let oend = dst.len();
    if iend == 0 {
        return -1;
    }
    if oend == 0 {
        return if iend == 1 && src[0] == 0 { 0 } else { -1 };
    }
    let (mut ip, mut op) = (0usize, 0usize);
    let err = |ip: usize| -(ip as i32) - 1;
    loop {
        let Some(&token) = src.get(ip) else { return err(ip) };
        ip += 1;
        let mut lit = (token >> 4) as usize;
        if lit == RUN_MASK {
            loop {
                let Some(&s) = src.get(ip) else { return err(ip) };
                ip += 1;
                lit += s as usize;
                if !(ip + RUN_MASK < iend && s == 255) {
                    break;
                }
            }
        }
        if op + lit > oend.saturating_sub(MFLIMIT) || ip + lit + 2 + 1 + LASTLITERALS > iend {
            // the last literals
            if ip + lit != iend || op + lit > oend {
                return err(ip);
            }
            dst[op..op + lit].copy_from_slice(&src[ip..ip + lit]);
            return (op + lit) as i32;
        }
        dst[op..op + lit].copy_from_slice(&src[ip..ip + lit]);
        ip += lit;
        op += lit;
        let offset = src[ip] as usize | (src[ip + 1] as usize) << 8;
        ip += 2;
        if offset > op {
            return err(ip);
        }
        let mut mlen = (token & 15) as usize;
        if mlen == 15 {
            loop {
                let Some(&s) = src.get(ip) else { return err(ip) };
                ip += 1;
                if ip + LASTLITERALS > iend {
                    return err(ip);
                }
                mlen += s as usize;
                if s != 255 {
                    break;
                }
            }
        }
        mlen += 4;
        if op + mlen > oend.saturating_sub(LASTLITERALS) {
            return err(ip);
        }
        let m = op - offset;
        for k in 0..mlen {
            dst[op + k] = dst[m + k];
        }
        op += mlen;
    }
}

crate::kfn! {
    /// `int LZ4_decompress_safe(source, dest, compressedSize, maxDecompressedSize)`.
    fn LZ4_decompress_safe(src: u64, dst: u64, csize: i32, cap: i32) -> i32 {
        if csize < 0 || cap < 0 {
            return -1;
        }
        let s: &[u8] = if csize == 0 {
            &[]
        } else {
            // SAFETY: the caller's compressed block of `csize` bytes.
            unsafe { std::slice::from_raw_parts(src as *const u8, csize as usize) }
        };
        let d: &mut [u8] = if cap == 0 {
            &mut []
        } else {
            // SAFETY: the caller's output buffer of `cap` bytes.
            unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, cap as usize) }
        };
        decompress_safe(s, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_matches() {
        // "abcd" then a 12-byte match at offset 4, then 5 literals.
        let mut blk = vec![0x48, b'a', b'b', b'c', b'd', 4, 0];
        blk.extend_from_slice(&[0x50, b'v', b'w', b'x', b'y', b'z']);
        let mut out = vec![0u8; 21];
        assert_eq!(decompress_safe(&blk, &mut out), 21);
        assert_eq!(&out, b"abcdabcdabcdabcdvwxyz");
        // too little room
        let mut small = vec![0u8; 20];
        assert!(decompress_safe(&blk, &mut small) < 0);
        // an offset before the start
        let bad = [0x48, b'a', b'b', b'c', b'd', 9, 0, 0x50, 1, 2, 3, 4, 5];
        assert!(decompress_safe(&bad, &mut out) < 0);
        assert_eq!(decompress_safe(&[0], &mut []), 0);
        assert!(decompress_safe(&[], &mut out) < 0);
    }
}

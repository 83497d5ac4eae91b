//! lib/lzo (CONFIG_LZO_COMPRESS=y, CONFIG_LZO_DECOMPRESS=y in Debian's
//! vmlinux): the LZO1X format and its run-length variant LZO-RLE
//! (bitstream version 1), written by the host from the format as Linux's
//! decompressor reads it (Documentation/staging/lzo.rst):
//!
//! * `lzo1x_1_compress` / `lzorle1x_1_compress` and the `_safe` variants
//!   Debian's 6.1 has (which refuse to write past `*out_len`:
//!   LZO_E_OUTPUT_OVERRUN); the plain ones trust the caller's buffer of
//!   `lzo1x_worst_compress(in_len)` bytes, as Linux's do. The compressor
//!   is a greedy hash-chained LZ77 of the host's own: its output differs
//!   from Linux's byte for byte but is a valid stream of the format (v1
//!   streams open with `17, 1`; zero runs of 4 to 2051 bytes use the RLE
//!   instruction; v1 M4 distances stop at 0xbffe and never take the
//!   lengths 261..264 at H = 1 that would read as a zero run).
//! * `lzo1x_decompress_safe`: both versions, with Linux's checks in
//!   Linux's order and its return codes (LZO_E_INPUT_OVERRUN,
//!   LZO_E_OUTPUT_OVERRUN, LZO_E_LOOKBEHIND_OVERRUN, LZO_E_ERROR,
//!   LZO_E_INPUT_NOT_CONSUMED) and `*out_len` set to what was written.

pub const LZO_E_OK: i32 = 0;
pub const LZO_E_ERROR: i32 = -1;
pub const LZO_E_INPUT_OVERRUN: i32 = -4;
pub const LZO_E_OUTPUT_OVERRUN: i32 = -5;
pub const LZO_E_LOOKBEHIND_OVERRUN: i32 = -6;
pub const LZO_E_INPUT_NOT_CONSUMED: i32 = -8;

/// `lzo1x_worst_compress(x)`.
pub const fn worst_compress(x: usize) -> usize {
    x + x / 16 + 64 + 3 + 2
}

const M2_MAX_OFFSET: usize = 0x0800;
const M3_MAX_OFFSET: usize = 0x4000;
const M4_MAX_OFFSET_V0: usize = 0xbfff;
const M4_MAX_OFFSET_V1: usize = 0xbffe;
const MIN_ZERO_RUN: usize = 4;
const MAX_ZERO_RUN: usize = 2047 + MIN_ZERO_RUN;

/// Appends a length beyond what an opcode's bits hold: zero bytes of 255
/// each, then the remainder (1..=255).
fn put_extra(out: &mut Vec<u8>, mut r: usize) {
    while r > 255 {
        out.push(0);
        r -= 255;
    }
    out.push(r as u8);
}

struct Enc {
    out: Vec<u8>,
    /// Where the 2-bit literal count after the last instruction goes
    /// (None before the first instruction).
    state_at: Option<usize>,
}

impl Enc {
    fn literals(&mut self, lit: &[u8]) {
        let n = lit.len();
        if n == 0 {
            return;
        }
        match self.state_at {
            None if n <= 238 => self.out.push(17 + n as u8),
            Some(at) if n <= 3 => self.out[at] |= n as u8,
            _ => {
                let t = n - 3;
                if t <= 15 {
                    self.out.push(t as u8);
                } else {
                    self.out.push(0);
                    put_extra(&mut self.out, t - 15);
                }
            }
        }
        self.out.extend_from_slice(lit);
    }

    fn copy(&mut self, len: usize, dist: usize) {
        if len <= 8 && dist <= M2_MAX_OFFSET {
            let d = dist - 1;
            self.out.push((((len - 1) << 5) | ((d & 7) << 2)) as u8);
            self.out.push((d >> 3) as u8);
        } else if dist <= M3_MAX_OFFSET {
            let d = dist - 1;
            if len - 2 <= 31 {
                self.out.push(32 | (len - 2) as u8);
            } else {
                self.out.push(32);
                put_extra(&mut self.out, len - 2 - 31);
            }
            self.out.extend_from_slice(&((d << 2) as u16).to_le_bytes());
        } else {
            let d = dist - 0x4000;
            let h = ((d >> 14) & 1) << 3;
            if len - 2 <= 7 {
                self.out.push(16 | h as u8 | (len - 2) as u8);
            } else {
                self.out.push(16 | h as u8);
                put_extra(&mut self.out, len - 2 - 7);
            }
            self.out.extend_from_slice(&(((d & 0x3fff) << 2) as u16).to_le_bytes());
        }
        self.state_at = Some(self.out.len() - 2);
    }

    fn zero_run(&mut self, run: usize) {
        let r = run - MIN_ZERO_RUN;
        self.out.extend_from_slice(&[0x18 | (r & 7) as u8, 0xfc, 0xff, (r >> 3) as u8]);
        self.state_at = Some(self.out.len() - 3);
    }
}

fn hash(b: &[u8]) -> usize {
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    (v.wrapping_mul(0x9E37_79B1) >> 18) as usize
}

/// Compresses `src` into a stream of bitstream version 0 (`rle` false)
/// or 1.
pub fn compress(src: &[u8], rle: bool) -> Vec<u8> {
    let mut e = Enc {
        out: Vec::with_capacity(worst_compress(src.len())),
        state_at: None,
    };
    if rle {
        e.out.extend_from_slice(&[17, 1]);
    }
    let max_dist = if rle { M4_MAX_OFFSET_V1 } else { M4_MAX_OFFSET_V0 };
    let mut table = vec![0u32; 1 << 14];
    let n = src.len();
    let (mut i, mut lit) = (0usize, 0usize);
    while i + 4 <= n {
        if rle && src[i] == 0 && (e.state_at.is_some() || i > lit) {
            let run = src[i..].iter().take(MAX_ZERO_RUN).take_while(|&&b| b == 0).count();
            if run >= MIN_ZERO_RUN {
                e.literals(&src[lit..i]);
                e.zero_run(run);
                i += run;
                lit = i;
                continue;
            }
        }
        let h = hash(&src[i..]);
        let cand = table[h] as usize;
        table[h] = (i + 1) as u32;
        if cand != 0 {
            let c = cand - 1;
            let dist = i - c;
            if dist <= max_dist && src[c..c + 4] == src[i..i + 4] {
                let mut len = 4 + src[i + 4..].iter().zip(&src[c + 4..]).take_while(|(a, b)| a == b).count();
                if rle && dist >= 0x8000 && (261..=264).contains(&len) {
                    len = 260;
                }
                e.literals(&src[lit..i]);
                e.copy(len, dist);
                // the positions inside the match feed the table too
                let end = i + len;
                let mut j = i + 1;
                while j + 4 <= n && j < end {
                    table[hash(&src[j..])] = (j + 1) as u32;
                    j += 1;
                }
                i = end;
                lit = i;
                continue;
            }
        }
        i += 1;
    }
    e.literals(&src[lit..]);
    e.out.extend_from_slice(&[17, 0, 0]);
    e.out
}

/// `lzo1x_decompress_safe(in, in_len, out, &out_len)` on slices: the
/// return code and the bytes written.
pub fn decompress(inp: &[u8], out: &mut [u8]) -> (i32, usize) {
    let ip_end = inp.len();
    let op_end = out.len();
    let (mut ip, mut op) = (0usize, 0usize);
    let mut state: usize = 0;
    let mut next: usize;
    let mut t: usize;
    // Every read goes through `at`: the format's invariants keep it in
    // bounds, a violation is an input overrun rather than a fault.
    macro_rules! at {
        ($i:expr) => {
            match inp.get($i) {
                Some(&b) => b as usize,
                None => return (LZO_E_INPUT_OVERRUN, op),
            }
        };
    }
    macro_rules! need_ip {
        ($x:expr) => {
            if ip_end - ip.min(ip_end) < $x {
                return (LZO_E_INPUT_OVERRUN, op);
            }
        };
    }
    macro_rules! need_op {
        ($x:expr) => {
            if op_end - op < $x {
                return (LZO_E_OUTPUT_OVERRUN, op);
            }
        };
    }
    // The zero bytes of a long length: their count times 255.
    macro_rules! zeros {
        () => {{
            let start = ip;
            while at!(ip) == 0 {
                ip += 1;
                need_ip!(1);
            }
            (ip - start) * 255
        }};
    }
    if ip_end < 3 {
        return (LZO_E_INPUT_OVERRUN, 0);
    }
    let version = if ip_end >= 5 && inp[0] == 17 {
        ip = 2;
        inp[1]
    } else {
        0
    };
    // The entry: the first byte's literal forms, else the loop.
    enum Go {
        Loop,
        Literals,
        MatchNext,
    }
    let mut go = Go::Loop;
    t = 0;
    next = 0;
    if at!(ip) > 17 {
        t = at!(ip) - 17;
        ip += 1;
        if t < 4 {
            next = t;
            go = Go::MatchNext;
        } else {
            go = Go::Literals;
        }
    }
    loop {
        // m_pos as a signed distance back from op (for the copy)
        let m_pos: isize;
        match go {
            Go::Literals => {
                need_op!(t);
                need_ip!(t + 3);
                out[op..op + t].copy_from_slice(&inp[ip..ip + t]);
                op += t;
                ip += t;
                state = 4;
                go = Go::Loop;
                continue;
            }
            Go::MatchNext => {
                go = Go::Loop;
                state = next;
                t = next;
                need_ip!(t + 3);
                need_op!(t);
                out[op..op + t].copy_from_slice(&inp[ip..ip + t]);
                op += t;
                ip += t;
                continue;
            }
            Go::Loop => {}
        }
        t = at!(ip);
        ip += 1;
        if t < 16 {
            if state == 0 {
                if t == 0 {
                    let z = zeros!();
                    t = z + 15 + at!(ip);
                    ip += 1;
                }
                t += 3;
                go = Go::Literals;
                continue;
            } else if state != 4 {
                next = t & 3;
                let m = op as isize - 1 - (t >> 2) as isize - (at!(ip) << 2) as isize;
                ip += 1;
                if m < 0 {
                    return (LZO_E_LOOKBEHIND_OVERRUN, op);
                }
                need_op!(2);
                let m = m as usize;
                out[op] = out[m];
                out[op + 1] = out[m + 1];
                op += 2;
                go = Go::MatchNext;
                continue;
            } else {
                next = t & 3;
                m_pos = op as isize - (1 + M2_MAX_OFFSET) as isize - (t >> 2) as isize - (at!(ip) << 2) as isize;
                ip += 1;
                t = 3;
            }
        } else if t >= 64 {
            next = t & 3;
            m_pos = op as isize - 1 - ((t >> 2) & 7) as isize - (at!(ip) << 3) as isize;
            ip += 1;
            t = (t >> 5) - 1 + 2;
        } else if t >= 32 {
            t = (t & 31) + 2;
            if t == 2 {
                let z = zeros!();
                t += z + 31 + at!(ip);
                ip += 1;
                need_ip!(2);
            }
            let le = at!(ip) | at!(ip + 1) << 8;
            ip += 2;
            m_pos = op as isize - 1 - (le >> 2) as isize;
            next = le & 3;
        } else {
            need_ip!(2);
            let mut le = at!(ip) | at!(ip + 1) << 8;
            if le & 0xfffc == 0xfffc && t & 0xf8 == 0x18 && version != 0 {
                need_ip!(3);
                let run = ((t & 7) | at!(ip + 2) << 3) + MIN_ZERO_RUN;
                need_op!(run);
                out[op..op + run].fill(0);
                op += run;
                next = le & 3;
                ip += 3;
                go = Go::MatchNext;
                continue;
            }
            let h = ((t & 8) << 11) as isize;
            t = (t & 7) + 2;
            if t == 2 {
                let z = zeros!();
                t += z + 7 + at!(ip);
                ip += 1;
                need_ip!(2);
                le = at!(ip) | at!(ip + 1) << 8;
            }
            ip += 2;
            let back = h + (le >> 2) as isize;
            next = le & 3;
            if back == 0 {
                // end of stream
                let rc = if t != 3 {
                    LZO_E_ERROR
                } else if ip == ip_end {
                    LZO_E_OK
                } else if ip < ip_end {
                    LZO_E_INPUT_NOT_CONSUMED
                } else {
                    LZO_E_INPUT_OVERRUN
                };
                return (rc, op);
            }
            m_pos = op as isize - back - 0x4000;
        }
        if m_pos < 0 {
            return (LZO_E_LOOKBEHIND_OVERRUN, op);
        }
        need_op!(t);
        let m = m_pos as usize;
        for k in 0..t {
            out[op + k] = out[m + k];
        }
        op += t;
        go = Go::MatchNext;
    }
}

// ---- the exports -------------------------------------------------------------

fn input<'a>(p: u64, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller's input buffer of `len` bytes (the API's contract).
    unsafe { std::slice::from_raw_parts(p as *const u8, len) }
}

fn output<'a>(p: u64, len: usize) -> &'a mut [u8] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: the caller's output buffer of `len` bytes (the API's contract).
    unsafe { std::slice::from_raw_parts_mut(p as *mut u8, len) }
}

fn compress_export(src: u64, len: usize, dst: u64, dst_len: u64, rle: bool, safe: bool) -> i32 {
    let c = compress(input(src, len), rle);
    // SAFETY: the caller's size_t.
    let room = unsafe { (dst_len as *const usize).read() };
    if safe && c.len() > room {
        return LZO_E_OUTPUT_OVERRUN;
    }
    output(dst, c.len()).copy_from_slice(&c);
    // SAFETY: as above.
    unsafe { (dst_len as *mut usize).write(c.len()) };
    LZO_E_OK
}

crate::kfn! {
    /// `lzo1x_1_compress(in, in_len, out, out_len, wrkmem)`: the output
    /// buffer must hold `lzo1x_worst_compress(in_len)` bytes.
    fn lzo1x_1_compress(src: u64, len: usize, dst: u64, dst_len: u64, _wrkmem: u64) -> i32 {
        compress_export(src, len, dst, dst_len, false, false)
    }
}

crate::kfn! {
    /// `lzorle1x_1_compress(in, in_len, out, out_len, wrkmem)`.
    fn lzorle1x_1_compress(src: u64, len: usize, dst: u64, dst_len: u64, _wrkmem: u64) -> i32 {
        compress_export(src, len, dst, dst_len, true, false)
    }
}

crate::kfn! {
    /// `lzo1x_1_compress_safe(...)`: LZO_E_OUTPUT_OVERRUN when the result
    /// does not fit in `*out_len`.
    fn lzo1x_1_compress_safe(src: u64, len: usize, dst: u64, dst_len: u64, _wrkmem: u64) -> i32 {
        compress_export(src, len, dst, dst_len, false, true)
    }
}

crate::kfn! {
    /// `lzorle1x_1_compress_safe(...)`.
    fn lzorle1x_1_compress_safe(src: u64, len: usize, dst: u64, dst_len: u64, _wrkmem: u64) -> i32 {
        compress_export(src, len, dst, dst_len, true, true)
    }
}

crate::kfn! {
    /// `lzo1x_decompress_safe(in, in_len, out, out_len)`.
    fn lzo1x_decompress_safe(src: u64, len: usize, dst: u64, dst_len: u64) -> i32 {
        // SAFETY: the caller's size_t.
        let room = unsafe { (dst_len as *const usize).read() };
        let (rc, n) = decompress(input(src, len), output(dst, room));
        // SAFETY: as above.
        unsafe { (dst_len as *mut usize).write(n) };
        rc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    fn sample(seed: &mut u64, n: usize) -> Vec<u8> {
        let kind = rng(seed) % 4;
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            match kind {
                0 => v.push(rng(seed) as u8),
                1 => v.push(b"abcd"[(rng(seed) % 4) as usize]),
                2 => {
                    let run = (rng(seed) % 3000) as usize;
                    let b = if rng(seed) % 2 == 0 { 0 } else { rng(seed) as u8 };
                    v.extend(std::iter::repeat(b).take(run));
                }
                _ => {
                    if v.len() > 8 && rng(seed) % 2 == 0 {
                        let s = (rng(seed) as usize) % v.len();
                        let l = ((rng(seed) % 300) as usize).min(v.len() - s);
                        let c = v[s..s + l].to_vec();
                        v.extend(c);
                    } else {
                        v.push(rng(seed) as u8);
                    }
                }
            }
        }
        v.truncate(n);
        v
    }

    #[test]
    fn round_trips_both_versions() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        for i in 0..600 {
            let n = match i % 5 {
                0 => (rng(&mut seed) % 16) as usize,
                1 => (rng(&mut seed) % 300) as usize,
                _ => (rng(&mut seed) % 70000) as usize,
            };
            let data = sample(&mut seed, n);
            for rle in [false, true] {
                let c = compress(&data, rle);
                assert!(c.len() <= worst_compress(n), "bound at {n}");
                let mut out = vec![0u8; n];
                let (rc, got) = decompress(&c, &mut out);
                assert_eq!((rc, got), (LZO_E_OK, n), "len {n} rle {rle}");
                assert_eq!(out, data);
                if n > 0 {
                    // one byte short of room: an output overrun
                    let mut small = vec![0u8; n - 1];
                    assert_eq!(decompress(&c, &mut small).0, LZO_E_OUTPUT_OVERRUN);
                }
            }
        }
    }

    #[test]
    fn empty_streams() {
        assert_eq!(compress(&[], false), [17, 0, 0]);
        assert_eq!(compress(&[], true), [17, 1, 17, 0, 0]);
        let mut o = [0u8; 4];
        assert_eq!(decompress(&[17, 0, 0], &mut o), (LZO_E_OK, 0));
        assert_eq!(decompress(&[17, 1, 17, 0, 0], &mut o), (LZO_E_OK, 0));
        assert_eq!(decompress(&[17, 0], &mut o), (LZO_E_INPUT_OVERRUN, 0));
        // trailing bytes after the end marker
        assert_eq!(decompress(&[17, 0, 0, 0], &mut o), (LZO_E_INPUT_NOT_CONSUMED, 0));
        // an end marker of the wrong length
        assert_eq!(decompress(&[21, 1, 2, 3, 4, 0x12, 0, 0], &mut o).0, LZO_E_ERROR);
    }

    #[test]
    fn bad_streams_are_refused() {
        let mut o = vec![0u8; 100];
        // a match before the output's start
        assert_eq!(decompress(&[21, b'a', b'b', b'c', b'd', 0x40 | 0x1c, 0x10, 17, 0, 0], &mut o).0, LZO_E_LOOKBEHIND_OVERRUN);
        // literals beyond the input
        assert_eq!(decompress(&[30, 1, 2, 3], &mut o).0, LZO_E_INPUT_OVERRUN);
        // v0 reads a zero-run instruction as a far match
        let c = compress(&[0u8; 100], true);
        assert_eq!(decompress(&c, &mut o), (LZO_E_OK, 100));
        let mut v0 = c.clone();
        v0[1] = 0;
        assert_ne!(decompress(&v0, &mut o).0, LZO_E_OK);
        // random garbage never panics
        let mut seed = 99u64;
        for _ in 0..20000 {
            let n = (rng(&mut seed) % 64) as usize;
            let g: Vec<u8> = (0..n).map(|_| rng(&mut seed) as u8).collect();
            let _ = decompress(&g, &mut o);
        }
    }

    #[test]
    fn linux_encodings_decode() {
        // a hand-made stream: 4 literals, an M2 copy of 4 from distance 4
        // with 2 trailing literals, the end.
        let s = [21, b'w', b'x', b'y', b'z', (3 << 5) | (3 << 2) | 2, 0, b'!', b'?', 17, 0, 0];
        let mut o = [0u8; 10];
        assert_eq!(decompress(&s, &mut o), (LZO_E_OK, 10));
        assert_eq!(&o, b"wxyzwxyz!?");
    }
}

//! Small C-library behaviours depmod's text handling depends on.

use modconf::lines::number_start;

/// The "lines" `fgets(buf, size, fp)` returns over `data`: each ends after
/// a newline or after `size - 1` bytes, whichever comes first; the caller
/// then sees it as a C string (up to its first NUL, see [`c_str`]).
pub fn fgets_chunks(data: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let max = size - 1;
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        let rest = &data[pos..];
        let lim = rest.len().min(max);
        let end = match rest[..lim].iter().position(|&b| b == b'\n') {
            Some(i) => i + 1,
            None => lim,
        };
        pos += end;
        Some(&rest[..end])
    })
}

/// A buffer seen as a C string: up to its first NUL.
pub fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

/// `strtok(s, delims)` over a whole string: the non-empty tokens.
pub fn strtok<'a>(s: &'a [u8], delims: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    s.split(move |b| delims.contains(b)).filter(|t| !t.is_empty())
}

/// `strtoull(s, &end, base)`: the value and the number of bytes consumed
/// (0 when no digits were found). Overflow gives `u64::MAX`; a `-` sign
/// negates modulo 2^64 (except on overflow), as glibc does.
pub fn strtoull(s: &[u8], base: u32) -> (u64, usize) {
    let (v, n, _) = strtoull_erange(s, base);
    (v, n)
}

/// [`strtoull`], also telling whether it overflowed (set `errno` to
/// `ERANGE`).
pub fn strtoull_erange(s: &[u8], base: u32) -> (u64, usize, bool) {
    let (mut i, neg) = number_start(s);
    if base == 16 && i + 1 < s.len() && s[i] == b'0' && (s[i + 1] | 0x20) == b'x' && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit()) {
        i += 2;
    }
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while i < s.len() {
        let d = match (s[i] as char).to_digit(base) {
            Some(d) => d,
            None => break,
        };
        match v.checked_mul(u64::from(base)).and_then(|x| x.checked_add(u64::from(d))) {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return (0, 0, false);
    }
    if overflow {
        return (u64::MAX, i, true);
    }
    (if neg { v.wrapping_neg() } else { v }, i, false)
}

/// glibc `sscanf`'s `%u`: skips blanks, optional sign, decimal digits;
/// `None` when no digit follows. The value is `strtoul`'s, truncated to
/// 32 bits.
fn scan_u32(s: &[u8], pos: usize) -> Option<(u32, usize)> {
    let rest = s.get(pos..)?;
    let (digits, _) = number_start(rest);
    if !rest.get(digits).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let (v, n) = strtoull(rest, 10);
    Some((v as u32, pos + n))
}

/// `sscanf(s, "<prefix>%u-%u", &a, &b) == 2`.
pub fn scan_major_minor(s: &[u8], prefix: &[u8]) -> Option<(u32, u32)> {
    if !s.starts_with(prefix) {
        return None;
    }
    let (a, p) = scan_u32(s, prefix.len())?;
    if s.get(p) != Some(&b'-') {
        return None;
    }
    let (b, _) = scan_u32(s, p + 1)?;
    Some((a, b))
}

/// `sscanf(s, "%u.%u", ...) == 2`: depmod's test for a version argument.
pub fn is_version_number(s: &[u8]) -> bool {
    let Some((_, p)) = scan_u32(s, 0) else { return false };
    s.get(p) == Some(&b'.') && scan_u32(s, p + 1).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks() {
        let v: Vec<&[u8]> = fgets_chunks(b"ab\ncdefg\nh", 4).collect();
        assert_eq!(v, vec![&b"ab\n"[..], b"cde", b"fg\n", b"h"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(strtoull(b"0x1f", 16), (31, 4));
        assert_eq!(strtoull(b"1f\n", 16), (31, 2));
        assert_eq!(strtoull(b"-1", 16), (u64::MAX, 2));
        assert_eq!(strtoull(b"zz", 16), (0, 0));
        assert_eq!(strtoull(b"0xg", 16), (0, 1));
        assert_eq!(strtoull(b"fffffffffffffffff", 16), (u64::MAX, 17));
        assert_eq!(scan_major_minor(b"char-major-10-200", b"char-major-"), Some((10, 200)));
        assert_eq!(scan_major_minor(b"char-major- 4-+5x", b"char-major-"), Some((4, 5)));
        assert_eq!(scan_major_minor(b"char-major-4", b"char-major-"), None);
        assert_eq!(scan_major_minor(b"char-major-4-*", b"char-major-"), None);
        assert_eq!(scan_major_minor(b"char-major--1-0", b"char-major-"), Some((u32::MAX, 0)));
        assert!(is_version_number(b"6.1.0-56-amd64"));
        assert!(is_version_number(b" 1. 2"));
        assert!(!is_version_number(b"abc"));
        assert!(!is_version_number(b"1"));
        assert!(!is_version_number(b"1.x"));
    }
}

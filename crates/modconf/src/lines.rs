//! Logical lines of a configuration file, as libkmod reads them
//! (`freadline_wrapped`).
//!
//! * `\` + newline joins two physical lines (both bytes dropped);
//! * `\` + any other byte keeps only that byte (`a\b` reads `ab`, `\\` reads
//!   `\`); a `\` as the very last byte of the file reads as byte `0xFF` (the
//!   C code stores `EOF` into a `char`);
//! * the last line needs no newline; an empty last line (nothing read before
//!   the end of the file) is not a line;
//! * a logical line is a C string to the parser: it ends at its first NUL.
//!
//! Each line comes with the number of the last physical line it used, which
//! is what libkmod prints in its messages.
//!
//! Also the C-library string functions the readers (and the tools) parse
//! with: `strtok_r`, `isspace`, `strtol`.

/// One logical line and the number of its last physical line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: Vec<u8>,
    pub number: u32,
}

/// The logical lines of a file's contents.
pub fn logical_lines(data: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut lineno: u32 = 0;
    let mut i = 0;
    let n = data.len();
    loop {
        let mut buf: Vec<u8> = Vec::new();
        let mut used: u32 = 0;
        let ended = loop {
            if i >= n {
                // End of file: a line only if something was read.
                if buf.is_empty() {
                    break false;
                }
                used += 1;
                break true;
            }
            let c = data[i];
            i += 1;
            match c {
                b'\n' => {
                    used += 1;
                    break true;
                }
                b'\\' => {
                    if i >= n {
                        buf.push(0xFF);
                        continue;
                    }
                    let next = data[i];
                    i += 1;
                    if next == b'\n' {
                        used += 1;
                    } else {
                        buf.push(next);
                    }
                }
                c => buf.push(c),
            }
        };
        if !ended {
            return out;
        }
        lineno = lineno.wrapping_add(used);
        if let Some(z) = buf.iter().position(|&b| b == 0) {
            buf.truncate(z);
        }
        out.push(Line { text: buf, number: lineno });
    }
}

/// `strtok_r` over a line: tokens separated by runs of delimiter bytes.
/// After a token, the position is just past the one delimiter that ended it.
pub struct Tokens<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub fn new(s: &'a [u8]) -> Self {
        Tokens { s, pos: 0 }
    }

    /// The next token separated by any byte of `delims` (libkmod uses
    /// `"\t "`).
    pub fn next_token(&mut self, delims: &[u8]) -> Option<&'a [u8]> {
        while self.pos < self.s.len() && delims.contains(&self.s[self.pos]) {
            self.pos += 1;
        }
        if self.pos >= self.s.len() {
            return None;
        }
        let start = self.pos;
        while self.pos < self.s.len() && !delims.contains(&self.s[self.pos]) {
            self.pos += 1;
        }
        let tok = &self.s[start..self.pos];
        if self.pos < self.s.len() {
            self.pos += 1;
        }
        Some(tok)
    }

    /// The rest of the line (`strtok_r(NULL, "\0", ...)`): `None` when
    /// nothing is left.
    pub fn rest(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.s.len() {
            return None;
        }
        let r = &self.s[self.pos..];
        self.pos = self.s.len();
        Some(r)
    }
}

/// C's `isspace` in the "C" locale.
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Where the `strto*` functions look for digits: past the leading blanks
/// and one optional sign. Also whether that sign is `-`.
pub fn number_start(s: &[u8]) -> (usize, bool) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    match s.get(i) {
        Some(b'-') => (i + 1, true),
        Some(b'+') => (i + 1, false),
        _ => (i, false),
    }
}

/// `strtol(s, &end, 10)`: the value and where the number ends, or `None`
/// when no digit follows the blanks and sign (C leaves `end` at `s` then).
/// Too large a magnitude stops at `i64::MAX` before the sign is applied.
pub fn strtol(s: &[u8]) -> Option<(i64, usize)> {
    let (mut i, neg) = number_start(s);
    let start = i;
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add((s[i] - b'0') as i64);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -v } else { v }, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_ends() {
        assert_eq!(strtol(b" \x0b-12x"), Some((-12, 5)));
        assert_eq!(strtol(b"+"), None);
        assert_eq!(strtol(b"99999999999999999999"), Some((i64::MAX, 20)));
    }

    fn lines(s: &[u8]) -> Vec<(String, u32)> {
        logical_lines(s).into_iter().map(|l| (String::from_utf8_lossy(&l.text).into_owned(), l.number)).collect()
    }

    #[test]
    fn joins_and_escapes() {
        assert_eq!(lines(b"a\\\nb\nc"), vec![("ab".into(), 2), ("c".into(), 3)]);
        assert_eq!(lines(b"a\\b \\\\c\n"), vec![("ab \\c".into(), 1)]);
        assert_eq!(lines(b"\n\nx\n"), vec![("".into(), 1), ("".into(), 2), ("x".into(), 3)]);
        assert_eq!(logical_lines(b"end\\")[0].text, b"end\xff");
        assert_eq!(lines(b"a\0b\n"), vec![("a".into(), 1)]);
        assert_eq!(lines(b"x\\\n"), vec![("x".into(), 2)]);
        assert_eq!(lines(b""), vec![]);
    }

    #[test]
    fn strtok() {
        let mut t = Tokens::new(b"  options  m  a=1\tb");
        assert_eq!(t.next_token(b"\t "), Some(&b"options"[..]));
        assert_eq!(t.next_token(b"\t "), Some(&b"m"[..]));
        assert_eq!(t.rest(), Some(&b" a=1\tb"[..]));
        let mut t = Tokens::new(b"options m");
        t.next_token(b"\t ");
        t.next_token(b"\t ");
        assert_eq!(t.rest(), None);
        let mut t = Tokens::new(b"options m ");
        t.next_token(b"\t ");
        t.next_token(b"\t ");
        assert_eq!(t.rest(), None);
    }
}

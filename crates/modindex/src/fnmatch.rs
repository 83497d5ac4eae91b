//! glibc-compatible `fnmatch(pattern, string, 0)` over bytes.
//!
//! libkmod tests the wildcard keys of `modules.alias.bin` and friends with
//! glibc's `fnmatch()` and no flags, in the C locale (the kmod tools never call
//! `setlocale`). This module reproduces that exact behaviour, including glibc's
//! treatment of malformed patterns, so that lookups give the same answers:
//!
//! * `*` matches any run of bytes (also `/` and a leading `.`), `?` any one byte;
//! * `\x` matches `x` literally; a trailing lone `\` matches nothing;
//! * `[...]` bracket expressions: `!` or `^` negates, `]` first is literal,
//!   `a-z` ranges compare byte values, `-` first or last is literal, `\` escapes
//!   inside, `[:class:]` names a C-locale character class (an unknown class name
//!   makes the whole expression fail), `[=c=]` and `[.c.]` name a single byte;
//! * a `[` that is never closed matches a literal `[` (but glibc reads the
//!   would-be set first, so a malformed class or collating element in it, or a
//!   trailing `\`, still makes the match fail).
//!
//! Not modelled: the `POSIXLY_CORRECT` environment variable (which makes glibc
//! stop treating `^` as negation); kmod runs without it in practice.

/// Longest class name glibc scans in `[:name:]` before giving up
/// (`CHARCLASS_NAME_MAX`).
const CLASS_NAME_MAX: usize = 2048;

/// Match `string` against the shell wildcard `pattern` exactly as glibc's
/// `fnmatch(pattern, string, 0)` does in the C locale.
///
/// Both arguments are byte strings; as with the C function, each one ends at
/// its first NUL byte if it has one.
///
/// ```
/// use modindex::fnmatch;
/// assert!(fnmatch(b"pci:v*d00001234sv*", b"pci:v00008086d00001234sv0"));
/// assert!(fnmatch(b"usb:v[0-9A-F]p?", b"usb:vBpx"));
/// assert!(!fnmatch(b"a[[:digit:]]", b"ax"));
/// ```
pub fn fnmatch(pattern: &[u8], string: &[u8]) -> bool {
    let pattern = until_nul(pattern);
    let string = until_nul(string);

    let mut p = 0;
    let mut s = 0;
    // After a `*`: where the pattern resumes and the next string position the
    // star will try to swallow up to. Only the most recent star needs to be
    // remembered: everything between two stars matches a fixed number of
    // bytes, so the earliest place it fits is always the best one (glibc
    // commits the same way).
    let mut star: Option<(usize, usize)> = None;

    loop {
        if p < pattern.len() {
            if pattern[p] == b'*' {
                p += 1;
                if p == pattern.len() {
                    return true;
                }
                star = Some((p, s));
                continue;
            }
            if s < string.len() {
                if let Some(next) = match_one(pattern, p, string[s]) {
                    p = next;
                    s += 1;
                    continue;
                }
            }
        } else if s == string.len() {
            return true;
        }
        match star {
            Some((sp, ss)) if ss < string.len() => {
                p = sp;
                s = ss + 1;
                star = Some((sp, s));
            }
            _ => return false,
        }
    }
}

/// The C string view of `bytes`: everything before the first NUL.
pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(n) => &bytes[..n],
        None => bytes,
    }
}

/// Match one pattern element (anything but `*`) at `p` against byte `c`;
/// returns the index of the next element on success.
#[inline]
fn match_one(pat: &[u8], p: usize, c: u8) -> Option<usize> {
    match pat[p] {
        b'?' => Some(p + 1),
        b'\\' => match pat.get(p + 1) {
            Some(&e) if e == c => Some(p + 2),
            _ => None,
        },
        b'[' => bracket(pat, p + 1, c),
        lit if lit == c => Some(p + 1),
        _ => None,
    }
}

/// The C-locale character classes known to `wctype()`.
fn class_contains(name: &[u8], c: u8) -> Option<bool> {
    Some(match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c.is_ascii_control(),
        b"digit" => c.is_ascii_digit(),
        b"graph" => c.is_ascii_graphic(),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => c.is_ascii_graphic() || c == b' ',
        b"punct" => c.is_ascii_punctuation(),
        // C isspace(): \t \n \v \f \r and space (Rust's is_ascii_whitespace lacks \v).
        b"space" => matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '),
        b"upper" => c.is_ascii_uppercase(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// What a `[:` inside a bracket expression turned out to be.
enum ClassSyntax<'p> {
    /// `[:name:]`; the index just past `:]`.
    Class(&'p [u8], usize),
    /// Not a class name after all: the `[` is an ordinary member.
    NotAClass,
    /// Name longer than glibc accepts: the pattern fails.
    TooLong,
}

/// Parse `[:name:]` with `colon` the index of the `:`. glibc only accepts the
/// bytes `a`..`y` in a name (`z` is excluded by an off-by-one in its check).
fn class_syntax(pat: &[u8], colon: usize) -> ClassSyntax<'_> {
    let at = |i: usize| pat.get(i).copied().unwrap_or(0);
    let mut k = colon;
    let mut len = 0;
    loop {
        if len == CLASS_NAME_MAX {
            return ClassSyntax::TooLong;
        }
        k += 1;
        let ch = at(k);
        if ch == b':' && at(k + 1) == b']' {
            return ClassSyntax::Class(&pat[colon + 1..k], k + 2);
        }
        if !(b'a'..=b'y').contains(&ch) {
            return ClassSyntax::NotAClass;
        }
        len += 1;
    }
}

/// Parse a collating symbol `[.x.]` with `dot` the index of the first `.`.
/// Only single-byte symbols exist in the C locale; anything else, or a
/// missing `.]`, makes the pattern fail. Returns the byte and the index past `.]`.
fn collating_symbol(pat: &[u8], dot: usize) -> Option<(u8, usize)> {
    let at = |i: usize| pat.get(i).copied().unwrap_or(0);
    let mut k = dot;
    loop {
        k += 1;
        let ch = at(k);
        if ch == b'.' && at(k + 1) == b']' {
            break;
        }
        if ch == 0 {
            return None;
        }
    }
    if k - dot - 1 != 1 {
        return None;
    }
    Some((pat[dot + 1], k + 2))
}

/// Match byte `c` against the bracket expression whose body starts at `start`
/// (just after the `[`). Returns the index after the expression on a match.
///
/// The scan mirrors glibc's left-to-right reading: `cur` is the byte being
/// looked at and `i` the index just after it. Past the end of the pattern
/// every byte reads as NUL, like the C string terminator.
fn bracket(pat: &[u8], start: usize, c: u8) -> Option<usize> {
    let at = |i: usize| pat.get(i).copied().unwrap_or(0);
    let mut i = start;
    let negate = matches!(at(i), b'!' | b'^');
    if negate {
        i += 1;
    }
    let mut cur = at(i);
    i += 1;

    loop {
        // A member that can begin a range: its byte and whether it may be one.
        let member: Option<(u8, bool)>;
        if cur == b'\\' {
            let e = at(i);
            if e == 0 {
                return None;
            }
            i += 1;
            member = Some((e, plain_can_start_range(pat, i)));
        } else if cur == b'[' && at(i) == b':' {
            match class_syntax(pat, i) {
                ClassSyntax::Class(name, next) => {
                    if class_contains(name, c)? {
                        return skip_rest(pat, next, negate, start, c);
                    }
                    i = next;
                    member = None;
                }
                ClassSyntax::NotAClass => member = Some((b'[', plain_can_start_range(pat, i))),
                ClassSyntax::TooLong => return None,
            }
        } else if cur == b'[' && at(i) == b'=' {
            let e = at(i + 1);
            if e != 0 && at(i + 2) == b'=' && at(i + 3) == b']' {
                if c == e {
                    return skip_rest(pat, i + 4, negate, start, c);
                }
                i += 4;
                member = None;
            } else {
                member = Some((b'[', plain_can_start_range(pat, i)));
            }
        } else if cur == 0 {
            // Never closed: the `[` stands for itself.
            return (c == b'[').then_some(start);
        } else if cur == b'[' && at(i) == b'.' {
            let (sym, next) = collating_symbol(pat, i)?;
            i = next;
            // glibc's test here differs from the plain one: `-]` still counts.
            member = Some((sym, at(i) == b'-' && at(i + 1) != 0));
        } else {
            member = Some((cur, plain_can_start_range(pat, i)));
        }

        if let Some((lo, may_range)) = member {
            if !may_range && lo == c {
                return skip_rest(pat, i, negate, start, c);
            }
            cur = at(i);
            i += 1;
            if cur == b'-' && at(i) != b']' {
                let mut hi = at(i);
                i += 1;
                if hi == b'[' && at(i) == b'.' {
                    let (sym, next) = collating_symbol(pat, i)?;
                    hi = sym;
                    i = next;
                } else {
                    if hi == b'\\' {
                        hi = at(i);
                        i += 1;
                    }
                    if hi == 0 {
                        return None;
                    }
                }
                if lo <= c && c <= hi {
                    return skip_rest(pat, i, negate, start, c);
                }
                cur = at(i);
                i += 1;
            }
        } else {
            cur = at(i);
            i += 1;
        }

        if cur == b']' {
            break;
        }
    }
    negate.then_some(i)
}

/// Whether a plain member whose following byte is at `i` is the start of a
/// range `x-y` (glibc: a `-` follows and is not itself followed by `]` or the end).
#[inline]
fn plain_can_start_range(pat: &[u8], i: usize) -> bool {
    pat.get(i) == Some(&b'-') && !matches!(pat.get(i + 1), None | Some(0) | Some(b']'))
}

/// Byte `c` was found in the set: skip to the closing `]` (from `i`) the way
/// glibc does, which fails on some malformed tails the main scan tolerates.
/// `start` is the index just after the opening `[`, for the unterminated case.
fn skip_rest(pat: &[u8], mut i: usize, negate: bool, start: usize, c: u8) -> Option<usize> {
    let at = |i: usize| pat.get(i).copied().unwrap_or(0);
    loop {
        let ch = at(i);
        i += 1;
        match ch {
            b']' => return (!negate).then_some(i),
            // Never closed: the `[` stands for itself after all.
            0 => return (c == b'[').then_some(start),
            b'\\' => {
                if at(i) == 0 {
                    return None;
                }
                i += 1;
            }
            b'[' if at(i) == b':' => {
                let colon = i;
                let mut len = 0;
                loop {
                    i += 1;
                    let n = at(i);
                    len += 1;
                    if len == CLASS_NAME_MAX {
                        return None;
                    }
                    if n == b':' && at(i + 1) == b']' {
                        i += 2;
                        break;
                    }
                    if !(b'a'..=b'y').contains(&n) {
                        i = colon;
                        break;
                    }
                }
            }
            b'[' if at(i) == b'=' => {
                if at(i + 1) == 0 || at(i + 2) != b'=' || at(i + 3) != b']' {
                    return None;
                }
                i += 4;
            }
            b'[' if at(i) == b'.' => loop {
                i += 1;
                let n = at(i);
                if n == 0 {
                    return None;
                }
                if n == b'.' && at(i + 1) == b']' {
                    i += 2;
                    break;
                }
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[track_caller]
    fn yes(p: &str, s: &str) {
        assert!(
            fnmatch(p.as_bytes(), s.as_bytes()),
            "{p:?} should match {s:?}"
        );
    }
    #[track_caller]
    fn no(p: &str, s: &str) {
        assert!(
            !fnmatch(p.as_bytes(), s.as_bytes()),
            "{p:?} should not match {s:?}"
        );
    }

    #[test]
    fn literals_and_wildcards() {
        yes("", "");
        no("", "a");
        yes("abc", "abc");
        no("abc", "abd");
        no("abc", "ab");
        yes("a?c", "abc");
        no("a?c", "ac");
        yes("*", "");
        yes("*", "a/b/.c");
        yes(".*", ".hidden");
        yes("*c", ".abc");
        yes("a*b*c", "a123b456c");
        no("a*b*c", "a123b456");
        yes("a*b*c", "abcbc");
        yes("*?", "x");
        no("*?", "");
        yes("*??*", "xy");
        no("*??*", "x");
        yes("**a**", "bab");
        yes("a/*", "a/b/c");
    }

    #[test]
    fn escapes() {
        yes("\\*", "*");
        no("\\*", "a");
        yes("a\\?", "a?");
        no("a\\", "a\\");
        no("a\\", "a");
        no("*\\", "x\\");
        yes("\\\\", "\\");
    }

    #[test]
    fn brackets() {
        yes("[abc]", "b");
        no("[abc]", "d");
        yes("[!abc]", "d");
        yes("[^abc]", "d");
        no("[!abc]", "a");
        yes("[a-c]", "b");
        no("[c-a]", "b");
        yes("[]]", "]");
        yes("[]a]", "a");
        yes("[!]]", "a");
        no("[!]]", "]");
        yes("[a-]", "-");
        yes("[-a]", "-");
        yes("[\\]]", "]");
        yes("[a\\-z]", "-");
        no("[a\\-z]", "b");
        yes("[[:alpha:]]", "q");
        no("[[:alpha:]]", "1");
        yes("[[:digit:][:upper:]]", "Q");
        yes("[![:space:]]", "x");
        no("[![:space:]]", "\t");
        yes("[[:xdigit:]]", "F");
        no("[[:xdigit:]]", "g");
        yes("[[:punct:]]", "!");
        yes("[[:blank:]]", " ");
        yes("[[:cntrl:]]", "\x7f");
        yes("[[:print:]]", " ");
        no("[[:graph:]]", " ");
        yes("[[:alnum:]]", "7");
        yes("[[:lower:]]", "z");
        no("[[:nope:]]", "a");
        no("[[:nope:]a]", "a");
        yes("[[=a=]]", "a");
        yes("[[.a.]]", "a");
        yes("[[.a.]-c]", "b");
        yes("[[:a]", "a");
        yes("[[:a]", ":");
        yes("[[:a]", "[");
        // unterminated brackets
        yes("[", "[");
        yes("[a", "[a");
        no("[a", "a");
        yes("[[", "[[");
        yes("[*[", "[abab[");
        no("a[", "a");
        yes("[!a", "[!a");
        yes("*[", "x[");
    }

    #[test]
    fn nul_terminates() {
        yes("ab\0zzz", "ab");
        yes("ab", "ab\0zzz");
    }

    #[test]
    fn real_modalias_patterns() {
        yes(
            "pci:v00008086d00001C22sv*sd*bc*sc*i*",
            "pci:v00008086d00001C22sv00001028sd000004B2bc0Csc05i00",
        );
        yes(
            "usb:v0BDAp8179d*dc*dsc*dp*icFFiscFFipFFin*",
            "usb:v0BDAp8179d0000dc00dsc00dp00icFFiscFFipFFin00",
        );
        yes("acpi*:PNP0C14:*", "acpi:PNP0C14:");
        yes(
            "dmi*:svn*LENOVO*:pvrThinkPad*:rvnLENOVO:*",
            "dmi:bvnLENOVO:svnLENOVO:pvrThinkPadX1:rvnLENOVO:rn20:",
        );
    }
}

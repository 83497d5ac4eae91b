//! `modindex::fnmatch` against the real glibc `fnmatch(pattern, string, 0)`.
//!
//! The test process never calls `setlocale`, so glibc runs in the C locale,
//! like the kmod tools.

use std::ffi::CString;

fn glibc(pattern: &[u8], string: &[u8]) -> bool {
    let p = CString::new(pattern).unwrap();
    let s = CString::new(string).unwrap();
    // SAFETY: both are valid NUL-terminated strings that outlive the call.
    unsafe { libc::fnmatch(p.as_ptr(), s.as_ptr(), 0) == 0 }
}

#[track_caller]
fn check(pattern: &[u8], string: &[u8], failures: &mut Vec<String>) {
    let want = glibc(pattern, string);
    let got = modindex::fnmatch(pattern, string);
    if want != got && failures.len() < 50 {
        failures.push(format!(
            "pattern {:?} string {:?}: glibc {want}, ours {got}",
            String::from_utf8_lossy(pattern),
            String::from_utf8_lossy(string)
        ));
    }
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "mismatches with glibc:\n{}",
        failures.join("\n")
    );
}

/// Every sequence over `alphabet` of length 0..=max_len.
fn all_strings(alphabet: &[u8], max_len: usize) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    let mut level = vec![Vec::new()];
    for _ in 0..max_len {
        let mut next = Vec::new();
        for s in &level {
            for &c in alphabet {
                let mut t = s.clone();
                t.push(c);
                next.push(t);
            }
        }
        out.extend(next.iter().cloned());
        level = next;
    }
    out
}

#[test]
fn exhaustive_short_patterns() {
    let patterns = all_strings(b"ab-][!^*?\\:", 4);
    let strings = all_strings(b"ab-][!\\:", 2);
    let mut failures = Vec::new();
    for p in &patterns {
        for s in &strings {
            check(p, s, &mut failures);
        }
    }
    report(failures);
}

#[test]
fn exhaustive_bracket_bodies() {
    // "[" + every body of length <= 4 over a bracket-heavy alphabet (with and
    // without a closing "]"), against single bytes and short strings.
    let bodies = all_strings(b"a-]![:.=\\z", 4);
    let strings = all_strings(b"a-]![:.=\\zb", 1);
    let mut failures = Vec::new();
    for body in &bodies {
        for tail in [&b""[..], b"]", b"]x", b"*"] {
            let mut p = b"[".to_vec();
            p.extend_from_slice(body);
            p.extend_from_slice(tail);
            for s in &strings {
                check(&p, s, &mut failures);
                let mut sx = s.clone();
                sx.push(b'x');
                check(&p, &sx, &mut failures);
            }
        }
    }
    report(failures);
}

#[test]
fn classes_and_ranges_over_all_bytes() {
    let classes = [
        "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
        "upper", "xdigit", "bogus", "", "zz", "Alpha",
    ];
    let mut patterns: Vec<Vec<u8>> = Vec::new();
    for c in classes {
        patterns.push(format!("[[:{c}:]]").into_bytes());
        patterns.push(format!("[![:{c}:]]").into_bytes());
        patterns.push(format!("[^[:{c}:]x]").into_bytes());
        patterns.push(format!("[x[:{c}:]-]").into_bytes());
    }
    for p in [
        &b"[a-z]"[..],
        b"[!a-z]",
        b"[z-a]",
        b"[\x80-\xff]",
        b"[!\x01-\x7f]",
        b"[ -~]",
        b"[[=a=]]",
        b"[[=\xe9=]]",
        b"[[.-.]a]",
        b"[[.a.]-[.z.]]",
        b"[a-[.z.]]",
        b"[\\a-\\z]",
        b"[]-a]",
        b"[!]-a]",
        b"[--0]",
        b"\xe9",
        b"?",
        b"\\\xe9",
    ] {
        patterns.push(p.to_vec());
    }
    let mut failures = Vec::new();
    for p in &patterns {
        for b in 1..=255u8 {
            check(p, &[b], &mut failures);
        }
    }
    report(failures);
}

#[test]
fn long_class_names() {
    let mut failures = Vec::new();
    for n in [2045usize, 2046, 2047, 2048, 2049, 2050] {
        let name = "a".repeat(n);
        for p in [
            format!("[[:{name}:]]"),
            format!("[[:{name}]"),
            format!("[[:{name}"),
            format!("[x[:{name}:]]"),
            format!("[x[:{name}]"),
        ] {
            for s in ["x", "a", "[", ":", "]"] {
                check(p.as_bytes(), s.as_bytes(), &mut failures);
            }
        }
    }
    report(failures);
}

/// Scale for the random tests: `MODINDEX_FNMATCH_SCALE=20` runs 20 times as many.
fn scale() -> usize {
    std::env::var("MODINDEX_FNMATCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

#[test]
fn random_token_patterns() {
    let tokens: &[&[u8]] = &[
        b"a",
        b"b",
        b"z",
        b"A",
        b"0",
        b"9",
        b" ",
        b".",
        b"/",
        b"-",
        b"_",
        b":",
        b"\xe9",
        b"*",
        b"*",
        b"?",
        b"[",
        b"]",
        b"!",
        b"^",
        b"\\",
        b"[a-z]",
        b"[!a-c]",
        b"[^0-9]",
        b"[]a]",
        b"[!]]",
        b"[a-]",
        b"[-a]",
        b"[[:alpha:]]",
        b"[[:digit:][:upper:]]",
        b"[[:space:]_]",
        b"[[:foo:]]",
        b"[[:",
        b":]",
        b"[=a=]",
        b"[=",
        b"=]",
        b"[.a.]",
        b"[.ab.]",
        b"[.",
        b".]",
        b"a-z",
        b"z-a",
        b"[\\]]",
        b"[\\",
        b"[a\\-z]",
    ];
    let chars: &[u8] = b"abzA09 ./-_:[]!^\\*?=\xe9\x7f\t";
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut failures = Vec::new();
    for _ in 0..60_000 * scale() {
        let mut p = Vec::new();
        for _ in 0..rng.below(7) {
            p.extend_from_slice(rng.pick(tokens));
        }
        for _ in 0..4 {
            let mut s = Vec::new();
            for _ in 0..rng.below(7) {
                s.push(rng.pick(chars));
            }
            check(&p, &s, &mut failures);
        }
        // A string derived from the pattern itself hits the matching side more often.
        let mut s: Vec<u8> = p
            .iter()
            .copied()
            .filter(|&b| !b"*?[]\\".contains(&b))
            .collect();
        if !s.is_empty() && rng.below(2) == 0 {
            let at = rng.below(s.len());
            s.insert(at, rng.pick(chars));
        }
        check(&p, &s, &mut failures);
    }
    report(failures);
}

#[test]
fn star_heavy_patterns() {
    let mut rng = Rng(42);
    let pieces: &[&[u8]] = &[
        b"*", b"a", b"b", b"ab", b"?", b"[ab]", b"[!a]", b"\\*", b"[",
    ];
    let mut failures = Vec::new();
    for _ in 0..30_000 * scale() {
        let mut p = Vec::new();
        for _ in 0..rng.below(8) {
            p.extend_from_slice(rng.pick(pieces));
        }
        let mut s = Vec::new();
        for _ in 0..rng.below(12) {
            s.push(rng.pick(b"ab*[c"));
        }
        check(&p, &s, &mut failures);
    }
    report(failures);
}

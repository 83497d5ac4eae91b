//! The `.modinfo` section: NUL-separated `key=value` strings.

/// One `.modinfo` entry. `key` is the text before the first `=`; a string
/// without `=` is all key with an empty value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModinfoEntry<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
}

impl<'a> ModinfoEntry<'a> {
    pub fn parse(s: &'a [u8]) -> Self {
        match s.iter().position(|&b| b == b'=') {
            Some(i) => ModinfoEntry { key: &s[..i], value: &s[i + 1..] },
            None => ModinfoEntry { key: s, value: &[] },
        }
    }
}

/// Splits a string section into its strings as libkmod does: leading NUL
/// padding is skipped, runs of NULs separate strings, a last string without a
/// terminating NUL still counts, and a section of at most one byte (after the
/// padding) holds nothing.
pub fn strings(section: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut s = section;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    if s.len() <= 1 {
        s = &[];
    }
    s.split(|&b| b == 0).filter(|x| !x.is_empty())
}

/// The `.modinfo` entries of a section, in file order, repeated keys kept.
pub fn entries(section: &[u8]) -> impl Iterator<Item = ModinfoEntry<'_>> + '_ {
    strings(section).map(ModinfoEntry::parse)
}

/// Linux's `get_modinfo`-style lookup: the value of the first string that
/// starts with `tag=`.
pub fn get<'a>(section: &'a [u8], tag: &str) -> Option<&'a [u8]> {
    entries(section).find(|e| e.key == tag.as_bytes()).map(|e| e.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &[u8]) -> Vec<(String, String)> {
        entries(s)
            .map(|e| (String::from_utf8_lossy(e.key).into(), String::from_utf8_lossy(e.value).into()))
            .collect()
    }

    #[test]
    fn splits_like_libkmod() {
        assert_eq!(all(b"\0\0a=1\0\0\0b=2\0c\0"), vec![("a".into(), "1".into()), ("b".into(), "2".into()), ("c".into(), "".into())]);
        assert_eq!(all(b"x=y"), vec![("x".into(), "y".into())]);
        assert_eq!(all(b""), vec![]);
        assert_eq!(all(b"\0\0\0"), vec![]);
        // a single byte after padding is dropped, as libkmod does
        assert_eq!(all(b"\0\0q"), vec![]);
        assert_eq!(all(b"k=v=w\0"), vec![("k".into(), "v=w".into())]);
        assert_eq!(get(b"license=GPL\0name=x\0", "name"), Some(&b"x"[..]));
        assert_eq!(get(b"license=GPL\0", "name"), None);
    }
}

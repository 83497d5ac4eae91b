//! Module names, aliases and module file names (kmod 30 rules).

/// Recognised module file extensions (Debian's kmod 30: zstd and xz, no zlib).
pub const MODULE_EXTENSIONS: [&str; 3] = [".ko", ".ko.xz", ".ko.zst"];

/// kmod's `modname_normalize`: the text up to the first `.`, with `-` as `_`.
pub fn modname_normalize(s: &str) -> String {
    s.split('.').next().unwrap_or("").replace('-', "_")
}

/// kmod's `path_to_modname`: the normalised basename. `None` for an empty
/// basename (a path ending in `/`).
pub fn path_to_modname(path: &str) -> Option<String> {
    let base = path.rsplit('/').next().unwrap_or(path);
    (!base.is_empty()).then(|| modname_normalize(base))
}

/// Whether `name` ends in a module extension and is longer than it.
pub fn has_module_ext(name: &str) -> bool {
    MODULE_EXTENSIONS.iter().any(|e| name.len() > e.len() && name.ends_with(e))
}

/// Why an alias cannot be normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    #[error("unbalanced ']' in alias")]
    StrayBracket,
    #[error("unterminated '[' in alias")]
    Unterminated,
}

/// kmod's `alias_normalize`: `-` becomes `_` except inside `[...]`, which is
/// copied verbatim; a `]` outside brackets or an unterminated `[` is an error.
pub fn alias_normalize(s: &str) -> Result<String, AliasError> {
    // kmod works in a PATH_MAX buffer and silently stops at 4095 bytes.
    let mut end = s.len().min(4095);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = &s[..end];
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '-' => out.push('_'),
            ']' => return Err(AliasError::StrayBracket),
            '[' => {
                out.push('[');
                loop {
                    match chars.next() {
                        None => return Err(AliasError::Unterminated),
                        Some(']') => {
                            out.push(']');
                            break;
                        }
                        Some(x) => out.push(x),
                    }
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(modname_normalize("snd-timer.ko.xz"), "snd_timer");
        assert_eq!(modname_normalize("crc-itu-t"), "crc_itu_t");
        assert_eq!(path_to_modname("kernel/sound/core/snd-timer.ko.xz").as_deref(), Some("snd_timer"));
        assert_eq!(path_to_modname("dir/"), None);
    }

    #[test]
    fn extensions() {
        assert!(has_module_ext("a.ko"));
        assert!(has_module_ext("a.ko.zst"));
        assert!(!has_module_ext(".ko"));
        assert!(!has_module_ext("a.ko.gz"));
    }

    #[test]
    fn aliases() {
        assert_eq!(alias_normalize("pci:v-[a-b]d*").unwrap(), "pci:v_[a-b]d*");
        assert_eq!(alias_normalize("a]b"), Err(AliasError::StrayBracket));
        assert_eq!(alias_normalize("a[b"), Err(AliasError::Unterminated));
    }
}

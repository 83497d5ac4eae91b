//! modprobe's command-line helpers: `$MODPROBE_OPTIONS` and the module
//! options given after the module name.

/// Splits `$MODPROBE_OPTIONS` into arguments as kmod 30 does
/// (`prepend_options_from_env`): every space ends an argument (so runs of
/// spaces give empty arguments); a quote (`"` or `'`) starts a quoted part
/// that may contain spaces: at the start of an argument the quotes are
/// dropped and the argument ends at the closing quote; inside an argument
/// both quote characters are removed. An unclosed quote is kept as is.
pub fn split_env_options(env: &[u8]) -> Vec<Vec<u8>> {
    let mut s = env.to_vec();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut quote: Option<usize> = None;
    let mut i = 0usize;
    while i < s.len() {
        match quote {
            None => {
                if s[i] == b' ' {
                    out.push(s[start..i].to_vec());
                    start = i + 1;
                } else if s[i] == b'"' || s[i] == b'\'' {
                    quote = Some(i);
                }
            }
            Some(q) => {
                if s[i] == s[q] {
                    if q == start {
                        out.push(s[start + 1..i].to_vec());
                        start = i + 1;
                    } else {
                        // Drop both quote characters.
                        s.remove(i);
                        s.remove(q);
                        i -= 2;
                    }
                    quote = None;
                }
            }
        }
        i += 1;
    }
    if start < i.min(s.len()) {
        out.push(s[start..].to_vec());
    }
    out
}

/// The extra module options from the arguments after the module name
/// (`options_from_array`): joined by spaces (a space is only added after a
/// non-empty prefix); `k=v` whose value has a space and does not start with a
/// quote becomes `k="v"`. `None` when there are no such arguments.
pub fn options_from_args(args: &[Vec<u8>]) -> Option<Vec<u8>> {
    if args.is_empty() {
        return None;
    }
    let mut opts: Vec<u8> = Vec::new();
    for a in args {
        if !opts.is_empty() {
            opts.push(b' ');
        }
        match a.iter().position(|&b| b == b'=') {
            Some(eq) if !matches!(a.get(eq + 1), Some(b'"') | Some(b'\'')) && a[eq + 1..].contains(&b' ') => {
                opts.extend_from_slice(&a[..=eq]);
                opts.push(b'"');
                opts.extend_from_slice(&a[eq + 1..]);
                opts.push(b'"');
            }
            _ => opts.extend_from_slice(a),
        }
    }
    Some(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_env_options(s.as_bytes()).into_iter().map(|v| String::from_utf8(v).unwrap()).collect()
    }

    #[test]
    fn env_options() {
        assert_eq!(split("-v -n"), vec!["-v", "-n"]);
        assert_eq!(split("-v  -n"), vec!["-v", "", "-n"]);
        // a quoted argument ends at its closing quote: the space after it starts an empty one
        assert_eq!(split("-C '/a b' -q"), vec!["-C", "/a b", "", "-q"]);
        assert_eq!(split("-C=\"a b\"c d"), vec!["-C=a bc", "d"]);
        assert_eq!(split("\"a b\"c"), vec!["a b", "c"]);
        assert_eq!(split("-v "), vec!["-v"]);
        assert_eq!(split("'x y"), vec!["'x y"]);
    }

    #[test]
    fn module_options() {
        let a = |v: &[&str]| options_from_args(&v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>()).map(|v| String::from_utf8(v).unwrap());
        assert_eq!(a(&[]), None);
        assert_eq!(a(&["a=1", "sp ace=a b"]).unwrap(), "a=1 sp ace=\"a b\"");
        assert_eq!(a(&["", "b"]).unwrap(), "b");
        assert_eq!(a(&["a", "", "b"]).unwrap(), "a  b");
        assert_eq!(a(&["x='a b'"]).unwrap(), "x='a b'");
    }
}

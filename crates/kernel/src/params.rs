//! `parse_args`: module parameters from the argument string.
//!
//! Tokenising follows Linux's `next_arg`: whitespace separates, double
//! quotes group (and are removed around a value or a whole token), the first
//! `=` after the first character splits name from value, and `--` ends the
//! arguments. Names compare with `-` and `_` equal. Unknown names only warn;
//! a failing `set` is reported and the *last* error is returned.

use std::ffi::CString;

use crate::errno::{Errno, KResult};
use crate::module::ParamRef;
use crate::{cpu, pr, Kernel, KERN_ERR, KERN_WARNING};

/// `struct kernel_param_ops`: flags @0, set @8, get @16, free @24.
pub const OPS_SET: u64 = 8;
pub const OPS_GET: u64 = 16;
pub const OPS_FREE: u64 = 24;
const KERNEL_PARAM_OPS_FL_NOARG: u32 = 1;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

/// One `name[=value]` token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// Splits the next argument off `s` (which starts at a non-space).
fn next_arg(s: &[u8]) -> (Arg, &[u8]) {
    let mut i = 0;
    let mut in_quote = false;
    let mut quoted = false;
    let mut start = 0;
    if s.first() == Some(&b'"') {
        start = 1;
        i = 1;
        in_quote = true;
        quoted = true;
    }
    let mut equals: Option<usize> = None;
    while i < s.len() {
        let c = s[i];
        if is_space(c) && !in_quote {
            break;
        }
        if equals.is_none() && c == b'=' && i > start {
            equals = Some(i);
        }
        if c == b'"' {
            in_quote = !in_quote;
        }
        i += 1;
    }
    let token = &s[start..i];
    let rest = &s[i..];
    let (name, value) = match equals {
        None => (token.to_vec(), None),
        Some(e) => {
            let e = e - start;
            let mut v = &token[e + 1..];
            if v.first() == Some(&b'"') {
                v = &v[1..];
                if v.last() == Some(&b'"') {
                    v = &v[..v.len() - 1];
                }
            } else if quoted && v.last() == Some(&b'"') {
                v = &v[..v.len() - 1];
            }
            (token[..e].to_vec(), Some(v.to_vec()))
        }
    };
    let name = if equals.is_none() && quoted && name.last() == Some(&b'"') { name[..name.len() - 1].to_vec() } else { name };
    let skip = rest.iter().take_while(|&&b| is_space(b)).count();
    (Arg { name, value }, &rest[skip..])
}

/// Splits a whole argument string (for tests and the unknown-parameter path).
pub fn split_args(args: &[u8]) -> Vec<Arg> {
    let mut s = &args[args.iter().take_while(|&&b| is_space(b)).count()..];
    let mut out = Vec::new();
    while !s.is_empty() {
        let (a, rest) = next_arg(s);
        if a.name == b"--" && a.value.is_none() {
            break;
        }
        out.push(a);
        s = rest;
    }
    out
}

fn parameq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (matches!(x, b'-' | b'_') && matches!(y, b'-' | b'_')))
}

/// Parses `args` against a module's parameters, calling each `ops->set`.
pub fn parse_args(k: &Kernel, module: &str, args: &str, params: &[ParamRef]) -> KResult<()> {
    let mut err: KResult<()> = Ok(());
    let all = split_args(args.as_bytes());
    let raw = args.as_bytes();
    let mut consumed_all = true;
    if let Some(pos) = find_double_dash(raw) {
        let rest = String::from_utf8_lossy(&raw[pos..]).trim_start().to_string();
        if !rest.is_empty() {
            pr(KERN_WARNING, format!("{module}: parameters '{rest}' after `--' ignored"));
        }
        consumed_all = false;
    }
    let _ = consumed_all;
    for a in all {
        let name = String::from_utf8_lossy(&a.name).into_owned();
        let Some(p) = params.iter().find(|p| parameq(p.name.as_bytes(), &a.name)) else {
            if name == "async_probe" || name == "dyndbg" || name.ends_with(".dyndbg") {
                continue;
            }
            pr(KERN_WARNING, format!("{module}: unknown parameter '{name}' ignored"));
            continue;
        };
        let r = set_param(k, p, a.value.as_deref());
        if let Err(e) = r {
            let mut val = a.value.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
            // param_array splits the value in place (a NUL at each comma it
            // reached), so Linux's message shows only the first element.
            if kabi::vmlinux::get().and_then(|v| v.symbol("param_array_ops")) == Some(p.ops) {
                val.truncate(val.find(',').unwrap_or(val.len()));
            }
            if e == Errno::ENOSPC {
                pr(KERN_ERR, format!("{module}: `{val}' too large for parameter `{name}'"));
            } else {
                pr(KERN_ERR, format!("{module}: `{val}' invalid for parameter `{name}'"));
            }
            err = Err(e);
        }
    }
    err
}

/// Where `--` (as a whole token) starts, if anywhere.
fn find_double_dash(s: &[u8]) -> Option<usize> {
    let mut t = &s[s.iter().take_while(|&&b| is_space(b)).count()..];
    while !t.is_empty() {
        let (a, rest) = next_arg(t);
        if a.name == b"--" && a.value.is_none() {
            return Some(s.len() - rest.len());
        }
        t = rest;
    }
    None
}

/// Calls a parameter's `set` with a value (None: given without `=`).
pub fn set_param(k: &Kernel, p: &ParamRef, value: Option<&[u8]>) -> KResult<()> {
    // SAFETY: `ops` is the relocated ops pointer of the parameter; its
    // fields are within the ops structure.
    let (flags, set) = unsafe { ((p.ops as *const u32).read_unaligned(), cpu::read_u64(p.ops + OPS_SET)) };
    if value.is_none() && flags & KERNEL_PARAM_OPS_FL_NOARG == 0 {
        return Err(Errno::EINVAL);
    }
    if set == 0 {
        return Err(Errno::EINVAL);
    }
    let c = value.map(|v| CString::new(v.to_vec()).map_err(|_| Errno::EINVAL)).transpose()?;
    let r = match cpu::call_param_set(k, set, c.as_deref(), p.kp)? {
        Ok(r) => r,
        Err(fault) => {
            crate::oops::report(k, &fault);
            return Err(Errno::EFAULT);
        }
    };
    if r < 0 {
        Err(Errno(-r))
    } else {
        Ok(())
    }
}

/// Reads a parameter through its `get` (sysfs `parameters/<name>`).
pub fn get_param(k: &Kernel, p: &ParamRef) -> KResult<Vec<u8>> {
    // SAFETY: as in set_param.
    let get = unsafe { cpu::read_u64(p.ops + OPS_GET) };
    if get == 0 {
        return Err(Errno::EPERM);
    }
    match cpu::call_param_get(k, get, p.kp)? {
        Ok(text) => Ok(text),
        Err(fault) => {
            crate::oops::report(k, &fault);
            Err(Errno::EFAULT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(args: &str) -> Vec<(String, Option<String>)> {
        split_args(args.as_bytes())
            .into_iter()
            .map(|a| (String::from_utf8(a.name).unwrap(), a.value.map(|v| String::from_utf8(v).unwrap())))
            .collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(s("  a=1 b  c=\"x y\" "), vec![("a".into(), Some("1".into())), ("b".into(), None), ("c".into(), Some("x y".into()))]);
        assert_eq!(s("\"a=b c\""), vec![("a".into(), Some("b c".into()))]);
        assert_eq!(s("=x"), vec![("=x".into(), None)]);
        assert_eq!(s("a=1 -- b=2"), vec![("a".into(), Some("1".into()))]);
        assert_eq!(s("arr=1,2,3"), vec![("arr".into(), Some("1,2,3".into()))]);
        assert!(parameq(b"max-loop", b"max_loop"));
        assert!(!parameq(b"max_loop", b"max_loo"));
    }
}

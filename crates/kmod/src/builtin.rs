//! `modules.builtin.modinfo`: the `.modinfo` of modules built into the kernel.
//!
//! The file is a sequence of NUL-terminated `module.key=value` strings.
//! libkmod reads it with an iterator whose exact behaviour is visible in
//! modinfo's output, so it is reproduced step by step:
//! - consecutive strings with the same module prefix form one record; a
//!   module's information is its *first* record (later records of the same
//!   module, separated by others, are not merged);
//! - a string without a `.` ends the scan (and is logged);
//! - an unterminated string at the end of the file ends the scan silently,
//!   but a record that reaches it cannot be read (`EINVAL`);
//! - a read error is logged where libkmod logs it.

use std::io;
use std::path::Path;

use crate::errno;
use crate::log::libkmod_err;

pub const FILE_NAME: &str = "modules.builtin.modinfo";

/// libkmod's `get_string`: the string at `off` and the offset after its
/// NUL; `None` at the end of the file without a NUL.
fn get_string(data: &[u8], off: usize) -> Option<(&[u8], usize)> {
    let rest = data.get(off..)?;
    let n = rest.iter().position(|&b| b == 0)?;
    Some((&rest[..n], off + n + 1))
}

/// The `key=value` strings of built-in module `name`, in file order.
///
/// Errors (as errno): the file's open error (`ENOENT` when it does not
/// exist: an old kernel without the file), a read error, `ENOSYS` when the
/// module has no record, `EINVAL` when its record runs into an
/// unterminated end of file.
pub fn modinfo(dir: &Path, name: &str) -> Result<Vec<Vec<u8>>, i32> {
    let path = dir.join(FILE_NAME);
    let os = |e: io::Error| e.raw_os_error().unwrap_or(errno::EIO);
    let meta = std::fs::metadata(&path).map_err(os)?;
    let size = meta.len() as usize;
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            // libkmod opens it fine (a directory opens), then every read fails.
            let e = os(e);
            if size > 0 {
                libkmod_err("libkmod-builtin.c", 186, "kmod_builtin_iter_next", &format!("get_string: {}", errno::strerror(e)));
                libkmod_err("libkmod-builtin.c", 236, "kmod_builtin_iter_get_modname", &format!("get_string: {}", errno::strerror(e)));
            }
            return Err(e);
        }
    };
    let size = size.min(data.len());
    let mut next = 0usize;
    loop {
        // kmod_builtin_iter_next
        let start = next;
        let mut pos = start;
        let mut module: Option<&[u8]> = None;
        let mut nstrings = 0usize;
        while pos < size {
            let Some((s, after)) = get_string(&data, pos) else {
                pos = size;
                break;
            };
            let Some(dot) = s.iter().position(|&b| b == b'.') else {
                libkmod_err("libkmod-builtin.c", 193, "kmod_builtin_iter_next", "kmod_builtin_iter_next: unexpected string without modname prefix");
                pos = size;
                break;
            };
            match module {
                None => module = Some(&s[..dot]),
                Some(m) if m != &s[..dot] => break,
                Some(_) => {}
            }
            nstrings += 1;
            pos = after;
        }
        next = pos;
        if start >= size {
            return Err(errno::ENOSYS);
        }
        // kmod_builtin_iter_get_modname
        let Some((first, _)) = get_string(&data, start) else { return Err(errno::EINVAL) };
        let Some(dot) = first.iter().position(|&b| b == b'.') else {
            libkmod_err("libkmod-builtin.c", 243, "kmod_builtin_iter_get_modname", "kmod_builtin_iter_get_modname: unexpected string without modname prefix");
            return Err(errno::EINVAL);
        };
        if &first[..dot] != name.as_bytes() {
            continue;
        }
        // kmod_builtin_get_modinfo: the record's strings, prefix removed.
        // libkmod reads every string up to where the scan stopped (so an
        // unterminated end fails the lookup) but reports only the record's
        // own `nstrings` (it writes any others past its array).
        let modlen = name.len() + 1;
        let mut out = Vec::new();
        let mut off = start;
        while off < next {
            let Some((s, after)) = get_string(&data, off) else { return Err(errno::EINVAL) };
            if out.len() < nstrings {
                out.push(s.get(modlen..).unwrap_or(&[]).to_vec());
            }
            off = after;
        }
        return Ok(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(data: &[u8], name: &str) -> Result<Vec<String>, i32> {
        let dir = std::env::temp_dir().join(format!("kmod-builtin-test-{}-{name}-{}", std::process::id(), data.len()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), data).unwrap();
        let r = modinfo(&dir, name).map(|v| v.into_iter().map(|s| String::from_utf8(s).unwrap()).collect());
        let _ = std::fs::remove_dir_all(&dir);
        r
    }

    #[test]
    fn first_contiguous_record_only() {
        let data = b"a.x=1\0a.y=2\0b.z=3\0a.w=4\0";
        assert_eq!(with(data, "a"), Ok(vec!["x=1".into(), "y=2".into()]));
        assert_eq!(with(data, "b"), Ok(vec!["z=3".into()]));
        assert_eq!(with(data, "c"), Err(errno::ENOSYS));
    }

    #[test]
    fn stops_at_string_without_dot_and_unterminated_end() {
        assert_eq!(with(b"a.x=1\0nodot\0b.y=2\0", "b"), Err(errno::ENOSYS));
        assert_eq!(with(b"a.x=1\0nodot\0b.y=2\0", "a"), Ok(vec!["x=1".into()]));
        // the last record reaches an unterminated string: EINVAL
        assert_eq!(with(b"a.x=1\0a.y=2", "a"), Err(errno::EINVAL));
        assert_eq!(with(b"b.q=1\0a.x=1\0a.y=2", "b"), Ok(vec!["q=1".into()]));
    }
}

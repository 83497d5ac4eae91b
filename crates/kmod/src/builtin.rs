//! `modules.builtin.modinfo`: the `.modinfo` of modules built into the kernel.
//!
//! The file is a sequence of NUL-terminated `module.key=value` strings. As
//! libkmod reads it, consecutive strings with the same module prefix form one
//! record; a module's information is its *first* record (later records of
//! the same module, separated by others, are not merged). A string without
//! a `.` ends the scan; an unterminated last string is dropped.

use std::io;
use std::path::Path;

use crate::errno;

pub const FILE_NAME: &str = "modules.builtin.modinfo";

/// The `key=value` strings of built-in module `name`, in file order.
///
/// Errors (as errno): the file's open error (`ENOENT` when it does not
/// exist: an old kernel without the file), `ENOSYS` when the module has no
/// record.
pub fn modinfo(dir: &Path, name: &str) -> Result<Vec<Vec<u8>>, i32> {
    let data = std::fs::read(dir.join(FILE_NAME)).map_err(|e: io::Error| e.raw_os_error().unwrap_or(errno::EIO))?;
    let found = records(&data)
        .find(|(m, _)| *m == name.as_bytes())
        .map(|(m, strings)| strings.iter().map(|s| s[m.len() + 1..].to_vec()).collect());
    found.ok_or(errno::ENOSYS)
}

/// Iterates the records: (module name, its strings including the prefix).
pub fn records(data: &[u8]) -> impl Iterator<Item = (&[u8], Vec<&[u8]>)> {
    // Only NUL-terminated strings count.
    let mut strings = data.split_inclusive(|&b| b == 0).filter(|s| s.last() == Some(&0)).map(|s| &s[..s.len() - 1]).peekable();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let first = strings.next()?;
        let Some(dot) = first.iter().position(|&b| b == b'.') else {
            done = true;
            return None;
        };
        let module = &first[..dot];
        let mut group = vec![first];
        while let Some(next) = strings.peek() {
            match next.iter().position(|&b| b == b'.') {
                Some(d) if &next[..d] == module => {
                    group.push(next);
                    strings.next();
                }
                Some(_) => break,
                None => {
                    done = true;
                    break;
                }
            }
        }
        Some((module, group))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_contiguous_record_only() {
        let data = b"a.x=1\0a.y=2\0b.z=3\0a.w=4\0";
        let r: Vec<_> = records(data).map(|(m, s)| (m.to_vec(), s.len())).collect();
        assert_eq!(r, vec![(b"a".to_vec(), 2), (b"b".to_vec(), 1), (b"a".to_vec(), 1)]);
    }

    #[test]
    fn stops_at_string_without_dot_and_drops_unterminated() {
        let data = b"a.x=1\0nodot\0b.y=2\0";
        assert_eq!(records(data).count(), 1);
        let data = b"a.x=1\0a.y=2";
        let r: Vec<_> = records(data).collect();
        assert_eq!(r[0].1.len(), 1);
    }
}

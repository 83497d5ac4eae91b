//! depmod.d configuration (kmod 30's `depmod`, which reads it itself, not
//! through libkmod).
//!
//! Files: for each configured path in order, a non-directory is one file
//! (sorted under its basename), a directory contributes its entries that do
//! not start with `.` and end in `.conf` (others are reported at INFO level,
//! subdirectories at ERROR level). The union is sorted by name and, on equal
//! names, the file of the earlier path wins. Files are then parsed in that
//! order with libkmod's logical-line rules ([`crate::lines`]).
//!
//! Directives: `search DIR...`, `override MOD KVER SUBDIR`, `external KVER
//! DIR`, `exclude NAME...`; `include` and `make_map_files` are "not
//! implemented yet"; anything else is a bad line. As in depmod, every list
//! keeps the most recently read entry **first** (depmod pushes at the head of
//! its linked lists), and an empty search list becomes `updates`.
//!
//! Kernel-version patterns (`override`, `external`) are POSIX extended
//! regular expressions matched unanchored against the version; `*` matches
//! everything. The caller supplies the matcher so that this crate needs no
//! regex engine (depmod uses the C library's `regcomp`/`regexec`).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::diag::prio;
use crate::lines::{logical_lines, Tokens};

/// kmod 30's default depmod.d paths, in precedence order.
pub const DEFAULT_PATHS: [&str; 4] = ["/etc/depmod.d", "/run/depmod.d", "/usr/local/lib/depmod.d", "/lib/depmod.d"];

/// One `search` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// A directory relative to the module directory.
    Path(Vec<u8>),
    /// `built-in`: everything no other entry matches.
    BuiltIn,
    /// `external`: the external directories, in their list order.
    External,
}

/// The parsed configuration. Every list is in depmod's order: the entry read
/// last comes first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DepmodConfig {
    pub searches: Vec<Search>,
    /// `SUBDIR/MODNAME` (as written: not normalised, no extension).
    pub overrides: Vec<Vec<u8>>,
    /// External directories (as written: not prefixed by the root).
    pub externals: Vec<Vec<u8>>,
    /// Directory entry names skipped anywhere in the tree.
    pub excludes: Vec<Vec<u8>>,
}

/// A message for depmod's logger: priority ([`prio`]) and text (ending in a
/// newline, as depmod's format strings do).
pub type Log<'a> = &'a mut dyn FnMut(i32, &[u8]);

/// glibc's `strerror` text of an I/O error.
fn strerror(e: &std::io::Error) -> String {
    crate::strerror(e)
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// One file to parse: the name it sorts under and its path.
struct CfgFile {
    name: Vec<u8>,
    path: Vec<u8>,
}

/// depmod's `cfg_files_insert_sorted`: keeps the list sorted by name; a name
/// already present is ignored (the earlier path wins).
fn insert_sorted(files: &mut Vec<CfgFile>, name: Vec<u8>, path: Vec<u8>, log: Log<'_>) {
    match files.binary_search_by(|f| f.name.as_slice().cmp(&name)) {
        Ok(_) => {
            let dir = &path[..path.len().saturating_sub(name.len() + 1)];
            log(prio::DEBUG, &cat(&[b"Ignoring duplicate config file: ", dir, b"/", &name, b"\n"]));
        }
        Err(i) => files.insert(i, CfgFile { name, path }),
    }
}

/// depmod's `cfg_files_list` for one configured path.
fn list_files(files: &mut Vec<CfgFile>, path: &[u8], log: Log<'_>) {
    let p = Path::new(OsStr::from_bytes(path));
    let st = match std::fs::metadata(p) {
        Ok(st) => st,
        Err(e) => {
            log(prio::DEBUG, &cat(&[b"could not stat '", path, b"': ", strerror(&e).as_bytes(), b"\n"]));
            return;
        }
    };
    if !st.is_dir() {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path).to_vec();
        insert_sorted(files, name, path.to_vec(), log);
        return;
    }
    let rd = match std::fs::read_dir(p) {
        Ok(rd) => rd,
        Err(e) => {
            log(prio::ERR, &cat(&[b"files list ", path, b": ", strerror(&e).as_bytes(), b"\n"]));
            return;
        }
    };
    for ent in rd.flatten() {
        let name = ent.file_name();
        let name = name.as_bytes();
        if name.first() == Some(&b'.') {
            continue;
        }
        if name.len() < 6 || !name.ends_with(b".conf") {
            log(prio::INFO, &cat(&[b"All cfg files need .conf: ", path, b"/", name, b"\n"]));
            continue;
        }
        // fstatat(..., 0) follows symbolic links.
        if std::fs::metadata(ent.path()).is_ok_and(|m| m.is_dir()) {
            log(prio::ERR, &cat(&[b"Directories inside directories are not supported: ", path, b"/", name, b"\n"]));
            continue;
        }
        insert_sorted(files, name.to_vec(), cat(&[path, b"/", name]), log);
    }
    log(prio::DEBUG, &cat(&[b"parsed configuration files from ", path, b"\n"]));
}

impl DepmodConfig {
    /// Reads the configuration from `paths` (kmod's defaults are
    /// [`DEFAULT_PATHS`]; `-C` replaces them). `kver_matches` decides whether
    /// an `override`/`external` version pattern applies (it is not called
    /// for `*`).
    pub fn load(paths: &[&[u8]], kver_matches: &dyn Fn(&[u8]) -> bool, log: Log<'_>) -> DepmodConfig {
        let mut files = Vec::new();
        for p in paths {
            list_files(&mut files, p, log);
        }
        let mut cfg = DepmodConfig::default();
        for f in &files {
            cfg.parse_file(&f.path, kver_matches, log);
        }
        if cfg.searches.is_empty() {
            cfg.add_search(b"updates", log);
        }
        cfg
    }

    fn add_search(&mut self, tok: &[u8], log: Log<'_>) {
        let (s, ty) = match tok {
            b"built-in" => (Search::BuiltIn, 1),
            b"external" => (Search::External, 2),
            p => (Search::Path(p.to_vec()), 0),
        };
        log(prio::DEBUG, &cat(&[b"search add: ", tok, format!(", search type={ty}\n").as_bytes()]));
        self.searches.insert(0, s);
    }

    /// Parses one file (depmod's `cfg_file_parse`).
    pub fn parse_file(&mut self, path: &[u8], kver_matches: &dyn Fn(&[u8]) -> bool, log: Log<'_>) {
        let data = match std::fs::read(Path::new(OsStr::from_bytes(path))) {
            Ok(d) => d,
            Err(e) => {
                log(prio::ERR, &cat(&[b"file parse ", path, b": ", strerror(&e).as_bytes(), b"\n"]));
                return;
            }
        };
        self.parse_bytes(path, &data, kver_matches, log);
    }

    /// Parses configuration text; `path` is only used in messages.
    pub fn parse_bytes(&mut self, path: &[u8], data: &[u8], kver_matches: &dyn Fn(&[u8]) -> bool, log: Log<'_>) {
        let matches = |v: &[u8]| v == b"*" || kver_matches(v);
        for line in logical_lines(data) {
            let text = &line.text;
            if text.is_empty() || text[0] == b'#' {
                continue;
            }
            let n = line.number.to_string();
            let n = n.as_bytes();
            let mut t = Tokens::new(text);
            let Some(cmd) = t.next_token(b"\t ") else { continue };
            let bad = match cmd {
                b"search" => {
                    while let Some(s) = t.next_token(b"\t ") {
                        self.add_search(s, log);
                    }
                    false
                }
                b"override" => match (t.next_token(b"\t "), t.next_token(b"\t "), t.next_token(b"\t ")) {
                    (Some(m), Some(v), Some(sub)) => {
                        if matches(v) {
                            let p = cat(&[sub, b"/", m]);
                            log(prio::DEBUG, &cat(&[b"override add: ", &p, b"\n"]));
                            self.overrides.insert(0, p);
                        } else {
                            log(prio::INFO, &cat(&[path, b":", n, b": override kernel did not match ", v, b"\n"]));
                        }
                        false
                    }
                    _ => true,
                },
                b"external" => match (t.next_token(b"\t "), t.next_token(b"\t ")) {
                    (Some(v), Some(dir)) => {
                        if matches(v) {
                            log(prio::DEBUG, &cat(&[b"external add: ", dir, b"\n"]));
                            self.externals.insert(0, dir.to_vec());
                        } else {
                            log(prio::INFO, &cat(&[path, b":", n, b": external directory did not match ", v, b"\n"]));
                        }
                        false
                    }
                    _ => true,
                },
                b"exclude" => {
                    while let Some(s) = t.next_token(b"\t ") {
                        log(prio::DEBUG, &cat(&[b"exclude add: ", s, b"\n"]));
                        self.excludes.insert(0, s.to_vec());
                    }
                    false
                }
                b"include" | b"make_map_files" => {
                    log(prio::INFO, &cat(&[path, b":", n, b": command ", cmd, b" not implemented yet\n"]));
                    false
                }
                _ => true,
            };
            if bad {
                log(prio::ERR, &cat(&[path, b":", n, b": ignoring bad line starting with '", cmd, b"'\n"]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, kver: &str) -> (DepmodConfig, Vec<(i32, String)>) {
        let mut msgs = Vec::new();
        let mut cfg = DepmodConfig::default();
        let k = kver.to_string();
        let m = move |v: &[u8]| k.as_bytes().windows(v.len()).any(|w| w == v);
        cfg.parse_bytes(b"/x/a.conf", text.as_bytes(), &m, &mut |p, t| msgs.push((p, String::from_utf8_lossy(t).into_owned())));
        msgs.retain(|m| m.0 != prio::DEBUG);
        (cfg, msgs)
    }

    #[test]
    fn directives() {
        let (c, msgs) = parse(
            "search updates built-in\n#c\n\nsearch external extra\noverride a-b * weird\noverride c 5.0 x\nexternal * /opt/e\nexternal 6.1 /opt/f /opt/g\nexclude foo bar\ninclude x\nbogus 1\noverride x y\n \tsearch\\\n z\n",
            "6.1.0",
        );
        assert_eq!(
            c.searches,
            vec![Search::Path(b"z".to_vec()), Search::Path(b"extra".to_vec()), Search::External, Search::BuiltIn, Search::Path(b"updates".to_vec())]
        );
        assert_eq!(c.overrides, vec![b"weird/a-b".to_vec()]);
        assert_eq!(c.externals, vec![b"/opt/f".to_vec(), b"/opt/e".to_vec()]);
        assert_eq!(c.excludes, vec![b"bar".to_vec(), b"foo".to_vec()]);
        assert_eq!(
            msgs,
            vec![
                (prio::INFO, "/x/a.conf:6: override kernel did not match 5.0\n".into()),
                (prio::INFO, "/x/a.conf:10: command include not implemented yet\n".into()),
                (prio::ERR, "/x/a.conf:11: ignoring bad line starting with 'bogus'\n".into()),
                (prio::ERR, "/x/a.conf:12: ignoring bad line starting with 'override'\n".into()),
            ]
        );
    }
}

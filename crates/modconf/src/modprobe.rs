//! modprobe.d configuration as libkmod 30 reads it (`kmod_config_new`).
//!
//! Discovery: every configured path in order; a non-directory is one file
//! (sorted by its basename, any name accepted), a directory contributes its
//! `*.conf` / `*.alias` entries not starting with `.` (a subdirectory with
//! such a name is reported). `<moddir>/modules.softdep` is added first under
//! the name `modules.softdep`. The union is sorted by basename; on equal
//! basenames the first one added wins. Files are parsed in that order, then
//! the kernel command line (see [`crate::cmdline`]).
//!
//! All strings are bytes: libkmod works on C strings and prints them back
//! unchanged (`modprobe -c`, messages).

use std::path::{Path, PathBuf};

use crate::diag::{Diag, Site};
use crate::lines::{is_c_space, logical_lines, Tokens};

/// The default configuration directories (`kmod_new` with no paths).
pub const DEFAULT_PATHS: [&str; 4] = ["/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d"];

const SITE_DEPRECATED: Site = Site::new("libkmod-config.c", 708, "kmod_config_parse");
const SITE_BAD_LINE: Site = Site::new("libkmod-config.c", 712, "kmod_config_parse");
const SITE_SUBDIR: Site = Site::new("libkmod-config.c", 772, "conf_files_filter_out");
const SITE_OPENDIR: Site = Site::new("libkmod-config.c", 868, "conf_files_list");
const SITE_TOO_LONG: Site = Site::new("libkmod-config.c", 936, "kmod_config_new");

/// `alias PATTERN MODNAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub pattern: Vec<u8>,
    pub modname: Vec<u8>,
}

/// `options MODNAME OPTIONS` (tabs in OPTIONS already turned into spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub modname: Vec<u8>,
    pub options: Vec<u8>,
}

/// `install MODNAME COMMAND` or `remove MODNAME COMMAND`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub modname: Vec<u8>,
    pub command: Vec<u8>,
}

/// `softdep MODNAME [pre: ...] [post: ...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Softdep {
    pub modname: Vec<u8>,
    pub pre: Vec<Vec<u8>>,
    pub post: Vec<Vec<u8>>,
    /// What `modprobe -c` prints as the value (kmod 30's rendering, see
    /// [`Softdep::render`]).
    pub shown: Vec<u8>,
}

impl Softdep {
    /// Parses the words after the module name: `pre:` and `post:` switch
    /// the list that following words go to; words before any marker are
    /// dropped. Words are separated by C `isspace` runs.
    pub fn parse(modname: Vec<u8>, line: &[u8]) -> Softdep {
        #[derive(Clone, Copy, PartialEq)]
        enum Mode {
            None,
            Pre,
            Post,
        }
        let mut mode = Mode::None;
        let mut pre = Vec::new();
        let mut post = Vec::new();
        // Every kept word in line order, tagged, to reproduce v30's `-c`.
        let mut kept: Vec<(bool, Vec<u8>)> = Vec::new();
        for w in line.split(|&b| is_c_space(b)).filter(|w| !w.is_empty()) {
            match w {
                b"pre:" => mode = Mode::Pre,
                b"post:" => mode = Mode::Post,
                _ => match mode {
                    Mode::Pre => {
                        pre.push(w.to_vec());
                        kept.push((true, w.to_vec()));
                    }
                    Mode::Post => {
                        post.push(w.to_vec());
                        kept.push((false, w.to_vec()));
                    }
                    Mode::None => {}
                },
            }
        }
        let shown = Softdep::render(&kept);
        Softdep { modname, pre, post, shown }
    }

    /// kmod 30 keeps all kept words in one buffer in line order and prints
    /// `pre: ` + the buffer from the first to the last pre word, then
    /// `post: ` + the buffer from the first to the last post word, with no
    /// separator between the two parts (so mixed groups repeat words, and
    /// `pre: a post: b` shows as `pre: apost: b`).
    fn render(kept: &[(bool, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (is_pre, label) in [(true, &b"pre: "[..]), (false, &b"post: "[..])] {
            let first = kept.iter().position(|(p, _)| *p == is_pre);
            let last = kept.iter().rposition(|(p, _)| *p == is_pre);
            if let (Some(f), Some(l)) = (first, last) {
                out.extend_from_slice(label);
                for (k, (_, w)) in kept[f..=l].iter().enumerate() {
                    if k > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(w);
                }
            }
        }
        out
    }
}

/// The parsed configuration, every list in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub aliases: Vec<Alias>,
    pub blacklists: Vec<Vec<u8>>,
    /// How many leading entries of `blacklists` came from files (the rest
    /// come from `modprobe.blacklist=` on the kernel command line, stored
    /// verbatim).
    pub file_blacklists: usize,
    pub options: Vec<Options>,
    pub install: Vec<Command>,
    pub remove: Vec<Command>,
    pub softdeps: Vec<Softdep>,
}

/// libkmod's `underscores()`: `-` becomes `_` outside `[...]`; a stray `]`
/// or an unterminated `[` is an error.
pub fn underscores(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = s.to_vec();
    let mut i = 0;
    while i < out.len() {
        match out[i] {
            b'-' => out[i] = b'_',
            b']' => return None,
            b'[' => {
                let close = out[i..].iter().position(|&b| b == b']')?;
                i += close;
            }
            _ => {}
        }
        i += 1;
    }
    Some(out)
}

/// A configuration file chosen by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfFile {
    /// The basename it sorts by.
    pub name: Vec<u8>,
    /// The path it is opened (and reported) as.
    pub path: PathBuf,
}

fn bytes_of(p: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes()
}

fn path_of(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

/// Inserts keeping the list sorted by name; an existing equal name wins.
fn insert_sorted(list: &mut Vec<ConfFile>, f: ConfFile) {
    match list.binary_search_by(|c| c.name.as_slice().cmp(f.name.as_slice())) {
        Ok(_) => {}
        Err(at) => list.insert(at, f),
    }
}

/// The files libkmod parses, in order, for module directory `moddir` and
/// configuration `paths` (with the messages discovery prints).
pub fn discover(moddir: &Path, paths: &[PathBuf], diags: &mut Vec<Diag>) -> Vec<ConfFile> {
    let mut list: Vec<ConfFile> = Vec::new();
    let mut softdep = bytes_of(moddir).to_vec();
    softdep.extend_from_slice(b"/modules.softdep");
    insert_sorted(&mut list, ConfFile { name: b"modules.softdep".to_vec(), path: path_of(&softdep) });
    for path in paths {
        let Ok(meta) = std::fs::metadata(path) else { continue };
        let pb = bytes_of(path);
        if !meta.is_dir() {
            // GNU basename: what follows the last '/'.
            let base = match pb.iter().rposition(|&b| b == b'/') {
                Some(i) => &pb[i + 1..],
                None => pb,
            };
            insert_sorted(&mut list, ConfFile { name: base.to_vec(), path: path.clone() });
            continue;
        }
        let rd = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => {
                let mut t = b"opendir(".to_vec();
                t.extend_from_slice(pb);
                t.extend_from_slice(format!("): {}\n", crate::strerror(&e)).as_bytes());
                diags.push(Diag::err(SITE_OPENDIR, t));
                continue;
            }
        };
        for ent in rd.flatten() {
            let fname = ent.file_name();
            let fb = bytes_of(Path::new(&fname));
            if fb.first() == Some(&b'.') {
                continue;
            }
            if fb.len() < 6 || !(fb.ends_with(b".conf") || fb.ends_with(b".alias")) {
                continue;
            }
            let mut full = pb.to_vec();
            full.push(b'/');
            full.extend_from_slice(fb);
            // fstatat follows symbolic links.
            if std::fs::metadata(path_of(&full)).map(|m| m.is_dir()).unwrap_or(false) {
                let mut t = b"Directories inside directories are not supported: ".to_vec();
                t.extend_from_slice(&full);
                t.push(b'\n');
                diags.push(Diag::err(SITE_SUBDIR, t));
                continue;
            }
            if full.len() >= 4096 {
                let mut t = b"Error parsing ".to_vec();
                t.extend_from_slice(&full);
                t.extend_from_slice(b": path too long\n");
                diags.push(Diag::err(SITE_TOO_LONG, t));
                continue;
            }
            insert_sorted(&mut list, ConfFile { name: fb.to_vec(), path: path_of(&full) });
        }
    }
    list
}

impl Config {
    /// Reads the configuration as `kmod_new(moddir, paths)` does: `paths`
    /// `None` means [`DEFAULT_PATHS`]; `cmdline` is the kernel command line
    /// file (`/proc/cmdline`), `None` to skip it. Messages go to `diags` in
    /// the order libkmod prints them.
    pub fn load(moddir: &Path, paths: Option<&[PathBuf]>, cmdline: Option<&Path>, diags: &mut Vec<Diag>) -> Config {
        let defaults: Vec<PathBuf> = DEFAULT_PATHS.iter().map(PathBuf::from).collect();
        let paths = paths.unwrap_or(&defaults);
        let files = discover(moddir, paths, diags);
        let mut config = Config::default();
        for f in &files {
            if let Ok(data) = std::fs::read(&f.path) {
                config.parse(&data, bytes_of(&f.path), diags);
            }
        }
        config.file_blacklists = config.blacklists.len();
        if let Some(p) = cmdline {
            crate::cmdline::apply(&mut config, p, diags);
        }
        config
    }

    /// Parses one file's contents; `filename` is what messages show.
    pub fn parse(&mut self, data: &[u8], filename: &[u8], diags: &mut Vec<Diag>) {
        for line in logical_lines(data) {
            let text = &line.text;
            if text.is_empty() || text[0] == b'#' {
                continue;
            }
            let mut t = Tokens::new(text);
            let Some(cmd) = t.next_token(b"\t ") else { continue };
            let ok = match cmd {
                b"alias" => {
                    let alias = t.next_token(b"\t ").and_then(underscores);
                    let modname = alias.as_ref().and_then(|_| t.next_token(b"\t ")).and_then(underscores);
                    match (alias, modname) {
                        (Some(pattern), Some(modname)) => {
                            self.aliases.push(Alias { pattern, modname });
                            true
                        }
                        _ => false,
                    }
                }
                b"blacklist" => match t.next_token(b"\t ").and_then(underscores) {
                    Some(m) => {
                        self.blacklists.push(m);
                        true
                    }
                    None => false,
                },
                b"options" | b"install" | b"remove" | b"softdep" => {
                    let modname = t.next_token(b"\t ").and_then(underscores);
                    let rest = modname.as_ref().and_then(|_| t.rest());
                    match (modname, rest) {
                        (Some(modname), Some(rest)) => {
                            match cmd {
                                b"options" => {
                                    let options = rest.iter().map(|&b| if b == b'\t' { b' ' } else { b }).collect();
                                    self.options.push(Options { modname, options });
                                }
                                b"install" => self.install.push(Command { modname, command: rest.to_vec() }),
                                b"remove" => self.remove.push(Command { modname, command: rest.to_vec() }),
                                _ => self.softdeps.push(Softdep::parse(modname, rest)),
                            }
                            true
                        }
                        _ => false,
                    }
                }
                b"include" | b"config" => {
                    let mut m = filename.to_vec();
                    m.extend_from_slice(b": command ");
                    m.extend_from_slice(cmd);
                    m.extend_from_slice(b" is deprecated and not parsed anymore\n");
                    diags.push(Diag::err(SITE_DEPRECATED, m));
                    true
                }
                _ => false,
            };
            if !ok {
                let mut m = filename.to_vec();
                m.extend_from_slice(format!(" line {}: ignoring bad line starting with '", line.number).as_bytes());
                m.extend_from_slice(cmd);
                m.extend_from_slice(b"'\n");
                diags.push(Diag::err(SITE_BAD_LINE, m));
            }
        }
    }

    /// `modprobe -c`'s configuration part (before the index dump).
    pub fn show(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |kw: &[u8], key: &[u8], val: Option<&[u8]>| {
            out.extend_from_slice(kw);
            out.push(b' ');
            out.extend_from_slice(key);
            if let Some(v) = val {
                out.push(b' ');
                out.extend_from_slice(v);
            }
            out.push(b'\n');
        };
        for b in &self.blacklists {
            put(b"blacklist", b, None);
        }
        for c in &self.install {
            put(b"install", &c.modname, Some(&c.command));
        }
        for c in &self.remove {
            put(b"remove", &c.modname, Some(&c.command));
        }
        for a in &self.aliases {
            put(b"alias", &a.pattern, Some(&a.modname));
        }
        for o in &self.options {
            put(b"options", &o.modname, Some(&o.options));
        }
        for s in &self.softdeps {
            put(b"softdep", &s.modname, Some(&s.shown));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Config, Vec<String>) {
        let mut c = Config::default();
        let mut d = Vec::new();
        c.parse(s.as_bytes(), b"/x/a.conf", &mut d);
        (c, d.iter().map(|d| String::from_utf8_lossy(&d.default_format()).into_owned()).collect())
    }

    #[test]
    fn directives() {
        let (c, d) = parse(
            "options foo a\\b  c\\\\d\nalias x\\\n y\n# c\n  #x\nbad\nsoftdep m pre: a post: b pre: c\nsoftdep n pre:\tx\nsoftdep cifs gcm\noptions bar\t x\ty\ninstall z  echo\thi\nalias a[-b] c-d\nblacklist e-f\ninclude foo\nalias q\noptions \n",
        );
        let shown = String::from_utf8(c.show()).unwrap();
        assert_eq!(
            shown,
            "blacklist e_f\ninstall z  echo\thi\nalias x y\nalias a[-b] c_d\noptions foo ab  c\\d\noptions bar  x y\nsoftdep m pre: a b cpost: b\nsoftdep n pre: x\nsoftdep cifs \n"
        );
        assert_eq!(
            d,
            vec![
                "libkmod: ERROR ../libkmod/libkmod-config.c:712 kmod_config_parse: /x/a.conf line 5: ignoring bad line starting with '#x'\n",
                "libkmod: ERROR ../libkmod/libkmod-config.c:712 kmod_config_parse: /x/a.conf line 6: ignoring bad line starting with 'bad'\n",
                "libkmod: ERROR ../libkmod/libkmod-config.c:708 kmod_config_parse: /x/a.conf: command include is deprecated and not parsed anymore\n",
                "libkmod: ERROR ../libkmod/libkmod-config.c:712 kmod_config_parse: /x/a.conf line 15: ignoring bad line starting with 'alias'\n",
                "libkmod: ERROR ../libkmod/libkmod-config.c:712 kmod_config_parse: /x/a.conf line 16: ignoring bad line starting with 'options'\n",
            ]
        );
        assert_eq!(c.softdeps[0].pre, vec![b"a".to_vec(), b"c".to_vec()]);
        assert_eq!(c.softdeps[0].post, vec![b"b".to_vec()]);
    }

    #[test]
    fn underscores_rules() {
        assert_eq!(underscores(b"a-b[x-y]-c").unwrap(), b"a_b[x-y]_c");
        assert_eq!(underscores(b"a]"), None);
        assert_eq!(underscores(b"a[b"), None);
    }
}

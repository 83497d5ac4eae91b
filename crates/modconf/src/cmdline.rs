//! Module options and blacklists on the kernel command line, as libkmod 30
//! reads them (`kmod_config_parse_kcmdline`).
//!
//! The first 4095 bytes of the file are scanned token by token (blank
//! separated). A token `mod.param[=value]` gives `options mod param[=value]`
//! (the module name through `underscores()`), except `modprobe.blacklist=a,b`
//! which gives blacklist entries `a` and `b` verbatim. Rules reproduced:
//!
//! * a `=` before the first `.`, or a second `.` before the `=`, discards the
//!   token;
//! * `"` toggles a quoted state (never reset between tokens); blanks are only
//!   allowed inside a quoted value; a quote anywhere but at the very start
//!   of a token or inside the value discards the token;
//! * a token that starts with `"` (`"mod.p=a b"`) is re-quoted as
//!   `mod p="a b"`.

use std::path::Path;

use crate::diag::{Diag, Site};
use crate::modprobe::{underscores, Config, Options};

const SITE_BAD_OPTION: Site = Site::new("libkmod-config.c", 489, "kcmdline_parse_result");
const SITE_READ: Site = Site::new("libkmod-config.c", 521, "kmod_config_parse_kcmdline");

/// Where the kernel command line is read from: `$MODHOST_CMDLINE` when set
/// (for tests), else `/proc/cmdline`.
pub fn default_path() -> std::path::PathBuf {
    match std::env::var_os("MODHOST_CMDLINE") {
        Some(p) if !p.is_empty() => p.into(),
        _ => "/proc/cmdline".into(),
    }
}

/// One result of the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `modprobe.blacklist=` entries, verbatim.
    Blacklist(Vec<u8>),
    /// `options <module> <param>`.
    Options { module: Vec<u8>, param: Vec<u8> },
    /// A module name `underscores()` rejects.
    BadModule(Vec<u8>),
}

fn c_str(buf: &[u8], at: usize) -> &[u8] {
    let s = &buf[at.min(buf.len())..];
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// Scans a command line (at most 4095 bytes are considered).
pub fn parse(line: &[u8]) -> Vec<Item> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum St {
        Ignore,
        Modname,
        Param,
        Value,
        Complete,
    }
    let mut buf: Vec<u8> = line[..line.len().min(4095)].to_vec();
    buf.push(0);
    let mut out = Vec::new();
    let mut state = St::Modname;
    let mut quoted = false;
    let mut quote_start: Option<usize> = None;
    let mut modname = 0usize;
    let mut param: Option<usize> = None;
    let mut value: Option<usize> = None;
    let mut p = 0usize;
    let mut more = true;
    while more {
        let c = buf[p];
        match c {
            b'"' => {
                quoted = !quoted;
                if quoted && state == St::Modname && p == modname {
                    quote_start = Some(p);
                    modname = p + 1;
                } else if state != St::Value {
                    state = St::Ignore;
                }
            }
            0 | b' ' | b'\n' | b'\t' | b'\x0b' | b'\x0c' | b'\r' => {
                if c == 0 {
                    more = false;
                }
                if quoted && state == St::Value {
                } else if quoted {
                    state = St::Ignore;
                } else if state == St::Value || state == St::Param {
                    buf[p] = 0;
                    state = St::Complete;
                } else {
                    modname = p + 1;
                    state = St::Modname;
                    quote_start = None;
                }
            }
            b'.' => {
                if state == St::Modname {
                    buf[p] = 0;
                    param = Some(p + 1);
                    state = St::Param;
                } else if state == St::Param {
                    state = St::Ignore;
                }
            }
            b'=' => {
                if state == St::Param {
                    value = Some(p + 1);
                    state = St::Value;
                } else if state == St::Modname {
                    state = St::Ignore;
                }
            }
            _ => {}
        }
        if state == St::Complete {
            let (mut m, mut pa, mut v) = (modname, param, value);
            if let (Some(qs), Some(val)) = (quote_start, v) {
                if qs < m && val >= m {
                    // Shift "mod\0param=" left over the opening quote and
                    // put a quote at the start of the value.
                    buf.copy_within(m..val, qs);
                    m -= 1;
                    pa = pa.map(|x| x - 1);
                    v = Some(val - 1);
                    buf[val - 1] = b'"';
                }
            }
            if let Some(pa) = pa {
                let module = c_str(&buf, m).to_vec();
                let par = c_str(&buf, pa).to_vec();
                if module == b"modprobe" && par.starts_with(b"blacklist=") {
                    let vals = v.map(|v| c_str(&buf, v).to_vec()).unwrap_or_default();
                    for t in vals.split(|&b| b == b',') {
                        out.push(Item::Blacklist(t.to_vec()));
                    }
                } else {
                    match underscores(&module) {
                        Some(module) => out.push(Item::Options { module, param: par }),
                        None => out.push(Item::BadModule(module)),
                    }
                }
            }
            modname = p + 1;
            state = St::Modname;
            quote_start = None;
        }
        p += 1;
    }
    out
}

/// Reads the command line file and adds its items to `config`. A file that
/// cannot be opened is skipped silently.
pub fn apply(config: &mut Config, path: &Path, diags: &mut Vec<Diag>) {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else { return };
    let mut data = Vec::new();
    if let Err(e) = f.by_ref().take(4095).read_to_end(&mut data) {
        let mut t = b"could not read from '".to_vec();
        t.extend_from_slice(path.as_os_str().as_encoded_bytes());
        t.extend_from_slice(format!("': {}\n", crate::strerror(&e)).as_bytes());
        diags.push(Diag::err(SITE_READ, t));
        return;
    }
    for item in parse(&data) {
        match item {
            Item::Blacklist(b) => config.blacklists.push(b),
            Item::Options { module, param } => config.options.push(Options { modname: module, options: param }),
            Item::BadModule(m) => {
                let mut t = b"Ignoring bad option on kernel command line while parsing module name: '".to_vec();
                t.extend_from_slice(&m);
                t.extend_from_slice(b"'\n");
                diags.push(Diag::err(SITE_BAD_OPTION, t));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(s: &str) -> Vec<String> {
        parse(s.as_bytes())
            .into_iter()
            .map(|i| match i {
                Item::Blacklist(b) => format!("blacklist {}", String::from_utf8_lossy(&b)),
                Item::Options { module, param } => format!("options {} {}", String::from_utf8_lossy(&module), String::from_utf8_lossy(&param)),
                Item::BadModule(m) => format!("bad {}", String::from_utf8_lossy(&m)),
            })
            .collect()
    }

    #[test]
    fn kcmdline() {
        assert_eq!(
            opts("console=ttyS0 quiet random.trust_cpu=1 a-b.c=1 0.0.0.0:1 x. .bad=1 x.y.z=1 modprobe.blacklist=a,b-c\n"),
            vec!["options random trust_cpu=1", "options a_b c=1", "options x ", "options  bad=1", "blacklist a", "blacklist b-c"]
        );
        assert_eq!(opts("\"parport.dyndbg=file a b\" x.y"), vec!["options parport dyndbg=\"file a b\"", "options x y"]);
        assert_eq!(opts("a\"b c.d=e"), Vec::<String>::new());
        assert_eq!(opts("m.p=\"a b\" n.q"), vec!["options m p=\"a b\"", "options n q"]);
        assert_eq!(opts("a[.b=1"), vec!["bad a["]);
    }
}

//! `kmod`: kmod 30's own command (`kmod list`, `kmod static-nodes`,
//! `kmod help`, `-h`, `-V`), byte-identical to `/usr/bin/kmod`.

use std::io::{self, Write};

use crate::getopt::{Event, HasArg, LongOpt, Spec};
use crate::stdout::StdioOut;
use crate::Tool;

const SPEC: Spec = Spec {
    short: "+hV",
    long: &[LongOpt { name: "help", has_arg: HasArg::No, val: 'h' }, LongOpt { name: "version", has_arg: HasArg::No, val: 'V' }],
};

const STATIC_NODES_SPEC: Spec = Spec {
    short: "o:f:h",
    long: &[
        LongOpt { name: "output", has_arg: HasArg::Required, val: 'o' },
        LongOpt { name: "format", has_arg: HasArg::Required, val: 'f' },
        LongOpt { name: "help", has_arg: HasArg::No, val: 'h' },
    ],
};

const COMMANDS: &[(&str, &str)] = &[
    ("help", "Show help message"),
    ("list", "list currently loaded modules"),
    ("static-nodes", "outputs the static-node information installed with the currently running kernel"),
];

const COMPAT: &[&str] = &["lsmod", "rmmod", "insmod", "modinfo", "modprobe", "depmod"];

/// GNU `basename()`: what follows the last '/'.
fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn help_text(argv0: &str) -> String {
    let mut s = format!(
        "kmod - Manage kernel modules: list, load, unload, etc\nUsage:\n\t{} [options] command [command_options]\n\nOptions:\n\t-V, --version     show version\n\t-h, --help        show this help\n\nCommands:\n",
        basename(argv0)
    );
    for (name, help) in COMMANDS {
        s.push_str(&format!("  {name:<12} {help}\n"));
    }
    s.push_str("\nkmod also handles gracefully if called from following symlinks:\n");
    for name in COMPAT {
        s.push_str(&format!("  {name:<12} compat {name} command\n"));
    }
    s
}

fn print_stdout(text: &str) -> io::Result<()> {
    let mut out = StdioOut::new();
    out.write_all(text.as_bytes())?;
    out.flush()
}

pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let parsed = SPEC.parse(&tool.argv0, args);
    for ev in parsed.events {
        match ev {
            Event::Opt('h', _) => {
                print_stdout(&help_text(&tool.argv0))?;
                return Ok(0);
            }
            Event::Opt('V', _) => {
                print_stdout(crate::KMOD_VERSION)?;
                return Ok(0);
            }
            Event::Error(msg) => {
                let _ = io::stderr().write_all(msg.as_bytes());
                return Ok(1);
            }
            Event::Opt(c, _) => {
                eprintln!("Error: unexpected getopt_long() value '{c}'.");
                return Ok(1);
            }
        }
    }
    let Some(cmd) = parsed.operands.first() else {
        eprint!("missing command\n");
        print_stdout(&help_text(&tool.argv0))?;
        return Ok(1);
    };
    // kmod hands the command `argv + 1` (so its argv[0] is the first
    // argument, whatever it is) and getopt's index where it stopped.
    let optind = args.len() - parsed.operands.len() + 1;
    let sub_argv0 = args[0].clone();
    let after = &args[optind..];
    match cmd.as_str() {
        "help" => {
            print_stdout(&help_text(&sub_argv0))?;
            Ok(0)
        }
        "list" => {
            if args.len() != 1 {
                eprintln!("Usage: {sub_argv0}");
                return Ok(1);
            }
            let t = Tool { name: tool.name.clone(), argv0: sub_argv0, target: tool.target };
            crate::lsmod::run(&t, &[])
        }
        "static-nodes" => static_nodes(&sub_argv0, basename(&tool.argv0), after),
        _ => {
            eprintln!("invalid command '{cmd}'");
            print_stdout(&help_text(&tool.argv0))?;
            Ok(1)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Tmpfiles,
    Devname,
}

const FORMATS: &[(&str, Format, &str)] = &[
    ("human", Format::Human, "(default) a human readable format. Do not parse."),
    ("tmpfiles", Format::Tmpfiles, "the tmpfiles.d(5) format used by systemd-tmpfiles."),
    ("devname", Format::Devname, "the modules.devname format."),
];

fn static_nodes_help(short_name: &str) -> String {
    let mut s = format!(
        "Usage:\n\t{short_name} static-nodes [options]\n\nkmod static-nodes outputs the static-node information of the currently running kernel.\n\nOptions:\n\t-f, --format=FORMAT  choose format to use: see \"Formats\"\n\t-o, --output=FILE    write output to file\n\t-h, --help           show this help\n\nFormats:\n"
    );
    for (name, _, desc) in FORMATS {
        s.push_str(&format!("\t{name:<12} {desc}\n"));
    }
    s
}

fn static_nodes(getopt_prog: &str, short_name: &str, args: &[String]) -> io::Result<i32> {
    let parsed = STATIC_NODES_SPEC.parse(getopt_prog, args);
    let mut output = "/dev/stdout".to_string();
    let mut format = Format::Human;
    for ev in parsed.events {
        match ev {
            Event::Opt('o', v) => output = v.unwrap_or_default(),
            Event::Opt('f', v) => {
                let v = v.unwrap_or_default();
                match FORMATS.iter().find(|f| f.0 == v) {
                    Some(f) => format = f.1,
                    None => {
                        eprintln!("Unknown format: '{v}'.");
                        print_stdout(&static_nodes_help(short_name))?;
                        return Ok(1);
                    }
                }
            }
            Event::Opt('h', _) => {
                print_stdout(&static_nodes_help(short_name))?;
                return Ok(0);
            }
            Event::Error(msg) => {
                let _ = io::stderr().write_all(msg.as_bytes());
                return Ok(1);
            }
            Event::Opt(c, _) => {
                eprintln!("Unexpected commandline option '{c}'.");
                print_stdout(&static_nodes_help(short_name))?;
                return Ok(1);
            }
        }
    }
    let release = kmod::ctx::running_release();
    let path = format!("/lib/modules/{release}/modules.devname");
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            eprintln!("Warning: /lib/modules/{release}/modules.devname not found - ignoring");
            return Ok(0);
        }
        Err(e) => {
            eprintln!("Error: could not open /lib/modules/{release}/modules.devname - {}", strerror(&e));
            return Ok(1);
        }
    };
    // fgets stops at a read error as at the end (a directory reads as empty).
    let mut input = Vec::new();
    let _ = io::Read::read_to_end(&mut file, &mut input);
    if let Err(msg) = mkdir_parents(&output) {
        eprintln!("Error: could not create parent directory for {output} - {msg}.");
        return Ok(1);
    }
    let sink = match Sink::open(&output) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: could not create {output} - {}", strerror(&e));
            return Ok(1);
        }
    };
    let (text, ok) = render(&input, format, &mut |line: &[u8]| {
        let mut err = io::stderr();
        let _ = err.write_all(b"Error: invalid devname entry: ");
        let _ = err.write_all(line);
    });
    sink.finish(&text)?;
    Ok(if ok { 0 } else { 1 })
}

/// kmod's `mkdir_parents(output, 0755)`; the error text is what `%m`
/// prints — "Success" when a component exists but is not a directory (kmod
/// returns ENOTDIR there without setting errno).
fn mkdir_parents(output: &str) -> Result<(), String> {
    let Some(i) = output.rfind('/') else { return Ok(()) };
    let parent = std::path::Path::new(&output[..i]);
    if parent.as_os_str().is_empty() {
        return Ok(());
    }
    let mut p = Some(parent);
    while let Some(a) = p {
        match std::fs::metadata(a) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return Err("Success".into()),
            Err(_) => p = a.parent(),
        }
    }
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o755).create(parent).map_err(|e| strerror(&e))
}

fn strerror(e: &io::Error) -> String {
    kmod::errno::strerror(e.raw_os_error().unwrap_or(kmod::errno::EIO))
}

/// Where static-nodes writes: a regular (or new) file through a temporary
/// file renamed into place; anything else (`/dev/stdout`, a pipe) directly,
/// truncated as `fopen(output, "w")` does.
enum Sink {
    Direct(std::fs::File),
    Replace { tmp: std::path::PathBuf, file: std::fs::File, dest: String },
}

impl Sink {
    fn open(output: &str) -> io::Result<Sink> {
        use std::os::unix::fs::OpenOptionsExt;
        if output.is_empty() {
            return Err(io::Error::from_raw_os_error(kmod::errno::ENOENT));
        }
        let regular_or_new = match std::fs::metadata(output) {
            Ok(m) => m.file_type().is_file(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(e),
        };
        if !regular_or_new {
            return std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(output).map(Sink::Direct);
        }
        let dest = std::path::Path::new(output);
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        // The mode fopen would create the file with (0666 less the umask),
        // or the existing file's.
        let mode = std::fs::metadata(output).map(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.permissions().mode() & 0o7777
        });
        let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o666).open(&tmp)?;
        if let Ok(m) = mode {
            use std::os::unix::fs::PermissionsExt;
            let _ = file.set_permissions(std::fs::Permissions::from_mode(m));
        }
        Ok(Sink::Replace { tmp, file, dest: output.to_string() })
    }

    fn finish(self, text: &[u8]) -> io::Result<()> {
        match self {
            Sink::Direct(mut f) => f.write_all(text),
            Sink::Replace { tmp, mut file, dest } => {
                let r = file.write_all(text).and_then(|_| file.sync_all()).and_then(|_| std::fs::rename(&tmp, &dest));
                if r.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                r
            }
        }
    }
}

/// The lines of `modules.devname` in `format`; invalid entries are
/// reported through `invalid` (with their newline) and make the result
/// unsuccessful.
fn render(input: &[u8], format: Format, invalid: &mut dyn FnMut(&[u8])) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut ok = true;
    let mut rest = input;
    while !rest.is_empty() {
        // fgets(buf, 4096): up to a newline or 4095 bytes.
        let n = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1).min(4095);
        let line = &rest[..n];
        rest = &rest[n..];
        // a C string: a NUL ends it
        let line = line.split(|&b| b == 0).next().unwrap_or(b"");
        if line.first() == Some(&b'#') {
            continue;
        }
        match scan(line) {
            Some((m, d, t, maj, min)) if t == b'c' || t == b'b' => write_entry(&mut out, format, m, d, t, maj, min),
            _ => {
                invalid(line);
                ok = false;
            }
        }
    }
    (out, ok)
}

fn write_entry(out: &mut Vec<u8>, format: Format, m: &[u8], d: &[u8], t: u8, maj: u32, min: u32) {
    match format {
        Format::Human => {
            out.extend_from_slice(b"Module: ");
            out.extend_from_slice(m);
            out.extend_from_slice(b"\n\tDevice node: /dev/");
            out.extend_from_slice(d);
            out.extend_from_slice(format!("\n\t\tType: {} device\n\t\tMajor: {maj}\n\t\tMinor: {min}\n", if t == b'c' { "character" } else { "block" }).as_bytes());
        }
        Format::Tmpfiles => {
            if let Some(i) = d.iter().rposition(|&b| b == b'/') {
                out.extend_from_slice(b"d /dev/");
                out.extend_from_slice(&d[..i]);
                out.extend_from_slice(b" 0755 - - -\n");
            }
            out.push(t);
            out.extend_from_slice(b"! /dev/");
            out.extend_from_slice(d);
            out.extend_from_slice(format!(" 0600 - - - {maj}:{min}\n").as_bytes());
        }
        Format::Devname => {
            out.extend_from_slice(m);
            out.push(b' ');
            out.extend_from_slice(d);
            out.push(b' ');
            out.push(t);
            out.extend_from_slice(format!("{maj}:{min}\n").as_bytes());
        }
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `sscanf(line, "%s %s %c%u:%u")` when all five conversions succeed.
fn scan(line: &[u8]) -> Option<(&[u8], &[u8], u8, u32, u32)> {
    let mut i = 0;
    let word = |i: &mut usize| -> Option<&[u8]> {
        while *i < line.len() && is_space(line[*i]) {
            *i += 1;
        }
        let s = *i;
        while *i < line.len() && !is_space(line[*i]) {
            *i += 1;
        }
        (*i > s).then(|| &line[s..*i])
    };
    let m = word(&mut i)?;
    let d = word(&mut i)?;
    while i < line.len() && is_space(line[i]) {
        i += 1;
    }
    let t = *line.get(i)?;
    i += 1;
    let maj = scan_u(line, &mut i)?;
    if line.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let min = scan_u(line, &mut i)?;
    Some((m, d, t, maj, min))
}

/// scanf's `%u`: blanks, an optional sign, decimal digits (strtoul
/// semantics: saturating, a minus negates), truncated to `unsigned int`.
fn scan_u(line: &[u8], i: &mut usize) -> Option<u32> {
    while *i < line.len() && is_space(line[*i]) {
        *i += 1;
    }
    let neg = match line.get(*i) {
        Some(b'-') => {
            *i += 1;
            true
        }
        Some(b'+') => {
            *i += 1;
            false
        }
        _ => false,
    };
    let s = *i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while *i < line.len() && line[*i].is_ascii_digit() {
        match v.checked_mul(10).and_then(|x| x.checked_add(u64::from(line[*i] - b'0'))) {
            Some(x) => v = x,
            None => overflow = true,
        }
        *i += 1;
    }
    if *i == s {
        return None;
    }
    if overflow {
        v = u64::MAX;
    } else if neg {
        v = v.wrapping_neg();
    }
    Some(v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_like_sscanf() {
        assert_eq!(scan(b"fuse fuse c10:229\n"), Some((&b"fuse"[..], &b"fuse"[..], b'c', 10, 229)));
        assert_eq!(scan(b"a b  b 1 : 2"), None);
        assert_eq!(scan(b"a b c1:-1"), Some((&b"a"[..], &b"b"[..], b'c', 1, u32::MAX)));
        assert_eq!(scan(b"a b c1"), None);
        assert_eq!(scan(b"\n"), None);
    }

    #[test]
    fn renders_formats() {
        let input = b"# c\nfuse fuse c10:229\nbtrfs btrfs-control c10:234\nx y/z b1:2\nbad\n";
        let mut bad = Vec::new();
        let (t, ok) = render(input, Format::Tmpfiles, &mut |l: &[u8]| bad.push(l.to_vec()));
        assert!(!ok);
        assert_eq!(bad, vec![b"bad\n".to_vec()]);
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "c! /dev/fuse 0600 - - - 10:229\nc! /dev/btrfs-control 0600 - - - 10:234\nd /dev/y 0755 - - -\nb! /dev/y/z 0600 - - - 1:2\n"
        );
    }
}

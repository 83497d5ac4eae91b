//! `depmod`: generate modules.dep and map files (kmod 30).
//!
//! Options are parsed here, in order, with kmod's messages; the work is
//! [`kmod::depmod::run`].

use std::io::{self, Write};

use kmod::depmod::{self, log::DEFAULT_VERBOSE, Log, Options};

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
use crate::stdout::StdioOut;
use crate::Tool;

/// The deprecated options given in long form come back with these values,
/// so their warning can name the long option as kmod does.
const LONG_UNRESOLVED: char = '\u{1}';
const LONG_QUIET: char = '\u{2}';
const LONG_ROOT: char = '\u{3}';
const LONG_MAP: char = '\u{4}';

const SPEC: Spec = Spec {
    short: "aAb:C:E:F:euqrvnP:wmVh",
    long: &[
        LongOpt { name: "all", has_arg: HasArg::No, val: 'a' },
        LongOpt { name: "quick", has_arg: HasArg::No, val: 'A' },
        LongOpt { name: "basedir", has_arg: HasArg::Required, val: 'b' },
        LongOpt { name: "config", has_arg: HasArg::Required, val: 'C' },
        LongOpt { name: "symvers", has_arg: HasArg::Required, val: 'E' },
        LongOpt { name: "filesyms", has_arg: HasArg::Required, val: 'F' },
        LongOpt { name: "errsyms", has_arg: HasArg::No, val: 'e' },
        LongOpt { name: "unresolved-error", has_arg: HasArg::No, val: LONG_UNRESOLVED },
        LongOpt { name: "quiet", has_arg: HasArg::No, val: LONG_QUIET },
        LongOpt { name: "root", has_arg: HasArg::No, val: LONG_ROOT },
        LongOpt { name: "verbose", has_arg: HasArg::No, val: 'v' },
        LongOpt { name: "show", has_arg: HasArg::No, val: 'n' },
        LongOpt { name: "dry-run", has_arg: HasArg::No, val: 'n' },
        LongOpt { name: "symbol-prefix", has_arg: HasArg::Required, val: 'P' },
        LongOpt { name: "warn", has_arg: HasArg::No, val: 'w' },
        LongOpt { name: "map", has_arg: HasArg::No, val: LONG_MAP },
        LongOpt { name: "version", has_arg: HasArg::No, val: 'V' },
        LongOpt { name: "help", has_arg: HasArg::No, val: 'h' },
    ],
};

fn help(prog: &str) -> String {
    format!(
        "Usage:\n\
         \t{prog} -[aA] [options] [forced_version]\n\
         \n\
         If no arguments (except options) are given, \"depmod -a\" is assumed\n\
         \n\
         depmod will output a dependency list suitable for the modprobe utility.\n\
         \n\
         Options:\n\
         \t-a, --all            Probe all modules\n\
         \t-A, --quick          Only does the work if there's a new module\n\
         \t-e, --errsyms        Report not supplied symbols\n\
         \t-n, --show           Write the dependency file on stdout only\n\
         \t-P, --symbol-prefix  Architecture symbol prefix\n\
         \t-C, --config=PATH    Read configuration from PATH\n\
         \t-v, --verbose        Enable verbose mode\n\
         \t-w, --warn           Warn on duplicates\n\
         \t-V, --version        show version\n\
         \t-h, --help           show this help\n\
         \n\
         The following options are useful for people managing distributions:\n\
         \t-b, --basedir=DIR    Use an image of a module tree.\n\
         \t-F, --filesyms=FILE  Use the file instead of the\n\
         \t                     current kernel symbols.\n\
         \t-E, --symvers=FILE   Use Module.symvers file to check\n\
         \t                     symbol versions.\n"
    )
}

/// Runs depmod; returns the exit status.
pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let parsed = SPEC.parse(&tool.argv0, args);
    let mut out = StdioOut::new();
    let mut stderr = io::stderr();
    let mut log = Log::new(&tool.name, &mut stderr);
    let mut o = Options { verbose: DEFAULT_VERBOSE, ..Options::default() };
    for ev in parsed.events {
        match ev {
            Event::Opt('a', _) => o.all = true,
            Event::Opt('A', _) => o.quick = true,
            Event::Opt('b', v) => o.basedir = v.map(String::into_bytes),
            Event::Opt('C', v) => o.config_paths.get_or_insert_with(Vec::new).push(v.unwrap_or_default().into_bytes()),
            Event::Opt('E', v) => o.symvers = v.map(String::into_bytes),
            Event::Opt('F', v) => o.system_map = v.map(String::into_bytes),
            Event::Opt('e', _) => o.errsyms = true,
            Event::Opt('v', _) => o.verbose += 1,
            Event::Opt('n', _) => o.dry_run = true,
            Event::Opt('P', v) => {
                let v = v.unwrap_or_default().into_bytes();
                if v.len() > 1 {
                    log.fatal(b"-P only takes a single char\n");
                    return Ok(1);
                }
                o.sym_prefix = v.first().copied().unwrap_or(0);
            }
            Event::Opt('w', _) => o.warn_dups = true,
            Event::Opt(c @ ('u' | 'q' | 'r' | 'm'), _) => log.warn(format!("Ignored deprecated option -{c}\n").as_bytes()),
            Event::Opt(c @ (LONG_UNRESOLVED | LONG_QUIET | LONG_ROOT | LONG_MAP), _) => {
                let name = SPEC.long.iter().find(|l| l.val == c).map_or("", |l| l.name);
                log.warn(format!("Ignored deprecated option --{name}\n").as_bytes());
            }
            ev => return getopt::common_option(tool, ev, help),
        }
    }
    let mut operands = parsed.operands.into_iter().map(String::into_bytes);
    match operands.next() {
        Some(v) => {
            if !depmod::text::is_version_number(&v) {
                log.err(&[&b"Bad version passed "[..], &v, b"\n"].concat());
                return Ok(1);
            }
            o.kversion = v;
        }
        None => match depmod::dir::uname_release() {
            Some(r) => o.kversion = r,
            None => {
                log.fatal(format!("uname() failed: {}\n", io::Error::last_os_error()).as_bytes());
                return Ok(1);
            }
        },
    }
    o.module_files = operands.collect();
    if o.module_files.is_empty() {
        o.all = true;
    }
    let code = match depmod::run(&o, &mut log, &mut out) {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 1,
        Err(e) => return Err(e),
    };
    out.flush()?;
    Ok(code)
}

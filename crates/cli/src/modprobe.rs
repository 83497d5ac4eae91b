//! `modprobe`: add and remove modules with their dependencies (kmod 30).
//!
//! Thin: options are parsed here; resolution, dependency ordering, output
//! and messages are `kmod::modprobe`'s. The running kernel is the one
//! [`crate::Target`] names: this machine's Linux kernel (under the name
//! `modprobe`, or `MODHOST_KERNEL=linux`) or modhost's host kernel (through its
//! daemon, started on first need: `modhost modprobe`, or `MODHOST_KERNEL=host`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kmod::modprobe::{args, load_config, prio, Logger, Modprobe, Settings};
use kmod::Context;
use modindex::ValueOrder;

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
use crate::stdout::StdioOut;
use crate::Tool;

const OPT_FIRST_TIME: char = '\u{3}';
const OPT_FORCE_MODVERSION: char = '\u{2}';
const OPT_FORCE_VERMAGIC: char = '\u{1}';
const OPT_SHOW_MODVERSIONS: char = '\u{4}';
const OPT_REMOVE_HOLDERS: char = '\u{5}';
const OPT_SHOW_EXPORTS: char = '\u{6}';

const SPEC: Spec = Spec {
    short: "arw:RibfDcnC:d:S:sqvVh",
    long: &[
        LongOpt { name: "all", has_arg: HasArg::No, val: 'a' },
        LongOpt { name: "remove", has_arg: HasArg::No, val: 'r' },
        LongOpt { name: "remove-dependencies", has_arg: HasArg::No, val: OPT_REMOVE_HOLDERS },
        LongOpt { name: "remove-holders", has_arg: HasArg::No, val: OPT_REMOVE_HOLDERS },
        LongOpt { name: "wait", has_arg: HasArg::Required, val: 'w' },
        LongOpt { name: "resolve-alias", has_arg: HasArg::No, val: 'R' },
        LongOpt { name: "first-time", has_arg: HasArg::No, val: OPT_FIRST_TIME },
        LongOpt { name: "ignore-install", has_arg: HasArg::No, val: 'i' },
        LongOpt { name: "ignore-remove", has_arg: HasArg::No, val: 'i' },
        LongOpt { name: "use-blacklist", has_arg: HasArg::No, val: 'b' },
        LongOpt { name: "force", has_arg: HasArg::No, val: 'f' },
        LongOpt { name: "force-modversion", has_arg: HasArg::No, val: OPT_FORCE_MODVERSION },
        LongOpt { name: "force-vermagic", has_arg: HasArg::No, val: OPT_FORCE_VERMAGIC },
        LongOpt { name: "show-depends", has_arg: HasArg::No, val: 'D' },
        LongOpt { name: "showconfig", has_arg: HasArg::No, val: 'c' },
        LongOpt { name: "show-config", has_arg: HasArg::No, val: 'c' },
        LongOpt { name: "show-modversions", has_arg: HasArg::No, val: OPT_SHOW_MODVERSIONS },
        LongOpt { name: "dump-modversions", has_arg: HasArg::No, val: OPT_SHOW_MODVERSIONS },
        LongOpt { name: "show-exports", has_arg: HasArg::No, val: OPT_SHOW_EXPORTS },
        LongOpt { name: "dry-run", has_arg: HasArg::No, val: 'n' },
        LongOpt { name: "show", has_arg: HasArg::No, val: 'n' },
        LongOpt { name: "config", has_arg: HasArg::Required, val: 'C' },
        LongOpt { name: "dirname", has_arg: HasArg::Required, val: 'd' },
        LongOpt { name: "set-version", has_arg: HasArg::Required, val: 'S' },
        LongOpt { name: "syslog", has_arg: HasArg::No, val: 's' },
        LongOpt { name: "quiet", has_arg: HasArg::No, val: 'q' },
        LongOpt { name: "verbose", has_arg: HasArg::No, val: 'v' },
        LongOpt { name: "version", has_arg: HasArg::No, val: 'V' },
        LongOpt { name: "help", has_arg: HasArg::No, val: 'h' },
    ],
};

fn help(p: &str) -> String {
    format!(
        "Usage:\n\
         \t{p} [options] [-i] [-b] modulename\n\
         \t{p} [options] -a [-i] [-b] modulename [modulename...]\n\
         \t{p} [options] -r [-i] modulename\n\
         \t{p} [options] -r -a [-i] modulename [modulename...]\n\
         \t{p} [options] -c\n\
         \t{p} [options] --dump-modversions filename\n\
         Management Options:\n\
         \t-a, --all                   Consider every non-argument to\n\
         \t                            be a module name to be inserted\n\
         \t                            or removed (-r)\n\
         \t-r, --remove                Remove modules instead of inserting\n\
         \t    --remove-dependencies   Deprecated: use --remove-holders\n\
         \t    --remove-holders        Also remove module holders (use together with -r)\n\
         \t-w, --wait <MSEC>           When removing a module, wait up to MSEC for\n\
         \t                            module's refcount to become 0 so it can be\n\
         \t                            removed (use together with -r)\n\
         \t    --first-time            Fail if module already inserted or removed\n\
         \t-i, --ignore-install        Ignore install commands\n\
         \t-i, --ignore-remove         Ignore remove commands\n\
         \t-b, --use-blacklist         Apply blacklist to resolved alias.\n\
         \t-f, --force                 Force module insertion or removal.\n\
         \t                            implies --force-modversions and\n\
         \t                            --force-vermagic\n\
         \t    --force-modversion      Ignore module's version\n\
         \t    --force-vermagic        Ignore module's version magic\n\
         \n\
         Query Options:\n\
         \t-R, --resolve-alias         Only lookup and print alias and exit\n\
         \t-D, --show-depends          Only print module dependencies and exit\n\
         \t-c, --showconfig            Print out known configuration and exit\n\
         \t-c, --show-config           Same as --showconfig\n\
         \t    --show-modversions      Dump module symbol version and exit\n\
         \t    --dump-modversions      Same as --show-modversions\n\
         \t    --show-exports          Only print module exported symbol versions and exit\n\
         \n\
         General Options:\n\
         \t-n, --dry-run               Do not execute operations, just print out\n\
         \t-n, --show                  Same as --dry-run\n\
         \t-C, --config=FILE           Use FILE instead of default search paths\n\
         \t-d, --dirname=DIR           Use DIR as filesystem root for /lib/modules\n\
         \t-S, --set-version=VERSION   Use VERSION instead of `uname -r`\n\
         \t-s, --syslog                print to syslog, not stderr\n\
         \t-q, --quiet                 disable messages\n\
         \t-v, --verbose               enables more messages\n\
         \t-V, --version               show version\n\
         \t-h, --help                  show this help\n"
    )
}

/// Appends to `$MODPROBE_OPTIONS` (so that modprobe run by install commands
/// inherits the options).
fn env_append(value: &str) {
    let new = match std::env::var_os("MODPROBE_OPTIONS") {
        None => value.into(),
        Some(old) => {
            let mut o = old;
            o.push(" ");
            o.push(value);
            o
        }
    };
    std::env::set_var("MODPROBE_OPTIONS", new);
}

/// `strtoul(s, &end, 0)` accepting the whole string.
fn parse_wait(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if h.is_empty() {
            (10, "0")
        } else {
            (16, h)
        }
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    if s.is_empty() || digits.is_empty() {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    // $MODPROBE_OPTIONS goes before the command line.
    let mut argv: Vec<String> = Vec::new();
    if let Some(env) = std::env::var_os("MODPROBE_OPTIONS") {
        use std::os::unix::ffi::OsStrExt;
        for a in args::split_env_options(env.as_bytes()) {
            argv.push(String::from_utf8_lossy(&a).into_owned());
        }
    }
    argv.extend(args.iter().cloned());
    let parsed = SPEC.parse(&tool.argv0, &argv);
    let mut out = StdioOut::new();

    let mut s = Settings::default();
    let mut verbose = prio::WARNING;
    let mut use_syslog = false;
    let (mut use_all, mut do_remove, mut show_config, mut show_modversions, mut show_exports) = (false, false, false, false, false);
    let mut config_paths: Vec<PathBuf> = Vec::new();
    let (mut root, mut kversion): (Option<String>, Option<String>) = (None, None);
    for ev in parsed.events {
        match ev {
            Event::Opt('a', _) => {
                s.log_priority = prio::WARNING;
                use_all = true;
            }
            Event::Opt('r', _) => do_remove = true,
            Event::Opt(OPT_REMOVE_HOLDERS, _) => s.remove_holders = true,
            Event::Opt('w', v) => {
                let v = v.unwrap_or_default();
                match parse_wait(&v) {
                    Some(ms) => s.wait_msec = ms,
                    None => {
                        tool.error(&format!("unexpected wait value '{v}'."));
                        return Ok(1);
                    }
                }
            }
            Event::Opt(OPT_FIRST_TIME, _) => s.first_time = true,
            Event::Opt('i', _) => s.ignore_commands = true,
            Event::Opt('b', _) => s.use_blacklist = true,
            Event::Opt('f', _) => s.force = true,
            Event::Opt(OPT_FORCE_MODVERSION, _) => s.strip_modversion = true,
            Event::Opt(OPT_FORCE_VERMAGIC, _) => s.strip_vermagic = true,
            Event::Opt('D', _) => {
                s.ignore_loaded = true;
                s.dry_run = true;
                s.show = true;
            }
            Event::Opt('R', _) => s.lookup_only = true,
            Event::Opt('c', _) => show_config = true,
            Event::Opt(OPT_SHOW_MODVERSIONS, _) => show_modversions = true,
            Event::Opt(OPT_SHOW_EXPORTS, _) => show_exports = true,
            Event::Opt('n', _) => s.dry_run = true,
            Event::Opt('C', v) => {
                let v = v.unwrap_or_default();
                env_append("-C");
                env_append(&v);
                config_paths.push(PathBuf::from(v));
            }
            Event::Opt('d', v) => root = v,
            Event::Opt('S', v) => kversion = v,
            Event::Opt('s', _) => {
                env_append("-s");
                use_syslog = true;
            }
            Event::Opt('q', _) => {
                env_append("-q");
                verbose = prio::EMERG;
            }
            Event::Opt('v', _) => {
                env_append("-v");
                verbose += 1;
            }
            ev => return getopt::common_option(tool, ev, help),
        }
    }
    let operands = parsed.operands;
    // Debian's kmod logs to syslog when standard error is unusable.
    if !use_syslog && {
        use std::os::fd::AsFd;
        rustix::fs::fstat(std::io::stderr().as_fd()).is_err()
    } {
        use_syslog = true;
    }
    let log = Logger::new(&tool.name, verbose, use_syslog);
    // Until libkmod's logger is set up, tool errors use the WARNING threshold.
    let early = Logger::new(&tool.name, prio::WARNING, use_syslog);
    if !show_config && operands.is_empty() {
        early.err("missing parameters. See -h.\n");
        return Ok(1);
    }
    let host = tool.target == crate::Target::Host;
    let dirname = if root.is_some() || kversion.is_some() {
        let release = kversion.unwrap_or_else(|| if host { host_release() } else { uname_release() });
        format!("{}/lib/modules/{release}", root.unwrap_or_default())
    } else if host {
        // The host kernel's module directory: MODHOST_MODULES (or the
        // modhost data directory) and the host's release, not this machine's.
        format!("{}/lib/modules/{}", crate::host::server::module_root().display(), host_release())
    } else {
        format!("/lib/modules/{}", uname_release())
    };
    let dirname = if dirname.starts_with('/') { dirname } else { format!("{}/{dirname}", kmod::modprobe::cwd()) };
    let paths = (!config_paths.is_empty()).then_some(config_paths.as_slice());
    let config = load_config(Path::new(&dirname), paths);
    if verbose >= prio::INFO {
        // libkmod prints the address of the tool's log function here.
        log.kmod(prio::INFO, kmod::modprobe::Site::new("libkmod.c", 367, "kmod_set_log_fn"), "custom logging function 0x55d5c2b8e0a0 registered\n");
    }
    let ctx = Context::new(&dirname, ValueOrder::Mmap);

    let mut backend = crate::host::kernel::Backend::new(tool);
    let mut mp = Modprobe::new(ctx, config, s, log, &mut out, backend.kernel());
    let result = if show_config {
        mp.show_config()
    } else if show_modversions {
        mp.show_modversions(&operands[0])
    } else if show_exports {
        mp.show_exports(&operands[0])
    } else if do_remove {
        mp.rmmod_all(&operands)
    } else if use_all {
        mp.insmod_all(&operands)
    } else {
        let extra: Vec<Vec<u8>> = operands[1..].iter().map(|a| a.as_bytes().to_vec()).collect();
        let opts = args::options_from_args(&extra);
        mp.insmod(&operands[0], opts.as_deref())
    };
    if verbose >= prio::INFO {
        mp.log.kmod(prio::INFO, kmod::modprobe::Site::new("libkmod.c", 334, "kmod_unref"), "context 0x55d5c3a1c2a0 released\n");
    }
    drop(mp);
    out.flush()?;
    Ok(match result {
        Ok(e) if e >= 0 => 0,
        _ => 1,
    })
}

/// The release the host kernel presents (`MODHOST_RELEASE`, else the ABI
/// profile's: the fixture kernel's release), falling back to `uname -r`.
pub fn host_release() -> String {
    if let Ok(r) = std::env::var("MODHOST_RELEASE") {
        return r;
    }
    let cache = std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into());
    let env = std::env::var("MODHOST_FIXTURES").unwrap_or_else(|_| format!("{cache}/fixtures/current/env"));
    std::fs::read_to_string(env)
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("RELEASE=")).map(str::to_string))
        .unwrap_or_else(uname_release)
}

/// `uname -r`.
pub fn uname_release() -> String {
    kmod::ctx::running_release()
}

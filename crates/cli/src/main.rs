//! `modhost` — the multi-call binary.
//!
//! Invoked as `modhost <tool> [args]`, or through a link whose name is the
//! tool (`modinfo`, ...), as kmod's single binary is.

mod census;
mod crypto;
mod depmod;
mod getopt;
mod host;
mod insmod;
mod kmodcmd;
mod lsmod;
mod modinfo;
mod modprobe;
mod rmmod;
mod stdout;
mod views;

use std::io::Write;
use std::process::ExitCode;

/// What `-V` prints: kmod 30's version and feature lines, which scripts parse.
pub const KMOD_VERSION: &str = "kmod version 30\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL\n";

/// The kernel the module tools act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// This machine's running Linux kernel (system calls, `/proc`, `/sys`).
    Linux,
    /// modhost's host kernel, through its daemon (`modhost serve`).
    Host,
}

/// The names kmod answers to: invoked through a link with one of these
/// names, modhost is a drop-in for kmod and acts on the running Linux kernel.
const KMOD_NAMES: &[&str] = &["insmod", "rmmod", "lsmod", "modprobe", "depmod", "modinfo", "kmod"];

/// The kernel for this invocation: `MODHOST_KERNEL=linux|host` when set
/// (and not empty), else Linux under kmod's names and the host kernel as
/// `modhost <tool>`.
fn choose_target(via_kmod_name: bool) -> Result<Target, String> {
    match std::env::var_os("MODHOST_KERNEL") {
        Some(v) if !v.is_empty() => match v.to_str() {
            Some("linux") => Ok(Target::Linux),
            Some("host") => Ok(Target::Host),
            _ => Err(format!("invalid MODHOST_KERNEL='{}': expected 'linux' or 'host'", v.to_string_lossy())),
        },
        _ => Ok(if via_kmod_name { Target::Linux } else { Target::Host }),
    }
}

/// How a tool was invoked.
pub struct Tool {
    /// The short program name used in its own messages (`modinfo: ERROR: ...`).
    pub name: String,
    /// What glibc's getopt prints before its messages (`argv[0]` as given).
    pub argv0: String,
    /// The kernel `insmod`, `rmmod`, `lsmod`, `modprobe` and `kmod list` act on.
    pub target: Target,
}

impl Tool {
    /// Prints `<name>: ERROR: <msg>` to stderr, as kmod's tools do.
    pub fn error(&self, msg: &str) {
        let _ = writeln!(std::io::stderr(), "{}: ERROR: {}", self.name, msg);
    }
}

const TOOLS: &[(&str, fn(&Tool, &[String]) -> std::io::Result<i32>)] = &[
    ("modinfo", modinfo::run),
    ("depmod", depmod::run),
    ("modprobe", modprobe::run),
    ("insmod", insmod::run),
    ("rmmod", rmmod::run),
    ("lsmod", lsmod::run),
    ("kmod", kmodcmd::run),
    ("dmesg", views::dmesg),
    ("serve", views::serve),
    ("cat", views::cat),
    ("ls", views::ls),
    ("write", views::write),
    ("trace", views::trace),
    ("view", views::view),
    ("census", census::run),
    ("census-one", census::run_one),
    ("crypto", crypto::run),
];

fn usage(prog: &str) -> String {
    let names: Vec<&str> = TOOLS.iter().map(|t| t.0).collect();
    format!(
        "modhost {}: the Linux loadable-module system\n\nUsage: {prog} <command> [args...]\n\nCommands: {}\n\nEach command is also available as a link named after it.\n\n\
         Which kernel: through links named like kmod's tools (insmod, rmmod, lsmod,\n\
         modprobe, depmod, modinfo, kmod) the tools act on the running Linux kernel,\n\
         as kmod does; as `modhost <command>` they act on the host kernel.\n\
         MODHOST_KERNEL=linux or MODHOST_KERNEL=host overrides both.\n\n\
         Host kernel: runtime directory {}, module directory {}/lib/modules/{}\n",
        env!("CARGO_PKG_VERSION"),
        names.join(", "),
        host::runtime_dir().display(),
        host::server::module_root().display(),
        modprobe::host_release()
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args.first().cloned().unwrap_or_else(|| "modhost".into());
    let base = argv0.rsplit('/').next().unwrap_or(&argv0).to_string();
    let (tool, rest) = match TOOLS.iter().find(|t| t.0 == base) {
        Some(t) => (Some(t), &args[1..]),
        None => match args.get(1).map(String::as_str) {
            Some("-h") | Some("--help") | Some("help") => {
                print!("{}", usage(&base));
                return ExitCode::SUCCESS;
            }
            Some("-V") | Some("--version") => {
                println!("modhost {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            Some(cmd) => match TOOLS.iter().find(|t| t.0 == cmd) {
                Some(t) => (Some(t), &args[2..]),
                None => {
                    eprint!("{base}: unknown command '{cmd}'\n\n{}", usage(&base));
                    return ExitCode::from(1);
                }
            },
            None => {
                eprint!("{}", usage(&base));
                return ExitCode::from(1);
            }
        },
    };
    let (name, run) = tool.map(|t| (t.0, t.1)).expect("a tool was chosen above");
    let via_link = base == name;
    let target = match choose_target(via_link && KMOD_NAMES.contains(&name)) {
        Ok(t) => t,
        Err(msg) => {
            let _ = writeln!(std::io::stderr(), "{base}: ERROR: {msg}");
            return ExitCode::from(1);
        }
    };
    // Through `modhost <tool>`, the tool speaks as itself, like the real one.
    let invoked = Tool {
        name: if via_link { base.clone() } else { name.to_string() },
        argv0: if via_link { argv0.clone() } else { name.to_string() },
        target,
    };
    match run(&invoked, rest) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(e) => {
            invoked.error(&e.to_string());
            ExitCode::from(1)
        }
    }
}

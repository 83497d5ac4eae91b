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

/// How a tool was invoked.
pub struct Tool {
    /// The short program name used in its own messages (`modinfo: ERROR: ...`).
    pub name: String,
    /// What glibc's getopt prints before its messages (`argv[0]` as given).
    pub argv0: String,
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
        "modhost {}: the Linux loadable-module system\n\nUsage: {prog} <command> [args...]\n\nCommands: {}\n\nEach command is also available as a link named after it.\n\nHost kernel: runtime directory {}, module directory {}/lib/modules/{}\n",
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
    // Through `modhost <tool>`, the tool speaks as itself, like the real one.
    let invoked = Tool {
        name: if base == name { base.clone() } else { name.to_string() },
        argv0: if base == name { argv0.clone() } else { name.to_string() },
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

//! modprobe's logging (kmod 30 `tools/log.c`), and libkmod's messages once
//! the tool's logger is installed.
//!
//! * tool messages: `<prog>: <PRIO>: <text>` on stderr (or syslog), shown
//!   when the priority is at most the threshold (`-v` raises it, `-q` sets
//!   it to EMERG); a shown FATAL (critical) message ends the process with
//!   status 1 — here: [`Fatal`] is returned and the caller unwinds;
//! * libkmod messages: `<prog>: <PRIO>: ../libkmod/<file>:<line> <func>()
//!   <text>` (Debian's debug build), same threshold.

use std::io::Write;

pub use modconf::diag::prio;
use modconf::Site;

use crate::log::tool_prio_name;

/// A FATAL message was shown: the process must exit with status 1 (after
/// flushing standard output, as `exit()` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fatal;

/// The tool logger.
pub struct Logger {
    prog: String,
    threshold: i32,
    syslog: bool,
    /// libkmod's own default logger (tools that install none: insmod,
    /// lsmod): `libkmod: <PRIO> ../libkmod/<file>:<line> <func>: <text>`.
    default_format: bool,
}

impl Logger {
    /// `prog` is the short program name; `threshold` the verbosity
    /// (WARNING by default).
    pub fn new(prog: &str, threshold: i32, syslog: bool) -> Self {
        if syslog {
            open_syslog(prog);
        }
        Logger { prog: prog.to_string(), threshold, syslog, default_format: false }
    }

    /// libkmod's default logger, as in a tool that installs none (insmod,
    /// lsmod): standard error, priority ERR unless `$KMOD_LOG` says
    /// otherwise. Only libkmod messages ([`Logger::kmod`]) go through it.
    pub fn libkmod_default() -> Self {
        let threshold = match std::env::var("KMOD_LOG") {
            Ok(v) => modconf::diag::kmod_log_priority(&v),
            Err(_) => prio::ERR,
        };
        Logger { prog: "libkmod".into(), threshold, syslog: false, default_format: true }
    }

    pub fn threshold(&self) -> i32 {
        self.threshold
    }

    fn emit(&self, prio: i32, line: &[u8]) {
        if self.syslog {
            write_syslog(prio, line);
        } else {
            let mut out = Vec::with_capacity(self.prog.len() + line.len() + 2);
            out.extend_from_slice(self.prog.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(line);
            let _ = std::io::stderr().write_all(&out);
        }
    }

    /// `log_printf(prio, text)`; `text` ends with a newline.
    pub fn log(&self, prio: i32, text: impl AsRef<[u8]>) -> Result<(), Fatal> {
        if prio > self.threshold {
            return Ok(());
        }
        let mut line = format!("{}: ", tool_prio_name(prio)).into_bytes();
        line.extend_from_slice(text.as_ref());
        self.emit(prio, &line);
        if prio <= prio::CRIT {
            return Err(Fatal);
        }
        Ok(())
    }

    /// An ERR-level tool message.
    pub fn err(&self, text: impl AsRef<[u8]>) {
        let _ = self.log(prio::ERR, text);
    }

    /// A libkmod message through the tool's logger.
    pub fn kmod(&self, prio: i32, site: Site, text: impl AsRef<[u8]>) {
        if prio > self.threshold {
            return;
        }
        if self.default_format {
            let d = modconf::diag::Diag { prio, site, text: text.as_ref().to_vec() };
            let _ = std::io::stderr().write_all(&d.default_format());
            return;
        }
        let mut line = format!("{}: ../libkmod/{}:{} {}() ", tool_prio_name(prio), site.file, site.line, site.func).into_bytes();
        line.extend_from_slice(text.as_ref());
        self.emit(prio, &line);
    }
}

fn open_syslog(prog: &str) {
    use std::sync::OnceLock;
    static IDENT: OnceLock<std::ffi::CString> = OnceLock::new();
    let ident = IDENT.get_or_init(|| std::ffi::CString::new(prog.replace('\0', "")).unwrap_or_default());
    // SAFETY: the identifier lives for the rest of the process, as openlog requires.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_CONS, libc::LOG_DAEMON) };
}

fn write_syslog(prio: i32, line: &[u8]) {
    let text: Vec<u8> = line.iter().copied().filter(|&b| b != 0).collect();
    let Ok(c) = std::ffi::CString::new(text) else { return };
    // SAFETY: a constant format and a valid C string.
    unsafe { libc::syslog(prio, c"%s".as_ptr(), c.as_ptr()) };
}

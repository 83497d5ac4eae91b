//! depmod's logger (kmod's `tools/log.c`).
//!
//! A message is `<prog>: <PRIO>: <text>` on stderr, printed only when its
//! priority is at or below the threshold. The threshold is WARNING until
//! depmod hands its verbosity to libkmod (`log_setup_kmod_log`), after which
//! it is the verbosity (WARNING + one per `-v`). Messages of libkmod itself
//! then carry their v30 source location: `<prog>: <PRIO>: ../libkmod/<file>:
//! <line> <func>() <text>`. A FATAL (`CRIT`) message ends the process with
//! status 1 in kmod; here the caller gets a [`Fatal`] to return.

use std::io::Write;

pub use modconf::diag::prio;

use crate::log::tool_prio_name;

/// depmod's default verbosity (`DEFAULT_VERBOSE`).
pub const DEFAULT_VERBOSE: i32 = prio::WARNING;

/// A FATAL message was printed: the run ends with exit status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fatal;

/// The tool logger.
pub struct Log<'a> {
    prog: String,
    threshold: i32,
    err: &'a mut (dyn Write + Send),
}

impl<'a> Log<'a> {
    /// A logger printing as `prog` to `err`, at the initial threshold.
    pub fn new(prog: &str, err: &'a mut (dyn Write + Send)) -> Self {
        Log { prog: prog.to_string(), threshold: DEFAULT_VERBOSE, err }
    }

    pub fn threshold(&self) -> i32 {
        self.threshold
    }

    pub fn set_threshold(&mut self, t: i32) {
        self.threshold = t;
    }

    /// Whether a message of priority `p` would be printed.
    pub fn enabled(&self, p: i32) -> bool {
        p <= self.threshold
    }

    /// Prints a tool message (`text` ends with its newline, as kmod's
    /// format strings do).
    pub fn msg(&mut self, p: i32, text: &[u8]) {
        if !self.enabled(p) {
            return;
        }
        let mut line = Vec::with_capacity(self.prog.len() + text.len() + 12);
        line.extend_from_slice(self.prog.as_bytes());
        line.extend_from_slice(b": ");
        line.extend_from_slice(tool_prio_name(p).as_bytes());
        line.extend_from_slice(b": ");
        line.extend_from_slice(text);
        let _ = self.err.write_all(&line);
    }

    pub fn err(&mut self, text: &[u8]) {
        self.msg(prio::ERR, text)
    }

    pub fn warn(&mut self, text: &[u8]) {
        self.msg(prio::WARNING, text)
    }

    pub fn info(&mut self, text: &[u8]) {
        self.msg(prio::INFO, text)
    }

    pub fn debug(&mut self, text: &[u8]) {
        self.msg(prio::DEBUG, text)
    }

    /// A FATAL message: printed (kmod then exits with status 1).
    pub fn fatal(&mut self, text: &[u8]) -> Fatal {
        self.msg(prio::CRIT, text);
        Fatal
    }

    /// A libkmod message routed through the tool logger.
    pub fn libkmod(&mut self, p: i32, file: &str, line: u32, func: &str, text: &[u8]) {
        if !self.enabled(p) {
            return;
        }
        let mut t = format!("../libkmod/{file}:{line} {func}() ").into_bytes();
        t.extend_from_slice(text);
        self.msg(p, &t);
    }

    /// Raw bytes to stderr (libkmod's default logger, getopt messages).
    pub fn raw(&mut self, bytes: &[u8]) {
        let _ = self.err.write_all(bytes);
    }
}

/// Builds a message from byte pieces.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// glibc's `strerror` text for an errno value.
pub fn strerror(e: i32) -> String {
    crate::errno::strerror(e)
}

/// The errno of an I/O error (EIO when it has none).
pub fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(crate::errno::EIO)
}

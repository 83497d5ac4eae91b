//! libkmod's own log lines.
//!
//! Debian builds libkmod with debug logging: a library error is printed as
//! `libkmod: ERROR ../libkmod/<file>:<line> <function>: <message>` (line
//! numbers of the v30 sources) by tools that keep libkmod's default logger
//! (modinfo, insmod, lsmod). Tools that install their own logger (depmod,
//! modprobe, rmmod) print `<prog>: ERROR: ../libkmod/<file>:<line>
//! <function>() <message>`; they select that with [`set_tool_logger`].

use std::io::Write;
use std::sync::RwLock;

use modconf::diag::prio;

static TOOL: RwLock<Option<String>> = RwLock::new(None);

/// Routes libkmod messages through a tool's logger (`<prog>: ERROR: ...`).
pub fn set_tool_logger(prog: &str) {
    *TOOL.write().unwrap_or_else(|e| e.into_inner()) = Some(prog.to_string());
}

/// The priority word of the tools' own logger (`<prog>: <word>: ...`);
/// libkmod's default logger words them differently
/// ([`modconf::Diag::default_format`]).
pub fn tool_prio_name(p: i32) -> String {
    match p {
        prio::CRIT => "FATAL".into(),
        prio::ERR => "ERROR".into(),
        prio::WARNING => "WARNING".into(),
        prio::NOTICE => "NOTICE".into(),
        prio::INFO => "INFO".into(),
        prio::DEBUG => "DEBUG".into(),
        p => format!("LOG-{p:03}"),
    }
}

/// Prints a libkmod ERR() message.
pub fn libkmod_err(file: &str, line: u32, func: &str, msg: &str) {
    let tool = TOOL.read().unwrap_or_else(|e| e.into_inner()).clone();
    let text = match tool {
        Some(p) => format!("{p}: ERROR: ../libkmod/{file}:{line} {func}() {msg}\n"),
        None => format!("libkmod: ERROR ../libkmod/{file}:{line} {func}: {msg}\n"),
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
}

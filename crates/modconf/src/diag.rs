//! Messages the configuration readers produce, with libkmod's source
//! location so that the tools can print them byte for byte as kmod 30 does.

use crate::lines::{is_c_space, strtol};

/// syslog priorities, as libkmod and the tools use them.
pub mod prio {
    pub const EMERG: i32 = 0;
    pub const ALERT: i32 = 1;
    pub const CRIT: i32 = 2;
    pub const ERR: i32 = 3;
    pub const WARNING: i32 = 4;
    pub const NOTICE: i32 = 5;
    pub const INFO: i32 = 6;
    pub const DEBUG: i32 = 7;
}

/// Where in the v30 sources a libkmod message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// File under `libkmod/`, e.g. `libkmod-config.c`.
    pub file: &'static str,
    pub line: u32,
    pub func: &'static str,
}

impl Site {
    pub const fn new(file: &'static str, line: u32, func: &'static str) -> Self {
        Site { file, line, func }
    }
}

/// One libkmod message: its priority, origin and text (which ends with a
/// newline, as the C format strings do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub prio: i32,
    pub site: Site,
    pub text: Vec<u8>,
}

impl Diag {
    pub fn err(site: Site, text: impl Into<Vec<u8>>) -> Self {
        Diag { prio: prio::ERR, site, text: text.into() }
    }

    /// libkmod's default logger (debug build), used while `kmod_new()`
    /// parses the configuration: `libkmod: ERROR ../libkmod/<file>:<line>
    /// <func>: <text>`.
    pub fn default_format(&self) -> Vec<u8> {
        let name = match self.prio {
            prio::EMERG => "EMERGENCY".to_string(),
            prio::ALERT => "ALERT".to_string(),
            prio::CRIT => "CRITICAL".to_string(),
            prio::ERR => "ERROR".to_string(),
            prio::WARNING => "WARNING".to_string(),
            prio::NOTICE => "NOTICE".to_string(),
            prio::INFO => "INFO".to_string(),
            prio::DEBUG => "DEBUG".to_string(),
            p => format!("L:{p}"),
        };
        let mut out = format!("libkmod: {name} ../libkmod/{}:{} {}: ", self.site.file, self.site.line, self.site.func).into_bytes();
        out.extend_from_slice(&self.text);
        out
    }
}

/// libkmod's priority from `$KMOD_LOG` (`log_priority()`): a number (what
/// `strtol` reads, when followed by nothing or a blank), else a name
/// starting with `err`, `info` or `debug`, else 0.
pub fn kmod_log_priority(s: &str) -> i32 {
    let b = s.as_bytes();
    // Without digits, strtol returns 0 and leaves the end at the start.
    let (v, end) = strtol(b).unwrap_or((0, 0));
    if end >= b.len() || is_c_space(b[end]) {
        return v as i32;
    }
    if s.starts_with("err") {
        prio::ERR
    } else if s.starts_with("info") {
        prio::INFO
    } else if s.starts_with("debug") {
        prio::DEBUG
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmod_log_values() {
        assert_eq!(kmod_log_priority("7"), 7);
        assert_eq!(kmod_log_priority(""), 0);
        assert_eq!(kmod_log_priority("err"), 3);
        assert_eq!(kmod_log_priority("info"), 6);
        assert_eq!(kmod_log_priority("debugx"), 7);
        assert_eq!(kmod_log_priority("3 "), 3);
        assert_eq!(kmod_log_priority("x"), 0);
    }

    #[test]
    fn default_format() {
        let d = Diag::err(Site::new("libkmod-config.c", 712, "kmod_config_parse"), "x\n");
        assert_eq!(d.default_format(), b"libkmod: ERROR ../libkmod/libkmod-config.c:712 kmod_config_parse: x\n");
    }
}

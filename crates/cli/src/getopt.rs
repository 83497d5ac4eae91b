//! Command-line parsing with GNU `getopt_long` semantics.
//!
//! kmod's tools parse their options with glibc's `getopt_long`, and scripts
//! see its behaviour: options may follow operands (permutation), long options
//! may be abbreviated to any unambiguous prefix, `--` ends the options, and
//! errors are reported with glibc's exact wording, prefixed by `argv[0]`.
//! A general-purpose parser (clap) cannot reproduce those bytes, so the kmod
//! compatibility tools use this one.

use std::io::{self, Write};

use crate::stdout::StdioOut;
use crate::Tool;

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    Optional,
}

/// One long option: `--name`, returning `val` like its short form.
#[derive(Debug, Clone, Copy)]
pub struct LongOpt {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub val: char,
}

/// An option table: the short-option string (getopt syntax: `"ab:c::"`, a
/// leading `+` stops at the first operand) and the long options.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub short: &'static str,
    pub long: &'static [LongOpt],
}

/// One step of the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An option, by its short value, with its argument if it has one.
    Opt(char, Option<String>),
    /// A parse error; the message is already formatted as glibc prints it
    /// (including the trailing newline). getopt returns `'?'` here.
    Error(String),
}

/// The result of scanning a command line: the option events in order and
/// the operands (non-option arguments) in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub events: Vec<Event>,
    pub operands: Vec<String>,
}

impl Spec {
    fn short_arg(&self, c: char) -> Option<HasArg> {
        if c == ':' || c == '+' || c == '-' {
            return None;
        }
        let s = self.short.strip_prefix('+').unwrap_or(self.short);
        let i = s.find(c)?;
        let rest = &s[i + c.len_utf8()..];
        Some(if rest.starts_with("::") {
            HasArg::Optional
        } else if rest.starts_with(':') {
            HasArg::Required
        } else {
            HasArg::No
        })
    }

    /// glibc stops at the first operand for a `+` option string, or when
    /// `POSIXLY_CORRECT` is set in the environment.
    fn stop_at_operand(&self) -> bool {
        self.short.starts_with('+') || std::env::var_os("POSIXLY_CORRECT").is_some()
    }

    /// Scans `args` (without the program name). `prog` is what glibc prints
    /// before its messages (`argv[0]` as given).
    pub fn parse(&self, prog: &str, args: &[String]) -> Parsed {
        let mut events = Vec::new();
        let mut operands = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if a == "--" {
                operands.extend(args[i..].iter().cloned());
                break;
            }
            if !a.starts_with('-') || a == "-" {
                operands.push(a.clone());
                if self.stop_at_operand() {
                    operands.extend(args[i..].iter().cloned());
                    break;
                }
                continue;
            }
            if let Some(body) = a.strip_prefix("--") {
                events.push(self.long(prog, body, args, &mut i));
                continue;
            }
            // A cluster of short options.
            let chars: Vec<char> = a[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                match self.short_arg(c) {
                    None => events.push(Event::Error(format!("{prog}: invalid option -- '{c}'\n"))),
                    Some(HasArg::No) => events.push(Event::Opt(c, None)),
                    Some(HasArg::Optional) => {
                        let rest: String = chars[k..].iter().collect();
                        events.push(Event::Opt(c, (!rest.is_empty()).then_some(rest)));
                        break;
                    }
                    Some(HasArg::Required) => {
                        let rest: String = chars[k..].iter().collect();
                        if !rest.is_empty() {
                            events.push(Event::Opt(c, Some(rest)));
                        } else if i < args.len() {
                            events.push(Event::Opt(c, Some(args[i].clone())));
                            i += 1;
                        } else {
                            events.push(Event::Error(format!("{prog}: option requires an argument -- '{c}'\n")));
                        }
                        break;
                    }
                }
            }
        }
        Parsed { events, operands }
    }

    fn long(&self, prog: &str, body: &str, args: &[String], i: &mut usize) -> Event {
        let (name, value) = match body.find('=') {
            Some(p) => (&body[..p], Some(body[p + 1..].to_string())),
            None => (body, None),
        };
        let found = match self.long.iter().find(|o| o.name == name) {
            Some(o) => o,
            None => {
                let cands: Vec<&LongOpt> = self.long.iter().filter(|o| o.name.starts_with(name)).collect();
                match cands.first() {
                    None => return Event::Error(format!("{prog}: unrecognized option '--{body}'\n")),
                    Some(first) => {
                        let same = cands.iter().all(|o| o.has_arg == first.has_arg && o.val == first.val);
                        if !same {
                            let mut m = format!("{prog}: option '--{name}' is ambiguous; possibilities:");
                            for o in &cands {
                                m.push_str(&format!(" '--{}'", o.name));
                            }
                            m.push('\n');
                            return Event::Error(m);
                        }
                        *first
                    }
                }
            }
        };
        match (found.has_arg, value) {
            (HasArg::No, Some(_)) => Event::Error(format!("{prog}: option '--{}' doesn't allow an argument\n", found.name)),
            (HasArg::No, None) => Event::Opt(found.val, None),
            (HasArg::Optional, v) => Event::Opt(found.val, v),
            (HasArg::Required, Some(v)) => Event::Opt(found.val, Some(v)),
            (HasArg::Required, None) => {
                if *i < args.len() {
                    *i += 1;
                    Event::Opt(found.val, Some(args[*i - 1].clone()))
                } else {
                    Event::Error(format!("{prog}: option '--{}' requires an argument\n", found.name))
                }
            }
        }
    }
}

/// Ends a tool's option loop on an event none of its own cases took, the
/// same way in every kmod 30 tool: `-h` (`help`'s text for the program
/// name) and `-V` print to standard output with status 0; an option
/// the tool has no case for, and a getopt error, print to standard error with
/// status 1. Returns the exit status.
pub fn common_option(tool: &Tool, ev: Event, help: fn(&str) -> String) -> io::Result<i32> {
    let text = match ev {
        Event::Opt('h', _) => help(&tool.name),
        Event::Opt('V', _) => crate::KMOD_VERSION.to_string(),
        Event::Opt(c, _) => {
            tool.error(&format!("unexpected getopt_long() value '{c}'."));
            return Ok(1);
        }
        Event::Error(msg) => {
            // kmod ignores a failed write to stderr and still exits with 1.
            let _ = io::stderr().write_all(msg.as_bytes());
            return Ok(1);
        }
    };
    let mut out = StdioOut::new();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    // A real tool's table, so these messages are the ones modinfo prints.
    use crate::modinfo::SPEC;

    fn p(args: &[&str]) -> Parsed {
        SPEC.parse("modinfo", &args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn permutes_and_clusters() {
        let r = p(&["x", "-ad", "y", "-Fname", "-k", "v", "--", "-a"]);
        assert_eq!(r.operands, vec!["x", "y", "-a"]);
        assert_eq!(
            r.events,
            vec![Event::Opt('a', None), Event::Opt('d', None), Event::Opt('F', Some("name".into())), Event::Opt('k', Some("v".into()))]
        );
    }

    #[test]
    fn long_forms() {
        assert_eq!(p(&["--field=x"]).events, vec![Event::Opt('F', Some("x".into()))]);
        assert_eq!(p(&["--field", "x"]).events, vec![Event::Opt('F', Some("x".into()))]);
        assert_eq!(p(&["--auth"]).events, vec![Event::Opt('a', None)]);
        assert_eq!(p(&["--set"]).events, vec![Event::Error("modinfo: option '--set-version' requires an argument\n".into())]);
    }

    #[test]
    fn glibc_messages() {
        assert_eq!(p(&["-x"]).events, vec![Event::Error("modinfo: invalid option -- 'x'\n".into())]);
        assert_eq!(p(&["-F"]).events, vec![Event::Error("modinfo: option requires an argument -- 'F'\n".into())]);
        assert_eq!(p(&["--bogus=1"]).events, vec![Event::Error("modinfo: unrecognized option '--bogus=1'\n".into())]);
        assert_eq!(p(&["--author=1"]).events, vec![Event::Error("modinfo: option '--author' doesn't allow an argument\n".into())]);
        assert_eq!(
            p(&["--f", "x"]).events,
            vec![Event::Error("modinfo: option '--f' is ambiguous; possibilities: '--filename' '--field'\n".into())]
        );
    }
}

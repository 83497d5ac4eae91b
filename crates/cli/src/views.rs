//! `modhost dmesg | cat | ls | write | serve`: the host kernel's log and
//! pseudo files from the shell.

use std::io::{self, Write};

use crate::host::client::Client;
use crate::host::proto::{Reply, Request};
use crate::Tool;

fn errno_exit(tool: &Tool, path: &str, e: i32) -> i32 {
    eprintln!("{}: {path}: {}", tool.name, kmod::errno::strerror(e));
    1
}

/// `dmesg`: the host kernel's log, as util-linux dmesg prints it.
pub fn dmesg(tool: &Tool, args: &[String]) -> io::Result<i32> {
    if let Some(a) = args.first() {
        if a == "-h" || a == "--help" {
            println!("Usage:\n {} [options]\n\nDisplay the host kernel's message buffer.", tool.name);
            return Ok(0);
        }
        eprintln!("{}: unrecognized option '{a}'", tool.name);
        return Ok(1);
    }
    let mut c = Client::connect()?;
    let Reply::Log { records } = c.call(&Request::Log { since: 0 }, &[])?.0 else {
        return Err(io::Error::other("unexpected reply"));
    };
    let mut out = crate::stdout::StdioOut::new();
    for r in records {
        writeln!(out, "[{:5}.{:06}] {}", r.ts_nsec / 1_000_000_000, (r.ts_nsec % 1_000_000_000) / 1000, r.text)?;
    }
    out.flush()?;
    Ok(0)
}

/// `modhost cat PATH...`
pub fn cat(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let mut c = Client::connect()?;
    let mut rc = 0;
    for p in args {
        match c.read(p)? {
            Ok(b) => io::stdout().write_all(&b)?,
            Err(e) => rc = errno_exit(tool, p, e),
        }
    }
    Ok(rc)
}

/// `modhost ls PATH`
pub fn ls(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let path = args.first().map_or("/sys/module", String::as_str);
    let mut c = Client::connect()?;
    match c.list(path)? {
        Ok(names) => {
            for n in names {
                println!("{n}");
            }
            Ok(0)
        }
        Err(e) => Ok(errno_exit(tool, path, e)),
    }
}

/// `modhost write PATH VALUE`
pub fn write(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let [path, value] = args else {
        eprintln!("Usage: modhost write PATH VALUE");
        return Ok(1);
    };
    let mut c = Client::connect()?;
    match c.call(&Request::Write { path: path.clone(), value: value.clone() }, &[])?.0 {
        Reply::Ok => Ok(0),
        Reply::Err { errno } => Ok(errno_exit(tool, path, errno)),
        other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
    }
}

/// `modhost serve [--profile PATH] [--sig-enforce]`
pub fn serve(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let mut profile = None;
    let mut sig_enforce = false;
    let mut trace = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--profile" if profile.is_none() => profile = it.next().map(String::as_str),
            "--sig-enforce" => sig_enforce = true,
            "--trace" => trace = true,
            _ => {
                eprintln!("Usage: modhost serve [--profile PATH] [--sig-enforce] [--trace]");
                return Ok(1);
            }
        }
    }
    match crate::host::server::serve(profile, sig_enforce, trace)? {
        true => Ok(0),
        false => {
            eprintln!("{}: a host kernel already serves {}", tool.name, crate::host::runtime_dir().display());
            Ok(0)
        }
    }
}

const TRACE_USAGE: &str = "Usage: modhost trace [on | off | clear | MODULE...]
The module API trace: every call from module code into the host kernel's
functions, with the six argument registers and the return value.
  on, off      start or stop recording (or start the daemon with serve --trace)
  clear        forget what was recorded
  MODULE...    print the records of these modules (default: all)
";

/// `modhost trace [on|off|clear|MODULE...]`
pub fn trace(tool: &Tool, args: &[String]) -> io::Result<i32> {
    const ENABLED: &str = "/sys/kernel/debug/modhost/trace_enabled";
    const RECORD: &str = "/sys/kernel/debug/modhost/trace";
    let write = |path: &str, value: &str| -> io::Result<i32> {
        let mut c = Client::connect()?;
        match c.call(&Request::Write { path: path.to_string(), value: value.to_string() }, &[])?.0 {
            Reply::Ok => Ok(0),
            Reply::Err { errno } => Ok(errno_exit(tool, path, errno)),
            other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    };
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => {
            print!("{TRACE_USAGE}");
            Ok(0)
        }
        Some("on") => write(ENABLED, "1"),
        Some("off") => write(ENABLED, "0"),
        Some("clear") => write(RECORD, ""),
        _ => {
            let mut c = Client::connect()?;
            let text = match c.read(RECORD)? {
                Ok(b) => b,
                Err(e) => return Ok(errno_exit(tool, RECORD, e)),
            };
            let mut out = io::stdout().lock();
            for line in String::from_utf8_lossy(&text).lines() {
                // "<seq> <>|<> <module> ..."
                let module = line.split(' ').nth(2).unwrap_or("");
                if args.is_empty() || args.iter().any(|m| m == module) {
                    writeln!(out, "{line}")?;
                }
            }
            Ok(0)
        }
    }
}

/// `modhost view PATH [WORD]`: a directory's entries (one a line) or a
/// file's contents, only the lines holding WORD (a whole word, as
/// `grep -w`) if given. What the differential harness compares with
/// `ls`/`cat`/`grep -w` in the Linux guest.
pub fn view(_tool: &Tool, args: &[String]) -> io::Result<i32> {
    if args.first().map(String::as_str) == Some("--blocks") {
        return view_blocks(&args[1..]);
    }
    let (Some(path), word) = (args.first(), args.get(1)) else {
        eprintln!("Usage: modhost view PATH [WORD]\n       modhost view --blocks PATH FIELD VALUE");
        return Ok(1);
    };
    let mut c = Client::connect()?;
    let text: Vec<u8> = match c.list(path)? {
        Ok(names) => names.iter().flat_map(|n| format!("{n}\n").into_bytes()).collect(),
        Err(_) => match c.read(path)? {
            Ok(b) => b,
            Err(_) => {
                eprintln!("{path}: No such file or directory");
                return Ok(1);
            }
        },
    };
    let mut out = io::stdout().lock();
    match word {
        None => out.write_all(&text)?,
        Some(w) => {
            let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            for line in text.split_inclusive(|&b| b == b'\n') {
                let hit = line.windows(w.len()).enumerate().any(|(i, win)| {
                    win == w.as_bytes() && (i == 0 || !is_word(line[i - 1])) && line.get(i + w.len()).is_none_or(|&b| !is_word(b))
                });
                if hit {
                    out.write_all(line)?;
                }
            }
        }
    }
    Ok(0)
}

/// The blocks of a file made of blank-line-separated blocks of
/// `field : value` lines (`/proc/crypto`) that have the line `FIELD : VALUE`.
pub fn select_blocks(text: &str, field: &str, value: &str) -> String {
    let mut out = String::new();
    for block in text.split("\n\n") {
        let hit = block.lines().any(|l| match l.split_once(':') {
            Some((k, v)) => k.trim_end() == field && v.strip_prefix(' ').unwrap_or(v) == value,
            None => false,
        });
        if hit && !block.trim().is_empty() {
            out.push_str(block.trim_start_matches('\n'));
            out.push_str("\n\n");
        }
    }
    out
}

/// `modhost view --blocks PATH FIELD VALUE`: the blocks of PATH (such as
/// `/proc/crypto`) holding the line `FIELD : VALUE`, each followed by a
/// blank line — what the QEMU differential test compares.
fn view_blocks(args: &[String]) -> io::Result<i32> {
    let [path, field, value] = args else {
        eprintln!("Usage: modhost view --blocks PATH FIELD VALUE");
        return Ok(1);
    };
    let mut c = Client::connect()?;
    match c.read(path)? {
        Ok(b) => {
            io::stdout().write_all(select_blocks(&String::from_utf8_lossy(&b), field, value).as_bytes())?;
            Ok(0)
        }
        Err(_) => {
            eprintln!("{path}: No such file or directory");
            Ok(1)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocks() {
        let t = "name         : a\ndriver       : a-generic\nmodule       : kernel\n\nname         : b\ndriver       : b-x\nmodule       : m\n\n";
        assert_eq!(super::select_blocks(t, "module", "m"), "name         : b\ndriver       : b-x\nmodule       : m\n\n");
        assert_eq!(super::select_blocks(t, "driver", "a-generic"), "name         : a\ndriver       : a-generic\nmodule       : kernel\n\n");
        assert_eq!(super::select_blocks(t, "driver", "a"), "");
    }
}

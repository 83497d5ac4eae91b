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
        eprintln!("Usage: {} write PATH VALUE", tool.name);
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
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--profile" if profile.is_none() => profile = it.next().map(String::as_str),
            "--sig-enforce" => sig_enforce = true,
            _ => {
                eprintln!("Usage: {} serve [--profile PATH] [--sig-enforce]", tool.name);
                return Ok(1);
            }
        }
    }
    match crate::host::server::serve(profile, sig_enforce)? {
        true => Ok(0),
        false => {
            eprintln!("{}: a host kernel already serves {}", tool.name, crate::host::runtime_dir().display());
            Ok(0)
        }
    }
}

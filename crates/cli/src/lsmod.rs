//! `lsmod` (and `kmod list`): the loaded modules of the running kernel in
//! kmod 30's format; with the host kernel also `lsmod --json` for programs.

use std::io::{self, Write};

use kmod::modprobe::Logger;
use kmod::module;

use crate::{Target, Tool};

#[derive(serde::Serialize)]
struct Entry {
    name: String,
    size: i64,
    refcount: i64,
    used_by: Vec<String>,
    state: String,
    address: String,
    taint: String,
}

pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let json = match args {
        [] => false,
        [a] if a == "--json" && tool.target == Target::Host => true,
        _ => {
            eprintln!("Usage: {}", tool.argv0);
            return Ok(1);
        }
    };
    let log = Logger::libkmod_default();
    let mut backend = crate::host::kernel::Backend::new(tool);
    let kernel = backend.kernel();
    let names = match module::loaded(kernel, &log) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("Error: could not get list of modules: {}", kmod::errno::strerror(e));
            return Ok(1);
        }
    };
    let mut out = crate::stdout::StdioOut::new();
    let mut entries = Vec::new();
    if !json {
        writeln!(out, "Module                  Size  Used by")?;
    }
    let proc = if json { kernel.read("/proc/modules").unwrap_or_default() } else { Vec::new() };
    let proc = String::from_utf8_lossy(&proc);
    for name in names {
        let refcnt = module::refcnt(kernel, &log, &name).unwrap_or_else(|e| -i64::from(e)) as i32;
        let size = module::size(kernel, &log, &name);
        let holders: Vec<String> = module::holders(kernel, &log, &name).iter().map(|h| kmod::name::modname_normalize(h)).collect();
        if json {
            let f: Vec<&str> = proc.lines().map(|l| l.split(' ').collect::<Vec<_>>()).find(|f| f.first() == Some(&name.as_str())).unwrap_or_default();
            entries.push(Entry {
                name: name.clone(),
                size,
                refcount: i64::from(refcnt),
                used_by: holders,
                state: f.get(4).unwrap_or(&"").to_string(),
                address: f.get(5).unwrap_or(&"").to_string(),
                taint: f.get(6).map(|t| t.trim_matches(|c| c == '(' || c == ')').to_string()).unwrap_or_default(),
            });
            continue;
        }
        write!(out, "{name:<19} {size:>8}  {refcnt}")?;
        if !holders.is_empty() {
            write!(out, " {}", holders.join(","))?;
        }
        writeln!(out)?;
    }
    if json {
        serde_json::to_writer_pretty(&mut out, &entries).map_err(io::Error::other)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(0)
}

//! `lsmod`: the loaded modules of the host kernel (kmod 30's format), and
//! `lsmod --json` for programs.

use std::io::{self, Write};

use crate::host::client::Client;
use crate::Tool;

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
        [a] if a == "--json" => true,
        _ => {
            eprintln!("Usage: {}", tool.argv0);
            return Ok(1);
        }
    };
    let mut c = Client::connect()?;
    let proc = match c.read("/proc/modules")? {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
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
    for line in proc.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let Some(&name) = f.first() else { continue };
        let read_num = |c: &mut Client, attr: &str| -> io::Result<Option<i64>> {
            Ok(c.read(&format!("/sys/module/{name}/{attr}"))?.ok().and_then(|b| String::from_utf8_lossy(&b).trim().parse().ok()))
        };
        let size = match read_num(&mut c, "coresize")? {
            Some(s) => s,
            None => f.get(1).and_then(|s| s.parse().ok()).unwrap_or(0),
        };
        let refcnt = match c.read(&format!("/sys/module/{name}/refcnt"))? {
            Ok(b) => String::from_utf8_lossy(&b).trim().parse().unwrap_or(0),
            Err(e) => -i64::from(e),
        };
        let holders = c.list(&format!("/sys/module/{name}/holders"))?.unwrap_or_default();
        if json {
            entries.push(Entry {
                name: name.to_string(),
                size,
                refcount: refcnt,
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

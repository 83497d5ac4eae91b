//! `rmmod`: remove modules from the host kernel (kmod 30's rmmod).

use std::io;

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
use crate::host::client::Client;
use crate::host::proto::{Reply, Request};
use crate::Tool;

const SPEC: Spec = Spec {
    short: "fsvVwh",
    long: &[
        LongOpt { name: "force", has_arg: HasArg::No, val: 'f' },
        LongOpt { name: "syslog", has_arg: HasArg::No, val: 's' },
        LongOpt { name: "verbose", has_arg: HasArg::No, val: 'v' },
        LongOpt { name: "version", has_arg: HasArg::No, val: 'V' },
        LongOpt { name: "help", has_arg: HasArg::No, val: 'h' },
    ],
};

fn help(prog: &str) -> String {
    format!(
        "Usage:\n\t{prog} [options] modulename ...\nOptions:\n\t-f, --force       forces a module unload and may crash your\n\t                  machine. This requires Forced Module Removal\n\t                  option in your kernel. DANGEROUS\n\t-s, --syslog      print to syslog, not stderr\n\t-v, --verbose     enables more messages\n\t-V, --version     show version\n\t-h, --help        show this help\n"
    )
}

pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let parsed = SPEC.parse(&tool.argv0, args);
    let mut force = false;
    for ev in parsed.events {
        match ev {
            Event::Opt('f', _) => force = true,
            Event::Opt('s' | 'v', _) => {}
            // -w ends up here too: kmod 30 lists it in its option string
            // but never handles it.
            ev => return getopt::common_option(tool, ev, help),
        }
    }
    if parsed.operands.is_empty() {
        tool.error("missing module name.");
        return Ok(1);
    }
    let mut c = Client::connect()?;
    let mut failed = 0;
    for arg in &parsed.operands {
        let name = if std::fs::metadata(arg).is_ok() {
            match kmod::name::path_to_modname(arg) {
                Some(n) => n,
                None => {
                    tool.error(&format!("could not use module {arg}: {}", kmod::errno::strerror(2)));
                    break;
                }
            }
        } else {
            kmod::name::modname_normalize(arg)
        };
        if !force && !check_in_use(tool, &mut c, &name)? {
            failed += 1;
            continue;
        }
        let flags = kernel::O_NONBLOCK | if force { kernel::O_TRUNC } else { 0 };
        match c.call(&Request::Rmmod { name: name.clone(), flags }, &[])?.0 {
            Reply::Ok => {}
            Reply::Err { errno } => {
                let msg = kmod::errno::strerror(errno);
                eprintln!("{}: ERROR: ../libkmod/libkmod-module.c:856 kmod_module_remove_module() could not remove '{name}': {msg}", tool.name);
                tool.error(&format!("could not remove module {arg}: {msg}"));
                failed += 1;
            }
            other => return Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    }
    Ok(i32::from(failed != 0))
}

/// rmmod's checks before removing: loaded, no holders, no references.
fn check_in_use(tool: &Tool, c: &mut Client, name: &str) -> io::Result<bool> {
    if c.read(&format!("/sys/module/{name}/initstate"))?.is_err() {
        tool.error(&format!("Module {name} is not currently loaded"));
        return Ok(false);
    }
    let holders = c.list(&format!("/sys/module/{name}/holders"))?.unwrap_or_default();
    if !holders.is_empty() {
        let list: String = holders.iter().map(|h| format!(" {h}")).collect();
        eprintln!("{}: ERROR: Module {name} is in use by:{list}", tool.name);
        return Ok(false);
    }
    let refcnt = c.read(&format!("/sys/module/{name}/refcnt"))?;
    match refcnt {
        Ok(b) if String::from_utf8_lossy(&b).trim().parse::<i64>().unwrap_or(0) > 0 => {
            tool.error(&format!("Module {name} is in use"));
            Ok(false)
        }
        Ok(_) => Ok(true),
        Err(_) => {
            tool.error("Module unloading is not supported");
            Ok(false)
        }
    }
}

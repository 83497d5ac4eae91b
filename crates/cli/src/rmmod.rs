//! `rmmod`: remove modules from the running kernel (kmod 30's rmmod):
//! this machine's Linux kernel or modhost's host kernel.

use std::io::{self, Write};

use kmod::modprobe::{prio, Kernel, Logger};
use kmod::module::{self, InitState};
use kmod::Context;
use modindex::ValueOrder;

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
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
    let mut verbose = prio::ERR;
    let mut use_syslog = false;
    for ev in parsed.events {
        match ev {
            Event::Opt('f', _) => force = true,
            Event::Opt('s', _) => use_syslog = true,
            Event::Opt('v', _) => verbose += 1,
            // -w ends up here too: kmod 30 lists it in its option string
            // but never handles it.
            ev => return getopt::common_option(tool, ev, help),
        }
    }
    let log = Logger::new(&tool.name, verbose, use_syslog);
    if parsed.operands.is_empty() {
        log.err("missing module name.\n");
        return Ok(1);
    }
    let ctx = Context::new(crate::host::kernel::module_dir(tool.target), ValueOrder::Mmap);
    let mut backend = crate::host::kernel::Backend::new(tool);
    let kernel = backend.kernel();
    let mut failed = 0;
    for arg in &parsed.operands {
        let name = if std::fs::metadata(arg).is_ok() {
            match kmod::name::path_to_modname(arg) {
                Some(n) => n,
                None => {
                    log.err(format!("could not use module {arg}: {}\n", kmod::errno::strerror(kmod::errno::ENOENT)));
                    break;
                }
            }
        } else {
            kmod::name::modname_normalize(arg)
        };
        if !force && check_in_use(&ctx, kernel, &log, &name).is_err() {
            failed += 1;
            continue;
        }
        if let Err(errno) = module::remove(kernel, &log, &name, force, false) {
            log.err(format!("could not remove module {arg}: {}\n", kmod::errno::strerror(errno)));
            failed += 1;
        }
    }
    Ok(i32::from(failed != 0))
}

/// rmmod's checks before removing (`check_module_inuse`): loaded and not
/// built in, no holders, no references.
fn check_in_use(ctx: &Context, kernel: &mut dyn Kernel, log: &Logger, name: &str) -> Result<(), ()> {
    match module::initstate(kernel, log, name, ctx.is_builtin(name)) {
        Ok(InitState::Builtin) => {
            log.err(format!("Module {name} is builtin.\n"));
            return Err(());
        }
        Err(_) => {
            log.err(format!("Module {name} is not currently loaded\n"));
            return Err(());
        }
        Ok(_) => {}
    }
    let holders = module::holders(kernel, log, name);
    if !holders.is_empty() {
        log.err(format!("Module {name} is in use by:"));
        let list: String = holders.iter().map(|h| format!(" {}", kmod::name::modname_normalize(h))).collect();
        let _ = writeln!(io::stderr(), "{list}");
        return Err(());
    }
    match module::refcnt(kernel, log, name) {
        Ok(n) if n > 0 => {
            log.err(format!("Module {name} is in use\n"));
            Err(())
        }
        Ok(_) => Ok(()),
        Err(e) if e == kmod::errno::ENOENT => {
            log.err("Module unloading is not supported\n");
            Err(())
        }
        Err(_) => Err(()),
    }
}

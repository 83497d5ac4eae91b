//! `insmod`: insert a module file into the running kernel (kmod 30's
//! insmod): this machine's Linux kernel or modhost's host kernel.

use std::io;

use kmod::modprobe::Logger;

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
use crate::Tool;

const SPEC: Spec = Spec {
    short: "psfVh",
    long: &[LongOpt { name: "version", has_arg: HasArg::No, val: 'V' }, LongOpt { name: "help", has_arg: HasArg::No, val: 'h' }],
};

fn help(prog: &str) -> String {
    format!("Usage:\n\t{prog} [options] filename [args]\nOptions:\n\t-V, --version     show version\n\t-h, --help        show this help\n")
}

/// insmod's wording for the errors of the load syscalls.
pub fn mod_strerror(errno: i32) -> String {
    match errno {
        8 => "Invalid module format".into(),
        2 => "Unknown symbol in module".into(),
        3 => "Module has wrong symbol version".into(),
        22 => "Invalid parameters".into(),
        e => kmod::errno::strerror(e),
    }
}

pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let parsed = SPEC.parse(&tool.argv0, args);
    let mut force = false;
    for ev in parsed.events {
        match ev {
            Event::Opt('p' | 's', _) => {}
            Event::Opt('f', _) => force = true,
            ev => return getopt::common_option(tool, ev, help),
        }
    }
    let Some(filename) = parsed.operands.first() else {
        tool.error("missing filename.");
        return Ok(1);
    };
    if filename == "-" {
        tool.error("this tool does not support loading from stdin!");
        return Ok(1);
    }
    let opts = parsed.operands[1..].join(" ");
    // kmod_module_new_from_path: the file must exist (stat) and have a
    // module name; its path is made absolute.
    if let Err(e) = std::fs::metadata(filename) {
        let errno = e.raw_os_error().unwrap_or(kmod::errno::EIO);
        tool.error(&format!("could not load module {filename}: {}", kmod::errno::strerror(errno)));
        return Ok(1);
    }
    if kmod::name::path_to_modname(filename).is_none() {
        tool.error(&format!("could not load module {filename}: {}", kmod::errno::strerror(kmod::errno::ENOENT)));
        return Ok(1);
    }
    let path = if filename.starts_with('/') { filename.clone() } else { format!("{}/{filename}", kmod::modprobe::cwd()) };
    let log = Logger::libkmod_default();
    let mut backend = crate::host::kernel::Backend::new(tool);
    match kmod::module::insert_file(backend.kernel(), &log, &path, &opts, force, force) {
        Ok(()) => Ok(0),
        Err(errno) => {
            tool.error(&format!("could not insert module {filename}: {}", mod_strerror(errno)));
            Ok(1)
        }
    }
}

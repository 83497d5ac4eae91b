//! `insmod`: insert a module file into the host kernel (kmod 30's insmod).

use std::io;

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
use crate::host::client::Client;
use crate::host::proto::{Reply, Request};
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
    let image = match kofile::ModuleImage::open(filename.as_ref()) {
        Ok(i) => i,
        Err(kofile::OpenError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            tool.error(&format!("could not load module {filename}: {}", kmod::errno::strerror(2)));
            return Ok(1);
        }
        Err(e) => {
            tool.error(&format!("could not insert module {filename}: {}", mod_strerror(e.errno())));
            return Ok(1);
        }
    };
    // finit_module for plain files (the kernel honours the force flags);
    // init_module with a mangled image for decompressed ones, as libkmod.
    let (bytes, flags) = if image.compression() == kofile::Compression::None {
        (image.to_vec(), if force { kernel::MODULE_INIT_IGNORE_MODVERSIONS | kernel::MODULE_INIT_IGNORE_VERMAGIC } else { 0 })
    } else if force {
        (force_strip(&image), 0)
    } else {
        (image.to_vec(), 0)
    };
    let mut c = Client::connect()?;
    match c.call(&Request::Insmod { args: opts, flags }, &bytes)?.0 {
        Reply::Ok => Ok(0),
        Reply::Err { errno } => {
            tool.error(&format!("could not insert module {filename}: {}", mod_strerror(errno)));
            Ok(1)
        }
        other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
    }
}

/// libkmod's forcing on the init_module path: `__versions` loses SHF_ALLOC
/// and the `vermagic=` string is blanked.
fn force_strip(image: &[u8]) -> Vec<u8> {
    let mut v = image.to_vec();
    let Ok(elf) = kofile::Elf::parse(image) else { return v };
    let h = *elf.header();
    let (entsize, flags_off): (u64, u64) = match h.class {
        kofile::Class::Elf64 => (64, 8),
        kofile::Class::Elf32 => (40, 8),
    };
    if let Some((i, _)) = elf.find_section("__versions") {
        let at = (h.e_shoff + i as u64 * entsize + flags_off) as usize;
        if let Some(b) = v.get_mut(at) {
            *b &= !(kofile::elf::SHF_ALLOC as u8);
        }
    }
    if let Some((i, data)) = elf.find_section(".modinfo") {
        let base = elf.sections()[i].offset as usize;
        if let Some(p) = data.windows(9).position(|w| w == b"vermagic=") {
            let end = data[p..].iter().position(|&b| b == 0).map_or(data.len(), |n| p + n);
            v[base + p..base + end].fill(0);
        }
    }
    v
}

//! libkmod's operations on one module of a running kernel (kmod 30's
//! `libkmod-module.c`): insertion from a file, removal, and the state read
//! back from `/sys/module` and `/proc/modules`. Shared by modprobe, insmod,
//! rmmod and lsmod, for any [`Kernel`] — this machine's Linux kernel or
//! modhost's host kernel.

use std::path::Path;

use crate::modprobe::kernel::{self, Kernel};
use crate::modprobe::{prio, strerror, Logger, Site};

const ENOENT: i32 = 2;
const EINVAL: i32 = 22;
const ENOSYS: i32 = 38;

const SITE_REMOVE: Site = Site::new("libkmod-module.c", 856, "kmod_module_remove_module");
const SITE_STRIP_MODVERSION: Site = Site::new("libkmod-module.c", 930, "kmod_module_insert_module");
const SITE_STRIP_VERMAGIC: Site = Site::new("libkmod-module.c", 936, "kmod_module_insert_module");
const SITE_INSERT_FAILED: Site = Site::new("libkmod-module.c", 949, "kmod_module_insert_module");
const SITE_LOADED_OPEN: Site = Site::new("libkmod-module.c", 1725, "kmod_module_new_from_loaded");
const SITE_LOADED_NAME: Site = Site::new("libkmod-module.c", 1738, "kmod_module_new_from_loaded");
const SITE_INITSTATE_UNKNOWN: Site = Site::new("libkmod-module.c", 1847, "kmod_module_get_initstate");
const SITE_CORESIZE: Site = Site::new("libkmod-module.c", 1886, "kmod_module_get_size");
const SITE_SIZE_OPEN: Site = Site::new("libkmod-module.c", 1896, "kmod_module_get_size");
const SITE_SIZE_FORMAT_NAME: Site = Site::new("libkmod-module.c", 1913, "kmod_module_get_size");
const SITE_SIZE_FORMAT_VALUE: Site = Site::new("libkmod-module.c", 1920, "kmod_module_get_size");
const SITE_REFCNT: Site = Site::new("libkmod-module.c", 1967, "kmod_module_get_refcnt");
const SITE_HOLDERS: Site = Site::new("libkmod-module.c", 1998, "kmod_module_get_holders");

/// Module init states as libkmod reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitState {
    Builtin,
    Live,
    Coming,
    Going,
}

/// `kmod_module_get_initstate`; `builtin` is what `kmod_module_is_builtin`
/// found in the module directory's indexes.
pub fn initstate(kernel: &mut dyn Kernel, log: &Logger, name: &str, builtin: bool) -> Result<InitState, i32> {
    if builtin {
        return Ok(InitState::Builtin);
    }
    let path = format!("/sys/module/{name}/initstate");
    let buf = match kernel.read(&path) {
        Ok(b) => b,
        Err(e) => {
            if kernel.is_dir(&format!("/sys/module/{name}")) {
                return Ok(InitState::Coming);
            }
            return Err(e);
        }
    };
    let buf = &buf[..buf.len().min(31)];
    match buf {
        b"live\n" => Ok(InitState::Live),
        b"coming\n" => Ok(InitState::Coming),
        b"going\n" => Ok(InitState::Going),
        _ => {
            let mut m = format!("unknown {path}: '").into_bytes();
            m.extend_from_slice(buf.split(|&b| b == 0).next().unwrap_or(b""));
            m.extend_from_slice(b"'\n");
            log.kmod(prio::ERR, SITE_INITSTATE_UNKNOWN, m);
            Err(EINVAL)
        }
    }
}

/// `kmod_module_get_refcnt`.
pub fn refcnt(kernel: &mut dyn Kernel, log: &Logger, name: &str) -> Result<i64, i32> {
    let path = format!("/sys/module/{name}/refcnt");
    let buf = kernel.read(&path)?;
    let buf = &buf[..buf.len().min(31)];
    match parse_long(buf) {
        Some(v) => Ok(v),
        None => {
            log.kmod(prio::ERR, SITE_REFCNT, format!("could not read integer from '{path}': '{}'\n", strerror(EINVAL)));
            Err(EINVAL)
        }
    }
}

/// `kmod_module_get_holders`: the entries of `/sys/module/<name>/holders`
/// in directory order, as given (callers normalise them as
/// `kmod_module_new_from_name` does); empty after logging when the
/// directory cannot be read.
pub fn holders(kernel: &mut dyn Kernel, log: &Logger, name: &str) -> Vec<String> {
    let path = format!("/sys/module/{name}/holders");
    match kernel.list(&path) {
        Ok(names) => names,
        Err(e) => {
            log.kmod(prio::ERR, SITE_HOLDERS, format!("could not open '{path}': {}\n", strerror(e)));
            Vec::new()
        }
    }
}

/// `kmod_module_get_size`: `/sys/module/<name>/coresize`, else the size
/// column of `/proc/modules`; a negative errno when neither says.
pub fn size(kernel: &mut dyn Kernel, log: &Logger, name: &str) -> i64 {
    let dir = format!("/sys/module/{name}");
    if !kernel.is_dir(&dir) {
        return -i64::from(ENOENT);
    }
    if let Ok(b) = kernel.read(&format!("{dir}/coresize")) {
        return match parse_long(&b[..b.len().min(31)]) {
            Some(v) => v,
            None => {
                // read_str_long zeroes its result before parsing.
                log.kmod(prio::ERR, SITE_CORESIZE, format!("failed to read coresize from {dir}\n"));
                0
            }
        };
    }
    let text = match kernel.read("/proc/modules") {
        Ok(t) => t,
        Err(e) => {
            log.kmod(prio::ERR, SITE_SIZE_OPEN, format!("could not open /proc/modules: {}\n", strerror(e)));
            return -i64::from(e);
        }
    };
    for (i, line) in fgets_lines(&text).into_iter().enumerate() {
        let mut toks = strtok(line);
        if toks.next() != Some(name.as_bytes()) {
            continue;
        }
        let Some(tok) = toks.next() else {
            log.kmod(prio::ERR, SITE_SIZE_FORMAT_NAME, format!("invalid line format at /proc/modules:{}\n", i + 1));
            break;
        };
        match modconf::lines::strtol(tok) {
            Some((v, end)) if end == tok.len() => return v,
            _ => {
                log.kmod(prio::ERR, SITE_SIZE_FORMAT_VALUE, format!("invalid line format at /proc/modules:{}\n", i + 1));
                break;
            }
        }
    }
    -i64::from(ENOENT)
}

/// `kmod_module_new_from_loaded`: the normalised names of `/proc/modules`,
/// in file order; `Err(errno)` when it cannot be read.
pub fn loaded(kernel: &mut dyn Kernel, log: &Logger) -> Result<Vec<String>, i32> {
    let text = match kernel.read("/proc/modules") {
        Ok(t) => t,
        Err(e) => {
            log.kmod(prio::ERR, SITE_LOADED_OPEN, format!("could not open /proc/modules: {}\n", strerror(e)));
            return Err(e);
        }
    };
    let mut out = Vec::new();
    // fgets with a 4096-byte buffer: a longer line's continuation is eaten.
    let mut at_line_start = true;
    for chunk in fgets_chunks(&text) {
        let starts = at_line_start;
        at_line_start = chunk.last() == Some(&b'\n');
        if !starts {
            continue;
        }
        match strtok(chunk).next() {
            Some(tok) => out.push(crate::name::modname_normalize(&String::from_utf8_lossy(tok))),
            None => log.kmod(prio::ERR, SITE_LOADED_NAME, format!("could not get module from name '(null)': {}\n", strerror(ENOENT))),
        }
    }
    Ok(out)
}

/// `kmod_module_remove_module`: `delete_module(name, O_NONBLOCK [| O_TRUNC])`,
/// logging a failure unless `nolog`.
pub fn remove(kernel: &mut dyn Kernel, log: &Logger, name: &str, force: bool, nolog: bool) -> Result<(), i32> {
    let flags = kernel::O_NONBLOCK | if force { kernel::O_TRUNC } else { 0 };
    kernel.delete_module(name, flags).inspect_err(|&e| {
        if !nolog {
            log.kmod(prio::ERR, SITE_REMOVE, format!("could not remove '{name}': {}\n", strerror(e)));
        }
    })
}

/// `kmod_module_insert_module` for a module whose file is `path`:
/// `finit_module` on an uncompressed file (the force flags go to the
/// kernel), else — or when the kernel lacks `finit_module` — `init_module`
/// with the (decompressed) image, `__versions` and `vermagic=` stripped in
/// user space when forcing. `Err(errno)` on failure.
pub fn insert_file(kernel: &mut dyn Kernel, log: &Logger, path: &str, args: &str, force_modversion: bool, force_vermagic: bool) -> Result<(), i32> {
    let image = match kofile::ModuleImage::open(Path::new(path)) {
        Ok(i) => i,
        // libkmod 30 sets the file's context only after decompressing, so
        // its decompression errors (`xz: File is corrupt`, ...) are never
        // printed: only the errno reaches the tool.
        Err(e) => return Err(e.errno()),
    };
    let mut result = Err(ENOSYS);
    if image.compression() == kofile::Compression::None {
        let mut kflags = 0;
        if force_vermagic {
            kflags |= kernel::MODULE_INIT_IGNORE_VERMAGIC;
        }
        if force_modversion {
            kflags |= kernel::MODULE_INIT_IGNORE_MODVERSIONS;
        }
        result = kernel.finit_module(Path::new(path), &image, args, kflags);
    }
    if result == Err(ENOSYS) {
        let bytes: std::borrow::Cow<[u8]> = if force_modversion || force_vermagic {
            let mut v = image.to_vec();
            // kmod_file_get_elf: the image must be ELF to be stripped.
            if let Err(e) = kofile::Elf::parse(&v) {
                return Err(e.errno());
            }
            if force_modversion {
                if let Err(e) = strip_section_alloc(&mut v, "__versions") {
                    log.kmod(prio::INFO, SITE_STRIP_MODVERSION, format!("Failed to strip modversion: {}\n", strerror(e)));
                }
            }
            if force_vermagic {
                if let Err(e) = strip_vermagic(&mut v) {
                    log.kmod(prio::INFO, SITE_STRIP_VERMAGIC, format!("Failed to strip vermagic: {}\n", strerror(e)));
                }
            }
            std::borrow::Cow::Owned(v)
        } else {
            std::borrow::Cow::Borrowed(&image[..])
        };
        result = kernel.init_module(&bytes, args);
    }
    result.inspect_err(|&e| {
        log.kmod(prio::INFO, SITE_INSERT_FAILED, format!("Failed to insert module '{path}': {}\n", strerror(e)));
    })
}

/// `read_str_long` + `strtol(base 10)`: a number followed by a blank.
pub(crate) fn parse_long(buf: &[u8]) -> Option<i64> {
    let s = buf.split(|&b| b == 0).next().unwrap_or(b"");
    let (v, end) = modconf::lines::strtol(s)?;
    s.get(end).is_some_and(|&b| modconf::lines::is_c_space(b)).then_some(v)
}

/// What successive `fgets(buf, 4096, fp)` calls return.
fn fgets_chunks(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let nl = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1);
        let n = nl.min(4095);
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

/// The lines `kmod_module_get_size` numbers (one per fgets call that starts
/// a line; continuations of overlong lines are eaten without counting).
fn fgets_lines(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at_start = true;
    for c in fgets_chunks(text) {
        if at_start {
            out.push(c);
        }
        at_start = c.last() == Some(&b'\n');
    }
    out
}

/// `strtok_r(line, " \t")` tokens (a C string: stops at NUL).
fn strtok(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let line = line.split(|&b| b == 0).next().unwrap_or(b"");
    line.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty())
}

/// Clears SHF_ALLOC of a section header (libkmod's
/// `kmod_elf_strip_section`); `Err(errno)` when the section is missing.
pub(crate) fn strip_section_alloc(image: &mut [u8], section: &str) -> Result<(), i32> {
    let (shoff, big, flags_size) = {
        let elf = kofile::Elf::parse(image).map_err(|e| e.errno())?;
        let h = *elf.header();
        let (entsize, fsize) = match h.class {
            kofile::Class::Elf64 => (64u64, 8usize),
            kofile::Class::Elf32 => (40u64, 4usize),
        };
        let (i, _) = elf.find_section(section).ok_or(ENOENT)?;
        (h.e_shoff + i as u64 * entsize, image.get(5) == Some(&2), fsize)
    };
    let at = (shoff + 8) as usize;
    let byte = if big { at + flags_size - 1 } else { at };
    let b = image.get_mut(byte).ok_or(EINVAL)?;
    *b &= !(kofile::elf::SHF_ALLOC as u8);
    Ok(())
}

/// Blanks the `vermagic=` string of `.modinfo` (libkmod's
/// `kmod_elf_strip_vermagic`).
pub(crate) fn strip_vermagic(image: &mut [u8]) -> Result<(), i32> {
    let (base, len) = {
        let elf = kofile::Elf::parse(image).map_err(|e| e.errno())?;
        let (i, data) = elf.find_section(".modinfo").ok_or(ENOENT)?;
        (elf.sections()[i].offset as usize, data.len())
    };
    let data = &image[base..base + len];
    let mut i = 0;
    while i < data.len() && data[i] == 0 && data.len() - i > 1 {
        i += 1;
    }
    while i < data.len() {
        if data[i] == 0 || i + 1 >= data.len() {
            i += 1;
            continue;
        }
        let rest = &data[i..];
        let slen = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        if i + 9 < data.len() && rest.starts_with(b"vermagic=") {
            image[base + i..base + i + slen].fill(0);
            return Ok(());
        }
        i += slen + 1;
    }
    Err(ENOENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fgets_splits_long_lines() {
        let long = vec![b'a'; 5000];
        let mut text = long.clone();
        text.extend_from_slice(b"\nb 1\n");
        let c = fgets_chunks(&text);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].len(), 4095);
        assert_eq!(fgets_lines(&text).len(), 2);
    }

    #[test]
    fn tokens() {
        assert_eq!(strtok(b" a\tb c\n").collect::<Vec<_>>(), vec![&b"a"[..], b"b", b"c\n"]);
        assert_eq!(strtok(b" \t").next(), None);
    }
}

//! What depmod reads from one module file, with libkmod v30's exact rules
//! (`kmod_file_open`, `kmod_elf_new`, `kmod_elf_get_symbols`,
//! `kmod_elf_get_dependency_symbols`, `kmod_elf_get_strings(".modinfo")`).
//!
//! * The file is identified by its first six bytes: zstd and xz images are
//!   decompressed by [`kofile::ModuleImage`]; anything else is read as is.
//! * The ELF container is accepted with libkmod's rules (the same as
//!   [`kofile::Elf::parse`]: magic, class, encoding, section header size,
//!   table and name table inside the file, name table NUL-terminated).
//! * Sections are found by *name* (`.symtab`, `.strtab`, `__versions`,
//!   `.modinfo`, `__ksymtab_strings`): the first one whose data lies inside
//!   the file.
//! * Strings are C strings of the file image: they may run past their
//!   section, as in C.
//!
//! An uncompressed file is not mapped or read whole: only its header, its
//! section table and the sections above (plus `__kcrctab*`, where CRC words
//! live) are read, neighbouring ones in one `pread`, about a sixth of a
//! typical module; any other byte depmod's rules reach (a CRC word
//! elsewhere, a string running out of its section) is read on demand.
//!
//! Results go to a per-thread [`Arena`] ([`Worker`]): one set of growing
//! arrays instead of a few allocations per module.
//!
//! Where libkmod v30 stops on an `assert()` (Debian builds it with
//! assertions: a CRC symbol in a section index beyond the section table, a
//! CRC outside the file), the value reads as `u64::MAX`, what libkmod's
//! non-assert code path returns, and the module is processed normally.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use kofile::file::{detect, Compression};
use kofile::ModuleImage;

use super::cache;
use crate::errno::{EINVAL, ENOENT, ENOEXEC};

/// A byte range of [`Arena::strings`].
pub type Span = (u32, u32);

/// A range of one of an [`Arena`]'s lists.
pub type Range = (u32, u32);

/// Where a thread's results are stored.
#[derive(Debug, Default)]
pub struct Arena {
    pub strings: Vec<u8>,
    /// `.modinfo` `alias=` (true) and `softdep=` (false) values.
    pub info: Vec<(bool, Span)>,
    /// Imported symbols: name, CRC, weak.
    pub deps: Vec<(Span, u64, bool)>,
    /// Exported symbols with CRCs.
    pub exports: Vec<(Span, u64)>,
}

impl Arena {
    pub(crate) fn push(&mut self, s: &[u8]) -> Span {
        let start = self.strings.len() as u32;
        self.strings.extend_from_slice(s);
        (start, s.len() as u32)
    }

    /// The bytes of a span.
    pub fn get(&self, s: Span) -> &[u8] {
        &self.strings[s.0 as usize..(s.0 + s.1) as usize]
    }
}

/// What depmod keeps of one module: ranges of its thread's [`Arena`].
#[derive(Debug, Clone, Copy)]
pub struct Loaded {
    /// Exports (range of `exports`); `Err(errno)` when they cannot be read
    /// (`ENOENT`: silently, the module has no symbol information).
    pub exports: Result<Range, i32>,
    /// Range of `info`, in `.modinfo` order.
    pub info: Range,
    /// Range of `deps` (empty when unreadable).
    pub deps: Range,
}

impl Loaded {
    fn failed(errno: i32) -> Loaded {
        Loaded { exports: Err(errno), info: (0, 0), deps: (0, 0) }
    }
}

/// A thread's reading state: its arena and buffers reused from module to
/// module.
#[derive(Default)]
pub struct Worker {
    pub arena: Arena,
    scratch: Vec<u8>,
    window: Vec<u8>,
    /// Encoded facts of the module just read (for the cache).
    facts: Vec<u8>,
    /// Modules taken from the cache on their key, on their content hash,
    /// and read.
    pub stats: [usize; 3],
}

/// The incremental cache as the reading threads use it.
pub struct CacheUse<'c> {
    pub cache: &'c cache::Cache,
    /// When the run started (nanoseconds since the epoch; see
    /// [`cache::RACY_SECS`]).
    pub start: i128,
    /// Whether entries for the next cache are produced.
    pub write: bool,
}

thread_local! {
    /// Set when a read of the module file failed or came short during the
    /// current load: the result then says nothing about the file's content
    /// and is not cached.
    static IO_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn io_failed() {
    IO_FAILED.with(|c| c.set(true));
}

const SHN_UNDEF: u16 = 0;
const SHN_ABS: u16 = 0xfff1;
const STB_WEAK: u8 = 2;
const STT_REGISTER: u8 = 13;
const EM_SPARC: u16 = 2;
const EM_SPARCV9: u16 = 43;

/// `kmod_elf_get_strings`' split of a string section (the same as
/// [`kofile::modinfo::strings`], with `memchr`): leading NUL padding
/// skipped, runs of NULs separate strings, a section of at most one byte
/// after the padding holds nothing, a last string without its NUL counts.
fn c_strings(section: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut s = section;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    if s.len() <= 1 {
        s = &[];
    }
    let mut rest = s;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let n = memchr::memchr(0, rest).unwrap_or(rest.len());
        let item = &rest[..n];
        rest = rest.get(n + 1..).unwrap_or(&[]);
        if !item.is_empty() {
            return Some(item);
        }
    })
}

/// Where the image's bytes come from.
enum Source<'a> {
    Mem(&'a [u8]),
    File(&'a File),
}

/// A section found by name: its file offset and length.
#[derive(Clone, Copy, Debug)]
struct Sec {
    off: u64,
    len: u64,
}

/// One section header (the fields depmod uses).
#[derive(Clone, Copy)]
struct Shdr {
    name: u32,
    off: u64,
    size: u64,
}

/// The module image as depmod reads it.
struct Image<'a> {
    src: Source<'a>,
    size: u64,
    big: bool,
    is64: bool,
    machine: u16,
    shdrs: Vec<Shdr>,
    shstrtab: Vec<u8>,
    /// Sections read from a file: (offset, bytes).
    pieces: Vec<(u64, &'a [u8])>,
}

fn uint_of(b: &[u8], big: bool) -> u64 {
    let mut v = 0u64;
    if big {
        b.iter().for_each(|&x| v = (v << 8) | u64::from(x));
    } else {
        b.iter().rev().for_each(|&x| v = (v << 8) | u64::from(x));
    }
    v
}

impl<'a> Image<'a> {
    /// Reads `len` bytes at `off`, if they lie inside the image.
    fn read(&self, off: u64, len: u64) -> Option<Cow<'_, [u8]>> {
        let end = off.checked_add(len)?;
        if end > self.size {
            return None;
        }
        match self.src {
            Source::Mem(m) => Some(Cow::Borrowed(&m[off as usize..end as usize])),
            Source::File(f) => {
                for (p, bytes) in &self.pieces {
                    if off >= *p && end <= p + bytes.len() as u64 {
                        return Some(Cow::Borrowed(&bytes[(off - p) as usize..(end - p) as usize]));
                    }
                }
                let mut buf = vec![0u8; len as usize];
                if f.read_exact_at(&mut buf, off).is_err() {
                    io_failed();
                    return None;
                }
                Some(Cow::Owned(buf))
            }
        }
    }

    fn uint(&self, off: u64, size: u64) -> Option<u64> {
        self.read(off, size).map(|b| uint_of(&b, self.big))
    }

    /// The C string at `off`: up to the first NUL or the end of the image.
    fn cstr(&self, off: u64) -> Cow<'_, [u8]> {
        if off >= self.size {
            return Cow::Borrowed(&[]);
        }
        match self.src {
            Source::Mem(m) => {
                let rest = &m[off as usize..];
                Cow::Borrowed(&rest[..memchr::memchr(0, rest).unwrap_or(rest.len())])
            }
            Source::File(f) => {
                for (p, bytes) in &self.pieces {
                    if off >= *p && off < p + bytes.len() as u64 {
                        let rest = &bytes[(off - p) as usize..];
                        if let Some(n) = memchr::memchr(0, rest) {
                            return Cow::Borrowed(&rest[..n]);
                        }
                    }
                }
                // Runs past what was read: read on until a NUL.
                let mut out = Vec::new();
                let mut at = off;
                let mut chunk = [0u8; 4096];
                while at < self.size {
                    let want = ((self.size - at) as usize).min(chunk.len());
                    if f.read_exact_at(&mut chunk[..want], at).is_err() {
                        io_failed();
                        break;
                    }
                    if let Some(n) = memchr::memchr(0, &chunk[..want]) {
                        out.extend_from_slice(&chunk[..n]);
                        break;
                    }
                    out.extend_from_slice(&chunk[..want]);
                    at += want as u64;
                }
                Cow::Owned(out)
            }
        }
    }

    /// `kmod_elf_new`: the header checks; errno on rejection. `head` is
    /// the file's first `min(size, 64)` bytes; for a file, `window` is
    /// filled with the section table and what precedes it (where the
    /// section name table usually is).
    fn parse(src: Source<'a>, size: u64, head: &[u8], window: &'a mut Vec<u8>) -> Result<Image<'a>, i32> {
        let mut img = Image { src, size, big: false, is64: false, machine: 0, shdrs: Vec::new(), shstrtab: Vec::new(), pieces: Vec::new() };
        if size <= 16 {
            return Err(ENOEXEC);
        }
        if &head[..4] != b"\x7fELF" {
            return Err(ENOEXEC);
        }
        let (ehdr, shdr_size) = match head[4] {
            1 => (52u64, 40u64),
            2 => (64, 64),
            _ => return Err(EINVAL),
        };
        if size <= ehdr {
            return Err(EINVAL);
        }
        img.is64 = head[4] == 2;
        img.big = match head[5] {
            1 => false,
            2 => true,
            _ => return Err(EINVAL),
        };
        let u = |o: usize, n: usize| uint_of(&head[o..o + n], img.big);
        let (shoff, shentsize, shnum, shstrndx, machine) = if img.is64 {
            (u(0x28, 8), u(0x3a, 2), u(0x3c, 2), u(0x3e, 2), u(0x12, 2))
        } else {
            (u(0x20, 4), u(0x2e, 2), u(0x30, 2), u(0x32, 2), u(0x12, 2))
        };
        img.machine = machine as u16;
        if shentsize != shdr_size {
            return Err(EINVAL);
        }
        let table = shdr_size * shnum;
        match table.checked_add(shoff) {
            Some(end) if end <= size => {}
            _ => return Err(EINVAL),
        }
        if let Source::File(f) = img.src {
            // One read for the section table and up to 16 KiB before it.
            let from = shoff.saturating_sub(16384);
            let len = (shoff + table - from) as usize;
            if window.len() < len {
                window.resize(len, 0);
            }
            f.read_exact_at(&mut window[..len], from).map_err(|e| {
                io_failed();
                e.raw_os_error().unwrap_or(EINVAL)
            })?;
            let shared: &'a Vec<u8> = window;
            img.pieces.push((from, &shared[..len]));
        }
        let raw = img.read(shoff, table).ok_or(EINVAL)?.into_owned();
        img.shdrs = raw
            .chunks_exact(shdr_size as usize)
            .map(|s| {
                let g = |o: usize, n: usize| uint_of(&s[o..o + n], img.big);
                if img.is64 {
                    Shdr { name: g(0, 4) as u32, off: g(24, 8), size: g(32, 8) }
                } else {
                    Shdr { name: g(0, 4) as u32, off: g(16, 4), size: g(20, 4) }
                }
            })
            .collect();
        let s = img.section_bounds(shstrndx as usize).ok_or(EINVAL)?;
        let names = img.read(s.off, s.len).ok_or(EINVAL)?.into_owned();
        if names.last() != Some(&0) {
            return Err(EINVAL);
        }
        img.shstrtab = names;
        Ok(img)
    }

    /// A section's data range, if it lies inside the file (index ≥ 1).
    fn section_bounds(&self, i: usize) -> Option<Sec> {
        if i == 0 {
            return None;
        }
        let h = self.shdrs.get(i)?;
        match h.off.checked_add(h.size) {
            Some(end) if end <= self.size => Some(Sec { off: h.off, len: h.size }),
            _ => None,
        }
    }

    /// `kmod_elf_get_section` for each of `names`: the first section
    /// (index ≥ 1) with that name whose data lies inside the file.
    fn find_sections<const N: usize>(&self, names: [&[u8]; N]) -> [Option<Sec>; N] {
        let mut found = [None; N];
        for i in 1..self.shdrs.len() {
            let Some(sec) = self.section_bounds(i) else { continue };
            let off = self.shdrs[i].name as usize;
            if off >= self.shstrtab.len() {
                continue;
            }
            let rest = &self.shstrtab[off..];
            let name = &rest[..memchr::memchr(0, rest).unwrap_or(rest.len())];
            for (k, n) in names.iter().enumerate() {
                if found[k].is_none() && name == *n {
                    found[k] = Some(sec);
                }
            }
        }
        found
    }

    /// Reads the sections' bytes (for file sources) into `scratch`, a
    /// buffer reused from module to module: sections already at hand are
    /// skipped, and sections less than 16 KiB apart are read together.
    fn attach(&mut self, secs: &[Option<Sec>], scratch: &'a mut Vec<u8>) {
        let Source::File(f) = self.src else { return };
        let mut want: Vec<(u64, u64)> = secs
            .iter()
            .flatten()
            .filter(|s| s.len > 0 && !self.pieces.iter().any(|p| s.off >= p.0 && s.off + s.len <= p.0 + p.1.len() as u64))
            .map(|s| (s.off, s.off + s.len))
            .collect();
        want.sort_unstable();
        let mut runs: Vec<(u64, u64)> = Vec::with_capacity(want.len());
        for (a, b) in want {
            match runs.last_mut() {
                Some(last) if a <= last.1.saturating_add(16384) => last.1 = last.1.max(b),
                _ => runs.push((a, b)),
            }
        }
        let total: usize = runs.iter().map(|r| (r.1 - r.0) as usize).sum();
        if scratch.len() < total {
            scratch.resize(total, 0);
        }
        let mut done = Vec::with_capacity(runs.len());
        let mut at = 0usize;
        for (a, b) in runs {
            let len = (b - a) as usize;
            if f.read_exact_at(&mut scratch[at..at + len], a).is_ok() {
                done.push((a, at, len));
            } else {
                io_failed();
            }
            at += len;
        }
        let shared: &'a Vec<u8> = scratch;
        self.pieces.extend(done.into_iter().map(|(off, at, len)| (off, &shared[at..at + len])));
    }

    /// A section's bytes without copying, when they are at hand.
    fn slice(&self, s: Sec) -> Option<&'a [u8]> {
        match self.src {
            Source::Mem(m) => m.get(s.off as usize..(s.off + s.len) as usize),
            Source::File(_) => self
                .pieces
                .iter()
                .find(|p| s.off >= p.0 && s.off + s.len <= p.0 + p.1.len() as u64)
                .map(|p| &p.1[(s.off - p.0) as usize..(s.off - p.0 + s.len) as usize]),
        }
    }

    /// `kmod_elf_resolve_crc`.
    fn resolve_crc(&self, crc: u64, shndx: u16) -> u64 {
        if shndx == SHN_ABS || shndx == SHN_UNDEF {
            return crc;
        }
        let Some(h) = self.shdrs.get(usize::from(shndx)) else { return u64::MAX };
        match h.off.checked_add(h.size) {
            Some(end) if end <= self.size => {}
            _ => return u64::MAX,
        }
        if crc > h.size.wrapping_sub(4) {
            return u64::MAX;
        }
        h.off.checked_add(crc).and_then(|o| self.uint(o, 4)).unwrap_or(u64::MAX)
    }
}

/// Reads everything depmod needs from an accepted image.
fn extract<'a>(mut img: Image<'a>, scratch: &'a mut Vec<u8>, out: &mut Arena) -> Loaded {
    let [symtab, strtab, versions, modinfo, ksymstr, kcrc, kcrc_gpl] = img.find_sections([
        b".symtab",
        b".strtab",
        b"__versions",
        b".modinfo",
        b"__ksymtab_strings",
        b"__kcrctab",
        b"__kcrctab_gpl",
    ]);
    // (__kcrctab*: where the CRC words of `__crc_*` symbols live.)
    img.attach(&[symtab, strtab, versions, modinfo, kcrc, kcrc_gpl], scratch);
    let img = img;
    let info0 = out.info.len() as u32;
    let deps0 = out.deps.len();
    let strings0 = out.strings.len();

    // .modinfo: alias and softdep values, in order.
    if let Some(s) = modinfo {
        if let Some(data) = img.read(s.off, s.len) {
            for e in c_strings(&data) {
                let (kind, value) = if let Some(v) = e.strip_prefix(b"alias=") {
                    (true, v)
                } else if let Some(v) = e.strip_prefix(b"softdep=") {
                    (false, v)
                } else {
                    continue;
                };
                let span = out.push(value);
                out.info.push((kind, span));
            }
        }
    }

    let symlen: u64 = if img.is64 { 24 } else { 16 };
    let crclen: u64 = if img.is64 { 8 } else { 4 };
    let big = img.big;
    let sparc = img.machine == EM_SPARC || img.machine == EM_SPARCV9;

    // One pass over the symbol table serves both the exports (`__crc_*`)
    // and the imports (undefined symbols).
    let exports0 = out.exports.len();
    let mut crcs = 0usize;
    let mut exports_ok = false;
    let mut deps_result: Result<(), i32> = Err(EINVAL);
    if let (Some(st), Some(sy)) = (strtab, symtab) {
        if sy.len % symlen == 0 {
            let table = img.read(sy.off, sy.len).unwrap_or_default();
            let strs: &[u8] = img.slice(st).unwrap_or(&[]);
            // The C string at strtab offset `o`, from the section when it
            // ends there, else from the image.
            let name_at = |o: u64| -> Cow<'_, [u8]> {
                if let Some(rest) = strs.get(o as usize..) {
                    if let Some(n) = memchr::memchr(0, rest) {
                        return Cow::Borrowed(&rest[..n]);
                    }
                }
                img.cstr(st.off + o)
            };
            // __versions: names and the first entry of each name.
            let vers = versions.filter(|v| v.len % 64 == 0);
            let vercount = vers.map_or(0, |v| (v.len / 64) as usize);
            let ver_names: Vec<Cow<'_, [u8]>> = match vers {
                Some(v) => (0..vercount).map(|j| img.cstr(v.off + j as u64 * 64 + crclen)).collect(),
                None => Vec::new(),
            };
            let mut first: HashMap<&[u8], usize, super::FxBuild> = HashMap::with_capacity_and_hasher(vercount, Default::default());
            for (j, n) in ver_names.iter().enumerate() {
                first.entry(&n[..]).or_insert(j);
            }
            let mut visited = vec![false; vercount];
            let ver_crc = |j: usize| vers.and_then(|v| img.uint(v.off + j as u64 * 64, crclen)).unwrap_or(u64::MAX);
            let mut names_ok = true;
            let mut deps_ok = true;
            for e in table.chunks_exact(symlen as usize).skip(1) {
                let g = |o: usize, n: usize| uint_of(&e[o..o + n], big);
                let (name_off, value, info, shndx) = if img.is64 {
                    (g(0, 4), g(8, 8), e[4], g(6, 2) as u16)
                } else {
                    (g(0, 4), g(4, 4), e[12], g(14, 2) as u16)
                };
                let valid = name_off < st.len;
                names_ok &= valid;
                let at = st.off + name_off;
                if valid && names_ok {
                    // strncmp(name, "__crc_", 6) == 0
                    let crc_name = match strs.get(name_off as usize..) {
                        Some(r) if r.len() >= 6 => r.starts_with(b"__crc_"),
                        _ => img.read(at, 6).is_some_and(|p| &p[..] == b"__crc_"),
                    };
                    if crc_name {
                        let name = name_at(name_off + 6);
                        let span = out.push(&name);
                        out.exports.push((span, img.resolve_crc(value, shndx)));
                        crcs += 1;
                    }
                }
                if shndx != SHN_UNDEF || !deps_ok {
                    continue;
                }
                if sparc && info & 0xf == STT_REGISTER {
                    continue;
                }
                if !valid {
                    deps_ok = false;
                    continue;
                }
                let name = name_at(name_off);
                if name.is_empty() {
                    continue;
                }
                let mut crc = 0;
                if let Some(&j) = first.get(&name[..]) {
                    crc = ver_crc(j);
                    visited[j] = true;
                }
                let span = out.push(&name);
                out.deps.push((span, crc, info >> 4 == STB_WEAK));
            }
            if deps_ok {
                for j in (0..vercount).filter(|&j| !visited[j]) {
                    let span = out.push(&ver_names[j]);
                    out.deps.push((span, ver_crc(j), false));
                }
                deps_result = Ok(());
            }
            exports_ok = names_ok && crcs > 0;
        }
    }
    if deps_result.is_err() {
        out.deps.truncate(deps0);
    }
    let exports = if exports_ok {
        Ok((exports0 as u32, out.exports.len() as u32))
    } else {
        out.exports.truncate(exports0);
        // Fallback: the NUL-separated names of __ksymtab_strings (CRC 0).
        match ksymstr.and_then(|s| img.read(s.off, s.len)) {
            None => Err(ENOENT),
            Some(data) => {
                for name in c_strings(&data) {
                    let span = out.push(name);
                    out.exports.push((span, 0));
                }
                Ok((exports0 as u32, out.exports.len() as u32))
            }
        }
    };
    let _ = strings0;
    Loaded { exports, info: (info0, out.info.len() as u32), deps: (deps0 as u32, out.deps.len() as u32) }
}

impl Worker {
    /// Reads a module as depmod does: a file that cannot be opened,
    /// decompressed or parsed as ELF gives `exports: Err(errno)` and
    /// nothing else. `size` is the file's size when already known (from
    /// the `stat` of module discovery).
    pub fn load(&mut self, path: &Path, size: Option<u64>) -> Loaded {
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) => return Loaded::failed(e.raw_os_error().unwrap_or(EINVAL)),
        };
        let size = match size {
            Some(s) => s,
            None => match f.metadata() {
                Ok(m) => m.len(),
                Err(e) => return Loaded::failed(e.raw_os_error().unwrap_or(EINVAL)),
            },
        };
        self.load_file(&f, size, None).0
    }

    /// [`Worker::load`] through the incremental cache `c`: an entry whose
    /// key still holds (or, for a compressed file, whose content hash
    /// does) gives the facts without decompressing or parsing. With
    /// `c.write`, the module's entry for the next cache is appended to
    /// `out` (and `count` incremented) unless a read failed.
    pub fn load_cached(&mut self, path: &Path, c: &CacheUse<'_>, out: &mut Vec<u8>, count: &mut usize) -> Loaded {
        use std::os::unix::ffi::OsStrExt;
        let pb = path.as_os_str().as_bytes();
        let old = c.cache.get(pb);
        // A hit costs one stat by path (the file is opened only on a miss),
        // of a regular file whose mode lets everyone read it (a file that
        // would fail to open must fail as it does without the cache).
        if let Some(e) = old {
            if let Ok(m) = std::fs::metadata(path) {
                use std::os::unix::fs::MetadataExt;
                let key = cache::Key::of(&m);
                if m.is_file() && m.mode() & 0o444 == 0o444 && cache::key_hit(e, &key) {
                    if let Some(l) = c.cache.facts(e, &mut self.arena) {
                        self.stats[0] += 1;
                        if c.write {
                            cache::encode_entry(out, pb, &key, c.start, e.hash, c.cache.raw_facts(e));
                            *count += 1;
                        }
                        return l;
                    }
                }
            }
        }
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) => return Loaded::failed(e.raw_os_error().unwrap_or(EINVAL)),
        };
        let key = match f.metadata() {
            Ok(m) => cache::Key::of(&m),
            Err(e) => return Loaded::failed(e.raw_os_error().unwrap_or(EINVAL)),
        };
        IO_FAILED.with(|x| x.set(false));
        let verify = old.filter(|e| e.hash.is_some() && e.key.size == key.size).map(|e| (c.cache, e));
        let before = self.stats[1];
        let (l, hash) = self.load_file(&f, key.size, verify);
        if self.stats[1] == before {
            self.stats[2] += 1;
        }
        if c.write && !IO_FAILED.with(|x| x.get()) {
            let mut facts = std::mem::take(&mut self.facts);
            facts.clear();
            cache::encode_facts(&self.arena, &l, &mut facts);
            cache::encode_entry(out, pb, &key, c.start, hash, &facts);
            self.facts = facts;
            *count += 1;
        }
        l
    }

    /// Reads an open module file of `size` bytes. For a compressed file,
    /// also returns the xxh3-64 hash of its bytes; when `verify` names a
    /// cache entry with that hash, its facts are used instead of
    /// decompressing.
    fn load_file(&mut self, f: &File, size: u64, verify: Option<(&cache::Cache, &cache::Entry)>) -> (Loaded, Option<u64>) {
        let failed = |e: std::io::Error| {
            io_failed();
            (Loaded::failed(e.raw_os_error().unwrap_or(EINVAL)), None)
        };
        // The first bytes: the compression magic and the ELF header.
        let mut head = [0u8; 64];
        let want = size.min(64) as usize;
        let mut got = 0;
        while got < want {
            match f.read_at(&mut head[got..want], got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return failed(e),
            }
        }
        if got < want {
            io_failed();
        }
        if got < want || got < 6 {
            return (Loaded::failed(EINVAL), None);
        }
        if detect(&head[..6]) != Compression::None {
            let mut raw = Vec::with_capacity(size as usize + 1);
            if let Err(e) = { let mut r = f; r.read_to_end(&mut raw) } {
                return failed(e);
            }
            if raw.len() as u64 != size {
                io_failed();
            }
            let hash = xxhash_rust::xxh3::xxh3_64(&raw);
            if let Some((c, e)) = verify {
                if e.hash == Some(hash) {
                    if let Some(l) = c.facts(e, &mut self.arena) {
                        self.stats[1] += 1;
                        return (l, Some(hash));
                    }
                }
            }
            let l = match ModuleImage::from_vec(raw) {
                Ok(img) => self.load_image(&img),
                Err(e) => Loaded::failed(e.errno()),
            };
            return (l, Some(hash));
        }
        let Worker { arena, scratch, window, .. } = self;
        let l = match Image::parse(Source::File(f), size, &head[..want], window) {
            Ok(img) => extract(img, scratch, arena),
            Err(e) => Loaded::failed(e),
        };
        (l, None)
    }

    /// [`Worker::load`] for an image already in memory (decompressed).
    pub fn load_image(&mut self, data: &[u8]) -> Loaded {
        let mut unused = Vec::new();
        let mut unused2 = Vec::new();
        let head = &data[..data.len().min(64)];
        match Image::parse(Source::Mem(data), data.len() as u64, head, &mut unused2) {
            Ok(img) => extract(img, &mut unused, &mut self.arena),
            Err(e) => Loaded::failed(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader accepts exactly what kofile's libkmod-rules parser
    /// accepts, on a few mutations of a real-looking header.
    #[test]
    fn header_rules_match_kofile() {
        let mut v = vec![0u8; 64];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = 2;
        v[5] = 1;
        let shstr = b"\0.shstrtab\0.modinfo\0";
        let shstr_off = v.len() as u64;
        v.extend_from_slice(shstr);
        let mi_off = v.len() as u64;
        v.extend_from_slice(b"alias=a-b\0softdep=pre: x\0license=GPL\0");
        while v.len() & 7 != 0 {
            v.push(0);
        }
        let shoff = v.len() as u64;
        v.extend_from_slice(&[0u8; 64]);
        for (name, off, len) in [(1u32, shstr_off, shstr.len() as u64), (11, mi_off, 36)] {
            let mut sh = [0u8; 64];
            sh[0..4].copy_from_slice(&name.to_le_bytes());
            sh[24..32].copy_from_slice(&off.to_le_bytes());
            sh[32..40].copy_from_slice(&len.to_le_bytes());
            v.extend_from_slice(&sh);
        }
        v[40..48].copy_from_slice(&shoff.to_le_bytes());
        v[58..60].copy_from_slice(&64u16.to_le_bytes());
        v[60..62].copy_from_slice(&3u16.to_le_bytes());
        v[62..64].copy_from_slice(&1u16.to_le_bytes());
        let mut w = Worker::default();
        let l = w.load_image(&v);
        assert_eq!(l.exports, Err(ENOENT));
        let info: Vec<(bool, &[u8])> = w.arena.info[l.info.0 as usize..l.info.1 as usize].iter().map(|&(k, s)| (k, w.arena.get(s))).collect();
        assert_eq!(info, vec![(true, &b"a-b"[..]), (false, b"pre: x")]);
        for i in 0..v.len() {
            for x in [0u8, 0xff, 0x40, 1] {
                let mut m = v.clone();
                m[i] = x;
                let ours = Image::parse(Source::Mem(&m), m.len() as u64, &m[..m.len().min(64)], &mut Vec::new()).err();
                let theirs = kofile::Elf::parse(&m).err().map(|e| e.errno());
                assert_eq!(ours, theirs, "byte {i} = {x:#x}");
                let _ = w.load_image(&m);
            }
        }
        for n in 0..v.len() {
            let ours = Image::parse(Source::Mem(&v[..n]), n as u64, &v[..n.min(64)], &mut Vec::new()).err();
            let theirs = kofile::Elf::parse(&v[..n]).err().map(|e| e.errno());
            assert_eq!(ours, theirs, "length {n}");
            let _ = w.load_image(&v[..n]);
        }
    }

    /// Random mutations of real modules (from the fixture tree, when
    /// there) never make the reader panic, from memory or from a file.
    #[test]
    fn string_split_matches_kofile() {
        let cases: [&[u8]; 9] = [b"", b"\0", b"\0\0a", b"a", b"ab", b"\0ab\0\0c", b"a=b\0c\0", b"\0\0\0x=1\0\0y", b"k\0\0\0"];
        for c in cases {
            let ours: Vec<&[u8]> = c_strings(c).collect();
            let theirs: Vec<&[u8]> = kofile::modinfo::strings(c).collect();
            assert_eq!(ours, theirs, "{c:?}");
        }
    }

    #[test]
    fn mutations_do_not_panic() {
        let cache = std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into());
        let env = std::fs::read_to_string(Path::new(&cache).join("fixtures/current/env")).unwrap_or_default();
        let get = |k: &str| env.lines().find_map(|l| l.strip_prefix(k)?.strip_prefix('=')).map(|v| v.trim().to_string());
        let mut samples = Vec::new();
        for (root, rel, name) in [("AMD64_ROOT", "RELEASE", "kernel/lib/libcrc32c.ko"), ("S390X_ROOT", "S390X_RELEASE", "kernel/lib/libcrc32c.ko"), ("I386_ROOT", "I386_RELEASE", "kernel/lib/libcrc32c.ko")] {
            if let (Some(r), Some(v)) = (get(root), get(rel)) {
                if let Ok(d) = std::fs::read(Path::new(&r).join("lib/modules").join(v).join(name)) {
                    samples.push(d);
                }
            }
        }
        if samples.is_empty() {
            eprintln!("note: no fixture modules; mutating a synthetic header only");
            return;
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let dir = std::env::temp_dir().join(format!("depmod-elf-mut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut w = Worker::default();
        for round in 0..3000 {
            let base = &samples[round % samples.len()];
            let mut m = base.clone();
            for _ in 0..1 + rnd() % 8 {
                let i = (rnd() % m.len() as u64) as usize;
                m[i] = rnd() as u8;
            }
            // Aim at the section table and the ELF header too.
            if round % 3 == 0 {
                let i = (m.len() - 1 - (rnd() % 4096.min(m.len() as u64)) as usize).min(m.len() - 1);
                m[i] ^= 1 << (rnd() % 8);
            }
            if round % 7 == 0 {
                let n = (rnd() % m.len() as u64) as usize;
                m.truncate(n);
            }
            let _ = w.load_image(&m);
            if round % 10 == 0 {
                let f = dir.join("m.ko");
                std::fs::write(&f, &m).unwrap();
                let _ = w.load(&f, None);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

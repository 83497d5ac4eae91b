//! The ten files depmod writes (kmod 30's `depmod_output` and its
//! generators), and writing them atomically.

use std::io::Write;

use modindex::IndexWriter;

use super::log::{cat, prio, strerror, Fatal, Log};
use super::text::{fgets_chunks, scan_major_minor};
use super::Depmod;

/// The output files, in the order depmod writes them.
pub const FILES: [&str; 10] = [
    "modules.dep",
    "modules.dep.bin",
    "modules.alias",
    "modules.alias.bin",
    "modules.softdep",
    "modules.symbols",
    "modules.symbols.bin",
    "modules.builtin.bin",
    "modules.builtin.alias.bin",
    "modules.devname",
];

/// What a generator produced: the file's bytes and the messages it printed
/// (each with the length of the output written before it).
#[derive(Debug, Default)]
pub struct Generated {
    pub bytes: Vec<u8>,
    pub msgs: Vec<(usize, i32, Vec<u8>)>,
    /// The generator failed (errno): the file is not installed.
    pub error: Option<i32>,
}

impl Generated {
    fn msg(&mut self, p: i32, text: Vec<u8>) {
        self.msgs.push((self.bytes.len(), p, text));
    }

    /// The index's bytes become the output. The writer's memory is left
    /// to the end of the process (freeing tens of thousands of entries one
    /// by one costs more than building them).
    fn index(&mut self, w: IndexWriter) {
        match w.to_bytes() {
            Ok(b) => self.bytes = b,
            Err(_) => self.error = Some(crate::errno::EINVAL),
        }
        std::mem::forget(w);
    }
}

/// kmod's `alias_normalize` on bytes: `-` becomes `_` outside `[...]`; a
/// stray `]` or unterminated `[` is an error; at most 4095 bytes are read
/// outside brackets.
pub fn alias_normalize(a: &[u8]) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(a.len());
    let mut i = 0;
    while i < 4095 {
        let c = a.get(i).copied().unwrap_or(0);
        match c {
            0 => break,
            b'-' => buf.push(b'_'),
            b']' => return None,
            b'[' => {
                while i < a.len() && a[i] != b']' {
                    buf.push(a[i]);
                    i += 1;
                }
                if i >= a.len() {
                    return None;
                }
                buf.push(b']');
            }
            c => buf.push(c),
        }
        i += 1;
    }
    Some(buf)
}

/// kmod's `modname_normalize` on bytes.
pub fn modname_normalize(s: &[u8]) -> Vec<u8> {
    s.iter().take(4095).take_while(|&&c| c != b'.' && c != 0).map(|&c| if c == b'-' { b'_' } else { c }).collect()
}

/// Inserts into an index; a non-ASCII entry is skipped with a warning
/// (kmod 30 writes it, and corrupts its trie when a node must branch on
/// such a byte). Returns whether the value was a duplicate.
fn insert(g: &mut Generated, w: &mut IndexWriter, file: &str, key: &[u8], value: &[u8], p: u32) -> bool {
    match w.insert(key, value, p) {
        Ok(dup) => dup,
        Err(_) => {
            g.msg(prio::WARNING, cat(&[file.as_bytes(), b": skipping an entry that is not 7-bit ASCII: ", key, b" ", value, b"\n"]));
            false
        }
    }
}

impl Depmod {
    /// Each module's line of modules.dep, without the newline.
    fn dep_lines(&self) -> Vec<Vec<u8>> {
        let n = self.mods.len();
        let mut seen = vec![usize::MAX; n];
        let mut lines = Vec::with_capacity(n);
        let mut all: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        for (i, m) in self.mods.iter().enumerate() {
            let mut line = m.out_path().to_vec();
            line.push(b':');
            all.clear();
            stack.clear();
            stack.extend(m.deps.iter().rev());
            while let Some(d) = stack.pop() {
                if seen[d] == i {
                    continue;
                }
                seen[d] = i;
                all.push(d);
                stack.extend(self.mods[d].deps.iter().rev());
            }
            all.sort_unstable_by_key(|&d| self.mods[d].topo);
            for &d in &all {
                line.push(b' ');
                line.extend_from_slice(self.mods[d].out_path());
            }
            lines.push(line);
        }
        lines
    }

    fn gen_dep(&self, lines: &[Vec<u8>]) -> Generated {
        let mut g = Generated::default();
        for l in lines {
            g.bytes.extend_from_slice(l);
            g.bytes.push(b'\n');
        }
        g
    }

    fn gen_dep_bin(&self, lines: &[Vec<u8>]) -> Generated {
        let mut g = Generated::default();
        let mut w = IndexWriter::new();
        for (m, l) in self.mods.iter().zip(lines) {
            if insert(&mut g, &mut w, "modules.dep.bin", &m.name, l, m.idx as u32) && self.cfg.warn_dups {
                g.msg(prio::WARNING, cat(&[b"duplicate module deps:\n", l, b"\n"]));
            }
        }
        g.index(w);
        g
    }

    fn gen_alias(&self) -> Generated {
        let mut g = Generated::default();
        g.bytes.extend_from_slice(b"# Aliases extracted from modules themselves.\n");
        for m in &self.mods {
            for v in self.infos(m, true) {
                g.bytes.extend_from_slice(&cat(&[b"alias ", v, b" ", &m.name, b"\n"]));
            }
        }
        g
    }

    fn gen_alias_bin(&self) -> Generated {
        let mut g = Generated::default();
        let mut w = IndexWriter::new();
        for m in &self.mods {
            for v in self.infos(m, true) {
                let Some(alias) = alias_normalize(v) else {
                    g.msg(prio::WARNING, cat(&[b"Unmatched bracket in ", v, b"\n"]));
                    continue;
                };
                if insert(&mut g, &mut w, "modules.alias.bin", &alias, &m.name, m.idx as u32) && self.cfg.warn_dups {
                    g.msg(prio::WARNING, cat(&[b"duplicate module alias:\n", &alias, b" ", &m.name, b"\n"]));
                }
            }
        }
        g.index(w);
        g
    }

    fn gen_softdep(&self) -> Generated {
        let mut g = Generated::default();
        g.bytes.extend_from_slice(b"# Soft dependencies extracted from modules themselves.\n");
        for m in &self.mods {
            for v in self.infos(m, false) {
                g.bytes.extend_from_slice(&cat(&[b"softdep ", &m.name, b" ", v, b"\n"]));
            }
        }
        g
    }

    fn gen_symbols(&self, owned: &[(&[u8], usize)]) -> Generated {
        let mut g = Generated::default();
        g.bytes.extend_from_slice(b"# Aliases for symbols, used by symbol_request().\n");
        for &(name, owner) in owned {
            g.bytes.extend_from_slice(&cat(&[b"alias symbol:", name, b" ", &self.mods[owner].name, b"\n"]));
        }
        g
    }

    fn gen_symbols_bin(&self, owned: &[(&[u8], usize)]) -> Generated {
        let mut g = Generated::default();
        let mut w = IndexWriter::new();
        // kmod builds the key in a 1024-byte stack buffer; a longer one goes
        // to a heap copy that is never used, so from the first such symbol
        // on, every key is the last one that fitted.
        let mut key: Vec<u8> = b"symbol:".to_vec();
        let mut spilled = false;
        for &(name, owner) in owned {
            if !spilled && 7 + name.len() < 1024 {
                key.truncate(7);
                key.extend_from_slice(name);
            } else {
                spilled = true;
            }
            let m = &self.mods[owner];
            if insert(&mut g, &mut w, "modules.symbols.bin", &key, &m.name, m.idx as u32) && self.cfg.warn_dups {
                g.msg(prio::WARNING, cat(&[b"duplicate module syms:\n", &key, b" ", &m.name, b"\n"]));
            }
        }
        g.index(w);
        g
    }

    /// depmod's `dfdopen(dirname, name)`: the file's contents, or the
    /// warnings it prints when it cannot be opened.
    fn read_input(&self, name: &str, g: &mut Generated) -> Option<Vec<u8>> {
        match read_in_dir(&self.cfg.dirname, name) {
            Ok(d) => Some(d),
            Err(msg) => {
                g.msg(prio::WARNING, msg);
                None
            }
        }
    }

    fn gen_builtin_bin(&self) -> Generated {
        let mut g = Generated::default();
        let Some(data) = self.read_input("modules.builtin", &mut g) else { return g };
        let mut w = IndexWriter::new();
        let mut modname: Vec<u8> = Vec::new();
        for chunk in fgets_chunks(&data, 4096) {
            let line = super::text::c_str(chunk);
            if !line.first().is_some_and(|c| c.is_ascii_alphabetic()) {
                g.msg(prio::ERR, cat(&[b"Invalid modules.builtin line: ", line, b"\n"]));
                continue;
            }
            // path_to_modname: the basename (GNU), normalised; an empty
            // basename leaves the previous name in the buffer.
            let base = match line.iter().rposition(|&b| b == b'/') {
                Some(i) => &line[i + 1..],
                None => line,
            };
            if !base.is_empty() {
                modname = modname_normalize(base);
            }
            insert(&mut g, &mut w, "modules.builtin.bin", &modname, b"", 0);
        }
        g.index(w);
        g
    }

    fn gen_builtin_alias_bin(&self) -> Generated {
        let mut g = Generated::default();
        let Some(data) = self.read_input("modules.builtin.modinfo", &mut g) else { return g };
        let mut w = IndexWriter::new();
        let mut s = Stream { data: &data, pos: 0 };
        while !s.eof() {
            let Some(modname) = s.flush_to(b'.', &mut g) else { continue };
            let key = s.flush_to(b'=', &mut g);
            if key.as_deref() != Some(b"alias") {
                s.skip_to_nul();
                continue;
            }
            let Some(value) = s.flush_to(0, &mut g) else { continue };
            let Some(alias) = alias_normalize(&value) else {
                g.msg(prio::WARNING, cat(&[b"Unmatched bracket in ", &value, b"\n"]));
                continue;
            };
            insert(&mut g, &mut w, "modules.builtin.alias.bin", &alias, &modname, 0);
        }
        g.index(w);
        g
    }

    fn gen_devname(&self) -> Generated {
        let mut g = Generated::default();
        for m in &self.mods {
            let mut devname: Option<&[u8]> = None;
            let mut dev: Option<(u8, u32, u32)> = None;
            for v in self.infos(m, true) {
                if let Some(d) = v.strip_prefix(b"devname:") {
                    devname = Some(d);
                } else if let Some((a, b)) = scan_major_minor(v, b"char-major-") {
                    dev = Some((b'c', a, b));
                } else if let Some((a, b)) = scan_major_minor(v, b"block-major-") {
                    dev = Some((b'b', a, b));
                }
                if dev.is_some() && devname.is_some() {
                    break;
                }
            }
            let Some(name) = devname else { continue };
            match dev {
                Some((t, a, b)) => {
                    if g.bytes.is_empty() {
                        g.bytes.extend_from_slice(b"# Device nodes to trigger on-demand module loading.\n");
                    }
                    g.bytes.extend_from_slice(&cat(&[&m.name, b" ", name, b" ", &[t], format!("{a}:{b}\n").as_bytes()]));
                }
                None => g.msg(
                    prio::ERR,
                    cat(&[b"Module '", &m.name, b"' has devname (", name, b") but lacks major and minor information. Ignoring.\n"]),
                ),
            }
        }
        g
    }

    /// Runs the generators of `which` (indexes into [`FILES`]) on two
    /// threads, returning their results in the same order.
    fn generate(&self, which: &[usize]) -> Vec<Generated> {
        let mut owned: Vec<(&[u8], usize)> = self.symbols.iter().filter_map(|(k, s)| s.owner.map(|o| (&**k, o))).collect();
        super::hash::sort_in_table_order(&mut owned, 2048, |x| x.0);
        let lines = if which.contains(&0) || which.contains(&1) { self.dep_lines() } else { Vec::new() };
        let run = |i: usize| -> Generated {
            match i {
                0 => self.gen_dep(&lines),
                1 => self.gen_dep_bin(&lines),
                2 => self.gen_alias(),
                3 => self.gen_alias_bin(),
                4 => self.gen_softdep(),
                5 => self.gen_symbols(&owned),
                6 => self.gen_symbols_bin(&owned),
                7 => self.gen_builtin_bin(),
                8 => self.gen_builtin_alias_bin(),
                _ => self.gen_devname(),
            }
        };
        // The two index builds that cost most go to the helper thread.
        let heavy: Vec<usize> = which.iter().copied().filter(|&i| i == 3 || i == 6).collect();
        let rest: Vec<usize> = which.iter().copied().filter(|i| !heavy.contains(i)).collect();
        let (mut a, b) = std::thread::scope(|s| {
            let h = s.spawn(|| heavy.iter().map(|&i| (i, run(i))).collect::<Vec<_>>());
            let b: Vec<(usize, Generated)> = rest.iter().map(|&i| (i, run(i))).collect();
            (h.join().expect("generator thread"), b)
        });
        a.extend(b);
        which.iter().map(|&i| a.iter().position(|x| x.0 == i).map(|p| std::mem::take(&mut a[p].1)).unwrap_or_default()).collect()
    }

    /// `depmod -n`: the text files, concatenated on `out`.
    pub(super) fn output_stdout(&self, out: &mut dyn Write, log: &mut Log<'_>) -> std::io::Result<()> {
        let which = [0, 2, 4, 5, 9];
        for g in self.generate(&which) {
            let mut at = 0;
            for (off, p, text) in &g.msgs {
                out.write_all(&g.bytes[at..*off])?;
                at = *off;
                log.msg(*p, text);
            }
            out.write_all(&g.bytes[at..])?;
        }
        Ok(())
    }

    /// Writes the ten files into the module directory, each through a
    /// temporary file renamed over the final name. Returns whether all
    /// went well (kmod's exit status).
    pub(super) fn output_files(&self, log: &mut Log<'_>) -> Result<bool, Fatal> {
        let dname = &self.cfg.dirname;
        let dir = match open_dir(dname) {
            Ok(fd) => fd,
            Err(e) => return Err(log.fatal(&cat(&[b"could not open directory ", dname, b": ", strerror(e).as_bytes(), b"\n"]))),
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let pid = std::process::id();
        let all: Vec<usize> = (0..FILES.len()).collect();
        let gens = self.generate(&all);
        let mut ok = true;
        for (name, g) in FILES.iter().zip(gens) {
            let tmp = format!("{name}.{pid}.{}.{}", now.subsec_micros(), now.as_secs());
            let file = match dir.create(&tmp) {
                Ok(f) => f,
                Err(e) => {
                    log.err(&cat(&[b"openat(", dname, format!(", {tmp}, 301, 644): {}\n", strerror(e)).as_bytes()]));
                    continue;
                }
            };
            for (_, p, text) in &g.msgs {
                log.msg(*p, text);
            }
            let mut file = file;
            let write_failed = file.write_all(&g.bytes).is_err();
            let close_failed = close_file(file);
            if let Some(e) = g.error {
                if let Err(ue) = dir.unlink(&tmp) {
                    log.err(&cat(&[b"unlinkat(", dname, format!(", {tmp}): {}\n", strerror(ue)).as_bytes()]));
                }
                log.err(format!("Could not write index '{name}': {}\n", strerror(e)).as_bytes());
                ok = false;
                break;
            }
            if let Err(e) = dir.rename(&tmp, name) {
                return Err(log.fatal(&cat(&[b"renameat(", dname, b", ", tmp.as_bytes(), b", ", dname, format!(", {name}): {}\n", strerror(e)).as_bytes()])));
            }
            if write_failed || close_failed {
                log.err(format!("Could not create index '{name}'. Output is truncated: {}\n", strerror(libc::ENOSPC)).as_bytes());
                ok = false;
                break;
            }
        }
        Ok(ok)
    }
}

fn close_file(f: std::fs::File) -> bool {
    use std::os::fd::IntoRawFd;
    let fd = f.into_raw_fd();
    // SAFETY: closing the descriptor we own.
    unsafe { libc::close(fd) != 0 }
}

/// The module directory, open for `*at()` calls.
struct DirFd(i32);

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

fn cpath(b: &[u8]) -> std::ffi::CString {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    std::ffi::CString::new(&b[..end]).expect("no NUL")
}

fn open_dir(path: &[u8]) -> Result<DirFd, i32> {
    let c = cpath(path);
    // SAFETY: valid string.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        Err(errno())
    } else {
        Ok(DirFd(fd))
    }
}

impl DirFd {
    fn create(&self, name: &str) -> Result<std::fs::File, i32> {
        use std::os::fd::FromRawFd;
        let c = cpath(name.as_bytes());
        // SAFETY: valid fd and string.
        let fd = unsafe { libc::openat(self.0, c.as_ptr(), libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC, 0o644) };
        if fd < 0 {
            Err(errno())
        } else {
            // SAFETY: a fresh descriptor we own.
            Ok(unsafe { std::fs::File::from_raw_fd(fd) })
        }
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), i32> {
        let (a, b) = (cpath(from.as_bytes()), cpath(to.as_bytes()));
        // SAFETY: valid fd and strings.
        if unsafe { libc::renameat(self.0, a.as_ptr(), self.0, b.as_ptr()) } != 0 {
            Err(errno())
        } else {
            Ok(())
        }
    }

    fn unlink(&self, name: &str) -> Result<(), i32> {
        let c = cpath(name.as_bytes());
        // SAFETY: valid fd and string.
        if unsafe { libc::unlinkat(self.0, c.as_ptr(), 0) } != 0 {
            Err(errno())
        } else {
            Ok(())
        }
    }
}

impl Drop for DirFd {
    fn drop(&mut self) {
        // SAFETY: closing the descriptor we own.
        unsafe { libc::close(self.0) };
    }
}

/// depmod's `dfdopen(dirname, name, O_RDONLY)` and read: the contents, or
/// the warning text when the directory or the file cannot be opened.
pub fn read_in_dir(dirname: &[u8], name: &str) -> Result<Vec<u8>, Vec<u8>> {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let dir = open_dir(dirname).map_err(|e| cat(&[b"could not open directory ", dirname, b": ", strerror(e).as_bytes(), b"\n"]))?;
    let c = cpath(name.as_bytes());
    // SAFETY: valid fd and string.
    let fd = unsafe { libc::openat(dir.0, c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        let e = errno();
        return Err(cat(&[b"could not open ", name.as_bytes(), b" at ", dirname, b": ", strerror(e).as_bytes(), b"\n"]));
    }
    // SAFETY: a fresh descriptor we own.
    let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
    let mut data = Vec::new();
    let _ = f.read_to_end(&mut data);
    Ok(data)
}

/// `fgetc` over a buffer, with depmod's `flush_stream*` helpers.
struct Stream<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Stream<'_> {
    fn getc(&mut self) -> Option<u8> {
        let c = self.data.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        } else {
            // feof is set once a read hits the end.
            self.pos = self.data.len() + 1;
        }
        c
    }

    fn eof(&self) -> bool {
        self.pos > self.data.len()
    }

    /// `flush_stream_to(in, end, dst, PATH_MAX)`: the bytes before `end`
    /// (`None` when the text stopped at the end of the file, a NUL or the
    /// buffer size instead, or was empty).
    fn flush_to(&mut self, end: u8, g: &mut Generated) -> Option<Vec<u8>> {
        const SZ: usize = 4096;
        let mut dst = Vec::new();
        let mut c;
        loop {
            c = self.getc();
            match c {
                None => break,
                Some(x) if x == end || x == 0 => break,
                Some(_) if dst.len() >= SZ => break,
                Some(x) => dst.push(x),
            }
        }
        if dst.len() == SZ {
            g.msg(prio::WARNING, cat(&[b"Could not flush stream: 28. Partial content: ", super::text::c_str(&dst), b"\n"]));
            dst.pop();
        }
        if c == Some(end) && !dst.is_empty() {
            Some(dst)
        } else {
            None
        }
    }

    /// `flush_stream(in, '\0')`.
    fn skip_to_nul(&mut self) {
        while let Some(c) = self.getc() {
            if c == 0 {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases() {
        assert_eq!(alias_normalize(b"pci:v-[a-b]d*").unwrap(), b"pci:v_[a-b]d*");
        assert_eq!(alias_normalize(b"a]b"), None);
        assert_eq!(alias_normalize(b"a[b"), None);
        assert_eq!(modname_normalize(b"snd-timer.ko.xz"), b"snd_timer");
    }
}

//! The incremental depmod cache: what depmod read from each module file
//! (its exports with CRCs or the errno that stopped them, its `alias=` and
//! `softdep=` values, its imported symbols with CRCs and weakness), keyed by
//! the file's identity, so that a run after a package added or replaced a
//! few modules reads only those.
//!
//! # Where
//! One file per module directory: `<dir>/<xxh3 of the module directory's
//! absolute path, hex>.cache`, with `<dir>` = `$MODHOST_DEPMOD_CACHE` when set
//! (empty or `off`: no cache), else `/var/cache/modhost/depmod` (the FHS's
//! place for an application's cache, which may be deleted at any time). The
//! module directory itself is never written to beyond depmod's ten files.
//!
//! # When an entry is used
//! An entry is keyed by the absolute path and the file's `st_dev`,
//! `st_ino`, `st_size`, `st_mtime` and `st_ctime` (nanoseconds), taken with
//! `fstat` on the descriptor the module is read from. Replacing a file
//! (rename, `cp`, a package upgrade) changes its inode or its ctime, which
//! no program can set, also when size and mtime are made equal. An entry
//! whose mtime or ctime was within [`RACY_SECS`] of the run that wrote it is
//! *racy* (a change in the same timestamp tick would not show) and is not
//! trusted on its key alone. Where the key or the racy flag does not allow
//! a hit, a compressed file's bytes are hashed (xxh3-64, far cheaper than
//! decompressing) and compared with the entry's hash; an uncompressed file
//! is read again, which costs about as much as hashing it.
//!
//! # Robustness
//! The file starts with a magic, a format version and the writing crate's
//! version, names the module directory, and ends with an xxh3-64 checksum of
//! everything before it; any mismatch, truncation, or malformed entry makes
//! the whole cache ignored (a full run). It is only read when it belongs to
//! the effective user and is not writable by group or others. It is written
//! to a temporary file and renamed into place, only by full runs (`-a` or no
//! file operands, not `-n`); failures to write it are silent. The outputs
//! never depend on whether an entry came from the cache: a hit reproduces
//! exactly what reading the file gave.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::elf::{Arena, Loaded};
use super::FxBuild;

const MAGIC: &[u8; 16] = b"modhost-depmod\0\x01";
/// Bump when the entry layout or what the reader extracts changes.
const FORMAT: u32 = 1;
/// Modifications this close to (or after) the run that wrote an entry make
/// it racy: verified by content next time.
pub const RACY_SECS: i64 = 2;

/// A file's identity as seen by `fstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: (i64, u32),
    pub ctime: (i64, u32),
}

impl Key {
    pub fn of(m: &std::fs::Metadata) -> Key {
        Key {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec() as u32),
            ctime: (m.ctime(), m.ctime_nsec() as u32),
        }
    }

    /// Whether a change could hide from this key, for a run started at
    /// `start` (nanoseconds since the epoch).
    fn racy(&self, start: i128) -> bool {
        let ns = |t: (i64, u32)| i128::from(t.0) * 1_000_000_000 + i128::from(t.1);
        let limit = start - i128::from(RACY_SECS) * 1_000_000_000;
        ns(self.mtime) >= limit || ns(self.ctime) >= limit
    }
}

/// One entry of the cache read at start: where its facts are.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: Key,
    pub racy: bool,
    /// xxh3-64 of the file's bytes (compressed files only).
    pub hash: Option<u64>,
    /// The facts' byte range in [`Cache::data`].
    facts: (usize, usize),
}

/// The cache as read at the start of a run.
#[derive(Default)]
pub struct Cache {
    data: Vec<u8>,
    entries: HashMap<Box<[u8]>, Entry, FxBuild>,
}

/// The cache directory, `None` when disabled.
pub fn dir() -> Option<PathBuf> {
    match std::env::var_os("MODHOST_DEPMOD_CACHE") {
        Some(v) if v.is_empty() || v == "off" => None,
        Some(v) => Some(PathBuf::from(v)),
        None => Some(PathBuf::from("/var/cache/modhost/depmod")),
    }
}

/// The cache file of module directory `dirname` in `dir`.
pub fn file_for(dir: &Path, dirname: &[u8]) -> PathBuf {
    dir.join(format!("{:016x}.cache", xxhash_rust::xxh3::xxh3_64(dirname)))
}

fn header(dirname: &[u8]) -> Vec<u8> {
    let mut h = Vec::with_capacity(64 + dirname.len());
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT.to_le_bytes());
    let v = env!("CARGO_PKG_VERSION").as_bytes();
    h.extend_from_slice(&(v.len() as u32).to_le_bytes());
    h.extend_from_slice(v);
    h.extend_from_slice(&(dirname.len() as u32).to_le_bytes());
    h.extend_from_slice(dirname);
    h
}

/// A bounds-checked little-endian reader.
struct Rd<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Rd<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }
}

fn put_u32(o: &mut Vec<u8>, v: u32) {
    o.extend_from_slice(&v.to_le_bytes());
}
fn put_u64(o: &mut Vec<u8>, v: u64) {
    o.extend_from_slice(&v.to_le_bytes());
}
fn put_str(o: &mut Vec<u8>, s: &[u8]) {
    put_u32(o, s.len() as u32);
    o.extend_from_slice(s);
}

impl Cache {
    /// Reads the cache for `dirname`; an empty cache when there is none or
    /// it cannot be trusted.
    pub fn load(file: &Path, dirname: &[u8]) -> Cache {
        Self::try_load(file, dirname).unwrap_or_default()
    }

    fn try_load(file: &Path, dirname: &[u8]) -> Option<Cache> {
        let mut f = File::open(file).ok()?;
        let md = f.metadata().ok()?;
        // SAFETY: geteuid() has no failure mode and touches no memory.
        let euid = unsafe { libc::geteuid() };
        if !md.is_file() || md.uid() != euid || md.mode() & 0o022 != 0 {
            return None;
        }
        let mut data = Vec::with_capacity(md.len() as usize);
        f.read_to_end(&mut data).ok()?;
        let body_len = data.len().checked_sub(8)?;
        let sum = u64::from_le_bytes(data[body_len..].try_into().ok()?);
        if xxhash_rust::xxh3::xxh3_64(&data[..body_len]) != sum {
            return None;
        }
        let h = header(dirname);
        if !data[..body_len].starts_with(&h) {
            return None;
        }
        let mut r = Rd { b: &data[..body_len], at: h.len() };
        let count = r.u32()? as usize;
        let mut entries = HashMap::with_capacity_and_hasher(count.min(1 << 20), Default::default());
        for _ in 0..count {
            let path = r.str()?;
            let key = Key {
                dev: r.u64()?,
                ino: r.u64()?,
                size: r.u64()?,
                mtime: (r.u64()? as i64, r.u32()?),
                ctime: (r.u64()? as i64, r.u32()?),
            };
            let flags = r.u8()?;
            let hash = r.u64()?;
            let len = r.u32()? as usize;
            let start = r.at;
            r.bytes(len)?;
            let e = Entry { key, racy: flags & 1 != 0, hash: (flags & 2 != 0).then_some(hash), facts: (start, start + len) };
            entries.insert(path.into(), e);
        }
        if r.at != body_len {
            return None;
        }
        Some(Cache { data, entries })
    }

    pub fn get(&self, path: &[u8]) -> Option<&Entry> {
        self.entries.get(path)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// An entry's facts, decoded into `arena` (`None`: malformed).
    pub fn facts(&self, e: &Entry, arena: &mut Arena) -> Option<Loaded> {
        decode_facts(&self.data[e.facts.0..e.facts.1], arena)
    }

    /// An entry's facts as stored.
    pub fn raw_facts(&self, e: &Entry) -> &[u8] {
        &self.data[e.facts.0..e.facts.1]
    }
}

/// Appends the facts of `l` (in `a`) in the cache's encoding.
pub fn encode_facts(a: &Arena, l: &Loaded, o: &mut Vec<u8>) {
    match l.exports {
        Err(e) => {
            o.push(1);
            put_u32(o, e as u32);
        }
        Ok((lo, hi)) => {
            o.push(0);
            put_u32(o, hi - lo);
            for &(span, crc) in &a.exports[lo as usize..hi as usize] {
                put_str(o, a.get(span));
                put_u64(o, crc);
            }
        }
    }
    let (lo, hi) = l.info;
    put_u32(o, hi - lo);
    for &(alias, span) in &a.info[lo as usize..hi as usize] {
        o.push(u8::from(alias));
        put_str(o, a.get(span));
    }
    let (lo, hi) = l.deps;
    put_u32(o, hi - lo);
    for &(span, crc, weak) in &a.deps[lo as usize..hi as usize] {
        put_str(o, a.get(span));
        put_u64(o, crc);
        o.push(u8::from(weak));
    }
}

/// Decodes facts into `a`; on a malformed record `a` is left as it was.
pub fn decode_facts(b: &[u8], a: &mut Arena) -> Option<Loaded> {
    let marks = (a.strings.len(), a.exports.len(), a.info.len(), a.deps.len());
    let r = decode_into(b, a);
    if r.is_none() {
        a.strings.truncate(marks.0);
        a.exports.truncate(marks.1);
        a.info.truncate(marks.2);
        a.deps.truncate(marks.3);
    }
    r
}

fn decode_into(b: &[u8], a: &mut Arena) -> Option<Loaded> {
    let mut r = Rd { b, at: 0 };
    let exports = match r.u8()? {
        1 => Err(r.u32()? as i32),
        0 => {
            let n = r.u32()?;
            let lo = a.exports.len() as u32;
            for _ in 0..n {
                let s = a.push(r.str()?);
                a.exports.push((s, r.u64()?));
            }
            Ok((lo, a.exports.len() as u32))
        }
        _ => return None,
    };
    let n = r.u32()?;
    let lo = a.info.len() as u32;
    for _ in 0..n {
        let kind = r.u8()?;
        if kind > 1 {
            return None;
        }
        let s = a.push(r.str()?);
        a.info.push((kind == 1, s));
    }
    let info = (lo, a.info.len() as u32);
    let n = r.u32()?;
    let lo = a.deps.len() as u32;
    for _ in 0..n {
        let s = a.push(r.str()?);
        let crc = r.u64()?;
        let weak = r.u8()?;
        if weak > 1 {
            return None;
        }
        a.deps.push((s, crc, weak == 1));
    }
    let deps = (lo, a.deps.len() as u32);
    if r.at != b.len() {
        return None;
    }
    Some(Loaded { exports, info, deps })
}

/// Appends one entry (`facts` already encoded).
pub fn encode_entry(o: &mut Vec<u8>, path: &[u8], key: &Key, start: i128, hash: Option<u64>, facts: &[u8]) {
    put_str(o, path);
    put_u64(o, key.dev);
    put_u64(o, key.ino);
    put_u64(o, key.size);
    put_u64(o, key.mtime.0 as u64);
    put_u32(o, key.mtime.1);
    put_u64(o, key.ctime.0 as u64);
    put_u32(o, key.ctime.1);
    o.push(u8::from(key.racy(start)) | if hash.is_some() { 2 } else { 0 });
    put_u64(o, hash.unwrap_or(0));
    put_str(o, facts);
}

/// Whether an entry may be used on its key alone for a file with `key`.
pub fn key_hit(e: &Entry, key: &Key) -> bool {
    !e.racy && e.key == *key
}

/// Writes the cache: header, `count` entries (the concatenation of
/// `chunks`), checksum; to a temporary file renamed into place. Errors are
/// returned for the caller to ignore.
pub fn write(file: &Path, dirname: &[u8], count: usize, chunks: &[Vec<u8>]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o755).create(dir)?;
    let mut body = header(dirname);
    put_u32(&mut body, count as u32);
    let total: usize = chunks.iter().map(Vec::len).sum();
    body.reserve(total + 8);
    for c in chunks {
        body.extend_from_slice(c);
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&body);
    body.extend_from_slice(&sum.to_le_bytes());
    let name = file.file_name().map(OsStr::as_bytes).unwrap_or(b"cache");
    let mut tmp_name = name.to_vec();
    tmp_name.extend_from_slice(format!(".{}.tmp", std::process::id()).as_bytes());
    let tmp = dir.join(OsStr::from_bytes(&tmp_name));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o644).open(&tmp)?;
        // No fsync: a file cut short by a crash fails its checksum.
        f.write_all(&body)?;
        drop(f);
        std::fs::rename(&tmp, file)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res?;
    prune(dir, file);
    Ok(())
}

/// Removes the other caches of `dir` that can no longer serve: another
/// format or writer version, or a module directory that is gone (test
/// trees, removed kernels); and temporary files left a day ago.
fn prune(dir: &Path, keep: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p == keep {
            continue;
        }
        let name = e.file_name();
        let name = name.as_bytes();
        if name.ends_with(b".tmp") {
            let old = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
            if old.is_some_and(|d| d.as_secs() > 86400) {
                let _ = std::fs::remove_file(&p);
            }
            continue;
        }
        if !name.ends_with(b".cache") {
            continue;
        }
        let mut head = [0u8; 4096];
        let Ok(mut f) = File::open(&p) else { continue };
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        let mine = header(b"");
        let fixed = mine.len() - 4; // magic, format, version
        let stale = if head[..n].get(..fixed) != Some(&mine[..fixed]) {
            true
        } else {
            let mut r = Rd { b: &head[..n], at: fixed };
            match r.str() {
                Some(d) => !Path::new(OsStr::from_bytes(d)).is_dir(),
                None => false, // a module directory name longer than we read: keep
            }
        };
        if stale {
            let _ = std::fs::remove_file(&p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_roundtrip_and_corruption() {
        let mut a = Arena::default();
        let e1 = a.push(b"sym_a");
        a.exports.push((e1, 0x1234));
        let i1 = a.push(b"pci:v*");
        a.info.push((true, i1));
        let i2 = a.push(b"pre: x");
        a.info.push((false, i2));
        let d1 = a.push(b"printk");
        a.deps.push((d1, 7, false));
        let d2 = a.push(b"weak_one");
        a.deps.push((d2, 0, true));
        let l = Loaded { exports: Ok((0, 1)), info: (0, 2), deps: (0, 2) };
        let mut enc = Vec::new();
        encode_facts(&a, &l, &mut enc);
        let mut b = Arena::default();
        let got = decode_facts(&enc, &mut b).expect("decodes");
        let mut enc2 = Vec::new();
        encode_facts(&b, &got, &mut enc2);
        assert_eq!(enc, enc2);
        // Every truncation and every single-byte change either decodes to
        // something or is refused without leaving anything behind.
        for n in 0..enc.len() {
            let mut c = Arena::default();
            assert!(decode_facts(&enc[..n], &mut c).is_none());
            assert!(c.strings.is_empty() && c.exports.is_empty() && c.info.is_empty() && c.deps.is_empty());
        }
        let err = Loaded { exports: Err(8), info: (0, 0), deps: (0, 0) };
        let mut enc3 = Vec::new();
        encode_facts(&a, &err, &mut enc3);
        let got = decode_facts(&enc3, &mut Arena::default()).unwrap();
        assert_eq!(got.exports, Err(8));
    }

    #[test]
    fn file_roundtrip_checksum_and_header() {
        let dir = std::env::temp_dir().join(format!("depmod-cache-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = file_for(&dir, b"/x/lib/modules/1");
        let key = Key { dev: 1, ino: 2, size: 3, mtime: (4, 5), ctime: (6, 7) };
        let mut chunk = Vec::new();
        encode_entry(&mut chunk, b"/x/lib/modules/1/a.ko", &key, 1000 * 1_000_000_000, Some(99), b"facts");
        write(&file, b"/x/lib/modules/1", 1, &[chunk]).unwrap();
        let c = Cache::load(&file, b"/x/lib/modules/1");
        let e = *c.get(b"/x/lib/modules/1/a.ko").expect("entry");
        assert_eq!(e.key, key);
        assert_eq!(e.hash, Some(99));
        assert!(!e.racy);
        assert!(key_hit(&e, &key));
        assert_eq!(c.raw_facts(&e), b"facts");
        // Another module directory with the same file: ignored.
        assert!(Cache::load(&file, b"/y/lib/modules/1").is_empty());
        // Any flipped byte: ignored.
        let bytes = std::fs::read(&file).unwrap();
        for i in (0..bytes.len()).step_by(3) {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            std::fs::write(&file, &b).unwrap();
            assert!(Cache::load(&file, b"/x/lib/modules/1").is_empty(), "byte {i}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Module discovery (depmod's `depmod_modules_search*`,
//! `depmod_module_is_higher_priority`, `depmod_module_add`) and the `-A`
//! freshness check (`depfile_up_to_date`).

use modconf::depmod_d::Search;

use super::dir::{make_absolute, Dir, OpenAtError, DT_DIR, DT_REG, S_IFDIR, S_IFMT, S_IFREG};
use super::log::{cat, strerror, Log};
use super::output::modname_normalize;
use super::{Depmod, Mod};

/// The module file extensions of Debian's kmod 30 (zstd, xz; no zlib).
const EXTENSIONS: [&[u8]; 3] = [b".ko", b".ko.xz", b".ko.zst"];

/// `path_ends_with_kmod_ext`.
pub fn has_kmod_ext(name: &[u8]) -> bool {
    EXTENSIONS.iter().any(|e| name.len() > e.len() && name.ends_with(e))
}

/// `depmod_is_path_starts_with`.
fn path_starts_with(path: &[u8], pathlen: usize, prefix: &[u8]) -> bool {
    pathlen > prefix.len() && path.get(prefix.len()) == Some(&b'/') && path.starts_with(prefix)
}

impl Depmod {
    fn should_exclude(&self, name: &[u8]) -> bool {
        matches!(name, b"." | b".." | b"build" | b"source") || self.cfg.conf.excludes.iter().any(|e| e == name)
    }

    /// `depmod_module_is_higher_priority`: whether the module already known
    /// (`old`) beats the file at `newpath`.
    fn existing_wins(&self, old: &Mod, newpath: &[u8], baselen: usize, modnamelen: usize) -> bool {
        let dirname = &self.cfg.dirname;
        let dlen = dirname.len();
        let newlen = baselen + modnamelen;
        let oldpath = &old.path;
        let oldlen = old.baselen + old.name.len() + 1;
        let rel = |p: &[u8], len: usize| -> Option<(usize, usize)> {
            (p.starts_with(dirname)).then(|| (dlen + 1, len.saturating_sub(dlen + 1)))
        };
        // (start of the relative path, its length as depmod counts it)
        let (relnew, relnewlen) = rel(newpath, newlen).unwrap_or((usize::MAX, 0));
        let (relold, reloldlen) = rel(oldpath, oldlen).unwrap_or((usize::MAX, 0));
        let relslice = |p: &'_ [u8], start: usize, len: usize| -> Vec<u8> {
            p.get(start..).map(|s| s[..len.min(s.len())].to_vec()).unwrap_or_default()
        };
        let rn = relslice(newpath, relnew, relnewlen);
        let ro = relslice(oldpath, relold, reloldlen);

        for ov in &self.cfg.conf.overrides {
            if relnewlen == ov.len() && relnew != usize::MAX && rn == *ov {
                return false;
            }
            if reloldlen == ov.len() && relold != usize::MAX && ro == *ov {
                return true;
            }
        }

        let (mut bprio, mut oldprio, mut newprio): (i64, i64, i64) = (-1, -1, -1);
        let mut i: i64 = 0;
        for se in &self.cfg.conf.searches {
            match se {
                Search::BuiltIn => bprio = i,
                Search::External => {
                    for ext in &self.cfg.conf.externals {
                        if path_starts_with(newpath, newlen, ext) {
                            newprio = i;
                        }
                        if path_starts_with(oldpath, oldlen, ext) {
                            oldprio = i;
                        }
                        i += 1;
                    }
                }
                Search::Path(p) => {
                    let l = p.len();
                    if relnewlen > l && rn.get(l) == Some(&b'/') && rn.starts_with(p) {
                        newprio = i;
                    } else if reloldlen > l && ro.get(l) == Some(&b'/') && ro.starts_with(p) {
                        oldprio = i;
                    }
                }
            }
            i += 1;
        }
        if newprio < 0 {
            newprio = bprio;
        }
        if oldprio < 0 {
            oldprio = bprio;
        }
        newprio <= oldprio
    }

    /// Adds a module file (`depmod_module_add` after
    /// `kmod_module_new_from_path`): `Err(EEXIST)` when its name (or
    /// uncompressed relative path) is already known.
    pub(super) fn add_module(&mut self, abspath: Vec<u8>, name: Vec<u8>, size: u64, log: &mut Log<'_>) -> Result<(), i32> {
        let dirname = &self.cfg.dirname;
        let baselen = abspath.iter().rposition(|&b| b == b'/').unwrap_or(0);
        let rel = (abspath.starts_with(dirname) && abspath.get(dirname.len()) == Some(&b'/')).then_some(dirname.len() + 1);
        if self.by_name.contains_key(&name) {
            log.err(&cat(&[b"hash_add_unique ", &name, b": ", strerror(libc::EEXIST).as_bytes(), b"\n"]));
            return Err(libc::EEXIST);
        }
        let uncrel = rel.map(|r| {
            let end = (baselen + 1 + name.len() + 3).min(abspath.len()).max(r);
            abspath[r..end].to_vec()
        });
        if let Some(u) = &uncrel {
            if self.by_uncrel.contains_key(u) {
                log.err(&cat(&[b"hash_add_unique ", u, b": ", strerror(libc::EEXIST).as_bytes(), b"\n"]));
                return Err(libc::EEXIST);
            }
        }
        let id = self.slab.len();
        if let Some(u) = &uncrel {
            self.by_uncrel.insert(u.clone(), id);
        }
        self.by_name.insert(name.clone(), id);
        let mut m = Mod::new(abspath, rel, uncrel, baselen, name);
        m.size = Some(size);
        self.slab.push(Some(m));
        Ok(())
    }

    fn del_module(&mut self, id: usize) {
        if let Some(m) = self.slab[id].take() {
            if let Some(u) = &m.uncrel {
                self.by_uncrel.remove(u);
            }
            self.by_name.remove(&m.name);
        }
    }

    /// `depmod_modules_search_file`.
    fn search_file(&mut self, baselen: usize, path: &[u8], log: &mut Log<'_>) -> Result<(), i32> {
        let name = &path[baselen..];
        if !has_kmod_ext(name) {
            return Ok(());
        }
        let modname = modname_normalize(name);
        if let Some(&id) = self.by_name.get(&modname) {
            let old = self.slab[id].as_ref().expect("by_name points at live modules");
            if self.existing_wins(old, path, baselen, modname.len()) {
                return Ok(());
            }
            self.del_module(id);
        }
        // kmod_module_new_from_path: the file must exist.
        let abspath = make_absolute(path);
        let size = match super::dir::exists(&abspath) {
            Ok(s) => s,
            Err(e) => {
                log.err(&cat(&[b"could not create module ", path, b": ", strerror(e).as_bytes(), b"\n"]));
                return Err(e);
            }
        };
        if let Err(e) = self.add_module(abspath, modname, size, log) {
            log.err(&cat(&[b"could not add module ", path, b": ", strerror(e).as_bytes(), b"\n"]));
            return Err(e);
        }
        Ok(())
    }

    /// `depmod_modules_search_dir`: depth first, in `readdir` order.
    fn search_dir(&mut self, mut d: Dir, baselen: usize, path: &mut Vec<u8>, log: &mut Log<'_>) {
        let dfd = d.fd();
        while let Some(e) = d.next() {
            let name = e.name;
            if self.should_exclude(&name) {
                continue;
            }
            path.truncate(baselen);
            path.extend_from_slice(&name);
            let is_dir = match e.d_type {
                DT_REG => false,
                DT_DIR => true,
                _ => match d.stat_at(&name) {
                    Err(err) => {
                        log.err(&cat(&[format!("fstatat({dfd}, ").as_bytes(), &name, b"): ", strerror(err).as_bytes(), b"\n"]));
                        continue;
                    }
                    Ok((mode, _)) if mode & S_IFMT == S_IFREG => false,
                    Ok((mode, _)) if mode & S_IFMT == S_IFDIR => true,
                    Ok((mode, _)) => {
                        log.err(&cat(&[b"unsupported file type ", path, format!(": {:o}\n", mode & S_IFMT).as_bytes()]));
                        continue;
                    }
                },
            };
            if is_dir {
                match d.open_at(&name) {
                    Err(OpenAtError::OpenAt(err)) => {
                        log.err(&cat(&[format!("openat({dfd}, ").as_bytes(), &name, b", O_RDONLY): ", strerror(err).as_bytes(), b"\n"]));
                    }
                    Err(OpenAtError::FdOpenDir(fd, err)) => {
                        log.err(format!("fdopendir({fd}): {}\n", strerror(err)).as_bytes());
                    }
                    Ok(sub) => {
                        path.push(b'/');
                        self.search_dir(sub, baselen + name.len() + 1, path, log);
                    }
                }
            } else if let Err(err) = self.search_file(baselen, path, log) {
                path.truncate(baselen + name.len());
                log.err(&cat(&[b"failed ", path, b": ", strerror(err).as_bytes(), b"\n"]));
            }
        }
    }

    /// `depmod_modules_search_path`.
    fn search_path(&mut self, top: &[u8], log: &mut Log<'_>) -> Result<(), i32> {
        let d = match Dir::open(top) {
            Ok(d) => d,
            Err(e) => {
                log.err(&cat(&[b"could not open directory ", top, b": ", strerror(e).as_bytes(), b"\n"]));
                return Err(e);
            }
        };
        let mut path = top.to_vec();
        path.push(b'/');
        let baselen = path.len();
        self.search_dir(d, baselen, &mut path, log);
        Ok(())
    }

    /// `depmod_modules_search`: the module directory, then the external
    /// directories (a missing one is reported and skipped).
    pub(super) fn search(&mut self, log: &mut Log<'_>) -> Result<(), i32> {
        let dirname = self.cfg.dirname.clone();
        self.search_path(&dirname, log)?;
        for ext in self.cfg.conf.externals.clone() {
            let _ = self.search_path(&ext, log);
        }
        Ok(())
    }
}

/// `depfile_up_to_date`: `Some(true)` when no module file is newer than
/// `modules.dep`, `Some(false)` when one is, `None` on errors (reported).
pub fn up_to_date(dirname: &[u8], log: &mut Log<'_>) -> Option<bool> {
    let d = match Dir::open(dirname) {
        Ok(d) => d,
        Err(e) => {
            log.err(&cat(&[b"could not open directory ", dirname, b": ", strerror(e).as_bytes(), b"\n"]));
            return None;
        }
    };
    let mtime = match d.stat_at(b"modules.dep") {
        Ok((_, t)) => t,
        Err(e) => {
            log.err(&cat(&[b"could not fstatat(", dirname, b", modules.dep): ", strerror(e).as_bytes(), b"\n"]));
            return None;
        }
    };
    // The path buffer behaves like depmod's PATH_MAX array: names are
    // copied in at `baselen` only for directories and module files, so a
    // message about another entry shows whatever was there before.
    let mut path = vec![0u8; 4096 + 512];
    path[..dirname.len()].copy_from_slice(dirname);
    path[dirname.len()] = b'/';
    let baselen = dirname.len() + 1;
    path[baselen] = 0;
    Some(up_to_date_dir(d, mtime, baselen, &mut path, log))
}

fn c_str_at(buf: &[u8]) -> &[u8] {
    super::text::c_str(buf)
}

fn put(buf: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    if buf.len() < at + bytes.len() + 2 {
        buf.resize(at + bytes.len() + 2, 0);
    }
    buf[at..at + bytes.len()].copy_from_slice(bytes);
    buf[at + bytes.len()] = 0;
}

/// `depfile_up_to_date_dir`: true = up to date, false = outdated.
fn up_to_date_dir(mut d: Dir, mtime: i64, baselen: usize, path: &mut Vec<u8>, log: &mut Log<'_>) -> bool {
    const PATH_MAX: usize = 4096;
    const NAME_MAX: usize = 255;
    let dfd = d.fd();
    let mut result = true;
    while let Some(e) = d.next() {
        let name = e.name;
        if matches!(&name[..], b"." | b".." | b"build" | b"source") {
            continue;
        }
        if baselen + name.len() + 2 >= PATH_MAX {
            path[baselen] = 0;
            log.err(&cat(&[b"path is too long ", c_str_at(path), &name, b"\n"]));
            continue;
        }
        let (mode, mt) = match d.stat_at(&name) {
            Ok(x) => x,
            Err(err) => {
                log.err(&cat(&[format!("fstatat({dfd}, ").as_bytes(), &name, b"): ", strerror(err).as_bytes(), b"\n"]));
                continue;
            }
        };
        if mode & S_IFMT == S_IFDIR {
            put(path, baselen, &name);
            if baselen + name.len() + 2 + NAME_MAX >= PATH_MAX {
                log.err(&cat(&[b"directory path is too long ", c_str_at(path), b"\n"]));
                continue;
            }
            match d.open_at(&name) {
                Err(OpenAtError::OpenAt(err)) => {
                    log.err(&cat(&[format!("openat({dfd}, ").as_bytes(), &name, b", O_RDONLY): ", strerror(err).as_bytes(), b"\n"]));
                    continue;
                }
                Err(OpenAtError::FdOpenDir(fd, err)) => {
                    log.err(format!("fdopendir({fd}): {}\n", strerror(err)).as_bytes());
                    continue;
                }
                Ok(sub) => {
                    path[baselen + name.len()] = b'/';
                    path[baselen + name.len() + 1] = 0;
                    result = up_to_date_dir(sub, mtime, baselen + name.len() + 1, path, log);
                }
            }
        } else if mode & S_IFMT == S_IFREG {
            if !has_kmod_ext(&name) {
                continue;
            }
            put(path, baselen, &name);
            result = mt <= mtime;
        } else {
            log.err(&cat(&[b"unsupported file type ", c_str_at(path), format!(": {:o}\n", mode & S_IFMT).as_bytes()]));
            continue;
        }
        if !result {
            break;
        }
    }
    result
}

//! A module's information list: what `modinfo` prints.
//!
//! For a module file: its `.modinfo` strings in file order, then — when a
//! signature trailer is recognised — `sig_id`, `signer`, `sig_key`,
//! `sig_hashalgo` and `signature` (hex, folded as kmod folds it). For a
//! built-in module: its record in `modules.builtin.modinfo`.

use std::path::{Path, PathBuf};

use kofile::signature::hex_folded;
use kofile::{Module, ModuleImage};

use crate::ctx::{Context, ModuleRef};
use crate::errno;

/// One `key=value` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
}

impl Info {
    fn new(key: &[u8], value: &[u8]) -> Self {
        Info { key: key.to_vec(), value: value.to_vec() }
    }

    fn parse(s: &[u8]) -> Self {
        let e = kofile::ModinfoEntry::parse(s);
        Info::new(e.key, e.value)
    }
}

/// Why a module's information could not be read, as the errno kmod prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", errno::strerror(self.errno))]
pub struct InfoError {
    pub errno: i32,
}

/// The information list of a module found by a lookup (kmod_module_get_info).
pub fn module_info(ctx: &Context, m: &ModuleRef) -> Result<Vec<Info>, InfoError> {
    if let Some(path) = &m.path {
        return file_info(path);
    }
    let builtin = m.builtin.unwrap_or_else(|| ctx.is_builtin(&m.name));
    if !builtin {
        // libkmod would try to open a file it has no path for.
        return Err(InfoError { errno: errno::EFAULT });
    }
    crate::builtin::modinfo(ctx.dirname(), &m.name)
        .map(|strings| strings.iter().map(|s| Info::parse(s)).collect())
        .map_err(|errno| InfoError { errno })
}

/// The information list of a module file.
pub fn file_info(path: &Path) -> Result<Vec<Info>, InfoError> {
    let image = ModuleImage::open(path).map_err(|e| InfoError { errno: e.errno() })?;
    let module = Module::parse(&image).map_err(|e| InfoError { errno: e.errno() })?;
    let section = module.modinfo_section().ok_or(InfoError { errno: errno::ENOENT })?;
    let mut list: Vec<Info> = kofile::modinfo::entries(section).map(|e| Info::new(e.key, e.value)).collect();
    if let Some(sig) = module.signature() {
        // Values are C strings to kmod: the signer ends at its first NUL.
        let signer: Vec<u8> = sig.signer.iter().copied().take_while(|&b| b != 0).collect();
        list.push(Info::new(b"sig_id", sig.id_type.as_bytes()));
        list.push(Info::new(b"signer", &signer));
        list.push(Info::new(b"sig_key", hex_folded(&sig.key_id).as_bytes()));
        list.push(Info::new(b"sig_hashalgo", sig.hash_algo.as_bytes()));
        list.push(Info::new(b"signature", hex_folded(&sig.signature).as_bytes()));
    }
    Ok(list)
}

/// How many modules the prefetch may run ahead of the one being printed.
const AHEAD: usize = 256;

/// The information lists of `paths`, read and decompressed on every CPU
/// (`MODHOST_MODINFO_THREADS` overrides the count) while `body` consumes
/// them in order: each call of the function `body` is given returns the
/// next path's list, exactly what [`file_info`] returns for it. Workers stay
/// at most a few hundred modules ahead; when `body` returns they stop.
pub fn with_file_infos<R>(paths: &[PathBuf], body: impl FnOnce(&mut dyn FnMut() -> Result<Vec<Info>, InfoError>) -> R) -> R {
    use std::sync::{Condvar, Mutex};
    let threads = std::env::var("MODHOST_MODINFO_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, paths.len().max(1));
    let beyond = || Err(InfoError { errno: errno::EFAULT });
    if threads == 1 || paths.len() < 2 {
        let mut it = paths.iter();
        return body(&mut || it.next().map_or_else(beyond, |p| file_info(p)));
    }
    struct State {
        results: Vec<Option<Result<Vec<Info>, InfoError>>>,
        next: usize,
        taken: usize,
        stop: bool,
    }
    let state = Mutex::new(State { results: (0..paths.len()).map(|_| None).collect(), next: 0, taken: 0, stop: false });
    let ready = Condvar::new();
    let room = Condvar::new();
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = {
                    let mut st = lock();
                    while !st.stop && st.next < paths.len() && st.next >= st.taken + AHEAD {
                        st = room.wait(st).unwrap_or_else(|e| e.into_inner());
                    }
                    if st.stop || st.next >= paths.len() {
                        return;
                    }
                    st.next += 1;
                    st.next - 1
                };
                let r = file_info(&paths[i]);
                lock().results[i] = Some(r);
                ready.notify_all();
            });
        }
        let mut k = 0;
        let mut next = || {
            if k >= paths.len() {
                return beyond();
            }
            let mut st = lock();
            let r = loop {
                if let Some(r) = st.results[k].take() {
                    break r;
                }
                st = ready.wait(st).unwrap_or_else(|e| e.into_inner());
            };
            k += 1;
            st.taken = k;
            drop(st);
            room.notify_all();
            r
        };
        let out = body(&mut next);
        lock().stop = true;
        room.notify_all();
        out
    })
}

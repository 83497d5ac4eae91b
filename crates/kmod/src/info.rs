//! A module's information list: what `modinfo` prints.
//!
//! For a module file: its `.modinfo` strings in file order, then — when a
//! signature trailer is recognised — `sig_id`, `signer`, `sig_key`,
//! `sig_hashalgo` and `signature` (hex, folded as kmod folds it). For a
//! built-in module: its record in `modules.builtin.modinfo`.

use std::path::Path;

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

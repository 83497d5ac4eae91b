//! The algorithms and templates vmlinux defines, built by the host as
//! vmlinux's C code declares them: the structure (`struct shash_alg`,
//! `skcipher_alg`, a bare `crypto_alg`, `crypto_template`) in kernel
//! memory, its names, sizes and priority, and as its operations the
//! addresses of host functions — `kfn!` symbols of the low-memory vmlinux,
//! so that module code (a template wrapping `aes-generic`, a caller of
//! `crypto_shash_update`) calls them as it calls any kernel function. They
//! belong to no module (`module: kernel` in `/proc/crypto`) and, like
//! vmlinux's static definitions, are never freed.

use crate::drivers::base::{kzalloc, wr32, wr64};
use crate::layout::{crypto_alg as ca, crypto_consts as cc, crypto_template as ct};

/// The `struct crypto_alg` part every definition fills in.
pub(crate) struct Base<'a> {
    pub name: &'a str,
    pub driver: &'a str,
    pub priority: u32,
    pub blocksize: u32,
    pub ctxsize: u32,
    pub flags: u32,
}

fn put_name(dst: u64, s: &str) {
    let max = cc::CRYPTO_MAX_ALG_NAME as usize;
    assert!(s.len() < max, "algorithm name {s} too long");
    // SAFETY: a char[CRYPTO_MAX_ALG_NAME] member of a fresh zeroed object.
    unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), dst as *mut u8, s.len()) };
}

/// A zeroed definition of `size` bytes whose `struct crypto_alg` is at
/// `base`, filled from `b`; 0 when memory ran out.
pub(crate) fn alg(size: u64, base: u64, b: &Base<'_>) -> u64 {
    let a = kzalloc(size);
    if a == 0 {
        return 0;
    }
    let c = a + base;
    put_name(c + ca::cra_name, b.name);
    put_name(c + ca::cra_driver_name, b.driver);
    wr32(c + ca::cra_priority, b.priority);
    wr32(c + ca::cra_blocksize, b.blocksize);
    wr32(c + ca::cra_ctxsize, b.ctxsize);
    wr32(c + ca::cra_flags, b.flags);
    a
}

/// A template of vmlinux: `name` with `create` (a host function's symbol).
pub(crate) fn template(name: &str, create: &str) -> u64 {
    let t = kzalloc(ct::SIZE);
    if t == 0 {
        return 0;
    }
    put_name(t + ct::name, name);
    wr64(t + ct::create, func(create));
    t
}

/// The address module code calls a host function at: its vmlinux symbol.
/// Every operation of a definition is one (a missing one is a host bug).
pub(crate) fn func(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or_else(|| panic!("crypto: no vmlinux symbol {name} for a host algorithm"))
}

/// A module's buffer of `len` bytes (empty for none).
pub(crate) fn bytes<'a>(p: u64, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the callers pass buffers of at least `len` bytes, as the
    // kernel API the operation implements requires of its caller.
    unsafe { std::slice::from_raw_parts(p as *const u8, len) }
}

/// Writes `b` to a module's buffer (may overlap the source).
pub(crate) fn put(p: u64, b: &[u8]) {
    if b.is_empty() {
        return;
    }
    // SAFETY: as for `bytes`: an output buffer the caller provides.
    unsafe { std::ptr::copy(b.as_ptr(), p as *mut u8, b.len()) };
}

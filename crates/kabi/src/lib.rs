//! `kabi` — the kernel ABI that modhost's host kernel presents to modules.
//!
//! - [`profile`]: the ABI profile built from Debian's own packages — the
//!   exported-symbol table with CRCs, GPL flags and namespaces
//!   (`Module.symvers`), per-CPU offsets (`System.map`), the module-signing
//!   certificate (embedded in `vmlinuz`), the release and vermagic.
//! - [`printf`]: the kernel's `vsnprintf`, format extensions included.
//! - [`vmlinux`]: the image modules link against, below 2 GiB ([`lowmem`]):
//!   stubs for the functions of [`abi`], data objects, per-CPU blocks.
//! - [`log`]: printk's ring buffer.
//! - [`export`]: the one way an export is defined; the exports themselves
//!   live where Linux defines them: [`lib_`] (`lib/`), [`mm`], [`kernel`],
//!   [`arch`] (`arch/x86`), and so on.
//! - [`unimplemented`]: trap stubs and absent data for the rest.

pub mod abi;
pub mod arch;
pub mod block;
pub mod crypto;
pub mod drivers;
pub mod export;
pub mod fault;
pub mod fs;
pub mod kernel;
pub mod layout;
pub mod layout_gen;
#[path = "lib/mod.rs"]
pub mod lib_;
pub mod mm;
pub mod net;
pub mod log;
pub mod lowmem;
pub mod printf;
pub mod profile;
pub mod security;
pub mod trace;
pub mod unimplemented;
pub mod vmlinux;

use std::sync::RwLock;

/// A symbolizer for `%pS` and oops reports: the host kernel installs one
/// that knows loaded modules (kallsyms).
pub type Symbolizer = fn(u64) -> Option<(String, u64, u64, Option<String>)>;

static SYMBOLIZER: RwLock<Option<Symbolizer>> = RwLock::new(None);

/// Installs the address symbolizer.
pub fn set_symbolizer(f: Symbolizer) {
    *SYMBOLIZER.write().unwrap_or_else(|e| e.into_inner()) = Some(f);
}

/// Symbolizes an address: (name, offset, size, module).
pub fn symbolize(addr: u64) -> Option<(String, u64, u64, Option<String>)> {
    let f = *SYMBOLIZER.read().unwrap_or_else(|e| e.into_inner());
    f.and_then(|f| f(addr))
}

/// What `request_module` calls: the module name and whether the caller
/// waits; returns modprobe's wait status (exit code << 8) or a negative errno.
pub type RequestModule = fn(&str, bool) -> i32;

static REQUEST_MODULE: RwLock<Option<RequestModule>> = RwLock::new(None);

/// Installs the host's modprobe for `request_module` calls from modules.
pub fn set_request_module_handler(f: RequestModule) {
    *REQUEST_MODULE.write().unwrap_or_else(|e| e.into_inner()) = Some(f);
}

pub fn request_module_handler() -> Option<RequestModule> {
    *REQUEST_MODULE.read().unwrap_or_else(|e| e.into_inner())
}

/// What a registry of the host does when module memory goes away: drop
/// every object it holds that lies in `[start, end)` (a driver, notifier,
/// filesystem type, ... that a module registered and did not unregister —
/// after an init that faulted or called something unimplemented, say), so
/// that nothing refers to freed memory.
pub type Purge = fn(start: u64, end: u64);

/// Every registry's purge function, collected at link time.
#[linkme::distributed_slice]
pub static PURGES: [Purge];

/// Registers a purge function: `kabi::purge_on_module_free!(my_purge);`.
#[macro_export]
macro_rules! purge_on_module_free {
    ($f:path) => {
        const _: () = {
            #[$crate::export::linkme::distributed_slice($crate::PURGES)]
            #[linkme(crate = $crate::export::linkme)]
            static P: $crate::Purge = $f;
        };
    };
}

/// The host kernel calls this for each image of a module it is about to
/// free (the memory is still mapped while the purges run).
pub fn module_memory_freed(start: u64, len: u64) {
    for p in PURGES.iter() {
        p(start, start + len);
    }
}

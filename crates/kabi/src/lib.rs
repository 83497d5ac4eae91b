//! `kabi` — the kernel ABI that modhost's host kernel presents to modules.
//!
//! - [`profile`]: the ABI profile built from Debian's own packages — the
//!   exported-symbol table with CRCs, GPL flags and namespaces
//!   (`Module.symvers`), per-CPU offsets (`System.map`), the module-signing
//!   certificate (embedded in `vmlinuz`), the release and vermagic.
//! - [`printf`]: the kernel's `vsnprintf`, format extensions included.

pub mod printf;
pub mod profile;

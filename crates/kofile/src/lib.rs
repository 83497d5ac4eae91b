//! `kofile` — reading Linux kernel module files.
//!
//! A zero-copy, bounds-checked reader for `.ko` files (ELF32 and ELF64, little
//! and big endian) and their xz/zstd-compressed forms, shared by modhost's
//! kmod tools and its host kernel. It never panics on input bytes: every
//! malformed input is a typed error that says what is wrong and where.
//!
//! Layers, bottom up:
//! - [`file`]: bytes from disk, decompressed by magic as libkmod does;
//! - [`elf`]: the ELF container with libkmod's acceptance rules;
//! - [`linux`]: Linux 6.1's stricter `elf_validity_check` for loading;
//! - typed tables: [`modinfo`], [`exports`], [`versions`], [`params`],
//!   [`symbols`], and the appended [`signature`].
//!
//! [`Module`] ties them together for the common case:
//!
//! ```no_run
//! let image = kofile::ModuleImage::open("crc7.ko".as_ref())?;
//! let m = kofile::Module::parse(&image)?;
//! for e in m.modinfo() {
//!     println!("{}={}", String::from_utf8_lossy(e.key), String::from_utf8_lossy(e.value));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod elf;
pub mod error;
pub mod exports;
pub mod file;
pub mod linux;
pub mod modinfo;
pub mod params;
pub mod signature;
pub mod symbols;
pub mod versions;

pub use elf::{Class, Elf, SectionHeader};
pub use error::{ElfError, HostElfError, LinuxElfError, LogSite, OpenError, TableError};
pub use exports::Export;
pub use file::{Compression, ModuleImage};
pub use modinfo::ModinfoEntry;
pub use params::Param;
pub use signature::SignatureInfo;
pub use symbols::{Symbol, SymbolTable};
pub use versions::Modversion;

/// A parsed module image: the ELF view plus typed accessors.
#[derive(Debug, Clone)]
pub struct Module<'a> {
    elf: Elf<'a>,
}

impl<'a> Module<'a> {
    /// Parses an (already decompressed) image with libkmod's acceptance rules.
    pub fn parse(image: &'a [u8]) -> Result<Self, ElfError> {
        Ok(Module { elf: Elf::parse(image)? })
    }

    pub fn elf(&self) -> &Elf<'a> {
        &self.elf
    }

    /// The `.modinfo` section's bytes, if the module has one.
    pub fn modinfo_section(&self) -> Option<&'a [u8]> {
        self.elf.find_section(".modinfo").map(|(_, d)| d)
    }

    /// `.modinfo` entries in file order (empty if there is no section).
    pub fn modinfo(&self) -> impl Iterator<Item = ModinfoEntry<'a>> + 'a {
        modinfo::entries(self.modinfo_section().unwrap_or(&[]))
    }

    /// The first value of a `.modinfo` key.
    pub fn modinfo_get(&self, key: &str) -> Option<&'a [u8]> {
        modinfo::get(self.modinfo_section()?, key)
    }

    /// The module name: `.modinfo`'s `name=`, else `.gnu.linkonce.this_module`'s.
    pub fn name(&self) -> Result<&'a [u8], TableError> {
        match self.modinfo_get("name") {
            Some(n) => Ok(n),
            None => params::this_module_name(&self.elf),
        }
    }

    pub fn symbols(&self) -> Result<SymbolTable<'a>, TableError> {
        SymbolTable::new(&self.elf)
    }

    pub fn exports(&self) -> Result<Vec<Export<'a>>, TableError> {
        exports::exports(&self.elf)
    }

    pub fn modversions(&self) -> Result<Vec<Modversion<'a>>, TableError> {
        versions::modversions(&self.elf)
    }

    pub fn params(&self) -> Result<Vec<Param<'a>>, TableError> {
        params::params(&self.elf)
    }

    /// The appended signature as modinfo reports it.
    pub fn signature(&self) -> Option<SignatureInfo<'a>> {
        signature::info(self.elf.data())
    }
}

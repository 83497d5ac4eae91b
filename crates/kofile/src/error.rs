//! Errors of the module-file reader.
//!
//! Every error names what is wrong and where (a file offset or a section). The
//! reader never panics on input bytes; these values are how it says no.

use std::io;

/// Why a module image is not an ELF file that kmod's reader accepts.
///
/// kmod distinguishes two errno values here and prints them: `ENOEXEC` ("Exec
/// format error") for something that is not ELF at all, `EINVAL` ("Invalid
/// argument") for an ELF file whose header or tables are malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file: {len} bytes, no ELF magic at offset 0")]
    NotElf { len: u64 },
    #[error("unknown ELF class {0} at offset 4")]
    BadClass(u8),
    #[error("unknown ELF data encoding {0} at offset 5")]
    BadEncoding(u8),
    #[error("file of {len} bytes is too short for an ELF{bits} header")]
    ShortHeader { len: u64, bits: u8 },
    #[error("section header entry size {found} at offset {offset}, expected {expected}")]
    BadShentsize { found: u16, expected: u16, offset: u64 },
    #[error("section header table ({count} entries at offset {shoff}) runs past the end of the file ({len} bytes)")]
    SectionTableOutOfBounds { shoff: u64, count: u16, len: u64 },
    #[error("section name string table index {index} is out of range ({count} sections)")]
    BadShstrndx { index: u16, count: u16 },
    #[error("section {index} (name table): offset {offset} + size {size} runs past the end of the file ({len} bytes)")]
    SectionOutOfBounds { index: u16, offset: u64, size: u64, len: u64 },
    #[error("section name string table (section {index}) is empty or not NUL-terminated")]
    BadShstrtab { index: u16 },
}

impl ElfError {
    /// The errno kmod reports for this error (`ENOEXEC` or `EINVAL`).
    pub fn errno(&self) -> i32 {
        match self {
            ElfError::NotElf { .. } => ENOEXEC,
            _ => EINVAL,
        }
    }
}

/// A failure to read a module file from disk (including decompression).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: file of {len} bytes is too short to identify (at least 6 bytes needed)")]
    TooShort { path: String, len: u64 },
    /// A compressed stream could not be decoded. `message` is kmod's wording
    /// (e.g. `xz: File is corrupt`); `site` is where libkmod v30 reports it.
    #[error("{path}: {message}")]
    Decompress { path: String, message: String, site: LogSite },
}

impl OpenError {
    /// The errno a libkmod-based tool sees for this error.
    pub fn errno(&self) -> i32 {
        match self {
            OpenError::Io { source, .. } => source.raw_os_error().unwrap_or(EIO),
            OpenError::TooShort { .. } => EINVAL,
            OpenError::Decompress { .. } => EINVAL,
        }
    }
}

/// The source location (file, line, function) of a libkmod v30 log call.
/// libkmod's debug build prints these; tools that must be byte-identical to
/// it need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSite {
    pub file: &'static str,
    pub line: u32,
    pub func: &'static str,
}

/// A failure of one of Linux 6.1's `elf_validity_check` rules (every one of
/// them makes `init_module` fail with `ENOEXEC`). The `Display` text is the
/// kernel's log message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinuxElfError {
    #[error("Invalid ELF header len {0}")]
    HeaderLen(u64),
    #[error("Invalid ELF header magic: != \\x7fELF")]
    Magic,
    #[error("Invalid ELF header type: {0} != 1")]
    Type(u16),
    #[error("Invalid architecture in ELF header: {0}")]
    Machine(u16),
    #[error("Invalid ELF section header size")]
    Shentsize,
    #[error("Invalid ELF section header overflow")]
    SectionTableOverflow,
    #[error("Invalid ELF section name index: {index} || e_shstrndx ({index}) >= e_shnum ({count})")]
    Shstrndx { index: u16, count: u16 },
    #[error("Invalid ELF section hdr(type {0})")]
    ShstrtabBounds(u32),
    #[error("empty section name table")]
    ShstrtabEmpty,
    #[error("ELF Spec violation: section name table isn't null terminated")]
    ShstrtabUnterminated,
    // the kernel prints sh_type with %d: values >= 2^31 show as negative
    #[error("ELF Spec violation: section 0 type({})!=SH_NULL or non-zero len or addr", *.0 as i32)]
    Section0(u32),
    // the kernel prints sh_link with %d: values >= 2^31 show as negative
    #[error("Invalid ELF sh_link!=SHN_UNDEF({l}) or (sh_link({l}) >= hdr->e_shnum({count})", l = *.link as i32)]
    SymtabLink { link: u32, count: u16 },
    #[error("Invalid ELF section in module (section {index} type {sh_type})")]
    SectionBounds { index: u16, sh_type: u32 },
    #[error("Invalid ELF section name in module (section {index} type {sh_type})")]
    SectionName { index: u16, sh_type: u32 },
}

/// A failure of one of the host's checks beyond Linux 6.1's (see
/// [`crate::linux`]: where Linux trusts the file and would read or write
/// outside it). Each makes the load fail with `-ENOEXEC`; the `Display` text
/// follows the module's name in the log (`<name>: <text>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostElfError {
    #[error("symbol string table (section {index}) is not NUL-terminated")]
    StrtabUnterminated { index: usize },
    #[error("symbol {symbol} has name offset {offset} past the string table ({size} bytes)")]
    SymbolName { symbol: usize, offset: u32, size: u64 },
    #[error("section {name} (index {index}) has invalid alignment {align}")]
    Alignment { name: String, index: usize, align: u64 },
    #[error(".modinfo section is not NUL-terminated")]
    ModinfoUnterminated,
    #[error("__versions entry {entry} has no NUL-terminated name")]
    VersionName { entry: usize },
    #[error("module name in .gnu.linkonce.this_module is not NUL-terminated")]
    ModuleNameUnterminated,
    #[error("{crctab} has {crcs} entries for {syms} symbols of {symtab}")]
    CrcTable { symtab: &'static str, crctab: &'static str, syms: u64, crcs: u64 },
}

/// An error reading one of a module's typed tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("no {0} section")]
    Missing(&'static str),
    #[error("section {section}: size {size} is not a multiple of the entry size {entsize}")]
    BadSize { section: String, size: u64, entsize: u64 },
    #[error("section {section}: offset {offset} is out of bounds")]
    OutOfBounds { section: String, offset: u64 },
    #[error("section {section}: string at offset {offset} is not NUL-terminated")]
    Unterminated { section: String, offset: u64 },
    #[error("symbol table: {0}")]
    Symtab(String),
}

pub const EINVAL: i32 = 22;
pub const ENOEXEC: i32 = 8;
pub const EIO: i32 = 5;
pub const ENOENT: i32 = 2;

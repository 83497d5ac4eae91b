//! libkmod's `.bin` index format ("v2.1" trie), as kmod 30 writes and reads it.
//!
//! depmod stores `modules.dep.bin`, `modules.alias.bin`, `modules.symbols.bin`,
//! `modules.builtin.bin` and `modules.builtin.alias.bin` in this format: a
//! Patricia trie of ASCII keys, each key holding a priority-sorted list of
//! string values. All integers are big-endian `u32`:
//!
//! * header: magic `B0 07 F4 57`, version `00 02 00 01`, root node reference;
//! * node reference: low 28 bits the file offset of the node record (0 = no
//!   node), high bits the flags [`NODE_PREFIX`], [`NODE_CHILDS`], [`NODE_VALUES`]
//!   saying which parts the record has;
//! * node record: the prefix (NUL-terminated), then the child table (bytes
//!   `first`, `last`, then one reference per character `first..=last`), then
//!   the values (count, then per value a priority and a NUL-terminated string).
//!
//! The reader ([`Index`]) works in place over the file's bytes and never
//! panics on malformed input; see [`Error`].
//!
//! ```no_run
//! use modindex::{IndexFile, ValueOrder};
//! # fn main() -> Result<(), modindex::Error> {
//! let dep = IndexFile::open("/lib/modules/6.1.0-56-amd64/modules.dep.bin")?;
//! if let Some(line) = dep.index().lookup_exact(b"ext4")? {
//!     println!("{}", String::from_utf8_lossy(line));
//! }
//! let alias = IndexFile::open("/lib/modules/6.1.0-56-amd64/modules.alias.bin")?;
//! for v in alias.index().lookup_wildcard(b"fs_ext4", ValueOrder::Mmap)? {
//!     println!("{}", String::from_utf8_lossy(v.value));
//! }
//! # Ok(()) }
//! ```

pub mod error;
pub mod fnmatch;
pub mod format;
pub mod read;
pub mod write;

pub use error::{Error, Result};
pub use fnmatch::fnmatch;
pub use format::{
    HEADER_LEN, MAGIC, MAX_KEY_LEN, NODE_CHILDS, NODE_OFFSET_MASK, NODE_PREFIX, NODE_VALUES,
    VERSION, VERSION_MAJOR,
};
pub use read::{Index, IndexFile, Value, ValueOrder};
pub use write::{IndexWriter, WriteError};

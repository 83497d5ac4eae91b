//! Constants of the on-disk format, shared by the reader and the writer.

/// First word of every index file ("BOOTFAST"-ish), big-endian.
pub const MAGIC: u32 = 0xB007_F457;
/// Version written by kmod 30: major 2, minor 1. Readers check the major only.
pub const VERSION: u32 = 0x0002_0001;
/// The major version readers accept (high 16 bits of the version word).
pub const VERSION_MAJOR: u32 = 2;
/// Size of the header: magic, version, root node reference.
pub const HEADER_LEN: usize = 12;

/// Node reference flag: the record starts with a NUL-terminated prefix.
pub const NODE_PREFIX: u32 = 0x8000_0000;
/// Node reference flag: the record has a value list.
pub const NODE_VALUES: u32 = 0x4000_0000;
/// Node reference flag: the record has a child table.
pub const NODE_CHILDS: u32 = 0x2000_0000;
/// Node reference bits holding the record's file offset.
pub const NODE_OFFSET_MASK: u32 = 0x0FFF_FFFF;

/// Longest key (or wildcard pattern) a traversal will assemble before
/// reporting [`Error::KeyTooLong`](crate::Error::KeyTooLong). Real keys are
/// module names, aliases and symbol names, far shorter than this; only a
/// trie that loops back on itself gets here.
pub const MAX_KEY_LEN: usize = 65536;

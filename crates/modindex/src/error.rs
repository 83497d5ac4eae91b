//! Errors for malformed index files.

use std::path::PathBuf;

/// Why an index file could not be read. Offsets are byte offsets in the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes than the 12-byte header.
    #[error("index file too short: {len} bytes, the header alone needs 12")]
    TooShort {
        /// Length of the input.
        len: usize,
    },
    /// The first word is not `0xB007F457`.
    #[error("bad index magic 0x{found:08x} (expected 0xb007f457)")]
    BadMagic {
        /// The word found at offset 0.
        found: u32,
    },
    /// The major version (high half of the second word) is not 2.
    #[error("unsupported index version 0x{found:08x} (major version must be 2)")]
    BadVersion {
        /// The word found at offset 4.
        found: u32,
    },
    /// A node reference points past the end of the file.
    #[error("node reference 0x{reference:08x} points past the end of the file ({len} bytes)")]
    NodeOutOfBounds {
        /// The raw reference (flags and offset).
        reference: u32,
        /// Length of the file.
        len: usize,
    },
    /// A NUL-terminated string (prefix or value) runs off the end of the file.
    #[error("unterminated string at offset {offset:#x}")]
    UnterminatedString {
        /// Where the string starts.
        offset: usize,
    },
    /// A node's child table does not fit in the file.
    #[error("child table of the node at offset {offset:#x} runs past the end of the file")]
    ChildTableOutOfBounds {
        /// Where the child table starts.
        offset: usize,
    },
    /// A node's child range has `first > last`.
    #[error("child range 0x{first:02x}..0x{last:02x} at offset {offset:#x} is inverted")]
    BadChildRange {
        /// Where the child table starts.
        offset: usize,
        /// First character code.
        first: u8,
        /// Last character code.
        last: u8,
    },
    /// A node's value count or a value's priority does not fit in the file.
    #[error("value list at offset {offset:#x} runs past the end of the file")]
    ValuesOutOfBounds {
        /// Where the truncated field starts.
        offset: usize,
    },
    /// A key assembled while walking the trie grew beyond [`MAX_KEY_LEN`](crate::MAX_KEY_LEN):
    /// the trie loops back on itself.
    #[error(
        "key longer than {max} bytes below the node at offset {offset:#x}: the trie has a cycle"
    )]
    KeyTooLong {
        /// The node whose key became too long.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// One traversal visited more nodes than the file can hold: nodes are shared
    /// or the trie has a cycle.
    #[error("too many nodes visited at offset {offset:#x}: the trie is not a tree")]
    NotATree {
        /// The node being visited when the budget ran out.
        offset: usize,
    },
    /// Reading the file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

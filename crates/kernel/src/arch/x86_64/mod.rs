//! x86_64: relocations.
pub mod reloc;

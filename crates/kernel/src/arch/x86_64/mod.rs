//! x86_64: relocations and load-time code patching.
pub mod patch;
pub mod reloc;

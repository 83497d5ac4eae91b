//! lib/: strings, character classes, text search, and the kernel's other
//! library routines.

mod ctype;
pub mod string;
mod textsearch;

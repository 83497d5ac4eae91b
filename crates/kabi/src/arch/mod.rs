//! arch/: architecture code.

pub mod x86;

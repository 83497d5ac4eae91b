//! arch/x86: thunks, paravirt operations, CPU facts.

pub mod cpu;
mod paravirt;
mod thunks;
pub mod xstate;

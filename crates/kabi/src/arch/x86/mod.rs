//! arch/x86: thunks, paravirt operations, CPU facts.

pub mod cpu;
pub mod hyperv;
mod paravirt;
mod thunks;
pub mod xstate;

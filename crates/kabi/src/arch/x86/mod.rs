//! arch/x86: thunks, paravirt operations, CPU facts, FPU sections, MCE chain.

pub mod cpu;
pub mod fpu;
mod head_64;
mod hweight;
pub mod hyperv;
mod mce;
mod paravirt;
mod thunks;
pub mod xstate;

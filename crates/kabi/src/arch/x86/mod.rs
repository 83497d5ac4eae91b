//! arch/x86: thunks, paravirt operations, CPU facts.

mod paravirt;
mod thunks;

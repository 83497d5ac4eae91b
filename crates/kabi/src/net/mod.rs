//! net/: networking registration.

pub mod core;

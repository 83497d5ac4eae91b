//! mm/: memory allocation.

pub mod slab;
mod util;

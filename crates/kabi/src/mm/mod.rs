//! mm/: memory allocation.

pub mod page_alloc;
pub mod backing_dev;
mod mempool;
pub(crate) mod percpu;
pub mod slab;
mod util;
pub(crate) mod vmalloc;
mod vmscan;
mod zpool;

//! block/: block device registration.

pub mod genhd;

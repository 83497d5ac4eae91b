//! drivers/: the driver core (`base`) and the buses.

pub mod base;

//! kernel/: printk, panics, modules and their parameters, locking, time,
//! the usermode helper.

mod kmod;
pub mod locking;
pub mod module;
mod panic;
pub mod params;
pub mod printk;
pub mod time;

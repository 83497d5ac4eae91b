//! drivers/char: the misc devices.

pub mod misc;

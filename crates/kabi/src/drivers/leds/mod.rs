//! drivers/leds: LED triggers (`led-triggers.c`).

pub mod triggers;

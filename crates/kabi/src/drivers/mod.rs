//! drivers/: the driver core (`base`) and the buses.

pub mod acpi;
pub mod base;
pub mod char;
pub mod cpufreq;
pub mod dma;
pub mod edac;
pub mod firmware;
pub mod gpu;
pub mod i2c;
pub mod input;
pub mod leds;
pub mod pci;
pub mod pnp;
pub mod spi;
pub mod tty;
pub mod video;

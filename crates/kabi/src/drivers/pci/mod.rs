//! drivers/pci: the PCI bus (`pci_bus_type`) and its drivers
//! (`pci-driver.c`), and the device searches (`search.c`) over a bus with
//! no devices.

pub mod driver;
pub mod search;

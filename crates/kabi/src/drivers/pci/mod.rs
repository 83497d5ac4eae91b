//! drivers/pci: the PCI bus (`pci_bus_type`) and its drivers
//! (`pci-driver.c`), and the device searches (`search.c`) over a bus with
//! no devices.

pub mod driver;
pub mod search;

// `pci_pci_problems` (drivers/pci/pci.c): PCIPCI_* flags the chipset
// quirks set for host bridges with PCI-to-PCI transfer bugs (Triton,
// Natoma, VIA...). The host's machine has no PCI devices, so no quirk ran: 0.
crate::export_data!("pci_pci_problems", size 4, align 4);

//! drivers/pci/search.c: finding PCI devices. The host's PCI bus has no
//! devices: every search comes back empty (and drops the reference on
//! `from`, which can only be NULL since no device was ever handed out).

crate::kfn! {
    /// `pci_get_device(vendor, device, from)`: NULL.
    fn pci_get_device(_vendor: u32, _device: u32, _from: u64) -> u64 {
        0
    }
}

crate::kfn! {
    /// `pci_get_subsys(vendor, device, ss_vendor, ss_device, from)`: NULL.
    fn pci_get_subsys(_vendor: u32, _device: u32, _ss_vendor: u32, _ss_device: u32, _from: u64) -> u64 {
        0
    }
}

crate::kfn! {
    /// `pci_get_class(class, from)`: NULL.
    fn pci_get_class(_class: u32, _from: u64) -> u64 {
        0
    }
}

crate::kfn! {
    /// `pci_get_domain_bus_and_slot(domain, bus, devfn)`: NULL.
    fn pci_get_domain_bus_and_slot(_domain: i32, _bus: u32, _devfn: u32) -> u64 {
        0
    }
}

crate::kfn! {
    /// `pci_dev_present(ids)`: 0, no device matches.
    fn pci_dev_present(_ids: u64) -> i32 {
        0
    }
}

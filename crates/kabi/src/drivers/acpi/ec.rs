//! drivers/acpi/ec.c: the embedded controller. The namespace declares no
//! EC (no PNP0C09 device, no ECDT), so `first_ec` is NULL.

const ENODEV: i32 = -19;

crate::kfn! {
    /// `ec_read(addr, val)`: -ENODEV, there is no EC.
    fn ec_read(_addr: u8, _val: u64) -> i32 {
        ENODEV
    }
}

crate::kfn! {
    /// `ec_write(addr, val)`: -ENODEV, there is no EC.
    fn ec_write(_addr: u8, _val: u8) -> i32 {
        ENODEV
    }
}

crate::kfn! {
    /// `ec_transaction(command, wdata, wdata_len, rdata, rdata_len)`:
    /// -ENODEV, there is no EC.
    fn ec_transaction(_command: u8, _wdata: u64, _wlen: u32, _rdata: u64, _rlen: u32) -> i32 {
        ENODEV
    }
}

crate::kfn! {
    /// `ec_get_handle()`: the EC's handle; NULL, there is no EC.
    fn ec_get_handle() -> u64 {
        0
    }
}

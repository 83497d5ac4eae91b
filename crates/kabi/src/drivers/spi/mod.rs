//! drivers/spi/spi.c: the SPI bus (`spi_bus_type`) and its drivers. No SPI
//! controller exists on the host.

use crate::drivers::base::{cstr, driver, rd64, rd8, wr64};
use crate::layout::{bus_type, device_driver, of_device_id, spi_device_id, spi_driver};

crate::export_data!("spi_bus_type", size bus_type::SIZE, align 64, init = init_bus);

fn init_bus(addr: u64, _b: &crate::vmlinux::Builder) {
    crate::drivers::base::bus::register_builtin(addr, c"spi", &[]);
}

fn bus_addr() -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol("spi_bus_type"))
        .unwrap_or(0)
}

/// `sizeof(of_device_id.compatible)`.
const COMPATIBLE_LEN: usize = 128;

fn fixed_str(addr: u64, len: usize) -> String {
    // SAFETY: a char array of `len` bytes inside the module's table entry.
    let b = unsafe { std::slice::from_raw_parts(addr as *const u8, len) };
    let n = b.iter().position(|&c| c == 0).unwrap_or(len);
    String::from_utf8_lossy(&b[..n]).into_owned()
}

crate::kfn! {
    /// `__spi_register_driver(owner, sdrv)`: sets the owner and bus, warns
    /// (as Linux) about each device-tree compatible without a matching
    /// `spi_device_id`, and registers the driver.
    fn __spi_register_driver(owner: u64, sdrv: u64) -> i32 {
        let d = sdrv + spi_driver::driver;
        wr64(d + device_driver::owner, owner);
        wr64(d + device_driver::bus, bus_addr());
        let of = rd64(d + device_driver::of_match_table);
        if of != 0 {
            let drv_name = cstr(rd64(d + device_driver::name)).unwrap_or_default();
            let ids = rd64(sdrv + spi_driver::id_table);
            let mut e = of;
            while rd8(e + of_device_id::compatible) != 0 {
                let compatible = fixed_str(e + of_device_id::compatible, COMPATIBLE_LEN);
                let of_name = compatible.split_once(',').map(|(_, n)| n).unwrap_or(&compatible);
                let matched = if ids != 0 {
                    let mut i = ids;
                    let mut found = false;
                    while rd8(i + spi_device_id::name) != 0 {
                        if fixed_str(i + spi_device_id::name, 32) == of_name {
                            found = true;
                            break;
                        }
                        i += spi_device_id::SIZE;
                    }
                    found
                } else {
                    drv_name == of_name
                };
                if !matched {
                    crate::log::kernel_msg(4, &format!("SPI driver {drv_name} has no spi_device_id for {compatible}"));
                }
                e += of_device_id::SIZE;
            }
        }
        driver::register(d)
    }
}

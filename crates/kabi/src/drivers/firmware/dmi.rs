//! drivers/firmware/dmi_scan.c on a machine without an SMBIOS table.
//!
//! The host's firmware provides no SMBIOS/DMI entry point, so `dmi_scan_machine`
//! found nothing ("DMI not present or invalid."): `dmi_available` is 0,
//! every `dmi_ident[]` string is NULL, the DMI device list (OEM strings,
//! onboard devices, IPMI) and the memory-device table are empty, and
//! `dmi_kobj` was never created. The functions answer as Linux's do then.

use crate::drivers::base::{rd64, rd8, wr32};
use crate::layout::{dmi_strmatch, dmi_system_id};

crate::export_data!("dmi_available", size 4, align 4);
crate::export_data!("dmi_kobj", size 8, align 8);

/// `DMI_OEM_STRING` of `enum dmi_field`: matched against the OEM-string
/// devices, not `dmi_ident[]`.
const DMI_OEM_STRING: u8 = 24;
const ENODATA: i32 = -61;
const ENXIO: i32 = -6;

/// `dmi_ident[field]`: no SMBIOS table, no strings.
fn dmi_ident(_field: u8) -> Option<String> {
    None
}

/// `dmi_find_device(type, name, from)` on the empty device list.
fn find_device(_type: i32, _name: u64, _from: u64) -> u64 {
    0
}

/// The `i`-th `struct dmi_strmatch` of an entry: (slot, exact_match, substr).
fn strmatch(entry: u64, i: u64) -> (u8, bool, u64) {
    let m = entry + dmi_system_id::matches + i * dmi_strmatch::SIZE;
    // `unsigned char slot:7; unsigned char exact_match:1;` share byte 0
    let b = rd8(m);
    (b & 0x7f, b & 0x80 != 0, m + dmi_strmatch::substr)
}

/// `dmi_matches(dmi)`: every used match (up to the first DMI_NONE) holds.
fn matches(entry: u64) -> bool {
    let n = (dmi_strmatch::SIZE != 0)
        .then(|| (dmi_system_id::driver_data - dmi_system_id::matches) / dmi_strmatch::SIZE)
        .unwrap_or(0);
    for i in 0..n {
        let (slot, exact, substr) = strmatch(entry, i);
        if slot == 0 {
            break;
        }
        if slot == DMI_OEM_STRING {
            if find_device(-2, substr, 0) != 0 {
                continue;
            }
        } else if let Some(s) = dmi_ident(slot) {
            let want = crate::drivers::base::cstr(substr).unwrap_or_default();
            if (exact && s == want) || (!exact && s.contains(&want)) {
                continue;
            }
        }
        return false;
    }
    true
}

/// `dmi_is_end_of_table(d)`: the first match's slot is DMI_NONE.
fn end_of_table(entry: u64) -> bool {
    strmatch(entry, 0).0 == 0
}

crate::kfn! {
    /// `dmi_check_system(list)`: the number of entries that match, calling
    /// each match's callback until one returns non-zero. No DMI: 0.
    fn dmi_check_system(list: u64) -> i32 {
        let mut count = 0;
        let mut d = list;
        while !end_of_table(d) {
            if matches(d) {
                count += 1;
                let cb = rd64(d + dmi_system_id::callback);
                if cb != 0 && crate::fault::call_module(cb, [d, 0, 0, 0, 0, 0]).unwrap_or(0) as i32 != 0 {
                    break;
                }
            }
            d += dmi_system_id::SIZE;
        }
        count
    }
}

crate::kfn! {
    /// `dmi_first_match(list)`: the first matching entry. No DMI: NULL.
    fn dmi_first_match(list: u64) -> u64 {
        let mut d = list;
        while !end_of_table(d) {
            if matches(d) {
                return d;
            }
            d += dmi_system_id::SIZE;
        }
        0
    }
}

crate::kfn! {
    /// `dmi_get_system_info(field)`: `dmi_ident[field]`, NULL without DMI.
    fn dmi_get_system_info(_field: i32) -> u64 {
        0
    }
}

crate::kfn! {
    /// `dmi_match(f, str)`: whether the field equals `str`; a missing field
    /// equals only NULL (so `dmi_match(f, NULL)` is true without DMI).
    fn dmi_match(_field: i32, s: u64) -> bool {
        s == 0
    }
}

crate::kfn! {
    /// `dmi_name_in_vendors(str)`: whether a vendor/product string contains
    /// `str`. No DMI: 0.
    fn dmi_name_in_vendors(_s: u64) -> i32 {
        0
    }
}

crate::kfn! {
    /// `dmi_find_device(type, name, from)`: the next DMI device of the type
    /// and name. The list is empty: NULL.
    fn dmi_find_device(ty: i32, name: u64, from: u64) -> u64 {
        find_device(ty, name, from)
    }
}

crate::kfn! {
    /// `dmi_get_date(field, yearp, monthp, dayp)`: no such field: the
    /// non-NULL outputs get 0 and the answer is false.
    fn dmi_get_date(_field: i32, yearp: u64, monthp: u64, dayp: u64) -> bool {
        for p in [yearp, monthp, dayp] {
            if p != 0 {
                wr32(p, 0);
            }
        }
        false
    }
}

crate::kfn! {
    /// `dmi_get_bios_year()`: no BIOS date: -ENODATA.
    fn dmi_get_bios_year() -> i32 {
        ENODATA
    }
}

crate::kfn! {
    /// `dmi_walk(decode, private_data)`: no table to walk: -ENXIO.
    fn dmi_walk(_decode: u64, _private: u64) -> i32 {
        ENXIO
    }
}

crate::kfn! {
    /// `dmi_memdev_name(handle, bank, device)`: no memory devices; the
    /// outputs are left as they are.
    fn dmi_memdev_name(_handle: u16, _bank: u64, _device: u64) {}
}

crate::kfn! {
    /// `dmi_memdev_size(handle)`: unknown: ~0.
    fn dmi_memdev_size(_handle: u16) -> u64 {
        u64::MAX
    }
}

crate::kfn! {
    /// `dmi_memdev_type(handle)`: 0, not a valid type.
    fn dmi_memdev_type(_handle: u16) -> u8 {
        0
    }
}

crate::kfn! {
    /// `dmi_memdev_handle(slot)`: 0xffff, not a valid handle.
    fn dmi_memdev_handle(_slot: i32) -> u16 {
        0xffff
    }
}

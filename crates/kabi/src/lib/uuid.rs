//! lib/uuid.c: parsing, checking and generating UUIDs/GUIDs.

use super::hexdump::hex_val;

crate::export_data!("uuid_null", size 16, align 8);
crate::export_data!("guid_null", size 16, align 8);

/// Where byte i of the binary form comes from in "xxxxxxxx-xxxx-...".
const SI: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const GUID_INDEX: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

fn at(p: u64, i: usize) -> u8 {
    // SAFETY: the module's string, read up to its 36 characters (stopping
    // at the first that does not fit, so never past its NUL).
    unsafe { *((p as *const u8).add(i)) }
}

/// `uuid_is_valid`: 36 characters, hex digits with dashes at 8, 13, 18, 23.
fn valid(p: u64) -> bool {
    (0..36).all(|i| {
        let c = at(p, i);
        if matches!(i, 8 | 13 | 18 | 23) {
            c == b'-'
        } else {
            c.is_ascii_hexdigit()
        }
    })
}

fn parse(p: u64, out: *mut u8, index: &[usize; 16]) -> i32 {
    if !valid(p) {
        return -22;
    }
    for i in 0..16 {
        let v = (hex_val(at(p, SI[i])) << 4) | hex_val(at(p, SI[i] + 1));
        // SAFETY: the module's 16-byte uuid_t/guid_t.
        unsafe { *out.add(index[i]) = v as u8 };
    }
    0
}

crate::kfn! {
    /// `bool uuid_is_valid(uuid)`.
    fn uuid_is_valid(uuid: u64) -> bool {
        valid(uuid)
    }
}

crate::kfn! {
    /// `int guid_parse(uuid, guid_t *u)`: 0 or -EINVAL.
    fn guid_parse(uuid: u64, u: *mut u8) -> i32 {
        parse(uuid, u, &GUID_INDEX)
    }
}

crate::kfn! {
    /// `int uuid_parse(uuid, uuid_t *u)`: 0 or -EINVAL.
    fn uuid_parse(uuid: u64, u: *mut u8) -> i32 {
        parse(uuid, u, &std::array::from_fn(|i| i))
    }
}

fn random16(out: *mut u8) -> &'static mut [u8] {
    super::random::get_random_bytes(out, 16);
    // SAFETY: the module's 16-byte buffer.
    unsafe { std::slice::from_raw_parts_mut(out, 16) }
}

crate::kfn! {
    /// `void generate_random_uuid(unsigned char uuid[16])`: version 4, DCE variant.
    fn generate_random_uuid(out: *mut u8) {
        let b = random16(out);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
    }
}
crate::export_fn!("uuid_gen" => generate_random_uuid);

crate::kfn! {
    /// `void generate_random_guid(unsigned char guid[16])`: the version in byte 7.
    fn generate_random_guid(out: *mut u8) {
        let b = random16(out);
        b[7] = (b[7] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
    }
}
crate::export_fn!("guid_gen" => generate_random_guid);

//! drivers/base: buses, drivers, devices, classes (the driver core).
//!
//! The model is Linux on a machine without the modules' hardware: buses,
//! drivers and classes register and show in `/sys`, drivers probe nothing
//! because no device exists. The registries live here in Rust, keyed by the
//! address of the module's object, and forget objects in freed module
//! memory.

pub mod attrs;
pub mod auxiliary;
pub mod bus;
pub mod class;
pub mod core;
pub mod dd;
pub mod devres;
pub mod driver;
pub mod firmware_loader;
pub mod platform;
pub mod regmap;
pub mod transport_class;

use crate::layout;

/// Reads a word of module memory.
pub(crate) fn rd64(addr: u64) -> u64 {
    // SAFETY: callers pass fields of objects the module handed to the
    // kernel (a bus_type, a device_driver, ...), per the export's contract.
    unsafe { (addr as *const u64).read_unaligned() }
}

/// Writes a word of module memory.
pub(crate) fn wr64(addr: u64, v: u64) {
    // SAFETY: as for [`rd64`]: a field of the module's own object.
    unsafe { (addr as *mut u64).write_unaligned(v) }
}

pub(crate) fn rd8(addr: u64) -> u8 {
    // SAFETY: as for [`rd64`].
    unsafe { (addr as *const u8).read() }
}

pub(crate) fn wr8(addr: u64, v: u8) {
    // SAFETY: as for [`wr64`].
    unsafe { (addr as *mut u8).write(v) }
}

pub(crate) fn rd16(addr: u64) -> u16 {
    // SAFETY: as for [`rd64`].
    unsafe { (addr as *const u16).read_unaligned() }
}

pub(crate) fn rd32(addr: u64) -> u32 {
    // SAFETY: as for [`rd64`].
    unsafe { (addr as *const u32).read_unaligned() }
}

pub(crate) fn wr32(addr: u64, v: u32) {
    // SAFETY: as for [`wr64`].
    unsafe { (addr as *mut u32).write_unaligned(v) }
}

/// A C string of module memory (NULL: None), at most `max` bytes.
pub(crate) fn cstr(addr: u64) -> Option<String> {
    if addr < 4096 {
        return None;
    }
    // SAFETY: the module's NUL-terminated string (a name it registers).
    let b = unsafe { crate::abi::c_str(addr, 4096) };
    Some(String::from_utf8_lossy(b).into_owned())
}

/// The name of a `struct module` (its `name[56]`), None for NULL.
pub(crate) fn module_name(owner: u64) -> Option<String> {
    if owner == 0 {
        return None;
    }
    // SAFETY: `owner` is THIS_MODULE of the calling module; name is a
    // NUL-terminated char[56] inside it.
    let b = unsafe { crate::abi::c_str(owner + layout::module::name, 56) };
    Some(String::from_utf8_lossy(b).into_owned())
}

/// A zeroed allocation from the C allocator (what `kzalloc` gives), for
/// objects the kernel owns and modules may hold pointers to.
pub(crate) fn kzalloc(size: u64) -> u64 {
    // SAFETY: plain calloc; freed with [`kfree`] (or a module's kfree,
    // which is the C allocator's free).
    unsafe { libc::calloc(1, size as usize) as u64 }
}

pub(crate) fn kfree(p: u64) {
    if p > 16 {
        // SAFETY: `p` came from [`kzalloc`] or the C allocator.
        unsafe { libc::free(p as *mut libc::c_void) }
    }
}

/// A C string copy owned by the kernel (`kstrdup`).
pub(crate) fn kstrdup(s: &str) -> u64 {
    let p = kzalloc(s.len() as u64 + 1);
    if p != 0 {
        // SAFETY: `p` has room for the bytes and the NUL.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), p as *mut u8, s.len()) };
    }
    p
}

/// `ERR_PTR(err)`.
pub(crate) fn err_ptr(err: i32) -> u64 {
    err as i64 as u64
}

/// `IS_ERR_OR_NULL(p)`.
pub(crate) fn is_err_or_null(p: u64) -> bool {
    p == 0 || p >= (-4095i64) as u64
}

pub(crate) const EINVAL: i32 = -22;
pub(crate) const EBUSY: i32 = -16;
pub(crate) const EEXIST: i32 = -17;
pub(crate) const ENOMEM: i32 = -12;
pub(crate) const ENODEV: i32 = -19;

/// The messages of `sysfs_warn_dup` and `kobject_add_internal` when a
/// kobject's directory already exists (Linux also dumps the stack).
pub(crate) fn warn_dup(sysfs_path: &str, name: &str) {
    crate::log::kernel_msg(
        4,
        &format!("sysfs: cannot create duplicate filename '{sysfs_path}'"),
    );
    crate::log::kernel_msg(
        3,
        &format!("kobject_add_internal failed for {name} with -EEXIST, don't try to register things with the same name in the same directory."),
    );
}

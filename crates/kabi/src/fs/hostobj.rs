//! Objects the host owns and hands to modules by pointer (a debugfs
//! dentry and its inode, a proc_dir_entry, a name string): zero-filled C
//! memory that stays valid for the life of the process, because a module
//! may keep the pointer after the object is removed (Linux frees on the
//! last reference, which the host does not count).

/// A zero-filled block of `size` bytes, 16-aligned, never freed.
pub(crate) fn zalloc(size: u64) -> u64 {
    // SAFETY: calloc of a positive size; the block is leaked on purpose.
    let p = unsafe { libc::calloc(1, size.max(1) as usize) };
    assert!(!p.is_null(), "out of memory for a host object");
    p as u64
}

/// A NUL-terminated copy of `s`, never freed.
pub(crate) fn cstring(s: &[u8]) -> u64 {
    let p = zalloc(s.len() as u64 + 1);
    // SAFETY: p has s.len() + 1 bytes.
    unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), p as *mut u8, s.len()) };
    p
}

/// A C string from module memory (at most 4096 bytes), lossily as UTF-8.
pub(crate) fn cstr(p: u64) -> String {
    // SAFETY: the module passed a NUL-terminated string.
    String::from_utf8_lossy(unsafe { crate::abi::c_str(p, 4096) }).into_owned()
}

/// The bytes of a C string from module memory.
pub(crate) fn cbytes(p: u64) -> Vec<u8> {
    // SAFETY: as above.
    unsafe { crate::abi::c_str(p, 4096) }.to_vec()
}

/// Writes a u64 into a host object or a module object the caller knows to
/// be of the right type.
///
/// # Safety
/// `addr` must be valid for an 8-byte write.
pub(crate) unsafe fn put64(addr: u64, v: u64) {
    // SAFETY: per the contract.
    unsafe { (addr as *mut u64).write_unaligned(v) }
}

/// Reads a u64.
///
/// # Safety
/// `addr` must be valid for an 8-byte read.
pub(crate) unsafe fn get64(addr: u64) -> u64 {
    // SAFETY: per the contract.
    unsafe { (addr as *const u64).read_unaligned() }
}

/// `IS_ERR()`: the top 4095 values are error pointers.
pub(crate) fn is_err(p: u64) -> bool {
    p >= (-4095i64) as u64
}

/// `ERR_PTR(-errno)`.
pub(crate) fn err_ptr(errno: i64) -> u64 {
    (-errno) as u64
}

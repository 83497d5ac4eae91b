//! mm/util.c: copies of strings and memory in kmalloc'd memory.

crate::export_fn!("kstrdup" => kstrdup);
crate::export_fn!("kmemdup" => kmemdup);

extern "C" fn kstrdup(s: *const libc::c_char, _gfp: u32) -> *mut libc::c_char {
    if s.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: s is a C string; strdup allocates with the C allocator, which kfree frees.
    unsafe { libc::strdup(s) }
}

extern "C" fn kmemdup(p: *const u8, len: usize, _gfp: u32) -> *mut u8 {
    // SAFETY: p is readable for len bytes; malloc memory is what kfree frees.
    unsafe {
        let d = libc::malloc(len.max(1)) as *mut u8;
        if !d.is_null() {
            std::ptr::copy_nonoverlapping(p, d, len);
        }
        d
    }
}

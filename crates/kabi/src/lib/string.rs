//! The string and memory functions (with C semantics: the C library's own
//! implementations are exactly right for them).

crate::export_fn!("memcpy" => libc::memcpy);
crate::export_fn!("memmove" => libc::memmove);
crate::export_fn!("memset" => libc::memset);
crate::export_fn!("memcmp" => libc::memcmp);
crate::export_fn!("strlen" => libc::strlen);
crate::export_fn!("strnlen" => libc::strnlen);
crate::export_fn!("strcmp" => libc::strcmp);
crate::export_fn!("strncmp" => libc::strncmp);
crate::export_fn!("strcpy" => libc::strcpy);
crate::export_fn!("strncpy" => libc::strncpy);
crate::export_fn!("strcat" => libc::strcat);
crate::export_fn!("strchr" => libc::strchr);
crate::export_fn!("strrchr" => libc::strrchr);
crate::export_fn!("strstr" => libc::strstr);
crate::export_fn!("strscpy" => strscpy);

/// Copies at most `size - 1` bytes and NUL-terminates; -E2BIG on truncation.
extern "C" fn strscpy(dst: *mut u8, src: *const u8, size: usize) -> isize {
    if size == 0 {
        return -7;
    }
    // SAFETY: C string and buffer contract of strscpy.
    unsafe {
        let mut i = 0;
        while i < size - 1 {
            let c = *src.add(i);
            *dst.add(i) = c;
            if c == 0 {
                return i as isize;
            }
            i += 1;
        }
        *dst.add(i) = 0;
        if *src.add(i) == 0 {
            i as isize
        } else {
            -7 // -E2BIG
        }
    }
}

//! The string and memory functions (with C semantics: the C library's own
//! implementations are exactly right for them).

use crate::vmlinux::Builder;

pub(crate) fn install(b: &mut Builder) {
    for (name, f) in [
        ("memcpy", libc::memcpy as *const () as usize),
        ("memmove", libc::memmove as *const () as usize),
        ("memset", libc::memset as *const () as usize),
        ("memcmp", libc::memcmp as *const () as usize),
        ("strlen", libc::strlen as *const () as usize),
        ("strnlen", libc::strnlen as *const () as usize),
        ("strcmp", libc::strcmp as *const () as usize),
        ("strncmp", libc::strncmp as *const () as usize),
        ("strcpy", libc::strcpy as *const () as usize),
        ("strncpy", libc::strncpy as *const () as usize),
        ("strcat", libc::strcat as *const () as usize),
        ("strchr", libc::strchr as *const () as usize),
        ("strrchr", libc::strrchr as *const () as usize),
        ("strstr", libc::strstr as *const () as usize),
    ] {
        super::call(b, name, f);
    }
    super::call(b, "strscpy", strscpy as *const () as usize);
    super::call(b, "kstrdup", kstrdup as *const () as usize);
    super::call(b, "kmemdup", kmemdup as *const () as usize);
}

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

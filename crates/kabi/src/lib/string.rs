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

// lib/string.c functions whose C library versions have the kernel's
// semantics exactly (byte strings, no locale).
crate::export_fn!("strncat" => libc::strncat);
crate::export_fn!("memchr" => libc::memchr);
crate::export_fn!("strsep" => strsep);
crate::export_fn!("strspn" => libc::strspn);
crate::export_fn!("strcspn" => libc::strcspn);
crate::export_fn!("strpbrk" => libc::strpbrk);
crate::export_fn!("strnstr" => strnstr);

use super::ctype::{isspace, tolower};

fn at(p: u64, i: usize) -> u8 {
    // SAFETY: callers stay within the string or buffer the module passed.
    unsafe { *((p as *const u8).add(i)) }
}

fn c_len(p: u64) -> usize {
    // SAFETY: a NUL-terminated string of the module.
    unsafe { libc::strlen(p as *const libc::c_char) }
}

crate::kfn! {
    /// `size_t strlcpy(dest, src, size)`: copies at most size-1 bytes,
    /// NUL-terminates when size > 0; returns strlen(src).
    fn strlcpy(dest: u64, src: u64, size: usize) -> usize {
        let ret = c_len(src);
        if size > 0 {
            let len = ret.min(size - 1);
            // SAFETY: dest holds `size` bytes, src at least `len`.
            unsafe {
                std::ptr::copy(src as *const u8, dest as *mut u8, len);
                *((dest as *mut u8).add(len)) = 0;
            }
        }
        ret
    }
}

/// `size_t strlcat(dest, src, count)`: BUG()s (lib/string.c:337) when
/// dest is not NUL-terminated within count.
extern "C" fn strlcat(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    let (dest, src, count) = (a.arg(0), a.arg(1), a.arg(2) as usize);
    let dsize = c_len(dest);
    let mut len = c_len(src);
    let res = dsize + len;
    if dsize >= count {
        // SAFETY: `stack` is the trampoline's argument.
        let (ret, rsp) = unsafe { super::bug::caller(stack) };
        super::bug::host_bug("lib/string.c", 337, ret, rsp);
        return res as u64;
    }
    let room = count - dsize;
    if len >= room {
        len = room - 1;
    }
    // SAFETY: dest holds `count` bytes.
    unsafe {
        std::ptr::copy(src as *const u8, (dest as *mut u8).add(dsize), len);
        *((dest as *mut u8).add(dsize + len)) = 0;
    }
    res as u64
}
crate::export_variadic!("strlcat" => strlcat);

crate::kfn! {
    /// `char *strnchr(s, count, c)`: the first `c` among the first `count`
    /// bytes before the NUL.
    fn strnchr(s: u64, count: usize, c: i32) -> u64 {
        let mut i = 0;
        while i < count && at(s, i) != 0 {
            if at(s, i) == c as u8 {
                return s + i as u64;
            }
            i += 1;
        }
        0
    }
}

/// `char *strnstr(s1, s2, len)`.
extern "C" fn strnstr(s1: u64, s2: u64, len: usize) -> u64 {
    let l2 = c_len(s2);
    if l2 == 0 {
        return s1;
    }
    let mut len = len;
    let mut p = s1;
    while len >= l2 {
        len -= 1;
        // SAFETY: p..p+l2 lies within the first `len` bytes of s1.
        if unsafe { libc::memcmp(p as *const libc::c_void, s2 as *const libc::c_void, l2) } == 0 {
            return p;
        }
        p += 1;
    }
    0
}

crate::kfn! {
    /// `char *skip_spaces(str)`: past the leading white space.
    fn skip_spaces(s: u64) -> u64 {
        let mut i = 0;
        while isspace(at(s, i)) {
            i += 1;
        }
        s + i as u64
    }
}

crate::kfn! {
    /// `char *strim(s)`: cuts trailing white space, returns past the leading.
    fn strim(s: u64) -> u64 {
        let size = c_len(s);
        if size == 0 {
            return s;
        }
        let mut end = size;
        while end > 0 && isspace(at(s, end - 1)) {
            end -= 1;
        }
        // SAFETY: end <= size, inside the string.
        unsafe { *((s as *mut u8).add(end)) = 0 };
        skip_spaces(s)
    }
}

crate::kfn! {
    /// `void *memscan(addr, c, size)`: the first `c`, or addr + size.
    fn memscan(addr: u64, c: i32, size: usize) -> u64 {
        let mut i = 0;
        while i < size {
            if at(addr, i) == c as u8 {
                return addr + i as u64;
            }
            i += 1;
        }
        addr + size as u64
    }
}

crate::kfn! {
    /// `void *memchr_inv(start, c, bytes)`: the first byte that is not `c`.
    fn memchr_inv(start: u64, c: i32, bytes: usize) -> u64 {
        (0..bytes).find(|&i| at(start, i) != c as u8).map_or(0, |i| start + i as u64)
    }
}

crate::kfn! {
    /// `int strcasecmp(s1, s2)` with the kernel's tolower.
    fn strcasecmp(s1: u64, s2: u64) -> i32 {
        let mut i = 0;
        loop {
            let (c1, c2) = (tolower(at(s1, i)), tolower(at(s2, i)));
            if c1 != c2 || c1 == 0 {
                return i32::from(c1) - i32::from(c2);
            }
            i += 1;
        }
    }
}

crate::kfn! {
    /// `int strncasecmp(s1, s2, len)` with the kernel's tolower.
    fn strncasecmp(s1: u64, s2: u64, len: usize) -> i32 {
        let mut i = 0;
        while i < len {
            let (a, b) = (at(s1, i), at(s2, i));
            if a == 0 || b == 0 {
                return i32::from(tolower(a)) - i32::from(tolower(b));
            }
            let (c1, c2) = (tolower(a), tolower(b));
            if c1 != c2 {
                return i32::from(c1) - i32::from(c2);
            }
            i += 1;
        }
        0
    }
}

/// `sysfs_streq`: equal, or equal but for one newline that ends one side.
pub(crate) fn sysfs_streq_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[n..], &b[n..]);
    a == b || (a.is_empty() && b == b"\n") || (a == b"\n" && b.is_empty())
}

fn bytes<'a>(p: u64) -> &'a [u8] {
    // SAFETY: a NUL-terminated string of the module.
    unsafe { std::slice::from_raw_parts(p as *const u8, c_len(p)) }
}

crate::kfn! {
    /// `bool sysfs_streq(s1, s2)`.
    fn sysfs_streq(s1: u64, s2: u64) -> bool {
        sysfs_streq_bytes(bytes(s1), bytes(s2))
    }
}

crate::kfn! {
    /// `int match_string(array, n, string)`: index of `string`, stops at a
    /// NULL entry; -EINVAL if absent.
    fn match_string(array: u64, n: usize, string: u64) -> i32 {
        for i in 0..n {
            // SAFETY: an array of n string pointers of the module.
            let item = unsafe { *((array as *const u64).add(i)) };
            if item == 0 {
                break;
            }
            if bytes(item) == bytes(string) {
                return i as i32;
            }
        }
        -22
    }
}

crate::kfn! {
    /// `int __sysfs_match_string(array, n, str)`: like match_string with
    /// sysfs_streq, skipping NULL entries; -EINVAL if absent.
    fn __sysfs_match_string(array: u64, n: usize, s: u64) -> i32 {
        for i in 0..n {
            // SAFETY: an array of n string pointers of the module.
            let item = unsafe { *((array as *const u64).add(i)) };
            if item != 0 && sysfs_streq_bytes(bytes(item), bytes(s)) {
                return i as i32;
            }
        }
        -22
    }
}

extern "C" {
    fn strsep(s: *mut *mut libc::c_char, delim: *const libc::c_char) -> *mut libc::c_char;
}

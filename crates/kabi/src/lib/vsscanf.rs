//! lib/vsprintf.c, the scanning half: `sscanf` and `vsscanf` with the
//! kernel's conversions (%d %i %u %o %x %X %c %s %[set] %n %%, widths,
//! `*` suppression, the hh h l ll L z Z qualifiers) and its number parsing
//! (simple_strntoull: a "0x" prefix for base 16, base 0 picks 16, 8 or 10,
//! values wrap rather than fail). Returns the number of fields assigned.

use crate::printf::Args;

fn isspace(c: u8) -> bool {
    // lib/ctype.c: HT LF VT FF CR, space and NBSP (0xa0) are _S.
    matches!(c, 9..=13 | 32 | 0xa0)
}

/// The caller's string, read byte by byte (NUL ends it).
struct Str {
    p: u64,
}

impl Str {
    fn at(&self, i: u64) -> u8 {
        // SAFETY: the caller's NUL-terminated string; reads stop at the NUL.
        unsafe { ((self.p + i) as *const u8).read() }
    }
}

fn skip_spaces(s: &Str, mut i: u64) -> u64 {
    while isspace(s.at(i)) {
        i += 1;
    }
    i
}

fn digit_val(c: u8) -> Option<u32> {
    let lc = c | 0x20;
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        _ if (b'a'..=b'f').contains(&lc) => Some(u32::from(lc - b'a' + 10)),
        _ => None,
    }
}

/// simple_strntoull: (value, index after it).
fn strntoull(s: &Str, start: u64, max_chars: u64, mut base: u32) -> (u64, u64) {
    let mut i = start;
    if base == 0 {
        base = if s.at(i) == b'0' {
            if s.at(i + 1) | 0x20 == b'x' && s.at(i + 2).is_ascii_hexdigit() {
                16
            } else {
                8
            }
        } else {
            10
        };
    }
    if base == 16 && s.at(i) == b'0' && s.at(i + 1) | 0x20 == b'x' {
        i += 2;
    }
    let prefix = i - start;
    if prefix >= max_chars {
        // Field too short for prefix + digit: skipped without converting.
        return (0, start + max_chars);
    }
    let mut left = max_chars - prefix;
    let mut v: u64 = 0;
    while left > 0 {
        let Some(d) = digit_val(s.at(i)) else { break };
        if d >= base {
            break;
        }
        v = v.wrapping_mul(u64::from(base)).wrapping_add(u64::from(d));
        i += 1;
        left -= 1;
    }
    (v, i)
}

fn strntoll(s: &Str, start: u64, max_chars: u64, base: u32) -> (u64, u64) {
    if s.at(start) == b'-' && max_chars > 0 {
        let (v, e) = strntoull(s, start + 1, max_chars - 1, base);
        return (v.wrapping_neg(), e);
    }
    strntoull(s, start, max_chars, base)
}

fn store(ptr: u64, size: usize, v: u64) {
    // SAFETY: the caller's object of the conversion's size.
    unsafe {
        match size {
            1 => (ptr as *mut u8).write_unaligned(v as u8),
            2 => (ptr as *mut u16).write_unaligned(v as u16),
            4 => (ptr as *mut u32).write_unaligned(v as u32),
            _ => (ptr as *mut u64).write_unaligned(v),
        }
    }
}
fn put(ptr: u64, b: u8) {
    // SAFETY: the caller's buffer, as large as the conversion needs.
    unsafe { (ptr as *mut u8).write(b) }
}

/// `vsscanf(buf, fmt, args)`.
pub fn vsscanf_impl(buf: u64, fmt: u64, args: &mut dyn Args) -> i32 {
    let (s, f) = (Str { p: buf }, Str { p: fmt });
    let (mut si, mut fi) = (0u64, 0u64);
    let mut num = 0i32;
    while f.at(fi) != 0 {
        if isspace(f.at(fi)) {
            fi = skip_spaces(&f, fi + 1);
            si = skip_spaces(&s, si);
        }
        if f.at(fi) != b'%' && f.at(fi) != 0 {
            let c = f.at(fi);
            fi += 1;
            let d = s.at(si);
            si += 1;
            if c != d {
                break;
            }
            continue;
        }
        if f.at(fi) == 0 {
            break;
        }
        fi += 1;
        if f.at(fi) == b'*' {
            if s.at(si) == 0 {
                break;
            }
            while !isspace(f.at(fi)) && f.at(fi) != b'%' && f.at(fi) != 0 {
                if f.at(fi) == b'[' {
                    return num;
                }
                fi += 1;
            }
            while !isspace(s.at(si)) && s.at(si) != 0 {
                si += 1;
            }
            continue;
        }
        let mut width: i64 = -1;
        if f.at(fi).is_ascii_digit() {
            let mut w: i64 = 0;
            while f.at(fi).is_ascii_digit() {
                w = w.saturating_mul(10).saturating_add(i64::from(f.at(fi) - b'0'));
                fi += 1;
            }
            width = i64::from(w as i32);
            if width <= 0 {
                break;
            }
        }
        let mut qual = 0u8;
        let q = f.at(fi);
        if q == b'h' || q | 0x20 == b'l' || q == b'z' {
            qual = q;
            fi += 1;
            if f.at(fi) == qual {
                if qual == b'h' {
                    qual = b'H';
                    fi += 1;
                } else if qual == b'l' {
                    qual = b'L';
                    fi += 1;
                }
            }
        }
        if f.at(fi) == 0 {
            break;
        }
        if f.at(fi) == b'n' {
            store(args.next_u64(), 4, si);
            fi += 1;
            continue;
        }
        if s.at(si) == 0 {
            break;
        }
        let conv = f.at(fi);
        fi += 1;
        let (base, signed) = match conv {
            b'c' => {
                let mut out = args.next_u64();
                let mut w = if width == -1 { 1 } else { width };
                loop {
                    put(out, s.at(si));
                    out += 1;
                    si += 1;
                    w -= 1;
                    if w <= 0 || s.at(si) == 0 {
                        break;
                    }
                }
                num += 1;
                continue;
            }
            b's' => {
                let mut out = args.next_u64();
                let mut w = if width == -1 { i64::from(i16::MAX) } else { width };
                si = skip_spaces(&s, si);
                while s.at(si) != 0 && !isspace(s.at(si)) && w > 0 {
                    put(out, s.at(si));
                    out += 1;
                    si += 1;
                    w -= 1;
                }
                put(out, 0);
                num += 1;
                continue;
            }
            b'[' => {
                let mut out = args.next_u64();
                if width == -1 {
                    return num;
                }
                let negate = f.at(fi) == b'^';
                if negate {
                    fi += 1;
                }
                let mut set = [false; 256];
                let mut len = 0;
                while f.at(fi) != 0 && f.at(fi) != b']' {
                    set[f.at(fi) as usize] = true;
                    fi += 1;
                    len += 1;
                }
                if f.at(fi) == 0 || len == 0 {
                    return num;
                }
                fi += 1;
                if negate {
                    for b in set.iter_mut() {
                        *b = !*b;
                    }
                    set[0] = false;
                }
                if !set[s.at(si) as usize] {
                    return num;
                }
                let mut w = width;
                while set[s.at(si) as usize] && w > 0 {
                    put(out, s.at(si));
                    out += 1;
                    si += 1;
                    w -= 1;
                }
                put(out, 0);
                num += 1;
                continue;
            }
            b'o' => (8, false),
            b'x' | b'X' => (16, false),
            b'i' => (0, true),
            b'd' => (10, true),
            b'u' => (10, false),
            b'%' => {
                let d = s.at(si);
                si += 1;
                if d != b'%' {
                    return num;
                }
                continue;
            }
            _ => return num,
        };
        si = skip_spaces(&s, si);
        let mut digit = s.at(si);
        if signed && digit == b'-' {
            if width == 1 {
                break;
            }
            digit = s.at(si + 1);
        }
        let ok = match base {
            16 => digit.is_ascii_hexdigit(),
            10 | 0 => digit.is_ascii_digit(),
            _ => digit.is_ascii_digit() && digit <= b'7',
        };
        if digit == 0 || !ok {
            break;
        }
        let max = if width >= 0 { width as u64 } else { i32::MAX as u64 };
        let (v, next) = if signed { strntoll(&s, si, max, base) } else { strntoull(&s, si, max, base) };
        let size = match qual {
            b'H' => 1,
            b'h' => 2,
            b'l' | b'L' | b'z' | b'Z' => 8,
            _ => 4,
        };
        store(args.next_u64(), size, v);
        num += 1;
        si = next;
    }
    num
}

/// `int sscanf(buf, fmt, ...)`.
extern "C" fn sscanf(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let (buf, fmt) = (a.arg(0), a.arg(1));
    vsscanf_impl(buf, fmt, &mut a)
}
crate::export_variadic!("sscanf" => sscanf);

crate::kfn! {
    /// `int vsscanf(buf, fmt, va_list)`.
    fn vsscanf(buf: u64, fmt: u64, va: u64) -> i32 {
        let Some(mut a) = crate::printf::VaListArgs::new(&crate::kernel::printk::ModuleMemory, va) else { return 0 };
        vsscanf_impl(buf, fmt, &mut a)
    }
}

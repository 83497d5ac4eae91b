//! lib/kstrtox.c and the simple_strto* of lib/vsprintf.c: strings to
//! integers with Linux's rules (radix prefixes, one trailing newline,
//! -EINVAL for junk, -ERANGE for overflow).

const EINVAL: i32 = -22;
const ERANGE: i32 = -34;

fn at(p: u64, i: usize) -> u8 {
    // SAFETY: a NUL-terminated string of the module; reading stops at the
    // first byte that is not part of the number.
    unsafe { *((p as *const u8).add(i)) }
}

/// `_parse_integer_fixup_radix`: the base (0 → by prefix) and how many
/// prefix bytes to skip.
fn fixup_radix(s: u64, base: u32) -> (u32, usize) {
    let mut base = base;
    if base == 0 {
        base = if at(s, 0) == b'0' {
            if at(s, 1) | 0x20 == b'x' && at(s, 2).is_ascii_hexdigit() {
                16
            } else {
                8
            }
        } else {
            10
        };
    }
    if base == 16 && at(s, 0) == b'0' && at(s, 1) | 0x20 == b'x' {
        return (base, 2);
    }
    (base, 0)
}

/// `_parse_integer_limit`: (value, digits consumed, overflowed); the value
/// wraps as Linux's does.
fn parse_integer(s: u64, base: u32, max_chars: usize) -> (u64, usize, bool) {
    let mut res: u64 = 0;
    let mut n = 0;
    let mut overflow = false;
    while n < max_chars {
        let c = at(s, n);
        let lc = c | 0x20;
        let val = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else if (b'a'..=b'f').contains(&lc) {
            u32::from(lc - b'a') + 10
        } else {
            break;
        };
        if val >= base {
            break;
        }
        if res & (!0u64 << 60) != 0 && res > (u64::MAX - u64::from(val)) / u64::from(base) {
            overflow = true;
        }
        res = res.wrapping_mul(u64::from(base)).wrapping_add(u64::from(val));
        n += 1;
    }
    (res, n, overflow)
}

/// `_kstrtoull`.
fn kstrtoull_inner(s: u64, base: u32) -> Result<u64, i32> {
    let (base, skip) = fixup_radix(s, base);
    let s = s + skip as u64;
    let (v, n, overflow) = parse_integer(s, base, usize::MAX);
    if overflow {
        return Err(ERANGE);
    }
    if n == 0 {
        return Err(EINVAL);
    }
    let mut end = n;
    if at(s, end) == b'\n' {
        end += 1;
    }
    if at(s, end) != 0 {
        return Err(EINVAL);
    }
    Ok(v)
}

/// `kstrtoull`: an optional '+', then the number.
pub(crate) fn parse_u64(s: u64, base: u32) -> Result<u64, i32> {
    let s = if at(s, 0) == b'+' { s + 1 } else { s };
    kstrtoull_inner(s, base)
}

/// `kstrtoll`.
pub(crate) fn parse_i64(s: u64, base: u32) -> Result<i64, i32> {
    if at(s, 0) == b'-' {
        let t = kstrtoull_inner(s + 1, base)?;
        let v = (t as i64).wrapping_neg();
        if v > 0 {
            return Err(ERANGE);
        }
        Ok(v)
    } else {
        let t = parse_u64(s, base)?;
        if (t as i64) < 0 {
            return Err(ERANGE);
        }
        Ok(t as i64)
    }
}

macro_rules! kstrto {
    ($name:ident, $t:ty, $parse:ident) => {
        crate::kfn! {
            /// lib/kstrtox.c: 0, -EINVAL or -ERANGE; `*res` only on success.
            fn $name(s: u64, base: u32, res: *mut $t) -> i32 {
                match $parse(s, base).and_then(|v| <$t>::try_from(v).map_err(|_| ERANGE)) {
                    Ok(v) => {
                        // SAFETY: the module's result variable.
                        unsafe { res.write_unaligned(v) };
                        0
                    }
                    Err(e) => e,
                }
            }
        }
    };
}

kstrto!(kstrtoull, u64, parse_u64);
kstrto!(kstrtoll, i64, parse_i64);
kstrto!(_kstrtoul, u64, parse_u64);
kstrto!(_kstrtol, i64, parse_i64);
kstrto!(kstrtouint, u32, parse_u64);
kstrto!(kstrtoint, i32, parse_i64);
kstrto!(kstrtou16, u16, parse_u64);
kstrto!(kstrtos16, i16, parse_i64);
kstrto!(kstrtou8, u8, parse_u64);
kstrto!(kstrtos8, i8, parse_i64);

crate::kfn! {
    /// `int kstrtobool(s, res)`: y/Y/1/on → true, n/N/0/off → false.
    fn kstrtobool(s: u64, res: *mut bool) -> i32 {
        if s == 0 {
            return EINVAL;
        }
        let v = match at(s, 0) {
            b'y' | b'Y' | b'1' => true,
            b'n' | b'N' | b'0' => false,
            b'o' | b'O' => match at(s, 1) {
                b'n' | b'N' => true,
                b'f' | b'F' => false,
                _ => return EINVAL,
            },
            _ => return EINVAL,
        };
        // SAFETY: the module's result variable.
        unsafe { res.write(v) };
        0
    }
}

/// `simple_strntoull(s, INT_MAX, endp, base)`.
fn simple(s: u64, endp: *mut u64, base: u32) -> u64 {
    let (base, skip) = fixup_radix(s, base);
    let (v, n, _) = parse_integer(s + skip as u64, base, i32::MAX as usize - skip);
    if !endp.is_null() {
        // SAFETY: the module's end pointer variable.
        unsafe { endp.write(s + (skip + n) as u64) };
    }
    v
}

crate::kfn! {
    /// `unsigned long long simple_strtoull(cp, endp, base)`.
    fn simple_strtoull(cp: u64, endp: *mut u64, base: u32) -> u64 {
        simple(cp, endp, base)
    }
}
crate::export_fn!("simple_strtoul" => simple_strtoull);

crate::kfn! {
    /// `long long simple_strtoll(cp, endp, base)`: a leading '-' negates.
    fn simple_strtoll(cp: u64, endp: *mut u64, base: u32) -> i64 {
        if at(cp, 0) == b'-' {
            return (simple(cp + 1, endp, base) as i64).wrapping_neg();
        }
        simple(cp, endp, base) as i64
    }
}
crate::export_fn!("simple_strtol" => simple_strtoll);

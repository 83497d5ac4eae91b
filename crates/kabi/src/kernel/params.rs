//! The standard `kernel_param_ops`: `param_ops_{byte,short,ushort,int,uint,
//! long,ulong,ullong,hexint,bool,invbool,bint,charp,string}` and
//! `param_array_ops`, with Linux 6.1's parsing (`kstrto*`, base 0, one
//! trailing newline allowed, `-ERANGE` on overflow, `-EINVAL` on junk) and
//! formatting (`%hhu`, `%hi`, `%i`, ... each followed by a newline).
//!
//! `struct kernel_param`: name @0, mod @8, ops @16, perm @24, level @26,
//! flags @27, arg @32. `struct kernel_param_ops`: flags @0, set @8, get
//! @16, free @24 (flag 1 = NOARG).

use std::sync::Mutex;

use crate::abi::c_str;
use crate::vmlinux::Builder;

const EINVAL: i32 = 22;
const ERANGE: i32 = 34;
const ENOSPC: i32 = 28;
const NOARG: u32 = 1;
const KP_NAME: u64 = 0;
const KP_ARG: u64 = 32;

type SetFn = extern "C" fn(u64, u64) -> i32;
type GetFn = extern "C" fn(u64, u64) -> i32;

/// Exports `param_set_<set>`/`param_get_<get>` and the ops object
/// `param_ops_<name>` (`struct kernel_param_ops`: flags @0, set @8, get @16,
/// free @24) pointing at them.
macro_rules! param_ops {
    ($init:ident, $ops:literal, set $set:literal, get $get:literal, flags $flags:expr, free $free:expr) => {
        crate::export_data!($ops, size 32, align 8, init = $init);
        fn $init(ops: u64, b: &Builder) {
            let f = |n: &str| b.symbol(n).unwrap_or_else(|| panic!("{n} not exported"));
            let free: Option<&str> = $free;
            // SAFETY: a fresh 32-byte object in the read-write data area.
            unsafe {
                (ops as *mut u32).write($flags);
                ((ops + 8) as *mut u64).write(f($set));
                ((ops + 16) as *mut u64).write(f($get));
                ((ops + 24) as *mut u64).write(free.map_or(0, f));
            }
        }
    };
}

macro_rules! set_get {
    ($($name:literal: $set:ident, $get:ident;)*) => {
        $(
            crate::export_fn!(concat!("param_set_", $name) => $set);
            crate::export_fn!(concat!("param_get_", $name) => $get);
        )*
    };
}

set_get! {
    "byte": set_byte, get_byte;
    "short": set_short, get_short;
    "ushort": set_ushort, get_ushort;
    "int": set_int, get_int;
    "uint": set_uint, get_uint;
    "long": set_long, get_long;
    "ulong": set_ulong, get_ulong;
    "ullong": set_ullong, get_ullong;
    "hexint": set_uint, get_hexint;
    "bool": set_bool, get_bool;
    "invbool": set_invbool, get_invbool;
    "charp": set_charp, get_charp;
}
crate::export_fn!("param_set_bool_enable_only" => set_bool_enable_only);
crate::export_fn!("param_set_bint" => set_bint);
crate::export_fn!("param_free_charp" => free_charp);
crate::export_fn!("param_set_copystring" => set_copystring);
crate::export_fn!("param_get_string" => get_string);
crate::export_fn!("param_array_set" => array_set);
crate::export_fn!("param_array_get" => array_get);
crate::export_fn!("param_array_free" => array_free);

param_ops!(init_byte, "param_ops_byte", set "param_set_byte", get "param_get_byte", flags 0, free None);
param_ops!(init_short, "param_ops_short", set "param_set_short", get "param_get_short", flags 0, free None);
param_ops!(init_ushort, "param_ops_ushort", set "param_set_ushort", get "param_get_ushort", flags 0, free None);
param_ops!(init_int, "param_ops_int", set "param_set_int", get "param_get_int", flags 0, free None);
param_ops!(init_uint, "param_ops_uint", set "param_set_uint", get "param_get_uint", flags 0, free None);
param_ops!(init_long, "param_ops_long", set "param_set_long", get "param_get_long", flags 0, free None);
param_ops!(init_ulong, "param_ops_ulong", set "param_set_ulong", get "param_get_ulong", flags 0, free None);
param_ops!(init_ullong, "param_ops_ullong", set "param_set_ullong", get "param_get_ullong", flags 0, free None);
param_ops!(init_hexint, "param_ops_hexint", set "param_set_hexint", get "param_get_hexint", flags 0, free None);
param_ops!(init_bool, "param_ops_bool", set "param_set_bool", get "param_get_bool", flags NOARG, free None);
param_ops!(init_bool_eo, "param_ops_bool_enable_only", set "param_set_bool_enable_only", get "param_get_bool", flags NOARG, free None);
param_ops!(init_invbool, "param_ops_invbool", set "param_set_invbool", get "param_get_invbool", flags 0, free None);
param_ops!(init_bint, "param_ops_bint", set "param_set_bint", get "param_get_int", flags NOARG, free None);
param_ops!(init_charp, "param_ops_charp", set "param_set_charp", get "param_get_charp", flags 0, free Some("param_free_charp"));
param_ops!(init_string, "param_ops_string", set "param_set_copystring", get "param_get_string", flags 0, free None);
param_ops!(init_array, "param_array_ops", set "param_array_set", get "param_array_get", flags 0, free Some("param_array_free"));

/// Reads a word of a kernel_param (or any module structure).
fn rd(addr: u64) -> u64 {
    // SAFETY: the host calls these ops only with kernel_param structures of
    // loaded modules (or temporaries it built), as Linux does.
    unsafe { (addr as *const u64).read_unaligned() }
}

fn arg(kp: u64) -> u64 {
    rd(kp + KP_ARG)
}

fn kp_name(kp: u64) -> String {
    // SAFETY: kernel_param.name is a module string.
    String::from_utf8_lossy(unsafe { c_str(rd(kp + KP_NAME), 256) }).into_owned()
}

fn val<'a>(p: u64) -> Option<&'a [u8]> {
    // SAFETY: `p` is the NUL-terminated value the host passes (or NULL).
    (p != 0).then(|| unsafe { c_str(p, 1 << 20) })
}

/// `kstrtoull(s, 0)`: optional `+`, base from the prefix (0x → 16, 0 → 8),
/// at least one digit, one trailing newline allowed.
pub fn kstrtoull(s: &[u8]) -> Result<u64, i32> {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let (base, digits): (u64, &[u8]) = if (s.starts_with(b"0x") || s.starts_with(b"0X")) && s.get(2).is_some_and(|c| c.is_ascii_hexdigit()) {
        (16, &s[2..])
    } else if s.first() == Some(&b'0') {
        (8, s)
    } else {
        (10, s)
    };
    let mut v: u64 = 0;
    let mut n = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => u64::from(c - b'0'),
            b'a'..=b'f' => u64::from(c - b'a' + 10),
            b'A'..=b'F' => u64::from(c - b'A' + 10),
            _ => break,
        };
        if d >= base {
            break;
        }
        v = v.checked_mul(base).and_then(|v| v.checked_add(d)).ok_or(-ERANGE)?;
        n += 1;
    }
    if n == 0 {
        return Err(-EINVAL);
    }
    match &digits[n..] {
        b"" | b"\n" => Ok(v),
        _ => Err(-EINVAL),
    }
}

/// `kstrtoll(s, 0)`.
pub fn kstrtoll(s: &[u8]) -> Result<i64, i32> {
    if let Some(rest) = s.strip_prefix(b"-") {
        let v = kstrtoull(rest)?;
        if v > 1u64 << 63 {
            return Err(-ERANGE);
        }
        return Ok((v as i64).wrapping_neg());
    }
    let v = kstrtoull(s)?;
    i64::try_from(v).map_err(|_| -ERANGE)
}

/// `kstrtobool`.
pub fn kstrtobool(s: &[u8]) -> Result<bool, i32> {
    match s {
        [b'y' | b'Y' | b't' | b'T' | b'1', ..] => Ok(true),
        [b'n' | b'N' | b'f' | b'F' | b'0', ..] => Ok(false),
        [b'o' | b'O', b'n' | b'N', ..] => Ok(true),
        [b'o' | b'O', b'f' | b'F', ..] => Ok(false),
        _ => Err(-EINVAL),
    }
}

fn put(buf: u64, text: &str) -> i32 {
    let n = text.len().min(4095);
    // SAFETY: `buf` is the page-sized buffer sysfs passes to get.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
        *(buf as *mut u8).add(n) = 0;
    }
    n as i32
}

macro_rules! int_param {
    ($set:ident, $get:ident, $t:ty, $parse:ident, $fmt:expr) => {
        extern "C" fn $set(v: u64, kp: u64) -> i32 {
            let Some(s) = val(v) else { return -EINVAL };
            match $parse(s).and_then(|x| <$t>::try_from(x).map_err(|_| -ERANGE)) {
                // SAFETY: kp->arg points at the module's variable of this type.
                Ok(x) => unsafe {
                    (arg(kp) as *mut $t).write_unaligned(x);
                    0
                },
                Err(e) => e,
            }
        }
        extern "C" fn $get(buf: u64, kp: u64) -> i32 {
            // SAFETY: as above.
            let x = unsafe { (arg(kp) as *const $t).read_unaligned() };
            put(buf, &format!($fmt, x))
        }
    };
}

int_param!(set_byte, get_byte, u8, kstrtoull, "{}\n");
int_param!(set_short, get_short, i16, kstrtoll, "{}\n");
int_param!(set_ushort, get_ushort, u16, kstrtoull, "{}\n");
int_param!(set_int, get_int, i32, kstrtoll, "{}\n");
int_param!(set_uint, get_uint, u32, kstrtoull, "{}\n");
int_param!(set_long, get_long, i64, kstrtoll, "{}\n");
int_param!(set_ulong, get_ulong, u64, kstrtoull, "{}\n");
int_param!(set_ullong, get_ullong, u64, kstrtoull, "{}\n");

extern "C" fn get_hexint(buf: u64, kp: u64) -> i32 {
    // SAFETY: kp->arg points at an unsigned int.
    let x = unsafe { (arg(kp) as *const u32).read_unaligned() };
    // printf("%#08x"): "0x" counts towards the width of 8
    put(buf, &format!("{:#08x}\n", x))
}

fn parse_bool(v: u64) -> Result<bool, i32> {
    match val(v) {
        None => Ok(true),
        Some(s) => kstrtobool(s),
    }
}

extern "C" fn set_bool(v: u64, kp: u64) -> i32 {
    match parse_bool(v) {
        // SAFETY: kp->arg points at a bool.
        Ok(b) => unsafe {
            (arg(kp) as *mut u8).write(b as u8);
            0
        },
        Err(e) => e,
    }
}

extern "C" fn set_bool_enable_only(v: u64, kp: u64) -> i32 {
    // SAFETY: kp->arg points at a bool.
    let cur = unsafe { *(arg(kp) as *const u8) } != 0;
    match parse_bool(v) {
        Ok(false) if cur => -30, // -EROFS
        Ok(b) => set_bool(if b { b"1\0".as_ptr() as u64 } else { b"0\0".as_ptr() as u64 }, kp),
        Err(e) => e,
    }
}

extern "C" fn get_bool(buf: u64, kp: u64) -> i32 {
    // SAFETY: kp->arg points at a bool.
    let b = unsafe { *(arg(kp) as *const u8) } != 0;
    put(buf, if b { "Y\n" } else { "N\n" })
}

extern "C" fn set_invbool(v: u64, kp: u64) -> i32 {
    let Some(s) = val(v) else { return -EINVAL };
    match kstrtobool(s) {
        // SAFETY: kp->arg points at a bool.
        Ok(b) => unsafe {
            (arg(kp) as *mut u8).write((!b) as u8);
            0
        },
        Err(e) => e,
    }
}

extern "C" fn get_invbool(buf: u64, kp: u64) -> i32 {
    // SAFETY: kp->arg points at a bool.
    let b = unsafe { *(arg(kp) as *const u8) } != 0;
    put(buf, if b { "N\n" } else { "Y\n" })
}

extern "C" fn set_bint(v: u64, kp: u64) -> i32 {
    match parse_bool(v) {
        // SAFETY: kp->arg points at an int.
        Ok(b) => unsafe {
            (arg(kp) as *mut i32).write_unaligned(b as i32);
            0
        },
        Err(e) => e,
    }
}

/// Strings the charp setter allocated (only those are freed later).
static CHARP: Mutex<Vec<u64>> = Mutex::new(Vec::new());

fn charp_owned() -> std::sync::MutexGuard<'static, Vec<u64>> {
    CHARP.lock().unwrap_or_else(|e| e.into_inner())
}

fn maybe_free(p: u64) {
    let mut owned = charp_owned();
    if let Some(i) = owned.iter().position(|&x| x == p) {
        owned.swap_remove(i);
        // SAFETY: allocated by set_charp with the C allocator.
        unsafe { libc::free(p as *mut libc::c_void) };
    }
}

extern "C" fn set_charp(v: u64, kp: u64) -> i32 {
    let s = val(v).unwrap_or(b"");
    if s.len() > 1024 {
        crate::log::kernel_msg(3, &format!("{}: string parameter too long", kp_name(kp)));
        return -ENOSPC;
    }
    // SAFETY: kp->arg points at a char *.
    let old = unsafe { (arg(kp) as *const u64).read_unaligned() };
    maybe_free(old);
    // SAFETY: a fresh allocation of len+1 bytes, filled and terminated.
    unsafe {
        let p = libc::malloc(s.len() + 1) as *mut u8;
        if p.is_null() {
            return -12;
        }
        std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        *p.add(s.len()) = 0;
        charp_owned().push(p as u64);
        (arg(kp) as *mut u64).write_unaligned(p as u64);
    }
    0
}

extern "C" fn get_charp(buf: u64, kp: u64) -> i32 {
    // SAFETY: kp->arg points at a char * (possibly NULL).
    let p = unsafe { (arg(kp) as *const u64).read_unaligned() };
    // SAFETY: a C string or NULL.
    let s = if p == 0 { "(null)".to_string() } else { String::from_utf8_lossy(unsafe { c_str(p, 1 << 16) }).into_owned() };
    put(buf, &format!("{s}\n"))
}

extern "C" fn free_charp(a: u64) {
    // SAFETY: `a` is the address of the char * variable.
    let p = unsafe { (a as *const u64).read_unaligned() };
    maybe_free(p);
}

/// `struct kparam_string`: maxlen @0 (u32), string @8.
extern "C" fn set_copystring(v: u64, kp: u64) -> i32 {
    let s = val(v).unwrap_or(b"");
    let kps = arg(kp);
    // SAFETY: kp->str points at the module's kparam_string.
    let (maxlen, dst) = unsafe { ((kps as *const u32).read_unaligned(), rd(kps + 8)) };
    if s.len() + 1 > maxlen as usize {
        crate::log::kernel_msg(3, &format!("{}: string doesn't fit in {} chars.", kp_name(kp), maxlen.saturating_sub(1)));
        return -ENOSPC;
    }
    // SAFETY: the destination has maxlen bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), dst as *mut u8, s.len());
        *(dst as *mut u8).add(s.len()) = 0;
    }
    0
}

extern "C" fn get_string(buf: u64, kp: u64) -> i32 {
    let kps = arg(kp);
    // SAFETY: as above.
    let s = String::from_utf8_lossy(unsafe { c_str(rd(kps + 8), 1 << 16) }).into_owned();
    put(buf, &format!("{s}\n"))
}

/// `struct kparam_array`: max @0 (u32), elemsize @4 (u32), num @8 (u32 *),
/// ops @16, elem @24.
struct Arr {
    max: u32,
    elemsize: u32,
    num: u64,
    ops: u64,
    elem: u64,
}

fn arr(kp: u64) -> Arr {
    let a = arg(kp);
    // SAFETY: kp->arr points at the module's kparam_array.
    unsafe {
        Arr {
            max: (a as *const u32).read_unaligned(),
            elemsize: ((a + 4) as *const u32).read_unaligned(),
            num: rd(a + 8),
            ops: rd(a + 16),
            elem: rd(a + 24),
        }
    }
}

/// A temporary kernel_param for one element (name, mod, ops, arg copied).
fn elem_kp(kp: u64, a: &Arr, i: u64) -> [u64; 5] {
    [rd(kp + KP_NAME), rd(kp + 8), a.ops, rd(kp + 24), a.elem + u64::from(a.elemsize) * i]
}

extern "C" fn array_set(v: u64, kp: u64) -> i32 {
    let a = arr(kp);
    let Some(s) = val(v) else { return -EINVAL };
    let set: SetFn = {
        // SAFETY: arr->ops->set is a host or module function of that type.
        unsafe { std::mem::transmute(rd(a.ops + 8) as usize) }
    };
    let mut num: u32 = 0;
    for piece in s.split(|&c| c == b',') {
        if num == a.max {
            crate::log::kernel_msg(3, &format!("{}: can only take {} arguments", kp_name(kp), a.max));
            return -EINVAL;
        }
        let mut z = piece.to_vec();
        z.push(0);
        let tmp = elem_kp(kp, &a, u64::from(num));
        let r = set(z.as_ptr() as u64, tmp.as_ptr() as u64);
        if r != 0 {
            return r;
        }
        num += 1;
    }
    if a.num != 0 {
        // SAFETY: arr->num points at the module's count.
        unsafe { (a.num as *mut u32).write_unaligned(num) };
    }
    0
}

extern "C" fn array_get(buf: u64, kp: u64) -> i32 {
    let a = arr(kp);
    // SAFETY: as in array_set.
    let get: GetFn = unsafe { std::mem::transmute(rd(a.ops + 16) as usize) };
    // SAFETY: arr->num points at the count when set.
    let n = if a.num != 0 { unsafe { (a.num as *const u32).read_unaligned() } } else { a.max };
    let mut off: usize = 0;
    for i in 0..n {
        if i > 0 {
            // SAFETY: within the page buffer (previous element ended with '\n').
            unsafe { *(buf as *mut u8).add(off - 1) = b',' };
        }
        let tmp = elem_kp(kp, &a, u64::from(i));
        let r = get(buf + off as u64, tmp.as_ptr() as u64);
        if r < 0 {
            return r;
        }
        off += r as usize;
    }
    // SAFETY: within the page buffer.
    unsafe { *(buf as *mut u8).add(off) = 0 };
    off as i32
}

extern "C" fn array_free(a_ptr: u64) {
    // `arg` here is the kparam_array itself.
    // SAFETY: as in arr().
    let (max, elemsize, ops, elem) = unsafe { ((a_ptr as *const u32).read_unaligned(), ((a_ptr + 4) as *const u32).read_unaligned(), rd(a_ptr + 16), rd(a_ptr + 24)) };
    let free = rd(ops + 24);
    if free == 0 {
        return;
    }
    // SAFETY: ops->free is a host or module function taking the element address.
    let f: extern "C" fn(u64) = unsafe { std::mem::transmute(free as usize) };
    for i in 0..u64::from(max) {
        f(elem + u64::from(elemsize) * i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kstrto() {
        assert_eq!(kstrtoull(b"0x1f"), Ok(31));
        assert_eq!(kstrtoull(b"017"), Ok(15));
        assert_eq!(kstrtoull(b"42\n"), Ok(42));
        assert_eq!(kstrtoull(b"+7"), Ok(7));
        assert_eq!(kstrtoull(b"42\n\n"), Err(-EINVAL));
        assert_eq!(kstrtoull(b""), Err(-EINVAL));
        assert_eq!(kstrtoull(b"x"), Err(-EINVAL));
        assert_eq!(kstrtoull(b"99999999999999999999"), Err(-ERANGE));
        assert_eq!(kstrtoll(b"-5"), Ok(-5));
        assert_eq!(kstrtoll(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(kstrtoll(b"9223372036854775808"), Err(-ERANGE));
        assert_eq!(kstrtobool(b"on"), Ok(true));
        assert_eq!(kstrtobool(b"of"), Ok(false));
        assert_eq!(kstrtobool(b"x"), Err(-EINVAL));
        assert_eq!(kstrtoull(b"0"), Ok(0));
        assert_eq!(kstrtoull(b"0x"), Err(-EINVAL));
    }
}

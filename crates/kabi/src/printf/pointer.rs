//! `%p` and its extensions.
//!
//! | format | output |
//! |---|---|
//! | `%p`, `%pF`, unknown letters | hashed: `00000000` + 8 hex digits of SipHash-2-4; NULL/ERR_PTR raw |
//! | `%px` | raw: 16 hex digits |
//! | `%pK` | `kptr_restrict` 0: as `%p`; otherwise zeros |
//! | `%pS` `%pSR` `%pSb` | `name+0xoff/0xsize [module]`, unknown: `0x` + address |
//! | `%ps` | `name [module]` |
//! | `%pB` `%pBb` | backtrace: symbolizes `addr - 1`, prints the offset + 1 |
//! | `%pM` `%pMR` `%pMF` `%pm` `%pmR` | MAC address |
//! | `%pI4[hlnb]` `%pi4` `%pI6` `%pI6c` `%pi6` `%pIS[pfsc]` `%piS` | IP address |
//! | `%pU[bBlL]` | UUID (`l`/`L`: little-endian GUID byte order; `B`/`L`: upper case) |
//! | `%ph[CDN]`, `%*ph` | hex dump of 1 (or width, at most 64) bytes, space/`:`/`-`/no separator |
//! | `%pE[achnops]`, `%*pE` | escaped buffer of 1 (or width) bytes |
//! | `%pa` `%pap` `%pad` | `0x` + 16 digits of the phys_addr_t/dma_addr_t *at* the pointer |
//! | `%pNF` | `0x` + 16 digits of the netdev_features_t at the pointer |
//! | `%pV` | nested `struct va_format { const char *fmt; va_list *va; }` |
//! | `%pe` | `-ENOMEM` (decimal when unnamed); a non-ERR_PTR is `%p` |
//! | `%pd` `%pd2..4`, `%pD` `%pD2..4` | dentry / file name (6.1 x86-64 layouts) |
//! | `%pR` `%pr` | `[mem 0xfe000000-0xfe0fffff 64bit pref]` / `[mem ... flags 0x...]` |
//! | `%pb` `%pbl`, `%*pb` | bitmap of width bits, hex chunks / ranges |
//! | `%p4cc` | `abcd little-endian (0x64636261)` |
//! | `%ptR[dt][rs]` `%ptT[dt][rs]` | `2024-01-31T12:34:56` from `struct rtc_time` / `time64_t` |
//! | `%pks` `%pus` | string (`%pk`/`%pu` otherwise `(einval)`) |
//! | `%pGp` `%pGg` `%pGv` | flags as `0x...` (the kernel also names them; the host has no tables) |
//! | `%pC` `%pg` `%pfw` | placeholders `(%pC?)` `(%pg?)` `(%pfw?)` after the pointer check (no clk / block device / fwnode objects on the host) |
//! | `%pO` | `(%pOF?)` (Debian's 6.1 has no CONFIG_OF) or `(%pO?)` |
//! | `%pf` | `(%pf?)` (`%pf`/`%pF` were removed in 5.x; `%pf` now means fwnode) |
//! | `%pA` | `(%pA?)` and a warning (no CONFIG_RUST) |
//!
//! Extensions that dereference check the pointer first: NULL prints
//! `(null)`, an address below 4096 or an ERR_PTR `(efault)` (cut at 16
//! bytes and padded to the width); so does memory [`Memory`] cannot read.
//!
//! [`Memory`]: super::Memory

use super::escape::{
    escape_mem, ESCAPE_ANY, ESCAPE_ANY_NP, ESCAPE_HEX, ESCAPE_NP, ESCAPE_NULL, ESCAPE_OCTAL,
    ESCAPE_SPACE, ESCAPE_SPECIAL,
};
use super::{
    check_pointer_msg, errname, error_string, hash_pointer, is_err_value, k_isprint, net, number,
    special_hex_number, string_nocheck, time, Ctx, Sink, Spec, VaListArgs, Warning, EFAULT,
    MAX_PV_DEPTH, SIGN, SMALL, ZEROPAD,
};

/// Format the pointer argument `addr` by the extension letters `ext` (the
/// alphanumeric run after `%p`).
pub(crate) fn pointer(ctx: &mut Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    let e = |k: usize| ext.get(k).copied().unwrap_or(0);
    match e(0) {
        b'S' | b's' | b'B' => symbol(ctx, sink, ext, addr, spec),
        b'R' | b'r' => resource(ctx, sink, ext, addr, spec),
        b'h' => hex_string(ctx, sink, ext, addr, spec),
        b'b' => bitmap(ctx, sink, ext, addr, spec),
        b'M' | b'm' => net::mac_address(ctx, sink, ext, addr, spec),
        b'I' | b'i' => net::ip_addr(ctx, sink, ext, addr, spec),
        b'E' => escaped_string(ctx, sink, ext, addr, spec),
        b'U' => uuid(ctx, sink, ext, addr, spec),
        b'V' => va_format(ctx, sink, addr, spec),
        b'K' => restricted_pointer(ctx, sink, addr, spec),
        b'N' => {
            if e(1) == b'F' || check_pointer_msg(addr).is_some() {
                with_u64(ctx, sink, addr, spec, |sink, v| {
                    special_hex_number(sink, v, 8)
                })
            } else {
                error_string(sink, b"(%pN?)", spec)
            }
        }
        b'4' => fourcc(ctx, sink, ext, addr, spec),
        b'a' => with_u64(ctx, sink, addr, spec, |sink, v| {
            special_hex_number(sink, v, 8)
        }),
        b'd' => dentry_name(ctx, sink, ext, addr, spec),
        b'D' => {
            if let Some(msg) = check_pointer_msg(addr) {
                return error_string(sink, msg, spec);
            }
            match ctx.read_u64(addr + FILE_F_PATH_DENTRY) {
                Some(dentry) => dentry_name(ctx, sink, ext, dentry, spec),
                None => error_string(sink, EFAULT, spec),
            }
        }
        b't' => time_and_date(ctx, sink, ext, addr, spec),
        b'C' => placeholder(sink, addr, spec, b"(%pC?)"),
        b'g' => placeholder(sink, addr, spec, b"(%pg?)"),
        b'G' => flags(ctx, sink, ext, addr, spec),
        b'O' => {
            let msg: &[u8] = if e(1) == b'F' { b"(%pOF?)" } else { b"(%pO?)" };
            error_string(sink, msg, spec)
        }
        b'f' => {
            if e(1) != b'w' {
                error_string(sink, b"(%pf?)", spec)
            } else {
                placeholder(sink, addr, spec, b"(%pfw?)")
            }
        }
        b'A' => {
            ctx.warn(Warning::RustPointerFormat);
            error_string(sink, b"(%pA?)", spec)
        }
        b'x' => pointer_string(sink, addr, spec),
        b'e' => {
            if !is_err_value(addr) {
                return default_pointer(ctx, sink, addr, spec);
            }
            let err = addr as i64 as i32;
            match errname(err) {
                Some(name) => string_nocheck(sink, name.as_bytes(), spec),
                None => {
                    let spec = Spec {
                        flags: spec.flags | SIGN,
                        base: 10,
                        ..spec
                    };
                    number(sink, err as i64 as u64, spec)
                }
            }
        }
        b'u' | b'k' => {
            if e(1) == b's' {
                ctx.string(sink, addr, spec)
            } else {
                error_string(sink, b"(einval)", spec)
            }
        }
        _ => default_pointer(ctx, sink, addr, spec),
    }
}

/// `struct file`: `f_path.dentry` (after a 16-byte union and `f_path.mnt`).
const FILE_F_PATH_DENTRY: u64 = 24;
/// `struct dentry`: `d_parent` (after d_flags, a 4-byte d_seq without
/// lockdep, and the 16-byte d_hash).
const DENTRY_D_PARENT: u64 = 24;
/// `struct dentry`: `d_name.name` (after `d_name.hash_len`).
const DENTRY_D_NAME_NAME: u64 = 40;

/// The kernel's `pointer_string()`: hex, 16 zero-padded digits by default.
pub(crate) fn pointer_string(sink: &mut Sink, value: u64, mut spec: Spec) {
    spec.base = 16;
    spec.flags |= SMALL;
    if spec.field_width == -1 {
        spec.field_width = 16;
        spec.flags |= ZEROPAD;
    }
    number(sink, value, spec);
}

/// Plain `%p`: hashed unless `no_hash_pointers`; NULL and ERR_PTR values
/// are printed as they are.
fn default_pointer(ctx: &Ctx, sink: &mut Sink, addr: u64, spec: Spec) {
    if ctx.opts.no_hash_pointers || addr == 0 || is_err_value(addr) {
        return pointer_string(sink, addr, spec);
    }
    pointer_string(sink, hash_pointer(addr, &ctx.opts.ptr_key), spec)
}

fn restricted_pointer(ctx: &Ctx, sink: &mut Sink, addr: u64, spec: Spec) {
    match ctx.opts.kptr_restrict {
        0 => default_pointer(ctx, sink, addr, spec),
        _ => pointer_string(sink, 0, spec),
    }
}

fn placeholder(sink: &mut Sink, addr: u64, spec: Spec, msg: &[u8]) {
    error_string(sink, check_pointer_msg(addr).unwrap_or(msg), spec);
}

/// Check the pointer, read the u64 it points at, and print it with `f`.
fn with_u64(ctx: &Ctx, sink: &mut Sink, addr: u64, spec: Spec, f: impl FnOnce(&mut Sink, u64)) {
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    match ctx.read_u64(addr) {
        Some(v) => f(sink, v),
        None => error_string(sink, EFAULT, spec),
    }
}

/// `%pS %ps %pB` and their `R`/`b` variants (`R` is a no-op on x86;
/// Debian's kernel has no CONFIG_STACKTRACE_BUILD_ID, so `b` adds nothing).
fn symbol(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    let backtrace = ext[0] == b'B';
    let with_offset = ext[0] != b's';
    let lookup = if backtrace {
        addr.wrapping_sub(1)
    } else {
        addr
    };
    let text = match ctx.mem.symbol(lookup) {
        None => format!("0x{addr:x}"),
        Some((name, offset, size, module)) => {
            let mut s = name;
            if with_offset {
                let offset = if backtrace {
                    offset.wrapping_add(1)
                } else {
                    offset
                };
                s += &format!("+{}/{}", alt_hex(offset), alt_hex(size));
            }
            if let Some(m) = module {
                s += &format!(" [{m}]");
            }
            s
        }
    };
    string_nocheck(sink, text.as_bytes(), spec);
}

/// `%#lx` as the kernel prints it (`0x0` for zero).
fn alt_hex(v: u64) -> String {
    format!("0x{v:x}")
}

/// `%ph`: a hex dump of the field width's count of bytes (1 without one,
/// at most 64).
fn hex_string(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if spec.field_width == 0 {
        return;
    }
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let separator = match ext.get(1) {
        Some(b'C') => Some(b':'),
        Some(b'D') => Some(b'-'),
        Some(b'N') => None,
        _ => Some(b' '),
    };
    let len = if spec.field_width > 0 {
        spec.field_width.min(64) as usize
    } else {
        1
    };
    let Some(bytes) = ctx.read(addr, len) else {
        return error_string(sink, EFAULT, spec);
    };
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in bytes[..len].iter().enumerate() {
        sink.push(HEX[(b >> 4) as usize]);
        sink.push(HEX[(b & 15) as usize]);
        if let Some(sep) = separator {
            if i != len - 1 {
                sink.push(sep);
            }
        }
    }
}

/// `%pE`: escape the field width's count of bytes (1 without one).
fn escaped_string(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if spec.field_width == 0 {
        return;
    }
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let mut flags = 0;
    for &c in ext.iter().skip(1) {
        flags |= match c {
            b'a' => ESCAPE_ANY,
            b'c' => ESCAPE_SPECIAL,
            b'h' => ESCAPE_HEX,
            b'n' => ESCAPE_NULL,
            b'o' => ESCAPE_OCTAL,
            b'p' => ESCAPE_NP,
            b's' => ESCAPE_SPACE,
            _ => break,
        };
    }
    if flags == 0 {
        flags = ESCAPE_ANY_NP;
    }
    let len = if spec.field_width < 0 {
        1
    } else {
        spec.field_width as usize
    };
    let Some(bytes) = ctx.read(addr, len) else {
        return error_string(sink, EFAULT, spec);
    };
    let mut out = Vec::with_capacity(len);
    escape_mem(&bytes[..len], flags, &mut out);
    sink.extend(&out);
}

/// `%pU[bBlL]`.
fn uuid(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let Some(b) = ctx.read(addr, 16) else {
        return error_string(sink, EFAULT, spec);
    };
    const UUID_INDEX: [usize; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    const GUID_INDEX: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let (index, upper) = match ext.get(1) {
        Some(b'L') => (&GUID_INDEX, true),
        Some(b'l') => (&GUID_INDEX, false),
        Some(b'B') => (&UUID_INDEX, true),
        _ => (&UUID_INDEX, false),
    };
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Vec::with_capacity(36);
    for (i, &ix) in index.iter().enumerate() {
        out.push(digits[(b[ix] >> 4) as usize]);
        out.push(digits[(b[ix] & 15) as usize]);
        if matches!(i, 3 | 5 | 7 | 9) {
            out.push(b'-');
        }
    }
    string_nocheck(sink, &out, spec);
}

/// `%pV`: `struct va_format { const char *fmt; va_list *va; }`, formatted
/// in place with a copy of the `va_list`.
fn va_format(ctx: &mut Ctx, sink: &mut Sink, addr: u64, spec: Spec) {
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    if ctx.depth >= MAX_PV_DEPTH {
        ctx.warn(Warning::NestingTooDeep);
        return error_string(sink, b"(%pV?)", spec);
    }
    let (Some(fmt_addr), Some(va_addr)) = (ctx.read_u64(addr), ctx.read_u64(addr + 8)) else {
        return error_string(sink, EFAULT, spec);
    };
    if let Some(msg) = check_pointer_msg(fmt_addr).or(check_pointer_msg(va_addr)) {
        return error_string(sink, msg, spec);
    }
    let mem = ctx.mem;
    let (Some(fmt), Some(mut args)) = (
        mem.c_str(fmt_addr, usize::MAX),
        VaListArgs::new(mem, va_addr),
    ) else {
        return error_string(sink, EFAULT, spec);
    };
    ctx.depth += 1;
    ctx.run(sink, &fmt, &mut args);
    ctx.depth -= 1;
}

/// `%p4cc`: a V4L2/DRM four-character code.
fn fourcc(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if ext.get(1) != Some(&b'c') || ext.get(2) != Some(&b'c') {
        return error_string(sink, b"(%p4?)", spec);
    }
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let Some(b) = ctx.read(addr, 4) else {
        return error_string(sink, EFAULT, spec);
    };
    let orig = u32::from_le_bytes(b[..4].try_into().unwrap());
    let val = orig & !(1 << 31);
    let mut out = Vec::new();
    for i in 0..4 {
        let c = (val >> (i * 8)) as u8;
        out.push(if c.is_ascii() && k_isprint(c) {
            c
        } else {
            b'.'
        });
    }
    out.extend_from_slice(if orig & (1 << 31) != 0 {
        b" big-endian ("
    } else {
        b" little-endian ("
    });
    let mut hex = Sink::new(usize::MAX);
    special_hex_number(&mut hex, orig as u64, 4);
    out.extend_from_slice(&hex.buf);
    out.push(b')');
    string_nocheck(sink, &out, spec);
}

/// `%pd`, `%pd2`..`%pd4`: the last 1..4 components of a dentry's path.
fn dentry_name(ctx: &Ctx, sink: &mut Sink, ext: &[u8], mut d: u64, spec: Spec) {
    let depth = match ext.get(1) {
        Some(&c @ b'2'..=b'4') => (c - b'0') as usize,
        _ => 1,
    };
    // Names from the dentry upwards; the root's "/" is dropped unless the
    // root is the dentry itself.
    let mut names: Vec<Vec<u8>> = Vec::new();
    for i in 0..depth {
        if let Some(msg) = check_pointer_msg(d) {
            return error_string(sink, msg, spec);
        }
        let (Some(parent), Some(name_ptr)) = (
            ctx.read_u64(d + DENTRY_D_PARENT),
            ctx.read_u64(d + DENTRY_D_NAME_NAME),
        ) else {
            return error_string(sink, EFAULT, spec);
        };
        if parent == d {
            if i > 0 {
                names.push(Vec::new());
            } else {
                match ctx.mem.c_str(name_ptr, usize::MAX) {
                    Some(n) => names.push(n),
                    None => return error_string(sink, EFAULT, spec),
                }
            }
            break;
        }
        match ctx.mem.c_str(name_ptr, usize::MAX) {
            Some(n) => names.push(n),
            None => return error_string(sink, EFAULT, spec),
        }
        d = parent;
    }
    let mut path = Vec::new();
    for (k, name) in names.iter().rev().enumerate() {
        if k > 0 {
            path.push(b'/');
        }
        path.extend_from_slice(name);
    }
    string_nocheck(sink, &path, spec);
}

/// `%pR` (decoded) / `%pr` (raw flags): a `struct resource`.
fn resource(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    const IO: u64 = 0x100;
    const MEM: u64 = 0x200;
    const IRQ: u64 = 0x400;
    const DMA: u64 = 0x800;
    const BUS: u64 = 0x1000;
    const PREFETCH: u64 = 0x2000;
    const MEM_64: u64 = 0x0010_0000;
    const WINDOW: u64 = 0x0020_0000;
    const DISABLED: u64 = 0x1000_0000;
    const UNSET: u64 = 0x2000_0000;
    let io_spec = Spec {
        flags: super::SPECIAL | SMALL | ZEROPAD,
        base: 16,
        field_width: 6,
        precision: -1,
    };
    let mem_spec = Spec {
        field_width: 10,
        ..io_spec
    };
    let bus_spec = Spec {
        flags: SMALL | ZEROPAD,
        base: 16,
        field_width: 2,
        precision: -1,
    };

    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let Some(raw) = ctx.read(addr, 32) else {
        return error_string(sink, EFAULT, spec);
    };
    let word = |k: usize| u64::from_le_bytes(raw[8 * k..8 * k + 8].try_into().unwrap());
    let (start, end, flags) = (word(0), word(1), word(3));
    let mut decode = ext[0] == b'R';
    let mut out = Sink::new(usize::MAX);
    out.push(b'[');
    let num_spec = if flags & IO != 0 {
        out.extend(b"io  ");
        io_spec
    } else if flags & MEM != 0 {
        out.extend(b"mem ");
        mem_spec
    } else if flags & IRQ != 0 {
        out.extend(b"irq ");
        Spec::DEC
    } else if flags & DMA != 0 {
        out.extend(b"dma ");
        Spec::DEC
    } else if flags & BUS != 0 {
        out.extend(b"bus ");
        bus_spec
    } else {
        out.extend(b"??? ");
        decode = false;
        mem_spec
    };
    if decode && flags & UNSET != 0 {
        out.extend(b"size ");
        number(&mut out, end.wrapping_sub(start).wrapping_add(1), num_spec);
    } else {
        number(&mut out, start, num_spec);
        if start != end {
            out.push(b'-');
            number(&mut out, end, num_spec);
        }
    }
    if decode {
        if flags & MEM_64 != 0 {
            out.extend(b" 64bit");
        }
        if flags & PREFETCH != 0 {
            out.extend(b" pref");
        }
        if flags & WINDOW != 0 {
            out.extend(b" window");
        }
        if flags & DISABLED != 0 {
            out.extend(b" disabled");
        }
    } else {
        out.extend(b" flags ");
        number(&mut out, flags, Spec::FLAG);
    }
    out.push(b']');
    string_nocheck(sink, &out.buf, spec);
}

/// `%pb` (hex chunks of 32 bits, most significant first) and `%pbl`
/// (ranges) of a bitmap of field-width bits.
fn bitmap(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    let nr_bits = spec.field_width.max(0) as usize;
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let nwords = nr_bits.div_ceil(64);
    let words: Vec<u64> = if nwords == 0 {
        Vec::new()
    } else {
        match ctx.read(addr, nwords * 8) {
            Some(raw) => raw
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            None => return error_string(sink, EFAULT, spec),
        }
    };
    let bit = |i: usize| words[i / 64] >> (i % 64) & 1 != 0;
    if ext.get(1) == Some(&b'l') {
        let mut first = true;
        let mut i = 0;
        while i < nr_bits {
            if !bit(i) {
                i += 1;
                continue;
            }
            let lo = i;
            while i < nr_bits && bit(i) {
                i += 1;
            }
            if !first {
                sink.push(b',');
            }
            first = false;
            number(sink, lo as u64, Spec::DEC);
            if i != lo + 1 {
                sink.push(b'-');
                number(sink, (i - 1) as u64, Spec::DEC);
            }
        }
        return;
    }
    const CHUNK: usize = 32;
    let mut chunksz = match nr_bits % CHUNK {
        0 => CHUNK,
        n => n,
    };
    let mut first = true;
    let mut i = nr_bits.div_ceil(CHUNK) as isize * CHUNK as isize - CHUNK as isize;
    while i >= 0 {
        let at = i as usize;
        let mask = ((1u64 << chunksz) - 1) as u32;
        let val = (words[at / 64] >> (at % 64)) as u32 & mask;
        if !first {
            sink.push(b',');
        }
        first = false;
        let spec = Spec {
            flags: SMALL | ZEROPAD,
            base: 16,
            field_width: chunksz.div_ceil(4) as i32,
            precision: 0,
        };
        number(sink, val as u64, spec);
        chunksz = CHUNK;
        i -= CHUNK as isize;
    }
}

/// `%ptR` (`struct rtc_time`) and `%ptT` (`time64_t`), with `d` (date
/// only) or `t` (time only), then `r` (raw year/month) and `s` (space, not
/// `T`, between date and time).
fn time_and_date(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    let kind = ext.get(1).copied().unwrap_or(0);
    if kind != b'R' && kind != b'T' {
        return error_string(sink, b"(%pt?)", spec);
    }
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    // (sec, min, hour, mday, mon, year)
    let tm: (i32, i32, i32, i32, i32, i64) = if kind == b'R' {
        let Some(raw) = ctx.read(addr, 36) else {
            return error_string(sink, EFAULT, spec);
        };
        let int = |k: usize| i32::from_le_bytes(raw[4 * k..4 * k + 4].try_into().unwrap());
        (int(0), int(1), int(2), int(3), int(4), int(5) as i64)
    } else {
        let Some(t) = ctx.read_u64(addr) else {
            return error_string(sink, EFAULT, spec);
        };
        let tm = time::time64_to_tm(t as i64);
        // rtc_time's fields are ints.
        (
            tm.sec,
            tm.min,
            tm.hour,
            tm.mday,
            tm.mon,
            tm.year as i32 as i64,
        )
    };
    let (mut have_d, mut have_t) = (true, true);
    let mut k = 2;
    match ext.get(k) {
        Some(b'd') => {
            have_t = false;
            k += 1;
        }
        Some(b't') => {
            have_d = false;
            k += 1;
        }
        _ => {}
    }
    let (mut raw, mut iso_sep) = (false, true);
    while let Some(&c) = ext.get(k) {
        match c {
            b'r' => raw = true,
            b's' => iso_sep = false,
            _ => break,
        }
        k += 1;
    }
    let int = |v: i64| v as i32 as i64 as u64;
    let (sec, min, hour, mday, mon, year) = tm;
    if have_d {
        let year = year as i32 as i64 + if raw { 0 } else { 1900 };
        let mon = mon as i64 + if raw { 0 } else { 1 };
        number(sink, int(year), Spec::DEC04);
        sink.push(b'-');
        number(sink, int(mon), Spec::DEC02);
        sink.push(b'-');
        number(sink, int(mday as i64), Spec::DEC02);
    }
    if have_d && have_t {
        sink.push(if iso_sep { b'T' } else { b' ' });
    }
    if have_t {
        number(sink, int(hour as i64), Spec::DEC02);
        sink.push(b':');
        number(sink, int(min as i64), Spec::DEC02);
        sink.push(b':');
        number(sink, int(sec as i64), Spec::DEC02);
    }
}

/// `%pGp` (page flags), `%pGg` (gfp_t), `%pGv` (vma flags). The kernel
/// prints flag names from its tables; the host prints the value in hex
/// (nothing for zero, as the kernel does for `g`/`v`).
fn flags(ctx: &Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let value = match ext.get(1) {
        Some(b'p') | Some(b'v') => ctx.read_u64(addr),
        Some(b'g') => ctx
            .read(addr, 4)
            .map(|b| u32::from_le_bytes(b[..4].try_into().unwrap()) as u64),
        _ => return error_string(sink, b"(%pG?)", spec),
    };
    match value {
        None => error_string(sink, EFAULT, spec),
        Some(0) if ext.get(1) != Some(&b'p') => {}
        Some(v) => number(sink, v, Spec::FLAG),
    }
}

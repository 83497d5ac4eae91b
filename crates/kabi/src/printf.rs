//! The kernel's `vsnprintf`: the formatter behind `_printk`, `snprintf`,
//! `sprintf`, `scnprintf`, `vsnprintf`, `kasprintf`, `dev_err` and friends,
//! as a pure, safe Rust function that reproduces the behaviour of Linux 6.1's
//! `lib/vsprintf.c` (written from the documented behaviour,
//! `Documentation/core-api/printk-formats.rst`, not from its source).
//!
//! # Model
//!
//! The host captures the integer-class arguments of a variadic call (modules
//! are built with `-mno-sse`, so there are never floating-point arguments)
//! and hands them over as a sequence of 64-bit words through [`Args`]; a
//! `va_list` coming from a module (`vprintk`, `vsnprintf`, `%pV`) is read
//! through [`VaListArgs`]. Every conversion takes exactly one word, as in the
//! SysV x86-64 ABI; an `int` argument is the low 32 bits of its word.
//! Memory the module points at (`%s`, the `%p` extensions) is read through
//! [`Memory`], so a bad pointer becomes `(efault)` instead of a fault.
//!
//! # Standard conversions
//!
//! Flags `-+ #0`, a field width and a precision (digits or `*`), the length
//! modifiers `hh h l ll L z t`, the conversions `d i u x X o c s p %`.
//! Like Linux 6.1 (and unlike the C library):
//!
//! - `%.0d` / `%.d` of 0 prints `0` (at least one digit is always printed);
//! - `%#x` of 0 prints `0x0`; `%#o` with a precision prints the `0` prefix
//!   *and* the precision's zeros (`%#.3o` of 8 is `0010`);
//! - the `0` flag still pads with zeros when a precision is given
//!   (`%08.3d` of 5 is `00000005`);
//! - a `.` without digits leaves the precision unset (`%.s` prints the whole
//!   string), and a negative `*` precision becomes 0 (`%.*s` with -1 prints
//!   nothing); a `*` width is clamped to ±(2²³−1) and a `*` precision to
//!   0..=32767 (with a [`Warning`]); digit widths and precisions are
//!   truncated to the kernel's 24-bit and 16-bit `printf_spec` bitfields;
//! - `%s` of NULL prints `(null)` and of an invalid pointer (below 4096, an
//!   `ERR_PTR`, or unreadable) `(efault)`, both cut by the precision and
//!   padded to the width (`%.3s` of NULL is `(nu`);
//! - `%c` and `%s` pad with spaces even with the `0` flag (as glibc does);
//! - `%lc`/`%ls` are plain `%c`/`%s`;
//! - `%n` is not supported: like any unknown conversion (`%j`, `%q`, `%Z`,
//!   `%f`, `%e`, `%g`, `%a`, `%C`, `%S`, `%m`, a lone `%` at the end, ...)
//!   it stops formatting at that point: the text produced so far is kept,
//!   the rest of the format is dropped, no argument is consumed and a
//!   [`Warning::UnsupportedConversion`] is reported (Linux WARNs once).
//!   In particular `j` and `q` are *not* length modifiers in Linux 6.1.
//!
//! # `%p` and its extensions
//!
//! After `%p` every alphanumeric character (the kernel's Latin-1 `isalnum`)
//! is taken as part of the extension and not printed. See [`pointer`] for
//! the list; the main points:
//!
//! - `%p` (and `%pK` with `kptr_restrict` 0, `%pF`, `%pe` of a non-error
//!   pointer, any unknown extension) prints the pointer hashed: SipHash-2-4
//!   of the address with a per-host random key, low 32 bits, printed as 16
//!   hex digits (`00000000a1b2c3d4`). NULL and `ERR_PTR` values are printed
//!   unhashed, as Linux does since 5.1 (`%p` of NULL is `0000000000000000`,
//!   not `(null)`);
//! - `%px` raw; `%pS %ps %pSR %pB` through [`Memory::symbol`]; `%pM %pMR %pMF
//!   %pm %pmR`; `%pI4 %pi4 %pI6 %pi6 %pI6c %pIS[pfsc]`; `%pU[bBlL]`;
//!   `%ph[CDN]`; `%pE[achnops]`; `%pa %pap %pad`; `%pV`; `%pe`; `%pd %pd2..4
//!   %pD..4`; `%pR %pr`; `%pb %pbl`; `%p4cc`; `%pNF`; `%ptR %ptT`; `%pks
//!   %pus`; `%pG` (numbers only), `%pC %pg %pfw` (placeholders), `%pOF`
//!   (Debian's kernel has no `CONFIG_OF`), `%pA` (no `CONFIG_RUST`).
//!
//! # printk levels
//!
//! [`printk_level`] / [`parse_printk_prefix`] parse the `KERN_SOH` prefixes
//! of a formatted message as Linux 6.1's printk does.

mod errname;
mod escape;
mod net;
pub mod pointer;
mod printk;
mod siphash;
mod time;
mod valist;

pub use errname::errname;
pub use printk::{
    parse_printk_prefix, printk_level, PrintkPrefix, CONSOLE_LOGLEVEL_DEFAULT, KERN_CONT, KERN_SOH,
    MESSAGE_LOGLEVEL_DEFAULT,
};
pub use siphash::siphash_1u64;
pub use valist::VaListArgs;

use std::sync::OnceLock;

/// The variadic arguments of a call, as the SysV x86-64 integer-argument
/// sequence.
pub trait Args {
    /// The next integer-class argument (64-bit word) of the variadic call.
    fn next_u64(&mut self) -> u64;
}

/// Memory access for `%s` and the pointer extensions (the module's pointers
/// are raw addresses in this process).
pub trait Memory {
    /// Read a NUL-terminated string at `addr` (at most `max` bytes, NUL not
    /// included; `usize::MAX` means no limit); None if addr is NULL or
    /// unreadable/ERR_PTR.
    fn c_str(&self, addr: u64, max: usize) -> Option<Vec<u8>>;
    /// Read `len` bytes at addr; None if unreadable.
    fn bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>>;
    /// Symbolize an address for %pS/%ps/%pB: Some(("name", offset, size,
    /// Some("module"))), `offset` being `addr` minus the symbol's start.
    fn symbol(&self, addr: u64) -> Option<(String, u64, u64, Option<String>)>;
}

/// [`Args`] over a slice of words (the host's captured register/stack
/// arguments); past the end it yields 0.
#[derive(Debug, Clone)]
pub struct ArgList<'a> {
    words: &'a [u64],
    next: usize,
}

impl<'a> ArgList<'a> {
    pub fn new(words: &'a [u64]) -> Self {
        ArgList { words, next: 0 }
    }

    /// How many words have been consumed (including any past the end).
    pub fn consumed(&self) -> usize {
        self.next
    }
}

impl Args for ArgList<'_> {
    fn next_u64(&mut self) -> u64 {
        let word = self.words.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        word
    }
}

/// Host settings that change what the kernel prints.
#[derive(Debug, Clone)]
pub struct Options {
    /// The SipHash key for `%p` (the kernel's `ptr_key`, random per boot).
    pub ptr_key: [u64; 2],
    /// The `no_hash_pointers` boot option: `%p` prints raw addresses.
    pub no_hash_pointers: bool,
    /// `kernel.kptr_restrict` for `%pK`: 0 hashes like `%p`; 1 and 2 print
    /// zeros (the host has no CAP_SYSLOG-holding caller to exempt).
    pub kptr_restrict: u8,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ptr_key: host_ptr_key(),
            no_hash_pointers: false,
            kptr_restrict: 0,
        }
    }
}

/// This host's `%p` key: 128 random bits chosen once per process.
pub fn host_ptr_key() -> [u64; 2] {
    static KEY: OnceLock<[u64; 2]> = OnceLock::new();
    *KEY.get_or_init(random_key)
}

fn random_key() -> [u64; 2] {
    use std::io::Read;
    let mut raw = [0u8; 16];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut raw))
        .is_ok()
    {
        return [
            u64::from_le_bytes(raw[..8].try_into().unwrap()),
            u64::from_le_bytes(raw[8..].try_into().unwrap()),
        ];
    }
    // No /dev/urandom: std's per-process random hasher keys.
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut a = state.build_hasher();
    a.write_u64(0x6b61_6269_7074_726b);
    let mut b = state.build_hasher();
    b.write_u64(std::process::id() as u64);
    [a.finish(), b.finish()]
}

/// The identifier `%p` prints for a (non-NULL, non-ERR_PTR) pointer: the
/// low 32 bits of SipHash-2-4 of the address under `key`.
pub fn hash_pointer(ptr: u64, key: &[u64; 2]) -> u64 {
    siphash_1u64(ptr, key) & 0xffff_ffff
}

/// Something the kernel would `WARN` about while formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// An unsupported conversion (`%n`, `%j`, `%f`, a trailing `%`, ...) at
    /// byte `offset` of the format (`conversion` is 0 at the end): output
    /// stops there ("Please remove unsupported %x in format string").
    UnsupportedConversion { offset: usize, conversion: u8 },
    /// A `*` field width beyond ±(2²³−1), clamped.
    FieldWidthTooLarge(i32),
    /// A `*` precision outside 0..=32767, clamped.
    PrecisionTooLarge(i32),
    /// `vsnprintf` with a size above INT_MAX: nothing is written, 0 returned.
    SizeTooLarge(usize),
    /// `%pA` (Rust `fmt::Arguments`) in a kernel built without CONFIG_RUST.
    RustPointerFormat,
    /// `%pV` nested deeper than [`MAX_PV_DEPTH`]: printed as `(%pV?)`.
    NestingTooDeep,
}

/// How deeply `%pV` may nest (the kernel has no limit, but a module's
/// self-referencing `va_format` must not overflow the host's stack).
pub const MAX_PV_DEPTH: u32 = 8;

/// The result of a formatting run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formatted {
    /// The output, cut at the capacity asked for.
    pub text: Vec<u8>,
    /// The full length the output would have had (vsnprintf's return value).
    pub len: usize,
    /// What the kernel would have warned about.
    pub warnings: Vec<Warning>,
}

/// Format like the kernel's `kasprintf`: the whole output, no NUL.
pub fn format(fmt: &[u8], args: &mut dyn Args, mem: &dyn Memory) -> Vec<u8> {
    format_with(fmt, args, mem, &Options::default()).text
}

/// [`format`] with explicit options, also returning the warnings.
pub fn format_with(fmt: &[u8], args: &mut dyn Args, mem: &dyn Memory, opts: &Options) -> Formatted {
    format_capped(fmt, args, mem, opts, usize::MAX)
}

/// Format, keeping at most `cap` bytes of output but counting all of it.
pub fn format_capped(
    fmt: &[u8],
    args: &mut dyn Args,
    mem: &dyn Memory,
    opts: &Options,
    cap: usize,
) -> Formatted {
    let mut ctx = Ctx {
        mem,
        opts,
        warnings: Vec::new(),
        depth: 0,
    };
    let mut sink = Sink::new(cap);
    ctx.run(&mut sink, fmt, args);
    Formatted {
        len: sink.len,
        text: sink.buf,
        warnings: ctx.warnings,
    }
}

/// `vsnprintf` semantics: writes at most `out.len() - 1` bytes and a NUL
/// into `out` (nothing if `out` is empty) and returns the full length that
/// would have been written, NUL excluded. As in Linux, a size above
/// INT_MAX writes nothing and returns 0.
pub fn vsnprintf(out: &mut [u8], fmt: &[u8], args: &mut dyn Args, mem: &dyn Memory) -> usize {
    vsnprintf_with(out, fmt, args, mem, &Options::default()).len
}

/// [`vsnprintf`] with explicit options; `text` of the result is what was
/// stored before the NUL.
pub fn vsnprintf_with(
    out: &mut [u8],
    fmt: &[u8],
    args: &mut dyn Args,
    mem: &dyn Memory,
    opts: &Options,
) -> Formatted {
    if out.len() > i32::MAX as usize {
        return Formatted {
            text: Vec::new(),
            len: 0,
            warnings: vec![Warning::SizeTooLarge(out.len())],
        };
    }
    let cap = out.len().saturating_sub(1);
    let f = format_capped(fmt, args, mem, opts, cap);
    if !out.is_empty() {
        out[..f.text.len()].copy_from_slice(&f.text);
        out[f.text.len()] = 0;
    }
    f
}

/// `vscnprintf` semantics: like [`vsnprintf`] but returns the number of
/// bytes actually written into `out`, NUL excluded (0 for an empty `out`).
pub fn vscnprintf(out: &mut [u8], fmt: &[u8], args: &mut dyn Args, mem: &dyn Memory) -> usize {
    vscnprintf_with(out, fmt, args, mem, &Options::default())
}

/// [`vscnprintf`] with explicit options.
pub fn vscnprintf_with(
    out: &mut [u8],
    fmt: &[u8],
    args: &mut dyn Args,
    mem: &dyn Memory,
    opts: &Options,
) -> usize {
    if out.is_empty() {
        return 0;
    }
    let len = vsnprintf_with(out, fmt, args, mem, opts).len;
    if len < out.len() {
        len
    } else {
        out.len() - 1
    }
}

// ---------------------------------------------------------------------------
// The conversion specification (the kernel's `struct printf_spec`).

pub(crate) const ZEROPAD: u8 = 1;
pub(crate) const SIGN: u8 = 2;
pub(crate) const PLUS: u8 = 4;
pub(crate) const SPACE: u8 = 8;
pub(crate) const LEFT: u8 = 16;
pub(crate) const SMALL: u8 = 32;
pub(crate) const SPECIAL: u8 = 64;

const FIELD_WIDTH_MAX: i32 = (1 << 23) - 1;
const PRECISION_MAX: i32 = (1 << 15) - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spec {
    pub flags: u8,
    pub base: u8,
    /// -1: none given.
    pub field_width: i32,
    /// -1: none given.
    pub precision: i32,
}

impl Spec {
    pub const DEFAULT: Spec = Spec {
        flags: 0,
        base: 10,
        field_width: -1,
        precision: -1,
    };
    /// The kernel's `default_dec_spec`.
    pub const DEC: Spec = Spec {
        flags: 0,
        base: 10,
        field_width: 0,
        precision: -1,
    };
    /// The kernel's `default_flag_spec` (`%#lx`).
    pub const FLAG: Spec = Spec {
        flags: SPECIAL | SMALL,
        base: 16,
        field_width: 0,
        precision: -1,
    };
    /// `%02d` / `%04d` (`default_dec02_spec` / `default_dec04_spec`).
    pub const DEC02: Spec = Spec {
        flags: ZEROPAD,
        base: 10,
        field_width: 2,
        precision: -1,
    };
    pub const DEC04: Spec = Spec {
        flags: ZEROPAD,
        base: 10,
        field_width: 4,
        precision: -1,
    };
}

// ---------------------------------------------------------------------------
// Output: counts everything, keeps up to `cap` bytes (the kernel's str/end).

pub(crate) struct Sink {
    pub buf: Vec<u8>,
    cap: usize,
    pub len: usize,
}

impl Sink {
    pub fn new(cap: usize) -> Self {
        Sink {
            buf: Vec::new(),
            cap,
            len: 0,
        }
    }

    pub fn push(&mut self, b: u8) {
        if self.len < self.cap {
            self.buf.push(b);
        }
        self.len += 1;
    }

    pub fn extend(&mut self, s: &[u8]) {
        if self.len < self.cap {
            let room = self.cap - self.len;
            self.buf.extend_from_slice(&s[..s.len().min(room)]);
        }
        self.len += s.len();
    }

    pub fn pad(&mut self, b: u8, n: i32) {
        if n <= 0 {
            return;
        }
        let n = n as usize;
        if self.len < self.cap {
            let room = (self.cap - self.len).min(n);
            self.buf.resize(self.buf.len() + room, b);
        }
        self.len += n;
    }
}

// ---------------------------------------------------------------------------
// The kernel's ctype (Latin-1 aware).

pub(crate) fn k_isalnum(c: u8) -> bool {
    c.is_ascii_alphanumeric() || (c >= 0xc0 && c != 0xd7 && c != 0xf7)
}

pub(crate) fn k_isalpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || (c >= 0xc0 && c != 0xd7 && c != 0xf7)
}

pub(crate) fn k_isprint(c: u8) -> bool {
    (0x20..=0x7e).contains(&c) || c >= 0xa0
}

// ---------------------------------------------------------------------------
// Number and string output, shared with the pointer extensions.

const DIGITS_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// The kernel's `number()`.
pub(crate) fn number(sink: &mut Sink, mut num: u64, spec: Spec) {
    let mut flags = spec.flags;
    let base = match spec.base {
        8 => 8u64,
        16 => 16,
        _ => 10,
    };
    let locase = if flags & SMALL != 0 { 0x20 } else { 0 };
    if flags & LEFT != 0 {
        flags &= !ZEROPAD;
    }
    let need_pfx = flags & SPECIAL != 0 && base != 10;
    let is_zero = num == 0;
    let mut field_width = spec.field_width;
    let mut sign = 0u8;
    if flags & SIGN != 0 {
        if (num as i64) < 0 {
            sign = b'-';
            num = (num as i64).wrapping_neg() as u64;
            field_width -= 1;
        } else if flags & PLUS != 0 {
            sign = b'+';
            field_width -= 1;
        } else if flags & SPACE != 0 {
            sign = b' ';
            field_width -= 1;
        }
    }
    if need_pfx {
        if base == 16 {
            field_width -= 2;
        } else if !is_zero {
            field_width -= 1;
        }
    }
    // Digits, least significant first.
    let mut tmp = [0u8; 24];
    let mut ndigits = 0usize;
    loop {
        tmp[ndigits] = DIGITS_UPPER[(num % base) as usize] | locase;
        ndigits += 1;
        num /= base;
        if num == 0 {
            break;
        }
    }
    let precision = spec.precision.max(ndigits as i32);
    field_width -= precision;
    if flags & (ZEROPAD | LEFT) == 0 {
        sink.pad(b' ', field_width);
        field_width = -1;
    }
    if sign != 0 {
        sink.push(sign);
    }
    if need_pfx {
        if base == 16 || !is_zero {
            sink.push(b'0');
        }
        if base == 16 {
            sink.push(b'X' | locase);
        }
    }
    if flags & LEFT == 0 {
        sink.pad(if flags & ZEROPAD != 0 { b'0' } else { b' ' }, field_width);
        field_width = -1;
    }
    sink.pad(b'0', precision - ndigits as i32);
    for &d in tmp[..ndigits].iter().rev() {
        sink.push(d);
    }
    sink.pad(b' ', field_width);
}

/// The kernel's `special_hex_number()`: `0x` and `2*size` zero-padded digits.
pub(crate) fn special_hex_number(sink: &mut Sink, num: u64, size: i32) {
    let spec = Spec {
        flags: SPECIAL | SMALL | ZEROPAD,
        base: 16,
        field_width: 2 + 2 * size,
        precision: -1,
    };
    number(sink, num, spec);
}

/// The kernel's `string_nocheck()` + `widen_string()`: at most `precision`
/// bytes of `s` (up to a NUL), space-padded to the field width.
pub(crate) fn string_nocheck(sink: &mut Sink, s: &[u8], spec: Spec) {
    let s = match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    };
    let s = if spec.precision >= 0 {
        &s[..s.len().min(spec.precision as usize)]
    } else {
        s
    };
    let spaces = spec
        .field_width
        .saturating_sub(s.len().min(i32::MAX as usize) as i32);
    if spec.flags & LEFT == 0 {
        sink.pad(b' ', spaces);
        sink.extend(s);
    } else {
        sink.extend(s);
        sink.pad(b' ', spaces);
    }
}

/// The kernel's `error_string()`: like a string, but cut at 16 bytes when
/// no precision was given.
pub(crate) fn error_string(sink: &mut Sink, s: &[u8], mut spec: Spec) {
    if spec.precision == -1 {
        spec.precision = 16;
    }
    string_nocheck(sink, s, spec);
}

pub(crate) const PAGE_SIZE: u64 = 4096;
const MAX_ERRNO: u64 = 4095;

/// `IS_ERR_VALUE()`: the top 4095 addresses are `ERR_PTR(-errno)` values.
pub(crate) fn is_err_value(addr: u64) -> bool {
    addr >= MAX_ERRNO.wrapping_neg()
}

/// The kernel's `check_pointer_msg()`.
pub(crate) fn check_pointer_msg(addr: u64) -> Option<&'static [u8]> {
    if addr == 0 {
        Some(b"(null)")
    } else if addr < PAGE_SIZE || is_err_value(addr) {
        Some(b"(efault)")
    } else {
        None
    }
}

pub(crate) const EFAULT: &[u8] = b"(efault)";

// ---------------------------------------------------------------------------
// The formatting loop.

pub(crate) struct Ctx<'a> {
    pub mem: &'a dyn Memory,
    pub opts: &'a Options,
    pub warnings: Vec<Warning>,
    pub depth: u32,
}

/// The kernel's `skip_atoi()`: wrapping `int` arithmetic.
fn skip_atoi(fmt: &[u8], i: &mut usize) -> i32 {
    let mut n = 0i32;
    while *i < fmt.len() && fmt[*i].is_ascii_digit() {
        n = n.wrapping_mul(10).wrapping_add((fmt[*i] - b'0') as i32);
        *i += 1;
    }
    n
}

/// Store into a signed bitfield of `bits` bits, as GCC does (truncation).
fn bitfield(v: i32, bits: u32) -> i32 {
    (v << (32 - bits)) >> (32 - bits)
}

impl Ctx<'_> {
    pub(crate) fn warn(&mut self, w: Warning) {
        self.warnings.push(w);
    }

    pub(crate) fn run(&mut self, sink: &mut Sink, fmt: &[u8], args: &mut dyn Args) {
        // A C format string ends at its NUL.
        let fmt = match fmt.iter().position(|&b| b == 0) {
            Some(n) => &fmt[..n],
            None => fmt,
        };
        let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
        let mut i = 0;
        while i < fmt.len() {
            if fmt[i] != b'%' {
                let start = i;
                while i < fmt.len() && fmt[i] != b'%' {
                    i += 1;
                }
                sink.extend(&fmt[start..i]);
                continue;
            }
            i += 1;
            let mut spec = Spec::DEFAULT;
            loop {
                let flag = match at(i) {
                    b'-' => LEFT,
                    b'+' => PLUS,
                    b' ' => SPACE,
                    b'#' => SPECIAL,
                    b'0' => ZEROPAD,
                    _ => break,
                };
                spec.flags |= flag;
                i += 1;
            }

            if at(i).is_ascii_digit() {
                spec.field_width = bitfield(skip_atoi(fmt, &mut i), 24);
            } else if at(i) == b'*' {
                i += 1;
                let mut width = args.next_u64() as u32 as i32;
                if !(-FIELD_WIDTH_MAX..=FIELD_WIDTH_MAX).contains(&width) {
                    self.warn(Warning::FieldWidthTooLarge(width));
                    width = width.clamp(-FIELD_WIDTH_MAX, FIELD_WIDTH_MAX);
                }
                if width < 0 {
                    width = -width;
                    spec.flags |= LEFT;
                }
                spec.field_width = width;
            }

            if at(i) == b'.' {
                i += 1;
                if at(i).is_ascii_digit() {
                    spec.precision = bitfield(skip_atoi(fmt, &mut i), 16).max(0);
                } else if at(i) == b'*' {
                    i += 1;
                    let precision = args.next_u64() as u32 as i32;
                    if !(0..=PRECISION_MAX).contains(&precision) {
                        self.warn(Warning::PrecisionTooLarge(precision));
                    }
                    spec.precision = precision.clamp(0, PRECISION_MAX);
                }
            }

            let mut qualifier = 0u8;
            if matches!(at(i), b'h' | b'l' | b'L' | b'z' | b't') {
                qualifier = at(i);
                i += 1;
                if at(i) == qualifier {
                    if qualifier == b'l' {
                        qualifier = b'L';
                        i += 1;
                    } else if qualifier == b'h' {
                        qualifier = b'H';
                        i += 1;
                    }
                }
            }

            match at(i) {
                b'c' => {
                    i += 1;
                    let c = args.next_u64() as u8;
                    if spec.flags & LEFT == 0 {
                        sink.pad(b' ', spec.field_width - 1);
                    }
                    sink.push(c);
                    if spec.flags & LEFT != 0 {
                        sink.pad(b' ', spec.field_width - 1);
                    }
                }
                b's' => {
                    i += 1;
                    let addr = args.next_u64();
                    self.string(sink, addr, spec);
                }
                b'p' => {
                    i += 1;
                    let start = i;
                    while k_isalnum(at(i)) {
                        i += 1;
                    }
                    let addr = args.next_u64();
                    pointer::pointer(self, sink, &fmt[start..i], addr, spec);
                }
                b'%' => {
                    i += 1;
                    sink.push(b'%');
                }
                conv @ (b'o' | b'x' | b'X' | b'd' | b'i' | b'u') => {
                    i += 1;
                    match conv {
                        b'o' => spec.base = 8,
                        b'x' => {
                            spec.base = 16;
                            spec.flags |= SMALL;
                        }
                        b'X' => spec.base = 16,
                        b'd' | b'i' => spec.flags |= SIGN,
                        _ => {}
                    }
                    let signed = spec.flags & SIGN != 0;
                    let raw = args.next_u64();
                    let num = match qualifier {
                        b'L' | b'l' | b'z' | b't' => raw,
                        b'H' if signed => raw as i8 as i64 as u64,
                        b'H' => raw as u8 as u64,
                        b'h' if signed => raw as i16 as i64 as u64,
                        b'h' => raw as u16 as u64,
                        _ if signed => raw as i32 as i64 as u64,
                        _ => raw as u32 as u64,
                    };
                    number(sink, num, spec);
                }
                conv => {
                    self.warn(Warning::UnsupportedConversion {
                        offset: i,
                        conversion: conv,
                    });
                    return;
                }
            }
        }
    }

    /// The kernel's `string()`: `%s`.
    pub(crate) fn string(&mut self, sink: &mut Sink, addr: u64, spec: Spec) {
        if let Some(msg) = check_pointer_msg(addr) {
            return error_string(sink, msg, spec);
        }
        if spec.precision == 0 {
            // Nothing is read.
            return string_nocheck(sink, b"", spec);
        }
        let max = if spec.precision > 0 {
            spec.precision as usize
        } else {
            usize::MAX
        };
        match self.mem.c_str(addr, max) {
            Some(s) => string_nocheck(sink, &s, spec),
            None => error_string(sink, EFAULT, spec),
        }
    }

    pub(crate) fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.mem.bytes(addr, len).filter(|v| v.len() >= len)
    }

    pub(crate) fn read_u64(&self, addr: u64) -> Option<u64> {
        self.read(addr, 8)
            .map(|v| u64::from_le_bytes(v[..8].try_into().unwrap()))
    }
}

//! x86_64 `apply_relocate_add`.
//!
//! | type | action | checks |
//! |---|---|---|
//! | NONE (0) | nothing | |
//! | 64 (1) | 8 bytes `S+A` | place must be zero |
//! | 32 (10) | 4 bytes | place zero; `S+A` must zero-extend |
//! | 32S (11) | 4 bytes | place zero; `S+A` must sign-extend |
//! | PC32 (2), PLT32 (4) | 4 bytes `S+A−P` | place zero; (host) must fit 32 bits signed |
//! | PC64 (24) | 8 bytes `S+A−P` | place zero |
//! | anything else | `-ENOEXEC` "Unknown rela relocation" | |
//!
//! Linux does not range-check PC32 (its module area is always in reach);
//! the host does, since a misplaced target would make the module jump into
//! nowhere. Linux does not bounds-check `r_offset` or the symbol index
//! either; the host's loader does (`r_offset + width(type)` inside the
//! target section, the symbol inside the symbol table) before calling
//! [`apply_raw`], which also refuses a place shorter than its width.

use crate::errno::{Errno, KResult};

/// Where the host puts everything a module can link against.
const LOW_WINDOW: std::ops::Range<u64> = kabi::lowmem::LOW_START..kabi::lowmem::LOW_END;

pub const R_X86_64_NONE: u32 = 0;
pub const R_X86_64_64: u32 = 1;
pub const R_X86_64_PC32: u32 = 2;
pub const R_X86_64_PLT32: u32 = 4;
pub const R_X86_64_32: u32 = 10;
pub const R_X86_64_32S: u32 = 11;
pub const R_X86_64_PC64: u32 = 24;

/// How many bytes a relocation type writes at its place (`None`: a type the
/// host does not know, refused by [`apply_raw`] with Linux's message).
pub fn width(r_type: u32) -> Option<u64> {
    match r_type {
        R_X86_64_NONE => Some(0),
        R_X86_64_64 | R_X86_64_PC64 => Some(8),
        R_X86_64_32 | R_X86_64_32S | R_X86_64_PC32 | R_X86_64_PLT32 => Some(4),
        _ => None,
    }
}

/// Why one relocation could not be applied (with the kernel's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelocError {
    Unknown(u32),
    Nonzero { r_type: u32, loc: u64, val: u64 },
    Overflow { r_type: u32, val: u64 },
    OutOfBounds { offset: u64 },
}

impl RelocError {
    pub fn errno(&self) -> Errno {
        Errno::ENOEXEC
    }

    /// The kernel log lines for this error (arch/x86/kernel/module.c logs
    /// with the `module: ` prefix).
    pub fn messages(&self, module: &str) -> Vec<String> {
        let lines = match self {
            RelocError::Unknown(t) => vec![format!("{module}: Unknown rela relocation: {t}")],
            RelocError::Nonzero { r_type, loc, val } => vec![format!(
                "x86/modules: Skipping invalid relocation target, existing value is nonzero for type {r_type}, loc {loc:016x}, val {val:x}"
            )],
            RelocError::Overflow { r_type, val } => vec![
                format!("overflow in relocation type {r_type} val {val:x}"),
                format!("`{module}' likely not compiled with -mcmodel=kernel"),
            ],
            RelocError::OutOfBounds { offset } => {
                vec![format!("{module}: relocation offset {offset:#x} outside its section")]
            }
        };
        lines.into_iter().map(|l| format!("module: {l}")).collect()
    }
}

/// Applies one relocation to `place` (the bytes of the target section from
/// `r_offset` on; `p` is the place's final address).
pub fn apply(place: &mut [u8], p: u64, r_type: u32, s: u64, addend: i64) -> Result<(), RelocError> {
    // SAFETY: the slice is writable for its length.
    unsafe { apply_raw(place.as_mut_ptr(), place.len() as u64, p, r_type, s, addend) }
}

/// [`apply`] on a raw place: `avail` bytes are writable at `place`.
///
/// # Safety
/// `place..place+avail` must be writable memory the caller owns.
#[inline]
pub unsafe fn apply_raw(place: *mut u8, avail: u64, p: u64, r_type: u32, s: u64, addend: i64) -> Result<(), RelocError> {
    let val = s.wrapping_add(addend as u64);
    // SAFETY (all arms): the width is checked against `avail` first.
    unsafe {
        match r_type {
            R_X86_64_NONE => Ok(()),
            R_X86_64_64 | R_X86_64_PC64 => {
                if avail < 8 {
                    return Err(RelocError::OutOfBounds { offset: 0 });
                }
                let loc = place as *mut u64;
                if loc.read_unaligned() != 0 {
                    return Err(RelocError::Nonzero { r_type, loc: p, val });
                }
                loc.write_unaligned(if r_type == R_X86_64_64 { val } else { val.wrapping_sub(p) });
                Ok(())
            }
            R_X86_64_32 | R_X86_64_32S | R_X86_64_PC32 | R_X86_64_PLT32 => {
                if avail < 4 {
                    return Err(RelocError::OutOfBounds { offset: 0 });
                }
                let loc = place as *mut u32;
                if loc.read_unaligned() != 0 {
                    return Err(RelocError::Nonzero { r_type, loc: p, val });
                }
                let out = match r_type {
                    // On Linux every kernel and module address is in the top
                    // 2 GiB, so a zero-extended 32-bit field can never hold
                    // one; the host's low addresses would fit, so they are
                    // refused the same way.
                    R_X86_64_32 if val != u64::from(val as u32) || (LOW_WINDOW.contains(&val)) => {
                        return Err(RelocError::Overflow { r_type, val })
                    }
                    R_X86_64_32S if val as i64 != i64::from(val as i32) => return Err(RelocError::Overflow { r_type, val }),
                    R_X86_64_32 | R_X86_64_32S => val as u32,
                    _ => {
                        let rel = val.wrapping_sub(p) as i64;
                        if rel != i64::from(rel as i32) {
                            return Err(RelocError::Overflow { r_type, val });
                        }
                        rel as u32
                    }
                };
                loc.write_unaligned(out);
                Ok(())
            }
            t => Err(RelocError::Unknown(t)),
        }
    }
}

/// Result type for callers that only need the errno.
pub fn to_errno(r: Result<(), RelocError>) -> KResult<()> {
    r.map_err(|e| e.errno())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type() {
        let mut b = [0u8; 8];
        apply(&mut b, 0x1000, R_X86_64_64, 0x2000, 8).unwrap();
        assert_eq!(u64::from_le_bytes(b), 0x2008);
        let mut b = [0u8; 4];
        apply(&mut b, 0x1000, R_X86_64_PC32, 0x2000, -4).unwrap();
        assert_eq!(i32::from_le_bytes(b), 0x2000 - 4 - 0x1000);
        let mut b = [0u8; 4];
        apply(&mut b, 0, R_X86_64_32S, (-8i64) as u64, 0).unwrap();
        assert_eq!(i32::from_le_bytes(b), -8);
        let mut b = [0u8; 4];
        assert!(matches!(apply(&mut b, 0, R_X86_64_32, 1 << 33, 0), Err(RelocError::Overflow { .. })));
        let mut b = [0u8; 4];
        assert!(matches!(apply(&mut b, 0, R_X86_64_32, 0x2000_0000, 0), Err(RelocError::Overflow { .. })));
        let mut b = [0u8; 4];
        apply(&mut b, 0, R_X86_64_32, 0x1234, 0).unwrap();
        let mut b = [0u8; 4];
        assert!(matches!(apply(&mut b, 0, R_X86_64_32S, 0x8000_0000, 0), Err(RelocError::Overflow { .. })));
        let mut b = [0u8; 4];
        assert!(matches!(apply(&mut b, 0x7000_0000_0000, R_X86_64_PC32, 0x1000, 0), Err(RelocError::Overflow { .. })));
        let mut b = [1u8, 0, 0, 0];
        assert!(matches!(apply(&mut b, 0, R_X86_64_PC32, 0, 0), Err(RelocError::Nonzero { .. })));
        let mut b = [0u8; 4];
        assert_eq!(apply(&mut b, 0, 9, 0, 0), Err(RelocError::Unknown(9)));
        let mut b = [0u8; 8];
        apply(&mut b, 0x100, R_X86_64_PC64, 0x80, 0).unwrap();
        assert_eq!(i64::from_le_bytes(b), -0x80);
        let mut b = [0u8; 2];
        assert!(matches!(apply(&mut b, 0, R_X86_64_64, 0, 0), Err(RelocError::OutOfBounds { .. })));
    }
}

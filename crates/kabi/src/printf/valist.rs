//! Arguments from a module's SysV x86-64 `va_list`.

use super::{Args, Memory};

/// Reads the integer-class arguments of a SysV x86-64 `va_list`, i.e. of
/// the structure
///
/// ```c
/// struct __va_list_tag {
///     unsigned int gp_offset;    /* +0: next GP register in reg_save_area */
///     unsigned int fp_offset;    /* +4: (unused: -mno-sse) */
///     void *overflow_arg_area;   /* +8: next stack argument */
///     void *reg_save_area;       /* +16: the saved rdi..r9, xmm0..15 */
/// };
/// ```
///
/// through [`Memory`]. A `va_list` parameter (and the `va_list *` of
/// `struct va_format`) is the address of that structure. The structure is
/// copied when the reader is made (`va_copy`): reading does not change the
/// module's `va_list`; [`VaListArgs::state`] gives the advanced state for a
/// host that wants to write it back. An unreadable argument reads as 0 and
/// sets [`VaListArgs::faulted`].
pub struct VaListArgs<'m> {
    mem: &'m dyn Memory,
    gp_offset: u32,
    fp_offset: u32,
    overflow_arg_area: u64,
    reg_save_area: u64,
    faulted: bool,
}

/// Where the general-purpose registers end in the register save area
/// (6 registers of 8 bytes).
const GP_END: u32 = 48;

impl<'m> VaListArgs<'m> {
    /// A reader over the `va_list` structure at `va_list_addr`; None if the
    /// structure cannot be read.
    pub fn new(mem: &'m dyn Memory, va_list_addr: u64) -> Option<Self> {
        let raw = mem.bytes(va_list_addr, 24).filter(|b| b.len() >= 24)?;
        let u32_at = |o: usize| u32::from_le_bytes(raw[o..o + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(raw[o..o + 8].try_into().unwrap());
        Some(Self::from_parts(
            mem,
            u32_at(0),
            u32_at(4),
            u64_at(8),
            u64_at(16),
        ))
    }

    /// A reader over an already-read `va_list` state.
    pub fn from_parts(
        mem: &'m dyn Memory,
        gp_offset: u32,
        fp_offset: u32,
        overflow_arg_area: u64,
        reg_save_area: u64,
    ) -> Self {
        VaListArgs {
            mem,
            gp_offset,
            fp_offset,
            overflow_arg_area,
            reg_save_area,
            faulted: false,
        }
    }

    /// The current state: (gp_offset, fp_offset, overflow_arg_area,
    /// reg_save_area).
    pub fn state(&self) -> (u32, u32, u64, u64) {
        (
            self.gp_offset,
            self.fp_offset,
            self.overflow_arg_area,
            self.reg_save_area,
        )
    }

    /// Whether some argument could not be read.
    pub fn faulted(&self) -> bool {
        self.faulted
    }

    fn load(&mut self, addr: u64) -> u64 {
        match self.mem.bytes(addr, 8).filter(|b| b.len() >= 8) {
            Some(b) => u64::from_le_bytes(b[..8].try_into().unwrap()),
            None => {
                self.faulted = true;
                0
            }
        }
    }
}

impl Args for VaListArgs<'_> {
    fn next_u64(&mut self) -> u64 {
        if self.gp_offset <= GP_END - 8 {
            let addr = self.reg_save_area.wrapping_add(self.gp_offset as u64);
            self.gp_offset += 8;
            self.load(addr)
        } else {
            let addr = self.overflow_arg_area;
            self.overflow_arg_area = addr.wrapping_add(8);
            self.load(addr)
        }
    }
}

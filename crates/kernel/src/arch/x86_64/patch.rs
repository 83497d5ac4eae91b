//! Load-time code patching (Linux's x86 `module_finalize` return-thunk pass
//! and `ftrace_module_init`), run after relocation, before the text is made
//! read-only:
//!
//! * `.return_sites` — s32 self-relative pointers to `jmp __x86_return_thunk`
//!   (`e9 rel32`). On a CPU that needs no return thunk (the host's model, and
//!   QEMU's TCG CPU as Debian's kernel sees it) Linux's `patch_return`
//!   rewrites each to `ret; int3; int3; int3; int3`.
//! * `__mcount_loc` — absolute addresses of the `call __fentry__` (`e8
//!   rel32`) at every function entry. Dynamic ftrace turns each into a
//!   5-byte NOP (`0f 1f 44 00 00`) when the module loads.
//!
//! A site is patched only when it lies inside the module's images and holds
//! exactly the instruction expected, aimed at the expected target (as Linux
//! checks before `text_poke_early`); anything else is left as linked, where
//! it still works through the host's stub.

/// `ret; int3 ×4`, the 5-byte replacement of `jmp __x86_return_thunk`.
const RET_INT3: [u8; 5] = [0xc3, 0xcc, 0xcc, 0xcc, 0xcc];
/// `nopl 0x0(%rax,%rax,1)`, x86's 5-byte NOP (`x86_nops[5]`).
const NOP5: [u8; 5] = [0x0f, 0x1f, 0x44, 0x00, 0x00];

/// What the pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Patched {
    pub returns: usize,
    pub mcount: usize,
}

/// The module's memory as the pass may touch it: `inside(addr, len)` says
/// whether `len` bytes at `addr` are in the module's (still writable) images.
pub struct Text<'a> {
    pub inside: &'a dyn Fn(u64, u64) -> bool,
}

impl Text<'_> {
    fn read<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        // SAFETY: `inside` proved the N bytes lie in the module's mapped images.
        (self.inside)(at, N as u64).then(|| unsafe { (at as *const [u8; N]).read_unaligned() })
    }

    /// Rewrites the 5 bytes at `at`, which hold `e8`/`e9` + rel32 aimed at
    /// `target`, with `new`. Returns whether it did.
    fn replace_branch(&self, at: u64, opcode: u8, target: u64, new: &[u8; 5]) -> bool {
        let Some(insn) = self.read::<5>(at) else { return false };
        let rel = i32::from_le_bytes([insn[1], insn[2], insn[3], insn[4]]);
        if insn[0] != opcode || at.wrapping_add(5).wrapping_add_signed(i64::from(rel)) != target {
            return false;
        }
        // SAFETY: inside the module's images, which are still read-write
        // (protections are applied after this pass).
        unsafe { (at as *mut [u8; 5]).write_unaligned(*new) };
        true
    }
}

/// `apply_returns` over a relocated `.return_sites` (at `sites`, `len` bytes).
pub fn apply_returns(text: &Text<'_>, sites: u64, len: u64, return_thunk: u64) -> usize {
    (0..len / 4)
        .filter_map(|i| {
            let at = sites + 4 * i;
            let disp = i32::from_le_bytes(text.read::<4>(at)?);
            Some(at.wrapping_add_signed(i64::from(disp)))
        })
        .filter(|&site| text.replace_branch(site, 0xe9, return_thunk, &RET_INT3))
        .count()
}

/// `ftrace_module_init` over a relocated `__mcount_loc` (at `locs`, `len` bytes).
pub fn nop_mcount(text: &Text<'_>, locs: u64, len: u64, fentry: u64) -> usize {
    (0..len / 8)
        .filter_map(|i| text.read::<8>(locs + 8 * i).map(u64::from_le_bytes))
        .filter(|&site| text.replace_branch(site, 0xe8, fentry, &NOP5))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_only_matching_sites() {
        // one buffer: code at 0..40, __mcount_loc at 64, .return_sites at 96
        let mut mem = vec![0x90u8; 128];
        let base = mem.as_mut_ptr() as u64;
        let (fentry, thunk) = (base + 1000, base + 2000);
        let put = |mem: &mut Vec<u8>, off: usize, op: u8, target: u64| {
            let rel = (target as i64 - (base + off as u64 + 5) as i64) as i32;
            mem[off] = op;
            mem[off + 1..off + 5].copy_from_slice(&rel.to_le_bytes());
        };
        put(&mut mem, 0, 0xe8, fentry);
        put(&mut mem, 8, 0xe8, fentry);
        put(&mut mem, 16, 0xe8, base + 3000);
        put(&mut mem, 24, 0xe9, thunk);
        put(&mut mem, 32, 0xe9, base + 4000);
        // the last entry points past the image: skipped
        for (i, a) in [base, base + 8, base + 16, base + 126].iter().enumerate() {
            mem[64 + 8 * i..72 + 8 * i].copy_from_slice(&a.to_le_bytes());
        }
        for (i, site) in [24u64, 32].iter().enumerate() {
            let at = 96 + 4 * i as u64;
            mem[at as usize..at as usize + 4].copy_from_slice(&((*site as i64 - at as i64) as i32).to_le_bytes());
        }
        let inside = |a: u64, n: u64| a >= base && a + n <= base + 128;
        let text = Text { inside: &inside };
        assert_eq!(nop_mcount(&text, base + 64, 32, fentry), 2);
        assert_eq!(apply_returns(&text, base + 96, 8, thunk), 1);
        assert_eq!(&mem[0..5], &NOP5);
        assert_eq!(&mem[8..13], &NOP5);
        assert_eq!(mem[16], 0xe8, "a call elsewhere stays");
        assert_eq!(&mem[24..29], &RET_INT3);
        assert_eq!(mem[32], 0xe9, "a jmp elsewhere stays");
    }
}

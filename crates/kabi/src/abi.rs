//! How module code and the host's implementations meet: the varargs
//! convention, the per-CPU GS base, reading C strings from module memory.
//! The exports themselves live in the Linux-shaped tree of this crate
//! (`lib/`, `mm/`, `kernel/`, `arch/x86/`, `drivers/`, `fs/`, `net/`,
//! `crypto/`), declared with the macros of [`crate::export`].

pub use crate::kernel::module::{module_get, module_put, try_module_get};
pub use crate::kernel::{params, printk};

/// Varargs: the words of a variadic call, register arguments first, then
/// the caller's stack arguments.
pub struct RegArgs {
    regs: *const u64,
    stack: *const u64,
    next: usize,
}

impl RegArgs {
    /// # Safety
    /// `regs` must point at the six saved argument registers and `stack` at
    /// the caller's stack arguments, as the varargs trampoline passes them.
    pub unsafe fn new(regs: *const u64, stack: *const u64, fixed: usize) -> Self {
        RegArgs { regs, stack, next: fixed }
    }

    /// The `i`-th integer argument of the call (0-based, fixed ones included).
    pub fn arg(&self, i: usize) -> u64 {
        // SAFETY: the trampoline saved six registers; stack arguments are read
        // only as far as the format asks, as C's va_arg does.
        unsafe {
            if i < 6 {
                *self.regs.add(i)
            } else {
                *self.stack.add(i - 6)
            }
        }
    }
}

impl crate::printf::Args for RegArgs {
    fn next_u64(&mut self) -> u64 {
        let v = self.arg(self.next);
        self.next += 1;
        v
    }
}

std::arch::global_asm!(
    ".globl modhost_kabi_va_trampoline",
    ".p2align 4",
    "modhost_kabi_va_trampoline:",
    "push rbp",
    "mov rbp, rsp",
    "push r9",
    "push r8",
    "push rcx",
    "push rdx",
    "push rsi",
    "push rdi",
    "mov rdi, rsp",
    "lea rsi, [rbp + 16]",
    "and rsp, -16",
    "call r11",
    "leave",
    "ret",
);

extern "C" {
    fn modhost_kabi_va_trampoline();
}

/// Address of the shared varargs trampoline (target function in r11).
pub fn va_trampoline() -> usize {
    modhost_kabi_va_trampoline as *const () as usize
}

/// Sets the calling thread's GS base (its per-CPU block).
pub fn set_gs_base(base: u64) -> std::io::Result<()> {
    const ARCH_SET_GS: libc::c_int = 0x1001;
    // The base this thread last set (a thread starts with 0): a thread that
    // gets the same CPU again, the common case, writes nothing.
    thread_local!(static GS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
    if GS.try_with(|g| g.get() == base).unwrap_or(false) {
        return Ok(());
    }
    let _ = GS.try_with(|g| g.set(base));
    if fsgsbase() {
        // SAFETY: WRGSBASE (enabled for user space: HWCAP2_FSGSBASE) only
        // changes this thread's GS base, which neither glibc nor Rust's
        // runtime use on x86_64; the kernel keeps it across switches.
        unsafe { std::arch::asm!("wrgsbase {}", in(reg) base, options(nostack, preserves_flags)) };
        return Ok(());
    }
    // SAFETY: arch_prctl(ARCH_SET_GS) only changes this thread's GS base,
    // which neither glibc nor Rust's runtime use on x86_64.
    let r = unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_SET_GS, base) };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        let _ = GS.try_with(|g| g.set(u64::MAX));
        return Err(e);
    }
    Ok(())
}

/// Whether the OS lets user space write its GS base itself (Linux 5.9+ on
/// CPUs with FSGSBASE: `HWCAP2_FSGSBASE`): an instruction instead of an
/// `arch_prctl` system call on every entry to a host CPU.
fn fsgsbase() -> bool {
    const HWCAP2_FSGSBASE: u64 = 1 << 1;
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    // SAFETY: getauxval only reads the process's auxiliary vector.
    *HAS.get_or_init(|| unsafe { libc::getauxval(libc::AT_HWCAP2) } & HWCAP2_FSGSBASE != 0)
}

/// Reads a NUL-terminated string from module memory (bounded).
///
/// # Safety
/// `p` must be NULL or point at readable memory that holds a NUL within `max`.
pub(crate) unsafe fn c_str<'a>(p: u64, max: usize) -> &'a [u8] {
    if p == 0 {
        return &[];
    }
    // SAFETY: per the contract.
    unsafe {
        let s = p as *const u8;
        let mut n = 0;
        while n < max && *s.add(n) != 0 {
            n += 1;
        }
        std::slice::from_raw_parts(s, n)
    }
}

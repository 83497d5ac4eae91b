//! arch/x86/kernel/fpu/xstate.c: which XSAVE state components the kernel
//! enabled. The host kernel's process runs with the XCR0 the machine's
//! Linux set up, so `fpu_kernel_cfg.max_features` is XCR0 (6.1's only
//! supported supervisor component, PASID, needs ENQCMD, which Linux does
//! not enable for XSAVES in 6.1 without it).

/// xfeature_names[] of Linux 6.1, in component order.
const NAMES: [&str; 20] = [
    "x87 floating point registers",
    "SSE registers",
    "AVX registers",
    "MPX bounds registers",
    "MPX CSR",
    "AVX-512 opmask",
    "AVX-512 Hi256",
    "AVX-512 ZMM_Hi256",
    "Processor Trace (unused)",
    "Protection Keys User registers",
    "PASID state",
    "unknown xstate feature",
    "unknown xstate feature",
    "unknown xstate feature",
    "unknown xstate feature",
    "unknown xstate feature",
    "unknown xstate feature",
    "AMX Tile config",
    "AMX Tile data",
    "unknown xstate feature",
];

const NAMES_SIZE: u64 = 512;
crate::export_data!("__modhost_xfeature_names", size NAMES_SIZE, align 8, init = init_names);

fn offsets() -> [u64; 20] {
    let mut o = [0u64; 20];
    let mut at = 0u64;
    for (i, n) in NAMES.iter().enumerate() {
        o[i] = at;
        at += n.len() as u64 + 1;
    }
    o
}

fn init_names(addr: u64, _b: &crate::vmlinux::Builder) {
    let o = offsets();
    for (i, n) in NAMES.iter().enumerate() {
        // SAFETY: the fresh, zeroed 512-byte object holds all names (< 450 bytes).
        unsafe { std::ptr::copy_nonoverlapping(n.as_ptr(), (addr + o[i]) as *mut u8, n.len()) };
    }
}

/// XCR0 (0 when the OS did not enable XSAVE). Read once: the OS sets it
/// at boot and it is the same on every CPU for the life of the process
/// (CPUID traps to the hypervisor in a VM — microseconds — and this is on
/// every kernel FPU section's path).
pub fn xcr0() -> u64 {
    static XCR0: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *XCR0.get_or_init(read_xcr0)
}

fn read_xcr0() -> u64 {
    let l1 = core::arch::x86_64::__cpuid_count(1, 0);
    if l1.ecx & (1 << 27) == 0 {
        return 0;
    }
    let (lo, hi): (u32, u32);
    // SAFETY: xgetbv(0) is valid when CR4.OSXSAVE is set (cpuid.1:ECX.27).
    unsafe {
        std::arch::asm!("xgetbv", in("ecx") 0u32, out("eax") lo, out("edx") hi, options(nomem, nostack))
    };
    (hi as u64) << 32 | lo as u64
}

crate::kfn! {
    /// `cpu_has_xfeatures(needed, &name)`: 1 if every component is enabled;
    /// `*name` (if asked) is the most advanced missing (or needed) one.
    fn cpu_has_xfeatures(needed: u64, name: u64) -> i32 {
        let missing = needed & !xcr0();
        if name != 0 {
            let print = if missing != 0 { missing } else { needed };
            let idx = if print == 0 { 0 } else { (63 - print.leading_zeros() as usize).min(NAMES.len() - 1) };
            // fls64(0) - 1 is -1 in Linux: an out-of-range index there; the
            // host names component 0 instead of reading outside the table.
            let base = crate::vmlinux::get().and_then(|v| v.symbol("__modhost_xfeature_names")).unwrap_or(0);
            // SAFETY: the caller's `const char **`.
            unsafe { (name as *mut u64).write_unaligned(base + offsets()[idx]) };
        }
        (missing == 0) as i32
    }
}

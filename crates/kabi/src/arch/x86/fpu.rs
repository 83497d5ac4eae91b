//! arch/x86/kernel/fpu/core.c: kernel FPU sections.
//!
//! Module code between `kernel_fpu_begin_mask` and `kernel_fpu_end` owns
//! the FPU/SIMD registers of its host CPU; the section disables preemption
//! (`__preempt_count`) and marks the CPU `in_kernel_fpu`. Where Linux saves
//! the user task's FPU state (`save_fpregs_to_fpstate`) and restores it on
//! the way back to user space, the host saves the calling thread's whole
//! extended state with XSAVE (every component XCR0 enables: x87, SSE, AVX,
//! AVX-512, PKRU ...) into the CPU's save area at the start and restores it
//! with XRSTOR at the end, so registers, MXCSR, the x87 control and tag
//! words (an MMX user leaves the x87 stack full) and the upper vector
//! halves are the host thread's own again. Without XSAVE (never on x86_64
//! Linux hosts of today) FXSAVE/FXRSTOR keep the x87/SSE part.
//!
//! The image is taken inside `kernel_fpu_begin_mask`, after the host's own
//! code of that call ran: the vector registers are caller-saved in the C
//! ABI, so no caller has live values in them across the call, and what the
//! restore guarantees is the thread's state as of the section's start —
//! MXCSR and the x87 control word (callee-saved), the empty x87 stack
//! (tag word) host code relies on after an MMX user, the component state.

use crate::vmlinux::NR_POSSIBLE_CPUS;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};

const KFPU_387: u32 = 1;
const KFPU_MXCSR: u32 = 2;
const MXCSR_DEFAULT: u32 = 0x1f80;

static IN_KERNEL_FPU: [AtomicBool; NR_POSSIBLE_CPUS] =
    [const { AtomicBool::new(false) }; NR_POSSIBLE_CPUS];
/// Per-CPU save area (64-byte aligned, `area_size()` bytes), allocated on
/// the CPU's first section and kept.
static AREA: [AtomicPtr<u8>; NR_POSSIBLE_CPUS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; NR_POSSIBLE_CPUS];
/// The components saved at the section's start (0: FXSAVE was used).
static SAVED_MASK: [AtomicU64; NR_POSSIBLE_CPUS] =
    [const { AtomicU64::new(0) }; NR_POSSIBLE_CPUS];
static SECTIONS: AtomicU32 = AtomicU32::new(0);

fn cpu() -> usize {
    crate::vmlinux::Vmlinux::current_cpu()
        .unwrap_or(0)
        .min(NR_POSSIBLE_CPUS - 1)
}

/// Bytes XSAVE needs for the components XCR0 enables (cpuid 0xd.0:EBX), or
/// FXSAVE's 512 without XSAVE.
fn area_size() -> usize {
    if super::xstate::xcr0() == 0 {
        return 512;
    }
    let l = core::arch::x86_64::__cpuid_count(0xd, 0);
    (l.ebx as usize).max(576)
}

fn area(c: usize) -> *mut u8 {
    let p = AREA[c].load(Ordering::Acquire);
    if !p.is_null() {
        return p;
    }
    let layout = std::alloc::Layout::from_size_align(area_size(), 64).expect("xsave area layout");
    // SAFETY: a non-zero size; zeroed so the XSAVE header starts clean.
    let fresh = unsafe { std::alloc::alloc_zeroed(layout) };
    if fresh.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    match AREA[c].compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => fresh,
        Err(other) => {
            // SAFETY: ours, never published.
            unsafe { std::alloc::dealloc(fresh, layout) };
            other
        }
    }
}

/// Saves the thread's extended state into `c`'s area; returns the mask.
fn save(c: usize) -> u64 {
    let a = area(c);
    let mask = super::xstate::xcr0();
    // SAFETY: `a` is this CPU's 64-byte aligned area of area_size() bytes,
    // used only by the thread running as this CPU inside its section;
    // xsave64 with XCR0's components (valid when XCR0 is non-zero), else
    // fxsave64 (512 bytes, 16-byte aligned).
    unsafe {
        if mask != 0 {
            std::arch::asm!("xsave64 [{}]", in(reg) a, in("eax") mask as u32, in("edx") (mask >> 32) as u32, options(nostack));
        } else {
            std::arch::asm!("fxsave64 [{}]", in(reg) a, options(nostack));
        }
    }
    mask
}

fn restore(c: usize, mask: u64) {
    let a = AREA[c].load(Ordering::Acquire);
    if a.is_null() {
        return;
    }
    // SAFETY: the image `save` wrote on this CPU at the section's start;
    // every vector and x87 register is declared clobbered (they change).
    unsafe {
        if mask != 0 {
            std::arch::asm!("xrstor64 [{}]", in(reg) a, in("eax") mask as u32, in("edx") (mask >> 32) as u32, clobber_abi("C"), options(nostack));
        } else {
            std::arch::asm!("fxrstor64 [{}]", in(reg) a, clobber_abi("C"), options(nostack));
        }
    }
}

/// Kernel FPU sections entered so far (tests see that SIMD code ran in one).
pub fn sections() -> u32 {
    SECTIONS.load(Ordering::Relaxed)
}

pub(crate) fn preempt_add(d: i32) {
    let Some(v) = crate::vmlinux::get() else {
        return;
    };
    let Some(c) = crate::vmlinux::Vmlinux::current_cpu() else {
        return;
    };
    let (Some(base), Some(off)) = (
        v.cpu_base(c),
        v.percpu_spec()
            .symbols
            .iter()
            .find(|(n, _)| n == "__preempt_count")
            .map(|(_, o)| *o),
    ) else {
        return;
    };
    // SAFETY: this CPU's own __preempt_count.
    let p = unsafe { &*((base + off) as *const AtomicU32) };
    p.fetch_add(d as u32, Ordering::SeqCst);
}

crate::kfn! {
    /// `irq_fpu_usable()`: the host is never in an interrupt, so the FPU
    /// is usable unless this CPU is inside a kernel FPU section.
    fn irq_fpu_usable() -> bool {
        !IN_KERNEL_FPU[cpu()].load(Ordering::SeqCst)
    }
}

crate::kfn! {
    /// `kernel_fpu_begin_mask(kfpu_mask)`.
    fn kernel_fpu_begin_mask(mask: u32) {
        preempt_add(1);
        let c = cpu();
        if IN_KERNEL_FPU[c].swap(true, Ordering::SeqCst) {
            // Linux WARNs and goes on; the outer section's saved state stays.
            crate::log::kernel_msg(4, "kernel_fpu_begin_mask: already in a kernel FPU section");
        } else {
            SAVED_MASK[c].store(save(c), Ordering::Relaxed);
            SECTIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: loading the defaults Linux loads.
        unsafe {
            if mask & KFPU_MXCSR != 0 {
                std::arch::asm!("ldmxcsr [{}]", in(reg) &MXCSR_DEFAULT, options(nostack, readonly));
            }
            if mask & KFPU_387 != 0 {
                std::arch::asm!("fninit", options(nostack, nomem));
            }
        }
    }
}

crate::kfn! {
    /// `kernel_fpu_end()`.
    fn kernel_fpu_end() {
        let c = cpu();
        if !IN_KERNEL_FPU[c].swap(false, Ordering::SeqCst) {
            crate::log::kernel_msg(4, "kernel_fpu_end: not in a kernel FPU section");
        } else {
            restore(c, SAVED_MASK[c].load(Ordering::Relaxed));
        }
        preempt_add(-1);
    }
}

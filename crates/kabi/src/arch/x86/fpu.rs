//! arch/x86/kernel/fpu/core.c: kernel FPU sections.
//!
//! Module code between `kernel_fpu_begin_mask` and `kernel_fpu_end` owns
//! the FPU/SIMD registers of its host CPU; the section disables preemption
//! (`__preempt_count`) and marks the CPU `in_kernel_fpu`. Where Linux saves
//! the user task's FPU state, the host keeps the thread's MXCSR and x87
//! control word and restores them at the end (the vector registers are
//! caller-saved in the host's own code, so nothing else needs keeping).

use crate::vmlinux::NR_POSSIBLE_CPUS;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const KFPU_387: u32 = 1;
const KFPU_MXCSR: u32 = 2;
const MXCSR_DEFAULT: u32 = 0x1f80;

static IN_KERNEL_FPU: [AtomicBool; NR_POSSIBLE_CPUS] =
    [const { AtomicBool::new(false) }; NR_POSSIBLE_CPUS];
static SAVED: [(AtomicU32, AtomicU32); NR_POSSIBLE_CPUS] =
    [const { (AtomicU32::new(0), AtomicU32::new(0)) }; NR_POSSIBLE_CPUS];

fn cpu() -> usize {
    crate::vmlinux::Vmlinux::current_cpu()
        .unwrap_or(0)
        .min(NR_POSSIBLE_CPUS - 1)
}

fn preempt_add(d: i32) {
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
            crate::log::kernel_msg(4, "kernel_fpu_begin_mask: already in a kernel FPU section");
        }
        let (mut mxcsr, mut cw) = (0u32, 0u16);
        // SAFETY: stmxcsr/fnstcw store the thread's own control registers.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut mxcsr, options(nostack));
            std::arch::asm!("fnstcw [{}]", in(reg) &mut cw, options(nostack));
        }
        SAVED[c].0.store(mxcsr, Ordering::Relaxed);
        SAVED[c].1.store(cw as u32, Ordering::Relaxed);
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
        }
        let mxcsr = SAVED[c].0.load(Ordering::Relaxed);
        let cw = SAVED[c].1.load(Ordering::Relaxed) as u16;
        // SAFETY: restoring the values saved at the section's start.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &mxcsr, options(nostack, readonly));
            std::arch::asm!("fldcw [{}]", in(reg) &cw, options(nostack, readonly));
        }
        preempt_add(-1);
    }
}

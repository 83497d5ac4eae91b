//! arch/x86/kernel/fpu/core.c: kernel FPU sections.
//!
//! Module code between `kernel_fpu_begin_mask` and `kernel_fpu_end` owns
//! the FPU/SIMD registers of its host CPU; the section disables preemption
//! (`__preempt_count`) and marks the CPU `in_kernel_fpu`. As Linux saves a
//! user task's FPU state at the first section after it entered the kernel
//! (`save_fpregs_to_fpstate`, TIF_NEED_FPU_LOAD) and restores it only on the
//! way back to user space, the host saves the calling thread's whole
//! extended state with XSAVE (every component XCR0 enables: x87, SSE, AVX,
//! AVX-512, PKRU ...) at the first section of a call into module code and
//! restores it with XRSTOR when that call returns to the host (the end of
//! the outermost guarded call: [`return_to_host`]) — so a module that
//! opens a section per page (aesni's walk, sha256's blocks) pays one
//! save and one restore per request, not one per page. Registers, MXCSR,
//! the x87 control and tag words (an MMX user leaves the x87 stack full)
//! and the upper vector halves are the host thread's own again. A section
//! outside any guarded call restores at its end. Without XSAVE (never on
//! x86_64 Linux hosts of today) FXSAVE/FXRSTOR keep the x87/SSE part.
//!
//! The image is taken inside `kernel_fpu_begin_mask`, after the host's own
//! code of that call ran: the vector registers are caller-saved in the C
//! ABI, so no caller has live values in them across the call, and what the
//! restore guarantees is the thread's state as of the call's first
//! section — MXCSR and the x87 control word (callee-saved), the empty x87
//! stack (tag word) host code relies on after an MMX user, the component
//! state. The image is the thread's (Linux: the task's), not the CPU's: a
//! task that sleeps between sections may come back on another CPU.

use crate::vmlinux::NR_POSSIBLE_CPUS;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const KFPU_387: u32 = 1;
const KFPU_MXCSR: u32 = 2;
const MXCSR_DEFAULT: u32 = 0x1f80;

static IN_KERNEL_FPU: [AtomicBool; NR_POSSIBLE_CPUS] =
    [const { AtomicBool::new(false) }; NR_POSSIBLE_CPUS];
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

/// A thread's saved extended state (Linux: the task's `fpstate`) and
/// whether it holds the thread's image now (TIF_NEED_FPU_LOAD).
struct TaskFpu {
    area: Cell<*mut u8>,
    mask: Cell<u64>,
    saved: Cell<bool>,
}

impl TaskFpu {
    fn layout() -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(area_size(), 64).expect("xsave area layout")
    }
    fn area(&self) -> *mut u8 {
        if self.area.get().is_null() {
            let layout = Self::layout();
            // SAFETY: a non-zero size; zeroed so the XSAVE header starts clean.
            let fresh = unsafe { std::alloc::alloc_zeroed(layout) };
            if fresh.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            self.area.set(fresh);
        }
        self.area.get()
    }
}

impl Drop for TaskFpu {
    fn drop(&mut self) {
        let a = self.area.get();
        if !a.is_null() {
            // SAFETY: allocated by `area` with this layout.
            unsafe { std::alloc::dealloc(a, Self::layout()) };
        }
    }
}

thread_local! {
    static TASK: TaskFpu = const {
        TaskFpu { area: Cell::new(std::ptr::null_mut()), mask: Cell::new(0), saved: Cell::new(false) }
    };
}

/// Whether XSAVEOPT is there (cpuid 0xd.1:EAX.0): it skips the components
/// unchanged since the thread's last XRSTOR from the same area — most of
/// them, as a request's sections touch the vector registers only.
fn xsaveopt() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| core::arch::x86_64::__cpuid_count(0xd, 1).eax & 1 != 0)
}

/// Saves the thread's extended state into its area, unless it is there
/// already (a later section of the same call).
fn save_once() {
    TASK.with(|t| {
        if t.saved.get() {
            return;
        }
        let a = t.area();
        let mask = super::xstate::xcr0();
        // SAFETY: `a` is this thread's own 64-byte aligned area of
        // area_size() bytes; xsave64 with XCR0's components (valid when
        // XCR0 is non-zero), else fxsave64 (512 bytes, 16-byte aligned).
        unsafe {
            if mask != 0 && xsaveopt() {
                std::arch::asm!("xsaveopt64 [{}]", in(reg) a, in("eax") mask as u32, in("edx") (mask >> 32) as u32, options(nostack));
            } else if mask != 0 {
                std::arch::asm!("xsave64 [{}]", in(reg) a, in("eax") mask as u32, in("edx") (mask >> 32) as u32, options(nostack));
            } else {
                std::arch::asm!("fxsave64 [{}]", in(reg) a, options(nostack));
            }
        }
        t.mask.set(mask);
        t.saved.set(true);
    });
}

/// The return to the host (Linux: to user space) of a thread that called
/// module code: its extended state, if a kernel FPU section saved it, is
/// restored. Called at the end of the outermost guarded call.
pub(crate) fn return_to_host() {
    TASK.with(|t| {
        if !t.saved.replace(false) {
            return;
        }
        let (a, mask) = (t.area.get(), t.mask.get());
        // SAFETY: the image `save_once` wrote on this thread; every vector
        // and x87 register is declared clobbered (they change).
        unsafe {
            if mask != 0 {
                std::arch::asm!("xrstor64 [{}]", in(reg) a, in("eax") mask as u32, in("edx") (mask >> 32) as u32, clobber_abi("C"), options(nostack));
            } else {
                std::arch::asm!("fxrstor64 [{}]", in(reg) a, clobber_abi("C"), options(nostack));
            }
        }
    });
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
    // The per-CPU offset of __preempt_count, looked up once per image.
    static OFF: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let off = *OFF.get_or_init(|| {
        v.percpu_spec()
            .symbols
            .iter()
            .find(|(n, _)| n == "__preempt_count")
            .map(|(_, o)| *o)
    });
    let (Some(base), Some(off)) = (v.cpu_base(c), off) else {
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
            save_once();
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
    /// `kernel_fpu_end()`: the section ends; the thread's own state comes
    /// back when it returns to the host ([`return_to_host`]), or now when
    /// the section was opened outside a call into module code.
    fn kernel_fpu_end() {
        let c = cpu();
        if !IN_KERNEL_FPU[c].swap(false, Ordering::SeqCst) {
            crate::log::kernel_msg(4, "kernel_fpu_end: not in a kernel FPU section");
        }
        preempt_add(-1);
        if !crate::fault::in_guarded_call() {
            return_to_host();
        }
    }
}

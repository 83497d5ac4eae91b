//! arch/x86/kernel/fpu/core.c: kernel FPU sections.
//!
//! Module code between `kernel_fpu_begin_mask` and `kernel_fpu_end` owns
//! the FPU/SIMD registers of its host CPU; the section disables preemption
//! (`__preempt_count`) and marks the CPU `in_kernel_fpu`, and loads Linux's
//! defaults (MXCSR 0x1f80, `fninit`) as the mask asks.
//!
//! Linux saves a user task's FPU state at the first section after it
//! entered the kernel (`save_fpregs_to_fpstate`, TIF_NEED_FPU_LOAD) and
//! restores it on the way back to user space, because a system call
//! preserves every user register. The host's "user" is its own code, and
//! it enters module code through a C function call: by the x86-64 C ABI
//! every vector register (and the mask and upper halves) is caller-saved,
//! so no caller has live values in them across the call; what the callee
//! must leave as it found it is MXCSR's control bits and the x87 control
//! word, with the x87 stack empty (host code relies on that after an MMX
//! user). So the host keeps exactly that: at the first section of a call
//! into module code it stores the thread's MXCSR and x87 control word, and
//! when that call returns to the host (the end of the outermost guarded
//! call: [`return_to_host`]) it empties the x87 stack (`emms`), loads
//! the two back where a section changed them and clears the upper vector halves (`vzeroupper`, against
//! AVX-SSE transition penalties in host code) — one store and one load per
//! request however many sections a module opens (aesni's walk, sha256's
//! blocks), instead of an XSAVE/XRSTOR pair of the whole extended state,
//! which cost a 1 KiB request about a third of its time. A section
//! outside any guarded call puts the state back at its end. The saved
//! values are the thread's (Linux: the task's), not the CPU's: a task that
//! sleeps between sections may come back on another CPU.

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

/// What a thread's return to the host puts back (Linux: the task's
/// `fpstate`), and whether a section saved it (TIF_NEED_FPU_LOAD).
struct TaskFpu {
    mxcsr: Cell<u32>,
    fcw: Cell<u16>,
    saved: Cell<bool>,
}

thread_local! {
    static TASK: TaskFpu = const { TaskFpu { mxcsr: Cell::new(0), fcw: Cell::new(0), saved: Cell::new(false) } };
}

/// Whether the OS enabled AVX (XCR0's YMM state): VZEROUPPER exists then.
fn avx() -> bool {
    std::arch::is_x86_feature_detected!("avx")
}

/// Keeps the thread's MXCSR and x87 control word, unless a section of the
/// same call did already.
fn save_once() {
    TASK.with(|t| {
        if t.saved.get() {
            return;
        }
        let (mut mxcsr, mut fcw) = (0u32, 0u16);
        // SAFETY: stores of the two control registers into locals.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", "fnstcw [{}]", in(reg) &mut mxcsr, in(reg) &mut fcw, options(nostack));
        }
        t.mxcsr.set(mxcsr);
        t.fcw.set(fcw);
        t.saved.set(true);
    });
}

/// The return to the host (Linux: to user space) of a thread that called
/// module code: if a kernel FPU section ran, the empty x87 stack and the
/// thread's x87 control word and MXCSR come back, and the upper vector
/// halves are clean. Called at the end of the outermost guarded call.
pub(crate) fn return_to_host() {
    TASK.with(|t| {
        if !t.saved.replace(false) {
            return;
        }
        let (mxcsr, fcw) = (t.mxcsr.get(), t.fcw.get());
        let (mut now_mxcsr, mut now_fcw) = (0u32, 0u16);
        // SAFETY: EMMS marks every x87 register empty (the tag word an MMX
        // user left full); the control word and MXCSR are read, and loaded
        // back (the values `save_once` stored on this thread) only when a
        // section changed them — the loads are slow and the section's
        // defaults are usually the host's; every vector and x87 register is
        // declared clobbered.
        unsafe {
            std::arch::asm!("emms", "stmxcsr [{}]", "fnstcw [{}]", in(reg) &mut now_mxcsr, in(reg) &mut now_fcw, clobber_abi("C"), options(nostack));
            if now_fcw != fcw {
                std::arch::asm!("fldcw [{}]", in(reg) &fcw, options(nostack, readonly));
            }
            if now_mxcsr != mxcsr {
                std::arch::asm!("ldmxcsr [{}]", in(reg) &mxcsr, options(nostack, readonly));
            }
            if avx() {
                std::arch::asm!("vzeroupper", clobber_abi("C"), options(nostack, nomem));
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

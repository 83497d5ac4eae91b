//! Compiler-generated calls and thunks, CPU-level objects, panics.

use crate::vmlinux::{Builder, Stub};

const RET: &[u8] = &[0xc3];

pub(crate) fn install(b: &mut Builder) {
    // `ret`-only thunks: they must preserve every register.
    b.func("__fentry__", Stub::Code(RET));
    b.func("__x86_return_thunk", Stub::Code(RET));
    // `jmp *%reg` for each register a retpoline thunk can name.
    const REGS: [(&str, &[u8]); 15] = [
        ("rax", &[0xff, 0xe0]),
        ("rcx", &[0xff, 0xe1]),
        ("rdx", &[0xff, 0xe2]),
        ("rbx", &[0xff, 0xe3]),
        ("rbp", &[0xff, 0xe5]),
        ("rsi", &[0xff, 0xe6]),
        ("rdi", &[0xff, 0xe7]),
        ("r8", &[0x41, 0xff, 0xe0]),
        ("r9", &[0x41, 0xff, 0xe1]),
        ("r10", &[0x41, 0xff, 0xe2]),
        ("r11", &[0x41, 0xff, 0xe3]),
        ("r12", &[0x41, 0xff, 0xe4]),
        ("r13", &[0x41, 0xff, 0xe5]),
        ("r14", &[0x41, 0xff, 0xe6]),
        ("r15", &[0x41, 0xff, 0xe7]),
    ];
    for (r, code) in REGS {
        b.func(&format!("__x86_indirect_thunk_{r}"), Stub::Code(code));
    }
    // Static-call trampolines (`call __SCT__x`): the preemption hooks are
    // called from inline asm that declares no clobbers, so they only return;
    // the might_resched/cond_resched ones return 0 ("did not reschedule").
    b.func("__SCT__preempt_schedule", Stub::Code(RET));
    b.func("__SCT__preempt_schedule_notrace", Stub::Code(RET));
    const RET0: &[u8] = &[0x31, 0xc0, 0xc3]; // xor eax, eax; ret
    b.func("__SCT__might_resched", Stub::Code(RET0));
    b.func("__SCT__cond_resched", Stub::Code(RET0));
    super::call(b, "__stack_chk_fail", stack_chk_fail as *const () as usize);
    super::call(b, "__request_module", request_module as *const () as usize);
    // Jiffies at HZ=250 from INITIAL_JIFFIES, kept current by a ticker.
    let j = b.data("jiffies_64", 8, 64);
    b.alias("jiffies", j);
    start_jiffies(j);
}

extern "C" fn stack_chk_fail() {
    crate::log::kernel_msg(0, "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted");
    // An oops that unwinds the faulting context is future work; until then a
    // corrupted stack must not continue.
    std::process::abort();
}

/// `__request_module(wait, fmt, ...)`: no modprobe in the host yet.
extern "C" fn request_module() -> i32 {
    -2 // -ENOENT
}

fn start_jiffies(addr: u64) {
    const HZ: u64 = 250;
    let initial: u64 = (-(300i64 * HZ as i64)) as u32 as u64;
    // SAFETY: `addr` is an 8-byte slot of the vmlinux data area, alive for the process.
    unsafe { (addr as *mut u64).write_volatile(initial) };
    let start = std::time::Instant::now();
    std::thread::Builder::new()
        .name("modhost-jiffies".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(1000 / HZ));
            let ticks = start.elapsed().as_millis() as u64 * HZ / 1000;
            // SAFETY: as above; a single aligned 8-byte store is atomic on x86_64.
            unsafe { (addr as *mut u64).write_volatile(initial.wrapping_add(ticks)) };
        })
        .ok();
}

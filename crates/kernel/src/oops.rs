//! Oops reports: a fault in module code, written to the kernel log the way
//! Linux writes one.
//!
//! ```text
//! BUG: kernel NULL pointer dereference, address: 0000000000000000
//! #PF: supervisor write access in kernel mode
//! Oops: 0002 [#1] PREEMPT SMP NOPTI
//! CPU: 0 PID: 1234 Comm: modhost Tainted: G           OE      6.1.0-56-amd64
//! RIP: 0010:oops_init+0x10/0x20 [oops_null]
//! RSP: 0018:000000003f7ffe48 EFLAGS: 00010246
//! RAX: ... RBX: ... RCX: ...
//! Call Trace:
//!  <TASK>
//!  ? do_something+0x5/0x30 [oops_null]
//!  </TASK>
//! ```
//! The host has no frame pointers to follow (modules use ORC), so the call
//! trace is the stack scan Linux falls back to: every word that points into
//! module text, marked `?`.

use kabi::fault::{Fault, FaultKind};

use crate::{pr, taint, Kernel};

static OOPS_COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn sym(addr: u64) -> String {
    match crate::views::symbolize_global(addr) {
        Some((name, off, size, Some(m))) => format!("{name}+0x{off:x}/0x{size:x} [{m}]"),
        Some((name, off, size, None)) => format!("{name}+0x{off:x}/0x{size:x}"),
        None => format!("0x{addr:x}"),
    }
}

/// Logs the oops for `f` and taints the kernel D. Returns the errno the
/// interrupted operation reports.
pub fn report(k: &Kernel, f: &Fault) {
    let n = OOPS_COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let r = &f.regs;
    let taint_before = k.lock().taint;
    let mut lines = Vec::new();
    match f.kind {
        FaultKind::Signal { signo, addr, .. } if signo == libc::SIGSEGV || signo == libc::SIGBUS => {
            if addr < 4096 {
                lines.push(format!("BUG: kernel NULL pointer dereference, address: {addr:016x}"));
            } else {
                lines.push(format!("BUG: unable to handle page fault for address: {addr:016x}"));
            }
            lines.push("#PF: supervisor access in kernel mode".to_string());
            lines.push(format!("Oops: 0000 [#{n}] PREEMPT SMP NOPTI"));
        }
        FaultKind::Signal { signo, .. } if signo == libc::SIGILL => {
            lines.push("kernel BUG at module code!".to_string());
            lines.push(format!("invalid opcode: 0000 [#{n}] PREEMPT SMP NOPTI"));
        }
        FaultKind::Signal { .. } => {
            lines.push(format!("divide error: 0000 [#{n}] PREEMPT SMP NOPTI"));
        }
        FaultKind::StackProtector => {
            lines.push("Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in module code".to_string());
        }
        FaultKind::Panic => {}
    }
    let cpu = kabi::vmlinux::Vmlinux::current_cpu().unwrap_or(0);
    let tainted = if taint_before == 0 {
        "Not tainted".to_string()
    } else {
        format!("Tainted: {}", taint::module_letters(taint_before))
    };
    lines.push(format!("CPU: {cpu} PID: {} Comm: modhost {tainted} {}", std::process::id(), k.config.release));
    if r.rip != 0 {
        lines.push(format!("RIP: 0010:{}", sym(r.rip)));
        lines.push(format!("RSP: 0018:{:016x} EFLAGS: {:08x}", r.rsp, r.eflags));
        lines.push(format!("RAX: {:016x} RBX: {:016x} RCX: {:016x}", r.rax, r.rbx, r.rcx));
        lines.push(format!("RDX: {:016x} RSI: {:016x} RDI: {:016x}", r.rdx, r.rsi, r.rdi));
        lines.push(format!("RBP: {:016x} R08: {:016x} R09: {:016x}", r.rbp, r.r8, r.r9));
        lines.push(format!("R10: {:016x} R11: {:016x} R12: {:016x}", r.r10, r.r11, r.r12));
        lines.push(format!("R13: {:016x} R14: {:016x} R15: {:016x}", r.r13, r.r14, r.r15));
    }
    lines.push("Call Trace:".to_string());
    lines.push(" <TASK>".to_string());
    for w in &f.stack {
        if let Some((_, _, _, Some(_))) = crate::views::symbolize_global(*w) {
            lines.push(format!(" ? {}", sym(*w)));
        }
    }
    lines.push(" </TASK>".to_string());
    lines.push("---[ end trace 0000000000000000 ]---".to_string());
    for l in lines {
        pr(0, l);
    }
    k.lock().taint |= 1 << taint::DIE;
}

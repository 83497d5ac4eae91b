//! Oops reports: a fault in module code, written to the kernel log the way
//! Linux 6.1 on x86_64 writes one (`page_fault_oops`, `die`, `show_regs`).
//!
//! ```text
//! BUG: kernel NULL pointer dereference, address: 0000000000000000
//! #PF: supervisor write access in kernel mode
//! #PF: error_code(0x0002) - not-present page
//! Oops: 0002 [#1] PREEMPT SMP NOPTI
//! CPU: 0 PID: 1234 Comm: modhost Tainted: G           OE      6.1.0-56-amd64 #1
//! Hardware name: …
//! RIP: 0010:oops_write_null+0x5/0x10 [oops]
//! Code: … <c7> 04 25 …
//! RSP: 0018:000000003f7ffe48 EFLAGS: 00010246
//! RAX: … RBX: … RCX: …   (five lines)
//! Call Trace:
//!  <TASK>
//!  ? faulty_init+0x6c/0x1000 [oops]
//!  </TASK>
//! Modules linked in: oops(OE+)
//! CR2: 0000000000000000
//! ---[ end trace 0000000000000000 ]---
//! ```
//! The host has no frame pointers to follow (modules use ORC), so the call
//! trace is the stack scan Linux falls back to: every word that points into
//! module text, marked `?`. The segment/control registers of a CPU in ring 0
//! (FS/GS/CS/CR0…) have no meaning in a process and are not printed.
//! [`crate::bug`] uses the same pieces for WARN().

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use kabi::fault::{Fault, FaultKind, Regs};

use crate::{pr, taint, Kernel, State, KERN_ALERT, KERN_CRIT, KERN_DEFAULT, KERN_EMERG, KERN_WARNING};

static DIE_COUNTER: AtomicU32 = AtomicU32::new(0);

/// `print_oops_end_marker()` (6.1 prints a zero oops id).
pub const END_TRACE: &str = "---[ end trace 0000000000000000 ]---";

/// `%pS`: `name+0xoff/0xsize [module]`, or the bare address.
pub fn sym(addr: u64) -> String {
    match crate::views::symbolize_global(addr) {
        Some((name, off, size, Some(m))) => format!("{name}+0x{off:x}/0x{size:x} [{m}]"),
        Some((name, off, size, None)) => format!("{name}+0x{off:x}/0x{size:x}"),
        None => format!("0x{addr:x}"),
    }
}

/// `print_modules()`: every formed module, newest first, with its flags
/// and state mark, then the last unloaded one.
pub(crate) fn print_modules(st: &State) -> String {
    let mut s = String::from("Modules linked in:");
    for m in st.modules.iter().filter(|m| m.state != crate::module::ModuleState::Unformed) {
        s.push(' ');
        s.push_str(&m.name);
        s.push_str(&crate::views::module_flags_with_state(m));
    }
    if let Some(last) = &st.last_unloaded {
        s.push_str(&format!(" [last unloaded: {last}]"));
    }
    s
}

/// `dump_stack_arch_desc`: the machine, from its DMI tables when readable.
fn hardware_name() -> Option<&'static str> {
    static NAME: OnceLock<Option<String>> = OnceLock::new();
    NAME.get_or_init(|| {
        let rd = |f: &str| std::fs::read_to_string(format!("/sys/class/dmi/id/{f}")).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let (vendor, product) = (rd("sys_vendor")?, rd("product_name")?);
        let mut s = format!("{vendor} {product}");
        if let (Some(v), Some(d)) = (rd("bios_version"), rd("bios_date")) {
            s.push_str(&format!(", BIOS {v} {d}"));
        }
        Some(s)
    })
    .as_deref()
}

/// `show_opcodes`: 42 bytes before RIP, the byte at RIP, 21 after — when
/// all of them lie in the module image that holds RIP.
fn code_line(st: &State, rip: u64) -> String {
    let start = rip.wrapping_sub(42);
    let inside = st.modules.iter().any(|m| {
        [Some(&m.core), m.init.as_ref()].into_iter().flatten().any(|r| r.contains(start) && r.contains(rip + 21))
    });
    if !inside {
        return format!("Code: Unable to access opcode bytes at 0x{start:x}.");
    }
    // SAFETY: the 64 bytes lie inside one mapped module image.
    let bytes = unsafe { std::slice::from_raw_parts(start as *const u8, 64) };
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ");
    format!("Code: {} <{:02x}> {}", hex(&bytes[..42]), bytes[42], hex(&bytes[43..]))
}

/// The end of `dump_stack_print_info`'s task line: the first word of
/// `utsname()->version` and — Debian's kernels add it — the package id
/// (`#1  Debian 6.1.192-2`, from `#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (date)`).
fn version_tag(uts_version: &str) -> String {
    let first = uts_version.split(' ').next().unwrap_or("");
    match uts_version.find(" Debian ") {
        Some(at) => {
            let pkg = &uts_version[at..];
            let pkg = pkg.find(" (").map_or(pkg, |e| &pkg[..e]);
            format!("{first} {pkg}")
        }
        None => first.to_string(),
    }
}

/// `show_regs()` for a fault in module code: the task line, the machine,
/// RIP with its code bytes, the general registers and the call trace.
pub(crate) fn show_regs(k: &Kernel, st: &State, taint_mask: u64, r: &Regs, stack: &[u64]) -> Vec<String> {
    let cpu = kabi::vmlinux::Vmlinux::current_cpu().unwrap_or(0);
    let mut lines = vec![format!(
        "CPU: {cpu} PID: {} Comm: modhost {} {} {}",
        std::process::id(),
        taint::print_tainted(taint_mask),
        k.config.release,
        version_tag(&k.config.uts_version)
    )];
    if let Some(h) = hardware_name() {
        lines.push(format!("Hardware name: {h}"));
    }
    lines.push(format!("RIP: 0010:{}", sym(r.rip)));
    lines.push(code_line(st, r.rip));
    lines.push(format!("RSP: 0018:{:016x} EFLAGS: {:08x}", r.rsp, r.eflags));
    lines.push(format!("RAX: {:016x} RBX: {:016x} RCX: {:016x}", r.rax, r.rbx, r.rcx));
    lines.push(format!("RDX: {:016x} RSI: {:016x} RDI: {:016x}", r.rdx, r.rsi, r.rdi));
    lines.push(format!("RBP: {:016x} R08: {:016x} R09: {:016x}", r.rbp, r.r8, r.r9));
    lines.push(format!("R10: {:016x} R11: {:016x} R12: {:016x}", r.r10, r.r11, r.r12));
    lines.push(format!("R13: {:016x} R14: {:016x} R15: {:016x}", r.r13, r.r14, r.r15));
    lines.push("Call Trace:".to_string());
    lines.push(" <TASK>".to_string());
    for w in stack {
        if let Some((_, _, _, Some(_))) = crate::views::symbolize_global(*w) {
            lines.push(format!(" ? {}", sym(*w)));
        }
    }
    lines.push(" </TASK>".to_string());
    lines
}

/// The `#PF` description of a page fault's error code (`show_fault_oops`).
fn pf_lines(err: u64) -> [String; 2] {
    let access = if err & 0x10 != 0 {
        "instruction fetch"
    } else if err & 0x2 != 0 {
        "write access"
    } else {
        "read access"
    };
    let why = if err & 0x1 == 0 {
        "not-present page"
    } else if err & 0x8 != 0 {
        "reserved bit violation"
    } else if err & 0x20 != 0 {
        "protection keys violation"
    } else {
        "permissions violation"
    };
    [format!("#PF: supervisor {access} in kernel mode"), format!("#PF: error_code(0x{err:04x}) - {why}")]
}

/// The module that holds `addr`, for the unimplemented-call reports.
fn module_at(addr: u64) -> String {
    match crate::views::symbolize_global(addr) {
        Some((_, _, _, Some(m))) => m,
        _ => "kernel".to_string(),
    }
}

/// The line that names what the host does not implement, if the fault is
/// a call to a trapped export or an access to an unmodelled data object.
pub fn unimplemented_line(f: &Fault) -> Option<String> {
    match f.kind {
        FaultKind::Unimplemented { index } => {
            let name = kabi::unimplemented::function_name(index).unwrap_or("?");
            Some(format!("{}: called {name}(), which the host kernel does not implement", module_at(f.regs.rip)))
        }
        FaultKind::Signal { signo, addr, .. } if signo == libc::SIGSEGV => {
            let (name, off) = kabi::unimplemented::data_at(addr)?;
            Some(format!("{}: accessed {name}+0x{off:x}, data which the host kernel does not implement", module_at(f.regs.rip)))
        }
        _ => None,
    }
}

/// Reports a call of an unimplemented export (or an access to unmodelled
/// data): the line naming it, the task line, where module code was, the
/// call trace, the module list. The module did nothing wrong, so the
/// kernel is not tainted D.
fn report_unimplemented(k: &Kernel, f: &Fault, first: String) {
    let st = k.lock();
    let r = &f.regs;
    let mut lines = vec![(crate::KERN_ERR, first)];
    let cpu = kabi::vmlinux::Vmlinux::current_cpu().unwrap_or(0);
    lines.push((
        KERN_DEFAULT,
        format!("CPU: {cpu} PID: {} Comm: modhost {} {} {}", std::process::id(), taint::print_tainted(st.taint), k.config.release, version_tag(&k.config.uts_version)),
    ));
    let called = matches!(f.kind, FaultKind::Unimplemented { .. });
    if !called {
        lines.push((KERN_DEFAULT, format!("RIP: 0010:{}", sym(r.rip))));
    }
    lines.push((KERN_DEFAULT, "Call Trace:".to_string()));
    lines.push((KERN_DEFAULT, " <TASK>".to_string()));
    if called {
        // the call site: the return address the stub was given
        lines.push((KERN_DEFAULT, format!(" {}", sym(r.rip))));
    }
    for w in &f.stack {
        if let Some((_, _, _, Some(_))) = crate::views::symbolize_global(*w) {
            lines.push((KERN_DEFAULT, format!(" ? {}", sym(*w))));
        }
    }
    lines.push((KERN_DEFAULT, " </TASK>".to_string()));
    lines.push((KERN_DEFAULT, print_modules(&st)));
    lines.push((KERN_WARNING, END_TRACE.to_string()));
    for (level, l) in lines {
        pr(level, l);
    }
}

/// Logs the oops for `f` and taints the kernel D (a call of an export the
/// host does not implement is reported by name instead, untainted).
pub fn report(k: &Kernel, f: &Fault) {
    if let Some(first) = unimplemented_line(f) {
        return report_unimplemented(k, f, first);
    }
    let n = DIE_COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
    let mut st = k.lock();
    let r = &f.regs;
    let mut lines: Vec<(u8, String)> = Vec::new();
    let mut cr2 = None;
    match f.kind {
        FaultKind::Signal { signo, code, .. } if signo == libc::SIGSEGV && code == 0x80 => {
            // SI_KERNEL: a general protection fault (a privileged
            // instruction, a non-canonical address), not a page fault.
            lines.push((KERN_DEFAULT, format!("general protection fault: 0000 [#{n}] PREEMPT SMP NOPTI")));
        }
        FaultKind::Signal { signo, addr, err, .. } if signo == libc::SIGSEGV || signo == libc::SIGBUS => {
            // The CPU ran in user mode: drop the user bit (2) from the code.
            let err = err & !0x4;
            if addr < 4096 {
                lines.push((KERN_ALERT, format!("BUG: kernel NULL pointer dereference, address: {addr:016x}")));
            } else if err & 0x10 != 0 && err & 0x1 != 0 {
                lines.push((KERN_CRIT, "kernel tried to execute NX-protected page - exploit attempt? (uid: 0)".to_string()));
                lines.push((KERN_ALERT, format!("BUG: unable to handle page fault for address: {addr:016x}")));
            } else {
                lines.push((KERN_ALERT, format!("BUG: unable to handle page fault for address: {addr:016x}")));
            }
            lines.extend(pf_lines(err).map(|l| (KERN_ALERT, l)));
            lines.push((KERN_DEFAULT, format!("Oops: {:04x} [#{n}] PREEMPT SMP NOPTI", err & 0xffff)));
            cr2 = Some(addr);
        }
        FaultKind::Signal { signo, .. } if signo == libc::SIGILL => {
            // handle_bug: a BUG() entry names its file and line
            if let Some(bug) = crate::bug::find_bug(&st, r.rip) {
                if bug.cuts_here() {
                    lines.push((KERN_DEFAULT, kabi::abi::printk::CUT_HERE.to_string()));
                }
                match &bug.file {
                    Some(file) => lines.push((KERN_CRIT, format!("kernel BUG at {file}:{}!", bug.line))),
                    None => lines.push((KERN_CRIT, format!("Kernel BUG at {} [verbose debug info unavailable]", sym(r.rip)))),
                }
            }
            lines.push((KERN_DEFAULT, format!("invalid opcode: 0000 [#{n}] PREEMPT SMP NOPTI")));
        }
        FaultKind::Signal { .. } => {
            lines.push((KERN_DEFAULT, format!("divide error: 0000 [#{n}] PREEMPT SMP NOPTI")));
        }
        FaultKind::StackProtector => {
            lines.push((KERN_EMERG, "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in module code".to_string()));
        }
        FaultKind::Panic | FaultKind::Unimplemented { .. } => {}
    }
    if r.rip != 0 {
        lines.extend(show_regs(k, &st, st.taint, r, &f.stack).into_iter().map(|l| (KERN_DEFAULT, l)));
    } else {
        lines.push((KERN_DEFAULT, "Call Trace:".to_string()));
        lines.push((KERN_DEFAULT, " <TASK>".to_string()));
        lines.push((KERN_DEFAULT, " </TASK>".to_string()));
    }
    lines.push((KERN_DEFAULT, print_modules(&st)));
    if let Some(a) = cr2 {
        lines.push((KERN_DEFAULT, format!("CR2: {a:016x}")));
    }
    lines.push((KERN_WARNING, END_TRACE.to_string()));
    for (level, l) in lines {
        pr(level, l);
    }
    st.taint |= 1 << taint::DIE;
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_tag_like_debian() {
        assert_eq!(super::version_tag("#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)"), "#1  Debian 6.1.192-2");
        assert_eq!(super::version_tag("#5 SMP PREEMPT_DYNAMIC Tue Jan 1 2026"), "#5");
    }
}

//! Faults in module code: a guarded call and an oops record.
//!
//! The host calls module code (init, exit, parameter ops, exported
//! functions) through [`guarded_call`], an assembly routine that saves a
//! resume point. If module code faults (SIGSEGV, SIGBUS, SIGILL — `ud2` from
//! BUG() included — or SIGFPE) while a guarded call is active on that
//! thread, the signal handler copies the registers and the top of the stack
//! into the guard and rewrites the interrupted context so that the guarded
//! call returns as "faulted". Nothing is formatted, locked or allocated in
//! the handler; the oops text is produced afterwards in normal context.
//! `__stack_chk_fail` and `panic()` end a guarded call the same way.
//!
//! A fault outside a guarded call is not ours: the default action runs.
//! This file, with the memory mapping and the module calls, is where the
//! project's `unsafe` lives.

use std::cell::Cell;
use std::sync::Once;

/// Registers at the fault, in the kernel's oops order.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub struct Regs {
    pub rip: u64,
    pub rsp: u64,
    pub eflags: u64,
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
}

/// Why a guarded call ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub enum FaultKind {
    /// A signal: number, si_code, faulting address, and the CPU's error
    /// code for a page fault (`REG_ERR`: bit 0 protection, 1 write, 2 user,
    /// 4 instruction fetch — the bits of Linux's `X86_PF_*`).
    Signal { signo: i32, code: i32, addr: u64, err: u64 },
    /// `__stack_chk_fail` was called.
    StackProtector,
    /// `panic()` was called (message in the log already).
    Panic,
    /// Module code called an exported function the host does not implement
    /// (its index in [`crate::unimplemented`]); `regs.rip` is the return
    /// address into the caller.
    Unimplemented { index: u32 },
}

/// What the oops report needs: kind, registers, stack words.
#[derive(Debug, Clone)]
pub struct Fault {
    pub kind: FaultKind,
    pub regs: Regs,
    /// The words at the faulting stack pointer (for the call trace).
    pub stack: Vec<u64>,
}

const STACK_WORDS: usize = 64;

/// The per-call recovery record. The assembly uses the first fields: the
/// entry stack pointer @0, the resume address @8, the faulted flag @16, the
/// callee-saved registers @24..72 (rbx, rbp, r12–r15) and the return address
/// @72. They live here, not on the stack, because the fault may have been a
/// stack overflow that smashed the frames above the module's.
#[repr(C)]
struct Guard {
    rsp: u64,
    resume: u64,
    faulted: u64,
    saved: [u64; 6],
    ret: u64,
    kind: FaultKind,
    regs: Regs,
    stack: [u64; STACK_WORDS],
    nstack: usize,
    /// The registers at a `ud2` being handled by the trap hook (the
    /// assembly restores them from here when the hook resumes).
    trap: Regs,
}

/// What the trap hook decides about a `ud2` in module code (Linux's
/// `handle_bug`): a WARN resumes after the instruction, anything else
/// (BUG(), a `ud2` without a `__bug_table` entry) is an oops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapAction {
    /// Continue at the instruction after the `ud2`.
    Resume,
    /// End the guarded call as faulted (SIGILL), like any other fault.
    Oops,
}

/// The hook that decides about a `ud2` in module code. It runs in normal
/// context (not in the signal handler) on the module's stack, with the
/// registers at the `ud2` and the stack words above it, so it may lock,
/// allocate and log.
pub type TrapHook = fn(&Regs, &[u64]) -> TrapAction;

static TRAP_HOOK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Installs the `ud2` hook (the host kernel's bug-table lookup).
pub fn set_trap_hook(hook: TrapHook) {
    TRAP_HOOK.store(hook as usize, std::sync::atomic::Ordering::Release);
}

thread_local! {
    static CURRENT: Cell<*mut Guard> = const { Cell::new(std::ptr::null_mut()) };
    /// Guards of this thread's finished calls, for the next ones.
    static GUARDS: std::cell::RefCell<Vec<Box<Guard>>> = const { std::cell::RefCell::new(Vec::new()) };
}

std::arch::global_asm!(
    // u64 modhost_guarded_call(u64 target, const u64 args[6], Guard *g)
    // Calls target(args[0..6]) and returns its rax. On a fault, the handler
    // (or modhost_guard_unwind) resumes at 1: with rdi = g; every register
    // the caller relies on is reloaded from g.
    ".globl modhost_guarded_call",
    ".p2align 4",
    "modhost_guarded_call:",
    "mov [rdx + 24], rbx",
    "mov [rdx + 32], rbp",
    "mov [rdx + 40], r12",
    "mov [rdx + 48], r13",
    "mov [rdx + 56], r14",
    "mov [rdx + 64], r15",
    "mov rax, [rsp]",
    "mov [rdx + 72], rax",
    "mov [rdx], rsp",
    "lea rax, [rip + 1f]",
    "mov [rdx + 8], rax",
    "mov rbx, rdx",
    "sub rsp, 8",
    "mov r11, rdi",
    "mov rax, rsi",
    "mov rdi, [rax]",
    "mov rsi, [rax + 8]",
    "mov rdx, [rax + 16]",
    "mov rcx, [rax + 24]",
    "mov r8, [rax + 32]",
    "mov r9, [rax + 40]",
    "call r11",
    "mov rdi, rbx",
    "jmp 2f",
    "1:",
    "xor eax, eax",
    "2:",
    "mov rbx, [rdi + 24]",
    "mov rbp, [rdi + 32]",
    "mov r12, [rdi + 40]",
    "mov r13, [rdi + 48]",
    "mov r14, [rdi + 56]",
    "mov r15, [rdi + 64]",
    "mov rsp, [rdi]",
    "add rsp, 8",
    "jmp qword ptr [rdi + 72]",
    // void modhost_guard_unwind(Guard *g): abandon the current frames and
    // resume the guarded call as faulted (from normal context).
    // modhost_trap_entry: where the signal handler sends a `ud2` in module
    // code. Every register still holds the module's value (the handler
    // changed only rip; the full set is also in the guard). Align the stack
    // (module code has no red zone: the words below rsp are free), ask the
    // hook, then restore every register and flag from the returned Regs
    // and continue at its rip. The hook does not return for an oops.
    ".globl modhost_trap_entry",
    ".p2align 4",
    "modhost_trap_entry:",
    "and rsp, -16",
    "call {dispatch}",
    "mov r11, rax",
    "mov rsp, [r11 + 8]",
    "push qword ptr [r11]",
    "push qword ptr [r11 + 16]",
    "mov rax, [r11 + 24]",
    "mov rbx, [r11 + 32]",
    "mov rcx, [r11 + 40]",
    "mov rdx, [r11 + 48]",
    "mov rsi, [r11 + 56]",
    "mov rdi, [r11 + 64]",
    "mov rbp, [r11 + 72]",
    "mov r8, [r11 + 80]",
    "mov r9, [r11 + 88]",
    "mov r10, [r11 + 96]",
    "mov r12, [r11 + 112]",
    "mov r13, [r11 + 120]",
    "mov r14, [r11 + 128]",
    "mov r15, [r11 + 136]",
    "mov r11, [r11 + 104]",
    "popfq",
    "ret",
    ".globl modhost_guard_unwind",
    ".p2align 4",
    "modhost_guard_unwind:",
    "mov rsp, [rdi]",
    "jmp qword ptr [rdi + 8]",
    dispatch = sym trap_dispatch,
);

extern "C" {
    fn modhost_guarded_call(target: u64, args: *const [u64; 6], g: *mut Guard) -> u64;
    fn modhost_guard_unwind(g: *mut Guard) -> !;
    fn modhost_trap_entry();
}

/// Called by `modhost_trap_entry` in normal context: asks the hook about
/// the `ud2` whose registers the handler saved in the guard. Returns the
/// registers to resume with (rip past the `ud2`), or unwinds the guarded
/// call as faulted.
extern "C" fn trap_dispatch() -> *const Regs {
    let g = CURRENT.with(|c| c.get());
    // SAFETY: the handler only sends a thread here while its guard is
    // active; the guard outlives the guarded call.
    unsafe {
        let hook = TRAP_HOOK.load(std::sync::atomic::Ordering::Acquire);
        let regs = (*g).trap;
        let stack = (*g).stack; let stack = &stack[..(*g).nstack];
        let action = if hook == 0 {
            TrapAction::Oops
        } else {
            let hook: TrapHook = std::mem::transmute::<usize, TrapHook>(hook);
            hook(&regs, stack)
        };
        if action == TrapAction::Resume {
            (*g).trap.rip += 2;
            return &(*g).trap;
        }
        (*g).faulted = 1;
        (*g).kind = FaultKind::Signal { signo: libc::SIGILL, code: 2 /* ILL_ILLOPN */, addr: regs.rip, err: 0 };
        (*g).regs = regs;
        modhost_guard_unwind(g)
    }
}

static INSTALL: Once = Once::new();
const SIGNALS: [i32; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

fn install_handlers() {
    INSTALL.call_once(|| {
        for sig in SIGNALS {
            // SAFETY: a plain sigaction with an SA_SIGINFO handler that only
            // touches the faulting thread's own guard.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = handler as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

/// Gives the calling thread an alternate signal stack (once), so a stack
/// overflow in module code can still be handled.
fn ensure_altstack() {
    thread_local!(static DONE: Cell<bool> = const { Cell::new(false) });
    DONE.with(|d| {
        if d.get() {
            return;
        }
        const SIZE: usize = 256 * 1024;
        let mem: &'static mut [u8] = Box::leak(vec![0u8; SIZE].into_boxed_slice());
        let st = libc::stack_t { ss_sp: mem.as_mut_ptr() as *mut libc::c_void, ss_flags: 0, ss_size: SIZE };
        // SAFETY: the stack memory is leaked, so it outlives the thread.
        unsafe { libc::sigaltstack(&st, std::ptr::null_mut()) };
        d.set(true);
    });
}

extern "C" fn handler(signo: i32, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let g = CURRENT.with(|c| c.get());
    // SAFETY: the kernel passes valid siginfo/ucontext pointers for an
    // SA_SIGINFO handler; `g` is this thread's active guard (or null).
    unsafe {
        if g.is_null() || (*g).faulted != 0 {
            // Not in module code (or faulting again while recovering): let
            // the default action happen.
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signo, &sa, std::ptr::null_mut());
            return;
        }
        let uc = &mut *(ctx as *mut libc::ucontext_t);
        let gr = &mut uc.uc_mcontext.gregs;
        let r = |i: libc::c_int| gr[i as usize] as u64;
        let regs = Regs {
            rip: r(libc::REG_RIP),
            rsp: r(libc::REG_RSP),
            eflags: r(libc::REG_EFL),
            rax: r(libc::REG_RAX),
            rbx: r(libc::REG_RBX),
            rcx: r(libc::REG_RCX),
            rdx: r(libc::REG_RDX),
            rsi: r(libc::REG_RSI),
            rdi: r(libc::REG_RDI),
            rbp: r(libc::REG_RBP),
            r8: r(libc::REG_R8),
            r9: r(libc::REG_R9),
            r10: r(libc::REG_R10),
            r11: r(libc::REG_R11),
            r12: r(libc::REG_R12),
            r13: r(libc::REG_R13),
            r14: r(libc::REG_R14),
            r15: r(libc::REG_R15),
        };
        let addr = (*info).si_addr() as u64;
        // The stack words between the faulting rsp and the guard's frame.
        let n = ((*g).rsp.saturating_sub(regs.rsp) / 8).min(STACK_WORDS as u64) as usize;
        if regs.rsp % 8 == 0 && regs.rsp < (*g).rsp {
            for i in 0..n {
                (*g).stack[i] = *((regs.rsp + 8 * i as u64) as *const u64);
            }
            (*g).nstack = n;
        }
        // Port I/O (`in`/`out`) in module code: the host has no ISA or
        // PCI I/O space, so every port is absent. Reads see the floating
        // bus (all ones), writes go nowhere — what Linux sees on a machine
        // without that device. (In user mode these instructions raise #GP,
        // delivered as SIGSEGV.)
        if signo == libc::SIGSEGV && crate::lowmem::in_window(regs.rip) {
            if let Some((len, read_width)) = decode_port_io(regs.rip) {
                if let Some(w) = read_width {
                    let ones: u64 = match w {
                        1 => 0xff,
                        2 => 0xffff,
                        _ => 0xffff_ffff,
                    };
                    let rax = gr[libc::REG_RAX as usize] as u64;
                    // 8- and 16-bit reads keep the rest of rax; 32-bit ones zero-extend.
                    let v = match w {
                        1 => (rax & !0xff) | ones,
                        2 => (rax & !0xffff) | ones,
                        _ => ones,
                    };
                    gr[libc::REG_RAX as usize] = v as i64;
                }
                gr[libc::REG_RIP as usize] = (regs.rip + len) as i64;
                return;
            }
        }
        // A `ud2` (WARN/BUG) in module code: let the trap hook decide, in
        // normal context, on the module's own stack (see modhost_trap_entry).
        // The instruction was just fetched, so its two bytes are readable.
        if signo == libc::SIGILL && crate::lowmem::in_window(regs.rip) && *(regs.rip as *const [u8; 2]) == [0x0f, 0x0b] {
            (*g).trap = regs;
            gr[libc::REG_RIP as usize] = modhost_trap_entry as *const () as i64;
            return;
        }
        (*g).faulted = 1;
        (*g).kind = FaultKind::Signal { signo, code: (*info).si_code, addr, err: r(libc::REG_ERR) };
        (*g).regs = regs;
        gr[libc::REG_RSP as usize] = (*g).rsp as i64;
        gr[libc::REG_RDI as usize] = g as i64;
        gr[libc::REG_RIP as usize] = (*g).resume as i64;
    }
}

/// An `in`/`out` instruction at `rip` (module code, readable: it was just
/// fetched): its length and, for `in`, the width read (1, 2 or 4 bytes).
/// The string forms (`ins`/`outs`) are not decoded.
///
/// # Safety
/// `rip` must point at readable code.
unsafe fn decode_port_io(rip: u64) -> Option<(u64, Option<u8>)> {
    // SAFETY: per the contract; at most 3 bytes of one instruction.
    let b = |i: u64| unsafe { *((rip + i) as *const u8) };
    let (prefix, op) = if b(0) == 0x66 { (1, b(1)) } else { (0, b(0)) };
    let wide = if prefix == 1 { 2 } else { 4 };
    match op {
        0xe4 => Some((prefix + 2, Some(1))),
        0xe5 => Some((prefix + 2, Some(wide))),
        0xec => Some((prefix + 1, Some(1))),
        0xed => Some((prefix + 1, Some(wide))),
        0xe6 | 0xe7 => Some((prefix + 2, None)),
        0xee | 0xef => Some((prefix + 1, None)),
        _ => None,
    }
}

/// Calls module code `target(a0, a1)` on this thread. `Ok(rax)` when it
/// returns, `Err(fault)` when it faulted (its frames are abandoned).
pub fn guarded_call(target: u64, a0: u64, a1: u64) -> Result<u64, Fault> {
    guarded_call_args(target, [a0, a1, 0, 0, 0, 0])
}

/// [`guarded_call`] with six integer arguments.
pub fn guarded_call_args(target: u64, args: [u64; 6]) -> Result<u64, Fault> {
    install_handlers();
    ensure_altstack();
    // Guards are reused per thread (a call into module code is the host's
    // hot path: a 1 KiB hash is a few hundred nanoseconds); a nested call
    // takes another one. Only the fields read after a call are reset: the
    // stack words are read up to `nstack`, `trap` is written before use.
    let mut g = GUARDS.try_with(|p| p.borrow_mut().pop()).ok().flatten().unwrap_or_else(|| {
        Box::new(Guard {
            rsp: 0,
            resume: 0,
            faulted: 0,
            saved: [0; 6],
            ret: 0,
            kind: FaultKind::Panic,
            regs: Regs::default(),
            stack: [0; STACK_WORDS],
            nstack: 0,
            trap: Regs::default(),
        })
    });
    g.faulted = 0;
    g.kind = FaultKind::Panic;
    g.regs = Regs::default();
    g.nstack = 0;
    let prev = CURRENT.with(|c| c.replace(&mut *g));
    let held = crate::kernel::locking::held::depth();
    // SAFETY: `target` is module code of a loaded module (the caller's
    // contract); the guard lives until after the call.
    let rax = unsafe { modhost_guarded_call(target, &args, &mut *g) };
    CURRENT.with(|c| c.set(prev));
    if prev.is_null() {
        // Back in the host: the thread's FPU state, if a section saved it.
        crate::arch::x86::fpu::return_to_host();
    }
    if g.faulted != 0 {
        let who = crate::symbolize(target).map_or_else(|| format!("{target:#x}"), |s| s.0);
        crate::kernel::locking::held::release_since(held, &format!("the abandoned call of {who}"));
        let f = Fault { kind: g.kind, regs: g.regs, stack: g.stack[..g.nstack].to_vec() };
        let _ = GUARDS.try_with(|p| p.borrow_mut().push(g));
        return Err(f);
    }
    let _ = GUARDS.try_with(|p| p.borrow_mut().push(g));
    Ok(rax)
}

/// Ends the active guarded call as faulted (for `__stack_chk_fail` and
/// `panic()`, which run in normal context). Returns if there is none.
pub(crate) fn abandon(kind: FaultKind, rip: u64, rsp: u64) {
    let g = CURRENT.with(|c| c.get());
    if g.is_null() {
        return;
    }
    // SAFETY: `g` is the active guard of this thread; unwinding to it
    // abandons only module frames and the ABI stub that called us, none of
    // which own resources.
    unsafe {
        (*g).faulted = 1;
        (*g).kind = kind;
        (*g).regs = Regs { rip, rsp, ..Regs::default() };
        // The words between the caller's stack pointer and the guard's
        // frame (this thread's own stack) for the call trace.
        if rsp != 0 && rsp % 8 == 0 && rsp < (*g).rsp {
            let n = (((*g).rsp - rsp) / 8).min(STACK_WORDS as u64) as usize;
            for i in 0..n {
                (*g).stack[i] = *((rsp + 8 * i as u64) as *const u64);
            }
            (*g).nstack = n;
        }
        modhost_guard_unwind(g)
    }
}

/// Whether the calling thread is inside a guarded call.
pub fn in_guarded_call() -> bool {
    CURRENT.with(|c| !c.get().is_null())
}

// The assembly's view of Guard.
const _: () = {
    assert!(std::mem::offset_of!(Guard, rsp) == 0);
    assert!(std::mem::offset_of!(Guard, resume) == 8);
    assert!(std::mem::offset_of!(Guard, faulted) == 16);
    assert!(std::mem::offset_of!(Guard, saved) == 24);
    assert!(std::mem::offset_of!(Guard, ret) == 72);
    assert!(std::mem::offset_of!(Regs, rip) == 0);
    assert!(std::mem::offset_of!(Regs, rsp) == 8);
    assert!(std::mem::offset_of!(Regs, eflags) == 16);
    assert!(std::mem::offset_of!(Regs, rax) == 24);
    assert!(std::mem::offset_of!(Regs, r11) == 104);
    assert!(std::mem::offset_of!(Regs, r15) == 136);
};

/// Reports a fault in module code that ran outside any module call the
/// host kernel made itself (a work item, a timer, a callback on a host
/// thread): the host kernel installs its oops report here.
pub type FaultReporter = fn(&Fault);

static REPORTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Installs the host kernel's report for faults on host threads.
pub fn set_fault_reporter(f: FaultReporter) {
    REPORTER.store(f as usize, std::sync::atomic::Ordering::Release);
}

fn report_elsewhere(f: &Fault) {
    let r = REPORTER.load(std::sync::atomic::Ordering::Acquire);
    if r == 0 {
        crate::log::kernel_msg(1, &format!("fault in module code at {:#x} (no host kernel to report it)", f.regs.rip));
        return;
    }
    // SAFETY: only ever set from a `FaultReporter`.
    let r: FaultReporter = unsafe { std::mem::transmute::<usize, FaultReporter>(r) };
    r(f)
}

/// Calls module code (a callback: ops->init, a notifier, a work function,
/// a probe) with up to six integer arguments, from a host implementation.
///
/// - Inside a module call (the usual case: module code called the host,
///   which calls back), the callback runs directly: if it faults, the fault
///   ends the whole module call, as an oops ends the task on Linux. The
///   frames in between are abandoned, so the caller must hold no lock and
///   own nothing that needs dropping across this call.
/// - On a host thread (workqueue worker, timer), the thread is a host CPU
///   for the call (waiting for one while all are busy) and the call is guarded: a fault is reported by the host kernel
///   (oops, taint D) and `None` is returned.
pub fn call_module(target: u64, args: [u64; 6]) -> Option<u64> {
    if in_guarded_call() {
        type F = extern "C" fn(u64, u64, u64, u64, u64, u64) -> u64;
        // SAFETY: `target` is module code the module handed to the host as
        // a function of this shape; the calling thread is a host CPU.
        let f: F = unsafe { std::mem::transmute::<u64, F>(target) };
        return Some(f(args[0], args[1], args[2], args[3], args[4], args[5]));
    }
    let v = crate::vmlinux::get()?;
    let _cpu = match v.hold_cpu() {
        Ok(h) => h,
        Err(e) => {
            crate::log::kernel_msg(3, &format!("cannot run module code: {e}"));
            return None;
        }
    };
    match guarded_call_args(target, args) {
        Ok(r) => Some(r),
        Err(f) => {
            report_elsewhere(&f);
            None
        }
    }
}

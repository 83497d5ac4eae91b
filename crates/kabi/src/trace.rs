//! The module API trace — the ltrace of modules: every call from module
//! code into a host function of the kernel ABI, with its argument
//! registers, its return value and the module and call site it came from.
//!
//! Off by default. When on ([`enable`], `modhost serve --trace`), each
//! function stub diverts to [`trace_call`], which records the call, calls
//! the implementation with the same six argument registers and records the
//! result (rax; rdx is passed back untouched). The record is readable as
//! `/sys/kernel/debug/modhost/trace` (`modhost trace [module]`). The ABI
//! has no prototypes at hand, so all six argument registers are shown.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// How many records are kept (the oldest go first).
pub const CAPACITY: usize = 200_000;

/// The traced functions: (name, implementation), by stub id.
static TABLE: Mutex<Vec<(&'static str, usize)>> = Mutex::new(Vec::new());
static NAMES: OnceLock<Vec<(&'static str, usize)>> = OnceLock::new();
/// The enable byte every stub tests (in the vmlinux data area).
static FLAG: AtomicU64 = AtomicU64::new(0);
static RECORDS: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Registers a traced function; returns its stub id (vmlinux build time).
pub(crate) fn register(name: &str, target: usize) -> u32 {
    let mut t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    t.push((Box::leak(name.to_string().into_boxed_str()), target));
    (t.len() - 1) as u32
}

/// Freezes the table and notes where the enable byte lives (vmlinux boot).
pub(crate) fn seal(flag_addr: u64) {
    let t = std::mem::take(&mut *TABLE.lock().unwrap_or_else(|e| e.into_inner()));
    let _ = NAMES.set(t);
    FLAG.store(flag_addr, Ordering::Release);
    crate::fs::kernfs::add_file("/sys/kernel/debug/modhost/trace", || {
        let r = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for l in r.iter() {
            out.extend_from_slice(l.as_bytes());
            out.push(b'\n');
        }
        out
    });
    crate::fs::kernfs::add_file("/sys/kernel/debug/modhost/trace_enabled", || if enabled() { b"1\n".to_vec() } else { b"0\n".to_vec() });
}

/// Turns the trace on or off (the vmlinux must be booted).
pub fn enable(on: bool) {
    let f = FLAG.load(Ordering::Acquire);
    if f != 0 {
        // SAFETY: the flag byte lives in the vmlinux data area for the
        // life of the process; stubs only read it.
        unsafe { (*(f as *const std::sync::atomic::AtomicU8)).store(on as u8, Ordering::Release) };
    }
}

/// Whether the trace is on.
pub fn enabled() -> bool {
    let f = FLAG.load(Ordering::Acquire);
    // SAFETY: as in `enable`.
    f != 0 && unsafe { (*(f as *const std::sync::atomic::AtomicU8)).load(Ordering::Acquire) } != 0
}

/// The recorded lines, oldest first.
pub fn records() -> Vec<String> {
    RECORDS.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
}

/// Forgets the recorded lines.
pub fn clear() {
    RECORDS.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

fn push(line: String) {
    let mut r = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
    if r.len() >= CAPACITY {
        r.pop_front();
    }
    r.push_back(line);
}

fn caller(ret: u64) -> (String, String) {
    match crate::symbolize(ret) {
        Some((name, off, size, Some(m))) => (m, format!("{name}+0x{off:x}/0x{size:x}")),
        Some((name, off, size, None)) => ("kernel".into(), format!("{name}+0x{off:x}/0x{size:x}")),
        None => ("?".into(), format!("0x{ret:x}")),
    }
}

/// Called by `modhost_trace_trampoline` for stub `id` with the caller's
/// six argument registers and return address.
extern "C" fn trace_call(id: u64, args: *const u64, ret: u64) -> u128 {
    let Some(&(name, target)) = NAMES.get().and_then(|t| t.get(id as usize)) else {
        // cannot happen: stubs only pass ids the table holds
        crate::log::kernel_msg(0, "modhost trace: unknown stub id");
        std::process::abort();
    };
    // SAFETY: the trampoline saved the six argument registers there.
    let a = unsafe { std::slice::from_raw_parts(args, 6) };
    let (a0, a1, a2, a3, a4, a5) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let (module, site) = caller(ret);
    let call = format!("{module} {site} {name}({a0:#x}, {a1:#x}, {a2:#x}, {a3:#x}, {a4:#x}, {a5:#x})");
    push(format!("{seq} > {call}"));
    type F = extern "C" fn(u64, u64, u64, u64, u64, u64) -> u128;
    // SAFETY: `target` is the host's implementation the stub would have
    // called with these same registers.
    let f: F = unsafe { std::mem::transmute::<usize, F>(target) };
    let r = f(a0, a1, a2, a3, a4, a5);
    push(format!("{seq} < {module} {name} = {:#x}", r as u64));
    r
}

std::arch::global_asm!(
    ".globl modhost_trace_trampoline",
    ".p2align 4",
    "modhost_trace_trampoline:",
    "push rbp",
    "mov rbp, rsp",
    "push r9",
    "push r8",
    "push rcx",
    "push rdx",
    "push rsi",
    "push rdi",
    "mov rdi, r11",
    "mov rsi, rsp",
    "mov rdx, [rbp + 8]",
    "and rsp, -16",
    "call {call}",
    "leave",
    "ret",
    call = sym trace_call,
);

extern "C" {
    fn modhost_trace_trampoline();
}

/// The address stubs jump to when tracing.
pub(crate) fn trampoline() -> u64 {
    modhost_trace_trampoline as *const () as u64
}

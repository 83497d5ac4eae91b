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
    super::variadic(b, "panic", panic as *const () as usize);
    super::variadic(b, "__request_module", request_module as *const () as usize);
    install_pv_ops(b);
    install_ctype(b);
    super::call(b, "textsearch_register", textsearch_register as *const () as usize);
    super::call(b, "textsearch_unregister", textsearch_unregister as *const () as usize);
    // Jiffies at HZ=250 from INITIAL_JIFFIES, kept current by a ticker.
    let j = b.data("jiffies_64", 8, 64);
    b.alias("jiffies", j);
    start_jiffies(j);
}

/// The canary check failed: Linux panics ("stack-protector: Kernel stack is
/// corrupted in: <caller>"). The host reports it like an oops of the
/// module call and abandons that call; outside module code it aborts.
extern "C" fn stack_chk_fail() {
    // The stub's frame: [rbp] = caller's rbp, [rbp+8] = return into the stub,
    // [rbp+16]... the module's return address sits just above the stub frame.
    let caller = return_address();
    crate::fault::abandon(crate::fault::FaultKind::StackProtector, caller, 0);
    crate::log::kernel_msg(0, "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted");
    std::process::abort();
}

/// `panic(fmt, ...)`: logs "Kernel panic - not syncing: <msg>" and ends the
/// module call like an oops.
extern "C" fn panic(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { super::RegArgs::new(regs, stack, 1) };
    // SAFETY: the format is the module's NUL-terminated string.
    let fmt = unsafe { super::c_str(args.arg(0), 1 << 12) };
    let msg = crate::printf::format(fmt, &mut args, &super::printk::ModuleMemory);
    crate::log::kernel_msg(0, &format!("Kernel panic - not syncing: {}", String::from_utf8_lossy(&msg).trim_end()));
    crate::fault::abandon(crate::fault::FaultKind::Panic, 0, 0);
    std::process::abort();
}

/// The module address that called into the current stub (best effort: the
/// realigning stub keeps the caller's return address at [rbp + 8] of its frame).
fn return_address() -> u64 {
    0
}

/// `__request_module(bool wait, const char *fmt, ...)`: formats the module
/// name (at most 55 characters, else -ENAMETOOLONG) and hands it to the
/// host's modprobe (see [`crate::set_request_module_handler`]); without
/// one, -ENOENT as with an empty modprobe path. Like Linux, the result is
/// modprobe's wait status (exit code << 8) or a negative errno, and says
/// nothing about whether the module got loaded.
extern "C" fn request_module(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { super::RegArgs::new(regs, stack, 2) };
    let wait = args.arg(0) & 0xff != 0;
    // SAFETY: the format is the module's NUL-terminated string.
    let fmt = unsafe { super::c_str(args.arg(1), 1 << 12) };
    let name = crate::printf::format(fmt, &mut args, &super::printk::ModuleMemory);
    if name.len() >= 56 {
        return -36; // -ENAMETOOLONG
    }
    match crate::request_module_handler() {
        Some(h) => h(&String::from_utf8_lossy(&name), wait),
        None => -2,
    }
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

/// `pv_ops` (struct paravirt_patch_template, 672 bytes): modules built with
/// PARAVIRT_XXL call `*pv_ops+off` for privileged operations (the
/// `.parainstructions` sites are left unpatched). Every slot gets a
/// register-preserving stub that returns 0; the ones modules reach:
/// irq save_fl (240) reports "interrupts enabled" (IF, 0x200) — callers pair
/// it with irq_disable/irq_enable (248/256), which, like safe_halt/halt,
/// just return; mmu.read_cr2 (336) is 0; the page-table value converters
/// (496–520, 536–560, 576–584) are the identity; lock.queued_spin_unlock
/// (640) stores 0 into the lock byte; lock.vcpu_is_preempted (664) is false.
fn install_pv_ops(b: &mut Builder) {
    const SIZE: u64 = 672;
    let ret0 = b.func("__modhost_pv_ret0", Stub::Code(&[0x31, 0xc0, 0xc3]));
    let ret = b.func("__modhost_pv_ret", Stub::Code(RET));
    let save_fl = b.func("__modhost_pv_save_fl", Stub::Code(&[0xb8, 0x00, 0x02, 0x00, 0x00, 0xc3]));
    let ident = b.func("__modhost_pv_ident", Stub::Code(&[0x48, 0x89, 0xf8, 0xc3]));
    let unlock = b.func("__modhost_pv_spin_unlock", Stub::Code(&[0xc6, 0x07, 0x00, 0xc3]));
    let pv = b.data("pv_ops", SIZE, 64);
    let mut slots = vec![ret0; (SIZE / 8) as usize];
    let mut set = |off: u64, f: u64| slots[(off / 8) as usize] = f;
    set(240, save_fl);
    for off in [248, 256, 264, 272] {
        set(off, ret);
    }
    for off in [496, 504, 512, 520, 536, 544, 552, 560, 576, 584] {
        set(off, ident);
    }
    set(640, unlock);
    for (i, f) in slots.iter().enumerate() {
        // SAFETY: a fresh 672-byte object in the read-write data area.
        unsafe { ((pv + i as u64 * 8) as *mut u64).write(*f) };
    }
}

/// `_ctype`: the kernel's character classes (lib/ctype.c), Latin-1 included.
fn install_ctype(b: &mut Builder) {
    const U: u8 = 0x01;
    const L: u8 = 0x02;
    const D: u8 = 0x04;
    const C: u8 = 0x08;
    const P: u8 = 0x10;
    const S: u8 = 0x20;
    const X: u8 = 0x40;
    const SP: u8 = 0x80;
    let class = |c: u8| -> u8 {
        match c {
            9..=13 => C | S,
            0..=31 | 127..=159 => C,
            32 | 160 => S | SP,
            b'0'..=b'9' => D,
            b'A'..=b'F' => U | X,
            b'G'..=b'Z' => U,
            b'a'..=b'f' => L | X,
            b'g'..=b'z' => L,
            192..=214 | 216..=222 => U,
            223..=246 | 248..=255 => L,
            _ => P,
        }
    };
    let t = b.data("_ctype", 256, 64);
    for c in 0..=255u8 {
        // SAFETY: a fresh 256-byte object in the read-write data area.
        unsafe { ((t + u64::from(c)) as *mut u8).write(class(c)) };
    }
}

/// Registered textsearch algorithms (`struct ts_ops *`).
static TS_OPS: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());

extern "C" fn textsearch_register(ops: u64) -> i32 {
    let mut v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    if v.contains(&ops) {
        return -17; // -EEXIST
    }
    v.push(ops);
    0
}

extern "C" fn textsearch_unregister(ops: u64) -> i32 {
    let mut v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    match v.iter().position(|&o| o == ops) {
        Some(i) => {
            v.remove(i);
            0
        }
        None => -2, // -ENOENT
    }
}

//! The host's "vmlinux": everything modules link against, below 2 GiB.
//!
//! - a text area of stubs, one per imported function: register-exact thunks
//!   written as machine code (`__x86_return_thunk`, `__fentry__`, the
//!   `__x86_indirect_thunk_<reg>` family), stack-realigning calls into Rust
//!   `extern "C"` functions, and varargs stubs that hand the register and
//!   stack arguments to Rust as a word sequence;
//! - a data area for the data objects modules reference (`jiffies`,
//!   `__per_cpu_offset`, `param_ops_*`, ...);
//! - per-CPU blocks: one per possible CPU, laid out like Debian's static
//!   per-CPU area (offsets from the ABI profile) plus an 8 KiB module area;
//!   a thread that runs module code gets one as its GS base.
//!
//! It is a process singleton: its addresses are baked into loaded modules.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::lowmem::{self, LowRegion, Prot, PAGE_SIZE};

/// Debian x86_64's NR_CPUS is 8192: `__per_cpu_offset` has that many slots.
pub const NR_CPUS_ARRAY: usize = 8192;
/// How many "CPUs" (threads allowed to run module code at once) the host has.
pub const NR_POSSIBLE_CPUS: usize = 4;
/// PERCPU_MODULE_RESERVE: room for all modules' per-CPU data.
pub const PERCPU_MODULE_RESERVE: u64 = 8192;
/// `sizeof(struct task_struct)` on Debian 6.1 amd64.
pub const TASK_STRUCT_SIZE: u64 = 9792;
/// `task_struct.pid` and `task_struct.comm` offsets (Debian 6.1 amd64).
pub const TASK_PID: u64 = 0x970;
pub const TASK_COMM: u64 = 0xba0;

const TEXT_SIZE: u64 = 4 << 20;
const DATA_SIZE: u64 = 16 << 20;
const VMLINUX_HINT: u64 = 0x1000_0000;

/// How a function is reached from module code.
#[derive(Debug, Clone, Copy)]
pub enum Stub {
    /// Machine code copied as is (must preserve what its callers expect).
    Code(&'static [u8]),
    /// An `extern "C"` function with at most six integer arguments; the stub
    /// realigns the stack to 16 bytes (modules keep it 8-aligned only).
    Call(usize),
    /// A variadic function: called as `f(regs: *const u64, stack: *const u64)`
    /// where `regs` holds rdi, rsi, rdx, rcx, r8, r9 and `stack` points at the
    /// caller's stack arguments.
    Variadic(usize),
    /// The trap stub of an export the host does not implement (its index
    /// in [`crate::unimplemented`]).
    Trap(u32),
}

/// A kernel export the image must provide (from the ABI profile).
#[derive(Debug, Clone, Copy)]
pub struct ExportSpec<'a> {
    pub name: &'a str,
    /// Code (a function modules call) rather than a data object.
    pub text: bool,
    /// The object's extent in the real image (0: unknown).
    pub size: u64,
}

/// How one export is provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// A host implementation (function or modelled data object).
    Implemented,
    /// A trap stub: calling it is reported and ends the module call.
    Trapped,
    /// Unmodelled data: inaccessible memory, the first access is reported.
    Absent,
}

/// Where the per-CPU symbols of the profile live, and the static area size.
#[derive(Debug, Clone, Default)]
pub struct PercpuSpec {
    /// (name, offset) of every per-CPU symbol that must be exported or set up.
    pub symbols: Vec<(String, u64)>,
    /// Size of the static per-CPU area (`__per_cpu_end`).
    pub static_size: u64,
}

/// Builds the image: used once, by [`boot`].
pub struct Builder {
    text: LowRegion,
    text_off: u64,
    data: LowRegion,
    data_off: u64,
    symbols: HashMap<String, u64>,
    /// The trace enable byte (see crate::trace).
    trace_flag: u64,
}

impl Builder {
    /// Adds a function stub; returns its address.
    pub fn func(&mut self, name: &str, stub: Stub) -> u64 {
        let code: Vec<u8> = match stub {
            Stub::Code(c) => c.to_vec(),
            Stub::Call(target) => {
                // Tests the trace byte first (see crate::trace): when it is
                // set, the call goes through the trace trampoline with the
                // stub's id in r11.
                let at = self.text.base() + self.text_off.next_multiple_of(16);
                let disp = self.trace_flag as i64 - (at as i64 + 7);
                let id = crate::trace::register(name, target);
                let mut v = vec![0x80, 0x3d]; // cmp byte [rip+disp32], 0
                v.extend_from_slice(&(disp as i32).to_le_bytes());
                v.extend_from_slice(&[
                    0x00, //
                    0x75, 0x10, // jne traced
                    0x55, // push rbp
                    0x48, 0x89, 0xe5, // mov rbp, rsp
                    0x48, 0x83, 0xe4, 0xf0, // and rsp, -16
                    0xff, 0x15, 0x0e, 0x00, 0x00, 0x00, // call [rip+14] (target)
                    0xc9, // leave
                    0xc3, // ret
                    0x41, 0xbb, // traced: mov r11d, id
                ]);
                v.extend_from_slice(&id.to_le_bytes());
                v.extend_from_slice(&[0xff, 0x25, 0x08, 0x00, 0x00, 0x00]); // jmp [rip+8] (trampoline)
                v.extend_from_slice(&(target as u64).to_le_bytes());
                v.extend_from_slice(&crate::trace::trampoline().to_le_bytes());
                v
            }
            Stub::Trap(index) => crate::unimplemented::stub_code(index),
            Stub::Variadic(target) => {
                let mut v = vec![0x49, 0xbb]; // movabs r11, target
                v.extend_from_slice(&(target as u64).to_le_bytes());
                v.extend_from_slice(&[0xff, 0x25, 0, 0, 0, 0]); // jmp [rip+0]
                v.extend_from_slice(&(crate::abi::va_trampoline() as u64).to_le_bytes());
                v
            }
        };
        let at = self.text_off.next_multiple_of(16);
        assert!(at + code.len() as u64 <= self.text.len(), "vmlinux text area full");
        // SAFETY: the text area is still mapped read-write during the build
        // and no module exists yet.
        unsafe { self.text.bytes_mut(at, code.len() as u64) }.copy_from_slice(&code);
        self.text_off = at + code.len() as u64;
        let addr = self.text.base() + at;
        self.symbols.insert(name.to_string(), addr);
        addr
    }

    /// Adds a zero-filled data object; returns its address.
    pub fn data(&mut self, name: &str, size: u64, align: u64) -> u64 {
        let at = self.data_off.next_multiple_of(align.max(8));
        assert!(at + size <= self.data.len(), "vmlinux data area full");
        self.data_off = at + size.max(1);
        let addr = self.data.base() + at;
        self.symbols.insert(name.to_string(), addr);
        addr
    }

    /// Names an existing address.
    pub fn alias(&mut self, name: &str, addr: u64) {
        self.symbols.insert(name.to_string(), addr);
    }

    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.symbols.get(name).copied()
    }
}

/// The built image.
pub struct Vmlinux {
    #[allow(dead_code)]
    text: LowRegion,
    #[allow(dead_code)]
    data: LowRegion,
    /// Inaccessible memory behind the unmodelled data exports.
    #[allow(dead_code)]
    absent: Option<LowRegion>,
    symbols: HashMap<String, u64>,
    /// How each profile export is provided.
    provision: HashMap<String, Provision>,
    /// Per-CPU blocks (index = CPU id).
    cpus: Vec<LowRegion>,
    percpu: PercpuSpec,
    percpu_size: u64,
    module_percpu: Mutex<Vec<(u64, u64)>>, // allocated (offset, size), sorted
    cpu_owner: Mutex<Vec<Option<std::thread::ThreadId>>>,
    /// Offsets in a per-CPU block of `current_task` and `__preempt_count`.
    current_task_off: Option<u64>,
    preempt_off: Option<u64>,
}

static VMLINUX: OnceLock<Vmlinux> = OnceLock::new();

/// The most address space one unmodelled data object reserves.
const ABSENT_MAX: u64 = 1 << 20;

/// Builds the image (once per process) and returns it: the host's
/// implementations, then for every other export of `exports` a trap stub
/// (functions) or inaccessible memory of the object's extent (data).
pub fn boot(spec: &PercpuSpec, exports: &[ExportSpec<'_>]) -> Result<&'static Vmlinux, lowmem::LowMemError> {
    if let Some(v) = VMLINUX.get() {
        return Ok(v);
    }
    crate::log::boot();
    crate::fs::kernfs::init();
    let text = lowmem::alloc(TEXT_SIZE, VMLINUX_HINT)?;
    let data = lowmem::alloc(DATA_SIZE, VMLINUX_HINT)?;
    let percpu_size = (spec.static_size + PERCPU_MODULE_RESERVE).next_multiple_of(PAGE_SIZE);
    let mut cpus = Vec::new();
    for _ in 0..NR_POSSIBLE_CPUS {
        cpus.push(lowmem::alloc(percpu_size, VMLINUX_HINT)?);
    }
    let mut b = Builder { text, text_off: 0, data, data_off: 0, symbols: HashMap::new(), trace_flag: 0 };
    b.trace_flag = b.data("__modhost_trace_enabled", 1, 64);
    for (name, off) in &spec.symbols {
        b.symbols.insert(name.clone(), *off);
    }
    crate::export::install(&mut b);
    // Per-CPU contents every module relies on.
    let per_cpu_offset = b.data("__per_cpu_offset", (NR_CPUS_ARRAY * 8) as u64, 64);
    let off_of = |n: &str| spec.symbols.iter().find(|(s, _)| s == n).map(|(_, o)| *o);
    for (id, blk) in cpus.iter().enumerate() {
        let task = b.data(&format!("__modhost_task{id}"), TASK_STRUCT_SIZE, 64);
        // SAFETY: a fresh task_struct-sized object in the read-write data area.
        unsafe {
            // pid (@0x970) and comm[16] (@0xba0) of Debian 6.1's task_struct:
            // module code that names "current" sees the host process.
            ((task + TASK_PID) as *mut i32).write(std::process::id() as i32);
            let comm = b"modhost\0";
            std::ptr::copy_nonoverlapping(comm.as_ptr(), (task + TASK_COMM) as *mut u8, comm.len());
            // a normal task: prio, static_prio and normal_prio 120 (nice 0)
            for off in [crate::layout::task_struct::prio, crate::layout::task_struct::static_prio, crate::layout::task_struct::normal_prio] {
                ((task + off) as *mut i32).write(120);
            }
        }
        // SAFETY: data and per-CPU blocks are mapped read-write; nothing runs yet.
        unsafe {
            let slot = (per_cpu_offset + id as u64 * 8) as *mut u64;
            slot.write(blk.base());
            let w = |off: u64, v: u64| ((blk.base() + off) as *mut u64).write_unaligned(v);
            // stack canary at %gs:0x28 (fixed_percpu_data.stack_canary), low byte 0 as Linux
            w(0x28, canary());
            if let Some(o) = off_of("this_cpu_off") {
                w(o, blk.base());
            }
            if let Some(o) = off_of("cpu_number") {
                ((blk.base() + o) as *mut u32).write(id as u32);
            }
            if let Some(o) = off_of("__preempt_count") {
                ((blk.base() + o) as *mut u32).write(0x8000_0000);
            }
            if let Some(o) = off_of("current_task") {
                w(o, task);
            }
            // The topology masks (cpumask_var_t, off-stack: pointers). The
            // host's machine is one package, one die, one last-level cache;
            // each CPU is a core of its own (no SMT siblings, own L2).
            let all = (1u64 << NR_POSSIBLE_CPUS) - 1;
            for (name, bits) in [
                ("cpu_sibling_map", 1u64 << id),
                ("cpu_l2c_shared_map", 1u64 << id),
                ("cpu_core_map", all),
                ("cpu_die_map", all),
                ("cpu_llc_shared_map", all),
            ] {
                if let Some(o) = off_of(name) {
                    let mask: &'static mut [u64] = Box::leak(vec![0u64; (NR_CPUS_ARRAY / 64).max(1)].into_boxed_slice());
                    mask[0] = bits;
                    w(o, mask.as_ptr() as u64);
                }
            }
        }
    }
    // What the host does not implement: trap stubs and absent data.
    let mut provision = HashMap::new();
    let mut trapped = Vec::new();
    let mut absent_objs = Vec::new();
    for e in exports {
        if b.symbols.contains_key(e.name) {
            provision.insert(e.name.to_string(), Provision::Implemented);
        } else if e.text {
            let index = trapped.len() as u32;
            trapped.push(e.name.to_string());
            b.func(e.name, Stub::Trap(index));
            provision.insert(e.name.to_string(), Provision::Trapped);
        } else {
            absent_objs.push((e.name, e.size.clamp(1, ABSENT_MAX).next_multiple_of(PAGE_SIZE), e.size));
            provision.insert(e.name.to_string(), Provision::Absent);
        }
    }
    let total: u64 = absent_objs.iter().map(|o| o.1).sum();
    let mut absent_table = Vec::new();
    let absent = if total > 0 {
        let r = lowmem::alloc(total, VMLINUX_HINT)?;
        r.protect(0, total, Prot::None)?;
        let mut at = r.base();
        for (name, len, extent) in absent_objs {
            b.symbols.insert(name.to_string(), at);
            absent_table.push((at, extent.clamp(1, len), name.to_string()));
            at += len;
        }
        Some(r)
    } else {
        None
    };
    crate::unimplemented::set_tables(trapped, absent_table);
    crate::trace::seal(b.trace_flag);
    b.text.protect(0, TEXT_SIZE, Prot::ReadExec)?;
    let v = Vmlinux {
        text: b.text,
        data: b.data,
        absent,
        provision,
        symbols: b.symbols,
        cpus,
        percpu: spec.clone(),
        percpu_size,
        module_percpu: Mutex::new(Vec::new()),
        cpu_owner: Mutex::new(vec![None; NR_POSSIBLE_CPUS]),
        current_task_off: off_of("current_task"),
        preempt_off: off_of("__preempt_count"),
    };
    Ok(VMLINUX.get_or_init(|| v))
}

/// The booted image, if any.
pub fn get() -> Option<&'static Vmlinux> {
    VMLINUX.get()
}

fn canary() -> u64 {
    let mut b = [0u8; 8];
    // best effort: a time-seeded value when getrandom is unavailable
    if std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b)).is_err() {
        b = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0x5eed)).to_le_bytes();
    }
    u64::from_le_bytes(b) & !0xff
}

impl Vmlinux {
    /// The address (or per-CPU offset) of a symbol the host provides.
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.symbols.get(name).copied()
    }

    /// How a profile export is provided (None: not a profile export).
    pub fn provision(&self, name: &str) -> Option<Provision> {
        self.provision.get(name).copied()
    }

    /// All symbols the host provides.
    pub fn symbols(&self) -> impl Iterator<Item = (&str, u64)> {
        self.symbols.iter().map(|(k, v)| (k.as_str(), *v))
    }

    pub fn percpu_spec(&self) -> &PercpuSpec {
        &self.percpu
    }

    /// Base address of CPU `id`'s per-CPU block.
    pub fn cpu_base(&self, id: usize) -> Option<u64> {
        self.cpus.get(id).map(|r| r.base())
    }

    pub fn nr_cpus(&self) -> usize {
        self.cpus.len()
    }

    /// Reserves `size` bytes of module per-CPU space; returns the per-CPU offset.
    pub fn percpu_alloc(&self, size: u64, align: u64) -> Option<u64> {
        let mut a = self.module_percpu.lock().unwrap_or_else(|e| e.into_inner());
        let start = self.percpu.static_size;
        let end = start + PERCPU_MODULE_RESERVE;
        let mut at = start.next_multiple_of(align.max(1));
        for &(o, s) in a.iter() {
            if at + size <= o {
                break;
            }
            at = (o + s).next_multiple_of(align.max(1)).max(at);
        }
        if at + size > end || at + size > self.percpu_size {
            return None;
        }
        a.push((at, size));
        a.sort();
        Some(at)
    }

    pub fn percpu_free(&self, offset: u64) {
        self.module_percpu.lock().unwrap_or_else(|e| e.into_inner()).retain(|&(o, _)| o != offset);
    }

    /// Copies a per-CPU initial image to `offset` in every CPU's block.
    pub fn percpu_copy(&self, offset: u64, bytes: &[u8]) {
        for blk in &self.cpus {
            assert!(offset + bytes.len() as u64 <= blk.len());
            // SAFETY: in bounds of a read-write block; the module owning the
            // range is not running yet.
            unsafe { blk.bytes_mut(offset, bytes.len() as u64) }.copy_from_slice(bytes);
        }
    }

    /// Makes the calling thread a CPU until [`Vmlinux::leave_cpu`] (or the
    /// thread's end): takes a free per-CPU block as its GS base, waiting
    /// while all are taken (a run queue), and puts the thread's own task in
    /// the block's `current_task`. Returns the CPU id (the one it has if it
    /// is one already).
    pub fn enter_cpu(&'static self) -> Result<usize, CpuError> {
        if let Some(id) = Self::current_cpu() {
            return Ok(id);
        }
        thread_local! {
            static ME: std::thread::ThreadId = std::thread::current().id();
            /// The CPU this thread had last: taken again when free (its
            /// GS base is still set, its caches warm).
            static LAST: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
        }
        let me = ME.try_with(|m| *m).unwrap_or_else(|_| std::thread::current().id());
        let last = LAST.try_with(|l| l.get()).unwrap_or(usize::MAX);
        let task = crate::kernel::fork::current_task();
        let bound = crate::kernel::fork::bound_cpu(task);
        let mut owners = self.cpu_owner.lock().unwrap_or_else(|e| e.into_inner());
        let id = loop {
            let free = match bound {
                Some(b) => owners.get(b).filter(|o| o.is_none()).map(|_| b),
                None if owners.get(last).is_some_and(Option::is_none) => Some(last),
                None => owners.iter().position(Option::is_none),
            };
            if let Some(id) = free {
                break id;
            }
            CPU_WAITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            owners = CPU_FREED.wait(owners).unwrap_or_else(|e| e.into_inner());
            CPU_WAITERS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        };
        owners[id] = Some(me);
        drop(owners);
        let _ = LAST.try_with(|l| l.set(id));
        if let Err(e) = crate::abi::set_gs_base(self.cpus[id].base()) {
            self.give_back(id);
            return Err(CpuError::Os(e));
        }
        let base = self.cpus[id].base();
        // SAFETY: the per-CPU block `id`, now owned by this thread: its
        // current_task slot and its 32-bit __preempt_count.
        unsafe {
            if let Some(o) = self.current_task_off {
                ((base + o) as *mut u64).write_volatile(task);
            }
            if let Some(o) = self.preempt_off {
                let pc = SAVED_PREEMPT.with(|s| s.replace(PREEMPT_IDLE));
                ((base + o) as *mut u32).write_volatile(pc);
            }
            // The task's own stack canary, as __switch_to installs the next
            // task's: a function that sleeps and resumes on another CPU
            // checks the value it started with.
            let c = TASK_CANARY.with(|c| {
                if c.get() == 0 {
                    c.set(canary());
                }
                c.get()
            });
            ((base + STACK_CANARY) as *mut u64).write_volatile(c);
        }
        ON_CPU[id].store(task, std::sync::atomic::Ordering::SeqCst);
        CURRENT_CPU.with(|c| c.set(Some(id)));
        CPU_RELEASE.with(|r| {
            if r.borrow().is_none() {
                r.borrow_mut().replace(CpuRelease);
            }
        });
        Ok(id)
    }

    /// Gives the calling thread's CPU back (it stops being one): the task
    /// leaves the block (its preemption count goes with it, so a task that
    /// sleeps in atomic context does not leave the CPU atomic for the next).
    pub fn leave_cpu(&'static self) {
        let Some(id) = CURRENT_CPU.with(|c| c.take()) else {
            return;
        };
        let base = self.cpus[id].base();
        // SAFETY: the per-CPU block `id`, still owned by this thread.
        unsafe {
            if let Some(o) = self.preempt_off {
                let p = (base + o) as *mut u32;
                SAVED_PREEMPT.with(|s| s.set(p.read_volatile()));
                p.write_volatile(PREEMPT_IDLE);
            }
            if let Some(o) = self.current_task_off {
                ((base + o) as *mut u64).write_volatile(crate::kernel::sched::task_of_cpu(id));
            }
        }
        ON_CPU[id].store(0, std::sync::atomic::Ordering::SeqCst);
        self.give_back(id);
    }

    fn give_back(&self, id: usize) {
        let mut owners = self.cpu_owner.lock().unwrap_or_else(|e| e.into_inner());
        owners[id] = None;
        // Waiters count themselves under the lock, so none is missed; with
        // none, no wake-up (a futex syscall per call into module code).
        let waiters = CPU_WAITERS.load(std::sync::atomic::Ordering::Relaxed);
        drop(owners);
        if waiters != 0 {
            CPU_FREED.notify_all();
        }
    }

    /// The calling thread as a CPU for as long as the guard lives: a thread
    /// that was not one gives its CPU back when the guard drops (a CPU is
    /// handed out per call into module code, not per thread).
    pub fn hold_cpu(&'static self) -> Result<CpuHold, CpuError> {
        let had = Self::current_cpu().is_some();
        self.enter_cpu()?;
        Ok(CpuHold { release: !had })
    }

    /// Runs `f` (a host-side sleep: a wait queue, a mutex, a flush) with the
    /// calling thread's CPU given back, as a sleeping task leaves its CPU to
    /// others on Linux; the thread is a CPU again afterwards (maybe another
    /// one: a task may migrate while it sleeps). `f` must not run module code.
    pub fn off_cpu<R>(f: impl FnOnce() -> R) -> R {
        let Some(v) = get().filter(|_| Self::current_cpu().is_some()) else {
            return f();
        };
        v.leave_cpu();
        let r = f();
        if let Err(e) = v.enter_cpu() {
            crate::log::kernel_msg(3, &format!("cannot become a host CPU again after sleeping: {e}"));
        }
        r
    }

    /// The CPU id of the calling thread, if it is one.
    pub fn current_cpu() -> Option<usize> {
        CURRENT_CPU.with(|c| c.get())
    }

    /// The task running on CPU `id` (0: none, the CPU is idle).
    pub fn task_on(id: usize) -> u64 {
        ON_CPU.get(id).map_or(0, |t| t.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// Ends a [`Vmlinux::hold_cpu`].
pub struct CpuHold {
    release: bool,
}

impl Drop for CpuHold {
    fn drop(&mut self) {
        if self.release {
            if let Some(v) = get() {
                v.leave_cpu();
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CpuError {
    #[error("cannot set the GS base: {0}")]
    Os(std::io::Error),
}

/// `fixed_percpu_data.stack_canary`: `%gs:0x28`.
const STACK_CANARY: u64 = 0x28;

/// An idle CPU's `__preempt_count`: 0 with PREEMPT_NEED_RESCHED clear
/// (x86 keeps that bit inverted).
const PREEMPT_IDLE: u32 = 0x8000_0000;

/// Signalled when a CPU is given back.
static CPU_FREED: std::sync::Condvar = std::sync::Condvar::new();
/// Threads waiting on [`CPU_FREED`] (changed with `cpu_owner` held).
static CPU_WAITERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// The task on each CPU (0: idle).
static ON_CPU: [std::sync::atomic::AtomicU64; NR_POSSIBLE_CPUS] =
    [const { std::sync::atomic::AtomicU64::new(0) }; NR_POSSIBLE_CPUS];

thread_local! {
    static CURRENT_CPU: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    static CPU_RELEASE: std::cell::RefCell<Option<CpuRelease>> = const { std::cell::RefCell::new(None) };
    /// The stack canary of this thread's task (0: not drawn yet).
    static TASK_CANARY: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The preemption count of this thread's task while it is off its CPU.
    static SAVED_PREEMPT: std::cell::Cell<u32> = const { std::cell::Cell::new(PREEMPT_IDLE) };
}

/// Gives a CPU back when its thread exits.
struct CpuRelease;

impl Drop for CpuRelease {
    fn drop(&mut self) {
        if let (Some(v), Ok(Some(id))) = (VMLINUX.get(), CURRENT_CPU.try_with(|c| c.take())) {
            if let Some(o) = v.current_task_off {
                // SAFETY: the block's current_task slot, owned by this thread.
                unsafe { ((v.cpus[id].base() + o) as *mut u64).write_volatile(crate::kernel::sched::task_of_cpu(id)) };
            }
            if let Some(o) = v.preempt_off {
                // SAFETY: the block's __preempt_count, owned by this thread.
                unsafe { ((v.cpus[id].base() + o) as *mut u32).write_volatile(PREEMPT_IDLE) };
            }
            ON_CPU[id].store(0, std::sync::atomic::Ordering::SeqCst);
            v.give_back(id);
        }
    }
}

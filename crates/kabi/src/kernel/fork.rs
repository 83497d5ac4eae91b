//! kernel/fork.c: the task_structs of the host's threads.
//!
//! Every host thread that runs module code (the daemon's, a workqueue
//! worker, a timer, a kthread) is a task of its own: `current` is that
//! thread's task_struct wherever it runs, and a host CPU (a per-CPU block,
//! [`crate::vmlinux::Vmlinux::enter_cpu`]) is only lent to it while it
//! runs, as Linux's scheduler lends CPUs to tasks. A sleeping task holds no
//! CPU, so any number of kthreads can sleep while four CPUs serve the rest.
//!
//! A task is made when its thread first needs one (Debian's task_struct
//! size, zeroed): pid = the thread id, comm = "modhost" (a kthread sets its
//! own), nice 0, `nsproxy` = `init_nsproxy` (the host has one namespace of
//! each kind). When its thread ends the task goes back to a pool for the
//! next thread, except a kthread's, which `kthread_stop` gives back (its
//! caller may name the task after the thread has ended).

use std::cell::Cell;
use std::sync::Mutex;

use crate::layout::task_struct as ts;
use crate::vmlinux::TASK_STRUCT_SIZE;

/// Tasks whose threads have ended, ready for reuse.
static POOL: Mutex<Vec<u64>> = Mutex::new(Vec::new());

struct ThreadTask {
    task: Cell<u64>,
    /// Given back by someone else (kthread_stop), not at thread end.
    pinned: Cell<bool>,
}

impl Drop for ThreadTask {
    fn drop(&mut self) {
        let t = self.task.get();
        if t != 0 && !self.pinned.get() {
            free(t);
        }
    }
}

thread_local! {
    static TASK: ThreadTask = const { ThreadTask { task: Cell::new(0), pinned: Cell::new(false) } };
}

fn layout() -> std::alloc::Layout {
    std::alloc::Layout::from_size_align(TASK_STRUCT_SIZE as usize, 64).expect("task_struct layout")
}

/// A fresh task: from the pool, or new memory.
fn alloc() -> u64 {
    let reused = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let t = match reused {
        Some(t) => {
            // SAFETY: a pooled task_struct, owned by nobody.
            unsafe { std::ptr::write_bytes(t as *mut u8, 0, TASK_STRUCT_SIZE as usize) };
            t
        }
        None => {
            // SAFETY: a non-zero-sized layout.
            let p = unsafe { std::alloc::alloc_zeroed(layout()) };
            if p.is_null() {
                std::alloc::handle_alloc_error(layout());
            }
            p as u64
        }
    };
    init(t);
    t
}

/// Fills in what module code reads of a task.
pub(crate) fn init(t: u64) {
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };
    // SAFETY: `t` is a task_struct-sized object owned by the caller; the
    // fields are Debian 6.1's.
    unsafe {
        ((t + ts::pid) as *mut i32).write(tid);
        ((t + ts::tgid) as *mut i32).write(std::process::id() as i32);
        let comm = b"modhost\0";
        std::ptr::copy_nonoverlapping(comm.as_ptr(), (t + ts::comm) as *mut u8, comm.len());
        for off in [ts::prio, ts::static_prio, ts::normal_prio] {
            ((t + off) as *mut i32).write(120);
        }
        ((t + ts::nsproxy) as *mut u64).write(crate::kernel::nsproxy::init_nsproxy());
    }
}

fn free(t: u64) {
    // A task from the pool starts unbound (its last thread may have been
    // bound to a CPU).
    if let Some(m) = BOUND.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        m.remove(&t);
    }
    POOL.lock().unwrap_or_else(|e| e.into_inner()).push(t);
}

/// The calling thread's task (made on first use).
pub fn current_task() -> u64 {
    TASK.try_with(|h| {
        if h.task.get() == 0 {
            h.task.set(alloc());
        }
        h.task.get()
    })
    .unwrap_or(0)
}

/// Keeps the calling thread's task past the thread's end: it is given back
/// with [`release`] (a kthread's, by `kthread_stop`).
pub fn pin_current() -> u64 {
    let t = current_task();
    let _ = TASK.try_with(|h| h.pinned.set(true));
    t
}

/// Gives back a task kept by [`pin_current`] whose thread has ended.
pub fn release(task: u64) {
    if task != 0 {
        if let Some(m) = BOUND.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            m.remove(&task);
        }
        free(task);
    }
}

/// Tasks that may run on one CPU only (kthread_bind).
static BOUND: Mutex<Option<std::collections::HashMap<u64, usize>>> = Mutex::new(None);
/// Whether any task was ever bound (most hosts never bind one: every call
/// into module code asks).
static ANY_BOUND: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Binds `task` to CPU `cpu`.
pub fn bind(task: u64, cpu: usize) {
    ANY_BOUND.store(true, std::sync::atomic::Ordering::SeqCst);
    BOUND.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(Default::default).insert(task, cpu);
}

/// The CPU `task` is bound to, if any.
pub fn bound_cpu(task: u64) -> Option<usize> {
    if !ANY_BOUND.load(std::sync::atomic::Ordering::SeqCst) {
        return None;
    }
    BOUND.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|m| m.get(&task).copied())
}

crate::kfn! {
    /// `__get_task_comm(buf, buf_size, tsk)`: copies the task's name (at
    /// most `buf_size - 1` bytes and a NUL, as strscpy_pad: the rest of
    /// the buffer is zeroed); returns `buf`.
    fn __get_task_comm(buf: u64, buf_size: u64, task: u64) -> u64 {
        if buf_size == 0 {
            return buf;
        }
        let mut comm = [0u8; 16];
        // SAFETY: comm[16] of a task_struct the module named.
        unsafe { std::ptr::copy_nonoverlapping((task + ts::comm) as *const u8, comm.as_mut_ptr(), 16) };
        let len = comm.iter().position(|&b| b == 0).unwrap_or(16).min(buf_size as usize - 1);
        // SAFETY: the module's buffer of buf_size bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(comm.as_ptr(), buf as *mut u8, len);
            std::ptr::write_bytes((buf as *mut u8).add(len), 0, buf_size as usize - len);
        }
        buf
    }
}

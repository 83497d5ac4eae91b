//! mm/percpu.c: dynamic per-CPU memory (`__alloc_percpu`, `free_percpu`).
//!
//! A per-CPU pointer is an offset that module code adds to a CPU's base
//! (`__per_cpu_offset[cpu]`, or the GS base with `this_cpu_*`), so a
//! dynamic allocation needs room at the same offset from every CPU's
//! block. The static blocks of [`crate::vmlinux`] are separate low
//! mappings; this module maps a second window for each CPU at one common
//! distance `DELTA` from its block (found at the first allocation), and
//! hands out offsets `DELTA + x` inside it. Memory is zeroed on allocation
//! for every CPU, as Linux's pcpu_alloc does.

use std::sync::Mutex;

/// Most and least bytes of dynamic per-CPU space per CPU.
const MAX_WINDOW: u64 = 1 << 20;
const MIN_WINDOW: u64 = 64 << 10;

struct Percpu {
    /// The common distance from each CPU's block to its window.
    delta: u64,
    /// Bytes per CPU window.
    window: u64,
    /// CPU block bases.
    cpus: Vec<u64>,
    /// Allocated (offset in window, size), sorted.
    used: Vec<(u64, u64)>,
}

static PERCPU: Mutex<Option<Percpu>> = Mutex::new(None);

fn map_fixed(addr: u64, len: u64) -> bool {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    if p as u64 != addr {
        // SAFETY: a kernel that ignores the flag gave us another mapping: ours to undo.
        unsafe { libc::munmap(p, len as usize) };
        return false;
    }
    true
}

/// Maps a window for every CPU at one common distance from its block: one
/// mapping spans them all, and a window is no longer than the distance
/// between two blocks, so no two CPUs' windows overlap.
fn setup() -> Option<Percpu> {
    let v = crate::vmlinux::get()?;
    let mut cpus: Vec<u64> = (0..v.nr_cpus()).filter_map(|i| v.cpu_base(i)).collect();
    let mut sorted = cpus.clone();
    sorted.sort_unstable();
    let gap = sorted.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(MAX_WINDOW);
    let window = gap.min(MAX_WINDOW) & !0xfff;
    if window < MIN_WINDOW {
        return None;
    }
    let (lo, hi) = (*sorted.first()?, *sorted.last()?);
    let span = hi - lo + window;
    for k in 1..64u64 {
        let delta = k << 32;
        if map_fixed(lo + delta, span) {
            cpus.shrink_to_fit();
            return Some(Percpu { delta, window, cpus, used: Vec::new() });
        }
    }
    None
}

/// Allocates `size` bytes aligned to `align` in every CPU's window;
/// returns the per-CPU pointer (0 on failure).
fn alloc(size: u64, align: u64) -> u64 {
    // pcpu_alloc: size 0, size > PCPU_MIN_UNIT_SIZE or a bad alignment fail.
    if size == 0 || size > crate::layout::mm::PCPU_MIN_UNIT_SIZE || !align.is_power_of_two() || align > 4096 {
        return 0;
    }
    let align = align.max(2);
    let mut g = PERCPU.lock().unwrap_or_else(|e| e.into_inner());
    if g.is_none() {
        *g = setup();
    }
    let Some(p) = g.as_mut() else { return 0 };
    let mut at = 0u64;
    for &(o, s) in &p.used {
        if at + size <= o {
            break;
        }
        at = (o + s).next_multiple_of(align).max(at);
    }
    if at + size > p.window {
        return 0;
    }
    p.used.push((at, size));
    p.used.sort_unstable();
    for &b in &p.cpus {
        // SAFETY: inside this CPU's window, which we mapped read-write.
        unsafe { std::ptr::write_bytes((b + p.delta + at) as *mut u8, 0, size as usize) };
    }
    p.delta + at
}

crate::kfn! {
    /// `void __percpu *__alloc_percpu(size, align)`.
    fn __alloc_percpu(size: usize, align: usize) -> u64 {
        alloc(size as u64, align as u64)
    }
}

crate::kfn! {
    /// `void __percpu *__alloc_percpu_gfp(size, align, gfp)`.
    fn __alloc_percpu_gfp(size: usize, align: usize, _gfp: u32) -> u64 {
        alloc(size as u64, align as u64)
    }
}

crate::kfn! {
    /// `void free_percpu(ptr)`: NULL is fine.
    fn free_percpu(ptr: u64) {
        if ptr == 0 {
            return;
        }
        let mut g = PERCPU.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = g.as_mut() {
            let off = ptr.wrapping_sub(p.delta);
            p.used.retain(|&(o, _)| o != off);
        }
    }
}

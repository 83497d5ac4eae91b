//! kernel/cpu.c, kernel/smp.c and lib/cpumask.c: which CPUs exist, CPU
//! hotplug states, cpumask helpers.
//!
//! The host has [`NR_POSSIBLE_CPUS`] CPUs (per-CPU blocks handed to the
//! threads that run module code); all of them are possible, present,
//! online and active from boot and never go away, so `nr_cpu_ids` is that
//! number and the masks have bits 0..N-1 set. Debian sets
//! CONFIG_CPUMASK_OFFSTACK, so `nr_cpumask_bits` is `nr_cpu_ids` and a
//! `cpumask_var_t` is a kmalloc'd `cpumask_size()` bytes.
//!
//! No CPU is ever hot-plugged, so the hotplug lock (`cpus_read_lock`) never
//! has a writer and readers never wait. `__cpuhp_setup_state` records the
//! callbacks and, when asked to, calls the startup callback for each online
//! CPU, in CPU order, on the calling thread (Linux calls AP-state callbacks
//! on the CPU itself; here `cpu` is passed and `per_cpu_ptr(.., cpu)`
//! reaches that CPU's data, but `this_cpu_*` in the callback reaches the
//! caller's).

use crate::vmlinux::NR_POSSIBLE_CPUS;
use std::sync::Mutex;

const NR_CPUS: u64 = crate::layout::consts::NR_CPUS;
const MASK_BYTES: u64 = NR_CPUS / 8;
const EINVAL: i32 = 22;
const EBUSY: i32 = 16;
const ENOSPC: i32 = 28;

crate::export_data!("nr_cpu_ids", size 4, align 4, init = init_nr_cpu_ids);
crate::export_data!("__cpu_possible_mask", size MASK_BYTES, align 64, init = init_mask);
crate::export_data!("__cpu_online_mask", size MASK_BYTES, align 64, init = init_mask);
crate::export_data!("__cpu_present_mask", size MASK_BYTES, align 64, init = init_mask);
crate::export_data!("__cpu_active_mask", size MASK_BYTES, align 64, init = init_mask);
// No CPU is going down.
crate::export_data!("__cpu_dying_mask", size MASK_BYTES, align 64);
crate::export_data!("__num_online_cpus", size 4, align 4, init = init_nr_cpu_ids);
// cpu_bit_bitmap[BITS_PER_LONG + 1][BITS_TO_LONGS(NR_CPUS)]: row 1 + n has
// bit n of its first word set (get_cpu_mask() steps back from it).
crate::export_data!("cpu_bit_bitmap", size 65 * MASK_BYTES, align 64, init = init_cpu_bit_bitmap);

fn init_nr_cpu_ids(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh 4-byte vmlinux object.
    unsafe { (addr as *mut u32).write(NR_POSSIBLE_CPUS as u32) };
}
fn init_mask(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh NR_CPUS-bit vmlinux bitmap; bits 0..N-1 are in word 0.
    unsafe { (addr as *mut u64).write((1u64 << NR_POSSIBLE_CPUS) - 1) };
}
fn init_cpu_bit_bitmap(addr: u64, _b: &crate::vmlinux::Builder) {
    for n in 0..64u64 {
        // SAFETY: row 1 + n of the fresh table, first word.
        unsafe { ((addr + (1 + n) * MASK_BYTES) as *mut u64).write(1 << n) };
    }
}

/// `nr_cpumask_bits` (= nr_cpu_ids with CPUMASK_OFFSTACK).
fn nr_bits() -> u32 {
    NR_POSSIBLE_CPUS as u32
}

fn test_bit(mask: u64, n: u32) -> bool {
    // SAFETY: the caller's struct cpumask; n < nr_cpumask_bits is within it.
    let w = unsafe { ((mask + (n / 64) as u64 * 8) as *const u64).read_volatile() };
    w & (1 << (n % 64)) != 0
}

/// `cpumask_next(n, mask)`: the next set bit after n, or nr_cpumask_bits.
fn next_bit(n: i32, mask: u64) -> u32 {
    let start = (n + 1).max(0) as u32;
    (start..nr_bits())
        .find(|&i| test_bit(mask, i))
        .unwrap_or(nr_bits())
}

crate::kfn! {
    /// `cpumask_next_wrap(n, mask, start, wrap)`: lib/cpumask.c.
    fn cpumask_next_wrap(n: i32, mask: u64, start: i32, wrap: bool) -> u32 {
        let (mut n, mut wrap) = (n, wrap);
        loop {
            let next = next_bit(n, mask);
            if wrap && n < start && next as i32 >= start {
                return nr_bits();
            }
            if next >= nr_bits() {
                wrap = true;
                n = -1;
                continue;
            }
            return next;
        }
    }
}

crate::kfn! {
    /// `cpumask_local_spread(i, node)`: the i-th online CPU (mod their
    /// number); the host has one NUMA node, so every node spreads alike.
    fn cpumask_local_spread(i: u32, _node: i32) -> u32 {
        i % NR_POSSIBLE_CPUS as u32
    }
}

static DISTRIBUTE_PREV: [std::sync::atomic::AtomicU32; NR_POSSIBLE_CPUS] =
    [const { std::sync::atomic::AtomicU32::new(0) }; NR_POSSIBLE_CPUS];

fn distribute(pick: impl Fn(u32) -> bool) -> u32 {
    let cpu = crate::vmlinux::Vmlinux::current_cpu()
        .unwrap_or(0)
        .min(NR_POSSIBLE_CPUS - 1);
    let prev = DISTRIBUTE_PREV[cpu].load(std::sync::atomic::Ordering::Relaxed);
    let n = nr_bits();
    for k in 1..=n {
        let c = (prev + k) % n;
        if pick(c) {
            DISTRIBUTE_PREV[cpu].store(c, std::sync::atomic::Ordering::Relaxed);
            return c;
        }
    }
    n
}

crate::kfn! {
    /// `cpumask_any_distribute(srcp)`: the next set CPU after this CPU's
    /// previous pick, wrapping; nr_cpumask_bits if none.
    fn cpumask_any_distribute(mask: u64) -> u32 {
        distribute(|c| test_bit(mask, c))
    }
}
crate::kfn! {
    fn cpumask_any_and_distribute(a: u64, b: u64) -> u32 {
        distribute(|c| test_bit(a, c) && test_bit(b, c))
    }
}

fn call_export(name: &str) -> Option<u64> {
    crate::vmlinux::get().and_then(|v| v.symbol(name))
}

crate::kfn! {
    /// `alloc_cpumask_var_node(mask, flags, node)`: kmalloc_node of
    /// cpumask_size() bytes into *mask; true on success.
    fn alloc_cpumask_var_node(maskp: u64, flags: u32, node: i32) -> bool {
        let Some(f) = call_export("__kmalloc_node") else { return false };
        // SAFETY: the host's own __kmalloc_node stub (size, flags, node).
        let f: extern "C" fn(u64, u32, i32) -> u64 = unsafe { std::mem::transmute(f) };
        let size = (nr_bits() as u64).div_ceil(64) * 8;
        let p = f(size, flags, node);
        // SAFETY: the module's cpumask_var_t slot.
        unsafe { (maskp as *mut u64).write(p) };
        p != 0
    }
}
crate::kfn! {
    fn free_cpumask_var(mask: u64) {
        let Some(f) = call_export("kfree") else { return };
        // SAFETY: the host's own kfree stub.
        let f: extern "C" fn(u64) = unsafe { std::mem::transmute(f) };
        f(mask);
    }
}

crate::kfn! {
    /// `cpus_read_lock()`: no CPU hotplug ever writes, so readers never wait.
    fn cpus_read_lock() {}
}
crate::kfn! {
    fn cpus_read_unlock() {}
}
crate::kfn! {
    fn cpus_read_trylock() -> i32 { 1 }
}

// ---- CPU hotplug states ------------------------------------------------------

use crate::layout::consts::{CPUHP_AP_ONLINE_DYN, CPUHP_BP_PREPARE_DYN, CPUHP_ONLINE};

#[derive(Clone)]
struct Step {
    name: String,
    name_addr: u64,
    startup: u64,
    teardown: u64,
    multi: bool,
    instances: Vec<u64>,
}

static STATES: Mutex<Vec<Option<Step>>> = Mutex::new(Vec::new());

fn states() -> std::sync::MutexGuard<'static, Vec<Option<Step>>> {
    let mut g = STATES.lock().unwrap_or_else(|e| e.into_inner());
    if g.is_empty() {
        g.resize(CPUHP_ONLINE as usize + 1, None);
    }
    g
}

/// Calls `f(cpu [, node])` on each CPU in order; on a failure, calls
/// `undo` on the CPUs done so far (in reverse) and returns the error.
fn for_each_cpu(f: u64, undo: u64, node: Option<u64>) -> i32 {
    for cpu in 0..NR_POSSIBLE_CPUS as u64 {
        let args = match node {
            Some(n) => [cpu, n, 0, 0, 0, 0],
            None => [cpu, 0, 0, 0, 0, 0],
        };
        let r = crate::fault::call_module(f, args).unwrap_or(0) as i32;
        if r != 0 {
            if undo != 0 {
                for c in (0..cpu).rev() {
                    let a = match node {
                        Some(n) => [c, n, 0, 0, 0, 0],
                        None => [c, 0, 0, 0, 0, 0],
                    };
                    crate::fault::call_module(undo, a);
                }
            }
            return r;
        }
    }
    0
}

crate::kfn! {
    /// `__cpuhp_setup_state(state, name, invoke, startup, teardown,
    /// multi_instance)`: a dynamic state gets the first free slot and its
    /// number is returned; 0 for a static state; -EINVAL, -EBUSY, -ENOSPC,
    /// or the startup callback's error (after rolling back).
    fn __cpuhp_setup_state(state: i32, name: u64, invoke: bool, startup: u64, teardown: u64, multi: bool) -> i32 {
        if state <= 0 || state as u64 >= CPUHP_ONLINE || name == 0 {
            return -EINVAL;
        }
        // SAFETY: the module's NUL-terminated state name.
        let n = String::from_utf8_lossy(unsafe { crate::abi::c_str(name, 256) }).into_owned();
        let dynamic = state as u64 == CPUHP_AP_ONLINE_DYN || state as u64 == CPUHP_BP_PREPARE_DYN;
        let slot = {
            let mut g = states();
            let slot = if dynamic {
                let end = if state as u64 == CPUHP_AP_ONLINE_DYN { CPUHP_AP_ONLINE_DYN + 30 } else { CPUHP_BP_PREPARE_DYN + 20 };
                match (state as u64..=end).find(|&i| g[i as usize].is_none()) {
                    Some(i) => i as usize,
                    None => {
                        crate::log::kernel_msg(4, "No more dynamic states available for CPU hotplug");
                        return -ENOSPC;
                    }
                }
            } else {
                if g[state as usize].is_some() {
                    return -EBUSY;
                }
                state as usize
            };
            g[slot] = Some(Step { name: n, name_addr: name, startup, teardown, multi, instances: Vec::new() });
            slot
        };
        if invoke && startup != 0 && !multi {
            let r = for_each_cpu(startup, teardown, None);
            if r != 0 {
                states()[slot] = None;
                return r;
            }
        }
        if dynamic { slot as i32 } else { 0 }
    }
}
crate::export_fn!("__cpuhp_setup_state_cpuslocked" => __cpuhp_setup_state);

crate::kfn! {
    /// `__cpuhp_remove_state(state, invoke)`: teardown on each CPU, then
    /// the slot is free again.
    fn __cpuhp_remove_state(state: i32, invoke: bool) {
        if state <= 0 || state as u64 >= CPUHP_ONLINE {
            return;
        }
        let step = states()[state as usize].clone();
        let Some(step) = step else { return };
        if step.multi && !step.instances.is_empty() {
            crate::log::kernel_msg(4, &format!("Error: Removing state {state} which has instances left."));
            return;
        }
        if invoke && step.teardown != 0 && !step.multi {
            for cpu in (0..NR_POSSIBLE_CPUS as u64).rev() {
                crate::fault::call_module(step.teardown, [cpu, 0, 0, 0, 0, 0]);
            }
        }
        states()[state as usize] = None;
    }
}
crate::export_fn!("__cpuhp_remove_state_cpuslocked" => __cpuhp_remove_state);

crate::kfn! {
    /// `__cpuhp_state_add_instance(state, node, invoke)`.
    fn __cpuhp_state_add_instance(state: i32, node: u64, invoke: bool) -> i32 {
        if state <= 0 || state as u64 >= CPUHP_ONLINE {
            return -EINVAL;
        }
        let step = states()[state as usize].clone();
        let Some(step) = step else { return -EINVAL };
        if !step.multi {
            return -EINVAL;
        }
        if invoke && step.startup != 0 {
            let r = for_each_cpu(step.startup, step.teardown, Some(node));
            if r != 0 {
                return r;
            }
        }
        if let Some(s) = states()[state as usize].as_mut() {
            s.instances.push(node);
        }
        0
    }
}
crate::export_fn!("__cpuhp_state_add_instance_cpuslocked" => __cpuhp_state_add_instance);

crate::kfn! {
    /// `__cpuhp_state_remove_instance(state, node, invoke)`.
    fn __cpuhp_state_remove_instance(state: i32, node: u64, invoke: bool) -> i32 {
        if state <= 0 || state as u64 >= CPUHP_ONLINE {
            return -EINVAL;
        }
        let step = states()[state as usize].clone();
        let Some(step) = step else { return -EINVAL };
        if !step.multi {
            return -EINVAL;
        }
        if invoke && step.teardown != 0 {
            for cpu in (0..NR_POSSIBLE_CPUS as u64).rev() {
                crate::fault::call_module(step.teardown, [cpu, node, 0, 0, 0, 0]);
            }
        }
        if let Some(s) = states()[state as usize].as_mut() {
            s.instances.retain(|&n| n != node);
        }
        0
    }
}

/// The registered states: (number, name) — what
/// /sys/devices/system/cpu/hotplug/states lists for them.
pub fn hotplug_states() -> Vec<(usize, String)> {
    states()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, s.name.clone())))
        .collect()
}

fn purge(start: u64, end: u64) {
    let inside = |a: u64| (start..end).contains(&a);
    for s in states().iter_mut() {
        if s.as_ref()
            .is_some_and(|st| inside(st.startup) || inside(st.teardown) || inside(st.name_addr))
        {
            *s = None;
        } else if let Some(st) = s.as_mut() {
            st.instances.retain(|&n| !inside(n));
        }
    }
}
crate::purge_on_module_free!(purge);

// `node_to_cpumask_map[MAX_NUMNODES]` (arch/x86/mm/numa.c): the CPUs of
// each NUMA node, read inline by cpumask_of_node(). The host's machine is
// one node (node 0) holding every CPU; the other entries are NULL, as for
// node ids past nr_node_ids on Linux.
crate::export_data!("node_to_cpumask_map", size 0x2000, align 64, init = init_node_map);

fn init_node_map(addr: u64, _b: &crate::vmlinux::Builder) {
    let mask: &'static mut [u64] = Box::leak(vec![0u64; (MASK_BYTES / 8) as usize].into_boxed_slice());
    mask[0] = (1u64 << NR_POSSIBLE_CPUS) - 1;
    // SAFETY: entry 0 of the fresh pointer array.
    unsafe { (addr as *mut u64).write(mask.as_ptr() as u64) };
}

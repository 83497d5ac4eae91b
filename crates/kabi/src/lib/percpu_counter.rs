//! lib/percpu_counter.c: counters kept per CPU and folded into a shared
//! count when a CPU's part reaches the batch.

use crate::layout::percpu_counter as pc;
use crate::vmlinux::NR_POSSIBLE_CPUS;

fn lock(fbc: u64) {
    crate::kernel::locking::mutex::spin_lock(fbc + pc::lock);
}
fn unlock(fbc: u64) {
    crate::kernel::locking::mutex::spin_unlock(fbc + pc::lock);
}
fn count(fbc: u64) -> *mut i64 {
    (fbc + pc::count) as *mut i64
}
fn counters(fbc: u64) -> u64 {
    // SAFETY: the module's struct percpu_counter.
    unsafe { ((fbc + pc::counters) as *const u64).read_volatile() }
}
/// This CPU's s32 of the counter (CPU 0's on a thread that is no CPU).
fn this_cpu(fbc: u64) -> Option<*mut i32> {
    let cpu = crate::vmlinux::Vmlinux::current_cpu().unwrap_or(0);
    per_cpu(fbc, cpu)
}
fn per_cpu(fbc: u64, cpu: usize) -> Option<*mut i32> {
    let base = crate::vmlinux::get()?.cpu_base(cpu)?;
    let c = counters(fbc);
    (c != 0).then(|| base.wrapping_add(c) as *mut i32)
}

crate::export_data!("percpu_counter_batch", size 4, align 4, init = init_batch);

fn init_batch(addr: u64, _b: &crate::vmlinux::Builder) {
    // compute_batch_value: max(32, 2 × online CPUs).
    // SAFETY: a fresh 4-byte vmlinux object.
    unsafe { (addr as *mut i32).write((2 * NR_POSSIBLE_CPUS as i32).max(32)) };
}

crate::kfn! {
    /// `int __percpu_counter_init(fbc, amount, gfp, key)`: 0 or -ENOMEM.
    fn __percpu_counter_init(fbc: u64, amount: i64, gfp: u32, _key: u64) -> i32 {
        let c = crate::mm::percpu::__alloc_percpu_gfp(4, 4, gfp);
        // SAFETY: the module's struct percpu_counter.
        unsafe {
            ((fbc + pc::lock) as *mut u32).write_volatile(0);
            count(fbc).write_volatile(amount);
            ((fbc + pc::counters) as *mut u64).write_volatile(c);
            crate::kernel::sched::list_init(fbc + pc::list);
        }
        if c == 0 {
            -12
        } else {
            0
        }
    }
}

crate::kfn! {
    /// `void percpu_counter_destroy(fbc)`.
    fn percpu_counter_destroy(fbc: u64) {
        let c = counters(fbc);
        if c == 0 {
            return;
        }
        crate::mm::percpu::free_percpu(c);
        // SAFETY: the module's struct percpu_counter.
        unsafe { ((fbc + pc::counters) as *mut u64).write_volatile(0) };
    }
}

crate::kfn! {
    /// `void percpu_counter_set(fbc, amount)`: every CPU's part to 0.
    fn percpu_counter_set(fbc: u64, amount: i64) {
        lock(fbc);
        for cpu in 0..NR_POSSIBLE_CPUS {
            if let Some(p) = per_cpu(fbc, cpu) {
                // SAFETY: that CPU's s32 of the counter.
                unsafe { p.write_volatile(0) };
            }
        }
        // SAFETY: the module's counter.
        unsafe { count(fbc).write_volatile(amount) };
        unlock(fbc);
    }
}

crate::kfn! {
    /// `void percpu_counter_add_batch(fbc, amount, batch)`: into this CPU's
    /// part, folded into the count when |part| reaches the batch.
    fn percpu_counter_add_batch(fbc: u64, amount: i64, batch: i32) {
        let Some(p) = this_cpu(fbc) else { return };
        // SAFETY: this CPU's s32 of the counter; the count under its lock.
        unsafe {
            let c = i64::from(p.read_volatile()).wrapping_add(amount);
            if c.unsigned_abs() >= u64::from(batch.unsigned_abs()) {
                lock(fbc);
                count(fbc).write_volatile(count(fbc).read_volatile().wrapping_add(c));
                p.write_volatile((i64::from(p.read_volatile()) - (c - amount)) as i32);
                unlock(fbc);
            } else {
                p.write_volatile(c as i32);
            }
        }
    }
}

fn sum(fbc: u64) -> i64 {
    lock(fbc);
    // SAFETY: the module's counter and its per-CPU parts.
    let mut r = unsafe { count(fbc).read_volatile() };
    for cpu in 0..NR_POSSIBLE_CPUS {
        if let Some(p) = per_cpu(fbc, cpu) {
            // SAFETY: as above.
            r = r.wrapping_add(i64::from(unsafe { p.read_volatile() }));
        }
    }
    unlock(fbc);
    r
}

crate::kfn! {
    /// `s64 __percpu_counter_sum(fbc)`: the count plus every CPU's part.
    fn __percpu_counter_sum(fbc: u64) -> i64 {
        sum(fbc)
    }
}

crate::kfn! {
    /// `int __percpu_counter_compare(fbc, rhs, batch)`: -1, 0 or 1; the
    /// rough count decides when it is farther than batch × CPUs away.
    fn __percpu_counter_compare(fbc: u64, rhs: i64, batch: i32) -> i32 {
        // SAFETY: the module's counter.
        let rough = unsafe { count(fbc).read_volatile() };
        if rough.wrapping_sub(rhs).unsigned_abs() > (i64::from(batch) * NR_POSSIBLE_CPUS as i64).unsigned_abs() {
            return if rough > rhs { 1 } else { -1 };
        }
        let c = sum(fbc);
        (c > rhs) as i32 - (c < rhs) as i32
    }
}

crate::kfn! {
    /// `void percpu_counter_sync(fbc)`: this CPU's part into the count.
    fn percpu_counter_sync(fbc: u64) {
        let Some(p) = this_cpu(fbc) else { return };
        lock(fbc);
        // SAFETY: as in percpu_counter_add_batch.
        unsafe {
            let c = i64::from(p.read_volatile());
            count(fbc).write_volatile(count(fbc).read_volatile().wrapping_add(c));
            p.write_volatile(0);
        }
        unlock(fbc);
    }
}

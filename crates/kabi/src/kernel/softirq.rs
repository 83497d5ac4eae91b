//! kernel/softirq.c: the bottom-half enable that `local_bh_enable()`
//! calls (`local_bh_disable()` is inline: it adds SOFTIRQ_DISABLE_OFFSET
//! to this CPU's `__preempt_count`). The host raises no softirqs — its
//! tasklets, timers and work run on host threads — so leaving a
//! bottom-half-disabled section has none pending to run: it gives the
//! count back.

crate::kfn! {
    /// `__local_bh_enable_ip(ip, cnt)`: the preemption count lowered by
    /// `cnt` (softirqs pending here would run first; the host has none).
    fn __local_bh_enable_ip(_ip: u64, cnt: u32) {
        crate::arch::x86::fpu::preempt_add(-(cnt as i32));
    }
}

crate::kfn! {
    /// `_local_bh_enable()`: as `__local_bh_enable_ip` with
    /// SOFTIRQ_DISABLE_OFFSET, without running softirqs.
    fn _local_bh_enable() {
        crate::arch::x86::fpu::preempt_add(-(SOFTIRQ_DISABLE_OFFSET as i32));
    }
}

/// 2 * SOFTIRQ_OFFSET (1 << 8).
const SOFTIRQ_DISABLE_OFFSET: u32 = 0x200;

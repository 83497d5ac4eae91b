//! lib/ratelimit.c: `___ratelimit`, behind `__ratelimit()`,
//! `printk_ratelimited()` and `net_ratelimit()`-style limits.

use crate::layout::ratelimit_state as rs;

fn rd32(p: u64) -> i32 {
    // SAFETY: an int field of the caller's struct ratelimit_state.
    unsafe { (p as *const i32).read_volatile() }
}
fn wr32(p: u64, v: i32) {
    // SAFETY: as above.
    unsafe { (p as *mut i32).write_volatile(v) }
}
fn rd64(p: u64) -> u64 {
    // SAFETY: an unsigned long field of the caller's struct ratelimit_state.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr64(p: u64, v: u64) {
    // SAFETY: as above.
    unsafe { (p as *mut u64).write_volatile(v) }
}

crate::kfn! {
    /// `int ___ratelimit(rs, func)`: 1 to go ahead, 0 to suppress. At most
    /// `burst` per `interval` jiffies (no limit when interval is 0); a new
    /// interval first reports "<func>: N callbacks suppressed" unless
    /// RATELIMIT_MSG_ON_RELEASE; a contended state suppresses.
    fn ___ratelimit(st: u64, func: u64) -> i32 {
        let interval = rd32(st + rs::interval);
        let burst = rd32(st + rs::burst);
        if interval == 0 {
            return 1;
        }
        if crate::kernel::locking::mutex::spin_trylock(st + rs::lock) == 0 {
            return 0;
        }
        let now = crate::kernel::sched::jiffies_now();
        if rd64(st + rs::begin) == 0 {
            wr64(st + rs::begin, now);
        }
        // time_is_before_jiffies(begin + interval)
        let end = rd64(st + rs::begin).wrapping_add(interval as i64 as u64);
        if (now.wrapping_sub(end) as i64) > 0 {
            let missed = rd32(st + rs::missed);
            if missed != 0 && rd64(st + rs::flags) & crate::layout::misc::RATELIMIT_MSG_ON_RELEASE == 0 {
                let name = crate::fs::hostobj::cstr(func);
                crate::log::kernel_msg(4, &format!("{name}: {missed} callbacks suppressed"));
                wr32(st + rs::missed, 0);
            }
            wr64(st + rs::begin, now);
            wr32(st + rs::printed, 0);
        }
        let ret = if burst != 0 && burst > rd32(st + rs::printed) {
            wr32(st + rs::printed, rd32(st + rs::printed) + 1);
            1
        } else {
            wr32(st + rs::missed, rd32(st + rs::missed).wrapping_add(1));
            0
        };
        crate::kernel::locking::mutex::spin_unlock(st + rs::lock);
        ret
    }
}

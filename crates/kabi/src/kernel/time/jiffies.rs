//! kernel/time/jiffies.c: `jiffies_64` (and `jiffies`, the same word) at
//! HZ=250 from INITIAL_JIFFIES, kept current by a ticker thread.

crate::export_data!("jiffies_64", size 8, align 64, init = start_jiffies);
crate::export_alias!("jiffies" => "jiffies_64");

fn start_jiffies(addr: u64, _b: &crate::vmlinux::Builder) {
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

/// MAX_JIFFY_OFFSET: ((LONG_MAX >> 1) - 1).
pub const MAX_JIFFY_OFFSET: u64 = ((i64::MAX >> 1) - 1) as u64;
const MSEC_PER_JIFFY: u64 = 1000 / 250;
const USEC_PER_JIFFY: u64 = 1_000_000 / 250;

crate::kfn! {
    /// `__msecs_to_jiffies(m)`: rounded up; MAX_JIFFY_OFFSET for a
    /// negative (as int) value.
    fn __msecs_to_jiffies(m: u32) -> u64 {
        if (m as i32) < 0 {
            return MAX_JIFFY_OFFSET;
        }
        (m as u64).div_ceil(MSEC_PER_JIFFY)
    }
}
crate::kfn! {
    /// `__usecs_to_jiffies(u)`: rounded up.
    fn __usecs_to_jiffies(u: u32) -> u64 {
        if u > jiffies_to_usecs(MAX_JIFFY_OFFSET) {
            return MAX_JIFFY_OFFSET;
        }
        (u as u64).div_ceil(USEC_PER_JIFFY)
    }
}
crate::kfn! {
    /// `jiffies_to_msecs(j)` (unsigned int).
    fn jiffies_to_msecs(j: u64) -> u32 {
        (MSEC_PER_JIFFY.wrapping_mul(j)) as u32
    }
}
crate::kfn! {
    /// `jiffies_to_usecs(j)` (unsigned int).
    fn jiffies_to_usecs(j: u64) -> u32 {
        (USEC_PER_JIFFY.wrapping_mul(j)) as u32
    }
}
crate::kfn! {
    /// `nsecs_to_jiffies64(n)` / `nsecs_to_jiffies(n)`: rounded down.
    fn nsecs_to_jiffies64(n: u64) -> u64 {
        n / (1_000_000_000 / 250)
    }
}
crate::export_fn!("nsecs_to_jiffies" => nsecs_to_jiffies64);
crate::kfn! {
    fn jiffies64_to_nsecs(j: u64) -> u64 {
        j.wrapping_mul(1_000_000_000 / 250)
    }
}
crate::kfn! {
    fn jiffies64_to_msecs(j: u64) -> u64 {
        j.wrapping_mul(MSEC_PER_JIFFY)
    }
}
crate::kfn! {
    /// `jiffies_to_clock_t(x)`: USER_HZ is 100.
    fn jiffies_to_clock_t(x: u64) -> u64 {
        x.wrapping_mul(100) / 250
    }
}

//! kernel/time/timekeeping.c: the clocks, read from the host's clocks
//! (CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI,
//! CLOCK_MONOTONIC_RAW and their coarse variants), which Linux keeps with
//! the same meanings.

fn clock(id: libc::clockid_t) -> (i64, i64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and an out pointer to a local.
    unsafe { libc::clock_gettime(id, &mut ts) };
    (ts.tv_sec, ts.tv_nsec)
}

fn ns(id: libc::clockid_t) -> i64 {
    let (s, n) = clock(id);
    s.wrapping_mul(1_000_000_000).wrapping_add(n)
}

fn put_ts64(p: u64, id: libc::clockid_t) {
    let (s, n) = clock(id);
    // SAFETY: the module's struct timespec64 { time64_t tv_sec; long tv_nsec; }.
    unsafe {
        (p as *mut i64).write_unaligned(s);
        ((p + 8) as *mut i64).write_unaligned(n);
    }
}

/// enum tk_offsets: TK_OFFS_REAL, TK_OFFS_BOOT, TK_OFFS_TAI.
fn offs_clock(offs: u32) -> Option<libc::clockid_t> {
    match offs {
        0 => Some(libc::CLOCK_REALTIME),
        1 => Some(libc::CLOCK_BOOTTIME),
        2 => Some(libc::CLOCK_TAI),
        _ => None,
    }
}

crate::kfn! {
    /// `ktime_get()`: CLOCK_MONOTONIC in ns.
    fn ktime_get() -> i64 { ns(libc::CLOCK_MONOTONIC) }
}
crate::export_fn!("ktime_get_mono_fast_ns" => ktime_get);
crate::kfn! {
    fn ktime_get_raw() -> i64 { ns(libc::CLOCK_MONOTONIC_RAW) }
}
crate::export_fn!("ktime_get_raw_fast_ns" => ktime_get_raw);
crate::kfn! {
    fn ktime_get_boot_fast_ns() -> i64 { ns(libc::CLOCK_BOOTTIME) }
}
crate::kfn! {
    fn ktime_get_real_fast_ns() -> i64 { ns(libc::CLOCK_REALTIME) }
}
crate::kfn! {
    fn ktime_get_tai_fast_ns() -> i64 { ns(libc::CLOCK_TAI) }
}
crate::kfn! {
    /// `ktime_get_with_offset(offs)`: monotonic plus the REAL/BOOT/TAI offset.
    fn ktime_get_with_offset(offs: u32) -> i64 {
        offs_clock(offs).map(ns).unwrap_or_else(|| ns(libc::CLOCK_MONOTONIC))
    }
}
crate::kfn! {
    fn ktime_get_coarse_with_offset(offs: u32) -> i64 {
        match offs {
            0 => ns(libc::CLOCK_REALTIME_COARSE),
            _ => ktime_get_with_offset(offs),
        }
    }
}
crate::kfn! {
    /// `ktime_mono_to_any(tmono, offs)`: tmono plus the clock's offset from monotonic.
    fn ktime_mono_to_any(tmono: i64, offs: u32) -> i64 {
        match offs_clock(offs) {
            Some(c) => tmono.wrapping_add(ns(c).wrapping_sub(ns(libc::CLOCK_MONOTONIC))),
            None => tmono,
        }
    }
}
crate::kfn! {
    fn ktime_get_real_ts64(ts: u64) { put_ts64(ts, libc::CLOCK_REALTIME) }
}
crate::kfn! {
    fn ktime_get_ts64(ts: u64) { put_ts64(ts, libc::CLOCK_MONOTONIC) }
}
crate::kfn! {
    fn ktime_get_raw_ts64(ts: u64) { put_ts64(ts, libc::CLOCK_MONOTONIC_RAW) }
}
crate::kfn! {
    fn ktime_get_coarse_real_ts64(ts: u64) { put_ts64(ts, libc::CLOCK_REALTIME_COARSE) }
}
crate::kfn! {
    fn ktime_get_coarse_ts64(ts: u64) { put_ts64(ts, libc::CLOCK_MONOTONIC_COARSE) }
}
crate::kfn! {
    fn ktime_get_seconds() -> i64 { clock(libc::CLOCK_MONOTONIC).0 }
}
crate::kfn! {
    fn ktime_get_real_seconds() -> i64 { clock(libc::CLOCK_REALTIME).0 }
}
crate::kfn! {
    /// `ktime_get_resolution_ns()`: high-resolution timers, 1 ns.
    fn ktime_get_resolution_ns() -> u32 { 1 }
}

crate::kfn! {
    /// `void getboottime64(ts)`: the wall-clock time of boot,
    /// offs_real - offs_boot = CLOCK_REALTIME - CLOCK_BOOTTIME.
    fn getboottime64(ts: u64) {
        // Read boot, real, boot again and keep the pair with the smaller gap.
        let b0 = ns(libc::CLOCK_BOOTTIME);
        let r = ns(libc::CLOCK_REALTIME);
        let b1 = ns(libc::CLOCK_BOOTTIME);
        let t = r.wrapping_sub(b0 / 2 + b1 / 2);
        // SAFETY: the module's struct timespec64.
        unsafe {
            (ts as *mut i64).write_unaligned(t.div_euclid(1_000_000_000));
            ((ts + 8) as *mut i64).write_unaligned(t.rem_euclid(1_000_000_000));
        }
    }
}

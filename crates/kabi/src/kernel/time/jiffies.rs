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


//! drivers/cpufreq/cpufreq.c: governor registration.
//!
//! The host's machine has no cpufreq driver (as a QEMU PC has none), so
//! no policy exists for a governor to govern; governors register in
//! `cpufreq_governor_list` by name (case-insensitive, CPUFREQ_NAME_LEN)
//! and cpufreq is not disabled (no `cpufreq.off=1`).

use std::sync::Mutex;

use crate::layout::cpufreq_governor as gov;
use crate::layout::misc::CPUFREQ_NAME_LEN;

/// cpufreq_governor_list: (governor, name).
static GOVERNORS: Mutex<Vec<(u64, Vec<u8>)>> = Mutex::new(Vec::new());

fn name(g: u64) -> Vec<u8> {
    // SAFETY: the module's struct cpufreq_governor: char name[CPUFREQ_NAME_LEN].
    let raw = unsafe { std::slice::from_raw_parts((g + gov::name) as *const u8, CPUFREQ_NAME_LEN as usize) };
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    raw[..end].to_ascii_lowercase()
}

crate::kfn! {
    /// `int cpufreq_register_governor(governor)`: 0, -EINVAL for NULL,
    /// -EBUSY for a name already registered.
    fn cpufreq_register_governor(g: u64) -> i32 {
        if g == 0 {
            return -22;
        }
        let n = name(g);
        let mut l = GOVERNORS.lock().unwrap_or_else(|e| e.into_inner());
        if l.iter().any(|(_, x)| *x == n) {
            return -16;
        }
        l.insert(0, (g, n));
        0
    }
}

crate::kfn! {
    /// `void cpufreq_unregister_governor(governor)`.
    fn cpufreq_unregister_governor(g: u64) {
        if g == 0 {
            return;
        }
        GOVERNORS.lock().unwrap_or_else(|e| e.into_inner()).retain(|(a, _)| *a != g);
    }
}

/// Module memory went away: its governors with it.
fn purge(start: u64, end: u64) {
    GOVERNORS.lock().unwrap_or_else(|e| e.into_inner()).retain(|(a, _)| !(start..end).contains(a));
}
crate::purge_on_module_free!(purge);

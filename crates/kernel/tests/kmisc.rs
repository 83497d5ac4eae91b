//! Small kernel services from a real module (tests/modules/kmisc): async
//! calls and their synchronisation, ___ratelimit, bucket spinlocks, a
//! module's own static key switched from its init, cpufreq governor and
//! zpool driver registries, the DMA engine client count, fb_get_options,
//! sys_tz and getboottime64.

mod common;

use common::{kernel, log_since, test_module};

#[test]
fn kmisc_small_services_behave_as_linux() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("kmisc") else { return };
    let seq = kabi::log::next_seq();
    k.finit_module(&image, "", 0).unwrap_or_else(|e| panic!("kmisc: {e}; {:#?}", log_since(seq)));
    k.delete_module("kmisc", 0).unwrap_or_else(|e| panic!("rmmod kmisc: {e}; {:#?}", log_since(seq)));
    let log = log_since(seq);
    let line = |p: &str| log.iter().find(|l| l.starts_with(p)).unwrap_or_else(|| panic!("{p} in {log:#?}")).clone();
    // async_synchronize_cookie(c2) waits for c0 and c1 (whatever order they end in).
    assert_eq!(line("kmisc: async partial"), "kmisc: async partial=aa");
    // Consecutive cookies; each call saw its own; all three ran.
    assert_eq!(line("kmisc: async cookies"), "kmisc: async cookies=1 sum=aaa seen=1");
    // burst 3 per interval: three pass, three are suppressed and counted.
    assert_eq!(line("kmisc: ratelimit"), "kmisc: ratelimit 111000 missed=3");
    // min(4 possible CPUs x 4, 1024) locks.
    assert_eq!(line("kmisc: bucket"), "kmisc: bucket r=0 mask=15 locked=0");
    // The branch follows the key: the site in the module's text is rewritten both ways.
    assert_eq!(line("kmisc: static_key"), "kmisc: static_key before=0 enabled=1 after=0");
    // Governor names compare case-insensitively: -EBUSY; NULL is -EINVAL.
    assert_eq!(line("kmisc: cpufreq"), "kmisc: cpufreq g1=0 g2=-16 null=-22");
    assert_eq!(line("kmisc: zpool"), "kmisc: zpool busy=-16");
    // %p prints NULL as the raw value (ptr_to_id does not hash NULL).
    assert_eq!(line("kmisc: dma"), "kmisc: dma chan=0000000000000000");
    assert_eq!(line("kmisc: fb"), "kmisc: fb r=0 opt=0000000000000000 tz=0,0");
    assert_eq!(line("kmisc: exit"), "kmisc: exit zpool=0");
    // sscanf: conversions, base 0 (%i), widths, qualifiers (hh wraps), %n,
    // suppression, a literal mismatch, a %[set] and %c with widths.
    assert_eq!(line("kmisc: sscanf1"), "kmisc: sscanf1 n=5 a=12 x=31 b=-7 o=63 s=abc");
    assert_eq!(line("kmisc: sscanf2"), "kmisc: sscanf2 n=3 16 8 10");
    assert_eq!(line("kmisc: sscanf3"), "kmisc: sscanf3 n=4 12 345 44 -9000000000 pos=21");
    // RFC 7539 2.3.2's block: 10f1e7e4d13b5915 ... a2503c4e (serialized), counter now 2.
    assert_eq!(line("kmisc: chacha"), "kmisc: chacha 10f1e7e4d13b5915..a2503c4e ctr=2 memneq=0,1");
    // 10 adds of 3 with batch 16: the part folds into the count at 18 (rough 118), the sum is 130.
    assert_eq!(line("kmisc: percpu_counter r"), "kmisc: percpu_counter r=0 rough=118 sum=130 cmp=0,1,-1");
    assert_eq!(line("kmisc: percpu_counter set"), "kmisc: percpu_counter set=7");
    assert_eq!(line("kmisc: meminfo"), "kmisc: meminfo total_is_totalram=1 unit=4096 free_le_total=1 high=0,0 buffer_pages_ok=1");
    assert_eq!(line("kmisc: sscanf4"), "kmisc: sscanf4 n=1 a=5 mismatch=0 set=2:abc:xy");
    // Boot time: now minus the time since boot (CLOCK_BOOTTIME), to a second or two.
    let boot: i64 = line("kmisc: boottime").rsplit(' ').next().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let up: f64 = std::fs::read_to_string("/proc/uptime").unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!((now - up as i64 - boot).abs() <= 2, "boot {boot} vs now {now} - uptime {up}");
}

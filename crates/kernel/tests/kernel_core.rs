//! kernel/ and arch/x86 core services on a real C module (tests/modules/kcore):
//! boot_cpu_data against this CPU's cpuid, x86_match_cpu, the CPU masks,
//! completions, wait queues, timers, workqueues (system and allocated),
//! delayed work, msleep and the clocks.

mod common;

use common::{kernel, log_since, test_module};
use core::arch::x86_64::__cpuid_count;

fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let at = line
        .find(&format!("{key}="))
        .unwrap_or_else(|| panic!("{key} in {line}"))
        + key.len()
        + 1;
    line[at..].split(' ').next().unwrap()
}

#[test]
fn kcore_runs_on_real_threads_and_sees_this_cpu() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("kcore") else {
        return;
    };
    let seq = kabi::log::next_seq();
    k.finit_module(&image, "", 0)
        .unwrap_or_else(|e| panic!("kcore: {e}; log: {:?}", log_since(seq)));
    let log: Vec<String> = log_since(seq)
        .into_iter()
        .filter(|l| l.starts_with("kcore: "))
        .collect();
    let line = |p: &str| {
        log.iter()
            .find(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("{p} in {log:?}"))
            .clone()
    };

    // boot_cpu_data is this CPU.
    let cpu = line("kcore: cpu ");
    let l0 = __cpuid_count(0, 0);
    let mut vendor = Vec::new();
    for r in [l0.ebx, l0.edx, l0.ecx] {
        vendor.extend_from_slice(&r.to_le_bytes());
    }
    assert_eq!(field(&cpu, "id"), String::from_utf8_lossy(&vendor), "{cpu}");
    assert_eq!(field(&cpu, "level"), l0.eax.to_string());
    let eax = __cpuid_count(1, 0).eax;
    let mut fam = (eax >> 8) & 0xf;
    let mut model = (eax >> 4) & 0xf;
    if fam == 0xf {
        fam += (eax >> 20) & 0xff;
    }
    if fam >= 6 {
        model += ((eax >> 16) & 0xf) << 4;
    }
    assert_eq!(field(&cpu, "family"), fam.to_string(), "{cpu}");
    assert_eq!(field(&cpu, "model"), model.to_string(), "{cpu}");
    assert_eq!(field(&cpu, "stepping"), (eax & 0xf).to_string(), "{cpu}");
    let vendor_num = match &vendor[..] {
        b"GenuineIntel" => "0",
        b"AuthenticAMD" => "2",
        b"HygonGenuine" => "9",
        _ => "255",
    };
    assert_eq!(field(&cpu, "vendor"), vendor_num);
    let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let flags = flags
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap()
        .to_string();
    let has = |f: &str| flags.split_whitespace().any(|w| w == f) as u8;
    assert_eq!(field(&cpu, "sse2"), has("sse2").to_string());
    assert_eq!(field(&cpu, "avx2"), has("avx2").to_string());
    assert_eq!(field(&cpu, "aes"), has("aes").to_string());

    // x86_match_cpu: the SSE2 entry matches (driver_data 42), the old families do not.
    let m = line("kcore: match ");
    assert_eq!(field(&m, "sse2"), "42");
    assert_eq!(field(&m, "none"), "1");
    assert_eq!(
        field(&m, "cpus"),
        kabi::vmlinux::NR_POSSIBLE_CPUS.to_string()
    );
    assert_eq!(
        field(&m, "online"),
        kabi::vmlinux::NR_POSSIBLE_CPUS.to_string()
    );

    // A work item on system_wq ran on a worker and completed the completion.
    let s = line("kcore: system_wq ");
    assert_eq!(
        (field(&s, "ran"), field(&s, "left"), field(&s, "pending")),
        ("1", "1", "0"),
        "{s}"
    );
    // flush_workqueue waited for all 8 items.
    assert_eq!(field(&line("kcore: wq "), "count"), "8");
    // Delayed work: pending while its timer is armed; flush ran it.
    assert_eq!(field(&line("kcore: dwork pending"), "pending"), "1");
    let d = line("kcore: dwork ran");
    assert_eq!((field(&d, "ran"), field(&d, "pending")), ("1", "0"), "{d}");
    // Timer: pending after mod_timer, fired and woke the wait queue.
    assert_eq!(field(&line("kcore: timer pending"), "pending"), "1");
    let t = line("kcore: timer fired");
    assert_eq!(
        (field(&t, "fired"), field(&t, "left"), field(&t, "pending")),
        ("1", "1", "0"),
        "{t}"
    );
    let dl = line("kcore: del_timer");
    assert_eq!(
        (field(&dl, "del_timer"), field(&dl, "again")),
        ("1", "0"),
        "{dl}"
    );
    assert_eq!(field(&line("kcore: msleep20"), "ok"), "1");
    // An hrtimer that forwards itself twice by 2 ms and then stops (the
    // overrun count is at least 1; more when the host ran the callback late).
    let h = line("kcore: hrtimer ");
    assert_eq!(
        (
            field(&h, "active"),
            field(&h, "count"),
            field(&h, "left"),
            field(&h, "after"),
            field(&h, "cancel")
        ),
        ("1", "3", "1", "0", "0"),
        "{h}"
    );
    assert!(field(&h, "orun").parse::<u64>().unwrap() >= 1, "{h}");
    let f = line("kcore: fpu ");
    assert_eq!((field(&f, "in"), field(&f, "out")), ("0", "1"), "{f}");
    let h2 = line("kcore: hrtimer2 ");
    assert_eq!(
        (field(&h2, "queued"), field(&h2, "try")),
        ("1", "1"),
        "{h2}"
    );
    let j = line("kcore: jiffies");
    assert_eq!((field(&j, "msecs"), field(&j, "j")), ("100", "3"), "{j}");

    k.delete_module("kcore", 0).expect("rmmod kcore");
    assert!(log_since(seq).iter().any(|l| l == "kcore: exit"));
}

#[test]
fn kcore_kthreads_notifiers_rwsem() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("kcore") else {
        return;
    };
    let seq = kabi::log::next_seq();
    k.finit_module(&image, "", 0)
        .unwrap_or_else(|e| panic!("kcore: {e}; log: {:?}", log_since(seq)));
    let log: Vec<String> = log_since(seq)
        .into_iter()
        .filter(|l| l.starts_with("kcore: "))
        .collect();
    let line = |p: &str| {
        log.iter()
            .find(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("{p} in {log:?}"))
            .clone()
    };
    // kthread_run ran the function until kthread_stop, which returned its value.
    let t = line("kcore: kthread ");
    assert_eq!((field(&t, "ret"), field(&t, "looped")), ("7", "1"), "{t}");
    // A kthread worker ran the 3 works; re-queueing a queued/ran work... the
    // third was still queued or already done: flush waited for all of them.
    let w = line("kcore: kworker ");
    assert_eq!(field(&w, "count"), "3", "{w}");
    // Twelve kthreads asleep at once (the host has 4 CPUs): a sleeping task
    // holds no CPU, so all of them started and a work item still ran.
    let s = line("kcore: sleepers=");
    assert_eq!(
        (field(&s, "sleepers"), field(&s, "asleep"), field(&s, "work")),
        ("12", "12", "1"),
        "{s}"
    );
    // kthread_create_on_cpu: named with the CPU number, runs on that CPU only.
    let b = line("kcore: bound ");
    assert_eq!((field(&b, "comm"), field(&b, "cpu")), ("kcore_b1", "1"), "{b}");
    // utsname() through current->nsproxy: the host kernel's release.
    let u = line("kcore: uts ");
    let release = common::profile().expect("profile").release;
    assert_eq!(
        (field(&u, "sysname"), field(&u, "release"), field(&u, "machine")),
        ("Linux", release.as_str(), "x86_64"),
        "{u}"
    );
    // Priority order 9, 5, 1 (NOTIFY_STOP ends the walk, its value returned).
    let c = line("kcore: chain ");
    assert_eq!(
        (field(&c, "order"), field(&c, "ret")),
        ("951", "8001"),
        "{c}"
    );
    let c2 = line("kcore: chain2 ");
    assert_eq!(
        (
            field(&c2, "order"),
            field(&c2, "ret"),
            field(&c2, "missing")
        ),
        ("950", "1", "-2"),
        "{c2}"
    );
    let r = line("kcore: rwsem w_while_r");
    assert_eq!(
        (
            field(&r, "w_while_r"),
            field(&r, "w"),
            field(&r, "locked"),
            field(&r, "r_while_w"),
            field(&r, "r_after_down")
        ),
        ("0", "1", "1", "0", "1"),
        "{r}"
    );
    assert_eq!(field(&line("kcore: rwsem unlocked"), "unlocked"), "1");
    // RCU: the read-side depth, call_rcu + rcu_barrier, and synchronize_rcu
    // waiting for a reader on another CPU (40 ms in its section).
    let r = line("kcore: rcu ");
    assert_eq!(
        (
            field(&r, "depth"),
            field(&r, "after"),
            field(&r, "cb"),
            field(&r, "waited")
        ),
        ("1", "0", "5", "1"),
        "{r}"
    );
    let l = line("kcore: rwlock ");
    assert_eq!(
        (
            field(&l, "r2"),
            field(&l, "w_while_r"),
            field(&l, "w"),
            field(&l, "r_while_w"),
            field(&l, "w_again")
        ),
        ("1", "0", "1", "0", "1"),
        "{l}"
    );
    let u = line("kcore: uid ");
    assert_eq!(
        (field(&u, "from"), field(&u, "valid"), field(&u, "munged")),
        ("1000", "1", "65534"),
        "{u}"
    );
    let s = line("kcore: srcu ");
    assert_eq!(
        (field(&s, "cb"), field(&s, "order"), field(&s, "ret")),
        ("1", "50", "1"),
        "{s}"
    );
    k.delete_module("kcore", 0).expect("rmmod kcore");
}

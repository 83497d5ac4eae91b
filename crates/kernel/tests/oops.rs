//! Faults in module code do not kill the host: each is reported as an oops
//! in the kernel log, the host taints itself D and keeps working.

mod common;

use common::{kernel, log_since, test_module, tree_module};
use kernel::{Errno, ModuleState};

fn oops_for(mode: &str) -> Vec<String> {
    let (k, _g) = kernel().expect("kernel");
    let img = test_module("oops").expect("oops module");
    let seq = kabi::log::next_seq();
    assert_eq!(k.finit_module(&img, &format!("mode={mode}"), 0), Err(Errno::EFAULT), "{:?}", log_since(seq));
    // unwound: nothing listed, nothing exported
    assert!(k.module_names().is_empty(), "{:?}", k.module_names());
    assert!(k.taint() & (1 << kernel::taint::DIE) != 0);
    // and the host still works
    k.finit_module(&tree_module("crc7.ko"), "", 0).unwrap();
    k.delete_module("crc7", 0).unwrap();
    log_since(seq)
}

fn has(log: &[String], pred: impl Fn(&str) -> bool, what: &str) {
    assert!(log.iter().any(|l| pred(l)), "{what} not in {log:#?}");
}

#[test]
fn null_dereference_in_init() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("null");
    has(&log, |l| l == "BUG: kernel NULL pointer dereference, address: 0000000000000000", "the BUG line");
    has(&log, |l| l == "#PF: supervisor write access in kernel mode", "access kind");
    has(&log, |l| l == "#PF: error_code(0x0002) - not-present page", "error code");
    has(&log, |l| l.starts_with("Oops: 0002 [#"), "Oops line");
    has(&log, |l| l == "CR2: 0000000000000000", "CR2 summary");
    has(&log, |l| l.starts_with("Code: "), "code bytes");
    has(&log, |l| l.starts_with("RIP: 0010:oops_write_null+0x") && l.ends_with(" [oops]"), "RIP symbolized");
    has(&log, |l| l.starts_with("RAX: "), "registers");
    has(&log, |l| l == "Call Trace:", "call trace");
}

#[test]
fn bug_in_init() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("bug");
    // handle_bug finds the __bug_table entry: file and line of the BUG()
    let at = log.iter().position(|l| l.starts_with("kernel BUG at ") && l.ends_with("oops.c:70!")).unwrap_or_else(|| panic!("kernel BUG at ...oops.c:70! not in {log:#?}"));
    assert_eq!(log[at - 1], "------------[ cut here ]------------");
    assert!(log[at + 1].starts_with("invalid opcode: 0000 [#"), "{log:#?}");
    has(&log, |l| l.starts_with("Modules linked in: oops(OE+)"), "module list (loading)");
    has(&log, |l| l.starts_with("RIP: 0010:faulty_init+0x") && l.ends_with(" [oops]"), "RIP in init");
}

#[test]
fn stack_overflow_is_caught_by_the_canary() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("stack");
    has(&log, |l| l.starts_with("Kernel panic - not syncing: stack-protector: Kernel stack is corrupted"), "stack-protector");
}

#[test]
fn write_to_rodata_is_caught_by_page_protection() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("rodata");
    has(&log, |l| l.starts_with("BUG: unable to handle page fault for address: "), "page fault");
    has(&log, |l| l == "#PF: error_code(0x0003) - permissions violation", "write to a present read-only page");
    has(&log, |l| l.starts_with("RIP: 0010:faulty_init+0x"), "RIP in init");
}

#[test]
fn panic_ends_the_call() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("panic");
    has(&log, |l| l == "Kernel panic - not syncing: oops: panic requested 42", "panic message");
}

#[test]
fn fault_in_exit_leaves_the_module_going() {
    // Its own host kernel: the GOING module stays behind for good.
    let Some((_shared, _g)) = kernel() else { return };
    let Some(img) = test_module("oops") else { return };
    let k = &kernel::Kernel::new(kernel::Config::from_profile(&common::profile().unwrap())).unwrap();
    k.finit_module(&img, "mode=exit", 0).unwrap();
    let seq = kabi::log::next_seq();
    assert_eq!(k.delete_module("oops", 0), Err(Errno::EFAULT));
    has(&log_since(seq), |l| l.starts_with("RIP: 0010:oops_write_null+0x"), "RIP");
    // still listed, Unloading, as on Linux; cannot be removed again
    assert_eq!(k.with_module("oops", |m| m.state), Some(ModuleState::Going));
    let line = k.proc_modules();
    assert!(line.contains("oops ") && line.contains(" Unloading ") && line.contains("(OE-)"), "{line}");
    assert_eq!(k.delete_module("oops", 0), Err(Errno::EBUSY));
}

#[test]
fn fault_in_an_export_called_from_the_host() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("oops") else { return };
    k.finit_module(&img, "", 0).unwrap();
    assert_eq!(k.call_export("oops_fault_export", 21, 0), Ok(42));
    let seq = kabi::log::next_seq();
    assert_eq!(k.call_export("oops_fault_export", 1, 0), Err(Errno::EFAULT));
    has(&log_since(seq), |l| l.starts_with("RIP: 0010:oops_write_null+0x") && l.ends_with(" [oops]"), "RIP");
    // the module and the host carry on
    assert_eq!(k.call_export("oops_fault_export", 5, 0), Ok(10));
    k.delete_module("oops", 0).unwrap();
}

/// Loads the oops module with a WARN mode: the load succeeds, the module
/// went on after each warning, the kernel is tainted W (not D).
fn warn_for(mode: &str) -> Vec<String> {
    let (k, _g) = kernel().expect("kernel");
    let img = test_module("oops").expect("oops module");
    let seq = kabi::log::next_seq();
    let taint_before = k.taint();
    k.finit_module(&img, &format!("mode={mode}"), 0).unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    assert_eq!(k.with_module("oops", |m| m.state), Some(ModuleState::Live));
    assert!(k.taint() & (1 << kernel::taint::WARN) != 0);
    assert_eq!(k.taint() & (1 << kernel::taint::DIE), taint_before & (1 << kernel::taint::DIE), "a WARN is not an oops");
    k.delete_module("oops", 0).unwrap();
    log_since(seq)
}

fn count(log: &[String], pred: impl Fn(&str) -> bool) -> usize {
    log.iter().filter(|l| pred(l)).count()
}

#[test]
fn warn_on_reports_and_goes_on() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = warn_for("warn");
    let at = log.iter().position(|l| l.starts_with("WARNING: CPU: ")).unwrap_or_else(|| panic!("no WARNING in {log:#?}"));
    assert_eq!(log[at - 1], "------------[ cut here ]------------");
    let w = &log[at];
    assert!(w.contains(" at ") && w.contains("oops.c:") && w.contains(" faulty_init+0x") && w.ends_with(" [oops]"), "{w}");
    assert!(log[at + 1].starts_with("Modules linked in: oops(OE+)"), "{log:#?}");
    assert!(log[at + 2].starts_with("CPU: ") && log[at + 2].contains(" Comm: modhost Tainted: "), "{log:#?}");
    has(&log, |l| l.starts_with("RIP: 0010:faulty_init+0x") && l.ends_with(" [oops]"), "RIP");
    has(&log, |l| l == "---[ end trace 0000000000000000 ]---", "end marker");
    has(&log, |l| l == "oops: went on after 1 warning(s)", "execution resumed after the ud2");
    has(&log, |l| l == "oops: exit", "the module works and unloads");
}

#[test]
fn warn_on_once_reports_once() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = warn_for("warn_once");
    assert_eq!(count(&log, |l| l.starts_with("WARNING: CPU: ")), 1, "{log:#?}");
    has(&log, |l| l.starts_with("WARNING: CPU: ") && l.contains(" oops_warn_once+0x"), "the WARN site");
    has(&log, |l| l == "oops: went on after 3 warning(s)", "all three passes resumed");
    // BUGFLAG_DONE is kept in the module's table: a fresh load warns again
    let log = warn_for("warn_once");
    assert_eq!(count(&log, |l| l.starts_with("WARNING: CPU: ")), 1, "{log:#?}");
}

#[test]
fn warn_with_a_message() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = warn_for("warn_msg");
    // __warn_printk prints the cut line and the message; the trap adds none
    let at = log.iter().position(|l| l == "oops: warning 42").unwrap_or_else(|| panic!("no message in {log:#?}"));
    assert_eq!(log[at - 1], "------------[ cut here ]------------");
    assert!(log[at + 1].starts_with("WARNING: CPU: "), "{log:#?}");
    assert_eq!(count(&log, |l| l == "------------[ cut here ]------------"), 1, "{log:#?}");
    has(&log, |l| l == "oops: went on after 1 warning(s)", "resumed");
}

/// A crafted module whose `__bug_table` is not writable (Linux's is an "aw"
/// section): the table lands in read-only memory, so WARN_ON_ONCE cannot be
/// marked done — it reports every time instead of faulting in the trap.
#[test]
fn warn_once_with_a_read_only_bug_table() {
    let Some((k, _g)) = kernel() else { return };
    let Some(mut img) = test_module("oops") else { return };
    let elf = kofile::elf::Elf::parse(&img).expect("oops.ko parses");
    let (idx, _) = elf.find_section("__bug_table").expect("oops.ko has a __bug_table");
    let shoff = elf.header().e_shoff as usize + idx * usize::from(elf.header().e_shentsize);
    drop(elf);
    img[shoff + 8] &= !1; // sh_flags: clear SHF_WRITE
    let seq = kabi::log::next_seq();
    k.finit_module(&img, "mode=warn_once", 0).unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    k.delete_module("oops", 0).unwrap();
    let log = log_since(seq);
    assert_eq!(count(&log, |l| l.starts_with("WARNING: CPU: ")), 3, "{log:#?}");
    has(&log, |l| l == "oops: went on after 3 warning(s)", "resumed each time");
}

/// Port I/O in module code meets an absent bus, as on a machine without the
/// device: Debian's ct82c710 (a PS/2 mouse port on an ISA chipset) probes
/// its port with inb(), reads 0xff and returns -ENODEV — no oops.
#[test]
fn port_io_reads_an_absent_bus() {
    let Some((k, _g)) = kernel() else { return };
    let seq = kabi::log::next_seq();
    let taint = k.taint();
    assert_eq!(k.finit_module(&tree_module("ct82c710.ko"), "", 0), Err(Errno::ENODEV));
    let log = log_since(seq);
    assert!(!log.iter().any(|l| l.contains("general protection") || l.starts_with("BUG:")), "{log:#?}");
    assert_eq!(k.taint() & (1 << kernel::taint::DIE), taint & (1 << kernel::taint::DIE));
}

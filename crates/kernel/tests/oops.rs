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
    if common::require(common::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("null");
    has(&log, |l| l == "BUG: kernel NULL pointer dereference, address: 0000000000000000", "the BUG line");
    has(&log, |l| l.starts_with("RIP: 0010:oops_write_null+0x") && l.ends_with(" [oops]"), "RIP symbolized");
    has(&log, |l| l.starts_with("RAX: "), "registers");
    has(&log, |l| l == "Call Trace:", "call trace");
}

#[test]
fn bug_in_init() {
    if common::require(common::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("bug");
    has(&log, |l| l.starts_with("invalid opcode: 0000 [#"), "invalid opcode");
    has(&log, |l| l.starts_with("RIP: 0010:faulty_init+0x") && l.ends_with(" [oops]"), "RIP in init");
}

#[test]
fn stack_overflow_is_caught_by_the_canary() {
    if common::require(common::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("stack");
    has(&log, |l| l.starts_with("Kernel panic - not syncing: stack-protector: Kernel stack is corrupted"), "stack-protector");
}

#[test]
fn write_to_rodata_is_caught_by_page_protection() {
    if common::require(common::test_modules(), "test modules").is_none() {
        return;
    }
    let log = oops_for("rodata");
    has(&log, |l| l.starts_with("BUG: unable to handle page fault for address: "), "page fault");
    has(&log, |l| l.starts_with("RIP: 0010:faulty_init+0x"), "RIP in init");
}

#[test]
fn panic_ends_the_call() {
    if common::require(common::test_modules(), "test modules").is_none() {
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

//! Every export of the ABI profile links, as on Linux; what the host does
//! not implement says so by name when module code uses it.

mod common;

use common::{kernel, log_since, test_module, tree_module};
use kabi::vmlinux::Provision;
use kernel::Errno;

const FUNC: &str = "rdmsr_on_cpu";
const DATA: &str = "acpi_gbl_FADT";

/// The unimpl module's two exports must still be unimplemented for these
/// tests to mean anything (if the host grows them, pick others).
fn check_still_unimplemented() {
    let v = kabi::vmlinux::get().expect("booted");
    assert_eq!(v.provision(FUNC), Some(Provision::Trapped), "{FUNC} is implemented now: give tests/modules/unimpl another function");
    assert_eq!(v.provision(DATA), Some(Provision::Absent), "{DATA} is modelled now: give tests/modules/unimpl another object");
}

fn load_failing(mode: &str) -> Vec<String> {
    let (k, _g) = kernel().expect("kernel");
    check_still_unimplemented();
    let img = test_module("unimpl").expect("unimpl module");
    let seq = kabi::log::next_seq();
    let taint = k.taint();
    assert_eq!(k.finit_module(&img, &format!("mode={mode}"), 0), Err(Errno::EFAULT), "{:#?}", log_since(seq));
    assert!(k.module_names().is_empty(), "init unwound: {:?}", k.module_names());
    // the module did nothing wrong: no D taint (only the out-of-tree/unsigned
    // taints the load itself adds)
    assert_eq!(k.taint() & (1 << kernel::taint::DIE), taint & (1 << kernel::taint::DIE));
    // and the host goes on
    k.finit_module(&tree_module("crc7.ko"), "", 0).unwrap();
    k.delete_module("crc7", 0).unwrap();
    log_since(seq)
}

#[test]
fn every_profile_export_resolves() {
    let Some((k, _g)) = kernel() else { return };
    let v = kabi::vmlinux::get().expect("booted");
    let exports = &k.config().exports;
    assert!(exports.len() > 10_000, "{}", exports.len());
    let mut counts = [0usize; 3];
    for e in exports {
        let p = v.provision(&e.name).unwrap_or_else(|| panic!("{} has no provision", e.name));
        assert!(k.lookup_symbol(&e.name).is_some(), "{} does not resolve", e.name);
        counts[p as usize] += 1;
        // functions are never absent data, data never a trap stub
        match p {
            Provision::Trapped => assert!(e.text, "{} trapped but is data", e.name),
            Provision::Absent => assert!(!e.text, "{} absent data but is text", e.name),
            Provision::Implemented => {}
        }
    }
    assert!(counts[0] > 100 && counts[1] > 5000 && counts[2] > 300, "implemented/trapped/absent: {counts:?}");
    assert_eq!(kabi::unimplemented::function_count(), counts[1]);
}

#[test]
fn module_importing_unimplemented_exports_links_and_runs() {
    let Some((k, _g)) = kernel() else { return };
    check_still_unimplemented();
    let Some(img) = test_module("unimpl") else { return };
    k.finit_module(&img, "", 0).expect("links like on Linux; init never touches the exports");
    k.delete_module("unimpl", 0).unwrap();
}

#[test]
fn calling_an_unimplemented_function_is_reported_by_name() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = load_failing("call");
    let at = log
        .iter()
        .position(|l| l == "unimpl: called rdmsr_on_cpu(), which the host kernel does not implement")
        .unwrap_or_else(|| panic!("the report line is missing: {log:#?}"));
    let trace = &log[at..];
    let ct = trace.iter().position(|l| l == "Call Trace:").expect("call trace");
    // the call site first, symbolized in the module
    assert!(trace[ct + 2].starts_with(" unimpl_call+0x") && trace[ct + 2].ends_with(" [unimpl]"), "{trace:#?}");
    assert!(trace.iter().any(|l| l.starts_with("Modules linked in: unimpl(OE+)")), "{trace:#?}");
    assert!(!log.iter().any(|l| l.contains("rdmsr_on_cpu returned")), "the call must not return: {log:#?}");
}

#[test]
fn touching_unmodelled_data_is_reported_by_name() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = load_failing("data");
    let line = log.iter().find(|l| l.contains("which the host kernel does not implement")).unwrap_or_else(|| panic!("{log:#?}"));
    // header.length is at offset 4 of the FADT
    assert_eq!(line, "unimpl: accessed acpi_gbl_FADT+0x4, data which the host kernel does not implement");
    assert!(log.iter().any(|l| l.starts_with("RIP: 0010:unimpl_data+0x") && l.ends_with(" [unimpl]")), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("FADT length")), "{log:#?}");
}

/// A module whose init registered things and then called something the
/// host lacks is unwound and freed; every registry forgets what lived in
/// its memory: the class and misc device leave the views, the pending timer
/// and delayed work never run freed code, and the host goes on.
#[test]
fn an_unwound_module_leaves_nothing_registered() {
    if testkit::require(testkit::test_modules(), "test modules").is_none() {
        return;
    }
    let log = load_failing("leak");
    assert!(log.iter().any(|l| l == "unimpl: called rdmsr_on_cpu(), which the host kernel does not implement"), "{log:#?}");
    let (k, _g) = kernel().expect("kernel");
    // the timer and the work were due 40 ms after init: let them come and go
    std::thread::sleep(std::time::Duration::from_millis(200));
    let classes = k.list_view("/sys/class").unwrap_or_default();
    assert!(!classes.iter().any(|c| c == "unimpl_leak"), "{classes:?}");
    let misc = String::from_utf8(k.read_view("/proc/misc").unwrap_or_default()).unwrap();
    assert!(!misc.contains("unimpl_leak"), "{misc}");
    // and the same class name can be registered again
    let img = test_module("unimpl").unwrap();
    assert_eq!(k.finit_module(&img, "mode=leak", 0), Err(Errno::EFAULT));
    std::thread::sleep(std::time::Duration::from_millis(200));
    k.finit_module(&tree_module("crc7.ko"), "", 0).unwrap();
    k.delete_module("crc7", 0).unwrap();
}

/// docs/kabi-exports.md lists what the host implements where: its
/// implemented rows match the code (regenerate with
/// `cargo run --release -p kernel --example kabi-exports > docs/kabi-exports.md`).
/// Only those rows are compared: the trapped and absent ones follow Debian's
/// release, which moves on by itself.
#[test]
fn export_table_is_current() {
    let Some((k, _g)) = kernel() else { return };
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/kabi-exports.md")).expect("docs/kabi-exports.md");
    let now = kernel::exports_doc::render(k);
    let implemented = |s: &str| s.lines().filter(|l| l.contains(" | implemented | ")).map(str::to_string).collect::<Vec<_>>();
    let (want, have) = (implemented(&now), implemented(&doc));
    let missing: Vec<&String> = want.iter().filter(|l| !have.contains(l)).take(5).collect();
    let stale: Vec<&String> = have.iter().filter(|l| !want.contains(l)).take(5).collect();
    assert!(missing.is_empty() && stale.is_empty(), "docs/kabi-exports.md is stale: missing {missing:#?}, stale {stale:#?}");
}

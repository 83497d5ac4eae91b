//! The module API trace records each call from module code into the host's
//! functions: caller module and site, the argument registers, the result.

mod common;

use common::{kernel, test_module};

#[test]
fn calls_from_module_code_are_traced_with_arguments_and_results() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("unimpl") else { return };
    kabi::trace::clear();
    kabi::trace::enable(true);
    assert!(kabi::trace::enabled());
    // init compares its mode parameter with strcmp() three times ("call", "data", "leak")
    k.finit_module(&img, "mode=quiet", 0).unwrap();
    kabi::trace::enable(false);
    k.delete_module("unimpl", 0).unwrap();
    let rec = kabi::trace::records();
    let calls: Vec<&String> = rec.iter().filter(|l| l.contains(" > unimpl ") && l.contains(" strcmp(")).collect();
    assert_eq!(calls.len(), 3, "{rec:#?}");
    assert!(calls[0].contains(" unimpl_init+0x"), "call site: {}", calls[0]);
    // each call has its result: strcmp("quiet", "call") > 0
    let seq = calls[0].split(' ').next().unwrap();
    let ret = rec.iter().find(|l| l.starts_with(&format!("{seq} < unimpl strcmp = "))).unwrap_or_else(|| panic!("{rec:#?}"));
    let v = u64::from_str_radix(ret.rsplit("0x").next().unwrap(), 16).unwrap() as i32;
    assert!(v > 0, "{ret}");
    // off: nothing more is recorded
    let n = kabi::trace::records().len();
    k.finit_module(&img, "mode=quiet", 0).unwrap();
    k.delete_module("unimpl", 0).unwrap();
    assert_eq!(kabi::trace::records().len(), n);
    // and the record is a view
    let view = String::from_utf8(k.read_view("/sys/kernel/debug/modhost/trace").unwrap()).unwrap();
    assert!(view.contains(" strcmp("), "{view}");
}

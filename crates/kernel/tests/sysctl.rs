//! sysctl tables (tests/modules/sysctltest): `register_sysctl_table` with a
//! nested child table and `register_sysctl` show the entries under
//! /proc/sys with the standard handlers' read format; a duplicate name
//! fails with Linux's message; unloading removes them.

mod common;

use common::{kernel, log_since, test_module};

fn text(k: &kernel::Kernel, path: &str) -> String {
    String::from_utf8(
        k.read_view(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}")),
    )
    .unwrap()
}

#[test]
fn sysctl_tables_come_and_go() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("sysctltest") else {
        return;
    };
    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert!(
        log.iter()
            .any(|l| l.contains("sysctl duplicate entry: /modhost_test/answer")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("sysctltest: duplicate refused")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("sysctltest: extra registered")),
        "{log:#?}"
    );

    let mut top = k.list_view("/proc/sys/modhost_test").unwrap();
    top.sort();
    assert_eq!(top, ["answer", "extra", "greeting", "inner"]);
    assert_eq!(text(k, "/proc/sys/modhost_test/answer"), "42\n");
    assert_eq!(text(k, "/proc/sys/modhost_test/greeting"), "hello\n");
    assert_eq!(text(k, "/proc/sys/modhost_test/inner/vec"), "1\t-2\t3\n");
    assert_eq!(text(k, "/proc/sys/modhost_test/extra/big"), "123456789\n");
    // the built-in directories stay
    assert!(k
        .list_view("/proc/sys")
        .unwrap()
        .contains(&"kernel".to_string()));

    k.delete_module("sysctltest", 0).unwrap();
    assert!(k.read_view("/proc/sys/modhost_test/answer").is_err());
    assert!(
        k.list_view("/proc/sys/modhost_test").is_err(),
        "{:?}",
        k.list_view("/proc/sys/modhost_test")
    );
    assert!(k
        .list_view("/proc/sys")
        .unwrap()
        .contains(&"kernel".to_string()));
}

/// A module that forgets to unregister: its entries must not outlive its
/// memory (the views would read freed data).
#[test]
fn forgotten_tables_are_purged() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("sysctltest") else { return };
    k.finit_module(&img, "leak=1", 0).unwrap();
    assert_eq!(text(k, "/proc/sys/modhost_test/answer"), "42\n");
    k.delete_module("sysctltest", 0).unwrap();
    assert!(k.read_view("/proc/sys/modhost_test/answer").is_err());
    assert!(k.read_view("/proc/sys/modhost_test/inner/vec").is_err());
    assert!(k.list_view("/proc/sys/modhost_test").is_err());
    // and the names are free again
    k.finit_module(&img, "", 0).unwrap();
    assert_eq!(text(k, "/proc/sys/modhost_test/greeting"), "hello\n");
    k.delete_module("sysctltest", 0).unwrap();
}

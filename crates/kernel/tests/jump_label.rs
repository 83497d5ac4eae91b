//! Static keys: Debian's own lib/test_static_keys.ko checks, in its init,
//! that every static branch of its keys (true and false keys, likely and
//! unlikely branches, its own keys and the keys of test_static_key_base)
//! follows `static_key_enabled()` through static_key_slow_inc/dec and
//! static_branch_enable/disable; it fails with -EINVAL otherwise. So this
//! passes only if the sites in both modules' text are really rewritten.

mod common;

use common::{kernel, log_since, tree_module};

#[test]
fn debian_test_static_keys_sees_its_branches_follow_the_keys() {
    let Some((k, _g)) = kernel() else { return };
    let seq = kabi::log::next_seq();
    for f in ["test_static_key_base.ko", "test_static_keys.ko"] {
        k.finit_module(&tree_module(f), "", 0)
            .unwrap_or_else(|e| panic!("{f}: {e}; log: {:?}", log_since(seq)));
    }
    let log = log_since(seq);
    assert!(!log.iter().any(|l| l.contains("jump_label") || l.starts_with("WARNING")), "{log:#?}");
    for m in ["test_static_keys", "test_static_key_base"] {
        k.delete_module(m, 0).unwrap_or_else(|e| panic!("rmmod {m}: {e}"));
    }
    // And again: the sites of the freed modules are gone from the table;
    // the new copies are patched from scratch.
    for f in ["test_static_key_base.ko", "test_static_keys.ko"] {
        k.finit_module(&tree_module(f), "", 0).unwrap_or_else(|e| panic!("{f} again: {e}"));
    }
    k.delete_module("test_static_keys", 0).unwrap();
    k.delete_module("test_static_key_base", 0).unwrap();
}

//! Generic netlink families (net/netlink/genetlink.c) from a real module:
//! ids, multicast group offsets, -EEXIST, -EINVAL, -ENOENT.

mod common;

use common::{kernel, log_since, test_module};

fn field(log: &[String], key: &str) -> i64 {
    let l = log
        .iter()
        .find(|l| l.contains(key))
        .unwrap_or_else(|| panic!("no {key} in {log:#?}"));
    let v = l.split(key).nth(1).unwrap().split(' ').next().unwrap();
    v.trim().parse().unwrap_or_else(|_| panic!("{key}{v}"))
}

fn load_unload(k: &kernel::Kernel, image: &[u8]) -> (i64, i64) {
    let seq = kabi::log::next_seq();
    k.finit_module(image, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    k.delete_module("genltest", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert_eq!(field(&log, "register="), 0, "{log:#?}");
    // A second family with the name in use, one with a duplicate cmd.
    assert_eq!(field(&log, "same_name="), -17, "{log:#?}");
    assert_eq!(field(&log, "dup_cmd="), -22, "{log:#?}");
    // Unregister at exit; a second unregister finds no family with that id.
    assert_eq!(field(&log, "unregister="), 0, "{log:#?}");
    assert_eq!(field(&log, "unregister_again="), -2, "{log:#?}");
    // netlink_register_notifier joins the netlink chain; leaving it twice
    // finds it gone the second time.
    assert_eq!(field(&log, "notifier="), 0, "{log:#?}");
    assert_eq!(field(&log, "notifier_unreg="), 0, "{log:#?}");
    assert_eq!(field(&log, "notifier_unreg_again="), -2, "{log:#?}");
    (field(&log, "id="), field(&log, "mcgrp_offset="))
}

#[test]
fn genl_family_register_unregister() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("genltest") else {
        return;
    };
    let (id1, off1) = load_unload(k, &image);
    // Ids come from GENL_START_ALLOC (0x13) up, past nlctrl (0x10) and
    // VFS_DQUOT (0x11); groups 0, 1 and 16-18 are reserved, so the first
    // free group is 2 (only the fixed built-ins are modelled).
    assert!((0x13..=0x10 + 1023).contains(&id1), "id {id1:#x}");
    assert!(
        off1 >= 2 && ![16, 17, 18].contains(&off1),
        "mcgrp_offset {off1}"
    );
    // Loading again works the same; idr_alloc_cyclic hands out the next id,
    // and the freed multicast group is reused.
    let (id2, off2) = load_unload(k, &image);
    assert_eq!(id2, id1 + 1);
    assert_eq!(off2, off1);
}

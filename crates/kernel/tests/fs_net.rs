//! fs/ and net/ registrations (tests/modules/fsnet): filesystems and
//! /proc/filesystems, debugfs (typed files read the module's variables),
//! procfs, nls, pernet operations on init_net with net_generic blocks,
//! address families, link types, netdevice notifiers, packet handlers —
//! values, errno and views as Linux 6.1 has them.

mod common;

use common::{kernel, log_since, test_module};

/// Debian 6.1.0-57's /proc/filesystems at boot (QEMU capture,
/// tests/modules/fsnet/debian-6.1-qemu.txt).
const DEBIAN_FILESYSTEMS: &str = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tcgroup\nnodev\tcgroup2\nnodev\tcpuset\nnodev\tdevtmpfs\nnodev\tdebugfs\nnodev\ttracefs\nnodev\tsecurityfs\nnodev\tsockfs\nnodev\tbpf\nnodev\tpipefs\nnodev\tramfs\nnodev\thugetlbfs\nnodev\tdevpts\nnodev\tmqueue\nnodev\tpstore\n";

fn value<'a>(log: &'a [String], key: &str) -> &'a str {
    let p = format!("fsnet: {key}=");
    log.iter()
        .find_map(|l| l.strip_prefix(&p))
        .unwrap_or_else(|| panic!("no '{p}' line in {log:#?}"))
}

#[test]
fn fsnet_registrations_behave_as_on_linux() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("fsnet") else { return };
    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert!(log.iter().any(|l| l == "fsnet: loaded"), "{log:#?}");

    // filesystems
    assert_eq!(value(&log, "register_filesystem"), "0");
    assert_eq!(value(&log, "register_filesystem_again"), "-16");
    assert_eq!(value(&log, "register_filesystem_dup_name"), "-16");
    assert_eq!(value(&log, "register_filesystem_tmpfs"), "-16");
    let fs = String::from_utf8(k.read_view("/proc/filesystems").unwrap()).unwrap();
    assert_eq!(fs, format!("{DEBIAN_FILESYSTEMS}\tfsnetfs\n"));

    // debugfs
    assert_eq!(value(&log, "debugfs_initialized"), "1");
    assert_eq!(value(&log, "debugfs_create_dir_err"), "0");
    assert_eq!(value(&log, "debugfs_create_dir_dup"), "-17");
    assert!(
        log.iter()
            .any(|l| l == "debugfs: Directory 'fsnet' with parent '/' already present!"),
        "{log:#?}"
    );
    assert_eq!(value(&log, "debugfs_create_dir_builtin"), "-17");
    assert_eq!(value(&log, "debugfs_create_file_err"), "0");
    assert_eq!(value(&log, "debugfs_create_file_slash"), "-13");
    assert_eq!(value(&log, "debugfs_create_in_removed"), "-2");
    let d = "/sys/kernel/debug/fsnet";
    assert_eq!(
        k.list_view(d).unwrap(),
        ["atomic", "blob", "flag", "hex", "small", "state", "value"]
    );
    assert_eq!(k.read_view(&format!("{d}/value")).unwrap(), b"12345\n");
    assert_eq!(k.read_view(&format!("{d}/hex")).unwrap(), b"0x0000beef\n");
    assert_eq!(k.read_view(&format!("{d}/flag")).unwrap(), b"Y\n");
    assert_eq!(k.read_view(&format!("{d}/small")).unwrap(), b"7\n");
    assert_eq!(k.read_view(&format!("{d}/atomic")).unwrap(), b"-3\n");
    assert_eq!(k.read_view(&format!("{d}/blob")).unwrap(), b"blob!");
    let state = String::from_utf8(k.read_view(&format!("{d}/state")).unwrap()).unwrap();
    assert!(
        state.contains("fsnet's file_operations") && state.contains("does not model"),
        "{state}"
    );
    // the variable is read when the file is read
    let var = k.lookup_symbol("fsnet_u32");
    if let Some(addr) = var {
        // SAFETY: the module's u32 variable, loaded and live.
        unsafe { (addr as *mut u32).write(777) };
        assert_eq!(k.read_view(&format!("{d}/value")).unwrap(), b"777\n");
    }

    // procfs
    for key in [
        "proc_create",
        "proc_mkdir",
        "proc_create_in_dir",
        "proc_create_net",
        "proc_mkdir_driver",
    ] {
        assert_eq!(value(&log, key), "1", "{key}");
    }
    assert!(k.read_view("/proc/fsnet").unwrap().starts_with(b"modhost: "));
    assert!(k.read_view("/proc/fsnet_dir/inner").is_ok());
    assert!(k.read_view("/proc/net/fsnet").is_ok());
    assert_eq!(k.list_view("/proc/driver").unwrap(), ["fsnet"]);

    // nls
    assert_eq!(value(&log, "register_nls"), "0");
    assert_eq!(value(&log, "register_nls_again"), "-16");
    assert_eq!(kabi::fs::nls::charsets(), ["fsnet"]);

    // pernet: init ran once on init_net with its zeroed net_generic block
    assert_eq!(value(&log, "init_net_inum"), "4026531840 passive=1");
    assert_eq!(value(&log, "pernet_init net_is_init_net"), "1 gen_nonnull=1 gen_zeroed=1 id_ok=1");
    assert_eq!(value(&log, "register_pernet_subsys"), "0 init_calls=1 magic=0xf5e7");
    assert_eq!(value(&log, "register_pernet_bad"), "-12");

    // address families
    assert_eq!(value(&log, "sock_register"), "0");
    assert_eq!(value(&log, "sock_register_again"), "-17");
    assert_eq!(value(&log, "sock_register_inet"), "-17");
    assert_eq!(
        log.iter().filter(|l| *l == "NET: Registered PF_KCM protocol family").count(),
        2,
        "{log:#?}"
    );
    assert!(log.iter().any(|l| l == "NET: Registered PF_INET protocol family"));

    // rtnl
    assert_eq!(value(&log, "rtnl_link_register"), "0");
    assert_eq!(value(&log, "rtnl_link_register_dup"), "-17");
    assert_eq!(value(&log, "rtnl_is_locked"), "1");
    assert_eq!(value(&log, "rtnl_is_locked_after"), "0");
    assert_eq!(kabi::net::core::rtnetlink::link_kinds(), ["fsnetlink"]);

    // netdevice notifier (no devices: nothing replayed) and packet handler
    assert_eq!(value(&log, "register_netdevice_notifier"), "0");
    assert!(!log.iter().any(|l| l.starts_with("fsnet: netdev_event")));
    let ptype = String::from_utf8(k.read_view("/proc/net/ptype").unwrap()).unwrap();
    // ptype_base buckets by type & 15: 0x0800 → 0, 0x88b5 → 5, 0x0806 → 6, 0x86dd → 13
    assert_eq!(
        ptype,
        "Type Device      Function\n0800          ip_rcv\n88b5          fsnet_rcv [fsnet]\n0806          arp_rcv\n86dd          ipv6_rcv\n"
    );

    // protocol tables, congestion control, qdiscs, connector, protos
    assert_eq!(value(&log, "inet_add_protocol"), "0");
    assert_eq!(value(&log, "inet_add_protocol_again"), "-1");
    assert_eq!(value(&log, "inet_add_protocol_tcp"), "-1");
    assert_eq!(value(&log, "inet6_add_protocol_frag"), "-1");
    assert_eq!(value(&log, "tcp_register_congestion_control"), "0 key_ok=1");
    assert_eq!(value(&log, "tcp_register_congestion_control_bad"), "-22");
    assert!(log.iter().any(|l| l == "fsnetbad does not implement required ops"));
    assert_eq!(
        k.read_view("/proc/sys/net/ipv4/tcp_available_congestion_control").unwrap(),
        b"reno cubic fsnetcc\n"
    );
    assert_eq!(value(&log, "register_qdisc"), "0 filled=1");
    assert_eq!(value(&log, "register_qdisc_pfifo"), "-17");
    assert_eq!(value(&log, "cn_add_callback"), "0");
    assert_eq!(value(&log, "cn_add_callback_proc"), "-22");
    assert_eq!(
        k.read_view("/proc/net/connector").unwrap(),
        b"Name            ID\ncn_proc         1:1\nfsnet_cn        1911:1\n"
    );
    assert_eq!(value(&log, "proto_register"), "0 inuse_idx=17");

    // tc actions (their pernet ops run on init_net), block majors
    assert_eq!(value(&log, "tcf_register_action"), "0 net_calls=1");
    assert_eq!(value(&log, "tcf_register_action_dup"), "-17");
    assert_eq!(value(&log, "tcf_register_action_bad"), "-22");
    assert_eq!(kabi::net::sched::act_api::action_kinds(), ["fsnetact"]);
    assert_eq!(value(&log, "register_blkdev_dynamic"), "254");
    assert_eq!(value(&log, "register_blkdev_again"), "-16");
    assert_eq!(value(&log, "register_blkdev_too_big"), "-22");
    assert!(
        log.iter().any(|l| l == "register_blkdev: cannot get major 254 for fsnetblk2"),
        "{log:#?}"
    );
    let devices = String::from_utf8(k.read_view("/proc/devices").unwrap()).unwrap();
    assert!(devices.ends_with("\nBlock devices:\n254 fsnetblk\n259 blkext\n"), "{devices}");

    // exit undoes everything
    let seq = kabi::log::next_seq();
    k.delete_module("fsnet", 0).unwrap();
    let log = log_since(seq);
    assert!(log.iter().any(|l| l == "fsnet: unloaded"), "{log:#?}");
    assert_eq!(value(&log, "pernet_exit net_is_init_net"), "1 magic=0xf5e7");
    assert_eq!(value(&log, "exit_calls"), "1");
    assert_eq!(value(&log, "unregister_netdevice_notifier"), "0");
    assert_eq!(value(&log, "tcf_unregister_action"), "0");
    assert_eq!(value(&log, "tcf_unregister_action_again"), "-2");
    assert!(kabi::net::sched::act_api::action_kinds().is_empty());
    assert!(String::from_utf8(k.read_view("/proc/devices").unwrap())
        .unwrap()
        .ends_with("\nBlock devices:\n259 blkext\n"));
    assert_eq!(value(&log, "inet_del_protocol"), "0");
    assert_eq!(value(&log, "inet_del_protocol_again"), "-1");
    assert_eq!(
        k.read_view("/proc/sys/net/ipv4/tcp_available_congestion_control").unwrap(),
        b"reno cubic\n"
    );
    assert_eq!(
        k.read_view("/proc/net/connector").unwrap(),
        b"Name            ID\ncn_proc         1:1\n"
    );
    assert!(!kabi::net::sched::sch_api::qdisc_ids().contains(&"fsnetq".to_string()));
    assert_eq!(value(&log, "unregister_filesystem"), "0");
    assert_eq!(value(&log, "unregister_filesystem_again"), "-22");
    assert!(log.iter().any(|l| l == "NET: Unregistered PF_KCM protocol family"));
    assert_eq!(
        String::from_utf8(k.read_view("/proc/filesystems").unwrap()).unwrap(),
        DEBIAN_FILESYSTEMS
    );
    assert!(k.read_view("/sys/kernel/debug/fsnet/value").is_err());
    assert!(k.list_view("/sys/kernel/debug/fsnet").is_err());
    assert!(k.read_view("/proc/fsnet").is_err());
    assert!(k.read_view("/proc/net/fsnet").is_err());
    assert!(k.list_view("/proc/fsnet_dir").is_err());
    assert!(kabi::fs::nls::charsets().is_empty());
    assert!(kabi::net::core::rtnetlink::link_kinds().is_empty());
    assert!(!String::from_utf8(k.read_view("/proc/net/ptype").unwrap())
        .unwrap()
        .contains("fsnet"));

    // a second load works the same (nothing left behind)
    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0).unwrap();
    let log = log_since(seq);
    assert_eq!(value(&log, "register_filesystem"), "0");
    assert_eq!(value(&log, "register_pernet_subsys"), "0 init_calls=1 magic=0xf5e7");
    assert_eq!(value(&log, "sock_register"), "0");
    k.delete_module("fsnet", 0).unwrap();
}

//! Networking registrations from a real module (tests/modules/nltest):
//! kernel netlink sockets (net/netlink/af_netlink.c), sock_diag handlers,
//! tc classifiers and ematches, tcf_idrinfo_destroy, netfilter sockopts,
//! xfrm afinfo/types/key managers/protocol handlers, net sysctls and
//! /proc/net entries — values and errno as Linux 6.1 gives them, views,
//! and that exit (or a failed init) leaves nothing registered.

mod common;

use common::{kernel, log_since, test_module};
use kabi::net::netlink::af_netlink::{kernel_sockets, registered};

const UNIT: i32 = 25;

fn field(log: &[String], key: &str) -> i64 {
    let l = log
        .iter()
        .find(|l| l.contains(&format!(" {key}")))
        .unwrap_or_else(|| panic!("no {key} in {log:#?}"));
    let v = l
        .split(&format!(" {key}"))
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    v.trim().parse().unwrap_or_else(|_| panic!("{key}{v}"))
}

/// Everything the module registers is gone.
fn assert_clean(k: &kernel::Kernel) {
    assert!(!kernel_sockets()
        .iter()
        .any(|s| s.1 == UNIT || s.1 == UNIT + 1));
    assert_eq!(registered(UNIT), 0);
    assert!(kabi::net::core::sock_diag::families().is_empty());
    assert!(!kabi::net::sched::cls_api::kinds().contains(&"nltest".to_string()));
    assert!(!kabi::net::sched::ematch::kinds().contains(&200));
    assert!(kabi::net::netfilter::nf_sockopt::sockopts().is_empty());
    assert_eq!(kabi::net::xfrm::xfrm_input::input_afinfo(true, 2), None);
    assert_eq!(kabi::net::xfrm::xfrm_state::xfrm_type(2, 108), None);
    assert!(kabi::net::xfrm::xfrm_state::key_managers().is_empty());
    assert!(kabi::net::ipv4::xfrm4_protocol::xfrm4_handlers(108).is_empty());
    assert!(kabi::net::ipv6::xfrm6_protocol::xfrm6_handlers(50).is_empty());
    // the inet_protos entries added for the first handler went with the last
    assert_eq!(kabi::net::ipv4::protocol::inet_protocol(108), None);
    assert!(k.read_view("/proc/sys/net/nltest/value").is_err());
    assert!(kabi::net::core::rtnetlink::msg_handlers().is_empty());
    assert!(kabi::net::core::rtnetlink::af_ops().is_empty());
    assert_eq!(
        k.read_view("/proc/sys/net/ipv4/tcp_available_ulp").unwrap(),
        b"mptcp\n"
    );
    let nf_log = String::from_utf8(k.read_view("/proc/net/netfilter/nf_log").unwrap()).unwrap();
    assert!(nf_log.lines().all(|l| l.ends_with(" NONE ()")), "{nf_log}");
    assert_eq!(kabi::net::ipv4::protocol::inet_offload(132), 0);
    assert_eq!(kabi::net::ipv6::protocol::inet6_offload(132), 0);
    assert_ne!(
        kabi::net::ipv4::protocol::inet_offload(6),
        0,
        "built-in TCP offload"
    );
    assert!(k.read_view("/proc/net/nltest_data").is_err());
    assert!(k.read_view("/proc/net/nltest_single").is_err());
}

#[test]
fn netlink_and_net_registrations() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("nltest") else {
        return;
    };
    // Debian's built-in kernel sockets exist from boot.
    let units: Vec<i32> = kernel_sockets()
        .iter()
        .filter(|s| s.2)
        .map(|s| s.1)
        .collect();
    assert_eq!(units, [0, 4, 7, 9, 10, 11, 15, 16]);
    assert_eq!(
        registered(2),
        1,
        "NETLINK_USERSOCK is registered without a socket"
    );

    let seq = kabi::log::next_seq();
    k.finit_module(&image, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    for key in [
        "bad_unit=",
        "neg_unit=",
        "route_taken=",
        "generic_taken=",
        "rtnl_is_route=",
        "dup=",
    ] {
        assert_eq!(field(&log, key), 1, "{key} {log:#?}");
    }
    // the struct sock callers read
    assert_eq!(field(&log, "protocol="), UNIT as i64);
    assert_eq!(field(&log, "family="), 16); // PF_NETLINK
    assert_eq!(field(&log, "type="), 2); // SOCK_DGRAM
    for key in [
        "net_ok=",
        "socket_ok=",
        "sndtimeo_max=",
        "queue_empty=",
        "second_unit=",
    ] {
        assert_eq!(field(&log, key), 1, "{key} {log:#?}");
    }
    assert_eq!(field(&log, "rcvbuf="), 212992);
    assert_eq!(field(&log, "listeners="), 0);
    assert_eq!(registered(UNIT), 1);
    assert_eq!(registered(UNIT + 1), 0, "released again");
    // sock_diag: -EBUSY for a taken family, -EINVAL at AF_MAX
    assert_eq!(field(&log, "diag="), 0);
    assert_eq!(field(&log, "diag_busy="), -16);
    assert_eq!(field(&log, "diag_bad="), -22);
    assert_eq!(kabi::net::core::sock_diag::families(), [12]);
    // classifiers and ematches
    assert_eq!(field(&log, "cls="), 0);
    assert_eq!(field(&log, "cls_same="), -17);
    assert_eq!(field(&log, "em="), 0);
    assert_eq!(field(&log, "em_same="), -17);
    assert_eq!(field(&log, "em_nomatch="), -22);
    assert!(kabi::net::sched::cls_api::kinds().contains(&"nltest".to_string()));
    assert_eq!(field(&log, "idr_destroyed="), 1);
    // netfilter sockopts: an overlapping range of the same family is busy
    assert_eq!(field(&log, "sockopt="), 0);
    assert_eq!(field(&log, "sockopt_overlap="), -16);
    assert_eq!(field(&log, "sockopt_other_pf="), 0);
    assert_eq!(kabi::net::netfilter::nf_sockopt::sockopts().len(), 2);
    // xfrm
    assert_eq!(field(&log, "afinfo="), 0);
    assert_eq!(field(&log, "afinfo_builtin="), -17);
    assert_eq!(field(&log, "xtype="), 0);
    assert_eq!(field(&log, "xtype_family="), -97);
    assert_eq!(field(&log, "xtype_bad="), -93);
    assert!(log
        .iter()
        .any(|l| l.contains("WARNING: at net/xfrm/xfrm_state.c:239 xfrm_register_type")));
    assert!(kabi::net::xfrm::xfrm_state::xfrm_type(2, 108).is_some());
    assert_eq!(kabi::net::xfrm::xfrm_state::key_managers().len(), 1);
    assert_eq!(field(&log, "x4_lo="), 0);
    assert_eq!(field(&log, "x4_hi="), 0);
    assert_eq!(field(&log, "x4_dup="), -17);
    assert_eq!(field(&log, "x4_bad="), -22);
    assert_eq!(field(&log, "x4_order="), 1);
    assert_eq!(field(&log, "x6="), 0);
    assert_eq!(
        kabi::net::ipv4::xfrm4_protocol::xfrm4_handlers(108).len(),
        2
    );
    assert!(
        kabi::net::ipv4::protocol::inet_protocol(108).is_some(),
        "IPComp in inet_protos"
    );
    // net sysctl and /proc/net
    assert_eq!(field(&log, "sysctl="), 1);
    assert_eq!(field(&log, "sysctl_dup="), 1);
    assert_eq!(
        k.read_view("/proc/sys/net/nltest/value").unwrap(),
        b"4242\n"
    );
    assert_eq!(field(&log, "proc_data="), 1);
    assert_eq!(field(&log, "proc_single="), 1);
    assert_eq!(field(&log, "proc_dup="), 1);
    assert!(k
        .list_view("/proc/net")
        .unwrap()
        .contains(&"nltest_data".to_string()));
    assert_eq!(field(&log, "udp_tunnel_nic_ops_null="), 1);
    assert!(!log.iter().any(|l| l.contains("RTNL: assertion failed")));
    // rtnetlink handlers, af ops, address notifiers, ipv6_mod_enabled
    assert_eq!(field(&log, "rtnl_reg="), 0);
    assert_eq!(field(&log, "rtnl_unreg_none="), -2);
    assert!(kabi::net::core::rtnetlink::msg_handlers().contains(&(100, 16)));
    assert_eq!(kabi::net::core::rtnetlink::af_ops().len(), 1);
    assert_eq!(field(&log, "inetaddr="), 0);
    assert_eq!(field(&log, "inet6addr="), 0);
    assert_eq!(field(&log, "ipv6_enabled="), 1);
    // TCP ULPs: mptcp is built in
    assert_eq!(field(&log, "ulp="), 0);
    assert_eq!(field(&log, "ulp_mptcp="), -17);
    assert_eq!(
        k.read_view("/proc/sys/net/ipv4/tcp_available_ulp").unwrap(),
        b"mptcp nltest\n"
    );
    // packet loggers and /proc/net/netfilter/nf_log
    assert_eq!(field(&log, "nflog="), 0);
    assert_eq!(field(&log, "nflog_same="), -17);
    assert_eq!(field(&log, "nflog_bad="), -22);
    assert_eq!(field(&log, "nflog_set="), 0);
    assert_eq!(field(&log, "nflog_set_unspec="), -95);
    let nf_log = String::from_utf8(k.read_view("/proc/net/netfilter/nf_log").unwrap()).unwrap();
    assert_eq!(nf_log.lines().count(), 11, "{nf_log}"); // NFPROTO_NUMPROTO
    assert_eq!(nf_log.lines().next().unwrap(), " 0 NONE ()");
    assert_eq!(nf_log.lines().nth(2).unwrap(), " 2 nltest_log (nltest_log)");
    // offloads: TCP is built in; the array is the module-visible data
    assert_eq!(field(&log, "offload_tcp="), -1);
    assert_eq!(field(&log, "offload="), 0);
    assert_eq!(field(&log, "offload_read="), 1);
    assert_eq!(field(&log, "offload6="), 0);
    // no xfrm states in the host
    assert_eq!(field(&log, "state_flush="), -3);

    let seq = kabi::log::next_seq();
    k.delete_module("nltest", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert_eq!(field(&log, "x6_dereg="), 0);
    assert_eq!(field(&log, "x4_dereg_hi="), 0);
    assert_eq!(field(&log, "x4_dereg_lo="), 0);
    // Not on the list (-ENOENT), and the list being empty 6.1 removes the
    // protocol from inet_protos again, which fails: -EAGAIN.
    assert_eq!(field(&log, "x4_dereg_again="), -11);
    assert!(log
        .iter()
        .any(|l| l.contains("xfrm4_protocol_deregister: can't remove protocol")));
    assert_eq!(field(&log, "afinfo_unreg_other="), -22);
    assert_eq!(field(&log, "afinfo_unreg="), 0);
    assert!(
        log.iter().any(|l| l.contains("nltest: exit done")),
        "{log:#?}"
    );
    assert_clean(k);

    // A unit can be created again once released.
    k.finit_module(&image, "", 0).unwrap();
    assert_eq!(registered(UNIT), 1);
    k.delete_module("nltest", 0).unwrap();
    assert_clean(k);
}

#[test]
fn failed_init_leaves_no_kernel_socket() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("nltest") else {
        return;
    };
    let seq = kabi::log::next_seq();
    let r = k.finit_module(&image, "leak=1", 0);
    assert!(r.is_err(), "{:#?}", log_since(seq));
    // The socket the module left is released with its memory.
    assert!(!kernel_sockets().iter().any(|s| s.1 == UNIT));
    assert_eq!(registered(UNIT), 0);
    assert_eq!(kernel_sockets().len(), 8, "the built-ins stay");
}

// SPDX-License-Identifier: GPL-2.0
/* Networking registrations of the host kernel: kernel netlink sockets
 * (units, duplicates, release), sock_diag handlers, tc classifiers and
 * ematches, tcf_idrinfo_destroy on an empty IDR, netfilter sockopt
 * ranges, xfrm input afinfo / types / key managers / xfrm4+6 protocol
 * handlers, net sysctls and /proc/net entries. Results are printed as
 * key=value; with leak=1 init fails after creating a kernel socket
 * (the host must release it when the module memory goes). */
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/netfilter.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <linux/rtnetlink.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/pkt_cls.h>
#include <net/act_api.h>
#include <net/xfrm.h>
#include <net/udp_tunnel.h>
#include <net/protocol.h>
#include <net/tcp.h>
#include <net/ipv6.h>
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_log.h>

static int leak;
module_param(leak, int, 0444);

#define NLT_UNIT 25 /* no kernel socket on Linux either */

static void nlt_input(struct sk_buff *skb) { }
static int nlt_bind(struct net *net, int group) { return 0; }

static struct sock *nlt_sk;

/* sock_diag: family AF_DECnet (12) has no handler in Debian 6.1 */
static int nlt_diag_dump(struct sk_buff *skb, struct nlmsghdr *nlh) { return 0; }
static const struct sock_diag_handler nlt_diag = { .family = 12, .dump = nlt_diag_dump };
static const struct sock_diag_handler nlt_diag_same = { .family = 12, .dump = nlt_diag_dump };
static const struct sock_diag_handler nlt_diag_bad = { .family = AF_MAX, .dump = nlt_diag_dump };

/* tc classifier and ematch */
static int nlt_classify(struct sk_buff *skb, const struct tcf_proto *tp, struct tcf_result *res) { return -1; }
static struct tcf_proto_ops nlt_cls = { .kind = "nltest", .classify = nlt_classify, .owner = THIS_MODULE };
static struct tcf_proto_ops nlt_cls_same = { .kind = "nltest", .classify = nlt_classify, .owner = THIS_MODULE };
static int nlt_em_match(struct sk_buff *skb, struct tcf_ematch *m, struct tcf_pkt_info *i) { return 1; }
static struct tcf_ematch_ops nlt_em = { .kind = 200, .match = nlt_em_match, .owner = THIS_MODULE };
static struct tcf_ematch_ops nlt_em_same = { .kind = 200, .match = nlt_em_match, .owner = THIS_MODULE };
static struct tcf_ematch_ops nlt_em_nomatch = { .kind = 201, .owner = THIS_MODULE };

/* netfilter sockopts: PF_INET ranges [96, 100) set, [96, 100) get */
static struct nf_sockopt_ops nlt_sockopt = { .pf = PF_INET, .set_optmin = 96, .set_optmax = 100,
	.get_optmin = 96, .get_optmax = 100, .owner = THIS_MODULE };
static struct nf_sockopt_ops nlt_sockopt_overlap = { .pf = PF_INET, .set_optmin = 99, .set_optmax = 101,
	.owner = THIS_MODULE };
static struct nf_sockopt_ops nlt_sockopt_other_pf = { .pf = PF_INET6, .set_optmin = 96, .set_optmax = 100,
	.owner = THIS_MODULE };

/* xfrm */
static int nlt_xfrm_cb(struct sk_buff *skb, u8 protocol, int err) { return 0; }
static const struct xfrm_input_afinfo nlt_afinfo = { .family = AF_INET, .is_ipip = true, .callback = nlt_xfrm_cb };
static const struct xfrm_input_afinfo nlt_afinfo_builtin = { .family = AF_INET, .is_ipip = false, .callback = nlt_xfrm_cb };
static const struct xfrm_type nlt_type = { .owner = THIS_MODULE, .proto = IPPROTO_COMP };
static const struct xfrm_type nlt_type_bad = { .owner = THIS_MODULE, .proto = IPPROTO_UDP };
static int nlt_km_notify(struct xfrm_state *x, const struct km_event *c) { return 0; }
static struct xfrm_mgr nlt_km = { .notify = nlt_km_notify };
static int nlt_x4_handler(struct sk_buff *skb) { return 0; }
static struct xfrm4_protocol nlt_x4_hi = { .handler = nlt_x4_handler, .priority = 10 };
static struct xfrm4_protocol nlt_x4_lo = { .handler = nlt_x4_handler, .priority = 0 };
static struct xfrm4_protocol nlt_x4_dup = { .handler = nlt_x4_handler, .priority = 10 };
static int nlt_x6_handler(struct sk_buff *skb) { return 0; }
static struct xfrm6_protocol nlt_x6 = { .handler = nlt_x6_handler, .priority = 0 };

/* net sysctl and /proc/net */
static int nlt_value = 4242;
static struct ctl_table nlt_table[] = {
	{ .procname = "value", .data = &nlt_value, .maxlen = sizeof(int), .mode = 0644, .proc_handler = proc_dointvec },
	{ }
};
static struct ctl_table_header *nlt_hdr;
static int nlt_show(struct seq_file *m, void *v) { seq_puts(m, "nltest\n"); return 0; }
static void *nlt_start(struct seq_file *m, loff_t *pos) { return NULL; }
static void *nlt_next(struct seq_file *m, void *v, loff_t *pos) { return NULL; }
static void nlt_stop(struct seq_file *m, void *v) { }
static const struct seq_operations nlt_seq = { .start = nlt_start, .next = nlt_next, .stop = nlt_stop, .show = nlt_show };
static struct tcf_idrinfo nlt_idrinfo;

/* rtnetlink handlers and af ops, address notifiers, a TCP ULP, a packet
 * logger, an offload */
static int nlt_doit(struct sk_buff *skb, struct nlmsghdr *nlh, struct netlink_ext_ack *e) { return 0; }
static struct rtnl_af_ops nlt_af_ops = { .family = 199 };
static int nlt_event(struct notifier_block *nb, unsigned long ev, void *p) { return NOTIFY_DONE; }
static struct notifier_block nlt_inetaddr_nb = { .notifier_call = nlt_event };
static struct notifier_block nlt_inet6addr_nb = { .notifier_call = nlt_event };
static int nlt_ulp_init(struct sock *sk) { return 0; }
static struct tcp_ulp_ops nlt_ulp = { .name = "nltest", .init = nlt_ulp_init, .owner = THIS_MODULE };
static struct tcp_ulp_ops nlt_ulp_mptcp = { .name = "mptcp", .init = nlt_ulp_init, .owner = THIS_MODULE };
static struct nf_logger nlt_logger = { .name = "nltest_log", .type = NF_LOG_TYPE_LOG, .me = THIS_MODULE };
static struct nf_logger nlt_logger2 = { .name = "nltest_log2", .type = NF_LOG_TYPE_LOG, .me = THIS_MODULE };
static const struct net_offload nlt_offload;
static const struct net_offload nlt_offload6;

static int __init nlt_init(void)
{
	struct netlink_kernel_cfg cfg = { .groups = 40, .input = nlt_input, .bind = nlt_bind };
	struct sock *sk;
	LIST_HEAD(empty);

	pr_info("nltest: bad_unit=%d\n", netlink_kernel_create(&init_net, MAX_LINKS, &cfg) == NULL);
	pr_info("nltest: neg_unit=%d\n", netlink_kernel_create(&init_net, -1, &cfg) == NULL);
	pr_info("nltest: route_taken=%d\n", netlink_kernel_create(&init_net, NETLINK_ROUTE, NULL) == NULL);
	pr_info("nltest: generic_taken=%d\n", netlink_kernel_create(&init_net, NETLINK_GENERIC, NULL) == NULL);
	pr_info("nltest: rtnl_is_route=%d\n", init_net.rtnl && init_net.rtnl->sk_protocol == NETLINK_ROUTE);
	nlt_sk = netlink_kernel_create(&init_net, NLT_UNIT, &cfg);
	if (!nlt_sk) {
		pr_info("nltest: create=NULL\n");
		return -ENOMEM;
	}
	pr_info("nltest: create=ok protocol=%u family=%u type=%u net_ok=%d socket_ok=%d rcvbuf=%d sndtimeo_max=%d queue_empty=%d\n",
		nlt_sk->sk_protocol, nlt_sk->sk_family, nlt_sk->sk_type, net_eq(sock_net(nlt_sk), &init_net),
		nlt_sk->sk_socket && nlt_sk->sk_socket->sk == nlt_sk, nlt_sk->sk_rcvbuf,
		nlt_sk->sk_sndtimeo == MAX_SCHEDULE_TIMEOUT, skb_queue_empty(&nlt_sk->sk_receive_queue));
	pr_info("nltest: dup=%d\n", netlink_kernel_create(&init_net, NLT_UNIT, &cfg) == NULL);
	pr_info("nltest: listeners=%d\n", netlink_has_listeners(nlt_sk, 1));
	if (leak)
		return -EINVAL; /* the kernel socket stays: the host must release it */
	sk = netlink_kernel_create(&init_net, NLT_UNIT + 1, NULL);
	pr_info("nltest: second_unit=%d\n", sk != NULL);
	netlink_kernel_release(sk);
	netlink_kernel_release(NULL);

	pr_info("nltest: diag=%d\n", sock_diag_register(&nlt_diag));
	pr_info("nltest: diag_busy=%d\n", sock_diag_register(&nlt_diag_same));
	pr_info("nltest: diag_bad=%d\n", sock_diag_register(&nlt_diag_bad));

	pr_info("nltest: cls=%d\n", register_tcf_proto_ops(&nlt_cls));
	pr_info("nltest: cls_same=%d\n", register_tcf_proto_ops(&nlt_cls_same));
	pr_info("nltest: em=%d\n", tcf_em_register(&nlt_em));
	pr_info("nltest: em_same=%d\n", tcf_em_register(&nlt_em_same));
	pr_info("nltest: em_nomatch=%d\n", tcf_em_register(&nlt_em_nomatch));
	idr_init(&nlt_idrinfo.action_idr);
	tcf_idrinfo_destroy(NULL, &nlt_idrinfo);
	pr_info("nltest: idr_destroyed=%d\n", idr_is_empty(&nlt_idrinfo.action_idr));

	pr_info("nltest: sockopt=%d\n", nf_register_sockopt(&nlt_sockopt));
	pr_info("nltest: sockopt_overlap=%d\n", nf_register_sockopt(&nlt_sockopt_overlap));
	pr_info("nltest: sockopt_other_pf=%d\n", nf_register_sockopt(&nlt_sockopt_other_pf));

	pr_info("nltest: afinfo=%d\n", xfrm_input_register_afinfo(&nlt_afinfo));
	pr_info("nltest: afinfo_builtin=%d\n", xfrm_input_register_afinfo(&nlt_afinfo_builtin));
	pr_info("nltest: xtype=%d\n", xfrm_register_type(&nlt_type, AF_INET));
	pr_info("nltest: xtype_family=%d\n", xfrm_register_type(&nlt_type, AF_PACKET));
	pr_info("nltest: xtype_bad=%d\n", xfrm_register_type(&nlt_type_bad, AF_INET));
	xfrm_register_km(&nlt_km);
	pr_info("nltest: x4_lo=%d\n", xfrm4_protocol_register(&nlt_x4_lo, IPPROTO_COMP));
	pr_info("nltest: x4_hi=%d\n", xfrm4_protocol_register(&nlt_x4_hi, IPPROTO_COMP));
	pr_info("nltest: x4_dup=%d\n", xfrm4_protocol_register(&nlt_x4_dup, IPPROTO_COMP));
	pr_info("nltest: x4_bad=%d\n", xfrm4_protocol_register(&nlt_x4_dup, IPPROTO_UDP));
	pr_info("nltest: x4_order=%d\n", nlt_x4_hi.next == &nlt_x4_lo && nlt_x4_lo.next == NULL);
	pr_info("nltest: x6=%d\n", xfrm6_protocol_register(&nlt_x6, IPPROTO_ESP));

	nlt_hdr = register_net_sysctl(&init_net, "net/nltest", nlt_table);
	pr_info("nltest: sysctl=%d\n", nlt_hdr != NULL);
	pr_info("nltest: sysctl_dup=%d\n", register_net_sysctl(&init_net, "net/nltest", nlt_table) == NULL);
	pr_info("nltest: proc_data=%d\n", proc_create_net_data("nltest_data", 0444, init_net.proc_net, &nlt_seq,
							  sizeof(struct seq_net_private), NULL) != NULL);
	pr_info("nltest: proc_single=%d\n", proc_create_net_single("nltest_single", 0444, init_net.proc_net, nlt_show, NULL) != NULL);
	pr_info("nltest: proc_dup=%d\n", proc_create_net_single("nltest_single", 0444, init_net.proc_net, nlt_show, NULL) == NULL);
	pr_info("nltest: udp_tunnel_nic_ops_null=%d\n", udp_tunnel_nic_ops == NULL);
	rtnl_lock();
	unregister_netdevice_many(&empty);
	rtnl_unlock();

	pr_info("nltest: rtnl_reg=%d\n", rtnl_register_module(THIS_MODULE, 100, RTM_NEWLINK, nlt_doit, NULL, 0));
	pr_info("nltest: rtnl_unreg_none=%d\n", rtnl_unregister(101, RTM_NEWLINK));
	rtnl_af_register(&nlt_af_ops);
	pr_info("nltest: inetaddr=%d\n", register_inetaddr_notifier(&nlt_inetaddr_nb));
	pr_info("nltest: inet6addr=%d\n", register_inet6addr_notifier(&nlt_inet6addr_nb));
	pr_info("nltest: ipv6_enabled=%d\n", ipv6_mod_enabled());
	genl_lock();
	genl_unlock();
	pr_info("nltest: ulp=%d\n", tcp_register_ulp(&nlt_ulp));
	pr_info("nltest: ulp_mptcp=%d\n", tcp_register_ulp(&nlt_ulp_mptcp));
	pr_info("nltest: nflog=%d\n", nf_log_register(NFPROTO_IPV4, &nlt_logger));
	pr_info("nltest: nflog_same=%d\n", nf_log_register(NFPROTO_IPV4, &nlt_logger2));
	pr_info("nltest: nflog_bad=%d\n", nf_log_register(NFPROTO_NUMPROTO, &nlt_logger2));
	pr_info("nltest: nflog_set=%d\n", nf_log_set(&init_net, NFPROTO_IPV4, &nlt_logger));
	pr_info("nltest: nflog_set_unspec=%d\n", nf_log_set(&init_net, NFPROTO_UNSPEC, &nlt_logger));
	pr_info("nltest: offload_tcp=%d\n", inet_add_offload(&nlt_offload, IPPROTO_TCP));
	pr_info("nltest: offload=%d\n", inet_add_offload(&nlt_offload, IPPROTO_SCTP));
	pr_info("nltest: offload_read=%d\n", rcu_access_pointer(inet_offloads[IPPROTO_SCTP]) == &nlt_offload);
	pr_info("nltest: offload6=%d\n", inet6_add_offload(&nlt_offload6, IPPROTO_SCTP));
	pr_info("nltest: state_flush=%d\n", xfrm_state_flush(&init_net, IPSEC_PROTO_ANY, false));
	return 0;
}

static void __exit nlt_exit(void)
{
	pr_info("nltest: offload6_del=%d\n", inet6_del_offload(&nlt_offload6, IPPROTO_SCTP));
	pr_info("nltest: offload_del=%d\n", inet_del_offload(&nlt_offload, IPPROTO_SCTP));
	pr_info("nltest: offload_del_again=%d\n", inet_del_offload(&nlt_offload, IPPROTO_SCTP));
	nf_log_unset(&init_net, &nlt_logger);
	nf_log_unregister(&nlt_logger);
	tcp_unregister_ulp(&nlt_ulp);
	pr_info("nltest: inet6addr_unreg=%d\n", unregister_inet6addr_notifier(&nlt_inet6addr_nb));
	pr_info("nltest: inetaddr_unreg=%d\n", unregister_inetaddr_notifier(&nlt_inetaddr_nb));
	rtnl_af_unregister(&nlt_af_ops);
	rtnl_unregister_all(100);
	remove_proc_entry("nltest_single", init_net.proc_net);
	remove_proc_entry("nltest_data", init_net.proc_net);
	unregister_net_sysctl_table(nlt_hdr);
	pr_info("nltest: x6_dereg=%d\n", xfrm6_protocol_deregister(&nlt_x6, IPPROTO_ESP));
	pr_info("nltest: x4_dereg_hi=%d\n", xfrm4_protocol_deregister(&nlt_x4_hi, IPPROTO_COMP));
	pr_info("nltest: x4_dereg_lo=%d\n", xfrm4_protocol_deregister(&nlt_x4_lo, IPPROTO_COMP));
	pr_info("nltest: x4_dereg_again=%d\n", xfrm4_protocol_deregister(&nlt_x4_lo, IPPROTO_COMP));
	xfrm_unregister_km(&nlt_km);
	xfrm_unregister_type(&nlt_type, AF_INET);
	pr_info("nltest: afinfo_unreg_other=%d\n", xfrm_input_unregister_afinfo(&nlt_afinfo_builtin));
	pr_info("nltest: afinfo_unreg=%d\n", xfrm_input_unregister_afinfo(&nlt_afinfo));
	nf_unregister_sockopt(&nlt_sockopt_other_pf);
	nf_unregister_sockopt(&nlt_sockopt);
	tcf_em_unregister(&nlt_em);
	unregister_tcf_proto_ops(&nlt_cls);
	sock_diag_unregister(&nlt_diag);
	netlink_kernel_release(nlt_sk);
	pr_info("nltest: exit done\n");
}
module_init(nlt_init);
module_exit(nlt_exit);
MODULE_LICENSE("GPL");

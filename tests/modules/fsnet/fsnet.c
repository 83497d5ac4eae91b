// SPDX-License-Identifier: GPL-2.0
/*
 * fsnet: exercises the host's fs/ and net/ registrations with Linux 6.1's
 * semantics: filesystems, debugfs, procfs, nls, pernet operations,
 * address families, link types, netdevice notifiers, packet handlers.
 * Every result is logged as "fsnet: <what>=<value>" for the test to check.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/debugfs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/nls.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <net/protocol.h>
#include <net/tcp.h>
#include <net/sch_generic.h>
#include <net/pkt_sched.h>
#include <linux/connector.h>
#include <linux/blkdev.h>
#include <net/act_api.h>

static struct dentry *fsnet_dir;
static u32 fsnet_u32 = 12345;
static u32 fsnet_x32 = 0xbeef;
static bool fsnet_bool = true;
static u8 fsnet_u8 = 7;
static atomic_t fsnet_atomic = ATOMIC_INIT(-3);
static char fsnet_blob_data[] = "blob!";
static struct debugfs_blob_wrapper fsnet_blob = { .data = fsnet_blob_data, .size = 5 };

static int fsnet_show(struct seq_file *m, void *v)
{
	seq_puts(m, "fsnet\n");
	return 0;
}

static int fsnet_open(struct inode *inode, struct file *file)
{
	return single_open(file, fsnet_show, NULL);
}

static const struct file_operations fsnet_fops = {
	.owner = THIS_MODULE,
	.open = fsnet_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct proc_ops fsnet_proc_ops = {
	.proc_open = fsnet_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static struct dentry *fsnet_mount(struct file_system_type *t, int flags, const char *dev, void *data)
{
	return ERR_PTR(-ENODEV);
}

static struct file_system_type fsnet_fs = {
	.owner = THIS_MODULE,
	.name = "fsnetfs",
	.mount = fsnet_mount,
	.kill_sb = kill_anon_super,
	.fs_flags = FS_REQUIRES_DEV,
};
static struct file_system_type fsnet_fs_dup = {
	.owner = THIS_MODULE,
	.name = "fsnetfs",
	.mount = fsnet_mount,
	.kill_sb = kill_anon_super,
};
static struct file_system_type fsnet_fs_tmpfs = {
	.owner = THIS_MODULE,
	.name = "tmpfs",
	.mount = fsnet_mount,
	.kill_sb = kill_anon_super,
};

struct fsnet_net {
	u32 magic;
	struct net *net;
};
static unsigned int fsnet_net_id;

/*
 * net_generic() without its rcu_read_lock()/unlock() pair (the RCU read
 * side is another part of the host): the same load of net->gen->ptr[id].
 */
static void *fsnet_generic(const struct net *net, unsigned int id)
{
	struct net_generic *ng = rcu_dereference_protected(net->gen, 1);

	return ng->ptr[id];
}
static int fsnet_init_calls, fsnet_exit_calls;

static int __net_init fsnet_net_init(struct net *net)
{
	struct fsnet_net *fn = fsnet_generic(net, fsnet_net_id);

	fsnet_init_calls++;
	pr_info("fsnet: pernet_init net_is_init_net=%d gen_nonnull=%d gen_zeroed=%d id_ok=%d\n",
		net == &init_net, fn != NULL, fn && fn->magic == 0 && fn->net == NULL, fsnet_net_id >= 3);
	if (fn) {
		fn->magic = 0xf5e7;
		fn->net = net;
	}
	return 0;
}

static void __net_exit fsnet_net_exit(struct net *net)
{
	struct fsnet_net *fn = fsnet_generic(net, fsnet_net_id);

	fsnet_exit_calls++;
	pr_info("fsnet: pernet_exit net_is_init_net=%d magic=%#x\n", net == &init_net, fn ? fn->magic : 0);
}

static struct pernet_operations fsnet_net_ops = {
	.init = fsnet_net_init,
	.exit = fsnet_net_exit,
	.id = &fsnet_net_id,
	.size = sizeof(struct fsnet_net),
};

static int fsnet_bad_init(struct net *net)
{
	return -ENOMEM;
}
static unsigned int fsnet_bad_id;
static struct pernet_operations fsnet_bad_ops = {
	.init = fsnet_bad_init,
	.id = &fsnet_bad_id,
	.size = 16,
};

static int fsnet_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	return -EAFNOSUPPORT;
}
static const struct net_proto_family fsnet_family = {
	.family = PF_KCM,
	.create = fsnet_create,
	.owner = THIS_MODULE,
};
static const struct net_proto_family fsnet_family_inet = {
	.family = PF_INET,
	.create = fsnet_create,
	.owner = THIS_MODULE,
};

static struct rtnl_link_ops fsnet_link_ops = {
	.kind = "fsnetlink",
};
static struct rtnl_link_ops fsnet_link_dup = {
	.kind = "fsnetlink",
};

static int fsnet_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	pr_info("fsnet: netdev_event %lu\n", event);
	return NOTIFY_DONE;
}
static struct notifier_block fsnet_nb = { .notifier_call = fsnet_netdev_event };

static int fsnet_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt, struct net_device *orig)
{
	return 0;
}
static struct packet_type fsnet_ptype = {
	.type = cpu_to_be16(0x88b5),
	.func = fsnet_rcv,
};

static int fsnet_uni2char(wchar_t uni, unsigned char *out, int boundlen)
{
	return -EINVAL;
}
static int fsnet_char2uni(const unsigned char *rawstring, int boundlen, wchar_t *uni)
{
	return -EINVAL;
}
static unsigned char fsnet_case[256];
static struct nls_table fsnet_nls = {
	.charset = "fsnet",
	.uni2char = fsnet_uni2char,
	.char2uni = fsnet_char2uni,
	.charset2lower = fsnet_case,
	.charset2upper = fsnet_case,
};

static struct proc_dir_entry *fsnet_proc_dir;

static int fsnet_proto_rcv(struct sk_buff *skb)
{
	return 0;
}
static const struct net_protocol fsnet_protocol = {
	.handler = fsnet_proto_rcv,
};

static int fsnet_proto6_rcv(struct sk_buff *skb)
{
	return 0;
}
static const struct inet6_protocol fsnet_protocol6 = {
	.handler = fsnet_proto6_rcv,
};

static u32 fsnet_ssthresh(struct sock *sk)
{
	return 2;
}
static void fsnet_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
}
static u32 fsnet_undo_cwnd(struct sock *sk)
{
	return 2;
}
static struct tcp_congestion_ops fsnet_cc = {
	.ssthresh = fsnet_ssthresh,
	.cong_avoid = fsnet_cong_avoid,
	.undo_cwnd = fsnet_undo_cwnd,
	.name = "fsnetcc",
	.owner = THIS_MODULE,
};
static struct tcp_congestion_ops fsnet_cc_bad = {
	.ssthresh = fsnet_ssthresh,
	.name = "fsnetbad",
	.owner = THIS_MODULE,
};

static struct Qdisc_ops fsnet_qdisc = {
	.id = "fsnetq",
	.owner = THIS_MODULE,
};

static struct cb_id fsnet_cb_id = { .idx = 0x777, .val = 1 };
static struct cb_id fsnet_cb_proc = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC };
static void fsnet_cn(struct cn_msg *msg, struct netlink_skb_parms *nsp)
{
}

static int fsnet_act(struct sk_buff *skb, const struct tc_action *a, struct tcf_result *res)
{
	return 0;
}
static int fsnet_act_dump(struct sk_buff *skb, struct tc_action *a, int bind, int ref)
{
	return 0;
}
static int fsnet_act_init(struct net *net, struct nlattr *nla, struct nlattr *est, struct tc_action **a,
			  struct tcf_proto *tp, u32 flags, struct netlink_ext_ack *extack)
{
	return -EINVAL;
}
static struct tc_action_ops fsnet_action = {
	.kind = "fsnetact",
	.id = 1000,
	.owner = THIS_MODULE,
	.act = fsnet_act,
	.dump = fsnet_act_dump,
	.init = fsnet_act_init,
};
static struct tc_action_ops fsnet_action_dup = {
	.kind = "fsnetact",
	.id = 1001,
	.owner = THIS_MODULE,
	.act = fsnet_act,
	.dump = fsnet_act_dump,
	.init = fsnet_act_init,
};
static struct tc_action_ops fsnet_action_bad = {
	.kind = "fsnetbad",
	.id = 1002,
};
static int fsnet_act_net_calls;
static int fsnet_act_net_init(struct net *net)
{
	fsnet_act_net_calls++;
	return 0;
}
static struct pernet_operations fsnet_act_net = { .init = fsnet_act_net_init };
static struct pernet_operations fsnet_act_net_dup = { .init = fsnet_act_net_init };
static int fsnet_blk_major;

static struct proto fsnet_proto = {
	.name = "FSNET",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct sock),
};

static int __init fsnet_init(void)
{
	struct dentry *d;
	int r;

	pr_info("fsnet: register_filesystem=%d\n", register_filesystem(&fsnet_fs));
	pr_info("fsnet: register_filesystem_again=%d\n", register_filesystem(&fsnet_fs));
	pr_info("fsnet: register_filesystem_dup_name=%d\n", register_filesystem(&fsnet_fs_dup));
	pr_info("fsnet: register_filesystem_tmpfs=%d\n", register_filesystem(&fsnet_fs_tmpfs));

	pr_info("fsnet: debugfs_initialized=%d\n", debugfs_initialized());
	fsnet_dir = debugfs_create_dir("fsnet", NULL);
	pr_info("fsnet: debugfs_create_dir_err=%d\n", IS_ERR_OR_NULL(fsnet_dir));
	d = debugfs_create_dir("fsnet", NULL);
	pr_info("fsnet: debugfs_create_dir_dup=%ld\n", PTR_ERR(d));
	d = debugfs_create_dir("x86", NULL);
	pr_info("fsnet: debugfs_create_dir_builtin=%ld\n", PTR_ERR(d));
	debugfs_create_u32("value", 0644, fsnet_dir, &fsnet_u32);
	debugfs_create_x32("hex", 0444, fsnet_dir, &fsnet_x32);
	debugfs_create_bool("flag", 0444, fsnet_dir, &fsnet_bool);
	debugfs_create_u8("small", 0444, fsnet_dir, &fsnet_u8);
	debugfs_create_atomic_t("atomic", 0444, fsnet_dir, &fsnet_atomic);
	debugfs_create_blob("blob", 0444, fsnet_dir, &fsnet_blob);
	d = debugfs_create_file("state", 0444, fsnet_dir, NULL, &fsnet_fops);
	pr_info("fsnet: debugfs_create_file_err=%d\n", IS_ERR_OR_NULL(d));
	d = debugfs_create_file("bad/name", 0444, fsnet_dir, NULL, &fsnet_fops);
	pr_info("fsnet: debugfs_create_file_slash=%ld\n", PTR_ERR(d));
	d = debugfs_create_dir("sub", fsnet_dir);
	debugfs_create_u32("gone", 0444, d, &fsnet_u32);
	debugfs_remove(d);
	d = debugfs_create_file("child", 0444, d, NULL, &fsnet_fops);
	pr_info("fsnet: debugfs_create_in_removed=%ld\n", PTR_ERR(d));
	debugfs_create_u32("again", 0444, fsnet_dir, &fsnet_u32);
	debugfs_lookup_and_remove("again", fsnet_dir);

	pr_info("fsnet: proc_create=%d\n", proc_create("fsnet", 0444, NULL, &fsnet_proc_ops) != NULL);
	fsnet_proc_dir = proc_mkdir("fsnet_dir", NULL);
	pr_info("fsnet: proc_mkdir=%d\n", fsnet_proc_dir != NULL);
	pr_info("fsnet: proc_create_in_dir=%d\n", proc_create_single_data("inner", 0444, fsnet_proc_dir, fsnet_show, NULL) != NULL);
	pr_info("fsnet: proc_create_net=%d\n", proc_create("fsnet", 0444, init_net.proc_net, &fsnet_proc_ops) != NULL);
	pr_info("fsnet: proc_mkdir_driver=%d\n", proc_mkdir("driver/fsnet", NULL) != NULL);

	pr_info("fsnet: register_nls=%d\n", register_nls(&fsnet_nls));
	pr_info("fsnet: register_nls_again=%d\n", register_nls(&fsnet_nls));

	pr_info("fsnet: init_net_inum=%u passive=%d\n", init_net.ns.inum, refcount_read(&init_net.passive));
	r = register_pernet_subsys(&fsnet_net_ops);
	pr_info("fsnet: register_pernet_subsys=%d init_calls=%d magic=%#x\n", r, fsnet_init_calls,
		((struct fsnet_net *)fsnet_generic(&init_net, fsnet_net_id))->magic);
	pr_info("fsnet: register_pernet_bad=%d\n", register_pernet_device(&fsnet_bad_ops));

	pr_info("fsnet: sock_register=%d\n", sock_register(&fsnet_family));
	pr_info("fsnet: sock_register_again=%d\n", sock_register(&fsnet_family));
	pr_info("fsnet: sock_register_inet=%d\n", sock_register(&fsnet_family_inet));

	pr_info("fsnet: rtnl_link_register=%d\n", rtnl_link_register(&fsnet_link_ops));
	pr_info("fsnet: rtnl_link_register_dup=%d\n", rtnl_link_register(&fsnet_link_dup));
	rtnl_lock();
	pr_info("fsnet: rtnl_is_locked=%d\n", rtnl_is_locked());
	rtnl_unlock();
	pr_info("fsnet: rtnl_is_locked_after=%d\n", rtnl_is_locked());

	pr_info("fsnet: register_netdevice_notifier=%d\n", register_netdevice_notifier(&fsnet_nb));
	dev_add_pack(&fsnet_ptype);

	pr_info("fsnet: inet_add_protocol=%d\n", inet_add_protocol(&fsnet_protocol, 253));
	pr_info("fsnet: inet_add_protocol_again=%d\n", inet_add_protocol(&fsnet_protocol, 253));
	pr_info("fsnet: inet_add_protocol_tcp=%d\n", inet_add_protocol(&fsnet_protocol, IPPROTO_TCP));
	pr_info("fsnet: inet6_add_protocol_frag=%d\n", inet6_add_protocol(&fsnet_protocol6, IPPROTO_FRAGMENT));
	r = tcp_register_congestion_control(&fsnet_cc);
	pr_info("fsnet: tcp_register_congestion_control=%d key_ok=%d\n", r, fsnet_cc.key != 0);
	pr_info("fsnet: tcp_register_congestion_control_bad=%d\n", tcp_register_congestion_control(&fsnet_cc_bad));
	r = register_qdisc(&fsnet_qdisc);
	pr_info("fsnet: register_qdisc=%d filled=%d\n", r,
		fsnet_qdisc.enqueue && fsnet_qdisc.dequeue && fsnet_qdisc.peek == fsnet_qdisc.dequeue);
	pr_info("fsnet: register_qdisc_pfifo=%d\n", register_qdisc(&(struct Qdisc_ops){ .id = "pfifo" }));
	pr_info("fsnet: cn_add_callback=%d\n", cn_add_callback(&fsnet_cb_id, "fsnet_cn", fsnet_cn));
	pr_info("fsnet: cn_add_callback_proc=%d\n", cn_add_callback(&fsnet_cb_proc, "fsnet_proc", fsnet_cn));
	r = proto_register(&fsnet_proto, 0);
	pr_info("fsnet: proto_register=%d inuse_idx=%u\n", r, fsnet_proto.inuse_idx);
	r = tcf_register_action(&fsnet_action, &fsnet_act_net);
	pr_info("fsnet: tcf_register_action=%d net_calls=%d\n", r, fsnet_act_net_calls);
	pr_info("fsnet: tcf_register_action_dup=%d\n", tcf_register_action(&fsnet_action_dup, &fsnet_act_net_dup));
	pr_info("fsnet: tcf_register_action_bad=%d\n", tcf_register_action(&fsnet_action_bad, &fsnet_act_net_dup));
	fsnet_blk_major = register_blkdev(0, "fsnetblk");
	pr_info("fsnet: register_blkdev_dynamic=%d\n", fsnet_blk_major);
	pr_info("fsnet: register_blkdev_again=%d\n", register_blkdev(fsnet_blk_major, "fsnetblk2"));
	pr_info("fsnet: register_blkdev_too_big=%d\n", register_blkdev(600, "fsnetblk3"));
	pr_info("fsnet: loaded\n");
	return 0;
}

static void __exit fsnet_exit(void)
{
	proto_unregister(&fsnet_proto);
	unregister_blkdev(fsnet_blk_major, "fsnetblk");
	pr_info("fsnet: tcf_unregister_action=%d\n", tcf_unregister_action(&fsnet_action, &fsnet_act_net));
	pr_info("fsnet: tcf_unregister_action_again=%d\n", tcf_unregister_action(&fsnet_action, &fsnet_act_net));
	cn_del_callback(&fsnet_cb_id);
	unregister_qdisc(&fsnet_qdisc);
	tcp_unregister_congestion_control(&fsnet_cc);
	pr_info("fsnet: inet_del_protocol=%d\n", inet_del_protocol(&fsnet_protocol, 253));
	pr_info("fsnet: inet_del_protocol_again=%d\n", inet_del_protocol(&fsnet_protocol, 253));
	dev_remove_pack(&fsnet_ptype);
	pr_info("fsnet: unregister_netdevice_notifier=%d\n", unregister_netdevice_notifier(&fsnet_nb));
	rtnl_link_unregister(&fsnet_link_ops);
	sock_unregister(PF_KCM);
	unregister_pernet_subsys(&fsnet_net_ops);
	pr_info("fsnet: exit_calls=%d\n", fsnet_exit_calls);
	unregister_nls(&fsnet_nls);
	remove_proc_entry("fsnet", init_net.proc_net);
	remove_proc_entry("driver/fsnet", NULL);
	proc_remove(fsnet_proc_dir);
	remove_proc_entry("fsnet", NULL);
	debugfs_remove(fsnet_dir);
	pr_info("fsnet: unregister_filesystem=%d\n", unregister_filesystem(&fsnet_fs));
	pr_info("fsnet: unregister_filesystem_again=%d\n", unregister_filesystem(&fsnet_fs));
	pr_info("fsnet: unloaded\n");
}

module_init(fsnet_init);
module_exit(fsnet_exit);
MODULE_LICENSE("GPL");

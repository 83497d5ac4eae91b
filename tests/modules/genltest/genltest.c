// SPDX-License-Identifier: GPL-2.0
/* Generic netlink registration: two ops and a multicast group; a second family
 * with the same name (-EEXIST) and one with a duplicate cmd (-EINVAL). */
#include <linux/module.h>
#include <net/genetlink.h>
#include <linux/netlink.h>
#include <linux/notifier.h>

static int gt_doit(struct sk_buff *skb, struct genl_info *info) { return 0; }
static int gt_dumpit(struct sk_buff *skb, struct netlink_callback *cb) { return 0; }

static int gt_event(struct notifier_block *nb, unsigned long ev, void *p) { return NOTIFY_DONE; }
static struct notifier_block gt_nb = { .notifier_call = gt_event };

static const struct genl_small_ops gt_ops[] = {
	{ .cmd = 1, .doit = gt_doit },
	{ .cmd = 2, .dumpit = gt_dumpit },
};
static const struct genl_multicast_group gt_mcgrps[] = { { .name = "events" } };

static struct genl_family gt_family = {
	.name = "modhost_gt", .version = 1, .maxattr = 3, .module = THIS_MODULE,
	.small_ops = gt_ops, .n_small_ops = ARRAY_SIZE(gt_ops),
	.mcgrps = gt_mcgrps, .n_mcgrps = ARRAY_SIZE(gt_mcgrps),
};
static struct genl_family gt_same_name = {
	.name = "modhost_gt", .version = 1, .module = THIS_MODULE,
	.small_ops = gt_ops, .n_small_ops = ARRAY_SIZE(gt_ops),
};
static const struct genl_small_ops gt_dup_ops[] = {
	{ .cmd = 5, .doit = gt_doit },
	{ .cmd = 5, .dumpit = gt_dumpit },
};
static struct genl_family gt_dup = {
	.name = "modhost_gt_dup", .version = 1, .module = THIS_MODULE,
	.small_ops = gt_dup_ops, .n_small_ops = ARRAY_SIZE(gt_dup_ops),
};

static int __init gt_init(void)
{
	int err = genl_register_family(&gt_family);

	pr_info("genltest: register=%d id=%d mcgrp_offset=%u\n", err, gt_family.id, gt_family.mcgrp_offset);
	if (err)
		return err;
	pr_info("genltest: same_name=%d\n", genl_register_family(&gt_same_name));
	pr_info("genltest: dup_cmd=%d\n", genl_register_family(&gt_dup));
	pr_info("genltest: notifier=%d\n", netlink_register_notifier(&gt_nb));
	return 0;
}

static void __exit gt_exit(void)
{
	pr_info("genltest: notifier_unreg=%d\n", netlink_unregister_notifier(&gt_nb));
	pr_info("genltest: notifier_unreg_again=%d\n", netlink_unregister_notifier(&gt_nb));
	pr_info("genltest: unregister=%d\n", genl_unregister_family(&gt_family));
	pr_info("genltest: unregister_again=%d\n", genl_unregister_family(&gt_family));
}
module_init(gt_init);
module_exit(gt_exit);
MODULE_LICENSE("GPL");

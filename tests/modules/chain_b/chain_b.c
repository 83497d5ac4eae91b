// SPDX-License-Identifier: GPL-2.0
/*
 * chain_b: depends on chain_a by importing chain_a_value().
 *
 * Loading takes one reference on chain_a (chain_a's refcount becomes 1 and
 * /proc/modules lists "chain_b," as its user); "rmmod chain_a" then fails
 * with EWOULDBLOCK until chain_b is removed.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

extern int chain_a_value(int x);	/* exported by chain_a.ko */

static int __init chain_b_init(void)
{
	pr_info("chain_b: loaded, chain_a_value(20)=%d\n", chain_a_value(20));
	return 0;
}

static void __exit chain_b_exit(void)
{
	pr_info("chain_b: unloaded, chain_a_value(1)=%d\n", chain_a_value(1));
}

module_init(chain_b_init);
module_exit(chain_b_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: uses chain_a_value from chain_a");

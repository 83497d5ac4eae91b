// SPDX-License-Identifier: GPL-2.0
/*
 * missingsym: imports a function that nobody exports.
 *
 * The kernel cannot resolve modhost_no_such_symbol, logs
 *   "missingsym: Unknown symbol modhost_no_such_symbol (err -2)"
 * and the load fails with ENOENT (insmod: "Unknown symbol in module").
 * Init therefore never runs.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

extern int modhost_no_such_symbol(int x);	/* exported by no one */

static int __init missingsym_init(void)
{
	pr_info("missingsym: loaded (must not happen), %d\n",
		modhost_no_such_symbol(1));
	return 0;
}

static void __exit missingsym_exit(void)
{
	pr_info("missingsym: unloaded (must not happen)\n");
}

module_init(missingsym_init);
module_exit(missingsym_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: imports the unexported modhost_no_such_symbol");

// SPDX-License-Identifier: GPL-2.0
/*
 * noexit: has an init function but no exit function.
 *
 * Such a module is permanent: /proc/modules shows "[permanent]," in its
 * users column and delete_module() fails with EBUSY unless forced
 * (O_TRUNC, rmmod -f: the kernel then taints R and frees it without
 * calling anything).
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init noexit_init(void)
{
	pr_info("noexit: loaded (permanent: no exit function)\n");
	return 0;
}

module_init(noexit_init);
/* no module_exit() on purpose */

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: module_init without module_exit");

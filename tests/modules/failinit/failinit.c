// SPDX-License-Identifier: GPL-2.0
/*
 * failinit: a module whose init function fails.
 *
 * Init prints "failinit: init failing with -ENODEV" and returns -ENODEV, so
 * init_module()/finit_module() fail with ENODEV (insmod: "No such device")
 * and the module is freed again: it never appears as Live, and the symbol
 * failinit_sym it exports must not remain resolvable afterwards.
 * (While init runs the module is COMING: its export is already visible.)
 */
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

int failinit_sym(int x)
{
	return x - 1;
}
EXPORT_SYMBOL(failinit_sym);

static int __init failinit_init(void)
{
	pr_info("failinit: init failing with -ENODEV (failinit_sym(1)=%d)\n",
		failinit_sym(1));
	return -ENODEV;
}

static void __exit failinit_exit(void)
{
	/* Never runs: a module whose init failed is not live. */
	pr_info("failinit: unloaded (must not happen)\n");
}

module_init(failinit_init);
module_exit(failinit_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: init returns -ENODEV; exports failinit_sym");

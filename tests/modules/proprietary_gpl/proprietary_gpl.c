// SPDX-License-Identifier: GPL-2.0
/*
 * proprietary_gpl: a non-GPL module that uses a GPL-only export.
 *
 * MODULE_LICENSE("Proprietary") taints the module (and kernel) with P at
 * load ("proprietary_gpl: module license 'Proprietary' taints kernel.");
 * a P-tainted module does not see EXPORT_SYMBOL_GPL tables at all, so
 * chain_a_gpl (GPL-only, from chain_a) cannot be found:
 *   "proprietary_gpl: Unknown symbol chain_a_gpl (err -2)" and ENOENT,
 * whether or not chain_a is loaded.
 *
 * (This file itself is GPL test code; only the license tag it declares to
 * the kernel is "Proprietary".)
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

extern int chain_a_gpl(int x);	/* EXPORT_SYMBOL_GPL in chain_a.ko */

static int __init proprietary_gpl_init(void)
{
	pr_info("proprietary_gpl: loaded (must not happen), %d\n", chain_a_gpl(1));
	return 0;
}

static void __exit proprietary_gpl_exit(void)
{
	pr_info("proprietary_gpl: unloaded (must not happen)\n");
}

module_init(proprietary_gpl_init);
module_exit(proprietary_gpl_exit);

MODULE_LICENSE("Proprietary");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: non-GPL module importing GPL-only chain_a_gpl");

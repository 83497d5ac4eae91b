// SPDX-License-Identifier: GPL-2.0
/*
 * dupexport: exports chain_a_value, the name chain_a already exports.
 *
 * Loaded alone it works. Loaded while chain_a is present (or chain_a loaded
 * while dupexport is present) the second one is refused before its init
 * runs: "dupexport: exports duplicate symbol chain_a_value (owned by
 * chain_a)" and ENOEXEC ("Invalid module format").
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

int chain_a_value(int x)
{
	return -x;	/* deliberately different from chain_a's 2x+1 */
}
EXPORT_SYMBOL(chain_a_value);

static int __init dupexport_init(void)
{
	pr_info("dupexport: loaded, chain_a_value(20)=%d\n", chain_a_value(20));
	return 0;
}

static void __exit dupexport_exit(void)
{
	pr_info("dupexport: unloaded\n");
}

module_init(dupexport_init);
module_exit(dupexport_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: exports chain_a_value like chain_a does");

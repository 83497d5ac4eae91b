// SPDX-License-Identifier: GPL-2.0
/*
 * chain_a: the bottom of a two-module dependency chain.
 *
 * Exports chain_a_value() with EXPORT_SYMBOL (usable by any module) and
 * chain_a_gpl() with EXPORT_SYMBOL_GPL (only for GPL-compatible modules;
 * see proprietary_gpl). chain_b imports chain_a_value, so while chain_b is
 * loaded "rmmod chain_a" must fail with EWOULDBLOCK ("in use").
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

int chain_a_value(int x)
{
	return x * 2 + 1;
}
EXPORT_SYMBOL(chain_a_value);

int chain_a_gpl(int x)
{
	return x + 1000;
}
EXPORT_SYMBOL_GPL(chain_a_gpl);

static int __init chain_a_init(void)
{
	pr_info("chain_a: loaded, chain_a_value(20)=%d chain_a_gpl(1)=%d\n",
		chain_a_value(20), chain_a_gpl(1));
	return 0;
}

static void __exit chain_a_exit(void)
{
	pr_info("chain_a: unloaded\n");
}

module_init(chain_a_init);
module_exit(chain_a_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: exports chain_a_value (plain) and chain_a_gpl (GPL-only)");

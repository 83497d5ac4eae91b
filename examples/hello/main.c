// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the smallest useful out-of-tree module.
 *
 * Built against Debian's linux-headers for the fixture kernel by
 * scripts/build-modules.sh; the result is main.ko (module name "main").
 * Loading it prints "Hi module!", unloading it prints "Bye module!".
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init hello_init(void)
{
	pr_info("Hi module!\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("Bye module!\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("Hello-world example module for the modhost host kernel");

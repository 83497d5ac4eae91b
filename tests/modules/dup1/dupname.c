// SPDX-License-Identifier: GPL-2.0
/*
 * dupname (copy 1 of 2): tests/modules/dup1 and tests/modules/dup2 both build
 * a module named "dupname" that differs only in what it prints.
 *
 * Loading one copy while the other is Live fails with EEXIST
 * (insmod: "File exists"); the second copy's init never runs.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init dupname_init(void)
{
	pr_info("dupname: copy 1 loaded\n");
	return 0;
}

static void __exit dupname_exit(void)
{
	pr_info("dupname: copy 1 unloaded\n");
}

module_init(dupname_init);
module_exit(dupname_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: module name clash, copy 1");

// SPDX-License-Identifier: GPL-2.0
/*
 * requester: its init asks the kernel to load another module by name
 * (request_module → the host's modprobe) and reports the result, so the
 * host can show that module code reaches modprobe in-process.
 * Parameter `want` names the module to request (default "crc7").
 */
#include <linux/init.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/printk.h>

static char *want = "crc7";
module_param(want, charp, 0444);
MODULE_PARM_DESC(want, "module to request at init (default crc7)");

static int __init requester_init(void)
{
	int ret = request_module("%s", want);

	pr_info("requester: request_module(%s) = %d\n", want, ret);
	return 0;
}

static void __exit requester_exit(void)
{
	pr_info("requester: unloaded\n");
}

module_init(requester_init);
module_exit(requester_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost");
MODULE_DESCRIPTION("calls request_module() from init");

// SPDX-License-Identifier: GPL-2.0
/*
 * unimpl: links against exports the host kernel does not implement, to show
 * that such a module still links as on Linux and that using them is reported
 * by name. Chosen by the `mode` parameter:
 *   mode=call   init calls rdmsr_on_cpu() (an MSR of a real CPU: a trap stub)
 *   mode=data   init reads acpi_gbl_FADT (ACPI tables: unmodelled data)
 *   anything else: loads and unloads quietly, never touching either
 */
#include <linux/acpi.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <asm/msr.h>

static char *mode = "none";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "what to use (call, data)");

static noinline int unimpl_call(void)
{
	u32 lo = 0, hi = 0;
	int err = rdmsr_on_cpu(0, MSR_IA32_TSC, &lo, &hi);

	pr_info("unimpl: rdmsr_on_cpu returned %d\n", err);
	return err;
}

static noinline int unimpl_data(void)
{
	u32 len = READ_ONCE(acpi_gbl_FADT.header.length);

	pr_info("unimpl: FADT length %u\n", len);
	return 0;
}

static int __init unimpl_init(void)
{
	if (!strcmp(mode, "call"))
		return unimpl_call();
	if (!strcmp(mode, "data"))
		return unimpl_data();
	return 0;
}

static void __exit unimpl_exit(void)
{
}

module_init(unimpl_init);
module_exit(unimpl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("uses exports the host kernel does not implement");

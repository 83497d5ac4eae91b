// SPDX-License-Identifier: GPL-2.0
/*
 * oops: faults on purpose, chosen by the `mode` parameter, so the host can
 * show that a fault in module code is reported as an oops and survived.
 *   mode=null    init writes through a NULL pointer
 *   mode=bug     init hits BUG() (ud2)
 *   mode=stack   init overflows a stack buffer (stack protector)
 *   mode=rodata  init writes to its own read-only data (W^X)
 *   mode=panic   init calls panic()
 *   mode=exit    init succeeds; exit writes through a NULL pointer
 *   mode=warn    init hits WARN_ON() and goes on (the load succeeds)
 *   mode=warn_once  init hits one WARN_ON_ONCE() three times (one report)
 *   mode=warn_msg   init hits WARN() with a message and goes on
 *   anything else: loads and unloads quietly
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/string.h>

static char *mode = "none";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "which fault to trigger (null, bug, stack, rodata, panic, exit, warn, warn_once, warn_msg)");

static const int oops_readonly = 5;

static noinline void oops_write_null(void)
{
	*(volatile int *)NULL = 1;
}

static noinline int oops_smash(int n)
{
	char buf[8];
	volatile char *p = buf;
	int i;

	for (i = 0; i < n; i++)
		p[i] = 'A';
	return buf[0];
}

/* Called by the host: doubles `how`, or faults when `how` is 1. */
int oops_fault_export(int how)
{
	if (how == 1)
		oops_write_null();
	return how * 2;
}
EXPORT_SYMBOL_GPL(oops_fault_export);

static int oops_warned;

static noinline void oops_warn_once(void)
{
	WARN_ON_ONCE(1);
	oops_warned++;
}

static int __init faulty_init(void)
{
	int i;

	pr_info("oops: mode=%s\n", mode);
	if (!strcmp(mode, "null"))
		oops_write_null();
	else if (!strcmp(mode, "bug"))
		BUG();
	else if (!strcmp(mode, "stack"))
		oops_smash(64);
	else if (!strcmp(mode, "rodata"))
		*(volatile int *)(unsigned long)&oops_readonly = 6;
	else if (!strcmp(mode, "panic"))
		panic("oops: panic requested %d", 42);
	else if (!strcmp(mode, "warn")) {
		WARN_ON(1);
		oops_warned++;
	} else if (!strcmp(mode, "warn_once")) {
		for (i = 0; i < 3; i++)
			oops_warn_once();
	} else if (!strcmp(mode, "warn_msg")) {
		WARN(1, "oops: warning %d\n", 42);
		oops_warned++;
	}
	if (oops_warned)
		pr_info("oops: went on after %d warning(s)\n", oops_warned);
	pr_info("oops: init survived\n");
	return 0;
}

static void __exit faulty_exit(void)
{
	if (!strcmp(mode, "exit"))
		oops_write_null();
	pr_info("oops: exit\n");
}

module_init(faulty_init);
module_exit(faulty_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost");
MODULE_DESCRIPTION("faults on purpose, to test oops handling");

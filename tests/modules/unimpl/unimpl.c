// SPDX-License-Identifier: GPL-2.0
/*
 * unimpl: links against exports the host kernel does not implement, to show
 * that such a module still links as on Linux and that using them is reported
 * by name. Chosen by the `mode` parameter:
 *   mode=call   init calls rdmsr_on_cpu() (an MSR of a real CPU: a trap stub)
 *   mode=data   init reads acpi_gbl_FADT (ACPI tables: unmodelled data)
 *   mode=leak   init registers a class, a misc device, a timer, delayed work
 *               and a notifier, then calls rdmsr_on_cpu(): the host must
 *               forget everything the unwound module left registered
 *   anything else: loads and unloads quietly, never touching either
 */
#include <linux/acpi.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/device.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
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

static const struct file_operations leak_fops = { .owner = THIS_MODULE };
static struct miscdevice leak_misc = { .minor = MISC_DYNAMIC_MINOR, .name = "unimpl_leak", .fops = &leak_fops };
static struct class *leak_class;
static struct timer_list leak_timer;
static struct delayed_work leak_work;
static int leak_hits;

static void leak_timer_fn(struct timer_list *t)
{
	leak_hits++;
}

static void leak_work_fn(struct work_struct *w)
{
	leak_hits++;
}

static int leak_notify(struct notifier_block *nb, unsigned long ev, void *p)
{
	return NOTIFY_DONE;
}

static struct notifier_block leak_nb = { .notifier_call = leak_notify };

static noinline int unimpl_leak(void)
{
	leak_class = class_create(THIS_MODULE, "unimpl_leak");
	if (IS_ERR(leak_class))
		return PTR_ERR(leak_class);
	if (misc_register(&leak_misc))
		return -EIO;
	timer_setup(&leak_timer, leak_timer_fn, 0);
	mod_timer(&leak_timer, jiffies + HZ / 25);
	INIT_DELAYED_WORK(&leak_work, leak_work_fn);
	schedule_delayed_work(&leak_work, HZ / 25);
	register_reboot_notifier(&leak_nb);
	return unimpl_call();
}

static int __init unimpl_init(void)
{
	if (!strcmp(mode, "call"))
		return unimpl_call();
	if (!strcmp(mode, "data"))
		return unimpl_data();
	if (!strcmp(mode, "leak"))
		return unimpl_leak();
	return 0;
}

static void __exit unimpl_exit(void)
{
}

module_init(unimpl_init);
module_exit(unimpl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("uses exports the host kernel does not implement");

// SPDX-License-Identifier: GPL-2.0
/* sysctl registration: register_sysctl_table with a nested child table,
 * register_sysctl, a duplicate that must fail, unregister at exit. */
#include <linux/module.h>
#include <linux/sysctl.h>

static int st_int = 42;
static int st_vec[3] = { 1, -2, 3 };
static char st_str[32] = "hello";
static unsigned long st_ulong = 123456789UL;

static struct ctl_table st_inner[] = {
	{ .procname = "vec", .data = st_vec, .maxlen = sizeof(st_vec),
	  .mode = 0644, .proc_handler = proc_dointvec },
	{ }
};

static struct ctl_table st_entries[] = {
	{ .procname = "answer", .data = &st_int, .maxlen = sizeof(int),
	  .mode = 0644, .proc_handler = proc_dointvec },
	{ .procname = "greeting", .data = st_str, .maxlen = sizeof(st_str),
	  .mode = 0644, .proc_handler = proc_dostring },
	{ .procname = "inner", .mode = 0555, .child = st_inner },
	{ }
};

static struct ctl_table st_root[] = {
	{ .procname = "modhost_test", .mode = 0555, .child = st_entries },
	{ }
};

static struct ctl_table st_dup[] = {
	{ .procname = "answer", .data = &st_int, .maxlen = sizeof(int),
	  .mode = 0644, .proc_handler = proc_dointvec },
	{ }
};

static struct ctl_table st_extra[] = {
	{ .procname = "big", .data = &st_ulong, .maxlen = sizeof(st_ulong),
	  .mode = 0444, .proc_handler = proc_doulongvec_minmax },
	{ }
};

static int leak;
module_param(leak, int, 0444);
MODULE_PARM_DESC(leak, "1: do not unregister at exit (the host must purge)");

static struct ctl_table_header *st_hdr, *st_hdr2;

static int __init sysctltest_init(void)
{
	struct ctl_table_header *dup;

	st_hdr = register_sysctl_table(st_root);
	if (!st_hdr)
		return -ENOMEM;
	dup = register_sysctl("modhost_test", st_dup);
	pr_info("sysctltest: duplicate %s\n", dup ? "registered" : "refused");
	if (dup)
		unregister_sysctl_table(dup);
	st_hdr2 = register_sysctl("modhost_test/extra", st_extra);
	pr_info("sysctltest: extra %s\n", st_hdr2 ? "registered" : "refused");
	if (!st_hdr2) {
		unregister_sysctl_table(st_hdr);
		return -ENOMEM;
	}
	return 0;
}

static void __exit sysctltest_exit(void)
{
	if (leak)
		return;
	unregister_sysctl_table(st_hdr2);
	unregister_sysctl_table(st_hdr);
}

module_init(sysctltest_init);
module_exit(sysctltest_exit);
MODULE_LICENSE("GPL");

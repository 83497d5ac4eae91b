// SPDX-License-Identifier: GPL-2.0
/*
 * params: one module parameter of every standard kind.
 *
 * Every parameter has a distinctive default so a test can tell "not set"
 * from "set"; init prints all values in a fixed order, one line each, as
 *   params: <name>=<value>
 * followed by "params: loaded" (and exit prints them again followed by
 * "params: unloaded", showing values changed through sysfs).
 * Permissions vary: 0 (no sysfs file), 0444 (read-only), 0644 (writable).
 *
 * Example: insmod params.ko p_int=-5 p_uint=0x10 p_bool=n p_charp=hello \
 *                 p_string='"a b"' p_intarr=1,2,3 p_charparr=x,y
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

static int p_int = -42;
module_param(p_int, int, 0644);
MODULE_PARM_DESC(p_int, "int (default -42, 0644)");

static unsigned int p_uint = 42;
module_param(p_uint, uint, 0444);
MODULE_PARM_DESC(p_uint, "uint (default 42, 0444)");

static long p_long = -1234567890123L;
module_param(p_long, long, 0644);
MODULE_PARM_DESC(p_long, "long (default -1234567890123, 0644)");

static unsigned long p_ulong = 1234567890123UL;
module_param(p_ulong, ulong, 0);
MODULE_PARM_DESC(p_ulong, "ulong (default 1234567890123, no sysfs file)");

static unsigned long long p_ullong = 18446744073709551615ULL;
module_param(p_ullong, ullong, 0444);
MODULE_PARM_DESC(p_ullong, "ullong (default 2^64-1, 0444)");

static short p_short = -300;
module_param(p_short, short, 0644);
MODULE_PARM_DESC(p_short, "short (default -300, 0644)");

static unsigned short p_ushort = 60000;
module_param(p_ushort, ushort, 0444);
MODULE_PARM_DESC(p_ushort, "ushort (default 60000, 0444)");

static unsigned char p_byte = 200;
module_param(p_byte, byte, 0644);
MODULE_PARM_DESC(p_byte, "byte (default 200, 0644)");

static unsigned int p_hexint = 0xbeef;
module_param(p_hexint, hexint, 0644);
MODULE_PARM_DESC(p_hexint, "hexint (default 0xbeef, 0644)");

static bool p_bool = true;
module_param(p_bool, bool, 0644);
MODULE_PARM_DESC(p_bool, "bool (default Y, 0644)");

static bool p_invbool;	/* false: the parameter reads as its inverse, Y */
module_param(p_invbool, invbool, 0444);
MODULE_PARM_DESC(p_invbool, "invbool (variable default false, shown as Y, 0444)");

static char *p_charp = "default";
module_param(p_charp, charp, 0644);
MODULE_PARM_DESC(p_charp, "charp (default \"default\", 0644)");

static char p_string[16] = "fixed";
module_param_string(p_string, p_string, sizeof(p_string), 0644);
MODULE_PARM_DESC(p_string, "string in a char[16] (default \"fixed\", 0644)");

static int p_intarr[4] = { 1, 2 };
static unsigned int p_intarr_num = 2;
module_param_array(p_intarr, int, &p_intarr_num, 0644);
MODULE_PARM_DESC(p_intarr, "array of up to 4 ints (default 1,2, 0644)");

static char *p_charparr[3] = { "one", "two", "three" };
static unsigned int p_charparr_num = 3;
module_param_array(p_charparr, charp, &p_charparr_num, 0444);
MODULE_PARM_DESC(p_charparr, "array of up to 3 strings (default one,two,three, 0444)");

static void params_print(void)
{
	unsigned int i;

	pr_info("params: p_int=%d\n", p_int);
	pr_info("params: p_uint=%u\n", p_uint);
	pr_info("params: p_long=%ld\n", p_long);
	pr_info("params: p_ulong=%lu\n", p_ulong);
	pr_info("params: p_ullong=%llu\n", p_ullong);
	pr_info("params: p_short=%hd\n", p_short);
	pr_info("params: p_ushort=%hu\n", p_ushort);
	pr_info("params: p_byte=%u\n", p_byte);
	pr_info("params: p_hexint=0x%x\n", p_hexint);
	pr_info("params: p_bool=%c\n", p_bool ? 'Y' : 'N');
	pr_info("params: p_invbool=%c (variable)\n", p_invbool ? 'Y' : 'N');
	pr_info("params: p_charp=%s\n", p_charp ? p_charp : "(null)");
	pr_info("params: p_string=%s\n", p_string);
	pr_info("params: p_intarr_num=%u\n", p_intarr_num);
	for (i = 0; i < p_intarr_num && i < ARRAY_SIZE(p_intarr); i++)
		pr_info("params: p_intarr[%u]=%d\n", i, p_intarr[i]);
	pr_info("params: p_charparr_num=%u\n", p_charparr_num);
	for (i = 0; i < p_charparr_num && i < ARRAY_SIZE(p_charparr); i++)
		pr_info("params: p_charparr[%u]=%s\n", i,
			p_charparr[i] ? p_charparr[i] : "(null)");
}

static int __init params_init(void)
{
	params_print();
	pr_info("params: loaded\n");
	return 0;
}

static void __exit params_exit(void)
{
	params_print();
	pr_info("params: unloaded\n");
}

module_init(params_init);
module_exit(params_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: module parameters of every standard type");

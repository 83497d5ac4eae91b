// SPDX-License-Identifier: GPL-2.0
/*
 * libcall: lets a host test call any kernel or module function with up to
 * ten integer/pointer arguments. The host passes one pointer to a
 * struct libcall_req (function address, arguments, room for the result)
 * to the exported libcall_call(); the trampoline calls the function the
 * ordinary C way, so arguments beyond the sixth go on the stack as the
 * x86_64 calling convention wants (decode_rs8 and bch_decode take more
 * than six). Extra arguments a function does not take are harmless there.
 * Functions returning a struct by value take the result buffer as a
 * hidden first argument; the host passes it as args[0].
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/types.h>

struct libcall_req {
	u64 fn;
	u64 args[10];
	u64 ret;
};

typedef u64 (*libcall_fn)(u64, u64, u64, u64, u64, u64, u64, u64, u64, u64);

u64 libcall_call(struct libcall_req *r)
{
	libcall_fn f = (libcall_fn)(unsigned long)r->fn;

	r->ret = f(r->args[0], r->args[1], r->args[2], r->args[3], r->args[4],
		   r->args[5], r->args[6], r->args[7], r->args[8], r->args[9]);
	return r->ret;
}
EXPORT_SYMBOL_GPL(libcall_call);

static int __init libcall_init(void)
{
	pr_info("libcall: loaded\n");
	return 0;
}

static void __exit libcall_exit(void)
{
	pr_info("libcall: unloaded\n");
}

module_init(libcall_init);
module_exit(libcall_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: a call trampoline for library-module tests");

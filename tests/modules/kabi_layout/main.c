// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "layout.h"

F(module, state)
F(module, name)
F(module, init)
F(module, exit)
F(module, refcnt)
S(module)
F(kernel_param, name)
F(kernel_param, mod)
F(kernel_param, ops)
F(kernel_param, perm)
F(kernel_param, arg)
S(kernel_param)

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("structure layouts for modhost's kernel ABI (never loaded)");

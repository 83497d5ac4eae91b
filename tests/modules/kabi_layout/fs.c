// SPDX-License-Identifier: GPL-2.0
/* fs/: filesystem types, char devices, files. */
#include <linux/fs.h>
#include <linux/cdev.h>
#include <linux/nls.h>
#include "layout.h"

S(file_system_type)
F(file_system_type, name)
F(file_system_type, fs_flags)
F(file_system_type, owner)
F(file_system_type, next)
S(file_operations)
F(file_operations, owner)
S(cdev)
S(nls_table)
F(nls_table, charset)
F(nls_table, next)
F(nls_table, owner)

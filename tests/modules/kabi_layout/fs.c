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
#include <linux/dcache.h>
#include <linux/debugfs.h>
S(dentry)
F(dentry, d_parent)
F(dentry, d_name)
F(dentry, d_inode)
S(qstr)
F(qstr, name)
F(qstr, hash_len)
S(inode)
F(inode, i_mode)
F(inode, i_private)
S(debugfs_blob_wrapper)
F(debugfs_blob_wrapper, data)
F(debugfs_blob_wrapper, size)
S(debugfs_u32_array)
F(debugfs_u32_array, array)
F(debugfs_u32_array, n_elements)
V(fs_consts, FS_REQUIRES_DEV, FS_REQUIRES_DEV)
#include <linux/sysctl.h>
S(ctl_table)
F(ctl_table, procname)
F(ctl_table, data)
F(ctl_table, maxlen)
F(ctl_table, mode)
F(ctl_table, child)
F(ctl_table, proc_handler)
F(ctl_table, extra1)
F(ctl_table, extra2)

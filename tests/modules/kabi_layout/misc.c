// SPDX-License-Identifier: GPL-2.0
/* Small registries across the tree: lib/ratelimit,
 * drivers/cpufreq, mm/zpool. */
#include <linux/ratelimit_types.h>
#include <linux/cpufreq.h>
#include <linux/zpool.h>
#include "layout.h"

F(ratelimit_state, lock)
F(ratelimit_state, interval)
F(ratelimit_state, burst)
F(ratelimit_state, printed)
F(ratelimit_state, missed)
F(ratelimit_state, begin)
F(ratelimit_state, flags)
S(ratelimit_state)
V(misc, RATELIMIT_MSG_ON_RELEASE, RATELIMIT_MSG_ON_RELEASE)

F(cpufreq_governor, name)
F(cpufreq_governor, governor_list)
F(cpufreq_governor, owner)
S(cpufreq_governor)
V(misc, CPUFREQ_NAME_LEN, CPUFREQ_NAME_LEN)

F(zpool_driver, type)
F(zpool_driver, owner)
F(zpool_driver, refcount)
F(zpool_driver, list)
S(zpool_driver)

#include <linux/async.h>
F(async_domain, pending)
S(async_domain)

#include <linux/key.h>
#include <linux/key-type.h>
F(key, usage)
F(key, serial)
F(key, sem)
F(key, uid)
F(key, gid)
F(key, perm)
F(key, datalen)
F(key, state)
F(key, flags)
F(key, type)
F(key, description)
F(key, payload)
F(key, keys)
S(key)
F(key_type, name)
S(key_type)

#include <linux/firmware.h>
F(firmware, size)
F(firmware, data)
F(firmware, priv)
S(firmware)

#include <linux/nfs_ssc.h>
F(nfs_ssc_client_ops_tbl, ssc_nfs4_ops)
F(nfs_ssc_client_ops_tbl, ssc_nfs_ops)
S(nfs_ssc_client_ops_tbl)


#include <uapi/linux/sysinfo.h>
F(sysinfo, totalram)
F(sysinfo, freeram)
F(sysinfo, sharedram)
F(sysinfo, bufferram)
F(sysinfo, totalhigh)
F(sysinfo, freehigh)
F(sysinfo, mem_unit)
S(sysinfo)

#include <linux/skbuff.h>
F(sk_buff_head, lock)
V(misc, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_NOT_SPECIFIED)

/* kernel/nsproxy.c, kernel/utsname.c: the host's one namespace of each
 * kind, which every host task's nsproxy points at. */
#include <linux/nsproxy.h>
#include <linux/utsname.h>
#include <linux/ns_common.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
F(task_struct, nsproxy)
F(task_struct, tgid)
F(nsproxy, count)
F(nsproxy, uts_ns)
F(nsproxy, ipc_ns)
F(nsproxy, mnt_ns)
F(nsproxy, pid_ns_for_children)
F(nsproxy, net_ns)
F(nsproxy, time_ns)
F(nsproxy, time_ns_for_children)
F(nsproxy, cgroup_ns)
S(nsproxy)
F(uts_namespace, name)
F(uts_namespace, user_ns)
F(uts_namespace, ucounts)
F(uts_namespace, ns)
S(uts_namespace)
F(new_utsname, sysname)
F(new_utsname, nodename)
F(new_utsname, release)
F(new_utsname, version)
F(new_utsname, machine)
F(new_utsname, domainname)
S(new_utsname)
F(ns_common, inum)
F(ns_common, count)
V(misc, PROC_UTS_INIT_INO, PROC_UTS_INIT_INO)
#include <linux/textsearch.h>
F(ts_ops, name)
F(ts_ops, init)
F(ts_ops, find)
F(ts_ops, destroy)
F(ts_ops, owner)
F(ts_config, ops)
F(ts_config, flags)
F(ts_config, get_next_block)
F(ts_config, finish)
S(ts_config)
F(ts_state, offset)
F(ts_state, cb)
V(ts, TS_AUTOLOAD, TS_AUTOLOAD)
V(ts, TS_IGNORECASE, TS_IGNORECASE)

#include <linux/padata.h>
F(padata_priv, list)
F(padata_priv, pd)
F(padata_priv, cb_cpu)
F(padata_priv, seq_nr)
F(padata_priv, info)
F(padata_priv, parallel)
F(padata_priv, serial)
S(padata_priv)
F(padata_shell, pinst)
F(padata_shell, pd)
F(padata_shell, opd)
F(padata_shell, list)
S(padata_shell)
F(padata_instance, parallel_wq)
F(padata_instance, serial_wq)
F(padata_instance, pslist)
F(padata_instance, cpumask)
F(padata_instance, kobj)
F(padata_instance, lock)
F(padata_instance, flags)
S(padata_instance)
F(padata_cpumask, pcpu)
F(padata_cpumask, cbcpu)
S(padata_cpumask)
V(misc, PADATA_INIT, PADATA_INIT)
V(misc, PADATA_RESET, PADATA_RESET)
V(misc, PADATA_INVALID, PADATA_INVALID)

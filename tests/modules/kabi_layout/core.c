// SPDX-License-Identifier: GPL-2.0
/* lib/, mm/, kernel/: lists, locks, wait queues, time, work. */
#include <linux/list.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/swait.h>
#include <linux/completion.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>
#include <linux/workqueue.h>
#include <linux/notifier.h>
#include <linux/idr.h>
#include <linux/xarray.h>
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <asm/processor.h>
#include <asm/cpu_device_id.h>
#include "layout.h"

F(list_head, next)
F(list_head, prev)
S(list_head)
S(hlist_head)
S(hlist_node)
S(kref)
S(mutex)
F(mutex, owner)
F(mutex, wait_list)
S(rw_semaphore)
F(rw_semaphore, count)
F(rw_semaphore, owner)
S(spinlock)
S(wait_queue_head)
F(wait_queue_head, lock)
F(wait_queue_head, head)
S(wait_queue_entry)
F(wait_queue_entry, flags)
F(wait_queue_entry, private)
F(wait_queue_entry, func)
F(wait_queue_entry, entry)
S(swait_queue_head)
S(completion)
F(completion, done)
F(completion, wait)
S(timer_list)
F(timer_list, entry)
F(timer_list, expires)
F(timer_list, function)
F(timer_list, flags)
S(hrtimer)
F(hrtimer, _softexpires)
F(hrtimer, function)
F(hrtimer, base)
F(hrtimer, state)
S(work_struct)
F(work_struct, data)
F(work_struct, entry)
F(work_struct, func)
S(delayed_work)
F(delayed_work, work)
F(delayed_work, timer)
F(delayed_work, wq)
F(delayed_work, cpu)
S(notifier_block)
F(notifier_block, notifier_call)
F(notifier_block, next)
F(notifier_block, priority)
S(blocking_notifier_head)
F(blocking_notifier_head, head)
S(atomic_notifier_head)
F(atomic_notifier_head, head)
S(raw_notifier_head)
S(srcu_notifier_head)
F(srcu_notifier_head, head)
S(idr)
S(ida)
S(xarray)
S(page)
F(page, flags)
S(task_struct)
F(task_struct, __state)
F(task_struct, pid)
F(task_struct, comm)
S(cpuinfo_x86)
F(cpuinfo_x86, x86)
F(cpuinfo_x86, x86_vendor)
F(cpuinfo_x86, x86_model)
F(cpuinfo_x86, x86_stepping)
F(cpuinfo_x86, x86_capability)
F(cpuinfo_x86, x86_vendor_id)
F(cpuinfo_x86, x86_model_id)
F(cpuinfo_x86, x86_cache_size)
F(cpuinfo_x86, x86_cache_alignment)
F(cpuinfo_x86, x86_max_cores)
F(cpuinfo_x86, cpuid_level)
F(cpuinfo_x86, x86_clflush_size)
F(cpuinfo_x86, x86_phys_bits)
F(cpuinfo_x86, x86_virt_bits)
F(cpuinfo_x86, loops_per_jiffy)
S(x86_cpu_id)
F(x86_cpu_id, vendor)
F(x86_cpu_id, family)
F(x86_cpu_id, model)
F(x86_cpu_id, steppings)
F(x86_cpu_id, feature)
F(x86_cpu_id, driver_data)
V(consts, NCAPINTS, NCAPINTS)
V(consts, NR_CPUS, NR_CPUS)
V(consts, PAGE_OFFSET_BASE_DEFAULT, 0xffff888000000000UL)
V(consts, STRUCT_PAGE_MAX_SHIFT, STRUCT_PAGE_MAX_SHIFT)

// SPDX-License-Identifier: GPL-2.0
/*
 * percpu: per-CPU data, %gs-relative accesses and the stack protector.
 *
 * - pc_counter (zero-initialised) and pc_init (initialised to 42) live in
 *   .data..percpu; the loader gives the module a per-CPU offset and copies
 *   the initial image to every CPU.
 * - this_cpu_inc / this_cpu_add / this_cpu_read compile to %gs:-relative
 *   instructions; per_cpu_ptr() goes through __per_cpu_offset[cpu];
 *   this_cpu_ptr() through %gs:this_cpu_off; get_cpu() reads cpu_number
 *   and put_cpu() may call the preempt_schedule static call.
 * - stack_sum() has a local char array, so -fstack-protector-strong puts
 *   the canary (%gs:0x28) check and a __stack_chk_fail call in it.
 *
 * Expected init output (cpu number may differ):
 *   percpu: cpu=0 counter=42 via_ptr=42 init=42 init_cpu0=42 stack_sum=2080
 *   percpu: loaded
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/smp.h>

static DEFINE_PER_CPU(unsigned int, pc_counter);
static DEFINE_PER_CPU(int, pc_init) = 42;

/*
 * Fill a 64-byte stack buffer with 1..64 through a volatile index (so the
 * compiler cannot fold it away) and sum it: 64 * 65 / 2 = 2080.
 */
static noinline int stack_sum(int base)
{
	char buf[64];
	volatile int i;
	int sum = 0;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(base + i);
	for (i = 0; i < (int)sizeof(buf); i++)
		sum += buf[i];
	return sum;
}

static int __init percpu_init(void)
{
	unsigned int counter, via_ptr;
	int cpu, init, init_cpu0;

	cpu = get_cpu();			/* no migration until put_cpu() */
	this_cpu_inc(pc_counter);
	this_cpu_inc(pc_counter);
	this_cpu_add(pc_counter, 40);
	counter = this_cpu_read(pc_counter);
	via_ptr = *per_cpu_ptr(&pc_counter, cpu);
	init = *this_cpu_ptr(&pc_init);
	init_cpu0 = *per_cpu_ptr(&pc_init, 0);
	put_cpu();

	pr_info("percpu: cpu=%d counter=%u via_ptr=%u init=%d init_cpu0=%d stack_sum=%d\n",
		cpu, counter, via_ptr, init, init_cpu0, stack_sum(1));
	pr_info("percpu: loaded\n");
	return 0;
}

static void __exit percpu_exit(void)
{
	pr_info("percpu: unloaded, counter=%u\n", this_cpu_read(pc_counter));
}

module_init(percpu_init);
module_exit(percpu_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: per-CPU variables and the stack protector");

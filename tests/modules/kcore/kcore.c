// SPDX-License-Identifier: GPL-2.0
/* modhost test: CPU facts, wait queues, completions, timers, workqueues. */
#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/utsname.h>
#include <linux/notifier.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/srcu.h>
#include <linux/hrtimer.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <asm/cpu_device_id.h>
#include <asm/processor.h>
#include <asm/fpu/api.h>

static const struct x86_cpu_id sse2_ids[] = {
	X86_MATCH_FEATURE(X86_FEATURE_XMM2, 42),
	{}
};
static const struct x86_cpu_id none_ids[] = {
	X86_MATCH_VENDOR_FAM(INTEL, 3, 1),
	X86_MATCH_VENDOR_FAM(AMD, 4, 2),
	{}
};

static DECLARE_COMPLETION(work_done);
static DECLARE_WAIT_QUEUE_HEAD(timer_wq);
static struct work_struct w1;
static struct delayed_work dw;
static struct timer_list t;
static struct workqueue_struct *wq;
static int w1_ran, dw_ran, timer_fired, count;
static struct work_struct many[8];

static void w1_fn(struct work_struct *w) { w1_ran = 1; complete(&work_done); }
static void dw_fn(struct work_struct *w) { dw_ran = 1; }
static void many_fn(struct work_struct *w) { msleep(1); count++; }
static void t_fn(struct timer_list *tl) { timer_fired = 1; wake_up(&timer_wq); }

static int kt_loops;
static int kt_fn(void *data)
{
	while (!kthread_should_stop()) {
		kt_loops++;
		schedule_timeout_interruptible(1);
	}
	return *(int *)data;
}
static int kt_ret = 7;

static int kw_count;
static void kw_fn(struct kthread_work *w) { msleep(1); kw_count++; }
static struct kthread_work kws[3];

static char order[8];
static int norder;
static int nb_fn(struct notifier_block *nb, unsigned long val, void *v)
{
	order[norder++] = '0' + nb->priority;
	return nb->priority == 1 ? NOTIFY_STOP : NOTIFY_OK;
}
static struct notifier_block nbs[4] = {
	{ .notifier_call = nb_fn, .priority = 5 },
	{ .notifier_call = nb_fn, .priority = 9 },
	{ .notifier_call = nb_fn, .priority = 1 },
	{ .notifier_call = nb_fn, .priority = 0 },
};
static BLOCKING_NOTIFIER_HEAD(chain);

struct rcuobj { int v; struct rcu_head rcu; };
static int rcu_cb_ran;
static void rcu_cb(struct rcu_head *h) { rcu_cb_ran = container_of(h, struct rcuobj, rcu)->v; }
static struct rcuobj robj = { .v = 5 };
static atomic_t reader_in;
static int reader_fn(void *d)
{
	rcu_read_lock();
	atomic_set(&reader_in, 1);
	mdelay(40);
	rcu_read_unlock();
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}
/* More sleeping kthreads than the host has CPUs, and one bound to CPU 1. */
#define NSLEEPERS 12
static atomic_t sleepers_in;
static DECLARE_COMPLETION(sleepers_go);
static int sleeper_fn(void *d)
{
	atomic_inc(&sleepers_in);
	wait_for_completion(&sleepers_go);
	return 0;
}
static int bound_cpu = -1;
static int bound_fn(void *d)
{
	bound_cpu = raw_smp_processor_id();
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}
static DECLARE_RWSEM(sem);
static DEFINE_RWLOCK(rwl);
DEFINE_STATIC_SRCU(kcore_srcu);
static struct srcu_notifier_head snh;
static int srcu_cb_ran;
static struct rcu_head srcu_head;
static void srcu_cb(struct rcu_head *h) { srcu_cb_ran = 1; }
static struct hrtimer hrt;
static int hr_count;
static u64 hr_orun;
static enum hrtimer_restart hr_fn(struct hrtimer *t)
{
	if (++hr_count >= 3) {
		wake_up(&timer_wq);
		return HRTIMER_NORESTART;
	}
	hr_orun = hrtimer_forward_now(t, ms_to_ktime(2));
	return HRTIMER_RESTART;
}

static int __init kcore_init(void)
{
	const struct x86_cpu_id *m = x86_match_cpu(sse2_ids), *n = x86_match_cpu(none_ids);
	unsigned long left;
	ktime_t t0;
	int i;

	pr_info("kcore: cpu vendor=%u family=%u model=%u stepping=%u sse2=%d avx2=%d aes=%d level=%d id=%s\n",
		boot_cpu_data.x86_vendor, boot_cpu_data.x86, boot_cpu_data.x86_model,
		boot_cpu_data.x86_stepping, boot_cpu_has(X86_FEATURE_XMM2),
		boot_cpu_has(X86_FEATURE_AVX2), boot_cpu_has(X86_FEATURE_AES),
		boot_cpu_data.cpuid_level, boot_cpu_data.x86_vendor_id);
	pr_info("kcore: match sse2=%ld none=%d cpus=%u online=%u\n",
		m ? (long)m->driver_data : -1L, n == NULL, nr_cpu_ids, num_online_cpus());

	INIT_WORK(&w1, w1_fn);
	queue_work(system_wq, &w1);
	left = wait_for_completion_timeout(&work_done, HZ);
	pr_info("kcore: system_wq ran=%d left=%d pending=%d\n", w1_ran, left > 0, work_pending(&w1));

	wq = alloc_workqueue("kcore_wq%d", 0, 0, 7);
	if (!wq)
		return -ENOMEM;
	for (i = 0; i < 8; i++) {
		INIT_WORK(&many[i], many_fn);
		queue_work(wq, &many[i]);
	}
	i = queue_work(wq, &many[7]) ? 0 : 1; /* already pending or ran */
	flush_workqueue(wq);
	pr_info("kcore: wq count=%d\n", count);

	INIT_DELAYED_WORK(&dw, dw_fn);
	queue_delayed_work(wq, &dw, 3);
	pr_info("kcore: dwork pending=%d\n", delayed_work_pending(&dw));
	flush_delayed_work(&dw);
	pr_info("kcore: dwork ran=%d pending=%d\n", dw_ran, delayed_work_pending(&dw));

	timer_setup(&t, t_fn, 0);
	mod_timer(&t, jiffies + 2);
	pr_info("kcore: timer pending=%d\n", timer_pending(&t));
	left = wait_event_timeout(timer_wq, timer_fired, HZ);
	pr_info("kcore: timer fired=%d left=%d pending=%d\n", timer_fired, left > 0, timer_pending(&t));
	mod_timer(&t, jiffies + HZ * 100);
	i = del_timer_sync(&t);
	pr_info("kcore: del_timer=%d again=%d\n", i, del_timer(&t));

	{
		struct task_struct *k = kthread_run(kt_fn, &kt_ret, "kcore_kt%d", 3);
		struct kthread_worker *kw;
		int r;

		if (IS_ERR(k))
			return PTR_ERR(k);
		msleep(20);
		r = kthread_stop(k);
		pr_info("kcore: kthread ret=%d looped=%d\n", r, kt_loops > 1);
		kw = kthread_create_worker(0, "kcore_kw");
		if (IS_ERR(kw))
			return PTR_ERR(kw);
		for (i = 0; i < 3; i++) {
			kthread_init_work(&kws[i], kw_fn);
			kthread_queue_work(kw, &kws[i]);
		}
		r = kthread_queue_work(kw, &kws[2]);
		kthread_flush_worker(kw);
		pr_info("kcore: kworker count=%d requeue=%d\n", kw_count, r);
		kthread_destroy_worker(kw);
	}
	{
		int r;

		for (i = 0; i < 4; i++)
			blocking_notifier_chain_register(&chain, &nbs[i]);
		r = blocking_notifier_call_chain(&chain, 0, NULL);
		order[norder] = 0;
		pr_info("kcore: chain order=%s ret=%x\n", order, r);
		blocking_notifier_chain_unregister(&chain, &nbs[2]);
		norder = 0;
		r = blocking_notifier_call_chain(&chain, 0, NULL);
		order[norder] = 0;
		pr_info("kcore: chain2 order=%s ret=%x missing=%d\n", order, r,
			blocking_notifier_chain_unregister(&chain, &nbs[2]));
		for (i = 0; i < 4; i++)
			blocking_notifier_chain_unregister(&chain, &nbs[i]);
	}
	{
		int a, b, c, d;

		down_read(&sem);
		down_read(&sem);
		a = down_write_trylock(&sem);
		up_read(&sem);
		up_read(&sem);
		b = down_write_trylock(&sem);
		c = rwsem_is_locked(&sem);
		d = down_read_trylock(&sem);
		downgrade_write(&sem);
		i = down_read_trylock(&sem);
		pr_info("kcore: rwsem w_while_r=%d w=%d locked=%d r_while_w=%d r_after_down=%d\n", a, b, c, d, i);
		up_read(&sem);
		up_read(&sem);
		pr_info("kcore: rwsem unlocked=%d\n", !rwsem_is_locked(&sem));
	}

	{
		struct task_struct *ks[NSLEEPERS], *kb;
		char comm[TASK_COMM_LEN];
		int n, ran;

		for (n = 0; n < NSLEEPERS; n++) {
			ks[n] = kthread_run(sleeper_fn, NULL, "kcore_sl%d", n);
			if (IS_ERR(ks[n]))
				break;
		}
		for (i = 0; i < 2000 && atomic_read(&sleepers_in) < n; i++)
			msleep(1);
		/* all of them asleep: work still finds a CPU */
		reinit_completion(&work_done);
		w1_ran = 0;
		queue_work(system_wq, &w1);
		ran = wait_for_completion_timeout(&work_done, 2 * HZ) > 0;
		complete_all(&sleepers_go);
		for (i = 0; i < n; i++)
			kthread_stop(ks[i]);
		pr_info("kcore: sleepers=%d asleep=%d work=%d\n", n, atomic_read(&sleepers_in), ran);
		kb = kthread_create_on_cpu(bound_fn, NULL, 1, "kcore_b%u");
		if (IS_ERR(kb))
			return PTR_ERR(kb);
		get_task_comm(comm, kb);
		wake_up_process(kb);
		for (i = 0; i < 2000 && READ_ONCE(bound_cpu) < 0; i++)
			msleep(1);
		kthread_stop(kb);
		pr_info("kcore: bound comm=%s cpu=%d\n", comm, bound_cpu);
		pr_info("kcore: uts sysname=%s release=%s machine=%s\n", utsname()->sysname,
			utsname()->release, utsname()->machine);
	}
	{
		struct rcuobj *o = kmalloc(sizeof(*o), GFP_KERNEL);
		struct task_struct *k;
		int depth;
		s64 ms;

		rcu_read_lock();
		depth = rcu_preempt_depth();
		rcu_read_unlock();
		call_rcu(&robj.rcu, rcu_cb);
		kfree_rcu(o, rcu);
		rcu_barrier();
		k = kthread_run(reader_fn, NULL, "kcore_rcu");
		if (IS_ERR(k))
			return PTR_ERR(k);
		while (!atomic_read(&reader_in))
			msleep(1);
		t0 = ktime_get();
		synchronize_rcu();
		ms = ktime_to_ms(ktime_sub(ktime_get(), t0));
		kthread_stop(k);
		pr_info("kcore: rcu depth=%d after=%d cb=%d waited=%d\n", depth, rcu_preempt_depth(), rcu_cb_ran, ms >= 20);
	}

	{
		int a, b, c, d, e;
		kuid_t u = make_kuid(&init_user_ns, 1000);

		read_lock(&rwl);
		a = read_trylock(&rwl);
		b = write_trylock(&rwl);
		read_unlock(&rwl);
		read_unlock(&rwl);
		c = write_trylock(&rwl);
		d = read_trylock(&rwl);
		write_unlock(&rwl);
		e = write_trylock(&rwl);
		write_unlock(&rwl);
		pr_info("kcore: rwlock r2=%d w_while_r=%d w=%d r_while_w=%d w_again=%d\n", a, b, c, d, e);
		pr_info("kcore: uid from=%u valid=%d munged=%u\n", from_kuid(&init_user_ns, u), uid_valid(u),
			from_kuid_munged(&init_user_ns, INVALID_UID));
	}
	{
		int idx, r;

		idx = srcu_read_lock(&kcore_srcu);
		srcu_read_unlock(&kcore_srcu, idx);
		synchronize_srcu(&kcore_srcu);
		call_srcu(&kcore_srcu, &srcu_head, srcu_cb);
		srcu_barrier(&kcore_srcu);
		srcu_init_notifier_head(&snh);
		norder = 0;
		srcu_notifier_chain_register(&snh, &nbs[3]);
		srcu_notifier_chain_register(&snh, &nbs[0]);
		r = srcu_notifier_call_chain(&snh, 0, NULL);
		order[norder] = 0;
		srcu_notifier_chain_unregister(&snh, &nbs[0]);
		srcu_notifier_chain_unregister(&snh, &nbs[3]);
		cleanup_srcu_struct(&snh.srcu);
		pr_info("kcore: srcu cb=%d order=%s ret=%x\n", srcu_cb_ran, order, r);
	}

	{
		unsigned long left;

		hrtimer_init(&hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		hrt.function = hr_fn;
		hrtimer_start(&hrt, ms_to_ktime(1), HRTIMER_MODE_REL);
		i = hrtimer_active(&hrt);
		left = wait_event_timeout(timer_wq, hr_count >= 3, HZ);
		msleep(1);
		pr_info("kcore: hrtimer active=%d count=%d orun=%llu left=%d after=%d cancel=%d\n", i, hr_count,
			hr_orun, left > 0, hrtimer_active(&hrt), hrtimer_cancel(&hrt));
		hrtimer_start(&hrt, ms_to_ktime(10000), HRTIMER_MODE_REL);
		i = hrtimer_is_queued(&hrt);
		pr_info("kcore: hrtimer2 queued=%d try=%d\n", i, hrtimer_try_to_cancel(&hrt));
	}

	{
		int in, out;

		kernel_fpu_begin();
		in = irq_fpu_usable();
		kernel_fpu_end();
		out = irq_fpu_usable();
		pr_info("kcore: fpu in=%d out=%d\n", in, out);
	}

	t0 = ktime_get();
	msleep(20);
	pr_info("kcore: msleep20 ok=%d\n", ktime_to_ms(ktime_sub(ktime_get(), t0)) >= 20);
	pr_info("kcore: jiffies msecs=%u j=%lu\n", jiffies_to_msecs(25), msecs_to_jiffies(10));
	return 0;
}

static void __exit kcore_exit(void)
{
	destroy_workqueue(wq);
	pr_info("kcore: exit\n");
}

module_init(kcore_init);
module_exit(kcore_exit);
MODULE_LICENSE("GPL");

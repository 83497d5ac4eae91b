// SPDX-License-Identifier: GPL-2.0
/* Small kernel services: async calls, rate limits, bucket locks, static
 * keys set from init, cpufreq governors, zpool drivers, the DMA engine
 * client count, fb_get_options, sys_tz, getboottime64. */
#include <linux/module.h>
#include <linux/async.h>
#include <linux/delay.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/jump_label.h>
#include <linux/cpufreq.h>
#include <linux/zpool.h>
#include <linux/dmaengine.h>
#include <linux/fb.h>
#include <linux/time.h>
#include <linux/timekeeping.h>
#include <crypto/chacha.h>
#include <linux/percpu_counter.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <crypto/algapi.h>

static atomic_t async_sum = ATOMIC_INIT(0);
static async_cookie_t seen[3];

static void async_fn(void *data, async_cookie_t cookie)
{
	long i = (long)data;

	msleep(20 * (3 - i)); /* the first queued finishes last */
	seen[i] = cookie;
	atomic_add(10 << (4 * i), &async_sum);
}

static DEFINE_STATIC_KEY_FALSE(kmisc_key);

static noinline int branch_taken(void)
{
	if (static_branch_unlikely(&kmisc_key))
		return 1;
	return 0;
}

static struct cpufreq_governor gov1 = { .name = "kmisc", .owner = THIS_MODULE };
static struct cpufreq_governor gov2 = { .name = "KMISC", .owner = THIS_MODULE };

static struct zpool_driver zdrv = { .type = "kmisc", .owner = THIS_MODULE };

static int __init kmisc_init(void)
{
	async_cookie_t c[3];
	long i;
	int rl[6], r, g1, g2, zr, fbr;
	unsigned int mask = 0;
	spinlock_t *locks = NULL;
	char *opt = (char *)1;
	struct timespec64 boot;
	DEFINE_RATELIMIT_STATE(rs, 60 * HZ, 3);

	for (i = 0; i < 3; i++)
		c[i] = async_schedule(async_fn, (void *)i);
	async_synchronize_cookie(c[2]); /* c[0] and c[1] done */
	pr_info("kmisc: async partial=%x\n", atomic_read(&async_sum) & 0xff);
	async_synchronize_full();
	pr_info("kmisc: async cookies=%d sum=%x seen=%d\n", (int)(c[1] - c[0] == 1 && c[2] - c[1] == 1),
		atomic_read(&async_sum), (int)(seen[0] == c[0] && seen[1] == c[1] && seen[2] == c[2]));

	for (i = 0; i < 6; i++)
		rl[i] = __ratelimit(&rs);
	pr_info("kmisc: ratelimit %d%d%d%d%d%d missed=%d\n", rl[0], rl[1], rl[2], rl[3], rl[4], rl[5], rs.missed);

	r = alloc_bucket_spinlocks(&locks, &mask, 1024, 4, GFP_KERNEL);
	pr_info("kmisc: bucket r=%d mask=%u locked=%d\n", r, mask, spin_is_locked(&locks[mask]));
	spin_lock(&locks[mask]);
	spin_unlock(&locks[mask]);
	free_bucket_spinlocks(locks);

	i = branch_taken();
	static_branch_enable(&kmisc_key);
	r = branch_taken();
	static_branch_disable(&kmisc_key);
	pr_info("kmisc: static_key before=%ld enabled=%d after=%d\n", i, r, branch_taken());

	g1 = cpufreq_register_governor(&gov1);
	g2 = cpufreq_register_governor(&gov2); /* same name, other case */
	pr_info("kmisc: cpufreq g1=%d g2=%d null=%d\n", g1, g2, cpufreq_register_governor(NULL));

	zpool_register_driver(&zdrv);
	atomic_inc(&zdrv.refcount);
	zr = zpool_unregister_driver(&zdrv);
	atomic_dec(&zdrv.refcount);
	pr_info("kmisc: zpool busy=%d\n", zr);

	dmaengine_get();
	pr_info("kmisc: dma chan=%p\n", dma_find_channel(DMA_MEMCPY));
	dmaengine_put();

	fbr = fb_get_options("kmiscfb", &opt);
	pr_info("kmisc: fb r=%d opt=%p tz=%d,%d\n", fbr, opt, sys_tz.tz_minuteswest, sys_tz.tz_dsttime);

	{
		int a = 0, b = 0, c = 0, n1, n2, n3, n4, n5, n6, pos = 0;
		unsigned int x = 0, o = 0;
		unsigned char hh = 0;
		long long ll = 0;
		char word[8] = "", set[8] = "", ch[3] = "";

		n1 = sscanf("12 0x1f -7 077 abc", "%d %x %d %o %7s", &a, &x, &b, &o, word);
		pr_info("kmisc: sscanf1 n=%d a=%d x=%u b=%d o=%u s=%s\n", n1, a, x, b, o, word);
		n2 = sscanf("0x10 010 10", "%i %i %i", &a, &b, &c);
		pr_info("kmisc: sscanf2 n=%d %d %d %d\n", n2, a, b, c);
		n3 = sscanf("12345 300 -9000000000", "%2d%3d %hhu %lld%n", &a, &b, &hh, &ll, &pos);
		pr_info("kmisc: sscanf3 n=%d %d %d %u %lld pos=%d\n", n3, a, b, hh, ll, pos);
		n4 = sscanf("skip 5", "%*s %d", &a);
		n5 = sscanf("a1", "b%d", &a);
		n6 = sscanf("abcxyz", "%5[cba]%2c", set, ch);
		pr_info("kmisc: sscanf4 n=%d a=%d mismatch=%d set=%d:%s:%s\n", n4, a, n5, n6, set, ch);
	}

	{
		/* RFC 7539 2.3.2: key 00..1f, counter 1, nonce 00000009 0000004a 00000000 */
		u32 st[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
			       0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c,
			       0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c,
			       0x00000001, 0x09000000, 0x4a000000, 0x00000000 };
		u8 ks[64];
		u32 h[8];

		chacha_block_generic(st, ks, 20);
		hchacha_block_generic(st, h, 20);
		pr_info("kmisc: chacha %*phN..%*phN ctr=%u memneq=%d,%d\n", 8, ks, 4, ks + 60, st[12],
			crypto_memneq(ks, ks, 64) != 0, crypto_memneq(ks, ks + 1, 17) != 0);
	}

	{
		struct percpu_counter pcnt;
		int pr, k;
		s64 rough, exact;

		pr = percpu_counter_init(&pcnt, 100, GFP_KERNEL);
		for (k = 0; k < 10; k++)
			percpu_counter_add_batch(&pcnt, 3, 16); /* folds at 18 */
		rough = percpu_counter_read(&pcnt);
		exact = percpu_counter_sum(&pcnt);
		pr_info("kmisc: percpu_counter r=%d rough=%lld sum=%lld cmp=%d,%d,%d\n", pr, rough, exact,
			__percpu_counter_compare(&pcnt, 130, 16), __percpu_counter_compare(&pcnt, 129, 16),
			__percpu_counter_compare(&pcnt, 100000, 16));
		percpu_counter_set(&pcnt, 7);
		pr_info("kmisc: percpu_counter set=%lld\n", percpu_counter_sum(&pcnt));
		percpu_counter_destroy(&pcnt);
	}

	{
		struct sysinfo si;

		si_meminfo(&si);
		pr_info("kmisc: meminfo total_is_totalram=%d unit=%u free_le_total=%d high=%lu,%lu buffer_pages_ok=%d\n",
			si.totalram == totalram_pages(), si.mem_unit, si.freeram <= si.totalram, si.totalhigh, si.freehigh,
			nr_free_buffer_pages() > 0 && nr_free_buffer_pages() <= si.totalram);
	}

	getboottime64(&boot);
	pr_info("kmisc: boottime %lld\n", (long long)boot.tv_sec);
	return 0;
}

static void __exit kmisc_exit(void)
{
	cpufreq_unregister_governor(&gov1);
	pr_info("kmisc: exit zpool=%d\n", zpool_unregister_driver(&zdrv));
}

module_init(kmisc_init);
module_exit(kmisc_exit);
MODULE_LICENSE("GPL");

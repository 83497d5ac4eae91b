// SPDX-License-Identifier: GPL-2.0
/*
 * Exercises lib/ and mm/ of the host kernel. mode=0 (default) runs every
 * check and prints the results ("libmm: <what> ..."); mode=1 corrupts a
 * list before list_add (CONFIG_DEBUG_LIST), mode=2 overflows a fortified
 * memcpy, mode=3 a fortified strscpy.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/kstrtox.h>
#include <linux/scatterlist.h>
#include <linux/idr.h>
#include <linux/xarray.h>
#include <linux/once.h>
#include <linux/random.h>
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/gcd.h>
#include <linux/math.h>
#include <linux/rbtree_augmented.h>
#include <linux/mempool.h>
#include <linux/uuid.h>
#include <linux/shrinker.h>

static int mode;
module_param(mode, int, 0444);
static int len = 16;
module_param(len, int, 0444);

static int ctor_calls;
static void obj_ctor(void *p)
{
	ctor_calls++;
	memset(p, 0x5a, 40);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

static void kstrto_checks(void)
{
	static const char *const in[] = { "0x1f", "017", "42\n", "+7", "-5", "18446744073709551615",
					   "18446744073709551616", "12a", "", "0x", "4294967296", "-2147483648" };
	int i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		unsigned long long ull = 0;
		long long ll = 0;
		unsigned int ui = 0;
		int si = 0;
		int r1 = kstrtoull(in[i], 0, &ull);
		int r2 = kstrtoll(in[i], 0, &ll);
		int r3 = kstrtouint(in[i], 0, &ui);
		int r4 = kstrtoint(in[i], 10, &si);

		pr_info("libmm: kstrto %d ull=%d:%llu ll=%d:%lld uint=%d:%u int=%d:%d\n", i, r1, ull, r2, ll, r3, ui, r4, si);
	}
	{
		u8 u8v = 0;
		s8 s8v = 0;
		bool b1 = false, b2 = true, b3 = false;
		int r5 = kstrtou8("255", 10, &u8v), r6 = kstrtou8("256", 10, &u8v);
		int r7 = kstrtos8("-128", 10, &s8v), r8 = kstrtos8("128", 10, &s8v);
		int r9 = kstrtobool("on", &b1), r10 = kstrtobool("N", &b2), r11 = kstrtobool("x", &b3);
		char *end;
		unsigned long sv = simple_strtoul("0x10zz", &end, 0);
		long sl = simple_strtol("-077", NULL, 0);

		pr_info("libmm: small u8=%d:%u,%d s8=%d:%d,%d bool=%d:%d,%d:%d,%d simple=%lu:%s,%ld\n",
			r5, u8v, r6, r7, s8v, r8, r9, b1, r10, b2, r11, sv, end, sl);
	}
}

static void string_checks(void)
{
	char buf[16], s[32];
	static const char *const names[] = { "alpha", "beta", "gamma" };
	size_t n;

	n = strlcpy(buf, "hello, world, long", sizeof(buf));
	pr_info("libmm: strlcpy %zu '%s'\n", n, buf);
	strscpy(buf, "ab", sizeof(buf));
	n = strlcat(buf, "cdefghijklmnopqrstu", sizeof(buf));
	pr_info("libmm: strlcat %zu '%s'\n", n, buf);
	strscpy(s, "  \tpadded text \n ", sizeof(s));
	pr_info("libmm: strim '%s' skip '%s'\n", strim(s), skip_spaces("   x"));
	pr_info("libmm: streq %d %d %d match %d %d sysfs %d\n", sysfs_streq("on\n", "on"), sysfs_streq("on", "off"),
		strcasecmp("HeLLo", "hello"), match_string(names, ARRAY_SIZE(names), "beta"),
		match_string(names, ARRAY_SIZE(names), "delta"), sysfs_match_string(names, "gamma\n"));
	{
		u8 bin[4];
		char hex[9];
		int r = hex2bin(bin, "deadBEEF", 4);
		int bad = hex2bin(bin, "zz", 1);

		bin2hex(hex, bin, 4);
		hex[8] = 0;
		pr_info("libmm: hex %d %s %d %d\n", r, hex, bad, hex_to_bin('c'));
	}
}

static void sort_bitmap_checks(void)
{
	int a[] = { 5, -3, 9, 0, 5, 1, -7, 2 };
	DECLARE_BITMAP(bm, 200);
	DECLARE_BITMAP(bm2, 200);
	unsigned long nbits = 200;

	sort(a, ARRAY_SIZE(a), sizeof(a[0]), cmp_int, NULL);
	pr_info("libmm: sort %d %d %d %d %d %d %d %d\n", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);

	bitmap_zero(bm, nbits);
	bitmap_set(bm, 3, 5);
	bitmap_set(bm, 130, 2);
	set_bit(199, bm);
	bitmap_fill(bm2, nbits);
	pr_info("libmm: bitmap weight=%u first=%lu next=%lu zero=%lu last=%lu subset=%d\n",
		bitmap_weight(bm, nbits), find_first_bit(bm, nbits), find_next_bit(bm, nbits, 8),
		find_first_zero_bit(bm, nbits), find_last_bit(bm, nbits), bitmap_subset(bm, bm2, nbits));
}

static int mm_checks(void)
{
	struct kmem_cache *c;
	void *o1, *o2, *p, *v;
	struct page *pg;
	unsigned long addr, z;
	int *pc, cpu, ok = 1, i;
	struct scatterlist sg;

	c = kmem_cache_create("libmm_obj", 40, 0, SLAB_HWCACHE_ALIGN, obj_ctor);
	if (!c)
		return -ENOMEM;
	o1 = kmem_cache_alloc(c, GFP_KERNEL);
	o2 = kmem_cache_alloc(c, GFP_KERNEL);
	pr_info("libmm: cache size=%u ctor_ran=%d first=%02x aligned=%d distinct=%d\n", kmem_cache_size(c),
		ctor_calls > 0, o1 ? *(u8 *)o1 : 0, ((unsigned long)o1 & 63) == 0, o1 != o2);
	kmem_cache_free(c, o1);
	kmem_cache_free(c, o2);
	kmem_cache_destroy(c);

	for (i = 1; i <= 8192 * 2; i *= 3) {
		p = kmalloc(i, GFP_KERNEL);
		if (!p || page_address(virt_to_page(p)) + offset_in_page(p) != p || ksize(p) < i)
			ok = 0;
		if (i >= 8 && ((unsigned long)p & 7))
			ok = 0;
		kfree(p);
	}
	p = kmalloc(64, GFP_KERNEL);
	sg_init_one(&sg, p, 64);
	pr_info("libmm: kmalloc virt_to_page ok=%d sg=%d pow2_aligned=%d zeroed=%d\n", ok, sg_virt(&sg) == p,
		((unsigned long)p & 63) == 0, *(u64 *)p == 0);
	kfree(p);

	pg = alloc_pages(GFP_KERNEL, 2);
	addr = __get_free_pages(GFP_KERNEL, 1);
	z = get_zeroed_page(GFP_KERNEL);
	pr_info("libmm: pages alloc=%d aligned=%d refcount=%d gfp=%d zero=%d phys_ok=%d\n", pg != NULL,
		pg && !((unsigned long)page_address(pg) & 4095), pg ? page_ref_count(pg) : -1,
		addr && virt_to_page((void *)addr) && !(addr & 4095), z && !memchr_inv((void *)z, 0, PAGE_SIZE),
		pg && phys_to_virt(page_to_phys(pg)) == page_address(pg));
	if (pg)
		__free_pages(pg, 2);
	free_pages(addr, 1);
	free_page(z);

	v = vmalloc(3 * PAGE_SIZE + 5);
	pr_info("libmm: vmalloc ok=%d page=%d\n", v != NULL,
		v && page_address(vmalloc_to_page(v + PAGE_SIZE)) == v + PAGE_SIZE);
	vfree(v);

	pc = alloc_percpu(int);
	if (!pc)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		*per_cpu_ptr(pc, cpu) = 100 + cpu;
	ok = 1;
	for_each_possible_cpu(cpu)
		if (*per_cpu_ptr(pc, cpu) != 100 + cpu)
			ok = 0;
	pr_info("libmm: percpu ok=%d this=%d cpu=%d distinct=%d\n", ok, this_cpu_read(*pc), raw_smp_processor_id(),
		num_possible_cpus() < 2 || per_cpu_ptr(pc, 0) != per_cpu_ptr(pc, 1));
	free_percpu(pc);
	return 0;
}

static DEFINE_IDR(test_idr);
static DEFINE_IDA(test_ida);
static int once_calls;

static int idr_cb(int id, void *p, void *data)
{
	*(int *)data += id;
	return 0;
}

static void once_fn(void)
{
	once_calls++;
}

static void idr_checks(void)
{
	int a, b, c, d, e, sum = 0, next = 1, x, y, z, w, empty1, empty2;
	void *p, *q, *r;

	a = idr_alloc(&test_idr, (void *)0x1000, 0, 0, GFP_KERNEL);
	b = idr_alloc(&test_idr, (void *)0x2000, 5, 10, GFP_KERNEL);
	c = idr_alloc(&test_idr, (void *)0x3000, 5, 6, GFP_KERNEL);
	d = idr_alloc(&test_idr, NULL, -1, 0, GFP_KERNEL);
	p = idr_find(&test_idr, 5);
	idr_for_each(&test_idr, idr_cb, &sum);
	q = idr_get_next(&test_idr, &next);
	e = idr_alloc_cyclic(&test_idr, (void *)0x4000, 0, 0, GFP_KERNEL);
	r = idr_remove(&test_idr, 0);
	empty1 = idr_is_empty(&test_idr);
	idr_remove(&test_idr, 5);
	idr_remove(&test_idr, 1);
	empty2 = idr_is_empty(&test_idr);
	pr_info("libmm: idr a=%d b=%d c=%d d=%d find=%lx sum=%d next=%d:%lx cyclic=%d cursor=%u remove=%lx empty=%d,%d\n",
		a, b, c, d, (unsigned long)p, sum, next, (unsigned long)q, e, idr_get_cursor(&test_idr),
		(unsigned long)r, empty1, empty2);
	idr_destroy(&test_idr);

	x = ida_alloc(&test_ida, GFP_KERNEL);
	y = ida_alloc_min(&test_ida, 3, GFP_KERNEL);
	z = ida_alloc_range(&test_ida, 0, 0, GFP_KERNEL);
	ida_free(&test_ida, 0);
	w = ida_alloc(&test_ida, GFP_KERNEL);
	empty1 = ida_is_empty(&test_ida);
	ida_destroy(&test_ida);
	pr_info("libmm: ida %d %d %d %d empty=%d,%d\n", x, y, z, w, empty1, ida_is_empty(&test_ida));
}

static DEFINE_XARRAY(test_xa);
static DEFINE_XARRAY_ALLOC1(test_xa_alloc);

static void xarray_checks(void)
{
	unsigned long index, sum = 0, n = 0;
	void *entry, *old, *busy, *bad, *got[4];
	int ins1, ins2, empty1, empty2, marked1, marked2, a1, a2, a3, cyc, found;
	u32 id1 = 0, id2 = 0, id3 = 0, id4 = 0, next = 0;

	old = xa_store(&test_xa, 7, xa_mk_value(70), GFP_KERNEL);
	xa_store(&test_xa, 3, xa_mk_value(30), GFP_KERNEL);
	ins1 = xa_insert(&test_xa, 3, xa_mk_value(31), GFP_KERNEL);
	ins2 = xa_insert(&test_xa, 100, NULL, GFP_KERNEL); /* reserves */
	busy = xa_load(&test_xa, 100);
	bad = xa_store(&test_xa, 9, XA_RETRY_ENTRY, GFP_KERNEL);
	xa_set_mark(&test_xa, 7, XA_MARK_1);
	marked1 = xa_marked(&test_xa, XA_MARK_1);
	xa_for_each(&test_xa, index, entry) {
		sum += xa_to_value(entry) + index;
		n++;
	}
	found = 0;
	xa_for_each_marked(&test_xa, index, entry, XA_MARK_1)
		found += index;
	old = xa_cmpxchg(&test_xa, 3, xa_mk_value(30), xa_mk_value(33), GFP_KERNEL);
	index = xa_extract(&test_xa, got, 0, ULONG_MAX, 4, XA_PRESENT);
	empty1 = xa_empty(&test_xa);
	xa_erase(&test_xa, 7);
	marked2 = xa_marked(&test_xa, XA_MARK_1);
	xa_erase(&test_xa, 100);
	xa_destroy(&test_xa);
	empty2 = xa_empty(&test_xa);
	pr_info("libmm: xa old=%lu ins=%d,%d busy=%lx bad=%d sum=%lu n=%lu marked=%d,%d found=%d cmpxchg=%lu extract=%lu:%lu,%lu empty=%d,%d\n",
		xa_to_value(old), ins1, ins2, (unsigned long)busy, xa_err(bad), sum, n, marked1, marked2, found,
		xa_to_value(old), index, xa_to_value(got[0]), xa_to_value(got[1]), empty1, empty2);

	a1 = xa_alloc(&test_xa_alloc, &id1, xa_mk_value(1), xa_limit_32b, GFP_KERNEL);
	a2 = xa_alloc(&test_xa_alloc, &id2, NULL, xa_limit_32b, GFP_KERNEL);
	a3 = xa_alloc(&test_xa_alloc, &id3, xa_mk_value(3), XA_LIMIT(1, 2), GFP_KERNEL);
	next = 5;
	cyc = xa_alloc_cyclic(&test_xa_alloc, &id4, xa_mk_value(4), XA_LIMIT(1, 6), &next, GFP_KERNEL);
	pr_info("libmm: xa_alloc %d:%u %d:%u %d %d:%u next=%u load=%lx\n", a1, id1, a2, id2, a3, cyc, id4, next,
		(unsigned long)xa_load(&test_xa_alloc, id2));
	xa_destroy(&test_xa_alloc);
}

static void misc_checks(void)
{
	u8 r1[16], r2[16];
	static const u8 check[] = "123456789";

	int i;

	for (i = 0; i < 3; i++)
		DO_ONCE(once_fn); /* one site: runs once */
	get_random_bytes(r1, sizeof(r1));
	get_random_bytes(r2, sizeof(r2));
	pr_info("libmm: misc once=%d random_differ=%d crc32=%08x crc32c=%08x crc32be=%08x sqrt=%lu,%lu gcd=%lu\n",
		once_calls, memcmp(r1, r2, sizeof(r1)) != 0, crc32_le(~0, check, 9) ^ ~0, __crc32c_le(~0, check, 9) ^ ~0,
		crc32_be(~0, check, 9) ^ ~0, int_sqrt(1000000), int_sqrt(99), gcd(12, 18));
}

struct rbitem {
	struct rb_node rb;
	u32 key;
};
static struct rbitem rbitems[200];

/* black height, or -1 when a red node has a red child or heights differ */
static int rb_check(struct rb_node *n)
{
	int l, r;

	if (!n)
		return 1;
	if (!rb_is_black(n) && ((n->rb_left && !rb_is_black(n->rb_left)) || (n->rb_right && !rb_is_black(n->rb_right))))
		return -1;
	l = rb_check(n->rb_left);
	r = rb_check(n->rb_right);
	if (l < 0 || r < 0 || l != r)
		return -1;
	return l + rb_is_black(n);
}

static void rb_insert_key(struct rb_root *root, struct rbitem *it)
{
	struct rb_node **p = &root->rb_node, *parent = NULL;

	while (*p) {
		parent = *p;
		p = it->key < rb_entry(parent, struct rbitem, rb)->key ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&it->rb, parent, p);
	rb_insert_color(&it->rb, root);
}

static void rbtree_checks(void)
{
	struct rb_root root = RB_ROOT;
	struct rb_node *n;
	u32 seed = 12345, prev;
	int i, count, sorted, h1, h2, post = 0, back = 0;

	for (i = 0; i < ARRAY_SIZE(rbitems); i++) {
		seed = seed * 1103515245 + 12345;
		rbitems[i].key = (seed >> 8) % 1000;
		rb_insert_key(&root, &rbitems[i]);
	}
	h1 = rb_check(root.rb_node);
	for (i = 0; i < ARRAY_SIZE(rbitems); i += 2)
		rb_erase(&rbitems[i].rb, &root);
	h2 = rb_check(root.rb_node);
	count = 0;
	sorted = 1;
	prev = 0;
	for (n = rb_first(&root); n; n = rb_next(n)) {
		u32 k = rb_entry(n, struct rbitem, rb)->key;

		if (k < prev)
			sorted = 0;
		prev = k;
		count++;
	}
	for (n = rb_last(&root); n; n = rb_prev(n))
		back++;
	for (n = rb_first_postorder(&root); n; n = rb_next_postorder(n))
		post++;
	pr_info("libmm: rbtree valid=%d,%d count=%d sorted=%d back=%d post=%d\n", h1 > 0, h2 > 0, count, sorted, back, post);
}

static void pool_uuid_checks(void)
{
	mempool_t *pool = mempool_create_kmalloc_pool(2, 64);
	void *e[3];
	int i, curr0, curr1;
	guid_t g;
	uuid_t u, r;
	int rg, ru, bad;

	if (!pool) {
		pr_info("libmm: mempool failed\n");
		return;
	}
	curr0 = pool->curr_nr;
	for (i = 0; i < 3; i++)
		e[i] = mempool_alloc(pool, GFP_KERNEL);
	for (i = 0; i < 3; i++)
		mempool_free(e[i], pool);
	curr1 = pool->curr_nr;
	pr_info("libmm: mempool curr=%d,%d min=%d all=%d saturated=%d\n", curr0, curr1, pool->min_nr,
		e[0] && e[1] && e[2], pool->curr_nr >= pool->min_nr);
	mempool_destroy(pool);

	rg = guid_parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", &g);
	ru = uuid_parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", &u);
	bad = uuid_parse("c12a7328-f81f-11d2-ba4b_00a0c93ec93b", &u);
	uuid_gen(&r);
	pr_info("libmm: uuid %d %02x%02x%02x%02x %d %02x%02x%02x%02x %d v%d var%x\n", rg, g.b[0], g.b[1], g.b[2], g.b[3],
		ru, u.b[0], u.b[1], u.b[2], u.b[3], bad, r.b[6] >> 4, r.b[8] >> 6);
}

static unsigned long sh_count(struct shrinker *s, struct shrink_control *sc)
{
	return 0;
}

static unsigned long sh_scan(struct shrinker *s, struct shrink_control *sc)
{
	return SHRINK_STOP;
}

static struct shrinker test_shrinker = {
	.count_objects = sh_count,
	.scan_objects = sh_scan,
	.seeks = DEFAULT_SEEKS,
};

static void shrinker_checks(void)
{
	int r = register_shrinker(&test_shrinker, "libmm-%s", "test");
	int reg = !!(test_shrinker.flags & SHRINKER_REGISTERED), deferred = test_shrinker.nr_deferred != NULL;
	int linked = test_shrinker.list.next->prev == &test_shrinker.list;

	unregister_shrinker(&test_shrinker);
	pr_info("libmm: shrinker r=%d registered=%d deferred=%d linked=%d after=%d,%d\n", r, reg, deferred, linked,
		!!(test_shrinker.flags & SHRINKER_REGISTERED), test_shrinker.nr_deferred != NULL);
}

static LIST_HEAD(head);
struct item {
	struct list_head node;
	int v;
};

static noinline void overflow_memcpy(char *dst, const char *src)
{
	char small[8];

	memcpy(small, src, len);
	memcpy(dst, small, 8);
}

static int __init libmm_init(void)
{
	static struct item a, b, c;
	char out[8];

	if (mode == 1) {
		list_add(&a.node, &head);
		b.node.next = &c.node; /* head's next says a, a's prev says head: break it */
		a.node.prev = &b.node;
		list_add(&c.node, &head);
		pr_info("libmm: list_add returned\n");
		return 0;
	}
	if (mode == 2) {
		overflow_memcpy(out, "0123456789abcdefghij");
		pr_info("libmm: memcpy returned\n");
		return 0;
	}
	if (mode == 3) {
		char tiny[4];

		strscpy(tiny, "overflow", len);
		pr_info("libmm: strscpy returned %s\n", tiny);
		return 0;
	}
	list_add(&a.node, &head);
	list_add_tail(&b.node, &head);
	list_del(&a.node);
	pr_info("libmm: list ok=%d\n", list_first_entry(&head, struct item, node) == &b);
	list_del(&b.node);
	kstrto_checks();
	string_checks();
	sort_bitmap_checks();
	idr_checks();
	xarray_checks();
	misc_checks();
	rbtree_checks();
	pool_uuid_checks();
	shrinker_checks();
	return mm_checks();
}

static void __exit libmm_exit(void)
{
	pr_info("libmm: exit\n");
}

module_init(libmm_init);
module_exit(libmm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lib/ and mm/ checks for the host kernel");

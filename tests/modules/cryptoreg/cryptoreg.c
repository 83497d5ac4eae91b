// SPDX-License-Identifier: GPL-2.0
/* The crypto API's registry: shash, skcipher, kpp and bare cipher
 * registration with crypto_check_alg's and the types' checks, name clashes,
 * the defaults registration fills in, templates, the crypto notifier chain
 * (CRYPTO_MSG_ALG_LOADED), request queues and crypto_inc. Each result is
 * printed as "cryptoreg: key=value". */
#include <linux/module.h>
#include <linux/crypto.h>
#include <crypto/algapi.h>
#include <crypto/internal/hash.h>
#include <crypto/internal/skcipher.h>
#include <crypto/internal/kpp.h>

static int h_init(struct shash_desc *d) { *(u32 *)shash_desc_ctx(d) = 0; return 0; }
static int h_update(struct shash_desc *d, const u8 *p, unsigned int n)
{
	u32 *s = shash_desc_ctx(d);

	while (n--)
		*s += *p++;
	return 0;
}
static int h_final(struct shash_desc *d, u8 *out) { memcpy(out, shash_desc_ctx(d), 4); return 0; }

#define SHASH(var, nm, drv, prio)						\
	static struct shash_alg var = {						\
		.init = h_init, .update = h_update, .final = h_final,		\
		.digestsize = 4, .descsize = 8,					\
		.base = { .cra_name = nm, .cra_driver_name = drv,		\
			  .cra_priority = prio, .cra_blocksize = 1,		\
			  .cra_module = THIS_MODULE },				\
	}

SHASH(sum, "modhost-sum", "modhost-sum-generic", 100);
SHASH(sum_fast, "modhost-sum", "modhost-sum-fast", 200);
SHASH(sum_dup_driver, "modhost-sum", "modhost-sum-generic", 50);
SHASH(clash_name, "modhost-sum-generic", "modhost-other", 100);
SHASH(clash_driver, "modhost-x", "modhost-sum", 100);
SHASH(bad_digest, "modhost-bad", "modhost-bad-1", 100);
SHASH(bad_desc, "modhost-bad", "modhost-bad-2", 100);
SHASH(bad_export, "modhost-bad", "modhost-bad-3", 100);
SHASH(no_driver, "modhost-bad", "", 100);
SHASH(bad_align, "modhost-bad", "modhost-bad-4", 100);
SHASH(big_align, "modhost-bad", "modhost-bad-5", 100);
SHASH(big_block, "modhost-bad", "modhost-bad-6", 100);
SHASH(neg_prio, "modhost-bad", "modhost-bad-7", 100);
static struct shash_alg pair[2] = {
	{ .init = h_init, .update = h_update, .final = h_final, .digestsize = 4, .descsize = 8,
	  .base = { .cra_name = "modhost-pair", .cra_driver_name = "modhost-pair-a",
		    .cra_blocksize = 1, .cra_module = THIS_MODULE } },
	{ .init = h_init, .update = h_update, .final = h_final, .digestsize = 4, .descsize = 8,
	  .base = { .cra_name = "modhost-pair", .cra_driver_name = "modhost-sum",
		    .cra_blocksize = 1, .cra_module = THIS_MODULE } },
};

static int h_export(struct shash_desc *d, void *out) { return 0; }

static int sk_crypt(struct skcipher_request *req) { return 0; }
static int sk_setkey(struct crypto_skcipher *tfm, const u8 *k, unsigned int n) { return 0; }
static struct skcipher_alg sk = {
	.setkey = sk_setkey, .encrypt = sk_crypt, .decrypt = sk_crypt,
	.min_keysize = 16, .max_keysize = 32, .ivsize = 16,
	.base = { .cra_name = "modhost-ctr", .cra_driver_name = "modhost-ctr-generic",
		  .cra_priority = 150, .cra_blocksize = 1, .cra_flags = CRYPTO_ALG_ASYNC,
		  .cra_module = THIS_MODULE },
};
static struct skcipher_alg sk_bad = {
	.setkey = sk_setkey, .encrypt = sk_crypt, .decrypt = sk_crypt, .ivsize = 513,
	.base = { .cra_name = "modhost-ctr", .cra_driver_name = "modhost-ctr-bad",
		  .cra_blocksize = 1, .cra_module = THIS_MODULE },
};

static int kpp_op(struct kpp_request *req) { return 0; }
static struct kpp_alg kp = {
	.generate_public_key = kpp_op, .compute_shared_secret = kpp_op,
	.base = { .cra_name = "modhost-dh", .cra_driver_name = "modhost-dh-generic",
		  .cra_priority = 100, .cra_module = THIS_MODULE },
};

static int ci_setkey(struct crypto_tfm *tfm, const u8 *k, unsigned int n) { return 0; }
static void ci_crypt(struct crypto_tfm *tfm, u8 *d, const u8 *s) { }
static struct crypto_alg ci = {
	.cra_name = "modhost-block", .cra_driver_name = "modhost-block-generic",
	.cra_priority = 100, .cra_flags = CRYPTO_ALG_TYPE_CIPHER, .cra_blocksize = 16,
	.cra_module = THIS_MODULE,
	.cra_u = { .cipher = { .cia_min_keysize = 16, .cia_max_keysize = 32,
			       .cia_setkey = ci_setkey, .cia_encrypt = ci_crypt,
			       .cia_decrypt = ci_crypt } },
};
static struct crypto_alg ci_big = {
	.cra_name = "modhost-block", .cra_driver_name = "modhost-block-big",
	.cra_flags = CRYPTO_ALG_TYPE_CIPHER, .cra_blocksize = 32, .cra_module = THIS_MODULE,
	.cra_u = { .cipher = { .cia_setkey = ci_setkey, .cia_encrypt = ci_crypt,
			       .cia_decrypt = ci_crypt } },
};

static int tmpl_create(struct crypto_template *t, struct rtattr **tb) { return -ENOENT; }
static struct crypto_template tmpl = {
	.name = "modhost_tmpl", .create = tmpl_create, .module = THIS_MODULE,
};

static int loaded;
static char loaded_names[256];
static int cr_event(struct notifier_block *nb, unsigned long ev, void *p)
{
	struct crypto_alg *larval = p;

	if (ev == CRYPTO_MSG_ALG_LOADED) {
		loaded++;
		strlcat(loaded_names, larval->cra_driver_name, sizeof(loaded_names));
		strlcat(loaded_names, ",", sizeof(loaded_names));
	}
	return NOTIFY_DONE;
}
static struct notifier_block cr_nb = { .notifier_call = cr_event };

static void queue_test(void)
{
	struct crypto_queue q;
	struct crypto_async_request r[4] = {};
	struct crypto_async_request *d;

	crypto_init_queue(&q, 2);
	r[3].flags = CRYPTO_TFM_REQ_MAY_BACKLOG;
	pr_info("cryptoreg: enq0=%d\n", crypto_enqueue_request(&q, &r[0]));
	pr_info("cryptoreg: enq1=%d\n", crypto_enqueue_request(&q, &r[1]));
	pr_info("cryptoreg: enq2=%d\n", crypto_enqueue_request(&q, &r[2]));
	pr_info("cryptoreg: enq3=%d\n", crypto_enqueue_request(&q, &r[3]));
	pr_info("cryptoreg: qlen=%u backlog_is_r3=%d\n", q.qlen, q.backlog == &r[3].list);
	d = crypto_dequeue_request(&q);
	pr_info("cryptoreg: deq0=%ld\n", d ? (long)(d - r) : -1L);
	pr_info("cryptoreg: backlog_after=%d\n", q.backlog == &q.list);
	d = crypto_dequeue_request(&q);
	pr_info("cryptoreg: deq1=%ld\n", d ? (long)(d - r) : -1L);
	d = crypto_dequeue_request(&q);
	pr_info("cryptoreg: deq2=%ld\n", d ? (long)(d - r) : -1L);
	d = crypto_dequeue_request(&q);
	pr_info("cryptoreg: deq3=%ld qlen_end=%u\n", d ? (long)(d - r) : -1L, q.qlen);
}

static int __init cr_init(void)
{
	u8 ctr[3] = { 0x00, 0xff, 0xff };
	struct crypto_template *t;
	int err;

	pr_info("cryptoreg: notifier=%d\n", crypto_register_notifier(&cr_nb));

	err = crypto_register_shash(&sum);
	pr_info("cryptoreg: shash=%d\n", err);
	if (err)
		return err;
	pr_info("cryptoreg: refcnt=%u type=%u tested=%d statesize=%u\n",
		refcount_read(&sum.base.cra_refcnt), sum.base.cra_flags & CRYPTO_ALG_TYPE_MASK,
		!!(sum.base.cra_flags & CRYPTO_ALG_TESTED), sum.statesize);
	pr_info("cryptoreg: defaults=%d%d%d%d%d has_setkey=%d\n", !!sum.finup, !!sum.digest,
		!!sum.export, !!sum.import, !!sum.setkey, crypto_shash_alg_has_setkey(&sum));
	pr_info("cryptoreg: again=%d\n", crypto_register_shash(&sum));
	pr_info("cryptoreg: fast=%d\n", crypto_register_shash(&sum_fast));
	pr_info("cryptoreg: dup_driver=%d\n", crypto_register_shash(&sum_dup_driver));
	pr_info("cryptoreg: clash_name=%d\n", crypto_register_shash(&clash_name));
	pr_info("cryptoreg: clash_driver=%d\n", crypto_register_shash(&clash_driver));
	bad_digest.digestsize = HASH_MAX_DIGESTSIZE + 1;
	pr_info("cryptoreg: bad_digest=%d\n", crypto_register_shash(&bad_digest));
	bad_desc.descsize = HASH_MAX_DESCSIZE + 1;
	pr_info("cryptoreg: bad_desc=%d\n", crypto_register_shash(&bad_desc));
	bad_export.export = h_export;
	pr_info("cryptoreg: bad_export=%d\n", crypto_register_shash(&bad_export));
	pr_info("cryptoreg: no_driver=%d\n", crypto_register_shash(&no_driver));
	bad_align.base.cra_alignmask = 5;
	pr_info("cryptoreg: bad_align=%d\n", crypto_register_shash(&bad_align));
	big_align.base.cra_alignmask = 127;
	pr_info("cryptoreg: big_align=%d\n", crypto_register_shash(&big_align));
	big_block.base.cra_blocksize = 161;
	pr_info("cryptoreg: big_block=%d\n", crypto_register_shash(&big_block));
	neg_prio.base.cra_priority = -1;
	pr_info("cryptoreg: neg_prio=%d\n", crypto_register_shash(&neg_prio));
	err = crypto_register_shashes(pair, 2);
	pr_info("cryptoreg: pair=%d pair0_listed=%d\n", err, !list_empty(&pair[0].base.cra_list));

	err = crypto_register_skcipher(&sk);
	pr_info("cryptoreg: skcipher=%d chunksize=%u walksize=%u\n", err, sk.chunksize, sk.walksize);
	pr_info("cryptoreg: skcipher_bad=%d\n", crypto_register_skcipher(&sk_bad));
	pr_info("cryptoreg: kpp=%d\n", crypto_register_kpp(&kp));
	pr_info("cryptoreg: cipher=%d\n", crypto_register_alg(&ci));
	pr_info("cryptoreg: cipher_big=%d\n", crypto_register_alg(&ci_big));

	pr_info("cryptoreg: template=%d\n", crypto_register_template(&tmpl));
	pr_info("cryptoreg: template_again=%d\n", crypto_register_template(&tmpl));
	t = crypto_lookup_template("modhost_tmpl");
	pr_info("cryptoreg: lookup=%d\n", t == &tmpl);
	if (t)
		module_put(t->module);

	pr_info("cryptoreg: loaded=%d names=%s\n", loaded, loaded_names);

	queue_test();
	crypto_inc(ctr, sizeof(ctr));
	pr_info("cryptoreg: inc=%02x%02x%02x\n", ctr[0], ctr[1], ctr[2]);
	return 0;
}

static void __exit cr_exit(void)
{
	crypto_unregister_template(&tmpl);
	crypto_unregister_alg(&ci);
	crypto_unregister_kpp(&kp);
	crypto_unregister_skcipher(&sk);
	crypto_unregister_shash(&sum_dup_driver);
	crypto_unregister_shash(&sum_fast);
	crypto_unregister_shash(&sum);
	pr_info("cryptoreg: sum_dead=%d listed=%d\n", !!(sum.base.cra_flags & CRYPTO_ALG_DEAD),
		!list_empty(&sum.base.cra_list));
	/* WARNs: it is no longer registered. */
	crypto_unregister_shash(&sum);
	pr_info("cryptoreg: notifier_unreg=%d\n", crypto_unregister_notifier(&cr_nb));
	pr_info("cryptoreg: notifier_unreg_again=%d\n", crypto_unregister_notifier(&cr_nb));
}
module_init(cr_init);
module_exit(cr_exit);
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * cryptoengine: an skcipher "hardware" driver on crypto_engine, the way
 * drivers such as virtio_crypto or sun8i-ce use it: requests are handed to
 * the engine (crypto_transfer_skcipher_request_to_engine), its kthread
 * worker calls do_one_request, which does the work with a synchronous
 * fallback transform and finalizes the request
 * (crypto_finalize_skcipher_request). Registers cbc(aes) and ctr(aes) as
 * "cbc-aes-engtest" and "ctr-aes-engtest" (priority 50). The parameter
 * `requests` counts the requests the engine ran.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <crypto/engine.h>
#include <crypto/aes.h>
#include <crypto/internal/skcipher.h>

static struct platform_device *pdev;
static struct crypto_engine *engine;
static atomic_t done = ATOMIC_INIT(0);
static int requests;
module_param(requests, int, 0444);

struct engtest_ctx {
	struct crypto_engine_ctx enginectx; /* first: the engine finds it here */
	struct crypto_skcipher *fb;
};

struct engtest_reqctx {
	bool enc;
	struct skcipher_request fbreq; /* last: the fallback's context follows */
};

static int engtest_do_one(struct crypto_engine *eng, void *areq)
{
	struct skcipher_request *req = container_of(areq, struct skcipher_request, base);
	struct engtest_ctx *ctx = crypto_skcipher_ctx(crypto_skcipher_reqtfm(req));
	struct engtest_reqctx *rctx = skcipher_request_ctx(req);
	int err;

	skcipher_request_set_tfm(&rctx->fbreq, ctx->fb);
	skcipher_request_set_callback(&rctx->fbreq, 0, NULL, NULL);
	skcipher_request_set_crypt(&rctx->fbreq, req->src, req->dst, req->cryptlen, req->iv);
	err = rctx->enc ? crypto_skcipher_encrypt(&rctx->fbreq) : crypto_skcipher_decrypt(&rctx->fbreq);
	WRITE_ONCE(requests, atomic_inc_return(&done));
	crypto_finalize_skcipher_request(eng, req, err);
	return 0;
}

static int engtest_crypt(struct skcipher_request *req, bool enc)
{
	struct engtest_reqctx *rctx = skcipher_request_ctx(req);

	rctx->enc = enc;
	return crypto_transfer_skcipher_request_to_engine(engine, req);
}

static int engtest_encrypt(struct skcipher_request *req)
{
	return engtest_crypt(req, true);
}

static int engtest_decrypt(struct skcipher_request *req)
{
	return engtest_crypt(req, false);
}

static int engtest_setkey(struct crypto_skcipher *tfm, const u8 *key, unsigned int len)
{
	struct engtest_ctx *ctx = crypto_skcipher_ctx(tfm);

	crypto_skcipher_clear_flags(ctx->fb, CRYPTO_TFM_REQ_MASK);
	crypto_skcipher_set_flags(ctx->fb, crypto_skcipher_get_flags(tfm) & CRYPTO_TFM_REQ_MASK);
	return crypto_skcipher_setkey(ctx->fb, key, len);
}

static int engtest_init_tfm(struct crypto_skcipher *tfm)
{
	struct engtest_ctx *ctx = crypto_skcipher_ctx(tfm);
	const char *name = crypto_tfm_alg_name(crypto_skcipher_tfm(tfm));

	ctx->fb = crypto_alloc_skcipher(name, 0, CRYPTO_ALG_ASYNC | CRYPTO_ALG_NEED_FALLBACK);
	if (IS_ERR(ctx->fb)) {
		dev_err(&pdev->dev, "no fallback for %s: %ld\n", name, PTR_ERR(ctx->fb));
		return PTR_ERR(ctx->fb);
	}
	crypto_skcipher_set_reqsize(tfm, sizeof(struct engtest_reqctx) + crypto_skcipher_reqsize(ctx->fb));
	ctx->enginectx.op.do_one_request = engtest_do_one;
	return 0;
}

static void engtest_exit_tfm(struct crypto_skcipher *tfm)
{
	struct engtest_ctx *ctx = crypto_skcipher_ctx(tfm);

	crypto_free_skcipher(ctx->fb);
}

#define ENGTEST_ALG(mode, bs, chunk)                                                   \
	{                                                                              \
		.base = {                                                              \
			.cra_name = #mode "(aes)",                                     \
			.cra_driver_name = #mode "-aes-engtest",                       \
			.cra_priority = 50,                                            \
			.cra_flags = CRYPTO_ALG_ASYNC | CRYPTO_ALG_NEED_FALLBACK |     \
				     CRYPTO_ALG_KERN_DRIVER_ONLY,                      \
			.cra_blocksize = bs,                                           \
			.cra_ctxsize = sizeof(struct engtest_ctx),                     \
			.cra_module = THIS_MODULE,                                     \
		},                                                                     \
		.init = engtest_init_tfm, .exit = engtest_exit_tfm,                    \
		.setkey = engtest_setkey, .encrypt = engtest_encrypt,                  \
		.decrypt = engtest_decrypt, .min_keysize = AES_MIN_KEY_SIZE,           \
		.max_keysize = AES_MAX_KEY_SIZE, .ivsize = AES_BLOCK_SIZE,             \
		.chunksize = chunk,                                                    \
	}

static struct skcipher_alg algs[] = {
	ENGTEST_ALG(cbc, AES_BLOCK_SIZE, AES_BLOCK_SIZE),
	ENGTEST_ALG(ctr, 1, AES_BLOCK_SIZE),
};

static int __init engtest_init(void)
{
	int err;

	pdev = platform_device_register_simple("cryptoengine", -1, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	engine = crypto_engine_alloc_init(&pdev->dev, true);
	if (!engine) {
		err = -ENOMEM;
		goto err_dev;
	}
	err = crypto_engine_start(engine);
	if (err)
		goto err_engine;
	err = crypto_register_skciphers(algs, ARRAY_SIZE(algs));
	if (err)
		goto err_engine;
	dev_info(&pdev->dev, "engine started, %zu algorithms\n", ARRAY_SIZE(algs));
	return 0;

err_engine:
	crypto_engine_exit(engine);
err_dev:
	platform_device_unregister(pdev);
	return err;
}

static void __exit engtest_exit(void)
{
	crypto_unregister_skciphers(algs, ARRAY_SIZE(algs));
	crypto_engine_exit(engine);
	platform_device_unregister(pdev);
}

module_init(engtest_init);
module_exit(engtest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("skcipher driver on crypto_engine (modhost test)");
MODULE_SOFTDEP("pre: crypto_engine");

// SPDX-License-Identifier: GPL-2.0
/* The firmware loader: request_firmware of a plain and an .xz image, a
 * missing one with and without the warning, request_firmware_nowait. */
#include <linux/module.h>
#include <linux/firmware.h>
#include <linux/completion.h>
#include <linux/crc32.h>

static DECLARE_COMPLETION(got);
static int async_size = -1;

static void fw_cb(const struct firmware *fw, void *ctx)
{
	async_size = fw ? (int)fw->size : -2;
	release_firmware(fw);
	complete(ctx);
}

static int __init fwload_init(void)
{
	const struct firmware *a = NULL, *b = NULL, *c = (void *)1, *d = (void *)1;
	int ra, rb, rc, rd, rn;

	ra = request_firmware(&a, "modhost/plain.bin", NULL);
	rb = request_firmware(&b, "modhost/packed.bin", NULL);
	rc = request_firmware(&c, "modhost/missing.bin", NULL);
	rd = firmware_request_nowarn(&d, "modhost/quiet.bin", NULL);
	pr_info("fwload: plain=%d:%zu:%08x packed=%d:%zu:%08x missing=%d:%p quiet=%d:%p\n",
		ra, a ? a->size : 0, a ? crc32_le(0, a->data, a->size) : 0,
		rb, b ? b->size : 0, b ? crc32_le(0, b->data, b->size) : 0, rc, c, rd, d);
	release_firmware(a);
	release_firmware(b);
	rn = request_firmware_nowait(THIS_MODULE, true, "modhost/plain.bin", NULL, GFP_KERNEL, &got, fw_cb);
	wait_for_completion(&got);
	pr_info("fwload: nowait=%d size=%d empty_name=%d\n", rn, async_size, request_firmware(&a, "", NULL));
	return 0;
}

static void __exit fwload_exit(void)
{
}

module_init(fwload_init);
module_exit(fwload_exit);
MODULE_LICENSE("GPL");

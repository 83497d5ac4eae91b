// SPDX-License-Identifier: GPL-2.0
/*
 * crcuser: imports one function from each of five real Debian library
 * modules (crc7.ko, crc-itu-t.ko, crc16.ko, crc8.ko, crc64.ko), so loading it
 * needs those modules loaded first (modprobe resolves that via depends=).
 *
 * At init it runs every CRC over the standard check input "123456789" with
 * an initial value of 0 and prints one line per CRC. Expected output (these
 * are the catalogued check values of the corresponding CRC definitions):
 *
 *   crcuser: crc7_be=0xea              (CRC-7/MMC 0x75, kept in the top 7 bits)
 *   crcuser: crc_itu_t=0x31c3          (CRC-16/XMODEM)
 *   crcuser: crc16=0xbb3d              (CRC-16/ARC)
 *   crcuser: crc8=0xf4                 (CRC-8/SMBUS, table from poly 0x07)
 *   crcuser: crc64_be=0x6c40df5f0b497347 (CRC-64/ECMA-182)
 *   crcuser: loaded
 * and at exit "crcuser: unloaded".
 */
#include <linux/crc7.h>
#include <linux/crc8.h>
#include <linux/crc16.h>
#include <linux/crc64.h>
#include <linux/crc-itu-t.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static const u8 input[] = "123456789";	/* 9 bytes, the NUL is not hashed */
#define INPUT_LEN (sizeof(input) - 1)

/* crc8 needs a caller-supplied lookup table (crc8_populate_msb fills it). */
static u8 crc8_table[CRC8_TABLE_SIZE];

static int __init crcuser_init(void)
{
	crc8_populate_msb(crc8_table, 0x07);

	pr_info("crcuser: crc7_be=0x%02x\n", crc7_be(0, input, INPUT_LEN));
	pr_info("crcuser: crc_itu_t=0x%04x\n", crc_itu_t(0, input, INPUT_LEN));
	pr_info("crcuser: crc16=0x%04x\n", crc16(0, input, INPUT_LEN));
	pr_info("crcuser: crc8=0x%02x\n", crc8(crc8_table, input, INPUT_LEN, 0));
	pr_info("crcuser: crc64_be=0x%016llx\n",
		(unsigned long long)crc64_be(0, input, INPUT_LEN));
	pr_info("crcuser: loaded\n");
	return 0;
}

static void __exit crcuser_exit(void)
{
	pr_info("crcuser: unloaded\n");
}

module_init(crcuser_init);
module_exit(crcuser_exit);

MODULE_LICENSE("GPL");	/* crc64_be is EXPORT_SYMBOL_GPL */
MODULE_AUTHOR("modhost developers");
MODULE_DESCRIPTION("modhost test: uses crc7, crc-itu-t, crc16, crc8 and crc64");

// SPDX-License-Identifier: GPL-2.0
/*
 * fwres: exercises kernel/resource.c, DMI, efi, ACPI, PnP, backing devs
 * and EDAC state as the host's machine presents them, and reports what it
 * sees with pr_info for crates/kernel/tests/firmware.rs.
 */
#include <linux/module.h>
#include <linux/ioport.h>
#include <linux/dmi.h>
#include <linux/efi.h>
#include <linux/acpi.h>
#include <linux/pnp.h>
#include <linux/backing-dev.h>
#include <linux/edac.h>
#include <linux/err.h>

/* drivers/edac/edac_mc.h (not in include/) */
extern const char *edac_get_owner(void);

static struct resource parent_res = {
	.name = "fwres-parent", .start = 0x310, .end = 0x31f, .flags = IORESOURCE_IO,
};
static struct resource mem_res = {
	.name = "fwres-mem", .start = 0xd0000, .end = 0xd0fff, .flags = IORESOURCE_MEM,
};
static struct resource cover_res = {
	.name = "fwres-cover", .start = 0xc0000, .end = 0xdffff, .flags = IORESOURCE_MEM,
};
static struct resource *held, *child;
static void fwres_dev_release(struct device *dev) { }
static struct device fwres_dev = { .init_name = "fwres-dev", .release = fwres_dev_release };
static struct backing_dev_info *bdi;

static int dmi_calls;
static int dmi_cb(const struct dmi_system_id *d)
{
	dmi_calls++;
	return 0;
}

static const struct dmi_system_id fwres_dmi[] = {
	{ .callback = dmi_cb, .ident = "any QEMU",
	  .matches = { DMI_MATCH(DMI_SYS_VENDOR, "QEMU") } },
	{ .callback = dmi_cb, .ident = "exact",
	  .matches = { DMI_EXACT_MATCH(DMI_BOARD_NAME, ""),
		       DMI_MATCH(DMI_PRODUCT_NAME, "") } },
	{ .callback = dmi_cb, .ident = "oem",
	  .matches = { DMI_MATCH(DMI_OEM_STRING, "x") } },
	{ }
};

static acpi_status count_cb(acpi_handle h, u32 level, void *ctx, void **ret)
{
	(*(int *)ctx)++;
	return AE_OK;
}

static acpi_status level_cb(acpi_handle h, u32 level, void *ctx, void **ret)
{
	*(int *)ctx += level;
	return AE_OK;
}

static acpi_status stop_cb(acpi_handle h, u32 level, void *ctx, void **ret)
{
	(*(int *)ctx)++;
	return AE_CTRL_TERMINATE;
}

static acpi_status err_cb(acpi_handle h, u32 level, void *ctx, void **ret)
{
	(*(int *)ctx)++;
	return AE_ERROR;
}

static acpi_status space_handler(u32 function, acpi_physical_address address, u32 bits,
				 u64 *value, void *handler_context, void *region_context)
{
	return AE_OK;
}

static acpi_status other_handler(u32 function, acpi_physical_address address, u32 bits,
				 u64 *value, void *handler_context, void *region_context)
{
	return AE_OK;
}

static int fwres_acpi_add(struct acpi_device *d) { return 0; }
static const struct acpi_device_id fwres_acpi_ids[] = { { "FWRS0001", 0 }, { } };
static struct acpi_driver fwres_acpi = {
	.name = "fwres_acpi",
	.class = "fwres",
	.ids = fwres_acpi_ids,
	.ops = { .add = fwres_acpi_add },
	.owner = THIS_MODULE,
};

static int fwres_pnp_probe(struct pnp_dev *d, const struct pnp_device_id *id) { return 0; }
static const struct pnp_device_id fwres_pnp_ids[] = { { "FWR0001", 0 }, { "", 0 } };
static struct pnp_driver fwres_pnp = {
	.name = "fwres_pnp",
	.id_table = fwres_pnp_ids,
	.probe = fwres_pnp_probe,
};

static int __init fwres_init(void)
{
	struct resource *r1, *r2, *r3, *r4;
	int y = -1, mo = -1, d = -1, n, ret;
	acpi_status st;
	u8 v;

	/* I/O ports */
	r1 = request_muxed_region(0x2e, 2, "fwres-superio");
	r2 = request_region(0x2e, 2, "fwres-again");
	r3 = request_region(0x40, 4, "fwres-timer");
	held = request_region(0x300, 8, "fwres");
	r4 = request_region(0x300, 0, "fwres-empty");
	pr_info("fwres: muxed=%d again=%d timer=%d held=%d empty=%d flags=%lx\n",
		!!r1, !!r2, !!r3, !!held, !!r4, r1 ? r1->flags : 0);
	if (r1)
		release_region(0x2e, 2);
	release_region(0x2f0, 4);
	pr_info("fwres: ioport end=%llx iomem start=%llx phys_bits_ok=%d\n",
		(unsigned long long)ioport_resource.end,
		(unsigned long long)iomem_resource.start,
		iomem_resource.end > 0xffffffffULL && ((iomem_resource.end + 1) & iomem_resource.end) == 0);
	device_initialize(&fwres_dev);
	r1 = __devm_request_region(&fwres_dev, &ioport_resource, 0x330, 4, "fwres-devm");
	r2 = __devm_request_region(&fwres_dev, &ioport_resource, 0x330, 4, "fwres-devm2");
	r3 = __devm_request_region(&fwres_dev, &ioport_resource, 0x338, 4, "fwres-devm3");
	pr_info("fwres: devm=%d again=%d kept=%d\n", !!r1, !!r2, !!r3);
	if (r1)
		__devm_release_region(&fwres_dev, &ioport_resource, 0x330, 4);
	ret = request_resource(&ioport_resource, &parent_res);
	child = __request_region(&parent_res, 0x312, 2, "fwres-child", 0);
	n = request_resource(&ioport_resource, &parent_res);
	pr_info("fwres: parent=%d child=%d child_parent_ok=%d dup=%d\n", ret, !!child,
		child && child->parent == &parent_res, n);
	ret = insert_resource(&iomem_resource, &mem_res);
	n = insert_resource(&iomem_resource, &cover_res);
	pr_info("fwres: mem=%d cover=%d adopted=%d\n", ret, n,
		mem_res.parent == &cover_res && cover_res.child == &mem_res);

	/* DMI */
	n = dmi_check_system(fwres_dmi);
	pr_info("fwres: dmi check=%d calls=%d first=%d info=%d match_null=%d match_qemu=%d vendors=%d\n",
		n, dmi_calls, dmi_first_match(fwres_dmi) != NULL,
		dmi_get_system_info(DMI_SYS_VENDOR) != NULL,
		dmi_match(DMI_SYS_VENDOR, NULL), dmi_match(DMI_SYS_VENDOR, "QEMU"),
		dmi_name_in_vendors("QEMU"));
	ret = dmi_get_date(DMI_BIOS_DATE, &y, &mo, &d);
	pr_info("fwres: dmi date=%d y=%d m=%d d=%d bios_year=%d walk=%d available=%d dev=%d\n",
		ret, y, mo, d, dmi_get_bios_year(),
		dmi_walk(NULL, NULL), dmi_available,
		dmi_find_device(DMI_DEV_TYPE_ANY, NULL, NULL) != NULL);

	/* EFI */
	pr_info("fwres: efi boot=%d rt=%d setvar=%d smbios=%lx mask=%x\n",
		efi_enabled(EFI_BOOT), efi_enabled(EFI_RUNTIME_SERVICES),
		efi_rt_services_supported(EFI_RT_SUPPORTED_SET_VARIABLE),
		efi.smbios, efi.runtime_supported_mask);

	/* ACPI */
	n = 0;
	st = acpi_get_devices("PNP0C09", count_cb, &n, NULL);
	pr_info("fwres: acpi disabled=%d get_devices(PNP0C09)=%u n=%d\n", acpi_disabled, st, n);
	n = 0;
	st = acpi_get_devices(NULL, count_cb, &n, NULL);
	pr_info("fwres: acpi get_devices(NULL)=%u n=%d nofn=%u\n", st, n,
		acpi_get_devices(NULL, NULL, NULL, NULL));
	n = 0;
	st = acpi_walk_namespace(ACPI_TYPE_ANY, ACPI_ROOT_OBJECT, ACPI_UINT32_MAX, count_cb, NULL, &n, NULL);
	pr_info("fwres: acpi walk any=%u n=%d\n", st, n);
	n = 0;
	st = acpi_walk_namespace(ACPI_TYPE_DEVICE, ACPI_ROOT_OBJECT, 1, level_cb, NULL, &n, NULL);
	pr_info("fwres: acpi walk device=%u levels=%d\n", st, n);
	n = 0;
	st = acpi_walk_namespace(ACPI_TYPE_ANY, ACPI_ROOT_OBJECT, 1, stop_cb, NULL, &n, NULL);
	pr_info("fwres: acpi walk stop=%u n=%d\n", st, n);
	n = 0;
	st = acpi_walk_namespace(ACPI_TYPE_METHOD, ACPI_ROOT_OBJECT, 1, err_cb, NULL, &n, NULL);
	pr_info("fwres: acpi walk err=%u n=%d bad=%u,%u,%u\n", st, n,
		acpi_walk_namespace(ACPI_TYPE_ANY, ACPI_ROOT_OBJECT, 0, count_cb, NULL, &n, NULL),
		acpi_walk_namespace(ACPI_TYPE_ANY, ACPI_ROOT_OBJECT, 1, NULL, NULL, &n, NULL),
		acpi_walk_namespace(0x1e, ACPI_ROOT_OBJECT, 1, count_cb, NULL, &n, NULL));
	pr_info("fwres: acpi win8=%d sybus=%d ec=%d enforced=%d region=%d quirk=%d\n",
		acpi_osi_is_win8(), acpi_dev_present("LNXSYBUS", NULL, -1),
		acpi_dev_present("PNP0C09", NULL, -1) + 2 * ec_read(0, &v),
		acpi_resources_are_enforced(), acpi_check_region(0x2e, 2, "fwres"),
		acpi_quirk_skip_acpi_ac_and_battery());
	{
		acpi_status a, b, c, d, e, f, g;

		a = acpi_install_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_IPMI,
						       space_handler, NULL, NULL);
		b = acpi_install_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_IPMI,
						       space_handler, NULL, NULL);
		c = acpi_install_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_IPMI,
						       other_handler, NULL, NULL);
		d = acpi_install_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_SYSTEM_IO,
						       other_handler, NULL, NULL);
		e = acpi_remove_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_IPMI,
						      other_handler);
		f = acpi_remove_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_IPMI,
						      space_handler);
		g = acpi_remove_address_space_handler(ACPI_ROOT_OBJECT, ACPI_ADR_SPACE_IPMI,
						      space_handler);
		pr_info("fwres: acpi space install=%u same=%u other=%u io=%u remove_other=%u remove=%u again=%u\n",
			a, b, c, d, e, f, g);
	}
	pr_info("fwres: efivars kobj=%d writes=%d\n", efivars_kobject() != NULL,
		efivar_supports_writes());
	ret = acpi_bus_register_driver(&fwres_acpi);
	n = pnp_register_driver(&fwres_pnp);
	pr_info("fwres: acpi_drv=%d pnp_drv=%d\n", ret, n);

	/* backing devices */
	bdi = bdi_alloc(NUMA_NO_NODE);
	if (!bdi)
		return -ENOMEM;
	pr_info("fwres: bdi ra=%lu io=%lu caps=%u min=%u max=%u name=%s\n",
		bdi->ra_pages, bdi->io_pages, bdi->capabilities, bdi->min_ratio,
		bdi->max_ratio, bdi_dev_name(bdi));
	bdi->ra_pages = 64;
	ret = bdi_register(bdi, "%.28s-%d", "fwres", 0);
	n = bdi_register(bdi, "fwres-%d", 1);
	pr_info("fwres: bdi register=%d again=%d name=%s dev=%d\n", ret, n,
		bdi_dev_name(bdi), bdi->dev != NULL);

	/* EDAC */
	pr_info("fwres: edac op_state=%d owner=%d\n", edac_op_state, edac_get_owner() != NULL);
	return 0;
}

static void __exit fwres_exit(void)
{
	/* releases the managed region 0x338 */
	put_device(&fwres_dev);
	bdi_unregister(bdi);
	bdi_put(bdi);
	pnp_unregister_driver(&fwres_pnp);
	acpi_bus_unregister_driver(&fwres_acpi);
	release_resource(&cover_res);
	release_resource(&mem_res);
	if (child)
		__release_region(&parent_res, 0x312, 2);
	release_resource(&parent_res);
	if (held)
		release_region(0x300, 8);
	pr_info("fwres: exit\n");
}

module_init(fwres_init);
module_exit(fwres_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("firmware facts and I/O resources on the host's machine");

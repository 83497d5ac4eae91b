// SPDX-License-Identifier: GPL-2.0
/*
 * drvtest: registers a bus, a driver on it and on each built-in bus (pci,
 * i2c, platform, spi, serio), a class with a device, char device numbers
 * and a misc device; checks Linux's errors for duplicates; exit undoes it.
 */
#include <linux/module.h>
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/i2c.h>
#include <linux/platform_device.h>
#include <linux/spi/spi.h>
#include <linux/serio.h>
#include <linux/fs.h>
#include <linux/cdev.h>
#include <linux/miscdevice.h>
#include <linux/input.h>
#include <linux/leds.h>

static struct bus_type drvtest_bus = { .name = "drvtest" };
static struct bus_type drvtest_bus2 = { .name = "drvtest" };
static struct device_driver drvtest_drv = { .name = "drvtest_drv", .bus = &drvtest_bus, .owner = THIS_MODULE };
static struct device_driver drvtest_drv2 = { .name = "drvtest_drv", .bus = &drvtest_bus, .owner = THIS_MODULE };

static const struct pci_device_id drvtest_pci_ids[] = { { PCI_DEVICE(0x1234, 0x5678) }, { } };
static int drvtest_pci_probe(struct pci_dev *d, const struct pci_device_id *id) { return 0; }
static struct pci_driver drvtest_pci = { .name = "drvtest_pci", .id_table = drvtest_pci_ids, .probe = drvtest_pci_probe };

static struct i2c_driver drvtest_i2c = { .driver = { .name = "drvtest_i2c" } };
static struct platform_driver drvtest_plat = { .driver = { .name = "drvtest_plat" } };
static int drvtest_plat_probe(struct platform_device *p) { return 0; }
static struct platform_driver drvtest_probe = { .driver = { .name = "drvtest_probe" } };
static struct spi_driver drvtest_spi = { .driver = { .name = "drvtest_spi" } };
static struct serio_driver drvtest_serio = { .driver = { .name = "drvtest_serio" }, .description = "drvtest serio driver" };

static struct class *drvtest_class;
static ssize_t version_show(struct device_driver *drv, char *buf) { return sprintf(buf, "%s 1.0\n", drv->name); }
static DRIVER_ATTR_RO(version);
static ssize_t flavour_show(struct class *cls, struct class_attribute *attr, char *buf) { return sprintf(buf, "%s:%s\n", cls->name, attr->attr.name); }
static CLASS_ATTR_RO(flavour);
static int drvtest_added, drvtest_removed;
static int drvtest_add_dev(struct device *dev, struct class_interface *intf)
{
	pr_info("drvtest: add_dev %s\n", dev_name(dev));
	drvtest_added++;
	return 0;
}
static void drvtest_remove_dev(struct device *dev, struct class_interface *intf) { drvtest_removed++; }
static struct class_interface drvtest_intf = { .add_dev = drvtest_add_dev, .remove_dev = drvtest_remove_dev };
static dev_t drvtest_devt;
static struct cdev drvtest_cdev;
static const struct file_operations drvtest_fops = { .owner = THIS_MODULE };
static struct miscdevice drvtest_misc = { .minor = MISC_DYNAMIC_MINOR, .name = "drvtest_misc", .fops = &drvtest_fops };
static int drvtest_static_major;
static struct input_handler drvtest_handler = { .name = "drvtest", .legacy_minors = true, .minor = 200 };
static struct led_trigger *drvtest_trig, *drvtest_trig_dup;
static struct led_trigger drvtest_disk = { .name = "disk-activity" };

static int __init drvtest_init(void)
{
	int err, bus_dup, drv_dup, probe, chr_dup, plat_dup;
	struct class *dup;
	struct device *dev, *extra;

	err = bus_register(&drvtest_bus);
	if (err)
		return err;
	bus_dup = bus_register(&drvtest_bus2);
	err = driver_register(&drvtest_drv);
	if (err)
		return err;
	drv_dup = driver_register(&drvtest_drv2);
	err = pci_register_driver(&drvtest_pci);
	if (err)
		return err;
	err = i2c_add_driver(&drvtest_i2c);
	if (err)
		return err;
	err = platform_driver_register(&drvtest_plat);
	if (err)
		return err;
	plat_dup = platform_driver_register(&drvtest_plat);
	probe = platform_driver_probe(&drvtest_probe, drvtest_plat_probe);
	err = spi_register_driver(&drvtest_spi);
	if (err)
		return err;
	err = serio_register_driver(&drvtest_serio);
	if (err)
		return err;

	drvtest_class = class_create(THIS_MODULE, "drvtest");
	if (IS_ERR(drvtest_class))
		return PTR_ERR(drvtest_class);
	dup = class_create(THIS_MODULE, "drvtest");

	err = alloc_chrdev_region(&drvtest_devt, 0, 2, "drvtest");
	if (err)
		return err;
	chr_dup = register_chrdev_region(drvtest_devt + 1, 1, "drvtest_dup");
	cdev_init(&drvtest_cdev, &drvtest_fops);
	err = cdev_add(&drvtest_cdev, drvtest_devt, 2);
	if (err)
		return err;
	dev = device_create(drvtest_class, NULL, drvtest_devt, NULL, "drvtest%d", 0);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = driver_create_file(&drvtest_drv, &driver_attr_version);
	if (err)
		return err;
	pr_info("drvtest: attr_dup=%d\n", driver_create_file(&drvtest_drv, &driver_attr_version));
	err = class_create_file(drvtest_class, &class_attr_flavour);
	if (err)
		return err;
	drvtest_intf.class = drvtest_class;
	err = class_interface_register(&drvtest_intf);
	if (err)
		return err;
	extra = device_create(drvtest_class, NULL, 0, NULL, "drvtest-extra");
	if (IS_ERR(extra))
		return PTR_ERR(extra);
	device_unregister(extra);
	pr_info("drvtest: intf added=%d removed=%d\n", drvtest_added, drvtest_removed);
	drvtest_static_major = register_chrdev(0, "drvtest_static", &drvtest_fops);
	err = misc_register(&drvtest_misc);
	if (err)
		return err;

	err = input_register_handler(&drvtest_handler);
	if (err)
		return err;
	led_trigger_register_simple("drvtest-trig", &drvtest_trig);
	led_trigger_register_simple("drvtest-trig", &drvtest_trig_dup);
	led_trigger_event(drvtest_trig, LED_FULL);
	pr_info("drvtest: trig=%d trig_dup=%d disk=%d\n", drvtest_trig != NULL, drvtest_trig_dup != NULL,
		led_trigger_register(&drvtest_disk));

	pr_info("drvtest: bus_dup=%d drv_dup=%d plat_dup=%d probe=%d class_dup=%ld chr_dup=%d\n",
		bus_dup, drv_dup, plat_dup, probe, PTR_ERR(dup), chr_dup);
	pr_info("drvtest: major=%d minor=%d dev=%s drvdata=%d static_major=%d misc_minor=%d\n",
		MAJOR(drvtest_devt), MINOR(drvtest_devt), dev_name(dev), dev_get_drvdata(dev) == NULL,
		drvtest_static_major, drvtest_misc.minor);
	return 0;
}

static void __exit drvtest_exit(void)
{
	led_trigger_unregister_simple(drvtest_trig);
	input_unregister_handler(&drvtest_handler);
	misc_deregister(&drvtest_misc);
	unregister_chrdev(drvtest_static_major, "drvtest_static");
	device_destroy(drvtest_class, drvtest_devt);
	class_interface_unregister(&drvtest_intf);
	cdev_del(&drvtest_cdev);
	unregister_chrdev_region(drvtest_devt, 2);
	class_remove_file(drvtest_class, &class_attr_flavour);
	class_destroy(drvtest_class);
	serio_unregister_driver(&drvtest_serio);
	spi_unregister_driver(&drvtest_spi);
	platform_driver_unregister(&drvtest_plat);
	i2c_del_driver(&drvtest_i2c);
	pci_unregister_driver(&drvtest_pci);
	driver_remove_file(&drvtest_drv, &driver_attr_version);
	driver_unregister(&drvtest_drv);
	bus_unregister(&drvtest_bus);
	pr_info("drvtest: unloaded\n");
}

module_init(drvtest_init);
module_exit(drvtest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modhost test: the driver core without hardware");

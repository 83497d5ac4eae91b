// SPDX-License-Identifier: GPL-2.0
/*
 * devcore: exercises the driver core's generic model the way Debian's
 * modules use it (configfs, sunrpc, snd, cfg80211, snd_soc_core...).
 */
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/device.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/kdev_t.h>
#include <linux/transport_class.h>
#include <linux/auxiliary_bus.h>

static int dc_aux_probe(struct auxiliary_device *a, const struct auxiliary_device_id *id)
{
	return 0;
}
static const struct auxiliary_device_id dc_aux_ids[] = { { .name = "devcore.thing" }, {} };
static struct auxiliary_driver dc_aux = { .name = "aux", .probe = dc_aux_probe, .id_table = dc_aux_ids };
static struct auxiliary_driver dc_aux_bad = { .name = "bad" };

static DECLARE_TRANSPORT_CLASS(dc_tclass, "devcore_transport", NULL, NULL, NULL);
static DECLARE_ANON_TRANSPORT_CLASS(dc_anon, NULL, NULL);
static struct class_compat *dc_compat;
static int match_name(struct device *d, const void *data)
{
	return !strcmp(dev_name(d), data);
}

static struct kobject *dc_kobj;
static struct kset *dc_kset;
static int releases;

/* /sys/kernel/devcore/{value,hidden} */
static ssize_t value_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", 42);
}
static struct kobj_attribute value_attr = __ATTR_RO(value);
static ssize_t hidden_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "hidden\n");
}
static struct kobj_attribute hidden_attr = __ATTR_RO(hidden);
static struct attribute *dc_attrs[] = { &value_attr.attr, &hidden_attr.attr, NULL };
static umode_t dc_visible(struct kobject *k, struct attribute *a, int n)
{
	return a == &hidden_attr.attr ? 0 : a->mode;
}
static const struct attribute_group dc_group = {
	.name = "params", .attrs = dc_attrs, .is_visible = dc_visible,
};

/* a kset member with its own ktype */
struct member {
	struct kobject kobj;
	int n;
};
static void member_release(struct kobject *k)
{
	struct member *m = container_of(k, struct member, kobj);
	releases++;
	pr_info("devcore: release member%d\n", m->n);
	kfree(m);
}
static ssize_t n_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "member%d\n", container_of(k, struct member, kobj)->n);
}
static struct kobj_attribute n_attr = __ATTR_RO(n);
static struct attribute *member_attrs[] = { &n_attr.attr, NULL };
ATTRIBUTE_GROUPS(member);
static struct kobj_type member_ktype = {
	.release = member_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = member_groups,
};
static struct member *m1;

/* a class device through device_initialize + device_add */
static struct class *dc_class;
static struct device dc_dev;
static int dc_dev_released;
static void dc_dev_release(struct device *d)
{
	dc_dev_released++;
}
static char *dc_devnode(struct device *d, umode_t *mode)
{
	if (mode)
		*mode = 0640;
	return kasprintf(GFP_KERNEL, "devcore/%s", dev_name(d));
}
static ssize_t flavour_show(struct device *d, struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s:vanilla\n", dev_name(d));
}
static DEVICE_ATTR_RO(flavour);
static struct attribute *dc_dev_attrs[] = { &dev_attr_flavour.attr, NULL };
ATTRIBUTE_GROUPS(dc_dev);

/* platform devices and a driver */
static int probes, removes, actions;
static void dc_action(void *data)
{
	actions++;
	pr_info("devcore: devm action %s\n", (char *)data);
}
static int dc_probe(struct platform_device *pdev)
{
	char *buf;
	probes++;
	pr_info("devcore: probe %s id=%d\n", dev_name(&pdev->dev), pdev->id);
	if (pdev->id == 5)
		return -EINVAL;
	if (pdev->id == 6)
		return -ENODEV;
	buf = devm_kasprintf(&pdev->dev, GFP_KERNEL, "%s-res", dev_name(&pdev->dev));
	if (!buf)
		return -ENOMEM;
	platform_set_drvdata(pdev, buf);
	return devm_add_action(&pdev->dev, dc_action, buf);
}
static int dc_remove(struct platform_device *pdev)
{
	removes++;
	pr_info("devcore: remove %s drvdata=%s\n", dev_name(&pdev->dev), (char *)platform_get_drvdata(pdev));
	return 0;
}
static struct platform_driver dc_driver = {
	.probe = dc_probe,
	.remove = dc_remove,
	.driver = { .name = "devcore-plat" },
};
static struct platform_device *p3, *p5, *p6, *pauto;

static int __init devcore_init(void)
{
	struct kobject *dup;
	struct kobject *found;
	char *path;
	int err;
	struct device *noparent;

	/* kobjects under /sys/kernel */
	dc_kobj = kobject_create_and_add("devcore", kernel_kobj);
	if (!dc_kobj)
		return -ENOMEM;
	err = sysfs_create_group(dc_kobj, &dc_group);
	pr_info("devcore: group=%d\n", err);
	dup = kobject_create_and_add("devcore", kernel_kobj);
	pr_info("devcore: dup=%s\n", dup ? "made" : "NULL");
	pr_info("devcore: mnt=%d\n", sysfs_create_mount_point(kernel_kobj, "devcore_mnt"));
	pr_info("devcore: mnt_dup=%d\n", sysfs_create_mount_point(kernel_kobj, "devcore_mnt"));

	/* a kset and a member */
	dc_kset = kset_create_and_add("devcore_set", NULL, kernel_kobj);
	m1 = kzalloc(sizeof(*m1), GFP_KERNEL);
	m1->n = 1;
	m1->kobj.kset = dc_kset;
	err = kobject_init_and_add(&m1->kobj, &member_ktype, NULL, "member%d", 1);
	found = kset_find_obj(dc_kset, "member1");
	path = kobject_get_path(&m1->kobj, GFP_KERNEL);
	pr_info("devcore: member=%d found=%d path=%s refs=%d\n", err, found == &m1->kobj, path,
		kref_read(&m1->kobj.kref));
	kfree(path);
	kobject_put(found);
	pr_info("devcore: uevent=%d\n", kobject_uevent(&m1->kobj, KOBJ_CHANGE));
	pr_info("devcore: uevent_nokset=%d\n", kobject_uevent(dc_kobj, KOBJ_CHANGE));

	/* a class device */
	dc_class = class_create(THIS_MODULE, "devcore");
	if (IS_ERR(dc_class))
		return PTR_ERR(dc_class);
	dc_class->devnode = dc_devnode;
	device_initialize(&dc_dev);
	dc_dev.class = dc_class;
	dc_dev.devt = MKDEV(240, 7);
	dc_dev.release = dc_dev_release;
	dc_dev.groups = dc_dev_groups;
	dev_set_name(&dc_dev, "dc%d", 0);
	err = device_add(&dc_dev);
	pr_info("devcore: device_add=%d registered=%d\n", err, device_is_registered(&dc_dev));
	dev_info(&dc_dev, "hello from %s\n", "dc0");

	/* finding it; a compat directory linking to it */
	{
		struct device *f = class_find_device(dc_class, NULL, "dc0", match_name);
		pr_info("devcore: find=%d\n", f == &dc_dev);
		put_device(f);
	}
	dc_compat = class_compat_register("devcore_compat");
	pr_info("devcore: compat_link=%d\n", class_compat_create_link(dc_compat, &dc_dev, NULL));
	/* transport classes */
	pr_info("devcore: tclass=%d anon=%d\n", transport_class_register(&dc_tclass),
		anon_transport_class_register(&dc_anon));

	/* an auxiliary driver, named <modname>.<name>; one without probe */
	pr_info("devcore: aux=%d aux_bad=%d\n", auxiliary_driver_register(&dc_aux),
		auxiliary_driver_register(&dc_aux_bad));

	/* no name: -EINVAL; no release: Linux's complaint at the last put */
	noparent = kzalloc(sizeof(*noparent), GFP_KERNEL);
	device_initialize(noparent);
	pr_info("devcore: noname=%d\n", device_add(noparent));
	dev_set_name(noparent, "norelease");
	put_device(noparent);
	kfree(noparent);

	/* platform: a driver, then devices that bind (3), fail (5), reject (6) */
	err = platform_driver_register(&dc_driver);
	pr_info("devcore: driver=%d\n", err);
	p3 = platform_device_register_simple("devcore-plat", 3, NULL, 0);
	p5 = platform_device_register_simple("devcore-plat", 5, NULL, 0);
	p6 = platform_device_register_simple("devcore-plat", 6, NULL, 0);
	pauto = platform_device_register_simple("devcore-other", PLATFORM_DEVID_AUTO, NULL, 0);
	pr_info("devcore: p3=%d bound3=%d bound5=%d pauto=%s probes=%d\n",
		PTR_ERR_OR_ZERO(p3), p3->dev.driver == &dc_driver.driver,
		p5->dev.driver != NULL, dev_name(&pauto->dev), probes);
	return 0;
}

static void __exit devcore_exit(void)
{
	platform_device_unregister(pauto);
	platform_device_unregister(p6);
	platform_device_unregister(p5);
	platform_device_unregister(p3);
	platform_driver_unregister(&dc_driver);
	pr_info("devcore: removes=%d actions=%d\n", removes, actions);

	auxiliary_driver_unregister(&dc_aux);
	anon_transport_class_unregister(&dc_anon);
	transport_class_unregister(&dc_tclass);
	class_compat_remove_link(dc_compat, &dc_dev, NULL);
	class_compat_unregister(dc_compat);
	device_del(&dc_dev);
	put_device(&dc_dev);
	pr_info("devcore: dev_released=%d\n", dc_dev_released);
	class_destroy(dc_class);

	kobject_put(&m1->kobj);
	kset_unregister(dc_kset);
	pr_info("devcore: releases=%d\n", releases);
	sysfs_remove_mount_point(kernel_kobj, "devcore_mnt");
	sysfs_remove_group(dc_kobj, &dc_group);
	kobject_put(dc_kobj);
}

module_init(devcore_init);
module_exit(devcore_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("driver core test: kobjects, devices, platform binding");

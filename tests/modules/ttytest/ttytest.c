// SPDX-License-Identifier: GPL-2.0
/*
 * ttytest: allocates and registers tty drivers (one with its devices made
 * by the tty core, one with TTY_DRIVER_DYNAMIC_DEV whose line it registers
 * through a port, one unnumbered), initialises and links ports, registers a
 * line discipline, and checks Linux's values and errors (tty_std_termios,
 * tty_port_init's defaults, -EINVAL cases). Exit undoes it all.
 */
#include <linux/module.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/seq_file.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/serial_core.h>
#include <linux/serdev.h>
#include <linux/vt_kern.h>

/* exported by tty_baudrate.c; no header of 6.1 declares it */
speed_t tty_termios_input_baud_rate(const struct ktermios *termios);

static struct tty_driver *tt_drv, *tt_dyn, *tt_one;
static struct tty_port tt_ports[2], tt_dyn_port, tt_one_port;
static int tt_destructed;
static int tt_serdev_probe(struct serdev_device *sd) { return 0; }
static struct serdev_device_driver tt_serdev = {
	.probe = tt_serdev_probe,
	.driver = { .name = "ttytest_serdev" },
};
static struct uart_driver tt_uart = {
	.owner = THIS_MODULE,
	.driver_name = "ttytest_uart",
	.dev_name = "ttyTU",
	.major = 0,
	.minor = 0,
	.nr = 3,
};

static int tt_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "ttytest\n");
	return 0;
}

static const struct tty_operations tt_ops = { .proc_show = tt_proc_show };
static const struct tty_operations tt_ops_noproc = { };

static void tt_destruct(struct tty_port *port)
{
	tt_destructed++;
	kfree(port);
}
static const struct tty_port_operations tt_port_ops = { .destruct = tt_destruct };

static struct tty_ldisc_ops tt_ldisc = {
	.owner = THIS_MODULE,
	.num = N_DEVELOPMENT,
	.name = "ttytest",
};
static struct tty_ldisc_ops tt_ldisc_bad = { .owner = THIS_MODULE, .num = NR_LDISCS, .name = "bad" };
static struct tty_ldisc_ops tt_ldisc_neg = { .owner = THIS_MODULE, .num = -1, .name = "neg" };

static int check_termios(void)
{
	const struct ktermios *t = &tty_std_termios;

	if (t->c_iflag != (ICRNL | IXON) || t->c_oflag != (OPOST | ONLCR) ||
	    t->c_cflag != (B38400 | CS8 | CREAD | HUPCL) ||
	    t->c_lflag != (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN) ||
	    t->c_line != N_TTY || t->c_ispeed != 38400 || t->c_ospeed != 38400)
		return -1;
	if (t->c_cc[VINTR] != 3 || t->c_cc[VQUIT] != 28 || t->c_cc[VERASE] != 127 ||
	    t->c_cc[VKILL] != 21 || t->c_cc[VEOF] != 4 || t->c_cc[VTIME] != 0 ||
	    t->c_cc[VMIN] != 1 || t->c_cc[VSWTC] != 0 || t->c_cc[VSTART] != 17 ||
	    t->c_cc[VSTOP] != 19 || t->c_cc[VSUSP] != 26 || t->c_cc[VEOL] != 0 ||
	    t->c_cc[VREPRINT] != 18 || t->c_cc[VDISCARD] != 15 ||
	    t->c_cc[VWERASE] != 23 || t->c_cc[VLNEXT] != 22 || t->c_cc[VEOL2] != 0)
		return -2;
	return 0;
}

static int check_port(struct tty_port *p)
{
	if (p->close_delay != HZ / 2 || p->closing_wait != 30 * HZ)
		return -1;
	if (p->client_ops != &tty_port_default_client_ops)
		return -2;
	if (p->buf.head != &p->buf.sentinel || p->buf.tail != &p->buf.sentinel)
		return -3;
	if (kref_read(&p->kref) != 1 || p->tty || p->itty || p->count)
		return -4;
	if (!list_empty(&p->open_wait.head) || !list_empty(&p->buf.work.entry) ||
	    mutex_is_locked(&p->mutex) || work_pending(&p->buf.work))
		return -5;
	return 0;
}

static int __init ttytest_init(void)
{
	struct tty_driver *bad0, *bad1;
	struct device *dev, *oor;
	struct tty_port *heap;
	int err, i, ld_bad, ld_neg, ports_ok;

	pr_info("ttytest: termios=%d\n", check_termios());

	bad0 = tty_alloc_driver(0, 0);
	bad1 = tty_alloc_driver(2, TTY_DRIVER_UNNUMBERED_NODE);
	pr_info("ttytest: alloc0=%ld unnumbered2=%ld\n", PTR_ERR(bad0), PTR_ERR(bad1));

	tt_drv = tty_alloc_driver(2, TTY_DRIVER_REAL_RAW);
	if (IS_ERR(tt_drv))
		return PTR_ERR(tt_drv);
	pr_info("ttytest: kref=%d num=%u ports=%d ttys=%d termios=%d cdevs=%d\n",
		kref_read(&tt_drv->kref), tt_drv->num, tt_drv->ports != NULL,
		tt_drv->ttys != NULL, tt_drv->termios != NULL, tt_drv->cdevs != NULL);
	tt_drv->driver_name = "ttytest";
	tt_drv->name = "ttyTT";
	tt_drv->major = 0;
	tt_drv->minor_start = 0;
	tt_drv->type = TTY_DRIVER_TYPE_SERIAL;
	tt_drv->subtype = SERIAL_TYPE_NORMAL;
	tt_drv->init_termios = tty_std_termios;
	tt_drv->init_termios.c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL;
	tty_set_operations(tt_drv, &tt_ops);
	ports_ok = 0;
	for (i = 0; i < 2; i++) {
		tty_port_init(&tt_ports[i]);
		ports_ok |= check_port(&tt_ports[i]);
		tty_port_link_device(&tt_ports[i], tt_drv, i);
	}
	pr_info("ttytest: port=%d linked=%d\n", ports_ok,
		tt_drv->ports[0] == &tt_ports[0] && tt_drv->ports[1] == &tt_ports[1]);
	err = tty_register_driver(tt_drv);
	if (err)
		goto out_put;
	pr_info("ttytest: major=%d installed=%d\n", tt_drv->major,
		!!(tt_drv->flags & TTY_DRIVER_INSTALLED));

	/* lines appear when found: a port registers one */
	tt_dyn = tty_alloc_driver(4, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(tt_dyn)) {
		err = PTR_ERR(tt_dyn);
		goto out_unreg;
	}
	tt_dyn->driver_name = "ttytest_dyn";
	tt_dyn->name = "ttyTD";
	tt_dyn->name_base = 10;
	tt_dyn->major = 240;
	tt_dyn->minor_start = 16;
	tt_dyn->type = TTY_DRIVER_TYPE_SERIAL;
	tt_dyn->subtype = SERIAL_TYPE_NORMAL;
	tty_set_operations(tt_dyn, &tt_ops_noproc);
	err = tty_register_driver(tt_dyn);
	if (err)
		goto out_put_dyn;
	tty_port_init(&tt_dyn_port);
	dev = tty_port_register_device(&tt_dyn_port, tt_dyn, 1, NULL);
	oor = tty_register_device(tt_dyn, 4, NULL);
	pr_info("ttytest: dyn_dev=%s devt=%d:%d oor=%ld\n",
		IS_ERR(dev) ? "ERR" : dev_name(dev), MAJOR(dev->devt), MINOR(dev->devt), PTR_ERR(oor));

	/* a single node without a number, its port from kmalloc */
	tt_one = tty_alloc_driver(1, TTY_DRIVER_UNNUMBERED_NODE | TTY_DRIVER_REAL_RAW);
	if (IS_ERR(tt_one)) {
		err = PTR_ERR(tt_one);
		goto out_unreg_dyn;
	}
	tt_one->driver_name = "ttytest_one";
	tt_one->name = "ttytestone";
	tt_one->major = 0;
	tt_one->type = TTY_DRIVER_TYPE_CONSOLE;
	tty_set_operations(tt_one, &tt_ops_noproc);
	tty_port_init(&tt_one_port);
	tty_port_link_device(&tt_one_port, tt_one, 0);
	err = tty_register_driver(tt_one);
	if (err)
		goto out_put_one;

	heap = kzalloc(sizeof(*heap), GFP_KERNEL);
	if (heap) {
		tty_port_init(heap);
		heap->ops = &tt_port_ops;
		tty_port_put(heap);
	}
	pr_info("ttytest: destructed=%d\n", tt_destructed);

	err = uart_register_driver(&tt_uart);
	if (err)
		goto out_unreg_one;
	pr_info("ttytest: uart major=%d owner=%d cflag=%#o speed=%u dyn=%d port_ops=%d\n",
		tt_uart.tty_driver->major, tt_uart.tty_driver->owner != NULL,
		tt_uart.tty_driver->init_termios.c_cflag,
		tty_termios_baud_rate(&tt_uart.tty_driver->init_termios),
		!!(tt_uart.tty_driver->flags & TTY_DRIVER_DYNAMIC_DEV),
		tt_uart.state[2].port.ops != NULL && tt_uart.state[2].port.client_ops == &tty_port_default_client_ops);
	{
		struct ktermios t = tty_std_termios;

		tty_termios_encode_baud_rate(&t, 115200, 115200);
		pr_info("ttytest: encode 115200=%#o/%u", t.c_cflag, tty_termios_baud_rate(&t));
		tty_termios_encode_baud_rate(&t, 9600, 12345);
		pr_info("ttytest: encode 9600/12345=%#o/%u/%u", t.c_cflag,
			tty_termios_baud_rate(&t), tty_termios_input_baud_rate(&t));
	}

	err = serdev_device_driver_register(&tt_serdev);
	pr_info("ttytest: serdev=%d async=%d fg_console=%d\n", err,
		tt_serdev.driver.probe_type == PROBE_PREFER_ASYNCHRONOUS, fg_console);
	if (err)
		goto out_uart;

	{
		struct tty_ldisc_ops inh;

		memset(&inh, 0xaa, sizeof(inh));
		n_tty_inherit_ops(&inh);
		pr_info("ttytest: n_tty name=%s num=%d owner=%d ops=%d\n", inh.name, inh.num,
			inh.owner != NULL, inh.open && inh.close && inh.read && inh.write &&
			inh.receive_buf2 && inh.lookahead_buf && !inh.hangup && !inh.compat_ioctl);
	}

	err = tty_register_ldisc(&tt_ldisc);
	ld_bad = tty_register_ldisc(&tt_ldisc_bad);
	ld_neg = tty_register_ldisc(&tt_ldisc_neg);
	pr_info("ttytest: ldisc=%d bad=%d neg=%d\n", err, ld_bad, ld_neg);
	if (err)
		goto out_serdev;
	pr_info("ttytest: loaded\n");
	return 0;

out_serdev:
	serdev_device_driver_unregister(&tt_serdev);
out_uart:
	uart_unregister_driver(&tt_uart);
out_unreg_one:
	tty_unregister_driver(tt_one);
out_put_one:
	tty_driver_kref_put(tt_one);
	tty_port_destroy(&tt_one_port);
out_unreg_dyn:
	tty_port_unregister_device(&tt_dyn_port, tt_dyn, 1);
	tty_port_destroy(&tt_dyn_port);
	tty_unregister_driver(tt_dyn);
out_put_dyn:
	tty_driver_kref_put(tt_dyn);
out_unreg:
	tty_unregister_driver(tt_drv);
out_put:
	tty_driver_kref_put(tt_drv);
	for (i = 0; i < 2; i++)
		tty_port_destroy(&tt_ports[i]);
	return err;
}

static void __exit ttytest_exit(void)
{
	int i;

	tty_unregister_ldisc(&tt_ldisc);
	serdev_device_driver_unregister(&tt_serdev);
	uart_unregister_driver(&tt_uart);
	pr_info("ttytest: uart state=%d tty_driver=%d\n", tt_uart.state != NULL, tt_uart.tty_driver != NULL);
	tty_unregister_driver(tt_one);
	tty_driver_kref_put(tt_one);
	tty_port_destroy(&tt_one_port);
	tty_port_unregister_device(&tt_dyn_port, tt_dyn, 1);
	tty_port_destroy(&tt_dyn_port);
	tty_unregister_driver(tt_dyn);
	tty_driver_kref_put(tt_dyn);
	tty_unregister_driver(tt_drv);
	tty_driver_kref_put(tt_drv);
	for (i = 0; i < 2; i++)
		tty_port_destroy(&tt_ports[i]);
	pr_info("ttytest: unloaded\n");
}

module_init(ttytest_init);
module_exit(ttytest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modhost test: the tty layer");

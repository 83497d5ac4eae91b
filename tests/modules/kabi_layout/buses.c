// SPDX-License-Identifier: GPL-2.0
/* drivers/pci, usb, i2c, spi, hid, serio, input, misc. */
#include <linux/pci.h>
#include <linux/usb.h>
#include <linux/i2c.h>
#include <linux/spi/spi.h>
#include <linux/hid.h>
#include <linux/serio.h>
#include <linux/input.h>
#include <linux/miscdevice.h>
#include <linux/leds.h>
#include <linux/acpi.h>
#include "layout.h"

S(pci_driver)
F(pci_driver, name)
F(pci_driver, id_table)
F(pci_driver, driver)
S(usb_driver)
F(usb_driver, name)
F(usb_driver, driver)
S(i2c_driver)
F(i2c_driver, driver)
S(spi_driver)
F(spi_driver, driver)
S(hid_driver)
F(hid_driver, name)
F(hid_driver, driver)
S(serio_driver)
F(serio_driver, driver)
S(input_handler)
F(input_handler, name)
S(miscdevice)
F(miscdevice, minor)
F(miscdevice, name)
F(miscdevice, fops)
F(miscdevice, list)
F(miscdevice, this_device)
F(pci_driver, dynids)
F(pci_driver, groups)
F(pci_driver, dev_groups)
F(i2c_driver, clients)
F(spi_driver, id_table)
S(spi_device_id)
F(spi_device_id, name)
F(serio_driver, manual_bind)
F(serio_driver, description)
F(miscdevice, parent)
F(miscdevice, groups)
F(miscdevice, nodename)
F(miscdevice, mode)
S(pci_dynids)
F(pci_dynids, lock)
F(pci_dynids, list)
S(led_trigger)
F(led_trigger, name)
F(led_trigger, trigger_type)
F(led_trigger, leddev_list_lock)
F(led_trigger, led_cdevs)
F(led_trigger, next_trig)
F(input_handler, filter)
F(input_handler, legacy_minors)
F(input_handler, minor)
F(input_handler, h_list)
F(input_handler, node)
S(acpi_bus_type)
F(acpi_bus_type, list)
F(acpi_bus_type, name)
F(acpi_bus_type, match)
F(acpi_bus_type, find_companion)

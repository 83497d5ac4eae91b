#!/bin/sh
# /init of the ext4 root the real-boot test switches into: reports the modules
# Linux has loaded and powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
{
	echo "@@ROOT $(cat /etc/marker) $(grep ' / ' /proc/mounts | cut -d' ' -f1,3)"
	cut -d' ' -f1 /proc/modules | sed 's/^/@@MOD /'
	echo "@@DONE"
} > /dev/ttyS1
poweroff -f

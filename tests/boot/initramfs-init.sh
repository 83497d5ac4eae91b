#!/bin/sh
# /init of the real-boot test's initramfs (crates/cli/tests/linux_boot.rs): the
# only module tools are those of /sbin (modhost's links, or kmod's for the
# reference boot). It coldplugs QEMU's devices the way udev does — every
# /sys/devices/**/modalias given to `modprobe -a -b -q` — until a pass finds no
# new device, mounts the ext4 disk (the kernel's request_module("fs-ext4") and
# the crypto API's request for crc32c run /sbin/modprobe) and switches into it.
# Progress goes to the second serial port (/dev/ttyS1).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
echo "@@INITRAMFS $(uname -r) tools=$(readlink /sbin/modprobe)" >&3
: > /tmp/prev
pass=0
while [ $pass -lt 10 ]; do
	pass=$((pass + 1))
	find /sys/devices -name modalias -type f | while read -r f; do cat "$f"; done 2>/dev/null | sort -u > /tmp/aliases
	if cmp -s /tmp/aliases /tmp/prev; then
		break
	fi
	cp /tmp/aliases /tmp/prev
	/sbin/modprobe -a -b -q $(cat /tmp/aliases)
	echo "@@PASS $pass rc=$? aliases=$(wc -l < /tmp/aliases) modules=$(wc -l < /proc/modules)" >&3
	# drivers probe devices that bring new devices (virtio, SCSI scan)
	sleep 2
done
mkdir -p /root
if mount -t ext4 -o ro /dev/vda /root; then
	echo "@@MOUNTED" >&3
else
	echo "@@MOUNTFAIL" >&3
	cut -d' ' -f1 /proc/modules | sed 's/^/@@MOD /' >&3
	poweroff -f
fi
exec 3>&-
exec switch_root /root /init

#!/bin/sh
# /init of the module census's initramfs (scripts/census-linux.sh): the Linux
# side of the census. For every module name of /census/plan, in order, in
# Debian's own kernel:
#   modprobe NAME; if that succeeded, modprobe -r NAME; then rmmod whatever is
#   still loaded and was not loaded at boot (several passes, newest first).
# kmod 30's own tools (/sbin/modprobe, /sbin/rmmod -> /bin/kmod) work on the
# initramfs's /lib/modules/<release> (Debian's tree as .ko.xz, indexes by the
# real depmod). Debian's busybox runs its own applets in preference to PATH,
# so kmod's tools are always called by their full path.
#
# Output on the second serial port (/dev/ttyS1; the kernel console stays on
# ttyS0), one line each:
#   @@BOOT <release> <tainted> <number of plan lines>
#   @@B <name>                       before the module is touched
#   @@R <name> <load rc> <unload rc or -> <t0> <t1> <t2> <tainted> <left or ->
#       <load stderr> <unload stderr> <load stdout> <log of the load>
#       <log of the unload> <cleanup transcript> <log of the cleanup>
#     (t0/t1/t2: /proc/uptime before the load, after it, after the unload;
#      <left>: the modules the cleanup could not remove, comma-separated;
#      the last seven fields are base64 without line breaks, "-" when empty,
#      each at most 128 KiB of the text;
#      kernel logs without their timestamps)
#   @@STOP <reason>                  this boot ends here (the host reboots)
#   @@DONE                           the plan is finished
# The boot ends after a module whose log shows an oops-class fault (or that
# taints the kernel D), and after one that leaves modules behind, so every
# module starts in the same clean kernel. The console also gets
# "@@census begin <name>" before each module, so that the host can tell what
# the kernel printed for it if the guest dies.
export PATH=/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
cd /
# Booted with loglevel=1 (a quiet boot); from here warnings and worse reach the
# console too, so that a crash or a hang leaves its report there.
dmesg -n "${census_console_level:-5}" 2>/dev/null

# What was loaded at boot (normally nothing) is never unloaded; "-" keeps the
# pattern list non-empty.
{ echo -; cut -d' ' -f1 /proc/modules; } > /tmp/base
dmesg -c > /dev/null

up() { read -r u rest < /proc/uptime; echo "$u"; }
# base64 of a file, at most 128 KiB of it, "-" when it is empty
b64() {
	[ -s "$1" ] || { printf -; return; }
	n=$(wc -c < "$1")
	if [ "$n" -le 131072 ]; then
		base64 -w0 "$1"
	else
		{ head -c 131072 "$1"; printf '\n[census: truncated, %s bytes in all]\n' "$n"; } | base64 -w0
	fi
}
klog() { dmesg -c | sed 's/^\[ *[0-9][0-9]*\.[0-9]*\] //' > "$1"; }
extra() { cut -d' ' -f1 /proc/modules | grep -vxF -f /tmp/base; }
# Oops-class reports (a WARNING alone does not end the boot).
fault_re='(^|: )BUG: |^kernel BUG at |^Oops: |general protection fault|^invalid opcode: |stack-protector: |^Kernel panic|^UBSAN: |^KASAN: |^Unable to handle kernel|detected stalls? on'
faulted() {
	t=$(cat /proc/sys/kernel/tainted)
	[ $((t & 128)) != 0 ] && return 0
	cat "$@" | grep -Eq "$fault_re"
}

echo "@@BOOT $(uname -r) $(cat /proc/sys/kernel/tainted) $(grep -c . /census/plan)" >&3
set -f
while read -r name; do
	[ -n "$name" ] || continue
	echo "@@B $name" >&3
	echo "@@census begin $name"
	dmesg -c > /dev/null
	: > /tmp/re; : > /tmp/g2; : > /tmp/cl; : > /tmp/g3
	t0=$(up)
	/sbin/modprobe "$name" < /dev/null > /tmp/lo 2> /tmp/le
	lrc=$?
	t1=$(up)
	klog /tmp/g1
	rrc=-
	t2=$t1
	stop=
	if faulted /tmp/g1; then
		stop=fault
	else
		if [ $lrc = 0 ]; then
			/sbin/modprobe -r "$name" < /dev/null > /dev/null 2> /tmp/re
			rrc=$?
			t2=$(up)
			klog /tmp/g2
			faulted /tmp/g2 && stop=fault
		fi
	fi
	left=-
	if [ -z "$stop" ]; then
		for pass in 1 2 3 4; do
			extra > /tmp/x
			[ -s /tmp/x ] || break
			while read -r m; do
				echo "rmmod $m" >> /tmp/cl
				/sbin/rmmod "$m" < /dev/null >> /tmp/cl 2>&1
			done < /tmp/x
		done
		klog /tmp/g3
		faulted /tmp/g3 && stop=fault
		left=$(extra | tr '\n' ',')
		left=${left%,}
		[ -n "$left" ] || left=-
		[ "$left" = - ] || stop=${stop:-left:$left}
	fi
	echo "@@R $name $lrc $rrc $t0 $t1 $t2 $(cat /proc/sys/kernel/tainted) $left $(b64 /tmp/le) $(b64 /tmp/re) $(b64 /tmp/lo) $(b64 /tmp/g1) $(b64 /tmp/g2) $(b64 /tmp/cl) $(b64 /tmp/g3)" >&3
	if [ -n "$stop" ]; then
		echo "@@STOP $stop" >&3
		sleep 1
		poweroff -f
	fi
done < /census/plan
echo "@@DONE" >&3
sleep 1
poweroff -f

#!/bin/sh
# /init of the tools harness's initramfs: the guest side of
# crates/cli/tests/qemu_tools.rs (tests/tools/README.md). Debian's own kernel,
# its whole module tree in /lib/modules/<release>, kmod 30 (/bin/kmod, the
# tools linked to it in /k) and modhost (/bin/modhost, the same names in /m).
#
# Every scenario /s/<k>/ runs twice from the same starting state: first with
# kmod's tools, then with modhost's: /sbin is a link to /k, then to /m, so both
# run as /sbin/<tool> (the same argv[0], the kernel's default kernel.modprobe). Before each run: every module
# unloaded (with kmod's rmmod), /etc/modprobe.d replaced by the scenario's
# files (/s/<k>/conf/), the tree's modules.* files restored from /pristine and
# extra/, updates/ removed, a fresh work directory /tmp/w, kernel.modprobe =
# /sbin/modprobe (request_module from a module runs the tool under test). After
# each step this is printed on the second serial port (/dev/ttyS1):
#
#   @@STEP <n> <k|m>
#   @@RC <exit status>
#   @@OUT / @@ERR / @@PROC / @@SYS / @@LOG / @@FILES   each followed by base64 lines
#   @@END <n> <k|m>
#
# /s/<k>/steps lines: "<n> start" (first: nothing run, the starting state
# reported), "<n> <tool> args..." (tool: insmod rmmod lsmod modprobe
# depmod modinfo kmod — run as /sbin/<tool>) or "<n> sh <command>" (sh -c, the
# same command on both sides).
# Debian's busybox runs its own applets in preference to PATH, so the tools
# are always called by their full path.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /etc/modprobe.d /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
R=$(uname -r)
MR=/lib/modules/$R
export MODHOST_KERNEL=linux
# modhost must never talk to a host kernel here: if it tried (a tool that
# still acts on the host kernel), the daemon start fails at once instead of
# waiting for a host kernel that cannot start in this guest.
export MODHOST_RUNTIME_DIR=/proc/modhost-no-host-kernel
cd /

problem() {
	echo "@@PROBLEM $*" >&3
}

# Every module unloaded, newest first (-f for a [permanent] one), up to 3 passes.
unload_all() {
	for pass in 1 2 3 4; do
		cat /proc/modules > /tmp/rs
		[ -s /tmp/rs ] || return 0
		while read -r name size refs users rest; do
			case "$users" in
			*"[permanent]"*) f=-f ;;
			*) f= ;;
			esac
			/k/rmmod $f "$name" > /dev/null 2>&1 < /dev/null
		done < /tmp/rs
	done
	cat /proc/modules > /tmp/rs
	[ ! -s /tmp/rs ] || { problem "modules left after reset: $(cut -d' ' -f1 /tmp/rs | tr '\n' ' ')"; return 1; }
}

# The starting state of scenario directory $1 for side $2 (k or m).
prepare() {
	cd /
	unload_all
	rm -rf /etc/modprobe.d /tmp/w "$MR/extra" "$MR/updates"
	mkdir -p /etc/modprobe.d /tmp/w
	cp "$1"/conf/* /etc/modprobe.d/ 2>/dev/null
	for f in "$MR"/modules.*; do
		[ -e "/pristine/${f##*/}" ] || rm -f "$f"
	done
	cp /pristine/modules.* "$MR"/
	rm -f /sbin
	ln -s "/$2" /sbin
	echo /sbin/modprobe > /proc/sys/kernel/modprobe
	cd /tmp/w
	dmesg -c > /dev/null
}

# /sys/module/<m>/ for every module of /tmp/pm, in /proc/modules order, after the
# listing of /sys/module itself.
sysinfo() {
	ls /sys/module | tr '\n' ' '
	echo
	while read -r name rest; do
		md=/sys/module/$name
		h=$(ls "$md/holders" 2>/dev/null | tr '\n' ',')
		echo "$name initstate=$(cat $md/initstate 2>&1) refcnt=$(cat $md/refcnt 2>&1) taint=$(cat $md/taint 2>&1) coresize=$(cat $md/coresize 2>&1) initsize=$(cat $md/initsize 2>&1) holders=$h"
		for p in $(ls "$md/parameters" 2>/dev/null); do
			echo "$name param $p=$(cat "$md/parameters/$p" 2>&1)"
		done
	done < /tmp/pm
}

# The files a step may write: the tree's index files, the work directory, the
# modules directories extra/ and updates/.
files() {
	(cd "$MR" && ls && md5sum modules.*)
	(cd /tmp/w && find . -type f | sort | while read -r f; do md5sum "$f"; done)
}

emit() {
	cat /proc/modules > /tmp/pm
	sysinfo > /tmp/sys
	files > /tmp/files 2>&1
	dmesg -c > /tmp/log
	{
		echo "@@STEP $1 $2"
		echo "@@RC $3"
		echo "@@OUT"; base64 /tmp/out
		echo "@@ERR"; base64 /tmp/err
		echo "@@PROC"; base64 /tmp/pm
		echo "@@SYS"; base64 /tmp/sys
		echo "@@LOG"; base64 /tmp/log
		echo "@@FILES"; base64 /tmp/files
		echo "@@END $1 $2"
	} >&3
}

mkdir -p /pristine
cp "$MR"/modules.* /pristine/
# Once-per-boot kernel messages and taints happen here, not in kmod's run of a
# scenario: an out-of-tree, unsigned module loaded with -f (taints O, E and F;
# "loading out-of-tree module taints kernel.", "module verification failed",
# "<m>: module_layout: kernel tainted." and "Disabling lock debugging" are all
# printed only while the kernel lacks that taint).
[ -e /t/prewarm.ko ] && /k/insmod -f /t/prewarm.ko > /dev/null 2>&1 && unload_all
dmesg -c > /dev/null
echo "@@BOOT $(uname -r)" >&3
for k in $(ls /s); do
	sdir=/s/$k
	for side in k m; do
		prepare "$sdir" "$side"
		while read -r line; do
			set -f
			set -- $line
			set +f
			n=$1
			tool=$2
			shift 2
			case "$tool" in
			start) : ;;
			sh) sh -c "$*" ;;
			insmod|rmmod|lsmod|modprobe|depmod|modinfo|kmod) "/sbin/$tool" "$@" ;;
			*) echo "bad step: $line" >&2; false ;;
			esac > /tmp/out 2> /tmp/err < /dev/null
			emit "$n" "$side" "$?"
		done < "$sdir/steps"
	done
done
cd /
unload_all
echo "@@DONE" >&3
poweroff -f

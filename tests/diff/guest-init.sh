#!/bin/sh
# /init of the differential harness's initramfs: the Linux side of
# crates/cli/tests/linux_diff.rs. Runs every step of /plan with the real kmod 30
# tools (/sbin/insmod, /sbin/rmmod -> /bin/kmod, as on Debian 12) and prints, after
# each step, what the harness compares with the host kernel, on the second serial
# port (/dev/ttyS1; the kernel console stays on ttyS0):
#
#   @@STEP <n>
#   @@RC <exit status>
#   @@OUT / @@ERR / @@PROC / @@SYS / @@LOG   each followed by base64 lines
#   @@TAINT <contents of /proc/sys/kernel/tainted>
#   @@END <n>
#
# /plan lines: "<n> insmod [-f] <file> [args...]", "<n> rmmod [-f] <name>",
# "<n> reset" (remove every module, newest first; -f for [permanent] ones).
# Debian's busybox runs its own applets in preference to PATH, so kmod's tools
# are always called by their full path.
export PATH=/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
cd /

# /sys/module/<m>/ for every module of /tmp/pm, in /proc/modules order.
sysinfo() {
	while read -r name rest; do
		d=/sys/module/$name
		h=$(ls "$d/holders" 2>/dev/null | tr '\n' ',')
		echo "$name initstate=$(cat $d/initstate 2>&1) refcnt=$(cat $d/refcnt 2>&1) taint=$(cat $d/taint 2>&1) coresize=$(cat $d/coresize 2>&1) initsize=$(cat $d/initsize 2>&1) holders=$h"
		for p in $(ls "$d/parameters" 2>/dev/null); do
			echo "$name param $p=$(cat "$d/parameters/$p" 2>&1)"
		done
	done < /tmp/pm
}

emit() {
	cat /proc/modules > /tmp/pm
	sysinfo > /tmp/sys
	dmesg -c > /tmp/log
	{
		echo "@@STEP $1"
		echo "@@RC $2"
		echo "@@OUT"; base64 /tmp/out
		echo "@@ERR"; base64 /tmp/err
		echo "@@PROC"; base64 /tmp/pm
		echo "@@TAINT $(cat /proc/sys/kernel/tainted)"
		echo "@@SYS"; base64 /tmp/sys
		echo "@@LOG"; base64 /tmp/log
		echo "@@END $1"
	} >&3
}

do_reset() {
	: > /tmp/out
	: > /tmp/err
	for pass in 1 2 3; do
		cat /proc/modules > /tmp/rs
		[ -s /tmp/rs ] || break
		while read -r name size refs users rest; do
			case "$users" in
			*"[permanent]"*) f=-f ;;
			*) f= ;;
			esac
			echo "rmmod${f:+ $f} $name" >> /tmp/out
			/sbin/rmmod $f "$name" >> /tmp/out 2>> /tmp/err < /dev/null
		done < /tmp/rs
	done
	cat /proc/modules > /tmp/rs
	[ ! -s /tmp/rs ]
}

# "view --blocks PATH FIELD VALUE": the blank-line-separated blocks of PATH
# (/proc/crypto) holding the line "FIELD<spaces>: VALUE", each followed by a
# blank line — the same as `modhost view --blocks` on the host.
do_blocks() {
	: > /tmp/err
	: > /tmp/out
	if [ ! -e "$1" ]; then
		echo "$1: No such file or directory" > /tmp/err
		return 1
	fi
	blk=
	hit=
	while IFS= read -r l || [ -n "$l" ]; do
		if [ -z "$l" ]; then
			[ -n "$hit" ] && printf '%s\n\n' "$blk" >> /tmp/out
			blk=
			hit=
			continue
		fi
		if [ -z "$blk" ]; then blk=$l; else blk="$blk
$l"; fi
		k=${l%%:*}
		k=${k%"${k##*[! ]}"}
		[ "$k" = "$2" ] && [ "${l#*: }" = "$3" ] && hit=1
	done < "$1"
	[ -n "$hit" ] && printf '%s\n\n' "$blk" >> /tmp/out
	return 0
}

# "view PATH [WORD]": a directory's entries or a file's contents (only the
# lines holding WORD, if given) — the same as `modhost view` on the host.
do_view() {
	if [ "$1" = --blocks ]; then
		shift
		do_blocks "$@"
		return
	fi
	: > /tmp/err
	if [ -d "$1" ]; then
		ls "$1" > /tmp/raw
	elif [ -e "$1" ]; then
		cat "$1" > /tmp/raw
	else
		: > /tmp/out
		echo "$1: No such file or directory" > /tmp/err
		return 1
	fi
	if [ -n "$2" ]; then
		grep -w -- "$2" /tmp/raw > /tmp/out
	else
		cp /tmp/raw /tmp/out
	fi
	return 0
}

dmesg -c > /dev/null
echo "@@BOOT $(uname -r) $(cat /proc/sys/kernel/tainted)" >&3
set -f
while read -r line; do
	set -- $line
	n=$1
	shift
	case "$1" in
	reset) do_reset; rc=$? ;;
	view) shift; do_view "$@"; rc=$? ;;
	insmod|rmmod)
		c=$1
		shift
		/sbin/$c "$@" > /tmp/out 2> /tmp/err < /dev/null
		rc=$?
		;;
	*) echo "bad plan line: $line" > /tmp/err; : > /tmp/out; rc=255 ;;
	esac
	emit "$n" "$rc"
done < /plan
echo "@@DONE" >&3
poweroff -f

#!/usr/bin/env bash
# The module census, Linux side (tests/census/README.md): every module of
# Debian's amd64 tree through `modprobe NAME` then `modprobe -r NAME` in
# Debian's own kernel (the fixture release's vmlinuz) booted with QEMU/TCG on a
# machine without the modules' hardware, one result per module:
#
#   $MODHOST_CACHE/census/<release>/linux.tsv          the full tree
#   $MODHOST_CACHE/census/<release>/linux-sample.tsv   --sample N
#   $MODHOST_CACHE/census/<release>/linux-list.tsv     --modules a,b,c
#   $MODHOST_CACHE/census/<release>/linux-logs/<name>.log   what each module did
#
#   bash scripts/census-linux.sh [--sample N | --modules a,b,c] [--jobs J] [--force]
#
# Environment: CENSUS_TIMEOUT (seconds without progress before a module counts
# as hung, default 60), CENSUS_BOOT_TIMEOUT (default 300), CENSUS_MEM (guest MiB,
# default 2048), CENSUS_QEMU_ARGS (extra QEMU arguments, default: "-cpu max" with
# this machine's CPU vendor/family/model/stepping, see host_cpu).
#
# Progress is journaled per module as results arrive, so an interrupted run
# resumes where it stopped; a finished full run is not redone without --force.
set -uo pipefail
cd "$(dirname "$0")/.."
PROJECT=$PWD
. scripts/env.sh
export LC_ALL=C

die() { echo "census-linux: $*" >&2; exit 1; }
say() { echo "census-linux: $*" >&2; }

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

sample= modules= jobs=1 force=
while [ $# -gt 0 ]; do
	case $1 in
	--sample) [ $# -ge 2 ] || die "--sample needs a number"; sample=$2; shift 2 ;;
	--sample=*) sample=${1#*=}; shift ;;
	--modules) [ $# -ge 2 ] || die "--modules needs a list"; modules=$2; shift 2 ;;
	--modules=*) modules=${1#*=}; shift ;;
	--jobs|-j) [ $# -ge 2 ] || die "--jobs needs a number"; jobs=$2; shift 2 ;;
	--jobs=*) jobs=${1#*=}; shift ;;
	--force) force=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -z "$sample" ] || [[ $sample =~ ^[1-9][0-9]*$ ]] || die "--sample: not a positive number: $sample"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs: not a positive number: $jobs"
[ -z "$sample" ] || [ -z "$modules" ] || die "--sample and --modules exclude each other"

TIMEOUT=${CENSUS_TIMEOUT:-60}
BOOT_TIMEOUT=${CENSUS_BOOT_TIMEOUT:-300}
MEM=${CENSUS_MEM:-2048}
# The guest CPU is this machine's, as the host kernel's boot_cpu_data is:
# QEMU's "max" model (AES-NI, AVX2, SHA-NI ... as TCG can) with this CPU's
# vendor, family, model and stepping, and without the features this CPU
# lacks that decide module inits (svm/vmx: kvm; monitor: acpi_pad). Modules
# that match CPU models (intel_rapl_common, amd64_edac, kvm-amd ...) then
# answer on Linux as they do in the host. (QEMU's default qemu64 model
# would fail every SIMD crypto module with ENODEV.)
host_cpu() {
	local vendor family model stepping flags args
	vendor=$(awk -F': ' '/^vendor_id/ {print $2; exit}' /proc/cpuinfo)
	family=$(awk -F': ' '/^cpu family/ {print $2; exit}' /proc/cpuinfo)
	model=$(awk -F': ' '/^model\t/ {print $2; exit}' /proc/cpuinfo)
	stepping=$(awk -F': ' '/^stepping/ {print $2; exit}' /proc/cpuinfo)
	flags=" $(awk -F': ' '/^flags/ {print $2; exit}' /proc/cpuinfo) "
	args="max"
	[ -n "$vendor" ] && args+=",vendor=$vendor"
	[ -n "$family" ] && args+=",family=$family"
	[ -n "$model" ] && args+=",model=$model"
	[ -n "$stepping" ] && args+=",stepping=$stepping"
	# svm is hidden from the guest kernel by clearcpuid= (guest_clear) rather
	# than from the CPU model: QEMU 7.2's AMD family-25 model without svm
	# breaks the guest's static glibc (every exec of busybox aborts in
	# _dl_get_origin), while with vmx or monitor removed it runs.
	for f in vmx monitor; do
		case $flags in *" $f "*) ;; *) args+=",-$f" ;; esac
	done
	echo "-cpu $args"
}
# Kernel command-line words hiding what this CPU lacks from the guest kernel
# (clearcpuid= taints the guest with S, CPU out of spec: bit 4 in the taint
# column, which decides nothing in the census).
guest_clear() {
	local flags
	flags=" $(awk -F': ' '/^flags/ {print $2; exit}' /proc/cpuinfo) "
	case $flags in *" svm "*) ;; *) echo " clearcpuid=svm" ;; esac
}
QEMU_EXTRA=${CENSUS_QEMU_ARGS:-$(host_cpu)}
if [ -z "${CENSUS_QEMU_ARGS:-}" ]; then GUEST_CLEAR=$(guest_clear); else GUEST_CLEAR=; fi
# no_timer_check: TCG on a loaded machine can be too slow for the IO-APIC
# timer check at boot ("IO-APIC + timer doesn't work!", a panic before any
# module runs); it decides nothing about modules.
APPEND="console=ttyS0 loglevel=1 panic=-1 no_timer_check$GUEST_CLEAR"

# ---------------------------------------------------------------------------
# What the run needs: QEMU, a static busybox, kmod, cpio; the fixtures.
# ---------------------------------------------------------------------------
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
case $(ldd /bin/busybox 2>&1) in *"not a dynamic executable"*) ;; *) missing+=(busybox-static) ;; esac
[ -x /bin/kmod ] || missing+=(kmod)
command -v cpio >/dev/null || missing+=(cpio)
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	say "installing ${missing[*]}"
	ok=
	for i in 1 2 3 4; do
		if apt-get install -y -q "${missing[@]}" >/dev/null; then ok=1; break; fi
		# a mirror can be mid-sync, or another apt can hold the lock: update, retry
		[ "$i" = 1 ] && { apt-get update -q >/dev/null || true; }
		sleep $((i * 10))
	done
	[ -n "$ok" ] || die "could not install ${missing[*]}"
fi

FIXENV=$MODHOST_CACHE/fixtures/current/env
if pgrep -f 'scripts/fixtures\.sh' >/dev/null; then
	say "waiting for the running scripts/fixtures.sh"
	while pgrep -f 'scripts/fixtures\.sh' >/dev/null; do sleep 10; done
fi
[ -e "$FIXENV" ] || bash scripts/fixtures.sh >/dev/null || die "scripts/fixtures.sh failed"
# shellcheck disable=SC1090
. "$FIXENV"
[ -n "${RELEASE:-}" ] && [ -n "${AMD64_ROOT:-}" ] && [ -n "${AMD64_XZ_ROOT:-}" ] || die "$FIXENV lacks RELEASE/AMD64_ROOT/AMD64_XZ_ROOT"
[ -e "$AMD64_XZ_ROOT/.depmod-done" ] || die "the .ko.xz tree has no depmod stamp ($AMD64_XZ_ROOT)"
VMLINUZ=$AMD64_ROOT/boot/vmlinuz-$RELEASE
MODDIR=$AMD64_XZ_ROOT/lib/modules/$RELEASE
[ -r "$VMLINUZ" ] || die "no $VMLINUZ"
[ -r "$MODDIR/modules.dep.bin" ] || die "no $MODDIR/modules.dep.bin"

OUT=$MODHOST_CACHE/census/$RELEASE
STATE=$OUT/.linux          # journals, initramfs, per-job work directories
LOGS=$OUT/linux-logs
mkdir -p "$STATE" "$LOGS" || die "cannot create $OUT"
RUN=$(mktemp -d "$STATE/run.XXXXXX") || die "mktemp"   # this run's lists
trap 'rm -rf "$RUN"' EXIT
# One run at a time changes the journals (a run with nothing left to do only reads them).
locked=
lock() {
	[ -z "$locked" ] || return 0
	exec 9> "$STATE/lock"
	flock -n 9 || die "another census-linux run holds $STATE/lock"
	locked=1
}

# ---------------------------------------------------------------------------
# The selection
# ---------------------------------------------------------------------------
find "$MODDIR" -name '*.ko.xz' -printf '%f\n' | sed 's/\.ko\.xz$//' | sort -u > "$RUN/all"
total=$(wc -l < "$RUN/all")
[ "$total" -gt 0 ] || die "no modules under $MODDIR"
if [ -n "$sample" ]; then
	kind=sample
	result=$OUT/linux-sample.tsv
	# a deterministic spread: the module at index floor(i * total / N), i = 0..N-1
	awk -v n="$sample" -v t="$total" 'BEGIN { for (i = 0; i < n && i < t; i++) want[int(i * t / n) + 1] = 1 } (NR in want)' "$RUN/all" > "$RUN/selected"
	what="sample of $(wc -l < "$RUN/selected") of $total modules (index floor(i*$total/$sample))"
elif [ -n "$modules" ]; then
	kind=list
	result=$OUT/linux-list.tsv
	# names as in the tree; "kvm_intel" finds kvm-intel (kmod treats - and _ alike)
	tr ',' '\n' <<< "$modules" | sed '/^$/d' | awk 'NR == FNR { k = $0; gsub(/-/, "_", k); t[k] = $0; next }
		{ k = $0; gsub(/-/, "_", k); if (k in t) print t[k]; else { print "not in the tree: " $0 > "/dev/stderr"; bad = 1 } }
		END { exit bad }' "$RUN/all" - | sort -u > "$RUN/selected" || die "unknown module names"
	what="list of $(wc -l < "$RUN/selected") modules"
else
	kind=full
	result=$OUT/linux.tsv
	cp "$RUN/all" "$RUN/selected"
	what="all $total modules of the tree"
fi

# ---------------------------------------------------------------------------
# Journals: one line per module result, appended as results arrive
#   name class detail note load-rc unload-rc seconds tainted left when
# (the last line for a name wins). Results are shared between the kinds of run.
# ---------------------------------------------------------------------------
journals() { ls "$STATE"/journal-*.tsv 2>/dev/null; }

summary() { # the result TSV
	local f=$1
	echo
	echo "== $(basename "$f"): $(grep -vc '^#' "$f") modules"
	awk -F'\t' '!/^#/ { c[$2]++ } END { for (k in c) printf "  %-12s %5d\n", k, c[k] }' "$f" | sort -k2,2nr
	if grep -q $'\tinit-error\t' "$f"; then
		echo "-- init-error by errno"
		awk -F'\t' '!/^#/ && $2 == "init-error" { c[$3]++ } END { for (k in c) printf "  %-14s %5d\n", k, c[k] }' "$f" | sort -k2,2nr
	fi
	if grep -q $'\texit-error\t' "$f"; then
		echo "-- exit-error by errno"
		awk -F'\t' '!/^#/ && $2 == "exit-error" { c[$3]++ } END { for (k in c) printf "  %-14s %5d\n", k, c[k] }' "$f" | sort -k2,2nr
	fi
	local odd
	odd=$(awk -F'\t' '!/^#/ && ($2 == "fault" || $2 == "warn" || $2 == "hang" || $2 == "crash") { printf "  %-24s %-6s %s\n", $1, $2, substr($3, 1, 100) }' "$f")
	[ -z "$odd" ] || { echo "-- faults, warnings, hangs, crashes"; echo "$odd"; }
	# seconds per module (modprobe + modprobe -r inside the guest)
	local j
	j=$(journals)
	if [ -n "$j" ]; then
		awk -F'\t' 'NR == FNR { if (!/^#/) want[$1] = 1; next } ($1 in want) && $7 != "-" { s[$1] = $7 } END { for (k in s) print s[k] }' "$f" $j |
			sort -n | awk '{ v[NR] = $1; sum += $1 } END { if (NR) printf "-- guest time per module (modprobe + modprobe -r): mean %.2f s, median %.2f s, max %.2f s over %d\n", sum / NR, v[int((NR + 1) / 2)], v[NR], NR }'
	fi
}

if [ -n "$force" ]; then
	lock
	for j in $(journals); do
		awk -F'\t' 'NR == FNR { drop[$1] = 1; next } !($1 in drop)' "$RUN/selected" "$j" > "$j.tmp" && mv "$j.tmp" "$j"
	done
	rm -f "$result"
elif [ "$kind" = full ] && [ -e "$result" ]; then
	say "the full census is already done ($result; --force redoes it)"
	summary "$result"
	exit 0
fi

done_names() { cat /dev/null $(journals) | cut -f1 | sort -u; }
done_names > "$RUN/done"
grep -vxF -f "$RUN/done" "$RUN/selected" > "$RUN/pending"
npending=$(wc -l < "$RUN/pending")
[ "$npending" = 0 ] || lock
say "$RELEASE: $what; $((  $(wc -l < "$RUN/selected") - npending )) already done, $npending to run"

# ---------------------------------------------------------------------------
# errno names from kmod's wording (strerror of this machine's glibc, which is
# the one copied into the initramfs), plus Linux's internal errno values.
# ---------------------------------------------------------------------------
perl -e '
	use Errno;
	my %pref = map { $_ => 1 } qw(EAGAIN EDEADLK EOPNOTSUPP);
	my %by;
	for my $n (sort keys %!) { my $v = eval "Errno::$n()"; next unless defined $v;
		$by{$v} = $n if !exists $by{$v} || $pref{$n}; }
	for my $v (sort { $a <=> $b } keys %by) { local $! = $v; print "$!\t$by{$v}\n"; }
	my %k = (512, "ERESTARTSYS", 513, "ERESTARTNOINTR", 514, "ERESTARTNOHAND", 515, "ENOIOCTLCMD",
		516, "ERESTART_RESTARTBLOCK", 517, "EPROBE_DEFER", 518, "EOPENSTALE", 519, "ENOPARAM",
		521, "EBADHANDLE", 522, "ENOTSYNC", 523, "EBADCOOKIE", 524, "ENOTSUPP", 525, "ETOOSMALL",
		526, "ESERVERFAULT", 527, "EBADTYPE", 528, "EJUKEBOX", 529, "EIOCBQUEUED", 530, "ERECALLCONFLICT");
	print "Unknown error $_\t$k{$_}\n" for sort keys %k;
' > "$RUN/errno.tsv"

# ---------------------------------------------------------------------------
# The initramfs: busybox + kmod + the .ko.xz tree (built once per inputs), and
# per boot a small second archive with /census/plan (Linux unpacks both).
# ---------------------------------------------------------------------------
GUEST_INIT=$PROJECT/tests/census/guest-init.sh
BASE=$STATE/initramfs-base.cpio
key=$( { echo "$RELEASE"; sha256sum "$GUEST_INIT" /bin/busybox /bin/kmod; ls -l "$MODDIR"/modules.dep.bin; ldd /bin/kmod | sed 's/ (0x.*//'; } | sha256sum | cut -c1-16)
if [ "$npending" -gt 0 ] && { [ ! -s "$BASE" ] || [ "$(cat "$BASE.key" 2>/dev/null)" != "$key" ]; }; then
	say "building the initramfs"
	stage=$STATE/stage
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,census,etc} || die "mkdir $stage"
	mknod "$stage/dev/console" c 5 1 || die "mknod"
	cp /bin/busybox "$stage/bin/busybox"
	for a in sh mount stty cat cut grep sed tr head wc dmesg base64 uname poweroff sleep ls echo; do
		ln -s busybox "$stage/bin/$a"
	done
	cp /bin/kmod "$stage/bin/kmod"
	for t in modprobe insmod rmmod lsmod modinfo; do ln -s ../bin/kmod "$stage/sbin/$t"; done
	for lib in $(ldd /bin/kmod | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
	cp "$GUEST_INIT" "$stage/init"
	chmod 755 "$stage/init"
	{
		(cd "$stage" && find . -mindepth 1 | sed 's|^\./||' | sort | cpio -o -H newc -R 0:0 --quiet) &&
		(cd "$AMD64_XZ_ROOT" && { echo lib; echo lib/modules; find "lib/modules/$RELEASE"; } | sort | cpio -o -H newc -R 0:0 --quiet)
	} > "$BASE.tmp" || die "cpio failed"
	mv "$BASE.tmp" "$BASE"
	echo "$key" > "$BASE.key"
	rm -rf "$stage"
	say "initramfs: $(du -m "$BASE" | cut -f1) MiB"
fi

QEMU_VERSION=$(qemu-system-x86_64 --version | head -n1)
QEMU_CMD=(qemu-system-x86_64 -machine pc,accel=tcg -m "$MEM" -smp 1 -nodefaults -no-user-config
	-display none -monitor none -no-reboot)
# shellcheck disable=SC2206
[ -z "$QEMU_EXTRA" ] || QEMU_CMD+=($QEMU_EXTRA)

# ---------------------------------------------------------------------------
# Classification of one record
# ---------------------------------------------------------------------------
FAULT_RE='(^|: )BUG: |^kernel BUG at |^Oops: |general protection fault|^invalid opcode: |stack-protector: |^Kernel panic|^UBSAN: |^KASAN: |^Unable to handle kernel|detected stalls? on'

one_line() { # text on stdin -> one line, tabs and control characters replaced, at most 300 bytes
	tr '\t\r\n' '   ' | tr -d '\000-\037' | sed 's/  */ /g; s/^ //; s/ $//' | head -c 300
}

# errno name of kmod's message (last non-empty line of file $1), $2 = exit status
errno_of() {
	local msg text name
	msg=$(grep -v '^[[:space:]]*$' "$1" | tail -n1)
	if [ -z "$msg" ]; then
		if [ "$2" -gt 128 ] 2>/dev/null; then echo "signal-$(( $2 - 128 ))"; else echo "rc-$2"; fi
		return
	fi
	case $msg in
	*" is in use"*) echo EBUSY; return ;;
	*"Unknown symbol in module, or unknown parameter"*) echo ENOENT; return ;;
	*"Module already in kernel"*) echo EEXIST; return ;;
	*" is builtin"*) echo builtin; return ;;
	*"not found in directory"*|*"FATAL: Module "*" not found"*) echo not-found; return ;;
	esac
	text=${msg##*: }
	name=$(awk -F'\t' -v t="$text" '$1 == t { print $2; exit }' "$RUN/errno.tsv")
	echo "${name:-rc-$2}"
}

# console text the kernel printed after the begin marker of module $2, file $1
console_after() {
	awk -v m="@@census begin $2" 'index($0, m) == 1 { on = 1; buf = ""; next } on { buf = buf $0 "\n" } END { printf "%s", buf }' "$1" |
		tr -d '\r' | sed 's/^\[ *[0-9][0-9]*\.[0-9]*\] //'
}

dec() { [ "$1" = - ] || printf '%s' "$1" | base64 -d 2>/dev/null; }

# journal_add JOURNAL name class detail note lrc rrc secs taint left
journal_add() {
	local jf=$1
	shift
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$(date -u +%FT%TZ)" >> "$jf"
}

write_log() { # name, content on stdin
	cat > "$LOGS/.$1.log.tmp" && mv "$LOGS/.$1.log.tmp" "$LOGS/$1.log"
}

# ---------------------------------------------------------------------------
# One job: boots the guest over its part of the pending list until it is done.
# ---------------------------------------------------------------------------
run_job() {
	local j=$1 list=$2
	local work=$STATE/work-$j jf=$STATE/journal-$j.tsv
	mkdir -p "$work/p/census" "$work/rec"
	local out=$work/out.txt con=$work/console.txt
	local qpid= off=0 cur= booted= stopped= done_flag= t_last t_start t_stop=0 nrec=0 bootfails=0 boots=0 nleft
	local ntotal nall=0
	ntotal=$(wc -l < "$list")
	trap '[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null; exit 130' INT TERM HUP
	touch "$jf"

	on_record() {
		local name=$2 lrc=$3 rrc=$4 t0=$5 t1=$6 t2=$7 taint=$8 left=$9
		local r=$work/rec
		dec "${10}" > "$r/le"; dec "${11}" > "$r/re"; dec "${12}" > "$r/lo"
		dec "${13}" > "$r/g1"; dec "${14}" > "$r/g2"; dec "${15}" > "$r/cl"; dec "${16}" > "$r/g3"
		local secs class detail note fl wl rip
		secs=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
		fl=$(cat "$r/g1" "$r/g2" "$r/g3" | grep -Em1 "$FAULT_RE" | one_line)
		wl=$(cat "$r/g1" "$r/g2" "$r/g3" | grep -m1 '^WARNING: ' | one_line)
		rip=$(cat "$r/g1" "$r/g2" "$r/g3" | grep -m1 '^RIP: ' | one_line)
		if [ -z "$fl" ] && [ $(( taint & 128 )) != 0 ]; then fl="kernel tainted D (died) without a report"; fi
		if [ -n "$fl" ]; then
			class=fault detail=$fl
			note=$( { [ -z "$rip" ] || echo "$rip;"; cat "$r/le" "$r/re"; } | one_line)
		elif [ -n "$wl" ] && [ "$lrc" = 0 ]; then
			class=warn detail=$wl
			note=$( { [ -z "$rip" ] || echo "$rip;"; cat "$r/re"; } | one_line)
		elif [ -n "$wl" ]; then
			class=fault detail=$wl
			note=$( { [ -z "$rip" ] || echo "$rip;"; cat "$r/le"; } | one_line)
		elif [ "$lrc" != 0 ]; then
			class=init-error detail=$(errno_of "$r/le" "$lrc")
			note=$( { grep -m1 . "$r/g1" || cat "$r/le"; } | one_line)
		elif [ "$rrc" != 0 ]; then
			class=exit-error detail=$(errno_of "$r/re" "$rrc")
			note=$(one_line < "$r/re")
		else
			class=ok detail=-
			note=$(grep -m1 . "$r/g1" | one_line)
		fi
		[ "$left" = - ] || note="${note:+$note; }left loaded: $left"
		[ -n "$note" ] || note=-
		{
			echo "# $name: $class $detail"
			echo "== modprobe $name: rc=$lrc ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s)"
			sed 's/^/stderr: /' "$r/le"; sed 's/^/stdout: /' "$r/lo"
			sed '$a\' "$r/g1"
			if [ "$rrc" != - ]; then
				echo "== modprobe -r $name: rc=$rrc ($(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s)"
				sed 's/^/stderr: /' "$r/re"
				sed '$a\' "$r/g2"
			fi
			if [ -s "$r/cl" ] || [ -s "$r/g3" ]; then
				echo "== cleanup"
				sed 's/^/cleanup: /' "$r/cl"
				sed '$a\' "$r/g3"
			fi
			[ "$left" = - ] || echo "== left loaded: $left"
		} | write_log "$name"
		journal_add "$jf" "$name" "$class" "$detail" "$note" "$lrc" "$rrc" "$secs" "$taint" "$left"
		nrec=$((nrec + 1)) nall=$((nall + 1))
		echo "[job $j] $nall/$ntotal $name $class $detail (${secs} s)"
	}

	on_line() {
		local line=$1
		case $line in
		"@@BOOT "*) booted=1; t_last=$SECONDS
			echo "[job $j] boot $boots up after $((SECONDS - t_start)) s: ${line#@@BOOT }" ;;
		"@@B "*) cur=${line#@@B }; t_last=$SECONDS ;;
		"@@R "*)
			# shellcheck disable=SC2086
			set -f; set -- $line; set +f
			if [ $# -eq 16 ] && [ "$2" = "$cur" ]; then on_record "$@"; else echo "[job $j] malformed record (${#line} bytes) for '$cur'"; fi
			cur=; t_last=$SECONDS ;;
		"@@STOP "*) stopped=${line#@@STOP }; t_stop=$SECONDS ;;
		"@@DONE") done_flag=1; t_stop=$SECONDS ;;
		esac
	}

	read_new() {
		local size line
		size=$(stat -c %s "$out" 2>/dev/null || echo 0)
		[ "$size" -gt "$off" ] || return 0
		# (from a regular file, which bash reads by blocks, not byte by byte)
		tail -c +$((off + 1)) "$out" | head -c $((size - off)) > "$work/chunk"
		while IFS= read -r line; do
			off=$((off + ${#line} + 1))
			on_line "$line"
		done < "$work/chunk"
	}

	# the guest died or hung while module $cur ran: $1 = hang|crash
	lost() {
		local why=$1 text fl class detail note
		text=$(console_after "$con" "$cur")
		fl=$(grep -Em1 "$FAULT_RE" <<< "$text" | one_line)
		if [ "$why" = hang ]; then
			class=hang detail="no progress in $TIMEOUT s"
			if [ -n "$fl" ] && ! grep -q 'soft lockup' <<< "$fl"; then class=fault detail=$fl note="then no progress in $TIMEOUT s"; else note=$fl; fi
		else
			class=crash
			detail=$(grep -Em1 "$FAULT_RE|^Kernel panic|Rebooting|reboot|triple fault" <<< "$text" | one_line)
			[ -n "$detail" ] || detail="guest died without a report on the console"
			note=$(grep -m1 '^Kernel panic' <<< "$text" | one_line)
		fi
		[ -n "$note" ] || note=-
		{
			echo "# $cur: $class $detail"
			echo "== console after the module began (the guest $( [ "$why" = hang ] && echo "made no progress for $TIMEOUT s and was killed" || echo "died"))"
			printf '%s\n' "$text"
			echo "== qemu stderr"
			cat "$work/qemu-stderr.txt" 2>/dev/null
		} | write_log "$cur"
		journal_add "$jf" "$cur" "$class" "$detail" "$note" - - - - -
		nrec=$((nrec + 1)) nall=$((nall + 1))
		echo "[job $j] $nall/$ntotal $cur $class $detail"
		cur=
	}

	while :; do
		grep -vxF -f <(cut -f1 "$jf") "$list" > "$work/p/census/plan"
		nleft=$(wc -l < "$work/p/census/plan")
		[ "$nleft" -gt 0 ] || break
		(cd "$work/p" && printf 'census\ncensus/plan\n' | cpio -o -H newc -R 0:0 --quiet) > "$work/plan.cpio"
		cat "$BASE" "$work/plan.cpio" > "$work/boot.cpio"
		: > "$out"; : > "$con"
		off=0 cur= booted= stopped= done_flag= nrec=0
		boots=$((boots + 1))
		t_start=$SECONDS t_last=$SECONDS
		"${QEMU_CMD[@]}" -kernel "$VMLINUZ" -initrd "$work/boot.cpio" -append "$APPEND" \
			-serial "file:$con" -serial "file:$out" \
			< /dev/null > /dev/null 2> "$work/qemu-stderr.txt" &
		qpid=$!
		local alive why=
		while :; do
			alive=1
			kill -0 "$qpid" 2>/dev/null || alive=0
			read_new
			[ "$alive" = 1 ] || break
			if [ -z "$booted" ] && (( SECONDS - t_start > BOOT_TIMEOUT )); then why=boot-timeout; break; fi
			if [ -n "$cur" ] && (( SECONDS - t_last > TIMEOUT )); then why=hang; break; fi
			if [ -z "$cur" ] && [ -n "$booted" ] && (( SECONDS - t_last > TIMEOUT )); then why=stuck; break; fi
			if { [ -n "$stopped" ] || [ -n "$done_flag" ]; } && (( SECONDS - t_stop > 20 )); then why=poweroff-timeout; break; fi
			sleep 1
		done
		if [ "$alive" = 1 ]; then kill -9 "$qpid" 2>/dev/null; fi
		wait "$qpid" 2>/dev/null
		qpid=
		read_new
		if [ -n "$cur" ]; then
			if [ "$why" = hang ]; then lost hang; else lost crash; fi
		elif [ -n "$stopped" ]; then
			echo "[job $j] boot $boots ended after $nrec modules: $stopped"
		elif [ -z "$done_flag" ]; then
			echo "[job $j] boot $boots ended unexpectedly (${why:-guest exited}) after $nrec modules; console tail:"
			tail -n 5 "$con" | tr -d '\r' | sed 's/^/    /'
		fi
		if [ "$nrec" -eq 0 ]; then
			bootfails=$((bootfails + 1))
			[ "$bootfails" -lt 3 ] || { echo "[job $j] three boots in a row without progress; giving up (see $work)"; return 1; }
		else
			bootfails=0
		fi
	done
	echo "[job $j] finished ($boots boots)"
	return 0
}

# ---------------------------------------------------------------------------
# Run the jobs, each over a contiguous part of the pending list.
# ---------------------------------------------------------------------------
t0=$SECONDS
if [ "$npending" -gt 0 ]; then
	say "$QEMU_VERSION; ${QEMU_CMD[*]} -append '$APPEND'; module time limit ${TIMEOUT} s; $jobs job(s)"
	[ "$jobs" -le "$npending" ] || jobs=$npending
	per=$(( (npending + jobs - 1) / jobs ))
	pids=()
	for ((j = 0; j < jobs; j++)); do
		sed -n "$((j * per + 1)),$(((j + 1) * per))p" "$RUN/pending" > "$RUN/part-$j"
		run_job "$j" "$RUN/part-$j" &
		pids+=($!)
	done
	trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; exit 130' INT TERM HUP
	rc=0
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	trap - INT TERM HUP
	[ "$rc" = 0 ] || say "a job gave up; run again to resume"
	ran=$npending
	say "ran $ran modules in $((SECONDS - t0)) s ($(awk -v s=$((SECONDS - t0)) -v n="$ran" 'BEGIN { printf "%.2f", s / n }') s per module, wall clock)"
fi

# ---------------------------------------------------------------------------
# The result file, when every selected module has a result
# ---------------------------------------------------------------------------
done_names > "$RUN/done"
missing_n=$(grep -cvxF -f "$RUN/done" "$RUN/selected")
if [ "$missing_n" -gt 0 ]; then
	die "$missing_n selected modules have no result yet; run again to resume"
fi
{
	echo "# modhost module census, Linux side (scripts/census-linux.sh): modprobe NAME, then modprobe -r NAME"
	echo "# release: $RELEASE (Debian's vmlinuz and .ko.xz tree, kmod $(dpkg-query -W -f '${Version}' kmod 2>/dev/null) /bin/kmod, busybox $(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null))"
	echo "# modules: $what"
	echo "# date: $(date -u +%FT%TZ)"
	echo "# qemu: $QEMU_VERSION"
	echo "# cpu: ${QEMU_EXTRA}"
	echo "# machine: ${QEMU_CMD[*]} -append '$APPEND'; host $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs"
	echo "# module time limit: ${TIMEOUT} s without progress"
	echo "# columns: name class detail note (class: ok init-error exit-error warn fault hang crash)"
	awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($1 in want) && NF >= 4 { r[$1] = $1 "\t" $2 "\t" $3 "\t" $4 }
		END { for (k in r) print r[k] }' "$RUN/selected" $(journals) | sort
} > "$result.tmp" && mv "$result.tmp" "$result"
say "wrote $result"
summary "$result"

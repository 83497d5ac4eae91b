#!/usr/bin/env bash
# The daemon's endurance run (issue 9, "the daemon survives all 4023"): ONE
# `modhost serve`, and every module of Debian's amd64 tree through the real
# client, one after the other, as a user would type it:
#
#   modhost modprobe NAME      then      modhost modprobe -r NAME
#
# Each command has a time limit (CENSUS_TIMEOUT, default 30 s). After each
# module the daemon must still be the same process and answer `lsmod`; the
# run stops at the first module after which it does not (that is a failure).
# Modules left loaded (in use by an earlier one, a failed exit) stay, as on a
# real system. Writes, per module, "name<TAB>load rc<TAB>unload rc" to
#   $MODHOST_CACHE/census/<release>/daemon.tsv
# and prints the counts and the daemon's resident memory at the end.
#
#   bash scripts/census-daemon.sh [--modules a,b,c] [--build]
#
# Takes a few minutes for the whole tree; it is a script, not a CI step.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

die() { echo "census-daemon: $*" >&2; exit 1; }
modules= build=
while [ $# -gt 0 ]; do
	case $1 in
	--modules) [ $# -ge 2 ] || die "--modules needs a list"; modules=$2; shift 2 ;;
	--modules=*) modules=${1#*=}; shift ;;
	--build) build=1; shift ;;
	-h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done

CACHE=${MODHOST_CACHE:-/var/cache/modhost}
FIXENV=${MODHOST_FIXTURES:-$CACHE/fixtures/current/env}
[ -f "$FIXENV" ] || bash scripts/fixtures.sh >/dev/null || die "fixtures failed"
# shellcheck disable=SC1090
. "$FIXENV"
TIMEOUT=${CENSUS_TIMEOUT:-30}
[ -n "$build" ] || [ ! -x target/release/modhost ] && { cargo build --release -q -p modhost-cli || die "build failed"; }
M=$PWD/target/release/modhost

OUT=$CACHE/census/$RELEASE
mkdir -p "$OUT"
RUN=$(mktemp -d)
trap 'kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; rm -rf "$RUN"' EXIT
export MODHOST_RUNTIME_DIR=$RUN/run MODHOST_MODULES=$AMD64_ROOT
mkdir -m 700 "$MODHOST_RUNTIME_DIR"

if [ -n "$modules" ]; then
	tr ',' '\n' <<<"$modules" >"$RUN/names"
else
	# every module of the tree, by its name as modprobe takes it
	find "$AMD64_ROOT/lib/modules/$RELEASE/kernel" -name '*.ko*' -printf '%f\n' |
		sed 's/\.ko\(\.xz\|\.zst\|\.gz\)\?$//' | sort -u >"$RUN/names"
fi
total=$(wc -l <"$RUN/names")

"$M" serve >"$RUN/serve.log" 2>&1 &
DPID=$!
# (not `lsmod`: a client that finds no daemon starts one of its own)
for _ in $(seq 300); do [ -S "$MODHOST_RUNTIME_DIR/host.sock" ] && break; sleep 0.1; done
kill -0 "$DPID" 2>/dev/null || die "the daemon did not start: $(cat "$RUN/serve.log")"

tsv=$OUT/daemon.tsv.tmp
: >"$tsv"
start=$(date +%s)
n=0 ok=0 loadfail=0 unloadfail=0 timeouts=0 lost=
while read -r name; do
	n=$((n + 1))
	timeout "$TIMEOUT" "$M" modprobe "$name" >/dev/null 2>&1; l=$?
	if [ "$l" = 0 ]; then
		timeout "$TIMEOUT" "$M" modprobe -r "$name" >/dev/null 2>&1; u=$?
	else
		u=-
	fi
	printf '%s\t%s\t%s\n' "$name" "$l" "$u" >>"$tsv"
	case "$l/$u" in
	0/0) ok=$((ok + 1)) ;;
	124/*|*/124) timeouts=$((timeouts + 1)) ;;
	0/*) unloadfail=$((unloadfail + 1)) ;;
	*) loadfail=$((loadfail + 1)) ;;
	esac
	if ! kill -0 "$DPID" 2>/dev/null || ! timeout "$TIMEOUT" "$M" lsmod >/dev/null 2>&1; then
		lost=$name
		break
	fi
	[ $((n % 500)) = 0 ] && echo "census-daemon: $n/$total" >&2
done <"$RUN/names"
mv "$tsv" "$OUT/daemon.tsv"
rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$DPID/status" 2>/dev/null)
loaded=$("$M" lsmod 2>/dev/null | tail -n +2 | wc -l)
echo "one daemon (pid $DPID), $n of $total modules through modprobe and modprobe -r in $(( $(date +%s) - start )) s"
echo "both ok: $ok; modprobe failed: $loadfail; modprobe -r failed: $unloadfail; over ${TIMEOUT}s: $timeouts"
echo "modules still loaded at the end: $loaded; daemon resident memory: ${rss:-?}"
echo "results: $OUT/daemon.tsv"
if [ -n "$lost" ]; then
	echo "census-daemon: the daemon did not survive module $lost" >&2
	tail -n 30 "$RUN/serve.log" >&2
	exit 1
fi
echo "the daemon survived every module"

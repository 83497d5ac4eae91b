#!/usr/bin/env bash
# Benchmark (not a test): `modhost modprobe --show-depends` against kmod 30's
# `modprobe` on the Debian fixture tree, for 200 module names (every 20th name of
# modules.dep, so with and without dependencies).
#
#   each  : 200 invocations `modprobe -d ROOT -S REL -C EMPTY --show-depends NAME`
#           (how udev and scripts call it: start-up, configuration and index
#           loading dominate)
#   batch : one invocation `modprobe ... -a --show-depends NAME...` with the 200 names
#
# RUNS (default 5) timed runs of each, alternating kmod/ours, wall clock via
# `date +%s%N`; prints the medians and the ratio ours/kmod (goal: <= 1).
# Both tools read the same configuration (an empty -C directory) and the same
# kernel command line (/proc/cmdline). Builds the release binary first.
#
# Environment: MODHOST_FIXTURES (fixture env file, default
# /var/cache/modhost/fixtures/current/env), RUNS.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FIXENV=${MODHOST_FIXTURES:-/var/cache/modhost/fixtures/current/env}
KMOD_MODPROBE=/sbin/modprobe

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -r "$FIXENV" ] || die "fixture env $FIXENV missing: run scripts/fixtures.sh first"
[ -x "$KMOD_MODPROBE" ] || die "$KMOD_MODPROBE (kmod) not installed"
# shellcheck disable=SC1090
. "$FIXENV"

log "building the release binary"
cargo build --release -q -p modhost-cli
OURS=$PWD/target/release/modhost
[ -x "$OURS" ] || die "$OURS not built"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-modprobe.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/conf" "$WORK/bin"
ln -s "$OURS" "$WORK/bin/modprobe"

MODDIR=$AMD64_ROOT/lib/modules/$RELEASE
awk -F: 'NR % 20 == 1 { n = $1; sub(".*/", "", n); sub("\\..*", "", n); gsub("-", "_", n); print n }' \
    "$MODDIR/modules.dep" | head -n 200 > "$WORK/names"
N=$(wc -l < "$WORK/names")
log "$N names from $MODDIR"

# identical output first (a benchmark of a wrong answer is worthless)
for tool in "$KMOD_MODPROBE" "$WORK/bin/modprobe"; do
    xargs "$tool" -d "$AMD64_ROOT" -S "$RELEASE" -C "$WORK/conf" -a --show-depends < "$WORK/names" > "$WORK/out.$(basename "$(dirname "$tool")")" 2>&1 || true
done
cmp -s "$WORK/out.sbin" "$WORK/out.bin" || die "outputs differ: $(diff "$WORK/out.sbin" "$WORK/out.bin" | head -5)"

each() { # tool
    local tool=$1 n
    while read -r n; do
        MODHOST_KERNEL=linux "$tool" -d "$AMD64_ROOT" -S "$RELEASE" -C "$WORK/conf" --show-depends "$n" > /dev/null 2>&1 || true
    done < "$WORK/names"
}
batch() { # tool
    xargs env MODHOST_KERNEL=linux "$1" -d "$AMD64_ROOT" -S "$RELEASE" -C "$WORK/conf" -a --show-depends < "$WORK/names" > /dev/null 2>&1 || true
}

ms() { # function tool -> milliseconds
    local t0 t1
    t0=$(date +%s%N); "$1" "$2"; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

for variant in each batch; do
    "$variant" "$KMOD_MODPROBE"; "$variant" "$WORK/bin/modprobe"   # warm-up
    : > "$WORK/k"; : > "$WORK/o"
    for _ in $(seq "$RUNS"); do
        ms "$variant" "$KMOD_MODPROBE" >> "$WORK/k"
        ms "$variant" "$WORK/bin/modprobe" >> "$WORK/o"
    done
    k=$(median < "$WORK/k"); o=$(median < "$WORK/o")
    ratio=$(awk -v o="$o" -v k="$k" 'BEGIN { if (k > 0) printf "%.2f", o / k; else print "n/a" }')
    printf '%-6s kmod %6d ms   modhost %6d ms   ratio %s   (median of %d; runs kmod: %s; ours: %s)\n' \
        "$variant" "$k" "$o" "$ratio" "$RUNS" "$(paste -sd, "$WORK/k")" "$(paste -sd, "$WORK/o")"
done

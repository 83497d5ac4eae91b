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
# ${MODHOST_CACHE:-/var/cache/modhost}/fixtures/current/env), RUNS.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
KMOD_MODPROBE=/sbin/modprobe
bench_setup bench-modprobe "$KMOD_MODPROBE"
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

for variant in each batch; do
    "$variant" "$KMOD_MODPROBE"; "$variant" "$WORK/bin/modprobe"   # warm-up
    : > "$WORK/k"; : > "$WORK/o"
    for _ in $(seq "$RUNS"); do
        elapsed ms "$variant" "$KMOD_MODPROBE" >> "$WORK/k"
        elapsed ms "$variant" "$WORK/bin/modprobe" >> "$WORK/o"
    done
    k=$(median int < "$WORK/k"); o=$(median int < "$WORK/o")
    ratio=$(awk -v o="$o" -v k="$k" 'BEGIN { if (k > 0) printf "%.2f", o / k; else print "n/a" }')
    printf '%-6s kmod %6d ms   modhost %6d ms   ratio %s   (median of %d; runs kmod: %s; ours: %s)\n' \
        "$variant" "$k" "$o" "$ratio" "$RUNS" "$(paste -sd, "$WORK/k")" "$(paste -sd, "$WORK/o")"
done

#!/usr/bin/env bash
# Benchmark (not a test): `modhost depmod` against kmod 30's `depmod` on the whole
# Debian fixture tree (4023 modules; BENCH_TREES=all adds the .ko.xz and .ko.zst trees).
#
# Each tool works on its own copy of lib/modules/<release> (module files hard-linked,
# the existing indexes left out), so both read the same files and write all ten outputs.
# One warm-up run of each, then RUNS (default 5) timed runs of each, alternating
# kmod/ours, wall-clock via `date +%s%N`; prints the medians, the ratio ours/kmod, the
# CPU time (user+sys) medians, and whether the ten files, stdout and stderr were
# byte-identical. Non-interactive; builds the release binary first.
#
# Ours' full runs start with an empty incremental cache each time (so they include
# writing it: what a first run costs). The "1 changed" rows then time ours with a
# warm cache after one module's content changed (it alternates between its own
# bytes and another module's, replaced by rename so the fixture's hard-linked file
# is untouched), against kmod's full run of the same row above; kmod is run on that
# tree afterwards to check the outputs are identical.
#
# Environment: MODHOST_FIXTURES (fixture env file, default
# ${MODHOST_CACHE:-/var/cache/modhost}/fixtures/current/env), RUNS, BENCH_TREES=all.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
KMOD_DEPMOD=/sbin/depmod
OUTPUTS="modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep
modules.symbols modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin modules.devname"
bench_setup bench-depmod "$KMOD_DEPMOD" /var/tmp
CACHE_DIR=$WORK/depmod-cache
export MODHOST_DEPMOD_CACHE=$CACHE_DIR

# copy_tree SRCROOT REL DSTROOT: the module directory with hard links (copies when the
# file system differs), without the index files.
copy_tree() {
    mkdir -p "$3/lib/modules"
    cp -al "$1/lib/modules/$2" "$3/lib/modules/" 2>/dev/null || cp -a "$1/lib/modules/$2" "$3/lib/modules/"
    for f in $OUTPUTS; do rm -f "$3/lib/modules/$2/$f"; done
}

# quiet CMD...: runs CMD without its output, whatever its status.
quiet() { "$@" >/dev/null 2>&1 || true; }
# cpu_ms CMD...: runs CMD, prints user+sys milliseconds of it and its children.
cpu_ms() {
    local t
    t=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -1)
    awk -v t="$t" 'BEGIN {split(t, a, " "); printf "%d\n", (a[1] + a[2]) * 1000}'
}

RESULTS=()
bench() { # label SRCROOT REL
    local label=$1 src=$2 rel=$3 i km om kc oc same=yes
    local k=$WORK/k o=$WORK/o
    rm -rf "$k" "$o"
    copy_tree "$src" "$rel" "$k"
    copy_tree "$src" "$rel" "$o"
    local kcmd=("$KMOD_DEPMOD" -b "$k" "$rel") ocmd=("$OURS" depmod -b "$o" "$rel")
    # Sanity: identical files, stdout, stderr (paths made equal) and status?
    "${kcmd[@]}" >"$WORK/k.out" 2>"$WORK/k.err" && ks=0 || ks=$?
    "${ocmd[@]}" >"$WORK/o.out" 2>"$WORK/o.err" && os=0 || os=$?
    sed -i "s#$k#ROOT#g" "$WORK/k.out" "$WORK/k.err"
    sed -i "s#$o#ROOT#g" "$WORK/o.out" "$WORK/o.err"
    cmp -s "$WORK/k.out" "$WORK/o.out" && cmp -s "$WORK/k.err" "$WORK/o.err" && [ "$ks" = "$os" ] || same=NO
    for f in $OUTPUTS; do cmp -s "$k/lib/modules/$rel/$f" "$o/lib/modules/$rel/$f" || same=NO; done
    : >"$WORK/kt"; : >"$WORK/ot"; : >"$WORK/kc"; : >"$WORK/oc"
    for ((i = 0; i < RUNS; i++)); do
        elapsed us quiet "${kcmd[@]}" >>"$WORK/kt"
        rm -rf "$CACHE_DIR"
        elapsed us quiet "${ocmd[@]}" >>"$WORK/ot"
        cpu_ms "${kcmd[@]}" >>"$WORK/kc"
        rm -rf "$CACHE_DIR"
        cpu_ms "${ocmd[@]}" >>"$WORK/oc"
    done
    km=$(median <"$WORK/kt"); om=$(median <"$WORK/ot")
    kc=$(median <"$WORK/kc"); oc=$(median <"$WORK/oc")
    RESULTS+=("$(awk -v l="$label" -v k="$km" -v o="$om" -v kc="$kc" -v oc="$oc" -v s="$same" \
        'BEGIN {printf "%-16s %10.1f %10.1f %8.2f %12.0f %12.0f %8.2f   %s", l, k/1000, o/1000, (k>0?o/k:0), kc, oc, (kc>0?oc/kc:0), s}')")
    incremental "$label" "$o" "$rel" "$km"
    rm -rf "$k" "$o"
}

# incremental LABEL ROOT REL KMOD_FULL_US: warm cache, one module changed per run.
incremental() {
    local label=$1 o=$2 rel=$3 km=$4 i same=yes
    local dir=$o/lib/modules/$rel x y
    x=$(find "$dir" -name '*.ko*' | sort | sed -n 100p)
    y=$(find "$dir" -name '*.ko*' | sort | sed -n 200p)
    cp "$x" "$WORK/x.orig"; cp "$y" "$WORK/y.orig"
    local ocmd=("$OURS" depmod -b "$o" "$rel")
    rm -rf "$CACHE_DIR"
    quiet "${ocmd[@]}"; sleep 2.5; quiet "${ocmd[@]}" # cold, then past the racy window
    : >"$WORK/it"
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2 == 0)); then cp "$WORK/y.orig" "$x.new"; else cp "$WORK/x.orig" "$x.new"; fi
        mv "$x.new" "$x"
        elapsed us quiet "${ocmd[@]}" >>"$WORK/it"
    done
    for f in $OUTPUTS; do cp "$dir/$f" "$WORK/$f.ours"; done
    quiet "$KMOD_DEPMOD" -b "$o" "$rel"
    for f in $OUTPUTS; do cmp -s "$dir/$f" "$WORK/$f.ours" || same=NO; done
    local im
    im=$(median <"$WORK/it")
    RESULTS+=("$(awk -v l="$label, 1 changed" -v k="$km" -v o="$im" -v s="$same" \
        'BEGIN {printf "%-16s %10.1f %10.1f %8.2f %12s %12s %8s   %s", l, k/1000, o/1000, (k>0?o/k:0), "-", "-", "-", s}')")
}

log "timing: $RUNS alternating runs each (plus one warm-up)"
bench "amd64 .ko" "$AMD64_ROOT" "$RELEASE"
if [ "${BENCH_TREES:-}" = all ]; then
    bench "amd64 .ko.xz" "$AMD64_XZ_ROOT" "$RELEASE"
    bench "amd64 .ko.zst" "$AMD64_ZST_ROOT" "$RELEASE"
fi

echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kmod:    $("$KMOD_DEPMOD" -V | head -1) ($KMOD_DEPMOD)"
echo "ours:    $OURS depmod"
echo "runs:    $RUNS each, alternating, after one warm-up each; medians (ours' full runs with an empty cache;"
echo "         '1 changed': ours with a warm cache after one module changed, ratio to kmod's full run)"
echo
printf '%-16s %10s %10s %8s %12s %12s %8s   %s\n' tree "kmod (ms)" "ours (ms)" ratio "kmod cpu ms" "ours cpu ms" "cpu rat" "identical"
printf '%-16s %10s %10s %8s %12s %12s %8s   %s\n' ---------------- ---------- ---------- -------- ------------ ------------ -------- ---------
printf '%s\n' "${RESULTS[@]}"

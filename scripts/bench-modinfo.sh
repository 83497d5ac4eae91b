#!/usr/bin/env bash
# Benchmark (not a test): `modhost modinfo` against kmod 30's `modinfo` over the whole
# amd64 fixture tree in ONE process per run.
#
#   path   : modinfo <all 4023 .ko paths>                 (output to /dev/null)
#   name   : modinfo -b ROOT -k REL <all 4023 module names>
#   (BENCH_TREES=all adds the .ko.xz and .ko.zst trees by path)
#
# Each variant: one warm-up run of each tool, then RUNS (default 5) timed runs of each,
# alternating kmod/ours, wall-clock via `date +%s%N`; prints the medians and the ratio
# ours/kmod. If hyperfine is available (installed with apt-get when missing and we can),
# it is run too as a cross-check (hyperfine runs the commands back to back, not
# alternating). Non-interactive; builds the release binary first.
#
# Environment: MODHOST_FIXTURES (fixture env file, default
# ${MODHOST_CACHE:-/var/cache/modhost}/fixtures/current/env), RUNS, BENCH_TREES=all,
# NO_HYPERFINE=1.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
KMOD_MODINFO=/sbin/modinfo
bench_setup bench-modinfo "$KMOD_MODINFO"

# hyperfine: install if missing (idempotent; skipped without root/sudo or with NO_HYPERFINE=1).
have_hyperfine() { command -v hyperfine >/dev/null 2>&1; }
if [ -z "${NO_HYPERFINE:-}" ] && ! have_hyperfine; then
    if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=no; fi
    if [ "$SUDO" != no ]; then
        log "installing hyperfine"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null 2>&1 ||
            { $SUDO apt-get update -q >/dev/null 2>&1 || true
              $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null 2>&1 || true; }
    fi
    have_hyperfine || log "hyperfine not available: date-based timing only"
fi

# Argument lists are far too long for a single command string, so each benchmarked
# command is a tiny wrapper that reads its arguments from a file (same cost for both).
make_wrapper() { # name kind(kmod|ours) argfile
    local f=$WORK/$1-$2.sh
    {
        echo '#!/bin/bash'
        echo "mapfile -t A < '$3'"
        if [ "$2" = kmod ]; then
            echo "exec -a modinfo '$KMOD_MODINFO' \"\${A[@]}\" >/dev/null 2>&1"
        else
            echo "exec '$OURS' modinfo \"\${A[@]}\" >/dev/null 2>&1"
        fi
    } >"$f"
    chmod +x "$f"
    echo "$f"
}

RESULTS=()
bench() { # label argfile
    local label=$1 args=$2 k o i id
    id=$(printf '%s' "$label" | tr -c 'A-Za-z0-9' _)
    k=$(make_wrapper "$id" kmod "$args")
    o=$(make_wrapper "$id" ours "$args")
    # Sanity: identical output (stdout+stderr+status) on this input?
    local same=yes
    mapfile -t A <"$args"
    "$KMOD_MODINFO" "${A[@]}" >"$WORK/k.out" 2>"$WORK/k.err" && ks=0 || ks=$?
    "$OURS" modinfo "${A[@]}" >"$WORK/o.out" 2>"$WORK/o.err" && os=0 || os=$?
    cmp -s "$WORK/k.out" "$WORK/o.out" && cmp -s "$WORK/k.err" "$WORK/o.err" && [ "$ks" = "$os" ] || same=NO
    local nargs=${#A[@]}
    "$k"; "$o" # warm-up (page cache)
    : >"$WORK/kt"; : >"$WORK/ot"
    for ((i = 0; i < RUNS; i++)); do
        elapsed us "$k" >>"$WORK/kt"
        elapsed us "$o" >>"$WORK/ot"
    done
    local km om
    km=$(median <"$WORK/kt"); om=$(median <"$WORK/ot")
    RESULTS+=("$(awk -v l="$label" -v n="$nargs" -v k="$km" -v o="$om" -v s="$same" \
        'BEGIN {printf "%-22s %6d %12.1f %12.1f %8.2f   %s", l, n, k/1000, o/1000, (k>0?o/k:0), s}')")
    if have_hyperfine && [ -z "${NO_HYPERFINE:-}" ]; then
        log "hyperfine: $label"
        hyperfine -N --style basic --warmup 1 --runs "$RUNS" -n "kmod $label" "$k" -n "ours $label" "$o" \
            --export-markdown "$WORK/$id.md" >/dev/null 2>&1 || log "hyperfine failed for $label"
        if [ -s "$WORK/$id.md" ]; then cat "$WORK/$id.md" >>"$WORK/hyperfine.md"; echo >>"$WORK/hyperfine.md"; fi
    fi
    return 0
}

AMD=$AMD64_ROOT/lib/modules/$RELEASE
find "$AMD" -name '*.ko' | sort >"$WORK/paths-amd64"
sed 's/^\([^:]*\):.*/\1/; s#.*/##; s/\..*//; s/-/_/g' "$AMD/modules.dep" >"$WORK/names"
{ printf '%s\n' -b "$AMD64_ROOT" -k "$RELEASE"; cat "$WORK/names"; } >"$WORK/args-names"

log "timing: $RUNS alternating runs each"
bench "path amd64 .ko" "$WORK/paths-amd64"
bench "name amd64 (-b/-k)" "$WORK/args-names"
if [ "${BENCH_TREES:-}" = all ]; then
    find "$AMD64_XZ_ROOT/lib/modules/$RELEASE" -name '*.ko.xz' | sort >"$WORK/paths-xz"
    find "$AMD64_ZST_ROOT/lib/modules/$RELEASE" -name '*.ko.zst' | sort >"$WORK/paths-zst"
    bench "path amd64 .ko.xz" "$WORK/paths-xz"
    bench "path amd64 .ko.zst" "$WORK/paths-zst"
fi

echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)"
echo "kmod:    $("$KMOD_MODINFO" -V | head -1) ($KMOD_MODINFO)"
echo "ours:    $OURS"
echo "runs:    $RUNS each, alternating, after one warm-up each; wall-clock medians"
echo
printf '%-22s %6s %12s %12s %8s   %s\n' variant argv "kmod (ms)" "ours (ms)" ours/kmod "same output"
printf '%-22s %6s %12s %12s %8s   %s\n' ---------------------- ------ ------------ ------------ -------- -----------
printf '%s\n' "${RESULTS[@]}"
if [ -s "$WORK/hyperfine.md" ]; then
    echo
    echo "hyperfine cross-check (back to back, not alternating):"
    cat "$WORK/hyperfine.md"
fi

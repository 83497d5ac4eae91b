# Shared by the benchmark scripts scripts/bench-{modinfo,modprobe,depmod}.sh
# (sourced from the repository root, after `set -euo pipefail`): their set-up
# and timing helpers.
#
# Environment: MODHOST_FIXTURES (fixture env file, default
# ${MODHOST_CACHE:-/var/cache/modhost}/fixtures/current/env), RUNS (timed runs
# of each tool, default 5).

RUNS=${RUNS:-5}
FIXENV=${MODHOST_FIXTURES:-${MODHOST_CACHE:-/var/cache/modhost}/fixtures/current/env}

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# bench_setup NAME KMOD_TOOL [TMPBASE]: checks that the fixture env file and the
# real kmod tool are there, sources the env file (RELEASE, AMD64_ROOT, ...),
# builds the release binary (OURS) and makes the work directory WORK under
# ${TMPDIR:-TMPBASE} (default /tmp), removed on exit.
bench_setup() {
    [ -r "$FIXENV" ] || die "fixture env $FIXENV missing: run scripts/fixtures.sh first"
    [ -x "$2" ] || die "$2 (kmod) not installed"
    # shellcheck disable=SC1090
    . "$FIXENV"

    log "building the release binary"
    cargo build --release -q -p modhost-cli
    OURS=$PWD/target/release/modhost
    [ -x "$OURS" ] || die "$OURS not built"

    WORK=$(mktemp -d "${TMPDIR:-${3:-/tmp}}/$1.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
}

now_ns() { date +%s%N; }

# elapsed us|ms CMD...: runs CMD and prints its wall-clock time in microseconds
# or milliseconds (truncated).
elapsed() {
    local div t0 t1
    case $1 in
        us) div=1000 ;;
        ms) div=1000000 ;;
        *) die "elapsed: unit $1" ;;
    esac
    shift
    t0=$(now_ns); "$@"; t1=$(now_ns)
    echo $(((t1 - t0) / div))
}

# median [int] <NUMBERS: the median of one number a line (of an even count, the
# mean of the middle two; truncated to an integer with `int`).
median() {
    sort -n | awk -v trunc="${1:-}" '{a[NR]=$1} END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; print (trunc ? int(m) : m)}'
}

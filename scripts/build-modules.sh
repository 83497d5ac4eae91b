#!/usr/bin/env bash
# Build the project's own C kernel modules (examples/*/ and tests/modules/*/)
# with the real Kbuild against Debian's kernel headers for the fixture release.
#
# * The release is read from the fixture env file written by scripts/fixtures.sh
#   (run first if missing); it is never hard-coded.
# * linux-headers-$RELEASE is installed with apt if missing (it pulls
#   linux-headers-<abi>-common and linux-kbuild-6.1).
# * A module directory is any directory directly under examples/ or
#   tests/modules/ whose Kbuild or Makefile mentions obj-m. Each is copied to
#     $MODHOST_CACHE/modules/$RELEASE/<name>-<hash>/
#   (hash over the build recipe, the headers' package version, the directory's
#   files and the hashes of its dependencies) and built there with
#     make -C /usr/src/linux-headers-$RELEASE M=<that dir> modules
#   An existing, completed build directory is reused: unchanged sources do not
#   rebuild. The .ko files stay there, unsigned (Kbuild signs only on
#   modules_install), so they load with taint E like any out-of-tree module.
# * Dependencies between our modules: a line "# modhost-deps: a b" in a module's
#   Makefile/Kbuild makes a and b build first and passes their Module.symvers
#   as KBUILD_EXTRA_SYMBOLS (so modpost knows the CRCs for __versions).
# * Writes $MODHOST_CACHE/modules/$RELEASE/index.env atomically:
#     KBUILD_RELEASE=<release>
#     MOD_<name>=<absolute path of the .ko>     (name: directory, non-alnum -> _;
#                                                a directory yielding several
#                                                .ko gets MOD_<dir>_<ko>)
#   and prints that path as the last line on stdout (logs go to stderr).
#
# Non-interactive and idempotent; safe to run concurrently (flock).
set -euo pipefail

# Bump when the way modules are built changes (forces rebuilds).
RECIPE=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MODHOST_CACHE:-/var/cache/modhost}
FIXENV=${MODHOST_FIXTURES:-$CACHE/fixtures/current/env}
log() { printf 'build-modules: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=
apt_update_once() {
    # A mirror can be mid-sync: retry, and judge by whether what we need resolves.
    [ -n "$APT_UPDATED" ] && return 0
    for i in 1 2 3; do
        if as_root apt-get update -q >/dev/null 2>&1; then break; fi
        log "apt-get update reported errors (try $i)"; sleep $((i * 2))
    done
    APT_UPDATED=1
}

need_pkgs() {
    local missing=() p i
    for p in "$@"; do
        # "dpkg -s" also succeeds for removed-but-not-purged packages: check the status.
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    for i in 1 2 3; do
        apt_update_once
        log "installing ${missing[*]}"
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                -o Dpkg::Options::=--force-confold "${missing[@]}" >&2; then
            return 0
        fi
        log "apt-get install failed (try $i), refreshing the index"
        APT_UPDATED=; sleep $((i * 2))
    done
    die "could not install ${missing[*]}"
}

# --- fixture release -------------------------------------------------------
if [ ! -r "$FIXENV" ]; then
    log "$FIXENV missing: running scripts/fixtures.sh"
    bash "$ROOT/scripts/fixtures.sh" >&2
fi
RELEASE=$( . "$FIXENV" && printf '%s' "${RELEASE:-}")
[ -n "$RELEASE" ] || die "no RELEASE in $FIXENV"

# --- toolchain and headers -------------------------------------------------
need_pkgs make gcc-12 "linux-headers-$RELEASE"
KDIR=/usr/src/linux-headers-$RELEASE
[ -f "$KDIR/Makefile" ] || die "$KDIR/Makefile missing after installing linux-headers-$RELEASE"
HDR_VERSION=$(dpkg-query -W -f='${Version}' "linux-headers-$RELEASE")

OUTBASE=$CACHE/modules/$RELEASE
mkdir -p "$OUTBASE"
exec 9>"$OUTBASE/.lock"
flock 9

# --- discover module directories -------------------------------------------
declare -A SRC DEPS HASH LEVEL OUT
NAMES=()
kbuild_file() { # dir -> its Kbuild file (Kbuild wins, like Kbuild itself)
    if [ -f "$1/Kbuild" ]; then echo "$1/Kbuild"; else echo "$1/Makefile"; fi
}
for base in examples tests/modules; do
    [ -d "$ROOT/$base" ] || continue
    for d in "$ROOT/$base"/*/; do
        d=${d%/}
        kf=$(kbuild_file "$d")
        [ -f "$kf" ] && grep -q 'obj-m' "$kf" || continue
        name=$(basename "$d")
        [ -z "${SRC[$name]:-}" ] || die "module directory name '$name' used twice: ${SRC[$name]} and $d"
        SRC[$name]=$d
        DEPS[$name]=$(sed -n 's/^#[[:space:]]*modhost-deps:[[:space:]]*//p' "$kf" | tr '\n' ' ')
        NAMES+=("$name")
    done
done
[ ${#NAMES[@]} -gt 0 ] || die "no module directories under examples/ or tests/modules/"

# Files that are build products, never inputs (in case someone built in place).
is_artefact() {
    case $1 in
        *.o|*.ko|*.mod|*.mod.c|*.cmd|*.symvers|modules.order|*.order|*.tmp|*~) return 0 ;;
    esac
    return 1
}
source_files() { # dir -> relative paths of its input files, sorted
    (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort) | while IFS= read -r f; do
        is_artefact "$(basename "$f")" || printf '%s\n' "$f"
    done
}

# Hash and level (for ordering) of a module, after those of its dependencies.
resolve() { # name [chain]
    local name=$1 chain=${2:-} dep h lvl=0 f
    [ -n "${HASH[$name]:-}" ] && return 0
    case " $chain " in *" $name "*) die "dependency cycle: $chain $name" ;; esac
    for dep in ${DEPS[$name]}; do
        [ -n "${SRC[$dep]:-}" ] || die "$name depends on unknown module directory '$dep'"
        resolve "$dep" "$chain $name"
        [ "${LEVEL[$dep]}" -ge "$lvl" ] && lvl=$((LEVEL[$dep] + 1))
    done
    h=$({
        printf 'recipe %s\nrelease %s\nheaders %s\n' "$RECIPE" "$RELEASE" "$HDR_VERSION"
        for dep in ${DEPS[$name]}; do printf 'dep %s %s\n' "$dep" "${HASH[$dep]}"; done
        source_files "${SRC[$name]}" | while IFS= read -r f; do
            printf 'file %s %s\n' "$f" "$(sha256sum < "${SRC[$name]}/$f" | cut -d' ' -f1)"
        done
    } | sha256sum | cut -c1-16)
    HASH[$name]=$h
    LEVEL[$name]=$lvl
    OUT[$name]=$OUTBASE/$name-$h
}
for name in "${NAMES[@]}"; do resolve "$name"; done

# --- build ------------------------------------------------------------------
build_one() { # name: build in OUT[name]; the stamp marks a complete build
    local name=$1 out=${OUT[$1]} dep extra=() f kos
    rm -rf "$out"; mkdir -p "$out"
    source_files "${SRC[$name]}" | while IFS= read -r f; do
        mkdir -p "$out/$(dirname "$f")"; cp -p "${SRC[$name]}/$f" "$out/$f"
    done
    local syms=""
    for dep in ${DEPS[$name]}; do syms+="${OUT[$dep]}/Module.symvers "; done
    [ -n "$syms" ] && extra+=("KBUILD_EXTRA_SYMBOLS=${syms% }")
    if ! make -C "$KDIR" M="$out" "${extra[@]}" modules </dev/null >"$out/build.log" 2>&1; then
        log "$name: build FAILED; log $out/build.log:"
        sed 's/^/    /' "$out/build.log" >&2
        return 1
    fi
    # Surface anything the compiler or modpost had to say.
    if grep -Eiq 'warning|error' "$out/build.log"; then
        grep -Ei 'warning|error' "$out/build.log" | sed "s/^/    $name: /" >&2
    fi
    kos=$(cd "$out" && find . -name '*.ko' -printf '%P\n' | LC_ALL=C sort)
    [ -n "$kos" ] || { log "$name: build produced no .ko"; return 1; }
    for f in $kos; do
        # Kbuild's "modules" target never signs; make sure nothing did.
        if tail -c 28 "$out/$f" | grep -q 'Module signature appended'; then
            log "$name: $f is signed, expected an unsigned module"; return 1
        fi
    done
    printf '%s\n' $kos > "$out/.modhost-built"
}

# Levels in order; within one level, up to nproc builds at a time.
JOBS=$(nproc 2>/dev/null || echo 2)
maxlvl=0
for name in "${NAMES[@]}"; do [ "${LEVEL[$name]}" -gt $maxlvl ] && maxlvl=${LEVEL[$name]}; done
failed=()
start=$SECONDS
built=0
for ((lvl = 0; lvl <= maxlvl; lvl++)); do
    declare -A PIDS=()
    for name in "${NAMES[@]}"; do
        [ "${LEVEL[$name]}" = "$lvl" ] || continue
        [ -f "${OUT[$name]}/.modhost-built" ] && continue
        for dep in ${DEPS[$name]}; do
            [ -f "${OUT[$dep]}/.modhost-built" ] || { log "$name: skipped, dependency $dep failed"; failed+=("$name"); continue 2; }
        done
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
        log "building $name (${SRC[$name]#$ROOT/}) in ${OUT[$name]}"
        build_one "$name" & PIDS[$name]=$!
        built=$((built + 1))
    done
    wait || true
    # Judge by the stamps: a job reaped early by "wait -n" has no status left.
    for name in "${!PIDS[@]}"; do [ -f "${OUT[$name]}/.modhost-built" ] || failed+=("$name"); done
    unset PIDS
done
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"
if [ $built -gt 0 ]; then
    log "built $built module director$( [ $built = 1 ] && echo y || echo ies) in $((SECONDS - start))s"
else
    log "all ${#NAMES[@]} module directories up to date"
fi

# --- index -----------------------------------------------------------------
INDEX=$OUTBASE/index.env
tmp=$(mktemp "$INDEX.XXXXXX")
{
    printf 'KBUILD_RELEASE=%s\n' "$RELEASE"
    for name in $(printf '%s\n' "${NAMES[@]}" | LC_ALL=C sort); do
        mapfile -t kos < "${OUT[$name]}/.modhost-built"
        for ko in "${kos[@]}"; do
            key=$name
            [ ${#kos[@]} -gt 1 ] && key=${name}_$(basename "$ko" .ko)
            printf 'MOD_%s=%s\n' "${key//[^A-Za-z0-9]/_}" "${OUT[$name]}/$ko"
        done
    done
} > "$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$INDEX"
echo "$INDEX"

#!/usr/bin/env bash
# kmod 30's own testsuite run against modhost (issue 11).
#
#   bash scripts/kmod-testsuite.sh prepare          build the suite (cached), print its build dir
#   bash scripts/kmod-testsuite.sh run [MODHOST]    prepare, then run every tool test
#   bash scripts/kmod-testsuite.sh built            the build dir if prepared, else exit 3
#
# with KMOD_TESTSUITE_NO_BUILD=1, `run` does not install or build either (exit 3).
#
# What it does:
#  * gets the source package of the installed kmod (Debian 12: kmod 30+20221128-1)
#    with `apt-get source` (a deb-src entry is added when apt has none) and the few
#    packages its testsuite needs to build (autotools, the compression and crypto
#    headers; not the documentation tool chain);
#  * builds it as debian/rules configures it, as far as the testsuite cares (in
#    src/build-deb as ../configure, --sysconfdir=/etc --with-openssl --with-xz
#    --with-zstd --disable-test-modules: the suite's prebuilt modules, --enable-debug),
#    and `make check TESTS=` builds the trap libraries testsuite/*.so, the test
#    programs and the tools without running them;
#  * runs each test of test-modinfo, test-modprobe and test-depmod (37) on its own,
#    from a fresh copy of the rootfs `make rootfs` makes (kept in /dev/shm when it can
#    be), with the suite's own verdict:
#      1. with kmod's tools, as built: tools/{modinfo,modprobe,depmod,insmod,rmmod,
#         lsmod} are links to tools/kmod. The suite execs its tools by absolute path
#         (test-*.c: progname = ABS_TOP_BUILDDIR "/tools/modprobe", ...);
#      2. with those links pointing to the modhost binary instead;
#  * runs each test again, stricter than the suite, whose output check accepts any
#    prefix of the expected output (an empty one too) and which looks at one
#    generated file: every tool is a recording stand-in
#    (scripts/kmod-testsuite/record-tool.sh) that runs kmod's tool, or modhost under
#    the same name, and keeps each run's arguments, stdout, stderr and exit code; the
#    runs and the whole rootfs afterwards must be byte-identical between the two;
#  * runs each test a last time with every tool linked to /bin/false: the table
#    shows which verdicts of the suite a tool that prints nothing would pass
#    (depmod_detect_loop: the strict pass covers it);
#  * prints a table (test, kmod, modhost, same run, /bin/false) and exits non-zero
#    when a test that passes with kmod's tools fails with modhost, when the strict
#    pass finds a difference, or when kmod's own tools fail a test (then the suite's
#    build or this machine is broken, and nothing was shown).
#
# The one change to the suite: its path trap (testsuite/path.so, which makes a tool
# see the test's rootfs as "/") rewrites the paths of open(), stat(), opendir(), ...
# but has no statx() wrapper. kmod's tools never call statx(); Rust's standard library
# answers std::fs::metadata / Path::exists through it, so without a wrapper modhost
# would be asked about the build machine's "/" instead of the rootfs. The script
# appends scripts/kmod-testsuite/path-statx.c (a statx() wrapper rewriting the path
# as the suite's stat() wrapper does, nothing else) to testsuite/path.c before the
# build. It changes no test, no expectation and no other trap: modhost's libc calls
# otherwise go through the suite's wrappers as kmod's do (open64, opendir, uname,
# init_module, syscall(__NR_finit_module), delete_module).
#
# Verdicts: a test program run with a test's name returns test_run()'s value from
# main(), which for a failed tool is a raw wait status (256 for exit code 1): the
# process exit code is then 0. So a test passes only when the program exits 0 AND
# prints the suite's own verdict line "TESTSUITE: PASSED: <test>" or
# "TESTSUITE: EXPECTED FAIL: <test>" (the latter for tests that expect the tool to
# fail with given outputs, e.g. depmod_detect_loop).
#
# Cost: the first run installs 4 packages, fetches the source (270 kB) and builds
# kmod and its testsuite (~1 min on 2 cores); later runs reuse
# $MODHOST_CACHE/kmod-testsuite and take ~30 s (185 test runs).
#
# Environment: MODHOST_CACHE (default /var/cache/modhost); MODHOST_BIN (the modhost
# binary, default $CARGO_TARGET_DIR or target/release/modhost); KMOD_TESTSUITE_LOGS
# (directory for each run's output, kept; default a temporary directory, removed
# when everything passed).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${MODHOST_CACHE:-/var/cache/modhost}
BASE=$CACHE/kmod-testsuite
EXTRA=$ROOT/scripts/kmod-testsuite/path-statx.c
PROGS=(modinfo modprobe depmod)
TOOLS=(modinfo modprobe depmod insmod rmmod lsmod)
log() { printf 'kmod-testsuite: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_update() {
    [ -n "$apt_updated" ] && return 0
    for i in 1 2 3; do
        as_root apt-get update -q >/dev/null 2>&1 && break
        log "apt-get update reported errors (try $i)"; sleep $((i * 2))
    done
    apt_updated=1
}

need_pkgs() {
    local missing=() p
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    apt_update
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# A deb-src entry for the distribution's main archive, when apt has none: a deb822
# file next to Debian 12's debian.sources, with the same archive and keyring.
ensure_deb_src() {
    if apt-cache showsrc kmod 2>/dev/null | grep -q '^Package: kmod'; then return 0; fi
    local uri suite keyring f=/etc/apt/sources.list.d/modhost-deb-src.sources
    uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    uri=${uri:-http://deb.debian.org/debian}
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    log "adding $f (deb-src $uri $suite main)"
    printf '%s\n' "# Added by modhost's scripts/kmod-testsuite.sh: kmod's source package." \
        "Types: deb-src" "URIs: $uri" "Suites: $suite" "Components: main" \
        "Signed-By: $keyring" | as_root tee "$f" >/dev/null
    apt_updated=; apt_update
    apt-cache showsrc kmod 2>/dev/null | grep -q '^Package: kmod' || die "no source package for kmod after adding $f"
}

prepare() {
    # The source of the kmod that is installed (the reference every other test uses).
    [ -n "${KMOD_TESTSUITE_NO_BUILD:-}" ] || need_pkgs kmod dpkg-dev
    local ver dir build stamp
    ver=$(dpkg-query -W -f='${source:Version}' kmod 2>/dev/null) || { log "kmod is not installed"; exit 3; }
    dir=$BASE/$ver
    # Debian's build directory, configured as ../configure (dh_auto_configure
    # --builddir=build-deb): kmod's debug messages name their source file as the
    # compiler saw it ("../libkmod/libkmod-config.c"), like Debian's binary.
    build=$dir/src/build-deb
    # Rebuilt when the trap's addition or this recipe changes.
    stamp="recipe 2 $(sha256sum < "$EXTRA")"
    if [ -f "$dir/.stamp-build" ] && [ "$(cat "$dir/.stamp-build")" = "$stamp" ]; then
        echo "$build"; return 0
    fi
    # `built` (what crates/cli/tests/kmod_testsuite.rs asks): no install, no build.
    [ -z "${KMOD_TESTSUITE_NO_BUILD:-}" ] || { log "not built yet (bash scripts/kmod-testsuite.sh prepare)"; exit 3; }
    need_pkgs gcc make autoconf automake libtool pkg-config liblzma-dev libssl-dev libzstd-dev zstd
    mkdir -p "$dir"
    if [ ! -f "$dir/.stamp-source" ]; then
        ensure_deb_src
        rm -rf "$dir/dl" "$dir/src"; mkdir -p "$dir/dl"
        log "apt-get source kmod=$ver"
        (cd "$dir/dl" && apt-get source -q --download-only "kmod=$ver" >/dev/null 2>&1) \
            || die "apt-get source kmod=$ver failed"
        # apt checked the files against the archive's signed index; dpkg-source
        # has no keyring for the maintainer's signature and only warns.
        dpkg-source -x "$dir"/dl/kmod_*.dsc "$dir/src" >/dev/null 2>&1 || die "dpkg-source -x failed"
        rm -f "$dir"/kmod_*.orig.tar.*
        cp "$dir/src/testsuite/path.c" "$dir/path.c.orig"
        touch "$dir/.stamp-source"
    fi
    local src=$dir/src
    # The trap library's statx() wrapper (see the header above): path.c as shipped,
    # plus our file, clearly delimited.
    { cat "$dir/path.c.orig"
      printf '\n/* ---- added by modhost: %s ---- */\n' "scripts/kmod-testsuite/path-statx.c"
      cat "$EXTRA"; } > "$src/testsuite/path.c"
    if [ ! -f "$src/configure" ]; then
        log "autoreconf"
        # No gtk-doc: configure.ac disables the API documentation without it, and
        # automake only needs the include file to exist (as kmod's autogen.sh does).
        mkdir -p "$src/libkmod/docs" && touch "$src/libkmod/docs/gtk-doc.make"
        (cd "$src" && autoreconf --force --install --symlink >/dev/null 2>&1) || die "autoreconf failed"
    fi
    rm -rf "$build"; mkdir -p "$build"
    log "configure and build (kmod $ver, its testsuite)"
    (cd "$build" && ../configure --prefix=/usr --sysconfdir=/etc --bindir=/bin \
        --with-openssl --with-xz --with-zstd --disable-test-modules --enable-debug \
        --disable-manpages >"$dir/configure.log" 2>&1) || { tail -20 "$dir/configure.log" >&2; die "configure failed"; }
    (cd "$build" && make -j"$(nproc)" check TESTS= >"$dir/build.log" 2>&1) || { tail -30 "$dir/build.log" >&2; die "build failed"; }
    for p in "${PROGS[@]}"; do [ -x "$build/testsuite/test-$p" ] || die "testsuite/test-$p was not built"; done
    nm -D "$build/testsuite/.libs/path.so" | grep -qw statx || die "path.so has no statx wrapper"
    echo "$stamp" > "$dir/.stamp-build"
    echo "$build"
}

# Point the suite's tool names at $1 (an absolute path, or "kmod" for kmod's own).
set_tools() {
    local build=$1 target=$2 t
    for t in "${TOOLS[@]}"; do ln -sfn "$target" "$build/tools/$t"; done
}

# One test: 0 if it passed (see "Verdicts" above). $4: the log file. The test
# starts from a fresh copy of the rootfs `make rootfs` made ($SCRATCH/fresh:
# copied, not remade, which takes seconds).
run_one() {
    local build=$1 prog=$2 name=$3 out=$4 rc=0
    rm -rf "$SCRATCH/rootfs" && cp -a "$SCRATCH/fresh" "$SCRATCH/rootfs"
    (cd "$build" && "./testsuite/test-$prog" "$name") >"$out" 2>&1 || rc=$?
    [ "$rc" = 0 ] && grep -qxE "TESTSUITE: (PASSED|EXPECTED FAIL): $name" "$out"
}

run() {
    local bin=${1:-${MODHOST_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/modhost}}
    [ -x "$bin" ] || die "no modhost binary at $bin (cargo build --release -p modhost-cli)"
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    local build
    build=$(prepare)
    local logs=${KMOD_TESTSUITE_LOGS:-} keep_logs=1
    [ -n "$logs" ] || { logs=$(mktemp -d /tmp/kmod-testsuite-logs.XXXXXX); keep_logs=; }
    mkdir -p "$logs"
    local ts=$build/testsuite
    # The rootfs is copied 185 times: it lives in memory when it can
    # ($ts/rootfs, the path compiled into the suite, is a link to it).
    SCRATCH=$(mktemp -d /dev/shm/kmod-testsuite.XXXXXX 2>/dev/null || mktemp -d "$build/../scratch.XXXXXX")
    trap "set_tools '$build' kmod; rm -rf '$SCRATCH' '$ts/rootfs'" EXIT
    rm -rf "$ts/rootfs"
    (cd "$build" && make -s rootfs >/dev/null 2>&1) || die "make rootfs failed"
    mv "$ts/rootfs" "$SCRATCH/fresh" && ln -s "$SCRATCH/rootfs" "$ts/rootfs"
    # The suite refuses a rootfs newer than rootfs/../stamp-rootfs (cp -a keeps times).
    cp -a "$ts/stamp-rootfs" "$SCRATCH/stamp-rootfs"
    # The strict pass's stand-in and the real tools it runs (inside the build tree).
    cp "$ROOT/scripts/kmod-testsuite/record-tool.sh" "$ts/record-tool"
    rm -rf "$ts/real-kmod" "$ts/real-modhost" "$ts/record"
    mkdir -p "$ts/real-kmod" "$ts/real-modhost"
    local t
    for t in "${TOOLS[@]}"; do
        ln -s "$build/tools/kmod" "$ts/real-kmod/$t"
        ln -s "$bin" "$ts/real-modhost/$t"
    done
    # Under kmod's names modhost acts on the running Linux kernel (issue 11); say so
    # for builds that still default to the host kernel. The suite passes the
    # environment through to the tools (it only adds its own variables).
    export MODHOST_KERNEL=linux
    # depmod's incremental cache lives outside the module tree (/var/cache): under
    # the suite's path trap it would land in the rootfs the strict pass compares.
    export MODHOST_DEPMOD_CACHE=off
    local tests=() p n
    for p in "${PROGS[@]}"; do
        while IFS= read -r n; do tests+=("$p $n"); done < <("$build/testsuite/test-$p" -l | sed -n 's/^\t\([^,]*\),.*/\1/p')
    done
    [ ${#tests[@]} -gt 0 ] || die "the suite lists no tests"

    local -A kres mres fres sres
    column() { # $1: what the tools link to, $2: the result array's name, $3: log prefix
        local -n res=$2
        set_tools "$build" "$1"
        for t in "${tests[@]}"; do
            set -- "$1" "$2" "$3" $t
            if run_one "$build" "$4" "$5" "$logs/$3.$5.log"; then res[$5]=pass; else res[$5]=FAIL; fi
        done
    }
    # 1. The suite's verdicts, kmod's tools and modhost's.
    column kmod kres kmod
    column "$bin" mres modhost
    # 2. Stricter than the suite: its output check accepts any prefix of the
    # expected output (an empty one too), and it looks at one generated file. So
    # each test runs again with a recording stand-in for every tool, once running
    # kmod's and once modhost's: every tool run (arguments, stdout, stderr, exit
    # code) and the whole rootfs afterwards must be byte-identical.
    set_tools "$build" "$ts/record-tool"
    for t in "${tests[@]}"; do
        set -- $t
        # (The records are written inside the build tree, where the trap lets them be.)
        local k=$ts/record/$2.kmod m=$ts/record/$2.modhost
        mkdir -p "$k/record" "$m/record"
        KMODTS_REAL=$ts/real-kmod KMODTS_RECORD=$k/record run_one "$build" "$1" "$2" "$k/log" || true
        mv "$SCRATCH/rootfs" "$SCRATCH/after.kmod"
        KMODTS_REAL=$ts/real-modhost KMODTS_RECORD=$m/record run_one "$build" "$1" "$2" "$m/log" || true
        mv "$SCRATCH/rootfs" "$SCRATCH/after.modhost"
        if [ -z "$(ls "$k/record")" ]; then
            sres[$2]="FAIL (no tool ran)"
        elif (cd "$ts/record" && diff -r "$2.kmod/record" "$2.modhost/record") > "$logs/strict.$2.diff" 2>&1 \
            && (cd "$SCRATCH" && diff -r --no-dereference after.kmod after.modhost) >> "$logs/strict.$2.diff" 2>&1; then
            sres[$2]=same
        else
            sres[$2]=DIFFERENT
        fi
        rm -rf "$SCRATCH/after.kmod" "$SCRATCH/after.modhost"
        mkdir -p "$logs/strict.$2"; mv "$k" "$m" "$logs/strict.$2/"
    done
    # 3. The harness's check of the suite's verdicts: every tool replaced by
    # /bin/false (no output, exit 1). A test that still passes checks less than it
    # seems (pass 2 covers it); shown, not fatal.
    column /bin/false fres false
    set_tools "$build" kmod

    local nk=0 nm=0 ns=0 bad=0 kbad=0 sbad=0
    printf '%-13s %-40s %-6s %-8s %-10s %s\n' program test kmod modhost "same run" "/bin/false"
    for t in "${tests[@]}"; do
        set -- $t
        printf '%-13s %-40s %-6s %-8s %-10s %s\n' "test-$1" "$2" "${kres[$2]}" "${mres[$2]}" "${sres[$2]}" "${fres[$2]}"
        [ "${kres[$2]}" = pass ] && nk=$((nk + 1))
        [ "${mres[$2]}" = pass ] && nm=$((nm + 1))
        [ "${sres[$2]}" = same ] && ns=$((ns + 1))
        [ "${kres[$2]}" = pass ] || kbad=$((kbad + 1))
        if [ "${kres[$2]}" = pass ] && [ "${mres[$2]}" != pass ]; then
            bad=$((bad + 1))
            log "$2 passes with kmod's tools, fails with modhost:"
            sed 's/^/    /' "$logs/modhost.$2.log" >&2
        fi
        if [ "${sres[$2]}" != same ]; then
            sbad=$((sbad + 1))
            log "$2: the tools' runs differ between kmod and modhost:"
            sed -n 1,40p "$logs/strict.$2.diff" | sed 's/^/    /' >&2 || true
        fi
    done
    echo "kmod: $nk of ${#tests[@]} pass; modhost: $nm of ${#tests[@]} pass; identical tool runs and rootfs: $ns of ${#tests[@]}"
    if [ "$kbad" != 0 ] || [ "$bad" != 0 ] || [ "$sbad" != 0 ]; then
        log "logs: $logs"
        [ "$kbad" = 0 ] || die "$kbad tests fail with kmod's own tools: the suite's build or this machine is broken"
        [ "$bad" = 0 ] || die "$bad tests pass with kmod's tools and fail with modhost"
        die "$sbad tests: modhost's tool runs differ from kmod's"
    fi
    # A temporary log directory goes when everything passed.
    [ -n "$keep_logs" ] || rm -rf "$logs"
}

# One prepare or run at a time on a cache (the build, its tool links and the
# rootfs are shared by every checkout using it).
lock() { mkdir -p "$BASE" && exec 9>"$BASE/.lock" && flock 9; }

case "${1:-run}" in
    prepare) lock; prepare ;;
    built) KMOD_TESTSUITE_NO_BUILD=1 prepare ;;
    run) shift || true; lock; run "$@" ;;
    *) die "usage: $0 prepare | built | run [MODHOST-BINARY]" ;;
esac

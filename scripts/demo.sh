#!/usr/bin/env bash
# The main job: build modhost, fetch the real Debian module tree, and show
# `modhost modinfo` on real modules next to what kmod says.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bash scripts/fixtures.sh >/dev/null
. "$MODHOST_FIXTURES"
cargo build --release -q -p modhost-cli
bin=$PWD/target/release/modhost
tree=$AMD64_ROOT/lib/modules/$RELEASE
crc7=$(find "$tree" -name crc7.ko)

run() { printf '\n$ %s\n' "$*"; "$@"; }
echo "modhost demo on Debian's $RELEASE module tree ($(find "$tree" -name '*.ko' | wc -l) modules)"
run "$bin" modinfo "$crc7"
run "$bin" modinfo -b "$AMD64_ROOT" -k "$RELEASE" -p loop
run "$bin" modinfo -b "$AMD64_ROOT" -k "$RELEASE" -F alias crypto-crc32c
run "$bin" modinfo -b "$AMD64_ROOT" -k "$RELEASE" unix
run "$bin" modinfo -F signer "$(find "$AMD64_XZ_ROOT" -name crc7.ko.xz)"
run "$bin" modinfo -F vermagic "$(find "$I386_ROOT" -name crc7.ko)" "$(find "$S390X_ROOT" -name crc7.ko)"

printf '\nSame bytes as kmod 30 for all of the above? '
out_ours=$(
    "$bin" modinfo "$crc7"
    "$bin" modinfo -b "$AMD64_ROOT" -k "$RELEASE" -p loop unix crypto-crc32c
)
out_kmod=$(
    /sbin/modinfo "$crc7"
    /sbin/modinfo -b "$AMD64_ROOT" -k "$RELEASE" -p loop unix crypto-crc32c
)
[ "$out_ours" = "$out_kmod" ] && echo yes || { echo NO; exit 1; }

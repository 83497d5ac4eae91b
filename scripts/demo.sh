#!/usr/bin/env bash
# The main job: build modhost, fetch Debian's kernel packages, build the
# hello module with the real Kbuild, and run it in the host kernel:
# insmod logs "Hi module!", lsmod shows it, rmmod logs "Bye module!".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bash scripts/fixtures.sh >/dev/null
. "$MODHOST_FIXTURES"
index=$(bash scripts/build-modules.sh | tail -n1)
. "$index"
cargo build --release -q -p modhost-cli
bin=$PWD/target/release/modhost
# A private host for the demo, stopped at the end.
export MODHOST_RUNTIME_DIR=${MODHOST_RUNTIME_DIR:-$(mktemp -d /tmp/modhost-demo.XXXXXX)}
trap 'kill "$(cat "$MODHOST_RUNTIME_DIR/serve.pid" 2>/dev/null)" 2>/dev/null || true' EXIT

run() { printf '\n$ %s\n' "$*"; "$@"; }
tree=$AMD64_ROOT/lib/modules/$RELEASE
echo "modhost demo: a Linux $RELEASE host kernel in a process"
run "$bin" insmod "$MOD_hello"
run "$bin" lsmod
run "$bin" cat /proc/modules
run "$bin" insmod "$(find "$tree" -name crc7.ko)"
run "$bin" insmod "$MOD_params" p_int=7 'p_charp="hello world"'
run "$bin" cat /sys/module/params/parameters/p_charp
run "$bin" lsmod
run "$bin" rmmod main params crc7
run "$bin" dmesg
run "$bin" modinfo -F signer "$(find "$tree" -name crc7.ko)"

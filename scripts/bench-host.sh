#!/usr/bin/env bash
# Host-kernel benchmarks (issue 5): link-all over the Debian tree, hello
# insmod→rmmod in-process vs dlopen/dlclose of the same code, and the CLI
# insmod+rmmod round trip through the daemon. Medians of 5.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
bash scripts/fixtures.sh >/dev/null
index=$(bash scripts/build-modules.sh | tail -n1)
. "$index"
cargo build --release -q -p kernel --examples
cargo build --release -q -p modhost-cli
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo; echo "== (a) link-all"
target/release/examples/bench_link

echo; echo "== (b) hello in-process vs dlopen"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The same code as examples/hello/main.c, as a shared object.
cat > "$tmp/hello.c" <<'C'
#include <stdio.h>
static FILE *sink;
int hello_init(void) { if (!sink) sink = fopen("/dev/null", "w"); fprintf(sink, "Hi module!\n"); return 0; }
void hello_exit(void) { fprintf(sink, "Bye module!\n"); }
C
gcc -O2 -shared -fPIC -o "$tmp/hello.so" "$tmp/hello.c"
ko_text=$(size -A "$MOD_hello" | awk '$1 ~ /^\.(init\.|exit\.)?text/ {s += $2} END {print s}')
so_text=$(size -A "$tmp/hello.so" | awk '$1 == ".text" {print $2}')
echo "code size: main.ko .text+.init.text+.exit.text ${ko_text} bytes, hello.so .text ${so_text} bytes"
target/release/examples/bench_hello "$MOD_hello" "$tmp/hello.so" 500

echo; echo "== (c) CLI insmod+rmmod through the daemon"
export MODHOST_RUNTIME_DIR=$tmp/rt
m=target/release/modhost
$m insmod "$MOD_hello" && $m rmmod main   # starts the daemon
times=()
for run in 1 2 3 4 5; do
    start=$(date +%s%N)
    for i in $(seq 50); do $m insmod "$MOD_hello"; $m rmmod main; done
    times+=($(( ($(date +%s%N) - start) / 50000 )))
done
kill "$(cat "$MODHOST_RUNTIME_DIR/serve.pid")" 2>/dev/null || true
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "CLI insmod+rmmod round trip: ${median} µs (median of 5 × 50; two process spawns each)"

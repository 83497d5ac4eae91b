#!/usr/bin/env bash
# The differential test against Linux (tests/diff/README.md): installs what it
# needs (QEMU, busybox-static, the fixtures with Debian's vmlinuz, the C test
# modules), then runs crates/cli/tests/linux_diff.rs, which boots Debian's own
# kernel under QEMU and compares every scenario step with the host kernel.
#   bash scripts/qemu-diff.sh                      # all scenarios
#   MODHOST_DIFF_SCENARIOS=hello,params bash scripts/qemu-diff.sh
# The report is printed and kept in $MODHOST_CACHE/diff/last-report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable' || missing+=(busybox-static)
[ -x /bin/kmod ] || missing+=(kmod)
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${missing[@]}" >/dev/null || { apt-get update -q >/dev/null || true; apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
bash scripts/fixtures.sh >/dev/null
bash scripts/build-modules.sh >/dev/null
export MODHOST_REQUIRE_FIXTURES=1
exec cargo test --release -p modhost-cli --test linux_diff -- --nocapture

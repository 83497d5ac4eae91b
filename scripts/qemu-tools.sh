#!/usr/bin/env bash
# The tools test inside Linux (tests/tools/README.md): kmod 30's tools against
# modhost's, each step run with both from the same starting state in Debian's own
# kernel under QEMU. Installs what it needs (QEMU, busybox-static, kmod, the
# fixtures, the C test modules), then runs crates/cli/tests/linux_tools.rs.
#   bash scripts/qemu-tools.sh                          # every scenario
#   MODHOST_TOOLS_SCENARIOS=insmod,depmod bash scripts/qemu-tools.sh
# The report is printed and kept in $MODHOST_CACHE/tools/last-report.txt. The
# module tree's initramfs part is cached in $MODHOST_CACHE/tools/<release>/.
# CI runs the same test on the scenarios marked @ci only (CI=true).
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
# the full set unless the caller chose scenarios (CI=true alone would pick the sample)
[ -n "${MODHOST_TOOLS_SCENARIOS:-}" ] || export MODHOST_TOOLS_SCENARIOS=all
exec cargo test --release -p modhost-cli --test linux_tools -- --nocapture

#!/usr/bin/env bash
# The tools tests inside Linux (tests/tools/README.md): kmod 30's tools against
# modhost's, each step run with both from the same starting state in Debian's own
# kernel under QEMU (crates/cli/tests/qemu_tools.rs), and a real boot whose only
# module tools are modhost's: coldplug, ext4 root, switch_root, the same modules
# as with kmod (crates/cli/tests/linux_boot.rs). Installs what they need (QEMU,
# busybox-static, kmod, e2fsprogs, the fixtures, the C test modules).
#   bash scripts/qemu-tools.sh                          # every scenario
#   MODHOST_TOOLS_SCENARIOS=insmod,depmod bash scripts/qemu-tools.sh
# The reports are printed and kept in $MODHOST_CACHE/tools/last-report.txt and
# last-boot-report.txt. The module tree's initramfs part is cached in
# $MODHOST_CACHE/tools/<release>/. CI (cargo test, CI=true) runs the tools test
# on the scenarios marked @ci only, and the boot test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable' || missing+=(busybox-static)
[ -x /bin/kmod ] || missing+=(kmod)
command -v mke2fs >/dev/null || missing+=(e2fsprogs)
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${missing[@]}" >/dev/null || { apt-get update -q >/dev/null || true; apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
bash scripts/fixtures.sh >/dev/null
bash scripts/build-modules.sh >/dev/null
export MODHOST_REQUIRE_FIXTURES=1
# the full set unless the caller chose scenarios (CI=true alone would pick the sample)
[ -n "${MODHOST_TOOLS_SCENARIOS:-}" ] || export MODHOST_TOOLS_SCENARIOS=all
exec cargo test --release --no-fail-fast -p modhost-cli --test qemu_tools --test linux_boot -- --nocapture --test-threads=1

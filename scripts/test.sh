#!/usr/bin/env bash
# Run every test of the project on a fresh Debian 12 machine: installs what
# is missing (Debian packages, the real kmod, the Debian module trees —
# cached and idempotent), then runs the whole workspace's tests, which compare
# modhost with the real kmod on real modules.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

command -v cargo >/dev/null || { echo "test.sh: cargo not found (the Rust toolchain is part of the machine image)" >&2; exit 1; }
bash scripts/fixtures.sh >/dev/null
# The C test modules, built with Debian's real Kbuild (installs the kernel
# headers, whose Module.symvers the ABI profile is built from).
bash scripts/build-modules.sh >/dev/null
# kmod 30's own testsuite, built from Debian's kmod source package (deb-src
# entry, autotools and 3 -dev packages; ~1 min the first time, cached in
# $MODHOST_CACHE/kmod-testsuite). crates/cli/tests/kmod_testsuite.rs runs its
# 37 tool tests against modhost (~30 s).
bash scripts/kmod-testsuite.sh prepare >/dev/null
# The fixtures exist now: a test that cannot find them must fail, not skip.
export MODHOST_REQUIRE_FIXTURES=1
cargo build --release --workspace --all-targets
cargo test --release --workspace

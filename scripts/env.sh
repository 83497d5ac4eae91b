# Sourced by the project's scripts: a toolchain on PATH whatever the caller's
# shell set up, and the fixture facts once fixtures.sh has run.
export PATH="$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
MODHOST_CACHE=${MODHOST_CACHE:-/var/cache/modhost}
export MODHOST_FIXTURES=${MODHOST_FIXTURES:-$MODHOST_CACHE/fixtures/current/env}

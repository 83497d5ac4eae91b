#!/usr/bin/env bash
# Install modhost as a system's module tools, next to kmod, or undo it.
#
#   scripts/install.sh [--prefix DIR] [--bin FILE] [--force]   # install
#   scripts/install.sh [--prefix DIR] --uninstall              # undo
#
# Installs DIR/bin/modhost (default DIR: /usr/local; FILE: the release build,
# built here with cargo when missing) and links DIR/sbin/{insmod,rmmod,lsmod,
# modprobe,depmod,modinfo,kmod} -> ../bin/modhost. kmod's own files
# (/usr/bin/kmod, /usr/sbin/*, /sbin/*) are never touched: with the default
# prefix the links win because /usr/local/sbin comes first in Debian's PATH,
# and --uninstall (or deleting the links) gives kmod back. An existing file at
# a link's place that is not ours stops the installation before anything is
# changed, unless --force. Under kmod's names the tools act on the running
# Linux kernel, as kmod does.
set -euo pipefail

prefix=/usr/local bin= force=0 uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --bin) bin=${2:?--bin needs a file}; shift 2 ;;
        --bin=*) bin=${1#--bin=}; shift ;;
        --force) force=1; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 2 ;; esac
names="insmod rmmod lsmod modprobe depmod modinfo kmod"
target="$prefix/bin/modhost"

ours() { # is $1 one of our links (or our binary)?
    [ -L "$1" ] && [ "$(readlink "$1")" = ../bin/modhost ]
}

if [ "$uninstall" = 1 ]; then
    for n in $names; do
        l="$prefix/sbin/$n"
        if ours "$l"; then rm -f "$l"; elif [ -e "$l" ] || [ -L "$l" ]; then echo "install.sh: leaving $l (not a link to modhost)" >&2; fi
    done
    rm -f "$target"
    echo "modhost removed from $prefix"
    exit 0
fi

if [ -z "$bin" ]; then
    cd "$(dirname "$0")/.."
    [ -f scripts/env.sh ] && . scripts/env.sh
    cargo build --release -p modhost-cli >&2
    bin="${CARGO_TARGET_DIR:-$PWD/target}/release/modhost"
fi
[ -x "$bin" ] || { echo "install.sh: $bin is not an executable" >&2; exit 1; }

# Check everything before changing anything.
conflicts=
for n in $names; do
    l="$prefix/sbin/$n"
    if { [ -e "$l" ] || [ -L "$l" ]; } && ! ours "$l"; then conflicts="$conflicts $l"; fi
done
if [ -n "$conflicts" ] && [ "$force" != 1 ]; then
    echo "install.sh: would replace files that are not modhost's:$conflicts (use --force, or another --prefix)" >&2
    exit 1
fi

mkdir -p "$prefix/bin" "$prefix/sbin"
tmp="$prefix/bin/.modhost.$$"
install -m 0755 "$bin" "$tmp"
mv -f "$tmp" "$target"
for n in $names; do
    ln -sfn ../bin/modhost "$prefix/sbin/$n.modhost-tmp"
    mv -Tf "$prefix/sbin/$n.modhost-tmp" "$prefix/sbin/$n"
done
echo "modhost installed: $target, links in $prefix/sbin ($names); undo: $0 --prefix $prefix --uninstall"

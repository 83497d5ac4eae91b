#!/bin/bash
# modhost: the recording stand-in for one of kmod's tools, used by
# scripts/kmod-testsuite.sh's strict pass (not part of kmod). The suite execs
# $builddir/tools/<name>; this runs the real tool of the same name from
# $KMODTS_REAL (a directory of links to kmod's tools or to modhost), keeps its
# arguments, stdout, stderr and exit code as $KMODTS_RECORD/<n>.{argv,out,err,rc}
# (n: the order in which the tools started, for a tool that runs another, e.g.
# an install command running modprobe), then hands the same bytes and exit code
# to the suite.
# It runs under the suite's LD_PRELOAD traps, which show programs the test's
# rootfs as "/": so it uses only bash builtins, and only paths inside the build
# tree (which the trap leaves alone).
name=${0##*/}
shopt -s nullglob
runs=("$KMODTS_RECORD"/*.argv)
r=$KMODTS_RECORD/${#runs[@]}
printf '%s\n' "$name" "$@" > "$r.argv"
"$KMODTS_REAL/$name" "$@" > "$r.out" 2> "$r.err"
rc=$?
echo "$rc" > "$r.rc"
IFS= read -r -d '' data < "$r.out"; printf '%s' "$data"
IFS= read -r -d '' data < "$r.err"; printf '%s' "$data" >&2
exit "$rc"

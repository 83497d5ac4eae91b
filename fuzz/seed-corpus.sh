#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the real-module fixtures (scripts/fixtures.sh):
#   kofile_parse:      ~50 small real modules (amd64, i386, s390x) and
#                      truncations of some of them (ELF part without the
#                      signature, half, header + a bit, one byte short);
#   kofile_decompress: ~24 .ko.xz / .ko.zst files of the amd64 trees and
#                      truncations of a few.
# Usage: fuzz/seed-corpus.sh [fixture-env]  (default: $MODHOST_FIXTURES or
# /var/cache/modhost/fixtures/current/env)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
env_file=${1:-${MODHOST_FIXTURES:-/var/cache/modhost/fixtures/current/env}}
# shellcheck disable=SC1090
. "$env_file"

parse=$here/corpus/kofile_parse
decomp=$here/corpus/kofile_decompress
mkdir -p "$parse" "$decomp"

# the N smallest-but-not-tiny modules of a tree, spread over its size range up to MAX bytes
pick() { # dir count maxbytes
    find "$1" -type f -name '*.ko*' -size -"$3"c -printf '%s %p\n' | sort -n |
        awk -v n="$2" '{a[NR]=$2} END {for (i = 1; i <= n; i++) print a[int((NR - 1) * (i - 1) / (n - 1)) + 1]}' | sort -u
}

# truncations: ELF part (signature stripped), half, 1 KiB, one byte short
truncate_into() { # file outdir prefix
    local f=$1 out=$2 p=$3 size siglen elflen
    size=$(stat -c %s "$f")
    if [ "$(tail -c 28 "$f")" = "~Module signature appended~" ]; then
        siglen=$(tail -c 32 "$f" | head -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
        elflen=$((size - 28 - 12 - siglen))
        head -c "$elflen" "$f" >"$out/$p-elf"
    fi
    head -c $((size / 2)) "$f" >"$out/$p-half"
    head -c 1024 "$f" >"$out/$p-1k"
    head -c $((size - 1)) "$f" >"$out/$p-short1"
}

n=0
for spec in "$AMD64_ROOT/lib/modules/$RELEASE:20" "$I386_ROOT/lib/modules/$I386_RELEASE:15" "$S390X_ROOT/lib/modules/$S390X_RELEASE:15"; do
    dir=${spec%:*} count=${spec##*:}
    arch=$(basename "$(dirname "$(dirname "$(dirname "$dir")")")")
    for f in $(pick "$dir/kernel" "$count" 40000); do
        name=$arch-$(basename "$f")
        cp "$f" "$parse/$name"
        n=$((n + 1))
        if [ $((n % 5)) -eq 1 ]; then truncate_into "$f" "$parse" "$name"; fi
    done
done

for spec in "$AMD64_XZ_ROOT/lib/modules/$RELEASE:12" "$AMD64_ZST_ROOT/lib/modules/$RELEASE:12"; do
    dir=${spec%:*} count=${spec##*:}
    i=0
    for f in $(pick "$dir/kernel" "$count" 16000); do
        cp "$f" "$decomp/$(basename "$f")"
        i=$((i + 1))
        if [ $((i % 4)) -eq 1 ]; then
            size=$(stat -c %s "$f")
            head -c $((size / 2)) "$f" >"$decomp/$(basename "$f")-half"
            head -c $((size - 1)) "$f" >"$decomp/$(basename "$f")-short1"
        fi
    done
done
echo "kofile_parse: $(ls "$parse" | wc -l) seeds, $(du -sh "$parse" | cut -f1)"
echo "kofile_decompress: $(ls "$decomp" | wc -l) seeds, $(du -sh "$decomp" | cut -f1)"

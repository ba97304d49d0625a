#!/bin/sh
# Build teredo.ko against another kernel tree without touching the in-tree
# build: the sources are copied to build/mod/<kernelrelease>/.
# usage: scripts/build-module.sh KDIR [make args...]; prints the module path.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: $0 KDIR [make args...]}
shift
kver=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
dir=$repo/build/mod/$kver
mkdir -p "$dir"
cp -r "$repo/Kbuild" "$repo/kernel" "$repo/include" "$dir/"
make -s -j"$(nproc)" -C "$kdir" M="$dir" "$@" modules >&2
echo "$dir/teredo.ko"

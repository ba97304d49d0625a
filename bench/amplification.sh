#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerates the amplification table of docs/SECURITY.md: runs
# selftests/amplification.sh in a VM and prints its table (markdown),
# kept in bench/out/amplification/amplification.md.
#
# usage: bench/amplification.sh
# Environment: AMP_SECONDS (each spray, 4 s), AMP_OUT_DIR
# (bench/out/amplification).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${AMP_OUT_DIR:-$repo/bench/out/amplification}

mkdir -p "$repo/build/bench" "$out"
cc -O2 -Wall -o "$repo/build/bench/fsend.tmp" "$repo/bench/fsend.c"
mv "$repo/build/bench/fsend.tmp" "$repo/build/bench/fsend"
make -s -C "$repo" all >/dev/null
rc=0
scripts/vm-run --quiet --timeout 3600 --out "$out" -- \
	env AMP_SECONDS="${AMP_SECONDS:-4}" selftests/amplification.sh || rc=$?
grep -E '^(not )?ok ' "$out/output" | grep -v '^ok ' || true
echo "| input class | input | third party | received (packets / bytes) | sent to third parties (packets / bytes) | per packet | per byte | flood: at one address (/s) | budget | |"
echo "|---|---|---|---|---|---|---|---|---|---|"
cat "$out/amplification.md"
exit "$rc"

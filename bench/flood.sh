#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The floods of selftests/flood.sh at full size, in one VM (real time,
# 2 vCPUs, as the selftests): (a) 10 000 000 spoofed Teredo sources at a
# relay, with and without the receive fast path, (b) 1 000 000 new Teredo
# destinations from its native side, (c) authentication headers at a
# client for 180 s from anywhere and posing as its server. Prints the
# figures (rates, the trusted client's ping loss, memory) and keeps them
# in bench/out/flood/figures; docs/SECURITY.md has the latest.
#
# usage: bench/flood.sh
# Environment: FLOOD_SPOOF, FLOOD_DESTS, FLOOD_AUTH_SECONDS (the sizes),
# FLOOD_OUT_DIR (bench/out/flood), FLOOD_TIMEOUT (VM, 7200 s),
# FLOOD_MEM (2G).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${FLOOD_OUT_DIR:-$repo/bench/out/flood}

mkdir -p "$repo/build/bench" "$out"
for t in tsend fsend; do
	cc -O2 -Wall -o "$repo/build/bench/$t.tmp" "$repo/bench/$t.c"
	mv "$repo/build/bench/$t.tmp" "$repo/build/bench/$t"
done
make -s -C "$repo" all >/dev/null
rm -f "$out/figures"
rc=0
scripts/vm-run --mem "${FLOOD_MEM:-2G}" --quiet --timeout "${FLOOD_TIMEOUT:-7200}" --out "$out" -- \
	env FLOOD_SPOOF="${FLOOD_SPOOF:-10000000}" FLOOD_DESTS="${FLOOD_DESTS:-1000000}" \
	FLOOD_AUTH_SECONDS="${FLOOD_AUTH_SECONDS:-180}" FLOOD_OUT=/run/vm/out/figures \
	selftests/flood.sh || rc=$?
grep -E '^(not )?ok ' "$out/output" || true
echo "# figures (bench/out/flood/figures):"
sed 's/^/  /' "$out/figures" 2>/dev/null || echo "  none: see $out/output and $out/console.log"
exit "$rc"

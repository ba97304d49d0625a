#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The NAT table of docs/NAT.md: bench/nat-matrix.sh in one VM (TCG, 2
# vCPUs, 2 GB), then one row per NAT kind and client, "ok" where the ping
# was answered. The raw lines stay in bench/out/nat6081/pairs.
#
# usage: bench/nat6081.sh
# Environment: NAT6081_OUT_DIR (bench/out/nat6081), NAT6081_TIMEOUT (VM,
# 2400 s).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${NAT6081_OUT_DIR:-$repo/bench/out/nat6081}

mkdir -p "$out"
make -s -C "$repo" all >/dev/null
rc=0
scripts/vm-run --quiet --mem 2G --timeout "${NAT6081_TIMEOUT:-2400}" \
	--out "$out" -- bench/nat-matrix.sh || rc=$?
grep -E '^# pair: ' "$out/output" >"$out/pairs" || true
grep -E '^# setup failed' "$out/output" && rc=1
echo "| NAT | client | to ours | to Miredo | to ours (sym.) | to native | from ours | from Miredo | from ours (sym.) | from native |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk '
BEGIN {
	kind["cone"] = "cone"; kind["rest"] = "port-restricted"
	kind["rupnp"] = "port-restricted + UPnP gateway"
	kind["sym"] = "symmetric"; kind["supnp"] = "symmetric + UPnP gateway"
	kind["move"] = "port-restricted, moves a mapping"
	impl["m"] = "Miredo 1.2.6"; impl["b"] = "ours, UPnP off"
	impl["a"] = "ours, UPnP yes"
}
{
	s = $3; r[s, $4, $5] = $6
	if (!(s in seen)) { seen[s] = 1; order[++n] = s }
}
END {
	for (i = 1; i <= n; i++) {
		s = order[i]; k = substr(s, 1, length(s) - 1)
		printf "| %s | %s", kind[k], impl[substr(s, length(s))]
		split("out ours,out miredo,out symmetric,out native,in ours,in miredo,in symmetric,in native", c, ",")
		for (j = 1; j <= 8; j++) {
			split(c[j], d, " ")
			printf " | %s", r[s, d[1], d[2]]
		}
		print " |"
	}
}' "$out/pairs"
exit "$rc"

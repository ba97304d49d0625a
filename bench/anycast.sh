#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The anycast fleet's failovers (selftests/anycast.sh), each way tried
# ANYCAST_TRIES times (default 5) in one VM (real time, 2 vCPUs, TCG as
# the selftests): prints, per way, the median time to recovery and pings
# lost (a ping every 10 ms) with the range, and keeps the raw lines in
# bench/out/anycast/figures. docs/DEPLOYMENT.md has the latest.
#
# usage: bench/anycast.sh
# Environment: ANYCAST_TRIES, ANYCAST_WAYS (selftests/anycast.sh; empty:
# only the module unload), ANYCAST_OUT_DIR (bench/out/anycast),
# ANYCAST_TIMEOUT (VM, 3600 s).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${ANYCAST_OUT_DIR:-$repo/bench/out/anycast}
tries=${ANYCAST_TRIES:-5}

mkdir -p "$out"
make -s -C "$repo" all >/dev/null
rc=0
scripts/vm-run --quiet --timeout "${ANYCAST_TIMEOUT:-3600}" --out "$out" -- \
	env ANYCAST_TRIES="$tries" ANYCAST_WAYS="${ANYCAST_WAYS-down delete dead link netns}" \
	selftests/anycast.sh || rc=$?
grep -E '^(not )?ok ' "$out/output" | grep -v '^ok ' || true
grep -E '^# failover: ' "$out/output" >"$out/figures" || true
echo "# $(grep -c '^ok ' "$out/output") checks passed, $(grep -c '^not ok ' "$out/output") failed"
echo "| way | tries | recovery (s), median (min-max) | pings lost, median (min-max) |"
echo "|---|---|---|---|"
awk '{ way = $3; rec[way] = rec[way] " " $5; lost[way] = lost[way] " " $8
	if (!(way in seen)) { seen[way] = 1; order[++n] = way } }
function med(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
		if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return sprintf("%s (%s-%s)", a[int((k + 1) / 2)], a[1], a[k])
}
function count(list,   a) { return split(list, a, " ") }
END { for (i = 1; i <= n; i++)
	printf "| %s | %d | %s | %s |\n", order[i], count(rec[order[i]]),
		med(rec[order[i]]), med(lost[order[i]]) }' "$out/figures"
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Relay benchmark: boots ONE test VM under icount (-smp 1 -icount
# shift=1,sleep=on, see /work/shared/reference/bench-notes.md) and runs
# bench/guest.sh in it: decapsulation (Teredo/UDP/IPv4 -> IPv6) and
# encapsulation (IPv6 -> trusted Teredo client) for our relay (teredo0),
# Miredo's relay, the kernel's fou+sit (ceiling) and plain IPv6 forwarding.
# Prints a table and writes bench/results.json.
#
# usage: bench/run.sh            (or: make bench)
# Environment (passed to the guest): BENCH_RUNS (3), BENCH_WIN (5 s),
# BENCH_WARM (1.5 s), BENCH_SMALL (8-byte UDP payload), BENCH_ONLY (regexp
# on scenario/contender), BENCH_FULL=0 (skip 1280-byte packets),
# BENCH_PEERS=0 (skip the 1024-peer encapsulation).
# BENCH_OUT: where the VM output goes (default bench/out).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${BENCH_OUT:-$repo/bench/out}

if ! command -v trafgen >/dev/null; then
	echo "bench: installing netsniff-ng (trafgen)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q netsniff-ng >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q netsniff-ng >/dev/null; }
fi
command -v trafgen >/dev/null || { echo "bench: trafgen missing" >&2; exit 1; }
command -v miredo >/dev/null || echo "bench: miredo missing, its rows will fail (scripts/install-deps.sh)" >&2

envs=()
for v in $(compgen -v BENCH_); do
	[ "$v" = BENCH_OUT ] && continue
	envs+=("$v=${!v}")
done
mkdir -p "$out"
echo "bench: booting the VM (icount), log in $out/output" >&2
rc=0
scripts/vm-run --icount --quiet --timeout "${BENCH_TIMEOUT:-5400}" --out "$out" -- \
	env "${envs[@]}" "$repo/bench/guest.sh" || rc=$?
[ -s "$out/bench.tsv" ] || { echo "bench: no results (vm-run exit $rc)" >&2; tail -n 30 "$out/output" >&2 || true; exit 1; }

python3 - "$out/bench.tsv" "$repo/bench/results.json" <<'PY'
import json, statistics, sys
rows = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 3:
        continue
    sc, ct, runs = f[0], f[1], [int(x) for x in f[2].split(",") if x]
    gen = [int(x) for x in f[3].split(",")] if len(f) > 3 and f[3] else []
    med = statistics.median(runs) if runs else 0
    spread = 100.0 * (max(runs) - min(runs)) / med if med else 0.0
    rows.append({"scenario": sc, "contender": ct, "pps": round(med),
                 "runs": runs, "spread_pct": round(spread, 2), "mode": "icount",
                 "generator_pps": gen})
ceil = {r["scenario"]: r["pps"] for r in rows if r["contender"] in ("fou-sit", "sit-fou")}
with open(sys.argv[2], "w") as fh:
    json.dump([{k: r[k] for k in ("scenario", "contender", "pps", "runs", "spread_pct", "mode")}
               for r in rows], fh, indent=1)
    fh.write("\n")
hdr = ("scenario", "contender", "pps median", "spread %", "ratio to ceiling", "generator pps")
print("%-16s | %-9s | %10s | %8s | %16s | %s" % hdr)
print("-" * 16 + "-+-" + "-" * 9 + "-+-" + "-" * 10 + "-+-" + "-" * 8 + "-+-" + "-" * 16 + "-+-" + "-" * 14)
for r in rows:
    c = ceil.get(r["scenario"])
    ratio = "%.2f" % (r["pps"] / c) if c else "-"
    g = statistics.median(r["generator_pps"]) if r["generator_pps"] else 0
    print("%-16s | %-9s | %10d | %8.2f | %16s | %d" % (r["scenario"], r["contender"], r["pps"],
          r["spread_pct"], ratio, g))
PY
grep -E '^# .*(WARNING|FAILED|teredo0:|failed)' "$out/output" >&2 || true
echo "bench: bench/results.json written; guest log $out/output" >&2
exit 0

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Relay benchmark: boots ONE test VM per timing mode and runs bench/guest.sh
# in it: decapsulation (Teredo/UDP/IPv4 -> IPv6) and encapsulation (IPv6 ->
# trusted Teredo client) for our relay (teredo0), Miredo's relay, the
# kernel's fou+sit (ceiling) and plain IPv6 forwarding; encapsulation over
# 1 ... 1 000 000 trusted peers, the peer table's memory and its insertion
# rate under a flood of new destinations (bench/tsend.c, our relay only).
# The relay is fed from inside the guest kernel (bench/inject, a module
# built here: frames received on the relay's device as from a NIC) and
# drained by a counting dummy device (encapsulation: a counting drop on the
# uplink's egress); see bench/guest.sh.
# Modes (see /work/shared/reference/bench-notes.md): "icount" boots with
# -smp 1 -icount shift=1,sleep=on (instruction path length, repeatable
# within 0.3 %), "realtime" with -smp 1 and no icount (cache and TLB costs
# count; spreads of 5-20 %, so more runs). "smp" (not in the default
# modes) boots BENCH_CPUS (2) vCPUs in real time (MTTCG: one host thread
# each, so the host needs that many idle cores) and measures decapsulation
# and encapsulation over 1024 peers with one packet source, then with one
# per CPU (bench/inject threads=N, as a NIC's RSS queues): the scaling. Prints a table with both side by
# side and merges the records into bench/results.json: records of scenarios
# and modes not run now (e.g. bench/server.sh's) are kept.
#
# usage: bench/run.sh            (or: make bench)
# Environment (passed to the guest): BENCH_RUNS (3; realtime: BENCH_RUNS_RT,
# 5), BENCH_WIN (5 s), BENCH_WARM (1.5 s), BENCH_SMALL (8-byte UDP payload),
# BENCH_ONLY (regexp on scenario/contender), BENCH_FULL=0 (skip 1280-byte
# packets), BENCH_PEERS=0 (skip the 1024-peer encapsulation),
# BENCH_PEER_COUNTS ("1 1000 100000 1000000"; empty: skip the series),
# BENCH_FLOOD=0 (skip the insertion flood), BENCH_FLOOD_MAX (65536: maxpeers
# of the bound check), BENCH_MIREDO_PPS (10000: pace of the bubbles that
# create and refresh Miredo's peers), BENCH_PROFILE (perf or insn: profile
# the last run of each pair; bench/profile.sh sets up insn).
# Host side only: BENCH_MODE ("icount realtime", the default, or any of
# icount, realtime, smp), BENCH_CPUS (smp: 2), BENCH_MEM (VM memory, 2G), BENCH_OUT (where the VM output goes,
# default bench/out; the realtime pass uses BENCH_OUT/realtime),
# BENCH_TIMEOUT (per VM, 7200 s), BENCH_RESULTS (bench/results.json).
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

# the sender of the many-peer scenarios, run by the guest from this tree
mkdir -p "$repo/build/bench"
cc -O2 -Wall -o "$repo/build/bench/tsend.tmp" "$repo/bench/tsend.c"
mv "$repo/build/bench/tsend.tmp" "$repo/build/bench/tsend"
# the module, teredod and ip's plugin (a fresh clone has none of them);
# the packet source of the relay rows (bench/inject), a module of its own
make -s -C "$repo" module userspace
kdir=$(make -s -C "$repo" print-kdir)
rm -rf "$repo/build/bench/inject"
mkdir -p "$repo/build/bench/inject"
cp "$repo/bench/inject/Kbuild" "$repo/bench/inject/inject.c" "$repo/build/bench/inject/"
make -s -C "$kdir" M="$repo/build/bench/inject" modules 2>&1 | grep -v 'Skipping BTF' >&2 || true
[ -f "$repo/build/bench/inject/inject.ko" ] || { echo "bench: bench/inject did not build" >&2; exit 1; }

modes=${BENCH_MODE:-icount realtime}
tsvs=()
for mode in $modes; do
	case $mode in
	icount) mout=$out vmopt=(--icount) runs=${BENCH_RUNS:-3} ;;
	realtime) mout=$out/realtime vmopt=(--smp 1) runs=${BENCH_RUNS_RT:-5} ;;
	smp) mout=$out/smp vmopt=(--smp "${BENCH_CPUS:-2}") runs=${BENCH_RUNS_RT:-5} ;;
	*) echo "bench: unknown mode $mode (icount, realtime, smp)" >&2; exit 2 ;;
	esac
	envs=("BENCH_MODE=$mode" "BENCH_RUNS=$runs")
	for v in $(compgen -v BENCH_); do
		case $v in BENCH_OUT|BENCH_MODE|BENCH_MEM|BENCH_TIMEOUT|BENCH_RUNS|BENCH_RUNS_RT) continue ;; esac
		envs+=("$v=${!v}")
	done
	mkdir -p "$mout"
	rm -f "$mout/bench.tsv"
	echo "bench: booting the VM ($mode), log in $mout/output" >&2
	rc=0
	scripts/vm-run "${vmopt[@]}" --mem "${BENCH_MEM:-2G}" --quiet \
		--timeout "${BENCH_TIMEOUT:-7200}" --out "$mout" -- \
		env "${envs[@]}" "$repo/bench/guest.sh" || rc=$?
	if [ -s "$mout/bench.tsv" ]; then
		tsvs+=("$mout/bench.tsv")
	else
		echo "bench: no $mode results (vm-run exit $rc)" >&2
		tail -n 30 "$mout/output" >&2 || true
	fi
	grep -E '^# .*(WARNING|FAILED|REJECTED|teredo0:|failed|memory:|bound:|trusted \()' \
		"$mout/output" | sed "s/^# /# $mode: /" >&2 || true
done
[ ${#tsvs[@]} -gt 0 ] || exit 1

python3 - "${BENCH_RESULTS:-$repo/bench/results.json}" "${tsvs[@]}" <<'PY'
import json, os, statistics, sys


def ints(x):
    return [int(v) for v in x.split(",") if v]


rows = []
for path in sys.argv[2:]:
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 7:
            continue
        sc, ct, mode, runs, gen, rej, extra = f[:7]
        runs, gen = ints(runs), ints(gen)
        med = statistics.median(runs) if runs else None
        r = {"scenario": sc, "contender": ct,
             "pps": round(med) if med is not None else None, "runs": runs,
             "spread_pct": round(100.0 * (max(runs) - min(runs)) / med, 2) if med else 0.0,
             "mode": mode}
        if rej:
            r["rejected"] = [{"pps": int(x.split(":", 1)[0]), "why": x.split(":", 1)[1].strip()}
                             for x in rej.split(";") if x]
        if extra:
            r.update(json.loads(extra))
        if "value" in r:        # not a packet rate (bench/client.sh's convention)
            del r["pps"]
        r["_gen"] = statistics.median(gen) if gen else 0
        rows.append(r)

# merge: replace what was measured now, keep every other record
try:
    old = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    old = []


def key(r):
    return (r.get("scenario"), r.get("contender"), r.get("mode", "icount"))


now = {key(r) for r in rows}
merged = [r for r in old if key(r) not in now] + \
    [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
with open(sys.argv[1] + ".tmp", "w") as fh:
    json.dump(merged, fh, indent=1)
    fh.write("\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])

# the table: icount and realtime side by side
by, order = {}, []
for r in rows:
    if r["mode"] == "smp":      # a table of its own, below
        continue
    k = (r["scenario"], r["contender"])
    if k not in by:
        order.append(k)
    by.setdefault(k, {})[r["mode"]] = r
ceil = {(r["scenario"], r["mode"]): r["pps"] for r in rows
        if r["contender"] in ("fou-sit", "sit-fou") and r.get("pps")}
one = {(r["contender"], r["mode"]): r["pps"] for r in rows
       if r["scenario"] == "encap-peers-1" and r.get("pps")}


def cell(r):
    if r is None:
        return "%10s %6s %5s %8s" % ("-", "", "", "")
    if r["pps"] is None:
        return "%10s %6s %5s %8s" % ("rejected", "", "", "")
    c = ceil.get((r["scenario"], r["mode"]))
    if r["scenario"].startswith("encap-peers-"):
        c = one.get((r["contender"], r["mode"]))
    ratio = "%.2f" % (r["pps"] / c) if c else "-"
    return "%10d %5.1f%% %5s %8d" % (r["pps"], r["spread_pct"], ratio, r["_gen"])


if order:
    print("%-20s | %-11s | %-33s | %-33s | %s" % (
        "scenario", "contender", "icount: pps spread ratio gen_pps",
        "realtime: pps spread ratio gen_pps", "notes"))
    print("-" * 120)
for k in order:
    m = by[k]
    notes = []
    for mode in ("icount", "realtime"):
        r = m.get(mode)
        if not r:
            continue
        for j in r.get("rejected", []):
            if j["pps"]:
                notes.append("%s: run of %d pps rejected: %s" % (mode, j["pps"], j["why"]))
            else:
                notes.append("%s: %s" % (mode, j["why"]))
        if r.get("rss_bytes") is not None:
            notes.append("%s: %.1f bytes/peer at %d peers (resident set +%d bytes)" % (
                mode, r["bytes_per_peer"], r["peers"], r["rss_bytes"]))
        elif r.get("bytes_per_peer") is not None:
            notes.append("%s: %.1f bytes/peer at %d peers (slab %d + buckets %d bytes; "
                         "MemFree -%d)" % (mode, r["bytes_per_peer"], r["peers"], r["slab_bytes"],
                                           r["bucket_bytes"], r["memfree_bytes"]))
        if r.get("bounded"):
            notes.append("%s: new peers/s; maxpeers %d flooded with %d: %d in the table, %d "
                         "table-full drops: %s" % (mode, r["maxpeers"], r["offered"],
                                                   r["peers_after"], r["table_full_drops"],
                                                   r["bounded"]))
    if k[0].startswith("peer-memory"):
        print("%-20s | %-11s | %s" % (k[0], k[1], "; ".join(notes)))
        continue
    print("%-20s | %-11s | %s | %s | %s" % (k[0], k[1], cell(m.get("icount")),
                                          cell(m.get("realtime")), "; ".join(notes)))
if order:
    print("ratio: to the scenario's fou+sit ceiling; encap-peers-N: to the same contender's "
          "encap-peers-1 (target >= 0.80 at 1000000 peers)")

# smp: each row's figure at N CPUs against 1 CPU
smp = {(r["scenario"], r["contender"]): r for r in rows if r["mode"] == "smp"}
if smp:
    print()
    print("%-20s | %-11s | %10s | %10s | %s" % ("smp scenario", "contender", "1 CPU pps",
                                                "N CPUs pps", "scaling (N: CPUs)"))
    for (sc, ct), r in sorted(smp.items()):
        if not sc.startswith("smp1-"):
            continue
        base = sc[len("smp1-"):]
        for n in range(2, 65):
            m = smp.get(("smp%d-%s" % (n, base), ct))
            if not m:
                continue
            a, b = r.get("pps"), m.get("pps")
            print("%-20s | %-11s | %10s | %10s | %s" % (
                base, ct, a, b, "%.2fx at %d" % (b / a, n) if a and b else "-"))
PY
echo "bench: ${BENCH_RESULTS:-bench/results.json} updated; guest logs in $out" >&2
exit 0

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Client benchmark, in ONE icount VM (-smp 1 -icount shift=1,sleep=on), the
# topology of the selftests (selftests/topology.sh: a client behind an
# nftables NAT, miredo-server, a relay, a native IPv6 host):
#   tcp-up, tcp-down  TCP throughput client -> native host and back, in kB/s
#                     (20 MB, first byte to EOF at the sink): our client +
#                     our relay vs Miredo's client + Miredo's relay (our
#                     module's defaults: on these veths it segments before
#                     the uplink; bench/tcp.sh has the tunnel TSO rows, its
#                     links made to act as wires into NICs)
#   qualify           daemon start to Teredo address on the device, in ms
#   readdress         the client's IPv4 address renumbered to its new
#                     Teredo address, in ms (Miredo notices only at its next
#                     refresh; 60 s cap)
# BENCH_RUNS runs each, median and spread; merged into bench/results.json.
#
# usage: bench/client.sh   Environment: BENCH_RUNS (3), BENCH_BYTES
# (20000000), BENCH_ONLY (regexp on contender), BENCH_OUT
# (bench/out/client), BENCH_TIMEOUT (3600 s).
set -uo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)

if [ "${1:-}" != --guest ]; then
	set -e
	out=${BENCH_OUT:-$BENCH/out/client}
	command -v miredo >/dev/null || echo "bench: miredo missing, its rows will fail" >&2
	make -s -C "$REPO" module userspace >/dev/null
	mkdir -p "$out"
	envs=()
	for v in BENCH_RUNS BENCH_BYTES BENCH_ONLY; do
		[ -n "${!v:-}" ] && envs+=("$v=${!v}")
	done
	echo "bench: booting the VM (icount), log in $out/output" >&2
	rc=0
	"$REPO/scripts/vm-run" --icount --quiet --timeout "${BENCH_TIMEOUT:-3600}" \
		--out "$out" -- env "${envs[@]}" "$BENCH/client.sh" --guest || rc=$?
	[ -s "$out/client.tsv" ] || { echo "bench: no results (vm-run exit $rc)" >&2; tail -n 30 "$out/output" >&2; exit 1; }
	python3 - "$out/client.tsv" "$BENCH/results.json" <<-'PY'
	import json, os, statistics, sys
	rows = []
	for line in open(sys.argv[1]):
	    sc, ct, unit, runs = line.rstrip("\n").split("\t")
	    runs = [int(x) for x in runs.split(",") if x]
	    med = statistics.median(runs) if runs else 0
	    rows.append({"scenario": sc, "contender": ct, "value": round(med), "unit": unit,
	                 "runs": runs, "mode": "icount",
	                 "spread_pct": round(100.0 * (max(runs) - min(runs)) / med, 2) if med else 0.0})
	try:
	    old = json.load(open(sys.argv[2]))
	except (OSError, ValueError):
	    old = []
	mine = {(r["scenario"], r["contender"]) for r in rows}
	keep = [r for r in old if (r.get("scenario"), r.get("contender")) not in mine]
	with open(sys.argv[2] + ".tmp", "w") as fh:
	    json.dump(keep + rows, fh, indent=1)
	    fh.write("\n")
	os.rename(sys.argv[2] + ".tmp", sys.argv[2])
	print("%-10s | %-7s | %10s | %-5s | %8s | %s" % ("scenario", "contender", "median", "unit", "spread %", "runs"))
	for r in rows:
	    print("%-10s | %-9s | %10d | %-5s | %8.2f | %s" % (r["scenario"], r["contender"], r["value"],
	          r["unit"], r["spread_pct"], r["runs"]))
	PY
	exit 0
fi

# ---- inside the VM --------------------------------------------------------
source "$REPO/selftests/lib.sh"
source "$REPO/selftests/topology.sh"
trap topo_cleanup EXIT
RUNS=${BENCH_RUNS:-3}
BYTES=${BENCH_BYTES:-20000000}
TSV=/run/vm/out/client.tsv
TCP=$BENCH/tcp.py

ms() { echo $(($(date +%s%N) / 1000000)); }

emit() {	# SCENARIO CONTENDER UNIT VALUES...
	local sc=$1 ct=$2 unit=$3 v

	shift 3
	v=$(IFS=,; echo "$*")
	echo "RESULT $sc $ct $unit $v"
	[ -d "${TSV%/*}" ] && printf '%s\t%s\t%s\t%s\n' "$sc" "$ct" "$unit" "$v" >>"$TSV"
}

tcp_kbs() {	# FROM TO DST: kB/s of one transfer
	local sink r

	topo_exec "$2" "$TCP" sink 5001 120 >"$TOPO_DIR/sink.out" 2>&1 &
	sink=$!
	sleep 1
	topo_exec "$1" "$TCP" source "$3" 5001 "$BYTES" || return 1
	wait "$sink" || return 1
	read -r n t _ <"$TOPO_DIR/sink.out"
	[ "$n" = "$BYTES" ] && [ "$t" -gt 0 ] || return 1
	echo $((n / t))		# bytes/ms = kB/s
}

# one contender: "ours" or "miredo"
start_contender() {	# CONTENDER
	topo_init && topo_add_nat_client c 1 || return 1
	topo_start_miredo_server || return 1
	if [ "$1" != miredo ]; then
		topo_ip -n relay link add teredo0 type teredo mode relay local "$TOPO_RELAY_IP" &&
		topo_ip -n relay link set teredo0 up &&
		topo_ip -n relay route add 2001::/32 via fe80::1 dev teredo0 || return 1
	else
		topo_start_miredo_relay || return 1
	fi
}

# When the address came, from the kernel's notification (ip monitor's
# time stamp), not from a poll of the device every 200 ms, whose step the
# figure would then be made of.
start_client() {	# CONTENDER: prints ms to the address
	local t0 a mon ev

	topo_exec c ip -ts -6 monitor address >"$TOPO_DIR/addr.mon" 2>&1 &
	mon=$!
	sleep 0.5
	t0=$(ms)
	if [ "$1" != miredo ]; then
		topo_start_teredod c
		a=$(topo_wait_teredo_addr c teredo0 60)
	else
		topo_start_miredo_client c
		a=$(topo_wait_teredo_addr c teredo 60)
	fi
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	[ -n "$a" ] || return 1
	# "[2026-12-07T23:50:01.123456] 5: teredo0    inet6 2001:0:..."
	ev=$(sed -n 's/^\[\([0-9T:.-]*\)\].* inet6 2001:0:.*/\1/p' "$TOPO_DIR/addr.mon" | head -n 1)
	[ -n "$ev" ] || return 1
	echo $(($(date -d "${ev/T/ }" +%s%N) / 1000000 - t0))
}

ifname() { [ "$1" = miredo ] && echo teredo || echo teredo0; }

bench_contender() {	# CONTENDER
	local ct=$1 dev q=() up=() down=() re=() i a old t0 n=2

	dev=$(ifname "$ct")
	for i in $(seq "$RUNS"); do
		start_contender "$ct" || { log "$ct: setup failed"; return 1; }
		q+=("$(start_client "$ct")") || { log "$ct: no address"; return 1; }
		[ -n "${q[-1]}" ] || { log "$ct: no address"; topo_cleanup; return 1; }
		a=$(topo_teredo_addrs c "$dev")
		wait_for 20 topo_exec c ping -6 -c 1 -W 2 "$TOPO_HOST6_IP6" >/dev/null
		up+=("$(tcp_kbs c host6 "$TOPO_HOST6_IP6")")
		down+=("$(tcp_kbs host6 c "$a")")
		# renumber the client's LAN address: a new NAT mapping
		n=$((n + 1))
		old=$a
		t0=$(ms)
		topo_batch c <<-EOF
		addr del 198.19.1.2/24 dev eth0
		addr add 198.19.1.$n/24 dev eth0
		route add default via 198.19.1.1
		EOF
		if wait_for 60 topo_addr_changed_dev c "$dev" "$old"; then
			re+=("$(($(ms) - t0))")
		else
			re+=(60000)
		fi
		log "$ct run $i: qualify ${q[-1]} ms, up ${up[-1]} kB/s, down ${down[-1]} kB/s, readdress ${re[-1]} ms"
		topo_cleanup
	done
	emit tcp-up "$ct" kB/s "${up[@]}"
	emit tcp-down "$ct" kB/s "${down[@]}"
	emit qualify "$ct" ms "${q[@]}"
	emit readdress "$ct" ms "${re[@]}"
}

topo_addr_changed_dev() {	# NS DEV OLD
	local a

	a=$(topo_teredo_addrs "$1" "$2")
	[ -n "$a" ] && [ "$a" != "$3" ] && [[ $a != *$'\n'* ]]
}

rm -f "$TSV"
for ct in ours miredo; do
	[[ $ct =~ ${BENCH_ONLY:-.} ]] && bench_contender "$ct"
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Teredo server benchmark: router solicitations answered per second by
# "teredod server" and by miredo-server, in ONE icount VM (-smp 1 -icount
# shift=1,sleep=on: generator, server and sink share the vCPU, so a figure
# is the cost of the whole path; see /work/shared/reference/bench-notes.md).
#
#   c eth0 198.18.0.21 ------veth------ s eth0 198.18.0.1, 198.18.0.2
#   trafgen: RS from 4096 sources        the server under test; its RAs
#   (198.19.x.y, one port each)          go back to c (route 198.19/16)
#   tc ingress drop on c eth0 counts the RAs
#
# The generator runs flat out; the figure is the RAs that reach c per
# second (the server's socket drops the rest). 4096 sources keep every one
# far below teredod's per-source rate limit (100/s), so both servers answer
# everything they read.
#
# usage: bench/server.sh       (boots the VM; prints a table, merges the
#                               "server-rs" rows into bench/results.json)
# Environment: BENCH_RUNS (3), BENCH_WIN (5 s), BENCH_WARM (1.5 s),
# BENCH_OUT (bench/out/server), BENCH_TIMEOUT (1800 s).
set -uo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)

if [ "${1:-}" != --guest ]; then
	set -e
	out=${BENCH_OUT:-$BENCH/out/server}
	command -v trafgen >/dev/null || { echo "bench: trafgen missing (netsniff-ng)" >&2; exit 1; }
	command -v miredo-server >/dev/null || echo "bench: miredo-server missing, its rows will fail" >&2
	make -s -C "$REPO/userspace/teredod" teredod
	mkdir -p "$out"
	envs=()
	for v in BENCH_RUNS BENCH_WIN BENCH_WARM; do
		[ -n "${!v:-}" ] && envs+=("$v=${!v}")
	done
	echo "bench: booting the VM (icount), log in $out/output" >&2
	rc=0
	"$REPO/scripts/vm-run" --icount --quiet --timeout "${BENCH_TIMEOUT:-1800}" \
		--out "$out" -- env "${envs[@]}" "$BENCH/server.sh" --guest || rc=$?
	[ -s "$out/server.tsv" ] || { echo "bench: no results (vm-run exit $rc)" >&2; tail -n 30 "$out/output" >&2; exit 1; }
	python3 - "$out/server.tsv" "$BENCH/results.json" <<-'PY'
	import json, os, statistics, sys
	rows = []
	for line in open(sys.argv[1]):
	    f = line.rstrip("\n").split("\t")
	    runs = [int(x) for x in f[2].split(",") if x]
	    gen = [int(x) for x in f[3].split(",") if x]
	    med = statistics.median(runs) if runs else 0
	    rows.append({"scenario": f[0], "contender": f[1], "pps": round(med), "runs": runs,
	                 "spread_pct": round(100.0 * (max(runs) - min(runs)) / med, 2) if med else 0.0,
	                 "mode": "icount", "gen": statistics.median(gen) if gen else 0})
	try:
	    old = json.load(open(sys.argv[2]))
	except (OSError, ValueError):
	    old = []
	keep = [r for r in old if r.get("scenario") not in {r["scenario"] for r in rows}]
	with open(sys.argv[2] + ".tmp", "w") as fh:
	    json.dump(keep + [{k: r[k] for k in ("scenario", "contender", "pps", "runs", "spread_pct", "mode")}
	                      for r in rows], fh, indent=1)
	    fh.write("\n")
	os.rename(sys.argv[2] + ".tmp", sys.argv[2])
	print("%-10s | %-14s | %12s | %8s | %s" % ("scenario", "contender", "RA/s median", "spread %", "RS/s offered"))
	for r in rows:
	    print("%-10s | %-14s | %12d | %8.2f | %d" % (r["scenario"], r["contender"], r["pps"], r["spread_pct"], r["gen"]))
	PY
	exit 0
fi

# ---- inside the VM --------------------------------------------------------
IP=/sbin/ip
TEREDOD=$REPO/userspace/teredod/teredod
RUNS=${BENCH_RUNS:-3}
WARM=${BENCH_WARM:-1.5}
WIN=${BENCH_WIN:-5}
SOURCES=4096
MAC_C=02:00:00:00:0c:01 MAC_S=02:00:00:00:0d:01
OUT=/run/vm/out/server.tsv
WORK=/tmp/bench-server		# tmpfs: trafgen maps a file in its cwd
SRV_PID="" TG_PID=""

log() { echo "# $*"; }

# The generator's frames: one RS (auth header, restricted link-local, 61
# bytes of UDP payload) from each of SOURCES addresses 198.19.x.y, ports
# 1024 + i, to 198.18.0.1:3544, as a trafgen packet list.
frames() {
	python3 - "$REPO/selftests" "$MAC_S" "$MAC_C" "$SOURCES" <<-'PY'
	import ipaddress, struct, sys
	sys.path.insert(0, sys.argv[1])
	from teredo_peer import csum, rs_payload
	mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
	dst = ipaddress.IPv4Address("198.18.0.1").packed
	for i in range(int(sys.argv[4])):
	    src = ipaddress.IPv4Address(0xc6130000 + i).packed
	    data = rs_payload(struct.pack("!Q", i))
	    ulen = 8 + len(data)
	    udp = struct.pack("!HHHH", 1024 + i, 3544, ulen, 0) + data
	    c = csum(src + dst + struct.pack("!xBH", 17, ulen) + udp) or 0xffff
	    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
	    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0, src, dst)
	    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
	    frame = mac(sys.argv[2]) + mac(sys.argv[3]) + b"\x08\x00" + hdr + udp
	    print("{ " + ", ".join("0x%02x" % b for b in frame) + " }")
	PY
}

setup() {
	"$IP" netns add c && "$IP" netns add s || return 1
	"$IP" link add eth0 netns c address $MAC_C type veth peer name eth0 netns s address $MAC_S || return 1
	"$IP" -n c -batch - <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.18.0.21/24 dev eth0
	EOF
	"$IP" -n s -batch - <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.18.0.1/24 dev eth0
	addr add 198.18.0.2/24 dev eth0
	neigh replace 198.18.0.21 lladdr $MAC_C dev eth0 nud permanent
	route add 198.19.0.0/16 via 198.18.0.21 dev eth0
	EOF
	tc -n c qdisc add dev eth0 clsact
	tc -n c filter add dev eth0 ingress matchall action drop
	"$IP" netns exec s sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
	printf 'ServerBindAddress 198.18.0.1\nServerBindAddress2 198.18.0.2\n' >"$WORK/server.conf"
}

teardown() {
	local pid

	[ -n "$SRV_PID" ] && kill -TERM "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
	for pid in $("$IP" netns pids s 2>/dev/null) $("$IP" netns pids c 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	sleep 0.3
	"$IP" netns del c 2>/dev/null
	"$IP" netns del s 2>/dev/null
}

counter() {	# NS DEV rx|tx: packets
	"$IP" -n "$1" -j -s link show dev "$2" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["'"$3"'"]["packets"])'
}

bound() { "$IP" netns exec s cat /proc/net/udp | grep -q ':0DD8 '; }

start_server() {	# teredod|miredo-server
	case $1 in
	teredod)
		"$IP" netns exec s "$TEREDOD" server -f -c "$WORK/server.conf" \
			>"$WORK/server.log" 2>&1 </dev/null & ;;
	miredo-server)
		"$IP" netns exec s miredo-server -f -c "$WORK/server.conf" \
			-p "$WORK/miredo-server.pid" >"$WORK/server.log" 2>&1 </dev/null & ;;
	esac
	SRV_PID=$!
	local i

	for i in $(seq 50); do
		bound && return 0
		sleep 0.2
	done
	log "$1 did not bind UDP 3544:"; sed 's/^/#   /' "$WORK/server.log"
	return 1
}

trafgen_start() {
	(cd "$WORK" && exec "$IP" netns exec c trafgen -i "$WORK/rs.cfg" -o eth0 -P 1 -C \
		>"$WORK/trafgen.log" 2>&1) &
	TG_PID=$!
}

trafgen_stop() {
	local pid

	pkill -INT -P "$TG_PID" 2>/dev/null
	kill -INT "$TG_PID" 2>/dev/null
	sleep 0.2
	for pid in $("$IP" netns pids c 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = trafgen ] && kill -KILL "$pid"
	done
	wait "$TG_PID" 2>/dev/null
}

measure() {	# CONTENDER
	local ct=$1 r a b ga gb t0 t1 pps gpps runs=() gruns=()

	for ((r = 1; r <= RUNS; r++)); do
		trafgen_start
		sleep "$WARM"
		ga=$(counter c eth0 tx); a=$(counter c eth0 rx); t0=$EPOCHREALTIME
		sleep "$WIN"
		gb=$(counter c eth0 tx); b=$(counter c eth0 rx); t1=$EPOCHREALTIME
		trafgen_stop
		pps=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		gpps=$(awk -v a="$ga" -v b="$gb" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		runs+=("$pps"); gruns+=("$gpps")
		log "server-rs $ct run $r: $pps RA/s, generator $gpps RS/s"
		sleep 0.5
	done
	echo "RESULT server-rs $ct $(IFS=,; echo "${runs[*]}") $(IFS=,; echo "${gruns[*]}")"
	[ -d /run/vm/out ] && echo -e "server-rs\t$ct\t$(IFS=,; echo "${runs[*]}")\t$(IFS=,; echo "${gruns[*]}")" >>"$OUT"
}

main() {
	local ct

	mkdir -p "$WORK"
	modprobe -a veth sch_ingress cls_matchall act_gact 2>/dev/null
	modprobe sch_clsact 2>/dev/null
	sysctl -qw net.core.wmem_max=8388608 net.core.wmem_default=8388608 net.core.rmem_max=8388608
	: >"$OUT" 2>/dev/null
	log "kernel $(uname -r), $(nproc) cpu"
	frames >"$WORK/rs.cfg" || { log "no frames"; return 1; }
	for ct in teredod miredo-server; do
		log "=== server-rs / $ct"
		teardown
		setup || { log "setup failed"; continue; }
		start_server "$ct" || { echo "RESULT server-rs $ct FAILED FAILED"; continue; }
		measure "$ct"
		if [ "$ct" = teredod ]; then
			"$IP" netns exec s "$TEREDOD" show server | grep -vE ' 0$' | sed 's/^/# /'
		fi
	done
	teardown
	log "done"
}

main "$@"

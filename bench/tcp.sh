#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TCP bulk through a relay (issue 29), in the topology of the selftests
# (selftests/topology.sh): a native IPv6 host, the relay namespace, our
# client behind an nftables NAT, miredo-server. Both directions, one flow
# and 8 flows at once, for each contender in the same boot:
#   ours-fast    our relay with both fast paths (dev eth0 fastpath on
#                native eth1)
#   ours         our relay, socket path (fast paths off)
#   ours-tso     ours with gso_virtual=Y: GSO packets leave whole, as to
#                NICs that segment UDP tunnels (the veths pass them whole)
#   miredo       Miredo's relay (userspace), same client
#   fou-sit      the kernel's sit over fou between the client and the
#                relay namespace, through the same NAT (the ceiling of a
#                UDP tunnel)
#   plain        plain IPv6 forwarding on the same path (client - NAT
#                router - relay namespace - native host), no tunnel
# The Teredo contenders use our client (teredod, kernel data path): the
# relay is what differs. Both of the relay's links are made to act as
# wires into it for every contender: what arrives there was segmented
# (their far ends, in namespace inet, do not offload TSO) and the relay's
# devices do GRO, as NIC drivers do. What the relay sends leaves whole, as
# to NICs with TSO (and, for ours-tso and fou-sit, UDP tunnel TSO). kB/s, first byte to EOF at the sink (8 flows: all
# bytes over first byte to last EOF); BENCH_RUNS runs each, median and
# spread. Modes as bench/run.sh: icount (-smp 1 -icount, instruction path)
# and realtime (-smp 1; TCG, so spreads are wide: run it on a quiet host).
#
# usage: bench/tcp.sh   Environment: BENCH_KERNEL (6.12: Debian 12's
# 6.12 from bookworm-backports, scripts/fetch-kernel.sh, where the module
# does GRO; default: this host's 6.1), BENCH_MODE ("icount realtime"),
# BENCH_RUNS (3), BENCH_BYTES (20000000, per run: 8 flows share it),
# BENCH_ONLY (regexp on contender), BENCH_DEBUG (1: TCP, link and teredo0
# counters around the single-flow transfers, and the sizes of the packets
# on the relay's links and the client's during the one to the client;
# the sniffers slow the transfer: not for figures), BENCH_OUT (bench/out/tcp),
# BENCH_TIMEOUT (3600 s per VM), BENCH_RESULTS (bench/results.json).
set -uo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)

if [ "${1:-}" != --guest ]; then
	set -e
	out=${BENCH_OUT:-$BENCH/out/tcp}
	command -v miredo >/dev/null || echo "bench: miredo missing, its rows will fail" >&2
	make -s -C "$REPO" module userspace >/dev/null
	kopt=()
	if [ -n "${BENCH_KERNEL:-}" ]; then
		eval "$("$REPO/scripts/fetch-kernel.sh" "$BENCH_KERNEL" | grep -E '^(KERNEL|MODULES|KDIR)=')"
		kopt=(--kernel "$KERNEL" --modules "$MODULES" --module \
		      "$("$REPO/scripts/build-module.sh" "$KDIR")")
		out=$out-$BENCH_KERNEL
	fi
	tsvs=()
	for mode in ${BENCH_MODE:-icount realtime}; do
		case $mode in
		icount) vmopt=(--icount) ;;
		realtime) vmopt=(--smp 1) ;;
		*) echo "bench: unknown mode $mode (icount, realtime)" >&2; exit 2 ;;
		esac
		mkdir -p "$out/$mode"
		rm -f "$out/$mode/tcp.tsv"
		envs=("BENCH_MODE=$mode${BENCH_KERNEL:+-$BENCH_KERNEL}")
		for v in BENCH_RUNS BENCH_BYTES BENCH_ONLY BENCH_DEBUG; do
			[ -n "${!v:-}" ] && envs+=("$v=${!v}")
		done
		echo "bench: booting the VM ($mode), log in $out/$mode/output" >&2
		rc=0
		"$REPO/scripts/vm-run" "${vmopt[@]}" "${kopt[@]}" --mem 1G --quiet \
			--timeout "${BENCH_TIMEOUT:-3600}" --out "$out/$mode" -- \
			env "${envs[@]}" "$BENCH/tcp.sh" --guest || rc=$?
		if [ -s "$out/$mode/tcp.tsv" ]; then
			tsvs+=("$out/$mode/tcp.tsv")
		else
			echo "bench: no $mode results (vm-run exit $rc)" >&2
			tail -n 30 "$out/$mode/output" >&2 || true
		fi
	done
	[ ${#tsvs[@]} -gt 0 ] || exit 1
	python3 - "${BENCH_RESULTS:-$BENCH/results.json}" "${tsvs[@]}" <<-'PY'
	import json, os, statistics, sys
	rows = []
	for path in sys.argv[2:]:
	    for line in open(path):
	        sc, ct, mode, unit, runs = line.rstrip("\n").split("\t")
	        runs = [int(x) for x in runs.split(",") if x]
	        med = statistics.median(runs) if runs else 0
	        rows.append({"scenario": sc, "contender": ct, "value": round(med),
	                     "unit": unit, "runs": runs, "mode": mode,
	                     "spread_pct": round(100.0 * (max(runs) - min(runs)) / med, 2) if med else 0.0})
	try:
	    old = json.load(open(sys.argv[1]))
	except (OSError, ValueError):
	    old = []
	key = lambda r: (r.get("scenario"), r.get("contender"), r.get("mode", "icount"))
	now = {key(r) for r in rows}
	with open(sys.argv[1] + ".tmp", "w") as fh:
	    json.dump([r for r in old if key(r) not in now] + rows, fh, indent=1)
	    fh.write("\n")
	os.rename(sys.argv[1] + ".tmp", sys.argv[1])
	# the table: contenders in columns, one row per scenario and mode
	cts = ["ours-fast", "ours", "ours-tso", "miredo", "fou-sit", "plain"]
	val = {(r["scenario"], r["mode"], r["contender"]): r for r in rows}
	print("| scenario (kB/s) | mode | " + " | ".join(cts) +
	      " | ours-fast / plain | ours-fast / Miredo |")
	print("|---|---|" + "---|" * (len(cts) + 2))
	for sc, mode in sorted({(r["scenario"], r["mode"]) for r in rows}):
	    cells, v = [], {}
	    for ct in cts:
	        r = val.get((sc, mode, ct))
	        v[ct] = r["value"] if r else 0
	        cells.append("%d (%.1f %%)" % (r["value"], r["spread_pct"]) if r else "-")
	    ratio = lambda a, b: "%.2f" % (v[a] / v[b]) if v[a] and v[b] else "-"
	    print("| %s | %s | %s | %s | %s |" % (sc, mode, " | ".join(cells),
	          ratio("ours-fast", "plain"), ratio("ours-fast", "miredo")))
	PY
	exit 0
fi

# ---- inside the VM --------------------------------------------------------
source "$REPO/selftests/lib.sh"
source "$REPO/selftests/topology.sh"
trap topo_cleanup EXIT
MODE=${BENCH_MODE:-icount}
RUNS=${BENCH_RUNS:-3}
BYTES=${BENCH_BYTES:-20000000}
TSV=/run/vm/out/tcp.tsv
TCP=$BENCH/tcp.py
C6=""		# the client's address, as the native host reaches it

emit() {	# SCENARIO CONTENDER VALUES...
	local sc=$1 ct=$2 v

	shift 2
	v=$(IFS=,; echo "$*")
	echo "RESULT $sc $ct $MODE kB/s $v"
	[ -d "${TSV%/*}" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$sc" "$ct" "$MODE" kB/s "$v" >>"$TSV"
}

# N flows of BYTES/N from FROM to TO's DST at once: kB/s of them all,
# first byte at any sink to the last EOF. The sources connect, then all
# start sending together.
tcp_kbs() {	# FROM TO DST N
	local i each=$((BYTES / $4)) sinks=() srcs=() go=$TOPO_DIR/go

	rm -f "$go" "$TOPO_DIR"/sink[0-9]*.out
	for i in $(seq "$4"); do
		topo_exec "$2" "$TCP" sink $((5000 + i)) 300 >"$TOPO_DIR/sink$i.out" 2>&1 &
		sinks+=($!)
	done
	sleep 1
	for i in $(seq "$4"); do
		topo_exec "$1" "$TCP" source "$3" $((5000 + i)) "$each" "$go" &
		srcs+=($!)
	done
	sleep 2
	touch "$go"
	for i in "${srcs[@]}" "${sinks[@]}"; do
		wait "$i" || return 1
	done
	cat "$TOPO_DIR"/sink[0-9]*.out | python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
n = sum(int(r[0]) for r in rows)
t = max(float(r[3]) for r in rows) - min(float(r[2]) for r in rows)
if len(rows) != int(sys.argv[1]) or n != int(sys.argv[2]) or t <= 0:
    sys.exit(1)
print(int(n / t))' "$4" $((each * $4))
}

# The client's IPv6 path for each contender; sets C6.
contender_up() {	# CONTENDER
	local nat

	nat=$(topo_nat_ip 1)
	topo_init && topo_add_nat_client c 1 || return 1
	topo_exec inet ethtool -K relay4 tso off tx-udp_tnl-segmentation off tx-udp_tnl-csum-segmentation off >/dev/null &&
	topo_exec inet ethtool -K relay6 tso off tx-udp_tnl-segmentation off tx-udp_tnl-csum-segmentation off >/dev/null &&
	topo_exec relay ethtool -K eth0 gro on >/dev/null &&
	topo_exec relay ethtool -K eth1 gro on >/dev/null || return 1
	echo N >/sys/module/teredo/parameters/gso_virtual
	case $1 in
	ours|ours-fast|ours-tso|miredo)
		topo_start_miredo_server || return 1
		if [ "$1" = miredo ]; then
			topo_start_miredo_relay || return 1
		else
			local opts=""
			[ "$1" = ours-fast ] && opts="dev eth0 fastpath on native eth1"
			[ "$1" = ours-tso ] && echo Y >/sys/module/teredo/parameters/gso_virtual
			topo_batch relay <<-EOF || return 1
			link add teredo0 type teredo mode relay local $TOPO_RELAY_IP $opts
			link set teredo0 up
			route add 2001::/32 via fe80::1 dev teredo0
			EOF
		fi
		topo_start_teredod c
		C6=$(topo_wait_teredo_addr c teredo0 60)
		[ -n "$C6" ] ;;
	fou-sit)
		# the NAT keeps the source port: the relay side sends to it
		modprobe -q -a fou sit &&
		topo_exec c ip fou add port 5555 ipproto 41 &&
		topo_exec relay ip fou add port 5555 ipproto 41 &&
		topo_batch c <<-EOF &&
		link add sit1 type sit local 198.19.1.2 remote $TOPO_RELAY_IP encap fou encap-sport 5555 encap-dport 5555
		link set sit1 up
		addr add 2001:db8:5::2/64 dev sit1 nodad
		route add 2001:db8:ffff::/64 dev sit1
		EOF
		topo_batch relay <<-EOF &&
		link add sit1 type sit local $TOPO_RELAY_IP remote $nat encap fou encap-sport 5555 encap-dport 5555
		link set sit1 up
		addr add 2001:db8:5::1/64 dev sit1 nodad
		EOF
		topo_ip -n host6 route add 2001:db8:5::/64 via "$TOPO_RELAY_IP6" &&
		C6=2001:db8:5::2 ;;
	plain)
		topo_sysctl nat1 net.ipv6.conf.all.forwarding=1 &&
		topo_batch c <<-EOF &&
		addr add 2001:db8:c::2/64 dev eth0 nodad
		route add default via 2001:db8:c::1
		EOF
		topo_batch nat1 <<-EOF &&
		addr add 2001:db8:c::1/64 dev lan nodad
		addr add 2001:db8:4::21/64 dev wan nodad
		route add default via 2001:db8:4::10
		EOF
		topo_batch relay <<-EOF &&
		addr add 2001:db8:4::10/64 dev eth0 nodad
		route add 2001:db8:c::/64 via 2001:db8:4::21
		EOF
		topo_ip -n host6 route add 2001:db8:c::/64 via "$TOPO_RELAY_IP6" &&
		C6=2001:db8:c::2 ;;
	esac
}

# BENCH_DEBUG: TCP's loss and reordering counters of both ends, the drops
# of every namespace's devices and teredo0's counters around a transfer.
DBG_TCP="TcpRetransSegs TcpOutSegs TcpInSegs TcpExtTCPLossProbes TcpExtTCPTimeouts TcpExtTCPSACKReorder TcpExtTCPOFOQueue TcpExtTCPRcvCoalesce TcpExtTCPBacklogCoalesce TcpExtTCPWantZeroWindowAdv TcpExtTCPToZeroWindowAdv TcpExtTCPRcvQDrop TcpExtPruneCalled"
dbg() {	# LABEL
	[ -n "${BENCH_DEBUG:-}" ] || return 0
	local ns
	for ns in host6 c; do
		log "$1 $ns tcp: $(topo_exec $ns nstat -asz $DBG_TCP 2>/dev/null | awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"
	done
	for ns in host6 inet relay nat1 c; do
		log "$1 $ns links: $(topo_exec $ns sh -c 'cd /sys/class/net && for d in *; do echo "$d rx $(cat $d/statistics/rx_packets)/drop $(cat $d/statistics/rx_dropped) tx $(cat $d/statistics/tx_packets)/drop $(cat $d/statistics/tx_dropped);"; done' 2>/dev/null | tr '\n' ' ')" 
	done
	for ns in relay c; do
		log "$1 $ns teredo0: $(topo_exec $ns ethtool -S teredo0 2>/dev/null | grep -v ': 0$' | tr -s ' \n' ' ')"
	done
	log "$1 softnet: $(awk '{ d += strtonum("0x" $2); s += strtonum("0x" $3) } END { print "dropped", d, "squeezed", s }' /proc/net/softnet_stat)"
}

# BENCH_DEBUG: packets seen on DEV of NS for 4 s, how many over 1600
# bytes (GSO packets, merged by GRO or left whole) and the largest.
sniff() {	# NS DEV
	[ -n "${BENCH_DEBUG:-}" ] || return 0
	topo_exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
s.settimeout(0.5)
n = big = mx = 0
t = time.time()
while time.time() - t < 4:
    try:
        d = s.recv(70000)
    except socket.timeout:
        continue
    n += 1
    big += len(d) > 1600
    mx = max(mx, len(d))
print("# sniff %s %s: %d packets, %d over 1600 bytes, largest %d" % (sys.argv[2], sys.argv[1], n, big, mx))' "$2" "$1" &
}

bench_contender() {	# CONTENDER
	local ct=$1 i up=() down=() up8=() down8=()

	for i in $(seq "$RUNS"); do
		contender_up "$ct" || { log "$ct: setup failed"; topo_cleanup; return 1; }
		# warm: the relay trusts the client, the NAT maps it
		wait_for 30 topo_exec c ping -6 -c 1 -W 2 "$TOPO_HOST6_IP6" >/dev/null
		wait_for 30 topo_exec host6 ping -6 -c 1 -W 2 "$C6" >/dev/null
		dbg "$ct before up"
		up+=("$(tcp_kbs c host6 "$TOPO_HOST6_IP6" 1)")
		dbg "$ct after up"
		sniff relay eth1; sniff relay teredo0; sniff relay eth0; sniff c eth0
		down+=("$(tcp_kbs host6 c "$C6" 1)")
		dbg "$ct after down" 
		up8+=("$(tcp_kbs c host6 "$TOPO_HOST6_IP6" 8)")
		down8+=("$(tcp_kbs host6 c "$C6" 8)")
		log "$ct run $i: up ${up[-1]}, down ${down[-1]}, 8 flows up ${up8[-1]}, down ${down8[-1]} kB/s"
		topo_cleanup
	done
	emit relay-tcp-up "$ct" "${up[@]}"
	emit relay-tcp-down "$ct" "${down[@]}"
	emit relay-tcp8-up "$ct" "${up8[@]}"
	emit relay-tcp8-down "$ct" "${down8[@]}"
}

rm -f "$TSV"
modprobe -q teredo
for ct in ours-fast ours ours-tso miredo fou-sit plain; do
	[[ $ct =~ ${BENCH_ONLY:-.} ]] || continue
	bench_contender "$ct"
done

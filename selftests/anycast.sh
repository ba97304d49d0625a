#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An anycast relay fleet (issue 30; selftests/fleet.sh builds it): three
# relays of ours (r1-r3) announce 2001::/32 with BGP (BIRD 2, BFD on every
# session) to an upstream router (up) that spreads native traffic over
# them (ECMP, by host pair); a Miredo relay (m4) announces it with a
# longer AS path, the fleet's backup. host6 sits behind up; our client
# (c1) and a Miredo client (m2) behind NATs, with our server.
#
# A relay announces while its teredo0 exists, is up and has carrier (a
# BIRD static route through it, "check link"), and while its BGP session
# and BFD live. Checked: ECMP keeps each host pair on one relay, and
# spreads pairs; then, with a ping every 10 ms and a paced TCP transfer
# from host6 to a client through relay A, A is taken away in each way
# (teredo0 down, teredo0 deleted, dead but linked (BFD), link gone;
# namespace gone in bench/anycast.sh; module unloaded): the flows recover through another
# relay with no manual step, the transfer arrives intact, and the time
# to recovery and the pings lost are printed ("# failover:" lines;
# bench/anycast.sh runs each way ANYCAST_TRIES times and takes medians).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
# BFD's interval stretches with the VM (100 ms under TCG, 200 ms on the
# debug kernel): a starved guest must not see its sessions flap
FLEET_BFD_MS=${FLEET_BFD_MS:-$((50 * SLOW))}
source "$(dirname "$0")/fleet.sh"
trap topo_cleanup EXIT

TRIES=${ANYCAST_TRIES:-1}
C1="" M2=""
FLOW_SINK="" FLOW_PING="" FLOW_SOURCE="" REC="" LOST="" SENT=""
# a ping every 10 ms for 5 s (times SLOW), the event 3 s into it; a TCP
# transfer from the same address, paced over the same time
PINGS=500 TCP_BYTES=300000 TCP_RATE=60000

test_fleet() {
	local n

	check "topology: inet, our server, host6 behind an upstream router" \
		eval 'topo_init && topo_start_teredod_server && fleet_init'
	check "three relays of ours, each announcing 2001::/32 with BIRD" \
		eval 'fleet_add_relay 1 && fleet_add_relay 2 && fleet_add_relay 3'
	check "a Miredo relay announcing it with a longer AS path (the backup)" \
		fleet_add_miredo_relay
	for n in 1 2 3 4; do
		check "up: BGP with r$n established, BFD on" wait_for 30 fleet_bgp_up up "r$n"
	done
	check "up: one route to 2001::/32 through r1, r2 and r3 (ECMP), not m4" \
		wait_for 20 fleet_paths_are "1 2 3"
	check "up: m4's route is known, not used (its AS path is longer)" \
		eval 'fleet_birdc up show route 2001::/32 all | grep -q "BGP.as_path: 65001 65001 65001"'
	check "up: BFD sessions up with the four relays" \
		eval '[ "$(fleet_birdc up show bfd sessions | grep -c " Up ")" = 4 ]'
	check "clients: ours (teredod) behind nat1, Miredo's behind nat2" \
		eval 'topo_add_nat_client c1 1 && topo_add_nat_client m2 2'
	topo_start_teredod c1
	topo_start_miredo_client m2 mteredo
	C1=$(topo_wait_teredo_addr c1 teredo0 $((30 * SLOW)))
	M2=$(topo_wait_teredo_addr m2 mteredo $((30 * SLOW)))
	check "both qualify" test -n "$C1" -a -n "$M2"
	fleet_count_init "$C1" "$M2"
	topo_batch host6 <<-EOF
	$(for n in 1 2 3 4 5 6 7; do echo "addr add $TOPO_NET6::10$n/64 dev eth0 nodad"; done)
	EOF
	check "host6 reaches both clients through the fleet" \
		eval 'ping6 host6 "$C1" && ping6 host6 "$M2"'
}

# Each of host6's 8 addresses pings our client: each pair's packets all
# go through one relay, and the pairs use more than one.
test_ecmp() {
	local n src used=() r bad=0

	for n in 0 1 2 3 4 5 6 7; do
		src=$TOPO_NET6::10$n
		# the client tests this new native source first
		wait_for 10 topo_exec host6 ping -6 -n -q -c 1 -W 1 -I "$src" "$C1"
		r=$(fleet_carrier "$src" "$C1")
		log "host pair $src -> client: through ${r:-none}"
		if [[ $r =~ ^r[1-3]$ ]]; then
			used+=("$r")
		else
			bad=$((bad + 1))
		fi
	done
	check "ECMP: each of 8 host pairs through exactly one relay" expect_eq "$bad" 0
	check "ECMP: the 8 pairs spread over more than one relay" \
		test "$(printf '%s\n' "${used[@]}" | sort -u | wc -l)" -gt 1
}

# Recovery of a ping (ping -D output FILE) after the event at time T:
# prints "RECOVERY-SECONDS LOST SENT", the recovery being the time from T
# to the first answer after the last ping lost (0 if none was).
recovery() {	# FILE T
	python3 - "$1" "$2" <<-'EOF'
	import re, sys
	t_e = float(sys.argv[2])
	got, sent = {}, 0
	for line in open(sys.argv[1]):
	    m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from .* icmp_seq=(\d+)", line)
	    if m:
	        got.setdefault(int(m.group(2)), float(m.group(1)))
	    m = re.search(r"(\d+) packets transmitted", line)
	    if m:
	        sent = int(m.group(1))
	lost = [q for q in range(1, sent + 1) if q not in got]
	rec = 0.0
	if lost:
	    after = [t for q, t in got.items() if q > max(lost)]
	    rec = min(after) - t_e if after else -1.0
	print("%.2f %d %d" % (rec, len(lost), sent))
	EOF
}

# Answers came after the event, and not all were lost.
came_back() {	# RECOVERY LOST SENT
	awk -v r="$1" -v l="$2" -v s="$3" \
		'BEGIN { exit !(r ~ /^[0-9]+\.[0-9]+$/ && r + 0 >= 0 && l + 0 < s + 0) }'
}

# The ways to take relay NAME (rN) away, and to bring it back.
away_down() { topo_ip -n "$1" link set teredo0 down; }
back_down() { topo_ip -n "$1" link set teredo0 up &&
	topo_ip -n "$1" route replace 2001::/32 via fe80::1 dev teredo0; }
away_delete() { topo_ip -n "$1" link del teredo0; }
back_delete() { fleet_teredo0 "${1#r}"; }
# dead, its link up: it answers nothing (a hung host): only BFD tells
away_dead() {
	topo_exec "$1" nft -f - <<-EOF
	table netdev dead {
		chain in { type filter hook ingress device eth1 priority 0; policy drop; }
		chain out { type filter hook egress device eth1 priority 0; policy drop; }
	}
	EOF
}
back_dead() { topo_exec "$1" nft delete table netdev dead; }
away_link() { topo_ip -n up link del "$1"; }
back_link() { fleet_link_relay "$1" "${1#r}"; }
away_netns() {
	local pid

	for pid in $(topo_ip netns pids "$1"); do kill -KILL "$pid"; done
	topo_ip netns del "$1"
}
gone() {	# NS DEV
	! topo_ip -n "$1" link show dev "$2" >/dev/null 2>&1
}
back_netns() {
	local ns=() e

	for e in "${TOPO_NS[@]}"; do [ "$e" != "$1" ] && ns+=("$e"); done
	TOPO_NS=("${ns[@]}")
	# a namespace's devices go after it, in a work queue
	wait_for 30 gone up "$1" && wait_for 30 gone inet "${1}4" &&
		fleet_add_relay "${1#r}"
}

# A ping every 10 ms and a paced TCP transfer from host6's address SRC
# to DST in namespace CNS; returns 2 s into the transfer.
flows_start() {	# SRC DST CNS
	topo_exec "$3" "$TOPO_PEER" tcp-sink 5001 $((60 * SLOW)) >"$TOPO_DIR/sink.out" 2>&1 &
	FLOW_SINK=$!
	topo_exec host6 ping -6 -n -D -i 0.01 -c $((PINGS * SLOW)) -W 2 -I "$1" "$2" \
		>"$TOPO_DIR/ping.out" 2>&1 &
	FLOW_PING=$!
	sleep 1
	topo_exec host6 "$TOPO_PEER" tcp-source "$2" 5001 $((TCP_BYTES * SLOW)) $TCP_RATE "$1" \
		>"$TOPO_DIR/source.out" 2>&1 &
	FLOW_SOURCE=$!
	sleep 2
}

# The pings over, their figures after the event at T in REC LOST SENT.
flows_pings() {	# T
	wait "$FLOW_PING"
	read -r REC LOST SENT <<<"$(recovery "$TOPO_DIR/ping.out" "$1")"
}

flows_tcp_intact() {
	wait "$FLOW_SOURCE"
	wait "$FLOW_SINK"
	expect_eq "$(cat "$TOPO_DIR/sink.out")" "$(cat "$TOPO_DIR/source.out")"
}

# One failover: the flows from host6 (SRC) to client DST; the relay
# carrying them is taken away by WAY; both must come through another
# relay. Prints the figures as a "# failover:" line.
failover() {	# WAY SRC DST CLIENT-NS
	local way=$1 src=$2 dst=$3 a t_e r

	a=$(fleet_carrier "$src" "$dst")
	check "$way: the flows take one relay of ours ($a)" eval '[[ $a =~ ^r[1-3]$ ]]'
	[[ $a =~ ^r[1-3]$ ]] || return
	flows_start "$src" "$dst" "$4"
	t_e=$(date +%s.%N)
	"away_$way" "$a"
	flows_pings "$t_e"
	check "$way: the pings come back after $a is gone ($LOST of $SENT lost, recovery in $REC s)" \
		came_back "$REC" "$LOST" "$SENT"
	r=$(fleet_carrier "$src" "$dst")
	check "$way: and through another relay ($r)" \
		eval '[[ $r =~ ^(r[1-3]|m4)$ ]] && [ "$r" != "$a" ]'
	check "$way: the TCP transfer arrives intact" flows_tcp_intact
	echo "# failover: $way recovery $REC s, lost $LOST of $SENT"
	"back_$way" "$a"
	check "$way: $a back, its route announced again" wait_for 60 fleet_paths_are "1 2 3"
}

test_failover() {
	local way t

	# delete and netns only in bench/anycast.sh: delete takes the path
	# of down (the device's carrier), and a namespace deleted in a VM
	# that ran the suite before was once still listed a minute later
	# (docs/DEPLOYMENT.md)
	for way in ${ANYCAST_WAYS-down dead link}; do
		for ((t = 0; t < TRIES; t++)); do
			failover "$way" "$TOPO_HOST6_IP6" "$C1" c1
		done
	done
}

# The module unloaded takes every relay of ours on this host (one kernel):
# the Miredo relay, the backup, carries alone; the client is Miredo's.
unload_once() {
	local t_e

	check "unload: the flows to the Miredo client take a relay of ours" \
		eval '[[ $(fleet_carrier "$TOPO_HOST6_IP6" "$M2") =~ ^r[1-3]$ ]]'
	flows_start "$TOPO_HOST6_IP6" "$M2" m2
	# teredod's client goes with the module: stop it first
	topo_daemon_alive teredod-c1 && kill "$(topo_teredod_pid c1)"
	t_e=$(date +%s.%N)
	check "unload: modprobe -r teredo" modprobe -r teredo
	flows_pings "$t_e"
	check "unload: the pings come back ($LOST of $SENT lost, recovery in $REC s)" \
		came_back "$REC" "$LOST" "$SENT"
	check "unload: up routes 2001::/32 through m4 alone" fleet_paths_are 4
	check "unload: and m4 carries them" \
		expect_eq "$(fleet_carrier "$TOPO_HOST6_IP6" "$M2")" m4
	check "unload: the TCP transfer arrives intact" flows_tcp_intact
	echo "# failover: unload recovery $REC s, lost $LOST of $SENT"
	check "unload: the module back, our relays announce again" \
		eval 'modprobe teredo && fleet_teredo0 1 && fleet_teredo0 2 &&
		      fleet_teredo0 3 && wait_for 60 fleet_paths_are "1 2 3"'
}

test_unload() {
	local t

	for ((t = 0; t < TRIES; t++)); do
		unload_once
	done
}

if [ $# = 0 ]; then
	set -- test_fleet test_ecmp
	# ANYCAST_WAYS set and empty: the module unload alone
	[ -n "${ANYCAST_WAYS-all}" ] && set -- "$@" test_failover
	set -- "$@" test_unload
fi
run_tests "$@"

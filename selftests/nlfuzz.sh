#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netlink fuzzer (nlfuzz.py): random and boundary attributes for ip
# link add and set of every option and for every generic netlink command,
# as root, as nobody and as a container's root; peer dumps left unfinished
# while their devices are deleted, moved or changed. No kernel report, no
# device left waiting, every refusal with an extack, a refused change
# leaves the device as it was. NLFUZZ_COUNT (requests a run) and
# NLFUZZ_SEED make longer or other runs.
source "$(dirname "$0")/control.sh"
FUZZ=$(cd "$(dirname "$0")" && pwd)/nlfuzz.py
COUNT=${NLFUZZ_COUNT:-500}
SEED=${NLFUZZ_SEED:-$RANDOM}
# the fuzzers' output where vm-run collects it, if there is such a place
OUT=/tmp/nlfuzz.out
[ -d /run/vm/out ] && [ -w /run/vm/out ] && OUT=/run/vm/out/nlfuzz.out

# "requests N accepted A refused R problems P" of a run, its problems
# logged; true when it made COUNT/4 requests at least, accepted and
# refused some and had no problem.
fuzz_ok() {	# OUTPUT-FILE
	local n a r p

	grep '^problem:' "$1" | head -20 | sed 's/^/# /'
	grep -q '^requests ' "$1" || tail -n 15 "$1" | sed 's/^/# /'
	read -r _ n _ a _ r _ p <<<"$(grep '^requests ' "$1")"
	log "requests ${n:-none}, accepted ${a:-?}, refused ${r:-?}, problems ${p:-?}"
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge $((COUNT / 4)) ] &&
		[ "$a" -gt 0 ] && [ "$r" -gt 0 ] && [ "$p" = 0 ]
}

udp_of() { "$IP" netns exec "$1" awk 'NR > 1 { print $2 }' /proc/net/udp | sort; }
sent() {	# WHERE DEV: datagrams DEV sent for TEREDO_CMD_SEND (tx_control)
	run_in "$1" ethtool -S "$2" | awk '$1 == "tx_control:" { print $2 }'
}

test_rtnl() {
	log "seed $SEED"
	setup_pair
	"$IP" netns exec a python3 "$FUZZ" rtnl "$SEED" "$COUNT" eth0 >"$OUT" 2>&1
	check "ip link add and set, $COUNT random requests: every refusal explained, nothing half done" \
		fuzz_ok "$OUT"
	check "no teredo device left behind" \
		test -z "$("$IP" -n a link show type teredo)"
	check "no socket left behind" test -z "$(udp_of a)"
}

test_genl() {
	local sent0

	setup_pair
	"$IP" -n a link add t0 type teredo local 198.18.0.1 port 4000
	"$IP" -n a link add c0 type teredo mode client local 198.18.0.1 port 4001
	"$IP" -n a link set t0 up
	"$IP" -n a link set c0 up
	"$IP" netns exec a python3 "$FUZZ" genl "$SEED" "$COUNT" t0 c0 eth0 >"$OUT" 2>&1
	check "generic netlink, $COUNT random requests as root: every refusal explained" \
		fuzz_ok "$OUT"
	check "some of them sent from the client's socket (the fuzzer got that far)" \
		test "$(sent a c0)" -gt 0
	check "the devices are as they were" \
		eval '"$IP" -n a -d link show t0 | grep -q "local 198.18.0.1 port 4000" &&
		      "$IP" -n a -d link show c0 | grep -q "local 198.18.0.1 port 4001"'
	# as nobody: genetlink refuses every command of the family
	sent0=$(sent a c0)
	"$IP" netns exec a setpriv --reuid=65534 --regid=65534 --clear-groups \
		python3 "$FUZZ" genl "$SEED" "$COUNT" t0 c0 >"$OUT" 2>&1
	grep -v -e '^requests' -e '^# ' "$OUT" | head -5 | sed 's/^/# /'
	check "as nobody: every request refused, each said why" \
		grep -Eq "^requests [0-9]+ accepted 0 refused [0-9]+ problems 0$" "$OUT"
	check "and no datagram sent from the client's socket" \
		expect_eq "$(sent a c0)" "$sent0"
}

# Root in a container, on devices whose socket and underlay are the
# host's: whatever it asks, the host's sockets stay, nothing is sent from
# them, and the device keeps its underlay.
test_container() {
	local udp0 sent0 before

	setup_pair
	start_container
	"$IP" -n a link add nf0 type teredo local 198.18.0.1 port 4000
	"$IP" -n a link add nf1 type teredo mode client local 198.18.0.1 port 4001
	"$IP" -n a link set nf0 netns "/proc/$CPID/ns/net"
	"$IP" -n a link set nf1 netns "/proc/$CPID/ns/net"
	cnet "$IP" link set nf0 up
	cnet "$IP" link set nf1 up
	udp0=$(udp_of a)
	sent0=$(sent @c nf1)
	before=$(cnet "$IP" -j -d link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    d = l.get("linkinfo", {}).get("info_data", {})
    if d:
        print(l["ifname"], d.get("local"), d.get("port"), d.get("link"), d.get("fastpath"))')
	croot python3 "$FUZZ" rtnl "$SEED" "$COUNT" lo --guest >"$OUT" 2>&1
	check "ip link set as the container's root: every refusal explained" \
		fuzz_ok "$OUT"
	croot python3 "$FUZZ" genl "$SEED" "$COUNT" nf0 nf1 >"$OUT" 2>&1
	check "generic netlink as the container's root: every refusal explained" \
		fuzz_ok "$OUT"
	check "the host's sockets as they were" expect_eq "$(udp_of a)" "$udp0"
	check "nothing sent from them" expect_eq "$(sent @c nf1)" "$sent0"
	check "the devices' underlay as it was (local, port, link, fast path)" \
		expect_eq "$(cnet "$IP" -j -d link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    d = l.get("linkinfo", {}).get("info_data", {})
    if d:
        print(l["ifname"], d.get("local"), d.get("port"), d.get("link"), d.get("fastpath"))')" "$before"
	stop_daemons
}

# Peer dumps held open (1 to 3 at once) while their device is deleted,
# moved away and its namespace deleted, set down, or changed; released in
# any order. Each dump ends (done, or "the device went away"), every
# deletion completes, nothing waits in unregister_netdevice.
test_dumps() {
	local w round k i action pid ends first left held=0

	w=$(waiting)
	npeers=1000
	RANDOM=$SEED
	for round in 1 2 3; do
		setup_ns a b
		peers_in a
		k=$((RANDOM % 3 + 1))
		for i in $(seq "$k"); do
			rm -f "/tmp/nlfuzz-d$i" "/tmp/nlfuzz-d$i.in"
			mkfifo "/tmp/nlfuzz-d$i.in"
			"$IP" netns exec a "$GENL" dump-hold t0 <"/tmp/nlfuzz-d$i.in" >"/tmp/nlfuzz-d$i" 2>&1 &
			eval "exec $((6 + i))>/tmp/nlfuzz-d$i.in"
			wait_for 10 grep -q '^first' "/tmp/nlfuzz-d$i"
			# what the table held when the first dump had its first
			# batch: the peers expire later, as the other dumps start
			# (on the debug kernel, before the last one did)
			[ "$i" = 1 ] && left=$(peer_count a)
		done
		# (a round whose first batch took them all proves less; one
		# must not)
		first=$(awk '/^first/ {print $2}' /tmp/nlfuzz-d1)
		log "round $round: the first dump's first batch held $first peers, $left in the table"
		[[ $first =~ ^[0-9]+$ && $left =~ ^[0-9]+$ ]] && [ "$first" -lt "$left" ] &&
			held=$((held + 1))
		action=$((RANDOM % 4))
		case $action in
		0) log "round $round: $k dumps open, the device deleted"
		   "$IP" -n a link del t0 & pid=$! ;;
		1) log "round $round: $k dumps open, the device moved, its namespace deleted"
		   "$IP" -n a link set t0 netns b
		   "$IP" netns del b & pid=$!
		   NS_LIST=(a) ;;
		2) log "round $round: $k dumps open, the device set down"
		   "$IP" -n a link set t0 down & pid=$! ;;
		3) log "round $round: $k dumps open, maxpeers and MTU changed"
		   "$IP" -n a link set t0 type teredo maxpeers 100 mtu 1400 & pid=$! ;;
		esac
		check "round $round: the change completes while the dumps are open" \
			wait_for 10 not kill -0 "$pid"
		for i in $(seq "$k" | shuf --random-source=<(yes "$SEED")); do
			eval "echo >&$((6 + i)); exec $((6 + i))>&-"
		done
		ends=0
		for i in $(seq "$k"); do
			wait_for 10 grep -q '^end' "/tmp/nlfuzz-d$i" &&
				grep -Eq '^end [0-9]+ (0|19 the device went away)$' "/tmp/nlfuzz-d$i" &&
				ends=$((ends + 1))
		done
		check "round $round: every dump ended, done or the device gone" \
			expect_eq "$ends" "$k"
		wait
		[ "$action" -ge 2 ] && "$IP" -n a link del t0
		check "round $round: the device and its socket gone" \
			wait_for 10 not udp_bound a 3544
		cleanup_ns
	done
	check "in $held of 3 rounds, a dump was held open with peers to go" \
		test "$held" -ge 1
	check "no unregister_netdevice wait in the kernel log" expect_eq "$(waiting)" "$w"
	rm -f /tmp/nlfuzz-d*
}

# usage: nlfuzz.sh [TEST_FUNCTION ...] (default: all of them)
[ $# -gt 0 ] || set -- test_rtnl test_genl test_container test_dumps
run_tests "$@"

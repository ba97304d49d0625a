#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# On-demand qualification (issue 31; teredod's QualifyOnDemand, Windows'
# dormant state): c1 (QualifyOnDemand yes, DormantTimeout 3) goes dormant
# once the host sent nothing for 3 s, and then sends nothing at all: not a
# packet through its NAT in 35 s, while c2 (awake) refreshes in the same
# time. A packet the host sends wakes it: the packet waits in the kernel,
# teredod qualifies again, the packet is delivered (the first ping is
# answered), with the same address; the time to that first answer is
# printed. A peer reaching the dormant client (while its NAT still lets
# it in) wakes it too: the host's answer waits; a bubble the server relays
# is not answered by the kernel while dormant but wakes teredod. Without teredod, what waits is bounded (64 packets) and dropped and
# counted within 30 s; a teredod started again finds the device dormant
# and leaves it so, sending nothing until the host does. Last, the NAT's
# mapping is gone and the NAT picks random ports: the wake gives a new
# address, and what waited from the old one is refused with ICMPv6 at
# once (a connection then fails fast and is made again).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT

C1="" C2=""

sent_control() { counter -n c1 teredo0 tx_control; }

# teredod on c1 was woken more than N times
woken_since() {	# N
	[ "$(grep -c "woken: a packet waits" "$TOPO_DIR/teredod-c1.log")" -gt "$1" ]
}

# IPv4 packets c1 sent through nat1
through_nat() {
	topo_exec nat1 nft list chain ip ondemand pre |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

dormant() {	# NS: the kernel's view, through teredod show
	[ "$(topo_show "$1" 'D.get("dormant")')" = True ]
}


test_setup() {
	check "topology: our server and relay, c1 and c2 behind NATs" \
		eval 'topo_init && topo_start_teredod_server && topo_add_our_relay &&
		      topo_add_nat_client c1 1 && topo_add_nat_client c2 2'
	# what c1 sends through nat1
	topo_exec nat1 nft -f - <<-EOF
	table ip ondemand {
		chain pre {
			type filter hook prerouting priority 0; policy accept;
			iifname "lan" ip saddr 198.19.1.2 counter
		}
	}
	EOF
	topo_start_teredod c1 "QualifyOnDemand yes" "DormantTimeout 3"
	topo_start_teredod c2
	C1=$(topo_wait_teredo_addr c1 teredo0 $((30 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo0 $((30 * SLOW)))
	check "both qualify at start ($C1, $C2)" test -n "$C1" -a -n "$C2"
}

test_dormant() {
	local s1 s2 n1

	check "c1 goes dormant after 3 s without a packet sent" \
		wait_for 20 dormant c1
	check "teredod says so" \
		wait_for 5 grep -q "dormant: nothing sent for 3 s" "$TOPO_DIR/teredod-c1.log"
	check "the address and the route stay" \
		eval 'topo_addr_is c1 "$C1" && topo_ip -n c1 -6 route show default | grep -q teredo0'
	s1=$(sent_control) s2=$(counter -n c2 teredo0 tx_control)
	n1=$(through_nat)
	sleep 35
	check "dormant: c1 sent nothing in 35 s: no solicitation, not a packet through its NAT" \
		eval '[ "$(sent_control)" = "$s1" ] && [ "$(through_nat)" = "$n1" ]'
	check "meanwhile c2, awake, refreshed its mapping" \
		counter_ge -n c2 teredo0 tx_control $((s2 + 1))
}

# One ping from c1 to DST: the time of its answer (ms), or nothing.
first_ping() {	# DST
	topo_exec c1 ping -6 -n -c 1 -W 20 "$1" 2>&1 |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p'
}

test_wake() {
	local t held

	held=$(counter -n c1 teredo0 tx_dormant)
	t=$(first_ping "$C2")
	check "the first ping from dormant c1 is answered, not lost ($t ms)" \
		test -n "$t"
	echo "# first packet from dormant: $t ms (to a Teredo peer)"
	check "it waited in the kernel (tx_dormant), and teredod was woken" \
		eval 'counter_ge -n c1 teredo0 tx_dormant $((held + 1)) &&
		      grep -q "woken: a packet waits" "$TOPO_DIR/teredod-c1.log"'
	check "awake again, with the same address" \
		eval 'grep -q "awake with the same address" "$TOPO_DIR/teredod-c1.log" &&
		      topo_addr_is c1 "$C1"'
	check "dormant again 3 s later" wait_for 20 dormant c1
	held=$(counter -n c1 teredo0 tx_dormant)
	t=$(first_ping "$TOPO_HOST6_IP6")
	check "woken again by a ping to a native host (through a relay): answered ($t ms)" \
		test -n "$t"
	echo "# first packet from dormant: $t ms (to a native host, relay test included)"
	check "one packet held" counter_ge -n c1 teredo0 tx_dormant $((held + 1))
}

# A peer reaching the dormant client while its NAT still lets it in (a
# dormant client is not reachable once the NAT forgot it: nothing keeps
# the mapping): the host's answer waits and wakes teredod.
test_inbound() {
	local w

	check "c1 pings c2 (its NAT now lets c2 in for a while), then sleeps" \
		eval 'ping6 c1 "$C2" -c 1 -W 20 && wait_for 20 dormant c1'
	w=$(grep -c "woken: a packet waits" "$TOPO_DIR/teredod-c1.log")
	check "c2 pings dormant c1: answered" ping6 c2 "$C1" -c 2 -W 20
	check "c1 was woken by its host's answer" \
		eval '[ "$(grep -c "woken: a packet waits" "$TOPO_DIR/teredod-c1.log")" -gt "$w" ]'
}

# The server relays a peer's bubble to the dormant client (its NAT still
# knows the server), or the peer solicits it directly (its NAT still
# knows the peer): the kernel answers nothing by itself, it wakes
# teredod instead.
test_poke() {
	local b w port ip oport oip

	check "c1 wakes and sleeps again (its NAT now knows the server)" \
		eval 'ping6 c1 "$C2" -c 1 -W 20 && wait_for 20 dormant c1'
	read -r _ _ port ip <<<"$(topo_teredo_decode "$C1")"
	read -r _ _ oport oip <<<"$(topo_teredo_decode "$C2")"
	b=$(counter -n c1 teredo0 tx_bubble)
	w=$(grep -c "woken: a packet waits" "$TOPO_DIR/teredod-c1.log")
	printf '%s:3544 %s bubble %s %s\n' "$TOPO_SRV_IP" \
		"$(printf '0000%04x%08x' $((oport ^ 0xffff)) \
			$(( $(python3 -c 'import ipaddress,sys; print(int(ipaddress.IPv4Address(sys.argv[1])))' "$oip") ^ 0xffffffff )))" \
		"$C2" "$C1" >"$TOPO_DIR/relayed.in"
	check "the server relays c2's bubble to dormant c1" \
		eval 'topo_exec srv "$TOPO_PEER" craft "$ip:$port" <"$TOPO_DIR/relayed.in"'
	check "c1 answers nothing by itself (tx_bubble +0) but wakes teredod" \
		eval 'wait_for 10 woken_since "$w" &&
		      [ "$(counter -n c1 teredo0 tx_bubble)" = "$b" ]'
	# c2's direct bubble that solicits (RFC 6081 5.7), from its mapping,
	# which nat1 still lets in: no advertisement while dormant either
	check "c1 sleeps again" wait_for 20 dormant c1
	b=$(counter -n c1 teredo0 tx_bubble)
	w=$(grep -c "woken: a packet waits" "$TOPO_DIR/teredod-c1.log")
	echo "$oip:$oport - bubble $C2 $C1 040400000000" |
		topo_exec srv "$TOPO_PEER" craft "$ip:$port"
	check "a direct bubble that solicits from c2's mapping: no answer while dormant (tx_bubble +0), teredod woken" \
		eval 'wait_for 10 woken_since "$w" &&
		      [ "$(counter -n c1 teredo0 tx_bubble)" = "$b" ]'
}

# SIGHUP while dormant: teredod reads its configuration again, asks its
# server once (the servers may have changed), keeps its address and
# sleeps again
test_sighup() {
	local s n r

	check "c1 dormant" wait_for 20 dormant c1
	s=$(sent_control)
	n=$(grep -c "dormant: nothing sent" "$TOPO_DIR/teredod-c1.log")
	r=$(grep -c "reloading" "$TOPO_DIR/teredod-c1.log")
	kill -HUP "$(topo_teredod_pid c1 | tail -n 1)"
	check "SIGHUP while dormant: reloaded, the server asked, the same address, dormant again" \
		wait_for 20 eval '[ "$(grep -c reloading "$TOPO_DIR/teredod-c1.log")" -gt "$r" ] &&
			[ "$(grep -c "dormant: nothing sent" "$TOPO_DIR/teredod-c1.log")" -gt "$n" ] &&
			counter_ge -n c1 teredo0 tx_control $((s + 1)) &&
			topo_addr_is c1 "$C1" && dormant c1'
}

test_no_teredod() {
	local full off c

	# from the next packets on, nat1 forgets c1's mappings 10 s after
	# their last packet (an hour's sleep, in short: test_new_mapping)
	topo_sysctl nat1 net.netfilter.nf_conntrack_udp_timeout=5 \
		net.netfilter.nf_conntrack_udp_timeout_stream=10
	check "dormant again" wait_for 20 dormant c1
	kill -KILL "$(topo_teredod_pid c1)"
	check "teredod killed: c1 still dormant, its address kept" \
		eval 'sleep 1; topo_addr_is c1 "$C1" &&
		      [ "$(topo_exec c1 "$TOPO_TEREDOD" show --json teredo0 |
			   python3 -c "import json,sys; print(json.load(sys.stdin)[\"dormant\"])")" = True ]'
	full=$(counter -n c1 teredo0 tx_drop_queue_full)
	off=$(counter -n c1 teredo0 tx_drop_offline)
	c=$(counter -n c1 teredo0 tx_dormant)
	topo_exec c1 python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(100):
    s.sendto(b"x" * 100, (sys.argv[1], 9))' "$C2"
	c=$(( $(counter -n c1 teredo0 tx_dormant) - c ))
	full=$(( $(counter -n c1 teredo0 tx_drop_queue_full) - full ))
	check "100 datagrams, nobody to wake: 64 held ($c), 36 refused (tx_drop_queue_full: $full)" \
		eval '[ "$c" = 64 ] && [ "$full" = 36 ]'
	check "within 30 s they are dropped and counted (tx_drop_offline +64)" \
		wait_for 40 counter_ge -n c1 teredo0 tx_drop_offline $((off + 64))
	c=$(sent_control)
	topo_start_teredod c1 "QualifyOnDemand yes" "DormantTimeout 3"
	check "a new teredod finds the device dormant and leaves it so" \
		wait_for 20 grep -q "resuming with Teredo address $C1" "$TOPO_DIR/teredod-c1.log"
	sleep 3
	check "and sends nothing" \
		eval 'dormant c1 && [ "$(sent_control)" = "$c" ]'
	check "until the host sends: answered" ping6 c1 "$C2" -c 1 -W 20
}

test_new_mapping() {
	local bad out new

	check "dormant again" wait_for 20 dormant c1
	topo_exec nat1 nft -f - <<-EOF
	flush chain ip topo_nat postrouting
	add rule ip topo_nat postrouting oifname "wan" masquerade random
	EOF
	# the NAT forgets c1's mappings (10 s after their last packet)
	sleep 15
	bad=$(counter -n c1 teredo0 tx_drop_bad_source)
	out=$(topo_exec c1 ping -6 -n -c 1 -W 20 "$C2" 2>&1)
	check "a ping from the dormant client: refused at once, not lost in silence" \
		eval 'grep -qi "unreachable" <<<"$out" &&
		      counter_ge -n c1 teredo0 tx_drop_bad_source $((bad + 1))'
	new=$(topo_teredo_addrs c1 teredo0)
	check "the wake found a new mapping: a new address ($new)" \
		eval '[ -n "$new" ] && [ "$new" != "$C1" ]'
	check "the hook was told: STATE=up, the new address, the old one" \
		eval 'tail -n 1 "$TOPO_DIR/hook-c1.log" | grep -q "ADDRESS=$new .*OLD_ADDRESS=$C1"'
}

run_tests test_setup test_dormant test_wake test_inbound test_poke test_sighup test_no_teredod \
	test_new_mapping

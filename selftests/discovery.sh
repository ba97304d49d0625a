#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Local client discovery (RFC 4380 section 5.2.8; issue 31): two of our
# clients (d1, d2) behind one NAT (nat1) that does not hairpin, on one
# bridged link. Without discovery they cannot reach each other: every
# direct bubble goes to the NAT's own public address. With it (d1 by
# teredod's LocalDiscovery, d2 by "ip link set ... discovery on") they
# find each other with bubbles to 224.0.0.253 and talk over the link:
# checked by the pings, the peer entries (local address and port), the
# NAT's counters (nothing of theirs leaves by its uplink) and tshark (the
# discovery bubble on the wire: TTL 1, IPv6 to ff02::1 from the Teredo
# address). Hostile input: a host one router away, a forged address of
# another NAT, a bubble that is not a discovery bubble, and a flood of
# discovery bubbles from the link, each refused or bounded and counted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT

D1="" D2="" NAT_IP=""

# d2 on nat1's link beside d1, a bridge joining them; x one router away
# (nat1 routes between its link and x's, no NAT between them).
disc_topology() {
	topo_add_nat_client d1 1 || return 1
	topo_add_ns d2 x || return 1
	topo_batch nat1 <<-EOF || return 1
	link add lanbr up type bridge
	addr del 198.19.1.1/24 dev lan
	link set lan master lanbr
	addr add 198.19.1.1/24 dev lanbr
	link add lan2 up master lanbr type veth peer name eth0 netns d2
	link add lanx up type veth peer name eth0 netns x
	addr add 198.19.9.1/24 dev lanx
	EOF
	topo_batch d2 <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.19.1.3/24 dev eth0
	route add default via 198.19.1.1
	EOF
	topo_batch x <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.19.9.2/24 dev eth0
	route add default via 198.19.9.1
	EOF
	# what each client sends through nat1 (routed, not bridged), but to
	# its server and to the discovery group
	topo_exec nat1 nft -f - <<-EOF
	table ip disc {
		chain pre {
			type filter hook prerouting priority 0; policy accept;
			iifname "lanbr" ip saddr 198.19.1.2 ip daddr != { $TOPO_SRV_IP, $TOPO_SRV_IP2, 224.0.0.0/4 } counter
			iifname "lanbr" ip saddr 198.19.1.3 ip daddr != { $TOPO_SRV_IP, $TOPO_SRV_IP2, 224.0.0.0/4 } counter
		}
	}
	EOF
}

routed_packets() {	# CLIENT-IP: routed by nat1
	topo_exec nat1 nft list chain ip disc pre |
		awk -v ip="$1" '$0 ~ "saddr " ip " " { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# The 600 discovery bubbles of the flood, taken or refused (RX0 DROP0)
mc_seen() {
	[ $(( $(counter -n d1 teredo0 rx_discovery) - $1 +
	      $(counter -n d1 teredo0 rx_drop_discovery) - $2 )) -ge 600 ]
}

# The 600 unicast bubbles: new entries or refused (NEW0 DROP0); new
# entries counted, not listed (those of the other flood expire meanwhile
# on a slow kernel)
uc_seen() {
	[ $(( $(counter -n d1 teredo0 peer_new) - $1 +
	      $(counter -n d1 teredo0 rx_drop_bad_mapping) - $2 )) -ge 600 ]
}

# Send the IPv6 packet KIND SRC -> DST in UDP from NS, SRC_IP:PORT, to
# DEST_IP:PORT (COUNT times).
send_pkt() {	# NS FROM DEST KIND SRC DST [COUNT]
	topo_exec "$1" "$TOPO_PEER" send "$2" "$3" \
		"$("$TOPO_PEER" packet "$4" "$5" "$6")" "${7:-1}"
}

test_setup() {
	check "topology: our server, d1 and d2 behind nat1 on one link, x a router away" \
		eval 'topo_init && topo_start_teredod_server && disc_topology'
	NAT_IP=$(topo_nat_ip 1)
	topo_start_teredod d1 "LocalDiscovery enabled"
	topo_start_teredod d2
	D1=$(topo_wait_teredo_addr d1 teredo0 $((30 * SLOW)))
	D2=$(topo_wait_teredo_addr d2 teredo0 $((30 * SLOW)))
	check "both qualify behind nat1 ($D1, $D2)" test -n "$D1" -a -n "$D2"
	check "ip -d link: d1 discovery on (teredod's LocalDiscovery enabled), d2 off" \
		eval 'topo_ip -n d1 -d link show teredo0 | grep -q "discovery on" &&
		      topo_ip -n d2 -d link show teredo0 | grep -q "discovery off"'
	check "ip -j: discovery true on d1" \
		eval '[ "$(topo_ip -n d1 -d -j link show teredo0 |
			   python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"linkinfo\"][\"info_data\"][\"discovery\"])")" = True ]'
	check "d1 listens on 224.0.0.253:3544, joined on eth0; d2 does not" \
		eval 'topo_exec d1 ip maddr show dev eth0 | grep -q 224.0.0.253 &&
		      udp_bound d1 3544 && ! udp_bound d2 3544 &&
		      ! topo_exec d2 ip maddr show dev eth0 | grep -q 224.0.0.253'
}

test_off() {
	check "d1 sent a discovery bubble once qualified" \
		wait_for 10 counter_ge -n d1 teredo0 tx_discovery 1
	check "d2, discovery off, takes none of them" \
		eval '[ "$(counter -n d2 teredo0 rx_discovery)" = 0 ] &&
		      [ "$(topo_peer d2 "$D1" P)" = None ]'
	check "without discovery d2 cannot reach d1: the NAT does not hairpin" \
		not ping6 d2 "$D1" -c 2 -W 2
}

test_on() {
	local u1 u2 b1 b2

	check "ip link set teredo0 type teredo discovery on (d2)" \
		topo_ip -n d2 link set teredo0 type teredo discovery on
	check "d2 joins 224.0.0.253 and sends a discovery bubble" \
		eval 'topo_exec d2 ip maddr show dev eth0 | grep -q 224.0.0.253 &&
		      wait_for 10 counter_ge -n d2 teredo0 tx_discovery 1'
	check "d1 takes it: d2's entry at its address on the link, trusted, local" \
		wait_for 10 eval '[ "$(topo_entry d1 "$D2")" = "198.19.1.3 trusted local" ]'
	check "d2 learnt d1 the same way, from d1's answer" \
		wait_for 10 eval '[ "$(topo_entry d2 "$D1")" = "198.19.1.2 trusted local" ]'
	check "counted: rx_discovery on d1" counter_ge -n d1 teredo0 rx_discovery 1
	u1=$(routed_packets 198.19.1.2) u2=$(routed_packets 198.19.1.3)
	check "d1 -> d2: ping" ping6 d1 "$D2"
	check "d2 -> d1: ping" ping6 d2 "$D1"
	check "d1 <-> d2: TCP, 200 kB intact" tcp_transfer d1 d2 "$D2" 200000
	check "all of it over the link: nothing of d1's or d2's went through nat1" \
		eval '[ "$(routed_packets 198.19.1.2)" = "$u1" ] &&
		      [ "$(routed_packets 198.19.1.3)" = "$u2" ]'
	b1=$(counter -n d1 teredo0 tx_bubble) b2=$(counter -n d2 teredo0 tx_bubble)
	sleep $((5 * SLOW))
	check "then quiet: no bubble goes back and forth (d1 +$(( $(counter -n d1 teredo0 tx_bubble) - b1 )), d2 +$(( $(counter -n d2 teredo0 tx_bubble) - b2 )) in 5 s)" \
		eval '[ $(( $(counter -n d1 teredo0 tx_bubble) - b1 )) -le 1 ] &&
		      [ $(( $(counter -n d2 teredo0 tx_bubble) - b2 )) -le 1 ]'
}

# What discovery taught goes with the entries after 30 s idle; the next
# packet to a client behind our NAT asks the link again at once.
test_idle() {
	local t0

	sleep 30
	check "30 s idle: the entries expire" \
		wait_for 30 eval '[ "$(topo_entry d1 "$D2")" = none ] && [ "$(topo_entry d2 "$D1")" = none ]'
	t0=$(counter -n d1 teredo0 tx_discovery)
	check "d1 -> d2 again: answered" ping6 d1 "$D2"
	check "d1 asked the link again (a discovery bubble), d2 found at its address" \
		eval 'counter_ge -n d1 teredo0 tx_discovery $((t0 + 1)) &&
		      [ "$(topo_entry d1 "$D2")" = "198.19.1.3 trusted local" ]'
}

test_wire() {
	local out pid i

	topo_exec nat1 timeout $((30 * SLOW)) tshark -n -l -i lanbr -c 1 \
		-f "udp and src host 198.19.1.3 and dst host 224.0.0.253" \
		-T fields -E separator=' ' -e ip.ttl -e udp.dstport -e ipv6.src \
		-e ipv6.dst -e ipv6.nxt -e ipv6.plen \
		>"$TOPO_DIR/tshark.out" 2>"$TOPO_DIR/tshark.err" &
	pid=$!
	wait_for 20 grep -q Capturing "$TOPO_DIR/tshark.err"
	# turned off and on: a new discovery bubble at once (again, in case
	# tshark was not listening yet, until it saw one)
	topo_ip -n d2 link set teredo0 type teredo discovery off
	check "discovery off: d2 leaves 224.0.0.253 and closes its socket" \
		eval '! topo_exec d2 ip maddr show dev eth0 | grep -q 224.0.0.253 &&
		      ! udp_bound d2 3544'
	topo_ip -n d2 link set teredo0 type teredo discovery on
	for ((i = 0; i < 5; i++)); do
		sleep $((3 * SLOW))
		kill -0 "$pid" 2>/dev/null || break
		topo_ip -n d2 link set teredo0 type teredo discovery off
		topo_ip -n d2 link set teredo0 type teredo discovery on
	done
	wait "$pid"
	out=$(cat "$TOPO_DIR/tshark.out")
	check "tshark: TTL 1, to port 3544, IPv6 from d2's address to ff02::1, no payload ($out)" \
		expect_eq "$out" "1 3544 $D2 ff02::1 59 0"
}

test_hostile() {
	local forged other r0 p0 b0 flood_n d1port

	d1port=$(topo_ip -n d1 -d -j link show teredo0 |
		pyq 'print(json.loads(data)[0]["linkinfo"]["info_data"]["port"])')
	forged=$(topo_teredo_of "$D1" 40001 "$NAT_IP")
	r0=$(counter -n d1 teredo0 rx_drop_bad_mapping)
	check "x, a router away, sends d1 a bubble as a client behind nat1" \
		send_pkt x 198.19.9.2:40001 "198.19.1.2:$d1port" bubble "$forged" "$D1"
	check "refused (not on d1's link): counted, no entry" \
		eval 'wait_for 5 counter_ge -n d1 teredo0 rx_drop_bad_mapping $((r0 + 1)) &&
		      [ "$(topo_peer d1 "$forged" P)" = None ]'
	# a route to x's subnet without a gateway (a VPN's, a tunnel's) does
	# not make x a neighbour: it did not come in on the link joined
	topo_batch d1 <<-EOF
	link add vpn0 up type dummy
	route add 198.19.9.0/24 dev vpn0
	EOF
	check "the same with a route to x without a gateway (a VPN's): refused" \
		eval 'send_pkt x 198.19.9.2:40001 "198.19.1.2:$d1port" bubble "$forged" "$D1" &&
		      wait_for 5 counter_ge -n d1 teredo0 rx_drop_bad_mapping $((r0 + 2)) &&
		      [ "$(topo_peer d1 "$forged" P)" = None ]'
	topo_ip -n d1 link del vpn0

	other=$(topo_teredo_of "$D1" 40002 198.18.0.99)
	r0=$(counter -n d1 teredo0 rx_drop_discovery)
	check "d2's link: a discovery bubble from a client of another NAT" \
		send_pkt d2 198.19.1.3:40002 224.0.0.253:3544 bubble "$other" ff02::1
	check "refused: counted, no entry" \
		eval 'wait_for 5 counter_ge -n d1 teredo0 rx_drop_discovery $((r0 + 1)) &&
		      [ "$(topo_peer d1 "$other" P)" = None ]'
	forged=$(topo_teredo_of "$D1" 40003 "$NAT_IP")
	check "d2's link: an echo request to 224.0.0.253, not a bubble" \
		send_pkt d2 198.19.1.3:40003 224.0.0.253:3544 echo "$forged" ff02::1
	check "d2's link: a bubble to 224.0.0.253 for another IPv6 destination" \
		send_pkt d2 198.19.1.3:40003 224.0.0.253:3544 bubble "$forged" "$D1"
	check "both refused: counted, no entry" \
		eval 'wait_for 5 counter_ge -n d1 teredo0 rx_drop_discovery $((r0 + 3)) &&
		      [ "$(topo_peer d1 "$forged" P)" = None ]'

	# a flood: 600 discovery bubbles from 600 addresses behind nat1
	p0=$(counter -n d1 teredo0 peer_new) r0=$(counter -n d1 teredo0 rx_discovery)
	b0=$(counter -n d1 teredo0 rx_drop_discovery)
	python3 - "$NAT_IP" "$D1" >"$TOPO_DIR/flood.in" <<-'PY'
	import ipaddress, sys
	ip, base = ipaddress.IPv4Address(sys.argv[1]), ipaddress.IPv6Address(sys.argv[2])
	for port in range(41000, 41600):
	    a = base.packed[:10] + (port ^ 0xffff).to_bytes(2, "big")
	    a += (int(ip) ^ 0xffffffff).to_bytes(4, "big")
	    print("198.19.1.3:%d - bubble %s ff02::1" % (port, ipaddress.IPv6Address(a)))
	PY
	check "d2's link: 600 discovery bubbles from 600 clients in about a second" \
		eval 'topo_exec d2 "$TOPO_PEER" craft 224.0.0.253:3544 <"$TOPO_DIR/flood.in"'
	# each one taken or refused, once the link delivered them all
	wait_for 10 mc_seen "$r0" "$b0"
	flood_n=$(( $(counter -n d1 teredo0 rx_discovery) - r0 ))
	check "taken at most 20 a second (burst 20): $flood_n taken, $(( $(counter -n d1 teredo0 peer_new) - p0 )) new entries" \
		eval '[ "$flood_n" -ge 1 ] && [ "$flood_n" -le $((20 + 20 * 6 * SLOW)) ] &&
		      [ $(( $(counter -n d1 teredo0 peer_new) - p0 )) -le "$flood_n" ]'
	check "the rest refused and counted" mc_seen "$r0" "$b0"
	check "d1 and d2 still talk" ping6 d1 "$D2"

	# the same as unicast bubbles to d1's port: the same rate
	python3 - "$NAT_IP" "$D1" "$d1port" >"$TOPO_DIR/flood.in" <<-'PY'
	import ipaddress, sys
	ip, base = ipaddress.IPv4Address(sys.argv[1]), ipaddress.IPv6Address(sys.argv[2])
	for port in range(42000, 42600):
	    a = base.packed[:10] + (port ^ 0xffff).to_bytes(2, "big")
	    a += (int(ip) ^ 0xffffffff).to_bytes(4, "big")
	    print("198.19.1.3:%d - bubble %s %s" % (port, ipaddress.IPv6Address(a), base))
	PY
	sleep 2
	p0=$(counter -n d1 teredo0 peer_new)
	r0=$(counter -n d1 teredo0 rx_drop_bad_mapping)
	check "d2's link: 600 unicast bubbles to d1's port from 600 clients behind nat1" \
		eval 'topo_exec d2 "$TOPO_PEER" craft "198.19.1.2:$d1port" <"$TOPO_DIR/flood.in"'
	wait_for 10 uc_seen "$p0" "$r0"
	flood_n=$(( $(counter -n d1 teredo0 peer_new) - p0 ))
	check "at most 20 new entries a second from them too ($flood_n), the rest refused and counted" \
		eval '[ "$flood_n" -le $((20 + 20 * 6 * SLOW)) ] && uc_seen "$p0" "$r0"'
}

test_errors() {
	check "a relay refuses discovery on, with the reason" \
		fails_with "local discovery is for client mode only" \
		topo_ip -n x link add tr0 type teredo mode relay discovery on
	check "ip: discovery maybe -> a clear error" \
		fails_with 'invalid discovery, expected "on" or "off"' \
		topo_ip -n d1 link set teredo0 type teredo discovery maybe
	check "the kernel refuses discovery off with a local address not of d1's" \
		fails_with "local address is not an address of this host" \
		topo_ip -n d1 link set teredo0 type teredo discovery off local 203.0.113.99
	check "and d1 is as it was: on, joined, listening" \
		eval 'topo_ip -n d1 -d link show teredo0 | grep -q "discovery on" &&
		      topo_exec d1 ip maddr show dev eth0 | grep -q 224.0.0.253 &&
		      udp_bound d1 3544'
	check "a change of local with discovery on: joined again, d1 and d2 still talk" \
		eval 'topo_ip -n d1 link set teredo0 type teredo local 198.19.1.2 &&
		      topo_exec d1 ip maddr show dev eth0 | grep -q 224.0.0.253 &&
		      udp_bound d1 3544 && ping6 d1 "$D2"'
}

run_tests test_setup test_off test_on test_idle test_wire test_hostile test_errors

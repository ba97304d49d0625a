#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our Teredo client (a client-mode teredo device driven by teredod) behind
# nftables NATs, with miredo-server as the server: qualification, relays
# (ours and Miredo's), direct talk with a Miredo client, a restarted
# teredod. Address changes, lost servers, forged answers: client-events.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
PEER=$(cd "$(dirname "$0")" && pwd)/teredo_peer.py
C1="" C2="" M3=""

test_setup() {
	check "topology: two NAT'd clients, a third for Miredo" \
		eval 'topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2 && topo_add_nat_client m3 3'
	check "our relay: teredo0 in the relay namespace" \
		topo_add_our_relay
	topo_start_miredo_server
	topo_start_teredod c1
	topo_start_teredod c2
	topo_start_miredo_client m3
	C1=$(topo_wait_teredo_addr c1 teredo0 $((30 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo0 $((30 * SLOW)))
	M3=$(topo_wait_teredo_addr m3 teredo $((30 * SLOW)))
	check "our clients qualify against miredo-server" test -n "$C1" -a -n "$C2"
	check "reference: the Miredo client qualifies" test -n "$M3"
	log "c1 $C1, c2 $C2, m3 $M3"
}

test_address() {
	local server flags port ip

	read -r server flags port ip <<<"$(topo_teredo_decode "$C1")"
	check "address: server $TOPO_SRV_IP, mapped IPv4 of NAT 1" \
		expect_eq "$server $ip" "$TOPO_SRV_IP $(topo_nat_ip 1)"
	check "address: RFC 5991 flags, cone bit clear ($flags)" \
		test $((flags & 0xc300)) = 0
	check "the device's socket is the one mapped (port $port)" \
		expect_eq "$(topo_show c1 'D["local_port"]')" "$port"
	check "teredod show: qualified, the address" \
		expect_eq "$(topo_show c1 '(D["qualified"], D["address"])')" \
		"(True, '$C1')"
	check "NAT type: restricted (masquerade lets only replies in)" \
		wait_for 15 eval '[ "$(topo_show c1 "D[\"nat\"]")" = restricted ]'
	check "link-local fe80::ffff:ffff:ffff and default route metric 1029" \
		eval 'a=$(topo_ip -n c1 -6 addr show dev teredo0); r=$(topo_ip -n c1 -6 route show default);
		      echo "$a"; echo "$r"; grep -q "fe80::ffff:ffff:ffff/64" <<<"$a" &&
		      grep -qE "dev teredo0 (proto [a-z]+ )?metric 1029" <<<"$r"'
	check "hook: STATE=up with the address, MTU 1280" \
		expect_eq "$(topo_last_hook c1)" \
		"STATE=up OLD_STATE=down IFACE=teredo0 ADDRESS=$C1 LLADDRESS=fe80::ffff:ffff:ffff MTU=1280 OLD_ADDRESS="
	check "the two clients got different addresses" test "$C1" != "$C2"
}

test_native() {
	check "client pings the native host (relay found by the echo test)" \
		ping6 c1 "$TOPO_HOST6_IP6"
	check "the relay was found with an echo request through our server" \
		counter_ge -n c1 teredo0 tx_ping 1
	check "the native host pings the client" ping6 host6 "$C1"
	check "1280-byte packets both ways" \
		eval 'ping6 host6 "$C1" -s 1232 -M do && ping6 c1 "$TOPO_HOST6_IP6" -s 1232 -M do'
	check "TCP client -> native host, 300 kB intact" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" 300000
	check "TCP native host -> client, 300 kB intact" \
		tcp_transfer host6 c1 "$C1" 300000
	check "the client trusts our relay for the native host" \
		expect_eq "$(topo_peer_ip c1 "$TOPO_HOST6_IP6")" "$TOPO_RELAY_IP"
}

test_direct() {
	check "our client pings the Miredo client directly" ping6 c1 "$M3"
	check "the Miredo client pings our client" ping6 m3 "$C1"
	check "our two clients ping each other" \
		eval 'ping6 c1 "$C2" && ping6 c2 "$C1"'
	check "TCP our client -> Miredo client, 200 kB intact" \
		tcp_transfer c1 m3 "$M3" 200000
	check "TCP Miredo client -> our client, 200 kB intact" \
		tcp_transfer m3 c1 "$C1" 200000
	check "TCP between our clients, 200 kB intact" \
		tcp_transfer c2 c1 "$C1" 200000
	check "bubbles went out, nothing refused as malformed" \
		eval 'counter_ge -n c1 teredo0 tx_bubble 1 &&
		      expect_eq "$(counter -n c1 teredo0 rx_drop_bad_header) $(counter -n c1 teredo0 rx_drop_bad_length)" "0 0"'
}

test_miredo_relay() {
	check "reference: a Miredo relay in its own namespace" topo_add_miredo_relay
	check "the native host now routes Teredo through the Miredo relay" \
		topo_ip -n host6 route replace 2001::/32 via 2001:db8:ffff::11
	check "the client follows: its test finds the Miredo relay" \
		wait_for 20 eval 'ping6 host6 "$C1" -c 1 >/dev/null; [ "$(topo_peer_ip c1 "$TOPO_HOST6_IP6")" = 198.18.0.11 ]'
	check "pings both ways through the Miredo relay" \
		eval 'ping6 c1 "$TOPO_HOST6_IP6" && ping6 host6 "$C1"'
	check "TCP client -> native host through Miredo's relay, 200 kB intact" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" 200000
	check "TCP native host -> client through Miredo's relay, 200 kB intact" \
		tcp_transfer host6 c1 "$C1" 200000
	check "back to our relay" \
		topo_ip -n host6 route replace 2001::/32 via "$TOPO_RELAY_IP6"
	check "the client follows back" \
		wait_for 20 eval 'ping6 host6 "$C1" -c 1 >/dev/null; [ "$(topo_peer_ip c1 "$TOPO_HOST6_IP6")" = "$TOPO_RELAY_IP" ]'
}

# kill -9 teredod during a transfer, start it again: the kernel kept the
# socket and the state; the address and the connection survive. The
# native host sends at 1 Mbit/s at most (tbf), so that 1.5 MB take 12 s or
# more: the kill comes while data flows to the client, and the data must
# still be flowing after it (moving over 2 s, within 10 s: a TCP
# retransmission can pause it), with teredod gone.
tcp_in() {	# TCP segments the client's namespace received (only the transfer's)
	topo_exec c1 awk '$1 == "Tcp:" && n++ { print $11 }' /proc/net/snmp
}

test_restart() {
	local sink src old=$C1 t0

	tc -n host6 qdisc add dev eth0 root tbf rate 1mbit burst 16kb latency 200ms
	topo_exec c1 "$PEER" tcp-sink 5001 120 >"$TOPO_DIR/sink.out" 2>&1 &
	sink=$!
	wait_for 10 sh -c "$IP netns exec c1 ss -Hltn 'sport = :5001' | grep -q ."
	t0=$SECONDS
	topo_exec host6 "$PEER" tcp-source "$C1" 5001 1500000 >"$TOPO_DIR/src.out" 2>&1 &
	src=$!
	check "the transfer flows to the client" wait_for 60 moving tcp_in
	check "kill -9 teredod during a transfer" kill -KILL "$(topo_teredod_pid c1 | tail -n 1)"
	# a retransmission timeout can pause it (seconds on the debug kernel)
	check "the transfer still flows, teredod gone" \
		eval 'wait_for 10 moving -w 2 tcp_in && kill -0 $src && kill -0 $sink'
	check "the address stays while teredod is away" topo_addr_is c1 "$old"
	topo_start_teredod c1
	check "restarted teredod resumes with the same address" \
		wait_for 15 grep -q "resuming with Teredo address $old" "$TOPO_DIR/teredod-c1.log"
	check "it checks the mapping with the server and keeps it" \
		wait_for 15 grep -q "mapping refreshed" "$TOPO_DIR/teredod-c1.log"
	check "same address, the only one" topo_addr_is c1 "$old"
	check "the transfer goes on to the end, intact" \
		eval 'wait $src && wait $sink && expect_eq "$(cat "$TOPO_DIR/sink.out")" "$(cat "$TOPO_DIR/src.out")"'
	log "the transfer took $((SECONDS - t0)) s"
	tc -n host6 qdisc del dev eth0 root
}

run_tests test_setup test_address test_native test_miredo_relay test_direct \
	test_restart

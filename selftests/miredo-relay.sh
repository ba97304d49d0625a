#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our in-kernel relay between Miredo clients behind NATs and a native IPv6
# host, with miredo-server as the Teredo server.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
TEREDOD=$(cd "$(dirname "$0")/.." && pwd)/userspace/teredod/teredod
C1="" C2=""

peer_field() {	# ADDRESS EXPR on P
	topo_exec relay "$TEREDOD" show peers dev teredo0 --json |
		pyq '
P = [p for p in json.loads(data) if p["address"] == "'"$1"'"]
P = P[0] if P else None
print('"$2"')'
}

peer_gone() { expect_eq "$(peer_field "$1" P)" None; }

test_setup() {
	check "topology with two NAT'd clients" \
		eval 'topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2'
	check "our relay: teredo0 in the relay namespace" \
		topo_add_our_relay
	topo_start_miredo_server
	topo_start_miredo_client c1
	topo_start_miredo_client c2
	C1=$(topo_wait_teredo_addr c1 teredo $((30 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo $((30 * SLOW)))
	check "reference: both Miredo clients qualify" test -n "$C1" -a -n "$C2"
	log "c1 $C1, c2 $C2"
}

test_forwarding() {
	check "Miredo client pings the native host through our relay" \
		ping6 c1 "$TOPO_HOST6_IP6"
	check "the native host pings the Miredo client" ping6 host6 "$C1"
	check "1280-byte packets both ways" \
		eval 'ping6 host6 "$C1" -s 1232 -M do && ping6 c1 "$TOPO_HOST6_IP6" -s 1232 -M do'
	check "two clients reach the native host at once" \
		eval 'ping6 c1 "$TOPO_HOST6_IP6" & p=$!; ping6 c2 "$TOPO_HOST6_IP6" && wait $p'
	check "TCP client -> native host, 300 kB intact" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" 300000
	check "TCP native host -> client, 300 kB intact" \
		tcp_transfer host6 c1 "$C1" 300000
	read -r _ _ port ip <<<"$(topo_teredo_decode "$C1")"
	check "peer list: client 1 trusted, mapped to NAT 1's $ip:$port" \
		expect_eq "$(peer_field "$C1" '(P["trusted"], P["ip"], P["port"])')" \
		"(True, '$ip', $port)"
	check "the relay queued and bubbled for the first packets" \
		eval 'counter_ge -n relay teredo0 tx_bubble 1 && counter_ge -n relay teredo0 tx_queued 1'
	check "no Miredo packet was refused as malformed or spoofed" \
		expect_eq "$(counter -n relay teredo0 rx_drop_bad_header) $(counter -n relay teredo0 rx_drop_bad_length) $(counter -n relay teredo0 rx_drop_bad_mapping)" "0 0 0"
	if [[ ${TOPO_RELAY_OPTS:-} == *"fastpath on"* ]]; then
		check "the fast path took the clients' datagrams off eth0" \
			counter_ge -n relay teredo0 rx_fastpath 100
	else
		check "without the fast path, nothing is taken off eth0" \
			expect_eq "$(counter -n relay teredo0 rx_fastpath)" 0
	fi
}

peer_trusted() { expect_eq "$(peer_field "$1" 'P is not None and P["trusted"]')" True; }

test_expiry() {
	local pid expired

	pid=$(cat "$TOPO_DIR/miredo-c2.pid" 2>/dev/null)
	# its entry may have expired during the transfers: a fresh one
	check "client 2 pings the native host: in the relay's peer list, trusted" \
		eval 'ping6 c2 "$TOPO_HOST6_IP6" -c 1 && peer_trusted "$C2"'
	expired=$(counter -n relay teredo0 peer_expired)
	check "client 2 goes quiet" kill "$pid"
	check "its relay entry expires (30 s after its last packet)" \
		eval 'wait_for 50 peer_gone "$C2" &&
		      counter_ge -n relay teredo0 peer_expired $((expired + 1))'
	check "client 1 still reaches the native host" ping6 c1 "$TOPO_HOST6_IP6"
}

run_tests test_setup test_forwarding test_expiry

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our client against our server (teredod server) behind three kinds of NAT
# made with nftables: a cone-like NAT, a port-restricted NAT and a
# symmetric NAT. The client must tell them apart with the server's
# secondary address, and reach the native host from behind each, through
# our relay (and through a Miredo relay).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
CC="" CR="" CS=""

nat_is() {	# NS TYPE
	expect_eq "$(topo_show "$1" 'D.get("nat")')" "$2"
}

test_setup() {
	check "topology: clients behind a cone, a port-restricted and a symmetric NAT" \
		eval 'topo_init && topo_add_nat_client ccone 1 && topo_add_nat_client cres 2 &&
		      topo_add_nat_client csym 3 && topo_nat_cone 1 3545 && topo_nat_symmetric 3'
	check "our server on $TOPO_SRV_IP and $TOPO_SRV_IP2" topo_start_teredod_server
	check "our relay" \
		topo_add_our_relay
	topo_start_teredod ccone "BindPort 3545"
	topo_start_teredod cres
	topo_start_teredod csym
	CC=$(topo_wait_teredo_addr ccone teredo0 $((30 * SLOW)))
	CR=$(topo_wait_teredo_addr cres teredo0 $((30 * SLOW)))
	CS=$(topo_wait_teredo_addr csym teredo0 $((30 * SLOW)))
	check "all three qualify against our server" test -n "$CC" -a -n "$CR" -a -n "$CS"
	log "cone $CC, restricted $CR, symmetric $CS"
}

test_types() {
	local port

	# RFC 5991: no cone test, so a cone NAT is told from a restricted one
	# by nothing teredod does; only a symmetric one stands apart
	check "cone NAT reported as restricted (no cone test, RFC 5991)" \
		wait_for 20 nat_is ccone restricted
	read -r _ _ port _ <<<"$(topo_teredo_decode "$CC")"
	check "cone NAT: the mapping kept BindPort 3545" expect_eq "$port" 3545
	check "port-restricted NAT reported as restricted" \
		wait_for 20 nat_is cres restricted
	check "symmetric NAT reported as symmetric" \
		wait_for 20 nat_is csym symmetric
	check "teredod logged each" \
		eval 'grep -q "NAT type: restricted" "$TOPO_DIR/teredod-ccone.log" &&
		      grep -q "NAT type: restricted" "$TOPO_DIR/teredod-cres.log" &&
		      grep -q "NAT type: symmetric" "$TOPO_DIR/teredod-csym.log"'
	check "no client asked for an answer from the other address (no cone bit)" \
		eval 'topo_exec srv "$TOPO_TEREDOD" show server --json |
		      python3 -c "import json,sys; S=json.load(sys.stdin)[\"stats\"]; sys.exit(S[\"tx_ra_other_address\"] != 0)"'
}

# The client behind the symmetric NAT has one entry in the relay's peer
# list, with a port that is a number and not the one its address embeds
# (the NAT gave the relay's flow another port).
sym_port_learned() {
	local port p

	read -r _ _ port _ <<<"$(topo_teredo_decode "$CS")"
	p=$(topo_exec relay "$TOPO_TEREDOD" show peers --json teredo0 |
		pyq '
print(" ".join(str(p["port"]) for p in json.loads(data) if p["address"] == argv[0]))' "$CS")
	echo "address ${CS:-none}: embedded port ${port:-none}, peer list port ${p:-none}"
	[[ $port =~ ^[0-9]+$ && $p =~ ^[0-9]+$ ]] && [ "$p" != "$port" ]
}

test_native() {
	local ns a

	for ns in ccone cres csym; do
		a=$(topo_teredo_addrs "$ns" teredo0)
		check "$ns: pings the native host through our relay" \
			wait_for 10 ping6 "$ns" "$TOPO_HOST6_IP6" -c 1
		check "$ns: the native host pings it" ping6 host6 "$a"
	done
	check "symmetric NAT: the relay learned the client's real port (RFC 6081)" \
		sym_port_learned
	check "TCP from behind the symmetric NAT, 200 kB intact" \
		tcp_transfer csym host6 "$TOPO_HOST6_IP6" 200000
	check "TCP to the client behind the restricted NAT, 200 kB intact" \
		tcp_transfer host6 cres "$CR" 200000
}

test_miredo_relay() {
	check "reference: a Miredo relay; the native host routes Teredo through it" \
		eval 'topo_add_miredo_relay &&
		      topo_ip -n host6 route replace 2001::/32 via 2001:db8:ffff::11'
	check "our client (restricted NAT, our server) follows to the Miredo relay" \
		wait_for 20 eval 'ping6 host6 "$CR" -c 1 >/dev/null; [ "$(topo_peer_ip cres "$TOPO_HOST6_IP6")" = 198.18.0.11 ]'
	check "pings both ways through the Miredo relay" \
		eval 'ping6 cres "$TOPO_HOST6_IP6" && ping6 host6 "$CR"'
	check "TCP both ways through the Miredo relay, 200 kB intact" \
		eval 'tcp_transfer cres host6 "$TOPO_HOST6_IP6" 200000 &&
		      tcp_transfer host6 cres "$CR" 200000'
}

run_tests test_setup test_types test_native test_miredo_relay

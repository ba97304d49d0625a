#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RFC 6081's UPnP-enabled NATs, against real NATs made with nftables and a
# real UPnP gateway (Debian's miniupnpd, nftables build) on the router:
#   cu  behind nat1, port-restricted (Linux masquerade) with a gateway
#   cy  behind nat2, symmetric (masquerade fully-random) with a gateway
#   cs  behind nat3, symmetric, no gateway
#   pr  behind nat4, port-restricted, no gateway (ours, UPnP off)
#   pm  behind nat5, port-restricted: a Miredo client
#   ch  behind nat6, port-restricted, where a hostile device answers as a
#       gateway and then never says a word (hostile_igd.py hang)
#   cl  behind nat7, port-restricted, where a hostile gateway lies about
#       its external address (hostile_igd.py lie)
#   cp  behind nat8, port-restricted, a gateway that speaks NAT-PMP only
# cu, cy, cs, ch, cl and cp run teredod with "UPnP yes"; our server, our relay,
# a native host. Every pairing of NAT kinds and clients: bench/nat6081.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
CU="" CY="" CS="" PR="" PM="" CH="" CL="" CP="" UPORT=""

test_setup() {
	check "topology: five clients behind five NATs" \
		eval 'topo_init && topo_add_nat_client cu 1 && topo_add_nat_client cy 2 &&
		      topo_add_nat_client cs 3 && topo_add_nat_client pr 4 &&
		      topo_add_nat_client pm 5 && topo_nat_symmetric 2 &&
		      topo_nat_symmetric 3'
	check "our server, our relay, a STUN server" \
		eval 'topo_start_teredod_server && topo_add_our_relay && topo_start_stun'
	check "miniupnpd on nat1 and nat2 learn their public address (STUN) and map ports" \
		eval 'topo_nat_upnp 1 && topo_nat_upnp 2'
	check "hostile gateways behind nat6 (silent) and nat7 (lying)" \
		eval 'topo_add_nat_client ch 6 && topo_add_nat_client cl 7 &&
		      hostile_igd 6 hang && hostile_igd 7 lie'
	check "a NAT-PMP gateway (miniupnpd, UPnP off) behind nat8" \
		eval 'topo_add_nat_client cp 8 && topo_nat_upnp 8 natpmp'
	topo_start_teredod cu "UPnP yes"
	topo_start_teredod cy "UPnP yes"
	topo_start_teredod cs "UPnP yes"
	topo_start_teredod pr
	topo_start_miredo_client pm
	topo_start_teredod ch "UPnP yes"
	topo_start_teredod cl "UPnP yes"
	topo_start_teredod cp "UPnP yes"
	CU=$(topo_wait_teredo_addr cu teredo0 $((40 * SLOW)))
	CY=$(topo_wait_teredo_addr cy teredo0 $((40 * SLOW)))
	CS=$(topo_wait_teredo_addr cs teredo0 $((40 * SLOW)))
	PR=$(topo_wait_teredo_addr pr teredo0 $((30 * SLOW)))
	PM=$(topo_wait_teredo_addr pm teredo $((30 * SLOW)))
	CH=$(topo_wait_teredo_addr ch teredo0 $((40 * SLOW)))
	CL=$(topo_wait_teredo_addr cl teredo0 $((40 * SLOW)))
	CP=$(topo_wait_teredo_addr cp teredo0 $((40 * SLOW)))
	check "all eight qualify against our server" \
		test -n "$CU" -a -n "$CY" -a -n "$CS" -a -n "$PR" -a -n "$PM" \
			-a -n "$CH" -a -n "$CL" -a -n "$CP"
	log "UPnP $CU, symmetric UPnP $CY, symmetric $CS, restricted $PR, Miredo $PM"
}

# A hostile gateway on natN's LAN side (hostile_igd.py MODE).
hostile_igd() {	# N MODE
	topo_daemon "igd-nat$1" "nat$1" "$(dirname "$0")/hostile_igd.py" "$2" \
		"198.19.$1.1"
	wait_for 10 grep -q ready "$TOPO_DIR/igd-nat$1.log"
}

# FLAGS of a decoded address has the U bit (RFC 6081: a UPnP mapping)
flag_u() {	# FLAGS
	(($1 & 0x0200))
}

test_upnp() {
	local srv flags port ip lport

	# settled: a mapping the server sees, the U flag, then the NAT type
	wait_for 20 eval '[ "$(topo_show cu "D[\"nat\"]")" = cone ]'
	CU=$(topo_teredo_addrs cu teredo0)
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CU")"
	UPORT=$port
	lport=$(topo_show cu 'D["local_port"]')
	check "cu: the gateway's mapping was logged" \
		grep -q "UPnP: the gateway maps 198.18.0.21:$port to 198.19.1.2:$lport" \
		"$TOPO_DIR/teredod-cu.log"
	check "cu: the address embeds nat1's address and the mapped port $port" \
		eval '[ "$ip" = 198.18.0.21 ] && [ "$port" = "$lport" ]'
	check "cu: the U flag is set ($flags)" flag_u "$flags"
	check "cu: teredod show says UPnP, and a cone (anyone gets in)" \
		eval '[ "$(topo_show cu "D[\"upnp\"], D[\"nat\"]")" = "True cone" ]'
	check "cu: nat1's gateway holds $port -> 198.19.1.2:$lport" \
		expect_eq "$(topo_upnp_maps 1)" "$port 198.19.1.2:$lport"

	# symmetric: the first port mapped is not the one the server sees;
	# the second is
	check "cy: the NAT sends from another port: teredod asks for the one the server sees" \
		wait_for 20 grep -q "UPnP: the NAT sends from port" "$TOPO_DIR/teredod-cy.log"
	check "cy: then the address embeds it, with the U flag; the NAT stays symmetric" \
		wait_for 20 eval 'CY=$(topo_teredo_addrs cy teredo0) &&
			read -r srv flags port ip <<<"$(topo_teredo_decode "$CY")" &&
			flag_u "$flags" && [ "$(topo_show cy "D[\"nat\"]")" = symmetric ] &&
			[ "$(topo_upnp_maps 2)" = "$port 198.19.2.2:$(topo_show cy "D[\"local_port\"]")" ]'
	CY=$(topo_teredo_addrs cy teredo0)

	read -r srv flags port ip <<<"$(topo_teredo_decode "$CS")"
	check "cs: no gateway: qualified without UPnP, no U flag" \
		eval '! flag_u "$flags" && [ "$(topo_show cs "D[\"upnp\"]")" = False ]'
	check "cs: and teredod said why" \
		grep -q "UPnP: no UPnP gateway answered" "$TOPO_DIR/teredod-cs.log"
	read -r srv flags port ip <<<"$(topo_teredo_decode "$PR")"
	check "pr: UPnP off (the default): no U flag, nothing asked of anyone" \
		eval '! flag_u "$flags" && ! grep -q UPnP "$TOPO_DIR/teredod-pr.log"'

	# what a hostile gateway can do: delay, and be ignored
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CH")"
	check "ch: a gateway that never answers: given up (its child killed by 10 s), qualified without it" \
		eval '! flag_u "$flags" &&
		      log_has ch "UPnP: the gateway did not answer\|UPnP: no Internet gateway"'
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CL")"
	check "cl: a gateway that lies about its external address: not used, no U flag, the true mapping embedded" \
		eval '! flag_u "$flags" && [ "$ip" = 198.18.0.27 ] &&
		      log_has cl "UPnP: the gateway maps 198.18.0.99:[0-9]*, the server sees 198.18.0.27:[0-9]*: mapping not used"'
	check "cl: and its port was given back (DeletePortMapping)" \
		wait_for 10 grep -q "action DeletePortMapping" "$TOPO_DIR/igd-nat7.log"

	# NAT-PMP where no IGD answers
	wait_for 20 eval '[ "$(topo_show cp "D[\"nat\"]")" = cone ]'
	CP=$(topo_teredo_addrs cp teredo0)
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CP")"
	lport=$(topo_show cp 'D["local_port"]')
	check "cp: no IGD, but NAT-PMP: the gateway maps 198.18.0.28:$port to 198.19.8.2:$lport" \
		eval 'log_has cp "NAT-PMP: the gateway maps 198.18.0.28:$port to 198.19.8.2:$lport" &&
		      [ "$(topo_upnp_maps 8)" = "$port 198.19.8.2:$lport" ]'
	check "cp: embedded with the U flag, a cone" \
		eval 'flag_u "$flags" && [ "$ip" = 198.18.0.28 ] &&
		      [ "$(topo_show cp "D[\"nat\"]")" = cone ]'
}

# teredod's log in NS has PATTERN; else its UPnP lines, for the record
log_has() {	# NS PATTERN
	grep -q "$2" "$TOPO_DIR/teredod-$1.log" && return 0
	grep -i "upnp\|exit" "$TOPO_DIR/teredod-$1.log" | sed 's/^/# /'
	return 1
}

# NS pings ADDRESS: 2 pings, 5 s each
reach() {	# NS ADDRESS
	topo_exec "$1" ping -6 -n -c 2 -i 0.5 -W 5 "$2" >/dev/null 2>&1
}

test_pairs() {
	local cap=$TOPO_DIR/nat1.pcap pid got

	# what reaches nat1 from outside, while the peers find the client
	topo_exec nat1 tshark -q -i wan -w "$cap" -f "udp" >/dev/null 2>"$cap.err" &
	pid=$!
	# listening once it says so (on a debug kernel, seconds later)
	wait_for $((30 * SLOW)) grep -q Capturing "$cap.err"
	sleep 1
	check "a client behind a symmetric NAT reaches the client behind the UPnP gateway" \
		wait_for 10 reach cs "$CU"
	check "but not one behind the same kind of NAT without UPnP" \
		eval '! reach cs "$PR"'
	check "a Miredo client and ours (restricted NATs) ping the UPnP client" \
		eval 'wait_for 10 reach pm "$CU" && wait_for 10 reach pr "$CU"'
	check "the native host and the UPnP client ping each other" \
		eval 'wait_for 10 reach host6 "$CU" && reach cu "$TOPO_HOST6_IP6"'
	check "the client behind the symmetric UPnP NAT: native host and Miredo client" \
		eval 'wait_for 10 reach host6 "$CY" && reach cy "$TOPO_HOST6_IP6" &&
		      wait_for 10 reach pm "$CY"'
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# the peers' packets to the client's address, at the mapped port
	got=$(tshark -r "$cap" -Y "ipv6.dst == $CU && !(ip.src == $TOPO_SRV_IP)" \
		-T fields -e udp.dstport -e ipv6.dst_tc_port -e ipv6.dst_tc_ipv4 \
		2>/dev/null | sort -u)
	check "on the wire (tshark): peers send to cu at 198.18.0.21:$UPORT, the mapping its address names" \
		expect_eq "$got" "$UPORT	$UPORT	198.18.0.21"
}

test_lifetime() {
	local pid

	pid=$(topo_teredod_pid cu | tail -n 1)
	kill -TERM "$pid"
	check "cu: teredod stopped" wait_for 10 eval '! kill -0 "$pid" 2>/dev/null'
	check "cu: the gateway's mapping was given back" \
		wait_for 5 eval '[ -z "$(topo_upnp_maps 1)" ]'
	check "cu: and teredod said so" \
		log_has cu "UPnP: mapping of port $UPORT deleted"
	topo_start_teredod cu "UPnP yes"
	check "cu: a new teredod maps the same port again and keeps the address" \
		wait_for $((20 * SLOW)) eval '[ "$(topo_upnp_maps 1 | cut -d" " -f1)" = "$UPORT" ] &&
			topo_addr_is cu "$CU"'
	pid=$(topo_teredod_pid cu | tail -n 1)
	kill -KILL "$pid"
	topo_start_teredod cu "UPnP yes"
	check "cu: after kill -9, the next teredod renews the mapping and resumes with the same address" \
		wait_for $((20 * SLOW)) eval '[ "$(grep -c "resuming with Teredo address $CU" "$TOPO_DIR/teredod-cu.log")" -ge 1 ] &&
			[ "$(topo_upnp_maps 1 | cut -d" " -f1)" = "$UPORT" ] && topo_addr_is cu "$CU"'
	check "cu: and a symmetric NAT's client still reaches it" \
		wait_for 10 reach cs "$CU"
	check "cp: a client behind a symmetric NAT reaches the NAT-PMP client" \
		wait_for 10 reach cs "$CP"
	pid=$(topo_teredod_pid cp | tail -n 1)
	kill -TERM "$pid"
	check "cp: at exit its NAT-PMP mapping is deleted" \
		wait_for 10 eval '! kill -0 "$pid" 2>/dev/null && [ -z "$(topo_upnp_maps 8)" ] &&
			log_has cp "NAT-PMP: mapping of port [0-9]* deleted"'
}

run_tests test_setup test_upnp test_pairs test_lifetime

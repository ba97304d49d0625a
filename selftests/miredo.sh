#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test topology with Miredo alone: miredo-server, a Miredo relay, a
# native IPv6 host, two Miredo clients behind two NATs. Proves the topology
# (and gives the reference behaviour the in-kernel implementation must match).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
TAP_PREFIX="reference: "	# Miredo alone: none of this project's code

QUALIFY_TIMEOUT=$((30 * SLOW))	# seconds; 3-10 s in the emulated VM
C1="" C2=""

# The UDP ports bound in a namespace (Miredo's is the only one in a client).
udp_ports() {	# NS
	local sl local_addr rest

	while read -r sl local_addr rest; do
		[ "$sl" = sl ] || echo $((0x${local_addr#*:}))
	done < <(topo_exec "$1" cat /proc/net/udp)
}

# IPv4 a.b.c.d as the two obfuscated (XOR 0xffffffff) groups of a Teredo
# address, e.g. 198.18.0.21 -> 39ed:ffea.
obfuscated() {	# IPV4
	local a b c d x

	IFS=. read -r a b c d <<<"$1"
	x=$(((a << 24 | b << 16 | c << 8 | d) ^ 0xffffffff))
	printf '%04x:%04x\n' $((x >> 16)) $((x & 0xffff))
}

# The last 32 bits of an IPv6 address, as two groups of 4 hex digits.
last32() {	# ADDRESS
	local g

	read -ra g <<<"$(topo_expand6 "$1")"
	echo "${g[6]}:${g[7]}"
}

decoded() {	# ADDRESS FIELD(1 server, 2 flags, 3 port, 4 client)
	topo_teredo_decode "$1" | cut -d' ' -f"$2"
}

has_route() {	# NS ROUTE...
	local ns=$1

	shift
	[ -n "$("$IP" -n "$ns" -6 route show "$@")" ]
}

ping6() {	# NS DESTINATION
	topo_exec "$1" ping -6 -n -c 3 -i 0.5 -W 5 "$2"
}

ping_both() {	# DESTINATION: from c1 and c2 at the same time
	local p1 p2 r=0

	ping6 c1 "$1" >"$TOPO_DIR/ping-c1.out" 2>&1 & p1=$!
	ping6 c2 "$1" >"$TOPO_DIR/ping-c2.out" 2>&1 & p2=$!
	wait "$p1" || { r=1; cat "$TOPO_DIR/ping-c1.out"; }
	wait "$p2" || { r=1; cat "$TOPO_DIR/ping-c2.out"; }
	return "$r"
}

build() {
	topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2
}

# Is IPV4:PORT a bound UDP socket in the namespace?
udp_bound_at() {	# NS IPV4 PORT
	local a b c d

	IFS=. read -r a b c d <<<"$2"
	topo_exec "$1" cat /proc/net/udp |
		grep -q "$(printf ' %02X%02X%02X%02X:%04X ' "$d" "$c" "$b" "$a" "$3")"
}

both_server_addresses_bound() {
	udp_bound_at srv "$TOPO_SRV_IP" 3544 && udp_bound_at srv "$TOPO_SRV_IP2" 3544
}

has_addr() {	# NS DEV ADDRESS/LEN
	"$IP" -n "$1" -6 addr show dev "$2" | grep -qF " $3 "
}

hook_addresses() {	# NS TEREDO-ADDRESS
	has_addr "$1" teredo fe80::ffff:ffff:ffff/64 && has_addr "$1" teredo "$2/32"
}

all_alive() {
	local d

	for d in miredo-server miredo-relay miredo-c1 miredo-c2; do
		topo_daemon_alive "$d" || { echo "$d died"; return 1; }
	done
}

test_topology() {
	check "topology: inet, srv, relay, host6, two NAT'd clients" build
	check "miredo-server starts" topo_start_miredo_server
	check "it binds 198.18.0.1:3544 and 198.18.0.2:3544" \
		both_server_addresses_bound
	check "the Miredo relay brings up its tunnel" topo_start_miredo_relay
	check "relay tunnel: route 2001::/32 dev teredo" \
		has_route relay 2001::/32 dev teredo
	topo_start_miredo_client c1
	topo_start_miredo_client c2
	log "topology and daemons up after $SECONDS s"
}

test_qualification() {
	C1=$(topo_wait_teredo_addr c1 teredo "$QUALIFY_TIMEOUT")
	check "client 1 qualifies (Teredo address on teredo)" test -n "$C1"
	log "client 1: $C1 = $(topo_teredo_decode "$C1")"
	check "its server part is 198.18.0.1 (2001:0:c612:1::/64)" \
		expect_eq "$(decoded "$C1" 1)" "$TOPO_SRV_IP"
	check "it embeds NAT 1's public IPv4 198.18.0.21, obfuscated" \
		expect_eq "$(last32 "$C1")" "$(obfuscated "$(topo_nat_ip 1)")"
	check "which decodes back to 198.18.0.21" \
		expect_eq "$(decoded "$C1" 4)" "$(topo_nat_ip 1)"
	check "its port is Miredo's UDP port (masquerade keeps it)" \
		expect_eq "$(decoded "$C1" 3)" "$(udp_ports c1)"
	check "the hook added fe80::ffff:ffff:ffff/64 and the address/32" \
		hook_addresses c1 "$C1"
	check "the hook added default dev teredo metric 1029" \
		has_route c1 default dev teredo metric 1029

	C2=$(topo_wait_teredo_addr c2 teredo "$QUALIFY_TIMEOUT")
	check "client 2 qualifies behind NAT 2" test -n "$C2"
	log "client 2: $C2 = $(topo_teredo_decode "$C2")"
	check "it embeds NAT 2's public IPv4 198.18.0.22" \
		expect_eq "$(decoded "$C2" 4)" "$(topo_nat_ip 2)"
	log "both clients qualified after $SECONDS s"
}

test_ping() {
	check "client 1 pings the native host (server ping test, relay)" \
		ping6 c1 "$TOPO_HOST6_IP6"
	check "the native host pings client 1 through the relay" \
		ping6 host6 "$C1"
	check "clients 1 and 2 ping the native host at the same time" \
		ping_both "$TOPO_HOST6_IP6"
	check "client 1 pings client 2 (Teredo to Teredo, bubbles)" \
		ping6 c1 "$C2"
	check "the daemons are still running" all_alive
	log "miredo.sh ran in $SECONDS s"
}

run_tests test_topology test_qualification test_ping

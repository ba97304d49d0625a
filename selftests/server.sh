#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our Teredo server (teredod server): Miredo clients behind NATs qualify
# against it and reach a native host through our in-kernel relay and
# through a Miredo relay; hostile input (malformed and forged
# solicitations, non-global and spoofed sources, our own addresses, floods)
# is dropped and counted, and the server keeps answering.
# (Our own client and the NAT-type tests need teredod's client: not here.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
PEER=$(cd "$(dirname "$0")" && pwd)/teredo_peer.py
TEREDOD=$(cd "$(dirname "$0")/.." && pwd)/userspace/teredod/teredod
ATK_IP=198.18.0.50	# a host on the IPv4 "Internet", no NAT
C1="" C2=""

# A python expression on S, the server's state (teredod show server -j).
srv_json() {	# EXPR
	topo_exec srv "$TEREDOD" show server --json |
		pyq 'S=json.loads(data); print('"$1"')'
}

stat() { srv_json "S['stats']['$1']"; }

# Counter NAME grew by at least MIN since the snapshot taken by snap.
declare -A SNAP
snap() {
	local k v

	while read -r k v; do
		SNAP[$k]=$v
	done < <(srv_json "'\n'.join('%s %d' % kv for kv in S['stats'].items())")
}
grew() {	# NAME MIN
	local v

	v=$(stat "$1")
	[ $((v - ${SNAP[$1]:-0})) -ge "$2" ] && return 0
	echo "$1: ${SNAP[$1]:-0} -> $v, want +$2 or more"
	return 1
}
same() {	# NAME: unchanged since the snapshot
	expect_eq "$(stat "$1")" "${SNAP[$1]:-0}"
}

hexof() { "$PEER" packet "$@"; }
rs_hex() {	# [cone]: a router solicitation, nonce 0102030405060708
	python3 -c 'import sys; sys.path.insert(0, "'"${PEER%/*}"'")
import teredo_peer as t; print(t.rs_payload(bytes(range(1, 9)), "'"${1:-}"'" == "cone").hex())'
}
# the Teredo address of IP:PORT served by us (flags 0)
teredo_of() {	# IP PORT
	python3 -c 'import ipaddress, socket, struct
ip = bytes(b ^ 0xff for b in socket.inet_aton("'"$1"'"))
a = b"\x20\x01\0\0" + socket.inet_aton("'"$TOPO_SRV_IP"'") + b"\0\0"
print(ipaddress.IPv6Address(a + struct.pack("!H", '"$2"' ^ 0xffff) + ip))'
}
send_atk() {	# PORT HEX...: from the attacker's address
	local port=$1

	shift
	topo_exec atk "$PEER" send "$ATK_IP:$port" "$TOPO_SRV_IP:3544" "$@"
}
spoof() {	# SRC HEX COUNT [DEST]
	topo_exec atk "$PEER" spoof "$1" "${4:-$TOPO_SRV_IP:3544}" "$2" "$3"
}

test_setup() {
	check "topology with two NAT'd clients and a host without NAT" \
		eval 'topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2 &&
		      topo_add_ns atk && topo_attach atk eth0 br4 atk4 &&
		      "$IP" -n atk addr add $ATK_IP/24 dev eth0 &&
		      "$IP" -n atk link set lo up'
	# packets claiming to come from our own or private addresses must
	# reach the server (and its counters) rather than die in the kernel
	topo_sysctl srv net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth0.accept_local=1
	check "our relay: teredo0 in the relay namespace" \
		topo_add_our_relay
	check "teredod server starts on $TOPO_SRV_IP and $TOPO_SRV_IP2" \
		topo_start_teredod_server srv
	check "teredod show server: both addresses, prefix, native forwarding" \
		expect_eq "$(srv_json 'S["primary"], S["secondary"], S["prefix"], S["mtu"], S["native"]')" \
		"$TOPO_SRV_IP $TOPO_SRV_IP2 2001:0:c612:1::/64 1280 True"
	check "teredod show server (text) names the counters" \
		eval 'topo_exec srv "$TEREDOD" show server | grep -q "^    drop_rate_source "'
	topo_start_miredo_client c1
	topo_start_miredo_client c2
	C1=$(topo_wait_teredo_addr c1 teredo $((40 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo $((40 * SLOW)))
	check "both Miredo clients qualify against our server" \
		test -n "$C1" -a -n "$C2"
	log "c1 $C1, c2 $C2"
	check "client 1's address: our server, NAT 1's public address" \
		eval 'read -r s _ _ ip <<<"$(topo_teredo_decode "$C1")" &&
		      expect_eq "$s $ip" "$TOPO_SRV_IP $(topo_nat_ip 1)"'
	check "the server counted the solicitations it answered" \
		eval '[ "$(stat tx_ra)" -ge 2 ]'
}

test_our_relay() {
	check "client 1 pings the native host (our server, our relay)" \
		ping6 c1 "$TOPO_HOST6_IP6"
	check "... its connectivity test went out natively through our server" \
		eval '[ "$(stat tx_native)" -ge 1 ]'
	check "the native host pings client 1" ping6 host6 "$C1"
	check "... the relay's bubble reached it through our server" \
		eval '[ "$(stat tx_relay_client)" -ge 1 ]'
	check "TCP client 1 -> native host, 300 kB intact" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" 300000
	check "TCP native host -> client 1, 300 kB intact" \
		tcp_transfer host6 c1 "$C1" 300000
	check "no legitimate packet dropped by the server" \
		expect_eq "$(srv_json 'sum(v for k, v in S["stats"].items() if k.startswith("drop_"))')" 0
}

test_solicitations() {
	local out

	out=$(topo_exec atk "$PEER" rs "$ATK_IP:40000" "$TOPO_SRV_IP")
	check "RS from a restricted link-local: RA from the primary, mapping, prefix, MTU" \
		expect_eq "$out" "ra from $TOPO_SRV_IP:3544 mapped $ATK_IP:40000 prefix 2001:0:c612:1::/64 mtu 1280"
	out=$(topo_exec atk "$PEER" rs "$ATK_IP:40001" "$TOPO_SRV_IP" cone)
	check "RS from the cone link-local: RA from the secondary address" \
		expect_eq "$out" "ra from $TOPO_SRV_IP2:3544 mapped $ATK_IP:40001 prefix 2001:0:c612:1::/64 mtu 1280"
	out=$(topo_exec atk "$PEER" rs "$ATK_IP:40002" "$TOPO_SRV_IP2" cone)
	check "cone RS to the secondary: RA from the primary" \
		expect_eq "${out%% mapped*}" "ra from $TOPO_SRV_IP:3544"
}

test_relaying() {
	local a b trailer out

	a=$(teredo_of "$ATK_IP" 4000)
	b=$(teredo_of "$ATK_IP" 4001)
	trailer=0306000011223344
	topo_exec atk "$PEER" recv "$ATK_IP:4001" $((10 * SLOW)) >"$TOPO_DIR/recv.out" 2>&1 &
	local r=$!
	wait_for 10 udp_bound atk 4001
	send_atk 4000 "$(hexof bubble "$a" "$b" "$trailer")"
	wait "$r"
	out=$(cat "$TOPO_DIR/recv.out")
	check "bubble between two of our clients: origin indication, trailer untouched" \
		expect_eq "$out" "from $TOPO_SRV_IP:3544 0000$(printf %04x $((4000 ^ 0xffff)))$(python3 -c 'import socket; print(bytes(b ^ 0xff for b in socket.inet_aton("'"$ATK_IP"'")).hex())')$(hexof bubble "$a" "$b" "$trailer")"
}

test_hostile() {
	local a rs own

	a=$(teredo_of "$ATK_IP" 4000)
	rs=$(rs_hex)
	snap
	# 2 bytes; a 4-byte origin indication; an auth header longer than
	# the datagram; IPv4 inside
	send_atk 4000 00ff 000000ab "0001ff00$(printf '%02x' {1..8})" \
		"$(hexof echo "$a" "$TOPO_HOST6_IP6" | sed 's/^6/4/')"
	check "malformed datagrams (short, truncated headers, IPv4 inside): dropped, counted" \
		grew drop_malformed 4
	send_atk 4000 "${rs:0:110}0000${rs:114}"
	check "a solicitation with a bad checksum: drop_bad_rs" grew drop_bad_rs 1
	send_atk 4000 "$(hexof udp "$a" "$TOPO_HOST6_IP6")"
	check "UDP inside IPv6 (neither bubble nor ICMPv6): dropped" \
		grew drop_not_bubble_or_icmp 1
	send_atk 4000 "$(hexof echo "$(teredo_of "$ATK_IP" 4999)" "$TOPO_HOST6_IP6")"
	check "a Teredo source that is not the UDP source: drop_bad_source" \
		grew drop_bad_source 1
	send_atk 4000 "$(hexof echo "$a" fe80::1)"
	check "to a link-local destination: drop_dst_not_global6" \
		grew drop_dst_not_global6 1

	for src in 10.1.2.3 172.16.5.5 192.168.1.1 169.254.1.1 192.88.99.1; do
		spoof "$src:4000" "$rs" 1
	done
	check "solicitations from 5 non-global IPv4 sources: drop_src_not_global" \
		grew drop_src_not_global 5
	spoof "$TOPO_SRV_IP:3544" "$rs" 1
	spoof "$TOPO_SRV_IP2:3544" "$rs" 1
	spoof "$TOPO_SRV_IP:3544" "$(hexof bubble "$(teredo_of "$TOPO_SRV_IP" 3544)" "$a")" 1
	check "from our own addresses, port 3544: drop_loop" grew drop_loop 3
	spoof "$TOPO_SRV_IP2:5000" "$rs" 1
	own=$(teredo_of "$TOPO_SRV_IP" 3544)
	send_atk 4000 "$(hexof bubble "$a" "$own")" \
		"$(hexof bubble "$a" "$(teredo_of "$TOPO_SRV_IP2" 3544)")"
	check "answers or bubbles to our own addresses: drop_dst_own_address" \
		grew drop_dst_own_address 3
	send_atk 4000 "$(hexof bubble "$a" "$(teredo_of 10.0.0.1 4000)")"
	check "a bubble to a client behind 10.0.0.1: drop_dst_not_global4" \
		grew drop_dst_not_global4 1
	# (the Miredo clients' periodic solicitations may be answered)
	check "nothing of that was relayed or forwarded" \
		eval 'same tx_relay_client && same tx_relay_teredo && same tx_native'
}

rx_primary() { stat rx_primary; }
# The flood (PID) came in just before and was still coming just after the
# client's solicitation.
flooding() { kill -0 "$1" 2>/dev/null && moving rx_primary; }

test_flood() {
	local rs pid out t0 t

	rs=$(rs_hex)
	snap
	# one host, many ports: limited to its rate (100/s, bursts of 200).
	# Each flood lasts (60000 datagrams, several seconds at the least):
	# it must come in before and after the client's solicitation.
	t0=$SECONDS
	spoof "$ATK_IP" "$rs" 60000 &
	pid=$!
	check "a flood from one host reaches the server" wait_for 3 flooding $pid
	out=$(topo_exec c2 "$PEER" rs 198.19.2.2:41000 "$TOPO_SRV_IP" 10)
	check "... and is still coming after a client's solicitation" flooding $pid
	check "during a flood from one host, a client behind a NAT gets its RA" \
		expect_eq "${out%% prefix*}" "ra from $TOPO_SRV_IP:3544 mapped $(topo_nat_ip 2):41000"
	wait "$pid"
	t=$((SECONDS - t0 + 2))
	log "60000 solicitations in about $t s"
	check "the flood was rate-limited (drop_rate_source)" \
		wait_for 5 grew drop_rate_source 10000
	# its burst, its rate, and the Miredo clients' solicitations
	check "... no more answered than 200 + 100 per second" \
		eval 'v=$(settled 10 stat tx_ra); [[ $v =~ ^[0-9]+$ ]] && [ $((v - ${SNAP[tx_ra]})) -le $((200 + 100 * t + 10)) ]'
	# many hosts: 64 addresses behind atk (routed there), random ports
	snap
	"$IP" -n srv route add 203.0.113.0/24 via $ATK_IP
	spoof 203.0.113.64/26 "$rs" 60000 &
	pid=$!
	check "a flood from 64 hosts reaches the server" wait_for 3 flooding $pid
	out=$(topo_exec c2 "$PEER" rs 198.19.2.2:41001 "$TOPO_SRV_IP" 10)
	check "... and is still coming after a client's solicitation" flooding $pid
	check "during a flood from 64 hosts, the client gets its RA" \
		expect_eq "${out%% mapped*}" "ra from $TOPO_SRV_IP:3544"
	wait "$pid"
	check "the server saw the whole flood" wait_for 5 grew rx_primary 60000
	check "... and keeps per-source state for each host" \
		eval '[ "$(srv_json "S[\"rate_sources\"]")" -ge 64 ]'
	check "the server is still running" topo_daemon_alive teredod-server
	check "client 1 (Miredo) still reaches the native host afterwards" \
		ping6 c1 "$TOPO_HOST6_IP6"
}

test_miredo_relay() {
	"$IP" -n relay link del teredo0
	check "reference: a Miredo relay replaces our relay" topo_start_miredo_relay
	check "client 2 pings the native host through the Miredo relay" \
		wait_for 20 ping6 c2 "$TOPO_HOST6_IP6"
	check "the native host pings client 2 through the Miredo relay" \
		ping6 host6 "$C2"
	check "TCP client 2 -> native host, 300 kB intact" \
		tcp_transfer c2 host6 "$TOPO_HOST6_IP6" 300000
}

run_tests test_setup test_our_relay test_solicitations test_relaying \
	test_hostile test_flood test_miredo_relay

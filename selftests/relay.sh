#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Relay mode against a scripted Teredo client and server (teredo_peer.py):
# the bubble exchange, forwarding both ways, the peer list, counters, and
# hostile input. Interoperability with Miredo is in miredo-relay.sh.
# fastpath.sh sources it and runs its tests with RELAY_OPTS set.
source "$(dirname "$0")/lib.sh"
PEER=$(cd "$(dirname "$0")" && pwd)/teredo_peer.py
RELAY_OPTS=${RELAY_OPTS:-}	# more "ip link add teredo0" options
TEREDOD=$(cd "$(dirname "$0")/.." && pwd)/userspace/teredod/teredod
# client 198.18.0.21:40000, server 198.18.0.1
CLIENT=2001:0:c612:1:0:63bf:39ed:ffea
HOST=2001:db8:1::2
PIDS=()

veth() {	# NS1 IF1 NS2 IF2
	"$IP" -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	"$IP" -n "$1" link set "$2" up
	"$IP" -n "$3" link set "$4" up
}

setup() {
	setup_ns inet srv relay client host6
	"$IP" -n inet link add br0 type bridge
	"$IP" -n inet link set br0 up
	for h in srv relay client; do
		veth "$h" eth0 inet "$h"
		"$IP" -n inet link set "$h" master br0
	done
	"$IP" -n srv addr add 198.18.0.1/24 dev eth0
	"$IP" -n relay addr add 198.18.0.10/24 dev eth0
	"$IP" -n client addr add 198.18.0.21/24 dev eth0
	veth relay eth1 host6 eth0
	"$IP" netns exec relay sysctl -qw net.ipv6.conf.all.forwarding=1
	"$IP" -n relay addr add 2001:db8:1::1/64 dev eth1 nodad
	"$IP" -n host6 addr add $HOST/64 dev eth0 nodad
	"$IP" -n host6 route add 2001::/32 via 2001:db8:1::1
	# shellcheck disable=SC2086 # options
	"$IP" -n relay link add teredo0 type teredo mode relay local 198.18.0.10 maxpeers 64 $RELAY_OPTS
	"$IP" -n relay link set teredo0 up
	# one gateway for all peers: no neighbour entry per peer
	"$IP" -n relay route add 2001::/32 via fe80::1 dev teredo0
}

stop_daemons() {
	[ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	PIDS=()
}

peer_json() {	# python expression on P, the peer's JSON object
	"$IP" netns exec relay "$TEREDOD" show peers dev teredo0 --json |
		pyq '
P = [p for p in json.loads(data) if p["address"] == "'"$CLIENT"'"]
P = P[0] if P else None
print('"$1"')'
}

raw() {	# HEX [badsum] [ipopt] [frag]: from the client's mapping to the relay
	"$IP" netns exec client "$PEER" raw 198.18.0.21:40000 198.18.0.10:3544 "$@"
}

# A reply's deadline stretches as the other waits do (SLOW): on the debug
# kernel the scripted client answers a ping 3 s late at times.
ping_client() { "$IP" netns exec host6 ping -6 -c "${1:-1}" -i 0.3 -W $((3 * SLOW)) $CLIENT; }
# A ping through the relay (the client daemon answers it), so that the next
# datagram finds the client in the peer list and trusted, however long the
# checks before it took (on a debug kernel, longer than the 30 s an entry
# lives after its last packet: a bubble would then come from an unknown
# peer and be dropped).
fresh() { wait_for 10 ping_client 1; }

send() {	# HEX: a datagram from the client's mapped address to the relay,
	# which has the client fresh in its peer list
	fresh
	raw "$1"
}

pkt() { "$PEER" packet "$@"; }

test_relay() {
	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	# it lives through the pings below, which take longer on a debug
	# kernel; the last of them keeps the client's entry fresh for the
	# client's own pings after it
	"$IP" netns exec client "$PEER" client 198.18.0.21:40000 $CLIENT $((30 * SLOW)) &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	wait_for 10 udp_bound client 40000
	check "native host pings the Teredo client through the relay" \
		"$IP" netns exec host6 ping -6 -c 3 -i 0.5 -W $((5 * SLOW)) $CLIENT
	check "the first packet waited for the bubble exchange" \
		test "$(counter -n relay teredo0 tx_queued)" -ge 1
	check "a bubble went to the client's server" \
		test "$(counter -n relay teredo0 tx_bubble)" -ge 1
	check "the client's direct bubble was taken in" \
		test "$(counter -n relay teredo0 rx_bubble)" -ge 1
	check "peer list: client trusted with its mapping" \
		expect_eq "$(peer_json '(P["trusted"], P["ip"], P["port"], P["queue"])')" \
		"(True, '198.18.0.21', 40000, 0)"
	check "1280-byte ping through the relay" \
		"$IP" netns exec host6 ping -6 -c 2 -i 0.3 -W $((5 * SLOW)) -s 1232 -M do $CLIENT
	check "1281 bytes get packet too big at the relay" too_big_1281
	check "the relay's host pings the Teredo client itself" \
		"$IP" netns exec relay ping -6 -c 2 -i 0.3 -W $((5 * SLOW)) $CLIENT
	check "an IPv6 neighbour for the gateway only" \
		expect_eq "$("$IP" -n relay -6 neigh show nud all dev teredo0 | wc -l)" 1
	stop_daemons
	"$IP" netns exec client "$PEER" client 198.18.0.21:40000 $CLIENT 5 \
		$HOST 198.18.0.10:3544 >/run/relay-client.out
	check "client-initiated pings to the native host are answered" \
		awk '$1 == "replies" && $3 == "requests" { ok = $2 >= 15 && $2 >= $4 - 2 }
		     END { exit !(NR == 1 && ok) }' /run/relay-client.out
	log "$(cat /run/relay-client.out)"

	# hostile input from the (trusted) client's own address, with the
	# client and its server answering so that send() can refresh it
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	start_client 600
	local rl=198.18.0.10:3544 before
	before=$(counter -n relay teredo0 rx_drop_short)
	send 00
	check "1-byte payload: dropped as short" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_short $((before + 1))
	send "$(pkt echo $CLIENT $HOST | sed 's/^6/5/')"
	check "IPv4-looking version: bad header" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_bad_header 1
	send "$(pkt echo $CLIENT $HOST | cut -c1-100)"
	check "IPv6 length beyond the datagram: bad length" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_bad_length 1
	send "$(pkt echo 2001:0:c612:1:0:63bf:39ed:ffeb $HOST)"
	check "source embedding another address: bad mapping" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_bad_mapping 1
	send "$(pkt echo 2001:db8:9::1 $HOST)"
	check "native source: bad mapping" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_bad_mapping 2
	send "$(pkt echo $CLIENT 2001:0:c612:1:0:63bf:39ed:ff00)"
	check "destination in 2001::/32: loop" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_loop 1
	send "$(pkt echo $CLIENT fe80::1)"
	send "$(pkt echo $CLIENT ff02::1)"
	check "link-local and multicast destinations: not served" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_not_served 2
	send "$(pkt echo fe80::1 $HOST)"
	send "$(pkt echo ff02::1 $HOST)"
	check "link-local and multicast sources: bad mapping" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_bad_mapping 4
	# 198.18.0.10:5000 as a Teredo source: the relay's own address
	"$IP" netns exec relay "$PEER" send 198.18.0.10:5000 198.18.0.10:3544 \
		"$(pkt echo 2001:0:c612:1:0:ec77:39ed:fff5 $HOST)"
	check "from the relay's own address: loop" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_loop 2
	fresh
	before=$(counter -n relay teredo0 rx_bubble)
	raw "$(pkt bubble $CLIENT 2001:db8:1::1 0304000000000000)"
	check "bubble with an RFC 6081 trailer: accepted" \
		wait_for 5 counter_ge -n relay teredo0 rx_bubble $((before + 1))
	"$IP" netns exec client "$PEER" send 198.18.0.21:40001 $rl \
		"$(pkt echo 2001:0:c612:1:0:63be:39ed:ffea $HOST)"
	check "unknown peer with a correct mapping: dropped" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_unknown_peer 1
	check "the relay still forwards for the client" ping_client 1
	stop_daemons
	"$IP" netns exec relay ethtool -S teredo0 | grep -v ': 0$' | sed 's/^/# /'
}

peer_gone() { expect_eq "$(peer_json 'P')" None; }

# A ping of 1281 bytes: the relay answers packet too big, MTU 1280.
too_big_1281() {
	local out

	out=$("$IP" netns exec host6 ping -6 -c 1 -W 2 -s 1233 -M do $CLIENT 2>&1)
	echo "$out"
	grep -q "Packet too big: mtu=1280" <<<"$out"
}

# Counters of the relay's teredo0 (ethtool -S names), read once they
# stopped moving: the sender is done, the relay may not be.
relay_counters() {	# NAME...
	"$IP" netns exec relay ethtool -S teredo0 |
		awk -v want=" $* " 'index(want, " " substr($1, 1, length($1) - 1) " ") { print $2 }'
}
quiet_counters() { settled 20 relay_counters "$@" >/dev/null; }

start_client() {	# SECONDS
	"$IP" netns exec client "$PEER" client 198.18.0.21:40000 $CLIENT "$1" >/dev/null &
	PIDS+=($!)
	wait_for 10 udp_bound client 40000
}

peer_count() {
	"$IP" netns exec relay "$TEREDOD" show dev teredo0 --json |
		pyq 'print(json.loads(data)["peers"])'
}

test_flood() {
	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	start_client 600
	local new full peers
	"$IP" netns exec host6 ping -6 -c 1 -W 5 $CLIENT >/dev/null
	quiet_counters peer_new tx_drop_table_full
	new=$(counter -n relay teredo0 peer_new)
	full=$(counter -n relay teredo0 tx_drop_table_full)
	# 300 new Teredo destinations against a table of 64: each one makes a
	# peer or is refused
	"$IP" netns exec host6 python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(300):
    s.sendto(b"x", ("2001:0:c612:1:0:63bf:39ed:%x" % (0x1000 + i), 9))'
	quiet_counters peer_new tx_drop_table_full
	check "table full: new peers refused and counted, all 300 accounted for" \
		eval 'n=$(($(counter -n relay teredo0 peer_new) - new)) f=$(($(counter -n relay teredo0 tx_drop_table_full) - full));
		      echo "$n new peers, $f refused"; [ "$f" -ge 200 ] && [ $((n + f)) = 300 ]'
	check "the table stays within maxpeers" test "$(peer_count)" -le 64
	new=$(counter -n relay teredo0 peer_new)
	full=$(counter -n relay teredo0 rx_drop_bad_mapping)
	peers=$(peer_count)
	# 300 spoofed sources towards the relay
	"$IP" netns exec client python3 -c '
import socket, subprocess
pkt = bytes.fromhex(subprocess.check_output(["'"$PEER"'", "packet", "echo",
    "2001:0:c612:1:0:63bf:39ed:ffea", "'"$HOST"'"]).decode().strip())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(300):
    src = bytearray(pkt); src[22:24] = (0x1000 + i).to_bytes(2, "big")
    s.sendto(bytes(src), ("198.18.0.10", 3544))'
	quiet_counters rx_drop_bad_mapping peer_new
	check "300 spoofed sources: 300 dropped as bad mapping" \
		expect_eq $(($(counter -n relay teredo0 rx_drop_bad_mapping) - full)) 300
	check "and no entry created" \
		eval 'expect_eq "$(counter -n relay teredo0 peer_new)" "$new" &&
		      [ "$(peer_count)" -le "$peers" ]'
	check "the trusted client keeps its connectivity" ping_client 3
	stop_daemons
}

bubbles_between() {	# MIN MAX: tx_bubble, once it stays put for 3 s
	local a b

	b=$(counter -n relay teredo0 tx_bubble)
	while sleep $((3 * SLOW)); a=$b; b=$(counter -n relay teredo0 tx_bubble); [ "$a" != "$b" ]; do :; done
	[ "$b" -ge "$1" ] && [ "$b" -le "$2" ] && return 0
	echo "tx_bubble = $b, want $1 to $2; the counters that moved:"
	"$IP" netns exec relay ethtool -S teredo0 | awk '$2 != 0'
	return 1
}

test_unreachable() {
	setup
	# a client that never answers (mapped to 198.18.0.95, where nobody
	# is): a bubble, then address unreachable
	check "ping to a silent Teredo client: address unreachable" \
		fails_with "Address unreachable" \
		"$IP" netns exec host6 ping -6 -c 1 -W 15 2001:0:c612:1:0:63bf:39ed:ffa0
	check "one packet paid for one bubble, no retry; its queue dropped, counted" \
		eval 'bubbles_between 1 1 &&
		      counter_ge -n relay teredo0 tx_drop_unreachable 1'
	# more packets pay for the retries: up to 4 bubbles, 2 s apart
	"$IP" netns exec host6 ping -6 -c 6 -i 1 -W 1 2001:0:c612:1:0:63bf:39ed:ff01 >/dev/null 2>&1
	check "6 packets to another: its retries, up to 4 bubbles in all" \
		bubbles_between 3 5
	check "and its queue was dropped too" \
		wait_for 15 counter_ge -n relay teredo0 tx_drop_unreachable 2
}

ndisc_allocs() {
	"$IP" -n relay -s ntable show name ndisc_cache |
		awk '/allocs/ { for (i = 1; i < NF; i++) if ($i == "allocs") print $(i + 1); exit }'
}

test_not_global() {
	setup
	"$IP" netns exec host6 ping -6 -c 1 -W 1 2001:0:c612:1:0:63bf:f5ff:fffe >/dev/null 2>&1
	"$IP" netns exec host6 ping -6 -c 1 -W 1 2001:0:c0a8:1:0:63bf:39ed:ffea >/dev/null 2>&1
	check "client 10.0.0.1 or server 192.168.0.1 embedded: dropped, counted" \
		counter_ge -n relay teredo0 tx_drop_not_global 2
	"$IP" netns exec host6 ping -6 -c 1 -W 1 2001:0:c612:1:0:63bf:39ed:fff5 >/dev/null 2>&1
	"$IP" netns exec host6 ping -6 -c 1 -W 1 2001:0:c612:a:0:63bf:39ed:ffea >/dev/null 2>&1
	check "client or server 198.18.0.10 (the relay itself) embedded: loop" \
		counter_ge -n relay teredo0 tx_drop_loop 2
	check "and no peer entry, no bubble for any of them" \
		expect_eq "$(counter -n relay teredo0 peer_new) $(counter -n relay teredo0 tx_bubble)" "0 0"
}

# 100 000 peers; fewer on a debug kernel (TEREDO_SLOW=1), where each one
# costs KASAN and lockdep time.
NPEERS=100000
[ "${TEREDO_SLOW:-0}" = 1 ] && NPEERS=10000

test_neighbour_trap() {
	setup
	"$IP" -n relay link set teredo0 type teredo maxpeers 200000
	local before after
	before=$(ndisc_allocs)
	"$IP" netns exec host6 python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range('$NPEERS'):
    s.sendto(b"x", ("2001:0:c612:1:0:63bf:%x:%x" % (0x3900 + (i >> 16), i & 0xffff), 9))'
	after=$(settled 20 ndisc_allocs)
	log "ndisc_cache allocs: $before before, $after after $NPEERS peers"
	# the queues take what fits in their 1 MiB, peers are made for that
	# only; the rest is refused, no state made for it
	quiet_counters tx_queued tx_drop_queue_full tx_drop_probe_limited \
		tx_drop_table_full peer_new
	check "$NPEERS packets to as many destinations reached teredo0" \
		eval 'test $(($(counter -n relay teredo0 tx_queued) +
			      $(counter -n relay teredo0 tx_drop_queue_full) +
			      $(counter -n relay teredo0 tx_drop_probe_limited) +
			      $(counter -n relay teredo0 tx_drop_table_full))) -ge $NPEERS'
	check "peers made only for what was queued" \
		eval 'test "$(counter -n relay teredo0 peer_new)" -le \
			   "$(counter -n relay teredo0 tx_queued)"'
	check "no IPv6 neighbour allocated per peer" \
		eval '[[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] && [ $((after - before)) -lt 100 ]'
	grep -E '^teredo_peer ' /proc/slabinfo | awk '{ print "# teredo_peer slab: " $2 " objects of " $4 " bytes" }'
}

test_expiry() {
	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	start_client 600	# until stop_daemons: a debug kernel takes seconds to get here
	check "client reachable" "$IP" netns exec host6 ping -6 -c 1 -W 5 $CLIENT
	check "client in the peer list" \
		expect_eq "$(peer_json 'P is not None and P["trusted"]')" True
	stop_daemons
	check "the entry expires about 30 s after the client went quiet" \
		wait_for 45 peer_gone
	check "and the expiry is counted" \
		test "$(counter -n relay teredo0 peer_expired)" -ge 1
}

# Traffic through the relay's teredo0, both ways; and packets still
# arriving at the relay from both sides, with or without it.
through_teredo0() {
	moving link_packets -n relay teredo0 tx && moving link_packets -n relay teredo0 rx
}
arriving() {
	moving link_packets -n relay eth1 rx && moving link_packets -n relay eth0 rx
}
alive() {	# NAME PID...
	while [ $# -ge 2 ]; do
		kill -0 "$2" 2>/dev/null || { echo "$1 (pid $2) is gone"; return 1; }
		shift 2
	done
}

# The native host pings the client, a second client pings the native host,
# until stop_daemons: the device is deleted, then the module unloaded,
# while packets come from both sides; the traffic is seen flowing through
# the device just before each, and still arriving just after.
test_teardown_under_traffic() {
	local ping client2
	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	start_client 600
	# a count, not a deadline: with -w, ping stops at the first error
	# (the unreachables of the deleted device)
	"$IP" netns exec host6 ping -6 -q -i 0.01 -c 60000 $CLIENT >/dev/null &
	ping=$!
	PIDS+=($!)
	"$IP" netns exec client "$PEER" client 198.18.0.21:40001 \
		2001:0:c612:1:0:63be:39ed:ffea 600 $HOST 198.18.0.10:3544 >/dev/null &
	client2=$!
	PIDS+=($!)
	check "traffic flows through the relay's device, both ways" \
		wait_for 3 through_teredo0
	check "device deleted while traffic flows" "$IP" -n relay link del teredo0
	check "and the traffic was still coming" eval 'alive ping $ping client2 $client2 && arriving'
	# shellcheck disable=SC2086 # options
	"$IP" -n relay link add teredo0 type teredo local 198.18.0.10 $RELAY_OPTS
	"$IP" -n relay link set teredo0 up
	"$IP" -n relay route add 2001::/32 via fe80::1 dev teredo0
	check "traffic flows through the new device, both ways" \
		wait_for 3 through_teredo0
	check "module unloaded while traffic flows" modprobe -r teredo
	check "and the traffic was still coming" eval 'alive ping $ping client2 $client2 && arriving'
	stop_daemons
}

# The outer routes are cached per CPU in slots indexed by the destination
# (kernel/route.c): a routing change must be followed at once, and two
# destinations in one slot must each keep their own route. 198.18.4.118
# shares 198.18.0.21's slot in a relay's table (1024 slots, hash_32 of the
# address as stored); Y, a Teredo peer of that server, is reached through a
# bubble to it. The pings are pinned to one CPU, so that they meet the same
# slot (the relay transmits on the CPU where host6's packet arrived).
dum_tx() {
	"$IP" -n relay -s -j link show dev dum0 |
		pyq 'print(json.loads(data)[0]["stats64"]["tx"]["packets"])'
}
dum_tx_ge() { [ "$(dum_tx)" -ge "$1" ]; }

test_routes() {
	local y=2001:0:c612:476:0:63bf:39ed:f8f8 before
	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	start_client 60
	"$IP" -n relay link add dum0 type dummy
	"$IP" -n relay link set dum0 up
	check "client reachable (its route now cached)" \
		taskset -c 0 "$IP" netns exec host6 ping -6 -c 2 -i 0.3 -W 5 $CLIENT
	before=$(dum_tx)
	"$IP" -n relay route add 198.18.4.118/32 dev dum0
	taskset -c 0 "$IP" netns exec host6 ping -6 -c 1 -W 1 $y >/dev/null
	check "the bubble for a peer in the same slot took its own route (dum0)" \
		wait_for 5 dum_tx_ge $((before + 1))
	check "the client is still reached through eth0" \
		taskset -c 0 "$IP" netns exec host6 ping -6 -c 2 -i 0.3 -W 5 $CLIENT
	before=$(dum_tx)
	"$IP" -n relay route add 198.18.0.21/32 dev dum0
	check "a new route to a cached destination is followed at once" \
		not taskset -c 0 "$IP" netns exec host6 ping -6 -c 2 -i 0.3 -W 1 $CLIENT
	check "its packets left through that route" dum_tx_ge $((before + 2))
	"$IP" -n relay route del 198.18.0.21/32 dev dum0
	check "and once it is deleted, the client is reached again" \
		taskset -c 0 "$IP" netns exec host6 ping -6 -c 2 -i 0.3 -W 5 $CLIENT
	stop_daemons
}

# A relay's trusted peers are sent by the route of their route class,
# without a lookup, even when another peer's route takes their slot; a
# routing change is followed at once all the same. Client 2 at
# 198.18.4.118:40000, on the same link, is in 198.18.0.21's slot.
CLIENT2=2001:0:c612:1:0:63bf:39ed:fb89
ping6_pinned() {	# DST: from host6, on CPU 0 (one slot, see test_routes)
	taskset -c 0 "$IP" netns exec host6 ping -6 -c 1 -W $((2 * SLOW)) "$1" >/dev/null
}
lookups() { counter -n relay teredo0 tx_route_lookup; }
no_lookup_alternating() {	# both clients in turn, no route looked up
	local before

	before=$(lookups)
	ping6_pinned $CLIENT && ping6_pinned $CLIENT2 &&
		ping6_pinned $CLIENT && ping6_pinned $CLIENT2 &&
		[ "$(lookups)" = "$before" ]
}

test_route_classes() {
	setup
	setup_ns client2
	veth client2 eth0 inet client2
	"$IP" -n inet link set client2 master br0
	"$IP" -n client2 addr add 198.18.4.118/16 dev eth0
	for h in srv relay client; do
		"$IP" -n $h route add 198.18.4.0/24 dev eth0
	done
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	start_client $((120 * SLOW))
	"$IP" netns exec client2 "$PEER" client 198.18.4.118:40000 $CLIENT2 $((120 * SLOW)) >/dev/null &
	PIDS+=($!)
	wait_for 10 udp_bound client2 40000
	check "two clients in one route slot, both reachable" \
		eval 'ping6_pinned $CLIENT && ping6_pinned $CLIENT2'
	# the first packets set the clients' hints (after a FIB change, the
	# hints wait for a sweep, about a second)
	check "sent in turn, their routes come from their class: no lookup" \
		wait_for $((15 * SLOW)) no_lookup_alternating
	check "the lookups were counted before" counter_ge -n relay teredo0 tx_route_lookup 2
	# through a gateway that is not there (the device may be bound to
	# eth0: the new route must be one through eth0)
	"$IP" -n relay route add 198.18.4.118/32 via 198.18.0.99 dev eth0
	check "a new route to one of them is followed at once" \
		not ping6_pinned $CLIENT2
	check "its packet went to that route's gateway" \
		eval '[ -n "$("$IP" -n relay neigh show 198.18.0.99 dev eth0)" ]'
	check "the other one keeps its route" ping6_pinned $CLIENT
	"$IP" -n relay route del 198.18.4.118/32 via 198.18.0.99 dev eth0
	check "and once it is deleted, both are reached again" \
		eval 'ping6_pinned $CLIENT2 && ping6_pinned $CLIENT'
	check "after the next sweep, again without lookups" \
		wait_for $((15 * SLOW)) no_lookup_alternating
	stop_daemons
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
trap stop_daemons EXIT
run_tests test_relay test_flood test_unreachable test_not_global test_neighbour_trap \
	test_routes test_route_classes test_expiry test_teardown_under_traffic

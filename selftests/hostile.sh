#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile input to the data path: what a remote native host, a remote
# Teredo peer or a spoofer can make a relay or a client do, and what they
# cannot: probes to third parties (no more than one packet, and no more
# bytes, than received; within the per-address and device budgets), queue
# memory (truesize, 1 MiB), forged control packets, sources that are the
# host's own addresses, frames of VLANs the host does not have, and a
# packet tap while fragments are held. relay.sh's namespaces: srv
# 198.18.0.1, relay 198.18.0.10, client 198.18.0.21, host6 behind the relay.
source "$(dirname "$0")/relay.sh"

# --- what reaches a namespace ----------------------------------------------

count_start() {	# NS NAME RULE: an nftables counter of what NS receives
	"$IP" netns exec "$1" nft -f - <<-EOF
	table inet hostile_$2 {
		chain in {
			type filter hook prerouting priority -300; policy accept;
			$3 counter
		}
	}
	EOF
}

tool() {	# NAME: bench/NAME.c's binary (built here if bench/ has not)
	local src bin

	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bench/$1.c
	bin=${src%/bench/*}/build/bench/$1
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		bin=/tmp/$1
		[ -x "$bin" ] || cc -O2 -o "$bin" "$src" || return 1
	fi
	echo "$bin"
}

count_of() {	# NS NAME
	"$IP" netns exec "$1" nft -j list chain inet "hostile_$2" in |
		pyq '
for o in json.loads(data)["nftables"]:
    for e in o.get("rule", {}).get("expr", []):
        if "counter" in e: print(e["counter"]["packets"])'
}

# A counter that stays put for 2 s (what was in flight has arrived).
steady() {	# COMMAND...: prints its output once stable
	local a b

	b=$("$@")
	while sleep $((2 * SLOW)); a=$b; b=$("$@"); [ "$a" != "$b" ]; do :; done
	echo "$b"
}

# From host6, for SECONDS: UDP with PAYLOAD bytes to new Teredo addresses
# that all embed the server 198.18.0.1 (distinct ports and clients).
# Prints "PACKETS SECONDS".
spray() {	# SECONDS PAYLOAD [FIRST]
	"$IP" netns exec host6 python3 - "$@" <<-'EOF'
	import socket, sys, time
	secs, size = float(sys.argv[1]), int(sys.argv[2])
	n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	data, t0, sent = b"x" * size, time.time(), 0
	while time.time() - t0 < secs:
	    for _ in range(32):
	        a = "2001:0:c612:1:0:%x:39ed:%x" % (0x100 + (n >> 16), n & 0xffff)
	        try:
	            s.sendto(data, (a, 9))
	            sent += 1
	        except OSError:
	            pass
	        n += 1
	print(sent, "%.2f" % (time.time() - t0))
	EOF
}

# spray, and the most the relay's queues held meanwhile: SENT, SECS, MAXQ
spray_watched() {	# SECONDS PAYLOAD
	local pid b

	spray "$@" >/run/hostile-spray.out &
	pid=$!
	MAXQ=0
	while kill -0 $pid 2>/dev/null; do
		b=$(queued_bytes) && [ "${b:-0}" -gt "$MAXQ" ] && MAXQ=$b
		sleep 0.3
	done
	read -r SENT SECS </run/hostile-spray.out
}

queued_bytes() {	# what the relay's queues hold (truesize)
	"$IP" netns exec relay "$TEREDOD" show dev teredo0 --json |
		pyq 'print(json.loads(data)["queued"])'
}

# The fewest bytes one of the relay's queues holds, and how many peers the
# dump listed more than once (a kernel walk that meets a resize of the
# table starts again; teredod keeps each peer once).
smallest_queue() {
	"$IP" netns exec relay "$TEREDOD" show peers dev teredo0 --json |
		pyq '
v = json.loads(data)
q = [p["queue"] for p in v if p["queue"]]
print(min(q) if q else 0, len(v) - len(set(p["address"] for p in v)))'
}

ping_loss() {	# COUNT: from host6 to the client through the relay, % lost
	"$IP" netns exec host6 ping -6 -n -q -c "$1" -i 0.2 -W 5 $CLIENT |
		sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'
}

relay_with_client() {	# [more ip link options]
	RELAY_OPTS="$RELAY_OPTS $*" setup
	"$IP" -n relay link set teredo0 type teredo maxpeers 100000
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	start_client 600
	fresh
}

# --- a relay --------------------------------------------------------------

# One packet to a new Teredo address costs one bubble to its server, and
# only if it is as long as the bubble (IPv6 lengths): no input makes the
# relay send more to a third party than it received, in packets or IPv6
# bytes. Under a spray, the
# server gets no more than the per-address budget, and a trusted client
# keeps its connectivity.
test_spray_one_server() {
	local sent secs got limited bytes loss pinger

	relay_with_client proberate 50
	count_start srv b 'udp dport 3544 ip saddr 198.18.0.10'
	"$IP" netns exec host6 ping -6 -n -q -c 40 -i 0.2 -W 5 $CLIENT \
		>/run/hostile-ping.out 2>&1 &
	pinger=$!
	spray_watched 5 40
	sent=$SENT secs=$SECS bytes=$MAXQ
	wait $pinger 2>/dev/null
	got=$(steady count_of srv b)
	limited=$(counter -n relay teredo0 tx_probe_limited)
	log "sprayed $sent packets of 88 bytes in $secs s: the server got $got bubbles, $limited probes refused"
	check "the sprayer sent packets" test "${sent:-0}" -gt 100
	check "no more bubbles to the server than packets sprayed" \
		test "$got" -le "$sent"
	check "within the budget: 50/s for ${secs}s and a burst of 50" \
		test "$got" -le "$(awk -v s="$secs" 'BEGIN { printf "%d", 50 * (s + 1) + 50 }')"
	check "the budget's refusals are counted" test "$limited" -ge 1
	check "queued memory during the spray within 1 MiB (at most $bytes bytes seen)" \
		test "$bytes" -le 1048576
	loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' /run/hostile-ping.out)
	check "the trusted client kept its ping through the spray (loss ${loss:-?}%)" \
		test "${loss:-100}" = 0
	stop_daemons
}

# With the default budgets (1000/s per address, a sender 250 of them), the spray is bounded by
# what it pays for: one bubble per packet at most.
test_spray_default_budget() {
	local sent secs got

	relay_with_client
	count_start srv b 'udp dport 3544 ip saddr 198.18.0.10'
	read -r sent secs < <(spray 3 40)
	got=$(steady count_of srv b)
	log "sprayed $sent packets in $secs s: the server got $got bubbles ($(awk -v g="$got" -v s="$sent" 'BEGIN { printf "%.2f", g / s }') per packet)"
	check "at most one bubble per packet sprayed" test "$got" -le "$sent"
	stop_daemons
}

# Tiny packets pay for a bubble each (40 bytes of IPv6), within the
# budgets; queues are charged their truesize, 1 MiB in all: a spray of tiny packets to new destinations
# holds that much at most, the queues that waited longest making room for
# new ones. The sprayer (one /48) gets its share of the server's budget,
# a quarter, so that another host still reaches a new client of that
# server in the middle of it (before the share, the spray took the whole
# budget and the other host's first packets lost the race for it). The
# spray (tsend, from host6's native address: 32 000 packets at 4000 a
# second) is 16 times its share and 4 times the server's budget; faster,
# the emulated relay's CPU is what drops (its backlog), and that is no
# budget's doing.
CLIENT2=2001:0:c612:1:0:63bf:39ed:ffe9	# 198.18.0.22:40000
OTHER6=2001:db8:2::6	# another site's /48 (on host6, routed by the relay)
reach_client2() {	# from OTHER6; if not, what the relay knew of CLIENT2
	"$IP" netns exec host6 ping -6 -c 3 -i 0.5 -W $((5 * SLOW)) -I $OTHER6 $CLIENT2 &&
		return
	"$IP" netns exec relay "$TEREDOD" show peers dev teredo0 --json |
		grep -o "{[^}]*$CLIENT2[^}]*}"
	"$IP" netns exec relay ethtool -S teredo0 | grep -E 'probe|queue|bubble'
	return 1
}
test_tiny_packets() {
	local q evicted b n d minq share sprayer reach dups tsend

	relay_with_client
	"$IP" -n host6 addr add $OTHER6/64 dev eth0 nodad
	"$IP" -n relay route add 2001:db8:2::/64 dev eth1
	setup_ns client2
	veth client2 eth0 inet client2
	"$IP" -n inet link set client2 master br0
	"$IP" -n client2 addr add 198.18.0.22/24 dev eth0
	"$IP" netns exec client2 "$PEER" client 198.18.0.22:40000 $CLIENT2 600 >/dev/null &
	PIDS+=($!)
	wait_for 10 udp_bound client2 40000
	count_start srv b 'udp dport 3544 ip saddr 198.18.0.10'
	tsend=$(tool tsend) || { check "bench/tsend.c builds" false; return; }
	"$tsend" native -i "host6:eth0:$("$IP" netns exec relay cat /sys/class/net/eth1/address):$("$IP" netns exec host6 cat /sys/class/net/eth0/address)" \
		-n 1000000 -c 32000 -p 4000 -l 62 2>/run/hostile-spray.out &
	sprayer=$!
	sleep 2
	reach_client2 >/run/hostile-reach.out 2>&1 &
	reach=$!
	MAXQ=0 minq=0 dups=0
	while kill -0 $sprayer 2>/dev/null; do
		b=$(queued_bytes) && [ "${b:-0}" -gt "$MAXQ" ] && MAXQ=$b
		read -r n d < <(smallest_queue)
		[ "${n:-0}" -gt 0 ] && minq=$n
		dups=$((dups + ${d:-0}))
		sleep 0.3
	done
	check "another host reaches a new client of the sprayed server in the middle of the spray" \
		eval 'wait $reach || { cat /run/hostile-reach.out; false; }'
	read -r SENT SECS <<<"$(sed -n 's/.*sent \([0-9]*\) packets in \([0-9.]*\) s.*/\1 \2/p' /run/hostile-spray.out)"
	q=$(steady counter -n relay teredo0 tx_queued)
	evicted=$(counter -n relay teredo0 tx_drop_queue_full)
	log "$SENT packets of 48 bytes in $SECS s: tx_queued $q, tx_drop_queue_full $evicted, at most $MAXQ bytes queued, one packet's queue $minq bytes"
	b=$(steady count_of srv b)
	# 250 a second and a second's burst for the sprayer (and a second for
	# the clocks: the sender's and the relay's), 4 at most for the other
	# host's new client; without the share, 1000 a second
	share=$(awk -v s="$SECS" 'BEGIN { printf "%d", 250 * (s + 2) + 4 }')
	check "48-byte packets: a bubble each at most, the sprayer's share of 250 a second ($b, at most $share)" \
		test "$b" -le "$((SENT + 4))" -a "$b" -le "$share"
	check "queued memory within 1 MiB (at most $MAXQ bytes seen, some)" \
		test "$MAXQ" -le 1048576 -a "$MAXQ" -gt 0
	# 48 bytes on the wire, over 512 in memory: 1 MiB of lengths would
	# hold 21 845 of them, 1 MiB of truesize fewer than 2048
	check "charged in truesize: a 48-byte packet's queue holds $minq bytes" \
		test "$minq" -ge 512
	check "the oldest queues made room for the newest" test "$evicted" -ge 1
	check "teredod show peers listed each peer once while the table grew ($dups twice)" \
		test "$dups" = 0
	check "the trusted client still answers" ping_client 2
	stop_daemons
}

# A Teredo address may embed any IPv4: a relay sends nothing to what its
# host routes as a broadcast (here the relay's subnet 198.18.0.0/24).
test_broadcast() {
	local before

	setup
	count_start client b 'udp dport 3544'
	count_start srv b 'udp dport 3544'
	before=$(counter -n relay teredo0 tx_drop_not_global)
	"$IP" netns exec host6 ping -6 -c 2 -i 0.5 -W 1 \
		2001:0:c612:ff:0:63bf:39ed:ffea >/dev/null 2>&1
	check "server 198.18.0.255 embedded: dropped as not global, counted" \
		counter_ge -n relay teredo0 tx_drop_not_global $((before + 2))
	check "no bubble broadcast on the relay's subnet" \
		expect_eq "$(steady count_of client b) $(count_of srv b)" "0 0"
	check "and no peer made for it" \
		expect_eq "$(counter -n relay teredo0 peer_new)" 0
}

# The fast path takes a datagram from one of the relay host's own
# addresses no more than the stack (ip_route_input without accept_local)
# would: a peer whose mapping became local loses its trust, and what it
# then sends is dropped as a loop.
test_local_source() {
	local fwd before

	relay_with_client dev eth0 fastpath on
	check "the client is reached through the fast path" \
		eval 'ping_client 1 && counter_ge -n relay teredo0 rx_fastpath 1'
	count_start host6 e 'icmpv6 type echo-request'
	fresh
	"$IP" -n relay addr add 198.18.0.21/32 dev lo
	# packets to the client keep its entry (with a queue) however
	# long the checks take
	"$IP" netns exec host6 ping -6 -q -i 0.5 -w $((120 * SLOW)) $CLIENT >/dev/null 2>&1 &
	PIDS+=($!)
	before=$(counter -n relay teredo0 rx_drop_loop)
	fwd=$(count_of host6 e)
	check "the peer loses its trust once its mapping is the relay's own" \
		wait_for 10 eval '[ "$(peer_json '\''P is not None and not P["trusted"]'\'')" = True ]'
	raw "$(pkt echo $CLIENT $HOST)" 5
	check "datagrams from an address of the relay's own: dropped as a loop" \
		wait_for 5 counter_ge -n relay teredo0 rx_drop_loop $((before + 5))
	check "none forwarded" expect_eq "$(steady count_of host6 e)" "$fwd"
	# (gone is not trusted either: on a slow kernel the checks outlast the
	# 30 s of an entry whose bubbles are over, between two of its queues)
	check "the peer is still not trusted" \
		expect_eq "$(peer_json 'P is None or not P["trusted"]')" True
	"$IP" -n relay addr del 198.18.0.21/32 dev lo
	stop_daemons
}

# Frames of a VLAN the relay has no device for are the stack's to drop,
# whichever fast path they reach.
test_vlan() {
	local mac0 mac1 fast tx

	relay_with_client dev eth0 fastpath on native eth1
	mac0=$(link_json -n relay eth0 'L["address"]')
	mac1=$(link_json -n relay eth1 'L["address"]')
	check "trusted client reached through both fast paths" \
		eval 'ping_client 2 && counter_ge -n relay teredo0 rx_fastpath 1 &&
		      counter_ge -n relay teredo0 tx_fastpath 1'
	# the client's datagrams to the relay, tagged 7
	"$IP" -n client link add link eth0 name eth0.7 type vlan id 7
	"$IP" -n client link set eth0.7 up
	"$IP" -n client route add 198.18.0.10/32 dev eth0.7
	"$IP" -n client neigh add 198.18.0.10 lladdr "$mac0" dev eth0.7
	fast=$(counter -n relay teredo0 rx_fastpath)
	raw "$(pkt bubble $CLIENT 2001:db8:1::1)" 5
	sleep $((2 * SLOW))
	check "tagged datagrams: not taken by the receive fast path" \
		expect_eq "$(counter -n relay teredo0 rx_fastpath)" "$fast"
	"$IP" -n client route del 198.18.0.10/32 dev eth0.7
	# host6's packets to the client, tagged 7
	"$IP" -n host6 link add link eth0 name eth0.7 type vlan id 7
	"$IP" -n host6 link set eth0.7 up
	"$IP" -n host6 addr add 2001:db8:7::2/64 dev eth0.7 nodad
	"$IP" -n host6 route add $CLIENT/128 via 2001:db8:7::1 dev eth0.7
	"$IP" -n host6 neigh add 2001:db8:7::1 lladdr "$mac1" dev eth0.7
	tx=$(counter -n relay teredo0 tx_fastpath)
	"$IP" netns exec host6 ping -6 -c 3 -i 0.3 -W 1 -I 2001:db8:7::2 $CLIENT >/dev/null 2>&1
	check "tagged packets: not taken by the transmit fast path" \
		expect_eq "$(counter -n relay teredo0 tx_fastpath)" "$tx"
	stop_daemons
}

# --- a client ---------------------------------------------------------------

# Our client (teredod) in the client namespace, without a NAT, qualified by
# our server on srv; the relay namespace plays a relay, a spoofer.
ME="" MYPORT=""
client_setup() {	# [teredod configuration lines]
	local conf=/run/hostile-teredod.conf

	setup
	"$IP" -n relay link del teredo0
	"$IP" -n srv addr add 198.18.0.2/24 dev eth0
	printf 'ServerBindAddress 198.18.0.1\nServerBindAddress2 198.18.0.2\n' \
		>/run/hostile-server.conf
	"$IP" netns exec srv "$TEREDOD" server -f -c /run/hostile-server.conf \
		-p /run/hostile-server.pid >/run/hostile-server.log 2>&1 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	{ echo "ServerAddress 198.18.0.1"; echo "InterfaceName teredo0"
	  printf '%s\n' "$@"; } >"$conf"
	"$IP" netns exec client "$TEREDOD" -f -c "$conf" >/run/hostile-teredod.log 2>&1 &
	PIDS+=($!)
	wait_for 30 client_qualified
	ME=$(client_show 'D["address"]')
	MYPORT=$(client_show 'D["local_port"]')
	log "client $ME at 198.18.0.21:$MYPORT"
}

client_show() {	# EXPR on D
	"$IP" netns exec client "$TEREDOD" show --json teredo0 |
		pyq 'D = json.loads(data); print('"$1"')'
}
client_qualified() { [ "$(client_show 'D["qualified"]')" = True ]; }
cctr() { counter -n client teredo0 "$1"; }

# A packet tap on the client's uplink (skbs are then shared and cloned).
tap_start() {
	"$IP" netns exec client python3 -c '
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
s.settimeout(0.5)
end = time.time() + 600
while time.time() < end:
    try:
        s.recv(65535)
    except OSError:
        pass' &
	PIDS+=($!)
}

# Packets from native sources through a relay the client has not verified
# are held, and each earns one echo test at most: a spoofer cannot make the
# client send more than one packet per packet to its server (nor retry
# tests nobody asked for). Held while fragments arrive with a tap running.
test_client_held() {
	local n=20 i srcs=() before after held

	client_setup
	tap_start
	# the echo tests: 84 bytes (teredod's solicitations are longer)
	count_start srv p "udp dport 3544 ip saddr 198.18.0.21 ip length 84"
	before=$(cctr tx_ping)
	for i in $(seq 1 $n); do
		srcs+=("$(pkt echo 2001:db8:66::$i $ME)")
	done
	"$IP" netns exec relay "$PEER" send 198.18.0.10:3545 198.18.0.21:$MYPORT "${srcs[@]}"
	check "$n datagrams from unverified native sources: held" \
		wait_for 10 eval '[ $(($(cctr rx_held))) -ge '$n' ]'
	after=$(steady cctr tx_ping)
	log "echo tests sent: $((after - before)) for $n held packets"
	check "at most one echo test per held packet" \
		test $((after - before)) -le $n
	check "and none retried once they were paid for (the server got no more)" \
		eval 'got=$(steady count_of srv p); echo "server got $got"; test "$got" -le '$n''
	check "held packets dropped when no answer came" \
		wait_for 15 counter_ge -n client teredo0 rx_drop_unverified $n
	# a source already waiting, then its datagrams in two IPv4
	# fragments: the echo reply check pulls from the second one
	held=$(cctr rx_held)
	"$IP" netns exec relay "$PEER" send 198.18.0.10:3545 198.18.0.21:$MYPORT \
		"$(pkt echo 2001:db8:67::1 $ME)"
	"$IP" netns exec relay "$PEER" raw 198.18.0.10:3545 198.18.0.21:$MYPORT \
		"$(pkt echo 2001:db8:67::1 $ME)" frag 10
	check "fragmented datagrams from a waiting source: held or refused (queue full)" \
		wait_for 10 eval '[ $(($(cctr rx_held) + $(cctr tx_drop_queue_full))) -ge $((held + 11)) ]'
	check "the client stays qualified" client_qualified
	stop_daemons
}

# Bubbles that our server relays with an origin indication are answered by
# a direct bubble to that origin: a spoofer posing as the server gets one
# bubble per forgery at most, and no more than proberate a second to one
# address.
test_client_punch() {
	local sent=300 got ours

	client_setup
	"$IP" -n client link set teredo0 type teredo proberate 20
	count_start relay v "udp dport 40000 ip saddr 198.18.0.21"
	# origin indication for 198.18.0.10:40000, then a bubble from a new
	# Teredo peer each time (the spoofer repeats one: the peer limit
	# of one bubble per 2 s holds it to very few)
	python3 - "$ME" >/run/hostile-punch.hex <<-'EOF'
	import sys, ipaddress, struct
	me = ipaddress.IPv6Address(sys.argv[1]).packed
	oi = b"\0\0" + struct.pack("!H", 40000 ^ 0xffff) + bytes(b ^ 0xff for b in bytes([198, 18, 0, 10]))
	for i in range(300):
	    src = ipaddress.IPv6Address("2001:0:c612:1:0:%x:39ed:ffea" % (0x100 + i)).packed
	    print((oi + struct.pack("!IHBB", 0x60000000, 0, 59, 0) + src + me).hex())
	EOF
	# from the server's own address and port, which teredod server holds
	"$IP" netns exec srv python3 - 198.18.0.21 "$MYPORT" </run/hostile-punch.hex 3<&0 <<-'EOF'
	import socket, struct, sys
	dip, dport = sys.argv[1], int(sys.argv[2])
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	for line in open(3):
	    d = bytes.fromhex(line.strip())
	    udp = struct.pack("!HHHH", 3544, dport, 8 + len(d), 0) + d
	    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
	                     0, socket.inet_aton("198.18.0.1"), socket.inet_aton(dip))
	    s.sendto(ip + udp, (dip, 0))
	EOF
	got=$(steady count_of relay v)
	ours=$(counter -n client teredo0 tx_probe_limited)
	log "$sent forged relayed bubbles: $got bubbles to 198.18.0.10:40000, $ours refused"
	check "no more bubbles to the origin than forgeries" test "$got" -le "$sent"
	check "within proberate 20/s (and its burst)" test "$got" -le 60
	check "the refusals are counted" test "$ours" -ge 1
	stop_daemons
}

# Control packets (authentication headers, router advertisements) are
# taken only from the servers teredod talks to: a flood of them from
# elsewhere does not crowd out the server's answers, and teredod qualifies
# again in the middle of it.
test_control_flood() {
	local hex before ok

	client_setup
	# an authentication header (no identity, nonce 0) and a bubble, from
	# random addresses of 198.18.1.0/24, port 3544, two senders
	hex=00010000000000000000000000$(pkt bubble fe80::1 fe80::2)
	for _ in 1 2; do
		"$IP" netns exec relay sh -c "while :; do $PEER spoof 198.18.1.0/24:3544 \
			198.18.0.21:$MYPORT $hex 2000; done" >/dev/null 2>&1 &
		PIDS+=($!)
	done
	before=$(cctr rx_drop_control)
	check "a flood of control packets from everywhere: dropped, counted" \
		wait_for 10 counter_ge -n client teredo0 rx_drop_control $((before + 100))
	# teredod crashes and starts again: it qualifies anew, within the flood
	ok=$(cctr rx_control)
	kill -KILL "${PIDS[1]}"
	wait "${PIDS[1]}" 2>/dev/null
	"$IP" netns exec client "$TEREDOD" -f -c /run/hostile-teredod.conf \
		>>/run/hostile-teredod.log 2>&1 &
	PIDS[1]=$!
	sleep 1
	check "the server's answer to the restarted teredod passed the flood" \
		wait_for 20 counter_ge -n client teredo0 rx_control $((ok + 1))
	check "teredod is qualified, with the same address" \
		eval 'client_qualified && expect_eq "$(client_show "D[\"address\"]")" "$ME"'
	stop_daemons
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
trap stop_daemons EXIT
run_tests test_spray_one_server test_spray_default_budget test_tiny_packets \
	test_broadcast test_local_source test_vlan test_client_held test_client_punch \
	test_control_flood

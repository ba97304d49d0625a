#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Claims of README.md and docs/ that no other selftest exercised (issue 25):
# every counter of the device moved by a packet crafted for its reason,
# with the other drop counters put; a client-mode device under forged
# input (native sources held until the relay test, wrong nonces, forged
# mappings and bubbles, control packets from elsewhere, its rate limits);
# TEREDO_CMD_SEND's limits and the admin-only family; the relay's
# not-served destinations, queue limits, too-big, multicast and no-route
# drops; route classes and PMTU exceptions; the fast path's refusals and
# what it leaves to the stack; the MTU's upper limit; teredod against
# forged answers, and teredod server's capabilities. counter-coverage.sh
# (run here first) checks that every counter of kernel/stats.c is
# asserted by some selftest.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/topology.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER=$HERE/teredo_peer.py
GENL=$HERE/teredo_genl.py
TEREDOD=$HERE/../userspace/teredod/teredod
OUT=$(mktemp -d)
PIDS=()

# client 198.18.0.21:40000 of server 198.18.0.1
CLIENT=2001:0:c612:1:0:63bf:39ed:ffea
HOST=2001:db8:1::2

stop_daemons() {
	[ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	PIDS=()
}

cleanup() {
	stop_daemons
	topo_cleanup
	rm -rf "$OUT"
}
trap cleanup EXIT

veth() {	# NS1 IF1 NS2 IF2
	"$IP" -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	"$IP" -n "$1" link set "$2" up
	"$IP" -n "$3" link set "$4" up
}

# The Teredo address of a client of SERVER mapped to IP:PORT.
teredo_addr() {	# SERVER IP PORT
	local s c

	IFS=. read -r -a s <<<"$1"
	IFS=. read -r -a c <<<"$2"
	printf '2001:0:%x:%x:0:%x:%x:%x\n' $((s[0] << 8 | s[1])) \
		$((s[2] << 8 | s[3])) $(($3 ^ 0xffff)) \
		$(((c[0] << 8 | c[1]) ^ 0xffff)) $(((c[2] << 8 | c[3]) ^ 0xffff))
}

# Hex of an origin indication (RFC 4380 5.1.1) of IP:PORT.
origin_hex() {	# IP PORT
	local c

	IFS=. read -r -a c <<<"$1"
	printf '0000%04x%02x%02x%02x%02x\n' $(($2 ^ 0xffff)) $((c[0] ^ 255)) \
		$((c[1] ^ 255)) $((c[2] ^ 255)) $((c[3] ^ 255))
}

# Hex of an authentication header without id and value, nonce 1122...
AUTH=000100001122334455667788 AUTH+=00

pkt() { "$PEER" packet "$@"; }

# A router advertisement from a Teredo server's link-local address to a
# client's (what teredod solicits).
ra_hex() { "$PEER" icmp6 134 fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff 0000000000000000000007d0 255; }

snmp6() {	# NS FIELD: a counter of /proc/net/snmp6
	"$IP" netns exec "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6
}

snmp() {	# NS PROTO FIELD: a counter of /proc/net/snmp
	"$IP" netns exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !n { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1; next }
		$1 == p { print $c }' /proc/net/snmp
}

# --- the device's counters, before and after ---------------------------
#
# snap NS DEV keeps the device's counters; delta_is NS DEV SPEC... then
# checks what moved since: NAME=N (exactly N), NAME>=N, NAME=any (not
# checked); every other drop counter (rx_drop_*, tx_drop_*) must not have
# moved, other counters are not checked. A NAME the device does not have
# fails. Meant for wait_for, which re-reads the counters on every try.
snap() {	# NS DEV
	"$IP" netns exec "$1" ethtool -S "$2" >"$OUT/snap.$1.$2"
}

delta_is() {	# NS DEV [NAME=N|NAME>=N|NAME=any]...
	local ns=$1 dev=$2

	shift 2
	"$IP" netns exec "$ns" ethtool -S "$dev" |
	awk -v spec="$*" -v snapf="$OUT/snap.$ns.$dev" '
	BEGIN {
		while ((getline l < snapf) > 0) {
			split(l, f, " ")
			if (f[1] ~ /:$/)
				old[substr(f[1], 1, length(f[1]) - 1)] = f[2]
		}
		n = split(spec, s, " ")
		for (i = 1; i <= n; i++) {
			if (s[i] ~ />=/) {
				split(s[i], kv, ">=")
				op[kv[1]] = ">="
			} else {
				split(s[i], kv, "=")
				op[kv[1]] = kv[2] == "any" ? "any" : "="
			}
			val[kv[1]] = kv[2] + 0
		}
	}
	$1 ~ /:$/ {
		k = substr($1, 1, length($1) - 1)
		d = $2 - old[k]
		seen[k] = 1
		if (d)
			moved = moved " " k "+" d
		if (!(k in op)) {
			if (k ~ /_drop_/ && d)
				bad = bad k " moved by " d ", want 0\n"
		} else if (op[k] == "=" && d != val[k]) {
			bad = bad k " moved by " d ", want " val[k] "\n"
		} else if (op[k] == ">=" && d < val[k]) {
			bad = bad k " moved by " d ", want >= " val[k] "\n"
		}
	}
	END {
		for (k in op)
			if (!(k in seen))
				bad = bad "no counter " k "\n"
		if (bad == "")
			exit 0
		printf "%s", bad
		print "moved:" moved
		exit 1
	}'
}

# --- a relay: namespaces net (server 198.18.0.1, client 198.18.0.21, the
# "Internet"), relay (198.18.0.10; 2001:db8:1::1 to host6), host6 -------

setup_relay() {	# [more "ip link add teredo0" options]
	setup_ns net relay host6
	veth net eth0 relay eth0
	veth relay eth1 host6 eth0
	"$IP" -n net -batch - <<-EOF
	addr add 198.18.0.1/24 dev eth0
	addr add 198.18.0.21/24 dev eth0
	EOF
	"$IP" -n relay -batch - <<-EOF
	addr add 198.18.0.10/24 dev eth0
	addr add 2001:db8:1::1/64 dev eth1 nodad
	link add teredo0 type teredo mode relay local 198.18.0.10 maxpeers 1024 $*
	link set teredo0 up
	route add 2001::/32 via fe80::1 dev teredo0
	EOF
	"$IP" netns exec relay sysctl -qw net.ipv6.conf.all.forwarding=1
	"$IP" -n host6 -batch - <<-EOF
	addr add $HOST/64 dev eth0 nodad
	route add 2001::/32 via 2001:db8:1::1
	EOF
}

# The scripted server and client answering in net: the relay's bubble
# exchange works, the client answers pings.
start_talking() {
	"$IP" netns exec net "$PEER" server 198.18.0.1 900 &
	PIDS+=($!)
	"$IP" netns exec net "$PEER" client 198.18.0.21:40000 $CLIENT 900 >/dev/null &
	PIDS+=($!)
	wait_for 10 udp_bound net 3544 && wait_for 10 udp_bound net 40000
}

ping_client() { "$IP" netns exec host6 ping -6 -c 1 -W 3 "${@:2}" "${1:-$CLIENT}" >/dev/null; }
# The client trusted and fresh in the relay's peer list (an entry lives
# 30 s after its last packet: on a slow kernel the checks before may take
# that long). Only where the path works: every failed try costs 3 s.
# shellcheck disable=SC2120 # fresh $CLIENT2 is called from an eval
fresh() { wait_for 10 ping_client "$@"; }

# Crafted datagrams from net, one a line on stdin ("FROM PREFIX KIND SRC
# DST", see teredo_peer.py craft): to the relay, to the client.
to_relay() { "$IP" netns exec net "$PEER" craft 198.18.0.10:3544; }
to_client() { "$IP" netns exec net "$PEER" craft 198.18.0.21:40000; }

# Datagrams from host6, one UDP payload of BYTES to each destination.
host6_udp() {	# BYTES DST...
	"$IP" netns exec host6 python3 - "$@" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	for dst in sys.argv[2:]:
	    s.sendto(b"x" * int(sys.argv[1]), (dst, 9))
	EOF
}

# Packets handed to DEV's transmit function as they are, by a packet socket.
inject() {	# NS DEV [ETHERTYPE HEX]...
	"$IP" netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
for t, h in zip(sys.argv[2::2], sys.argv[3::2]):
    s.sendto(bytes.fromhex(h), (sys.argv[1], int(t, 0)))' "${@:2}"
}

# Is a UDP socket bound to IP:PORT in the namespace?
bound() {	# NS IP:PORT
	"$IP" netns exec "$1" ss -Hlun "src $2" | grep -q .
}

# A Teredo destination nobody answers for (mapped to 198.18.0.77).
SILENT=$(teredo_addr 198.18.0.1 198.18.0.77 7777)

# A trusted peer is sent by its route class's route without a lookup; a
# route with a PMTU exception belongs to its destination alone and gets no
# class. Client 2 at 198.18.4.118:40000 is in 198.18.0.21's route slot
# (relay.sh test_routes): sent in turn, the two take their slot from each
# other, so that without a class every packet is looked up.
CLIENT2=2001:0:c612:1:0:63bf:39ed:fb89
ping_pinned() { taskset -c 0 "$IP" netns exec host6 ping -6 -c 1 -W 2 "$1" >/dev/null; }
alternate() { ping_pinned $CLIENT && ping_pinned $CLIENT2 && ping_pinned $CLIENT && ping_pinned $CLIENT2; }
no_lookup_alternating() {
	snap relay teredo0
	alternate && delta_is relay teredo0 tx_route_lookup=0
}

# shellcheck disable=SC2034 # variables used in evals
test_relay() {
	local out fwd secs total biggest kept first last

	setup_relay
	snap relay teredo0
	start_talking
	check "native host pings the client through the relay" fresh
	check "peer_trusted: the client trusted once, by its bubble" \
		wait_for 5 delta_is relay teredo0 peer_new=1 peer_trusted=1 \
			tx_queued'>=1' tx_bubble'>=1' rx_bubble'>=1'

	# destinations a relay does not serve (RFC 4380 5.4.2), from the
	# trusted client; and a global one that it does
	fresh
	snap relay teredo0
	fwd=$(snmp6 relay Ip6OutForwDatagrams)
	to_relay <<-EOF
	198.18.0.21:40000 - udp $CLIENT ::1
	198.18.0.21:40000 - udp $CLIENT ::ffff:198.18.0.99
	198.18.0.21:40000 - udp $CLIENT fec0::1
	198.18.0.21:40000 - udp $CLIENT ::
	EOF
	check "to ::1, ::ffff:198.18.0.99, fec0::1 and ::: rx_drop_not_served, each, none forwarded" \
		eval 'wait_for 5 delta_is relay teredo0 rx_drop_not_served=4 &&
		      expect_eq "$(snmp6 relay Ip6OutForwDatagrams)" $fwd'
	echo "198.18.0.21:40000 - udp $CLIENT $HOST" | to_relay
	check "to a global address: served, forwarded" \
		eval 'wait_for 5 test "$(snmp6 relay Ip6OutForwDatagrams)" -gt $fwd &&
		      delta_is relay teredo0 rx_drop_not_served=4'

	# larger than the device's MTU: only a route whose MTU is locked
	# above it lets the stack hand such a packet to the device
	"$IP" -n relay route replace 2001::/32 via fe80::1 dev teredo0 mtu lock 1500
	fresh
	snap relay teredo0
	out=$("$IP" netns exec host6 ping -6 -c 1 -W 3 -s 1300 -M "do" $CLIENT 2>&1)
	check "1348 bytes to the device: ICMPv6 packet too big, mtu 1280; tx_drop_too_big" \
		eval 'grep -q "Packet too big: mtu=1280" <<<"$out" &&
		      wait_for 5 delta_is relay teredo0 tx_drop_too_big=1'
	"$IP" -n relay route replace 2001::/32 via fe80::1 dev teredo0

	# no IPv4 route to a trusted peer's mapping
	fresh
	"$IP" -n relay route add unreachable 198.18.0.21/32
	snap relay teredo0
	ping_client "" -W 1
	check "no IPv4 route to the client: tx_drop_no_route, after a lookup" \
		wait_for 5 delta_is relay teredo0 tx_drop_no_route=1 tx_route_lookup=1
	"$IP" -n relay route del unreachable 198.18.0.21/32
	check "route back: the client answers" fresh

	# packets the stack would not send to a Teredo device
	snap relay teredo0
	inject relay teredo0 0x0800 4500001c00000000401100000a0000010a0000020009000900080000 \
		0x86dd "$(pkt udp 2001:db8:1::1 ff0e::1)" \
		0x86dd "$(pkt udp 2001:db8:1::1 2001:db8:2::1)"
	check "an IPv4 packet, one to ff0e::1, one to a native address: tx_drop_bad_proto, tx_drop_multicast, tx_drop_not_teredo" \
		wait_for 5 delta_is relay teredo0 tx_drop_bad_proto=1 tx_drop_multicast=1 \
			tx_drop_not_teredo=1

	# a peer's queue holds 8 KiB of truesize (a 1024-byte packet takes
	# over 2 KiB): 5 packets of 1024 bytes to a peer that never answers
	# (its queue may be given up meanwhile)
	snap relay teredo0
	host6_udp 976 $SILENT $SILENT $SILENT $SILENT $SILENT
	check "5 x 1024 bytes to a silent peer: what fits in 8 KiB queued, the rest tx_drop_queue_full" \
		wait_for 5 delta_is relay teredo0 'tx_queued>=3' 'tx_drop_queue_full>=1' \
			tx_drop_unreachable=any peer_new=1

	# the MTU's upper limit, 65507, end to end
	fresh
	"$IP" -n relay link set teredo0 mtu 65507
	check "MTU 65507: a 65507-byte ping from the relay's host, answered" \
		"$IP" netns exec relay ping -6 -c 1 -W 10 -s 65459 -M "do" $CLIENT
	check "65508 bytes: too big for the device" \
		fails_with "message too long" \
		"$IP" netns exec relay ping -6 -c 1 -W 2 -s 65460 -M "do" $CLIENT

	# route classes and PMTU exceptions
	"$IP" -n net addr add 198.18.4.118/24 dev eth0
	"$IP" -n relay route add 198.18.4.0/24 dev eth0
	"$IP" netns exec net "$PEER" client 198.18.4.118:40000 $CLIENT2 900 >/dev/null &
	PIDS+=($!)
	check "a second client in the first one's route slot, both reachable" \
		eval 'wait_for 10 bound net 198.18.4.118:40000 && fresh && fresh $CLIENT2'
	check "sent in turn: routes from their classes, no lookup" \
		wait_for 15 no_lookup_alternating
	"$IP" netns exec net "$PEER" icmp-frag 198.18.0.1 198.18.0.10:3544 198.18.0.21:40000 1300
	"$IP" netns exec net "$PEER" icmp-frag 198.18.0.1 198.18.0.10:3544 198.18.4.118:40000 1300
	check "an ICMP fragmentation needed for each: PMTU exceptions in the relay" \
		eval 'wait_for 5 eval "\"\$IP\" -n relay route get 198.18.0.21 | grep -q \"mtu 1300\"" &&
		      "$IP" -n relay route get 198.18.4.118 | grep -q "mtu 1300"'
	fresh && fresh $CLIENT2	# a peer gone meanwhile would be bubbled anew
	snap relay teredo0
	# with a class, a trusted peer's packets are sent without a lookup
	# (0 or 1 of 8); without, nearly every one is looked up (a loaded
	# machine saw 7 of 8: one found its route in the slot cache)
	check "sent in turn, twice: looked up (6 of 8 at least), no class for an exception" \
		eval 'alternate && alternate && delta_is relay teredo0 tx_route_lookup">="6'

	# a device that is down, and one that lost its socket
	"$IP" -n relay link add teredo1 type teredo mode relay local 198.18.0.10 port 3545
	snap relay teredo1
	"$IP" netns exec net "$PEER" raw 198.18.0.21:40000 198.18.0.10:3545 \
		"$(pkt echo $CLIENT $HOST)" 2
	check "a datagram to a device that is down: rx_drop_dev_down" \
		wait_for 5 delta_is relay teredo1 rx_drop_dev_down=2
	"$IP" -n relay link set teredo1 up
	snap relay teredo1
	"$IP" netns exec net "$PEER" raw 198.18.0.21:40000 198.18.0.10:3545 \
		"$(pkt echo $CLIENT $HOST)"
	check "the same, up: rx_drop_unknown_peer instead" \
		wait_for 5 delta_is relay teredo1 rx_drop_unknown_peer=1
	# A change of address whose port another socket holds is refused,
	# and the device keeps its socket; then its address goes: what it
	# sends finds no route from it.
	"$IP" -n relay addr add 198.18.0.12/24 dev eth0
	"$IP" -n relay link add teredo2 type teredo mode relay local 198.18.0.12 port 3546
	"$IP" -n relay link set teredo2 up
	"$IP" -n relay route add $SILENT/128 dev teredo2
	"$IP" netns exec relay python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.10", 3547))
time.sleep(900)' &
	PIDS+=($!)
	wait_for 10 udp_bound relay 3547
	check "rebinding to a port another socket holds: refused" \
		fails_with "UDP port already in use" \
		"$IP" -n relay link set teredo2 type teredo local 198.18.0.10 port 3547
	check "the device kept its socket and its configuration" \
		eval 'bound relay 198.18.0.12:3546 &&
		      expect_eq "$(link_json -n relay teredo2 "(L[\"linkinfo\"][\"info_data\"][\"local\"], L[\"linkinfo\"][\"info_data\"][\"port\"])")" \
			"('"'"'198.18.0.12'"'"', 3546)"'
	"$IP" -n relay addr del 198.18.0.12/24 dev eth0
	snap relay teredo2
	"$IP" netns exec relay ping -6 -c 1 -W 1 $SILENT >/dev/null
	check "its address gone: its bubble finds no route from it, tx_drop_no_route" \
		wait_for 5 delta_is relay teredo2 tx_drop_no_route=1 tx_queued=1 tx_bubble=1 \
			tx_drop_unreachable=any

	# The device's queues hold 1 MiB of truesize in all; when they are
	# full, the queues that waited longest go to make room (a flood must
	# not keep new peers out). 300 silent peers get one packet of 2048
	# bytes each (over 4 KiB of truesize, more than 1 MiB in all), from
	# the relay's host; the queues are read at once, before the first is
	# given up on (8 s). One sender pays for a quarter of proberate: 4000
	# lets it pay for all 300 probes (this is about memory).
	"$IP" -n relay link set teredo0 type teredo proberate 4000
	snap relay teredo0
	"$IP" netns exec relay python3 - "$TEREDOD" >"$OUT/queues" <<-'EOF'
	import json, socket, subprocess, sys, time
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, 32, 16 << 20)	# SO_SNDBUFFORCE
	dsts = ["2001:0:c612:1:0:8000:39ed:%x" % (0xe000 + i) for i in range(300)]
	t = time.time()
	for d in dsts:
	    s.sendto(b"x" * 2000, (d, 9))
	sent = time.time() - t
	peers = json.loads(subprocess.run([sys.argv[1], "show", "peers", "dev", "teredo0", "--json"],
	                                  capture_output=True, check=True).stdout)
	q = {p["address"]: p["queue"] for p in peers}
	got = [q.get(d) for d in dsts]
	print("%.3f" % sent, sum(x or 0 for x in got), max(x or 0 for x in got),
	      sum(1 for x in got if x), got[0], got[-1])
	EOF
	read -r secs total biggest kept first last <"$OUT/queues"
	log "300 packets of 2048 bytes sent in $secs s: $total bytes queued in $kept queues (largest $biggest), first $first, last $last"
	check "the queues filled 1 MiB and stayed within it" \
		eval '[ "$total" -le 1048576 ] && [ "$((total + biggest))" -gt 1048576 ]'
	# the oldest go first, as the retry worker last left them: a round
	# of it during the burst (its batches between new queues) can put
	# later queues first (seen once under load: the first kept, 240 kept)
	check "the newest peer queued, older queues gone (the oldest first: $first), their peers kept" \
		eval '[ "$last" -gt 0 ] && [ "$kept" -lt 300 ]'
	check "every packet queued; those of the queues let go: tx_drop_queue_full" \
		delta_is relay teredo0 tx_queued=300 tx_drop_queue_full=$((300 - kept)) \
			peer_new=300 tx_drop_unreachable=any
	stop_daemons
}

# The MTU's upper limit: 65507, the largest UDP payload.
test_mtu() {
	setup_ns a
	check "ip link add ... mtu 65507: accepted" \
		eval '"$IP" -n a link add t1 mtu 65507 type teredo &&
		      expect_eq "$(link_json -n a t1 "(L[\"mtu\"], L[\"max_mtu\"])")" "(65507, 65507)"'
	check "ip link add ... mtu 65508: refused by the kernel" \
		fails_with "MTU above 65507, the largest UDP payload" \
		"$IP" -n a link add t2 mtu 65508 type teredo port 3545
	check "ip link add ... type teredo mtu 65507: accepted" \
		eval '"$IP" -n a link add t3 type teredo port 3546 mtu 65507 &&
		      expect_eq "$(link_json -n a t3 "L[\"mtu\"]")" 65507'
	check "ip link add ... type teredo mtu 65508: refused by the kernel" \
		fails_with "MTU above 65507, the largest UDP payload" \
		"$IP" -n a link add t4 type teredo port 3547 mtu 65508
	"$IP" -n a link set t1 mtu 1500
	check "ip link set ... mtu 65508: refused" \
		fails_with "mtu greater than device maximum" "$IP" -n a link set t1 mtu 65508
	check "ip link set ... type teredo mtu 65508: refused" \
		fails_with "MTU above 65507, the largest UDP payload" \
		"$IP" -n a link set t1 type teredo mtu 65508
	check "the refusals left the MTU as it was" \
		expect_eq "$(link_json -n a t1 'L["mtu"]')" 1500
	check "ip link set ... mtu 65507 and ... type teredo mtu 65507: accepted" \
		eval '"$IP" -n a link set t1 mtu 65507 &&
		      "$IP" -n a link set t3 type teredo mtu 1280 &&
		      "$IP" -n a link set t3 type teredo mtu 65507 &&
		      expect_eq "$(link_json -n a t1 "L[\"mtu\"]") $(link_json -n a t3 "L[\"mtu\"]")" "65507 65507"'
	check "nothing was left behind by the refusals" \
		test "$("$IP" -n a -o link show type teredo | wc -l)" = 2
	# the help gives the largest MTU the kernel takes (it said 65535)
	check "ip link help teredo gives the kernel's range, 1280..65507" \
		eval '"$IP" link help teredo 2>&1 | grep -q "MTU  := 1280..65507"'
}

# --- a client-mode device set up by hand, driven as teredod would: net
# holds the server 198.18.0.1, relays .10 and .11, peers .50, an attacker
# .66; client 198.18.0.21, teredo0 on port 40000, qualified as CLIENT ----

P=$(teredo_addr 198.18.0.1 198.18.0.50 5000)	# a Teredo peer
H1=2001:db8:1::2 H2=2001:db8:1::3 H3=2001:db8:1::4 H4=2001:db8:1::5

setup_client() {
	setup_ns net client
	veth net eth0 client eth0
	"$IP" -n net -batch - <<-EOF
	addr add 198.18.0.1/24 dev eth0
	addr add 198.18.0.10/24 dev eth0
	addr add 198.18.0.11/24 dev eth0
	addr add 198.18.0.50/24 dev eth0
	addr add 198.18.0.66/24 dev eth0
	route add 10.0.0.0/8 dev eth0
	EOF
	"$IP" -n client -batch - <<-EOF
	addr add 198.18.0.21/24 dev eth0
	route add 10.0.0.0/8 dev eth0
	link add teredo0 type teredo mode client local 198.18.0.21 port 40000
	link set teredo0 up
	addr add $CLIENT/32 dev teredo0 nodad
	route add ::/0 dev teredo0 metric 1029
	EOF
}

qualify() { "$IP" netns exec client "$GENL" set-client teredo0 $CLIENT 3; }

# The relay test (teredo_peer.py relay-test) of the client for the native
# source SRC sending through RELAY; ANSWER: the relay the answer comes
# through. Prints the nonce, what came early and where the packet went.
relay_test() {	# RELAY SRC [ANSWER [wrong [SECONDS]]]
	"$IP" netns exec net "$PEER" relay-test 198.18.0.1 "$1" 198.18.0.21:40000 \
		"$2" $CLIENT "${@:3}"
}
outcome() { sed 1d <<<"$1" | tr '\n' ' '; }

peer_is() {	# ADDRESS EXPR on P: the client's peer entry (None if none)
	"$IP" netns exec client "$TEREDOD" show peers dev teredo0 --json |
		pyq '
P = [p for p in json.loads(data) if p["address"] == argv[0]]
P = P[0] if P else None
print('"$2"')' "$1"
}

echos_in() { snmp6 client Icmp6InEchos; }

# shellcheck disable=SC2034 # variables used in evals
test_client() {
	local out echos p2 p10

	setup_client
	snap client teredo0
	echo "198.18.0.50:5000 - echo $P $CLIENT" | to_client
	check "not qualified: a packet from a peer is rx_drop_offline" \
		wait_for 5 delta_is client teredo0 rx_drop_offline=1
	check "qualified by a TEREDO_CMD_SET_CLIENT request, as teredod does" qualify
	snap client teredo0
	echos=$(echos_in)
	echo "198.18.0.50:5000 - echo $P $CLIENT" | to_client
	check "qualified: the same packet taken (from the mapping in its address), delivered" \
		eval 'wait_for 5 delta_is client teredo0 peer_new=1 peer_trusted=1 &&
		      wait_for 5 test "$(echos_in)" -gt $echos'

	# Packets from native sources come through relays: held until the
	# relay test (an echo request with a random nonce through our server)
	# comes back with the nonce through the same relay.
	snap client teredo0
	out=$(relay_test 198.18.0.10:3544 $H1)
	log "$(tr '\n' ' ' <<<"$out")"
	check "from a native source through a relay: held until the relay test's answer, then delivered" \
		expect_eq "$(outcome "$out")" "early 0 delivered 198.18.0.10:3544 "
	check "counted: rx_held, tx_ping (an echo request with the nonce, to our server), peer_trusted" \
		wait_for 5 delta_is client teredo0 rx_held=1 tx_ping'>=1' peer_new=1 peer_trusted=1
	check "the peer list: trusted, at the relay's address" \
		expect_eq "$(peer_is $H1 '(P["trusted"], P["ip"], P["port"])')" \
		"(True, '198.18.0.10', 3544)"
	snap client teredo0
	echos=$(echos_in)
	echo "198.18.0.10:3544 - echo $H1 $CLIENT" | to_client
	check "from then on, through that relay: delivered at once" \
		eval 'wait_for 5 test "$(echos_in)" -gt $echos &&
		      delta_is client teredo0 rx_held=0 tx_ping=0'

	snap client teredo0
	# right after data went to it through the first (an anycast relay
	# that changed): the test goes at once, not TEREDO_BUBBLE_GAP later
	out=$(relay_test 198.18.0.11:3544 $H1 198.18.0.11:3544 - 5 198.18.0.10:3544)
	log "$(tr '\n' ' ' <<<"$out")"
	check "the same source through another relay: held, tested again, delivered" \
		expect_eq "$(outcome "$out")" "early 0 delivered 198.18.0.11:3544 "
	check "the test went at once, though the client had just answered through the first relay" \
		eval 'read -r _ _ _ after <<<"$out" && awk -v a="$after" "BEGIN { exit !(a ~ /^[0-9.]+\$/ && a + 0 < 1) }"'
	check "counted: rx_held, tx_ping; the peer trusted again, at that relay" \
		eval 'wait_for 5 delta_is client teredo0 rx_held=1 tx_ping">=1" peer_new=0 peer_trusted=1 &&
		      expect_eq "$(peer_is $H1 "(P[\"trusted\"], P[\"ip\"])")" "(True, '"'"'198.18.0.11'"'"')"'
	# the relay that changed bubbles first, through our server: the
	# client's direct bubble to it goes at once, though data has just
	# gone to that peer at the relay it trusted
	after=$(PYTHONPATH=$HERE "$IP" netns exec net python3 - $H1 $CLIENT <<-'EOF'
	import select, socket, struct, sys, time
	import teredo_peer as tp
	h1, me = tp.addr(sys.argv[1]), tp.addr(sys.argv[2])
	socks = {}
	for a in (("198.18.0.1", 3544), ("198.18.0.10", 3544), ("198.18.0.11", 3544)):
	    socks[a] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    socks[a].bind(a)
	old, new = socks[("198.18.0.11", 3544)], socks[("198.18.0.10", 3544)]
	old.sendto(tp.icmp6(h1, me, 128, b"\0\1\0\1data"), ("198.18.0.21", 40000))
	if not select.select([old], [], [], 5)[0]:
	    sys.exit("no answer through .11")
	old.recvfrom(2048)
	origin = b"\0\0" + struct.pack("!H", 3544 ^ 0xFFFF) + \
	    bytes(b ^ 0xFF for b in socket.inet_aton("198.18.0.10"))
	t0 = time.time()
	socks[("198.18.0.1", 3544)].sendto(origin + tp.bubble(h1, me), ("198.18.0.21", 40000))
	while time.time() < t0 + 4:
	    if select.select([new], [], [], 0.05)[0]:
	        data, src = new.recvfrom(2048)
	        if src == ("198.18.0.21", 40000) and data[6] == 59:
	            print("%.2f" % (time.time() - t0))
	            sys.exit(0)
	print("none")
	EOF
	)
	log "direct bubble to the new relay after $after s"
	check "a bubble relayed from another relay of a trusted native peer: answered at once" \
		awk -v a="$after" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 < 1) }'

	snap client teredo0
	out=$(relay_test 198.18.0.10:3544 $H2 198.18.0.10:3544 wrong 12)
	log "$(tr '\n' ' ' <<<"$out")"
	check "an answer with a wrong nonce: not delivered" \
		expect_eq "$(outcome "$out")" "early 0 delivered none "
	# a probe is paid for by a packet held (amplification: at most one
	# packet sent for one received)
	check "the answer held too: each of the two paid for one echo request; both dropped: rx_drop_unverified" \
		wait_for 10 delta_is client teredo0 rx_held=2 tx_ping=2 rx_drop_unverified=2 \
			peer_trusted=0

	snap client teredo0
	out=$(relay_test 198.18.0.10:3544 $H3 198.18.0.11:3544)
	log "$(tr '\n' ' ' <<<"$out")"
	check "held from relay .10, answered through relay .11: not delivered" \
		expect_eq "$(outcome "$out")" "early 0 delivered none "
	check "relay .11 trusted, the packet from .10 dropped: rx_drop_unverified" \
		eval 'wait_for 5 delta_is client teredo0 rx_held=1 tx_ping">=1" rx_drop_unverified=1 \
			peer_trusted=1 &&
		      expect_eq "$(peer_is $H3 "(P[\"trusted\"], P[\"ip\"])")" "(True, '"'"'198.18.0.11'"'"')"'

	# Teredo sources must come from the mapping in their address (or a
	# trusted peer's); what is for another address is not ours.
	p2=$(teredo_addr 198.18.0.1 198.18.0.51 5001)
	p10=$(teredo_addr 198.18.0.1 10.0.0.5 5000)
	snap client teredo0
	to_client <<-EOF
	198.18.0.66:5001 - echo $p2 $CLIENT
	198.18.0.66:5000 - echo $P $CLIENT
	198.18.0.66:5001 - bubble $p2 $CLIENT
	EOF
	check "a Teredo source sent from another IPv4, a trusted peer's address from another mapping, a forged bubble: rx_drop_bad_mapping, each" \
		wait_for 5 delta_is client teredo0 rx_drop_bad_mapping=3 peer_new=0 \
			rx_bubble=0 tx_bubble=0
	snap client teredo0
	echo "10.0.0.5:5000 - echo $p10 $CLIENT" | to_client
	check "a mapping in a private network, from it (CVE-2006-6264): rx_drop_bad_mapping" \
		wait_for 5 delta_is client teredo0 rx_drop_bad_mapping=1 peer_new=0
	snap client teredo0
	to_client <<-EOF
	198.18.0.66:3544 $(origin_hex 198.18.0.51 5001) bubble $p2 $CLIENT
	198.18.0.1:3545 $(origin_hex 198.18.0.51 5001) bubble $p2 $CLIENT
	EOF
	check "bubbles with an origin indication, not from the server's address and port: bad mapping, no bubble sent" \
		wait_for 5 delta_is client teredo0 rx_drop_bad_mapping=2 rx_bubble=0 tx_bubble=0
	snap client teredo0
	to_client <<-EOF
	198.18.0.10:3544 - udp fe80::1 $CLIENT
	198.18.0.10:3544 - udp ::1 $CLIENT
	198.18.0.10:3544 - udp ff02::1 $CLIENT
	198.18.0.10:3544 - udp ::ffff:198.18.0.9 $CLIENT
	10.0.0.7:3544 - udp $H1 $CLIENT
	EOF
	check "link-local, loopback, multicast, mapped sources; a relay at a private IPv4: bad mapping" \
		wait_for 5 delta_is client teredo0 rx_drop_bad_mapping=5 rx_held=0 peer_new=0
	snap client teredo0
	to_client <<-EOF
	198.18.0.50:5000 - echo $P 2001:0:c612:1:0:63bf:39ed:ffeb
	198.18.0.10:3544 - echo $H1 2001:db8:1::99
	EOF
	check "to another address, from a peer and through a relay: rx_drop_not_served" \
		wait_for 5 delta_is client teredo0 rx_drop_not_served=2 rx_held=0

	# our own packets: only from our Teredo address
	"$IP" -n client addr add 2001:db8:5::1/128 dev lo
	snap client teredo0
	"$IP" netns exec client ping -6 -c 1 -W 1 -I 2001:db8:5::1 $P >/dev/null
	check "a packet from another address of the host: tx_drop_bad_source" \
		wait_for 5 delta_is client teredo0 tx_drop_bad_source=1
	snap client teredo0
	"$IP" netns exec client ping -6 -c 1 -W 1 $p2 >/dev/null
	check "from our address, to a new peer: queued, bubbled (directly and through its server)" \
		wait_for 5 delta_is client teredo0 tx_queued=1 tx_bubble=2

	snap client teredo0
	"$IP" netns exec net "$PEER" raw 198.18.0.10:3544 198.18.0.21:40000 \
		"$("$PEER" icmp6 129 $H4 $CLIENT 000000000102030405060708)"
	# (nobody answers the test: a slow machine may see it end, its
	# packet dropped, before the counters are read)
	check "an echo reply without a test: held like any other packet, a test started" \
		wait_for 5 delta_is client teredo0 rx_held=1 tx_ping=1 peer_trusted=0 \
			rx_drop_unverified=any tx_drop_unreachable=any
}

# What servers send (an authentication header, or a router advertisement)
# goes to teredod over the "control" group, from port 3544 only, 50 a
# second at most; never to the IPv6 stack.
start_listener() {	# SECONDS
	"$IP" netns exec client "$GENL" listen teredo0 "$1" >"$OUT/listen" 2>&1 &
	PIDS+=($!)
	wait_for 10 grep -q listening "$OUT/listen"
}
notifications() { grep -c '^control from' "$OUT/listen"; }

# COUNT datagrams from IP:PORT to the client, fast; prints the seconds the
# sends took.
burst() {	# FROM_IP:PORT HEX COUNT
	PYTHONPATH=$HERE "$IP" netns exec net python3 -c '
import sys, time, teredo_peer
t = time.time()
teredo_peer.raw(sys.argv[1], "198.18.0.21:40000", sys.argv[2], sys.argv[3])
print("%.3f" % (time.time() - t))' "$@"
}

# At most RATE a second over SECONDS: RATE * (ceil(SECONDS) + 1), the
# windows a burst that long can touch.
rate_bound() {	# RATE SECONDS
	awk -v r="$1" -v t="$2" 'BEGIN { c = int(t); if (c < t) c++; print r * (c + 1) }'
}

# The first datagram that comes to IP:PORT in net, in $OUT/NAME.
record() {	# NAME IP:PORT SECONDS
	rm -f "$OUT/$1"
	"$IP" netns exec net "$PEER" recv "$2" "$3" >"$OUT/$1" 2>/dev/null &
	PIDS+=($!)
	wait_for 10 bound net "$2"
}
recorded() { grep -q "^from " "$OUT/$1"; }

genl_nobody() {	# teredo_genl.py ARGS, as nobody, in the client namespace
	"$IP" netns exec client setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$GENL" "$@"
}

# shellcheck disable=SC2034 # variables used in evals
test_client_control() {
	local t n max ra stack rxp out sent got gaps noports ip

	setup_client
	qualify
	ra=$AUTH$(origin_hex 198.18.0.21 40000)$(ra_hex)
	stack=$(snmp6 client Icmp6InMsgs)
	rxp=$("$IP" netns exec client cat /sys/class/net/teredo0/statistics/rx_packets)
	start_listener 300
	snap client teredo0
	t=$(burst 198.18.0.1:3544 "$ra" 200)
	max=$(rate_bound 50 "$t")
	log "200 control packets sent in $t s: at most $max may pass"
	check "200 from the server at once: each passed or dropped" \
		wait_for 10 eval 'n=$(($(counter -n client teredo0 rx_control) + $(counter -n client teredo0 rx_drop_control))); [ $n = 200 ]'
	n=$(counter -n client teredo0 rx_control)
	log "passed $n"
	check "50 passed in the first second (a burst of 50), no more than 50 a second" \
		eval '[ "$n" -ge 50 ] && [ "$n" -le "$max" ] &&
		      { [ "$n" = 50 ] || awk "BEGIN { exit !($t >= 0.9) }"; }'
	check "the rest counted: rx_drop_control" \
		delta_is client teredo0 rx_control="$n" rx_drop_control=$((200 - n))
	check "teredod's group got exactly those" \
		wait_for 5 expect_eq "$(notifications)" "$n"

	sleep 1.1	# not a proof: the next second's budget
	n=$(notifications)
	snap client teredo0
	echo "198.18.0.1:3544 $AUTH$(origin_hex 198.18.0.21 40000) ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff" | to_client
	check "from the server's port: passed to the control group" \
		eval 'wait_for 5 delta_is client teredo0 rx_control=1 &&
		      wait_for 5 test "$(notifications)" = $((n + 1)) &&
		      grep -q "^control from 198.18.0.1:3544 $ra\$" "$OUT/listen"'
	snap client teredo0
	to_client <<-EOF
	198.18.0.1:3545 $AUTH$(origin_hex 198.18.0.21 40000) ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff
	198.18.0.66:3545 - ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff
	EOF
	check "with an authentication header, or a router advertisement, from another port: rx_drop_control" \
		wait_for 5 delta_is client teredo0 rx_drop_control=2 rx_control=0
	# control packets come only from the servers teredod sent to lately
	snap client teredo0
	echo "198.18.0.66:3544 - ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff" | to_client
	check "a router advertisement from port 3544 of an address we sent nothing to: rx_drop_control" \
		wait_for 5 delta_is client teredo0 rx_drop_control=1 rx_control=0
	check "none of them went to teredod's group, only the server's" \
		eval '! grep -q ":3545 " "$OUT/listen" && ! grep -q "198.18.0.66" "$OUT/listen" &&
		      expect_eq "$(notifications)" $((n + 1))'
	check "nothing reached the IPv6 stack" \
		eval 'expect_eq "$(snmp6 client Icmp6InMsgs) $("$IP" netns exec client cat /sys/class/net/teredo0/statistics/rx_packets)" "$stack $rxp"'
	stop_daemons
	snap client teredo0
	echo "198.18.0.1:3544 $AUTH ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff" | to_client
	check "nobody in the group: rx_drop_control" \
		wait_for 5 delta_is client teredo0 rx_drop_control=1 rx_control=0

	# A bubble our server relays (origin indication) is answered by a
	# direct bubble to its origin: at most 200 a second, one per peer
	# every 2 s.
	noports=$(snmp net Udp NoPorts)
	snap client teredo0
	t=$(PYTHONPATH=$HERE "$IP" netns exec net python3 - $CLIENT <<-'EOF'
	import socket, struct, sys, time
	import teredo_peer as tp
	def teredo(ip, port):
	    return b"\x20\x01\0\0" + socket.inet_aton("198.18.0.1") + b"\0\0" + \
	        struct.pack("!H", port ^ 0xFFFF) + bytes(b ^ 0xFF for b in socket.inet_aton(ip))
	def origin(ip, port):
	    return b"\0\0" + struct.pack("!H", port ^ 0xFFFF) + \
	        bytes(b ^ 0xFF for b in socket.inet_aton(ip))
	me = tp.addr(sys.argv[1])
	pkts = [origin("198.18.0.50", 6000 + i) + tp.bubble(teredo("198.18.0.50", 6000 + i), me)
	        for i in range(600)]
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("198.18.0.1", 3544))
	t = time.time()
	for p in pkts:
	    s.sendto(p, ("198.18.0.21", 40000))
	print("%.3f" % (time.time() - t))
	EOF
	)
	max=$(rate_bound 200 "$t")
	log "600 relayed bubbles from 600 peers sent in $t s: at most $max answers"
	check "600 relayed bubbles taken in" \
		wait_for 10 delta_is client teredo0 rx_bubble=600
	sent=$(($(counter -n client teredo0 tx_bubble) - $(awk '$1 == "tx_bubble:" { print $2 }' "$OUT/snap.client.teredo0")))
	log "answered $sent"
	check "200 answered in the first second, no more than 200 a second" \
		eval '[ "$sent" -ge 200 ] && [ "$sent" -le "$max" ] &&
		      { [ "$sent" = 200 ] || awk "BEGIN { exit !($t >= 0.9) }"; }'
	check "a peer entry for each answer, none for the others" \
		delta_is client teredo0 rx_bubble=600 tx_bubble="$sent" peer_new="$sent"
	check "and the answers went out, to their origins' ports" \
		wait_for 5 test "$(($(snmp net Udp NoPorts) - noports))" = "$sent"

	snap client teredo0
	read -r sent got gaps < <(PYTHONPATH=$HERE "$IP" netns exec net python3 - $CLIENT <<-'EOF'
	import select, socket, struct, sys, time
	import teredo_peer as tp
	me = tp.addr(sys.argv[1])
	peer = b"\x20\x01\0\0" + socket.inet_aton("198.18.0.1") + b"\0\0" + \
	    struct.pack("!H", 5500 ^ 0xFFFF) + bytes(b ^ 0xFF for b in socket.inet_aton("198.18.0.50"))
	pkt = b"\0\0" + struct.pack("!H", 5500 ^ 0xFFFF) + \
	    bytes(b ^ 0xFF for b in socket.inet_aton("198.18.0.50")) + tp.bubble(peer, me)
	srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	srv.bind(("198.18.0.1", 3544))
	rcv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	rcv.bind(("198.18.0.50", 5500))
	t0 = time.time()
	sent, got, nxt = 0, [], t0
	while time.time() < t0 + 4.5:
	    if time.time() >= nxt:
	        srv.sendto(pkt, ("198.18.0.21", 40000))
	        sent += 1
	        nxt += 0.1
	    r, _, _ = select.select([rcv], [], [], max(0, nxt - time.time()))
	    if r:
	        data, src = rcv.recvfrom(2048)
	        if src == ("198.18.0.21", 40000) and data[6] == 59:
	            got.append(time.time() - t0)
	gaps = [b - a for a, b in zip(got, got[1:])]
	print(sent, len(got), ",".join("%.2f" % g for g in gaps) or "-")
	EOF
	)
	log "one peer: $sent relayed bubbles in 4.5 s, $got direct bubbles, gaps $gaps s"
	check "one peer: a direct bubble at most every 2 s (2 or 3 in 4.5 s)" \
		eval '[ "$got" -ge 2 ] && [ "$got" -le 3 ] &&
		      awk -v g="$gaps" "BEGIN { n = split(g, a, \",\"); for (i = 1; i <= n; i++) if (a[i] < 1.9) exit 1 }"'
	check "counted: rx_bubble for each, tx_bubble for the answers" \
		wait_for 5 delta_is client teredo0 rx_bubble="$sent" tx_bubble="$got"
	snap client teredo0
	to_client <<-EOF
	198.18.0.1:3544 $(origin_hex 10.0.0.9 5000) bubble $(teredo_addr 198.18.0.1 10.0.0.9 5000) $CLIENT
	198.18.0.1:3544 $(origin_hex 198.18.0.21 5000) bubble $(teredo_addr 198.18.0.1 198.18.0.21 5000) $CLIENT
	EOF
	check "an origin in a private network, or our own address: no answer" \
		wait_for 5 delta_is client teredo0 rx_bubble=2 tx_bubble=0

	# TEREDO_CMD_SEND: from the device's socket, to port 3544 of a
	# global address only; the family for admins only.
	record srv 198.18.0.1:3544 60
	snap client teredo0
	check "TEREDO_CMD_SEND to our server" \
		"$IP" netns exec client "$GENL" send teredo0 198.18.0.1 0001000011223344556677880060
	check "sent from the device's socket, as given; tx_control" \
		eval 'wait_for 5 recorded srv &&
		      expect_eq "$(cat "$OUT/srv")" "from 198.18.0.21:40000 0001000011223344556677880060" &&
		      delta_is client teredo0 tx_control=1'
	snap client teredo0
	check "to port 3545: refused" \
		fails_with "only the Teredo server port (3544)" \
		"$IP" netns exec client "$GENL" send teredo0 198.18.0.1 00 3545
	check "to port 3544 given explicitly: sent" \
		"$IP" netns exec client "$GENL" send teredo0 198.18.0.1 00 3544
	check "1500 bytes (the largest payload): sent" \
		"$IP" netns exec client "$GENL" send teredo0 198.18.0.1 "$(printf '%03000d' 0)"
	check "the refusal sent nothing, the others did: tx_control 2" \
		wait_for 5 delta_is client teredo0 tx_control=2
	snap client teredo0
	out=$("$IP" netns exec client "$GENL" send-each teredo0 00 10.0.0.1 127.0.0.1 \
		169.254.0.1 172.16.0.1 192.168.0.1 192.88.99.1 224.0.0.1 240.0.0.1 \
		255.255.255.255 0.0.0.0 0.0.0.1)
	for ip in 10.0.0.1 127.0.0.1 169.254.0.1 172.16.0.1 192.168.0.1 \
		  192.88.99.1 224.0.0.1 240.0.0.1 255.255.255.255 0.0.0.0; do
		check "to $ip: refused" \
			grep -qx "$ip: Error: not a global unicast IPv4 address (EINVAL)" <<<"$out"
	done
	# ipv4_is_zeronet() is true for 0.0.0.0 alone since Linux 5.3; all
	# of 0.0.0.0/8 is "this network" (RFC 6890) and was sent to
	check "to 0.0.0.1 (0.0.0.0/8, this network): refused" \
		grep -qx "0.0.0.1: Error: not a global unicast IPv4 address (EINVAL)" <<<"$out"
	check "an empty payload: refused" \
		fails_with "empty payload" "$IP" netns exec client "$GENL" send teredo0 198.18.0.1 ""
	check "1501 bytes: refused" \
		fails_with "Attribute failed policy validation" \
		"$IP" netns exec client "$GENL" send teredo0 198.18.0.1 "$(printf '%03002d' 0)"
	check "the refusals sent nothing" \
		delta_is client teredo0 tx_control="$(grep -c ': sent$' <<<"$out")"
	"$IP" -n client link add teredo1 type teredo mode relay local 198.18.0.21 port 3545
	"$IP" -n client link set teredo1 up
	check "to a relay-mode device: refused" \
		fails_with "not a client-mode device" \
		"$IP" netns exec client "$GENL" send teredo1 198.18.0.1 00
	# Miredo's stock hook sets the device down when the server is lost;
	# teredod must still solicit to qualify again
	"$IP" -n client link set teredo0 down
	snap client teredo0
	check "to a device that is down: sent, tx_control" \
		eval '"$IP" netns exec client "$GENL" send teredo0 198.18.0.1 00 &&
		      wait_for 5 delta_is client teredo0 tx_control=1'
	"$IP" -n client link set teredo0 up

	snap client teredo0
	check "nobody runs without capabilities (the checks below mean something)" \
		eval '"$IP" netns exec client setpriv --reuid=65534 --regid=65534 --clear-groups \
			cat /proc/self/status | grep -q "^CapEff:[[:space:]]*0*$"'
	check "nobody: TEREDO_CMD_SEND refused" \
		fails_with EPERM genl_nobody send teredo0 198.18.0.1 00
	check "nobody: TEREDO_CMD_SET_CLIENT refused" \
		fails_with EPERM genl_nobody set-client teredo0 2001:0:c612:1:0:63bf:39ed:ffeb
	check "nobody: joining the control group refused" \
		fails_with EPERM genl_nobody join teredo control
	check "nobody may join a group that is not admin-only (nlctrl's)" \
		genl_nobody join nlctrl notify
	check "root may join the control group" \
		"$IP" netns exec client "$GENL" join teredo control
	check "nothing sent, the state unchanged" \
		eval 'delta_is client teredo0 tx_control=0 &&
		      expect_eq "$("$IP" netns exec client "$TEREDOD" show --json teredo0 |
			python3 -c "import json,sys; print(json.load(sys.stdin)[\"address\"])")" $CLIENT'
	stop_daemons
}

# teredod with our server (teredod server in net, 198.18.0.1 and .2), a
# client c0 (198.18.0.30) without a NAT: forged server answers, and the
# server's privileges.
test_teredod() {
	local a port pid caps ra e

	setup_ns net c0
	veth net eth0 c0 eth0
	"$IP" -n net -batch - <<-EOF
	addr add 198.18.0.1/24 dev eth0
	addr add 198.18.0.2/24 dev eth0
	EOF
	"$IP" -n c0 addr add 198.18.0.30/24 dev eth0
	mkdir -p "$TOPO_DIR"
	check "teredod server in net" topo_start_teredod_server net
	topo_start_teredod c0
	a=$(topo_wait_teredo_addr c0 teredo0 $((30 * SLOW)))
	check "teredod qualifies against teredod server" test -n "$a"
	log "c0 $a"

	# the running server dropped every capability, yet serves
	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = teredod-server ] && pid=${e##*:}
	done
	caps=$(awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s %s ", $1, $2 }' "/proc/$pid/status")
	log "teredod server (pid $pid): $caps"
	check "teredod server: no capability left (permitted, effective, bounding, ambient)" \
		expect_eq "$caps" "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 "
	check "the test's own shell has some: the reading is real" \
		not grep -q "^CapEff:[[:space:]]*0*$" /proc/$$/status
	check "and the server still answers a solicitation" \
		eval '"$IP" netns exec c0 "$PEER" rs 198.18.0.30:41000 198.18.0.1 5 | grep -q "^ra from 198.18.0.1:3544"'

	# forged answers to teredod's socket, from net (spoofed sources)
	port=$(topo_show c0 'D["local_port"]')
	ra="$AUTH$(origin_hex 198.18.0.30 "$port") ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff"
	snap c0 teredo0
	"$IP" netns exec net "$PEER" craft 198.18.0.30:"$port" <<-EOF
	198.18.0.1:3545 $ra
	198.18.0.66:3545 - ra fe80::8000:f227:39ed:fffe fe80::ffff:ffff:ffff
	EOF
	# (teredod's own refresh may pass meanwhile; the stack's router
	# solicitations and MLD reports to multicast are dropped by the device)
	check "answers from the server's address but another port: dropped, rx_drop_control" \
		wait_for 5 delta_is c0 teredo0 rx_drop_control=2 rx_control=any \
			tx_drop_multicast=any
	snap c0 teredo0
	echo "198.18.0.66:3544 $ra" | "$IP" netns exec net "$PEER" craft 198.18.0.30:"$port"
	check "from port 3544 of an address teredod sent nothing to: dropped, rx_drop_control" \
		wait_for 5 delta_is c0 teredo0 rx_drop_control=1 rx_control=any \
			tx_drop_multicast=any
	check "teredod never saw them" \
		not grep -q ":3545\|198.18.0.66" "$TOPO_DIR/teredod-c0.log"
	check "the address and state stay" \
		eval 'topo_addr_is c0 "$a" && expect_eq "$(topo_show c0 "(D[\"qualified\"], D[\"address\"])")" "(True, '"'"'$a'"'"')"'
	check "none reached the IPv6 stack" \
		expect_eq "$("$IP" netns exec c0 cat /sys/class/net/teredo0/statistics/rx_packets)" 0
	topo_cleanup
}

# --- the relay's fast path -------------------------------------------

test_fastpath_refusals() {
	local msg="already has a receive handler (a bridge port, a bond or team member, a macvlan or ipvlan lower device)"

	setup_ns a
	"$IP" -n a -batch - <<-EOF
	link add dum0 type dummy
	addr add 198.18.0.1/24 dev dum0
	link set dum0 up
	link add veth0 type veth peer name veth1
	link add veth2 type veth peer name veth3
	link add veth4 type veth peer name veth5
	EOF
	# a kernel built without them (a trimmed debug kernel) skips
	if ! "$IP" -n a link add bond9 type bond 2>/dev/null ||
	   ! "$IP" -n a link add mv9 link dum0 type macvlan 2>/dev/null; then
		check "the fast path's refusals # SKIP: no bonding or macvlan in this kernel" true
		return
	fi
	"$IP" -n a link del bond9
	"$IP" -n a link del mv9
	check "a bond with veth0 as a member" \
		eval '"$IP" -n a link add bond1 type bond && "$IP" -n a link set veth0 master bond1'
	check "a bond member as the fast path's uplink: refused" \
		fails_with "$msg" \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on
	check "a macvlan on veth2" "$IP" -n a link add mv0 link veth2 type macvlan
	check "a macvlan's lower device as the uplink: refused" \
		fails_with "$msg" \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth2 fastpath on
	check "as the native device: refused" \
		fails_with "$msg" \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth4 fastpath on native veth2
	check "nothing was left behind by the refusals" \
		test "$("$IP" -n a -o link show type teredo | wc -l)" = 0
	check "once free, both carry the fast path" \
		eval '"$IP" -n a link set veth0 nomaster && "$IP" -n a link del mv0 &&
		      "$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on native veth2'
	check "the other way: the uplink cannot join a bond" \
		fails_with "cannot be enslaved" "$IP" -n a link set veth0 master bond1
	check "nor carry a macvlan" \
		fails_with "Device or resource busy" "$IP" -n a link add mv1 link veth0 type macvlan
	check "nor the native device" \
		fails_with "Device or resource busy" "$IP" -n a link add mv1 link veth2 type macvlan
	check "the fast path stays on" \
		expect_eq "$(link_json -n a t1 '(L["linkinfo"]["info_data"]["fastpath"], L["linkinfo"]["info_data"].get("native"))')" \
		"(True, 'veth2')"
}

# What the native side's fast path takes, and what it leaves to the
# stack: "TX_FASTPATH FORWARDED TX_QUEUED INADDRERRORS" since psnap.
paths() {
	echo "$(counter -n relay teredo0 tx_fastpath) $(snmp6 relay Ip6OutForwDatagrams)" \
		"$(counter -n relay teredo0 tx_queued) $(snmp6 relay Ip6InAddrErrors)"
}
psnap() { read -r -a PSNAP <<<"$(paths)"; }
paths_moved() {	# EXPECTED
	local now

	read -r -a now <<<"$(paths)"
	expect_eq "$((now[0] - PSNAP[0])) $((now[1] - PSNAP[1])) $((now[2] - PSNAP[2])) $((now[3] - PSNAP[3]))" "$1"
}

test_fastpath_paths() {
	setup_relay dev eth0 fastpath on native eth1
	start_talking
	check "the client answers through the fast paths" fresh
	psnap
	host6_udp 10 $CLIENT
	check "a trusted peer: taken by the fast path, not forwarded by IPv6" \
		wait_for 5 paths_moved "1 0 0 0"
	psnap
	host6_udp 10 $SILENT
	check "a peer not trusted: left to the stack, forwarded, queued by teredo0" \
		wait_for 5 paths_moved "0 1 1 0"
	fresh
	"$IP" netns exec relay sysctl -qw net.ipv6.conf.all.forwarding=0
	psnap
	host6_udp 10 $CLIENT
	check "IPv6 forwarding off: left to the stack, which refuses to forward" \
		wait_for 5 paths_moved "0 0 0 1"
	"$IP" netns exec relay sysctl -qw net.ipv6.conf.all.forwarding=1
	fresh
	psnap
	host6_udp 10 $CLIENT
	check "forwarding on again: the fast path" wait_for 5 paths_moved "1 0 0 0"
	stop_daemons
}

# delta_is itself, on made-up counters (a fake ip prints them; names that
# are no counter of the device, for counter-coverage.sh): it must refuse
# what it is there to catch.
fake_delta() {	# BEFORE AFTER SPEC...: delta_is on made-up counters
	(
		IP=$OUT/fake-ip
		printf '#!/bin/sh\ncat "$FAKE"\n' >"$IP"
		chmod +x "$IP"
		printf 'NIC statistics:\n%b' "$1" >"$OUT/fake.1"
		printf 'NIC statistics:\n%b' "$2" >"$OUT/fake.2"
		shift 2
		FAKE=$OUT/fake.1 snap x y && FAKE=$OUT/fake.2 delta_is x y "$@"
	)
}

test_counters_asserted() {
	local a='     x_drop_one: 0\n     x_drop_two: 5\n     x_event: 1\n'

	check "delta_is: the named counter moved as wanted, no other drop" \
		fake_delta "$a" '     x_drop_one: 1\n     x_drop_two: 5\n     x_event: 4\n' \
		x_drop_one=1
	check "delta_is: another drop counter moved too: refused" \
		not fake_delta "$a" '     x_drop_one: 1\n     x_drop_two: 6\n     x_event: 1\n' \
		x_drop_one=1
	check "delta_is: moved by another amount: refused" \
		not fake_delta "$a" '     x_drop_one: 2\n     x_drop_two: 5\n     x_event: 1\n' \
		x_drop_one=1
	check "delta_is: below a minimum: refused" \
		not fake_delta "$a" '     x_drop_one: 1\n     x_drop_two: 5\n     x_event: 2\n' \
		x_drop_one=1 x_event'>='2
	check "delta_is: a counter the device does not have: refused" \
		not fake_delta "$a" '     x_drop_one: 1\n     x_drop_two: 5\n     x_event: 1\n' \
		x_drop_oen=1

	local out

	out=$("$HERE/counter-coverage.sh" 2>&1)
	check "every counter of kernel/stats.c is asserted by a selftest" \
		eval 'echo "$out"; [ -n "$out" ] && ! grep -q "^MISSING" <<<"$out"'
	log "$(tail -n 1 <<<"$out"); exempt: $(sed -n 's/^exempt \([a-z_]*\):.*/\1/p' <<<"$out" | tr '\n' ' ')"
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_counters_asserted test_mtu test_fastpath_refusals
	test_relay test_fastpath_paths test_client test_client_control test_teredod)
run_tests "${tests[@]}"

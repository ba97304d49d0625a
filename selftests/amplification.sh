#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Amplification, measured: for every class of input a relay, a client or a
# server takes from the network, the packets and bytes it sends to third
# parties per packet and per byte received, counted by nftables at those
# third parties; then the same input as fast as the VM sends it, and the
# rate one third-party IPv4 address saw against the budget configured.
# Prints the table of docs/SECURITY.md (## Amplification) and checks every
# ratio is at most 1 where the RFCs allow it; where they ask for more (an
# RA answers an RS, an ICMPv6 error quotes the packet, a relayed bubble
# carries an origin indication), the rate limit that bounds it.
# AMP_SECONDS: each spray (default 2; bench/amplification.sh: 4), AMP_OUT:
# a file for the table.
source "$(dirname "$0")/hostile.sh"
REPO=$(cd "$(dirname "$0")/.." && pwd)
AMP_SECONDS=${AMP_SECONDS:-2}
AMP_OUT=${AMP_OUT:-/run/amplification.md}
AMP_MAC=02:61:6d:70:00:01	# the sprayer's frames
VICTIM=198.18.0.50		# a third party on the IPv4 side
VICTIM6=2001:db8:1::99		# one on the native side (host6 holds it)
RELAY_RATE=100			# the relay's proberate, per IPv4 address
CLIENT_RATE=20			# the client's
: >"$AMP_OUT"

FSEND=$(tool fsend)

mac_of() { "$IP" netns exec "$1" cat "/sys/class/net/$2/address"; }

# nftables counters (packets and bytes of the IP packets) in a namespace:
# "in" (netdev ingress of DEV: what the device under test receives) and
# any number of "name RULE" at prerouting.
counters() {	# NS DEV IN_RULE [NAME RULE]...
	local ns=$1 dev=$2 inrule=$3 decl="" rules=""

	shift 3
	while [ $# -gt 0 ]; do
		decl+="counter $1 {}"$'\n'
		rules+="$2 counter name $1"$'\n'
		shift 2
	done
	"$IP" netns exec "$ns" nft -f - <<-EOF
	table netdev amp_in {
		counter c_in {}
		chain in {
			type filter hook ingress device $dev priority -500; policy accept;
			$inrule counter name c_in
		}
	}
	table inet amp {
		$decl
		chain pre {
			type filter hook prerouting priority -500; policy accept;
			$rules
		}
	}
	EOF
}
third_party() {	# NS NAME RULE: a counter at a third party
	"$IP" netns exec "$1" nft -f - <<-EOF
	table inet amp_tp {
		counter $2 {}
		chain pre {
			type filter hook prerouting priority -500; policy accept;
			$3 counter name $2
		}
	}
	EOF
}
# "PACKETS BYTES" of counter NAME in NS
nread() {	# NS NAME
	"$IP" netns exec "$1" nft list counters |
		awk -v n="$2" '$1 == "counter" && $2 == n { f = 1 } f && $1 == "packets" { print $2, $4; exit }'
}
nreset() { "$IP" netns exec "$1" nft reset counters >/dev/null; }

# Sum of counters NAME in several namespaces, once they stop moving.
sum_of() {	# NS:NAME...
	local e p b sp=0 sb=0

	for e; do
		read -r p b <<<"$(nread "${e%%:*}" "${e#*:}")"
		sp=$((sp + ${p:-0})) sb=$((sb + ${b:-0}))
	done
	echo "$sp $sb"
}

# One row of the table, and its checks. IN and OUT are "PACKETS BYTES";
# RATE: the most one third-party IPv4 address received a second in the
# flood, BUDGET what bounds it. CAP: the most bytes to third parties per
# byte received: 1, or where the RFC asks for more (an RA answers an RS,
# an ICMPv6 error quotes the packet, a relayed bubble carries an origin
# indication) that answer's own ratio, the rate then bounded by BUDGET.
# At most one packet to third parties per packet received, always.
row() {	# CLASS INPUT THIRD_PARTY IN OUT RATE BUDGET CAP NOTE
	local cls=$1 input=$2 tp=$3 rate=$6 budget=$7 cap=$8 note=$9 ip ib op ob rp rb

	read -r ip ib <<<"$4"
	read -r op ob <<<"$5"
	rp=$(awk -v o="$op" -v i="$ip" 'BEGIN { printf "%.3f", i ? o / i : 0 }')
	rb=$(awk -v o="$ob" -v i="$ib" 'BEGIN { printf "%.3f", i ? o / i : 0 }')
	echo "| $cls | $input | $tp | $ip / $ib | $op / $ob | $rp | $rb | $rate | $budget | $note |" >>"$AMP_OUT"
	log "$cls: in $ip packets $ib bytes, out $op packets $ob bytes: $rp per packet, $rb per byte; flood: $rate/s at one address, budget $budget"
	check "[$cls] input received ($ip packets), at most one packet to third parties per packet ($rp) and $cap byte per byte ($rb)" \
		awk -v i="${ip:-0}" -v a="$rp" -v b="$rb" -v c="$cap" 'BEGIN { exit !(i > 0 && a <= 1 && b <= c) }'
}
# "RATE" of a counter over a flood: its packets per second
per_second() { awk -v p="$1" -v s="$2" 'BEGIN { printf "%.0f", p / s }'; }

# The same input as fast as it goes: what one third party received, in
# FLOOD_OUT (packets) and FLOOD_RATE (a second, over SECONDS).
flood() {	# NS:COUNTER SECONDS COMMAND...
	local c=$1 secs=$2

	shift 2
	nreset "${c%%:*}"
	"$@" >/dev/null
	settle_ns "$c"
	read -r FLOOD_OUT _ <<<"$(nread "${c%%:*}" "${c#*:}")"
	FLOOD_RATE=$(per_second "$FLOOD_OUT" "$secs")
}

# An IPv4/UDP datagram carrying a Teredo payload: hex for fsend.
dgram() {	# SRC SPORT DST DPORT PAYLOAD_HEX
	python3 -c 'import socket, struct, sys
src, sp, dst, dp, pl = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), bytes.fromhex(sys.argv[5])
udp = struct.pack("!HHHH", sp, dp, 8 + len(pl), 0) + pl
print((struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
       socket.inet_aton(src), socket.inet_aton(dst)) + udp).hex())' "$@"
}
taddr() {	# SERVER IPv4 PORT: a Teredo address
	python3 -c 'import ipaddress, sys
s, ip, port = ipaddress.IPv4Address(sys.argv[1]).packed, ipaddress.IPv4Address(sys.argv[2]).packed, int(sys.argv[3])
a = b"\x20\x01\0\0" + s + b"\0\0" + (~port & 0xffff).to_bytes(2, "big") + bytes(b ^ 0xff for b in ip)
print(ipaddress.IPv6Address(a))' "$@"
}
pkt6() { "$PEER" packet "$@"; }
# an IPv6 packet with an ICMPv6 echo request of N bytes of data, hex
echo6() {	# SRC DST DATA_BYTES
	python3 -c 'import sys, struct
sys.path.insert(0, sys.argv[4])
import fuzz
src, dst, n = fuzz.a6(sys.argv[1]), fuzz.a6(sys.argv[2]), int(sys.argv[3])
body = struct.pack("!HH", 7, 7) + bytes(n)
msg = bytes((128, 0, 0, 0)) + body
c = fuzz.csum(src + dst + struct.pack("!I3xB", len(msg), 58) + msg)
msg = msg[:2] + struct.pack("!H", c) + msg[4:]
print((struct.pack("!IHBB", 0x60000000, len(msg), 58, 64) + src + dst + msg).hex())' "$@" "$(dirname "$0")"
}
udp6() {	# SRC DST DPORT DATA_BYTES: an IPv6 UDP packet, hex
	python3 -c 'import sys, struct
sys.path.insert(0, sys.argv[5])
import fuzz
src, dst, dp, n = fuzz.a6(sys.argv[1]), fuzz.a6(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
u = struct.pack("!HHHH", 9, dp, 8 + n, 0) + bytes(n)
c = fuzz.csum(src + dst + struct.pack("!I3xB", len(u), 17) + u) or 0xffff
u = u[:6] + struct.pack("!H", c) + u[8:]
print((struct.pack("!IHBB", 0x60000000, len(u), 17, 64) + src + dst + u).hex())' "$@" "$(dirname "$0")"
}

# From host6: UDP packets of DATA bytes to Teredo destinations that embed
# SERVER, for SECONDS (PPS a second, 0: as fast as it goes), from SRC.
# MODE new: each to another one; one: all to the first. Destinations are
# numbered from FIRST (each row its own: a peer that a row before made
# keeps what its packets paid, and would answer for this row's). Prints
# the count.
spray6() {	# SRC SERVER DATA SECONDS PPS MODE FIRST
	"$IP" netns exec host6 python3 - "$@" <<-'EOF'
	import ipaddress, socket, sys, time
	src, server, size, secs, pps, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
	first = int(sys.argv[7])
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	s.bind((src, 0))
	sv = ipaddress.IPv4Address(server).packed
	def addr(n):
	    ip = bytes((198, 18 + (n >> 24) % 2, (n >> 8) & 255, n & 255))
	    port = 1024 + (n >> 9) % 60000
	    a = b"\x20\x01\0\0" + sv + b"\0\0" + (~port & 0xffff).to_bytes(2, "big") + bytes(b ^ 0xff for b in ip)
	    return str(ipaddress.IPv6Address(a))
	data, t0, n = b"x" * size, time.time(), 0
	while time.time() - t0 < secs:
	    try:
	        s.sendto(data, (addr(first + (n if mode == "new" else 0)), 9))
	    except OSError:
	        pass
	    n += 1
	    if pps:
	        ahead = t0 + n / pps - time.time()
	        if ahead > 0:
	            time.sleep(ahead)
	print(n)
	EOF
}

# fsend from NS to DEV's MAC in TO: the sprayer's MAC is AMP_MAC.
fsend() {	# NS TO_NS TO_DEV ARGS...
	local ns=$1 to=$2 dev=$3

	shift 3
	"$FSEND" -i "$ns:eth0:$(mac_of "$to" "$dev"):$AMP_MAC" "$@"
}

settle_ns() {	# NS:NAME...: wait until the counters stop moving (1 s apart, times SLOW)
	local a b

	b=$(sum_of "$@")
	while sleep "$SLOW"; a=$b; b=$(sum_of "$@"); [ "$a" != "$b" ]; do :; done
}

# --- a relay ------------------------------------------------------------------

# relay.sh's namespaces, the relay's budget at RELAY_RATE a second to one
# address; a third party vic (198.18.0.50) on the IPv4 side, and host6's
# VICTIM6 on the native side.
amp_relay_setup() {
	setup
	"$IP" -n relay link set teredo0 type teredo maxpeers 100000 proberate $RELAY_RATE probetotal 10000
	setup_ns vic
	veth vic eth0 inet vic
	"$IP" -n inet link set vic master br0
	"$IP" -n vic addr add $VICTIM/24 dev eth0
	"$IP" -n host6 addr add $VICTIM6/64 dev eth0 nodad
	counters relay eth1 "meta protocol ip6 ip6 saddr { $HOST, $VICTIM6 }"
	"$IP" netns exec relay nft add chain netdev amp_in in4 \
		"{ type filter hook ingress device eth0 priority -500; policy accept; }"
	"$IP" netns exec relay nft add counter netdev amp_in c_in4
	"$IP" netns exec relay nft add rule netdev amp_in in4 ether saddr $AMP_MAC counter name c_in4
	for ns in srv vic client; do
		third_party $ns tp "ip saddr 198.18.0.10"
	done
	third_party host6 tp "ip6 daddr $VICTIM6 meta l4proto ipv6-icmp"
}

amp_relay_native() {
	local n t out
	# a new Teredo address per packet (88 bytes: it pays for a bubble)
	# as fast as it goes first: the server's rate against the budget
	flood srv:tp "$AMP_SECONDS" spray6 $HOST 198.18.0.1 40 "$AMP_SECONDS" 0 new 0
	check "flood: the server got at most proberate a second and a burst ($FLOOD_OUT in ${AMP_SECONDS}s)" \
		test "$FLOOD_OUT" -le $((RELAY_RATE * (AMP_SECONDS + 1) + RELAY_RATE))
	wait_for 20 eval '[ "$(queued_bytes)" = 0 ]'
	nreset relay; nreset srv
	n=$(spray6 $HOST 198.18.0.1 40 "$AMP_SECONDS" 50 new 1000000)
	settle_ns srv:tp
	row "native, to a new Teredo address" "IPv6, 88 B, to another address each ($n at 50/s)" \
		"its server" "$(nread relay c_in)" "$(nread srv tp)" "$FLOOD_RATE" "$RELAY_RATE/s (proberate), burst as much" 1 ""
	# the smallest packets: a bubble is paid in IPv6 bytes (40, no more
	# than any IPv6 packet), the 28 bytes of IPv4 and UDP every datagram
	# carries on top: 68 on the wire for 48
	nreset relay; nreset srv
	n=$(spray6 $HOST 198.18.0.1 0 "$AMP_SECONDS" 50 new 2000000)
	settle_ns srv:tp
	row "native, to a new Teredo address, 48 bytes" "IPv6, 48 B ($n)" \
		"its server" "$(nread relay c_in)" "$(nread srv tp)" "" \
		"$RELAY_RATE/s (proberate)" 1.42 \
		"one bubble a packet: 40 B of IPv6 for 48, 68 B on the wire (the tunnel's 28 B)"
	# one waiting peer: its bubbles (4 at most) whatever the packets
	nreset relay; nreset srv
	n=$(spray6 $HOST 198.18.0.1 40 "$AMP_SECONDS" 50 one 3000000)
	settle_ns srv:tp
	row "native, to a waiting peer" "IPv6, 88 B, all to one address ($n)" \
		"its server" "$(nread relay c_in)" "$(nread srv tp)" "" "4 bubbles a peer, 2 s apart" 1 ""
	# unreachable peers: once their bubbles are over, what waited is
	# answered with ICMPv6 address unreachable, to a spoofed source
	nreset relay; nreset host6; nreset srv
	t=$(date +%s)
	n=$(spray6 $VICTIM6 198.18.0.1 40 "$AMP_SECONDS" 50 new 4000000)
	wait_for 20 eval '[ "$(queued_bytes)" = 0 ]'
	settle_ns host6:tp
	t=$(($(date +%s) - t + 1))
	read -r out _ <<<"$(nread host6 tp)"
	# icmpv6_xrlim_allow(): ratelimit ms a destination, shifted by the
	# route's prefix (/64 here: a quarter of it), a burst of 6; without
	# it, one error for each of the $n packets
	check "the spoofed source got at most 4 ICMPv6 errors a second and a burst (${out:-?} in ${t}s, for $n packets)" \
		test "${out:-999999}" -le $((4 * t + 6))
	row "native, to unreachable peers (ICMPv6 errors to the source)" "IPv6, 88 B, from a third party's address ($n at 50/s)" \
		"the (spoofed) source" "$(nread relay c_in)" "$(nread host6 tp)" "$(per_second "${out:-0}" "$t")" \
		"ICMPv6 rate limit (icmp/ratelimit $("$IP" netns exec relay sysctl -n net.ipv6.icmp.ratelimit) ms)" 2 \
		"an ICMPv6 error quotes the packet (RFC 4443): 48 B more than it"
	# a Teredo address whose server is the relay's subnet broadcast
	nreset relay; nreset srv; nreset vic; nreset client
	n=$(spray6 $HOST 198.18.0.255 40 "$AMP_SECONDS" 50 new 5000000)
	settle_ns srv:tp vic:tp client:tp
	row "native, to a Teredo address whose server is the relay's subnet broadcast" "IPv6, 88 B ($n)" \
		"every host of the relay's subnet" "$(nread relay c_in)" "$(sum_of srv:tp vic:tp client:tp)" "" "" 1 \
		"not global: dropped (tx_drop_not_global), no bubble to a directed broadcast"
}

amp_relay_teredo() {
	local hex p

	wait_for 20 eval '[ "$(queued_bytes)" = 0 ]'
	# spoofed sources: consistent (unknown peers) and not (bad mapping),
	# some of them the victim's address
	hex=$(dgram $VICTIM 4000 198.18.0.10 3544 "$(pkt6 echo "$(taddr 198.18.0.1 $VICTIM 4000)" $HOST)")
	nreset relay; nreset vic; nreset srv
	fsend client relay eth0 -f "$hex" -s $VICTIM/32 -P 1024-65535 -m 8 -t "$AMP_SECONDS" -p 200 >/dev/null
	fsend client relay eth0 -f "$hex" -s 198.18.1.0/24 -P 1024-65535 -t "$AMP_SECONDS" -p 200 >/dev/null
	settle_ns vic:tp srv:tp
	row "Teredo side, from spoofed sources" "echo requests from Teredo sources that are no peer" \
		"the sources, the servers" "$(nread relay c_in4)" "$(sum_of vic:tp srv:tp)" "0" "" 1 ""
	# bubbles from a waiting peer's mapping: what host6 sent it goes there
	p=$(taddr 198.18.0.1 $VICTIM 4444)
	nreset relay; nreset vic; nreset srv
	"$IP" netns exec host6 python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for _ in range(8): s.sendto(b"x" * 100, (sys.argv[1], 9))' "$p"
	hex=$(dgram $VICTIM 4444 198.18.0.10 3544 "$(pkt6 bubble "$p" $HOST)")
	fsend client relay eth0 -f "$hex" -c 20 -p 10 >/dev/null
	settle_ns vic:tp
	row "Teredo side, bubbles from a waiting peer's mapping" "8 native packets of 148 B to it, then 20 bubbles" \
		"the mapping" "$(sum_of relay:c_in relay:c_in4)" "$(nread vic tp)" "" "the queue, 8 KiB a peer" 1 \
		"what waited goes, encapsulated (28 B more each); the bubbles add nothing"
	# control packets at a relay
	hex=$(dgram $VICTIM 3544 198.18.0.10 3544 "000100000102030405060708 00$(pkt6 rs fe80::1 ff02::2)")
	hex=${hex// /}
	nreset relay; nreset vic; nreset srv
	fsend client relay eth0 -f "$hex" -s 198.18.0.0/24 -P 3544-3544 -t "$AMP_SECONDS" -p 200 >/dev/null
	settle_ns vic:tp srv:tp
	row "Teredo side, control packets (authentication headers)" "RS with an authentication header" \
		"the sources, the servers" "$(nread relay c_in4)" "$(sum_of vic:tp srv:tp)" "0" "" 1 ""
}

test_relay() {
	amp_relay_setup
	amp_relay_native
	amp_relay_teredo
}

# --- a client -----------------------------------------------------------------

amp_client_setup() {
	client_setup
	"$IP" -n client link set teredo0 type teredo proberate $CLIENT_RATE
	setup_ns vic
	veth vic eth0 inet vic
	"$IP" -n inet link set vic master br0
	"$IP" -n vic addr add $VICTIM/24 dev eth0
	counters client eth0 "ether saddr $AMP_MAC"
	third_party vic tp "ip saddr 198.18.0.21"
	# the client's echo tests (84 bytes) to its server
	third_party srv tp "ip saddr 198.18.0.21 udp dport 3544 ip length 84"
}

amp_client() {
	local hex out peer

	# bubbles relayed by "our server", with an origin indication: a
	# direct bubble to the origin, at most proberate a second to one
	hex=$(dgram 198.18.0.1 3544 198.18.0.21 "$MYPORT" \
		"0000$(printf %04x $((~4000 & 0xffff)))$(python3 -c 'import socket,sys; print(bytes(b ^ 255 for b in socket.inet_aton(sys.argv[1])).hex())' $VICTIM)$(pkt6 bubble "$(taddr 198.18.0.1 198.18.1.1 1)" "$ME")")
	flood vic:tp "$AMP_SECONDS" fsend relay client eth0 -f "$hex" -O 0=$VICTIM/32 -R 16 -t "$AMP_SECONDS"
	check "flood: the origin got at most proberate a second and a burst ($FLOOD_OUT in ${AMP_SECONDS}s)" \
		test "$FLOOD_OUT" -le $((CLIENT_RATE * (AMP_SECONDS + 1) + CLIENT_RATE))
	sleep $((2 * SLOW))	# a second's worth of budget again
	nreset client; nreset vic
	fsend relay client eth0 -f "$hex" -O 0=$VICTIM/32 -R 16 -t "$AMP_SECONDS" -p 10 >/dev/null
	settle_ns vic:tp
	row "client, relayed bubbles with an origin indication" "bubbles from its server's address, each from another peer" \
		"the origin" "$(nread client c_in)" "$(nread vic tp)" "$FLOOD_RATE" \
		"$CLIENT_RATE/s (proberate), burst as much; 200/s in all" 1 ""
	# native sources through a relay it has not verified: held, an echo
	# test to its server for each (at most), 84 bytes
	hex=$(dgram 198.18.0.10 3545 198.18.0.21 "$MYPORT" "$(echo6 2001:db8:5::1 "$ME" 56)")
	nreset client; nreset srv
	fsend relay client eth0 -f "$hex" -R 8 -t "$AMP_SECONDS" -p 20 >/dev/null
	settle_ns srv:tp
	row "client, native sources through an unverified relay" "echo requests of 104 B, each from another source" \
		"its server (the echo test)" "$(nread client c_in)" "$(nread srv tp)" "" "$CLIENT_RATE/s to the server" 1 ""
	# control packets from anywhere
	hex=$(dgram $VICTIM 3544 198.18.0.21 "$MYPORT" "00010000010203040506070800$(pkt6 rs fe80::1 ff02::2)")
	nreset client; nreset vic; nreset srv
	fsend relay client eth0 -f "$hex" -s 198.18.0.0/24 -P 3544-3544 -t "$AMP_SECONDS" -p 200 >/dev/null
	settle_ns vic:tp srv:tp
	row "client, control packets" "authentication headers from anywhere" \
		"the sources, its server" "$(nread client c_in)" "$(sum_of vic:tp srv:tp)" "0" "" 1 ""
	# direct bubbles from Teredo peers at their mappings (the victim's)
	peer=$(taddr 198.18.0.1 $VICTIM 4000)
	hex=$(dgram $VICTIM 4000 198.18.0.21 "$MYPORT" "$(pkt6 bubble "$peer" "$ME")")
	nreset client; nreset vic
	fsend relay client eth0 -f "$hex" -s $VICTIM/32 -P 1024-65535 -m 8 -t "$AMP_SECONDS" -p 200 >/dev/null
	settle_ns vic:tp
	row "client, direct bubbles" "bubbles from Teredo peers at their mappings" \
		"the mappings" "$(nread client c_in)" "$(nread vic tp)" "0" "" 1 ""
	# the same, soliciting an answer (RFC 6081 5.7): one bubble that
	# advertises for one, within proberate a second to one address
	hex=$(dgram $VICTIM 4000 198.18.0.21 "$MYPORT" "$(pkt6 bubble "$peer" "$ME" 040400000000)")
	flood vic:tp "$AMP_SECONDS" fsend relay client eth0 -f "$hex" -s $VICTIM/32 -P 1024-65535 -m 8 -t "$AMP_SECONDS"
	check "flood: the mappings' address got at most proberate a second and a burst ($FLOOD_OUT in ${AMP_SECONDS}s)" \
		test "$FLOOD_OUT" -le $((CLIENT_RATE * (AMP_SECONDS + 1) + CLIENT_RATE))
	sleep $((2 * SLOW))	# a second's worth of budget again
	nreset client; nreset vic
	fsend relay client eth0 -f "$hex" -s $VICTIM/32 -P 1024-65535 -m 8 -t "$AMP_SECONDS" -p 10 >/dev/null
	settle_ns vic:tp
	row "client, direct bubbles that solicit" "bubbles with a Neighbor Discovery Option trailer (solicitation) from Teredo peers at their mappings" \
		"the mappings" "$(nread client c_in)" "$(nread vic tp)" "$FLOOD_RATE" \
		"$CLIENT_RATE/s (proberate), burst as much" 1 ""
	# echo requests from them: the stack answers, one for one
	hex=$(dgram $VICTIM 4000 198.18.0.21 "$MYPORT" "$(echo6 "$peer" "$ME" 56)")
	nreset client; nreset vic
	fsend relay client eth0 -f "$hex" -t "$AMP_SECONDS" -p 50 >/dev/null
	settle_ns vic:tp
	row "client, echo requests from a Teredo peer" "echo requests of 104 B from one peer" \
		"the peer's mapping" "$(nread client c_in)" "$(nread vic tp)" "" "" 1 \
		"the stack's echo replies, one for one (a reflection, not an amplification)"
	# UDP to a closed port: ICMPv6 port unreachable quotes it
	hex=$(dgram $VICTIM 4000 198.18.0.21 "$MYPORT" "$(udp6 "$peer" "$ME" 9 8)")
	nreset client; nreset vic
	fsend relay client eth0 -f "$hex" -t "$AMP_SECONDS" -p 50 >/dev/null
	settle_ns vic:tp
	read -r out _ <<<"$(nread vic tp)"
	# icmpv6_xrlim_allow() again: ratelimit shifted by the route's
	# prefix (16/s at most, for ::/0), a burst of 6; without it, an
	# error a datagram
	check "the peer's mapping got at most 16 ICMPv6 errors a second and a burst (${out:-?} in ${AMP_SECONDS}s)" \
		test "${out:-999999}" -le $((16 * AMP_SECONDS + 6))
	row "client, UDP to a closed port from a Teredo peer" "UDP of 56 B from one peer ($AMP_SECONDS s at 50/s)" \
		"the peer's mapping" "$(nread client c_in)" "$(nread vic tp)" "$(per_second "$out" "$AMP_SECONDS")" \
		"ICMPv6 rate limit (icmp/ratelimit $("$IP" netns exec client sysctl -n net.ipv6.icmp.ratelimit) ms)" 2 \
		"the stack's port unreachable quotes the packet (RFC 4443)"
}

# --- the server ---------------------------------------------------------------

amp_server() {
	local hex

	counters srv eth0 "ether saddr $AMP_MAC"
	"$IP" netns exec vic nft delete table inet amp_tp
	third_party vic tp "ip saddr { 198.18.0.1, 198.18.0.2 }"
	# router solicitations from spoofed sources: an RA each
	hex=$(dgram $VICTIM 4000 198.18.0.1 3544 "00010000010203040506070800$(pkt6 rs fe80::ffff:ffff:ffff ff02::2)")
	flood vic:tp "$AMP_SECONDS" fsend relay srv eth0 -f "$hex" -P 1024-65535 -t "$AMP_SECONDS"
	check "flood: the source got at most 100 a second and a burst of 200 ($FLOOD_OUT in ${AMP_SECONDS}s)" \
		test "$FLOOD_OUT" -le $((100 * (AMP_SECONDS + 1) + 200))
	sleep $((3 * SLOW))	# the bucket fills again
	nreset srv; nreset vic
	fsend relay srv eth0 -f "$hex" -P 1024-65535 -t "$AMP_SECONDS" -p 50 >/dev/null
	settle_ns vic:tp
	row "server, router solicitations" "RS of 61 B (UDP payload) from a spoofed source" "the source" \
		"$(nread srv c_in)" "$(nread vic tp)" "$FLOOD_RATE" "100/s a source, burst 200 (--rate, --burst)" 2 \
		"an RA answers an RS (RFC 4380 5.3.1): 117 B for 61"
	# bubbles to one of its clients: relayed with an origin indication
	hex=$(dgram 198.18.1.1 4000 198.18.0.1 3544 "$(pkt6 bubble "$(taddr 198.18.0.1 198.18.1.1 4000)" "$(taddr 198.18.0.1 $VICTIM 5555)")")
	flood vic:tp "$AMP_SECONDS" fsend relay srv eth0 -f "$hex" -s 198.18.1.0/24 -P 1024-65535 -m 8 -t "$AMP_SECONDS"
	check "flood: the client got at most 100 a second and a burst of 200 ($FLOOD_OUT in ${AMP_SECONDS}s)" \
		test "$FLOOD_OUT" -le $((100 * (AMP_SECONDS + 1) + 200))
	sleep $((3 * SLOW))
	nreset srv; nreset vic
	fsend relay srv eth0 -f "$hex" -s 198.18.1.0/24 -P 1024-65535 -m 8 -t "$AMP_SECONDS" -p 50 >/dev/null
	settle_ns vic:tp
	row "server, bubbles for a client of its own" "bubbles from Teredo peers at their mappings" "the client" \
		"$(nread srv c_in)" "$(nread vic tp)" "$FLOOD_RATE" "100/s a destination, burst 200" 1.2 \
		"relayed with an origin indication (RFC 4380 5.3.1): 8 B more"
}

# The client's classes, then the server's, on one setup (teredod's
# qualification is slow under emulation).
test_client_server() {
	amp_client_setup
	amp_client
	amp_server
	stop_daemons
}

print_table() {
	echo "# | input class | input | third party | received (packets / bytes) | sent to third parties | per packet | per byte | flood: at one address (/s) | budget | |"
	echo "# |---|---|---|---|---|---|---|---|---|---|"
	sed 's/^/# /' "$AMP_OUT"
	[ -d /run/vm/out ] && cp "$AMP_OUT" /run/vm/out/amplification.md
	return 0
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
trap 'stop_daemons; print_table' EXIT
run_tests test_relay test_client_server

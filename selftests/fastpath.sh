#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The relay's fast paths (fastpath on, native IFNAME): relay.sh's tests
# again with both on; what they take off the underlay and the native device
# and what they leave to the stack (bad checksums, IP options, fragments;
# expiring hop limits, packets too big, hop-by-hop options, forwarding
# off); the netfilter hooks that still apply and those that do not; their
# configuration; the uplinks deleted or moved away; unloading with them on.
RELAY_OPTS="dev eth0 fastpath on native eth1"
source "$(dirname "$0")/relay.sh"
RTNL=$(dirname "$0")/teredo_rtnl.py

snmp() {	# NS PROTO FIELD: a counter of /proc/net/snmp
	"$IP" netns exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !n { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1; next }
		$1 == p { print $c }' /proc/net/snmp
}

echos() {	# echo requests the native host received
	"$IP" netns exec host6 awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
}

# What moved since snap: "FASTPATH SOCKET DELIVERED CSUMERRORS" (datagrams
# the fast path took, datagrams the relay namespace's UDP took, echo
# requests at the native host, UDP checksum errors in the relay namespace).
# (one command in each namespace: they are read often, and each costs
# a good part of a second on a loaded TCG)
counts() {
	local relay

	relay=$("$IP" netns exec relay sh -c 'ethtool -S teredo0; cat /proc/net/snmp' |
		awk '$1 == "rx_fastpath:" { fp = $2 }
		     $1 == "Udp:" && !n { for (i = 2; i <= NF; i++) c[$i] = i; n = 1; next }
		     $1 == "Udp:" { in_ = $c["InDatagrams"]; cs = $c["InCsumErrors"] }
		     END { print fp "" == "" ? "none" : fp, in_ "" == "" ? "none" : in_, cs "" == "" ? "none" : cs }')
	read -r -a relay <<<"$relay"
	echo "${relay[0]} ${relay[1]} $(echos) ${relay[2]}"
}
counts_ok() {	# COUNTS: four numbers
	[[ $1 =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] && return 0
	echo "counters unreadable: $1"
	return 1
}
snap() {
	local c

	SNAP=()
	c=$(counts)
	counts_ok "$c" || return 1
	read -r -a SNAP <<<"$c"
}
noports_is() { expect_eq "$(snmp relay Udp NoPorts)" "$1"; }
moved() {
	local c now

	c=$(counts)
	counts_ok "$c" || return 1
	[ ${#SNAP[@]} = 4 ] || { echo "no snapshot"; return 1; }
	read -r -a now <<<"$c"
	echo "$((now[0] - SNAP[0])) $((now[1] - SNAP[1])) $((now[2] - SNAP[2])) $((now[3] - SNAP[3]))"
}
moved_is() { expect_eq "$(moved)" "$1"; }
# exactly that, once the counters stopped moving: not a count on its way
# to something else
delivered_ge() { [ "$(moved | cut -d" " -f3)" -ge "$1" ]; }
moved_ends_at() { wait_for 5 moved_is "$1" && expect_eq "$(settled 10 moved)" "$1"; }

# A bubble from the client's mapping: after a spell of dropped replies (a
# slow debug kernel can take longer than the 30 s a peer stays trusted, and
# the relay then gives up on it) the client is trusted again.
rebubble() { raw "$(pkt bubble $CLIENT $HOST)"; }

# The relay set up, its scripted server and client answering, and a first
# ping through it: the client is in the peer list and trusted.
setup_talking() {
	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	start_client 900
	wait_for 10 udp_bound srv 3544
	check "native host pings the client through the relay" ping_client 2
}

test_fastpath_data() {
	local echo

	setup_talking
	snap
	ping_client 5 >/dev/null
	check "5 replies taken off eth0, none through the UDP socket" \
		eval '[ "$(moved | cut -d" " -f1)" -ge 5 ] && [ "$(moved | cut -d" " -f2)" = 0 ]'

	echo=$(pkt echo $CLIENT $HOST)
	fresh
	snap
	raw "$echo"
	check "a datagram: taken off eth0 and delivered" \
		moved_ends_at "1 0 1 0"
	fresh
	snap
	raw "$echo" badsum
	check "a bad UDP checksum: left to the stack, which counts and drops it" \
		moved_ends_at "0 0 0 1"
	fresh
	snap
	raw "$echo" ipopt
	check "with an IP option: through the stack and the socket, delivered" \
		moved_ends_at "0 1 1 0"
	fresh
	snap
	raw "$echo" frag
	check "in two fragments: reassembled by the stack, delivered" \
		moved_ends_at "0 1 1 0"
	# a train for GRO: the bridge's port holds the datagrams back (netem)
	# and lets them go at once into eth0's NAPI queue (veth takes
	# forwarded packets into NAPI only from a peer without TSO)
	"$IP" netns exec relay ethtool -K eth0 gro on rx-gro-list on
	"$IP" netns exec inet ethtool -K relay tso off
	check "netem holds the bridge port's datagrams back" \
		tc -n inet qdisc add dev relay root netem delay 100ms limit 1000
	fresh
	snap
	raw "$echo" 200
	check "200 datagrams in a burst, fraglist GRO on eth0: all delivered" \
		eval 'wait_for 10 delivered_ge 200 &&
		      expect_eq "$(settled 10 moved | cut -d" " -f3)" 200'
	log "of which the fast path took $(moved | cut -d" " -f1), the socket $(moved | cut -d" " -f2)"
	tc -n inet qdisc del dev relay root
	"$IP" netns exec relay ethtool -K eth0 gro off rx-gro-list off
	snap
	local noports
	noports=$(snmp relay Udp NoPorts)
	"$IP" netns exec client "$PEER" send 198.18.0.21:40001 198.18.0.10:3545 "$echo"
	check "another port: not taken, the stack answers port unreachable" \
		eval 'wait_for 5 noports_is $((noports + 1)) && moved_is "0 0 0 0" &&
		      expect_eq "$(settled 10 snmp relay Udp NoPorts)" $((noports + 1))'

	check "a netdev ingress table on eth0" "$IP" netns exec relay nft -f - <<-EOF
	table netdev t {
		chain in {
			type filter hook ingress device eth0 priority 0;
			udp dport 3544 counter drop
		}
	}
	EOF
	snap
	check "a netdev ingress rule on eth0 applies first" not ping_client 2
	check "so nothing reached the fast path" \
		eval '[ "$(moved | cut -d" " -f1)" = 0 ]'
	check "and the rule counted the replies" \
		sh -c "$IP netns exec relay nft list table netdev t | grep -Eq 'counter packets [1-9]'"
	"$IP" netns exec relay nft delete table netdev t
	rebubble
	check "without it, the client answers again" ping_client 1

	check "an inet input table" "$IP" netns exec relay nft -f - <<-EOF
	table inet f {
		chain in {
			type filter hook input priority 0;
			udp dport 3544 drop
		}
	}
	EOF
	rebubble
	check "an inet input rule does not see what the fast path takes" ping_client 1
	"$IP" -n relay link set teredo0 type teredo fastpath off
	check "with fastpath off, it does" not ping_client 1
	"$IP" netns exec relay nft delete table inet f
	rebubble
	check "and the socket path works" ping_client 1
	stop_daemons
}

# What moved since nsnap: "TX_FASTPATH FORWARDED" (packets the native fast
# path took, packets IPv6 forwarded in the relay namespace).
forwarded() { "$IP" netns exec relay awk '$1 == "Ip6OutForwDatagrams" { print $2 }' /proc/net/snmp6; }
ncounts() { echo "$(counter -n relay teredo0 tx_fastpath) $(forwarded)"; }
nsnap() { read -r -a NSNAP <<<"$(ncounts)"; }
nmoved() {
	local now

	read -r -a now <<<"$(ncounts)"
	echo "$((now[0] - NSNAP[0])) $((now[1] - NSNAP[1]))"
}
taken() { expect_eq "$(nmoved | cut -d" " -f1)" "$1"; }

nft_packets() {	# NS FAMILY TABLE: the packets of the table's counters
	"$IP" netns exec "$1" nft list table "$2" "$3" |
		awk '$0 ~ /counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}

# An echo request from the native host to the client with a hop-by-hop
# option (PadN); succeeds if the client's reply comes back.
hbh_echo() {
	"$IP" netns exec host6 python3 - "$CLIENT" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	s.setsockopt(socket.IPPROTO_IPV6, 54, bytes([0, 0, 1, 4, 0, 0, 0, 0]))  # IPV6_HOPOPTS
	s.settimeout(3)
	s.sendto(bytes([128, 0, 0, 0, 0x12, 0x34, 0, 1]) + b"hbh", (sys.argv[1], 0))
	while True:
	    data, addr = s.recvfrom(2048)
	    if data[0] == 129 and data[4:6] == bytes([0x12, 0x34]):
	        sys.exit(0)
	EOF
}

test_fastpath_native() {
	local out

	setup_talking
	nsnap
	ping_client 5 >/dev/null
	check "5 requests taken off eth1, only the 5 replies forwarded by IPv6" \
		eval 'expect_eq "$(settled 10 nmoved)" "5 5"'
	"$IP" -n relay link set teredo0 type teredo native none
	nsnap
	ping_client 5 >/dev/null
	check "with native none, IPv6 forwards both ways" \
		eval 'expect_eq "$(settled 10 nmoved)" "0 10"'
	"$IP" -n relay link set teredo0 type teredo native eth1

	# the client fresh in the peer list (a debug kernel or a loaded TCG
	# can take longer than the 30 s it stays so): no ping below waits for
	# a bubble exchange, all three go through the fast path
	rebubble
	fresh
	check "a counter in the client of hop limits 63" \
		"$IP" netns exec client nft -f - <<-EOF
	table inet h {
		chain in {
			type filter hook input priority 0;
			udp dport 40000 @th,120,8 63 counter
		}
	}
	EOF
	nsnap
	"$IP" netns exec host6 ping -6 -c 3 -i 0.3 -W 3 -t 64 $CLIENT >/dev/null
	check "hop limit 64 arrives as 63, through the fast path" \
		eval 'settled 10 nmoved >/dev/null &&
		      expect_eq "$(nft_packets client inet h) $(nmoved | cut -d" " -f1)" "3 3"'
	"$IP" netns exec client nft delete table inet h

	nsnap
	out=$("$IP" netns exec host6 ping -6 -c 1 -W 3 -t 1 $CLIENT 2>&1)
	check "hop limit 1: left to the stack, which answers time exceeded" \
		eval 'grep -q "Time exceeded" <<<"$out" && taken 0'
	nsnap
	out=$("$IP" netns exec host6 ping -6 -c 1 -W 3 -s 1233 -M do $CLIENT 2>&1)
	check "1281 bytes: left to the stack, which answers packet too big" \
		eval 'grep -q "Packet too big: mtu=1280" <<<"$out" && taken 0'
	nsnap
	check "a hop-by-hop option: through the stack, answered" hbh_echo
	check "and not taken" taken 0

	check "an ip6 forward table" "$IP" netns exec relay nft -f - <<-EOF
	table ip6 f {
		chain fw {
			type filter hook forward priority 0;
			ip6 daddr 2001::/32 counter drop
		}
	}
	EOF
	rebubble
	check "an ip6 forward rule does not see what the fast path takes" \
		eval 'ping_client 1 && expect_eq "$(nft_packets relay ip6 f)" 0'
	"$IP" -n relay link set teredo0 type teredo native none
	check "with native none, it does" \
		eval 'not ping_client 1 && [ "$(nft_packets relay ip6 f)" -ge 1 ]'
	"$IP" netns exec relay nft delete table ip6 f
	"$IP" -n relay link set teredo0 type teredo native eth1
	rebubble
	check "and without it, the fast path works" ping_client 1

	check "a netdev ingress table on eth1" "$IP" netns exec relay nft -f - <<-EOF
	table netdev t {
		chain in {
			type filter hook ingress device eth1 priority 0;
			ip6 daddr 2001::/32 counter drop
		}
	}
	EOF
	nsnap
	check "a netdev ingress rule on eth1 applies first" not ping_client 1
	check "so nothing reached the fast path, and the rule counted" \
		eval 'taken 0 && [ "$(nft_packets relay netdev t)" -ge 1 ]'
	"$IP" netns exec relay nft delete table netdev t

	"$IP" netns exec relay sysctl -qw net.ipv6.conf.all.forwarding=0
	nsnap
	check "IPv6 forwarding off: nothing forwarded" not ping_client 1
	check "nor taken by the fast path" taken 0
	"$IP" netns exec relay sysctl -qw net.ipv6.conf.all.forwarding=1
	# the client trusted again (its entry may have expired meanwhile on
	# a slow run: then this ping goes through the stack and a bubble)
	rebubble
	ping_client 1 >/dev/null
	nsnap
	check "forwarding on again: through the fast path" \
		eval 'ping_client 1 && taken 1'
	stop_daemons
}

# The relay tests, all through the fast paths: every RFC check, hostile
# input, floods, teardown under traffic.
test_relay_fast() {
	test_relay
	check "the relay tests went through the receive fast path" \
		counter_ge -n relay teredo0 rx_fastpath 10
	check "and through the transmit fast path" \
		counter_ge -n relay teredo0 tx_fastpath 5
}

test_route_classes_fast() {
	test_route_classes
	check "the route class tests went through the transmit fast path" \
		counter_ge -n relay teredo0 tx_fastpath 8
}

uplinks() {	# namespace a: two underlay devices with addresses, a bridge
	setup_ns a b
	"$IP" -n a -batch - <<-EOF
	link add veth0 type veth peer name veth1
	link add veth2 type veth peer name veth3
	link add br0 type bridge
	addr add 198.18.0.1/24 dev veth0
	addr add 198.18.1.1/24 dev veth2
	link set veth0 up
	link set veth2 up
	EOF
}

fastpath_is() { expect_eq "$(link_json -n a "$1" 'L["linkinfo"]["info_data"]["fastpath"]')" "$2"; }
native_is() { expect_eq "$(link_json -n a "$1" 'L["linkinfo"]["info_data"].get("native")')" "$2"; }
bridge_port_ok() {	# DEV: it can join a bridge (no receive handler on it)
	"$IP" -n a link set "$1" master br0 && "$IP" -n a link set "$1" nomaster
}

test_fastpath_config() {
	uplinks
	check "fastpath without dev refused" \
		fails_with 'it needs local ADDR and dev IFNAME' \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 fastpath on
	check "fastpath without a local address refused" \
		fails_with 'it needs local ADDR and dev IFNAME' \
		"$IP" -n a link add t1 type teredo dev veth0 fastpath on
	check "fastpath in client mode refused" \
		fails_with 'fastpath is for relay mode' \
		"$IP" -n a link add t1 type teredo mode client local 198.18.0.1 dev veth0 fastpath on
	check "fastpath on loopback refused" \
		fails_with 'not a loopback or Teredo device' \
		"$IP" -n a link add t1 type teredo local 127.0.0.1 dev lo fastpath on
	check "fastpath 2 refused by the kernel's policy, naming it" \
		fails_with 'integer out of range (34) [attribute fastpath]' \
		"$IP" netns exec a "$RTNL" t1 fastpath=2
	check "fastpath yes refused by ip" \
		fails_with 'invalid fastpath' "$IP" -n a link add t1 type teredo fastpath yes
	check "nothing was left behind by the failures" \
		test "$("$IP" -n a -o link show type teredo | wc -l)" = 0

	check "add with fastpath on" \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on
	check "ip -d shows it" \
		sh -c "$IP -n a -d link show t1 | grep -qF 'dev veth0 maxpeers 1048576 fastpath on'"
	check "ip -j -d shows it" fastpath_is t1 True
	check "the underlay cannot join a bridge meanwhile" not bridge_port_ok veth0
	check "a second device on the same underlay refused" \
		fails_with 'already carries the fast path of another Teredo device' \
		"$IP" -n a link add t2 type teredo local 198.18.0.1 port 3545 dev veth0 fastpath on
	check "local any with fastpath on refused" \
		fails_with 'it needs local ADDR and dev IFNAME' \
		"$IP" -n a link set t1 type teredo local any
	check "a failed change leaves the device as it was" \
		eval 'fastpath_is t1 True && not bridge_port_ok veth0'

	check "fastpath off" "$IP" -n a link set t1 type teredo fastpath off
	check "shows off" fastpath_is t1 False
	check "the underlay is free again" bridge_port_ok veth0
	"$IP" -n a link set veth0 master br0
	check "a bridge port cannot carry it" \
		fails_with 'already has a receive handler' \
		"$IP" -n a link set t1 type teredo fastpath on
	check "and the device stays off" fastpath_is t1 False
	"$IP" -n a link set veth0 nomaster

	"$IP" -n a link set t1 type teredo fastpath on
	check "moved to another underlay with its address" \
		"$IP" -n a link set t1 type teredo local 198.18.1.1 dev veth2
	check "the old underlay is free, the new one taken" \
		eval 'bridge_port_ok veth0 && not bridge_port_ok veth2'
	check "deleting the underlay leaves the device, fastpath off" \
		eval '"$IP" -n a link del veth2 && fastpath_is t1 False'
	check "and says so in the kernel log" \
		sh -c 'dmesg | tail -n 20 | grep -q "t1: fastpath off: underlay device veth2 is going away"'

	"$IP" -n a link set t1 type teredo local 198.18.0.1 dev veth0 fastpath on
	check "the underlay moved to another namespace: fastpath off" \
		eval '"$IP" -n a link set veth0 netns b && fastpath_is t1 False'
	"$IP" -n b link set veth0 netns a
	"$IP" -n a addr add 198.18.0.1/24 dev veth0
	"$IP" -n a link set veth0 up
	"$IP" -n a link set t1 type teredo dev veth0 fastpath on
	check "deleting the device frees the underlay" \
		eval '"$IP" -n a link del t1 && bridge_port_ok veth0'

	"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on native veth1
	"$IP" -n a link set t1 netns b
	check "the device moved to another namespace: native off, the native device free" \
		eval 'bridge_port_ok veth1 &&
		      expect_eq "$(link_json -n b t1 "L[\"linkinfo\"][\"info_data\"].get(\"native\")")" None'
	check "and says so in the kernel log" \
		sh -c 'dmesg | tail -n 20 | grep -q "t1: native off: veth1 stays in the namespace the device leaves"'
	check "the device moved to another namespace keeps it" \
		eval 'not bridge_port_ok veth0 &&
		      expect_eq "$(link_json -n b t1 "L[\"linkinfo\"][\"info_data\"][\"fastpath\"]")" True'
	check "deleting the device's namespace frees the underlay" \
		eval '"$IP" netns del b && wait_for 10 bridge_port_ok veth0'
	NS_LIST=(a)
	"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on
	check "deleting the namespace of device and underlay" "$IP" netns del a
	NS_LIST=()
}

test_native_config() {
	uplinks
	check "native without fastpath refused" \
		fails_with 'it needs fastpath on' \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 native veth2
	check "native on loopback refused" \
		fails_with 'native needs a device that receives from the network' \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on native lo
	check "a native device that does not exist refused by the kernel" \
		fails_with 'native device not found' \
		"$IP" netns exec a "$RTNL" t1 local=198.18.0.1 \
			link="$("$IP" netns exec a cat /sys/class/net/veth0/ifindex)" fastpath=1 native=99999
	"$IP" -n a link set veth2 master br0
	check "a bridge port as native device refused" \
		fails_with 'already has a receive handler' \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on native veth2
	"$IP" -n a link set veth2 nomaster
	check "nothing was left behind by the failures" \
		eval 'test "$("$IP" -n a -o link show type teredo | wc -l)" = 0 && bridge_port_ok veth0'

	check "add with native veth2" \
		"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on native veth2
	check "ip -d shows it" \
		sh -c "$IP -n a -d link show t1 | grep -qF 'fastpath on native veth2'"
	check "ip -j -d shows it" native_is t1 veth2
	check "both uplinks are taken" \
		eval 'not bridge_port_ok veth0 && not bridge_port_ok veth2'
	check "another device's uplink refused as native device" \
		fails_with 'already carries the fast path of another Teredo device' \
		"$IP" -n a link add t2 type teredo local 198.18.0.1 port 3545 dev veth3 fastpath on native veth2
	check "moved to the underlay itself: one handler for both" \
		eval '"$IP" -n a link set t1 type teredo native veth0 && native_is t1 veth0 &&
		      bridge_port_ok veth2 && not bridge_port_ok veth0'
	check "native none keeps the receive fast path" \
		eval '"$IP" -n a link set t1 type teredo native none && native_is t1 None &&
		      fastpath_is t1 True && not bridge_port_ok veth0'
	"$IP" -n a link set t1 type teredo native veth2
	check "fastpath off turns native off too, and frees both" \
		eval '"$IP" -n a link set t1 type teredo fastpath off && native_is t1 None &&
		      bridge_port_ok veth0 && bridge_port_ok veth2'
	"$IP" -n a link set t1 type teredo fastpath on native veth2
	check "deleting the native device: native off, fastpath on" \
		eval '"$IP" -n a link del veth2 && native_is t1 None && fastpath_is t1 True'
	check "and says so in the kernel log" \
		sh -c 'dmesg | tail -n 20 | grep -q "t1: native off: device veth2 is going away"'
	# deleting one end of a veth deletes both: veth3 went with veth2
	"$IP" -n a link set t1 type teredo native veth1
	check "deleting the underlay: both off" \
		eval '"$IP" -n a link del veth0 && native_is t1 None && fastpath_is t1 False'
	"$IP" -n a -batch - <<-EOF
	link add veth4 type veth peer name veth5
	addr add 198.18.2.1/24 dev veth4
	link set veth4 up
	EOF
	check "underlay and native device in one" \
		"$IP" -n a link set t1 type teredo local 198.18.2.1 dev veth4 fastpath on native veth4
	check "deleting the namespace of device and uplinks" "$IP" netns del a
	NS_LIST=(b)
}

test_fastpath_unload() {
	uplinks
	"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on native veth2
	check "modprobe -r with both fast paths on" modprobe -r teredo
	check "leaves the uplinks free" eval 'bridge_port_ok veth0 && bridge_port_ok veth2'
}

trap stop_daemons EXIT
run_tests test_fastpath_config test_native_config test_fastpath_data \
	test_fastpath_native test_relay_fast test_route_classes_fast test_flood test_teardown_under_traffic \
	test_fastpath_unload

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The relay's receive fast path (fastpath on): relay.sh's tests again with
# it on; what it takes off the underlay and what it leaves to the stack
# (bad checksums, IP options, fragments); the netfilter hooks that still
# apply and those that do not; its configuration; the underlay device
# deleted or moved away; unloading with it on.
RELAY_OPTS="dev eth0 fastpath on"
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
counts() {
	echo "$(counter -n relay teredo0 rx_fastpath) $(snmp relay Udp InDatagrams)" \
		"$(echos) $(snmp relay Udp InCsumErrors)"
}
snap() { read -r -a SNAP <<<"$(counts)"; }
moved() {
	local now

	read -r -a now <<<"$(counts)"
	echo "$((now[0] - SNAP[0])) $((now[1] - SNAP[1])) $((now[2] - SNAP[2])) $((now[3] - SNAP[3]))"
}
moved_is() { expect_eq "$(moved)" "$1"; }

# A bubble from the client's mapping: after a spell of dropped replies (a
# slow debug kernel can take longer than the 30 s a peer stays trusted, and
# the relay then gives up on it) the client is trusted again.
rebubble() { raw "$(pkt bubble $CLIENT $HOST)"; }

test_fastpath_data() {
	local echo

	setup
	"$IP" netns exec srv "$PEER" server 198.18.0.1 600 &
	PIDS+=($!)
	start_client 900
	wait_for 10 udp_bound srv 3544
	check "native host pings the client through the relay" ping_client 2
	snap
	ping_client 5 >/dev/null
	check "5 replies taken off eth0, none through the UDP socket" \
		eval '[ "$(moved | cut -d" " -f1)" -ge 5 ] && [ "$(moved | cut -d" " -f2)" = 0 ]'

	echo=$(pkt echo $CLIENT $HOST)
	fresh
	snap
	raw "$echo"
	check "a datagram: taken off eth0 and delivered" \
		wait_for 5 moved_is "1 0 1 0"
	fresh
	snap
	raw "$echo" badsum
	check "a bad UDP checksum: left to the stack, which counts and drops it" \
		wait_for 5 moved_is "0 0 0 1"
	fresh
	snap
	raw "$echo" ipopt
	check "with an IP option: through the stack and the socket, delivered" \
		wait_for 5 moved_is "0 1 1 0"
	fresh
	snap
	raw "$echo" frag
	check "in two fragments: reassembled by the stack, delivered" \
		wait_for 5 moved_is "0 1 1 0"
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
		wait_for 10 eval '[ "$(moved | cut -d" " -f3)" = 200 ]'
	log "of which the fast path took $(moved | cut -d" " -f1), the socket $(moved | cut -d" " -f2)"
	tc -n inet qdisc del dev relay root
	"$IP" netns exec relay ethtool -K eth0 gro off rx-gro-list off
	snap
	local noports
	noports=$(snmp relay Udp NoPorts)
	"$IP" netns exec client "$PEER" send 198.18.0.21:40001 198.18.0.10:3545 "$echo"
	check "another port: not taken, the stack answers port unreachable" \
		eval 'wait_for 5 test "$(snmp relay Udp NoPorts)" = $((noports + 1)) && moved_is "0 0 0 0"'

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

# The relay tests, all through the fast path: every RFC check, hostile
# input, floods, teardown under traffic.
test_relay_fast() {
	test_relay
	check "the relay tests went through the fast path" \
		counter_ge -n relay teredo0 rx_fastpath 10
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
	check "fastpath 2 refused by the kernel" \
		fails_with 'fastpath is 1 (on) or 0 (off)' \
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

	"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on
	"$IP" -n a link set t1 netns b
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

test_fastpath_unload() {
	uplinks
	"$IP" -n a link add t1 type teredo local 198.18.0.1 dev veth0 fastpath on
	check "modprobe -r with the fast path on" modprobe -r teredo
	check "leaves the underlay free" bridge_port_ok veth0
}

trap stop_daemons EXIT
run_tests test_fastpath_config test_fastpath_data test_relay_fast test_flood \
	test_teardown_under_traffic test_fastpath_unload

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The control plane under hostile or unlucky requests: root in a container
# acting on a device whose socket lives in the host's namespace; fast path
# requests on devices that take no receive handler; changes that fail
# half-way, and changes under traffic; peer dumps left open while their
# device goes away; the attributes' policies.
source "$(dirname "$0")/lib.sh"
RTNL=$(cd "$(dirname "$0")" && pwd)/teredo_rtnl.py
GENL=$(cd "$(dirname "$0")" && pwd)/teredo_genl.py
PEER=$(cd "$(dirname "$0")" && pwd)/teredo_peer.py
PIDS=()
# a datagram no Teredo device accepts: 48 bytes (an IPv6 header and more),
# of IP version 4 (rx_drop_bad_header)
BAD=$(printf '42%.0s' $(seq 48))
NOCAP="needs CAP_NET_ADMIN in the device's underlay namespace"

stop_daemons() {
	[ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	PIDS=()
}
trap stop_daemons EXIT

veth() {	# NS1 DEV1 NS2 DEV2
	"$IP" -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	"$IP" -n "$1" link set "$2" up
	"$IP" -n "$3" link set "$4" up
}

# Namespaces a (the host side: underlay of the devices) and srv, on
# 198.18.0.0/24: a has .1 and .5, srv .2.
setup_pair() {
	setup_ns a srv
	veth a eth0 srv eth0
	"$IP" -n a addr add 198.18.0.1/24 dev eth0
	"$IP" -n a addr add 198.18.0.5/24 dev eth0
	"$IP" -n srv addr add 198.18.0.2/24 dev eth0
}

# A container: a process in a new user namespace and a new network
# namespace (unshare -U -r -n). Its root has every capability there and
# none over any other namespace.
start_container() {
	unshare -U -r -n sleep 600 &
	CPID=$!
	PIDS+=("$CPID")
	wait_for 5 test "$(readlink /proc/$CPID/ns/user)" != "$(readlink /proc/self/ns/user)"
}
croot() { nsenter -t "$CPID" -U -n -- "$@"; }	# as the container's root
cnet() { nsenter -t "$CPID" -n -- "$@"; }	# as the host's root, in there

# Run a command in namespace WHERE: a name, or @c for the container's
# (as the host's root).
run_in() {	# WHERE COMMAND...
	local where=$1

	shift
	if [ "$where" = @c ]; then
		cnet "$@"
	else
		"$IP" netns exec "$where" "$@"
	fi
}

stat_of() {	# WHERE DEV NAME: an ethtool -S counter
	run_in "$1" ethtool -S "$2" | awk -v k="$3:" '$1 == k {print $2}'
}

stat_gt() {	# WHERE DEV NAME MIN
	[ "$(stat_of "$1" "$2" "$3")" -gt "$4" ]
}

# What a refused change must leave as it was: ip -d of the device and the
# UDP sockets of its underlay namespace.
state() {	# WHERE DEV UNDERLAY
	run_in "$1" "$IP" -d link show "$2"
	"$IP" netns exec "$3" awk 'NR > 1 { print $2, $3 }' /proc/net/udp | sort
}

# A datagram from srv to IP:PORT reaches DEV: its rx_drop_bad_header
# counter moves.
reaches() {	# WHERE DEV IP PORT
	local before

	before=$(stat_of "$1" "$2" rx_drop_bad_header)
	"$IP" netns exec srv "$PEER" send 198.18.0.2:0 "$3:$4" $BAD >/dev/null
	wait_for 5 stat_gt "$1" "$2" rx_drop_bad_header "$before"
}

# A receiver in WHERE for the first datagram to IP:3544, its output in
# /tmp/ctl-recv.
receive() {	# WHERE IP
	stop_receiver
	run_in "$1" "$PEER" recv "$2:3544" 120 >/tmp/ctl-recv 2>&1 &
	RECV=$!
	wait_for 30 run_in "$1" grep -q ":0DD8 " /proc/net/udp
}
# It received TEXT.
received() {	# TEXT
	wait_for 10 grep -qF "$1" /tmp/ctl-recv || {
		cat /tmp/ctl-recv
		stop_receiver
		return 1
	}
	wait $RECV
	RECV=
}
# It received nothing for 2 seconds.
received_nothing() {
	sleep 2
	stop_receiver
	! grep "^from" /tmp/ctl-recv
}
# The receiver's python, not only the shell around it, still bound.
stop_receiver() {
	[ -n "${RECV:-}" ] || return 0
	pkill -P "$RECV" 2>/dev/null
	kill "$RECV" 2>/dev/null
	wait "$RECV" 2>/dev/null
	RECV=
}

# Item: a device moved into a container keeps its socket in the host's
# namespace; the container's root must not act there through it.
test_container_underlay() {
	local before out ifidx

	setup_pair
	start_container
	"$IP" -n a link add r0 type teredo local 198.18.0.1 port 3544
	"$IP" -n a link add c0 type teredo mode client local 198.18.0.1 port 4000
	ifidx=$("$IP" netns exec a cat /sys/class/net/eth0/ifindex)
	check "the host's root moves both devices into the container" \
		eval '"$IP" -n a link set r0 netns $CPID && "$IP" -n a link set c0 netns $CPID'
	cnet "$IP" link set c0 up
	cnet "$IP" link set r0 up

	before=$(state @c r0 a)
	check "container root: port change refused" \
		fails_with "$NOCAP" croot "$IP" link set r0 type teredo port 4100
	check "container root: local address change refused" \
		fails_with "$NOCAP" croot "$IP" link set r0 type teredo local 198.18.0.5
	check "container root: bind to a host device by ifindex refused" \
		fails_with "$NOCAP" croot "$RTNL" --set r0 link="$ifidx"
	check "container root: fast path on a host device refused" \
		fails_with "$NOCAP" croot "$RTNL" --set r0 link="$ifidx" fastpath=1
	check "and the refusal names the attribute" \
		fails_with "[attribute link]" croot "$RTNL" --set r0 link="$ifidx" fastpath=1
	check "the device and the host's sockets are as they were" \
		expect_eq "$(state @c r0 a)" "$before"
	check "its socket still receives on 198.18.0.1:3544" reaches @c r0 198.18.0.1 3544
	check "and no fast path took anything" expect_eq "$(stat_of @c r0 rx_fastpath)" 0

	check "a receiver in srv" receive srv 198.18.0.2
	before=$(stat_of @c c0 tx_control)
	check "container root: TEREDO_CMD_SEND from the host's socket refused" \
		fails_with "$NOCAP" croot "$GENL" send c0 198.18.0.2 $BAD
	check "container root: TEREDO_CMD_SET_CLIENT refused" \
		fails_with "$NOCAP" croot "$GENL" set-client c0 2001:0:c612:2::1
	check "nothing was sent" \
		eval 'received_nothing && expect_eq "$(stat_of @c c0 tx_control)" "$before"'
	check "and the device is not qualified" \
		expect_eq "$(croot "$GENL" get c0)" "qualified 0 local 198.18.0.1:4000 peers 0"

	check "container root may still change what stays in its namespace" \
		croot "$IP" link set r0 mtu 1400 type teredo maxpeers 100
	check "and read the device's state" croot "$GENL" get c0

	check "the host's root may change the binding" \
		cnet "$IP" link set r0 type teredo port 4100
	check "the socket moved in the host's namespace" \
		eval 'udp_bound a 4100 && not udp_bound a 3544'
	check "a receiver in srv" receive srv 198.18.0.2
	check "and send from it" cnet "$GENL" send c0 198.18.0.2 $BAD
	check "which arrives" received "from 198.18.0.1:4000 $BAD"
	check "and qualify it" cnet "$GENL" set-client c0 2001:0:c612:2::1
	rm -f /tmp/ctl-recv

	# a device the container creates has its socket in the container
	croot "$IP" link set lo up
	croot "$IP" link add vc0 type veth peer name vc1
	croot "$IP" addr add 198.18.1.1/24 dev vc0
	croot "$IP" addr add 198.18.1.2/24 dev vc1
	croot "$IP" link set vc0 up
	croot "$IP" link set vc1 up
	check "container root creates a client device" \
		croot "$IP" link add t1 type teredo mode client local 198.18.1.1 port 5000
	check "changes its binding" croot "$IP" link set t1 type teredo port 5001
	check "whose socket is in the container's namespace" \
		eval 'croot grep -q ":1389 " /proc/net/udp && not udp_bound a 5001'
	croot "$IP" link set t1 up
	check "a receiver in the container" receive @c 198.18.1.2
	check "sends from it" croot "$GENL" send t1 198.18.1.2 $BAD
	check "which arrives" received "from 198.18.1.1:5001 $BAD"
	check "qualifies it" croot "$GENL" set-client t1 2001:0:c612:102::1
	check "and turns on a relay's fast path on its own device" \
		croot "$IP" link add t2 type teredo local 198.18.1.1 dev vc0 fastpath on
	rm -f /tmp/ctl-recv
	stop_daemons
}

warnings() { dmesg | grep -c 'WARNING:'; }

# Item: fast path on a device that takes no receive handler.
test_fastpath_no_rx_handler() {
	local w before

	w=$(warnings)
	setup_ns a
	"$IP" -n a link add d0 type dummy
	"$IP" -n a link add ipvl0 link d0 type ipvlan mode l2
	"$IP" -n a addr add 198.18.2.1/24 dev ipvl0
	"$IP" -n a addr add 198.18.3.1/24 dev d0
	"$IP" -n a link set d0 up
	"$IP" -n a link set ipvl0 up
	"$IP" -n a link add vrf0 type vrf table 10
	"$IP" -n a link set vrf0 up
	check "fastpath on an ipvlan device refused at creation" \
		fails_with "takes no receive handler (an ipvlan or VRF device)" \
		"$IP" -n a link add t0 type teredo local 198.18.2.1 dev ipvl0 fastpath on
	check "nothing left behind" not "$IP" -n a link show t0
	"$IP" -n a link add t0 type teredo local 198.18.2.1 dev ipvl0
	before=$(state a t0 a)
	check "turning it on later refused too" \
		fails_with "takes no receive handler" \
		"$IP" -n a link set t0 type teredo fastpath on
	check "on a VRF device too" \
		fails_with "takes no receive handler" \
		"$IP" -n a link set t0 type teredo local 198.18.3.1 dev vrf0 fastpath on
	check "the device is as it was, fastpath off" \
		eval 'expect_eq "$(state a t0 a)" "$before" && grep -q "fastpath off" <<<"$before"'
	check "an unprivileged user's own namespace: refused as well" \
		fails_with "takes no receive handler" unshare -U -r -n sh -ec "
			$IP link add d0 type dummy
			$IP link add ipvl0 link d0 type ipvlan mode l2
			$IP addr add 198.18.2.1/24 dev ipvl0
			$IP link set d0 up; $IP link set ipvl0 up
			$IP link add t0 type teredo local 198.18.2.1 dev ipvl0 fastpath on"
	check "no WARN in the kernel log" expect_eq "$(warnings)" "$w"
}

# Item: a refused change leaves the device exactly as it was.
test_changelink_atomic() {
	local before blocker

	setup_pair
	"$IP" -n a link add br0 type bridge
	"$IP" -n a link add d1 type dummy
	"$IP" -n a link set d1 master br0
	"$IP" -n a link add t0 type teredo local 198.18.0.1 port 4000 dev eth0 mtu 1400
	"$IP" -n a link set t0 up
	"$IP" netns exec a python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 4001))
time.sleep(600)' &
	blocker=$!
	PIDS+=("$blocker")
	wait_for 5 udp_bound a 4001

	before=$(state a t0 a)
	check "a port taken by another socket, with an MTU change: refused" \
		fails_with "already in use" "$IP" -n a link set t0 type teredo port 4001 mtu 1500
	check "the device, its MTU and the sockets as they were" \
		expect_eq "$(state a t0 a)" "$before"
	check "and it receives as before" reaches a t0 198.18.0.1 4000
	check "an underlay device that does not exist: refused" \
		fails_with "underlay device not found" \
		"$IP" netns exec a "$RTNL" --set t0 link=9999 mtu=1500 port=4002
	check "as it was" expect_eq "$(state a t0 a)" "$before"
	check "fastpath on a busy device, with port and MTU: refused" \
		fails_with "already has a receive handler" \
		"$IP" -n a link set t0 type teredo dev d1 fastpath on port 4002 mtu 1500
	check "as it was" expect_eq "$(state a t0 a)" "$before"
	check "IFLA_MTU out of range with a port change: refused" \
		fails_with "MTU above 65507" "$IP" -n a link set t0 mtu 70000 type teredo port 4003
	check "naming IFLA_MTU" \
		fails_with "[attribute ifla_mtu]" \
		"$IP" netns exec a "$RTNL" --set t0 ifla_mtu=70000 port=4003
	check "as it was" expect_eq "$(state a t0 a)" "$before"
	check "and it still receives" reaches a t0 198.18.0.1 4000

	kill "$blocker"
	wait "$blocker" 2>/dev/null
	check "the port free again, the retry works" \
		"$IP" -n a link set t0 type teredo port 4001 mtu 1500
	check "the socket moved, with the MTU" \
		eval 'udp_bound a 4001 && not udp_bound a 4000 &&
		      expect_eq "$(link_json -n a t0 L[\"mtu\"])" 1500'
	check "and it receives there" reaches a t0 198.18.0.1 4001

	check "the address alone changes, on the same port" \
		"$IP" -n a link set t0 type teredo local any
	check "one socket, on any:4001" \
		expect_eq "$("$IP" netns exec a awk '$2 ~ /:0FA1$/ {print $2}' /proc/net/udp)" 00000000:0FA1
	check "it receives" reaches a t0 198.18.0.5 4001
	check "back to 198.18.0.1, the device off eth0, on again" \
		eval '"$IP" -n a link set t0 type teredo local 198.18.0.1 &&
		      "$IP" netns exec a "$RTNL" --set t0 link=0 &&
		      "$IP" -n a link set t0 type teredo dev eth0'
	check "it receives" reaches a t0 198.18.0.1 4001

	"$IP" -n a link add t1 type teredo local 198.18.0.5 port 4001
	before=$(state a t0 a)
	check "two devices never share an address and port" \
		fails_with "already in use" "$IP" -n a link set t0 type teredo local any
	check "as it was" expect_eq "$(state a t0 a)" "$before"
	"$IP" -n a link del t1
	stop_daemons
}

noports() { "$IP" netns exec a awk '$1 == "Udp:" && n++ { print $3 }' /proc/net/snmp; }

# Item: a rebind under traffic loses no more than the packets in flight.
test_rebind_under_traffic() {
	local n=1500 i changes=0 rx0 np0 rx np

	setup_pair
	"$IP" -n a link add t0 type teredo local 198.18.0.1 port 4001 dev eth0
	"$IP" -n a link set t0 up
	rx0=$(counter -n a t0 rx_drop_bad_header)
	np0=$(noports)
	"$IP" netns exec srv python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(bytes.fromhex("'$BAD'"), ("198.18.0.1", 4001))
    time.sleep(0.002)' $n &
	PIDS+=($!)
	while kill -0 "${PIDS[-1]}" 2>/dev/null; do
		"$IP" -n a link set t0 type teredo local any &&
		"$IP" -n a link set t0 type teredo local 198.18.0.1 &&
		"$IP" netns exec a "$RTNL" --set t0 link=0 >/dev/null &&
		"$IP" -n a link set t0 type teredo dev eth0 &&
		changes=$((changes + 4))
	done
	wait
	PIDS=()
	log "$changes changes while $n datagrams arrived"
	check "changes were made while the datagrams arrived" test "$changes" -ge 4
	wait_for 5 counter_ge -n a t0 rx_drop_bad_header $((rx0 + n - changes))
	rx=$(($(counter -n a t0 rx_drop_bad_header) - rx0))
	np=$(($(noports) - np0))
	log "received $rx of $n, $np found no socket"
	check "no datagram found the port without a socket" expect_eq "$np" 0
	check "at most one in flight lost per change" test "$rx" -ge $((n - changes))
}

# A relay in namespace NS with N peers (untrusted, queued), as relay.sh's
# test_neighbour_trap makes them.
npeers=1200
peers_in() {	# NS
	if ! "$IP" -n "$1" link show d0 >/dev/null 2>&1; then
		"$IP" -n "$1" link add d0 type dummy
		"$IP" -n "$1" link set d0 up
		"$IP" -n "$1" addr add 198.18.0.10/24 dev d0
		"$IP" -n "$1" addr add 2001:db8:1::1/64 dev d0 nodad
	fi
	"$IP" -n "$1" link add t0 type teredo local 198.18.0.10 maxpeers 10000 \
		proberate 1000000 probetotal 1000000
	"$IP" -n "$1" link set t0 up
	"$IP" -n "$1" route add 2001::/32 via fe80::1 dev t0
	spray "$1"
	check "$npeers peers" counter_ge -n "$1" t0 peer_new $npeers
}
# A packet to each of the npeers, big enough to pay for a bubble: an
# untrusted peer stays 30 s after its last bubble (one that sent none goes
# with its queue, after 8 s), and a dump must find them there: sprayed
# again just before it (the peers gone meanwhile made anew), as a whole
# dump on the debug kernel can take longer than that. The queues hold the
# sender's packets, charged to its socket: with the default send buffer
# it would wait for them to expire every hundred packets or so.
spray() {	# NS
	"$IP" netns exec "$1" python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 16 << 20)	# SO_SNDBUFFORCE
for i in range('$npeers'):
    s.sendto(bytes(100), ("2001:0:c612:1:0:63bf:%x:%x" % (0x3900 + (i >> 16), i & 0xffff), 9))'
	# (1 MiB of queues holds some 530 of them, 100 bytes take 2 KiB of
	# truesize: the oldest queues go to make room, their peers stay); a
	# slow spray (a loaded machine, a debug kernel) finds fewer
	log "the table holds $(peer_count "$1") of them"
}

# Start a peer dump in NS that reads one batch and waits: its output in
# /tmp/ctl-dump, its stdin on fd 7.
hold_dump() {	# NS
	rm -f /tmp/ctl-dump /tmp/ctl-dump.in
	mkfifo /tmp/ctl-dump.in
	"$IP" netns exec "$1" "$GENL" dump-hold t0 </tmp/ctl-dump.in >/tmp/ctl-dump 2>&1 &
	DUMP=$!
	exec 7>/tmp/ctl-dump.in
	wait_for 10 grep -q "^first" /tmp/ctl-dump
}
# A dump read to its end: several batches, NLMSG_DONE without an error.
whole_dump() {	# NS
	local out

	out=$(echo | "$IP" netns exec "$1" "$GENL" dump-hold t0)
	echo "$out"
	grep -Eq "^end [0-9]+ 0$" <<<"$out" &&
		[ "$(awk '/^batches/ {print $2}' <<<"$out")" -gt 1 ]
}
peer_count() { "$IP" netns exec "$1" "$GENL" get t0 | awk '{print $NF}'; }
release_dump() { echo >&7; exec 7>&-; wait_for 10 grep -q "^end" /tmp/ctl-dump; }
waiting() { dmesg | grep -c 'unregister_netdevice: waiting'; }

# Item: an open dump does not pin its device.
test_dump_open() {
	local w first pid count

	w=$(waiting)
	setup_ns a
	peers_in a
	check "a dump read to its end takes several batches" whole_dump a
	spray a
	hold_dump a
	first=$(awk '/^first/ {print $2}' /tmp/ctl-dump)
	count=$(peer_count a)
	log "the first batch held $first of $count peers"
	check "a dump left open after its first batch, peers to go" \
		test "$first" -lt "$count"
	"$IP" -n a link del t0 &
	pid=$!
	check "deleting the device completes" wait_for 10 not kill -0 $pid
	check "the device is gone" not "$IP" -n a link show t0
	release_dump
	check "the dump then ends with ENODEV" \
		grep -Eq "^end [0-9]+ 19 the device went away$" /tmp/ctl-dump
	wait $pid $DUMP
	check "no unregister_netdevice wait in the kernel log" expect_eq "$(waiting)" "$w"

	# the device's own namespace deleted, the dump in its underlay
	setup_ns b
	peers_in a
	hold_dump a
	check "a dump left open after its first batch, peers to go" \
		test "$(awk '/^first/ {print $2}' /tmp/ctl-dump)" -lt "$(peer_count a)"
	"$IP" -n a link set t0 netns b
	"$IP" netns del b
	NS_LIST=(a)
	check "the namespace the device moved to is deleted, and the device" \
		wait_for 10 not udp_bound a 3544
	release_dump
	check "the dump then ends with ENODEV" \
		grep -Eq "^end [0-9]+ 19 the device went away$" /tmp/ctl-dump
	wait $DUMP
	check "no unregister_netdevice wait in the kernel log" expect_eq "$(waiting)" "$w"
	rm -f /tmp/ctl-dump /tmp/ctl-dump.in
}

# Review: the attributes' policies, the driver info, ip's help.
test_policy() {
	setup_ns a
	check "mode 7: out of the policy's range, the attribute named" \
		fails_with "integer out of range (34) [attribute mode]" \
		"$IP" netns exec a "$RTNL" t1 mode=7
	check "port 0" \
		fails_with "integer out of range (34) [attribute port]" \
		"$IP" netns exec a "$RTNL" t1 port=0
	check "maxpeers 0" \
		fails_with "integer out of range (34) [attribute maxpeers]" \
		"$IP" netns exec a "$RTNL" t1 maxpeers=0
	check "fastpath 2" \
		fails_with "integer out of range (34) [attribute fastpath]" \
		"$IP" netns exec a "$RTNL" t1 fastpath=2
	check "MTU 1279 (IFLA_TEREDO_MTU)" \
		fails_with "MTU below 1280, the IPv6 minimum (22) [attribute mtu]" \
		"$IP" netns exec a "$RTNL" t1 mtu=1279
	check "MTU 65508 (IFLA_MTU)" \
		fails_with "MTU above 65507, the largest UDP payload (22) [attribute ifla_mtu]" \
		"$IP" netns exec a "$RTNL" t1 ifla_mtu=65508
	check "MTU 65507 is taken, through ip's generic mtu" \
		eval '"$IP" -n a link add t1 mtu 65507 type teredo &&
		      expect_eq "$(link_json -n a t1 L[\"mtu\"])" 65507'
	check "ip link help teredo gives the kernel's MTU range" \
		sh -c "$IP link help teredo 2>&1 | grep -q 'MTU  := 1280..65507'"
	check "ethtool: the driver, no version of its own" \
		sh -c "$IP netns exec a ethtool -i t1 | grep -qx 'driver: teredo' &&
		       ! $IP netns exec a ethtool -i t1 | grep -qx 'version: 0.1'"
}

# usage: control.sh [TEST_FUNCTION ...] (default: all of them)
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0	# sourced for its helpers
[ $# -gt 0 ] || set -- test_container_underlay test_fastpath_no_rx_handler \
	test_changelink_atomic test_rebind_under_traffic test_dump_open \
	test_policy
run_tests "$@"

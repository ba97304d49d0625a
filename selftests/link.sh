#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The teredo device's life cycle: creation (module autoload), every option
# through ip -d and ip -j, changes, bad input, namespaces, teardown, unload.
source "$(dirname "$0")/lib.sh"
RTNL=$(dirname "$0")/teredo_rtnl.py

moved_port() {	# NS OLD NEW
	udp_bound "$1" "$3" && not udp_bound "$1" "$2"
}

both_bound() {	# NS1 NS2 PORT
	udp_bound "$1" "$3" && udp_bound "$2" "$3"
}

del_ns_and_wait_unbound() {	# NS-TO-DELETE NS-OF-SOCKET PORT
	"$IP" netns del "$1" && wait_for 10 not udp_bound "$2" "$3"
}

del_ns_and_wait_gone() {	# NS-TO-DELETE NS-OF-DEVICE DEV
	"$IP" netns del "$1" && wait_for 10 not "$IP" -n "$2" link show "$3"
}

# Is the module loaded? (2 when /proc/modules cannot be read: never a
# "not loaded" by mistake; empty is a kernel with everything built in and
# nothing loaded, as the debug kernel)
module_loaded() {
	local mods

	mods=$(cat /proc/modules) || return 2
	awk '$1 == "teredo" { found = 1 } END { exit !found }' <<<"$mods"
}
module_unloaded() { module_loaded; [ $? = 1 ]; }

test_autoload() {
	modprobe -r teredo 2>/dev/null
	check "module not loaded before the first device, and there to be loaded" \
		eval 'module_unloaded && expect_eq "$(modinfo -F name teredo)" teredo'
	check "ip link add type teredo autoloads the module" \
		"$IP" link add teredo0 type teredo
	check "module is loaded" module_loaded
	"$IP" link del teredo0
}

test_defaults() {
	setup_ns a
	"$IP" -n a link add teredo0 type teredo
	check "default mode relay" \
		expect_eq "$(link_json -n a teredo0 'L["linkinfo"]["info_data"]["mode"]')" relay
	check "default local any, port 3544, maxpeers 1048576" \
		expect_eq "$(link_json -n a teredo0 '[L["linkinfo"]["info_data"][k] for k in ("local", "port", "maxpeers")]')" "['any', 3544, 1048576]"
	check "default MTU 1280, min 1280" \
		expect_eq "$(link_json -n a teredo0 '(L["mtu"], L["min_mtu"])')" "(1280, 1280)"
	check "point-to-point, NOARP, no link-layer address" \
		expect_eq "$(link_json -n a teredo0 '(sorted(L["flags"]), L["link_type"])')" "(['NOARP', 'POINTOPOINT'], 'none')"
	check "socket bound to UDP 3544 in its namespace" udp_bound a 3544
	"$IP" -n a link set teredo0 up
	check "no link-local address generated when up" \
		test -z "$("$IP" -n a -6 addr show dev teredo0)"
	check "ethtool reports the driver" \
		sh -c "$IP netns exec a ethtool -i teredo0 | grep -qx 'driver: teredo'"
}

test_options() {
	setup_ns a
	"$IP" -n a link add veth0 type veth peer name veth1
	"$IP" -n a addr add 198.18.0.1/24 dev veth0
	"$IP" -n a link set veth0 up
	check "add with every option" \
		"$IP" -n a link add t1 type teredo mode client local 198.18.0.1 \
		port 4000 dev veth0 mtu 1400 maxpeers 100 proberate 50 probetotal 500 \
		discovery on
	check "ip -d shows every option" \
		sh -c "$IP -n a -d link show t1 | grep -qF 'teredo mode client local 198.18.0.1 port 4000 dev veth0 maxpeers 100 fastpath off proberate 50 probetotal 500 discovery on'"
	check "ip -j -d is valid JSON with every option" \
		expect_eq "$(link_json -n a t1 '(sorted(L["linkinfo"]["info_data"].items()), L["mtu"])')" \
		"([('discovery', True), ('fastpath', False), ('link', 'veth0'), ('local', '198.18.0.1'), ('maxpeers', 100), ('mode', 'client'), ('port', 4000), ('proberate', 50), ('probetotal', 500)], 1400)"
	check "socket bound to 198.18.0.1:4000" udp_bound a 4000

	check "ip link set changes the port" \
		"$IP" -n a link set t1 type teredo port 4001
	check "the socket moved to the new port" \
		moved_port a 4000 4001
	check "ip link set changes local, maxpeers and mtu" \
		"$IP" -n a link set t1 type teredo local any maxpeers 200 mtu 1500
	check "changes show in ip -j -d" \
		expect_eq "$(link_json -n a t1 '([L["linkinfo"]["info_data"][k] for k in ("local", "port", "maxpeers")], L["mtu"])')" \
		"(['any', 4001, 200], 1500)"
	check "the mode cannot change" \
		fails_with "mode of a Teredo device cannot change" \
		"$IP" -n a link set t1 type teredo mode relay
	check "nor maxpeers beyond what the peer table was sized for" \
		fails_with "maxpeers beyond what the peer table was sized for" \
		"$IP" -n a link set t1 type teredo maxpeers 4000000000
	check "a failed change leaves the device as it was" \
		expect_eq "$(link_json -n a t1 'L["linkinfo"]["info_data"]["mode"]')" client
	"$IP" -n a link add t2 type teredo port 4002
	check "moving onto a taken port is refused" \
		fails_with "already in use" "$IP" -n a link set t1 type teredo port 4002
	check "and the device keeps its socket" udp_bound a 4001
}

test_bad_input() {
	setup_ns a
	"$IP" -n a link add teredo0 type teredo
	check "mode foo refused by ip" \
		fails_with 'invalid mode' "$IP" -n a link add t1 type teredo mode foo
	check "unknown mode value refused by the kernel's policy, naming it" \
		fails_with 'integer out of range (34) [attribute mode]' \
		"$IP" netns exec a "$RTNL" t1 mode=7
	check "port 0 refused" \
		fails_with 'integer out of range' \
		"$IP" -n a link add t1 type teredo port 0
	check "port 0 refused by the kernel's policy, naming it" \
		fails_with 'integer out of range (34) [attribute port]' \
		"$IP" netns exec a "$RTNL" t1 port=0
	check "port above 65535 refused by ip" \
		fails_with 'invalid port' "$IP" -n a link add t1 type teredo port 65536
	check "MTU 1000 refused" \
		fails_with 'MTU below 1280' "$IP" -n a link add t1 type teredo mtu 1000
	check "MTU 1000 refused by ip link set too" \
		fails_with 'MTU below 1280' "$IP" -n a link set teredo0 type teredo mtu 1000
	check "generic mtu below 1280 refused" \
		fails_with 'mtu less than device minimum' \
		"$IP" -n a link set teredo0 mtu 1279
	check "unknown local address refused" \
		fails_with 'local address is not an address of this host' \
		"$IP" -n a link add t1 type teredo local 198.18.9.9
	check "multicast local address refused" \
		fails_with 'must be a unicast' \
		"$IP" netns exec a "$RTNL" t1 local=224.0.0.1
	check "unknown underlay device refused by ip" \
		fails_with 'no such device' "$IP" -n a link add t1 type teredo dev nosuch0
	check "unknown underlay ifindex refused by the kernel" \
		fails_with 'underlay device not found' \
		"$IP" netns exec a "$RTNL" t1 link=9999
	check "maxpeers 0 refused" \
		fails_with 'integer out of range' \
		"$IP" -n a link add t1 type teredo maxpeers 0
	check "maxpeers 0 refused by the kernel's policy, naming it" \
		fails_with 'integer out of range (34) [attribute maxpeers]' \
		"$IP" netns exec a "$RTNL" t1 maxpeers=0
	check "proberate 0 and probetotal 1000001 refused" \
		eval 'fails_with "integer out of range" "$IP" -n a link add t1 type teredo proberate 0 &&
		      fails_with "integer out of range" "$IP" -n a link add t1 type teredo probetotal 1000001'
	check "a port already taken refused" \
		fails_with 'UDP port already in use' \
		"$IP" -n a link add t1 type teredo port 3544
	check "nothing was left behind by the failures" \
		test "$("$IP" -n a -o link show type teredo | wc -l)" = 1
}

test_two_namespaces() {
	setup_ns a b
	check "device on port 3544 in namespace a" \
		"$IP" -n a link add teredo0 type teredo
	check "device on port 3544 in namespace b" \
		"$IP" -n b link add teredo0 type teredo
	check "both sockets bound" \
		both_bound a b 3544
}

test_counters() {
	setup_ns a b
	"$IP" -n a link add veth0 type veth peer name veth0 netns b
	"$IP" -n a addr add 198.18.0.1/24 dev veth0
	"$IP" -n b addr add 198.18.0.2/24 dev veth0
	"$IP" -n a link set veth0 up
	"$IP" -n b link set veth0 up
	"$IP" -n a link add teredo0 type teredo
	"$IP" -n a link set teredo0 up
	"$IP" -n a addr add 2001:db8::1/64 dev teredo0
	"$IP" netns exec b python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"x" * 48, ("198.18.0.1", 3544))'
	check "malformed datagrams are dropped and counted" \
		wait_for 5 counter_ge -n a teredo0 rx_drop_bad_header 3
	check "and in the interface statistics" \
		expect_eq "$("$IP" -n a -s -j link show teredo0 | python3 -c \
			'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["dropped"])')" 3
	"$IP" netns exec a ping -6 -c 2 -i 0.2 -W 1 2001:db8::2 >/dev/null 2>&1
	check "packets to non-Teredo destinations are dropped and counted" \
		test "$(counter -n a teredo0 tx_drop_not_teredo)" -ge 2
}

test_netns_move() {
	setup_ns a b
	"$IP" -n a link add teredo0 type teredo
	check "the device can move to another namespace" \
		"$IP" -n a link set teredo0 netns b
	check "it reports its underlay namespace" \
		sh -c "$IP -n b -d link show teredo0 | grep -q 'link-netns a'"
	check "its socket stays in the underlay namespace" udp_bound a 3544
	check "deleting the underlay namespace deletes the device" \
		del_ns_and_wait_gone a b teredo0
	NS_LIST=(b)

	setup_ns c d
	"$IP" -n c link add teredo0 type teredo
	"$IP" -n c link set teredo0 netns d
	check "deleting the device's namespace releases the socket" \
		del_ns_and_wait_unbound d c 3544
	NS_LIST=(b c)
	check "the port can be bound again" "$IP" -n c link add teredo0 type teredo
}

test_teardown() {
	setup_ns a
	"$IP" -n a link add teredo0 type teredo
	check "ip link del removes the device" "$IP" -n a link del teredo0
	check "and releases its socket" not udp_bound a 3544
	"$IP" -n a link add teredo0 type teredo
	check "deleting a namespace with a device" "$IP" netns del a
	NS_LIST=()
}

test_unload() {
	setup_ns a b
	"$IP" -n a link add teredo0 type teredo
	"$IP" -n b link add teredo0 type teredo mode client
	"$IP" -n b link set teredo0 netns a name teredo1
	"$IP" link add teredo9 type teredo port 9999
	check "modprobe -r with devices in three namespaces" modprobe -r teredo
	check "the module is gone" sh -c '! grep -q "^teredo " /proc/modules'
	check "and so are its devices" \
		sh -c "! $IP -n a link show teredo0 && ! $IP link show teredo9"
	check "it loads again" "$IP" link add teredo0 type teredo
	"$IP" link del teredo0
}

run_tests test_autoload test_defaults test_options test_bad_input \
	test_two_namespaces test_counters test_netns_move test_teardown \
	test_unload

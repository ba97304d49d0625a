#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our Teredo client through changes: the host's IPv4 address, the NAT's
# public address, a server gone silent and back, failover to a second
# server, SIGHUP, forged router advertisements, an unqualified device,
# capabilities and SIGTERM.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
PEER=$(cd "$(dirname "$0")" && pwd)/teredo_peer.py
C1="" C2=""

test_setup() {
	check "topology: two NAT'd clients" \
		eval 'topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2'
	check "our relay: teredo0 in the relay namespace" \
		topo_add_our_relay
	topo_start_miredo_server
	topo_start_teredod c1
	topo_start_teredod c2
	C1=$(topo_wait_teredo_addr c1 teredo0 $((30 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo0 $((30 * SLOW)))
	check "our clients qualify against miredo-server" test -n "$C1" -a -n "$C2"
	check "client 1 reaches the native host" \
		wait_for 15 ping6 c1 "$TOPO_HOST6_IP6" -c 1
}

# The host's IPv4 address changes (renumbered LAN): a new mapping at the
# NAT, a new Teredo address, at once.
test_roaming() {
	local old=$C1 t0 t1

	t0=$(date +%s%N)
	topo_batch c1 <<-EOF
	addr del 198.19.1.2/24 dev eth0
	addr add 198.19.1.3/24 dev eth0
	route add default via 198.19.1.1
	EOF
	check "a new Teredo address after the host's IPv4 changed" \
		wait_for 10 topo_addr_changed c1 "$old"
	t1=$(date +%s%N)
	C1=$(topo_teredo_addrs c1 teredo0)
	log "new address $C1 $(( (t1 - t0) / 1000000 )) ms after the change"
	check "the old address is gone, the new one alone" topo_addr_is c1 "$C1"
	check "hook: up with OLD_ADDRESS" \
		wait_for 10 eval 'topo_last_hook c1 | grep -q "^STATE=up .* ADDRESS=$C1 .*OLD_ADDRESS=$old\$"'
	check "teredod logged the change" \
		grep -q "IPv4 addresses or routes changed" "$TOPO_DIR/teredod-c1.log"
	check "the native host reaches the new address" \
		wait_for 15 ping6 host6 "$C1" -c 1
}

# The NAT's public address changes; the client sees nothing: the next
# refresh (22.5-30 s) finds the new mapping.
test_nat_change() {
	local old=$C1 ip

	topo_batch nat1 <<-EOF
	addr del $(topo_nat_ip 1)/24 dev wan
	addr add 198.18.0.41/24 dev wan
	EOF
	check "a new Teredo address after the NAT's address changed" \
		wait_for 50 topo_addr_changed c1 "$old"
	C1=$(topo_teredo_addrs c1 teredo0)
	read -r _ _ _ ip <<<"$(topo_teredo_decode "$C1")"
	check "it embeds the NAT's new address" expect_eq "$ip" 198.18.0.41
	check "the old address is gone" topo_addr_is c1 "$C1"
	check "hook: up with OLD_ADDRESS" \
		wait_for 10 eval 'topo_last_hook c1 | grep -q "^STATE=up .* ADDRESS=$C1 .*OLD_ADDRESS=$old\$"'
	check "peers were flushed: the native host is reached anew" \
		wait_for 15 ping6 c1 "$TOPO_HOST6_IP6" -c 1
}

# A second server (ours) at 198.18.0.3 and .4 in namespace srv2, with
# native IPv6 (2001:db8:ffff::3) for the clients' echo tests.
add_second_server() {
	local conf=$TOPO_DIR/teredod-server2.conf

	topo_add_ns srv2 && topo_attach srv2 eth0 br4 srv2 &&
		topo_attach srv2 eth1 br6 srv2v6 || return 1
	topo_batch srv2 <<-EOF || return 1
	link set lo up
	addr add 198.18.0.3/24 dev eth0
	addr add 198.18.0.4/24 dev eth0
	addr add 2001:db8:ffff::3/64 dev eth1 nodad
	EOF
	printf 'ServerBindAddress 198.18.0.3\n' >"$conf"
	topo_daemon teredod-server2 srv2 "$TOPO_TEREDOD" server -f -c "$conf"
	wait_for 10 udp_bound srv2 3544
}

test_server_lost() {
	local e old2=$C2 server

	check "a second server, ours, at 198.18.0.3" add_second_server
	echo "ServerAddress 198.18.0.3" >>"$TOPO_DIR/teredod-c2.conf"
	check "SIGHUP: c2's teredod reloads its configuration (two servers now)" \
		eval 'kill -HUP "$(topo_teredod_pid c2 | tail -n 1)" &&
		      wait_for 10 grep -q "reloading" "$TOPO_DIR/teredod-c2.log"'
	check "and keeps its address" topo_addr_is c2 "$old2"
	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = miredo-server ] && kill -TERM "${e##*:}"
	done
	check "the server goes silent: address withdrawn (refresh + 3 x 4 s)" \
		wait_for 60 eval '[ -z "$(topo_teredo_addrs c1 teredo0)" ]'
	check "hook: down" \
		wait_for 10 eval 'topo_last_hook c1 | grep -q "^STATE=down OLD_STATE=up"'
	check "teredod show: not qualified" \
		expect_eq "$(topo_show c1 'D["qualified"]')" False
	check "teredod logged it" grep -q "no reply from Teredo server" "$TOPO_DIR/teredod-c1.log"
	check "c2 failed over to the second server" \
		wait_for 30 eval 'C2=$(topo_teredo_addrs c2 teredo0); [ -n "$C2" ] && [ "$C2" != "$old2" ]'
	C2=$(topo_teredo_addrs c2 teredo0)
	read -r server _ _ _ <<<"$(topo_teredo_decode "$C2")"
	check "its new address names 198.18.0.3" expect_eq "$server" 198.18.0.3
	check "c2 reaches the native host through it" \
		wait_for 15 ping6 c2 "$TOPO_HOST6_IP6" -c 1
	topo_start_miredo_server
	check "the server is back: c1 qualified again" \
		wait_for 40 eval 'C1=$(topo_teredo_addrs c1 teredo0); [ -n "$C1" ]'
	C1=$(topo_teredo_addrs c1 teredo0)
	check "and reachable" wait_for 15 ping6 host6 "$C1" -c 1
}

# teredod runs unprivileged, its helper keeps CAP_NET_ADMIN alone (more in
# teredod.sh); SIGTERM removes the address.
test_exit() {
	local pid helper

	pid=$(topo_teredod_pid c1 | tail -n 1)
	# its helper: forked at start, seen late under a slow kernel
	wait_for 10 eval 'helper=$(awk "{print \$1}" /proc/"$pid"/task/"$pid"/children); [ -n "$helper" ]'
	check "teredod runs with no capability, its helper with CAP_NET_ADMIN only" \
		expect_eq "$(awk '/^CapEff|^CapBnd/ {print $2}' /proc/"$pid"/status /proc/"$helper"/status | tr '\n' ' ')" \
		"0000000000000000 0000000000000000 0000000000001000 0000000000001000 "
	check "SIGTERM: teredod exits 0" eval 'kill -TERM $pid && wait $pid'
	check "its address is gone, the device stays" \
		eval '[ -z "$(topo_teredo_addrs c1 teredo0)" ] && "$IP" -n c1 link show teredo0 >/dev/null'
	check "hook: down, then destroy" \
		eval 'tail -n 2 "$TOPO_DIR/hook-c1.log" | cut -d" " -f1 | tr "\n" " " | grep -qx "STATE=down STATE=destroy "'
	check "the kernel knows: not qualified" \
		expect_eq "$(topo_show c1 'D["qualified"]')" False
}

# Servers that answer wrongly, and one that does not answer.
test_forged() {
	local n conf=() kinds=(nonce confbyte noauth noorigin prefixes2 prefix mtu)

	check "fake servers 198.18.0.50-56, a client c4 behind NAT 4" \
		eval 'topo_add_ns fake && topo_attach fake eth0 br4 fake4 &&
		      topo_ip -n fake link set lo up && topo_add_nat_client c4 4'
	for n in "${!kinds[@]}"; do
		topo_ip -n fake addr add 198.18.0.$((50 + n))/24 dev eth0
		topo_daemon "fake-${kinds[n]}" fake "$PEER" badserver \
			198.18.0.$((50 + n)) 300 "${kinds[n]}"
		conf+=("ServerAddress 198.18.0.$((50 + n))")
	done
	conf+=("ServerAddress 198.18.0.99")	# nobody
	# a slow start must not cost a server its first rounds
	check "the fake servers listen" \
		wait_for 30 eval '[ "$(topo_exec fake ss -Hlun "sport = 3544" | wc -l)" -eq ${#kinds[@]} ]'
	SERVER="" topo_start_teredod c4 "${conf[@]}"
	check "every round gets refused: no address" \
		wait_for 30 grep -q "no reply from any Teredo server" "$TOPO_DIR/teredod-c4.log"
	check "still no Teredo address" expect_eq "$(topo_teredo_addrs c4 teredo0)" ""
	for why in "nonce mismatch" "confirmation byte set" \
		   "no authentication header" "no origin indication" \
		   "2 prefix options" "prefix of another server" "bad MTU option"; do
		check "refused and logged: $why" \
			grep -q "ignored a router advertisement from 198.18.0.5[0-6]:3544: $why" \
			"$TOPO_DIR/teredod-c4.log"
	done
	check "all went to teredod, nothing reached the IPv6 stack" \
		eval 'counter_ge -n c4 teredo0 rx_control 7 &&
		      expect_eq "$(topo_exec c4 cat /sys/class/net/teredo0/statistics/rx_packets)" 0'
}

# A client device that is not qualified refuses to send, and says so.
test_offline() {
	check "unqualified device with an address and a route" \
		eval '"$IP" -n c4 link add teredo9 type teredo mode client &&
		      "$IP" -n c4 link set teredo9 up &&
		      "$IP" -n c4 addr add 2001:0:c612:1::1/32 dev teredo9 nodad &&
		      "$IP" -n c4 route add 2001:db8::/32 dev teredo9'
	check "ping: destination unreachable, from the device" \
		fails_with "Destination unreachable" topo_exec c4 ping -6 -n -c 1 -W 2 2001:db8:ffff::100
	check "counted: tx_drop_offline" counter_ge -n c4 teredo9 tx_drop_offline 1
	check "teredod refuses a relay device of its interface name" \
		eval '"$IP" -n c4 link add teredo8 type teredo mode relay port 3600 &&
		      printf "ServerAddress $TOPO_SRV_IP\nInterfaceName teredo8\n" >"$TOPO_DIR/t8.conf" &&
		      fails_with "teredo8 is not a client-mode teredo device" \
			topo_exec c4 "$TOPO_TEREDOD" -f -c "$TOPO_DIR/t8.conf"'
	check "its socket port is random, not 3544" \
		eval 'p=$(link_json -n c4 teredo9 "L[\"linkinfo\"][\"info_data\"][\"port\"]"); echo "port $p"; [ "$p" -gt 0 ] && [ "$p" != 3544 ]'
}

run_tests test_setup test_roaming test_nat_change test_server_lost test_forged \
	test_offline test_exit

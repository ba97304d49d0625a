#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# teredod's client (issue 27): least privilege (the network-facing daemon
# unprivileged, its helper with CAP_NET_ADMIN alone, read from /proc), one
# daemon per device (PID files), an address that stays while the server
# and the mapping do (kill -9, SIGTERM, a server lost and back), Debian's
# stock Miredo hook, hooks that do not stall the maintenance, refusals
# logged at a bounded rate, show without a device. The server and server
# names: teredod-server.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
source "$(dirname "$0")/teredod-lib.sh"
trap topo_cleanup EXIT
STOCK_HOOK=/etc/miredo/client-hook
C1="" C2=""

helper_of() {	# PID: its child, the privileged helper
	awk '{print $1}' /proc/"$1"/task/"$1"/children 2>/dev/null
}

# The netlink sockets of PID subscribed to a group (what it is told of).
subscribed_sockets() {	# PID
	local inodes

	inodes=$(ls -l /proc/"$1"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	awk -v list=" $inodes " 'NR > 1 && $4 != "00000000" && index(list, " " $10 " ") { print "protocol " $2 " groups " $4 " inode " $10 }' \
		/proc/"$1"/net/netlink
}

rs_hex() {	# a router solicitation, nonce 0102030405060708
	python3 -c 'import sys; sys.path.insert(0, "'"${PEER%/*}"'")
import teredo_peer as t; print(t.rs_payload(bytes(range(1, 9)), False).hex())'
}

helper_in() {	# NS: a teredod helper runs there
	local p

	for p in $(topo_ip netns pids "$1"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = teredod-priv ] && return 0
	done
	return 1
}

hook_lines() { wc -l <"$TOPO_DIR/hook-$1.log"; }

test_setup() {
	check "topology: 3 NAT'd clients, a host without NAT, our relay" \
		eval 'topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2 &&
		      topo_add_nat_client c3 3 && topo_add_ns atk &&
		      topo_attach atk eth0 br4 atk4 &&
		      "$IP" -n atk addr add $ATK_IP/24 dev eth0 &&
		      "$IP" -n atk link set lo up && topo_add_our_relay'
	check "teredod server on $TOPO_SRV_IP" topo_start_teredod_server srv
	# directives Miredo 1.2.6 takes: accepted, the unknown one warned of
	topo_start_teredod c1 "BindPort 0" "SyslogFacility uucp" "UnknownThing 1"
	# Debian's stock Miredo hook, unchanged
	{
		echo "ServerAddress $TOPO_SRV_IP"
		echo "InterfaceName teredo0"
		echo "HookScript $STOCK_HOOK"
	} >"$TOPO_DIR/teredod-c2.conf"
	topo_daemon teredod-c2 c2 "$TOPO_TEREDOD" -f -v -c "$TOPO_DIR/teredod-c2.conf"
	C1=$(topo_wait_teredo_addr c1 teredo0 $((40 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo0 $((40 * SLOW)))
	check "both clients qualify (c1 with BindPort 0, SyslogFacility uucp)" \
		test -n "$C1" -a -n "$C2"
	check "the unknown directive was warned of, not fatal" \
		grep -q 'UnknownThing": ignored' "$TOPO_DIR/teredod-c1.log"
	check "the stock hook: fe80::ffff:ffff:ffff, default route metric 1029, device up" \
		wait_for 20 eval 'a=$(topo_ip -n c2 -6 addr show dev teredo0); r=$(topo_ip -n c2 -6 route show default);
		      echo "$a"; echo "$r"; grep -q "fe80::ffff:ffff:ffff/64" <<<"$a" &&
		      grep -q "dev teredo0 metric 1029" <<<"$r" && topo_link_up c2 teredo0'
	log "c1 $C1, c2 $C2"
}

test_privileges() {
	local pid helper

	pid=$(topo_teredod_pid c1 | tail -n 1)
	helper=$(helper_of "$pid")
	check "client: the daemon (reads the servers' answers) is not root, has no capability" \
		unprivileged "$pid"
	check "client: it is what holds the control group's socket" \
		eval '[ -n "$(subscribed_sockets "$pid")" ]'
	check "client: its helper is root with CAP_NET_ADMIN alone" \
		expect_eq "$(status_field "$helper" Uid | awk '{print $1}') $(status_field "$helper" CapEff) $(status_field "$helper" CapPrm) $(status_field "$helper" CapBnd)" \
			"0 0000000000001000 0000000000001000 0000000000001000"
	check "client: the helper is subscribed to nothing (no network input)" \
		eval 'out=$(subscribed_sockets "$helper"); echo "$out"; [ -z "$out" ] && [ -n "$helper" ]'
	check "client: the helper has no UDP or TCP socket either" \
		eval '! topo_exec c1 ss -Hutanp | grep "pid=$helper,"'
}

test_pidfile() {
	local pid

	pid=$(topo_teredod_pid c1 | tail -n 1)
	check "PID file /run/teredod/teredo0@c1.pid: the daemon's PID" \
		expect_eq "$(cat /run/teredod/teredo0@c1.pid)" "$pid"
	check "a second teredod for c1's teredo0 is refused" \
		fails_with "teredo0: already running (/run/teredod/teredo0@c1.pid: PID $pid)" \
		topo_exec c1 timeout 20 "$TOPO_TEREDOD" -f -c "$TOPO_DIR/teredod-c1.conf"
	ln -sf "$TOPO_DIR/victim" /run/teredod/teredo5@c1.pid
	printf 'ServerAddress %s\nInterfaceName teredo5\n' "$TOPO_SRV_IP" >"$TOPO_DIR/t5.conf"
	check "a PID file that is a symbolic link is refused, not followed" \
		eval 'fails_with "a symbolic link, refused" topo_exec c1 timeout 20 "$TOPO_TEREDOD" -f -c "$TOPO_DIR/t5.conf" &&
		      [ ! -e "$TOPO_DIR/victim" ]'
	rm -f /run/teredod/teredo5@c1.pid
}

test_show_all() {
	check "show without a device: c1's teredo0" \
		eval 'topo_exec c1 "$TOPO_TEREDOD" show | grep -q "^teredo0"'
	"$IP" -n c1 link add teredo7 type teredo mode client port 3607
	check "... and another Teredo device, both (text, JSON, peers)" \
		eval 'out=$(topo_exec c1 "$TOPO_TEREDOD" show); echo "$out";
		      grep -q "^teredo0" <<<"$out" && grep -q "^teredo7" <<<"$out" &&
		      expect_eq "$(topo_exec c1 "$TOPO_TEREDOD" show -j | python3 -c "import json,sys; print(sorted(d[\"ifname\"] for d in json.load(sys.stdin)))")" "[$(printf "%s" "'"'teredo0', 'teredo7'"'")]" &&
		      topo_exec c1 "$TOPO_TEREDOD" show peers | grep -q "^teredo7:"'
	"$IP" -n c1 link del teredo7
	"$IP" -n atk link add tun8 type teredo mode relay port 3608
	check "a namespace whose only Teredo device is not teredo0" \
		eval 'topo_exec atk "$TOPO_TEREDOD" show | grep -q "^tun8"'
	"$IP" -n atk link del tun8
}

# The address stays while the server and the mapping do (RFC 5991's
# random bits are not drawn again).
test_restart() {
	local pid n

	pid=$(topo_teredod_pid c1 | tail -n 1)
	n=$(hook_lines c1)
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	topo_start_teredod c1 "BindPort 0" "SyslogFacility uucp" "UnknownThing 1"
	check "kill -9, start: resumes with the same address" \
		wait_for 20 grep -q "resuming with Teredo address $C1" "$TOPO_DIR/teredod-c1.log"
	check "... confirmed by the server" \
		wait_for 40 grep -q "mapping refreshed" "$TOPO_DIR/teredod-c1.log"
	check "... the only address, and the hook was not run again" \
		eval 'topo_addr_is c1 "$C1" && expect_eq "$(hook_lines c1)" "$n"'
	pid=$(topo_teredod_pid c1 | tail -n 1)
	check "SIGTERM: teredod exits 0, the address goes" \
		eval 'kill -TERM $pid && wait $pid && [ -z "$(topo_teredo_addrs c1 teredo0)" ]'
	check "... its helper exited too, the PID file is gone" \
		eval '! helper_in c1 && [ ! -e /run/teredod/teredo0@c1.pid ]'
	topo_start_teredod c1 "BindPort 0" "SyslogFacility uucp" "UnknownThing 1"
	check "start again: the same address (same server, same mapping)" \
		wait_for 40 topo_addr_is c1 "$C1"
	check "hook: up from down, no OLD_ADDRESS" \
		wait_for 10 eval 'expect_eq "$(topo_last_hook c1)" \
		"STATE=up OLD_STATE=down IFACE=teredo0 ADDRESS=$C1 LLADDRESS=fe80::ffff:ffff:ffff MTU=1280 OLD_ADDRESS="'
}

# The server goes away and comes back: c1 (logging hook) and c2 (the
# stock hook, which sets the device down) go down and come back up with
# the same address.
# Did teredo0 go down (a line of ip monitor without UP)?
went_down() {	# MONITOR-LOG
	awk '/ teredo0: </ && $3 !~ /UP/ { found = 1 } END { exit !found }' "$1"
}

test_server_lost() {
	local mon=$TOPO_DIR/c2-link.mon

	topo_exec c2 ip monitor link >"$mon" 2>&1 &
	TOPO_PIDS+=("monitor:$!")
	stop_daemon teredod-server
	check "server gone: c1's address withdrawn" \
		wait_for 60 eval '[ -z "$(topo_teredo_addrs c1 teredo0)" ]'
	check "hook: down, OLD_ADDRESS the address" \
		wait_for 10 eval 'topo_last_hook c1 | grep -q "^STATE=down OLD_STATE=up .* OLD_ADDRESS=$C1\$"'
	check "c2's address withdrawn too" \
		wait_for 60 eval '[ -z "$(topo_teredo_addrs c2 teredo0)" ]'
	check "the stock hook set c2's device down (ip monitor)" \
		wait_for 20 went_down "$mon"
	check "teredod c2 keeps soliciting (still running)" \
		topo_daemon_alive teredod-c2
	check "the server is back" topo_start_teredod_server srv
	check "c1 qualified again: the same address" \
		wait_for 60 topo_addr_is c1 "$C1"
	check "hook: up from down, OLD_* unset after the down (as Miredo)" \
		wait_for 10 eval 'expect_eq "$(topo_last_hook c1)" \
		"STATE=up OLD_STATE=down IFACE=teredo0 ADDRESS=$C1 LLADDRESS=fe80::ffff:ffff:ffff MTU=1280 OLD_ADDRESS="'
	check "c2 (stock hook) recovered: device up, the same address" \
		wait_for 60 eval 'topo_link_up c2 teredo0 && topo_addr_is c2 "$C2"'
	check "c2 reaches the native host" \
		wait_for 20 ping6 c2 "$TOPO_HOST6_IP6" -c 1
}

# A hook that takes 25 s (of its 30): the kernel's state follows a new mapping at
# once; the addresses and the next hook wait for it.
test_slow_hook() {
	local old new hook=$TOPO_DIR/slow-hook

	cat >"$hook" <<-EOF
	#!/bin/sh
	echo "\$STATE start" >>$hook.log
	[ "\$STATE" = up ] && [ ! -e $hook.done ] && sleep 25
	touch $hook.done
	echo "\$STATE end OLD_ADDRESS=\$OLD_ADDRESS" >>$hook.log
	EOF
	chmod +x "$hook"
	printf 'ServerAddress %s\nHookScript %s\n' "$TOPO_SRV_IP" "$hook" >"$TOPO_DIR/teredod-c3.conf"
	topo_daemon teredod-c3 c3 "$TOPO_TEREDOD" -f -v -c "$TOPO_DIR/teredod-c3.conf"
	old=$(topo_wait_teredo_addr c3 teredo0 $((40 * SLOW)))
	check "c3 qualifies; its hook starts (and sleeps 25 s)" \
		eval '[ -n "$old" ] && wait_for 10 grep -q "^up start" "$hook.log"'
	topo_batch c3 <<-EOF
	addr del 198.19.3.2/24 dev eth0
	addr add 198.19.3.3/24 dev eth0
	route add default via 198.19.3.1
	EOF
	check "during the hook, the IPv4 change gives a new address to the kernel" \
		wait_for 15 eval 'new=$(topo_show c3 "D[\"address\"]"); [ -n "$new" ] && [ "$new" != None ] && [ "$new" != "$old" ]'
	check "... while the hook still runs" \
		eval '! grep -q "^up end" "$hook.log"'
	new=$(topo_show c3 'D["address"]')
	check "after it, the new address on the device and the hook for it" \
		wait_for 50 eval 'topo_addr_is c3 "$new" && grep -q "^up end OLD_ADDRESS=$old" "$hook.log"'
}

# Forged answers from our server's address: logged, but not each one.
test_refusals() {
	local ip port before after rx

	read -r _ _ port ip <<<"$(topo_teredo_decode "$C1")"
	before=$(grep -c "ignored a router advertisement" "$TOPO_DIR/teredod-c1.log")
	rx=$(counter -n c1 teredo0 rx_control)
	topo_exec srv "$PEER" spoof "$TOPO_SRV_IP:3544" "$ip:$port" "$(rs_hex)" 300
	sleep 1.5
	topo_exec srv "$PEER" spoof "$TOPO_SRV_IP:3544" "$ip:$port" "$(rs_hex)" 1
	check "the kernel passed the flood to teredod (rx_control grew)" \
		counter_ge -n c1 teredo0 rx_control $((rx + 20))
	# the log's limit is a rate: a slow kernel spreads the flood over
	# more of its periods
	check "300 forged answers, at most 12 lines logged" \
		wait_for 5 eval 'after=$(grep -c "ignored a router advertisement" "$TOPO_DIR/teredod-c1.log");
		      echo "$before -> $after"; [ $((after - before)) -ge 2 ] && [ $((after - before)) -le $((12 * SLOW)) ]'
	check "... and how many were not" \
		grep -qE "ignored a router advertisement from $TOPO_SRV_IP:3544: .*\(and [0-9]+ more not logged\)" \
		"$TOPO_DIR/teredod-c1.log"
}

run_tests test_setup test_privileges test_pidfile test_show_all test_restart \
	test_server_lost test_slow_hook test_refusals

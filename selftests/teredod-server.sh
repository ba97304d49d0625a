#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# teredod's server (issue 27): unprivileged (read from /proc), chrooted,
# SIGHUP and SIGQUIT as miredo-server, a control socket no local user can
# take first; and a client whose server is a DNS name (dnsmasq) that does
# not resolve at start, then moves. The client: teredod.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
source "$(dirname "$0")/teredod-lib.sh"
trap topo_cleanup EXIT
test_setup() {
	check "topology: a NAT'd client, a host without NAT" \
		eval 'topo_init && topo_add_nat_client c4 4 && topo_add_ns atk &&
		      topo_attach atk eth0 br4 atk4 &&
		      "$IP" -n atk addr add $ATK_IP/24 dev eth0 &&
		      "$IP" -n atk link set lo up'
	check "teredod server on $TOPO_SRV_IP" topo_start_teredod_server srv
}

test_privileges() {
	check "server: not root, no capability, no_new_privs" \
		unprivileged "$(srv_pid)"
	check "server: still answers (RS from a host)" \
		eval 'topo_exec atk "$PEER" rs "$ATK_IP:40000" "$TOPO_SRV_IP" | grep -q "^ra from"'
}

# Our second server, at 198.18.0.3 and .4 in namespace srv2, with
# native IPv6 (2001:db8:ffff::3).
add_srv2() {
	topo_add_ns srv2 && topo_attach srv2 eth0 br4 srv2 &&
		topo_attach srv2 eth1 br6 srv2v6 || return 1
	topo_batch srv2 <<-EOF
	link set lo up
	addr add 198.18.0.3/24 dev eth0
	addr add 198.18.0.4/24 dev eth0
	addr add 2001:db8:ffff::3/64 dev eth1 nodad
	EOF
}

start_srv2() {	# [ARGS...]
	topo_daemon teredod-server2 srv2 "$TOPO_TEREDOD" server -f \
		-c "$TOPO_DIR/server2.conf" "$@"
	wait_for 10 udp_bound srv2 3544
}

test_server_signals() {
	local pid jail=$TOPO_DIR/jail out

	mkdir -p "$jail"
	printf 'ServerBindAddress 198.18.0.3\nInterfaceMTU 1280\n' >"$TOPO_DIR/server2.conf"
	check "a second server" add_srv2
	# a local user takes the server's old control socket name first
	topo_exec srv2 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		python3 -c 'import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\0teredod/server/198.18.0.3"); s.listen(1); time.sleep(600)' &
	TOPO_PIDS+=("squatter:$!")
	# (a name that is not there: one that is gives EADDRINUSE first)
	check "a local user cannot create a name in /run/teredod" \
		fails_with "Permission denied" topo_exec srv2 setpriv --reuid=nobody \
		--regid=nogroup --clear-groups python3 -c 'import socket
socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind("/run/teredod/squatter.sock")'
	check "the server starts all the same, chrooted (-t)" start_srv2 -t "$jail"
	pid=$(td_pid_of teredod-server2)
	check "... in the jail, unprivileged" \
		eval 'expect_eq "$(readlink /proc/$pid/root)" "$jail" && unprivileged $pid'
	check "teredod show server works for any user" \
		eval 'topo_exec srv2 setpriv --reuid=nobody --regid=nogroup --clear-groups "$TOPO_TEREDOD" show server | grep -q "^primary 198.18.0.3$"'
	out=$(topo_exec atk "$PEER" rs "$ATK_IP:40010" 198.18.0.3)
	check "its RA advertises MTU 1280" eval '[[ "$out" == *" mtu 1280" ]]'
	printf 'ServerBindAddress 198.18.0.3\nInterfaceMTU 1400\n' >"$TOPO_DIR/server2.conf"
	kill -HUP "$pid"
	check "SIGHUP: the file read again (in the chroot)" \
		wait_for 10 grep -q "MTU 1400" "$TOPO_DIR/teredod-server2.log"
	out=$(topo_exec atk "$PEER" rs "$ATK_IP:40011" 198.18.0.3)
	check "... its RA advertises MTU 1400" eval '[[ "$out" == *" mtu 1400" ]]'
	check "SIGQUIT: stops, status 0, as miredo-server" \
		eval 'kill -QUIT $pid; wait $pid && grep -q "signal 3: stopping" "$TOPO_DIR/teredod-server2.log"'
}

# ServerAddress is a DNS name (dnsmasq in namespace dns, 198.18.0.53): no
# answer at start, an answer later, then the server moves.
test_dns() {
	local conf=$TOPO_DIR/teredod-c4.conf hosts=$TOPO_DIR/dns.hosts
	local resolv=$TOPO_DIR/resolv-c4.conf a server

	check "a DNS namespace" \
		eval 'topo_add_ns dns &&
		      topo_attach dns eth0 br4 dns4 && "$IP" -n dns link set lo up &&
		      "$IP" -n dns addr add 198.18.0.53/24 dev eth0'
	printf 'nameserver 198.18.0.53\noptions timeout:1 attempts:1\n' >"$resolv"
	printf 'ServerAddress teredo.test\n' >"$conf"
	: >"$hosts"
	# its own /etc/resolv.conf: a bind mount in a mount namespace
	topo_daemon teredod-c4 c4 unshare -m sh -c \
		"mount --bind $resolv /etc/resolv.conf && exec $TOPO_TEREDOD -f -v -c $conf"
	check "no DNS answer at start: logged, teredod keeps running" \
		eval 'wait_for 20 grep -q "\"teredo.test\": no IPv4 address" "$TOPO_DIR/teredod-c4.log" &&
		      wait_for 10 grep -q "next lookup in" "$TOPO_DIR/teredod-c4.log" &&
		      topo_daemon_alive teredod-c4'
	echo "$TOPO_SRV_IP teredo.test" >"$hosts"
	topo_daemon dnsmasq dns dnsmasq -k -C /dev/null --no-resolv --no-hosts \
		--addn-hosts="$hosts" --listen-address=198.18.0.53 --bind-interfaces \
		--user=root --group=root --pid-file= --log-facility=-
	check "the DNS answers: c4 qualifies with $TOPO_SRV_IP" \
		wait_for 90 eval 'a=$(topo_teredo_addrs c4 teredo0); [ -n "$a" ] &&
		      read -r server _ <<<"$(topo_teredo_decode "$a")" && [ "$server" = "$TOPO_SRV_IP" ]'
	# the server moves to 198.18.0.3: the DNS says so, the old one stops
	check "our second server runs" start_srv2
	echo "198.18.0.3 teredo.test" >"$hosts"
	kill -HUP "$(td_pid_of dnsmasq)"
	stop_daemon teredod-server
	check "failover: the name looked up again, c4 follows the server to 198.18.0.3" \
		wait_for 120 eval 'a=$(topo_teredo_addrs c4 teredo0); [ -n "$a" ] &&
		      read -r server _ <<<"$(topo_teredo_decode "$a")" && [ "$server" = 198.18.0.3 ]'
	check "logged: moved" \
		grep -q "server teredo.test moved from $TOPO_SRV_IP to 198.18.0.3" "$TOPO_DIR/teredod-c4.log"
}

run_tests test_setup test_privileges test_server_signals test_dns

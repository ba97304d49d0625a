#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A small Teredo "Internet" in network namespaces, for the selftests.
# Source it after lib.sh; sourcing has no side effect. Only documentation
# and benchmark addresses are used: 198.18.0.0/15 (IPv4) and 2001:db8::/32.
#
#                      namespace inet
#       br4: IPv4 "Internet", 198.18.0.0/24     br6: native IPv6, 2001:db8:ffff::/64
#        |        |          |          |         |        |          |
#   srv eth0  relay eth0  nat1 wan  nat2 wan   srv eth1  relay eth1  host6 eth0
#   198.18.0.1  198.18.0.10  .21       .22     ::1       ::10        ::100
#   198.18.0.2                |         |
#                        nat1 lan   nat2 lan          (2001:db8:ffff:: + suffix)
#                       198.19.1.1  198.19.2.1
#                             |         |
#                      client eth0  client eth0
#                       198.19.1.2  198.19.2.2, default via .1
#
# srv    Teredo server: 198.18.0.1 and 198.18.0.2 (consecutive, as Miredo and
#        RFC 4380 want) on eth0, 2001:db8:ffff::1 on eth1. miredo-server sends
#        the clients' ICMPv6 echo requests (connectivity tests) to native IPv6
#        through a raw socket, so srv only needs the on-link route to br6.
# relay  198.18.0.10 on eth0, 2001:db8:ffff::10 on eth1, IPv6 forwarding on.
#        topo_start_miredo_relay runs Miredo there (tun "teredo", 2001::/32);
#        an in-kernel relay instead: ip -n relay link add teredo0 type teredo
#        mode relay; ip -n relay link set teredo0 up;
#        ip -n relay route add 2001::/32 dev teredo0.
# host6  native IPv6 host, 2001:db8:ffff::100, routes 2001::/32 via the relay
#        (2001:db8:ffff::10). The echo replies of Teredo clients' connectivity
#        tests come back this way, through the relay.
# natN   NAT router: wan 198.18.0.(20+N), lan 198.19.N.1/24, IPv4 forwarding,
#        nftables masquerade on wan (table ip topo_nat), unsolicited inbound
#        packets dropped. Linux masquerade has endpoint-independent mapping
#        and keeps the source port when it can, but only lets in replies of
#        the remote address and port (a "port-restricted cone" NAT).
# NAME   client behind natN: eth0 198.19.N.2/24, default route via 198.19.N.1.
#
# Miredo 1.2.6 (Debian 12) facts, checked in the test VM:
# * 198.18.0.0/15 counts as global unicast for Miredo: its list of non-global
#   IPv4 is 0/8, 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16,
#   192.88.99.0/24 and 224/3 (libteredo/v4global.c). miredo-server starts on
#   198.18.0.1/.2 and clients qualify behind 198.18.0.2x.
# * The daemons run with -f (foreground; they log to stderr as well as to
#   syslog, and there is no syslogd in the VM) and -p PIDFILE: the default
#   PID file /run/miredo.pid is locked, a second client without -p exits
#   with "Cannot create PID file /var/run/miredo.pid: Resource temporarily
#   unavailable".
# * The parent stays root (it restarts the worker); the worker switches to
#   user "miredo" with no capabilities, no chroot (its home /var/run/miredo
#   need not exist). Nothing needs to be writable but the PID file. SIGTERM
#   to the parent stops everything cleanly (the client runs its hook with
#   STATE=down, then destroy).
# * The client runs the compiled-in hook /etc/miredo/client-hook through
#   /usr/libexec/miredo/miredo-privproc (root, CAP_NET_ADMIN). There is no
#   option to change the path, and a read-only /etc is fine: on "up" it
#   flushes the interface, sets it up with the server's MTU (1280), adds
#   fe80::ffff:ffff:ffff/64 and the Teredo address/32 (hence the route
#   2001::/32 dev teredo) and "default dev teredo metric 1029" (no table
#   "teredo" in /etc/iproute2/rt_tables, so no source rule).
# * The relay (RelayType relay) configures its tun itself, no hook: up,
#   MTU 1280, fe80::ffff:ffff:ffff/64, route 2001::/32 metric 1024. Its UDP
#   port is random (no BindPort) on 198.18.0.10 (BindAddress).
# * A tun named "teredo" makes the kernel autoload teredo.ko: Miredo's
#   ioctls on a device name that does not exist yet end in dev_load(), which
#   calls request_module("teredo"). Tests that need the module unloaded must
#   unload it after starting Miredo.
# * Qualification: the client sends one RS (auth header, non-cone
#   fe80::ffff:ffff:ffff) to 198.18.0.1:3544 about 1-3 s after it starts,
#   the RA comes back in ~0.1 s, then the hook runs (8 ip commands, 1-3 s in
#   the emulated VM): 3-10 s from start to address. RS are retried every
#   4 s, 3 misses = "No reply from Teredo server" and a 100 s pause; once
#   qualified, an RS every 30 s keeps the NAT mapping.
# * Relay selection by a Miredo client (there is no relay setting): for a
#   native destination it sends an ICMPv6 echo request (the connectivity
#   test, an HMAC in its data) to its server, which sends it out natively;
#   whichever relay brings the echo reply back is used (its IPv4 and port)
#   for that destination. A packet from a native source through an unknown
#   relay is queued until the client's own echo test to that source comes
#   back through the same relay address and port.
# * What a relay must do for a Miredo client behind a NAT (seen on the
#   wire): the Miredo relay queues the packet, sends a bubble (source a
#   random fe80:: address, destination the client's Teredo address) to the
#   server embedded in that address, 198.18.0.1:3544; the server forwards it
#   to the client with an origin indication (the relay's IPv4 and port); the
#   client answers with a bubble from its Teredo address to the relay, which
#   opens the NAT; the relay then sends the queued packets. It sends no
#   direct bubble to the client first.

TOPO_DIR=${TOPO_DIR:-/run/topo}
TOPO_SRV_IP=198.18.0.1
TOPO_SRV_IP2=198.18.0.2
TOPO_RELAY_IP=198.18.0.10
TOPO_NET6=2001:db8:ffff
TOPO_SRV_IP6=$TOPO_NET6::1
TOPO_RELAY_IP6=$TOPO_NET6::10
TOPO_HOST6_IP6=$TOPO_NET6::100
TOPO_NS=()	# namespaces created, deleted by topo_cleanup
TOPO_PIDS=()	# daemons started, as NAME:PID
TOPO_MODPROBE=""	# PID of the modprobe started by topo_init

topo_ip() { "${IP:-/sbin/ip}" "$@"; }

# Run a command in a namespace.
topo_exec() {	# NS COMMAND...
	local ns=$1

	shift
	topo_ip netns exec "$ns" "$@"
}

topo_sysctl() {	# NS KEY=VALUE...
	local ns=$1

	shift
	topo_exec "$ns" sysctl -qw "$@" >/dev/null
}

# Run ip commands, one a line on stdin, in a namespace: one process for all
# (every fork and exec is slow in the emulated VM).
topo_batch() {	# NS
	topo_ip -n "$1" -batch -
}

topo_add_ns() {	# NS...
	local ns

	for ns in "$@"; do
		topo_ip netns add "$ns" || return 1
		TOPO_NS+=("$ns")
	done
}

# The ip commands (for topo_batch inet) connecting namespace NS to a bridge
# of inet: a veth pair with DEV in NS and BRPORT in inet, both up. The
# caller adds addresses in NS.
topo_attach_cmds() {	# NS DEV BRIDGE BRPORT
	echo "link add $4 master $3 up type veth peer name $2 netns $1"
}

# The same, done at once (for hosts added by a test).
topo_attach() {	# NS DEV BRIDGE BRPORT
	topo_attach_cmds "$@" | topo_batch inet && topo_ip -n "$1" link set "$2" up
}

# The "Internet" and the fixed hosts: inet, srv, relay, host6.
topo_init() {
	mkdir -p "$TOPO_DIR" || return 1
	rm -f "$TOPO_DIR"/*.log "$TOPO_DIR"/*.pid "$TOPO_DIR"/*.conf \
		"$TOPO_DIR"/*.out
	# Loading modules is slow in the emulated VM: do it while the
	# namespaces are set up (nft and Miredo would load them anyway).
	modprobe -q -a tun veth bridge nf_conntrack nf_nat nf_tables \
		nft_chain_nat nft_masq nft_ct 2>/dev/null &
	TOPO_MODPROBE=$!
	topo_add_ns inet srv relay host6 || return 1

	{
		echo "link set lo up"
		echo "link add br4 up type bridge forward_delay 0 mcast_snooping 0"
		echo "link add br6 up type bridge forward_delay 0 mcast_snooping 0"
		topo_attach_cmds srv eth0 br4 srv4
		topo_attach_cmds srv eth1 br6 srv6
		topo_attach_cmds relay eth0 br4 relay4
		topo_attach_cmds relay eth1 br6 relay6
		topo_attach_cmds host6 eth0 br6 host6
	} | topo_batch inet || return 1
	topo_sysctl inet net.ipv6.conf.all.disable_ipv6=1

	topo_batch srv <<-EOF || return 1
	link set lo up
	link set eth0 up
	link set eth1 up
	addr add $TOPO_SRV_IP/24 dev eth0
	addr add $TOPO_SRV_IP2/24 dev eth0
	addr add $TOPO_SRV_IP6/64 dev eth1 nodad
	EOF
	topo_batch relay <<-EOF || return 1
	link set lo up
	link set eth0 up
	link set eth1 up
	addr add $TOPO_RELAY_IP/24 dev eth0
	addr add $TOPO_RELAY_IP6/64 dev eth1 nodad
	EOF
	topo_sysctl relay net.ipv6.conf.all.forwarding=1 || return 1
	topo_batch host6 <<-EOF
	link set lo up
	link set eth0 up
	addr add $TOPO_HOST6_IP6/64 dev eth0 nodad
	route add 2001::/32 via $TOPO_RELAY_IP6
	EOF
}

# A client namespace NAME behind a new NAT router natN (1 <= N <= 200).
topo_add_nat_client() {	# NAME N
	local name=$1 n=$2 nat=nat$2

	topo_add_ns "$nat" "$name" || return 1
	topo_attach_cmds "$nat" wan br4 "$nat" | topo_batch inet || return 1
	topo_batch "$nat" <<-EOF || return 1
	link set lo up
	link set wan up
	addr add $(topo_nat_ip "$n")/24 dev wan
	link add lan up type veth peer name eth0 netns $name
	addr add 198.19.$n.1/24 dev lan
	EOF
	topo_batch "$name" <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.19.$n.2/24 dev eth0
	route add default via 198.19.$n.1
	EOF
	topo_sysctl "$nat" net.ipv4.ip_forward=1 || return 1
	[ -n "$TOPO_MODPROBE" ] && wait "$TOPO_MODPROBE" 2>/dev/null
	TOPO_MODPROBE=""
	# Unsolicited inbound packets are dropped in input, before conntrack
	# confirms their entry: otherwise a peer's early bubble to our mapped
	# port leaves an inbound entry that clashes with the next outbound
	# packet to that peer, which masquerade then moves to another port.
	topo_exec "$nat" nft -f - <<-EOF
	table ip topo_nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan" masquerade
		}
		chain input {
			type filter hook input priority filter; policy accept;
			iifname "wan" ct state new drop
		}
	}
	EOF
}

# natN as a cone NAT: masquerade keeps the client's PORT, and what comes
# to that port from anywhere goes to the client.
topo_nat_cone() {	# N PORT
	topo_exec "nat$1" nft -f - <<-EOF
	delete table ip topo_nat
	table ip topo_nat {
		chain prerouting {
			type nat hook prerouting priority dstnat; policy accept;
			iifname "wan" udp dport $2 dnat to 198.19.$1.2
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan" masquerade
		}
	}
	EOF
}

# natN as a symmetric NAT: a random port for every new destination (of
# what it forwards: the router's own packets, STUN's, keep their port).
topo_nat_symmetric() {	# N
	topo_exec "nat$1" nft -f - <<-EOF
	delete table ip topo_nat
	table ip topo_nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr 198.19.$1.0/24 oifname "wan" masquerade fully-random
		}
		chain input {
			type filter hook input priority filter; policy accept;
			iifname "wan" ct state new drop
		}
	}
	EOF
}

# A STUN server (RFC 3489, two addresses) on srv: what a UPnP gateway asks
# for its public address when the one on its WAN link is in a reserved
# range, as 198.18.0.0/15 is for miniupnpd.
topo_start_stun() {
	topo_daemon stund srv stund -h "$TOPO_SRV_IP" -a "$TOPO_SRV_IP2"
	wait_for 10 udp_bound srv 3478
}

# A UPnP IGD and NAT-PMP (natpmp: NAT-PMP alone) on natN's LAN side:
# miniupnpd, nftables build, in its own table; it learns its public address
# with STUN (topo_start_stun first). Waits until it accepts port mappings.
topo_nat_upnp() {	# N [natpmp]
	local n=$1 conf=$TOPO_DIR/miniupnpd-nat$1.conf upnp=yes

	topo_exec "nat$n" nft -f - <<-EOF || return 1
	table inet miniupnpd {
		chain forward {
			type filter hook forward priority filter; policy accept;
			jump miniupnpd
		}
		chain miniupnpd {
		}
		chain prerouting {
			type nat hook prerouting priority dstnat; policy accept;
			jump prerouting_miniupnpd
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			jump postrouting_miniupnpd
		}
		chain prerouting_miniupnpd {
		}
		chain postrouting_miniupnpd {
		}
	}
	EOF
	[ "${2:-}" = natpmp ] && upnp=no
	cat >"$conf" <<-EOF
	ext_ifname=wan
	listening_ip=lan
	http_port=0
	enable_natpmp=yes
	enable_upnp=$upnp
	secure_mode=yes
	ext_perform_stun=yes
	ext_stun_host=$TOPO_SRV_IP
	lease_file=$TOPO_DIR/miniupnpd-nat$n.leases
	upnp_table_name=miniupnpd
	upnp_nat_table_name=miniupnpd
	upnp_forward_chain=miniupnpd
	upnp_nat_chain=prerouting_miniupnpd
	upnp_nat_postrouting_chain=postrouting_miniupnpd
	uuid=3d3cec3a-8cf0-11e0-98ee-00000000000$n
	allow 1024-65535 198.19.$n.0/24 1024-65535
	deny 0-65535 0.0.0.0/0 0-65535
	EOF
	# STUN's answers from the server's other address and port
	topo_exec "nat$n" nft insert rule ip topo_nat input \
		iifname wan udp sport { 3478, 3479 } accept || return 1
	rm -f "$TOPO_DIR/miniupnpd-nat$n.leases"
	topo_daemon "miniupnpd-nat$n" "nat$n" miniupnpd -d -f "$conf" \
		-P "$TOPO_DIR/miniupnpd-nat$n.pid"
	wait_for 20 grep -q "Port forwarding is now enabled" \
		"$TOPO_DIR/miniupnpd-nat$n.log"
}

# The port mappings natN's gateway holds: "EXTPORT INTERNAL-IP:PORT" lines.
topo_upnp_maps() {	# N
	topo_exec "nat$1" nft list chain inet miniupnpd prerouting_miniupnpd |
		sed -n 's/.* dport \([0-9]*\) dnat ip to \([0-9.:]*\).*/\1 \2/p'
}

# Public IPv4 of natN.
topo_nat_ip() {	# N
	echo "198.18.0.$((20 + $1))"
}

# Start a daemon in a namespace, in the background, its output in
# $TOPO_DIR/NAME.log; its PID is recorded for topo_cleanup.
topo_daemon() {	# NAME NS COMMAND...
	local name=$1 ns=$2

	shift 2
	# Not through a shell function, so that $! is the daemon itself
	# (ip netns exec execs it). Call this in the test's shell, not in $().
	"${IP:-/sbin/ip}" netns exec "$ns" "$@" >"$TOPO_DIR/$name.log" 2>&1 </dev/null &
	TOPO_PIDS+=("$name:$!")
}

topo_daemon_alive() {	# NAME
	local e

	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = "$1" ] && kill -0 "${e##*:}" 2>/dev/null && return 0
	done
	return 1
}

topo_link_up() {	# NS DEV
	topo_ip -n "$1" link show dev "$2" up 2>/dev/null | grep -q .
}

# miredo-server in namespace srv (or NS), bound to 198.18.0.1 and .2.
topo_start_miredo_server() {	# [NS]
	local ns=${1:-srv} conf=$TOPO_DIR/miredo-server.conf

	cat >"$conf" <<-EOF
	ServerBindAddress $TOPO_SRV_IP
	ServerBindAddress2 $TOPO_SRV_IP2
	EOF
	topo_daemon miredo-server "$ns" miredo-server -f -c "$conf" \
		-p "$TOPO_DIR/miredo-server.pid"
	wait_for 10 udp_bound "$ns" 3544 || {
		echo "miredo-server did not bind UDP 3544"
		return 1
	}
}

# Our Teredo server (teredod server) in namespace srv (or NS), on 198.18.0.1
# and .2; extra arguments go to "teredod server" (--rate, --burst).
topo_start_teredod_server() {	# [NS [ARGS...]]
	local ns=${1:-srv} conf=$TOPO_DIR/teredod-server.conf
	local teredod

	teredod=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/userspace/teredod/teredod
	shift
	cat >"$conf" <<-EOF
	ServerBindAddress $TOPO_SRV_IP
	ServerBindAddress2 $TOPO_SRV_IP2
	EOF
	topo_daemon teredod-server "$ns" "$teredod" server -f -c "$conf" \
		-p "$TOPO_DIR/teredod-server.pid" "$@"
	wait_for 10 udp_bound "$ns" 3544 || {
		echo "teredod server did not bind UDP 3544"
		return 1
	}
}

# The scriptable Teredo endpoint and TCP source/sink of the tests.
TOPO_PEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/teredo_peer.py

# Three pings from namespace NS, 0.5 s apart, 5 s to answer each.
ping6() {	# NS DESTINATION [ping options]
	local ns=$1 dst=$2

	shift 2
	topo_exec "$ns" ping -6 -n -c 3 -i 0.5 -W 5 "$@" "$dst"
}

# TCP from namespace FROM to DST:5001 in namespace TO; the bytes must match.
tcp_transfer() {	# FROM TO DST BYTES
	local sink src

	topo_exec "$2" "$TOPO_PEER" tcp-sink 5001 60 >"$TOPO_DIR/sink.out" 2>&1 &
	sink=$!
	sleep 1
	src=$(topo_exec "$1" "$TOPO_PEER" tcp-source "$3" 5001 "$4") || return 1
	wait "$sink"
	expect_eq "$(cat "$TOPO_DIR/sink.out")" "$src"
}

# Our client: teredod (from this tree) in NS drives its teredo0.
TOPO_TEREDOD=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/userspace/teredod/teredod

# teredod in namespace NS, with a hook that logs its environment; the
# server is miredo-server unless SERVER= is given (empty: none).
topo_start_teredod() {	# NS [CONFIG LINE...]
	local ns=$1 conf=$TOPO_DIR/teredod-$1.conf hook=$TOPO_DIR/hook-$1

	shift
	{
		echo "# teredod for $ns"
		echo "RelayType client"
		[ -n "${SERVER-$TOPO_SRV_IP}" ] && echo "ServerAddress ${SERVER-$TOPO_SRV_IP}"
		echo "InterfaceName teredo0"
		echo "HookScript $hook"
		printf '%s\n' "$@"
	} >"$conf"
	cat >"$hook" <<-EOF
	#!/bin/sh
	echo "STATE=\$STATE OLD_STATE=\$OLD_STATE IFACE=\$IFACE ADDRESS=\$ADDRESS LLADDRESS=\$LLADDRESS MTU=\$MTU OLD_ADDRESS=\$OLD_ADDRESS" >>$hook.log
	EOF
	chmod +x "$hook"
	topo_daemon "teredod-$ns" "$ns" "$TOPO_TEREDOD" -f -v -c "$conf"
}

topo_teredod_pid() {	# NS
	local e

	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = "teredod-$1" ] && echo "${e##*:}"
	done
}

topo_show() {	# NS EXPR on D (teredod show --json of teredo0)
	topo_exec "$1" "$TOPO_TEREDOD" show --json teredo0 |
		pyq 'D = json.loads(data); print('"$2"')'
}

topo_last_hook() {	# NS
	tail -n 1 "$TOPO_DIR/hook-$1.log" 2>/dev/null
}

topo_addr_is() {	# NS ADDRESS: the only Teredo address of teredo0
	expect_eq "$(topo_teredo_addrs "$1" teredo0)" "$2"
}

topo_addr_changed() {	# NS OLD: a Teredo address, another one
	local a

	a=$(topo_teredo_addrs "$1" teredo0)
	[ -n "$a" ] && [ "$a" != "$2" ] && [[ $a != *$'\n'* ]]
}

# Our relay, teredo0 in namespace relay on its address, with the Teredo
# route through one link-local gateway (no neighbour entry per peer);
# TOPO_RELAY_OPTS: more options.
topo_add_our_relay() {
	topo_batch relay <<-EOF
	link add teredo0 type teredo mode relay local $TOPO_RELAY_IP ${TOPO_RELAY_OPTS:-}
	link set teredo0 up
	route add 2001::/32 via fe80::1 dev teredo0
	EOF
}

# A Miredo relay in its own namespace: 198.18.0.11, 2001:db8:ffff::11.
topo_add_miredo_relay() {
	local conf=$TOPO_DIR/miredo-mrelay.conf

	topo_add_ns mrelay || return 1
	{
		topo_attach_cmds mrelay eth0 br4 mrelay4
		topo_attach_cmds mrelay eth1 br6 mrelay6
	} | topo_batch inet || return 1
	topo_batch mrelay <<-EOF || return 1
	link set lo up
	link set eth0 up
	link set eth1 up
	addr add 198.18.0.11/24 dev eth0
	addr add 2001:db8:ffff::11/64 dev eth1 nodad
	EOF
	topo_sysctl mrelay net.ipv6.conf.all.forwarding=1 || return 1
	printf 'RelayType relay\nInterfaceName teredo\nBindAddress 198.18.0.11\n' >"$conf"
	topo_daemon miredo-mrelay mrelay miredo -f -c "$conf" \
		-p "$TOPO_DIR/miredo-mrelay.pid"
	wait_for 10 topo_link_up mrelay teredo
}

topo_peer_ip() {	# NS PEER-ADDRESS: the IPv4 it is mapped to, trusted
	topo_exec "$1" "$TOPO_TEREDOD" show peers --json teredo0 |
		pyq 'P = [p for p in json.loads(data) if p["address"] == argv[0] and p["trusted"]]
print(P[0]["ip"] if P else None)' "$2"
}

# A Miredo relay in namespace relay (or NS): tun "teredo" with 2001::/32.
topo_start_miredo_relay() {	# [NS]
	local ns=${1:-relay} conf=$TOPO_DIR/miredo-relay.conf

	cat >"$conf" <<-EOF
	RelayType relay
	InterfaceName teredo
	BindAddress $TOPO_RELAY_IP
	EOF
	topo_daemon miredo-relay "$ns" miredo -f -c "$conf" \
		-p "$TOPO_DIR/miredo-relay.pid"
	wait_for 10 topo_link_up "$ns" teredo || {
		echo "the Miredo relay did not bring up its interface"
		return 1
	}
}

# A Miredo client in namespace NS using the server 198.18.0.1; its tunnel is
# IFNAME (default teredo). Wait for the address with topo_wait_teredo_addr.
topo_start_miredo_client() {	# NS [IFNAME]
	local ns=$1 ifname=${2:-teredo} conf=$TOPO_DIR/miredo-$1.conf

	cat >"$conf" <<-EOF
	RelayType client
	ServerAddress $TOPO_SRV_IP
	InterfaceName $ifname
	EOF
	topo_daemon "miredo-$ns" "$ns" miredo -f -c "$conf" \
		-p "$TOPO_DIR/miredo-$ns.pid"
}

# Expand an IPv6 address into its 8 groups, 4 hex digits each, separated
# by spaces (pure bash: forks are slow in the emulated VM).
topo_expand6() {	# ADDRESS
	local a=${1%%/*} head tail h t g out=() n i

	if [[ $a == *::* ]]; then
		head=${a%%::*} tail=${a#*::}
		IFS=: read -ra h <<<"$head"
		IFS=: read -ra t <<<"$tail"
		n=$((8 - ${#h[@]} - ${#t[@]}))
		g=("${h[@]}")
		for ((i = 0; i < n; i++)); do g+=(0); done
		g+=("${t[@]}")
	else
		IFS=: read -ra g <<<"$a"
	fi
	[ ${#g[@]} -eq 8 ] || return 1
	for i in "${g[@]}"; do printf -v i %04x "0x${i:-0}"; out+=("$i"); done
	echo "${out[*]}"
}

# Write 8 groups of hex digits as an IPv6 address the way Python's
# ipaddress does (RFC 5952: no leading zeros, the first longest run of
# two zero groups or more as "::").
topo_compress6() {	# GROUP...
	local g=() i best=-1 blen=1 run=0 out

	for i; do g+=("$((16#$i))"); done
	for ((i = 0; i < 8; i++)); do
		if [ "${g[i]}" = 0 ]; then
			run=$((run + 1))
			[ $run -gt $blen ] && { blen=$run; best=$((i - run + 1)); }
		else
			run=0
		fi
	done
	for ((i = 0; i < 8; i++)); do printf -v "g[i]" %x "${g[i]}"; done
	if [ $best -lt 0 ]; then
		out=$(IFS=:; echo "${g[*]}")
	else
		out=$(IFS=:; echo "${g[*]:0:best}")::$(IFS=:; echo "${g[*]:best+blen}")
	fi
	echo "$out"
}

# Decode a Teredo address: "SERVER FLAGS PORT CLIENT" with the port and the
# client IPv4 de-obfuscated, e.g. "198.18.0.1 0x3484 52007 198.18.0.21".
topo_teredo_decode() {	# ADDRESS
	local g

	read -ra g <<<"$(topo_expand6 "$1")"
	if [ ${#g[@]} -ne 8 ] || [ "${g[0]}${g[1]}" != 20010000 ]; then
		echo "not a Teredo address: $1" >&2
		return 1
	fi
	local s=$((0x${g[2]}${g[3]})) c=$((0x${g[6]}${g[7]} ^ 0xffffffff))
	echo "$((s >> 24)).$((s >> 16 & 255)).$((s >> 8 & 255)).$((s & 255))" \
		"0x${g[4]}" "$((0x${g[5]} ^ 0xffff))" \
		"$((c >> 24)).$((c >> 16 & 255)).$((c >> 8 & 255)).$((c & 255))"
}

# The peer entry of ADDRESS in NS (teredod show peers): EXPR on P, the
# entry as JSON (None if there is none).
topo_peer() {	# NS ADDRESS EXPR
	topo_exec "$1" "$TOPO_TEREDOD" show peers dev teredo0 --json |
		pyq 'P = [p for p in json.loads(data) if p["address"] == argv[0]]
P = P[0] if P else None
print('"$3"')' "$2"
}

# The entry of ADDRESS in NS: "IP trusted|untrusted[ local]", or "none".
topo_entry() {	# NS ADDRESS
	topo_peer "$1" "$2" '"%s %s%s" % (P["ip"], "trusted" if P["trusted"] else "untrusted", " local" if P["local"] else "") if P else "none"'
}

# A Teredo address of BASE's server (its first 80 bits) with the mapping
# PORT / IP.
topo_teredo_of() {	# BASE PORT IP
	local g o c

	read -ra g <<<"$(topo_expand6 "$1")"
	IFS=. read -ra o <<<"$3"
	[ ${#g[@]} -eq 8 ] && [ ${#o[@]} -eq 4 ] || return 1
	c=$(((o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]) ^ 0xffffffff))
	topo_compress6 "${g[@]:0:5}" "$(printf %x $(($2 ^ 0xffff)))" \
		"$(printf %x $((c >> 16)))" "$(printf %x $((c & 0xffff)))"
}

# The Teredo (2001:0::/32) addresses of IFNAME, one a line.
topo_teredo_addrs() {	# NS IFNAME
	local l a

	while read -r l; do
		a=${l#* inet6 }
		a=${a%%/*}
		[[ $a == 2001:0:* ]] && echo "$a"
	done < <(topo_ip -n "$1" -6 -o addr show dev "$2" scope global 2>/dev/null)
}

# Wait at most TIMEOUT seconds for a Teredo address on IFNAME; print it.
topo_wait_teredo_addr() {	# NS IFNAME TIMEOUT
	local end=$((SECONDS + $3)) a

	while :; do
		a=$(topo_teredo_addrs "$1" "$2")
		[ -n "$a" ] && { echo "${a%%$'\n'*}"; return 0; }
		[ "$SECONDS" -lt "$end" ] || return 1
		nap 0.2
	done
}

# Last lines of every daemon log, as TAP diagnostics.
topo_logs() {	# [LINES]
	local f

	for f in "$TOPO_DIR"/*.log; do
		[ -e "$f" ] || continue
		echo "# --- ${f##*/}"
		tail -n "${1:-20}" "$f" | sed 's/^/#   /'
	done
}

# Stop every daemon started here, delete every namespace created here.
# Prints the daemon logs first when a check failed (or TOPO_VERBOSE=1).
topo_cleanup() {
	local e pid ns t

	if [ "${TESTS_FAILED:-0}" -gt 0 ] || [ "${TOPO_VERBOSE:-0}" = 1 ]; then
		topo_logs 20
	fi
	for e in "${TOPO_PIDS[@]}"; do
		kill -TERM "${e##*:}" 2>/dev/null
	done
	for e in "${TOPO_PIDS[@]}"; do
		pid=${e##*:}
		for t in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	TOPO_PIDS=()
	# Children (Miredo's worker and privproc) that outlived their parent.
	for ns in "${TOPO_NS[@]}"; do
		for pid in $(topo_ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${TOPO_NS[@]}"; do
		topo_ip netns del "$ns" 2>/dev/null
	done
	TOPO_NS=()
}

# Executed rather than sourced (selftests/run.sh runs every *.sh): nothing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP topology.sh is a library for the other tests"
fi

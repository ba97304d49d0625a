#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An anycast relay fleet on top of topology.sh, for anycast.sh and the
# demo (scripts/demo-anycast-guest.sh). Source it after lib.sh and
# topology.sh; sourcing has no side effect.
#
#   host6 (2001:db8:ffff::100) --br6-- up (2001:db8:ffff::fe, AS 65000)
#                                        | one link each, 2001:db8:fe:N::/64
#                        rN: relays of ours (AS 65001), teredo0 on 198.18.0.3N
#                        m4: a Miredo relay (AS 65001), 198.18.0.34
#
# up   the upstream router: BIRD with a BGP session (BFD on) to each relay,
#      the relays' routes to 2001::/32 merged into one multipath route in
#      the kernel, hashed by host pair (fleet_hash).
# rN   a relay: BIRD announces 2001::/32 while teredo0 exists, is up and
#      has carrier (a static route through it with "check link"), and
#      while its BGP session and BFD live.
# m4   a Miredo relay announcing 2001::/32 with a longer AS path: used only
#      when no relay of ours announces (a backup).

FLEET_UP_IP6=$TOPO_NET6::fe
FLEET_BFD_MS=${FLEET_BFD_MS:-100}
FLEET_BFD_MULT=${FLEET_BFD_MULT:-5}

fleet_bird_start() {	# NAME NS (the configuration on stdin)
	local conf=$TOPO_DIR/bird-$1.conf

	cat >"$conf"
	topo_daemon "bird-$1" "$2" bird -f -c "$conf" -s "$TOPO_DIR/bird-$1.ctl" \
		-P "$TOPO_DIR/bird-$1.pid"
}

fleet_birdc() {	# NAME COMMAND...
	local n=$1

	shift
	birdc -s "$TOPO_DIR/bird-$n.ctl" "$@"
}

fleet_bgp_up() {	# NAME PROTOCOL: the BGP session is established
	fleet_birdc "$1" show protocols "$2" | grep -q Established
}

# What BGP sessions at both ends share: BFD, and a reconnection within
# seconds of a failure (BIRD's defaults wait a minute or more).
fleet_bgp_common() {
	cat <<-EOF
	bfd on;
	connect retry time 2;
	error wait time 1, 5;
	EOF
}

fleet_bfd_conf() {	# INTERFACE-PATTERN
	cat <<-EOF
	protocol bfd {
		interface "$1" {
			min rx interval $FLEET_BFD_MS ms;
			min tx interval $FLEET_BFD_MS ms;
			multiplier $FLEET_BFD_MULT;
		};
	}
	EOF
}

# Host-pair hashing: a client verifies the relay of each native source
# (RFC 4380 section 5.2.3), so all that a native host sends to a client
# must take one relay. The default (policy 0) hashes the flow label too,
# policy 1 the ports: both split a host's flows over relays, and the
# client would test again at every switch (docs/DEPLOYMENT.md).
fleet_hash() {
	topo_sysctl up net.ipv6.fib_multipath_hash_policy=3 \
		net.ipv6.fib_multipath_hash_fields=0x0003
}

# The upstream router and its sessions with relays 1-4; host6's route to
# 2001::/32 through it.
fleet_init() {
	local n conf

	topo_add_ns up || return 1
	topo_attach_cmds up eth0 br6 up6 | topo_batch inet || return 1
	topo_batch up <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add $FLEET_UP_IP6/64 dev eth0 nodad
	EOF
	topo_sysctl up net.ipv6.conf.all.forwarding=1 && fleet_hash || return 1
	conf=$(
		echo "router id 10.255.0.254;"
		echo "log stderr all;"
		echo "protocol device { }"
		fleet_bfd_conf "r*"
		echo "protocol kernel { ipv6 { import none; export all; }; merge paths on; }"
		for n in 1 2 3 4; do
			echo "protocol bgp r$n {"
			echo "	local 2001:db8:fe:$n::1 as 65000;"
			echo "	neighbor 2001:db8:fe:$n::2 as 65001;"
			echo "	ipv6 { import all; export none; };"
			fleet_bgp_common
			echo "}"
		done
	)
	fleet_bird_start up up <<<"$conf"
	topo_batch host6 <<<"route replace 2001::/32 via $FLEET_UP_IP6"
}

# The link between up and relay namespace NAME.
fleet_link_relay() {	# NAME N
	topo_batch up <<-EOF || return 1
	link add r$2 up type veth peer name eth1 netns $1
	addr add 2001:db8:fe:$2::1/64 dev r$2 nodad
	EOF
	topo_batch "$1" <<-EOF
	link set eth1 up
	addr add 2001:db8:fe:$2::2/64 dev eth1 nodad
	route add default via 2001:db8:fe:$2::1
	EOF
}

# Relay namespace NAME (198.18.0.3N, 2001:db8:fe:N::2) linked to up, its
# BIRD announcing 2001::/32 while DEV is up; EXPORT: its BGP export.
fleet_relay_ns() {	# NAME N DEV EXPORT
	local name=$1 n=$2

	topo_add_ns "$name" || return 1
	topo_attach_cmds "$name" eth0 br4 "${name}4" | topo_batch inet || return 1
	fleet_link_relay "$name" "$n" || return 1
	topo_batch "$name" <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.18.0.3$n/24 dev eth0
	EOF
	topo_sysctl "$name" net.ipv6.conf.all.forwarding=1 || return 1
	fleet_bird_start "$name" "$name" <<-EOF
	router id 10.255.0.$n;
	log stderr all;
	protocol device { }
	$(fleet_bfd_conf eth1)
	protocol static announce {
		ipv6;
		check link on;
		route 2001::/32 via "$3";
	}
	protocol bgp up {
		local 2001:db8:fe:$n::2 as 65001;
		neighbor 2001:db8:fe:$n::1 as 65000;
		ipv6 { import none; export $4; };
		$(fleet_bgp_common)
	}
	EOF
}

# Our relay's device in namespace rN, as topo_add_our_relay makes it.
fleet_teredo0() {	# N
	topo_batch "r$1" <<-EOF
	link add teredo0 type teredo mode relay local 198.18.0.3$1
	link set teredo0 up
	route add 2001::/32 via fe80::1 dev teredo0
	EOF
}

fleet_add_relay() {	# N
	fleet_relay_ns "r$1" "$1" teredo0 'where proto = "announce"' &&
		fleet_teredo0 "$1"
}

# The backup: a Miredo relay, its AS path made longer.
fleet_add_miredo_relay() {
	local conf=$TOPO_DIR/miredo-m4.conf

	fleet_relay_ns m4 4 mteredo \
		'filter { if proto != "announce" then reject; bgp_path.prepend(65001); bgp_path.prepend(65001); accept; }' ||
		return 1
	printf 'RelayType relay\nInterfaceName mteredo\nBindAddress 198.18.0.34\n' >"$conf"
	topo_daemon miredo-m4 m4 miredo -f -c "$conf" -p "$TOPO_DIR/miredo-m4.pid"
	wait_for 10 topo_link_up m4 mteredo
}

# The relays (N of rN, 4 for m4) up's route to 2001::/32 goes through,
# on one line. From /proc: after a relay's namespace is deleted, "ip -6
# route show" of that multipath route was seen to loop without end
# (iproute2 6.1, Linux 6.1).
fleet_paths() {
	topo_exec up cat /proc/net/ipv6_route |
		awk '$1 == "20010000000000000000000000000000" && $2 == "20" &&
		     $10 ~ /^r[0-9]$/ { print substr($10, 2) }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}

fleet_paths_are() {	# EXPECTED ("1 2 3")
	expect_eq "$(fleet_paths)" "$1"
}

# Counters of what up sends to each DST through each relay's link, by
# the link's name (they hold for a link made again).
fleet_count_init() {	# DST...
	local d n

	{
		echo "table inet fleet {"
		echo "chain post { type filter hook postrouting priority 0;"
		for d in "$@"; do
			for n in 1 2 3 4; do echo "oifname \"r$n\" ip6 daddr $d counter"; done
		done
		echo "}"
		echo "}"
	} | topo_exec up nft -f -
}

# What went to DST through r1, r2, r3 and m4's links: 4 counts.
fleet_counts() {	# DST
	topo_exec up nft list chain inet fleet post |
		awk -v d="$1" '$0 ~ "daddr " d " " {
			for (i = 1; i < NF; i++) if ($i == "packets") c[$2] = $(i + 1)
		} END { print c["\"r1\""] + 0, c["\"r2\""] + 0, c["\"r3\""] + 0, c["\"r4\""] + 0 }'
}

# The relays (r1-r3, m4) whose counter moved by at least half of the 20
# pings host6 sends from SRC to DST: one, for a fleet that keeps a host
# pair on one (a few may be lost under emulation).
fleet_carrier() {	# SRC DST
	local b a i names=(r1 r2 r3 m4) moved=()

	read -ra b <<<"$(fleet_counts "$2")"
	topo_exec host6 ping -6 -n -q -c 20 -i 0.05 -W 2 -I "$1" "$2" >/dev/null
	read -ra a <<<"$(fleet_counts "$2")"
	for i in 0 1 2 3; do
		[ "$((a[i] - b[i]))" -ge 10 ] && moved+=("${names[i]}")
	done
	echo "${moved[*]}"
}

# Executed rather than sourced (selftests/run.sh runs every *.sh): nothing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP fleet.sh is a library for anycast.sh and the demo"
fi

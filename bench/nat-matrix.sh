#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# In the test VM (bench/nat6081.sh starts it): which peers reach a Teredo
# client behind each kind of NAT, for Miredo's client, ours with UPnP off
# (as before RFC 6081's UPnP support) and ours with "UPnP yes". Real NATs
# (nftables), real gateways (miniupnpd), our server and relay.
#
# Subjects, each behind its own NAT: KIND x {m: Miredo, b: ours, UPnP off,
# a: ours, UPnP yes}, KIND one of cone (masquerade + a forwarded port),
# rest (port-restricted: masquerade), rupnp (rest + a UPnP gateway), sym
# (symmetric: masquerade fully-random), supnp (sym + a UPnP gateway),
# move (rest without the input filter that drops new inbound packets: a
# peer's early bubble makes masquerade move the client's next mapping to
# that peer, docs/NAT.md).
# Partners: ours and Miredo behind port-restricted NATs, ours behind a
# symmetric NAT, a native host.
# Every pair is tried once, by hosts that never talked before: a subject
# pings partners of set A, partners of set B ping the subject (and a
# second native host), so no NAT or peer list remembers an earlier try.
# Prints "# pair: SUBJECT out|in PARTNER ok|fails|unqualified" lines.
cd "$(dirname "$0")/../selftests" || exit 1
source ./lib.sh
source ./topology.sh
trap topo_cleanup EXIT
KINDS=(cone rest rupnp sym supnp move)
IMPLS=(m b a)
declare -A ADDR NSOF

host6b=2001:db8:ffff::101

add_native_b() {
	topo_add_ns host6b || return 1
	topo_attach_cmds host6b eth0 br6 host6b | topo_batch inet || return 1
	topo_batch host6b <<-EOF
	link set lo up
	link set eth0 up
	addr add $host6b/64 dev eth0 nodad
	route add 2001::/32 via $TOPO_RELAY_IP6
	EOF
}

# a Miredo client in NS, behind a cone NAT when PORT is given
miredo_client() {	# NS [PORT]
	local conf=$TOPO_DIR/miredo-$1.conf

	{
		echo "RelayType client"
		echo "ServerAddress $TOPO_SRV_IP"
		echo "InterfaceName teredo"
		[ -n "${2:-}" ] && echo "BindPort $2"
	} >"$conf"
	topo_daemon "miredo-$1" "$1" miredo -f -c "$conf" \
		-p "$TOPO_DIR/miredo-$1.pid"
}

setup() {
	local n=1 k i ns extra

	topo_init && add_native_b && topo_start_teredod_server &&
		topo_add_our_relay && topo_start_stun || return 1
	topo_ip -n host6 route replace 2001::/32 via "$TOPO_RELAY_IP6"
	for k in "${KINDS[@]}"; do
		for i in "${IMPLS[@]}"; do
			ns=$k$i
			topo_add_nat_client "$ns" "$n" || return 1
			case $k in
			cone) topo_nat_cone "$n" 3545 ;;
			sym|supnp) topo_nat_symmetric "$n" ;;
			move) topo_exec "nat$n" nft delete chain ip topo_nat input ||
				return 1 ;;
			esac
			case $k in
			rupnp|supnp) topo_nat_upnp "$n" || return 1 ;;
			esac
			NSOF[$ns]=$n
			n=$((n + 1))
		done
	done
	for ns in oA mA sA oB mB sB; do
		topo_add_nat_client "$ns" "$n" || return 1
		case $ns in s?) topo_nat_symmetric "$n" ;; esac
		n=$((n + 1))
	done
	for k in "${KINDS[@]}"; do
		extra=()
		[ "$k" = cone ] && extra=("BindPort 3545")
		miredo_client "${k}m" "${extra[0]#BindPort }"
		topo_start_teredod "${k}b" "${extra[@]}"
		topo_start_teredod "${k}a" "${extra[@]}" "UPnP yes"
	done
	topo_start_teredod oA
	topo_start_teredod oB
	topo_start_teredod sA
	topo_start_teredod sB
	topo_start_miredo_client mA
	topo_start_miredo_client mB
	sleep $((20 * SLOW))
	for ns in "${!NSOF[@]}" oA mA sA oB mB sB; do
		if [[ $ns == *m || $ns == m? ]]; then
			ADDR[$ns]=$(topo_teredo_addrs "$ns" teredo | head -n 1)
		else
			ADDR[$ns]=$(topo_teredo_addrs "$ns" teredo0 | head -n 1)
		fi
		log "$ns ${ADDR[$ns]:-unqualified}"
	done
}

reach() {	# NS ADDRESS
	topo_exec "$1" ping -6 -n -c 3 -i 0.5 -W 4 "$2" >/dev/null 2>&1
}

try() {	# SUBJECT DIR PARTNER FROM-NS ADDRESS
	local r=fails

	if [ -z "$5" ]; then
		r=unqualified
	elif reach "$4" "$5"; then
		r=ok
	fi
	echo "# pair: $1 $2 $3 $r"
}

pairs() {
	local k i s

	for k in "${KINDS[@]}"; do
		for i in "${IMPLS[@]}"; do
			s=$k$i
			if [ -z "${ADDR[$s]}" ]; then
				for p in ours miredo symmetric native; do
					echo "# pair: $s out $p unqualified"
					echo "# pair: $s in $p unqualified"
				done
				continue
			fi
			try "$s" out ours "$s" "${ADDR[oA]}"
			try "$s" out miredo "$s" "${ADDR[mA]}"
			try "$s" out symmetric "$s" "${ADDR[sA]}"
			try "$s" out native "$s" "$TOPO_HOST6_IP6"
			try "$s" in ours oB "${ADDR[$s]}"
			try "$s" in miredo mB "${ADDR[$s]}"
			try "$s" in symmetric sB "${ADDR[$s]}"
			try "$s" in native host6b "${ADDR[$s]}"
		done
	done
}

if setup; then
	pairs
else
	echo "# setup failed"
	topo_logs 30
	exit 1
fi

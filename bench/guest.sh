#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the icount VM (bench/run.sh). For every scenario and contender:
# fresh namespaces c (IPv4 side: generator, Teredo client and server), relay
# (device under test) and n (native IPv6 side), a generator, a drop sink,
# BENCH_RUNS windows; then everything is torn down.
# Prints "RESULT scenario contender pps gen_pps" lines (and, when the output
# share exists, appends them to /run/vm/out/bench.tsv).
#
#  c eth0 198.18.0.21 + 198.18.0.1 (server)   relay eth0 198.18.0.10
#        2001:db8:2::2  ----veth----           2001:db8:2::1
#                                              relay eth1 2001:db8:1::1 ----veth---- n eth0 2001:db8:1::2
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
PEER=$REPO/selftests/teredo_peer.py
TEREDOD=$REPO/userspace/teredod/teredod
IP=/sbin/ip
RUNS=${BENCH_RUNS:-3}
WARM=${BENCH_WARM:-1.5}
WIN=${BENCH_WIN:-5}
SMALL=${BENCH_SMALL:-8}		# UDP payload bytes behind the IPv6 header
ONLY=${BENCH_ONLY:-}		# regexp on "scenario/contender" to run a subset
CLIENT=2001:0:c612:1:0:63bf:39ed:ffea	# 198.18.0.21:40000, server 198.18.0.1
NATIVE=2001:db8:1::2
MAC_C=02:00:00:00:0c:01 MAC_R0=02:00:00:00:0a:00 MAC_R1=02:00:00:00:0a:01 MAC_N=02:00:00:00:0b:01
OUT=/run/vm/out/bench.tsv
WORK=/tmp/bench			# tmpfs: trafgen maps a file in its cwd
PIDS=()

log() { echo "# $*"; }

teardown() {
	local p pid ns
	for p in "${PIDS[@]}"; do
		pkill -TERM -P "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
	for ns in c relay n; do
		for pid in $("$IP" netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	sleep 0.3
	for ns in c relay n; do "$IP" netns del "$ns" 2>/dev/null; done
}

setup_base() {
	"$IP" netns add c && "$IP" netns add relay && "$IP" netns add n || return 1
	"$IP" -batch - <<-EOF || return 1
	link add eth0 netns c address $MAC_C type veth peer name eth0 netns relay address $MAC_R0
	link add eth0 netns n address $MAC_N type veth peer name eth1 netns relay address $MAC_R1
	EOF
	"$IP" -n c -batch - <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 198.18.0.21/24 dev eth0
	addr add 198.18.0.1/24 dev eth0
	addr add 2001:db8:2::2/64 dev eth0 nodad
	neigh replace 198.18.0.10 lladdr $MAC_R0 dev eth0 nud permanent
	EOF
	"$IP" -n relay -batch - <<-EOF || return 1
	link set lo up
	link set eth0 up
	link set eth1 up
	addr add 198.18.0.10/24 dev eth0
	addr add 2001:db8:2::1/64 dev eth0 nodad
	addr add 2001:db8:1::1/64 dev eth1 nodad
	neigh replace 198.18.0.21 lladdr $MAC_C dev eth0 nud permanent
	neigh replace 198.18.0.1 lladdr $MAC_C dev eth0 nud permanent
	neigh replace 2001:db8:2::2 lladdr $MAC_C dev eth0 nud permanent
	neigh replace $NATIVE lladdr $MAC_N dev eth1 nud permanent
	route add 2001:db8:3::/64 via 2001:db8:2::2 dev eth0
	EOF
	"$IP" -n n -batch - <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add $NATIVE/64 dev eth0 nodad
	route add 2001::/32 via 2001:db8:1::1
	route add 2001:db8:2::/64 via 2001:db8:1::1
	route add 2001:db8:3::/64 via 2001:db8:1::1
	neigh replace 2001:db8:1::1 lladdr $MAC_R1 dev eth0 nud permanent
	EOF
	"$IP" netns exec relay sh -c 'sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1'
}

sink() {	# NS DEV: count and drop everything arriving
	tc -n "$1" -batch - <<-EOF
	qdisc add dev $2 clsact
	filter add dev $2 ingress matchall action drop
	EOF
}

counter() {	# NS DEV rx|tx: packets
	local l n=0 want=$3 _ v
	while read -r l; do
		case "$l" in
		RX:*) [ "$want" = rx ] && n=1 ;;
		TX:*) [ "$want" = tx ] && n=1 ;;
		*) if [ "$n" = 1 ]; then read -r _ v _ <<<"$l"; echo "$v"; return; fi ;;
		esac
	done < <("$IP" -n "$1" -s link show dev "$2")
}

# ---- the Teredo side: trust the client in a relay (ours or Miredo) ------
# A native packet to the client makes the relay create an entry and send a
# bubble through the server (teredo_peer.py server in c); the scripted client
# answers with a direct bubble to the relay, which then trusts it.
trust_client() {
	local sp cp ok=1
	"$IP" netns exec c "$PEER" server 198.18.0.1 60 >/dev/null 2>&1 &
	sp=$!
	"$IP" netns exec c "$PEER" client 198.18.0.21:40000 $CLIENT 60 >/dev/null 2>&1 &
	cp=$!
	sleep 2
	"$IP" netns exec n ping -6 -c 2 -i 0.5 -W 8 $CLIENT >/dev/null 2>&1 && ok=0
	kill "$sp" "$cp" 2>/dev/null
	wait "$sp" "$cp" 2>/dev/null
	return $ok
}

# One datagram from the client's mapping (a bubble) keeps the entry fresh.
refresh_client() {	# RELAY_PORT
	"$IP" netns exec c "$PEER" send 198.18.0.21:40000 198.18.0.10:"$1" \
		"$("$PEER" packet bubble $CLIENT $NATIVE)" >/dev/null 2>&1
}

# ---- generators ---------------------------------------------------------
TG_PID=""
trafgen_once() {	# CONFIG_FILE COUNT: send COUNT packets and return
	(cd "$WORK" && "$IP" netns exec c trafgen -i "$1" -o eth0 -P 1 -C -n "$2" >/dev/null 2>&1)
}
trafgen_start() {	# CONFIG_FILE
	(cd "$WORK" && exec "$IP" netns exec c trafgen -i "$1" -o eth0 -P 1 -C >"$WORK/trafgen.log" 2>&1) &
	TG_PID=$!
	PIDS+=("$TG_PID")
}
trafgen_stop() {
	pkill -INT -P "$TG_PID" 2>/dev/null
	kill -INT "$TG_PID" 2>/dev/null
	sleep 0.2
	pkill -KILL -P "$TG_PID" 2>/dev/null
	kill -KILL "$TG_PID" 2>/dev/null
	wait "$TG_PID" 2>/dev/null
	local pid
	for pid in $("$IP" netns pids c 2>/dev/null); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = trafgen ] && kill -KILL "$pid"
	done
}

PG_PID=""
# pktgen in namespace n on eth0 towards the relay, IPv6 UDP.
pktgen_config() {	# PKT_SIZE DST6 [DST6_MIN DST6_MAX]
	"$IP" netns exec n sh -c '
	pg() { echo "$2" >"/proc/net/pktgen/$1" || echo "pktgen: $1: $2 failed" >&2; }
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device eth0"
	pg eth0 "count '"${PG_COUNT:-0}"'"
	pg eth0 "clone_skb 0"
	pg eth0 "burst 1"
	pg eth0 "delay 0"
	pg eth0 "pkt_size '"$1"'"
	pg eth0 "flag NO_TIMESTAMP"
	pg eth0 "dst6 '"$2"'"
	pg eth0 "src6 '"$NATIVE"'"
	pg eth0 "dst_mac '"$MAC_R1"'"
	pg eth0 "udp_src_min 9"
	pg eth0 "udp_src_max 9"
	pg eth0 "udp_dst_min 9"
	pg eth0 "udp_dst_max 9"
	if [ -n "'"${3:-}"'" ]; then
		pg eth0 "dst6_min '"${3:-}"'"
		pg eth0 "dst6_max '"${4:-}"'"
		pg eth0 "flag IPDST_RND"
	fi'
}
pktgen_start() {
	"$IP" netns exec n sh -c 'echo start >/proc/net/pktgen/pgctrl' >/dev/null 2>&1 &
	PG_PID=$!
	PIDS+=("$PG_PID")
}
pktgen_stop() {
	"$IP" netns exec n sh -c 'echo stop >/proc/net/pktgen/pgctrl' 2>/dev/null
	wait "$PG_PID" 2>/dev/null
}

# ---- measurement ----------------------------------------------------------
# measure SCENARIO CONTENDER GEN(trafgen CFG | pktgen) SINK_NS SINK_DEV [REFRESH_CMD]
measure() {
	local sc=$1 ct=$2 gen=$3 ns=$4 dev=$5 refresh=${6:-} r a b t0 t1 ga gb pps gpps runs=() gruns=()
	local gns gdev
	if [ "$gen" = pktgen ]; then gns=n gdev=eth0; else gns=c gdev=eth0; fi
	read -r _ sd0 _ < <(sed -n 2p /proc/net/softnet_stat)
	for ((r = 1; r <= RUNS; r++)); do
		[ -n "$refresh" ] && $refresh
		if [ "$gen" = pktgen ]; then pktgen_start; else trafgen_start "${gen#trafgen }"; fi
		sleep "$WARM"
		ga=$(counter "$gns" "$gdev" tx); a=$(counter "$ns" "$dev" rx); t0=$EPOCHREALTIME
		sleep "$WIN"
		gb=$(counter "$gns" "$gdev" tx); b=$(counter "$ns" "$dev" rx); t1=$EPOCHREALTIME
		if [ "$gen" = pktgen ]; then pktgen_stop; else trafgen_stop; fi
		[ "$gen" != pktgen ] && [ "$ga" = "$gb" ] && sed 's/^/# trafgen: /' "$WORK/trafgen.log"
		pps=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		gpps=$(awk -v a="$ga" -v b="$gb" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		runs+=("$pps"); gruns+=("$gpps")
		log "$sc $ct run $r: sink $pps pps, generator $gpps pps, softnet backlog drops so far 0x$(awk 'NR==1 { print $2 }' /proc/net/softnet_stat)"
		[ -n "${BENCH_DEBUG:-}" ] && [ $ct = teredo ] && teredo_stats
	done
	echo "RESULT $sc $ct $(IFS=,; echo "${runs[*]}") $(IFS=,; echo "${gruns[*]}")"
	[ -d /run/vm/out ] && echo -e "$sc\t$ct\t$(IFS=,; echo "${runs[*]}")\t$(IFS=,; echo "${gruns[*]}")" >>"$OUT"
	log "softnet backlog drops (cpu0 col2, hex): $(awk 'NR==1 { print $2 }' /proc/net/softnet_stat)"
}

teredo_stats() {	# non-zero counters of teredo0 (drops etc.)
	"$IP" netns exec relay ethtool -S teredo0 2>/dev/null | grep -v ': 0$' | grep -v NIC | tr -s ' \n' ' ' | sed 's/^/# teredo0: /'; echo
}

want() { [ -z "$ONLY" ] || [[ "$1/$2" =~ $ONLY ]]; }

# ---- contenders ---------------------------------------------------------
our_relay() {
	"$IP" -n relay -batch - <<-EOF
	link add teredo0 type teredo mode relay local 198.18.0.10
	link set teredo0 up
	route add 2001::/32 via fe80::1 dev teredo0
	EOF
}

MIREDO_PID=""
miredo_relay() {
	cat >"$WORK/miredo-relay.conf" <<-EOF
	RelayType relay
	InterfaceName teredo
	BindAddress 198.18.0.10
	BindPort 3544
	EOF
	"$IP" netns exec relay miredo -f -c "$WORK/miredo-relay.conf" -p "$WORK/miredo-relay.pid" \
		>"$WORK/miredo.log" 2>&1 </dev/null &
	MIREDO_PID=$!
	PIDS+=("$MIREDO_PID")
	local i
	for i in $(seq 50); do
		"$IP" -n relay link show dev teredo up 2>/dev/null | grep -q . && break
		sleep 0.2
	done
	"$IP" -n relay link show dev teredo up 2>/dev/null | grep -q . || {
		log "miredo did not bring up its tun"; sed 's/^/# miredo: /' "$WORK/miredo.log"; return 1; }
	log "miredo UDP sockets: $("$IP" netns exec relay cat /proc/net/udp | awk 'NR > 1 { print $2 }' | tr '\n' ' ')"
}

sit_decap() {
	"$IP" -n relay -batch - <<-EOF
	fou add port 5555 ipproto 41
	link add sit1 type sit local 198.18.0.10 remote 198.18.0.21 ttl 64
	link set sit1 up
	EOF
}

sit_encap() {
	"$IP" -n relay link add sit1 type sit local 198.18.0.10 remote 198.18.0.21 ttl 64 \
		encap fou encap-sport 3544 encap-dport 40000 || return 1
	"$IP" -n relay link set sit1 up
	"$IP" -n relay route add 2001::/32 via fe80::1 dev sit1 onlink 2>/dev/null ||
		"$IP" -n relay route add 2001::/32 dev sit1
}

# ---- scenarios ----------------------------------------------------------
decap() {	# SCENARIO PAYLOAD_LEN
	local sc=$1 len=$2 ct
	for ct in teredo miredo fou-sit plain; do
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		teardown
		setup_base || { log "setup failed"; continue; }
		case $ct in
		teredo)
			our_relay || continue
			trust_client || log "WARNING: ping through our relay failed (client may not be trusted)"
			python3 "$BENCH/frames.py" teredo $MAC_R0 $MAC_C "$len" >"$WORK/f.cfg" ;;
		miredo)
			miredo_relay || { echo "RESULT $sc miredo FAILED FAILED"; continue; }
			trust_client || log "WARNING: ping through Miredo failed (client may not be known)"
			python3 "$BENCH/frames.py" teredo $MAC_R0 $MAC_C "$len" 3544 >"$WORK/f.cfg" ;;
		fou-sit)
			sit_decap || continue
			python3 "$BENCH/frames.py" fou $MAC_R0 $MAC_C "$len" >"$WORK/f.cfg" ;;
		plain)
			python3 "$BENCH/frames.py" plain $MAC_R0 $MAC_C "$len" >"$WORK/f.cfg" ;;
		esac
		sink n eth0
		measure "$sc" "$ct" "trafgen $WORK/f.cfg" n eth0
		[ $ct = teredo ] && teredo_stats
		[ $ct = miredo ] && { "$IP" -n relay -s link show dev teredo | sed -n 3,6p | sed 's/^/# miredo tun: /'
			"$IP" netns exec relay grep Udp: /proc/net/snmp | sed 's/^/# miredo ns /'; }
	done
	teardown
}

# NPEERS Teredo clients 198.18.0.0/22:40000 made known and trusted: a burst
# of pktgen packets to all of them makes the relay create their entries (and
# send bubbles through the server), then one bubble from each mapping.
PEERS_CFG=""
trust_peers() {	# PKT_SIZE DST6_MIN DST6_MAX
	PG_COUNT=$((NPEERS * 8)) pktgen_config "$1" $CLIENT "$2" "$3"
	"$IP" netns exec n sh -c 'echo start >/proc/net/pktgen/pgctrl' >/dev/null 2>&1
	trafgen_once "$PEERS_CFG" "$NPEERS"
	sleep 1
	trafgen_once "$PEERS_CFG" "$NPEERS"
}
refresh_peers() { trafgen_once "$PEERS_CFG" "$NPEERS"; }

encap() {	# SCENARIO PKT_SIZE [DST6_MIN DST6_MAX]
	local sc=$1 size=$2 ct refresh
	for ct in teredo miredo sit-fou plain; do
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		teardown
		setup_base || { log "setup failed"; continue; }
		refresh=""
		if [ -n "${3:-}" ]; then
			# many peers: replies to 198.18.0.0/22 through c, one neighbour
			"$IP" -n relay -batch - <<-EOF
			route del 198.18.0.0/24 dev eth0
			route add 198.18.0.0/22 via 198.18.0.21 dev eth0 onlink
			EOF
			PEERS_CFG=$WORK/peers.cfg
			python3 "$BENCH/frames.py" bubbles $MAC_R0 $MAC_C "$NPEERS" >"$PEERS_CFG"
		fi
		case $ct in
		teredo)
			our_relay || continue
			trust_client || log "WARNING: ping through our relay failed (client not trusted)"
			refresh="refresh_client 3544" ;;
		miredo)
			miredo_relay || { echo "RESULT $sc miredo FAILED FAILED"; continue; }
			trust_client || log "WARNING: ping through Miredo failed (client not trusted)"
			refresh="refresh_client 3544" ;;
		sit-fou)
			sit_encap || continue ;;
		esac
		if [ -n "${3:-}" ] && [ $ct = teredo -o $ct = miredo ]; then
			trust_peers "$size" "$3" "$4"
			refresh=refresh_peers
			[ $ct = teredo ] && log "peers: $("$IP" netns exec relay "$TEREDOD" show dev teredo0 --json 2>&1 | tr -d '\n' | cut -c1-400)"
		fi
		if [ $ct = plain ] && [ -n "${3:-}" ]; then
			pktgen_config "$size" 2001:db8:3::1 2001:db8:3::0 2001:db8:3::3ff
		elif [ $ct = plain ]; then
			pktgen_config "$size" 2001:db8:2::2
		else
			pktgen_config "$size" $CLIENT ${3:-} ${4:-}
		fi
		sink c eth0
		measure "$sc" "$ct" pktgen c eth0 "$refresh"
		[ $ct = teredo ] && teredo_stats
		[ $ct = miredo ] && { "$IP" -n relay -s link show dev teredo | sed -n 3,6p | sed 's/^/# miredo tun: /'
			"$IP" netns exec relay grep Udp: /proc/net/snmp | sed 's/^/# miredo ns /'; }
	done
	teardown
}

main() {
	mkdir -p "$WORK"
	modprobe -a veth tun fou sit pktgen teredo sch_ingress cls_matchall act_gact 2>/dev/null
	modprobe sch_clsact 2>/dev/null
	sysctl -qw net.core.wmem_max=8388608 net.core.wmem_default=8388608 net.core.rmem_max=8388608
	: >"$OUT" 2>/dev/null
	log "kernel $(uname -r), $(nproc) cpu"
	# IPv6 packet = 40 + 8 (UDP) + payload; pktgen pkt_size counts the
	# 14-byte Ethernet header and cannot go below a 16-byte payload.
	decap decap-small "$SMALL"
	encap encap-small $((14 + 40 + 8 + 16))
	if [ "${BENCH_FULL:-1}" = 1 ]; then
		decap decap-1280 $((1280 - 48))
		encap encap-1280 $((14 + 1280))
	fi
	if [ "${BENCH_PEERS:-1}" = 1 ]; then
		# 1024 destinations: the client IPv4 198.18.0.0-198.18.3.255 (the
		# low 10 bits of the last group, inverted); only one of them
		# first made known and trusted by trust_peers.
		NPEERS=1024 encap encap-1024peers $((14 + 40 + 8 + 16)) \
			2001:0:c612:1:0:63bf:39ed:fc00 2001:0:c612:1:0:63bf:39ed:ffff
	fi
	log "done"
}

main "$@"

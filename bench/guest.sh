#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the icount VM (bench/run.sh). For every scenario and contender:
# fresh namespaces c (IPv4 side: Teredo client and server), relay (device
# under test) and n (native IPv6 side), a generator, a counting sink,
# BENCH_RUNS windows; then everything is torn down.
# Prints "RESULT scenario contender pps gen_pps" lines (and, when the output
# share exists, appends them to /run/vm/out/bench.tsv).
#
#  c eth0 198.18.0.21 + 198.18.0.1 (server)   relay eth0 198.18.0.10
#        2001:db8:2::2  ----veth----           2001:db8:2::1
#                                              relay eth1 2001:db8:1::1 ----veth---- n eth0 2001:db8:1::2
#                                              relay sink0 (dummy)
# The relay rows (decap-*, encap-*) measure the relay as a router sees it:
# bench/inject/inject.ko hands frames to the stack as received on eth0
# (Teredo side) or eth1 (native side); the decapsulated packets leave
# through sink0, a dummy device that counts and frees them, the
# encapsulated ones through eth0, dropped and counted on its egress
# (egress_sink).
# The veths and c/n only serve the setup (trusting the client, creating the
# peers: pktgen, trafgen, bench/tsend.c) and the insertion flood (tsend).
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
PEER=$REPO/selftests/teredo_peer.py
TEREDOD=$REPO/userspace/teredod/teredod
TSEND=${BENCH_TSEND:-$REPO/build/bench/tsend}
INJECT=${BENCH_INJECT:-$REPO/build/bench/inject/inject.ko}
MODE=${BENCH_MODE:-icount}	# label of the figures: icount or realtime
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
TS_N=n:eth0:$MAC_R1:$MAC_N	# tsend: the native side (to the relay's eth1)
TS_T=c:eth0:$MAC_R0:$MAC_C	# tsend: the Teredo side (to the relay's eth0)
PIDS=()

log() { echo "# $*"; }

teardown() {
	local p pid ns
	inject_stop	# it holds a reference to its device
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
	link add sink0 netns relay type dummy
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
	link set sink0 up
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
	# a router: no early demux, which costs a socket lookup per packet
	# and pays only for local sockets (ip-sysctl.rst: disable it for
	# pure routing workloads); the same for every contender
	"$IP" netns exec relay sh -c 'sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 net.ipv4.ip_early_demux=0'
}

sink() {	# NS DEV: count and drop everything arriving
	tc -n "$1" -batch - <<-EOF
	qdisc add dev $2 clsact
	filter add dev $2 ingress matchall action drop
	EOF
}

# Route PREFIX... out through sink0, the counting dummy (a gateway each, so
# one neighbour, not one per destination).
to_sink() {
	local p
	for p; do
		case $p in
		*:*) "$IP" -n relay route replace "$p" via fe80::5 dev sink0 ;;
		*) "$IP" -n relay route replace "$p" via 198.18.9.1 dev sink0 onlink ;;
		esac || return 1
	done
}

# The encapsulation rows drain at the relay's uplink instead: a fast-path
# relay's socket is bound to eth0 ("dev eth0"), so its packets leave there
# whatever the routes say. Every contender's output then leaves through
# eth0, dropped and counted by a matchall filter on its egress (before the
# veth's transmit), so all pay the same.
SINK=sink0
egress_sink() {	# after the setup through eth0: drain its output
	tc -n relay -batch - <<-EOF
	qdisc add dev eth0 clsact
	filter add dev eth0 egress matchall action drop
	EOF
}
sink_count() {	# packets that reached the sink
	if [ "$SINK" = sink0 ]; then
		counter relay sink0 tx
		return
	fi
	tc -s -n relay filter show dev eth0 egress 2>/dev/null | tc_sent matchall
}
# The packet count of the first "Sent ... pkt" line after a line matching
# the awk regexp $1 (default: any) of "tc -s filter show"; 0 if none.
tc_sent() {
	awk -v after="${1:-.}" '$0 ~ after { f = 1 }
		f && /Sent/ { for (i = 1; i < NF; i++) if ($(i + 1) == "pkt") { print $i; p = 1; exit } }
		END { if (!p) print 0 }'
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
trafgen_once() {	# CONFIG_FILE COUNT: send COUNT packets and return
	(cd "$WORK" && "$IP" netns exec c trafgen -i "$1" -o eth0 -P 1 -C -n "$2" >/dev/null 2>&1)
}
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
# bench/inject/inject.ko (built by bench/run.sh): frames received on a
# relay device, from a kernel thread at nice 19.
# INJECT_THREADS: that many sources, one per CPU (a NIC's RSS queues).
inject_start() {	# DEV HEX_FRAME [spread=N|peers=N off=O [decap=1]]
	local dev=$1 f=$2
	shift 2
	"$IP" netns exec relay insmod "$INJECT" ifname="$dev" frame="$f" \
		threads="${INJECT_THREADS:-1}" "$@"
}
inject_stop() {
	[ -d /sys/module/inject ] && rmmod inject
	return 0
}
inject_sent() { cat /sys/module/inject/parameters/sent 2>/dev/null || echo 0; }

# ---- measurement ----------------------------------------------------------
softnet_drops() {	# backlog drops, all CPUs (column 2 of softnet_stat)
	local d s=0
	while read -r _ d _; do s=$((s + 16#$d)); done </proc/net/softnet_stat
	echo "$s"
}

# The benchmark's own sender (bench/tsend.c, built by bench/run.sh): it
# enters the namespaces named in its arguments itself.
TS_PID=""
tsend_start() {	# ARGS
	"$TSEND" "$@" >"$WORK/tsend.log" 2>&1 &
	TS_PID=$!
	PIDS+=("$TS_PID")
}
tsend_stop() {
	kill -INT "$TS_PID" 2>/dev/null
	wait "$TS_PID" 2>/dev/null
}

# BENCH_PROFILE: the last window of every pair is profiled.
#   perf: sampled by perf (cpu-clock); flat profiles go to the output share
#         as perf-SCENARIO-CONTENDER.txt. Beware: under icount its profiles
#         disagreed between scenarios with the same generator (a periodic
#         sampler against a deterministic loop); prefer insn.
#   insn: exact instruction counts by bench/insnprof.so (bench/profile.sh
#         loads it): `domainname` opens its window, `hostname` closes it; it
#         is named in insnprof.windows with its packet count (measure()).
profile() {	# NAME
	case $BENCH_PROFILE in
	lock)
		# perf lock contention sees only waits that reach the
		# qspinlock's MCS queue, which two CPUs never do (the pending
		# bit serves the second): every entry into the slow path is a
		# contended acquisition, counted here with its callers
		local fn tr=/sys/kernel/tracing
		fn=$(awk '$3 ~ /^(native_|__pv_)?queued_spin_lock_slowpath$/ { print $3; exit }' /proc/kallsyms)
		mountpoint -q $tr || mount -t tracefs nodev $tr
		echo "p:lockslow $fn" >>$tr/kprobe_events || { log "no kprobe on $fn"; sleep "$WIN"; return 0; }
		perf record -q -a -g -e kprobes:lockslow -o "$WORK/lock.data" -- sleep "$WIN" >/dev/null 2>&1
		echo "-:lockslow" >>$tr/kprobe_events
		{
			echo "contended spinlock acquisitions ($fn entries) in $WIN s, by caller:"
			perf report -i "$WORK/lock.data" --stdio --no-children -g caller,0.5,callee,function,percent \
				--percent-limit 1 2>/dev/null | grep -v '^$' | head -60
		} >"$WORK/lock.txt"
		sed 's/^/# lock: /' "$WORK/lock.txt"
		[ -d /run/vm/out ] && cp "$WORK/lock.txt" "/run/vm/out/lock-contention-$1.txt" ;;
	insn)
		local s0 s1
		read -r -a s0 </proc/stat
		domainname insnprof
		sleep "$WIN"
		hostname insnprof
		read -r -a s1 </proc/stat
		log "$1: profiled window: user $((s1[1] - s0[1])) system $((s1[3] - s0[3])) idle $((s1[4] - s0[4])) softirq $((s1[7] - s0[7])) ticks" ;;
	*)
		perf record -q -e cpu-clock -F 2000 -a -g -o "$WORK/perf.data" -- sleep "$WIN" >/dev/null 2>&1
		[ -d /run/vm/out ] || return 0
		perf report -q -i "$WORK/perf.data" --no-children --sort sym --percent-limit 0.3 \
			-g none 2>/dev/null >"/run/vm/out/perf-$1.txt" ;;
	esac
}

# measure SCENARIO CONTENDER INJECT_ARGS [REFRESH_CMD]
#   INJECT_ARGS: inject_start's (device, frame, spread); the figure is what
#   leaves the relay through sink0.
# Optional hooks (function names): RUN_PRE before and RUN_POST after each
# run; RUN_POST prints a reason to reject the run, or nothing.
# A run is rejected (reported, left out of the median) when the generator
# collapsed (below half of the best run of the same pair), when softnet
# backlog drops exceed 0.5 % of what it sent, when nothing reached the sink,
# or when RUN_POST objects.
measure() {
	local sc=$1 ct=$2 gen=$3 refresh=${4:-} r a b t0 t1 ga gb pps gpps
	local d0 d1 why gmax=0 acc=() gacc=() rej=()
	local -a P=() G=() D=() W=()
	settle
	for ((r = 1; r <= RUNS; r++)); do
		[ -n "$refresh" ] && $refresh
		[ -n "${RUN_PRE:-}" ] && $RUN_PRE
		# shellcheck disable=SC2086 # device, frame and options
		inject_start $gen || log "inject failed"
		sleep "$WARM"
		ga=$(inject_sent); a=$(sink_count); d0=$(softnet_drops); t0=$EPOCHREALTIME
		if [ -n "${BENCH_PROFILE:-}" ] && [ "$r" = "$RUNS" ]; then
			profile "$sc-$ct"
		else
			sleep "$WIN"
		fi
		gb=$(inject_sent); b=$(sink_count); d1=$(softnet_drops); t1=$EPOCHREALTIME
		inject_stop
		pps=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		gpps=$(awk -v a="$ga" -v b="$gb" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		why=""
		[ -n "${RUN_POST:-}" ] && why=$($RUN_POST)
		P[r]=$pps G[r]=$gpps D[r]=$((d1 - d0)) W[r]=$why
		[ "${BENCH_PROFILE:-}" = insn ] && [ "$r" = "$RUNS" ] && [ -d /run/vm/out ] &&
			echo "$sc-$ct $((b - a))" >>/run/vm/out/insnprof.windows
		[ "$gpps" -gt "$gmax" ] && gmax=$gpps
		log "$sc $ct run $r: sink $pps pps, generator $gpps pps, softnet backlog drops ${D[r]}${why:+, $why}"
		[ -n "${BENCH_DEBUG:-}" ] && [ $ct = teredo ] && teredo_stats
	done
	for ((r = 1; r <= RUNS; r++)); do
		why=${W[r]}
		if [ "${G[r]}" -lt $((gmax / 2)) ]; then
			why="${why:+$why; }generator collapsed (${G[r]} pps, norm $gmax)"
		fi
		# nothing delivered is a broken setup (a peer gone), not a rate
		[ "${P[r]}" -gt 0 ] || why="${why:+$why; }nothing reached the sink"
		if [ $((D[r] * 200)) -gt $((G[r] * ${WIN%.*})) ] && [ "${D[r]}" -gt 0 ]; then
			why="${why:+$why; }softnet drops ${D[r]}"
		fi
		if [ -n "$why" ]; then
			log "REJECTED $sc $ct run $r (${P[r]} pps): $why"
			rej+=("${P[r]}:${why//[,;	]/ }")
		else
			acc+=("${P[r]}"); gacc+=("${G[r]}")
		fi
	done
	[ ${#rej[@]} -gt 0 ] && [ ${#acc[@]} -eq 0 ] && log "WARNING: $sc $ct: every run rejected"
	echo "RESULT $sc $ct $(IFS=,; echo "${acc[*]}") $(IFS=,; echo "${gacc[*]}")${rej:+ rejected $(IFS=';'; echo "${rej[*]}")}"
	emit "$sc" "$ct" "$(IFS=,; echo "${acc[*]}")" "$(IFS=,; echo "${gacc[*]}")" "$(IFS=';'; echo "${rej[*]}")" "${EXTRA:-}"
}

# Wait (at most 30 s) until the CPU is idle for half a second: a scenario
# must not pay for the last one's teardown (network namespaces are cleaned
# up by a kworker, for seconds under TCG). It matters in real time; under
# icount an idle CPU costs no instructions, so the figures do not change.
settle() {
	local a b i
	for ((i = 0; i < 60; i++)); do
		read -r -a a </proc/stat
		sleep 0.5
		read -r -a b </proc/stat
		# idle + iowait of all the ticks in the interval
		(( (b[4] + b[5] - a[4] - a[5]) * 10 >= 9 * (b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7] - a[1] - a[2] - a[3] - a[4] - a[5] - a[6] - a[7]) )) && return 0
	done
	log "WARNING: the CPU did not settle in 30 s"
}

# One line of bench.tsv: scenario contender mode runs gen_runs rejected extra
emit() {
	[ -d /run/vm/out ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$MODE" "$3" "$4" "$5" "$6" >>"$OUT"
}

teredo_stats() {	# non-zero counters of teredo0 (drops etc.)
	"$IP" netns exec relay ethtool -S teredo0 2>/dev/null | grep -v ': 0$' | grep -v NIC | tr -s ' \n' ' ' | sed 's/^/# teredo0: /'; echo
}

want() { [ -z "$ONLY" ] || [[ "$1/$2" =~ $ONLY ]]; }

# ---- contenders ---------------------------------------------------------
# The probe budgets raised: the peer series creates every peer through a
# bubble to one server, 198.18.0.1, far faster than a relay on the
# Internet should probe one address.
our_relay() {	# [more "ip link add ... type teredo" options]
	"$IP" -n relay -batch - <<-EOF
	link add teredo0 type teredo mode relay local 198.18.0.10 proberate 1000000 probetotal 1000000 $*
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
# Teredo (or fou, or plain IPv6) frames received on the relay's eth0, the
# decapsulated packets to 2001:db8:1::2 out through sink0.
decap() {	# SCENARIO PAYLOAD_LEN
	local sc=$1 len=$2 ct f rf
	for ct in teredo teredo-fast miredo fou-sit plain; do
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		rf=""
		teardown
		setup_base || { log "setup failed"; continue; }
		case $ct in
		teredo|teredo-fast)
			# teredo-fast: the receive fast path, off eth0
			if [ $ct = teredo ]; then our_relay; else our_relay dev eth0 fastpath on; fi || continue
			trust_client || log "WARNING: ping through our relay failed (client may not be trusted)"
			rf="refresh_client 3544"
			f=$(python3 "$BENCH/frames.py" --hex teredo $MAC_R0 $MAC_C "$len") ;;
		miredo)
			miredo_relay || { echo "RESULT $sc miredo FAILED FAILED"; continue; }
			trust_client || log "WARNING: ping through Miredo failed (client may not be known)"
			rf="refresh_client 3544"
			f=$(python3 "$BENCH/frames.py" --hex teredo $MAC_R0 $MAC_C "$len" 3544) ;;
		fou-sit)
			sit_decap || continue
			f=$(python3 "$BENCH/frames.py" --hex fou $MAC_R0 $MAC_C "$len") ;;
		plain)
			f=$(python3 "$BENCH/frames.py" --hex plain $MAC_R0 $MAC_C "$len") ;;
		esac
		to_sink $NATIVE/128 || { log "sink route failed"; continue; }
		# the refresh: the settle wait can outlast the 30 s a peer
		# stays trusted, and the relay would drop every packet
		measure "$sc" "$ct" "eth0 $f" "$rf"
		[[ $ct == teredo* ]] && teredo_stats
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

# IPv6 frames from 2001:db8:1::2 received on the relay's eth1, to the
# trusted client (NPEERS set: to 1024 clients at random, the low 10 bits of
# the address); the UDP/IPv4 packets to the clients (plain: the IPv6
# packets to 2001:db8:2::2 or 2001:db8:3::/64) leave through eth0, where
# egress_sink drops and counts them.
# teredo-fast: both fast paths, receive off eth0 and transmit off eth1.
FAST_OPTS="dev eth0 fastpath on native eth1"
encap() {	# SCENARIO PAYLOAD_LEN
	local sc=$1 len=$2 ct refresh dst spread=""
	for ct in teredo teredo-fast miredo sit-fou plain; do
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		teardown
		setup_base || { log "setup failed"; continue; }
		refresh=""
		if [ -n "${NPEERS:-}" ]; then
			# many peers: replies to 198.18.0.0/22 through c, one neighbour
			"$IP" -n relay -batch - <<-EOF
			route del 198.18.0.0/24 dev eth0
			route add 198.18.0.0/22 via 198.18.0.21 dev eth0 onlink
			EOF
			PEERS_CFG=$WORK/peers.cfg
			python3 "$BENCH/frames.py" bubbles $MAC_R0 $MAC_C "$NPEERS" >"$PEERS_CFG"
		fi
		case $ct in
		teredo|teredo-fast)
			if [ $ct = teredo ]; then our_relay; else our_relay $FAST_OPTS; fi || continue
			trust_client || log "WARNING: ping through our relay failed (client not trusted)"
			refresh="refresh_client 3544" ;;
		miredo)
			miredo_relay || { echo "RESULT $sc miredo FAILED FAILED"; continue; }
			trust_client || log "WARNING: ping through Miredo failed (client not trusted)"
			refresh="refresh_client 3544" ;;
		sit-fou)
			sit_encap || continue ;;
		esac
		dst=$CLIENT
		if [ -n "${NPEERS:-}" ]; then
			dst=${CLIENT%:*}:fc00 spread="spread=$NPEERS off=50"	# the destination's last word
			if [[ $ct == teredo* ]] || [ $ct = miredo ]; then
				trust_peers $((14 + 40 + 8 + len)) "$dst" "${CLIENT%:*}:$(printf %x $((0xfc00 + NPEERS - 1)))"
				refresh=refresh_peers
				[[ $ct == teredo* ]] && log "peers: $("$IP" netns exec relay "$TEREDOD" show dev teredo0 --json 2>&1 | tr -d '\n' | cut -c1-400)"
			fi
		fi
		if [ $ct = plain ]; then
			dst=2001:db8:2::2
			[ -n "${NPEERS:-}" ] && dst=2001:db8:3::
		fi
		# bubbles to the server 198.18.0.1 count too: a relay sends them
		# only for peers it does not trust (ours sent none in the runs:
		# tx_bubble stays at one per peer); Miredo's, if any, count in
		# its favour
		egress_sink || { log "sink failed"; continue; }
		SINK=eth0 measure "$sc" "$ct" \
			"eth1 $(python3 "$BENCH/frames.py" --hex native $MAC_R1 $MAC_N "$len" $dst) $spread" "$refresh"
		[[ $ct == teredo* ]] && teredo_stats
		[ $ct = miredo ] && { "$IP" -n relay -s link show dev teredo | sed -n 3,6p | sed 's/^/# miredo tun: /'
			"$IP" netns exec relay grep Udp: /proc/net/snmp | sed 's/^/# miredo ns /'; }
	done
	teardown
}

# ---- many peers (tsend) ---------------------------------------------------
# Peer i of bench/tsend.c: 198.18.1.0/15-ish mapping, server 198.18.0.1; the
# relay reaches them all through c (one neighbour, one route).
many_peers_base() {	# CONTENDER [our_relay options]
	local ct=$1
	shift
	setup_base || return 1
	"$IP" -n relay -batch - <<-EOF || return 1
	route del 198.18.0.0/24 dev eth0
	route add 198.18.0.0/15 via 198.18.0.21 dev eth0 onlink
	route add 198.18.0.1/32 via 198.18.0.21 dev eth0 onlink
	EOF
	case $ct in
	teredo) our_relay "$@" || return 1 ;;
	# its socket is bound to eth0: its output leaves there, drained at
	# eth0's egress as in encap(). Its bubbles to the peers' server count
	# too (a classifier to set them apart would cost every packet a flow
	# dissection): it sends them only for peers it does not trust, whose
	# packets peers_post() bounds to 1 % of a run.
	teredo-fast) { our_relay $FAST_OPTS && egress_sink; } || return 1 ;;
	miredo) miredo_relay || return 1 ;;
	sit-fou) sit_encap || return 1 ;;
	plain) "$IP" -n relay route add 2001::/32 via 2001:db8:2::2 dev eth0 || return 1 ;;
	esac
	# bubbles and encapsulated packets: counted and dropped; those to the
	# peers' server counted apart
	tc -n c -batch - <<-EOF || return 1
	qdisc add dev eth0 clsact
	filter add dev eth0 ingress prio 1 protocol ip flower dst_ip 198.18.0.1 action drop
	filter add dev eth0 ingress prio 2 matchall action drop
	EOF
	sink n eth0	# ICMPv6 errors of the relay
}

# Before the peers are created: the measured packets (and those released
# when a peer becomes trusted) leave through sink0, but those to the peers'
# server 198.18.0.1 still go to c, where they are counted apart (a more
# specific route); the bubbles from the peers still come in through c.
many_peers_sink() {	# CONTENDER
	case $1 in
	teredo-fast) ;;	# drained at eth0's egress since the setup
	plain) to_sink 2001::/32 ;;
	*) to_sink 198.18.0.0/15 ;;
	esac
}

declare -A TST
teredo_read() {	# ethtool -S teredo0 into TST[name]
	local k v
	TST=()
	while IFS=': ' read -r k v; do
		[[ -n $k && $v =~ ^[0-9]+$ ]] && TST[$k]=$v
	done < <("$IP" netns exec relay ethtool -S teredo0 2>/dev/null)
}
peer_count() {
	"$IP" netns exec relay "$TEREDOD" show dev teredo0 --json 2>/dev/null |
		grep -o '"peers":[0-9]*' | cut -d: -f2
}

# Kernel memory of the peer table: the slab cache of the entries (it may be
# merged with another 56-byte cache: /sys/kernel/slab/teredo_peer is then a
# link, and the delta is what counts), the rhashtable bucket arrays that are
# vmalloc'ed (/proc/vmallocinfo, bucket_table_alloc) and MemFree.
mem_snapshot() {	# prints: slab_bytes bucket_bytes memfree_bytes slab_objects
	local d=/sys/kernel/slab/teredo_peer slabs order objs
	read -r slabs _ <"$d/slabs"; read -r order <"$d/order"; read -r objs _ <"$d/objects"
	echo "$((slabs * (4096 << order))) $(awk '/bucket_table_alloc/ { s += $2 } END { print s + 0 }' /proc/vmallocinfo) $(awk '/^MemFree:/ { print $2 * 1024 }' /proc/meminfo) $objs"
}

# RUN_POST of the peer series: the packets must have taken the fast path
# (trusted, fresh peers). A packet to a peer that is gone or expired goes
# through the queue and bubble path, and the run measures that instead: a
# run where more than 1 % of the packets did is rejected (fewer are
# reported in the log). Known cause at 100 000 peers and more: the periodic
# sweep (kernel/peer.c, teredo_gc_sweep) compares the entries' stamps with
# a "now" taken before a walk that lasts long enough for packets to refresh
# entries meanwhile; "now - last_rx" then wraps and it deletes fresh peers
# (peer_expired and rx_drop_unknown_peer count them).
peers_pre() {
	teredo_read
	PRE_QUEUED=$((${TST[tx_queued]:-0} + ${TST[tx_drop_queue_full]:-0}))
	PRE_EXPIRED=${TST[peer_expired]:-0} PRE_SINK=$(sink_count)
}
peers_post() {
	local q e s
	teredo_read
	q=$((${TST[tx_queued]:-0} + ${TST[tx_drop_queue_full]:-0} - PRE_QUEUED))
	e=$((${TST[peer_expired]:-0} - PRE_EXPIRED)) s=$(($(sink_count) - PRE_SINK))
	[ "$q" -gt 0 ] && log "$q of $s packets to gone or expired peers (slow path), $e peers expired during the run" >&2
	[ $((q * 100)) -gt "$s" ] && echo "$q of $s packets to gone or expired peers (slow path; $e peers expired)"
}

# Encapsulation spread uniformly at random over N peers, 78-byte frames
# like encap-small (inject peers=N, received on the relay's eth1; the
# encapsulated packets leave through sink0), for every contender:
#  teredo, miredo: the N peers are first created and trusted (tsend trust);
#	before each run one bubble from every peer keeps them all fresh (valid
#	30 s after the last reception): at 1 000 000 peers that takes a good
#	part of the 30 s, so the run follows at once. Memory: our slab and
#	bucket arrays; Miredo's resident set (all its processes).
#  sit-fou: the ceiling has no peers: every packet to the one remote.
#  plain: IPv6 forwarding to the N destinations (2001::/32 via sink0).
# A run where more than 1 % of the packets went to a gone or expired peer
# (our queue counters; for Miredo, the bubbles it sent to the peers' server
# 198.18.0.1, counted by the sink in c) is rejected.
MIREDO_PPS=${BENCH_MIREDO_PPS:-10000}	# pace of tsend trust/bubbles for Miredo
server_bubbles() {	# packets to 198.18.0.1 dropped by the sink in c
	tc -s -n c filter show dev eth0 ingress 2>/dev/null | tc_sent 'dst_ip 198.18.0.1'
}
miredo_rss() {	# resident bytes of Miredo's processes
	local pid t=0 kb
	for pid in $("$IP" netns pids relay 2>/dev/null); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = miredo ] || continue
		kb=$(awk '/^VmRSS:/ { print $2 }' /proc/$pid/status 2>/dev/null)
		t=$((t + ${kb:-0} * 1024))
	done
	echo "$t"
}
miredo_pre() { PRE_BUBBLES=$(server_bubbles); PRE_SINK=$(sink_count); }
miredo_post() {
	local q s
	q=$(($(server_bubbles) - PRE_BUBBLES)) s=$(($(sink_count) - PRE_SINK))
	[ "$q" -gt 0 ] && log "$q of $s packets were bubbles to the server (expired or unknown peers)" >&2
	[ $((q * 100)) -gt "$s" ] && echo "$q of $s packets were bubbles to the server (slow path)"
}

encap_peers() {	# N
	# PEERS_FRAME (main) varied by inject peers=N
	local n=$1 sc=${SCP:-}encap-peers-$1 ct t0 t1 m0 m1 peers trusted per slab bucket free objs r0 r1 sink
	for ct in teredo teredo-fast miredo sit-fou plain; do
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		teardown
		many_peers_base "$ct" || { log "setup failed"; continue; }
		# before the peers are made trusted: measure() settles again,
		# and two long waits in a row could outlast the 30 s they stay
		# valid (a slow real-time boot lost its first run that way)
		settle
		# the measured packets' route, before the peers are made
		# trusted: a route change afterwards would make our relay
		# look every peer's route up again once (its route classes'
		# hints end with the FIB's generation), and the first run
		# measure that instead of the steady state
		many_peers_sink "$ct"
		case $ct in
		teredo|teredo-fast)
			sleep 1
			read -r -a m0 < <(mem_snapshot)
			t0=$EPOCHREALTIME
			"$TSEND" trust -i "$TS_N" -t "$TS_T" -n "$n" -l 78 -k 1024 2>&1 | sed 's/^/# /'
			t1=$EPOCHREALTIME
			sleep 3		# RCU frees of the queues, the table's deferred resize
			read -r -a m1 < <(mem_snapshot)
			teredo_read
			peers=$(peer_count)
			trusted=${TST[peer_trusted]:-0}
			log "$sc: $trusted of $n peers trusted ($peers in the table) in $(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f s, %.0f peers/s created and trusted", b - a, n / (b - a) }')"
			[ "$trusted" -lt "$n" ] && log "WARNING: $sc: only $trusted of $n peers trusted"
			[ "$peers" -lt "$n" ] && log "WARNING: $sc: $((n - peers)) trusted peers deleted by the sweep (peer_expired ${TST[peer_expired]:-0}) before the runs"
			grep bucket_table_alloc /proc/vmallocinfo | sed 's/^/# vmalloc: /'
			slab=$((m1[0] - m0[0])) bucket=$((m1[1] - m0[1])) free=$((m0[2] - m1[2])) objs=$((m1[3] - m0[3]))
			per=$(awk -v s="$slab" -v b="$bucket" -v n="$peers" 'BEGIN { printf "%.1f", (s + b) / n }')
			log "$sc memory: slab +$slab bytes (+$objs objects), vmalloc'ed buckets +$bucket bytes, MemFree -$free bytes: $per bytes per peer (slab + buckets), $(awk -v f="$free" -v n="$peers" 'BEGIN { printf "%.1f", f / n }') by MemFree"
			if [ "$n" -ge 100000 ]; then
				emit "peer-memory-$n" "$ct" "" "" "" "{\"value\": $per, \"unit\": \"bytes/peer\", \"bytes_per_peer\": $per, \"peers\": $peers, \"slab_bytes\": $slab, \"bucket_bytes\": $bucket, \"memfree_bytes\": $free}"
			fi
			sink=sink0
			[ "$ct" = teredo-fast ] && sink=eth0
			SINK=$sink RUN_PRE=peers_pre RUN_POST=peers_post EXTRA="{\"peers\": $n, \"trusted\": $trusted}" \
				measure "$sc" "$ct" "eth1 $PEERS_FRAME peers=$n off=48" \
				"$TSEND bubbles -t $TS_T -n $n -c $n"
			teredo_stats ;;
		miredo)
			# paced to what Miredo takes in: a faster stream loses
			# bubbles, and peers then are not trusted or not fresh; if
			# one bubble from every peer takes longer than 20 s at that
			# pace, Miredo cannot keep them all valid (30 s) at all
			if [ $((n / MIREDO_PPS)) -gt 20 ]; then
				log "$sc: not run for Miredo: a bubble from each of $n peers at the pace it is fed ($MIREDO_PPS pps, BENCH_MIREDO_PPS) takes $((n / MIREDO_PPS)) s, longer than a peer stays valid (30 s)"
				emit "$sc" miredo "" "" "0:not run: $n bubbles at $MIREDO_PPS pps take $((n / MIREDO_PPS)) s > 30 s validity" "{\"peers\": $n}"
				continue
			fi
			sleep 1
			r0=$(miredo_rss)
			t0=$EPOCHREALTIME
			"$TSEND" trust -i "$TS_N" -t "$TS_T" -n "$n" -l 78 -p "$MIREDO_PPS" 2>&1 | sed 's/^/# /'
			t1=$EPOCHREALTIME
			sleep 3
			r1=$(miredo_rss)
			per=$(awk -v a="$r0" -v b="$r1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')
			log "$sc: Miredo took $(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f s, %.0f peers/s", b - a, n / (b - a) }'); resident set $r0 -> $r1 bytes: $per bytes per peer"
			if [ "$n" -ge 100000 ]; then
				emit "peer-memory-$n" miredo "" "" "" "{\"value\": $per, \"unit\": \"bytes/peer\", \"bytes_per_peer\": $per, \"peers\": $n, \"rss_bytes\": $((r1 - r0))}"
			fi
			RUN_PRE=miredo_pre RUN_POST=miredo_post EXTRA="{\"peers\": $n}" \
				measure "$sc" miredo "eth1 $PEERS_FRAME peers=$n off=48" \
				"$TSEND bubbles -t $TS_T -n $n -c $n -p $MIREDO_PPS" ;;
		*)
			EXTRA="{\"peers\": $n}" \
				measure "$sc" "$ct" "eth1 $PEERS_FRAME peers=$n off=48" ;;
		esac
	done
	teardown
}

# Decapsulation from N trusted peers at random (bench/tsend.c's, made
# trusted first), 8-byte UDP payloads like decap-small: inject decap=1
# varies the datagram's IPv4 source and UDP source port with the Teredo
# source address (byte 60: its last 6 bytes). plain: IPv6 from N sources.
# The decapsulated packets leave through sink0.
decap_peers() {	# N
	local n=$1 sc=${SCP:-}decap-peers-$1 ct f
	f=$(python3 "$BENCH/frames.py" --hex teredo-peer $MAC_R0 $MAC_C "$SMALL")
	for ct in teredo teredo-fast plain; do
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		teardown
		case $ct in
		teredo) many_peers_base teredo ;;
		teredo-fast) many_peers_base teredo dev eth0 fastpath on ;;
		plain) many_peers_base plain ;;
		esac || { log "setup failed"; continue; }
		settle
		to_sink $NATIVE/128 || { log "sink route failed"; continue; }
		if [ $ct = plain ]; then
			EXTRA="{\"peers\": $n}" measure "$sc" "$ct" \
				"eth0 $(python3 "$BENCH/frames.py" --hex plain $MAC_R0 $MAC_C "$SMALL") spread=$n off=34"
			continue
		fi
		"$TSEND" trust -i "$TS_N" -t "$TS_T" -n "$n" -l 78 -k 1024 2>&1 | sed 's/^/# /'
		teredo_read
		log "$sc: ${TST[peer_trusted]:-0} of $n peers trusted"
		RUN_PRE=peers_pre RUN_POST=peers_post EXTRA="{\"peers\": $n}" \
			measure "$sc" "$ct" "eth0 $f peers=$n off=60 decap=1" \
			"$TSEND bubbles -t $TS_T -n $n -c $n"
		teredo_stats
	done
	teardown
}

# More than one CPU (bench/run.sh's smp mode, a 2-vCPU real-time guest):
# the same rows with one source and with one per CPU, as RSS spreads a
# NIC's flows; a row's figure at N CPUs is smpN-ROW.
smp_main() {
	local t
	for ((t = 1; t <= $(nproc); t++)); do
		INJECT_THREADS=$t SCP=smp$t- decap_peers 1024
		INJECT_THREADS=$t SCP=smp$t- encap_peers 1024
	done
	smp_churn 1024
	smp_flood
}

# New peers from every CPU: one source per CPU sends each packet to a new
# Teredo destination (inject peers=2^22 at random), so that every packet
# creates an entry, a queue and a bubble under the device's lock. New
# peers per second with 1 source and with one per CPU; at the most CPUs,
# the contended spinlocks of the last window (profile lock:
# lock-contention-smpN-flood.txt).
smp_flood() {
	local t r sc ct=teredo a b t0 t1 rate runs d0 d1
	for ((t = 1; t <= $(nproc); t++)); do
		sc=smp$t-flood
		want "$sc" "$ct" || continue
		log "=== $sc / $ct"
		teardown
		many_peers_base teredo || { log "setup failed"; continue; }
			runs=()
		for ((r = 1; r <= RUNS; r++)); do
			"$IP" -n relay link del teredo0
			our_relay
			settle
			INJECT_THREADS=$t inject_start eth1 "$PEERS_FRAME" peers=4194304 off=48
			sleep "$WARM"
			teredo_read; a=${TST[peer_new]:-0}; d0=$(softnet_drops); t0=$EPOCHREALTIME
			if [ "$t" = "$(nproc)" ] && [ "$r" = "$RUNS" ]; then
				BENCH_PROFILE=lock profile "$sc"
			else
				sleep "$WIN"
			fi
			teredo_read; b=${TST[peer_new]:-0}; d1=$(softnet_drops); t1=$EPOCHREALTIME
			inject_stop
			rate=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
			log "$sc run $r: $rate new peers/s, softnet drops $((d1 - d0)), table $(peer_count)"
			runs+=("$rate")
		done
		teredo_stats
		echo "RESULT $sc $ct $(IFS=,; echo "${runs[*]}")"
		emit "$sc" "$ct" "$(IFS=,; echo "${runs[*]}")" "" "" "{\"unit\": \"new peers/s\"}"
	done
	teardown
}

# Lock contention under peer churn: our relay encapsulates to N trusted
# peers from one source per CPU while bench/tsend.c sends 20 000 packets a
# second to new Teredo destinations (a new entry, a queue and a bubble
# each; they expire unanswered). The contended spinlocks of the last
# window (profile lock) into lock-contention-SCENARIO.txt.
smp_churn() {	# N
	local n=$1 sc ct=teredo
	sc=smp$(nproc)-churn-$n
	want "$sc" "$ct" || return 0
	log "=== $sc / $ct"
	teardown
	many_peers_base teredo || { log "setup failed"; return 0; }
	settle
	many_peers_sink teredo
	"$TSEND" trust -i "$TS_N" -t "$TS_T" -n "$n" -l 78 -k 1024 2>&1 | sed 's/^/# /'
	CHURN_FIRST=$n
	INJECT_THREADS=$(nproc) RUN_PRE=churn_pre RUN_POST=churn_post \
		EXTRA="{\"peers\": $n, \"new_peers_per_s\": 20000}" \
		BENCH_PROFILE=lock measure "$sc" "$ct" \
		"eth1 $PEERS_FRAME peers=$n off=48" "$TSEND bubbles -t $TS_T -n $n -c $n"
	teredo_stats
	teardown
}
# the churn runs with each run only: the trusted peers' refresh and the
# settling before the first run must not wait behind it
churn_pre() {
	tsend_start native -i "$TS_N" -n 4000000 -o "$CHURN_FIRST" -p 20000
	CHURN_FIRST=$((CHURN_FIRST + 200000))
	teredo_read
	PRE_NEW=${TST[peer_new]:-0}
}
churn_post() {
	tsend_stop
	teredo_read
	log "churn: $((${TST[peer_new]:-0} - PRE_NEW)) new peers during the run, ${TST[peers]:-?} in the table" >&2
}

# Insertion rate: tsend floods the native side with packets to new Teredo
# destinations, one new peer per packet; per run a fresh device (empty
# table), peer_new counted over the window. Then the bound: a device with
# maxpeers FLOOD_MAX flooded with twice as many.
peer_flood() {
	local sc=peer-flood r a b t0 t1 ga gb rate gpps runs=() gruns=() d0 d1 fmax=${BENCH_FLOOD_MAX:-65536}
	local bound peers full
	want "$sc" teredo || return 0
	log "=== $sc / teredo"
	teardown
	many_peers_base teredo || { log "setup failed"; return 0; }
	for ((r = 1; r <= RUNS; r++)); do
		"$IP" -n relay link del teredo0
		our_relay
		tsend_start native -i "$TS_N" -n 16000000
		sleep "$WARM"
		teredo_read; a=${TST[peer_new]:-0}; ga=$(counter n eth0 tx); d0=$(softnet_drops); t0=$EPOCHREALTIME
		sleep "$WIN"
		teredo_read; b=${TST[peer_new]:-0}; gb=$(counter n eth0 tx); d1=$(softnet_drops); t1=$EPOCHREALTIME
		tsend_stop
		rate=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		gpps=$(awk -v a="$ga" -v b="$gb" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		log "$sc run $r: $rate new peers/s, generator $gpps pps, softnet drops $((d1 - d0)), table $(peer_count)"
		runs+=("$rate"); gruns+=("$gpps")
	done
	teredo_stats
	# the bound
	"$IP" -n relay link del teredo0
	our_relay maxpeers "$fmax"
	"$TSEND" native -i "$TS_N" -n $((2 * fmax)) -c $((2 * fmax)) 2>&1 | sed 's/^/# /'
	sleep 1
	teredo_read
	peers=$(peer_count); full=${TST[tx_drop_table_full]:-0}
	bound=ok
	[ "${peers:-0}" -le "$fmax" ] && [ "$full" -gt 0 ] || bound=FAILED
	log "$sc bound: $((2 * fmax)) new destinations, maxpeers $fmax: $peers peers in the table, $full tx_drop_table_full: $bound"
	teredo_stats
	echo "RESULT $sc teredo $(IFS=,; echo "${runs[*]}") $(IFS=,; echo "${gruns[*]}")"
	emit "$sc" teredo "$(IFS=,; echo "${runs[*]}")" "$(IFS=,; echo "${gruns[*]}")" "" \
		"{\"unit\": \"new peers/s\", \"maxpeers\": $fmax, \"offered\": $((2 * fmax)), \"peers_after\": ${peers:-0}, \"table_full_drops\": $full, \"bounded\": \"$bound\"}"
	teardown
}

main() {
	mkdir -p "$WORK"
	modprobe -a veth dummy tun fou sit pktgen teredo sch_ingress cls_matchall cls_flower act_gact 2>/dev/null
	modprobe sch_clsact 2>/dev/null
	sysctl -qw net.core.wmem_max=8388608 net.core.wmem_default=8388608 net.core.rmem_max=8388608
	: >"$OUT" 2>/dev/null
	[ "${BENCH_PROFILE:-}" = insn ] && [ -d /run/vm/out ] && cat /proc/kallsyms >/run/vm/out/kallsyms
	log "kernel $(uname -r), $(nproc) cpu"
	# 78-byte frames to tsend's peer 0, varied by inject (peers=N) at
	# byte 48: the last 6 bytes of the destination
	PEERS_FRAME=$(python3 "$BENCH/frames.py" --hex native $MAC_R1 $MAC_N 16 2001:0:c612:1:0:fbff:39ed:feff)
	if [ "$MODE" = smp ]; then
		smp_main
		log "done"
		return
	fi
	# IPv6 packet = 40 + 8 (UDP) + payload. encap-small keeps the
	# 16-byte payload of the earlier pktgen figures.
	decap decap-small "$SMALL"
	encap encap-small 16
	if [ "${BENCH_FULL:-1}" = 1 ]; then
		decap decap-1280 $((1280 - 48))
		encap encap-1280 $((1280 - 48))
	fi
	if [ "${BENCH_PEERS:-1}" = 1 ]; then
		# 1024 destinations: the client IPv4 198.18.0.0-198.18.3.255 (the
		# low 10 bits of the last group, inverted), all made known and
		# trusted by trust_peers first.
		NPEERS=1024 encap encap-1024peers 16
	fi
	# encapsulation over 1 ... 1 000 000 trusted peers (bench/tsend.c)
	local n
	for n in ${BENCH_PEER_COUNTS-1 1000 100000 1000000}; do
		encap_peers "$n"
	done
	[ "${BENCH_FLOOD:-1}" = 1 ] && peer_flood
	log "done"
}

main "$@"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Floods, measured: (a) spoofed Teredo sources at a relay, (b) new Teredo
# destinations from its native side, (c) authentication headers at a
# client, from anywhere and posing as its server. In each, a trusted
# client keeps its ping through the relay (under 1 % loss), the kernel's
# memory stays within its caps (the peer table's bound, 1 MiB of queues,
# MemAvailable) and the kernel log stays clean (no soft lockup, no RCU
# stall). Scaled down here (seconds); bench/flood.sh runs the full sizes
# (FLOOD_SPOOF=10000000 FLOOD_DESTS=1000000 FLOOD_AUTH_SECONDS=180).
# The senders are the benchmark's (bench/tsend.c, bench/fsend.c), built
# here into /tmp when bench/flood.sh has not built them.
source "$(dirname "$0")/hostile.sh"
REPO=$(cd "$(dirname "$0")/.." && pwd)
FLOOD_SPOOF=${FLOOD_SPOOF:-100000}	# (a) spoofed sources, each another
FLOOD_DESTS=${FLOOD_DESTS:-30000}	# (b) new destinations, each another
FLOOD_AUTH_SECONDS=${FLOOD_AUTH_SECONDS:-4}	# (c) each of its two floods
FLOOD_OUT=${FLOOD_OUT:-}		# a file for the figures (bench/flood.sh)


mac_of() { "$IP" netns exec "$1" cat "/sys/class/net/$2/address"; }

# A command's output once it stays put for a second (times SLOW): what
# was in flight has arrived (hostile.sh's waits twice as long).
steady() {	# COMMAND...
	local a b

	b=$("$@")
	while sleep "$SLOW"; a=$b; b=$("$@"); [ "$a" != "$b" ]; do :; done
	echo "$b"
}

figure() {	# KEY VALUE: one figure of the run (log, and FLOOD_OUT)
	log "figure $1 = $2"
	[ -n "$FLOOD_OUT" ] && echo "$1 $2" >>"$FLOOD_OUT"
	return 0
}

# Memory, sampled every second in NS while a flood runs: the most peers,
# queued bytes and slab bytes of the peer cache, the least MemAvailable.
mem_watch() {	# NS DEV: start; mem_watched prints "PEERS QUEUED SLAB MEMAVAIL_DROP_KB"
	rm -f /run/flood-mem.out
	"$IP" netns exec "$1" python3 - "$TEREDOD" "$2" /run/flood-mem.out 2>/run/flood-mem.err <<-'EOF' &
	import json, os, signal, subprocess, sys, time
	teredod, dev, out = sys.argv[1:4]
	top = {"peers": 0, "queued": 0, "slab": 0, "avail": None, "avail0": None}
	def slab():
	    d = "/sys/kernel/slab/teredo_peer/"
	    try:
	        slabs = int(open(d + "slabs").read().split()[0])
	        order = int(open(d + "order").read())
	        return slabs * (4096 << order)
	    except OSError:
	        return 0
	def avail():
	    for line in open("/proc/meminfo"):
	        if line.startswith("MemAvailable:"):
	            return int(line.split()[1])
	def write():
	    with open(out + ".tmp", "w") as f:
	        print(top["peers"], top["queued"], top["slab"], top["avail0"] - top["avail"], file=f)
	    os.rename(out + ".tmp", out)
	signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
	top["avail0"] = top["avail"] = avail()
	slab0 = slab()
	while True:
	    try:
	        d = json.loads(subprocess.run([teredod, "show", "dev", dev, "--json"],
	                                      capture_output=True, text=True).stdout)
	        top["peers"] = max(top["peers"], d["peers"])
	        # the device's own sum: a dump of the peers moves as it is read
	        top["queued"] = max(top["queued"], d["queued"])
	    except (ValueError, KeyError):
	        pass
	    top["slab"] = max(top["slab"], slab() - slab0)
	    top["avail"] = min(top["avail"], avail())
	    write()
	    time.sleep(1)
	EOF
	MEM_PID=$!
}
mem_watched() {
	kill -TERM "$MEM_PID" 2>/dev/null
	wait "$MEM_PID" 2>/dev/null
	cat /run/flood-mem.out 2>/dev/null || { sed 's/^/# mem_watch: /' /run/flood-mem.err >&2; echo "? ? ? ?"; }
}

DMESG_MARK=0
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_clean() {
	! dmesg | tail -n +"$((DMESG_MARK + 1))" | grep -E -A5 \
		'WARNING:|BUG:|Oops|KASAN:|soft lockup|hard LOCKUP|RCU stall|detected stall|hung_task|blocked for more than|refcount_t:|leaked reference'
}

# The ping of the trusted client while COMMAND floods: "LOSS%" in PING_LOSS.
ping_during() {	# PING_NS DST COMMAND...
	local ns=$1 dst=$2 pf=/run/flood-ping.out pid

	shift 2
	"$IP" netns exec "$ns" ping -6 -n -i 0.2 -W 5 "$dst" >"$pf" 2>&1 &
	pid=$!
	sleep 1
	"$@"
	sleep 2
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	PING_LOSS=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$pf")
	PING_SENT=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$pf")
}

loss_under_1() { awk -v l="${PING_LOSS:-100}" 'BEGIN { exit !(l < 1) }'; }

# --- (a) spoofed Teredo sources, (b) new destinations, at one relay -------

# What the relay sends out of eth0 to anyone but the trusted client
# (netdev egress: whatever path it takes), and the flood's datagrams that
# reach eth0 (netdev ingress).
flood_counters() {
	"$IP" netns exec relay nft -f - <<-EOF
	table netdev flood_eg {
		counter c {}
		chain out {
			type filter hook egress device eth0 priority 0; policy accept;
			meta protocol ip ip daddr != 198.18.0.21 counter name c
		}
	}
	table netdev flood_in {
		counter c {}
		chain in {
			type filter hook ingress device eth0 priority 0; policy accept;
			ip saddr 198.18.1.0-198.19.255.255 udp dport 3544 counter name c
		}
	}
	EOF
}
nft_packets() {	# TABLE: its counter c in the relay's netdev family
	"$IP" netns exec relay nft -j list counter netdev "$1" c |
		pyq '
print([o["counter"]["packets"] for o in json.loads(data)["nftables"] if "counter" in o][0])'
}

# tsend, its "sent N packets in T s (R pps)" in TSEND_N, TSEND_S, TSEND_PPS
run_tsend() {
	"$TSEND" "$@" 2>/run/flood-tsend.out
	read -r TSEND_N TSEND_S TSEND_PPS <<<"$(sed -n 's/.*sent \([0-9]*\) packets in \([0-9.]*\) s (\([0-9]*\) pps).*/\1 \2 \3/p' /run/flood-tsend.out)"
}

rctr() { counter -n relay teredo0 "$1"; }

# (a) tsend's peers FIRST.. as sources: a bubble from each, from the
# mapping its address embeds (198.18.1.0 and on, ports 1024 and on), none
# of them a peer of the relay. The relay must not make state for them,
# nor send anything, and keep forwarding for its trusted client.
flood_spoof() {	# TAG FIRST
	local tag=$1 first=$2 before after new0 new1 fast0 fast1 eg0 eg1 in0 in1
	local peers queued slab drop

	# the client fresh: a ping after a silence has its trust checked
	# again, with a bubble to its server (not the flood's doing)
	fresh
	before=$(rctr rx_drop_unknown_peer) new0=$(rctr peer_new) fast0=$(rctr rx_fastpath)
	eg0=$(nft_packets flood_eg) in0=$(nft_packets flood_in)
	mem_watch relay teredo0
	dmesg_mark
	ping_during host6 "$CLIENT" run_tsend bubbles -t "client:eth0:$(mac_of relay eth0):$(mac_of client eth0)" \
		-o "$first" -n "$FLOOD_SPOOF" -c "$FLOOD_SPOOF"
	read -r peers queued slab drop <<<"$(mem_watched)"
	after=$(steady rctr rx_drop_unknown_peer)
	new1=$(rctr peer_new) fast1=$(rctr rx_fastpath)
	eg1=$(nft_packets flood_eg) in1=$(nft_packets flood_in)
	figure "$tag.sources" "$TSEND_N"
	figure "$tag.seconds" "$TSEND_S"
	figure "$tag.sent_pps" "$TSEND_PPS"
	figure "$tag.arrived" "$((in1 - in0))"
	figure "$tag.dropped_unknown_peer" "$((after - before))"
	figure "$tag.fastpath" "$((fast1 - fast0))"
	figure "$tag.sent_to_others" "$((eg1 - eg0))"
	figure "$tag.peers_made" "$((new1 - new0))"
	figure "$tag.ping_loss_pct" "$PING_LOSS"
	figure "$tag.ping_sent" "$PING_SENT"
	figure "$tag.max_queued_bytes" "$queued"
	figure "$tag.slab_growth_bytes" "$slab"
	figure "$tag.memavailable_drop_kb" "$drop"
	check "(a, $tag) $TSEND_N spoofed sources in ${TSEND_S}s ($TSEND_PPS/s): every one that arrived ($((in1 - in0))) dropped as an unknown peer ($((after - before)))" \
		test "$((after - before))" -eq "$((in1 - in0))" -a "$((in1 - in0))" -gt 0
	check "(a, $tag) no peer made for them ($((new1 - new0))), nothing queued ($queued bytes at most)" \
		test "$((new1 - new0))" = 0 -a "$queued" = 0
	check "(a, $tag) nothing sent to anyone but the client ($((eg1 - eg0)))" \
		test "$((eg1 - eg0))" = 0
	check "(a, $tag) the trusted client kept its ping through the relay: ${PING_LOSS}% lost of $PING_SENT" \
		loss_under_1
	check "(a, $tag) no soft lockup, RCU stall or other complaint" dmesg_clean
	SPOOF_FAST=$((fast1 - fast0)) SPOOF_IN=$((in1 - in0))
}

# (b) tsend's peers FIRST.. as destinations: each packet (88 bytes of
# IPv6, as much as a bubble: it pays for one) to another one. The relay
# makes a peer and a queue only for what its queues (1 MiB) and its probe
# budgets take; the rest is refused without state. The trusted client is
# reached meanwhile.
flood_dests() {	# FIRST
	local q0 q1 full0 full1 lim0 lim1 new0 new1 peers queued slab drop bubbles

	count_start srv b 'udp dport 3544 ip saddr 198.18.0.10'
	q0=$(rctr tx_queued) full0=$(rctr tx_drop_queue_full)
	lim0=$(rctr tx_probe_limited) new0=$(rctr peer_new)
	mem_watch relay teredo0
	dmesg_mark
	ping_during host6 "$CLIENT" run_tsend native -i "host6:eth0:$(mac_of relay eth1):$(mac_of host6 eth0)" \
		-o "$1" -n "$FLOOD_DESTS" -c "$FLOOD_DESTS" -l 102
	read -r peers queued slab drop <<<"$(mem_watched)"
	# no probe is sent once the queues are gone
	check "(b) the flood's queues are let go once their probes are over" \
		wait_for 30 eval '[ "$(queued_bytes)" = 0 ]'
	q1=$(steady rctr tx_queued) full1=$(rctr tx_drop_queue_full)
	lim1=$(rctr tx_probe_limited) new1=$(rctr peer_new)
	bubbles=$(steady count_of srv b)
	figure dests.destinations "$TSEND_N"
	figure dests.seconds "$TSEND_S"
	figure dests.sent_pps "$TSEND_PPS"
	figure dests.queued "$((q1 - q0))"
	figure dests.refused_queue_full "$((full1 - full0))"
	figure dests.probe_limited "$((lim1 - lim0))"
	figure dests.peers_made "$((new1 - new0))"
	figure dests.bubbles_to_server "$bubbles"
	figure dests.ping_loss_pct "$PING_LOSS"
	figure dests.ping_sent "$PING_SENT"
	figure dests.max_peers "$peers"
	figure dests.max_queued_bytes "$queued"
	figure dests.slab_growth_bytes "$slab"
	figure dests.memavailable_drop_kb "$drop"
	check "(b) $TSEND_N new destinations in ${TSEND_S}s ($TSEND_PPS/s): peers made only for what was queued ($((new1 - new0)) for $((q1 - q0)))" \
		test "$((new1 - new0))" -le "$((q1 - q0))" -a "$((q1 - q0))" -gt 0
	check "(b) the queues filled ($queued bytes at most) and stayed within 1 MiB, the rest refused ($((full1 - full0)))" \
		test "$queued" -le 1048576 -a "$queued" -gt 0 -a "$((full1 - full0))" -gt 0
	check "(b) the server got no more bubbles than packets queued ($bubbles), within the budget" \
		eval '[ "$bubbles" -le "$((q1 - q0))" ] && [ "$bubbles" -le $(( (${TSEND_S%.*} + 12) * 1000 + 1000 )) ]'
	check "(b) the trusted client kept its ping through the relay: ${PING_LOSS}% lost of $PING_SENT" \
		loss_under_1
	check "(b) no soft lockup, RCU stall or other complaint" dmesg_clean
	DESTS_PEAK=$peers
}

# One relay for (b), then (a) through its socket path and (a) again
# through its fast path (switched on), while (b)'s peers wait and expire.
# (a)'s sources are disjoint from (b)'s destinations (a bubble from a
# waiting peer's mapping would be no spoof).
test_spoof_and_dests() {
	local first=$((1000 + FLOOD_DESTS))

	TSEND=$(tool tsend) || { check "bench/tsend.c builds" false; return; }
	relay_with_client
	# one site (the flood's /48) pays for a quarter of proberate to one
	# server: 8000 lets (b) fill the queues, the memory it is about
	"$IP" -n relay link set teredo0 type teredo maxpeers 1048576 proberate 8000
	check "the trusted client answers" ping_client 1
	flood_counters
	flood_dests 1000
	flood_spoof spoof "$first"
	"$IP" -n relay link set teredo0 type teredo dev eth0 fastpath on
	check "the trusted client answers through the fast path" \
		eval 'f=$(rctr rx_fastpath); ping_client 1 && [ "$(rctr rx_fastpath)" -gt "$f" ]'
	flood_spoof spoof-fastpath "$first"
	check "(a, spoof-fastpath) the fast path took them ($SPOOF_FAST of $SPOOF_IN)" \
		test "$SPOOF_FAST" -ge "$SPOOF_IN" -a "$SPOOF_IN" -gt 0
	check "(b) the flood's peers ($DESTS_PEAK at most) expire: only the client is left" \
		wait_for 60 eval '[ "$(peer_count)" -le 1 ]'
	stop_daemons
}

# --- (c) authentication headers at a client ----------------------------------

# hostile.sh's client (teredod, qualified by teredod server), with the
# relay of relay.sh kept, and a native leg for the server (srv eth1 to
# host6) so that the client's connectivity test reaches host6: the client
# pings host6 through the relay.
flood_client_setup() {
	setup
	"$IP" -n srv addr add 198.18.0.2/24 dev eth0
	veth srv eth1 host6 eth1
	"$IP" -n srv addr add 2001:db8:9::1/64 dev eth1 nodad
	"$IP" -n host6 addr add 2001:db8:9::2/64 dev eth1 nodad
	"$IP" -n srv route add 2001:db8:1::/64 via 2001:db8:9::2
	printf 'ServerBindAddress 198.18.0.1\nServerBindAddress2 198.18.0.2\n' >/run/flood-server.conf
	"$IP" netns exec srv "$TEREDOD" server -f -c /run/flood-server.conf \
		-p /run/flood-server.pid >/run/flood-server.log 2>&1 &
	PIDS+=($!)
	wait_for 10 udp_bound srv 3544
	printf 'ServerAddress 198.18.0.1\nInterfaceName teredo0\n' >/run/flood-teredod.conf
	"$IP" netns exec client "$TEREDOD" -f -c /run/flood-teredod.conf >/run/flood-teredod.log 2>&1 &
	PIDS+=($!)
	wait_for 30 client_qualified
	ME=$(client_show 'D["address"]')
	MYPORT=$(client_show 'D["local_port"]')
	log "client $ME at 198.18.0.21:$MYPORT"
}

# An authentication header (no identity, a nonce) and a router
# advertisement from the server's link-local address, as an RA would be.
auth_datagram() {	# SRC_IP SPORT: the IPv4/UDP datagram, hex
	python3 - "$1" "$2" "$MYPORT" <<-'EOF'
	import socket, struct, sys, os
	src, sport, dport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	ll = socket.inet_pton(socket.AF_INET6, "fe80::8000:f227:39ed:fffe")
	dst = socket.inet_pton(socket.AF_INET6, "fe80::ffff:ffff:ffff")
	ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 2000)
	ip6 = struct.pack("!IHBB", 0x60000000, len(ra), 58, 255) + ll + dst + ra
	payload = b"\0\1\0\0" + os.urandom(8) + b"\0" + ip6
	udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
	ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
	                 socket.inet_aton(src), socket.inet_aton("198.18.0.21"))
	print((ip + udp).hex())
	EOF
}

test_auth_flood() {
	local fsend out c0 c1 d0 d1 peers queued slab drop secs

	fsend=$(tool fsend) || { check "bench/fsend.c builds" false; return; }
	flood_client_setup
	check "the client pings host6 through the relay" \
		wait_for 30 "$IP" netns exec client ping -6 -c 1 -W 3 "$HOST"
	for from in anywhere server; do
		if [ $from = anywhere ]; then
			args=(-s 198.18.1.0/24 -P 1024-65535 -f "$(auth_datagram 198.18.1.1 3544)")
		else	# posing as the server, from its address and port
			args=(-f "$(auth_datagram 198.18.0.1 3544)")
		fi
		c0=$(cctr rx_control) d0=$(cctr rx_drop_control)
		mem_watch client teredo0
		dmesg_mark
		ping_during client "$HOST" eval "out=\$(\"$fsend\" -i relay:eth0:$(mac_of client eth0):$(mac_of relay eth0) -t $FLOOD_AUTH_SECONDS ${args[*]})"
		read -r peers queued slab drop <<<"$(mem_watched)"
		c1=$(steady cctr rx_control) d1=$(cctr rx_drop_control)
		log "fsend: $out"
		secs=$(echo "$out" | awk '{ print $5 }')
		figure "auth-$from.frames" "$(echo "$out" | awk '{ print $2 }')"
		figure "auth-$from.seconds" "$secs"
		figure "auth-$from.sent_pps" "$(echo "$out" | sed 's/.*(\([0-9]*\) pps).*/\1/')"
		figure "auth-$from.to_teredod" "$((c1 - c0))"
		figure "auth-$from.dropped_control" "$((d1 - d0))"
		figure "auth-$from.ping_loss_pct" "$PING_LOSS"
		figure "auth-$from.memavailable_drop_kb" "$drop"
		check "(c) auth headers from $from for ${secs}s: dropped as control packets" \
			test "$((d1 - d0))" -gt 0
		check "at most 50 a second passed to teredod ($((c1 - c0)) in ${secs}s)" \
			test "$((c1 - c0))" -le "$(awk -v s="$secs" 'BEGIN { printf "%d", 50 * (s + 2) + 50 }')"
		check "the client kept its ping through the relay: ${PING_LOSS}% lost of $PING_SENT" \
			loss_under_1
		check "no soft lockup, RCU stall or other complaint" dmesg_clean
	done
	check "teredod is still qualified, with the same address" \
		eval 'client_qualified && expect_eq "$(client_show "D[\"address\"]")" "$ME"'
	stop_daemons
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
trap stop_daemons EXIT
run_tests test_spoof_and_dests test_auth_flood

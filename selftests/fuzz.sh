#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The packet fuzzer (fuzz.py: generated and mutated Teredo datagrams, IPv6
# inside and IPv4 around them) for FUZZ_SECONDS at each target: a relay's
# socket path, its receive fast path, a client's mapping (teredod
# qualified against teredod server), and the relay's native side with the
# transmit fast path. After each run, once everything is quiet, the
# ledger: every frame sent arrived, the IPv4 and UDP layers counted what
# the generator made for them to count (bad checksums, lengths,
# fragments), and every datagram that reached the device was delivered or
# counted by exactly one drop reason; the queues are empty, the kernel log
# is clean. FUZZ_SEED reproduces a run (fuzz.py frames prints its frames);
# FUZZ_SECONDS (8 in the suite) makes it longer. Then the fast path's
# UDP checksum, which the ledger caught summing a stale length (a kernel
# BUG through a VXLAN uplink, fixed).
source "$(dirname "$0")/hostile.sh"
FUZZ=$(cd "$(dirname "$0")" && pwd)/fuzz.py
FUZZ_SECONDS=${FUZZ_SECONDS:-8}
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_MAC=02:66:75:7a:7a:04	# the fuzzer's frames, Teredo side
FUZZ_MAC6=02:66:75:7a:7a:06	# and native side
RUN=/run/fuzz
mkdir -p "$RUN"

# The relay's peers in the fuzzer: 198.18.0.(100+i):(40000+i), their
# server 198.18.0.200 (nobody: the bubbles to it go nowhere).
fuzz_peers() {	# FIRST LAST: a JSON list of [address, IPv4, port]
	local i sep=""

	printf '['
	for ((i = $1; i <= $2; i++)); do
		printf '%s["2001:0:c612:c8:0:%x:39ed:ff%02x", "198.18.0.%d", %d]' "$sep" \
			$((0xffff - 40000 - i)) $((0xff - 100 - i)) $((100 + i)) $((40000 + i))
		sep=", "
	done
	printf ']'
}

mac_of() { "$IP" netns exec "$1" cat "/sys/class/net/$2/address"; }

# A snapshot of every counter of the ledger: in NS, for DEV (teredo0) and
# its uplink.
snap() {	# NS UPLINK FILE
	"$IP" netns exec "$1" python3 "$FUZZ" snap teredo0 "$2" "$TEREDOD" >"$3"
}

# Quiet: no fragment waiting for its others, nothing queued, and two
# snapshots 2 s apart alike. Leaves the last one in FILE. The ledger's
# first snapshot too: one taken while a packet crossed the device would
# hold some of its counters before it and some after.
quiesce() {	# NS UPLINK FILE [SECONDS]
	local t=$SECONDS st

	"$IP" netns exec "$1" python3 "$FUZZ" quiesce teredo0 "$2" "$TEREDOD" "$3" \
		$(( ${4:-60} * SLOW ))
	st=$?
	QUIET_S=$((SECONDS - t))
	return "$st"
}

# The ledger's identities, one check each; then the same sums with the
# largest drop reason left out must not hold (a ledger that cannot fail
# proves nothing).
ledger_checks() {	# TARGET LEDGER BEFORE AFTER
	local out="$RUN/$1.check" st name rest

	python3 "$FUZZ" report "$@" >"$out"
	while read -r st name rest; do
		case $st in
		ok|MISMATCH)
			name=${name%:}
			check "ledger $name ${rest% (*}" line_ok "$st" "$name" "$rest" ;;
		omit)
			check "the ledger catches a missing reason: without $name it does not add up" \
				expect_eq "$rest" ok ;;
		moved)
			log "the device's counters that moved: $name $rest" ;;
		esac
	done <"$out"
}
line_ok() { echo "$*"; [ "$1" = ok ]; }

# Kernel complaints since the mark (vm-run fails the whole run on them;
# this says which target).
DMESG_MARK=0
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_clean() {
	! dmesg | tail -n +"$((DMESG_MARK + 1))" | grep -E -A5 \
		'WARNING:|BUG:|Oops|KASAN:|UBSAN:|RCU stall|detected stall|circular locking|recursive locking|inconsistent lock|suspicious RCU|refcount_t:|unreferenced object|leaked reference|ref_tracker:|hung_task|blocked for more than|soft lockup'
}

# The fuzzer's run: CONFIG (JSON) given, from NS.
fuzz_run() {	# NS CONFIG
	local out

	out=$("$IP" netns exec "$1" python3 "$FUZZ" run "$2" 2>&1)
	log "fuzz.py: $out"
}

ledger_of() { python3 -c 'import json,sys; L = json.load(open(sys.argv[1])); print('"$2"')' "$1"; }

# The run's size, from its ledger: FRAMES, DATAGRAMS, CLASSES
fuzz_size() {	# LEDGER
	local l

	l=$(ledger_of "$1" '"%d %d %s" % (L["frames"], L["datagrams"], json.dumps(L["classes"], separators=(",", ":")))')
	read -r FRAMES DATAGRAMS CLASSES <<<"$l"
	FUZZ_FRAMES=$((FUZZ_FRAMES + ${FRAMES:-0}))
}
FUZZ_FRAMES=0

# --- a relay's receiving side ----------------------------------------------

# relay.sh's namespaces; the fuzzer in client sends from FUZZ_MAC through
# the bridge to the relay's eth0. Counters: what arrives on eth0 (netdev
# ingress, before the fast path), the sources the IPv4 input route drops
# uncounted (ip prerouting). Early demux off, as on a router (README): a
# socket's cached input route would otherwise skip the source checks for
# some datagrams and not for others.
relay_fuzz_setup() {	# [ip link options]
	RELAY_OPTS="$*" setup
	"$IP" -n relay link set teredo0 type teredo maxpeers 100000
	"$IP" netns exec relay sysctl -qw net.ipv4.ipfrag_time=3 net.ipv4.ip_early_demux=0
	"$IP" netns exec relay nft -f - <<-EOF
	table netdev fz {
		counter fz_frames {}
		counter noise4 {}
		counter noise_dev {}
		chain in {
			type filter hook ingress device eth0 priority -500; policy accept;
			ether saddr $FUZZ_MAC counter name fz_frames
			ether saddr != $FUZZ_MAC meta protocol ip counter name noise4
			ether saddr != $FUZZ_MAC udp dport 3544 counter name noise_dev
		}
	}
	table ip fzm {
		counter fz_martian {}
		counter fz_local {}
		counter lo4 {}
		counter lo_dev {}
		chain pre {
			type filter hook prerouting priority -500; policy accept;
			iifname "eth0" ip saddr { 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 } counter name fz_martian
			iifname "eth0" ip saddr 198.18.0.10 counter name fz_local
			iifname "lo" counter name lo4
			iifname "lo" udp dport 3544 counter name lo_dev
		}
	}
	EOF
	# the peers: host6's packet to each makes its entry, a bubble from
	# its mapping trusts it, another every 5 s keeps it (fuzz.py)
	cat >"$RUN/relay.json" <<-EOF
	{"target": "relay", "seed": $FUZZ_SEED, "seconds": $FUZZ_SECONDS,
	 "dev": "eth0", "dmac": "$(mac_of relay eth0)", "smac": "$FUZZ_MAC",
	 "dst": "198.18.0.10", "dport": 3544, "peers": $(fuzz_peers 0 7),
	 "server": "198.18.0.200", "native": "$HOST", "local6": "2001:db8:1::1",
	 "create": {"netns": "host6", "dev": "eth0", "dmac": "$(mac_of relay eth1)",
	            "smac": "$(mac_of host6 eth0)", "src6": "$HOST"},
	 "refresh": {},
	 "ledger": "$RUN/relay.ledger", "progress": "$RUN/relay.progress"}
	EOF
}

delta_of() {	# BEFORE AFTER EXPR on a (before) and b (after)
	python3 -c 'import json,sys; a, b = (json.load(open(f)) for f in sys.argv[1:3]); print('"$3"')' "$1" "$2"
}

# How much counters moved between two snapshots, in one line: dev.NAME
# the interface statistics, NAME the device's own (ethtool -S).
deltas() {	# BEFORE AFTER NAME...
	python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
g = lambda s, k: s["dev"][k[4:]] if k.startswith("dev.") else s["teredo"][k]
print(" ".join(str(g(b, k) - g(a, k)) for k in sys.argv[3:]))' "$@"
}

relay_fuzz() {	# TARGET (relay or relay-fast)
	local t=$1 led=$RUN/relay.ledger b=$RUN/$1.before a=$RUN/$1.after trusted delivered was

	check "quiet before the run" quiesce relay eth0 "$b"
	dmesg_mark
	fuzz_run client "$RUN/relay.json"
	fuzz_size "$led"
	check "fuzzed the relay ($t) for ${FUZZ_SECONDS}s: $FRAMES frames, $DATAGRAMS datagrams" \
		test "${FRAMES:-0}" -gt 0
	log "classes: $CLASSES"
	check "quiet again: no fragment or packet left waiting" quiesce relay eth0 "$a"
	log "quiet after $QUIET_S s"
	ledger_checks "$t" "$led" "$b" "$a"
	read -r trusted delivered <<<"$(deltas "$b" "$a" peer_trusted dev.rx_packets)"
	was=$(ledger_of "$b" 'L["trusted"]')
	check "the fuzzer's 8 peers were trusted (+$trusted, $was before), and the relay delivered what they sent ($delivered)" \
		test "$((${trusted:-0} + ${was:-0}))" -ge 8 -a "${delivered:-0}" -gt 0
	check "no kernel complaint during the run" dmesg_clean
}

# One relay for its three targets: the socket path, then the receive
# fast path switched on (and its UDP checksum, below), then the native
# side with the transmit fast path. The budgets raised: a refusal has no
# reason of its own (tx_probe_limited also counts probes that waited).
test_fuzz_relay() {
	relay_fuzz_setup
	"$IP" -n relay link set teredo0 type teredo proberate 1000000 probetotal 1000000
	relay_fuzz relay
	"$IP" -n relay link set teredo0 type teredo dev eth0 fastpath on
	relay_fuzz relay-fast
	check "the fast path took the fuzzer's whole datagrams" \
		counter_ge -n relay teredo0 rx_fastpath 100
	fastpath_checksum
	"$IP" -n relay link set teredo0 type teredo native eth1
	native_fuzz
}

# What the fuzzer's ledger found (fastpath_takes), fixed: the fast path
# checked a datagram's UDP checksum with udp_lib_checksum_complete(),
# which sums UDP_SKB_CB(skb)->cscov bytes, a field only the stack's
# udp4_csum_init() sets. A datagram over 76 bytes (CHECKSUM_BREAK: shorter
# ones are summed whole at once) arriving with CHECKSUM_NONE was summed
# over whatever an earlier layer left there: zero (raw sockets here, NICs
# that do not check UDP checksums), and a valid datagram looked bad and
# was left to the stack; larger than the datagram (an uplink that is
# itself a UDP tunnel, VXLAN, leaves the outer datagram's), and
# __skb_checksum() ran past its end into BUG_ON(len) in softirq: a kernel
# panic from one datagram of 77 bytes or more with a wrong checksum, from
# anyone. fastrx.c now sums the whole datagram (skb_checksum_complete()).
udp6_hex() {	# SRC DST BYTES: an IPv6 UDP packet with BYTES of data, hex
	python3 -c 'import ipaddress, struct, sys
src, dst = (ipaddress.IPv6Address(a).packed for a in sys.argv[1:3])
n = int(sys.argv[3])
u = struct.pack("!HHHH", 9, 9, 8 + n, 0) + bytes(n)
print((struct.pack("!IHBB", 0x60000000, len(u), 17, 64) + src + dst + u).hex())' "$@"
}

fastpath_checksum() {
	local f

	f=$(counter -n relay teredo0 rx_fastpath)
	raw "$(udp6_hex $CLIENT $HOST 20)"
	check "a datagram of 76 bytes with its UDP checksum: taken by the fast path" \
		wait_for 5 counter_ge -n relay teredo0 rx_fastpath $((f + 1))
	f=$(counter -n relay teredo0 rx_fastpath)
	raw "$(udp6_hex $CLIENT $HOST 21)"
	check "one of 77 bytes: taken by the fast path too" \
		wait_for 5 counter_ge -n relay teredo0 rx_fastpath $((f + 1))
}

# The same through a VXLAN uplink (the outer datagram's cscov left in
# skb->cb): a datagram of 256 bytes with a wrong UDP checksum is the
# stack's to count, and the kernel stays up (with the bug: "kernel BUG at
# net/core/skbuff.c", the VM gone, this script never reaching its end).
udp_csum_errors() {	# NS: UDP InCsumErrors
	"$IP" netns exec "$1" awk '/^Udp:/ { if (n++) print $8 }' /proc/net/snmp
}

test_fastpath_checksum_vxlan() {
	local src=2001:0:c612:1:0:63bf:39ed:ffea hex f e

	setup_ns crash-a crash-r
	"$IP" -n crash-a link add a0 type veth peer name r0 netns crash-r
	"$IP" -n crash-a link set a0 up
	"$IP" -n crash-r link set r0 up
	"$IP" -n crash-a addr add 10.9.0.1/24 dev a0
	"$IP" -n crash-r addr add 10.9.0.2/24 dev r0
	"$IP" -n crash-a link add vx0 type vxlan id 42 local 10.9.0.1 remote 10.9.0.2 dstport 4789 dev a0
	"$IP" -n crash-r link add vx0 type vxlan id 42 local 10.9.0.2 remote 10.9.0.1 dstport 4789 dev r0
	"$IP" -n crash-a link set vx0 up
	"$IP" -n crash-r link set vx0 up
	"$IP" -n crash-a addr add 198.18.0.21/24 dev vx0
	"$IP" -n crash-r addr add 198.18.0.10/24 dev vx0
	"$IP" -n crash-r link add teredo0 type teredo mode relay local 198.18.0.10 dev vx0 fastpath on
	"$IP" -n crash-r link set teredo0 up
	check "the VXLAN link works" "$IP" netns exec crash-a ping -c 1 -W 5 198.18.0.10
	hex=$(udp6_hex $src 2001:db8:1::2 200)
	check "a datagram of 256 bytes through VXLAN, good checksum: taken by the fast path" eval \
		'"$IP" netns exec crash-a "$PEER" raw 198.18.0.21:40000 198.18.0.10:3544 "$hex" &&
		 wait_for 5 counter_ge -n crash-r teredo0 rx_fastpath 1'
	f=$(counter -n crash-r teredo0 rx_fastpath)
	e=$(udp_csum_errors crash-r)
	"$IP" netns exec crash-a "$PEER" raw 198.18.0.21:40000 198.18.0.10:3544 "$hex" badsum
	check "the same with a wrong UDP checksum: the kernel is up, the stack counted it (InCsumErrors)" \
		wait_for 5 eval '[ "$(udp_csum_errors crash-r)" -ge $((e + 1)) ]'
	check "and the fast path did not take it" \
		expect_eq "$(counter -n crash-r teredo0 rx_fastpath)" "$f"
}

# --- a client --------------------------------------------------------------

# hostile.sh's client (teredod qualified by teredod server on srv); the
# fuzzer in relay poses as the server, Teredo peers, relays and spoofers.
# The client's own IPv6 answers are dropped before teredo0 (nftables
# output), so that the tx_drop_* counters the client's held packets share
# count only those; the probe budgets are raised for the same reason (a
# refusal is counted as tx_probe_limited, which also counts probes that
# only waited).
test_fuzz_client() {
	local led=$RUN/client.ledger b=$RUN/client.before a=$RUN/client.after delivered held control

	client_setup
	"$IP" -n client link set teredo0 type teredo proberate 1000000 probetotal 1000000
	"$IP" netns exec client sysctl -qw net.ipv4.ipfrag_time=3 net.ipv4.ip_early_demux=0 \
		net.ipv6.ip6frag_time=3
	"$IP" netns exec client nft -f - <<-EOF
	table netdev fz {
		counter fz_frames {}
		counter noise4 {}
		counter noise_dev {}
		chain in {
			type filter hook ingress device eth0 priority -500; policy accept;
			ether saddr $FUZZ_MAC counter name fz_frames
			ether saddr != $FUZZ_MAC meta protocol ip counter name noise4
			ether saddr != $FUZZ_MAC udp dport $MYPORT counter name noise_dev
		}
	}
	table ip fzm {
		counter fz_martian {}
		counter fz_local {}
		counter lo4 {}
		counter lo_dev {}
		chain pre {
			type filter hook prerouting priority -500; policy accept;
			iifname "eth0" ip saddr { 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 } counter name fz_martian
			iifname "eth0" ip saddr 198.18.0.21 counter name fz_local
			iifname "lo" counter name lo4
			iifname "lo" udp dport $MYPORT counter name lo_dev
		}
	}
	table inet fzout {
		counter fz_blocked {}
		chain out {
			type filter hook output priority 0; policy accept;
			oifname "teredo0" counter name fz_blocked drop
		}
	}
	EOF
	cat >"$RUN/client.json" <<-EOF
	{"target": "client", "seed": $FUZZ_SEED, "seconds": $FUZZ_SECONDS,
	 "dev": "eth0", "dmac": "$(mac_of client eth0)", "smac": "$FUZZ_MAC",
	 "dst": "198.18.0.21", "dport": $MYPORT, "me": "$ME", "peers": $(fuzz_peers 0 7),
	 "server": "198.18.0.1", "relayip": "198.18.0.10", "native": "$HOST",
	 "ledger": "$led", "progress": "$RUN/client.progress"}
	EOF
	log "set up (at $SECONDS s)"
	check "quiet before the run" quiesce client eth0 "$b"
	dmesg_mark
	fuzz_run relay "$RUN/client.json"
	log "sent (at $SECONDS s)"
	fuzz_size "$led"
	check "fuzzed the client for ${FUZZ_SECONDS}s: $FRAMES frames, $DATAGRAMS datagrams" \
		test "${FRAMES:-0}" -gt 0
	log "classes: $CLASSES"
	check "quiet again: no fragment or packet left waiting" quiesce client eth0 "$a"
	log "quiet after $QUIET_S s"
	ledger_checks client "$led" "$b" "$a"
	read -r delivered held control <<<"$(deltas "$b" "$a" dev.rx_packets rx_held rx_control)"
	check "it delivered some ($delivered), held some ($held), passed some to teredod ($control)" \
		test "${delivered:-0}" -gt 0 -a "${held:-0}" -gt 0 -a "${control:-0}" -gt 0
	check "teredod is still qualified, with the same address" \
		eval 'client_qualified && expect_eq "$(client_show "D[\"address\"]")" "$ME"'
	check "no kernel complaint during the run" dmesg_clean
	stop_daemons
}

# --- a relay's native side (the transmit fast path) ------------------------

# The fuzzer in host6 sends IPv6 frames to the relay's eth1 from FUZZ_MAC6:
# to its 8 trusted peers (kept fresh by bubbles from the client side), to
# 4 known but never trusted, to new Teredo addresses, to others.
native_fuzz() {
	local led=$RUN/native.ledger b=$RUN/native.before a=$RUN/native.after fast queued

	"$IP" netns exec relay nft -f - <<-EOF
	table netdev fz6 {
		counter fz6_frames {}
		counter noise6 {}
		chain in {
			type filter hook ingress device eth1 priority -500; policy accept;
			ether saddr $FUZZ_MAC6 counter name fz6_frames
			ether saddr != $FUZZ_MAC6 meta protocol ip6 counter name noise6
		}
	}
	EOF
	cat >"$RUN/native.json" <<-EOF
	{"target": "native", "seed": $FUZZ_SEED, "seconds": $FUZZ_SECONDS,
	 "dev": "eth0", "dmac": "$(mac_of relay eth1)", "smac": "$FUZZ_MAC6",
	 "peers": $(fuzz_peers 0 7),
	 "known": $(fuzz_peers 8 11 | python3 -c 'import json,sys; print(json.dumps([p[0] for p in json.load(sys.stdin)]))'),
	 "server": "198.18.0.200", "native": "$HOST", "local6": "2001:db8:1::1",
	 "create": {"dmac": "$(mac_of relay eth1)", "smac": "$FUZZ_MAC6", "src6": "$HOST"},
	 "refresh": {"netns": "client", "dev": "eth0", "dmac": "$(mac_of relay eth0)",
	             "smac": "$FUZZ_MAC", "dst": "198.18.0.10"},
	 "ledger": "$led", "progress": "$RUN/native.progress"}
	EOF
	check "quiet before the run" quiesce relay eth1 "$b"
	dmesg_mark
	fuzz_run host6 "$RUN/native.json"
	fuzz_size "$led"
	check "fuzzed the native side for ${FUZZ_SECONDS}s: $FRAMES frames" \
		test "${FRAMES:-0}" -gt 0
	log "classes: $CLASSES"
	check "quiet again: nothing left waiting" quiesce relay eth1 "$a"
	log "quiet after $QUIET_S s"
	ledger_checks native "$led" "$b" "$a"
	read -r fast queued <<<"$(deltas "$b" "$a" tx_fastpath tx_queued)"
	check "the transmit fast path took some ($fast), the socket path queued some ($queued)" \
		test "${fast:-0}" -gt 0 -a "${queued:-0}" -gt 0
	check "no kernel complaint during the run" dmesg_clean
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
log "seed $FUZZ_SEED, ${FUZZ_SECONDS}s a target"
fuzz_save() { [ -d /run/vm/out ] && cp -r "$RUN" /run/vm/out/ 2>/dev/null; }
# A frame the receiving CPU's backlog refuses never reaches the ledger's
# first counter (the uplink's ingress): under emulation the fuzzer can
# outrun the receiver's softirq by more than the 1000 default.
BACKLOG=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=100000
trap 'stop_daemons; sysctl -qw net.core.netdev_max_backlog=$BACKLOG; fuzz_save
      log "$FUZZ_FRAMES frames in all, in $SECONDS s"' EXIT
run_tests test_fuzz_relay test_fastpath_checksum_vxlan test_fuzz_client

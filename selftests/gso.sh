#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Segmentation offload through teredo0 (issue 29). A TCP flow's GSO
# packets cross the stack and teredo0 whole, so that the Teredo work is
# paid once per GSO packet. By default they are segmented in the module,
# after that work, unless the uplink is a NIC: a virtual uplink (veth,
# here) may hand a packet to a userspace Teredo peer on this host
# (Miredo), which must get each segment as a datagram of its own with
# every checksum filled in. With gso_virtual=Y they leave whole, and the
# uplink segments them as a UDP tunnel's. Either way every segment on the
# wire is valid Teredo (tshark: outer IPv4 and UDP checksums, inner TCP
# checksum, the lengths of each layer) with an outer IPv4 ID of its own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
PARAM=/sys/module/teredo/parameters/gso_virtual
cleanup() {
	# the next script in this VM gets the default back
	echo N >"$PARAM" 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT
C1="" C2=""
BYTES=2000000

# Frames of UDP over IPv4 that IFACE in NS sends, from SRC, more than 1000
# bytes long, as a pcap FILE, until FILE.stop exists; prints "capturing"
# once the socket is bound.
capture() {	# NS IFACE SRC FILE
	rm -f "$4" "$4.stop"
	topo_exec "$1" python3 - "$2" "$3" "$4" <<-'EOF' &
	import os, socket, struct, sys, time
	iface, src, path = sys.argv[1], socket.inet_aton(sys.argv[2]), sys.argv[3]
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
	s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)	# SO_RCVBUFFORCE
	s.bind((iface, 0))
	s.settimeout(0.2)
	f = open(path + ".tmp", "wb")
	f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
	print("capturing", flush=True)
	while not os.path.exists(path + ".stop"):
	    try:
	        d, a = s.recvfrom(262144)
	    except socket.timeout:
	        continue
	    if a[2] != socket.PACKET_OUTGOING or len(d) < 1000 or \
	       d[12:14] != b"\x08\x00" or d[23] != 17 or d[26:30] != src:
	        continue
	    t = time.time()
	    f.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(d), len(d)) + d)
	f.close()
	os.rename(path + ".tmp", path)
	EOF
	CAPTURE=$!
}
capture_stop() {	# FILE
	touch "$1.stop"
	wait "$CAPTURE"
}

# Each frame of FILE as tshark dissects it, Teredo on UDP PORT: "ID
# IPLEN UDPLEN IP6LEN IPCSUM UDPCSUM TCPCSUM TCPLEN" (checksum status 1:
# good).
dissect() {	# FILE PORT
	HOME=$TOPO_DIR tshark -r "$1" -d "udp.port==$2,teredo" \
		-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE -T fields -E occurrence=f \
		-e ip.id -e ip.len -e udp.length -e ipv6.plen \
		-e ip.checksum.status -e udp.checksum.status \
		-e tcp.checksum.status -e tcp.len 2>/dev/null
}

# What dissect printed is a valid Teredo segment each: lengths that add
# up, every checksum good, no IPv4 ID twice. Prints the first bad line.
# With "partial-udp", the outer UDP checksum is not checked: the uplink's
# checksum offload is on, so the tap sees it before it is filled in.
all_valid() {	# FILE [partial-udp]
	awk -v skipudp="${2:+1}" '
	{ n++ }
	NF != 8 || $2 != $3 + 20 || $3 != $4 + 48 || $5 != 1 ||
	(!skipudp && $6 != 1) || $7 != 1 || $8 + 0 == 0 {
		print "bad: " $0; exit 1 }
	id[$1]++ == 1 { print "ID twice: " $1; exit 1 }
	END { if (!n) { print "no frame"; exit 1 } }' "$1"
}

tx_packets() { topo_exec "$1" cat "/sys/class/net/$2/statistics/tx_packets"; }
gso_virtual() { echo "$1" >"$PARAM"; }

# BYTES by TCP from FROM to TO's DST while IFACE's outgoing frames from
# SRC are captured in CAPNS. What TEREDO-NS's teredo0 did meanwhile:
# $TX packets sent, $GSO GSO packets segmented in the module into $SEGS;
# the frames in $TOPO_DIR/NAME.pcap and .txt (dissected), $FRAMES of them.
flow() {	# NAME FROM TO DST CAPNS IFACE SRC TEREDO-NS PORT
	local pcap=$TOPO_DIR/$1.pcap rc=0 tx g s

	capture "$5" "$6" "$7" "$pcap" >"$TOPO_DIR/$1.cap"
	wait_for 10 grep -q capturing "$TOPO_DIR/$1.cap"
	tx=$(tx_packets "$8" teredo0)
	g=$(counter -n "$8" teredo0 tx_gso)
	s=$(counter -n "$8" teredo0 tx_gso_segments)
	tcp_transfer "$2" "$3" "$4" $BYTES || rc=1
	TX=$(($(tx_packets "$8" teredo0) - tx))
	GSO=$(($(counter -n "$8" teredo0 tx_gso) - g))
	SEGS=$(($(counter -n "$8" teredo0 tx_gso_segments) - s))
	capture_stop "$pcap"
	dissect "$pcap" "$9" >"$TOPO_DIR/$1.txt"
	FRAMES=$(wc -l <"$TOPO_DIR/$1.txt")
	log "$1: $FRAMES segments on the wire; teredo0 sent $TX packets, cut $GSO GSO packets into $SEGS"
	return $rc
}

# The uplink's own offloads off: segmentation and checksums in software,
# before the taps, as a NIC without tunnel offload would need.
uplink_offload() {	# NS DEV on|off
	topo_exec "$1" ethtool -K "$2" tx "$3" tx-udp_tnl-segmentation "$3" \
		tx-udp_tnl-csum-segmentation "$3" >/dev/null 2>&1
}

test_setup() {
	check "topology: NAT'd clients (ours, Miredo's), our relay, miredo-server" \
		eval 'topo_init && topo_add_nat_client c1 1 &&
		      topo_add_nat_client c2 2 && topo_add_our_relay'
	topo_start_miredo_server
	topo_start_teredod c1
	topo_start_miredo_client c2
	C1=$(topo_wait_teredo_addr c1 teredo0 $((30 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo $((30 * SLOW)))
	check "our client and Miredo's qualify" test -n "$C1" -a -n "$C2"
	check "the native host reaches ours through our relay" \
		wait_for 20 ping6 host6 "$C1"
	check "teredo0 offers TCP and UDP segmentation and checksums" \
		eval 'f=$(topo_exec relay ethtool -k teredo0); echo "$f";
		      grep -qx "tcp-segmentation-offload: on" <<<"$f" &&
		      grep -qx "tx-checksumming: on" <<<"$f" &&
		      grep -q "^tx-udp-segmentation: on" <<<"$f"'
	check "gso_virtual is off by default" expect_eq "$(cat "$PARAM")" N
}

# By default, through a veth uplink: segmented in the module. A TCP
# sender sizes its GSO packets by its pacing rate: on a slow (debug)
# kernel they hold 2 segments, hence the ratios of 2 and 1.5 below (a
# packet not cut at all has 1).
test_relay() {
	local port

	port=$(topo_teredo_decode "$C1" | awk '{print $3}')
	uplink_offload relay eth0 off
	check "native host to client through the relay, $BYTES bytes" \
		flow relay host6 c1 "$C1" relay eth0 "$TOPO_RELAY_IP" relay "$port"
	check "GSO packets crossed the relay whole, cut in the module ($GSO into $SEGS)" \
		test "$GSO" -gt 0 -a "$SEGS" -ge $((2 * GSO))
	check "every segment valid Teredo: lengths, checksums (IPv4, UDP, TCP), an IPv4 ID each" \
		all_valid "$TOPO_DIR/relay.txt"

	uplink_offload relay eth0 on
	check "with the veth's checksum offload on, the same flow" \
		flow relay-csum host6 c1 "$C1" relay eth0 "$TOPO_RELAY_IP" relay "$port"
	check "each segment a datagram of MTU size with its inner TCP checksum filled in (a userspace receiver reads it as is)" \
		all_valid "$TOPO_DIR/relay-csum.txt" partial-udp
	check "Miredo's client (userspace) gets 300 kB by TCP through our relay" \
		tcp_transfer host6 c2 "$C2" 300000
	topo_ip -n relay link set teredo0 type teredo dev eth0 fastpath on native eth1
	check "... and through the relay's native fast path" \
		eval 'f=$(counter -n relay teredo0 tx_fastpath) &&
		      tcp_transfer host6 c2 "$C2" 300000 &&
		      counter_ge -n relay teredo0 tx_fastpath $((f + 1))'
	topo_ip -n relay link set teredo0 type teredo fastpath off

	# the native link a wire into a NIC with GRO: GRO merges more
	# segments than an skb has frags, and chains the rest (frag_list)
	topo_exec inet ethtool -K relay6 tso off >/dev/null
	topo_exec relay ethtool -K eth1 gro on >/dev/null
	uplink_offload relay eth0 off
	check "native host to client, segmented on the way and merged by GRO at the relay" \
		flow relay-gro host6 c1 "$C1" relay eth0 "$TOPO_RELAY_IP" relay "$port"
	check "the merged packets, frag_list ones too, crossed teredo0 whole: $SEGS of $FRAMES segments cut in the module" \
		test "$FRAMES" -gt 0 -a $((4 * SEGS)) -ge $((3 * FRAMES))
	check "and valid" all_valid "$TOPO_DIR/relay-gro.txt"
	topo_exec relay ethtool -K eth1 gro off >/dev/null
	topo_exec inet ethtool -K relay6 tso on >/dev/null

	topo_exec relay ethtool -K teredo0 tso off gso off tx off >/dev/null
	uplink_offload relay eth0 off
	check "teredo0's offloads off: the same flow" \
		flow relay-off host6 c1 "$C1" relay eth0 "$TOPO_RELAY_IP" relay "$port"
	check "every segment encapsulated by itself ($FRAMES for $TX, none cut in the module)" \
		test "$TX" -ge "$FRAMES" -a "$GSO" = 0
	check "and valid" all_valid "$TOPO_DIR/relay-off.txt"
	topo_exec relay ethtool -K teredo0 tso on gso on tx on >/dev/null
}

# gso_virtual=Y: left whole to the uplink, as to a NIC.
test_relay_whole() {
	local port

	port=$(topo_teredo_decode "$C1" | awk '{print $3}')
	gso_virtual Y
	uplink_offload relay eth0 off
	check "gso_virtual: native host to client, $BYTES bytes" \
		flow relay-whole host6 c1 "$C1" relay eth0 "$TOPO_RELAY_IP" relay "$port"
	check "teredo0 sent a UDP tunnel GSO packet for several segments ($FRAMES for $TX), none cut in the module" \
		test $((2 * FRAMES)) -ge $((3 * TX)) -a "$GSO" = 0
	check "every segment valid Teredo, an IPv4 ID each" \
		all_valid "$TOPO_DIR/relay-whole.txt"
	uplink_offload relay eth0 on
	check "the uplink's tunnel offload on: the GSO packets cross whole, our client decapsulates them whole" \
		eval 'TX0=$(tx_packets relay teredo0) &&
		      tcp_transfer host6 c1 "$C1" $BYTES &&
		      log "teredo0 sent $(($(tx_packets relay teredo0) - TX0)) packets"'
	gso_virtual N
}

test_client() {
	local port

	port=$(topo_show c1 'D["local_port"]')
	uplink_offload c1 eth0 off
	check "client to native host, $BYTES bytes" \
		flow client c1 host6 "$TOPO_HOST6_IP6" c1 eth0 198.19.1.2 c1 "$port"
	check "GSO packets cut in the client's module ($GSO into $SEGS)" \
		test "$GSO" -gt 0 -a "$SEGS" -ge $((2 * GSO))
	check "every segment valid Teredo" all_valid "$TOPO_DIR/client.txt"

	gso_virtual Y
	check "gso_virtual: client to native host, $BYTES bytes" \
		flow client-whole c1 host6 "$TOPO_HOST6_IP6" c1 eth0 198.19.1.2 c1 "$port"
	check "the client's teredo0 sent a GSO packet for several segments ($FRAMES for $TX)" \
		test $((2 * FRAMES)) -ge $((3 * TX)) -a "$GSO" = 0
	check "every segment valid Teredo" all_valid "$TOPO_DIR/client-whole.txt"
	uplink_offload c1 eth0 on
	# the relay receives those GSO datagrams whole (a tunnel on this
	# host), decapsulates them whole (their tunnel GSO bits cleared, as
	# iptunnel_pull_header() does) and forwards them: its native side
	# segments them in software here
	local d0 d1
	uplink_offload relay eth1 off
	topo_exec relay ethtool -K eth1 tso off gso on >/dev/null 2>&1
	d0=$(topo_exec relay cat /sys/class/net/eth1/statistics/tx_dropped)
	check "the relay decapsulates them whole and segments them as IPv6 at its native side" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" $BYTES
	d1=$(topo_exec relay cat /sys/class/net/eth1/statistics/tx_dropped)
	check "... none dropped there (tx_dropped +$((d1 - d0)))" test "$d1" = "$d0"
	gso_virtual N
	# The client's datagrams leave with their outer UDP checksum partial
	# (its veth offloads it). Decapsulated, that checksum must not still
	# point into the headers pulled off, or the relay's native side,
	# without checksum offload now, fills it in before the data (a WARN,
	# and the packet dropped).
	check "datagrams with a partial outer checksum, decapsulated, to a native side without checksum offload: 300 kB intact" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" 300000
	uplink_offload relay eth1 on
	topo_exec relay ethtool -K eth1 tso on >/dev/null 2>&1
}

rx_packets() { topo_exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
udp_errors() { topo_exec relay awk '$1 == "Udp:" && $2 ~ /^[0-9]/ {print $4}' /proc/net/snmp; }

# GRO on the relay's uplink: the client's segments arrive in trains (its
# module sends a GSO packet's segments back to back) and the relay's
# socket merges them before decapsulation.
test_gro() {
	local e0 t0 e1 t1 u0

	# a veth does GRO only for what its peer could not segment itself
	topo_exec inet ethtool -K relay4 tso off >/dev/null
	topo_exec relay ethtool -K eth0 gro on >/dev/null
	e0=$(rx_packets relay eth0) t0=$(rx_packets relay teredo0) u0=$(udp_errors)
	check "GRO at the relay's uplink: client to native host, $BYTES bytes intact" \
		tcp_transfer c1 host6 "$TOPO_HOST6_IP6" $BYTES
	e1=$(rx_packets relay eth0) t1=$(rx_packets relay teredo0)
	if [ "$(cat /sys/module/teredo/parameters/gro)" = Y ]; then
		check "the relay decapsulated $((t1 - t0)) packets for $((e1 - e0)) datagrams" \
			test $((3 * (t1 - t0))) -lt $((e1 - e0))
	else
		# this kernel's GRO would lose them (kernel/compat.h)
		check "no GRO on this kernel: none merged, none lost ($((t1 - t0)) packets for $((e1 - e0)) datagrams, UDP errors +$(($(udp_errors) - u0)))" \
			test "$(udp_errors)" = "$u0" -a $((t1 - t0)) -ge $((e1 - e0 - 10))
	fi
	check "Miredo's client (userspace) sends 300 kB through it intact" \
		tcp_transfer c2 host6 "$TOPO_HOST6_IP6" 300000

	topo_exec relay ethtool -K eth0 gro off >/dev/null
	topo_exec inet ethtool -K relay4 tso on >/dev/null
}

run_tests test_setup test_relay test_relay_whole test_client test_gro

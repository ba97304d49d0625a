#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RFC 6081's UPnP-enabled NATs, against real NATs made with nftables and a
# real UPnP gateway (Debian's miniupnpd, nftables build) on the router:
#   cu  behind nat1, port-restricted (Linux masquerade) with a gateway
#   cy  behind nat2, symmetric (masquerade fully-random) with a gateway
#   cs  behind nat3, symmetric, no gateway
#   pr  behind nat4, port-restricted, no gateway (ours, UPnP off)
#   pm  behind nat5, port-restricted: a Miredo client
#   ch  behind nat6, port-restricted, where a hostile device answers as a
#       gateway and then never says a word (hostile_igd.py hang)
#   cl  behind nat7, port-restricted, where a hostile gateway lies about
#       its external address (hostile_igd.py lie)
#   cp  behind nat8, port-restricted, a gateway that speaks NAT-PMP only
# cu, cy, cs, ch, cl and cp run teredod with "UPnP yes"; our server, our relay,
# a native host. Every pairing of NAT kinds and clients: bench/nat6081.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
CU="" CY="" CS="" PR="" PM="" CH="" CL="" CP="" UPORT=""

test_setup() {
	check "topology: five clients behind five NATs" \
		eval 'topo_init && topo_add_nat_client cu 1 && topo_add_nat_client cy 2 &&
		      topo_add_nat_client cs 3 && topo_add_nat_client pr 4 &&
		      topo_add_nat_client pm 5 && topo_nat_symmetric 2 &&
		      topo_nat_symmetric 3'
	check "our server, our relay, a STUN server" \
		eval 'topo_start_teredod_server && topo_add_our_relay && topo_start_stun'
	check "miniupnpd on nat1 and nat2 learn their public address (STUN) and map ports" \
		eval 'topo_nat_upnp 1 && topo_nat_upnp 2'
	check "hostile gateways behind nat6 (silent) and nat7 (lying)" \
		eval 'topo_add_nat_client ch 6 && topo_add_nat_client cl 7 &&
		      hostile_igd 6 hang && hostile_igd 7 lie'
	check "a NAT-PMP gateway (miniupnpd, UPnP off) behind nat8" \
		eval 'topo_add_nat_client cp 8 && topo_nat_upnp 8 natpmp'
	topo_start_teredod cu "UPnP yes"
	topo_start_teredod cy "UPnP yes"
	topo_start_teredod cs "UPnP yes"
	topo_start_teredod pr
	topo_start_miredo_client pm
	topo_start_teredod ch "UPnP yes"
	topo_start_teredod cl "UPnP yes"
	topo_start_teredod cp "UPnP yes"
	CU=$(topo_wait_teredo_addr cu teredo0 $((40 * SLOW)))
	CY=$(topo_wait_teredo_addr cy teredo0 $((40 * SLOW)))
	CS=$(topo_wait_teredo_addr cs teredo0 $((40 * SLOW)))
	PR=$(topo_wait_teredo_addr pr teredo0 $((30 * SLOW)))
	PM=$(topo_wait_teredo_addr pm teredo $((30 * SLOW)))
	CH=$(topo_wait_teredo_addr ch teredo0 $((40 * SLOW)))
	CL=$(topo_wait_teredo_addr cl teredo0 $((40 * SLOW)))
	CP=$(topo_wait_teredo_addr cp teredo0 $((40 * SLOW)))
	check "all eight qualify against our server" \
		test -n "$CU" -a -n "$CY" -a -n "$CS" -a -n "$PR" -a -n "$PM" \
			-a -n "$CH" -a -n "$CL" -a -n "$CP"
	log "UPnP $CU, symmetric UPnP $CY, symmetric $CS, restricted $PR, Miredo $PM"
}

# A hostile gateway on natN's LAN side (hostile_igd.py MODE).
hostile_igd() {	# N MODE
	topo_daemon "igd-nat$1" "nat$1" "$(dirname "$0")/hostile_igd.py" "$2" \
		"198.19.$1.1"
	wait_for 10 grep -q ready "$TOPO_DIR/igd-nat$1.log"
}

# FLAGS of a decoded address has the U bit (RFC 6081: a UPnP mapping)
flag_u() {	# FLAGS
	(($1 & 0x0200))
}

test_upnp() {
	local srv flags port ip lport

	# settled: a mapping the server sees, the U flag, then the NAT type
	wait_for 20 eval '[ "$(topo_show cu "D[\"nat\"]")" = cone ]'
	CU=$(topo_teredo_addrs cu teredo0)
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CU")"
	UPORT=$port
	lport=$(topo_show cu 'D["local_port"]')
	check "cu: the gateway's mapping was logged" \
		grep -q "UPnP: the gateway maps 198.18.0.21:$port to 198.19.1.2:$lport" \
		"$TOPO_DIR/teredod-cu.log"
	check "cu: the address embeds nat1's address and the mapped port $port" \
		eval '[ "$ip" = 198.18.0.21 ] && [ "$port" = "$lport" ]'
	check "cu: the U flag is set ($flags)" flag_u "$flags"
	check "cu: teredod show says UPnP, and a cone (anyone gets in)" \
		eval '[ "$(topo_show cu "D[\"upnp\"], D[\"nat\"]")" = "True cone" ]'
	check "cu: nat1's gateway holds $port -> 198.19.1.2:$lport" \
		expect_eq "$(topo_upnp_maps 1)" "$port 198.19.1.2:$lport"

	# symmetric: the first port mapped is not the one the server sees;
	# the second is
	check "cy: the NAT sends from another port: teredod asks for the one the server sees" \
		wait_for 20 grep -q "UPnP: the NAT sends from port" "$TOPO_DIR/teredod-cy.log"
	check "cy: then the address embeds it, with the U flag; the NAT stays symmetric" \
		wait_for 20 eval 'CY=$(topo_teredo_addrs cy teredo0) &&
			read -r srv flags port ip <<<"$(topo_teredo_decode "$CY")" &&
			flag_u "$flags" && [ "$(topo_show cy "D[\"nat\"]")" = symmetric ] &&
			[ "$(topo_upnp_maps 2)" = "$port 198.19.2.2:$(topo_show cy "D[\"local_port\"]")" ]'
	CY=$(topo_teredo_addrs cy teredo0)

	read -r srv flags port ip <<<"$(topo_teredo_decode "$CS")"
	check "cs: no gateway: qualified without UPnP, no U flag" \
		eval '! flag_u "$flags" && [ "$(topo_show cs "D[\"upnp\"]")" = False ]'
	check "cs: and teredod said why" \
		grep -q "UPnP: no UPnP gateway answered" "$TOPO_DIR/teredod-cs.log"
	read -r srv flags port ip <<<"$(topo_teredo_decode "$PR")"
	check "pr: UPnP off (the default): no U flag, nothing asked of anyone" \
		eval '! flag_u "$flags" && ! grep -q UPnP "$TOPO_DIR/teredod-pr.log"'

	# what a hostile gateway can do: delay, and be ignored
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CH")"
	check "ch: a gateway that never answers: given up (its child killed by 10 s), qualified without it" \
		eval '! flag_u "$flags" &&
		      log_has ch "UPnP: the gateway did not answer\|UPnP: no Internet gateway"'
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CL")"
	check "cl: a gateway that lies about its external address: not used, no U flag, the true mapping embedded" \
		eval '! flag_u "$flags" && [ "$ip" = 198.18.0.27 ] &&
		      log_has cl "UPnP: the gateway maps 198.18.0.99:[0-9]*, the server sees 198.18.0.27:[0-9]*: mapping not used"'
	check "cl: and its port was given back (DeletePortMapping)" \
		wait_for 10 grep -q "action DeletePortMapping" "$TOPO_DIR/igd-nat7.log"

	# NAT-PMP where no IGD answers
	wait_for 20 eval '[ "$(topo_show cp "D[\"nat\"]")" = cone ]'
	CP=$(topo_teredo_addrs cp teredo0)
	read -r srv flags port ip <<<"$(topo_teredo_decode "$CP")"
	lport=$(topo_show cp 'D["local_port"]')
	check "cp: no IGD, but NAT-PMP: the gateway maps 198.18.0.28:$port to 198.19.8.2:$lport" \
		eval 'log_has cp "NAT-PMP: the gateway maps 198.18.0.28:$port to 198.19.8.2:$lport" &&
		      [ "$(topo_upnp_maps 8)" = "$port 198.19.8.2:$lport" ]'
	check "cp: embedded with the U flag, a cone" \
		eval 'flag_u "$flags" && [ "$ip" = 198.18.0.28 ] &&
		      [ "$(topo_show cp "D[\"nat\"]")" = cone ]'
}

# teredod's log in NS has PATTERN; else its UPnP lines, for the record
log_has() {	# NS PATTERN
	grep -q "$2" "$TOPO_DIR/teredod-$1.log" && return 0
	grep -i "upnp\|exit" "$TOPO_DIR/teredod-$1.log" | sed 's/^/# /'
	return 1
}

# NS pings ADDRESS: 2 pings, 5 s each
reach() {	# NS ADDRESS
	topo_exec "$1" ping -6 -n -c 2 -i 0.5 -W 5 "$2" >/dev/null 2>&1
}

test_pairs() {
	local cap=$TOPO_DIR/nat1.pcap pid got

	# what reaches nat1 from outside, while the peers find the client
	topo_exec nat1 tshark -q -i wan -w "$cap" -f "udp" >/dev/null 2>"$cap.err" &
	pid=$!
	# listening once it says so (on a debug kernel, seconds later)
	wait_for $((30 * SLOW)) grep -q Capturing "$cap.err"
	sleep 1
	check "a client behind a symmetric NAT reaches the client behind the UPnP gateway" \
		wait_for $((10 * SLOW)) reach cs "$CU"
	check "but not one behind the same kind of NAT without UPnP" \
		eval '! reach cs "$PR"'
	check "a Miredo client and ours (restricted NATs) ping the UPnP client" \
		eval 'wait_for $((10 * SLOW)) reach pm "$CU" && wait_for $((10 * SLOW)) reach pr "$CU"'
	check "the native host and the UPnP client ping each other" \
		eval 'wait_for $((10 * SLOW)) reach host6 "$CU" && reach cu "$TOPO_HOST6_IP6"'
	check "the client behind the symmetric UPnP NAT: native host and Miredo client" \
		eval 'wait_for $((10 * SLOW)) reach host6 "$CY" && reach cy "$TOPO_HOST6_IP6" &&
		      wait_for $((10 * SLOW)) reach pm "$CY"'
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# the peers' packets to the client's address, at the mapped port
	got=$(tshark -r "$cap" -Y "ipv6.dst == $CU && !(ip.src == $TOPO_SRV_IP)" \
		-T fields -e udp.dstport -e ipv6.dst_tc_port -e ipv6.dst_tc_ipv4 \
		2>/dev/null | sort -u)
	check "on the wire (tshark): peers send to cu at 198.18.0.21:$UPORT, the mapping its address names" \
		expect_eq "$got" "$UPORT	$UPORT	198.18.0.21"
}

# RFC 6081 section 5.7, server load reduction: a peer whose entry went
# quiet refreshes it with a direct bubble that solicits (a Neighbor
# Discovery Option trailer), and is answered straight back with one that
# advertises, its server left out. W, a Windows-style peer on the
# Internet at 198.18.0.77, sends cu (reachable through its gateway's
# mapping) direct bubbles from the mapping its Teredo address names.
ND_W=198.18.0.77 ND_T45=0
# what comes to W:PORT within SECONDS (10, times SLOW) into FILE, in the
# background (PID in ND_PID), once its socket is bound
nd_recv() {	# PORT FILE [SECONDS]
	local port=$1

	rm -f "$2"
	topo_exec srv "$TOPO_PEER" recv "$ND_W:$port" $((${3:-10} * SLOW)) >"$2" 2>/dev/null &
	ND_PID=$!
	# what comes back comes at once: not before the socket is bound
	wait_for 10 eval 'topo_exec srv ss -Huan "src $ND_W:$port" | grep -q .'
}
# what comes to W:PORT within 20 s (times SLOW), a line a datagram as it
# comes, into FILE, up to the first that is not a bubble (a solicitation
# may come before it), in the background as nd_recv
nd_recv_data() {	# PORT FILE
	local port=$1

	rm -f "$2"
	topo_exec srv python3 -c 'import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
end = time.time() + float(sys.argv[3])
while True:
    r, _, _ = select.select([s], [], [], max(0, end - time.time()))
    if not r:
        sys.exit(1)
    d, a = s.recvfrom(65535)
    print("from %s:%d %s" % (a[0], a[1], d.hex()), flush=True)
    if len(d) > 40 and d[6] != 59:
        break' "$ND_W" "$port" $((20 * SLOW)) >"$2" 2>/dev/null &
	ND_PID=$!
	wait_for 10 eval 'topo_exec srv ss -Huan "src $ND_W:$port" | grep -q .'
}
# One bubble from W:PORT; prints what came back. With QUIET, what must
# not come: what came in QUIET seconds (times SLOW) once it was sent.
nd_ask() {	# PORT [TRAILER [QUIET]]
	nd_recv "$1" "$TOPO_DIR/nd.out"
	echo "$ND_W:$1 - bubble $(topo_teredo_of "$CU" "$1" $ND_W) $CU ${2:-}" |
		topo_exec srv "$TOPO_PEER" craft "198.18.0.21:$UPORT"
	if [ -n "${3:-}" ]; then
		sleep $(($3 * SLOW))
		pkill -f "recv $ND_W:$1 " 2>/dev/null
	fi
	wait "$ND_PID" 2>/dev/null
	cat "$TOPO_DIR/nd.out"
}
# lines for craft: solicitations from W, ports FIRST.. (COUNT of them)
nd_lines() {	# FIRST COUNT
	python3 - "$CU" "$ND_W" "$1" "$2" <<-'PY'
	import ipaddress, sys
	cu, w, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
	base, wn = ipaddress.IPv6Address(cu).packed[:10], int(ipaddress.IPv4Address(w))
	for port in range(first, first + count):
	    a = ipaddress.IPv6Address(base + (port ^ 0xffff).to_bytes(2, "big") + (wn ^ 0xffffffff).to_bytes(4, "big"))
	    print("%s:%d - bubble %s %s 040400000000" % (w, port, a, cu))
	PY
}

# bubbles of 48 bytes of UDP (no trailer) from nat1 to our server
srv_bubbles() {
	topo_exec srv nft list chain ip ndsrv in |
		awk '/counter packets/ && ++n == 1 { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
# solicitations (54 bytes of UDP) from nat1 to W2 (W's port 45010)
w2_solicits() {
	topo_exec srv nft list chain ip ndsrv in |
		awk '/counter packets/ && ++n == 2 { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
# is HEX an ICMPv6 echo request from SRC to DST?
is_echo() {	# HEX SRC DST
	python3 -c 'import ipaddress, sys
p = bytes.fromhex(sys.argv[1])
a = lambda s: ipaddress.IPv6Address(s).packed
sys.exit(not (len(p) > 40 and p[0] >> 4 == 6 and p[6] == 58 and p[40] == 128 and p[8:24] == a(sys.argv[2]) and p[24:40] == a(sys.argv[3])))' "$@"
}

test_nd_answer() {
	local want got b0 d0 w3 t w0

	topo_ip -n srv addr add $ND_W/24 dev eth0
	topo_exec srv nft -f - <<-EOF
	table ip ndsrv {
		chain in {
			type filter hook input priority 0; policy accept;
			ip saddr 198.18.0.21 udp dport 3544 udp length 48 counter
			ip saddr 198.18.0.21 ip daddr $ND_W udp dport 45010 udp length 54 counter
		}
	}
	EOF
	w0=$(topo_teredo_of "$CU" 45000 $ND_W)
	want="from 198.18.0.21:$UPORT $("$TOPO_PEER" packet bubble "$CU" "$w0")040401000000"
	got=$(nd_ask 45000 040400000000)
	ND_T45=$SECONDS
	check "a solicitation (type 4, length 4, discovery 0): answered from cu's mapping, a bubble that advertises (discovery 1)" \
		expect_eq "$got" "$want"
	# (at once: an entry of a peer that speaks the extension is no longer
	# trusted 30 s after its last packet, which a slow guest can take)
	check "... and W is in cu's peer list, trusted, at its mapping" \
		expect_eq "$(topo_entry cu "$w0")" "$ND_W trusted"
	# W2 too, which will not answer later
	nd_ask 45010 040400000000 >/dev/null
	check "a direct bubble without the trailer: no answer" \
		expect_eq "$(nd_ask 45001 "" 2)" ""
	check "an advertisement: no answer" \
		expect_eq "$(nd_ask 45002 040401000000 2)" ""
	check "a trailer of a type we do not know that says skip (0x81), then a solicitation: answered" \
		eval '[ -n "$(nd_ask 45003 8102abcd040400000000)" ]'
	d0=$(counter -n cu teredo0 rx_drop_bad_header)
	w3=$(topo_teredo_of "$CU" 45004 $ND_W)
	check "one that says discard (0x41, section 4.1), then a solicitation: no answer, the bubble dropped and counted, no entry" \
		eval '[ -z "$(nd_ask 45004 4102abcd040400000000 2)" ] &&
		      counter_ge -n cu teredo0 rx_drop_bad_header $((d0 + 1)) &&
		      [ "$(topo_entry cu "$w3")" = none ]'
	# what a forger gets: one bubble for one, at most one every 2 s to a
	# peer, and within the budget of each IPv4 address
	b0=$(counter -n cu teredo0 tx_bubble)
	nd_lines 45005 1 | sed p | sed p | topo_exec srv "$TOPO_PEER" craft "198.18.0.21:$UPORT"
	sleep 1
	check "four solicitations at once from one peer: one answer ($(( $(counter -n cu teredo0 tx_bubble) - b0 )))" \
		expect_eq "$(( $(counter -n cu teredo0 tx_bubble) - b0 ))" 1
	topo_ip -n cu link set teredo0 type teredo proberate 5
	nd_lines 46000 100 >"$TOPO_DIR/nd.lines"
	b0=$(counter -n cu teredo0 tx_bubble)
	t=$SECONDS
	topo_exec srv "$TOPO_PEER" craft "198.18.0.21:$UPORT" <"$TOPO_DIR/nd.lines"
	sleep 1
	got=$(( $(counter -n cu teredo0 tx_bubble) - b0 ))
	t=$((SECONDS - t))
	topo_ip -n cu link set teredo0 type teredo proberate 1000
	# a second's worth at first, then 5 a second
	check "100 peers of one IPv4 address in ${t}s, proberate 5: answers within its budget ($got, at most $((5 * (t + 2))))" \
		test "$got" -ge 1 -a "$got" -le $((5 * (t + 2))) -a "$got" -lt 100
}

# and the other way (5.7.1): W and W2 speak the extension (their bubbles
# had the trailer), so once an entry is stale (30 s without a packet
# from the peer), what cu sends it waits while cu asks the peer itself,
# with a bubble that solicits, not its server. (Before test_pairs, the
# wait would overlap it, but W's flows then made nat1 give cu's later
# flows another port, which test_pairs checks.)
test_nd_solicit() {
	local got t s0 s2 ping w0 w2

	w0=$(topo_teredo_of "$CU" 45000 $ND_W)
	w2=$(topo_teredo_of "$CU" 45010 $ND_W)
	# the entries live 120 s after the peer's last packet: on a slow
	# kernel the checks before took longer, and W and W2 speak again
	if [ $((SECONDS - ND_T45)) -gt 90 ]; then
		nd_ask 45000 040400000000 >/dev/null
		ND_T45=$SECONDS
		nd_ask 45010 040400000000 >/dev/null
	fi
	t=$((31 - (SECONDS - ND_T45)))
	[ "$t" -gt 0 ] && sleep "$t"
	s0=$(srv_bubbles)
	# one listener for the solicitation and the echo request after it:
	# W answers as soon as the first comes, well within the 8 s the
	# request waits, however slow the guest
	nd_recv_data 45000 "$TOPO_DIR/nd.sol"
	topo_exec cu ping -6 -n -c 1 -W $((8 * SLOW)) "$w0" >/dev/null 2>&1 &
	ping=$!
	wait_for $((10 * SLOW)) eval '[ -s "$TOPO_DIR/nd.sol" ]'
	echo "$ND_W:45000 - bubble $w0 $CU 040401000000" |
		topo_exec srv "$TOPO_PEER" craft "198.18.0.21:$UPORT"
	check "W's entry stale: cu's ping waits, and a bubble that solicits goes to W's mapping" \
		expect_eq "$(head -n 1 "$TOPO_DIR/nd.sol")" \
			"from 198.18.0.21:$UPORT $("$TOPO_PEER" packet bubble "$CU" "$w0")040400000000"
	wait "$ND_PID"
	got=$(tail -n 1 "$TOPO_DIR/nd.sol")
	check "W advertises: the echo request goes to W's mapping" \
		eval 'cat "$TOPO_DIR/nd.sol"; [ "${got% *}" = "from 198.18.0.21:$UPORT" ] &&
		      is_echo "${got##* }" "$CU" "$w0"'
	check "and nothing went through W's server (no bubble from nat1 to it: $(( $(srv_bubbles) - s0 )))" \
		expect_eq "$(srv_bubbles)" "$s0"
	kill "$ping" 2>/dev/null
	wait "$ping" 2>/dev/null
	# W2 stale too, and silent: three solicitations 2 s apart, then its
	# server is asked (with the third, and the fourth probe)
	s0=$(srv_bubbles) s2=$(w2_solicits)
	topo_exec cu ping -6 -n -c 5 -i 1 -W 1 "$w2" >/dev/null 2>&1
	sleep 4
	check "W2 silent: three solicitations to its mapping ($(( $(w2_solicits) - s2 ))), then through its server ($(( $(srv_bubbles) - s0 )))" \
		eval '[ $(( $(w2_solicits) - s2 )) = 3 ] && [ "$(srv_bubbles)" -gt "$s0" ]'
}

# origin indication (RFC 4380 section 5.1.1) of IP:PORT, in hex
origin_hex() {	# IP PORT
	local a b c d

	IFS=. read -r a b c d <<<"$1"
	printf '0000%04x%08x' $(($2 ^ 0xffff)) $(((a << 24 | b << 16 | c << 8 | d) ^ 0xffffffff))
}

# RFC 6081 sections 5.4 and 5.5, the peer's side: W plays a client behind
# a port-preserving (or sequential) symmetric NAT talking to pr, behind a
# port-restricted one (nat4), from a port of its own, R. Its direct
# bubble from R is dropped by nat4; its bubble through pr's server says R
# in a Random Port trailer (type 5, length 2). pr answers at R only,
# which opens nat4 to it, and W's next bubble from R gets in.
test_random_port() {
	local w r=47001 p=47000 pmap pip pport got r0 b0 r1 b1 e1 forged

	check "pr's NAT (masquerade) kept its port: port-preserving (RFC 6081 5.4.3), cs's symmetric one did not" \
		eval '[ "$(topo_show pr "D.get(\"port_preserving\")")" = True ] &&
		      [ "$(topo_show cs "D.get(\"port_preserving\")")" = False ] &&
		      log_has pr "NAT type: restricted, port-preserving"'
	w=$(topo_teredo_of "$PR" $p $ND_W)
	read -r _ _ pport pip <<<"$(topo_teredo_decode "$PR")"
	pmap=$pip:$pport
	r0=$(counter -n pr teredo0 rx_random_port)
	b0=$(counter -n pr teredo0 rx_drop_bad_mapping)
	echo "$ND_W:$r - bubble $w $PR" | topo_exec srv "$TOPO_PEER" craft "$pmap"
	nd_recv $r "$TOPO_DIR/rp.r"
	topo_exec srv "$TOPO_PEER" recv "$ND_W:$p" $((3 * SLOW)) >"$TOPO_DIR/rp.p" 2>/dev/null &
	got=$!
	wait_for 10 eval 'topo_exec srv ss -Huan "src $ND_W:$p" | grep -q .'
	echo "$ND_W:$p - bubble $w $PR 0502$(printf %04x $r)" |
		topo_exec srv "$TOPO_PEER" craft "$TOPO_SRV_IP:3544"
	wait "$ND_PID"
	wait "$got"
	b1=$(counter -n pr teredo0 rx_drop_bad_mapping)
	r1=$(counter -n pr teredo0 rx_random_port)
	e1=$(topo_peer pr "$w" '"%s:%d %s %s" % (P["ip"], P["port"], P["trusted"], P["local"])')
	# W heard pr there, trusts it, and sends its data (no bubble), at
	# once: nat4 forgets pr's answer 30 s after it if nothing replies
	echo "$ND_W:$r - echo $w $PR" | topo_exec srv "$TOPO_PEER" craft "$pmap"
	check "W's direct bubble from its random port: dropped by nat4, not by pr (rx_drop_bad_mapping +$((b1 - b0)))" \
		expect_eq "$b1" "$b0"
	check "its bubble through the server with a Random Port trailer: pr answers at that port, from its mapping" \
		expect_eq "$(cat "$TOPO_DIR/rp.r")" \
			"from $pmap $("$TOPO_PEER" packet bubble "$PR" "$w")"
	check "... and not at the mapping W's address embeds ($(cat "$TOPO_DIR/rp.p"))" \
		expect_eq "$(cat "$TOPO_DIR/rp.p")" ""
	check "... taken once (rx_random_port), the entry there, not trusted yet, not local (before W's data)" \
		eval 'expect_eq "$r1" $((r0 + 1)) && expect_eq "$e1" "$ND_W:$r False False"'
	check "W's echo request from its random port gets through nat4: W trusted there" \
		wait_for $((5 * SLOW)) eval '[ "$(topo_peer pr "$w" '"'"'"%s:%d %s" % (P["ip"], P["port"], P["trusted"])'"'"')" = "$ND_W:$r True" ]'
	nd_recv_data $r "$TOPO_DIR/rp.echo"
	topo_exec pr ping -6 -n -c 1 -W 2 "$w" >/dev/null 2>&1
	wait "$ND_PID"
	got=$(tail -n 1 "$TOPO_DIR/rp.echo")
	check "pr's ping goes to W's random port" \
		eval '[ "${got% *}" = "from $pmap" ] && is_echo "${got##* }" "$PR" "$w"'
	# a forger who can send as the server: a random port for an address
	# that is not where the bubble came from is not taken
	forged=$(topo_teredo_of "$PR" 47010 198.18.0.99)
	r0=$(counter -n pr teredo0 rx_random_port)
	nd_recv 47011 "$TOPO_DIR/rp.f" 2
	echo "$TOPO_SRV_IP:3544 $(origin_hex $ND_W 47010) bubble $forged $PR 0502b7a3" |
		topo_exec srv "$TOPO_PEER" craft "$pmap"
	wait "$ND_PID"
	check "a relayed bubble whose origin is not the address it embeds: its random port not taken, nothing sent there" \
		eval '[ "$(counter -n pr teredo0 rx_random_port)" = "$r0" ] && [ ! -s "$TOPO_DIR/rp.f" ]'
	# a random port a forger wrote (or one the peer gave up): the
	# peer's next relayed bubble without the trailer is answered at its
	# origin again
	forged=$(topo_teredo_of "$PR" 47020 $ND_W)
	echo "$TOPO_SRV_IP:3544 $(origin_hex $ND_W 47020) bubble $forged $PR 0502b7b7" |
		topo_exec srv "$TOPO_PEER" craft "$pmap"
	nd_recv 47020 "$TOPO_DIR/rp.o"
	echo "$ND_W:47020 - bubble $forged $PR" |
		topo_exec srv "$TOPO_PEER" craft "$TOPO_SRV_IP:3544"
	wait "$ND_PID"
	check "... a relayed bubble without the trailer after one with it: answered at the origin" \
		expect_eq "$(cat "$TOPO_DIR/rp.o")" \
			"from $pmap $("$TOPO_PEER" packet bubble "$PR" "$forged")"
	# what is not a Random Port trailer (section 4.5: type 5, length 2,
	# a port) is not read: the IANA table's type 2, a length of 3, port
	# 0; of two, the last counts
	forged=$(topo_teredo_of "$PR" 47030 $ND_W)
	r0=$(counter -n pr teredo0 rx_random_port)
	nd_recv 47030 "$TOPO_DIR/rp.o"
	echo "$ND_W:47030 - bubble $forged $PR 0202b7c10503b7c10005020000" |
		topo_exec srv "$TOPO_PEER" craft "$TOPO_SRV_IP:3544"
	wait "$ND_PID"
	check "type 2, length 3, port 0: no random port taken, answered at the origin" \
		eval '[ "$(counter -n pr teredo0 rx_random_port)" = "$r0" ] &&
		      [ "$(cat "$TOPO_DIR/rp.o")" = "from $pmap $("$TOPO_PEER" packet bubble "$PR" "$forged")" ]'
	forged=$(topo_teredo_of "$PR" 47040 $ND_W)
	nd_recv 47042 "$TOPO_DIR/rp.o"
	echo "$ND_W:47040 - bubble $forged $PR 0502b7c10502b7c2" |
		topo_exec srv "$TOPO_PEER" craft "$TOPO_SRV_IP:3544"
	wait "$ND_PID"
	check "two Random Port trailers: answered at the last one's port" \
		expect_eq "$(cat "$TOPO_DIR/rp.o")" \
			"from $pmap $("$TOPO_PEER" packet bubble "$PR" "$forged")"
}

test_lifetime() {
	local pid

	pid=$(topo_teredod_pid cu | tail -n 1)
	kill -TERM "$pid"
	check "cu: teredod stopped" wait_for 10 eval '! kill -0 "$pid" 2>/dev/null'
	check "cu: the gateway's mapping was given back" \
		wait_for 5 eval '[ -z "$(topo_upnp_maps 1)" ]'
	check "cu: and teredod said so" \
		log_has cu "UPnP: mapping of port $UPORT deleted"
	topo_start_teredod cu "UPnP yes"
	check "cu: a new teredod maps the same port again and keeps the address" \
		wait_for $((20 * SLOW)) eval '[ "$(topo_upnp_maps 1 | cut -d" " -f1)" = "$UPORT" ] &&
			topo_addr_is cu "$CU"'
	pid=$(topo_teredod_pid cu | tail -n 1)
	kill -KILL "$pid"
	topo_start_teredod cu "UPnP yes"
	check "cu: after kill -9, the next teredod renews the mapping and resumes with the same address" \
		wait_for $((20 * SLOW)) eval '[ "$(grep -c "resuming with Teredo address $CU" "$TOPO_DIR/teredod-cu.log")" -ge 1 ] &&
			[ "$(topo_upnp_maps 1 | cut -d" " -f1)" = "$UPORT" ] && topo_addr_is cu "$CU"'
	check "cu: and a symmetric NAT's client still reaches it" \
		wait_for $((10 * SLOW)) reach cs "$CU"
	check "cp: a client behind a symmetric NAT reaches the NAT-PMP client" \
		wait_for $((10 * SLOW)) reach cs "$CP"
	pid=$(topo_teredod_pid cp | tail -n 1)
	kill -TERM "$pid"
	check "cp: at exit its NAT-PMP mapping is deleted" \
		wait_for 10 eval '! kill -0 "$pid" 2>/dev/null && [ -z "$(topo_upnp_maps 8)" ] &&
			log_has cp "NAT-PMP: mapping of port [0-9]* deleted"'
}

run_tests test_setup test_upnp test_pairs test_nd_answer test_nd_solicit test_random_port \
	test_lifetime

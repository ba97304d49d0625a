#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The hairpinning extension (RFC 6081 sections 3.5 and 5.5; issue 31): two
# of our clients behind one NAT that does not hairpin, on two subnets (so
# that local discovery cannot find them either). Their mappings are both
# the NAT's own address, where nothing of theirs arrives. With the
# Alternate Address trailer in their bubbles, each learns through the
# server where the other is behind the NAT, and they talk there: checked
# by pings, TCP, the peer entries (address behind the NAT, trusted),
# rx_hairpin, the NAT's counters (nothing of theirs goes out to anyone but
# the server) and tshark (the trailer on the wire, byte for byte). The
# same through Miredo's server, which relays the trailer untouched. And a
# NAT that does hairpin: they reach each other too.
#
# The subnets behind the NATs are RFC 1918 (still only inside the VM's
# namespaces): an alternate address is believed only if it is private or
# shared (100.64/10), or the NAT's own. Hostile input: a bubble with a
# trailer not relayed by the server, a forged relayed one listing a global
# address, malformed trailers (none taken), and a flood of forged relayed
# bubbles from behind the NAT listing one private address (at most one
# bubble to it for each).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT

H1="" H2="" H3="" H4="" NAT_IP=""

# natN with two subnets 192.168.A.0/24 (client C1) and 192.168.B.0/24
# (client C2), routed between them, masqueraded to the "Internet".
hp_nat() {	# N C1 A C2 B
	local n=$1

	topo_add_nat_client "$2" "$n" || return 1
	topo_add_ns "$4" || return 1
	topo_batch "nat$n" <<-EOF || return 1
	addr del 198.19.$n.1/24 dev lan
	addr add 192.168.$3.1/24 dev lan
	link add lan2 up type veth peer name eth0 netns $4
	addr add 192.168.$5.1/24 dev lan2
	EOF
	topo_batch "$2" <<-EOF || return 1
	addr del 198.19.$n.2/24 dev eth0
	addr add 192.168.$3.2/24 dev eth0
	route add default via 192.168.$3.1
	EOF
	topo_batch "$4" <<-EOF || return 1
	link set lo up
	link set eth0 up
	addr add 192.168.$5.2/24 dev eth0
	route add default via 192.168.$5.1
	EOF
	# what the clients send out to anyone but the servers, and to x's
	# subnet (192.168.9.0/24)
	topo_exec "nat$n" nft -f - <<-EOF
	table ip hp {
		chain count {
			type filter hook forward priority 0; policy accept;
			oifname "wan" ip daddr != { $TOPO_SRV_IP, $TOPO_SRV_IP2 } counter
			ip daddr 192.168.9.0/24 counter
		}
	}
	EOF
}

# packets of rule K (1: out to the Internet, 2: to x's subnet) in natN
nat_count() {	# N K
	topo_exec "nat$1" nft list chain ip hp count |
		awk -v k="$2" '/counter packets/ { if (++n == k) for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# hex of an origin indication IP:PORT, and of an Alternate Address trailer
origin_hex() {	# IP PORT
	python3 -c 'import ipaddress, sys
print("0000%04x%08x" % (int(sys.argv[2]) ^ 0xffff, int(ipaddress.IPv4Address(sys.argv[1])) ^ 0xffffffff))' "$1" "$2"
}
alt_hex() {	# IP PORT [TYPE LENGTH]
	python3 -c 'import ipaddress, sys
print("%02x%02x0000%08x%04x" % (int(sys.argv[3]), int(sys.argv[4]), int(ipaddress.IPv4Address(sys.argv[1])), int(sys.argv[2])))' \
		"$1" "$2" "${3:-3}" "${4:-8}"
}

dev_port() {	# NS: the UDP port of teredo0
	topo_ip -n "$1" -d -j link show teredo0 |
		pyq 'print(json.loads(data)[0]["linkinfo"]["info_data"]["port"])'
}

# x on a third subnet behind nat1, not a Teredo client. What it sends is
# not tracked by nat1: its forgeries of the server's address would clash
# with the clients' own connections to the server and be dropped there,
# which a NAT need not do (and would not for a forger on the clients' link).
hp_x() {
	topo_add_ns x || return 1
	topo_batch nat1 <<-EOF || return 1
	link add lanx up type veth peer name eth0 netns x
	addr add 192.168.9.1/24 dev lanx
	EOF
	topo_exec nat1 nft -f - <<-EOF || return 1
	table ip hpraw {
		chain pre {
			type filter hook prerouting priority raw; policy accept;
			iifname "lanx" notrack
		}
	}
	EOF
	topo_batch x <<-EOF
	link set lo up
	link set eth0 up
	addr add 192.168.9.2/24 dev eth0
	route add default via 192.168.9.1
	EOF
}

# Does a datagram from h2 to nat1's address, port 40500 (h1's mapping of
# its port 40500, opened first), reach h1?
nat1_hairpins() {
	local pid

	topo_exec h1 "$TOPO_PEER" send 192.168.1.2:40500 "$TOPO_SRV_IP:9" 00 >/dev/null
	topo_exec h1 "$TOPO_PEER" recv 192.168.1.2:40500 $((3 * SLOW)) >/dev/null 2>&1 &
	pid=$!
	sleep 1
	topo_exec h2 "$TOPO_PEER" send 192.168.2.2:40501 "$NAT_IP:40500" 00 >/dev/null
	wait "$pid"
}

test_setup() {
	check "topology: our server; h1 and h2 behind nat1 on two subnets; x on a third" \
		eval 'topo_init && topo_start_teredod_server && hp_nat 1 h1 1 h2 2 && hp_x'
	NAT_IP=$(topo_nat_ip 1)
	topo_start_teredod h1
	topo_start_teredod h2
	H1=$(topo_wait_teredo_addr h1 teredo0 $((30 * SLOW)))
	H2=$(topo_wait_teredo_addr h2 teredo0 $((30 * SLOW)))
	check "both qualify behind nat1 ($H1, $H2), both mapped to nat1's address" \
		eval '[ -n "$H1" ] && [ -n "$H2" ] &&
		      [ "$(topo_teredo_decode "$H1" | cut -d" " -f4)" = "$NAT_IP" ] &&
		      [ "$(topo_teredo_decode "$H2" | cut -d" " -f4)" = "$NAT_IP" ]'
	check "nat1 does not hairpin: a datagram from h2 to h1's mapping does not reach h1" \
		not nat1_hairpins
}

test_hairpin() {
	local out0

	out0=$(nat_count 1 1)
	check "h1 -> h2: ping, through the addresses behind nat1" ping6 h1 "$H2"
	check "h1's entry of h2: its address behind nat1, trusted" \
		wait_for 5 eval '[ "$(topo_entry h1 "$H2")" = "192.168.2.2 trusted local" ]'
	check "h2's entry of h1: its address behind nat1, trusted" \
		wait_for 5 eval '[ "$(topo_entry h2 "$H1")" = "192.168.1.2 trusted local" ]'
	check "each took the other's alternate address (rx_hairpin)" \
		eval 'counter_ge -n h1 teredo0 rx_hairpin 1 && counter_ge -n h2 teredo0 rx_hairpin 1'
	check "h2 -> h1: ping" ping6 h2 "$H1"
	check "h2 -> h1: TCP, 200 kB intact" tcp_transfer h2 h1 "$H1" 200000
	check "nothing of theirs went out of nat1 but to the server ($(( $(nat_count 1 1) - out0 )))" \
		eval '[ "$(nat_count 1 1)" = "$out0" ]'
}

# The trailer on the wire: h1's bubbles to a client behind nat1 that is
# not there, the direct one (to nat1's address) and the one through the
# server, each with h1's address and port behind nat1; none in a bubble to
# another NAT's client.
bubbles_of() {	# PING-DST UDP-LENGTH N: the first N bubbles of h1 of that length
	local pid i

	# tshark's first start in a loaded guest (from the host's disk over
	# 9p) can take minutes: once, before its time counts
	topo_exec h1 tshark -v >/dev/null 2>&1
	topo_exec h1 timeout $((60 * SLOW)) tshark -n -l -i eth0 -c "$3" \
		-f "udp and src host 192.168.1.2 and udp[4:2] == $2" \
		-T fields -E separator=' ' -e ip.dst -e udp.length -e udp.payload \
		>"$TOPO_DIR/tshark.out" 2>"$TOPO_DIR/tshark.err" &
	pid=$!
	wait_for $((30 * SLOW)) grep -q Capturing "$TOPO_DIR/tshark.err"
	# again until tshark saw them: on a loaded machine it may start
	# listening well after it says so
	for ((i = 0; i < 10 * SLOW; i++)); do
		topo_exec h1 ping -6 -n -c 1 -W 1 "$1" >/dev/null
		sleep 2
		kill -0 "$pid" 2>/dev/null || break
	done
	wait "$pid"
	tr -d : <"$TOPO_DIR/tshark.out"
}

test_wire() {
	local ghost port want out dst other

	ghost=$(topo_teredo_of "$H1" 40600 "$NAT_IP")
	port=$(dev_port h1)
	dst=$(python3 -c 'import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).packed.hex())' "$ghost")
	want="03080000$(printf '%08x%04x' 3232235778 "$port")"
	out=$(bubbles_of "$ghost" 58 2)
	check "tshark: a bubble to nat1's address and one to the server, each 58 bytes of UDP, no IPv6 payload ($out)" \
		eval 'grep -q "^$NAT_IP 58 6000000000003b" <<<"$out" &&
		      grep -q "^$TOPO_SRV_IP 58 6000000000003b" <<<"$out"'
	check "both to the client behind nat1, the trailer: type 3, length 8, reserved 0, 192.168.1.2, port $port ($want)" \
		eval '[ "$(awk "{ print substr(\$3, 49, 32) substr(\$3, 81) }" <<<"$out" | sort -u)" = "$dst$want" ]'
	other=$(topo_teredo_of "$H1" 40601 198.18.0.99)
	out=$(bubbles_of "$other" 48 2)
	check "no trailer to another NAT's client: its two bubbles of 48 bytes ($out)" \
		eval 'grep -q "^198.18.0.99 48 6000000000003b" <<<"$out" &&
		      grep -q "^$TOPO_SRV_IP 48 6000000000003b" <<<"$out"'
}

# COUNT forged relayed bubbles from the server's address, two each from
# COUNT/2 clients behind nat1 (mapped to ports 41000 and up), listing
# ALT_IP:ALT_PORT: the craft lines, made in one go
forgeries() {	# COUNT ALT_IP ALT_PORT
	python3 - "$@" "$H1" "$NAT_IP" "$TOPO_SRV_IP" <<-'PY'
	import ipaddress, sys
	count, alt, aport, h1, nat, srv = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
	base = ipaddress.IPv6Address(h1).packed[:10]
	natn = int(ipaddress.IPv4Address(nat))
	trailer = "03080000%08x%04x" % (int(ipaddress.IPv4Address(alt)), aport)
	for i in range(count):
	    port = 41000 + i // 2
	    src = ipaddress.IPv6Address(base + (port ^ 0xffff).to_bytes(2, "big") + (natn ^ 0xffffffff).to_bytes(4, "big"))
	    print("%s:3544 0000%04x%08x bubble %s %s %s" % (srv, port ^ 0xffff, natn ^ 0xffffffff, src, h1, trailer))
	PY
}

# x (behind nat1, not a Teredo client) forges what a client behind nat1
# would send h1.
test_hostile() {
	local port forged r0 h0 x0 b0

	port=$(dev_port h1)
	forged=$(topo_teredo_of "$H1" 40002 "$NAT_IP")
	r0=$(counter -n h1 teredo0 rx_drop_bad_mapping) h0=$(counter -n h1 teredo0 rx_hairpin)
	x0=$(nat_count 1 2)
	check "a direct bubble with a trailer (192.168.9.77), not relayed by the server: refused, counted, nothing learnt" \
		eval 'echo "192.168.9.2:40002 - bubble $forged $H1 $(alt_hex 192.168.9.77 7777)" |
			topo_exec x "$TOPO_PEER" craft 192.168.1.2:$port &&
		      wait_for 5 counter_ge -n h1 teredo0 rx_drop_bad_mapping $((r0 + 1)) &&
		      [ "$(counter -n h1 teredo0 rx_hairpin)" = "$h0" ] && [ "$(topo_peer h1 "$forged" P)" = None ]'
	check "a forged relayed bubble (from the server's address) listing a global address: not taken" \
		eval 'echo "$TOPO_SRV_IP:3544 $(origin_hex "$NAT_IP" 40002) bubble $forged $H1 $(alt_hex 198.18.0.99 7777)" |
			topo_exec x "$TOPO_PEER" craft 192.168.1.2:$port &&
		      sleep $((2 * SLOW)) && [ "$(counter -n h1 teredo0 rx_hairpin)" = "$h0" ] &&
		      [ "$(topo_entry h1 "$forged")" = "$NAT_IP untrusted" ]'
	for t in "3 7" "3 9" "3 20" "4 8"; do
		check "a forged relayed bubble, malformed trailer (type ${t% *}, length ${t#* }): not taken" \
			eval 'echo "$TOPO_SRV_IP:3544 $(origin_hex "$NAT_IP" 40003) bubble $(topo_teredo_of "$H1" 40003 "$NAT_IP") $H1 $(alt_hex 192.168.9.77 7777 $t)" |
				topo_exec x "$TOPO_PEER" craft 192.168.1.2:$port &&
			      sleep $((1 * SLOW)) && [ "$(counter -n h1 teredo0 rx_hairpin)" = "$h0" ]'
	done
	check "an origin that is not the mapping in the source: not taken" \
		eval 'echo "$TOPO_SRV_IP:3544 $(origin_hex "$NAT_IP" 40005) bubble $(topo_teredo_of "$H1" 40004 "$NAT_IP") $H1 $(alt_hex 192.168.9.77 7777)" |
			topo_exec x "$TOPO_PEER" craft 192.168.1.2:$port &&
		      sleep $((1 * SLOW)) && [ "$(counter -n h1 teredo0 rx_hairpin)" = "$h0" ]'
	check "nothing went to 192.168.9.77 ($(( $(nat_count 1 2) - x0 )))" \
		eval '[ "$(nat_count 1 2)" = "$x0" ]'
	# what stays (docs/SECURITY.md): a host behind the NAT (or anyone
	# who reaches h1's mapping) forging the server's address gets one
	# bubble sent for each it sends: the first through the server, the
	# next to the private address of its choice, within the budgets
	b0=$(counter -n h1 teredo0 tx_bubble)
	forgeries 200 192.168.9.77 7777 | topo_exec x "$TOPO_PEER" craft "192.168.1.2:$port"
	sleep $((2 * SLOW))
	check "200 forged relayed bubbles (100 sources) listing 192.168.9.77: $(( $(counter -n h1 teredo0 rx_hairpin) - h0 )) taken, $(( $(nat_count 1 2) - x0 )) bubbles to it, $(( $(counter -n h1 teredo0 tx_bubble) - b0 )) in all" \
		eval '[ $(( $(counter -n h1 teredo0 rx_hairpin) - h0 )) -ge 1 ] &&
		      [ $(( $(nat_count 1 2) - x0 )) -ge 1 ] &&
		      [ $(( $(nat_count 1 2) - x0 )) -le 100 ] &&
		      [ $(( $(counter -n h1 teredo0 tx_bubble) - b0 )) -le 200 ]'
	# (untrusted entries live 30 s after their last bubble: a slow
	# kernel may have let this one go already)
	check "none trusted there: nobody answered" \
		eval 'e=$(topo_entry h1 "$(topo_teredo_of "$H1" 41000 "$NAT_IP")");
		      [ "$e" = "192.168.9.77 untrusted local" ] || [ "$e" = none ]'
	check "h1 and h2 still talk" ping6 h1 "$H2"
}

# The same through Miredo's server (it relays the trailer untouched), with
# two clients of ours behind nat2 that start once it runs.
test_miredo_server() {
	local e

	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = teredod-server ] && kill "${e##*:}"
	done
	wait_for 10 not udp_bound srv 3544
	check "Miredo's server instead of ours; h3 and h4 behind nat2 on two subnets" \
		eval 'topo_start_miredo_server && hp_nat 2 h3 3 h4 4'
	topo_start_teredod h3
	topo_start_teredod h4
	H3=$(topo_wait_teredo_addr h3 teredo0 $((30 * SLOW)))
	H4=$(topo_wait_teredo_addr h4 teredo0 $((30 * SLOW)))
	check "both qualify behind nat2 ($H3, $H4)" test -n "$H3" -a -n "$H4"
	check "h3 -> h4: ping, through the addresses behind nat2" ping6 h3 "$H4"
	check "h3's entry of h4: its address behind nat2, trusted" \
		wait_for 5 eval '[ "$(topo_entry h3 "$H4")" = "192.168.4.2 trusted local" ]'
	check "h4 -> h3: ping" ping6 h4 "$H3"
}

# A NAT that hairpins (nat1 made to: what comes to its address for a
# client's mapping goes to that client, masqueraded): h1 and h2, their
# entries gone, reach each other again, whichever way comes first.
test_hairpinning_nat() {
	local p1 p2

	p1=$(dev_port h1) p2=$(dev_port h2)
	topo_exec nat1 nft -f - <<-EOF
	table ip hairpin {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			iifname { "lan", "lan2" } ip daddr $NAT_IP udp dport { $p1, 40500 } dnat to 192.168.1.2
			iifname { "lan", "lan2" } ip daddr $NAT_IP udp dport $p2 dnat to 192.168.2.2
		}
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname { "lan", "lan2" } ct status dnat snat to $NAT_IP
		}
	}
	EOF
	check "nat1 hairpins now: a datagram from h2 to h1's mapping reaches h1" \
		nat1_hairpins
	check "the entries expire (30 s idle)" \
		wait_for $((60 * SLOW)) eval '[ "$(topo_entry h1 "$H2")" = none ] && [ "$(topo_entry h2 "$H1")" = none ]'
	check "h2 -> h1: ping" ping6 h2 "$H1"
	check "h1 -> h2: ping" ping6 h1 "$H2"
}

run_tests test_setup test_hairpin test_wire test_hostile test_miredo_server \
	test_hairpinning_nat

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The counters in Prometheus, through Debian's prometheus-node-exporter
# (1.5): its ethtool collector (every ethtool -S counter and gauge of a
# teredo device, per device, named after it: rx_drop_short becomes
# node_ethtool_received_drop_short), its netdev collector (the interface
# statistics), and its textfile collector for the server's counters
# (teredod show server --prometheus -o FILE). The exporters run as
# nobody, one in the relay's namespace and one in the client's; each
# series is checked to appear with its labels and to move when crafted
# traffic moves its counter.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT
NE=prometheus-node-exporter
RUN=$TOPO_DIR/metrics
PROM_DIR=$RUN/textfile
PROM_FILE=$PROM_DIR/teredod-server.prom
CLIENT=""
# A Teredo address whose server (198.18.0.99) is not there: a packet to it
# waits in the relay's queue for an answer to its bubble that never comes.
NOBODY6=2001:0:c612:63:0:f05f:39ed:ffb2

# node_exporter in NS, as nobody, on 127.0.0.1:9100: the ethtool and
# netdev collectors and the given ones.
start_exporter() {	# NS [ARGS...]
	local ns=$1

	shift
	topo_daemon "node-exporter-$ns" "$ns" setpriv --reuid=nobody \
		--regid=nogroup --clear-groups "$NE" \
		--web.listen-address=127.0.0.1:9100 --collector.disable-defaults \
		--collector.ethtool --collector.netdev "$@"
	wait_for 30 scrape "$ns"
}

exporter_pid() {	# NS
	local e

	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = "node-exporter-$1" ] && echo "${e##*:}"
	done
}

# What NS's node_exporter serves now.
scrape() {	# NS
	topo_exec "$1" curl -sf --max-time 20 http://127.0.0.1:9100/metrics
}

# Scrape NS into FILE.
scrape_to() {	# NS FILE
	scrape "$1" >"$2.tmp" && mv "$2.tmp" "$2"
}

# The value of a series (NAME{LABELS} exactly as node_exporter prints it)
# in a scrape, as an integer; fails if it is not there.
sample() {	# FILE SERIES
	awk -v k="$2" '$1 == k { printf "%d\n", $2 + 0; found = 1 }
		END { exit !found }' "$1"
}

# A device's ethtool series: node_ethtool_NAME{device="DEV"} with rx and
# tx spelt out as the collector does.
ne() {	# ETHTOOL-NAME [DEV]
	local n=$1

	n=$(sed -E 's/(^|_)rx(_|$)/\1received\2/g; s/(^|_)tx(_|$)/\1transmitted\2/g' <<<"$n")
	echo "node_ethtool_$n{device=\"${2:-teredo0}\"}"
}

# The series moved by exactly N (or >=N) from one scrape to another.
moved() {	# BEFORE AFTER SERIES N|>=N
	local a b d

	a=$(sample "$1" "$3") && b=$(sample "$2" "$3") || {
		echo "$3: not in the scrapes"
		return 1
	}
	d=$((b - a))
	if [[ $4 == '>='* ]]; then
		[ "$d" -ge "${4#>=}" ] && return 0
	else
		[ "$d" = "$4" ] && return 0
	fi
	echo "$3 moved by $d ($a, then $b), want $4"
	return 1
}

# The same, the second scrape of NS taken now (wait_for retries it).
moved_by() {	# NS BEFORE SERIES N|>=N
	scrape_to "$1" "$RUN/now.$1" && moved "$2" "$RUN/now.$1" "$3" "$4"
}

# The series has value V (or >=V) in a scrape of NS taken now.
value_is() {	# NS SERIES V|>=V
	local v

	scrape_to "$1" "$RUN/now.$1" || return 1
	v=$(sample "$RUN/now.$1" "$2") || { echo "$2: not in the scrape"; return 1; }
	if [[ $3 == '>='* ]]; then
		[ "$v" -ge "${3#>=}" ] && return 0
	else
		[ "$v" = "$3" ] && return 0
	fi
	echo "$2 = $v, want $3"
	return 1
}

# COUNT UDP datagrams of the given payload (python bytes) from NS to ADDR:PORT.
udp_send() {	# NS ADDR PORT COUNT PAYLOAD
	topo_exec "$1" python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    s.sendto(eval(sys.argv[4]), (sys.argv[1], int(sys.argv[2])))' "$2" "$3" "$4" "$5"
}

test_setup() {
	mkdir -p "$PROM_DIR" && chmod 755 "$RUN" "$PROM_DIR"
	check "topology: our relay, teredod server, our client behind a NAT" \
		eval 'topo_init && topo_add_our_relay && topo_start_teredod_server &&
		      topo_add_nat_client client 1'
	topo_start_teredod client
	CLIENT=$(topo_wait_teredo_addr client teredo0 $((30 * SLOW)))
	check "the client qualifies ($CLIENT)" test -n "$CLIENT"
	check "node_exporter serves the relay's namespace (ethtool, netdev, textfile)" \
		start_exporter relay --collector.textfile \
		--collector.textfile.directory="$PROM_DIR"
	check "node_exporter serves the client's namespace (ethtool, netdev)" \
		start_exporter client
	check "the exporters run as nobody" \
		eval 'runs_as_nobody relay && runs_as_nobody client'
}

runs_as_nobody() {	# NS: its exporter's real and effective UID
	grep -E "^Uid:\s+65534\s+65534\s" "/proc/$(exporter_pid "$1")/status"
}

# Every ethtool -S name of the relay's teredo0, counters and gauges, is a
# series with the device's label and ethtool's value (nothing moves here).
test_relay_series() {
	local t=$SECONDS out

	topo_exec relay ethtool -S teredo0 >"$RUN/relay.ethtool"
	scrape_to relay "$RUN/relay.1"
	log "a scrape of the relay's exporter: $((SECONDS - t)) s"
	check "node_ethtool_info: device teredo0, driver teredo" \
		grep -qE '^node_ethtool_info\{.*device="teredo0",driver="teredo",' "$RUN/relay.1"
	# one process for all (forks are slow under TCG); the names as
	# node_exporter 1.5 makes them: rx and tx spelt out
	out=$(python3 -c 'import re, sys
names = [l.split(":")[0].strip() for l in open(sys.argv[1]) if l.startswith(" ")]
vals = {l.split(":")[0].strip(): l.split(":")[1].strip() for l in open(sys.argv[1]) if l.startswith(" ")}
scrape = dict(l.rsplit(" ", 1) for l in open(sys.argv[2]).read().splitlines() if l and not l.startswith("#"))
bad = []
for n in names:
    m = re.sub(r"(^|_)tx(_|$)", r"\1transmitted\2", re.sub(r"(^|_)rx(_|$)", r"\1received\2", n))
    v = scrape.get("node_ethtool_%s{device=\"teredo0\"}" % m)
    if v is None or float(v) != float(vals[n]):
        bad.append("%s=%s:%s" % (n, vals[n], v))
print(len(names), " ".join(bad))' "$RUN/relay.ethtool" "$RUN/relay.1")
	check "each of the ${out%% *} ethtool -S names (41 counters, 3 gauges) is a series with its value" \
		eval 'echo "$out"; [[ $out =~ ^[0-9]+\ ?$ ]] && [ "${out%% *}" -ge 44 ] &&
		      grep -qx "     peers: 0" "$RUN/relay.ethtool"'
	check "drop reasons by name (node_ethtool_received_drop_unknown_peer)" \
		grep -qx 'node_ethtool_received_drop_unknown_peer{device="teredo0"} 0' "$RUN/relay.1"
	check "the netdev collector: node_network_receive_packets_total and transmit for teredo0" \
		eval 'grep "device=\"teredo0\"" "$RUN/relay.1" | grep -q "^node_network_receive_packets_total" &&
		      grep -q "^node_network_transmit_packets_total{device=\"teredo0\"}" "$RUN/relay.1"'
}

# Crafted datagrams move the counter of their drop reason, and no other,
# and the interface's drop count.
test_relay_drops() {
	local b=$RUN/relay.drops

	scrape_to relay "$b"
	udp_send srv "$TOPO_RELAY_IP" 3544 5 "b'x'"
	check "5 one-byte datagrams: received_drop_short +5" \
		wait_for 10 moved_by relay "$b" "$(ne rx_drop_short)" 5
	check "... node_network_receive_drop_total{device=\"teredo0\"} +5" \
		moved_by relay "$b" 'node_network_receive_drop_total{device="teredo0"}' 5
	udp_send srv "$TOPO_RELAY_IP" 3544 3 "b'\\x45' + bytes(59)"
	check "3 IPv4 headers where IPv6 belongs: received_drop_bad_header +3" \
		wait_for 10 moved_by relay "$b" "$(ne rx_drop_bad_header)" 3
	check "... received_drop_short still +5, received_drop_unknown_peer +0" \
		eval 'moved_by relay "$b" "$(ne rx_drop_short)" 5 &&
		      moved_by relay "$b" "$(ne rx_drop_unknown_peer)" 0'
}

# A ping a second for SECONDS, each to another Teredo peer (NOBODY6's
# server) that never answers.
nobody_stream() {	# SECONDS
	local i

	for ((i = 1; i <= $1; i++)); do
		topo_exec host6 ping -6 -n -c 1 -W 1 \
			"2001:0:c612:63:0:$(printf %x $((0xf05f - i))):39ed:ffb2" >/dev/null 2>&1
	done
}

# The gauges: the peer table's fill and bound, the queues' truesize.
test_relay_gauges() {
	local b=$RUN/relay.gauges q pinger

	check "maxpeers gauge: 1048576 by default" \
		value_is relay "$(ne maxpeers)" 1048576
	"$IP" -n relay link set teredo0 type teredo maxpeers 5000
	check "maxpeers gauge follows ip link set ... maxpeers 5000" \
		eval 'value_is relay "$(ne maxpeers)" 5000 &&
		      expect_eq "$(counter -n relay teredo0 maxpeers)" 5000'
	check "peers gauge: no peer yet" value_is relay "$(ne peers)" 0
	scrape_to relay "$b"
	# one ping to a peer that never answers: its entry
	topo_exec host6 ping -6 -n -c 1 -W 1 "$NOBODY6" >/dev/null 2>&1
	scrape_to relay "$RUN/relay.peers"
	check "packets to a Teredo peer that does not answer: peers gauge 1" \
		expect_eq "$(sample "$RUN/relay.peers" "$(ne peers)")" 1
	# then a ping a second, each to another such peer: a queue waits all
	# along (one lives 8 s), however long a scrape takes (on the debug
	# kernel, longer than that); a scrape that missed it is taken again
	nobody_stream $((12 * SLOW)) &
	pinger=$!
	sleep 1.5
	for _ in 1 2 3 4 5; do
		scrape_to relay "$RUN/relay.queued"
		[ "$(sample "$RUN/relay.queued" "$(ne queued_truesize)")" -gt 0 ] 2>/dev/null && break
		kill -0 "$pinger" 2>/dev/null || break
	done
	q=$(counter -n relay teredo0 queued_truesize)
	check "... their packets queued: queued_truesize gauge > 0 ($q in ethtool -S then)" \
		eval 'test "$(sample "$RUN/relay.queued" "$(ne queued_truesize)")" -gt 0 &&
		      test "${q:-0}" -gt 0'
	check "... transmitted_queued moved" \
		moved_by relay "$b" "$(ne tx_queued)" ">=2"
	wait "$pinger"
	check "after 8 s unanswered: transmitted_drop_unreachable moved, queued_truesize 0" \
		wait_for 20 eval 'moved_by relay "$b" "$(ne tx_drop_unreachable)" ">=2" &&
				  value_is relay "$(ne queued_truesize)" 0'
	check "after 30 s idle the entries expire: peers gauge back to 0, peer_expired moved" \
		wait_for 60 eval 'value_is relay "$(ne peers)" 0 &&
				  moved_by relay "$b" "$(ne peer_expired)" ">=2"'
	"$IP" -n relay link set teredo0 type teredo maxpeers 1048576
}

# The client-mode device's series, in the client's namespace.
test_client_series() {
	local b=$RUN/client.1 r=$RUN/relay.client pinger

	scrape_to client "$b"
	scrape_to relay "$r"
	check "client: node_ethtool_info for its teredo0, driver teredo" \
		grep -qE '^node_ethtool_info\{.*device="teredo0",driver="teredo",' "$b"
	check "client: qualification in the counters (received_control, transmitted_control >= 1)" \
		eval 'value_is client "$(ne rx_control)" ">=1" &&
		      value_is client "$(ne tx_control)" ">=1"'
	check "client pings the native host through the relay" \
		ping6 client "$TOPO_HOST6_IP6"
	# and goes on pinging while both are scraped: the peers expire 30 s
	# after their last packet, and a scrape takes seconds on a loaded
	# TCG host (on the debug kernel, the relay's came too late)
	topo_exec client ping -6 -n -i 1 -w $((60 * SLOW)) "$TOPO_HOST6_IP6" >/dev/null 2>&1 &
	pinger=$!
	scrape_to client "$RUN/client.2"
	scrape_to relay "$RUN/relay.client2"
	kill "$pinger" 2>/dev/null
	wait "$pinger" 2>/dev/null
	check "... transmitted_ping (the relay's echo test) >= +1" \
		moved "$b" "$RUN/client.2" "$(ne tx_ping)" ">=1"
	check "... node_network_transmit_packets_total{device=\"teredo0\"} >= +3" \
		moved "$b" "$RUN/client.2" 'node_network_transmit_packets_total{device="teredo0"}' ">=3"
	check "... the client's peers gauge >= 1, the relay's 1 (the client)" \
		eval 'test "$(sample "$RUN/client.2" "$(ne peers)")" -ge 1 &&
		      expect_eq "$(sample "$RUN/relay.client2" "$(ne peers)")" 1'
	check "... the relay's received_bubble and peer_trusted moved" \
		eval 'moved "$r" "$RUN/relay.client2" "$(ne rx_bubble)" ">=1" &&
		      moved "$r" "$RUN/relay.client2" "$(ne peer_trusted)" ">=1"'
	# a source that is not the client's Teredo address: dropped by it
	topo_ip -n client addr add 2001:db8:1::1/128 dev lo
	topo_exec client ping -6 -n -c 2 -i 0.2 -W 1 -I 2001:db8:1::1 \
		"$TOPO_HOST6_IP6" >/dev/null 2>&1
	check "2 packets from another source: client's transmitted_drop_bad_source +2" \
		wait_for 10 moved_by client "$b" "$(ne tx_drop_bad_source)" 2
}

# The server's counters through the textfile collector: teredod show
# server --prometheus -o FILE, as a timer would run it.
test_server_textfile() {
	local b=$RUN/relay.server p='{primary="198.18.0.1"}'

	check "teredod show server --prometheus -o FILE writes the file" \
		topo_exec srv "$TOPO_TEREDOD" show server --prometheus -o "$PROM_FILE"
	check "... mode 0644, no temporary file left beside it" \
		eval 'expect_eq "$(stat -c %a "$PROM_FILE") $(ls "$PROM_DIR" | wc -l)" "644 1"'
	scrape_to relay "$b"
	check "the textfile collector read it without error" \
		grep -qx 'node_textfile_scrape_error 0' "$b"
	check "teredod_server_info with both addresses" \
		grep -qE '^teredod_server_info\{.*primary="198.18.0.1",secondary="198.18.0.2".*\} 1$' "$b"
	check "teredod_server_tx_ra_total >= 1 (the client's qualification), a counter" \
		eval 'v=$(sample "$b" "teredod_server_tx_ra_total$p") && [ "$v" -ge 1 ] &&
		      grep -qx "# TYPE teredod_server_tx_ra_total counter" "$b"'
	check "every drop reason is a series" \
		expect_eq "$(grep -c '^teredod_server_drop_[a-z0-9_]*_total{primary="198.18.0.1"} ' "$b")" 17
	check "the rate limiter's gauges (rate_limit 100, rate_sources)" \
		eval 'expect_eq "$(sample "$b" "teredod_server_rate_limit$p")" 100 &&
		      sample "$b" "teredod_server_rate_sources$p"'
	udp_send relay "$TOPO_SRV_IP" 3544 4 "b'x'"
	check "4 one-byte datagrams to the server, the file written again: drop_malformed_total +4" \
		wait_for 10 eval 'topo_exec srv "$TOPO_TEREDOD" show server --prometheus -o "$PROM_FILE" &&
				  moved_by relay "$b" "teredod_server_drop_malformed_total$p" 4'
	# (the client's refresh, an RS every 22-30 s, may come meanwhile)
	check "... rx_primary_total >= +4, drop_bad_rs_total +0" \
		eval 'moved_by relay "$b" "teredod_server_rx_primary_total$p" ">=4" &&
		      moved_by relay "$b" "teredod_server_drop_bad_rs_total$p" 0'
	cp "$PROM_FILE" "$RUN/prom.before"
	check "no server at the address given: fails, and the file stays as it was" \
		eval 'not topo_exec srv "$TOPO_TEREDOD" show server 198.18.0.99 --prometheus -o "$PROM_FILE" &&
		      cmp "$PROM_FILE" "$RUN/prom.before"'
}

run_tests test_setup test_relay_series test_relay_drops test_relay_gauges \
	test_client_series test_server_textfile

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every packet counted once, by one reason: two counting bugs that fuzz.sh's
# ledger led to, fixed, their checks kept.
#  - kernel/rx.h, teredo_rx_count(): a delivery that netif_rx() or
#    gro_cells_receive() refuses was counted in rx_dropped by them
#    (enqueue_to_backlog(), gro_cells_receive()) and again by the module.
#  - kernel/queue.c, teredo_queue_admit(): a packet refused because its
#    probe would exceed a budget was counted in tx_dropped and by no
#    tx_drop_* reason (tx_drop_probe_limited now; tx_probe_limited also
#    counts probes that merely waited).
source "$(dirname "$0")/fuzz.sh"

# Deliveries the stack's backlog refuses (netif_rx() when it is full) are
# counted once in rx_dropped: a GRO train of 200 datagrams reaches the
# socket as one, is split there and delivered within one call, with a
# backlog of 8. netif_rx() counts its own refusals in the device's
# rx_dropped (6.1: enqueue_to_backlog(), gro_cells_receive()), and
# teredo_rx_count() counts them again.
test_backlog_drops() {
	local b=$RUN/backlog.before a=$RUN/backlog.after old st=() moved

	relay_with_client
	"$IP" netns exec relay ethtool -K eth0 gro on rx-gro-list on
	"$IP" netns exec inet ethtool -K relay tso off
	fresh
	# netem's slot holds every datagram until the slot opens, then lets
	# them all go at once: one train however slowly the sender sends
	tc -n inet qdisc add dev relay root netem slot $((2 * SLOW))s $((2 * SLOW))s limit 1000
	snap relay eth0 "$b"
	old=$(sysctl -n net.core.netdev_max_backlog)
	sysctl -qw net.core.netdev_max_backlog=8
	raw "$(pkt echo $CLIENT $HOST)" 200
	sleep $((2 * SLOW + 1))
	sysctl -qw net.core.netdev_max_backlog="$old"
	tc -n inet qdisc del dev relay root
	quiesce relay eth0 "$a" 20
	read -r -a st <<<"$(delta_of "$b" "$a" '" ".join(str(b["dev"][k] - a["dev"][k]) for k in ("rx_packets", "rx_dropped")) + " " + str(b["snmp"]["Udp"]["InDatagrams"] - a["snmp"]["Udp"]["InDatagrams"]) + " " + str(sum(b["teredo"][k] - a["teredo"][k] for k in b["teredo"] if k.startswith("rx_drop_")))')"
	moved=$((st[0] + st[1]))
	log "rx_packets +${st[0]}, rx_dropped +${st[1]} (rx_drop_* +${st[3]}), UDP InDatagrams +${st[2]}"
	check "the backlog refused some deliveries" test "${st[1]}" -gt "${st[3]}"
	check "each delivery refused counted once: rx_packets + rx_dropped ($moved) == datagrams taken in (${st[2]})" \
		test "$moved" -eq "${st[2]}"
	stop_daemons
}

# A relay with a tight probe budget: every packet it refuses is counted
# by one tx_drop_* reason, as tx_dropped. A packet refused because its
# probe would exceed a budget is counted by tx_probe_limited only, which
# also counts probes that merely waited (the packet stays queued): no
# ledger can tell how many packets it refused. (The client's held
# packets: the same, as rx_dropped.)
test_budget_refusals() {
	local dropped reasons limited

	setup
	"$IP" -n relay link set teredo0 type teredo maxpeers 100000 proberate 5 probetotal 5
	snap relay eth1 "$RUN/budget.before"
	spray 3 40 >/dev/null
	wait_for 20 eval '[ "$(queued_bytes)" = 0 ]'
	quiesce relay eth1 "$RUN/budget.after" 30
	read -r dropped reasons limited <<<"$(delta_of "$RUN/budget.before" "$RUN/budget.after" \
		'"%d %d %d" % (b["dev"]["tx_dropped"] - a["dev"]["tx_dropped"], sum(b["teredo"][k] - a["teredo"][k] for k in b["teredo"] if k.startswith("tx_drop_")), b["teredo"]["tx_probe_limited"] - a["teredo"]["tx_probe_limited"])')"
	log "tx_dropped +$dropped, tx_drop_* +$reasons, tx_probe_limited +$limited"
	check "the budget refused probes" test "$limited" -gt 0
	check "every packet refused counted by one reason: tx_dropped ($dropped) == the tx_drop_* ($reasons)" \
		test "$dropped" -eq "$reasons"
	check "those the budget refused as tx_drop_probe_limited" \
		counter_ge -n relay teredo0 tx_drop_probe_limited 1
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
trap stop_daemons EXIT
run_tests test_backlog_drops test_budget_refusals

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# On-demand qualification (issue 31; teredod's QualifyOnDemand, Windows'
# dormant state): c1 (QualifyOnDemand yes, DormantTimeout 3) goes dormant
# once the host sent nothing for 3 s, and then sends nothing at all: not a
# refresh in 35 s, while c2 (awake) refreshes in the same time. A packet
# the host sends wakes it: the packet waits in the kernel, teredod
# qualifies again, the packet is delivered (the first ping is answered),
# with the same address; the time to that first answer is printed.
# Without teredod, what waits is bounded (64 packets) and dropped and
# counted within 30 s; a teredod started again finds the device dormant
# and leaves it so, sending nothing until the host does.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
trap topo_cleanup EXIT

C1="" C2=""

sent_control() { counter -n c1 teredo0 tx_control; }

dormant() {	# NS: the kernel's view, through teredod show
	[ "$(topo_show "$1" 'D.get("dormant")')" = True ]
}

awake() { [ "$(topo_show "$1" 'D.get("dormant")')" = False ]; }

test_setup() {
	check "topology: our server and relay, c1 and c2 behind NATs" \
		eval 'topo_init && topo_start_teredod_server && topo_add_our_relay &&
		      topo_add_nat_client c1 1 && topo_add_nat_client c2 2'
	topo_start_teredod c1 "QualifyOnDemand yes" "DormantTimeout 3"
	topo_start_teredod c2
	C1=$(topo_wait_teredo_addr c1 teredo0 $((30 * SLOW)))
	C2=$(topo_wait_teredo_addr c2 teredo0 $((30 * SLOW)))
	check "both qualify at start ($C1, $C2)" test -n "$C1" -a -n "$C2"
}

test_dormant() {
	local s1 s2

	check "c1 goes dormant after 3 s without a packet sent" \
		wait_for 20 dormant c1
	check "teredod says so" \
		wait_for 5 grep -q "dormant: nothing sent for 3 s" "$TOPO_DIR/teredod-c1.log"
	check "the address and the route stay" \
		eval 'topo_addr_is c1 "$C1" && topo_ip -n c1 -6 route show default | grep -q teredo0'
	s1=$(sent_control) s2=$(counter -n c2 teredo0 tx_control)
	sleep 35
	check "dormant: c1 sent nothing to its server in 35 s" \
		expect_eq "$(sent_control)" "$s1"
	check "meanwhile c2, awake, refreshed its mapping" \
		counter_ge -n c2 teredo0 tx_control $((s2 + 1))
}

test_wake() {
	local out t held

	held=$(counter -n c1 teredo0 tx_dormant)
	out=$(topo_exec c1 ping -6 -n -c 1 -W 20 "$C2" 2>&1)
	t=$(sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' <<<"$out")
	check "the first ping from dormant c1 is answered, not lost ($t ms)" \
		test -n "$t"
	echo "# first packet from dormant: $t ms (to a Teredo peer)"
	check "it waited in the kernel (tx_dormant), and teredod was woken" \
		eval 'counter_ge -n c1 teredo0 tx_dormant $((held + 1)) &&
		      grep -q "woken: the host sends" "$TOPO_DIR/teredod-c1.log"'
	check "awake again, with the same address" \
		eval 'awake c1 && topo_addr_is c1 "$C1"'
	check "dormant again 3 s later" wait_for 20 dormant c1
	held=$(counter -n c1 teredo0 tx_dormant)
	out=$(topo_exec c1 ping -6 -n -c 1 -W 20 "$TOPO_HOST6_IP6" 2>&1)
	t=$(sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' <<<"$out")
	check "woken again by a ping to a native host (through a relay): answered ($t ms)" \
		test -n "$t"
	echo "# first packet from dormant: $t ms (to a native host, relay test included)"
	check "one packet held" counter_ge -n c1 teredo0 tx_dormant $((held + 1))
}

test_no_teredod() {
	local full off c

	check "dormant again" wait_for 20 dormant c1
	kill -KILL "$(topo_teredod_pid c1)"
	check "teredod killed: c1 still dormant, its address kept" \
		eval 'sleep 1; topo_addr_is c1 "$C1" &&
		      [ "$(topo_exec c1 "$TOPO_TEREDOD" show --json teredo0 |
			   python3 -c "import json,sys; print(json.load(sys.stdin)[\"dormant\"])")" = True ]'
	full=$(counter -n c1 teredo0 tx_drop_queue_full)
	off=$(counter -n c1 teredo0 tx_drop_offline)
	c=$(counter -n c1 teredo0 tx_dormant)
	topo_exec c1 python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(100):
    s.sendto(b"x" * 100, (sys.argv[1], 9))' "$C2"
	c=$(( $(counter -n c1 teredo0 tx_dormant) - c ))
	full=$(( $(counter -n c1 teredo0 tx_drop_queue_full) - full ))
	check "100 datagrams, nobody to wake: 64 held ($c), 36 refused (tx_drop_queue_full: $full)" \
		eval '[ "$c" = 64 ] && [ "$full" = 36 ]'
	check "within 30 s they are dropped and counted (tx_drop_offline +64)" \
		wait_for 40 counter_ge -n c1 teredo0 tx_drop_offline $((off + 64))
	c=$(sent_control)
	topo_start_teredod c1 "QualifyOnDemand yes" "DormantTimeout 3"
	check "a new teredod finds the device dormant and leaves it so" \
		wait_for 20 grep -q "resuming with Teredo address $C1" "$TOPO_DIR/teredod-c1.log"
	sleep 3
	check "and sends nothing" \
		eval 'dormant c1 && [ "$(sent_control)" = "$c" ]'
	check "until the host sends: answered" ping6 c1 "$C2" -c 1 -W 20
}

run_tests test_setup test_dormant test_wake test_no_teredod

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Reproducer, NOT in the suite: it panics the kernel while the bug is
# there (found by fuzz.sh; see docs/SECURITY.md).
#
# The receive fast path (fastrx.c) checks a datagram's UDP checksum with
# udp_lib_checksum_complete(), which sums UDP_SKB_CB(skb)->cscov bytes:
# only the stack's udp4_csum_init() sets that field, so the fast path
# reads whatever an earlier layer left in skb->cb. A datagram over 76
# bytes (CHECKSUM_BREAK: shorter ones are checked whole at once) whose
# checksum is not already known good is summed over a stale length:
#  - zero (most drivers): a valid datagram looks bad and is left to the
#    stack (fuzz.sh's ledger: fastpath_takes; test_fastpath_checksum);
#  - larger than the datagram: __skb_checksum() runs past its end and
#    hits BUG_ON(len) (net/core/skbuff.c), in softirq: a kernel panic.
#    An uplink that is itself a UDP tunnel (VXLAN here) leaves the outer
#    datagram's cscov there; one Teredo datagram of 77 bytes or more with
#    a wrong UDP checksum, from anyone, does it.
#
# usage (in the VM): scripts/vm-run -- selftests/fastpath-csum-crash.sh
#   The VM dies with "kernel BUG at net/core/skbuff.c" in its console
#   while the bug is there; with it fixed, the checks pass.
source "$(dirname "$0")/lib.sh"
PEER=$(cd "$(dirname "$0")" && pwd)/teredo_peer.py
SRC=2001:0:c612:1:0:63bf:39ed:ffea	# 198.18.0.21:40000, as in relay.sh

setup() {
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
	# the relay, its fast path on the VXLAN device
	"$IP" -n crash-r link add teredo0 type teredo mode relay local 198.18.0.10 dev vx0 fastpath on
	"$IP" -n crash-r link set teredo0 up
}

# an IPv6 UDP packet of 248 bytes from SRC: a datagram of 256 bytes
big() {
	python3 -c 'import ipaddress, struct, sys
src = ipaddress.IPv6Address(sys.argv[1]).packed
dst = ipaddress.IPv6Address("2001:db8:1::2").packed
u = struct.pack("!HHHH", 9, 9, 208, 0) + bytes(200)
print((struct.pack("!IHBB", 0x60000000, len(u), 17, 64) + src + dst + u).hex())' "$SRC"
}

test_vxlan_uplink() {
	setup
	check "the VXLAN link works" "$IP" netns exec crash-a ping -c 1 -W 5 198.18.0.10
	check "a datagram of 256 bytes, good checksum: taken by the fast path" eval \
		'"$IP" netns exec crash-a "$PEER" raw 198.18.0.21:40000 198.18.0.10:3544 "$(big)" &&
		 wait_for 5 counter_ge -n crash-r teredo0 rx_fastpath 1'
	log "now the same with a wrong UDP checksum: with the bug, the kernel panics here"
	"$IP" netns exec crash-a "$PEER" raw 198.18.0.21:40000 198.18.0.10:3544 "$(big)" badsum
	sleep 2
	check "and the kernel is still there, the datagram counted by the stack" eval \
		'"$IP" netns exec crash-r awk "/^Udp:/ { n++; if (n == 2) exit !(\$8 >= 1) }" /proc/net/snmp'
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
run_tests test_vxlan_uplink

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, run inside the VM by scripts/demo.sh: a Teredo network in
# namespaces (our Teredo server, our in-kernel relay, a native IPv6 host,
# our client and a Miredo client behind NATs), and what a person wants to
# see of it.
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/selftests/lib.sh"
source "$repo/selftests/topology.sh"
PEER=$repo/selftests/teredo_peer.py
TEREDOD=$repo/userspace/teredod/teredod
trap topo_cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
say() { printf '%s\n' "$*"; }

step "Build the network"
topo_init && topo_add_nat_client c1 1 && topo_add_nat_client c2 2 || exit 1
say "inet:   an IPv4 internet (198.18.0.0/24) and a native IPv6 network ($TOPO_NET6::/64)"
say "srv:    our Teredo server (teredod server) on $TOPO_SRV_IP and $TOPO_SRV_IP2"
say "relay:  our relay, $TOPO_RELAY_IP and $TOPO_RELAY_IP6"
say "host6:  a native IPv6 host, $TOPO_HOST6_IP6"
say "c1:     our Teredo client (teredod + teredo0) behind NAT $(topo_nat_ip 1)"
say "c2:     a Miredo client behind NAT $(topo_nat_ip 2)"

step "The relay: one device, one route, no daemon (fastpath: off its uplink eth0)"
run ip -n relay link add teredo0 type teredo mode relay local "$TOPO_RELAY_IP" dev eth0 fastpath on
run ip -n relay link set teredo0 up
run ip -n relay route add 2001::/32 via fe80::1 dev teredo0
run ip -n relay -d link show teredo0

step "Start the Teredo server and the clients; the clients qualify"
topo_start_teredod_server
topo_start_teredod c1
topo_start_miredo_client c2
C1=$(topo_wait_teredo_addr c1 teredo0 60)
C2=$(topo_wait_teredo_addr c2 teredo 60)
[ -n "$C1" ] && [ -n "$C2" ] || { say "the clients did not qualify"; topo_logs 20; exit 1; }
for c in c1:"$C1" c2:"$C2"; do
	read -r srv flags port ip <<<"$(topo_teredo_decode "${c#*:}")"
	printf '%s: %s\n    server %s, flags %s, mapped (NAT public) address %s port %s\n' \
		"${c%%:*}" "${c#*:}" "$srv" "$flags" "$ip" "$port"
done

step "Our client's state (teredod show; the NAT type takes a few seconds)"
wait_for 15 eval '[ "$(topo_show c1 "D.get(\"nat\")")" != unknown ]'
run ip netns exec c1 "$TEREDOD" show teredo0 | sed -n 1,5p
step "Ping: our client -> Miredo client, directly (bubbles through the server)"
say "$ ip netns exec c1 ping -6 -n -c 3 -i 0.3 \"$C2\""
ip netns exec c1 ping -6 -n -c 3 -i 0.3 "$C2" | tail -n 2

step "Ping: Teredo client -> native host, through our relay"
say "$ ip netns exec c1 ping -6 -n -c 3 -i 0.3 \"$TOPO_HOST6_IP6\""
ip netns exec c1 ping -6 -n -c 3 -i 0.3 "$TOPO_HOST6_IP6" | tail -n 2
step "Ping: native host -> Teredo client"
say "$ ip netns exec host6 ping -6 -n -c 3 -i 0.3 \"$C2\""
ip netns exec host6 ping -6 -n -c 3 -i 0.3 "$C2" | tail -n 2
step "Ping: a full 1280-byte packet"
say "$ ip netns exec host6 ping -6 -n -c 2 -s 1232 -M do \"$C1\""
ip netns exec host6 ping -6 -n -c 2 -s 1232 -M do "$C1" | tail -n 2

step "TCP: 1 MB from client 1 to the native host"
ip netns exec host6 "$PEER" tcp-sink 5001 60 >/run/demo-sink.out &
sink=$!
sleep 1
start=$(date +%s.%N)
sent=$(ip netns exec c1 "$PEER" tcp-source "$TOPO_HOST6_IP6" 5001 1000000)
wait $sink
end=$(date +%s.%N)
say "sent     $sent"
say "received $(cat /run/demo-sink.out)"
python3 -c "print('%.0f kB/s (emulated CPU, no KVM)' % (1000 / ($end - $start)))"

step "Our server's counters (teredod show server)"
ip netns exec srv "$TEREDOD" show server | awk '$NF != 0'

step "The relay's peer list (teredod show peers)"
run ip netns exec relay "$TEREDOD" show peers teredo0
step "Its counters (teredod show; ip -s link)"
ip netns exec relay "$TEREDOD" show teredo0 | awk 'NR == 1 || $NF != 0'
run ip -n relay -s link show teredo0

step "Teardown"
topo_cleanup
run modprobe -r teredo && say "module unloaded"

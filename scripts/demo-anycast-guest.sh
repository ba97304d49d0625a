#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The anycast part of the demo, run inside the VM by scripts/demo.sh
# anycast (make demo-anycast): two relays of ours announce 2001::/32 with
# BGP (BIRD 2, BFD) to an upstream router; a native host pings our client
# through one of them, which is then taken away.
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/selftests/lib.sh"
source "$repo/selftests/topology.sh"
source "$repo/selftests/fleet.sh"
trap topo_cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
say() { printf '%s\n' "$*"; }

step "Build the network"
topo_init && topo_start_teredod_server && fleet_init &&
	fleet_add_relay 1 && fleet_add_relay 2 && topo_add_nat_client c1 1 || exit 1
say "up:     the upstream router (BIRD, AS 65000), $FLEET_UP_IP6; host6 routes 2001::/32 to it"
say "r1, r2: relays of ours (teredo0 + BIRD, AS 65001), 198.18.0.31 and .32"
say "srv:    our Teredo server; c1: our client (teredod) behind NAT $(topo_nat_ip 1)"

step "A relay's BIRD: 2001::/32 announced while teredo0 is up (static route, check link), BFD on"
sed -n '/protocol static/,$p' "$TOPO_DIR/bird-r1.conf"

step "The upstream router's route: both relays, one multipath route (hashed by host pair)"
wait_for 30 fleet_paths_are "1 2" || { topo_logs 20; exit 1; }
run ip -n up -6 route show 2001::/32
fleet_birdc up show protocols | grep -E '^(r1|r2) '

step "Our client qualifies"
topo_start_teredod c1
C1=$(topo_wait_teredo_addr c1 teredo0 60) || { say "the client did not qualify"; topo_logs 20; exit 1; }
say "c1: $C1"
fleet_count_init "$C1"
topo_exec host6 ping -6 -n -q -c 2 -W 5 "$C1" >/dev/null
a=$(fleet_carrier "$TOPO_HOST6_IP6" "$C1")
say "host6 -> c1 goes through $a"

step "A ping every 10 ms from host6 to c1; 2 s in, $a's teredo0 goes down"
ip netns exec host6 ping -6 -n -i 0.01 -c 500 -W 2 "$C1" >/run/demo-ping.out &
ping=$!
sleep 2
run ip -n "$a" link set teredo0 down
wait_for 10 eval '[ "$(fleet_paths | wc -w)" = 1 ]'
run ip -n up -6 route show 2001::/32
wait "$ping"
tail -n 2 /run/demo-ping.out
say "host6 -> c1 now goes through $(fleet_carrier "$TOPO_HOST6_IP6" "$C1"); nothing was configured by hand"

step "$a comes back"
run ip -n "$a" link set teredo0 up
run ip -n "$a" route replace 2001::/32 via fe80::1 dev teredo0
wait_for 30 fleet_paths_are "1 2"
run ip -n up -6 route show 2001::/32

step "Teardown"
topo_cleanup
run modprobe -r teredo && say "module unloaded"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, run inside the VM by scripts/demo.sh: build a small network
# in namespaces and show a person what the Teredo device does.
set -u
IP=/sbin/ip
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

for ns in internet relay; do $IP netns add $ns; $IP -n $ns link set lo up; done
trap '$IP netns del relay; $IP netns del internet' EXIT
$IP -n internet link add br0 type bridge
$IP -n internet link set br0 up
$IP -n relay link add eth0 type veth peer name relay netns internet
$IP -n internet link set relay master br0 up
$IP -n relay addr add 198.18.0.10/24 dev eth0
$IP -n relay link set eth0 up

step "Hosts: 'relay' (198.18.0.10) on an IPv4 internet bridge"
run $IP -n relay -br addr show dev eth0

step "Create a Teredo relay device (the module loads on demand)"
run $IP -n relay link add teredo0 type teredo mode relay local 198.18.0.10
run $IP -n relay link set teredo0 up
grep '^teredo ' /proc/modules | awk '{print "module: " $1 ", " $2 " bytes"}'

step "Inspect it: ip -d link show"
run $IP -n relay -d link show teredo0

step "The same as JSON (ip -j -d link show)"
$IP -n relay -j -d link show teredo0 | python3 -c '
import json, sys
link = json.load(sys.stdin)[0]
print(json.dumps({k: link[k] for k in ("ifname", "mtu", "flags", "link_type")} |
                 {"teredo": link["linkinfo"]["info_data"]}, indent=2))'

step "Its UDP socket: bound to 198.18.0.10:3544 in the relay's namespace"
$IP netns exec relay cat /proc/net/udp | awk 'NR == 1 || $2 ~ /:0DD8$/'

step "Reconfigure: a client on port 3545 with a larger peer table"
run $IP -n relay link add teredo1 type teredo mode client port 3545 maxpeers 4096 mtu 1400
run $IP -n relay -d link show teredo1

step "Bad input gets a clear error"
run $IP -n relay link add teredo2 type teredo port 3544 || true
run $IP -n relay link add teredo2 type teredo mtu 1000 || true
run $IP -n relay link set teredo0 type teredo mode client || true

step "Counters (ip -s link, ethtool -S)"
run $IP -n relay -s link show teredo0
run $IP netns exec relay ethtool -S teredo0

step "Teardown: delete the devices and unload the module"
run $IP -n relay link del teredo0
run $IP -n relay link del teredo1
run modprobe -r teredo && echo "module unloaded"

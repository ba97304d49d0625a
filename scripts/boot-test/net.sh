#!/bin/bash
# Boot test: the namespaces (teredo-test-net.service, at boot). srv: the
# Teredo server on 198.18.0.1 and .2; relay: the relay on 198.18.1.1; the
# client in the root namespace, 198.18.0.10 and 198.18.1.10.
set -euo pipefail
ip netns add srv
ip netns add relay
ip link add vsrv type veth peer name vsrv0 netns srv
ip addr add 198.18.0.10/24 dev vsrv
ip link set vsrv up
ip -n srv addr add 198.18.0.1/24 dev vsrv0
ip -n srv addr add 198.18.0.2/24 dev vsrv0
ip -n srv link set vsrv0 up
ip -n srv link set lo up
ip link add vrel type veth peer name vrel0 netns relay
ip addr add 198.18.1.10/24 dev vrel
ip link set vrel up
ip -n relay addr add 198.18.1.1/24 dev vrel0
ip -n relay link set vrel0 up
ip -n relay link set lo up

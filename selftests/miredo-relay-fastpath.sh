#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# miredo-relay.sh with our relay's receive fast path on: Miredo clients
# through a relay that takes their datagrams off its uplink.
export TOPO_RELAY_OPTS="dev eth0 fastpath on"
exec bash "$(dirname "$0")/miredo-relay.sh"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What teredod.sh and teredod-server.sh share. Source it after lib.sh and
# topology.sh.

PEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/teredo_peer.py
ATK_IP=198.18.0.50	# a host on the IPv4 "Internet", no NAT

status_field() {	# PID FIELD: a line of /proc/PID/status, its values
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' /proc/"$1"/status
}

# A process that reads network input: a user other than root, no
# capability (effective, permitted, bounding), no_new_privs.
unprivileged() {	# PID
	local uid

	uid=$(status_field "$1" Uid)
	echo "ps: $(ps -o uid=,comm= -p "$1") Uid: $uid"
	awk '{ exit !($1 > 0 && $1 == $2 && $2 == $3 && $3 == $4) }' <<<"$uid" &&
		expect_eq "$(status_field "$1" CapEff) $(status_field "$1" CapPrm) $(status_field "$1" CapBnd) $(status_field "$1" NoNewPrivs)" \
			"0000000000000000 0000000000000000 0000000000000000 1"
}

td_pid_of() {	# NAME: the last daemon of that name
	local e

	for e in "${TOPO_PIDS[@]}"; do
		[ "${e%%:*}" = "$1" ] && echo "${e##*:}"
	done | tail -n 1
}

srv_pid() { td_pid_of teredod-server; }

stop_daemon() {	# NAME [SIGNAL]: and wait for it
	local pid

	pid=$(td_pid_of "$1")
	[ -n "$pid" ] && kill -"${2:-TERM}" "$pid" 2>/dev/null && wait "$pid"
}

# Executed rather than sourced: nothing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP teredod-lib.sh is a library for the teredod tests"
fi

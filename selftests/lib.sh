#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the Teredo selftests: TAP output, namespaces, waiting.
# A test script sources this, defines test_* functions, and calls run_tests.

IP=/sbin/ip
[ -x "$IP" ] || IP=$(command -v ip)
TESTS_RUN=0
TESTS_FAILED=0
NS_LIST=()
TAP_LOG=$(mktemp)
# Waits stretch on a debug kernel (KASAN, lockdep: everything is slower).
SLOW=1
[ "${TEREDO_SLOW:-0}" = 1 ] && SLOW=4

log() { echo "# $*"; }

# Run one check: description, then a command whose status decides.
# Its output is shown (as TAP diagnostics) only when it fails.
check() {
	local desc=$1

	shift
	TESTS_RUN=$((TESTS_RUN + 1))
	if "$@" >"$TAP_LOG" 2>&1; then
		echo "ok $TESTS_RUN - $desc"
	else
		TESTS_FAILED=$((TESTS_FAILED + 1))
		echo "not ok $TESTS_RUN - $desc"
		sed 's/^/#   /' "$TAP_LOG" | head -n 40
	fi
}

# The command must fail and print (stdout or stderr) the given text.
fails_with() {
	local want=$1 out

	shift
	if out=$("$@" 2>&1); then
		echo "unexpectedly succeeded: $*"
		echo "$out"
		return 1
	fi
	grep -qF -- "$want" <<<"$out" && return 0
	echo "expected an error containing: $want"
	echo "got: $out"
	return 1
}

# Negation usable as a check command.
not() { ! "$@"; }

# Equality with a readable diagnostic.
expect_eq() {
	[ "$1" = "$2" ] && return 0
	echo "got:  $1"
	echo "want: $2"
	return 1
}

# Retry a command until it succeeds, for at most $1 seconds.
wait_for() {
	local t=$(($1 * 10 * SLOW))

	shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || { "$@"; return 1; }
		sleep 0.1
	done
}

# Create namespaces with loopback up; removed at exit.
setup_ns() {
	local ns

	for ns in "$@"; do
		"$IP" netns add "$ns" || return 1
		"$IP" -n "$ns" link set lo up
		NS_LIST+=("$ns")
	done
}

cleanup_ns() {
	local ns

	for ns in "${NS_LIST[@]}"; do
		"$IP" netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
}

# Read one field of "ip -j -d link show" with a python expression on L,
# the link's JSON object. Usage: link_json [-n NS] DEV EXPR
link_json() {
	local nsarg=()

	if [ "$1" = -n ]; then
		nsarg=(-n "$2")
		shift 2
	fi
	"$IP" "${nsarg[@]}" -j -d link show dev "$1" |
		python3 -c 'import json,sys; L=json.load(sys.stdin)[0]; print('"$2"')'
}

# Is a UDP socket bound to this port (any address) in the namespace?
udp_bound() {	# NS|"" PORT
	local run=()

	[ -n "$1" ] && run=("$IP" netns exec "$1")
	"${run[@]}" cat /proc/net/udp |
		awk 'NR > 1 { split($2, a, ":"); print a[2] }' |
		grep -qx "$(printf %04X "$2")"
}

# ethtool -S counter of a device (in a namespace or not).
counter() {	# [-n NS] DEV NAME
	local nsarg=()

	if [ "$1" = -n ]; then
		nsarg=("$IP" netns exec "$2")
		shift 2
	fi
	"${nsarg[@]}" ethtool -S "$1" | awk -v k="$2:" '$1 == k {print $2}'
}

# Run the given test functions in order (default: every test_* function).
# Counter checks, re-read on every try of wait_for.
counter_ge() {	# [-n NS] DEV NAME MIN
	local v

	v=$(counter "${@:1:$#-1}")
	[ "${v:-0}" -ge "${!#}" ] && return 0
	echo "${*: -2:1} = ${v:-none}, want >= ${!#}"
	return 1
}

run_tests() {
	local t tests=("$@")

	[ ${#tests[@]} -gt 0 ] ||
		mapfile -t tests < <(declare -F | awk '$3 ~ /^test_/ {print $3}')
	echo "TAP version 13"
	for t in "${tests[@]}"; do
		log "${t#test_}"
		"$t"
		cleanup_ns
	done
	echo "1..$TESTS_RUN"
	rm -f "$TAP_LOG"
	[ "$TESTS_FAILED" -eq 0 ]
}

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
# Waits stretch where everything is slower: twice under emulation (TCG, as
# scripts/vm-run says in TEREDO_ACCEL), four times on a debug kernel (KASAN,
# lockdep).
SLOW=1
[ "${TEREDO_ACCEL:-}" = tcg ] && SLOW=2
[ "${TEREDO_SLOW:-0}" = 1 ] && SLOW=4
# The last line of a test script that ran to its end (selftests/run.sh
# requires it, with a TAP plan that matches the checks).
TESTS_END="# selftest end:"

log() { echo "# $*"; }

# Under TCG starting a program is costly (docs/TESTING.md, "What the
# suite's time goes to"): the helpers called for every check and every
# poll start none of their own.
# Coreutils' simplest programs as bash builtins, from Debian's
# bash-builtins (scripts/install-deps.sh installs it) where it is installed.
for _lib_b in sleep rm seq mkdir mkfifo dirname basename; do
	[ -e "/usr/lib/bash/$_lib_b" ] && enable -f "/usr/lib/bash/$_lib_b" "$_lib_b" 2>/dev/null
done
unset _lib_b
# A sleep without one in any case: a read that times out on a pipe no
# one writes to.
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _; }
# Python code on JSON (link_json, topo_show, topo_peer): one Python per
# script runs it all (selftests/pyq.py), fed through two FIFOs. The code
# sees its standard input as "data", its other arguments as "argv", and
# json. Not for two processes at once.
pyq_start() {
	local d me=$BASHPID	# (in a background command's arguments, the child's)

	d=$(mktemp -d) && mkfifo "$d/q" "$d/r" || return 1
	# not a job of this shell: a script's "wait" must not wait for it
	(python3 "$(dirname "${BASH_SOURCE[0]}")/pyq.py" "$d" "$me" \
		</dev/null >/dev/null 2>&1 &)
	exec {PYQ_W}<>"$d/q" {PYQ_R}<>"$d/r"
	PYQ_PID=$$
}
[ "${PYQ_PID:-}" = $$ ] || pyq_start
pyq() {	# CODE [ARG...]
	local data st out err

	IFS= read -r -d '' data
	printf '%s\0' "$#" "$data" "$@" >&"$PYQ_W"
	if ! read -r -t 120 -d '' st <&"$PYQ_R"; then
		echo "pyq: no answer from selftests/pyq.py" >&2
		return 1
	fi
	IFS= read -r -d '' out <&"$PYQ_R"
	IFS= read -r -d '' err <&"$PYQ_R"
	printf %s "$out"
	printf %s "$err" >&2
	return "$st"
}

# Whether the last check's output holds a text.
tap_log_has() {	# TEXT
	local out

	IFS= read -r -d '' out <"$TAP_LOG"
	[[ $out == *"$1"* ]]
}

# Run one check: description, then a command whose status decides; a
# script whose checks all exercise Miredo alone, not this project, sets
# TAP_PREFIX="reference: " (selftests/run.sh and docs/TESTING.md count
# those apart; a single one says "reference: " itself).
# Its output is shown (as TAP diagnostics) only when it fails. A command
# that was not found anywhere in it fails it (a typo must not pass as a
# "not ..." or be hidden in an eval).
check() {
	local desc=${TAP_PREFIX:-}$1

	shift
	TESTS_RUN=$((TESTS_RUN + 1))
	if "$@" >"$TAP_LOG" 2>&1 && ! tap_log_has ': command not found'; then
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

# Negation usable as a check command; a command that cannot run (status
# 126 or 127: not found, not executable) is not a negative answer.
not() {
	local st

	"$@"
	st=$?
	if [ "$st" = 126 ] || [ "$st" = 127 ]; then
		echo "not: $1 could not run (status $st)"
		return 1
	fi
	[ "$st" != 0 ]
}

# Equality with a readable diagnostic.
expect_eq() {
	[ "$1" = "$2" ] && return 0
	echo "got:  $1"
	echo "want: $2"
	return 1
}

# Retry a command until it succeeds, for at most $1 seconds: soon at
# first, then every 0.3 s (each try takes CPU that the VM beside this one
# and whatever is waited for need more).
wait_for() {
	local end=$((SECONDS + $1 * SLOW)) t=0.1

	shift
	while ! "$@" >/dev/null 2>&1; do
		# by the clock: a command that takes a second under TCG
		# must not stretch the wait tenfold
		[ "$SECONDS" -lt "$end" ] || { "$@"; return 1; }
		nap $t
		case $t in 0.1) t=0.2 ;; *) t=0.3 ;; esac
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
		pyq 'L = json.loads(data)[0]; print('"$2"')'
}

# Is a UDP socket bound to this port (any address) in the namespace?
udp_bound() {	# NS|"" PORT
	local run=() want l

	[ -n "$1" ] && run=("$IP" netns exec "$1")
	printf -v want %04X "$2"
	while read -r _ l _; do
		[ "${l##*:}" = "$want" ] && return 0
	done < <("${run[@]}" cat /proc/net/udp)
	return 1
}

# Wait until the output of a command stops changing (the same in two runs
# half a second apart, times SLOW), for at most $1 seconds (times SLOW);
# prints it. For counters that a sender's packets still move after the
# sender is gone: read them once they are quiet.
settled() {	# MAX COMMAND...
	local end=$((SECONDS + $1 * SLOW)) d=$((5 * SLOW)) a b

	shift
	a=$("$@")
	while :; do
		nap "$((d / 10)).$((d % 10))"
		b=$("$@")
		[ "$a" = "$b" ] && break
		if [ "$SECONDS" -ge "$end" ]; then
			echo "settled: $* still changing after $1 s" >&2
			echo "$b"
			return 1
		fi
		a=$b
	done
	echo "$b"
}

# ethtool -S counter of a device (in a namespace or not).
counter() {	# [-n NS] DEV NAME
	local nsarg=()

	if [ "$1" = -n ]; then
		nsarg=("$IP" netns exec "$2")
		shift 2
	fi
	# (the loop's status, 0, is the function's, as awk's was)
	"${nsarg[@]}" ethtool -S "$1" | while read -r k v; do
		if [ "$k" = "$2:" ]; then echo "$v"; fi
	done
}

# Packets a device received or sent (its interface statistics).
link_packets() {	# [-n NS] DEV rx|tx
	local nsarg=()

	if [ "$1" = -n ]; then
		nsarg=("$IP" netns exec "$2")
		shift 2
	fi
	"${nsarg[@]}" cat "/sys/class/net/$1/statistics/$2_packets"
}

# Traffic is flowing: the number the command prints grows within half a
# second, or -w SECONDS (times SLOW). To show that an event (a kill, a
# deletion, an unload) happened while packets were still coming, read it
# just before and just after.
moving() {	# [-w SECONDS] COMMAND...
	local a b d=$((5 * SLOW))

	if [ "$1" = -w ]; then
		d=$(($2 * 10 * SLOW))
		shift 2
	fi
	a=$("$@")
	nap "$((d / 10)).$((d % 10))"
	b=$("$@")
	[[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && [ "$b" -gt "$a" ] && return 0
	echo "$*: ${a:-nothing}, then ${b:-nothing}: not moving"
	return 1
}

# Counter checks, re-read on every try of wait_for.
counter_ge() {	# [-n NS] DEV NAME MIN
	local v

	v=$(counter "${@:1:$#-1}")
	[ "${v:-0}" -ge "${!#}" ] && return 0
	echo "${*: -2:1} = ${v:-none}, want >= ${!#}"
	return 1
}

# Run the given test functions in order (default: every test_* function).
# Every test listed must exist and make at least one check; the script
# ends with its TAP plan and the TESTS_END line, which selftests/run.sh
# requires: a script that stops early, even with status 0, fails.
run_tests() {
	# names no test sets: a test's eval would assign run_tests' locals
	local _rt_test _rt_before _rt_tests=("$@")

	[ ${#_rt_tests[@]} -gt 0 ] ||
		mapfile -t _rt_tests < <(declare -F | awk '$3 ~ /^test_/ {print $3}')
	echo "TAP version 13"
	[ ${#_rt_tests[@]} -gt 0 ] || _tests_fail "no test function to run"
	for _rt_test in "${_rt_tests[@]}"; do
		declare -F "$_rt_test" >/dev/null ||
			_tests_fail "$_rt_test: no such test function (listed in run_tests)"
	done
	for _rt_test in "${_rt_tests[@]}"; do
		declare -F "$_rt_test" >/dev/null || continue
		log "${_rt_test#test_} (at ${SECONDS} s)"
		_rt_before=$TESTS_RUN
		"$_rt_test"
		cleanup_ns
		[ "$TESTS_RUN" -gt "$_rt_before" ] || _tests_fail "$_rt_test made no check"
	done
	echo "1..$TESTS_RUN"
	echo "$TESTS_END ${#_rt_tests[@]} tests, $TESTS_RUN checks, $TESTS_FAILED failed, $SECONDS s"
	rm -f "$TAP_LOG"
	[ "$TESTS_FAILED" -eq 0 ]
}

_tests_fail() {	# DESCRIPTION: a failure of the script itself
	TESTS_RUN=$((TESTS_RUN + 1))
	TESTS_FAILED=$((TESTS_FAILED + 1))
	echo "not ok $TESTS_RUN - $1"
}

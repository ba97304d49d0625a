#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel selftests (inside the test VM): each script's TAP output is
# passed through, then what run.sh found wrong with the script as a whole,
# then a summary line per script and for the run.
# usage: selftests/run.sh [TEST.sh ...]   (default: all of them)
#        selftests/run.sh --part K/N         (the K-th of N parts of the
#                                             suite, for N VMs side by side)
#
# A script passes only if it ran to its end: lib.sh's run_tests prints a TAP
# plan and a "# selftest end:" line last; the plan must match the checks
# printed, the script must exit 0 unless a check failed, no command may have
# been "not found", and it must make at least as many checks as MIN_CHECKS
# says (so that a test dropped from a script does not go unnoticed; lower a
# number only when checks are removed on purpose).
cd "$(dirname "$0")" || exit 1
# The suite, in order; a test joins it once it passes reliably.
SUITE=(link.sh control.sh relay.sh fastpath.sh miredo.sh miredo-relay.sh
	miredo-relay-fastpath.sh server.sh client.sh client-events.sh nat.sh
	hostile.sh nlfuzz.sh fuzz.sh flood.sh amplification.sh accounting.sh
	teredod.sh teredod-server.sh coverage.sh metrics.sh gso.sh anycast.sh
	discovery.sh ondemand.sh nat6081.sh hairpin.sh)
# Scripts with tests (they call run_tests) that are not in the suite yet,
# each with its reason; a script in neither list fails the run.
NOT_IN_SUITE=()
declare -A MIN_CHECKS=(
	[link.sh]=59 [control.sh]=82 [relay.sh]=61 [fastpath.sh]=131
	[miredo.sh]=19 [miredo-relay.sh]=17 [miredo-relay-fastpath.sh]=17
	[server.sh]=45 [client.sh]=42 [client-events.sh]=48 [nat.sh]=23
	[hostile.sh]=37 [nlfuzz.sh]=27 [fuzz.sh]=98 [flood.sh]=30
	[amplification.sh]=24 [accounting.sh]=5 [teredod.sh]=40
	[teredod-server.sh]=19 [coverage.sh]=134 [metrics.sh]=39 [gso.sh]=34
	[anycast.sh]=37 [discovery.sh]=42 [ondemand.sh]=34 [nat6081.sh]=58
	[hairpin.sh]=33
)
# Seconds each script took in a VM under TCG with another VM beside it
# (run.sh prints them; these from a make check of 2026-12-08): what
# --part balances (a script not listed counts 120).
declare -A WEIGHT=(
	[link.sh]=58 [control.sh]=156 [relay.sh]=356 [fastpath.sh]=324
	[miredo.sh]=28 [miredo-relay.sh]=68 [miredo-relay-fastpath.sh]=61
	[server.sh]=130 [client.sh]=115 [client-events.sh]=121 [nat.sh]=39
	[hostile.sh]=305 [nlfuzz.sh]=269 [fuzz.sh]=194 [flood.sh]=128
	[amplification.sh]=311 [accounting.sh]=92 [teredod.sh]=132
	[teredod-server.sh]=63 [coverage.sh]=207 [metrics.sh]=129
	[gso.sh]=180 [anycast.sh]=175 [discovery.sh]=147 [ondemand.sh]=138
	[nat6081.sh]=226 [hairpin.sh]=124
)
part=""
if [ "${1:-}" = --part ]; then
	part=$2
	shift 2
	[[ $part =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] &&
		[ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] ||
		{ echo "run.sh: --part K/N, 1 <= K <= N" >&2; exit 2; }
fi
tests=("$@")
if [ -n "$part" ]; then
	# longest first, each to the part with the least so far
	k=${part%/*} n=${part#*/}
	declare -a load
	for ((i = 1; i <= n; i++)); do load[i]=0; done
	while read -r w t; do
		best=1
		for ((i = 2; i <= n; i++)); do
			[ "${load[i]}" -lt "${load[best]}" ] && best=$i
		done
		load[best]=$((load[best] + w))
		[ "$best" = "$k" ] && tests+=("$t")
	done < <(for t in "${SUITE[@]}"; do echo "${WEIGHT[$t]:-120} $t"; done |
		 sort -k1,1nr -k2,2)
	# in the suite's order
	mapfile -t tests < <(for t in "${SUITE[@]}"; do
		[[ " ${tests[*]} " == *" $t "* ]] && echo "$t"; done)
fi
[ ${#tests[@]} -gt 0 ] || [ -n "$part" ] || tests=("${SUITE[@]}")
passed=0 failed=0 skipped=0
limit=1500	# coverage.sh took 840-900 s beside three other VMs
[ "${TEREDO_SLOW:-0}" = 1 ] && limit=3600	# debug kernel: KASAN, lockdep

# A failure of the run itself (not of one check)
run_fail() { echo "not ok - $*"; failed=$((failed + 1)); }

if [ $# = 0 ] && { [ -z "$part" ] || [ "${part%/*}" = 1 ]; }; then
	for f in *.sh; do
		grep -qE '^run_tests( |$)' "$f" || continue
		[[ " ${SUITE[*]} ${NOT_IN_SUITE[*]} " == *" $f "* ]] ||
			run_fail "$f has tests but is neither in SUITE nor in NOT_IN_SUITE (selftests/run.sh)"
	done
fi

for t in "${tests[@]}"; do
	t=./${t#./}
	name=${t##*/}
	echo "# ==== $name"
	if [ ! -f "$t" ]; then
		run_fail "$name: no such selftest"
		continue
	fi
	out=$(mktemp)
	t0=$SECONDS
	timeout "$limit" bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -E '^ok ' "$out" | grep -cviE '^ok [0-9]* *(- )?[^#]*# *skip')
	s=$(grep -ciE '^ok [0-9]* *(- )?[^#]*# *skip' "$out")
	f=$(grep -c '^not ok ' "$out")
	plan=$(grep -E '^1\.\.[0-9]+$' "$out")
	# what is wrong with the script as a whole, each one a failure
	problems=()
	if [ "$rc" = 124 ]; then
		problems+=("killed after ${limit} s")
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		problems+=("exited with status $rc, no check failed")
	fi
	grep -q '^# selftest end:' "$out" ||
		problems+=("did not reach its end (no \"# selftest end:\" line from run_tests)")
	if [ -z "$plan" ]; then
		problems+=("printed no TAP plan")
	elif [ "$(wc -l <<<"$plan")" != 1 ]; then
		problems+=("printed more than one TAP plan")
	elif [ "${plan#1..}" != $((p + s + f)) ]; then
		problems+=("TAP plan $plan, but $((p + s + f)) checks printed")
	fi
	if grep -q 'command not found' "$out"; then
		problems+=("a command was not found: $(grep -m 3 'command not found' "$out" | tr '\n' ' ')")
	fi
	min=${MIN_CHECKS[$name]:-0}
	[ $((p + s + f)) -ge "$min" ] ||
		problems+=("$((p + s + f)) checks, fewer than the $min it makes (MIN_CHECKS in selftests/run.sh)")
	for pb in "${problems[@]}"; do
		echo "not ok - $name: $pb"
		f=$((f + 1))
	done
	echo "# $name: $p passed, $f failed, $s skipped; $((SECONDS - t0)) s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	rm -f "$out"
	# a test killed by its timeout leaves its namespaces and daemons
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns"
	done
done
# Nothing may hold the module once every device is gone.
for d in $(ip -o link show type teredo 2>/dev/null | awk -F': ' '{print $2}'); do
	ip link del "${d%@*}"
done
if grep -q '^teredo ' /proc/modules; then
	if modprobe -r teredo; then
		echo "ok - module unloads after the tests"; passed=$((passed + 1))
	else
		echo "not ok - module unloads after the tests"; failed=$((failed + 1))
	fi
fi
echo "# selftests: $passed passed, $failed failed, $skipped skipped; ${#tests[@]} scripts run"
[ "$failed" = 0 ]

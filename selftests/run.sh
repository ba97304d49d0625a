#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel selftests (inside the test VM): each script's TAP output is
# passed through, followed by a summary line.
# usage: selftests/run.sh [TEST.sh ...]   (default: all of them)
cd "$(dirname "$0")" || exit 1
# The suite, in order; a test joins it once it passes reliably.
SUITE=(link.sh relay.sh fastpath.sh miredo.sh miredo-relay.sh
	miredo-relay-fastpath.sh server.sh client.sh client-events.sh nat.sh coverage.sh)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${SUITE[@]}")
passed=0 failed=0
limit=900
[ "${TEREDO_SLOW:-0}" = 1 ] && limit=3600	# debug kernel: KASAN, lockdep
for t in "${tests[@]}"; do
	t=./${t#./}
	echo "# ==== ${t##*/}"
	out=$(mktemp)
	timeout "$limit" bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - ${t##*/} exited with an error"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
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
echo "# selftests: $passed passed, $failed failed"
[ "$failed" = 0 ]

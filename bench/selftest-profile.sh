#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where a selftest's time goes: the scripts run in a VM (under TCG, as in
# make check) with BSD process accounting on, then a table of the
# programs they started, how often and the CPU they took, and the guest's
# busy and idle time (docs/TESTING.md, "What the suite's time goes to").
# usage: bench/selftest-profile.sh TEST.sh...
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -gt 0 ] || { echo "usage: $0 TEST.sh..." >&2; exit 2; }
out=build/selftest-profile
rm -rf "$out" && mkdir -p "$out"
# shellcheck disable=SC2016 # run by bash -c in the guest
scripts/vm-run --quiet --timeout 7200 --out "$out" -- bash -c '
	cpu() { read -r _ u n s i _ _ q _ </proc/stat; echo $((u + n + s + q)) $i; }
	python3 bench/acct.py on /tmp/acct
	read -r b0 i0 <<<"$(cpu)"
	t=$SECONDS
	selftests/run.sh "$@" >/tmp/profile.out 2>&1
	st=$?
	read -r b1 i1 <<<"$(cpu)"
	python3 bench/acct.py off
	grep -E "^# selftests:|^not ok|^# [a-z0-9-]+\.sh: " /tmp/profile.out
	echo "# $((SECONDS - t)) s; guest CPU busy $(((b1 - b0) / 100)) s, idle $(((i1 - i0) / 100)) s ($(nproc) vCPUs)"
	python3 bench/acct.py report /tmp/acct
	exit $st' profile "$@"
st=$?
cat "$out/output"
exit $st

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exact instruction profile of benchmark scenarios: boots the icount VM with
# bench/insnprof.so (a QEMU TCG plugin counting every executed instruction
# of the guest) and runs bench/guest.sh with BENCH_PROFILE=insn, one window
# per scenario/contender; then prints, per window, the functions that
# executed the most instructions per packet, and the per-function difference
# between the first window and each of the others.
#
# usage: bench/profile.sh REGEXP [TOP]
#   REGEXP picks scenario/contender pairs as BENCH_ONLY does, e.g.
#   'decap-small/(teredo|fou-sit)'; TOP functions per table (default 40).
# Output in build/profile/: insnprof.N (address, instructions, executions
# per translated block), insnprof.windows, kallsyms, the VM's log.
# bench/results.json is not touched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ $# -ge 1 ] || { sed -n 3,15p "$0" >&2; exit 2; }
only=$1 top=${2:-40}
out=$repo/build/profile
mkdir -p "$out" build/bench
cc -O2 -Wall -Wextra -shared -fPIC -o build/bench/insnprof.so bench/insnprof.c

# The window's start and stop (the guest's setdomainname and sethostname)
# at their addresses without KASLR: one short boot reads /proc/kallsyms.
kver=$(basename "$(ls -1v /boot/vmlinuz-*-amd64 | tail -n 1)")
syms=build/bench/kallsyms-${kver#vmlinuz-}
if [ ! -s "$syms" ]; then
	rm -rf "$out/ksyms"
	TEREDO_CMDLINE=nokaslr scripts/vm-run --quiet --out "$out/ksyms" -- \
		sh -c 'cat /proc/kallsyms >/run/vm/out/kallsyms'
	mv "$out/ksyms/kallsyms" "$syms"
fi
addr() { awk -v s="$1" '$3 == s && $1 !~ /^0+$/ { print "0x" $1; exit }' "$syms"; }
start=$(addr __x64_sys_setdomainname) stop=$(addr __x64_sys_sethostname)
[ -n "$start" ] && [ -n "$stop" ] || { echo "profile: no syscall addresses in $syms" >&2; exit 1; }

rm -f "$out"/insnprof.* "$out/kallsyms"
TEREDO_CMDLINE=nokaslr \
TEREDO_QEMU_ARGS="-plugin $repo/build/bench/insnprof.so,start=$start,stop=$stop,out=$out/insnprof" \
BENCH_MODE=icount BENCH_PROFILE=insn BENCH_RUNS=2 BENCH_ONLY=$only BENCH_OUT=$out \
BENCH_RESULTS=$out/results.json \
	bench/run.sh >/dev/null
python3 bench/insnprof.py "$out" "$top"

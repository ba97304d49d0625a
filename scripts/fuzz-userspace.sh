#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# teredod's parsers under libFuzzer (userspace/fuzz), as TAP: build the
# fuzzers (clang, with ASan and UBSan), replay each target's checked-in
# corpus (seeds and the inputs of fixed bugs), then fuzz each target for
# FUZZ_SECONDS (default 60) seconds, FUZZ_JOBS (default: the number of
# CPUs) at a time. FUZZ_TARGETS limits the targets. Logs, new inputs and
# crash reproducers go to FUZZ_OUT (default build/fuzz). Exits 1 on any
# failure. Needs clang and libclang-rt-14-dev (scripts/install-deps.sh).

set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
dir=$root/userspace/fuzz
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc)}
out=${FUZZ_OUT:-$root/build/fuzz}
targets=${FUZZ_TARGETS:-client server conf proto ctl}
start=$(date +%s)
n=0
fail=0

echo "TAP version 13"
ok() { n=$((n + 1)); echo "ok $n - fuzz $*"; }
ko() { n=$((n + 1)); echo "not ok $n - fuzz $*"; fail=1; }
comment() { sed 's/^/#   /'; }

# The head of a sanitizer's or the harness's report in a libFuzzer log.
report_head() {
	grep -m1 -A12 -E '^==[0-9]+== ?ERROR|runtime error:|invariant violated' "$1" |
		grep -v -e '^ *$' -e 'in fuzzer::' -e 'libc_start' |
		sed 's/ (BuildId: [0-9a-f]*)//' | head -10 | comment
}

# Run a fuzzer or a replay (log in $2); print "not ok" with the
# reproducer and the report head if it failed.
failed() {	# description, log, status
	local art

	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$2" | tail -1)
	[ -n "$art" ] || art=$(sed -n 's/^Running: //p' "$2" | tail -1)
	ko "$1: status $3, reproducer: ${art:-none}, log: $2"
	report_head "$2"
}

mkdir -p "$out"
if ! make -C "$dir" -j"$jobs" >"$out/build.log" 2>&1; then
	ko "build: clang and libFuzzer needed (log: $out/build.log)"
	tail -15 "$out/build.log" | comment
	echo "1..$n"
	exit 1
fi
ok "build: $(for t in $targets; do printf 'fuzz_%s ' "$t"; done | sed 's/ $//')"

# the checked-in corpus first: every seed and regression input, once
for t in $targets; do
	files=("$dir/corpus/$t"/*)
	log=$out/$t-replay.log
	"$dir/fuzz_$t" "${files[@]}" >"$log" 2>&1
	st=$?
	if [ $st = 0 ]; then
		ok "$t: corpus replayed, ${#files[@]} inputs, no crash"
	else
		failed "$t: corpus replay" "$log" $st
	fi
done

[ "$secs" -gt 0 ] 2>/dev/null || { echo "1..$n"; exit $fail; }

# then fuzzing, FUZZ_JOBS targets at a time; new inputs go to the work
# directory, the checked-in corpus is only read
fuzz() {	# target
	local t=$1 dict=()

	rm -rf "$out/$t"
	mkdir -p "$out/$t"
	[ -f "$dir/$t.dict" ] && dict=(-dict="$dir/$t.dict")
	"$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$out/$t/" "$out/$t" "$dir/corpus/$t" \
		>"$out/$t.log" 2>&1
	echo $? >"$out/$t.status"
}

running=0
for t in $targets; do
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz "$t" &
	running=$((running + 1))
done
wait

total=0
for t in $targets; do
	log=$out/$t.log
	st=$(cat "$out/$t.status" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	total=$((total + ${execs:-0}))
	if [ "$st" = 0 ] && [ -n "$execs" ]; then
		ok "$t: $execs execs in ${time:-$secs}s, no crash"
	else
		failed "$t: after ${execs:-?} execs" "$log" "$st"
	fi
done
echo "# fuzz: $total execs, $(($(date +%s) - start)) s in all"
echo "1..$n"
exit $fail

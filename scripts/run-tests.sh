#!/bin/bash
# Run every test: userspace unit tests on this machine, the static checks,
# then the kernel selftests in one VM boot. Ends with "N passed, N failed".
# usage: scripts/run-tests.sh [--debug] [selftest.sh ...]
#   --debug  boot the debug kernel (KASAN, lockdep, kmemleak; see
#            scripts/build-debug-kernel.sh) instead of Debian's
#
# No stage passes by saying nothing: each one must exit 0 unless a test
# failed, print TAP whose plans match the tests printed, and run at least
# what it is known to have (the minimums below; the static checks and each
# selftest script declare their own). A "# SKIP" is not a pass: skips are
# counted apart and listed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
debug=0
[ "${1:-}" = --debug ] && { debug=1; shift; }

# The unit tests counted at the last change of their number: lower it only
# when tests are removed on purpose. One TAP stream per directory.
UNIT_MIN=598
UNIT_STREAMS=2
# The module against 6.1, 6.12 and sid's newest (scripts/kernel-builds.sh),
# and the boot test's checks: make deb, lintian, the guest's checks, its
# kernel log (scripts/boot-test.sh, scripts/boot-test/checks.sh).
KBUILD_MIN=3
BOOT_MIN=36

passed=0 failed=0 skipped=0
out=$repo/build/test
rm -rf "$out"; mkdir -p "$out"
: >"$out/skipped"

fail() { echo "not ok - $*"; failed=$((failed + 1)); }
# ok, skipped and not ok lines of a TAP file, added to the totals
count() {	# TAP-FILE
	local s

	s=$(grep -ciE '^ok\b[^#]*# *skip' "$1")
	grep -iE '^ok\b[^#]*# *skip' "$1" >>"$out/skipped"
	passed=$((passed + $(grep -c '^ok\b' "$1") - s))
	skipped=$((skipped + s))
	failed=$((failed + $(grep -c '^not ok\b' "$1")))
}
tests_in() { grep -cE '^(not )?ok\b' "$1"; }
# Each TAP stream of the file ("TAP version" starts one) has exactly one
# plan, before or after its tests, that matches the number of its tests;
# there are as many streams as expected. Prints what is wrong.
tap_plans() {	# TAP-FILE STREAMS
	awk -v want="$2" '
	function close_stream() {
		if (!started) return
		if (plans != 1) printf "stream %d: %d TAP plans, want 1\n", streams, plans
		else if (plan != n) printf "stream %d: plan 1..%d, but %d tests\n", streams, plan, n
	}
	/^TAP version/ { close_stream(); started = 1; streams++; n = 0; plans = 0; next }
	/^(not )?ok( |$)/ { if (!started) { started = 1; streams++ } n++ }
	/^1\.\.[0-9]+$/ { if (!started) { started = 1; streams++ } plans++; plan = substr($0, 4) + 0 }
	END {
		close_stream()
		if (streams != want) printf "%d TAP streams, want %d\n", streams, want
	}' "$1"
}
# The stage's problems, each a failure: its exit status, its plans, its minimum.
verify() {	# NAME TAP-FILE STATUS STREAMS MIN
	local why

	[ "$3" = 0 ] || [ "$(grep -c '^not ok\b' "$2")" != 0 ] ||
		fail "$1: exited with status $3, no test failed"
	while IFS= read -r why; do
		[ -n "$why" ] && fail "$1: $why"
	done <<<"$(tap_plans "$2" "$4")"
	[ "$(tests_in "$2")" -ge "$5" ] ||
		fail "$1: $(tests_in "$2") tests, want at least $5"
}
finish() {
	if [ -s "$out/skipped" ]; then
		echo "== skipped (not counted as passed):"
		sed 's/^/#   /' "$out/skipped"
	fi
	echo "# unit $unit, fuzz $fuzz, static $static, kernels $kbuild, boot $boot, VM $vm (of which $reference check the reference, Miredo alone); $skipped skipped"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
unit=0 fuzz=0 static=0 kbuild=0 boot=0 vm=0 reference=0

echo "== userspace unit tests"
make -s -j"$(nproc)" -C userspace check 2>&1 | tee "$out/unit.tap"
st=${PIPESTATUS[0]}
count "$out/unit.tap"
verify "userspace unit tests (make -C userspace check)" "$out/unit.tap" "$st" \
	"$UNIT_STREAMS" "$UNIT_MIN"
unit=$(tests_in "$out/unit.tap")

# teredod's parsers under libFuzzer: the corpus replayed, then each target
# fuzzed FUZZ_SECONDS (longer runs: scripts/fuzz-userspace.sh alone)
echo "== userspace fuzzers"
FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz-userspace.sh 2>&1 | tee "$out/fuzz.tap"
st=${PIPESTATUS[0]}
count "$out/fuzz.tap"
verify "userspace fuzzers (scripts/fuzz-userspace.sh)" "$out/fuzz.tap" "$st" 1 11
fuzz=$(tests_in "$out/fuzz.tap")

echo "== static checks"
scripts/static-checks.sh 2>&1 | tee "$out/static.tap"
st=${PIPESTATUS[0]}
count "$out/static.tap"
verify "static checks (scripts/static-checks.sh)" "$out/static.tap" "$st" 1 1
static=$(tests_in "$out/static.tap")

echo "== kernel builds (teredo-dkms's source: 6.1, 6.12, sid)"
scripts/kernel-builds.sh 2>&1 | tee "$out/kbuild.tap"
st=${PIPESTATUS[0]}
count "$out/kbuild.tap"
verify "kernel builds (scripts/kernel-builds.sh)" "$out/kbuild.tap" "$st" 1 "$KBUILD_MIN"
kbuild=$(tests_in "$out/kbuild.tap")

echo "== kernel selftests (VM)"
# The suite in TEREDO_VM_PARTS parts (default 2), one VM each, side by
# side: the tests spend most of their time waiting, and two VMs of two
# vCPUs keep two host CPUs busier than one. Named scripts: one VM.
parts=${TEREDO_VM_PARTS:-2}
[ $# -gt 0 ] && parts=1
vmargs=(--quiet --timeout "${TEREDO_VM_TIMEOUT:-4200}")
if [ "$debug" = 1 ]; then
	eval "$(scripts/build-debug-kernel.sh | grep -E '^(KERNEL|MODULES|KDIR)=')"
	if ! module=$(scripts/build-module.sh "${KDIR:-}"); then
		fail "the module builds against the debug kernel"
		finish
	fi
	vmargs+=(--kernel "$KERNEL" --modules "$MODULES" --module "$module" --mem 2G)
fi
slow=0
[ "$debug" = 1 ] && slow=1
# A guest that has not started its init (its log not copied yet) after
# BOOT_WAIT seconds is stuck in early boot (a TCG guest starved of CPU can
# lose its timer interrupts there): it is stopped and booted once more.
BOOT_WAIT=${TEREDO_BOOT_WAIT:-300}
# After the parts, beside the boot test, gso.sh again on Debian 12's 6.12
# (bookworm-backports): the module merges received datagrams (GRO) only on
# kernels newer than 6.1 (kernel/compat.h), and this is where that is
# tested. Beside the parts it would make three VMs on two CPUs; the boot
# test alone leaves one CPU idle.
nvm=$parts k612=""
if [ "$debug" = 0 ] && [ $# -eq 0 ] && [ "${TEREDO_612:-1}" = 1 ]; then
	if eval "$(scripts/fetch-kernel.sh 6.12 2>"$out/k612.log" |
		   grep -E '^(KERNEL|MODULES|KDIR)=' | sed 's/^/K612_/')" &&
	   mod612=$(scripts/build-module.sh "$K612_KDIR" 2>>"$out/k612.log"); then
		nvm=$((parts + 1)) k612=$nvm
	else
		fail "Debian's 6.12 fetched and the module built for it (see $out/k612.log)"
	fi
fi
start_vm() {	# K: starts VM K in the background, its PID in pids[K]
	local sel=("${@:2}") args=("${vmargs[@]}")

	if [ "$1" = "$k612" ]; then
		args+=(--kernel "$K612_KERNEL" --modules "$K612_MODULES" --module "$mod612")
		sel=(gso.sh)
	elif [ "$parts" -gt 1 ]; then
		sel=(--part "$1/$parts")
	fi
	scripts/vm-run "${args[@]}" --out "$out/vm$1" -- \
		env TEREDO_SLOW=$slow selftests/run.sh "${sel[@]}" &
	pids[$1]=$!
}
booted() {	# K: true once VM K's init runs, false if it never will
	local t

	for ((t = 0; t < BOOT_WAIT; t += 5)); do
		[ -s "$out/vm$1/kmsg" ] && return 0
		kill -0 "${pids[$1]}" 2>/dev/null || return 0
		sleep 5
	done
	return 1
}
# VMs FIRST..LAST started, booted (once more if stuck) and waited for
start_vms() {	# FIRST LAST [selftest.sh ...]
	local k first=$1 last=$2

	shift 2
	for ((k = first; k <= last; k++)); do
		start_vm "$k" "$@"
		sleep 2
	done
	for ((k = first; k <= last; k++)); do
		booted "$k" && continue
		echo "# VM $k did not reach its init in ${BOOT_WAIT} s: booted again"
		pkill -f "id=out,path=$out/vm$k,"
		wait "${pids[k]}"
		start_vm "$k" "$@"
		booted "$k" || echo "# VM $k did not reach its init again"
	done
}
wait_vms() {	# FIRST LAST
	local k

	for ((k = $1; k <= $2; k++)); do
		wait "${pids[k]}"
		rcs[k]=$?
	done
}
pids=()
start_vms 1 "$parts" "$@"
wait_vms 1 "$parts"

# Not beside the selftests' VMs: it builds the module and the packages and
# would slow their timed checks. The 6.12 VM runs beside its VM, once the
# packages are built (make deb cleans the tree's userspace first).
echo "# the boot test runs (its output after the VMs')"
scripts/boot-test.sh "$out/boot" >"$out/boot.tap" 2>&1 &
boot_pid=$!
if [ -n "$k612" ]; then
	while kill -0 "$boot_pid" 2>/dev/null && [ ! -e "$out/boot/vm-run.log" ]; do
		sleep 2
	done
	# stopped before its VM (make deb failed): the userspace it cleaned
	[ -e "$out/boot/vm-run.log" ] || make -s -C userspace all >"$out/k612-userspace.log" 2>&1
	start_vms "$k612" "$k612"
fi
wait "$boot_pid"
boot_st=$?
[ -n "$k612" ] && wait_vms "$k612" "$k612"

echo "== kernel selftests (VM): results"
for ((k = 1; k <= nvm; k++)); do
	vmout=$out/vm$k
	before=$failed
	touch "$vmout/output"
	if [ "$k" = "$k612" ]; then
		echo "# ==== VM $k: gso.sh on $(basename "$K612_MODULES")"
	elif [ "$parts" -gt 1 ]; then
		echo "# ==== VM $k of $parts"
	fi
	tee "$out/selftests$k.tap" <"$vmout/output" | grep -v '^ok '
	count "$out/selftests$k.tap"
	cat "$out/selftests$k.tap" >>"$out/selftests.tap"
	if [ ! -s "$vmout/rc" ]; then
		fail "VM $k did not finish (see $vmout/console.log)"
	fi
	# selftests/run.sh's last line: it went through its whole list, and its
	# count is the count of the lines that came back
	sum=$(grep -E '^# selftests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped; [0-9]+ scripts run$' \
		"$out/selftests$k.tap" | tail -n 1)
	if [ -z "$sum" ]; then
		fail "selftests/run.sh in VM $k did not finish (no \"# selftests:\" summary)"
	else
		read -r _ _ p _ f _ s _ <<<"$sum"
		want="$(($(grep -c '^ok\b' "$out/selftests$k.tap") - $(grep -ciE '^ok\b[^#]*# *skip' "$out/selftests$k.tap"))) $(grep -c '^not ok\b' "$out/selftests$k.tap") $(grep -ciE '^ok\b[^#]*# *skip' "$out/selftests$k.tap")"
		[ "$p $f $s" = "$want" ] ||
			fail "selftests/run.sh in VM $k counted $p passed, $f failed, $s skipped; its output has $want"
	fi
	[ "${rcs[k]}" = 0 ] || [ "$failed" != "$before" ] ||
		fail "scripts/vm-run (VM $k) exited with status ${rcs[k]}, no selftest failed"
	# The guest's kernel log, read here whatever the tests said.
	if scripts/vm/log-check "$vmout" >"$out/log-check$k" 2>&1; then
		echo "ok - guest kernel log clean (VM $k)"
		passed=$((passed + 1))
	else
		fail "guest kernel log clean (VM $k; see $vmout/kmsg, $vmout/dmesg)"
		sed 's/^/#   /' "$out/log-check$k"
	fi
done
vm=$(tests_in "$out/selftests.tap")
reference=$(grep -cE '^ok [0-9]+ - reference: ' "$out/selftests.tap")
[ "$vm" -gt 0 ] || fail "no selftest ran"

echo "== boot test (packages, DKMS, systemd as PID 1)"
cat "$out/boot.tap"
count "$out/boot.tap"
verify "boot test (scripts/boot-test.sh)" "$out/boot.tap" "$boot_st" 1 "$BOOT_MIN"
boot=$(tests_in "$out/boot.tap")
finish

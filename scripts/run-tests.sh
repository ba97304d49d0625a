#!/bin/bash
# Run every test: userspace unit tests on this machine, then the kernel
# selftests in one VM boot. Ends with "N passed, N failed".
# usage: scripts/run-tests.sh [--debug] [selftest.sh ...]
#   --debug  boot the debug kernel (KASAN, lockdep, kmemleak; see
#            scripts/build-debug-kernel.sh) instead of Debian's
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
debug=0
[ "${1:-}" = --debug ] && { debug=1; shift; }

passed=0 failed=0
count() {	# TAP file
	passed=$((passed + $(grep -c '^ok ' "$1")))
	failed=$((failed + $(grep -c '^not ok ' "$1")))
}
out=$repo/build/test
rm -rf "$out"; mkdir -p "$out"

echo "== userspace unit tests"
make -s -C userspace check 2>&1 | tee "$out/unit.tap"
count "$out/unit.tap"

echo "== static checks"
scripts/static-checks.sh 2>&1 | tee "$out/static.tap"
count "$out/static.tap"

echo "== kernel selftests (VM)"
vmargs=(--quiet --out "$out/vm")
if [ "$debug" = 1 ]; then
	eval "$(scripts/build-debug-kernel.sh | grep -E '^(KERNEL|MODULES|KDIR)=')"
	module=$(scripts/build-module.sh "$KDIR") || exit 1
	vmargs+=(--kernel "$KERNEL" --modules "$MODULES" --module "$module" --mem 2G)
fi
slow=0
[ "$debug" = 1 ] && slow=1
scripts/vm-run "${vmargs[@]}" -- env TEREDO_SLOW=$slow selftests/run.sh "$@"
rc=$?
cat "$out/vm/output" 2>/dev/null | tee "$out/selftests.tap" | grep -v '^ok '
before=$((passed + failed))
count "$out/selftests.tap"
if [ $((passed + failed)) = "$before" ]; then
	echo "not ok - no selftest ran"
	failed=$((failed + 1))
fi
if [ ! -s "$out/vm/rc" ]; then
	echo "not ok - the VM did not finish (see $out/vm/console.log)"
	failed=$((failed + 1))
elif [ "$rc" != 0 ] && [ "$(cat "$out/vm/rc")" = 0 ]; then
	echo "not ok - guest kernel log clean (see $out/vm/dmesg)"
	failed=$((failed + 1))
else
	echo "ok - guest kernel log clean"
	passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

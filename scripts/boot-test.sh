#!/bin/bash
# The packages and a real boot, as TAP: make deb, lintian on what it
# built, then a VM booting systemd as PID 1 with the packages installed
# before its boot (scripts/boot-test/prepare.sh: dpkg -i, so DKMS builds
# the module for the guest kernel) and the checks of what came up
# (scripts/boot-test/checks.sh). Ends with the guest kernel log's check.
#
# usage: scripts/boot-test.sh [OUT-DIR]     (default build/boot-test)
# TEREDO_BOOT_TIMEOUT: the VM's limit in seconds (default 1800).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/build/boot-test}
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
cd "$repo" || exit 1
n=0 failed=0 t0=$(date +%s)
ok() { n=$((n + 1)); echo "ok $n - $*"; }
ko() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
indent() { sed 's/^/#   /' "$@" | tail -n "${lines:-30}"; }

echo "TAP version 13"
t=$(date +%s)
if make -s deb >"$out/deb.log" 2>&1 &&
   ls build/deb/teredo-dkms_*_all.deb build/deb/teredod_*_amd64.deb >/dev/null; then
	ok "make deb: teredo-dkms and teredod built ($(($(date +%s) - t)) s)"
else
	ko "make deb: teredo-dkms and teredod built (see $out/deb.log)"
	indent "$out/deb.log"
	echo "1..$n"
	exit 1
fi

t=$(date +%s)
changes=$(ls build/deb/teredo_*.changes)
if lintian --fail-on error,warning "$changes" >"$out/lintian.log" 2>&1; then
	ok "lintian: no error, no warning ($(grep -c '^[EWIPX]:' "$out/lintian.log") other tags; $(($(date +%s) - t)) s)"
else
	ko "lintian: no error, no warning"
	indent "$out/lintian.log"
fi

t=$(date +%s)
scripts/vm-run --systemd --prepare scripts/boot-test/prepare.sh --mem 2G \
	--quiet --timeout "${TEREDO_BOOT_TIMEOUT:-1800}" --out "$out/vm" -- \
	scripts/boot-test/checks.sh >"$out/vm-run.log" 2>&1
rc=$?
touch "$out/vm/output"
# the guest's TAP, numbered after ours
awk -v n="$n" '
	/^ok [0-9]+ /     { sub(/^ok [0-9]+/, "ok " ++n) }
	/^not ok [0-9]+ / { sub(/^not ok [0-9]+/, "not ok " ++n) }
	/^(TAP version|1\.\.)/ { next }
	{ print }' "$out/vm/output"
guest=$(grep -cE '^(not )?ok [0-9]+ ' "$out/vm/output")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out/vm/output")
n=$((n + guest))
grep -q '^not ok ' "$out/vm/output" && failed=1
if ! grep -q '^# boot test end$' "$out/vm/output" || [ "$plan" != "$guest" ]; then
	ko "the boot test ran to its end (plan ${plan:-none}, $guest checks; see $out/vm/console.log)"
	[ -s "$out/vm/prepare.log" ] && lines=15 indent "$out/vm/prepare.log"
	lines=15 indent "$out/vm-run.log"
elif [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
	ko "scripts/vm-run exited with status $rc, no check failed"
	indent "$out/vm-run.log"
fi
echo "# prepare: $(grep -h '^prepare: dpkg' "$out/vm/prepare.log" 2>/dev/null)"
echo "# VM: $(($(date +%s) - t)) s"
if scripts/vm/log-check "$out/vm" >"$out/log-check" 2>&1; then
	ok "guest kernel log clean (boot test)"
else
	ko "guest kernel log clean (boot test; see $out/vm/kmsg)"
	indent "$out/log-check"
fi
echo "1..$n"
echo "# boot test: $(($(date +%s) - t0)) s"
exit "$failed"

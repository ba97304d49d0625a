#!/bin/bash
# The packages and a real boot, as TAP: make deb, lintian on what it
# built, then a VM booting systemd as PID 1 with the packages installed
# before its boot (scripts/boot-test/prepare.sh: dpkg -i, so DKMS builds
# the module for the guest kernel) and the checks of what came up
# (scripts/boot-test/checks.sh). Ends with the guest kernel log's check.
#
# DKMS: compiling the module in the guest under TCG takes over 15 min on
# a 2-CPU machine, so by default DKMS builds it here, chroot-less (dkms
# build from the package's /usr/src, in a private mount namespace whose
# framework.conf points DKMS at a temporary tree and signs nothing: the
# host's /var/lib/dkms and /lib/modules are not touched) for the guest's
# kernel, and makes a binaries-only DKMS tarball of it that prepare.sh
# puts where the package's postinst looks for one; the guest's postinst
# then loads it (dkms ldtarball) and installs it (dkms install).
# TEREDO_BOOT_DKMS=guest: the guest's postinst compiles it instead.
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

# the guest's kernel: vm-run's default
kernel=$(ls -1v /boot/vmlinuz-*-amd64 2>/dev/null | tail -n 1)
kver=${kernel##*/vmlinuz-}
ver=$(dpkg-parsechangelog -S Version)
if [ "${TEREDO_BOOT_DKMS:-host}" = host ]; then
	t=$(date +%s)
	d=$out/dkms
	rm -rf "$d" && mkdir -p "$d/tree" "$d/inst"
	dpkg-deb -x "build/deb/teredo-dkms_${ver}_all.deb" "$d/pkg"
	printf 'source_tree="%s"\ndkms_tree="%s"\ninstall_tree="%s"\nsign_file=/nonexistent\n' \
		"$d/pkg/usr/src" "$d/tree" "$d/inst" >"$d/framework.conf"
	tarball=$d/teredo-$ver.dkms.tar.gz
	# shellcheck disable=SC2016 # run by sh -c, with its arguments
	if unshare -m sh -c 'mount --bind "$1" /etc/dkms/framework.conf &&
		dkms add -m teredo -v "$2" && dkms build -m teredo -v "$2" -k "$3" &&
		dkms mktarball -m teredo -v "$2" -k "$3" --binaries-only --archive "$4"' \
		sh "$d/framework.conf" "$ver" "$kver" "$tarball" >"$d/dkms.log" 2>&1 &&
	   [ "$(modinfo -F vermagic "$d/tree/teredo/$ver/$kver/x86_64/module/teredo.ko" |
		cut -d' ' -f1)" = "$kver" ]; then
		ok "dkms build of teredo-dkms's source for $kver, on this host ($(($(date +%s) - t)) s)"
		cp "$tarball" build/deb/
	else
		ko "dkms build of teredo-dkms's source for $kver, on this host"
		indent "$d/dkms.log"
	fi
else
	echo "# DKMS compiles the module in the guest (TEREDO_BOOT_DKMS=guest)"
	rm -f build/deb/teredo-*.dkms.tar.gz
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
echo "# prepare: $(grep -h '^dpkg -i' "$out/vm/prepare.log" 2>/dev/null)"
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

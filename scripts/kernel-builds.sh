#!/bin/bash
# teredo-dkms's source compiled as DKMS compiles it ("make -C KDIR M=DIR
# KERNELRELEASE=KVER modules", its default with our dkms.conf) against the
# kernels Debian users run: Debian 12's 6.1 (the installed headers),
# bookworm-backports' 6.12, which Debian 13 ships too
# (scripts/fetch-headers.sh), and the newest in sid, whose headers need a
# newer gcc than Debian 12's: its linux-source tree prepared with gcc-12
# (scripts/kernel-tree.sh). TAP: a check per kernel, no compiler warning.
# Downloads and trees are cached under /var/cache/teredo.
#
# usage: scripts/kernel-builds.sh [SERIES...]    (default: 6.1 6.12 sid)
# The source: build/deb/teredo-dkms_*_all.deb's /usr/src/teredo-VERSION
# when make deb built one, else the same files from this tree.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
[ $# -gt 0 ] || set -- 6.1 6.12 sid
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
ko() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/teredo-kbuild.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
src=$tmp/src
deb=$(ls -t build/deb/teredo-dkms_*_all.deb 2>/dev/null | head -n 1)
if [ -n "$deb" ]; then
	dpkg-deb -x "$deb" "$tmp/deb" && mv "$tmp"/deb/usr/src/teredo-* "$src" ||
		{ echo "Bail out! cannot unpack $deb"; exit 1; }
	echo "# source: $deb"
else
	mkdir -p "$src" && cp -a Kbuild kernel include dkms.conf "$src/"
	echo "# source: this tree (no build/deb/teredo-dkms_*_all.deb)"
fi

for s in "$@"; do
	t=$(date +%s)
	case $s in
	6.1) what="Debian 12"; kdir=$(make -s print-kdir) ;;
	6.12) what="bookworm-backports, Debian 13"
	      kdir=$(scripts/fetch-headers.sh 6.12 2>"$tmp/get.log" | tail -n 1) ;;
	sid) what="sid, the newest, tree from linux-source with gcc-12"
	     kdir=$(scripts/kernel-tree.sh sid 2>"$tmp/get.log" | tail -n 1) ;;
	*) ko "unknown kernel series $s (6.1, 6.12 or sid)"; continue ;;
	esac
	if [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; then
		ko "kernel $s ($what): no kernel tree"
		sed 's/^/#   /' "$tmp/get.log" 2>/dev/null | tail -n 20
		continue
	fi
	# Debian's headers: include/config/kernel.release is upstream's
	# version, the vermagic is UTS_RELEASE (as the top Makefile reads it)
	kver=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
	b=$tmp/build-$s
	cp -a "$src" "$b"
	# sid's tree has no Module.symvers (not linked): modpost can only warn
	if KBUILD_MODPOST_WARN=$([ "$s" = sid ] && echo 1) \
	   make -j"$(nproc)" KERNELRELEASE="$kver" -C "$kdir" M="$b" modules \
		>"$tmp/$s.log" 2>&1 &&
	   [ "$(modinfo -F vermagic "$b/teredo.ko" 2>/dev/null | cut -d' ' -f1)" = "$kver" ] &&
	   ! grep -E ':[0-9]+:[0-9]+: (warning|error):' "$tmp/$s.log" >/dev/null; then
		ok "teredo.ko builds for $kver ($what), no compiler warning ($(($(date +%s) - t)) s)"
	else
		ko "teredo.ko builds for ${kver:-$s} ($what), no compiler warning"
		echo "#   vermagic: $(modinfo -F vermagic "$b/teredo.ko" 2>&1)"
		grep -E -A3 ':[0-9]+:[0-9]+: (warning|error):|Error' "$tmp/$s.log" |
			head -n 40 | sed 's/^/#   /'
	fi
done
echo "1..$n"
exit "$failed"

#!/bin/sh
# Fetch the Debian bookworm-backports kernel image whose version matches the
# headers scripts/fetch-headers.sh uses for a kernel series, so that a
# teredo.ko built against those headers (same vermagic) can be loaded in the
# test VM, without touching the system's apt configuration or dpkg database.
#
# Usage: scripts/fetch-kernel.sh [SERIES]      (SERIES default 6.12)
#
#   eval "$(scripts/fetch-kernel.sh 6.12 | tail -n 3)"
#   mod=$(scripts/build-module.sh "$KDIR")
#   scripts/vm-run --kernel "$KERNEL" --modules "$MODULES" --module "$mod" \
#       -- selftests/run.sh link.sh
#
# What it does:
#   * runs scripts/fetch-headers.sh SERIES for the headers' version VER and
#     its package version (headers/VER/.packages);
#   * private apt config (own sources.list with only bookworm-backports main,
#     own lists/cache/status under $TEREDO_CACHE/kernel/.apt) to download
#     linux-image-VER-amd64 (the signed image; linux-image-VER-amd64-unsigned
#     when that one is missing) of exactly the headers' package version;
#   * dpkg-deb -x into $TEREDO_CACHE/kernel/VER/ (TEREDO_CACHE defaults to
#     /var/cache/teredo), then depmod -b on that root: the package leaves
#     modules.dep to its postinst, and vm-run needs it to put 9p and its
#     dependencies (modules in Debian's kernel) into its initramfs.
#
# If the headers' exact version has no image in bookworm-backports any more
# (a newer upload replaced it), the headers are fetched again with
# TEREDO_HEADERS_UPDATE=1 (the newest version, which has both) and the image
# of that version is downloaded: headers and image always agree.
#
# If VER is already in the cache it is used without any network access.
# The last lines printed on stdout are
#   KERNEL=<.../boot/vmlinuz-VER-amd64>
#   MODULES=<.../lib/modules/VER-amd64>
#   KDIR=<the headers' KDIR>
set -eu

die() { echo "fetch-kernel: error: $*" >&2; exit 1; }

series="${1:-6.12}"
case "$series" in
*[!0-9.]* | .* | *. | *..* | "") die "bad SERIES '$series' (expected e.g. 6.12)" ;;
esac
case "$series" in *.*) ;; *) die "bad SERIES '$series' (expected e.g. 6.12)" ;; esac

here=$(cd "$(dirname "$0")" && pwd)
cache="${TEREDO_CACHE:-/var/cache/teredo}"
kdir_top="$cache/kernel"
mkdir -p "$kdir_top" || die "cannot create $kdir_top"

# headers VER and their package version, from fetch-headers.sh
headers() {
	kdir=$("$here/fetch-headers.sh" "$series" | tail -n 1) ||
		die "scripts/fetch-headers.sh $series failed"
	[ -f "$kdir/Makefile" ] || die "fetch-headers.sh gave no KDIR ($kdir)"
	ver=${kdir##*/linux-headers-}
	ver=${ver%-amd64}
	hpkg="$cache/headers/$ver/.packages"
	[ -r "$hpkg" ] || die "$hpkg missing (remove $cache/headers/$ver and retry)"
	pver=$(sed -n '1s/^[^ ]* //p' "$hpkg")
	[ -n "$pver" ] || die "no package version in $hpkg"
}

finish() { # finish VER
	r="$kdir_top/$1"
	kver="$1-amd64"
	[ -f "$r/boot/vmlinuz-$kver" ] || die "$r/boot/vmlinuz-$kver missing (remove $r and retry)"
	[ -f "$r/lib/modules/$kver/modules.dep" ] ||
		die "$r/lib/modules/$kver/modules.dep missing (remove $r and retry)"
	echo "KERNEL=$r/boot/vmlinuz-$kver"
	echo "MODULES=$r/lib/modules/$kver"
	echo "KDIR=$kdir"
	exit 0
}

headers
if [ -f "$kdir_top/$ver/.complete" ]; then
	finish "$ver"
fi

# --- private apt configuration ------------------------------------------------
command -v dpkg >/dev/null 2>&1 || die "'dpkg' not found"
command -v depmod >/dev/null 2>&1 || die "'depmod' not found (apt-get install kmod)"
apt="$kdir_top/.apt"
# shellcheck source=scripts/private-apt.sh
. "$here/private-apt.sh"
private_apt "$apt" bookworm-backports
set -- -c "$apt/apt.conf"

# The image package of VER at exactly version PVER: the signed one, else
# the unsigned one (same kernel, same modules, without signatures).
find_image() {
	img=""
	for p in "linux-image-$ver-amd64" "linux-image-$ver-amd64-unsigned"; do
		if apt-cache "$@" show "$p=$pver" >/dev/null 2>&1; then
			img=$p
			return 0
		fi
	done
	return 1
}

if ! find_image "$@"; then
	echo "fetch-kernel: no linux-image-$ver-amd64 $pver in bookworm-backports;" \
		"fetching the newest headers" >&2
	old=$ver
	TEREDO_HEADERS_UPDATE=1
	export TEREDO_HEADERS_UPDATE
	headers
	[ "$ver" != "$old" ] || die "no linux-image-$ver-amd64 $pver in bookworm-backports"
	if [ -f "$kdir_top/$ver/.complete" ]; then
		finish "$ver"
	fi
	find_image "$@" || die "no linux-image-$ver-amd64 $pver in bookworm-backports"
fi

dl="$kdir_top/.dl.$ver"
tmp="$kdir_top/.$ver.tmp"
rm -rf "$dl" "$tmp"
mkdir -p "$dl" "$tmp"
if ! (cd "$dl" && apt-get -q=2 "$@" download "$img=$pver") >"$apt/download.log" 2>&1; then
	cat "$apt/download.log" >&2
	die "apt-get download of $img $pver failed"
fi
for deb in "$dl"/*.deb; do
	[ -f "$deb" ] || die "no .deb downloaded"
	dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
done
kver="$ver-amd64"
[ -f "$tmp/boot/vmlinuz-$kver" ] || die "unpacked $img has no boot/vmlinuz-$kver"
[ -d "$tmp/lib/modules/$kver/kernel" ] || die "unpacked $img has no lib/modules/$kver/kernel"
depmod -b "$tmp" "$kver" || die "depmod -b $tmp $kver failed"
touch "$tmp/.complete"
echo "$img $pver" >"$tmp/.packages"
rm -rf "${kdir_top:?}/$ver"
mv "$tmp" "$kdir_top/$ver"
rm -rf "$dl"

finish "$ver"

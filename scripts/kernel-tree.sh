#!/bin/sh
# A kernel tree to compile the module against, for kernels whose headers
# packages need a newer compiler than Debian 12's gcc-12 (sid's): Debian's
# linux-source-X.Y of a suite, downloaded and unpacked (never installed),
# then "make defconfig modules_prepare" with gcc-12. The system's apt
# configuration and dpkg database are not touched (a private apt
# configuration, as scripts/fetch-headers.sh).
#
# usage: scripts/kernel-tree.sh [SUITE]        (default sid)
#   KDIR=$(scripts/kernel-tree.sh sid | tail -n 1)
#   make -C "$KDIR" M="$PWD" KBUILD_MODPOST_WARN=1 modules
# The tree has no Module.symvers (modules_prepare does not link the
# kernel): modpost can only warn about the symbols it cannot see.
#
# Cached in $TEREDO_CACHE/ksrc/VERSION (default /var/cache/teredo): a tree
# that is there is used without network access; TEREDO_KSRC_UPDATE=1
# looks for a newer linux-source in SUITE. The last line printed on
# stdout is the KDIR.
set -eu

die() { echo "kernel-tree: error: $*" >&2; exit 1; }

suite=${1:-sid}
case "$suite" in
"" | *[!a-z0-9-]*) die "bad SUITE '$suite' (expected e.g. sid, trixie)" ;;
esac
cache="${TEREDO_CACHE:-/var/cache/teredo}/ksrc"
mkdir -p "$cache" || die "cannot create $cache"
cc=${CC:-gcc-12}
command -v "$cc" >/dev/null 2>&1 || die "$cc not found (scripts/install-deps.sh)"

finish() {	# VERSION
	[ -f "$cache/$1/.prepared" ] || die "$cache/$1 is not prepared"
	echo "$cache/$1/tree"
	exit 0
}

# the newest tree of this suite already prepared
if [ "${TEREDO_KSRC_UPDATE:-0}" != 1 ] && [ -s "$cache/$suite.version" ]; then
	v=$(cat "$cache/$suite.version")
	[ -f "$cache/$v/.prepared" ] && finish "$v"
fi

for t in tar make; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found"
done
apt="$cache/.apt-$suite"
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$0")/private-apt.sh"
private_apt "$apt" "$suite"
set -- -c "$apt/apt.conf"
# the newest linux-source-X.Y of the suite
pkg=$(apt-cache "$@" pkgnames linux-source- | grep -E '^linux-source-[0-9]+\.[0-9]+$' |
	sort -V | tail -n 1)
[ -n "$pkg" ] || die "no linux-source-X.Y package in $suite"
ver=$(apt-cache "$@" show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n 1)
[ -n "$ver" ] || die "no version of $pkg in $suite"
v="$pkg-$ver"
if [ -f "$cache/$v/.prepared" ]; then
	echo "$v" >"$cache/$suite.version"
	finish "$v"
fi

dir="$cache/$v"
rm -rf "$dir"
mkdir -p "$dir/dl" "$dir/deb"
echo "kernel-tree: $pkg $ver from $suite" >&2
(cd "$dir/dl" && apt-get -q=2 "$@" download "$pkg=$ver") >"$dir/download.log" 2>&1 || {
	cat "$dir/download.log" >&2
	die "apt-get download $pkg=$ver failed"
}
dpkg-deb -x "$dir"/dl/*.deb "$dir/deb" || die "dpkg-deb -x failed"
tarball=$(ls "$dir"/deb/usr/src/linux-source-*.tar.xz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "$pkg has no usr/src/linux-source-*.tar.xz"
mkdir -p "$dir/tree"
tar -xJf "$tarball" -C "$dir/tree" --strip-components=1 || die "cannot unpack $tarball"
rm -rf "$dir/dl" "$dir/deb"
# Debian's config is not in linux-source; defconfig, plus what the module
# uses (IPv6, the UDP tunnel helpers through VXLAN, which selects them)
{
	make -C "$dir/tree" CC="$cc" defconfig &&
	"$dir/tree/scripts/config" --file "$dir/tree/.config" -e IPV6 -m VXLAN &&
	make -C "$dir/tree" CC="$cc" olddefconfig &&
	make -C "$dir/tree" CC="$cc" -j"$(nproc)" modules_prepare
} >"$dir/prepare.log" 2>&1 || {
	tail -n 40 "$dir/prepare.log" >&2
	die "make defconfig modules_prepare failed with $cc (see $dir/prepare.log)"
}
echo "$cc" >"$dir/.cc"
touch "$dir/.prepared"
echo "$v" >"$cache/$suite.version"
finish "$v"

#!/bin/sh
# Fetch Debian bookworm-backports kernel headers for a newer kernel series and
# make them usable as a KDIR for out-of-tree module builds, without touching
# the system's apt configuration or dpkg database.
#
# Usage: scripts/fetch-headers.sh [--check] [SERIES]      (SERIES default 6.12)
#
#   KDIR=$(scripts/fetch-headers.sh 6.12 | tail -n 1)
#   make -C "$KDIR" M="$PWD/kernel" modules
#
# No CC= is needed: the Debian headers' Makefile already sets
# CC = x86_64-linux-gnu-gcc-12 (from bookworm's gcc-12 package) and
# DEBIAN_KERNEL_NO_CC_VERSION_CHECK, which matches the compiler the backports
# kernel was built with.  Passing CC=gcc-12 explicitly also works.
#
# What it does:
#   * private apt config (own sources.list with only bookworm-backports main,
#     own lists/cache/status under $TEREDO_CACHE/headers/.apt) to find the
#     newest linux-headers-<ver>-amd64 of SERIES and its -common and
#     linux-kbuild-<ver> dependencies;
#   * apt-get download + dpkg-deb -x into $TEREDO_CACHE/headers/<ver>/
#     (TEREDO_CACHE defaults to /var/cache/teredo);
#   * the packages reference /usr/src/linux-headers-<ver>-common (absolute
#     include in the -amd64 Makefile), so these symlinks are created, pointing
#     into the cache (they never replace a real directory, e.g. one from an
#     installed package):
#       /usr/src/linux-headers-<ver>-amd64, /usr/src/linux-headers-<ver>-common,
#       /usr/src/linux-kbuild-<ver>, /usr/lib/linux-kbuild-<ver>
#
# If a version of SERIES is already in the cache it is used without any
# network access; set TEREDO_HEADERS_UPDATE=1 to look for a newer one.
# --check additionally builds a hello-world module against the KDIR in a
# temporary directory and fails if that build fails or prints a warning.
# The last line printed on stdout is the KDIR.
set -eu

die() { echo "fetch-headers: error: $*" >&2; exit 1; }

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
series="${1:-6.12}"
case "$series" in
*[!0-9.]* | .* | *. | *..* | "") die "bad SERIES '$series' (expected e.g. 6.12)" ;;
esac
case "$series" in *.*) ;; *) die "bad SERIES '$series' (expected e.g. 6.12)" ;; esac

cache="${TEREDO_CACHE:-/var/cache/teredo}"
hdir="$cache/headers"
mkdir -p "$hdir" || die "cannot create $hdir"

# --- symlinks under /usr/src and /usr/lib pointing into the cache ----------
link() { # link TARGET PATH
	if [ -L "$2" ]; then
		[ "$(readlink "$2")" = "$1" ] && return 0
		ln -sfn "$1" "$2" || die "cannot create symlink $2"
	elif [ -e "$2" ]; then
		return 0 # a real directory (installed package): leave it alone
	else
		ln -s "$1" "$2" || die "cannot create symlink $2 (run as root)"
	fi
}
setup_links() { # setup_links VER
	r="$hdir/$1"
	link "$r/usr/src/linux-headers-$1-amd64" "/usr/src/linux-headers-$1-amd64"
	link "$r/usr/src/linux-headers-$1-common" "/usr/src/linux-headers-$1-common"
	for kb in "$r"/usr/lib/linux-kbuild-*; do
		[ -d "$kb" ] || continue
		n=${kb##*/}
		link "$kb" "/usr/lib/$n"
		link "../lib/$n" "/usr/src/$n"
	done
}

# Newest complete version of SERIES already in the cache, if any.
cached_ver() {
	for d in "$hdir/$series".*/.complete "$hdir/$series"-*/.complete; do
		[ -f "$d" ] || continue
		d=${d%/.complete}
		echo "${d##*/}"
	done | sort -V | tail -n 1
}

# --- hello-world module self check ------------------------------------------
hello_check() { # hello_check KDIR
	t=$(mktemp -d "${TMPDIR:-/tmp}/teredo-hello.XXXXXX")
	cat >"$t/hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/init.h>

static int __init hello_init(void)
{
	pr_info("hello\n");
	return 0;
}

static void __exit hello_exit(void)
{
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fetch-headers.sh self check");
EOF
	echo "obj-m := hello.o" >"$t/Makefile"
	if ! make -C "$1" M="$t" modules >"$t/build.log" 2>&1; then
		cat "$t/build.log" >&2
		rm -rf "$t"
		die "hello-world module failed to build against $1"
	fi
	if grep -qi 'warning' "$t/build.log"; then
		cat "$t/build.log" >&2
		rm -rf "$t"
		die "hello-world module built against $1 with warnings"
	fi
	[ -f "$t/hello.ko" ] || { rm -rf "$t"; die "hello.ko not produced"; }
	rm -rf "$t"
}

finish() { # finish VER
	setup_links "$1"
	kdir="$hdir/$1/usr/src/linux-headers-$1-amd64"
	[ -f "$kdir/Makefile" ] || die "$kdir/Makefile missing (remove $hdir/$1 and retry)"
	[ "$check" = 1 ] && hello_check "$kdir"
	echo "$kdir"
	exit 0
}

ver=$(cached_ver)
if [ -n "$ver" ] && [ "${TEREDO_HEADERS_UPDATE:-0}" != 1 ]; then
	finish "$ver"
fi

# --- private apt configuration ------------------------------------------------
command -v dpkg >/dev/null 2>&1 || die "'dpkg' not found"
apt="$hdir/.apt"
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$0")/private-apt.sh"
private_apt "$apt" bookworm-backports
set -- -c "$apt/apt.conf"

# Newest linux-headers-<SERIES>...-amd64 (not -rt-amd64 / -cloud-amd64).
sre=$(echo "$series" | sed 's/\./\\./g')
best="" bestv=""
for p in $(apt-cache "$@" pkgnames "linux-headers-$series" |
	grep -E "^linux-headers-${sre}[.-].*-amd64\$" | grep -vE -- '-(rt|cloud)-amd64$'); do
	v=$(apt-cache "$@" show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	[ -n "$v" ] || continue
	if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bestv"; then
		best=$p bestv=$v
	fi
done
[ -n "$best" ] || die "no linux-headers-$series*-amd64 package in bookworm-backports"
ver=${best#linux-headers-}
ver=${ver%-amd64}

if [ -f "$hdir/$ver/.complete" ]; then
	finish "$ver"
fi

deps=$(apt-cache "$@" show --no-all-versions "$best" | sed -n 's/^Depends: //p' | head -n 1)
common=$(echo "$deps" | tr ',|' '\n' | sed 's/^ *//; s/ .*//' | grep -E '^linux-headers-.*-common$' | head -n 1)
kbuild=$(echo "$deps" | tr ',|' '\n' | sed 's/^ *//; s/ .*//' | grep -E '^linux-kbuild-' | head -n 1)
[ -n "$common" ] || die "cannot find the -common dependency of $best"
[ -n "$kbuild" ] || die "cannot find the linux-kbuild dependency of $best"

dl="$hdir/.dl.$ver"
tmp="$hdir/.$ver.tmp"
rm -rf "$dl" "$tmp"
mkdir -p "$dl" "$tmp"
if ! (cd "$dl" && apt-get -q=2 "$@" download "$best=$bestv" "$common=$bestv" "$kbuild=$bestv") \
	>"$apt/download.log" 2>&1; then
	cat "$apt/download.log" >&2
	die "apt-get download of $best $common $kbuild failed"
fi
for deb in "$dl"/*.deb; do
	[ -f "$deb" ] || die "no .deb downloaded"
	dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
done
[ -f "$tmp/usr/src/linux-headers-$ver-amd64/Makefile" ] ||
	die "unpacked $best has no usr/src/linux-headers-$ver-amd64/Makefile"
touch "$tmp/.complete"
echo "$best $bestv" >"$tmp/.packages"
rm -rf "${hdir:?}/$ver"
mv "$tmp" "$hdir/$ver"
rm -rf "$dl"

finish "$ver"

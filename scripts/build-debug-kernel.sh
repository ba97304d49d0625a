#!/bin/bash
# Build a debug x86_64 kernel (KASAN, lockdep, kmemleak, debugobjects,
# netdev/netns refcount trackers) from Debian's linux-source-6.1 tarball, for
# running the teredo selftests under qemu.
#
# Usage: scripts/build-debug-kernel.sh
#
# Environment:
#   TEREDO_CACHE   cache root (default /var/cache/teredo); everything goes to
#                  $TEREDO_CACHE/debug-kernel/:
#                    linux-source-6.1/  pristine extracted source
#                    build/             O= build dir, usable as KDIR for
#                                       `make -C .../build M=$PWD modules`
#                    root/lib/modules/<kver>/   installed modules
#                    build.log          make output of the last build
#                    build-time.txt     wall time of the last build
#   TEREDO_SRC_TARBALL  source tarball (default /usr/src/linux-source-6.1.tar.xz)
#   JOBS           make -j value (default 2); the build runs under nice -n 19
#
# Config = x86_64_defconfig + kvm_guest.config + scripts/debug-kernel.config
# (merged with scripts/kconfig/merge_config.sh), then olddefconfig; every line
# of the fragment is checked against the final .config.
#
# Idempotent: if bzImage is newer than .config and the fragment (and the
# modules are installed), nothing is rebuilt.  Prints, on success, only:
#   KERNEL=<bzImage>
#   MODULES=<.../lib/modules/<kver>>
#   KDIR=<build dir>
# A full build takes ~1-2 h on 2 cores (62 min measured, niced, shared CPU).
#
# Boot it with `qemu-system-x86_64 -M q35 ...`: on the default i440fx `pc`
# machine the ACPI _PRT method (an AML While loop) is so slow under
# TCG+KASAN+lockdep that it hits the 30 s AML loop timeout for every PCI
# device with INTx (e1000, virtio-*-pci): ~45 s to reach userspace instead
# of ~15 s.
set -eu

die() { echo "build-debug-kernel: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
frag="$here/debug-kernel.config"
cache="${TEREDO_CACHE:-/var/cache/teredo}"
top="$cache/debug-kernel"
tarball="${TEREDO_SRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}"
jobs="${JOBS:-2}"
src="$top/linux-source-6.1"
build="$top/build"
root="$top/root"
log="$top/build.log"
bzimage="$build/arch/x86/boot/bzImage"

[ -r "$frag" ] || die "config fragment $frag not found"
for t in make gcc tar xz flex bison bc depmod perl; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found (run scripts/install-deps.sh)"
done
mkdir -p "$top" || die "cannot create $top"

# Run a make step with its output appended to the log; on failure show the
# tail of the log and stop.
mk() {
	if ! make -C "$src" O="$build" "$@" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "'make $*' failed; full log: $log"
	fi
}

kver() { make -s --no-print-directory -C "$src" O="$build" kernelrelease 2>/dev/null; }

print_result() {
	kv=$(kver) || die "cannot determine kernel release"
	[ -n "$kv" ] || die "empty kernel release"
	[ -d "$root/lib/modules/$kv" ] || die "modules not installed in $root/lib/modules/$kv"
	echo "KERNEL=$bzimage"
	echo "MODULES=$root/lib/modules/$kv"
	echo "KDIR=$build"
}

# --- already built? ------------------------------------------------------
if [ -f "$bzimage" ] && [ -f "$build/.config" ] && [ -f "$top/.modules-installed" ] &&
	[ "$bzimage" -nt "$build/.config" ] && [ "$bzimage" -nt "$frag" ] &&
	[ ! "$top/.modules-installed" -ot "$bzimage" ]; then
	print_result
	exit 0
fi

# --- source ----------------------------------------------------------------
if [ ! -f "$src/.extracted" ]; then
	[ -r "$tarball" ] || die "source tarball $tarball not found (apt-get install linux-source-6.1)"
	rm -rf "$src" "$top/.src.tmp"
	mkdir -p "$top/.src.tmp"
	tar -xJf "$tarball" -C "$top/.src.tmp" || die "extracting $tarball failed"
	[ -f "$top/.src.tmp/linux-source-6.1/Makefile" ] ||
		die "$tarball does not contain linux-source-6.1/"
	mv "$top/.src.tmp/linux-source-6.1" "$src"
	rmdir "$top/.src.tmp"
	touch "$src/.extracted"
fi

: >"$log"

# --- config ------------------------------------------------------------------
# Regenerate when missing or when the fragment changed since the last run.
mkdir -p "$build"
if [ ! -f "$build/.config" ] || [ ! -f "$top/.config-ok" ] ||
	[ "$frag" -nt "$top/.config-ok" ]; then
	rm -f "$top/.config-ok"
	mk x86_64_defconfig
	mk kvm_guest.config
	if ! (cd "$build" && "$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "$frag") >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "merge_config.sh failed; log: $log"
	fi
	mk olddefconfig
fi

# Check every option of the fragment against the final .config.
bad=""
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}
		want=$line ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		want=$line ;;
	*) continue ;;
	esac
	got=$(grep -E "^($sym=|# $sym is not set)" "$build/.config" || true)
	# An unset option may also simply be absent from .config.
	if [ "$got" != "$want" ]; then
		case "$want" in "# "*) [ -z "$got" ] && continue ;; esac
		bad="$bad
  wanted: $want   got: ${got:-<absent>}"
	fi
done <"$frag"
[ -z "$bad" ] || die "options from $frag not set as requested after olddefconfig:$bad"
touch "$top/.config-ok"

# --- build -----------------------------------------------------------------
t0=$(date +%s)
if ! nice -n 19 make -C "$src" O="$build" -j"$jobs" bzImage modules >>"$log" 2>&1; then
	grep -n -E '(error|Error [0-9]+)' "$log" | tail -n 20 >&2 || true
	die "kernel build failed; full log: $log"
fi
t1=$(date +%s)
touch "$bzimage"   # up to date w.r.t. .config even if make had nothing to relink
rm -rf "$root"
mk modules_install INSTALL_MOD_PATH="$root" INSTALL_MOD_STRIP=1 CONFIG_MODULE_SIG_ALL=
touch "$top/.modules-installed"
t2=$(date +%s)
{
	echo "build_seconds=$((t1 - t0))"
	echo "modules_install_seconds=$((t2 - t1))"
	echo "total_seconds=$((t2 - t0))"
	echo "jobs=$jobs nice=19 started=$(date -d "@$t0" -Is 2>/dev/null || echo "$t0") kernel=$(kver)"
} >"$top/build-time.txt"

print_result

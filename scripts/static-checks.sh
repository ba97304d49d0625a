#!/bin/bash
# Static checks of the kernel module, as TAP: W=1 and sparse clean against
# Debian 12's headers, a W=1 build against the 6.12 headers, checkpatch
# --strict clean, bench/inject clean against both, make install, userspace
# without a compiler warning. The plan
# comes first: every check prints its line, passed or not.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
n=0 failed=0
result() {	# status description logfile
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		sed 's/^/#   /' "$3" | head -n 30
	fi
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
quiet() { grep -v -e '^make' -e 'Skipping BTF' -e '^  [A-Z]' ; }
no_warnings() { ! grep -qiE 'warning|error' "$log"; }

echo "TAP version 13"
echo "1..8"
kdir=$(make -s -C "$repo" print-kdir)
scripts/build-module.sh "$kdir" W=1 >/dev/null 2>"$log"
st=$?; [ $st = 0 ] && no_warnings; result $? "module builds W=1 clean against $(basename "$kdir")" "$log"

# sparse must have run on every source file (a wrapper notes them), the
# build must have succeeded, and nothing may have been said
wrap=$(mktemp -d)
printf '#!/bin/sh\necho "$*" >>"%s/ran"\nexec sparse "$@"\n' "$wrap" >"$wrap/sparse"
chmod +x "$wrap/sparse"
scripts/build-module.sh "$kdir" C=2 CHECK="$wrap/sparse" W=1 2>&1 >/dev/null | quiet >"$log"
st=${PIPESTATUS[0]}
nsrc=$(grep -oE 'kernel/[a-z_]+\.o' Kbuild | sort -u | wc -l)
nchecked=$(grep -oE 'kernel/[a-z_]+\.c' "$wrap/ran" 2>/dev/null | sort -u | wc -l)
rm -rf "$wrap"
[ "$nchecked" = "$nsrc" ] ||
	echo "sparse ran on $nchecked of the $nsrc source files in Kbuild" >>"$log"
[ "$st" = 0 ] || echo "the build exited with status $st" >>"$log"
[ $st = 0 ] && [ ! -s "$log" ]; result $? "sparse (C=2) reports nothing" "$log"

if kdir12=$(scripts/fetch-headers.sh 6.12 2>"$log" | tail -n 1) && [ -d "$kdir12" ]; then
	scripts/build-module.sh "$kdir12" W=1 >/dev/null 2>"$log"
	st=$?; [ $st = 0 ] && no_warnings; result $? "module builds W=1 clean against $(basename "$kdir12")" "$log"
else
	result 1 "module builds W=1 clean against the 6.12 headers (not available)" "$log"
	kdir12=""
fi

cp=""
for c in /usr/src/linux-source-6.1/scripts/checkpatch.pl "$repo/build/checkpatch/scripts/checkpatch.pl"; do
	[ -x "$c" ] && cp=$c && break
done
if [ -z "$cp" ] && [ -e /usr/src/linux-source-6.1.tar.xz ]; then
	mkdir -p build/checkpatch
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C build/checkpatch --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch 2>"$log"
	cp=$repo/build/checkpatch/scripts/checkpatch.pl
fi
"$cp" --no-tree --strict --terse --show-types -f kernel/*.c kernel/*.h \
	include/uapi/linux/*.h bench/inject/*.c >"$log" 2>&1
result $? "checkpatch --strict clean" "$log"
# the benchmark's packet source (bench/inject) is kernel code too
for k in "$kdir" "$kdir12"; do
	if [ -z "$k" ]; then
		echo "no 6.12 headers" >"$log"
		result 1 "bench/inject builds W=1 and sparse clean against the 6.12 headers" "$log"
		continue
	fi
	b=$(mktemp -d)
	cp bench/inject/Kbuild bench/inject/inject.c "$b/"
	make -C "$k" M="$b" W=1 C=2 modules >"$log" 2>&1
	st=$?; [ $st = 0 ] && ! grep -v 'Skipping BTF' "$log" | grep -qiE 'warning|error|inject.c:'
	result $? "bench/inject builds W=1 and sparse clean against $(basename "$k")" "$log"
	rm -rf "$b"
done
dest=$(mktemp -d)
make -s install DESTDIR="$dest" >"$log" 2>&1 &&
	grep -q '^alias rtnl-link-teredo teredo$' "$dest"/lib/modules/*/modules.alias &&
	ls "$dest"/lib/modules/*/updates/teredo.ko "$dest"/usr/lib/x86_64-linux-gnu/ip/link_teredo.so >>"$log"
result $? "make install: module in updates/ with its alias, ip plugin" "$log"
rm -rf "$dest"
# teredod, the ip plugin and their tests, from a copy of what git has:
# the compiler says nothing (a warning there once hid two values of one
# constant)
b=$(mktemp -d)
git ls-files userspace include | cpio -pdm --quiet "$b" &&
	make -s -C "$b/userspace" >"$log" 2>&1 && no_warnings
result $? "userspace builds without a warning" "$log"
rm -rf "$b"
[ "$n" = 8 ] || { echo "not ok - static-checks.sh: $n checks, its plan says 8"; failed=1; }
[ "$failed" = 0 ]

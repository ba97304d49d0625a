#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static check: every counter and gauge of the teredo device (the names in
# kernel/stats.c, read at run time, so that a counter added later is
# caught) must be asserted by some selftest. Runs on the host or in the VM.
#
# usage: selftests/counter-coverage.sh [STATS_C [SELFTEST.sh ...]]
#   default: kernel/stats.c and every selftests/*.sh but this one
# Prints one line per counter ("asserted NAME: FILES", "exempt NAME:
# REASON" or "MISSING NAME") and exits 1 if one is missing.
#
# "Asserted" means: the name appears, outside a comment, in a command line
# (backslash continuations joined) that reads counters: lib.sh's counter
# and counter_ge, coverage.sh's delta_is (where NAME=0 and NAME=any do not
# count: they assert nothing moved, or nothing at all).
#
# Exempt: counters only an allocation failure moves, and guards no packet
# can reach. The VM kernels (Debian 6.1 and the debug build) have no fault
# injection (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB,
# CONFIG_FUNCTION_ERROR_INJECTION are off), so no test can make GFP_ATOMIC
# allocations fail on purpose. An exemption of a counter
# that no longer exists fails the check.
declare -A EXEMPT=(
	[rx_drop_nomem]="allocation failure only (fast path skb_share_check, pskb_trim_rcsum)"
	[tx_drop_nomem]="allocation failure only (peer, queue, skb_cow_head, fast path clone)"
	[tx_drop_no_socket]="a guard: the binding loses its socket only at unregistration, after the device stopped and its fast path left (a refused rebind keeps the old socket)"
)

dir=$(cd "$(dirname "$0")" && pwd)
stats=${1:-$dir/../kernel/stats.c}
shift
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	for f in "$dir"/*.sh; do
		[ "$f" -ef "$0" ] || files+=("$f")
	done
fi

mapfile -t names < <(sed -n 's/^[[:space:]]*\[TEREDO_\(STAT\|GAUGE\)_[A-Z0-9_]*\][[:space:]]*=[[:space:]]*"\([a-z0-9_]*\)",.*/\2/p' "$stats")
if [ ${#names[@]} -eq 0 ]; then
	echo "no counter names found in $stats"
	exit 1
fi

# Every counter-reading command line of the selftests, as "FILE<TAB>LINE",
# continuations joined, comments dropped, NAME=0 and NAME=any removed.
lines=$(awk '
	FNR == 1 { if (acc != "") print prev "\t" acc; acc = "" }
	{ prev = FILENAME; sub(/^[ \t]+/, "") }
	/^#/ && acc == "" { next }
	{
		cont = sub(/\\$/, "")
		acc = acc " " $0
		if (cont)
			next
		if (acc ~ /(^|[^a-z_])(counter|counter_ge|delta_is)([^a-z_]|$)/) {
			gsub(/[a-z0-9_]+=(0|any)([^0-9a-z_]|$)/, " ", acc)
			print FILENAME "\t" acc
		}
		acc = ""
	}' "${files[@]}")

missing=0
for n in "${names[@]}"; do
	where=$(awk -F'\t' -v n="$n" '
		{ s = " " $2 " " }
		s ~ ("[^a-z0-9_]" n "[^a-z0-9_]") { f = $1; sub(/.*\//, "", f); seen[f] = 1 }
		END { for (f in seen) printf "%s ", f }' <<<"$lines")
	if [ -n "$where" ]; then
		echo "asserted $n: $where"
	elif [ -n "${EXEMPT[$n]:-}" ]; then
		echo "exempt $n: ${EXEMPT[$n]}"
	else
		echo "MISSING $n: no selftest asserts it"
		missing=$((missing + 1))
	fi
done
for n in "${!EXEMPT[@]}"; do
	if ! printf '%s\n' "${names[@]}" | grep -qx "$n"; then
		echo "MISSING $n: exempted here, but not a counter of $stats any more"
		missing=$((missing + 1))
	fi
done
echo "${#names[@]} counters, $missing missing"
[ "$missing" = 0 ]

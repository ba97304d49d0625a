#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables of bench/insnprof.so windows: instructions per packet by function.

usage: insnprof.py DIR [TOP]
DIR holds insnprof.N (block address, instructions, executions), kallsyms of
the profiled boot and insnprof.windows ("name packets" per window, in order).
"""
import bisect
import collections
import os
import sys


def load_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            addr = int(parts[0], 16)
            if addr:
                name = parts[2] + (" " + parts[3] if len(parts) > 3 else "")
                syms.append((addr, name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def window(path, addrs, names):
    by_fn = collections.Counter()
    with open(path) as f:
        for line in f:
            va, insns, count = line.split()
            va = int(va, 16)
            n = int(insns) * int(count)
            if va < 0xffff800000000000:
                by_fn["[user]"] += n
                continue
            i = bisect.bisect_right(addrs, va) - 1
            by_fn[names[i] if i >= 0 else "[unknown]"] += n
    return by_fn


def main():
    d = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    addrs, names = load_symbols(os.path.join(d, "kallsyms"))
    wins = []
    with open(os.path.join(d, "insnprof.windows")) as f:
        for i, line in enumerate(f, 1):
            name, packets = line.split()
            path = os.path.join(d, "insnprof.%d" % i)
            if os.path.exists(path) and int(packets) > 0:
                wins.append((name, int(packets), window(path, addrs, names)))
    if not wins:
        sys.exit("insnprof: no windows in " + d)
    for name, pk, fn in wins:
        total = sum(fn.values())
        print("== %s: %d packets, %.0f instructions per packet" % (name, pk, total / pk))
        for f, n in fn.most_common(top):
            print("%9.1f %5.1f%%  %s" % (n / pk, 100.0 * n / total, f))
        print()
    base_name, base_pk, base = wins[0]
    for name, pk, fn in wins[1:]:
        keys = set(base) | set(fn)
        delta = sorted(((fn[k] / pk - base[k] / base_pk, k) for k in keys),
                       key=lambda x: -abs(x[0]))
        print("== %s minus %s: %+.0f instructions per packet" %
              (name, base_name, sum(fn.values()) / pk - sum(base.values()) / base_pk))
        for dlt, k in delta[:top]:
            print("%+9.1f  %s" % (dlt, k))
        print()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""BSD process accounting (acct(2), the kernel's v3 records) for
bench/selftest-profile.sh: which programs a run started and the CPU they
took.

usage: acct.py on FILE | off | report FILE [TOP]
"""
import collections
import ctypes
import os
import struct
import sys

AHZ = 100   # the unit of the records' times


def comp_t(c):
    """13-bit mantissa, 3-bit base-8 exponent."""
    return (c & 0x1fff) << (3 * (c >> 13))


def switch(path):
    libc = ctypes.CDLL(None, use_errno=True)
    if path:
        open(path, "wb").close()
    if libc.acct(path.encode() if path else None) != 0:
        sys.exit("acct: %s" % os.strerror(ctypes.get_errno()))


def report(path, top):
    data = open(path, "rb").read()
    runs, cpu = collections.Counter(), collections.Counter()
    for off in range(0, len(data) - 63, 64):
        r = data[off:off + 64]
        if r[1] != 3:       # ac_version
            continue
        utime, stime = struct.unpack_from("HH", r, 32)
        comm = r[48:64].split(b"\0")[0].decode(errors="replace")
        runs[comm] += 1
        cpu[comm] += (comp_t(utime) + comp_t(stime)) / AHZ
    print("# %d programs run, %.1f s of CPU in all" %
          (sum(runs.values()), sum(cpu.values())))
    print("# %-16s %7s %9s %9s" % ("program", "runs", "CPU s", "ms/run"))
    for comm, s in cpu.most_common(top):
        print("  %-16s %7d %9.1f %9.0f" % (comm, runs[comm], s,
                                          1000 * s / runs[comm]))


if sys.argv[1] == "on":
    switch(sys.argv[2])
elif sys.argv[1] == "off":
    switch(None)
else:
    report(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 25)

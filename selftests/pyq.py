#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One Python for the expressions the selftests' helpers evaluate on JSON
(lib.sh's pyq): a Python started for each is costly under TCG, most of
it in imports (docs/TESTING.md).

usage: pyq.py DIR PPID   (lib.sh starts it)

Requests come on the FIFO DIR/q, answers go to DIR/r, both opened
read-write so that neither side ever sees an end of file. A request is
NUL-terminated fields: the number of arguments N, the caller's standard
input, then N arguments, the code first. The code runs with "data" (the
input), "argv" (the other arguments) and json; an answer is the status,
what it printed and what it wrote to stderr, each NUL-terminated. The
server exits once the process PPID is gone.
"""
import contextlib
import io
import json
import os
import select
import sys
import traceback


def run(code, data, argv):
    out, err = io.StringIO(), io.StringIO()
    env = {"json": json, "sys": sys, "data": data, "argv": argv}
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exec(code, env)
        except SystemExit as e:
            status = 0 if e.code is None else \
                e.code if isinstance(e.code, int) else 1
        except Exception:
            traceback.print_exc()
            status = 1
    return status, out.getvalue(), err.getvalue()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main():
    d, ppid = sys.argv[1], int(sys.argv[2])
    q = os.open(d + "/q", os.O_RDWR)
    r = os.open(d + "/r", os.O_RDWR)
    buf = b""
    while alive(ppid):
        if not select.select([q], [], [], 1)[0]:
            continue
        buf += os.read(q, 1 << 16)
        while True:
            fields = buf.split(b"\0")
            if len(fields) < 2:
                break
            n = int(fields[0])
            if len(fields) < n + 3:
                break
            req = [f.decode() for f in fields[:n + 2]]
            buf = b"\0".join(fields[n + 2:])
            status, out, err = run(req[2], req[1], req[3:])
            ans = b"%d\0%s\0%s\0" % (status, out.encode(), err.encode())
            while ans:
                ans = ans[os.write(r, ans):]
    for f in ("q", "r"):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


main()

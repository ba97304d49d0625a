#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP throughput over IPv6 for bench/client.sh.

  tcp.py sink PORT SECONDS        accept one connection, read to EOF; print
                                  "BYTES MILLISECONDS FIRST LAST": first byte
                                  to EOF, and both as CLOCK_MONOTONIC in ms
  tcp.py source HOST PORT BYTES [GO]
                                  connect, (wait until the file GO exists),
                                  send BYTES, close
"""
import os
import socket
import sys
import time


def sink(port, seconds):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(port)))
    s.listen(1)
    s.settimeout(float(seconds))
    c, _ = s.accept()
    c.settimeout(float(seconds))
    n, t0 = 0, None
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        if t0 is None:
            t0 = time.monotonic()
        n += len(d)
    t1 = time.monotonic()
    ms = (t1 - t0) * 1000 if t0 else 0
    print(n, round(ms), "%.3f" % ((t0 or t1) * 1000), "%.3f" % (t1 * 1000))


def source(host, port, nbytes, go=None):
    c = socket.create_connection((host, int(port)), timeout=60)
    while go and not os.path.exists(go):
        time.sleep(0.01)
    buf = b"\x5a" * (1 << 16)
    left = int(nbytes)
    while left > 0:
        left -= c.send(buf[:min(left, len(buf))])
    c.close()


if __name__ == "__main__":
    cmds = {"sink": sink, "source": source}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])

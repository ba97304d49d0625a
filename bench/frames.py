#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print a trafgen packet config (one static Ethernet frame) for the bench,
or with --hex first, the frame in hex (bench/inject/inject.c's frame=).

  frames.py [--hex] teredo|fou|plain DST_MAC SRC_MAC PAYLOAD_LEN [DPORT]
    teredo: IPv4 198.18.0.21:40000 -> 198.18.0.10:DPORT (default 3544),
            UDP payload = IPv6 CLIENT -> 2001:db8:1::2, UDP, PAYLOAD_LEN bytes
    fou:    the same with DPORT default 5555 (fou + sit decap)
    plain:  just the IPv6 packet 2001:db8:2::2 -> 2001:db8:1::2
    teredo-peer: as teredo, from bench/tsend.c's peer 0 (198.18.1.0:1024)
  frames.py [--hex] native DST_MAC SRC_MAC PAYLOAD_LEN DST6
    the IPv6 packet 2001:db8:1::2 -> DST6, UDP, PAYLOAD_LEN bytes
  frames.py bubbles DST_MAC SRC_MAC N
    N bubbles, one from each of the Teredo clients
    2001:0:c612:1:0:63bf:39ed:fc00 + i (198.18.0.0/22, port 40000), i < N
"""
import ipaddress
import os
import struct
import sys

CLIENT = "2001:0:c612:1:0:63bf:39ed:ffea"   # 198.18.0.21:40000 via 198.18.0.1
NATIVE = "2001:db8:1::2"
PLAIN_SRC = "2001:db8:2::2"
PEER0 = "2001:0:c612:1:0:fbff:39ed:feff"    # bench/tsend.c's peer 0


# the packet helpers of the selftests' scripted Teredo peer
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "selftests"))
from teredo_peer import addr as a6, csum  # noqa: E402


def a4(a):
    return ipaddress.IPv4Address(a).packed


def ip6_udp(src, dst, payload, sport=9, dport=9):
    s, d = a6(src), a6(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!I3xB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    return struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + s + d + udp


def ip4_udp(src, dst, sport, dport, payload):
    s, d = a4(src), a4(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!xBH", 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17,
                      0, s, d)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))


def emit(frame, as_hex):
    if as_hex:
        print(frame.hex())
    else:
        print("{ " + ", ".join("0x%02x" % b for b in frame) + " }")


def main():
    args = sys.argv[1:]
    as_hex = args[:1] == ["--hex"]
    if as_hex:
        args = args[1:]
    kind, dmac, smac, plen = args[:4]
    if kind == "bubbles":
        for i in range(int(plen)):
            group = 0xfc00 | i
            v4 = 0xc6120000 | (~group & 0xffff)
            src = "2001:0:c612:1:0:63bf:39ed:%x" % group
            b = struct.pack("!IHBB", 6 << 28, 0, 59, 0) + a6(src) + a6(NATIVE)
            frame = mac(dmac) + mac(smac) + b"\x08\x00" + ip4_udp(
                str(ipaddress.IPv4Address(v4)), "198.18.0.10", 40000, 3544, b)
            emit(frame, as_hex)
        return
    payload = bytes(i & 0xff for i in range(int(plen)))
    if kind == "plain":
        frame = mac(dmac) + mac(smac) + b"\x86\xdd" + \
            ip6_udp(PLAIN_SRC, NATIVE, payload)
    elif kind == "native":
        frame = mac(dmac) + mac(smac) + b"\x86\xdd" + \
            ip6_udp(NATIVE, args[4], payload)
    else:
        dport = int(args[4]) if len(args) > 4 else \
            (3544 if kind in ("teredo", "teredo-peer") else 5555)
        src, v4, sport = CLIENT, "198.18.0.21", 40000
        if kind == "teredo-peer":
            src, v4, sport = PEER0, "198.18.1.0", 1024
        inner = ip6_udp(src, NATIVE, payload)
        frame = mac(dmac) + mac(smac) + b"\x08\x00" + \
            ip4_udp(v4, "198.18.0.10", sport, dport, inner)
    emit(frame, as_hex)


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scriptable Teredo endpoint for the selftests: a minimal client, a
minimal server, and a raw datagram sender for malformed input.

  teredo_peer.py client BIND_IP:PORT TEREDO_ADDR SECONDS [PING_DST RELAY_IP:PORT]
      answers echo requests and server-relayed bubbles (direct bubble to the
      origin); with PING_DST, sends an echo request each 0.2 s through the
      relay; prints "replies N requests M" at the end.
  teredo_peer.py server BIND_IP SECONDS
      relays bubbles to its clients with an origin indication (RFC 4380 5.3).
  teredo_peer.py send BIND_IP:PORT DEST_IP:PORT HEX [COUNT]
      sends raw UDP payloads.
  teredo_peer.py packet KIND SRC DST [TRAILER]
      prints the hex of an IPv6 packet: bubble, echo or udp.
  teredo_peer.py tcp-sink PORT SECONDS
      accepts one TCP connection (IPv6), prints "BYTES SHA256" of what came.
  teredo_peer.py tcp-source HOST PORT BYTES
      sends BYTES pseudo-random bytes, prints "BYTES SHA256" of what went.
"""
import hashlib
import random
import ipaddress
import select
import socket
import struct
import sys
import time


def addr(a):
    return ipaddress.IPv6Address(a).packed


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim) + src + dst + payload


def icmp6(src, dst, typ, body):
    pseudo = src + dst + struct.pack("!I3xB", 4 + len(body), 58)
    c = csum(pseudo + struct.pack("!BBH", typ, 0, 0) + body)
    return ip6(src, dst, 58, struct.pack("!BBH", typ, 0, c) + body)


def bubble(src, dst):
    return ip6(src, dst, 59, b"", 0)


def parse(data):
    """(origin (ip, port) or None, ipv6 packet bytes)"""
    origin = None
    if data[:2] == b"\0\1":
        n = 13 + data[2] + data[3]
        data = data[n:]
    if data[:2] == b"\0\0" and len(data) >= 8:
        port = struct.unpack("!H", data[2:4])[0] ^ 0xFFFF
        ip = socket.inet_ntoa(bytes(b ^ 0xFF for b in data[4:8]))
        origin = (ip, port)
        data = data[8:]
    return origin, data


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def client(bind, me, seconds, ping=None, relay=None):
    me = addr(me)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(hostport(bind))
    end = time.time() + float(seconds)
    replies = requests = seq = 0
    next_ping = time.time()
    while time.time() < end:
        if ping and time.time() >= next_ping:
            seq += 1
            body = struct.pack("!HH", 0x7e7e, seq) + b"teredo-selftest"
            s.sendto(icmp6(me, addr(ping), 128, body), hostport(relay))
            requests += 1
            next_ping = time.time() + 0.2
        r, _, _ = select.select([s], [], [], 0.05)
        if not r:
            continue
        data, src = s.recvfrom(65535)
        origin, pkt = parse(data)
        if len(pkt) < 40:
            continue
        nh, psrc, pdst = pkt[6], pkt[8:24], pkt[24:40]
        if nh == 59:
            if origin:  # indirect bubble: open our NAT towards the origin
                s.sendto(bubble(me, psrc), origin)
            continue
        if nh == 58 and pkt[40] == 128 and pdst == me:
            s.sendto(icmp6(me, psrc, 129, pkt[44:]), src)
        elif nh == 58 and pkt[40] == 129:
            replies += 1
    print("replies %d requests %d" % (replies, requests))


def server(bind, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 3544))
    me = socket.inet_aton(bind)
    end = time.time() + float(seconds)
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        data, src = s.recvfrom(65535)
        _, pkt = parse(data)
        if len(pkt) < 40 or pkt[6] != 59:
            continue
        dst = pkt[24:40]
        if dst[:4] != b"\x20\x01\0\0" or dst[4:8] != me:
            continue
        port = struct.unpack("!H", dst[10:12])[0] ^ 0xFFFF
        ip = bytes(b ^ 0xFF for b in dst[12:16])
        oi = b"\0\0" + struct.pack("!H", src[1] ^ 0xFFFF)
        oi += bytes(b ^ 0xFF for b in socket.inet_aton(src[0]))
        try:
            s.sendto(oi + data, (socket.inet_ntoa(ip), port))
        except OSError:
            pass


def send(bind, dest, *args):
    """HEX [COUNT] [HEX [COUNT]]...: datagrams in that order"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(hostport(bind))
    args = list(args)
    while args:
        data = bytes.fromhex(args.pop(0))
        count = int(args.pop(0)) if args and args[0].isdigit() else 1
        for _ in range(count):
            s.sendto(data, hostport(dest))


def packet(kind, src, dst, trailer=""):
    src, dst = addr(src), addr(dst)
    if kind == "bubble":
        p = bubble(src, dst)
    elif kind == "echo":
        p = icmp6(src, dst, 128, struct.pack("!HH", 1, 1) + b"x" * 8)
    else:
        p = ip6(src, dst, 17, struct.pack("!HHHH", 9, 9, 12, 0) + b"abcd")
    print((p + bytes.fromhex(trailer)).hex())


def tcp_sink(port, seconds):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(port)))
    s.listen(1)
    s.settimeout(float(seconds))
    c, _ = s.accept()
    c.settimeout(float(seconds))
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d)
        n += len(d)
    print(n, h.hexdigest())


def tcp_source(host, port, nbytes):
    rnd = random.Random(int(nbytes))
    data = bytes(rnd.getrandbits(8) for _ in range(int(nbytes)))
    for _ in range(50):
        try:
            c = socket.create_connection((host, int(port)), timeout=20)
            break
        except OSError:
            time.sleep(0.2)
    c.sendall(data)
    c.close()
    print(len(data), hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    cmds = {"client": client, "server": server, "send": send, "packet": packet,
            "tcp-sink": tcp_sink, "tcp-source": tcp_source}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])

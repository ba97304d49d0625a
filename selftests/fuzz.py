#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Packet fuzzer of the Teredo data path, and the ledger that says where
every datagram it sent went (selftests/fuzz.sh).

A structured generator (Teredo datagrams: authentication and origin
indications with every length combination, IPv6 headers and lengths,
extension headers, ICMPv6, UDP and TCP with good and bad checksums, RFC
6081 trailers, IPv6 fragments; IPv4 around them: options, fragments,
checksums, lengths, VLAN tags) and a mutator (bit flips, interesting
values in the length fields, truncations, splices), both driven by one
seeded random stream: the same seed gives the same frames in the same
order. Frames go out of an AF_PACKET socket, as fast as the machine allows,
for a fixed time.

  fuzz.py run CONFIG.json
      CONFIG: {"target": "relay"|"client"|"native", "seed": N,
      "seconds": S, "dev": DEV, "dmac": MAC, "smac": MAC, "dst": IPv4,
      "dport": N, "peers": [[TEREDO_ADDR, IPv4, PORT], ...], "server": IPv4,
      "me": TEREDO_ADDR (client), "native": IPv6, "local6": IPv6,
      "ledger": FILE, "max": N (frames, optional),
      "refresh": {"netns": NS, "dev": DEV, "dmac": MAC, "smac": MAC,
      "dst": IPv4} (native: bubbles from the peers on the Teredo side)}.
      Writes the ledger: frames and datagrams sent, by class, and what
      the IPv4 and UDP layers of the receiver are to count for them.
  fuzz.py frames CONFIG.json FIRST COUNT
      prints frames FIRST..FIRST+COUNT-1 of the stream (hex, one a line):
      a failure is reproduced from the seed.
  fuzz.py trust CONFIG.json
      a bubble from each of the peers (from "refresh" if there is one).
  fuzz.py same SNAP1 SNAP2
      exit 0 if no counter moved between the two snapshots.
  fuzz.py snap DEV UPLINK TEREDOD
      (inside the receiver's namespace) a JSON snapshot of every counter
      the ledger compares: the device's, /proc/net/{snmp,netstat,snmp6},
      the devices' IPv6 MIBs, nftables counters, fragment queues.
  fuzz.py quiesce DEV UPLINK TEREDOD OUT SECONDS
      snapshots 2 s apart until two are alike, no fragment waits and
      nothing is queued (exit 1 after SECONDS); the last one in OUT.
  fuzz.py check TARGET LEDGER BEFORE AFTER [--omit NAME]
      evaluates the ledger's identities; prints one line each, exits 1 if
      one does not hold. --omit leaves a counter out of the sums (the
      check must then fail: a ledger that cannot fail proves nothing).
  fuzz.py report TARGET LEDGER BEFORE AFTER
      check's lines, then whether the sums fail without the largest drop
      reason ("omit NAME ok"), then the counters that moved.
"""
import ctypes
import functools
import ipaddress
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

# ---------------------------------------------------------------- checksums


def csum_raw(data):
    """One's complement sum of 16-bit words, 1..0xffff (0 only for zeros)."""
    if len(data) % 2:
        data += b"\0"
    n = int.from_bytes(data, "big")
    if not n:
        return 0
    r = n % 0xFFFF
    return r or 0xFFFF


def csum(data):
    return ~csum_raw(data) & 0xFFFF


@functools.lru_cache(maxsize=8192)
def a6(s):
    return ipaddress.IPv6Address(s).packed


@functools.lru_cache(maxsize=8192)
def a4(s):
    return socket.inet_aton(s)


def teredo_addr(server, port, ip, flags=0):
    return (b"\x20\x01\0\0" + server + struct.pack("!HH", flags, ~port & 0xFFFF)
            + bytes(b ^ 0xFF for b in ip))


class Rng(random.Random):
    """random.Random with a cheaper choice() and randrange() (the
    generator makes some twenty choices a datagram)."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, a, b=None):
        if b is None:
            a, b = 0, a
        return a + int(self.random() * (b - a))


INTERESTING8 = (0, 1, 2, 7, 8, 0x7F, 0x80, 0xFE, 0xFF)
INTERESTING16 = (0, 1, 7, 8, 39, 40, 41, 1232, 1240, 1280, 1500, 0x7FFF,
                 0x8000, 0xFFF8, 0xFFFF)

# ------------------------------------------------------------- IPv6 layer


class Inner:
    """IPv6 packets, from the structure down."""

    def __init__(self, rng):
        self.r = rng

    # options of hop-by-hop and destination headers
    def options(self, room):
        r = self.r
        out = b""
        while len(out) < room:
            k = r.random()
            left = room - len(out)
            if k < 0.25:
                out += b"\0"                                    # Pad1
            elif k < 0.45 and left >= 2:
                n = min(left - 2, r.choice((0, 1, 4, 6)))
                out += bytes((1, n)) + bytes(n)                 # PadN
            elif k < 0.55 and left >= 4:
                out += bytes((5, 2)) + struct.pack("!H", r.choice((0, 1, 2, 0xFFFF)))
            elif k < 0.62 and left >= 6:
                out += bytes((0xC2, 4)) + struct.pack("!I", r.choice((0, 65535, 65536, 0xFFFFFFFF)))
            elif k < 0.68 and left >= 3:
                out += bytes((4, 1, r.choice((0, 1, 255))))     # tunnel encap limit
            elif left >= 2:
                # unknown, every action: skip, discard, ICMP, ICMP unless multicast
                t = r.choice((0x1E, 0x3E, 0x5E, 0x7E, 0x9E, 0xBE, 0xDE, 0xFE))
                n = min(left - 2, r.choice((0, 1, 2, 4)))
                out += bytes((t, n)) + r.randbytes(n)
            else:
                out += b"\0"
        return out[:room]

    def opthdr(self, nh):
        units = self.r.choice((0, 0, 0, 1, 2))
        body = self.options(6 + 8 * units)
        return bytes((nh, units)) + body

    def routing(self, nh):
        r = self.r
        t = r.choice((0, 2, 3, 4, 0xFD))
        if t == 2:
            return bytes((nh, 2, 2, r.choice((0, 1)))) + bytes(4) + r.randbytes(16)
        n = r.choice((0, 1, 2))
        left = r.choice((0, n, n + 1))
        body = b"".join(r.choice((b"\x20\x01\x0d\xb8" + r.randbytes(12),
                                  r.randbytes(16), bytes(15) + b"\1"))
                        for _ in range(n))
        if t == 4:
            return bytes((nh, 2 * n, 4, left, max(n - 1, 0), 0, 0, 0)) + body
        return bytes((nh, 2 * n, t, left)) + bytes(4) + body

    def frag(self, nh, off=None, more=None, ident=None):
        r = self.r
        if off is None:
            off = r.choice((0, 0, 1, 8, 100, 0x1FFF))
        if more is None:
            more = r.random() < 0.5
        if ident is None:
            ident = r.getrandbits(32)
        return struct.pack("!BBHI", nh, 0, (off << 3) | int(more), ident)

    def icmp6(self, src, dst, quote):
        r = self.r
        k = r.random()
        hop = 64
        if k < 0.3:
            t = r.choice((128, 129))
            body = struct.pack("!HH", r.getrandbits(16), r.getrandbits(16)) + \
                r.randbytes(r.choice((0, 8, 56, r.randrange(0, 1200))))
            code = 0
        elif k < 0.55:
            t = r.choice((1, 2, 3, 4))
            code = r.choice((0, 0, 1, 3, 4, 5, 255))
            word = r.choice((0, 1, 1279, 1280, 1500, 0xFFFF, 0xFFFFFFFF)) if t == 2 \
                else r.choice((0, 6, 40, 0xFFFFFFFF))
            body = struct.pack("!I", word) + quote
        elif k < 0.8:
            hop = r.choice((255, 255, 64))
            t = r.choice((133, 134, 135, 136, 137))
            code = 0
            if t == 133:
                body = bytes(4)
            elif t == 134:
                body = struct.pack("!BBHII", 64, r.choice((0, 0x80, 0x40, 0xC8)),
                                   r.choice((0, 1800, 0xFFFF)), 0, r.choice((0, 2000)))
            elif t == 137:
                body = bytes(4) + r.randbytes(16) + r.choice((dst, src, r.randbytes(16)))
            else:
                body = struct.pack("!I", r.choice((0, 0x60000000, 0xE0000000))) + \
                    r.choice((dst, src, r.randbytes(16)))
            body += self.nd_options(quote)
        else:
            t = r.choice((130, 131, 132, 143, 139, 140, 138, 200, 255, 0))
            code = r.choice((0, 1))
            body = r.randbytes(r.choice((0, 4, 20, 24, 60)))
        msg = bytes((t, code)) + b"\0\0" + body
        pseudo = src + dst + struct.pack("!I3xB", len(msg), 58)
        c = csum(pseudo + msg)
        if r.random() < 0.1:
            c ^= 1 + r.getrandbits(15)
        return hop, msg[:2] + struct.pack("!H", c) + msg[4:]

    def nd_options(self, quote):
        r = self.r
        out = b""
        for _ in range(r.choice((0, 1, 2, 3))):
            k = r.random()
            if k < 0.25:
                out += bytes((1, 1)) + r.randbytes(6)                    # SLLA
            elif k < 0.45:
                plen = r.choice((0, 32, 64, 128, 200))
                out += struct.pack("!BBBBIII", 3, 4, plen, r.choice((0xC0, 0x40, 0x80, 0)),
                                   r.choice((0, 0xFFFFFFFF, 30)), r.choice((0, 0xFFFFFFFF, 30)), 0)
                out += r.choice((b"\x20\x01\0\0" + bytes(12), b"\x20\x01\x0d\xb8" + bytes(12),
                                 bytes(16), r.randbytes(16)))
            elif k < 0.6:
                out += struct.pack("!BBHI", 5, 1, 0, r.choice((0, 1000, 1280, 9000, 0xFFFFFFFF)))
            elif k < 0.7:
                out += bytes((4, 1 + len(quote[:40]) // 8)) + bytes(6) + quote[:40 - 40 % 8]
            elif k < 0.8:
                out += bytes((25, 3, 0, 0)) + struct.pack("!I", 300) + r.randbytes(16)
            elif k < 0.9:
                n = r.choice((1, 2, 3))         # route information
                out += bytes((24, n, r.choice((0, 48, 64, 129)), 0)) + \
                    struct.pack("!I", 300) + r.randbytes(8 * n - 8)
            else:
                n = r.choice((0, 1, 2, 255))
                out += bytes((r.getrandbits(8), n)) + r.randbytes(max(0, 8 * n - 2))[:64]
        return out

    def udp(self, src, dst):
        r = self.r
        sp = r.choice((7, 9, 53, 123, 3544, r.getrandbits(16)))
        dp = r.choice((7, 9, 53, 123, 3544, 33434, r.getrandbits(16)))
        data = r.randbytes(r.choice((0, 1, 8, 64, r.randrange(0, 1200))))
        ln = 8 + len(data)
        c = csum(src + dst + struct.pack("!I3xB", ln, 17) +
                 struct.pack("!HHHH", sp, dp, ln, 0) + data) or 0xFFFF
        k = r.random()
        if k < 0.08:
            c = 0                   # forbidden in IPv6
        elif k < 0.16:
            c ^= 0x0F0F
        if r.random() < 0.05:
            ln = r.choice(INTERESTING16)
        return struct.pack("!HHHH", sp, dp, ln, c) + data

    def tcp(self, src, dst):
        r = self.r
        opts = b""
        for _ in range(r.choice((0, 1, 2, 3))):
            opts += r.choice((b"\x02\x04\x05\x00", b"\x01\x03\x03\x07", b"\x04\x02",
                              b"\x08\x0a" + r.randbytes(8), b"\x13\x12" + r.randbytes(16),
                              b"\x22\x02", bytes((r.getrandbits(8), r.choice((0, 1, 2, 40))))))
        opts += bytes(-len(opts) % 4)
        opts = opts[:40]
        doff = 5 + len(opts) // 4
        if r.random() < 0.05:
            doff = r.choice((0, 4, 15))
        flags = r.choice((0x02, 0x02, 0x10, 0x04, 0x11, 0x18, 0x12, 0xFF, 0))
        hdr = struct.pack("!HHIIBBHHH", r.getrandbits(16), r.choice((22, 80, 443, 9, r.getrandbits(16))),
                          r.getrandbits(32), r.getrandbits(32), doff << 4, flags,
                          r.choice((0, 1, 65535)), 0, r.choice((0, 1)))
        seg = hdr + opts + r.randbytes(r.choice((0, 0, 10, 500)))
        c = csum(src + dst + struct.pack("!I3xB", len(seg), 6) + seg)
        if r.random() < 0.1:
            c ^= 0x1111
        return seg[:16] + struct.pack("!H", c) + seg[18:]

    def packet(self, src, dst, depth=0, nh_choice=None):
        """An IPv6 packet from src to dst; returns (bytes, marks): marks
        are offsets of length fields and header starts, for the mutator."""
        r = self.r
        marks = [4]                                     # payload length
        quote = b""
        if depth == 0 and r.random() < 0.3:
            quote = self.packet(r.choice((src, dst)), r.choice((dst, src, r.randbytes(16))),
                                depth + 1)[0][:r.choice((48, 80, 1232))]
        # the chain of extension headers
        chain = []
        if r.random() < 0.25:
            n = r.choice((1, 1, 2, 3))
            kinds = [r.choice((0, 60, 43, 44, 51)) for _ in range(n)]
            if r.random() < 0.8:        # hop-by-hop first, when there is one
                kinds = sorted(kinds, key=lambda k: k != 0)
            chain = kinds
        k = nh_choice if nh_choice is not None else r.random()
        hop = r.choice((64, 64, 64, 1, 0, 2, 255))
        if k < 0.45:
            upper_nh = 58
            h, upper = self.icmp6(src, dst, quote)
            if r.random() < 0.5:
                hop = h
        elif k < 0.65:
            upper_nh, upper = 17, self.udp(src, dst)
        elif k < 0.8:
            upper_nh, upper = 6, self.tcp(src, dst)
        elif k < 0.88:
            upper_nh, upper = 59, r.randbytes(r.choice((0, 0, 8, 100)))
        else:
            upper_nh = r.choice((50, 135, 41, 4, 132, 255, r.getrandbits(8)))
            upper = r.randbytes(r.choice((0, 8, 40, 200)))
        body = upper
        nh = upper_nh
        for kind in reversed(chain):
            if kind in (0, 60):
                ext = self.opthdr(nh)
            elif kind == 43:
                ext = self.routing(nh)
            elif kind == 44:
                ext = self.frag(nh)
            else:                       # AH: 12 bytes + ICV, length in 4-byte units - 2
                icv = r.choice((0, 12, 16))
                ext = bytes((nh, (12 + icv) // 4 - 2)) + bytes(2) + r.randbytes(8 + icv)
            body = ext + body
            nh = kind
        plen = len(body)
        flow = r.choice((0, 0x60000000, 0x6FFFFFFF, 0x60000001))
        pkt = struct.pack("!IHBB", flow, plen, nh, hop) + src + dst + body
        if chain:
            marks.append(41)
        return pkt, marks

    def fragments(self, src, dst):
        """An ICMPv6 echo or UDP datagram in 2-3 IPv6 fragments (whole sets)."""
        r = self.r
        nh, upper = (17, self.udp(src, dst)) if r.random() < 0.5 else \
            (58, self.icmp6(src, dst, b"")[1])
        while len(upper) < 24:
            upper += b"\0"
        ident = r.getrandbits(32)
        n = r.choice((2, 2, 3))
        cuts = sorted(r.sample(range(1, len(upper) // 8), min(n - 1, len(upper) // 8 - 1)))
        cuts = [c * 8 for c in cuts]
        pieces = []
        prev = 0
        for c in cuts + [len(upper)]:
            pieces.append((prev, upper[prev:c]))
            prev = c
        out = []
        for i, (off, part) in enumerate(pieces):
            more = i < len(pieces) - 1
            fh = self.frag(nh, off // 8, more, ident)
            body = fh + part
            out.append(struct.pack("!IHBB", 0x60000000, len(body), 44, 64) + src + dst + body)
        if r.random() < 0.3:
            r.shuffle(out)
        if r.random() < 0.1:
            out = out[:-1]              # a missing piece: the receiver times out
        return out

# ------------------------------------------------------------ Teredo layer


def trailer(r):
    k = r.random()
    if k < 0.2:
        return b"\x01\x04" + r.randbytes(4)
    if k < 0.4:
        n = r.choice((0, 1, 2, 3))
        return bytes((3, 2 + 6 * n)) + bytes(2) + r.randbytes(6 * n)
    if k < 0.55:
        return b"\x04\x04" + bytes((r.choice((0, 1, 2)),)) + bytes(3)
    if k < 0.7:
        return b"\x05\x02" + r.randbytes(2)
    return r.randbytes(r.choice((1, 2, 7, 64)))


def auth_hdr(r):
    idlen = r.choice((0, 0, 1, 7, 8, 16, 255, r.getrandbits(8)))
    aulen = r.choice((0, 0, 1, 7, 8, 16, 255, r.getrandbits(8)))
    return (b"\0\1" + bytes((idlen, aulen)) + r.randbytes(idlen + aulen)
            + r.randbytes(8) + bytes((r.choice((0, 0, 1, 255)),)))


def origin_hdr(r, ip=None, port=None):
    ip = ip if ip is not None else r.randbytes(4)
    port = port if port is not None else r.getrandbits(16)
    return b"\0\0" + struct.pack("!H", ~port & 0xFFFF) + bytes(b ^ 0xFF for b in ip)


class Mutator:
    def __init__(self, rng):
        self.r = rng
        self.pool = []

    def mutate(self, data, marks):
        r = self.r
        data = bytearray(data)
        for _ in range(r.choice((1, 1, 1, 2, 3, 4))):
            k = r.random()
            if not data:
                data += r.randbytes(r.choice((1, 2, 40)))
                continue
            if k < 0.25:
                i = r.randrange(len(data))
                data[i] ^= 1 << r.randrange(8)
            elif k < 0.4:
                data[r.randrange(len(data))] = r.choice(INTERESTING8)
            elif k < 0.55 and marks:
                i = r.choice(marks)
                if i + 2 <= len(data):
                    data[i:i + 2] = struct.pack("!H", r.choice(INTERESTING16))
            elif k < 0.7:
                cut = r.choice((r.randrange(len(data) + 1), max(0, len(data) - r.choice((1, 2, 8))),
                                r.choice(marks) if marks else 0))
                del data[cut:]
            elif k < 0.8:
                data += r.randbytes(r.choice((1, 8, 100)))
            elif k < 0.88:
                i = r.randrange(len(data))
                if r.random() < 0.5:
                    del data[i]
                else:
                    data.insert(i, r.getrandbits(8))
            elif k < 0.95 and self.pool:
                other = r.choice(self.pool)
                i = r.randrange(len(data) + 1)
                j = r.randrange(len(other) + 1)
                data = data[:i] + other[j:]
            else:
                i = r.randrange(len(data))
                n = r.choice((2, 4, 16))
                data[i:i + n] = bytes(min(n, len(data) - i))
        if len(self.pool) < 64:
            self.pool.append(bytes(data))
        else:
            self.pool[r.randrange(64)] = bytes(data)
        return bytes(data)

# ----------------------------------------------------------- IPv4 and below

# What the receiver's IPv4 and UDP layers do with each class of datagram,
# as counted in /proc/net/snmp and netstat; "dev" reaches the device.
CLASSES = {
    "plain": "dev", "nocsum": "dev", "ipopt": "dev", "pad": "dev",
    "udptrim": "dev", "frag": "dev", "vlan0": "dev", "ttl": "dev",
    "badcsum": "udp_csum", "udpshort": "udp_short",
    "fragmissing": "reasm_timeout", "fragoverlap": "reasm_overlap",
    "ipcsum": "ip_csum", "ipver": "ip_hdr", "iptrunc": "ip_trunc",
    "martian": "martian", "localsrc": "localsrc", "vlan": "otherhost",
}


class Outer:
    def __init__(self, rng, cfg):
        self.r = rng
        self.dmac = bytes.fromhex(cfg["dmac"].replace(":", ""))
        self.smac = bytes.fromhex(cfg["smac"].replace(":", ""))
        self.dst = a4(cfg["dst"])
        self.ident = rng.getrandbits(16)

    def eth(self, proto, vlan=None):
        if vlan is None:
            return self.dmac + self.smac + struct.pack("!H", proto)
        return self.dmac + self.smac + struct.pack("!HHH", 0x8100, vlan, proto)

    def iphdr(self, src, length, ident=0, frag=0, ttl=64, opt=b"", tos=0, proto=17):
        ihl = 5 + len(opt) // 4
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, length, ident, frag, ttl,
                        proto, 0, src, self.dst) + opt
        c = csum(h)
        return h[:10] + struct.pack("!H", c) + h[12:]

    def datagram(self, src, sport, dport, payload, cls):
        """Frames carrying one UDP datagram of class cls."""
        r = self.r
        # one frame of 1500 bytes at most, with options and padding
        payload = payload[:1400]
        ulen = 8 + len(payload)
        pseudo = src + self.dst + struct.pack("!BBH", 0, 17, ulen)
        c = csum(pseudo + struct.pack("!HHHH", sport, dport, ulen, 0) + payload) or 0xFFFF
        if cls == "nocsum":
            c = 0
        elif cls == "badcsum":
            c = c ^ (1 << r.randrange(16)) or 1
        udp = struct.pack("!HHHH", sport, dport, ulen, c) + payload
        tos = r.choice((0, 0, 1, 2, 3, 0xB8))
        ttl = r.choice((0, 1, 64, 255)) if cls == "ttl" else 64
        df = 0x4000 if r.random() < 0.3 else 0
        if cls == "udpshort":
            bump = r.choice((1, 8, 1000))
            udp = struct.pack("!H", min(ulen + bump, 0xFFFF)).join((udp[:4], udp[6:]))
        elif cls == "udptrim":
            # the UDP length covers less than the IPv4 payload: the rest is
            # cut, and the checksum covers what the UDP length says
            keep = r.randrange(8, ulen) if ulen > 8 else 8
            if keep == ulen:
                payload += b"\0"       # something to cut
            c = csum(src + self.dst + struct.pack("!BBH", 0, 17, keep) +
                     struct.pack("!HHHH", sport, dport, keep, 0) + payload[:keep - 8]) or 0xFFFF
            udp = struct.pack("!HHHH", sport, dport, keep, c) + payload
        if cls in ("frag", "fragmissing", "fragoverlap"):
            return self.fragments(src, udp, cls, tos)

        opt = b""
        if cls == "ipopt":
            opt = r.choice((b"\x01\x01\x01\x01", b"\x01\x01\x01\x00", b"\x00\x00\x00\x00",
                            b"\x01" * 8))
        ip = self.iphdr(src, 20 + len(opt) + len(udp), 0, df, ttl, opt, tos) + udp
        if cls == "ipcsum":
            ip = ip[:10] + struct.pack("!H", (struct.unpack("!H", ip[10:12])[0] ^ 0x0101)) + ip[12:]
        elif cls == "ipver":
            v = r.choice((0x44, 0x65, 0x04, 0x45 - 1))
            h = bytes((v,)) + ip[1:10] + b"\0\0" + ip[12:20]
            ip = h[:10] + struct.pack("!H", csum(h)) + h[12:] + ip[20:]
        elif cls == "iptrunc":
            ip = ip[:r.randrange(20, len(ip))]
        elif cls == "pad":
            ip += r.randbytes(r.choice((1, 4, 30)))
        vlan = None
        if cls == "vlan0":
            vlan = r.getrandbits(3) << 13
        elif cls == "vlan":
            vlan = r.choice((7, 100, 4094))
        return [self.eth(0x0800, vlan) + ip]

    def fragments(self, src, udp, cls, tos):
        r = self.r
        self.ident = (self.ident + 1) & 0xFFFF
        ident = self.ident or 1
        n = len(udp)
        if n < 16:
            udp += bytes(16 - n)   # the IPv4 length says so: UDP pads nothing, ok
            n = 16
        cuts = sorted(set(8 * r.randrange(1, max(2, n // 8)) for _ in range(r.choice((1, 1, 2, 3)))))
        cuts = [c for c in cuts if c < n] or [8]
        pieces = []
        prev = 0
        for c in cuts + [n]:
            pieces.append((prev, udp[prev:c]))
            prev = c
        if cls == "fragoverlap":
            # the first piece, then one that overlaps it and is longer:
            # the queue is discarded at once (a failure and an overlap),
            # and nothing of that datagram comes after
            off, part = pieces[0]
            over = (0, (udp + bytes(8))[:len(part) + 8])
            pieces = [pieces[0], over]
            more = [True, True]
        elif cls == "fragmissing":
            drop = r.randrange(len(pieces))
            more = [i < len(pieces) - 1 for i in range(len(pieces))]
            pieces = pieces[:drop] + pieces[drop + 1:]
            more = more[:drop] + more[drop + 1:]
        else:
            more = [i < len(pieces) - 1 for i in range(len(pieces))]
        frames = []
        for (off, part), mf in zip(pieces, more):
            ip = self.iphdr(src, 20 + len(part), ident, (0x2000 if mf else 0) | off // 8, 64, b"", tos)
            frames.append(self.eth(0x0800) + ip + part)
        if cls == "frag" and r.random() < 0.4:
            r.shuffle(frames)
        if cls == "frag" and r.random() < 0.1:
            # a duplicate of a piece, before the last one (after it, the
            # datagram is complete and a duplicate would start a new queue)
            frames.insert(r.randrange(len(frames)), r.choice(frames[:-1]))
        return frames

# --------------------------------------------------------------- targets


def pick_class(r, table):
    x = r.random()
    for cls, p in table:
        if x < p:
            return cls
        x -= p
    return "plain"


OUTER_CLASSES = [("nocsum", 0.08), ("badcsum", 0.03), ("ipopt", 0.03), ("pad", 0.02),
                 ("udptrim", 0.015), ("udpshort", 0.015), ("frag", 0.05),
                 ("fragmissing", 0.015), ("fragoverlap", 0.01), ("ipcsum", 0.015),
                 ("ipver", 0.01), ("iptrunc", 0.01), ("martian", 0.005),
                 ("localsrc", 0.005), ("vlan", 0.01), ("vlan0", 0.01), ("ttl", 0.02)]

# what the IPv4 input route drops as martian (0.0.0.0/8 but 0.0.0.0 is
# unicast since Linux 5.3: 0.0.0.1 is not here)
MARTIANS = [a4(x) for x in ("0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255")]


class Target:
    """One datagram (or a set: IPv6 fragments) at a time, with its frames."""

    def __init__(self, cfg, seed):
        self.cfg = cfg
        self.r = Rng(seed)
        self.inner = Inner(self.r)
        self.mut = Mutator(self.r)
        self.outer = Outer(self.r, cfg)
        self.peers = [(a6(a), a4(ip), int(port)) for a, ip, port in cfg.get("peers", [])]
        self.server = a4(cfg.get("server", "198.18.0.200"))
        self.dport = int(cfg.get("dport", 3544))
        self.native = a6(cfg.get("native", "2001:db8:1::2"))
        self.local6 = a6(cfg.get("local6", "2001:db8:1::1"))
        self.me = a6(cfg["me"]) if cfg.get("me") else None
        self.relay_ip = a4(cfg.get("relayip", "198.18.0.10"))

    def rnd_teredo(self, ip=None, port=None, server=None):
        r = self.r
        if ip is None:
            ip = r.choice((a4("198.18.%d.%d" % (r.randrange(2), r.randrange(100, 250))),
                           r.randbytes(4), a4("10.1.2.3"), a4("192.168.0.1")))
        if port is None:
            port = r.getrandbits(16)
        return teredo_addr(server or self.server, port, ip, r.choice((0, 0, 0x8000, 0x4000)))

    def odd_addr(self):
        r = self.r
        return r.choice((a6("fe80::1"), a6("ff02::1"), a6("::1"), a6("::"), a6("::ffff:198.18.0.1"),
                         a6("fec0::1"), a6("2002:c612:1::1"), a6("ff0e::1"), r.randbytes(16),
                         a6("::198.18.0.1")))

    def spoof_ip(self):
        """A source the receiver's IPv4 input route takes: not martian,
        not local, not a broadcast of its subnet (those are classes of
        their own, or tests of their own)."""
        r = self.r
        ip = r.choice((a4("198.18.1.%d" % r.randrange(1, 255)), a4("203.0.113.%d" % r.randrange(256)),
                       r.randbytes(4), a4("198.18.0.%d" % r.randrange(100, 250))))
        if ip[0] in (0, 127) or ip[0] >= 224 or ip[:3] == b"\xc6\x12\0":
            ip = a4("198.18.0.%d" % r.randrange(100, 250))
        return ip

    def next(self):
        """[(frames, outer class)] for the next datagram(s)."""
        r = self.r
        cls = self.cfg.get("only_class") or pick_class(r, OUTER_CLASSES)
        t = self.cfg["target"]
        if t == "relay":
            items = self.relay_payloads()
        else:
            items = self.client_payloads()
        out = []
        for src, sport, payload, marks in items:
            if r.random() < 0.25:
                payload = self.mut.mutate(payload, marks)
            c = cls
            if c == "martian":
                src = r.choice(MARTIANS)
            elif c == "localsrc":
                src = self.outer.dst
            out.append((self.outer.datagram(src, sport, self.dport, payload, c), c))
            cls = "plain" if c in ("martian", "localsrc", "fragmissing", "fragoverlap") else c
        return out

    def wrap(self, pkt, marks, auth=0.0, origin=0.0, trail=0.0, oip=None, oport=None):
        r = self.r
        head = b""
        if r.random() < auth:
            head += auth_hdr(r)
        if r.random() < origin:
            head += origin_hdr(r, oip, oport)
        tail = trailer(r) if r.random() < trail else b""
        return head + pkt + tail, [m + len(head) for m in marks] + [2, 3]

    def relay_payloads(self):
        r = self.r
        k = r.random()
        if self.peers and k < 0.62:
            addr, ip, port = r.choice(self.peers)
            dst = r.choice((self.native, self.native, self.native, self.local6,
                            a6("2001:db8:1::%x" % r.randrange(2, 9)), a6("2001:db8:2::1"),
                            self.rnd_teredo(), self.odd_addr(), a6("2600::1")))
            if k < 0.12:                # a bubble, refreshing the peer
                pkt = struct.pack("!IHBB", 0x60000000, 0, 59, 0) + addr + dst
                payload, marks = self.wrap(pkt, [4], trail=0.4)
                if r.random() < 0.1:
                    port = r.getrandbits(16)          # RFC 6081 4.2: another port
                return [(ip, port, payload, marks)]
            if k < 0.16:
                return [(ip, port, p, [4]) for p in self.inner.fragments(addr, dst)]
            pkt, marks = self.inner.packet(addr, dst)
            payload, marks = self.wrap(pkt, marks, auth=0.02, origin=0.05, trail=0.05)
            return [(ip, port, payload, marks)]
        src_ip = self.spoof_ip()
        sport = r.getrandbits(16)
        if k < 0.72:    # a Teredo source not matching the UDP source
            src = self.rnd_teredo()
        elif k < 0.8:   # matching, but nobody the relay talks to
            src = self.rnd_teredo(src_ip, sport)
        elif k < 0.86:
            src = r.choice((self.native, self.odd_addr()))
        else:           # headers only, garbage
            kind = r.random()
            if kind < 0.4:
                payload = auth_hdr(r) + r.choice((b"", origin_hdr(r))) + \
                    self.inner.packet(self.rnd_teredo(src_ip, sport), self.native)[0]
            elif kind < 0.6:
                payload = origin_hdr(r) + r.randbytes(r.choice((0, 10, 39, 40)))
            else:
                payload = r.randbytes(r.choice((0, 1, 2, 8, 39, 40, 41, 100)))
            return [(src_ip, sport, payload, [2, 3])]
        pkt, marks = self.inner.packet(src, r.choice((self.native, self.local6)))
        payload, marks = self.wrap(pkt, marks, auth=0.05, origin=0.05, trail=0.05)
        return [(src_ip, sport, payload, marks)]

    def client_payloads(self):
        r = self.r
        me = self.me
        k = r.random()
        if k < 0.2:     # as the client's server: relayed bubbles, control
            kind = r.random()
            src = r.choice(self.peers)[0] if self.peers and r.random() < 0.5 else self.rnd_teredo()
            if kind < 0.45:
                pkt = struct.pack("!IHBB", 0x60000000, 0, 59, 0) + src + r.choice((me, me, me, self.odd_addr()))
                oip = r.choice((self.spoof_ip(), a4("198.18.0.%d" % r.randrange(100, 120)), r.randbytes(4)))
                payload, marks = self.wrap(pkt, [4], auth=0.05, origin=0.9, trail=0.2,
                                           oip=oip, oport=r.getrandbits(16))
            elif kind < 0.75:   # router advertisements, with and without auth
                src = a6("fe80::8000:f227:39ed:fffe")
                pkt, marks = self.inner.packet(src, r.choice((a6("fe80::ffff:ffff:ffff"), me)), nh_choice=0.6)
                payload, marks = self.wrap(pkt, marks, auth=0.7, origin=0.7)
            else:
                pkt, marks = self.inner.packet(src, me)
                payload, marks = self.wrap(pkt, marks, auth=0.2, origin=0.5)
            return [(self.server, 3544, payload, marks)]
        if k < 0.5 and self.peers:      # Teredo peers from their mappings
            addr, ip, port = r.choice(self.peers)
            if r.random() < 0.3:        # new ones, case 3
                ip, port = a4("198.18.%d.%d" % (r.randrange(2), r.randrange(120, 250))), r.getrandbits(16)
                addr = self.rnd_teredo(ip, port)
            if r.random() < 0.2:
                pkt = struct.pack("!IHBB", 0x60000000, 0, 59, 0) + addr + me
                payload, marks = self.wrap(pkt, [4], trail=0.4)
                return [(ip, port, payload, marks)]
            if r.random() < 0.1:
                return [(ip, port, p, [4]) for p in self.inner.fragments(addr, me)]
            pkt, marks = self.inner.packet(addr, r.choice((me, me, me, me, self.odd_addr(), self.native)))
            payload, marks = self.wrap(pkt, marks, auth=0.02, origin=0.05, trail=0.05)
            return [(ip, port, payload, marks)]
        if k < 0.75:    # native sources through relays
            relay = r.choice(((self.relay_ip, 3545), (self.relay_ip, 3544),
                              (a4("198.18.0.%d" % r.randrange(11, 16)), 3544),
                              (self.spoof_ip(), r.getrandbits(16))))
            src = r.choice((self.native, a6("2001:db8:5::%x" % r.randrange(1, 40)),
                            b"\x20\x01\x0d\xb8\0\x06" + bytes(8) + r.randbytes(2), self.odd_addr()))
            if r.random() < 0.1:
                return [(relay[0], relay[1], p, [4]) for p in self.inner.fragments(src, me)]
            pkt, marks = self.inner.packet(src, r.choice((me, me, me, self.odd_addr())))
            payload, marks = self.wrap(pkt, marks, auth=0.02, origin=0.05, trail=0.05)
            return [(relay[0], relay[1], payload, marks)]
        src_ip, sport = self.spoof_ip(), r.getrandbits(16)
        if k < 0.87:    # Teredo sources not matching, or into private networks
            src = r.choice((self.rnd_teredo(), self.rnd_teredo(a4("10.0.0.1"), sport),
                            self.rnd_teredo(src_ip, sport ^ 1)))
            pkt, marks = self.inner.packet(src, me)
            payload, marks = self.wrap(pkt, marks, auth=0.1, origin=0.1)
            return [(src_ip, sport, payload, marks)]
        kind = r.random()
        if kind < 0.5:
            payload = auth_hdr(r) + r.choice((b"", origin_hdr(r))) + \
                self.inner.packet(a6("fe80::1"), me, nh_choice=0.3)[0]
            sport = r.choice((3544, sport))
        else:
            payload = r.randbytes(r.choice((0, 1, 2, 8, 39, 40, 41, 100)))
        return [(src_ip, sport, payload, [2, 3])]


class NativeTarget:
    """IPv6 frames at the relay's native side (the transmit fast path)."""

    def __init__(self, cfg, seed):
        self.cfg = cfg
        self.r = Rng(seed)
        self.inner = Inner(self.r)
        self.mut = Mutator(self.r)
        self.dmac = bytes.fromhex(cfg["dmac"].replace(":", ""))
        self.smac = bytes.fromhex(cfg["smac"].replace(":", ""))
        self.peers = [(a6(a), a4(ip), int(port)) for a, ip, port in cfg.get("peers", [])]
        self.known = [a6(a) for a in cfg.get("known", [])]
        self.native = a6(cfg.get("native", "2001:db8:1::2"))
        self.local6 = a6(cfg.get("local6", "2001:db8:1::1"))
        self.server = a4(cfg.get("server", "198.18.0.200"))

    def next(self):
        r = self.r
        k = r.random()
        if k < 0.45 and self.peers:
            dst = r.choice(self.peers)[0]
        elif k < 0.55 and self.known:
            dst = r.choice(self.known)
        elif k < 0.8:
            ip = r.choice((a4("198.18.0.%d" % r.randrange(100, 250)), r.randbytes(4),
                           a4("10.0.0.1"), a4("198.18.0.10")))
            server = r.choice((self.server, self.server, r.randbytes(4), a4("198.18.0.10"),
                               a4("127.0.0.1")))
            dst = teredo_addr(server, r.getrandbits(16), ip, r.choice((0, 0x8000)))
        else:
            dst = r.choice((self.native, self.local6, a6("ff02::1"), a6("fe80::1"),
                            a6("2001:db8:2::1"), r.randbytes(16)))
        src = r.choice((self.native, self.native, self.native, a6("2001:db8:1::%x" % r.randrange(3, 99)),
                        a6("2001:db8:7::1"), a6("fe80::2"), a6("ff02::1"), a6("::"), a6("::1"),
                        a6("::ffff:1.2.3.4"), r.choice(self.peers)[0] if self.peers else a6("::")))
        if r.random() < 0.05:
            pkts = self.inner.fragments(src, dst)
            cls = "frag6"
        else:
            pkt, marks = self.inner.packet(src, dst)
            if r.random() < 0.2:
                pkt = self.mut.mutate(pkt, marks)
            pkts = [pkt]
            cls = "plain"
        out = []
        for p in pkts:
            x = r.random()
            c = cls
            if x < 0.02:
                frame = self.dmac + self.smac + struct.pack("!HHH", 0x8100, r.choice((7, 100)), 0x86DD) + p
                c = "vlan"
            elif x < 0.04:
                frame = self.dmac + self.smac + struct.pack("!HHH", 0x8100, 0, 0x86DD) + p
                c = "vlan0"
            else:
                frame = self.dmac + self.smac + b"\x86\xdd" + p
                if r.random() < 0.02:
                    frame += r.randbytes(r.choice((1, 8)))       # padding past the IPv6 length
            out.append(([frame], c))
        return out


# ------------------------------------------------------------------ sending

CLONE_NEWNET = 0x40000000


def packet_socket(dev, netns=None):
    """An AF_PACKET socket on dev, in netns if given (then back here)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if netns:
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        there = os.open("/run/netns/" + netns, os.O_RDONLY)
        if libc.setns(there, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + netns)
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.bind((dev, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    finally:
        if netns:
            libc.setns(here, CLONE_NEWNET)
            os.close(here)
            os.close(there)
    return s


def make_target(cfg):
    if cfg["target"] == "native":
        return NativeTarget(cfg, int(cfg["seed"]))
    return Target(cfg, int(cfg["seed"]))


def native_frame(dmac, smac, src, dst, size=40):
    """Ethernet + IPv6 + UDP 9 -> 9 with size bytes of data."""
    data = bytes(size)
    ln = 8 + size
    c = csum(src + dst + struct.pack("!I3xB", ln, 17) + struct.pack("!HHHH", 9, 9, ln, 0) + data) or 0xFFFF
    return (dmac + smac + b"\x86\xdd" + struct.pack("!IHBB", 0x60000000, ln, 17, 64) + src + dst +
            struct.pack("!HHHH", 9, 9, ln, c) + data)


def side_socket(cfg, key, main):
    """The socket of cfg[key] (its own namespace and device, or main)."""
    c = cfg.get(key)
    if c is None:
        return None, None
    if not c.get("netns") and c.get("dev", cfg["dev"]) == cfg["dev"]:
        return main, c
    return packet_socket(c["dev"], c.get("netns")), c


def run(path):
    cfg = json.load(open(path))
    gen = make_target(cfg)
    s = packet_socket(cfg["dev"])
    ledger = {"seed": cfg["seed"], "target": cfg["target"], "frames": 0, "datagrams": 0,
              "bytes": 0, "classes": {}, "class_frames": {}, "expect": {}, "send_errors": 0,
              "side_frames": 0}
    exp = ledger["expect"]
    cnt = ledger["classes"]
    cfr = ledger["class_frames"]

    def out(sock, frames, cls):
        ok = 0
        for f in frames:
            try:
                sock.send(f)
                ok += 1
            except OSError:
                ledger["send_errors"] += 1
        if sock is not s:
            ledger["side_frames"] += ok
            return
        if ok != len(frames):
            # a datagram partly sent has no predictable fate (sending
            # never fails on a veth: this would show in the ledger)
            cls = "unsent"
        ledger["frames"] += ok
        ledger["bytes"] += sum(len(f) for f in frames[:ok])
        ledger["datagrams"] += 1
        cnt[cls] = cnt.get(cls, 0) + 1
        cfr[cls] = cfr.get(cls, 0) + ok

    # the peers: a native packet to each makes its entry, a bubble from
    # its mapping trusts it, then one every 5 s keeps it fresh
    cs, cc = side_socket(cfg, "create", s)
    if cs:
        dmac = bytes.fromhex(cc["dmac"].replace(":", ""))
        smac = bytes.fromhex(cc["smac"].replace(":", ""))
        for a in [p[0] for p in cfg.get("peers", [])] + cfg.get("known", []):
            out(cs, [native_frame(dmac, smac, a6(cc["src6"]), a6(a))], "plain")
        time.sleep(0.2)
    rs, rc = side_socket(cfg, "refresh", s)
    if rs:
        ro = Outer(random.Random(0), dict(cfg, **rc))
        native = a6(cfg.get("native", "2001:db8:1::2"))
        bubbles = [ro.datagram(a4(ip), int(port), int(rc.get("dport", 3544)),
                               struct.pack("!IHBB", 0x60000000, 0, 59, 0) + a6(a) + native, "plain")
                   for a, ip, port in cfg.get("peers", [])]
    seconds = float(cfg["seconds"])
    limit = int(cfg.get("max", 0))
    t0 = time.monotonic()
    next_refresh = t0
    progress = cfg.get("progress")
    next_progress = t0 + 5
    while True:
        now = time.monotonic()
        if now - t0 >= seconds or (limit and ledger["frames"] >= limit):
            break
        if rs and now >= next_refresh:
            for b in bubbles:
                out(rs, b, "plain")
            next_refresh = now + 5
        if progress and now >= next_progress:
            with open(progress, "w") as p:
                p.write("%d frames %d datagrams %.1f s\n" % (ledger["frames"], ledger["datagrams"], now - t0))
            next_progress = now + 5
        for frames, cls in gen.next():
            out(s, frames, cls)
    ledger["seconds"] = round(time.monotonic() - t0, 2)
    for cls, n in cnt.items():
        fate = CLASSES.get(cls, cls)
        exp[fate] = exp.get(fate, 0) + n
    json.dump(ledger, open(cfg["ledger"], "w"), indent=1, sort_keys=True)
    print("%d frames (%d datagrams, %d bytes) in %.1f s, %.0f frames/s, seed %s" %
          (ledger["frames"], ledger["datagrams"], ledger["bytes"], ledger["seconds"],
           ledger["frames"] / max(ledger["seconds"], 0.01), cfg["seed"]))


def trust(path):
    """A bubble from each peer's mapping (the relay then trusts them)."""
    cfg = json.load(open(path))
    rc = cfg.get("refresh", cfg)
    s = packet_socket(rc["dev"], rc.get("netns"))
    o = Outer(random.Random(0), rc)
    native = a6(cfg.get("native", "2001:db8:1::2"))
    for addr, ip, port in cfg["peers"]:
        pkt = struct.pack("!IHBB", 0x60000000, 0, 59, 0) + a6(addr) + native
        for f in o.datagram(a4(ip), int(port), int(rc.get("dport", 3544)), pkt, "plain"):
            s.send(f)


def same(a, b):
    return 0 if alike(json.load(open(a)), json.load(open(b))) else 1


def alike(x, y):
    """Two snapshots equal but for the time and the slab (other caches
    may share it): nothing moved in between."""
    x, y = dict(x), dict(y)
    for s in (x, y):
        s["teredo"] = dict(s.get("teredo", {}))
        for k in ("t", "slab_objects", "peers", "trusted"):
            s.pop(k, None)
        # entries expire (30 s): that is no traffic
        for k in ("peer_expired",):
            s.get("teredo", {}).pop(k, None)
    return x == y


def frames(path, first, count):
    cfg = json.load(open(path))
    gen = make_target(cfg)
    i = 0
    first, count = int(first), int(count)
    while i < first + count:
        for fr, cls in gen.next():
            for f in fr:
                if i >= first and i < first + count:
                    print(cls, f.hex())
                i += 1

# ---------------------------------------------------------------- counters


def proc_table(path):
    """/proc/net/snmp and netstat: {"Ip": {...}, "IpExt": {...}, ...}"""
    out = {}
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out
    for a, b in zip(lines[0::2], lines[1::2]):
        ka, kb = a.split(), b.split()
        out[ka[0].rstrip(":")] = {k: int(v) for k, v in zip(ka[1:], kb[1:])}
    return out


def kv(path):
    out = {}
    try:
        for line in open(path):
            f = line.split()
            if len(f) == 2:
                out[f[0]] = int(f[1])
    except OSError:
        pass
    return out


def link_stats64(ifname):
    """IFLA_STATS64 of ifname (rx_otherhost_dropped is its 25th field,
    which iproute2 6.1 does not print)."""
    names = ("rx_packets tx_packets rx_bytes tx_bytes rx_errors tx_errors rx_dropped tx_dropped "
             "multicast collisions rx_length_errors rx_over_errors rx_crc_errors rx_frame_errors "
             "rx_fifo_errors rx_missed_errors tx_aborted_errors tx_carrier_errors tx_fifo_errors "
             "tx_heartbeat_errors tx_window_errors rx_compressed tx_compressed rx_nohandler "
             "rx_otherhost_dropped").split()
    try:
        idx = socket.if_nametoindex(ifname)
    except OSError:
        return {}
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    body = struct.pack("=BxHiII", 0, 0, idx, 0, 0)
    s.send(struct.pack("=IHHII", 16 + len(body), 18, 1, 1, 0) + body)   # RTM_GETLINK
    data = s.recv(1 << 16)
    s.close()
    off = 32
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4:
            break
        if atype & 0x3FFF == 23:                                       # IFLA_STATS64
            vals = struct.unpack_from("=%dQ" % ((alen - 4) // 8), data, off + 4)
            return dict(zip(names, vals))
        off += (alen + 3) & ~3
    return {}


def snapshot(dev, uplink, teredod):
    s = {"t": time.time()}
    sysd = "/sys/class/net/%s/statistics/" % dev
    s["dev"] = {f: int(open(sysd + f).read()) for f in os.listdir(sysd)} if os.path.isdir(sysd) else {}
    try:
        out = subprocess.run(["ethtool", "-S", dev], capture_output=True, text=True).stdout
        s["teredo"] = {k.strip(): int(v) for k, v in
                       (line.split(":", 1) for line in out.splitlines()[1:] if ":" in line)}
    except (OSError, ValueError):
        s["teredo"] = {}
    s["snmp"] = proc_table("/proc/net/snmp")
    s["netstat"] = proc_table("/proc/net/netstat")
    s["snmp6"] = kv("/proc/net/snmp6")
    s["dev6"] = {d: kv("/proc/net/dev_snmp6/" + d) for d in (dev, uplink) if d}
    s["links"] = {d: link_stats64(d) for d in ("eth0", "eth1", dev) if d}
    try:
        nft = json.loads(subprocess.run(["nft", "-j", "list", "counters"],
                                        capture_output=True, text=True).stdout or "{}")
        s["nft"] = {o["counter"]["name"]: [o["counter"]["packets"], o["counter"]["bytes"]]
                    for o in nft.get("nftables", []) if "counter" in o}
    except ValueError:
        s["nft"] = {}
    s["frag"] = 0
    for line in open("/proc/net/sockstat"):
        if line.startswith("FRAG:"):
            s["frag"] = int(line.split()[2])
    if teredod:
        try:
            peers = json.loads(subprocess.run([teredod, "show", "peers", "dev", dev, "--json"],
                                              capture_output=True, text=True).stdout or "[]")
        except ValueError:
            peers = []
        s["peers"] = len(peers)
        s["queued"] = sum(p.get("queue") or 0 for p in peers)
        s["trusted"] = sum(1 for p in peers if p.get("trusted"))
    try:
        for line in open("/sys/kernel/slab/teredo_peer/objects"):
            s["slab_objects"] = int(line.split()[0])
    except OSError:
        pass
    return s


def snap(dev, uplink, teredod):
    json.dump(snapshot(dev, uplink, teredod), sys.stdout, sort_keys=True)
    print()


def quiesce(dev, uplink, teredod, out, seconds):
    """Snapshots 2 s apart until two are alike, with no fragment waiting
    and nothing queued (at most SECONDS); the last one in OUT."""
    prev = snapshot(dev, uplink, teredod)
    end = time.monotonic() + float(seconds)
    while True:
        time.sleep(2)
        cur = snapshot(dev, uplink, teredod)
        with open(out, "w") as f:
            json.dump(cur, f, sort_keys=True)
        if alike(prev, cur) and not cur["frag"] and not cur.get("queued", 0):
            return 0
        if time.monotonic() >= end:
            print("not quiet after %s s" % seconds)
            return 1
        prev = cur

# ------------------------------------------------------------------ ledger

RX_DROPS = ("rx_drop_short", "rx_drop_bad_header", "rx_drop_bad_length",
            "rx_drop_bad_mapping", "rx_drop_unknown_peer", "rx_drop_not_served",
            "rx_drop_loop", "rx_drop_control", "rx_drop_dev_down", "rx_drop_offline",
            "rx_drop_unverified", "rx_drop_nomem")
# a client's held packets refused are counted by these (queue.c)
HOLD_DROPS = ("tx_drop_queue_full", "tx_drop_table_full", "tx_drop_nomem")
TX_DROPS = ("tx_drop_bad_proto", "tx_drop_multicast", "tx_drop_not_teredo",
            "tx_drop_not_global", "tx_drop_too_big", "tx_drop_no_route", "tx_drop_loop",
            "tx_drop_no_socket", "tx_drop_queue_full", "tx_drop_table_full",
            "tx_drop_unreachable", "tx_drop_nomem", "tx_drop_offline", "tx_drop_bad_source")


class Delta:
    def __init__(self, a, b, omit):
        self.a, self.b, self.omit = a, b, omit

    def get(self, *path):
        if path[-1] == self.omit:
            return 0
        x, y = self.a, self.b
        for p in path:
            x = x.get(p, {}) if isinstance(x, dict) else {}
            y = y.get(p, {}) if isinstance(y, dict) else {}
        x = x if isinstance(x, int) else (x[0] if isinstance(x, list) else 0)
        y = y if isinstance(y, int) else (y[0] if isinstance(y, list) else 0)
        return y - x

    def t(self, name):
        return self.get("teredo", name)

    def d(self, name):
        return self.get("dev", name)


def identities(target, led, d, after):
    """[(name, lhs, rhs, text)]: each must hold, lhs == rhs."""
    e = led["expect"]
    g = lambda k: e.get(k, 0)
    out = []
    if target == "native":
        sent = led["frames"]
        out.append(("arrived", d.get("nft", "fz6_frames"), sent,
                    "frames at the native device's ingress == frames sent"))
        noise = d.get("nft", "noise6")
        into = d.t("tx_fastpath") + d.get("dev6", "eth1", "Ip6InReceives") + \
            d.get("links", "eth1", "rx_otherhost_dropped")
        out.append(("split", into, sent + noise,
                    "tx_fastpath + IPv6 InReceives(eth1) + otherhost drops == frames sent + others' IPv6 frames (%d)" % noise))
        out.append(("vlan", d.get("links", "eth1", "rx_otherhost_dropped"), led["classes"].get("vlan", 0),
                    "tagged frames of VLANs without a device: the stack's to drop"))
        fwd = d.get("dev6", "teredo0", "Ip6OutForwDatagrams")
        local = d.get("dev6", "teredo0", "Ip6OutRequests")
        bubbles = d.t("tx_bubble")
        sent_out = d.d("tx_packets") - bubbles
        out.append(("queues_empty", after.get("queued", 0), 0, "nothing left in the queues"))
        out.append(("xmit", sent_out + d.d("tx_dropped"),
                    d.t("tx_fastpath") + fwd + local,
                    "sent (tx_packets - tx_bubble) + tx_dropped == tx_fastpath + forwarded to teredo0 + sent by the host to it"))
        tx_sum = sum(d.t(k) for k in TX_DROPS)
        out.append(("one_reason", d.d("tx_dropped"), tx_sum,
                    "tx_dropped == the sum of the tx_drop_* reasons"))
        out.append(("budget_quiet", d.t("tx_probe_limited"), 0,
                    "no probe refused by a budget (raised for the run: a refusal has no reason of its own)"))
        out.append(("probes_paid", min(bubbles, d.t("tx_queued")), bubbles,
                    "bubbles (%d) <= packets queued (%d): every probe paid for" % (bubbles, d.t("tx_queued"))))
        return out
    sent = led["frames"]
    out.append(("arrived", d.get("nft", "fz_frames"), sent,
                "frames at the uplink's ingress == frames sent"))
    noise = d.get("nft", "noise4") + d.get("nft", "lo4")
    other = d.get("links", "eth0", "rx_otherhost_dropped")
    fast = d.t("rx_fastpath")
    fastpath = target == "relay-fast"
    out.append(("ip_in", d.get("snmp", "Ip", "InReceives") + fast + other, sent + noise,
                "IPv4 InReceives + rx_fastpath + otherhost drops == frames sent + others' IPv4 packets (%d, loopback included)" % noise))
    out.append(("vlan", other, g("otherhost"), "tagged frames of VLANs without a device: the stack's to drop"))
    out.append(("ip_hdr", d.get("snmp", "Ip", "InHdrErrors"), g("ip_hdr") + g("ip_csum"),
                "IPv4 InHdrErrors == bad versions and header lengths + bad header checksums"))
    out.append(("ip_csum", d.get("snmp", "Ip", "InCsumErrors") + d.get("netstat", "IpExt", "InCsumErrors"),
                g("ip_csum"), "IPv4 InCsumErrors == bad header checksums"))
    out.append(("ip_trunc", d.get("netstat", "IpExt", "InTruncatedPkts"), g("ip_trunc"),
                "IPv4 InTruncatedPkts == datagrams longer than their frame"))
    fr = led["class_frames"]
    frag_frames = fr.get("frag", 0) + fr.get("fragmissing", 0) + fr.get("fragoverlap", 0)
    out.append(("reasm_reqds", d.get("snmp", "Ip", "ReasmReqds"), frag_frames,
                "IPv4 ReasmReqds == fragments sent"))
    out.append(("reasm_oks", d.get("snmp", "Ip", "ReasmOKs"), led["classes"].get("frag", 0),
                "IPv4 ReasmOKs == datagrams sent whole in fragments"))
    out.append(("reasm_fails", d.get("snmp", "Ip", "ReasmFails"), g("reasm_timeout") + g("reasm_overlap"),
                "IPv4 ReasmFails == datagrams with a fragment missing (timed out) + overlapping ones"))
    out.append(("reasm_overlaps", d.get("netstat", "IpExt", "ReasmOverlaps"), g("reasm_overlap"),
                "IPv4 ReasmOverlaps == overlapping fragments sent"))
    out.append(("udp_csum", d.get("snmp", "Udp", "InCsumErrors"), g("udp_csum"),
                "UDP InCsumErrors == datagrams with a bad UDP checksum"))
    out.append(("udp_err", d.get("snmp", "Udp", "InErrors"), g("udp_csum") + g("udp_short"),
                "UDP InErrors == bad checksums + UDP lengths beyond the datagram"))
    loc = g("localsrc")
    out.append(("martian", d.get("nft", "fz_martian"), g("martian"),
                "martian sources: dropped by the IPv4 input route, counted only by nftables"))
    local_in = d.get("nft", "fz_local")
    if fastpath:
        out.append(("local_src", local_in, 0,
                    "sources of the host's own: taken by the fast path (a loop), none left to the input route (%d sent)" % loc))
        # what the fast path takes whole: unfragmented, no options, no
        # tag, lengths right, a source the input route would take, a
        # valid checksum (or none)
        cf = led["classes"]
        whole = sum(cf.get(k, 0) for k in ("plain", "nocsum", "pad", "ttl", "localsrc"))
        out.append(("fastpath_takes", fast, whole,
                    "rx_fastpath == whole datagrams with a valid or no UDP checksum (%d)" % whole))
    else:
        out.append(("local_src", local_in, loc,
                    "sources of the host's own: dropped by the input route, counted only by nftables"))
    noise_dev = d.get("nft", "noise_dev") + d.get("nft", "lo_dev")
    into = d.get("snmp", "Udp", "InDatagrams") + fast
    want = g("dev") + (loc - local_in if fastpath else 0) + noise_dev
    out.append(("to_device", into, want,
                "UDP InDatagrams + rx_fastpath == datagrams for the device (%d of the fuzzer's, %d others)" % (want - noise_dev, noise_dev)))
    outcomes = d.d("rx_packets") + d.d("rx_dropped") + d.t("rx_bubble") + d.t("rx_control")
    out.append(("outcomes", outcomes, into,
                "rx_packets + rx_dropped + rx_bubble + rx_control == datagrams the device took in"))
    rsum = sum(d.t(k) for k in RX_DROPS)
    text = "rx_dropped == the sum of the rx_drop_* reasons"
    if target == "client":
        rsum += sum(d.t(k) for k in HOLD_DROPS)
        text += " + held packets refused (tx_drop_queue_full, _table_full, _nomem)"
    out.append(("one_reason", d.d("rx_dropped"), rsum, text))
    if target == "client":
        out.append(("budget_quiet", d.t("tx_probe_limited"), 0,
                    "no probe refused by a budget (raised for the run: a refusal has no reason of its own)"))
    out.append(("ipv6_in", d.get("dev6", "teredo0", "Ip6InReceives"), d.d("rx_packets"),
                "IPv6 InReceives on the device == rx_packets: what it delivered reached IPv6"))
    out.append(("queues_empty", after.get("queued", 0), 0, "nothing left in the queues"))
    return out


def check(target, ledger, before, after, omit=None, only=None):
    led = json.load(open(ledger))
    a, b = json.load(open(before)), json.load(open(after))
    d = Delta(a, b, omit)
    bad = 0
    for name, lhs, rhs, text in identities(target, led, d, b):
        if only and name != only:
            continue
        ok = lhs == rhs
        bad += not ok
        print("%s %s: %s (%d %s %d)" % ("ok" if ok else "MISMATCH", name, text, lhs,
                                         "==" if ok else "!=", rhs))
    return 1 if bad else 0


def report(target, ledger, before, after):
    """check's lines; then "omit NAME ok" if the sums fail without the
    largest drop reason (as they must: a ledger that cannot fail proves
    nothing), "omit NAME MISMATCH" if they still hold; then "moved" and
    the counters that moved."""
    rc = check(target, ledger, before, after)
    moved = reasons(before, after, out=False)
    top = [k for k, _ in moved if "_drop_" in k]
    if top:
        with open(os.devnull, "w") as null:
            so, sys.stdout = sys.stdout, null
            try:
                held = check(target, ledger, before, after, omit=top[0]) == 0
            finally:
                sys.stdout = so
        print("omit %s %s" % (top[0], "MISMATCH" if held else "ok"))
    print("moved " + " ".join("%s %d" % kv for kv in moved))
    if rc:      # what else moved, to tell which side of an identity is off
        a, b = json.load(open(before)), json.load(open(after))
        for name, x, y in [("sysfs", a.get("dev", {}), b.get("dev", {}))] + \
                [("snmp6/" + d, a["dev6"].get(d, {}), y)
                 for d, y in b.get("dev6", {}).items()]:
            diff = ["%s %d" % (k, y[k] - x.get(k, 0)) for k in sorted(y)
                    if y[k] != x.get(k, 0) and "Octets" not in k]
            print("moved %s: %s" % (name, " ".join(diff)))
    return rc


def names(target):
    class Z:
        def get(self, *a):
            return 0
        t = d = get
    led = {"expect": {}, "frames": 0, "classes": {}, "class_frames": {}}
    print(" ".join(n for n, *_ in identities(target, led, Z(), {})))


def reasons(before, after, out=True):
    """the non-zero drop and event counters, largest first"""
    a, b = json.load(open(before)), json.load(open(after))
    d = {k: b["teredo"].get(k, 0) - a["teredo"].get(k, 0) for k in b.get("teredo", {})}
    moved = [(k, v) for k, v in sorted(d.items(), key=lambda x: -x[1]) if v]
    if out:
        for k, v in moved:
            print(k, v)
    return moved


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    args = sys.argv[2:]
    if cmd == "run":
        run(*args)
    elif cmd == "frames":
        frames(*args)
    elif cmd == "trust":
        trust(*args)
    elif cmd == "same":
        sys.exit(same(*args))
    elif cmd == "snap":
        snap(*args)
    elif cmd == "check":
        omit = only = None
        if "--omit" in args:
            i = args.index("--omit")
            omit = args[i + 1]
            del args[i:i + 2]
        if "--only" in args:
            i = args.index("--only")
            only = args[i + 1]
            del args[i:i + 2]
        sys.exit(check(*args, omit=omit, only=only))
    elif cmd == "quiesce":
        sys.exit(quiesce(*args))
    elif cmd == "report":
        sys.exit(report(*args))
    elif cmd == "names":
        names(*args)
    elif cmd == "reasons":
        reasons(*args)
    else:
        sys.exit(__doc__)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus, corpus/TARGET/seed-*, and the dictionaries,
TARGET.dict. The seeds are packets built from the test vectors of the
protocol reference (Appendix A: the RS, the server's link-local address,
the origin indication, the Teredo addresses) and of the unit tests
(test_server.c, test_proto.c: the network 192.0.2.1/.2, clients
203.0.113.5:40000 and 198.51.100.7:50000), valid ones and one for each
drop or refusal of the parsers; configuration files (Miredo's examples,
teredod.conf(5)'s); the server's state messages. The regression inputs,
corpus/TARGET/bug-*, are the fuzzers' own findings and are not written
here.

Run from userspace/fuzz: ./mkcorpus.py (rewrites every seed-* file and
the dictionaries).
"""

import glob
import os
import re
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def inv(b):
    return bytes(x ^ 0xff for x in b)


def teredo(server, flags, ip, port):
    """2001:0:<server>:<flags>:<~port>:<~ip>"""
    return (ip6("2001::")[:4] + ip4(server) + struct.pack(">H", flags) +
            inv(struct.pack(">H", port)) + inv(ip4(ip)))


LL_RESTRICTED = ip6("fe80::ffff:ffff:ffff")
LL_CONE = ip6("fe80::8000:5445:5245:444f")
FF02_2 = ip6("ff02::2")


def server_ll(server):
    """fe80::8000:<~3544>:<~server> (192.0.2.1: fe80::8000:f227:3fff:fdfe)"""
    return ip6("fe80::")[:8] + b"\x80\x00" + inv(struct.pack(">H", 3544)) + \
        inv(ip4(server))


def csum(src, dst, msg):
    data = src + dst + struct.pack(">IxxxB", len(msg), 58) + msg
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv6(src, dst, nh, hlim, payload):
    return struct.pack(">IHBB", 0x60000000, len(payload), nh, hlim) + \
        src + dst + payload


def icmp(src, dst, typ, code, body, hlim=255):
    msg = struct.pack(">BBH", typ, code, 0) + body
    c = csum(src, dst, msg)
    return ipv6(src, dst, 58, hlim, msg[:2] + struct.pack(">H", c) + msg[4:])


def auth(nonce, ident=b"", value=b"", conf=0):
    return b"\x00\x01" + bytes([len(ident), len(value)]) + ident + value + \
        nonce + bytes([conf])


def origin(ip, port):
    """Appendix A: 1.2.3.4:337 -> 00 00 fe ae fe fd fc fb"""
    return b"\x00\x00" + inv(struct.pack(">H", port)) + inv(ip4(ip))


def bubble(src, dst, trailer=b""):
    return ipv6(src, dst, 59, 0, b"") + trailer


def rs(nonce, cone=False, src=None):
    """Appendix A: the 61-byte RS (checksum 0x7d37, cone 0x125d)"""
    src = src or (LL_CONE if cone else LL_RESTRICTED)
    pkt = icmp(src, FF02_2, 133, 0, b"\0" * 4)
    return (auth(nonce) if nonce is not None else b"") + pkt


def ra(nonce, client_ip, client_port, server, dst=LL_RESTRICTED, mtu=1280,
       prefix=None, opts=None, ident=b"", value=b""):
    """Miredo's server's RA, as srv_ra_build() makes it (117 bytes)"""
    prefix = prefix or (ip6("2001::")[:4] + ip4(server) + b"\0" * 8)
    pio = struct.pack(">BBBBII", 3, 4, 64, 0x40, 0xffffffff, 0xffffffff) + \
        b"\0" * 4 + prefix
    if opts is None:
        opts = pio + (struct.pack(">BBHI", 5, 1, 0, mtu) if mtu else b"")
    body = struct.pack(">BBHII", 0, 0, 0, 0, 2000) + opts
    pkt = icmp(server_ll(server), dst, 134, 0, body)
    head = auth(nonce, ident, value) if nonce is not None else b""
    return head + origin(client_ip, client_port) + pkt


PRIMARY, SECONDARY = "192.0.2.1", "192.0.2.2"
SERVER2, SERVER2_SECONDARY = "198.51.100.1", "198.51.100.9"
A_IP, A_PORT = "203.0.113.5", 40000
B_IP, B_PORT = "198.51.100.7", 50000
A6 = teredo(PRIMARY, 0, A_IP, A_PORT)
B6 = teredo(PRIMARY, 0, B_IP, B_PORT)
OTHER6 = teredo("198.18.0.1", 0x8000, "198.51.100.8", 1234)
NONCE = bytes(range(1, 9))
# an RFC 6081 alternate address trailer (test_server.c) and a nonce one
TRAILERS = b"\x03\x06\x00\x00\xc6\x12\x00\x01" + b"\x01\x04\xde\xad\xbe\xef"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# --- fuzz_client: mode byte, then source IPv4, port, length, payload ----

def client_nonce(first):
    """fuzz_client's getrandom(): byte n of its output is 0xa5 ^ n"""
    return bytes(0xa5 ^ (first + i) for i in range(8))


def dg(ip, port, payload):
    return ip4(ip) + struct.pack(">HH", port, len(payload)) + payload


def genl_notification(ip, port, payload, ifindex=7, cmd=5):
    def attr(t, v):
        n = 4 + len(v)
        return struct.pack("=HH", n, t) + v + b"\0" * (-n % 4)
    attrs = (attr(1, struct.pack("=I", ifindex)) + attr(10, ip4(ip)) +
             attr(11, struct.pack(">H", port)) + attr(12, payload))
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    return struct.pack("=IHHII", 16 + len(body), 0x1c, 0, 0, 0) + body


def client():
    q0, q1 = client_nonce(0), client_nonce(8)   # state 0: one per server
    # after a new address: the secondary address test (its nonce follows
    # the refresh interval's and the random bits' 4 bytes each)
    secondary_after = client_nonce(24)
    ra0 = ra(q0, A_IP, A_PORT, PRIMARY)
    seeds = {
        "qualify": b"\0" + dg(PRIMARY, 3544, ra0),
        "qualify-server2": b"\0" + dg(SERVER2, 3544,
                                      ra(q1, A_IP, A_PORT, SERVER2)),
        "qualify-then-secondary": b"\0" + dg(PRIMARY, 3544, ra0) +
        dg(SECONDARY, 3544, ra(secondary_after, A_IP, A_PORT, PRIMARY)),
        # after a down, the same server and mapping: the same random bits
        "requalify-same-mapping": b"\3" + dg(PRIMARY, 3544, ra0),
        "requalify-new-mapping": b"\3" + dg(PRIMARY, 3544,
                                             ra(q0, B_IP, B_PORT, PRIMARY)),
        "qualify-no-nat": b"\0" + dg(PRIMARY, 3544,
                                     ra(q0, "203.0.113.200", A_PORT, PRIMARY)),
        "qualify-trailers": b"\0" + dg(PRIMARY, 3544, ra0 + TRAILERS),
        "qualify-auth-id": b"\0" + dg(PRIMARY, 3544, ra(
            q0, A_IP, A_PORT, PRIMARY, ident=b"id!", value=b"auth")),
        "qualify-old-prefix": b"\0" + dg(PRIMARY, 3544, ra(
            q0, A_IP, A_PORT, PRIMARY,
            prefix=ip6("3ffe:831f::")[:4] + ip4(PRIMARY) + b"\0" * 8)),
        "qualify-no-mtu": b"\0" + dg(PRIMARY, 3544,
                                     ra(q0, A_IP, A_PORT, PRIMARY, mtu=0)),
        "qualify-wrong-port": b"\0" + dg(PRIMARY, 3545, ra0),
        "qualify-wrong-nonce": b"\0" + dg(PRIMARY, 3544,
                                          ra(NONCE, A_IP, A_PORT, PRIMARY)),
        "qualify-no-auth": b"\0" + dg(PRIMARY, 3544,
                                      ra(None, A_IP, A_PORT, PRIMARY)),
        "qualify-twice": b"\0" + dg(PRIMARY, 3544, ra0) +
        dg(SERVER2, 3544, ra(q1, A_IP, A_PORT, SERVER2)),
        "refresh": b"\1" + dg(PRIMARY, 3544, ra0),
        "refresh-new-mapping": b"\1" + dg(PRIMARY, 3544,
                                          ra(q0, B_IP, B_PORT, PRIMARY)),
        "refresh-mtu": b"\1" + dg(PRIMARY, 3544,
                                  ra(q0, A_IP, A_PORT, PRIMARY, mtu=1400)),
        # no cone test any more (RFC 5991): an RA to the cone link-local
        # is refused
        "cone": b"\2" + dg(SECONDARY, 3544,
                           ra(q0, A_IP, A_PORT, PRIMARY, LL_CONE)),
        "secondary-restricted": b"\2" + dg(SECONDARY, 3544, ra0),
        "secondary-symmetric": b"\2" + dg(SECONDARY, 3544,
                                          ra(q0, A_IP, 40001, PRIMARY)),
        # what else a server sends with an authentication header
        "bubble-auth-origin": b"\1" + dg(PRIMARY, 3544, auth(q0) +
                                         origin(B_IP, B_PORT) +
                                         bubble(B6, A6)),
        "echo-reply-auth": b"\1" + dg(PRIMARY, 3544, auth(q0) + icmp(
            ip6("2001:db8::100"), A6, 129, 0, b"\0\1\0\1nonce..", 64)),
        "raw-qualify": b"\x80" + genl_notification(PRIMARY, 3544, ra0),
        "raw-other-device": b"\x80" +
        genl_notification(PRIMARY, 3544, ra0, ifindex=8) +
        genl_notification(PRIMARY, 3544, ra0, cmd=1) +
        genl_notification(PRIMARY, 3544, ra0),
    }
    for name, data in seeds.items():
        write("client", name, data)


# --- fuzz_server: flags, source IPv4, port, ticks, length, payload -----

F_SECONDARY, F_TRUNCATED, F_NO_NATIVE, F_FIX_CSUM = 1, 2, 4, 8


def sdg(payload, ip=A_IP, port=A_PORT, flags=0, ticks=0):
    return bytes([flags]) + ip4(ip) + struct.pack(">HBH", port, ticks,
                                                  len(payload)) + payload


def server():
    native = ip6("2001:db8::100")
    relay_ll = ip6("fe80::1234:5678")
    echo = icmp(A6, native, 128, 0, b"\0\1\0\1" + b"ping" * 4, 64)
    seeds = {
        "rs": sdg(rs(NONCE)),
        "rs-cone": sdg(rs(NONCE, cone=True)),
        "rs-secondary": sdg(rs(NONCE), flags=F_SECONDARY),
        "rs-cone-secondary": sdg(rs(NONCE, cone=True), flags=F_SECONDARY),
        "rs-no-auth": sdg(rs(None)),
        "rs-auth-id": sdg(auth(NONCE, b"ID", b"AUV") + rs(None)),
        "rs-auth-origin": sdg(auth(NONCE) + origin("1.2.3.4", 337) +
                              rs(None)),
        "rs-to-server-ll": sdg(auth(NONCE) + icmp(A6, server_ll(PRIMARY),
                                                  133, 0, b"\0" * 4)),
        "rs-fix-csum": sdg(rs(NONCE)[:-6] + b"\0" * 6, flags=F_FIX_CSUM),
        "rs-truncated": sdg(rs(NONCE), flags=F_TRUNCATED),
        "rs-burst": b"".join(sdg(rs(NONCE)) for _ in range(6)) +
        sdg(rs(NONCE), ticks=100) + sdg(rs(NONCE), ticks=255),
        "rs-many-sources": b"".join(
            sdg(rs(NONCE), ip="203.0.113.%d" % i) for i in range(1, 12)),
        "bubble-to-client": sdg(bubble(A6, B6, TRAILERS)),
        "bubble-to-other-server": sdg(bubble(A6, OTHER6)),
        "bubble-from-relay": sdg(bubble(relay_ll, A6), ip="198.18.0.10",
                                 port=3544),
        "bubble-bad-source": sdg(bubble(A6, B6), port=A_PORT + 1),
        "bubble-loop": sdg(bubble(relay_ll, A6), ip=PRIMARY, port=3544),
        "bubble-burst-one-destination": b"".join(
            sdg(bubble(teredo(PRIMARY, 0, "203.0.113.%d" % i, 999), B6),
                ip="203.0.113.%d" % i, port=999) for i in range(1, 8)),
        "echo-to-native": sdg(echo),
        "echo-to-native-no-raw": sdg(echo, flags=F_NO_NATIVE),
        "echo-to-client": sdg(icmp(A6, B6, 128, 0, b"\0\1\0\1", 64)),
        "echo-odd-length": sdg(icmp(A6, native, 128, 0, b"\0\1\0\1x", 64)),
        "echo-too-big": sdg(icmp(A6, B6, 128, 0, b"x" * 100, 64)),
        "echo-to-server-ll": sdg(icmp(A6, server_ll(PRIMARY), 128, 0,
                                      b"\0\1\0\1", 64)),
        "udp-inside": sdg(ipv6(A6, B6, 17, 64, b"\0" * 16)),
        "src-private": sdg(rs(NONCE), ip="192.168.1.1"),
    }
    # every other drop reason of srv_process(), in its order
    good_rs = rs(NONCE)
    ip6_rs = 13             # where the RS's IPv6 header starts
    seeds.update({
        "drop-3-bytes": sdg(good_rs[:3]),
        "drop-auth-past-end": sdg(b"\0\1\xc8" + good_rs[3:]),
        "drop-origin-5-bytes": sdg(b"\0" * 5),
        "drop-39-bytes": sdg(b"\x60" * 39),
        "drop-payload-past-end": sdg(good_rs[:ip6_rs + 5] + b"\x09" +
                                     good_rs[ip6_rs + 6:]),
        "drop-byte-after-rs": sdg(good_rs + b"\0"),
        "drop-trailers-129": sdg(bubble(A6, B6, b"\x01" * 129)),
        "drop-rs-code-1": sdg(good_rs[:ip6_rs + 41] + b"\x01" +
                              good_rs[ip6_rs + 42:], flags=F_FIX_CSUM),
        "drop-rs-hop-limit-64": sdg(good_rs[:ip6_rs + 7] + b"\x40" +
                                    good_rs[ip6_rs + 8:]),
        "drop-rs-bad-checksum": sdg(good_rs[:-8] + b"\x85\x00\x7d\x38" +
                                    b"\0" * 4),
        "drop-rs-port-0": sdg(good_rs, port=0),
        "drop-rs-from-secondary": sdg(good_rs, ip=SECONDARY, port=40000),
        "drop-native-to-native": sdg(icmp(native, native, 128, 0, b"\0" * 4),
                                     ip="198.18.0.10", port=3544),
        "drop-dst-multicast": sdg(bubble(A6, ip6("ff02::1"))),
        "drop-dst-link-local": sdg(bubble(A6, ip6("fe80::1"))),
        "drop-dst-mapped": sdg(bubble(A6, ip6("::ffff:192.0.2.9"))),
        "drop-dst-loopback": sdg(bubble(A6, ip6("::1"))),
        "drop-hop-limit-0": sdg(icmp(A6, native, 128, 0, b"\0" * 4, 0)),
        "drop-native-rate": b"".join(sdg(echo) for _ in range(5)),
        "drop-dst-private": sdg(bubble(A6, teredo(PRIMARY, 0, "10.1.2.3",
                                                  999))),
        "drop-dst-port-0": sdg(bubble(A6, teredo(PRIMARY, 0, B_IP, 0))),
        "drop-dst-own": sdg(bubble(A6, teredo("198.18.0.1", 0, SECONDARY,
                                              999))),
        "drop-relay-rate": b"".join(
            sdg(bubble(A6, teredo(PRIMARY, 0, "198.51.100.%d" % i, 999)))
            for i in range(10, 15)),
    })
    for name, data in seeds.items():
        write("server", name, data)


# --- fuzz_proto: nonce, source port, payload ----------------------------

def proto():
    port = struct.pack(">H", 3544)
    seeds = {
        "ra": NONCE + port + ra(NONCE, A_IP, A_PORT, PRIMARY),
        "ra-cone": NONCE + port + ra(NONCE, A_IP, A_PORT, PRIMARY, LL_CONE),
        "ra-trailers": NONCE + port + ra(NONCE, A_IP, A_PORT, PRIMARY) +
        TRAILERS,
        "ra-auth-id": NONCE + port + ra(NONCE, A_IP, A_PORT, PRIMARY,
                                        ident=b"id", value=b"value"),
        "ra-mtu-1400": NONCE + port + ra(NONCE, A_IP, A_PORT, PRIMARY,
                                         mtu=1400),
        "ra-options": NONCE + port + ra(NONCE, A_IP, A_PORT, PRIMARY, opts=(
            b"\x01\x01" + b"\0" * 6 +                   # source link-layer
            struct.pack(">BBBBII", 3, 4, 64, 0xc0, 3600, 1800) + b"\0" * 4 +
            teredo(PRIMARY, 0, "0.0.0.0", 0)[:8] + b"\0" * 8 +
            struct.pack(">BBHI", 5, 1, 0, 65535))),
        # Appendix A: the addresses, as the first 16 bytes
        "addr-microsoft": ip6("2001:0:4136:e378:8000:63bf:3fff:fdd2") +
        b"\x02",
        "addr-miredo": ip6("2001:0:c000:201:8000:cfc6:3fff:fd74") + b"\x01",
        "addr-server-ll": server_ll(PRIMARY) + b"\x05",
    }
    # each refusal of teredo_ra_parse(), by a change to the RA (offsets:
    # auth 0, origin 13, IPv6 21, RA 61, prefix option 77, MTU option 109)
    good = ra(NONCE, A_IP, A_PORT, PRIMARY)

    def patched(*changes):
        b = bytearray(good)
        for off, val in changes:
            b[off:off + len(val)] = val
        return bytes(b)

    pio = good[77:109]
    mtu = good[109:117]
    bad = {
        "empty": b"",
        "no-auth": good[13:],
        "auth-3-bytes": good[:3],
        "auth-id-past-end": patched((2, b"\xc8")),
        "nonce-mismatch": patched((4, b"\x09")),
        "confirmation-set": patched((12, b"\x01")),
        "auth-only": good[:13],
        "no-origin": good[:13] + good[21:],
        "origin-5-bytes": good[:18],
        "origin-only": good[:21],
        "not-ipv6": patched((21, b"\x40")),
        "ipv6-cut": good[:21 + 39],
        "payload-past-end": patched((26, b"\x39")),
        "not-icmpv6": patched((27, b"\x3b")),
        "wrong-destination": patched((45, ip6("ff02::1"))),
        "ra-cut": patched((26, b"\x0f")),
        "not-ra": patched((61, b"\x85")),
        "ra-code-1": patched((62, b"\x01")),
        "option-1-byte": patched((26, b"\x39")) + b"\x03",
        "option-zero-length": patched((78, b"\x00")),
        "option-past-end": patched((110, b"\x02")),
        "2-prefixes": good + pio,
        "prefix-option-24-bytes": patched((78, b"\x03")),
        "prefix-length-48": patched((79, b"\x30")),
        "prefix-not-teredo": patched((93, ip6("2002::")[:4])),
        "mtu-option-16-bytes": patched((110, b"\x02")) + b"\0" * 8,
        "mtu-1000": patched((113, struct.pack(">I", 1000))),
        "no-prefix": good[:77] + mtu,
    }
    for name, payload in bad.items():
        if name in ("payload-past-end", "ra-cut", "option-1-byte",
                    "2-prefixes", "mtu-option-16-bytes", "no-prefix"):
            # the IPv6 payload length follows the change
            plen = len(payload) - 61
            if name == "payload-past-end":
                plen += 1
            if name == "option-1-byte":
                plen = len(payload) - 61
            if name == "ra-cut":
                plen = 15
            payload = payload[:25] + struct.pack(">H", plen) + payload[27:]
        seeds["refused-" + name] = NONCE + port + payload
    seeds["refused-port-3545"] = NONCE + struct.pack(">H", 3545) + good
    for name, data in seeds.items():
        write("proto", name, data)


# --- fuzz_conf: configuration files ------------------------------------

MIREDO_CONF = """\
#! /usr/sbin/miredo -f -c
#
# Sample configuration file for Miredo

# Please refer to the miredo.conf(5) man page for details.

# Miredo can safely run as a Teredo client, which is the default.
#RelayType client

# Name of the network tunneling interface.
InterfaceName	teredo

# Depending on the local firewall/NAT rules, you might need to force
# Miredo to use a fixed UDP port and or IPv4 address.
#BindPort	3545
#BindAddress	192.0.2.100

#SyslogFacility	user

## CLIENT-SPECIFIC OPTIONS
# The hostname or primary IPv4 address of the Teredo server.
# This setting is required if Miredo runs as a Teredo client.
#ServerAddress teredo.ipv6.microsoft.com
#ServerAddress teredo.ginzado.ne.jp
#ServerAddress teredo.iks-jena.de
ServerAddress teredo.remlab.net
#ServerAddress2 teredo2.remlab.net

## RELAY-SPECIFIC OPTIONS
#Prefix 2001:0::
#InterfaceMTU 1280
"""

MIREDO_SERVER_CONF = """\
#! /usr/sbin/miredo-server -f -c
#
# Sample configuration file for miredo-server

# Please refer to the miredo-server.conf(5) manpage for details.

# Server primary IPv4 address.
# Two public IPv4 addresses are needed to operate a Teredo server.
# Miredo will open UDP port 3544 on both addresses.
ServerBindAddress 192.0.2.221

# Server secondary IPv4 address.
# The Microsoft Windows Teredo client implementation assumes that the
# secondary address is the primary address plus one. This is the
# default unless uncommented.
#ServerBindAddress2 192.0.2.222

#SyslogFacility user

# Think twice before modifying the settings above.
#Prefix 2001:0::
#InterfaceMTU 1280
"""


def conf():
    seeds = {
        "miredo.conf": MIREDO_CONF,
        "miredo-server.conf": MIREDO_SERVER_CONF,
        "miredo.conf-numeric": MIREDO_CONF.replace(
            "ServerAddress teredo.remlab.net", "ServerAddress 192.0.2.1"),
        "teredod.conf.5-client": """\
# Teredo client
RelayType       client
InterfaceName   teredo0
ServerAddress   teredo.remlab.net
ServerAddress   teredo.trex.fi
#BindAddress    192.168.1.10
#BindPort       3545
#HookScript     /etc/teredod/client-hook
SyslogFacility  daemon
""",
        "teredod.conf.5-server": """\
# Teredo server on two consecutive public addresses
ServerBindAddress   198.51.100.10
ServerBindAddress2  198.51.100.11
#InterfaceMTU       1280
SyslogFacility      local2
""",
        "client-all": """\
RelayType autoclient
ServerAddress 192.0.2.1
ServerAddress2 192.0.2.9
ServerAddress 198.51.100.1
ServerAddress 198.18.0.1
InterfaceName teredo-1
BindAddress 10.0.0.2
BindPort 3545
HookScript /usr/local/sbin/teredo-hook
LocalDiscovery disabled
InterfaceMTU 1400
SyslogFacility local7
""",
        "server-all": """\
ServerBindAddress 198.18.0.1
ServerBindAddress2 198.18.0.2
Prefix 2001:0::/32
InterfaceMTU 1280
SyslogFacility kern
""",
        "errors": """\
serveraddress\t192.0.2.1   # names are case-insensitive
RelayType relay
BindPort 70000
InterfaceName a/b
ServerAddress 10.1.2.3
Prefix 2002::
""",
        "crlf": "ServerAddress 192.0.2.1\r\nInterfaceName t0\r\n",
        "no-newline": "ServerBindAddress 198.18.0.1",
    }
    for name, data in seeds.items():
        write("conf", name, data.encode())


# --- fuzz_ctl: the server's state message, as srv_ctl_format() writes it

def stat_names():
    """srv_stat_names[] of server_pkt.c"""
    with open(os.path.join(HERE, "..", "teredod", "server_pkt.c")) as f:
        text = f.read()
    table = text[text.index("srv_stat_names[SRV_STAT_MAX]"):]
    table = table[:table.index("};")]
    return re.findall(r'= "(\w+)"', table)


def ctl_message(native=True, counts=None):
    lines = ["primary 192.0.2.1", "secondary 192.0.2.2",
             "prefix 2001:0:c000:201::/64",
             "link_local fe80::8000:f227:3fff:fdfe", "mtu 1280",
             "native " + ("true" if native else "false"), "pid 4242",
             "uptime_ms 123456", "rate_limit 100", "rate_burst 200",
             "rate_sources 3", "rate_source_shared 0",
             "rate_destinations 2", "rate_destination_shared 0"]
    for i, name in enumerate(stat_names()):
        lines.append("stat %s %d" % (name, (counts or {}).get(name, i)))
    return ("\n".join(lines) + "\n").encode()


def ctl():
    seeds = {
        "state": ctl_message(),
        "state-no-native": ctl_message(False, {"tx_ra": 18446744073709551615}),
        "short": b"primary 198.18.0.1\nstat tx_ra 1\n",
    }
    for name, data in seeds.items():
        write("ctl", name, data)


# --- dictionaries: the tokens a mutation would not guess ---------------

def dict_entry(name, value):
    if isinstance(value, str):
        value = value.encode()
    esc = "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else
                  "\\x%02x" % b for b in value)
    return '%s="%s"\n' % (name, esc)


PACKET_TOKENS = [
    ("auth", b"\x00\x01"), ("auth_empty", auth(b"\0" * 8)[:4]),
    ("origin", b"\x00\x00"),
    ("ipv6_bubble", b"\x60\x00\x00\x00\x00\x00\x3b"),
    ("ipv6_icmp", b"\x3a\xff"), ("nh_none", b"\x3b"),
    ("ff02_2", FF02_2), ("ll_restricted", LL_RESTRICTED),
    ("ll_cone", LL_CONE), ("server_ll", server_ll(PRIMARY)),
    ("fe80", b"\xfe\x80"), ("teredo_prefix", b"\x20\x01\x00\x00"),
    ("primary", ip4(PRIMARY)), ("secondary", ip4(SECONDARY)),
    ("teredo_ours", b"\x20\x01\x00\x00" + ip4(PRIMARY)),
    ("port_3544", struct.pack(">H", 3544)),
    ("port_3544_inv", inv(struct.pack(">H", 3544))),
    ("rs", b"\x85\x00"), ("ra", b"\x86\x00"), ("echo_request", b"\x80\x00"),
    ("echo_reply", b"\x81\x00"),
    ("trailer_alt", b"\x03\x06"), ("trailer_nonce", b"\x01\x04"),
    ("trailer_nd", b"\x04\x04"), ("trailer_port", b"\x05\x02"),
]

RA_TOKENS = [
    ("pio", b"\x03\x04\x40"), ("mtu_opt", b"\x05\x01\x00\x00"),
    ("mtu_1280", struct.pack(">I", 1280)),
    ("mtu_65535", struct.pack(">I", 65535)),
    ("old_prefix", ip6("3ffe:831f::")[:4]),
    ("server2", ip4(SERVER2)), ("server2_secondary", ip4(SERVER2_SECONDARY)),
    ("local_mapping", inv(ip4("203.0.113.200"))),
    ("nonce0", client_nonce(0)), ("nonce1", client_nonce(8)),
    ("nonce_cone", client_nonce(24)),
    ("genl_control", b"\x05\x01\x00\x00"), ("family", b"\x1c\x00"),
]

CONF_TOKENS = [
    (d.lower(), d) for d in (
        "RelayType", "ServerAddress", "ServerAddress2", "InterfaceName",
        "BindAddress", "BindPort", "HookScript", "LocalDiscovery",
        "QualifyOnDemand", "DormantTimeout", "UPnP", "InterfaceMTU", "SyslogFacility", "ServerBindAddress",
        "ServerBindAddress2", "Prefix")] + [
    ("v_" + re.sub(r"[^a-z0-9]", "_", v), v)
    for v in ("client", "autoclient", "relay", "cone", "restricted",
              "daemon", "local0", "local7", "kern", "user", "enabled",
              "disabled", "yes", "no", "on", "off", "true", "false", "0",
              "1", "2001:0::", "2001::/32", "/32", "192.0.2.1", "198.18.0.1",
              "10.0.0.1", "255.255.255.255", "1280", "65535", "65536",
              "3545", "/etc/teredod/client-hook", "teredo0")] + [
    ("comment", "#"), ("newline", "\n"), ("tab", "\t"), ("crlf", "\r\n")]


CTL_TOKENS = [("stat", "stat "), ("primary", "primary "), ("true", "true"),
              ("false", "false"), ("newline", "\n"), ("zero", "0"),
              ("utf8", "\u00e9".encode()), ("escape", "\\u0000")]


def dicts():
    for target, tokens in (("server", PACKET_TOKENS),
                           ("ctl", CTL_TOKENS),
                           ("client", PACKET_TOKENS + RA_TOKENS),
                           ("proto", PACKET_TOKENS + RA_TOKENS),
                           ("conf", CONF_TOKENS)):
        with open(os.path.join(HERE, target + ".dict"), "w") as f:
            f.write("# written by mkcorpus.py\n")
            for name, value in tokens:
                f.write(dict_entry(name, value))


def main():
    for f in glob.glob(os.path.join(HERE, "corpus", "*", "seed-*")):
        os.remove(f)
    client()
    server()
    proto()
    conf()
    ctl()
    dicts()


if __name__ == "__main__":
    main()

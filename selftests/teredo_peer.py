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
  teredo_peer.py spoof SRC DEST_IP:PORT HEX COUNT
      sends COUNT raw UDP/IPv4 datagrams with a forged source: SRC is
      IP:PORT, IP (random ports) or IP/LEN (random addresses and ports).
  teredo_peer.py raw SRC_IP:PORT DEST_IP:PORT HEX [badsum] [ipopt] [frag] [N]
      sends a UDP datagram (N times) in a hand-made IPv4 header: with a
      wrong UDP checksum, with an IP option (4 bytes of no-operation), or
      in two IPv4 fragments.
  teredo_peer.py rs BIND_IP:PORT SERVER_IP [cone] [TIMEOUT]
      sends a router solicitation (auth header, nonce), waits for the RA;
      prints "ra from IP:PORT mapped IP:PORT prefix P mtu N" (exit 1: none).
  teredo_peer.py badserver BIND_IP SECONDS KIND
      answers router solicitations with a router advertisement that is
      valid (KIND good) or broken in one way: nonce, confbyte, noauth,
      noorigin, prefixes2, prefix (another server's), mtu (1000).
  teredo_peer.py recv BIND_IP:PORT SECONDS
      prints "from IP:PORT HEX" of the first datagram (exit 1: none).
  teredo_peer.py packet KIND SRC DST [TRAILER]
      prints the hex of an IPv6 packet: bubble, echo or udp.
  teredo_peer.py craft DEST_IP:PORT
      sends a datagram to DEST for each line of stdin, "FROM PREFIX KIND
      SRC DST [TRAILER]": from FROM (IP:PORT, any address: a hand-made
      IPv4 header), PREFIX (hex of authentication and origin indications,
      or -) then the IPv6 packet KIND (as "packet" makes it, or "ra": a
      router advertisement) from SRC to DST, then TRAILER (hex).
  teredo_peer.py icmp6 TYPE SRC DST HEX [HLIM]
      prints the hex of an ICMPv6 message of TYPE (code 0) whose body
      after the checksum is HEX: 129 with 00000000 and a nonce is the
      answer to a client's relay test, 134 a router advertisement.
  teredo_peer.py icmp-frag ROUTER_IP ORIG_SRC:PORT ORIG_DST:PORT MTU
      sends ORIG_SRC an ICMP "fragmentation needed" (next-hop MTU) from
      ROUTER_IP about a UDP datagram ORIG_SRC:PORT -> ORIG_DST:PORT: the
      kernel records a PMTU exception for ORIG_DST.
  teredo_peer.py relay-test SERVER_IP RELAY_IP:PORT CLIENT_IP:PORT SRC DST
                 [ANSWER_IP:PORT [wrong|- [SECONDS [PRIME_IP:PORT]]]]
      plays a relay, our server and a native host SRC for a Teredo client
      DST at CLIENT_IP:PORT: sends an echo request SRC -> DST from RELAY,
      waits for the client's relay test (an echo request DST -> SRC with a
      nonce, to SERVER_IP:3544), waits 1 s (anything from the client to a
      relay meanwhile is "early"), answers it from ANSWER (default RELAY;
      with a wrong nonce if asked), then waits SECONDS (default 5) for the
      client's echo reply to the first request. With PRIME, first an echo
      request from PRIME, the relay the client trusts for SRC, and its
      answer. Prints "nonce HEX after SECONDS" (from the request to the
      test), "early N" and "delivered IP:PORT" or "delivered none" (exit
      1: no relay test came).
  teredo_peer.py tcp-sink PORT SECONDS
      accepts one TCP connection (IPv6), prints "BYTES SHA256" of what came.
  teredo_peer.py tcp-source HOST PORT BYTES [RATE|- [SRC]]
      sends BYTES pseudo-random bytes (RATE bytes a second if given, from
      the address SRC if given), prints "BYTES SHA256" of what went.
"""
import select
import socket
import struct
import sys
import time


# hashlib, random and ipaddress are imported where used: every run of
# this script pays for its imports.
def addr(a):
    return socket.inet_pton(socket.AF_INET6, a)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim) + src + dst + payload


def icmp6(src, dst, typ, body, hlim=64):
    pseudo = src + dst + struct.pack("!I3xB", 4 + len(body), 58)
    c = csum(pseudo + struct.pack("!BBH", typ, 0, 0) + body)
    return ip6(src, dst, 58, struct.pack("!BBH", typ, 0, c) + body, hlim)


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
        off = 40
        if nh == 0 and len(pkt) >= 48:  # a hop-by-hop header: skip it
            nh, off = pkt[40], 40 + (pkt[41] + 1) * 8
        if len(pkt) < off + 4:
            continue
        if nh == 58 and pkt[off] == 128 and pdst == me:
            s.sendto(icmp6(me, psrc, 129, pkt[off + 4:]), src)
        elif nh == 58 and pkt[off] == 129:
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


def rs_payload(nonce, cone=False):
    src = addr("fe80::8000:5445:5245:444f" if cone else "fe80::ffff:ffff:ffff")
    return b"\0\1\0\0" + nonce + b"\0" + icmp6(src, addr("ff02::2"), 133,
                                                b"\0" * 4, 255)


def spoof(src, dest, hexdata, count):
    import ipaddress
    import random
    data = bytes.fromhex(hexdata)
    dip, dport = hostport(dest)
    net, port = src, None
    if ":" in src:
        net, port = hostport(src)
    net = ipaddress.IPv4Network(net if "/" in net else net + "/32",
                                strict=False)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random(1)
    for _ in range(int(count)):
        sip = net[rnd.randrange(net.num_addresses)] if net.num_addresses > 1 \
            else net.network_address
        sport = port if port else rnd.randrange(1024, 65535)
        udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64,
                          17, 0, sip.packed, socket.inet_aton(dip))
        s.sendto(hdr + udp, (dip, 0))


def raw(src, dest, hexdata, *opts):
    import random
    (sip, sport), (dip, dport) = hostport(src), hostport(dest)
    sip, dip = socket.inet_aton(sip), socket.inet_aton(dip)
    data = bytes.fromhex(hexdata)
    ulen = 8 + len(data)
    c = csum(sip + dip + struct.pack("!BBH", 0, 17, ulen) +
             struct.pack("!HHHH", sport, dport, ulen, 0) + data) or 0xFFFF
    if "badsum" in opts:
        c = c ^ 0x5555 or 1
    udp = struct.pack("!HHHH", sport, dport, ulen, c) + data
    opt = b"\x01\x01\x01\x01" if "ipopt" in opts else b""
    cut = (len(udp) // 2) & ~7 if "frag" in opts else len(udp)
    count = ([int(o) for o in opts if o.isdigit()] or [1])[0]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for _ in range(count):
        # fragments share an ID; otherwise 0: the kernel picks one
        ident = random.getrandbits(16) | 1 if cut < len(udp) else 0
        for off, part in ((0, udp[:cut]), (cut, udp[cut:])):
            if not part:
                continue
            more = 0x2000 if off + len(part) < len(udp) else 0
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45 + len(opt) // 4, 0,
                              20 + len(opt) + len(part), ident,
                              more | off // 8, 64, 17, 0, sip, dip) + opt
            s.sendto(hdr + part, (socket.inet_ntoa(dip), 0))


def rs(bind, server_ip, *args):
    import ipaddress
    import random
    cone = "cone" in args
    timeout = float([a for a in args if a != "cone"][0]) \
        if [a for a in args if a != "cone"] else 5.0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(hostport(bind))
    nonce = bytes(random.getrandbits(8) for _ in range(8))
    s.sendto(rs_payload(nonce, cone), (server_ip, 3544))
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        data, src = s.recvfrom(65535)
        if data[:2] != b"\0\1" or data[4:12] != nonce:
            continue
        origin, pkt = parse(data)
        if len(pkt) < 40 + 16 or pkt[40] != 134:
            continue
        prefix = mtu = None
        opts = pkt[56:]
        while len(opts) >= 8 and opts[1]:
            if opts[0] == 3:
                prefix = "%s/%d" % (ipaddress.IPv6Address(opts[16:32]), opts[2])
            elif opts[0] == 5:
                mtu = struct.unpack("!I", opts[4:8])[0]
            opts = opts[8 * opts[1]:]
        print("ra from %s:%d mapped %s:%d prefix %s mtu %s" %
              (src[0], src[1], origin[0], origin[1], prefix, mtu))
        return
    sys.exit("no router advertisement")


def ra_payload(kind, nonce, server, dst, mapped):
    """A server's answer to an RS from DST (link-local) at MAPPED."""
    pfx_ip = socket.inet_aton("198.18.0.1") if kind == "prefix" else server
    pio = struct.pack("!BBBBIII", 3, 4, 64, 0x40, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    pio += b"\x20\x01\0\0" + pfx_ip + b"\0" * 8
    opts = pio * (2 if kind == "prefixes2" else 1)
    opts += struct.pack("!BBHI", 5, 1, 0, 1000 if kind == "mtu" else 1280)
    body = struct.pack("!BBHII", 0, 0, 0, 0, 2000) + opts
    src = b"\xfe\x80" + b"\0" * 6 + b"\x80\0\xf2\x27" + \
        bytes(b ^ 0xFF for b in server)
    pkt = icmp6(src, dst, 134, body, 255)
    if kind == "nonce":
        nonce = bytes(b ^ 0x55 for b in nonce)
    auth = b"\0\1\0\0" + nonce + (b"\1" if kind == "confbyte" else b"\0")
    oi = b"\0\0" + struct.pack("!H", mapped[1] ^ 0xFFFF)
    oi += bytes(b ^ 0xFF for b in socket.inet_aton(mapped[0]))
    return (b"" if kind == "noauth" else auth) + \
        (b"" if kind == "noorigin" else oi) + pkt


def badserver(bind, seconds, kind):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 3544))
    me = socket.inet_aton(bind)
    end = time.time() + float(seconds)
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        data, src = s.recvfrom(65535)
        if len(data) < 61 or data[:2] != b"\0\1":
            continue
        nonce, pkt = data[4:12], data[13:]
        if len(pkt) < 48 or pkt[6] != 58 or pkt[40] != 133:
            continue
        s.sendto(ra_payload(kind, nonce, me, pkt[8:24], src), src)


def recv(bind, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(hostport(bind))
    r, _, _ = select.select([s], [], [], float(seconds))
    if not r:
        sys.exit("nothing received")
    data, src = s.recvfrom(65535)
    print("from %s:%d %s" % (src[0], src[1], data.hex()))


def packet(kind, src, dst, trailer=""):
    print(ipv6_packet(kind, src, dst, bytes.fromhex(trailer)).hex())


def ipv6_packet(kind, src, dst, trailer=b""):
    src, dst = addr(src), addr(dst)
    if kind == "bubble":
        p = bubble(src, dst)
    elif kind == "rs":
        p = icmp6(src, dst, 133, b"\0" * 4, 255)
    elif kind == "ra":
        p = icmp6(src, dst, 134, struct.pack("!BBHII", 0, 0, 0, 0, 2000), 255)
    elif kind == "echo":
        p = icmp6(src, dst, 128, struct.pack("!HH", 1, 1) + b"x" * 8)
    else:
        p = ip6(src, dst, 17, struct.pack("!HHHH", 9, 9, 12, 0) + b"abcd")
    return p + trailer


def craft(dest):
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        prefix = b"" if f[1] == "-" else bytes.fromhex(f[1])
        trailer = bytes.fromhex(f[5]) if len(f) > 5 else b""
        raw(f[0], dest, (prefix + ipv6_packet(*f[2:5], trailer)).hex())


def icmp6_packet(typ, src, dst, hexdata, hlim="64"):
    print(icmp6(addr(src), addr(dst), int(typ), bytes.fromhex(hexdata),
                int(hlim)).hex())


def icmp_frag(router, orig_src, orig_dst, mtu):
    (sip, sport), (dip, dport) = hostport(orig_src), hostport(orig_dst)
    inner = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1400, 1, 0, 64, 17, 0,
                        socket.inet_aton(sip), socket.inet_aton(dip))
    inner = inner[:10] + struct.pack("!H", csum(inner)) + inner[12:]
    inner += struct.pack("!HHHH", sport, dport, 1380, 0)
    body = struct.pack("!BBHHH", 3, 4, 0, 0, int(mtu)) + inner
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, 1,
                      0, socket.inet_aton(router), socket.inet_aton(sip))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + body, (sip, 0))


def relay_test(server_ip, relay, client_map, src, dst, answer=None,
               wrong=None, seconds="5", prime=None):
    src, dst = addr(src), addr(dst)
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((server_ip, 3544))
    socks = {}
    for r in (relay, answer or relay, prime):
        if r and r not in socks:
            socks[r] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks[r].bind(hostport(r))
    body = struct.pack("!HH", 0x7e7e, 1) + b"relay-test"
    if prime:
        # the client answers through the relay it trusts: data has just
        # gone to the peer when the packet through RELAY comes
        socks[prime].sendto(icmp6(src, dst, 128, body), hostport(client_map))
        r, _, _ = select.select([socks[prime]], [], [], 5)
        if not r:
            sys.exit("no answer through %s" % prime)
        socks[prime].recvfrom(65535)
    sent = time.time()
    socks[relay].sendto(icmp6(src, dst, 128, body), hostport(client_map))
    end = time.time() + 10
    test = None
    while test is None and time.time() < end:
        r, _, _ = select.select([srv], [], [], 0.1)
        if not r:
            continue
        data, _ = srv.recvfrom(65535)
        _, pkt = parse(data)
        if len(pkt) == 56 and pkt[6] == 58 and pkt[8:24] == dst and \
                pkt[24:40] == src and pkt[40] == 128:
            test = pkt[44:56]
    if test is None:
        sys.exit("no relay test came")
    print("nonce %s after %.2f" % (test[4:].hex(), time.time() - sent),
          flush=True)

    def watch(until):
        """(relay, is our echo reply) of what the client sends the relays"""
        got = []
        while time.time() < until:
            r, _, _ = select.select(list(socks.values()), [], [], 0.05)
            for name, s in socks.items():
                if s not in r:
                    continue
                data, _ = s.recvfrom(65535)
                _, pkt = parse(data)
                got.append((name, len(pkt) > 44 and pkt[6] == 58 and
                            pkt[40] == 129 and pkt[8:24] == dst and
                            pkt[24:40] == src and pkt[44:] == body))
                if got[-1][1]:
                    return got
        return got
    early = watch(time.time() + 1)
    if wrong == "wrong":
        test = test[:-1] + bytes([test[-1] ^ 1])
    socks[answer or relay].sendto(icmp6(src, dst, 129, test),
                                  hostport(client_map))
    delivered = [n for n, ok in watch(time.time() + float(seconds)) if ok]
    print("early %d" % len(early))
    print("delivered %s" % (delivered[0] if delivered else "none"))


def tcp_sink(port, seconds):
    import hashlib
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


def tcp_source(host, port, nbytes, rate=None, src=None):
    """Send NBYTES; at RATE bytes a second if given (a transfer that
    lasts, to be running when something happens on its path), from SRC
    if given."""
    import hashlib
    import random
    rnd = random.Random(int(nbytes))
    data = bytes(rnd.getrandbits(8) for _ in range(int(nbytes)))
    for _ in range(50):
        try:
            c = socket.create_connection((host, int(port)), timeout=20,
                                         source_address=(src, 0) if src else None)
            break
        except OSError:
            time.sleep(0.2)
    if rate is None or rate == "-":
        c.sendall(data)
    else:
        chunk, start = max(1, int(rate) // 20), time.monotonic()
        for off in range(0, len(data), chunk):
            c.sendall(data[off:off + chunk])
            due = start + (off + chunk) / int(rate)
            time.sleep(max(0.0, due - time.monotonic()))
    c.close()
    print(len(data), hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    cmds = {"client": client, "server": server, "send": send, "packet": packet,
            "spoof": spoof, "raw": raw, "rs": rs, "recv": recv, "badserver": badserver,
            "tcp-sink": tcp_sink, "tcp-source": tcp_source,
            "icmp6": icmp6_packet, "icmp-frag": icmp_frag,
            "relay-test": relay_test, "craft": craft}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])

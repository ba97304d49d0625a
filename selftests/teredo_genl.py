#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink requests to the "teredo" family, as teredod makes
them, for the selftests (no pyroute2): what teredod does to a client-mode
device, and what it must not be able to do without privileges.

  teredo_genl.py get IFNAME
      TEREDO_CMD_GET_DEV: prints "qualified Q local IP:PORT peers N".
  teredo_genl.py set-client IFNAME ADDR|none [NAT]
      TEREDO_CMD_SET_CLIENT: qualified with the Teredo address ADDR, or
      not qualified (none).
  teredo_genl.py unset-client IFNAME
      TEREDO_CMD_SET_CLIENT: not qualified.
  teredo_genl.py send IFNAME IP HEX [PORT]
      TEREDO_CMD_SEND: the UDP payload HEX to IP (port PORT if given).
  teredo_genl.py send-each IFNAME HEX IP...
      the same to each IP in turn; prints "IP: sent" or "IP: Error: ..."
      for each, and exits 0.
  teredo_genl.py listen IFNAME SECONDS
      joins the "control" group, prints "listening" (flushed) once joined,
      then "control from IP:PORT HEX" for each notification about IFNAME
      and "notifications N" after SECONDS.
  teredo_genl.py join FAMILY GROUP
      joins a multicast group of any family (exit 1: refused).
  teredo_genl.py dump-hold IFNAME
      starts a TEREDO_CMD_GET_PEER dump, peeks at its first batch and
      prints "first N" (peers in it): with a receive buffer that small,
      the kernel fills no second batch and the dump stays open; waits for
      a line on stdin; reads to the end and prints "batches B", then "end
      PEERS ERRNO [MESSAGE]" (ERRNO 0: the dump ended with NLMSG_DONE and
      no error).

A refused request prints "Error: EXTACK MESSAGE (ERRNO NAME)" on stderr and
exits 1.
"""
import errno
import select
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK = 1, 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG = 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2

# include/uapi/linux/teredo.h
TEREDO_CMD_GET_DEV, TEREDO_CMD_GET_PEER = 1, 2
TEREDO_CMD_SEND, TEREDO_CMD_SET_CLIENT, TEREDO_CMD_CONTROL = 3, 4, 5
A_IFINDEX, A_IFNAME, A_PEER_COUNT, A_PEER = 1, 2, 4, 8
A_REMOTE_IP, A_REMOTE_PORT, A_PAYLOAD = 10, 11, 12
A_QUALIFIED, A_ADDR, A_NAT = 13, 14, 15
A_LOCAL_IP, A_LOCAL_PORT = 17, 18


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("HH", n, kind) + payload + b"\0" * (-n % 4)


def attrs(data):
    """{type: payload} of a run of attributes (the last of each type)"""
    out, off = {}, 0
    while off + 4 <= len(data):
        n, kind = struct.unpack_from("HH", data, off)
        if n < 4:
            break
        out[kind & 0x3FFF] = data[off + 4:off + n]
        off += (n + 3) & ~3
    return out


def nested_list(data):
    out, off = [], 0
    while off + 4 <= len(data):
        n, _ = struct.unpack_from("HH", data, off)
        if n < 4:
            break
        out.append(attrs(data[off + 4:off + n]))
        off += (n + 3) & ~3
    return out


class NlError(Exception):
    pass


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, body, version=1):
        """Send a do request; returns the replies' attributes or exits."""
        self.seq += 1
        body = struct.pack("BBH", cmd, version, 0) + body
        msg = struct.pack("IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body
        self.s.send(msg)
        replies = []
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                n, kind, flags, seq, _ = struct.unpack_from("IHHII", data, off)
                if n < 16:
                    break
                part = data[off:off + n]
                off += (n + 3) & ~3
                if seq != self.seq:
                    continue
                if kind != NLMSG_ERROR:
                    replies.append(attrs(part[20:]))
                    continue
                err = struct.unpack_from("i", part, 16)[0]
                if err == 0:
                    return replies
                skip = 20 + (16 if flags & NLM_F_CAPPED else (len(msg) + 3) & ~3)
                text = attrs(part[skip:]).get(NLMSGERR_ATTR_MSG, b"")
                text = text.rstrip(b"\0").decode() or "no message"
                raise NlError("Error: %s (%s)" % (text, errno.errorcode.get(-err, -err)))

    def family(self, name):
        """(id, {group name: id}) of a family"""
        r = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                         attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        a = r[0]
        fid = struct.unpack("H", a[CTRL_ATTR_FAMILY_ID][:2])[0]
        groups = {}
        for g in nested_list(a.get(CTRL_ATTR_MCAST_GROUPS, b"")):
            gname = g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
            groups[gname] = struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
        return fid, groups

    def join(self, group):
        try:
            self.s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
        except OSError as e:
            raise NlError("Error: cannot join the group (%s)" % errno.errorcode[e.errno])


def dev_attr(ifname):
    return attr(A_IFNAME, ifname.encode() + b"\0")


def get(ifname):
    g = Genl()
    fid, _ = g.family("teredo")
    a = g.request(fid, TEREDO_CMD_GET_DEV, dev_attr(ifname))[0]
    q = a.get(A_QUALIFIED, b"\0")[0]
    ip = socket.inet_ntoa(a[A_LOCAL_IP]) if A_LOCAL_IP in a else "none"
    port = struct.unpack("!H", a[A_LOCAL_PORT][:2])[0] if A_LOCAL_PORT in a else 0
    n = struct.unpack("I", a[A_PEER_COUNT][:4])[0]
    print(f"qualified {q} local {ip}:{port} peers {n}")


def set_client(ifname, addr, nat="0"):
    if addr == "none":
        unset_client(ifname)
        return
    g = Genl()
    fid, _ = g.family("teredo")
    body = dev_attr(ifname) + attr(A_QUALIFIED, b"\1")
    body += attr(A_ADDR, socket.inet_pton(socket.AF_INET6, addr))
    body += attr(A_NAT, struct.pack("B", int(nat)))
    g.request(fid, TEREDO_CMD_SET_CLIENT, body)


def unset_client(ifname):
    g = Genl()
    fid, _ = g.family("teredo")
    g.request(fid, TEREDO_CMD_SET_CLIENT, dev_attr(ifname) + attr(A_QUALIFIED, b"\0"))


def send(ifname, ip, hexdata, port=None, g=None):
    g = g or Genl()
    fid, _ = g.family("teredo")
    body = dev_attr(ifname) + attr(A_REMOTE_IP, socket.inet_aton(ip))
    if port is not None:
        body += attr(A_REMOTE_PORT, struct.pack("!H", int(port)))
    body += attr(A_PAYLOAD, bytes.fromhex(hexdata))
    g.request(fid, TEREDO_CMD_SEND, body)


def send_each(ifname, hexdata, *ips):
    g = Genl()
    for ip in ips:
        try:
            send(ifname, ip, hexdata, g=g)
            print("%s: sent" % ip)
        except NlError as e:
            print("%s: %s" % (ip, e))


def listen(ifname, seconds):
    g = Genl()
    fid, groups = g.family("teredo")
    ifindex = socket.if_nametoindex(ifname)
    g.join(groups["control"])
    print("listening", flush=True)
    n, end = 0, time.time() + float(seconds)
    while True:
        left = end - time.time()
        if left <= 0:
            break
        r, _, _ = select.select([g.s], [], [], left)
        if not r:
            continue
        data = g.s.recv(65536)
        off = 0
        while off + 20 <= len(data):
            ln, kind, _, _, _ = struct.unpack_from("IHHII", data, off)
            if ln < 20:
                break
            cmd = data[off + 16]
            a = attrs(data[off + 20:off + ln])
            off += (ln + 3) & ~3
            if kind != fid or cmd != TEREDO_CMD_CONTROL or \
                    struct.unpack("I", a[A_IFINDEX])[0] != ifindex:
                continue
            n += 1
            print("control from %s:%d %s" % (
                socket.inet_ntoa(a[A_REMOTE_IP]),
                struct.unpack("!H", a[A_REMOTE_PORT])[0], a[A_PAYLOAD].hex()),
                flush=True)
    print("notifications %d" % n, flush=True)


def messages(g, flags=0):
    """One recv: [(type, flags, payload)]"""
    data, off, out = g.s.recv(1 << 20, flags), 0, []
    while off + 16 <= len(data):
        n, kind, fl, _, _ = struct.unpack_from("IHHII", data, off)
        if n < 16:
            break
        out.append((kind, fl, data[off + 16:off + n]))
        off += (n + 3) & ~3
    return out


def end_of(kind, flags, payload):
    """(errno, extack message) of an NLMSG_ERROR or NLMSG_DONE"""
    err = -struct.unpack_from("i", payload)[0]
    msg = ""
    if flags & NLM_F_ACK_TLVS:
        off = 4
        if kind == NLMSG_ERROR:
            off += 16 if flags & NLM_F_CAPPED else \
                (struct.unpack_from("I", payload, 4)[0] + 3) & ~3
        msg = attrs(payload[off:]).get(NLMSGERR_ATTR_MSG, b"")
        msg = msg.rstrip(b"\0").decode()
    return err, msg


def dump_hold(ifname):
    # the family looked up on another socket: a socket's first dump batch
    # is as large as its largest read so far (up to 32 KiB), and one that
    # never read gets the smallest (about 4 KiB, some 36 peers), so that
    # a few dozen peers are enough to leave the dump open
    fid, _ = Genl().family("teredo")
    g = Genl()
    g.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    g.seq += 1
    body = struct.pack("BBH", TEREDO_CMD_GET_PEER, 1, 0) + dev_attr(ifname)
    g.s.send(struct.pack("IHHII", 16 + len(body), fid,
                         NLM_F_REQUEST | NLM_F_DUMP, g.seq, 0) + body)
    first = sum(1 for _, _, body in messages(g, socket.MSG_PEEK)
                if A_PEER in attrs(body[4:]))
    print(f"first {first}", flush=True)
    sys.stdin.readline()
    g.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    peers, batches, end = 0, 0, None
    while end is None:
        batches += 1
        for kind, flags, body in messages(g):
            if kind in (NLMSG_DONE, NLMSG_ERROR):
                end = end_of(kind, flags, body)
            elif A_PEER in attrs(body[4:]):
                peers += 1
    print(f"batches {batches}", flush=True)
    print(f"end {peers} {end[0]} {end[1]}".rstrip(), flush=True)


def join(family, group):
    g = Genl()
    _, groups = g.family(family)
    g.join(groups[group])
    print("joined %s/%s" % (family, group))


if __name__ == "__main__":
    cmds = {"get": get, "dump-hold": dump_hold, "set-client": set_client, "unset-client": unset_client,
            "send": send, "send-each": send_each, "listen": listen,
            "join": join}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    try:
        cmds[sys.argv[1]](*sys.argv[2:])
    except NlError as e:
        sys.exit(str(e))

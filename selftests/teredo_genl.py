#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink requests to the "teredo" family, so that the
selftests reach the kernel without teredod (and with any value).

usage: teredo_genl.py get IFNAME
           prints "qualified Q local IP:PORT peers N" of TEREDO_CMD_GET_DEV
       teredo_genl.py send IFNAME IP HEX
           TEREDO_CMD_SEND of HEX to IP port 3544
       teredo_genl.py set-client IFNAME ADDR|none
           TEREDO_CMD_SET_CLIENT: qualified with ADDR, or not
       teredo_genl.py dump-hold IFNAME
           starts a TEREDO_CMD_GET_PEER dump, peeks at its first batch and
           prints "first N" (peers in it): with a receive buffer that small,
           the kernel fills no second batch and the dump stays open; waits
           for a line on stdin; reads to the end and prints "batches B",
           then "end PEERS ERRNO [MESSAGE]" (ERRNO 0: the dump ended with
           NLMSG_DONE and no error)
Prints the kernel's extack message and exits 1 when a request fails.
"""
import socket
import struct
import sys

GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NETLINK_EXT_ACK, SOL_NETLINK, NLMSGERR_ATTR_MSG = 11, 270, 1
CMD_GET_DEV, CMD_GET_PEER, CMD_SEND, CMD_SET_CLIENT = 1, 2, 3, 4
A_IFNAME, A_PEER_COUNT, A_PEER, A_REMOTE_IP, A_PAYLOAD = 2, 4, 8, 10, 12
A_QUALIFIED, A_ADDR, A_LOCAL_IP, A_LOCAL_PORT = 13, 14, 17, 18


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("HH", length, kind) + payload + b"\0" * (-length % 4)


def attrs(data):
    out, off = {}, 0
    while off + 4 <= len(data):
        length, kind = struct.unpack_from("HH", data, off)
        if length < 4:
            break
        out[kind & 0x3FFF] = data[off + 4:off + length]
        off += (length + 3) & ~3
    return out


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = 0
        self.family = GENL_ID_CTRL
        reply = self.request(CTRL_CMD_GETFAMILY,
                             attr(CTRL_ATTR_FAMILY_NAME, b"teredo\0"))
        self.family = struct.unpack("H", attrs(reply[0])[CTRL_ATTR_FAMILY_ID][:2])[0]

    def send(self, cmd, payload, flags):
        self.seq += 1
        body = struct.pack("BBH", cmd, 1, 0) + payload
        self.s.send(struct.pack("IHHII", 16 + len(body), self.family,
                                NLM_F_REQUEST | flags, self.seq, 0) + body)

    def messages(self, flags=0):
        """One recv: [(type, flags, payload)]"""
        data, off, out = self.s.recv(1 << 20, flags), 0, []
        while off + 16 <= len(data):
            length, kind, flags, _, _ = struct.unpack_from("IHHII", data, off)
            out.append((kind, flags, data[off + 16:off + length]))
            off += (length + 3) & ~3
        return out

    @staticmethod
    def error(kind, flags, payload):
        """(errno, extack message) of an NLMSG_ERROR or NLMSG_DONE"""
        err = -struct.unpack_from("i", payload)[0]
        msg = ""
        if flags & NLM_F_ACK_TLVS:
            if kind == NLMSG_ERROR:
                off = 4 + (16 if flags & NLM_F_CAPPED else
                           (struct.unpack_from("I", payload, 4)[0] + 3) & ~3)
            else:
                off = 4
            msg = attrs(payload[off:]).get(NLMSGERR_ATTR_MSG, b"")
            msg = msg.rstrip(b"\0").decode()
        return err, msg

    def request(self, cmd, payload):
        """A do request: the replies' attribute data, or exit 1 on error."""
        self.send(cmd, payload, NLM_F_ACK)
        replies = []
        while True:
            for kind, flags, body in self.messages():
                if kind == NLMSG_ERROR:
                    err, msg = self.error(kind, flags, body)
                    if err:
                        print(f"Error: {msg or 'no message'} ({err})",
                              file=sys.stderr)
                        sys.exit(1)
                    return replies
                replies.append(body[4:])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, dev = sys.argv[1], attr(A_IFNAME, sys.argv[2].encode() + b"\0")
    g = Genl()
    if cmd == "get":
        a = attrs(g.request(CMD_GET_DEV, dev)[0])
        q = a.get(A_QUALIFIED, b"\0")[0]
        ip = socket.inet_ntoa(a[A_LOCAL_IP]) if A_LOCAL_IP in a else "none"
        port = struct.unpack("!H", a[A_LOCAL_PORT][:2])[0] if A_LOCAL_PORT in a else 0
        n = struct.unpack("I", a[A_PEER_COUNT][:4])[0]
        print(f"qualified {q} local {ip}:{port} peers {n}")
    elif cmd == "send":
        g.request(CMD_SEND, dev + attr(A_REMOTE_IP, socket.inet_aton(sys.argv[3])) +
                  attr(A_PAYLOAD, bytes.fromhex(sys.argv[4])))
        print("ok")
    elif cmd == "set-client":
        if sys.argv[3] == "none":
            extra = attr(A_QUALIFIED, b"\0")
        else:
            extra = attr(A_QUALIFIED, b"\1") + attr(
                A_ADDR, socket.inet_pton(socket.AF_INET6, sys.argv[3]))
        g.request(CMD_SET_CLIENT, dev + extra)
        print("ok")
    elif cmd == "dump-hold":
        g.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        g.send(CMD_GET_PEER, dev, NLM_F_DUMP)
        first = sum(1 for _, _, body in g.messages(socket.MSG_PEEK)
                    if A_PEER in attrs(body[4:]))
        print(f"first {first}", flush=True)
        sys.stdin.readline()
        g.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        peers, batches, end = 0, 0, None
        while end is None:
            batches += 1
            for kind, flags, body in g.messages():
                if kind in (NLMSG_DONE, NLMSG_ERROR):
                    end = g.error(kind, flags, body)
                elif A_PEER in attrs(body[4:]):
                    peers += 1
        print(f"batches {batches}", flush=True)
        print(f"end {peers} {end[0]} {end[1]}".rstrip(), flush=True)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send a raw RTM_NEWLINK for a teredo device, bypassing ip's own checks,
so the selftests can reach the kernel's validation with any attribute value.

usage: teredo_rtnl.py [--set] NAME [ATTR=VALUE ...]
  --set: change the existing device NAME (default: create it)
  ATTR: mode (u8), local (dotted IPv4), port (be16), link (u32), mtu (u32),
        maxpeers (u32), fastpath (u8), native (u32), and ifla_mtu (u32,
        the generic IFLA_MTU, outside the teredo attributes)
Prints the kernel's extack message and exits 1 when the request fails; the
attribute the kernel pointed at follows it, as "[attribute NAME]".
"""
import socket
import struct
import sys

NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x200, 0x400
RTM_NEWLINK, NLMSG_ERROR = 16, 2
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
NLA_F_NESTED = 0x8000
NETLINK_EXT_ACK, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 11, 1, 2
IFLA_MTU = 4
SOL_NETLINK = 270

ATTRS = {
    "mode": (1, lambda v: struct.pack("B", int(v))),
    "local": (2, socket.inet_aton),
    "port": (3, lambda v: struct.pack("!H", int(v))),
    "link": (4, lambda v: struct.pack("I", int(v))),
    "mtu": (5, lambda v: struct.pack("I", int(v))),
    "maxpeers": (6, lambda v: struct.pack("I", int(v))),
    "fastpath": (7, lambda v: struct.pack("B", int(v))),
    "native": (8, lambda v: struct.pack("I", int(v))),
}


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("HH", length, kind) + payload + b"\0" * (-length % 4)


def main():
    args = sys.argv[1:]
    create = not (args and args[0] == "--set")
    if not create:
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    data = top = b""
    for arg in args[1:]:
        key, _, value = arg.partition("=")
        if key == "ifla_mtu":
            top += attr(IFLA_MTU, struct.pack("I", int(value)))
            continue
        if key not in ATTRS:
            sys.exit(f"unknown attribute {key}")
        kind, enc = ATTRS[key]
        data += attr(kind, enc(value))
    info = attr(IFLA_INFO_KIND, b"teredo\0")
    info += attr(IFLA_INFO_DATA | NLA_F_NESTED, data)
    body = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    body += attr(IFLA_IFNAME, args[0].encode() + b"\0") + top
    body += attr(IFLA_LINKINFO | NLA_F_NESTED, info)
    flags = NLM_F_REQUEST | NLM_F_ACK
    if create:
        flags |= NLM_F_EXCL | NLM_F_CREATE
    msg = struct.pack("IHHII", 16 + len(body), RTM_NEWLINK, flags, 1, 0) + body

    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.send(msg)
    reply = s.recv(65536)
    _, kind, flags, _, _ = struct.unpack_from("IHHII", reply)
    if kind != NLMSG_ERROR:
        sys.exit("unexpected reply")
    err = struct.unpack_from("i", reply, 16)[0]
    if err == 0:
        print("ok")
        return
    # extack attributes follow the echoed request (only its header if capped)
    NLM_F_CAPPED = 0x100
    off = 20 + (16 if flags & NLM_F_CAPPED else (len(msg) + 3) & ~3)
    text = where = ""
    while off + 4 <= len(reply):
        length, atype = struct.unpack_from("HH", reply, off)
        if length < 4:
            break
        if atype == NLMSGERR_ATTR_MSG:
            text = reply[off + 4:off + length].rstrip(b"\0").decode()
        elif atype == NLMSGERR_ATTR_OFFS:
            bad = struct.unpack_from("I", reply, off + 4)[0]
            kind = struct.unpack_from("H", msg, bad + 2)[0] & 0x3FFF
            names = {k: n for n, (k, _) in ATTRS.items()}
            in_data = msg.find(data) <= bad < msg.find(data) + len(data)
            where = f" [attribute {names.get(kind, kind) if in_data else 'ifla_mtu' if kind == IFLA_MTU else kind}]"
        off += (length + 3) & ~3
    print(f"Error: {text or 'no message'} ({-err}){where}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()

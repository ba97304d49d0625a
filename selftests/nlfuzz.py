#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A seeded fuzzer of the teredo module's netlink interfaces: random and
boundary attributes for RTM_NEWLINK (creation and change of every option,
IFLA_MTU with them) and for every generic netlink command (known or not,
do or dump, any attribute of any length).

usage: nlfuzz.py rtnl SEED COUNT UNDERLAY [--guest]
           creates and changes devices nf0..nf3 in this namespace (whose
           underlay device is UNDERLAY), deletes them at the end. --guest:
           the caller is a container's root, the devices already exist
           (moved in) and are changed only.
       nlfuzz.py genl SEED COUNT DEV...
           requests naming DEV... (and names and indexes that are not
           teredo devices) with any attribute

What must hold, each failure printed as "problem: ...":
 - every request gets an answer (an ack, or an error), and a dump ends;
 - every refusal says why: an extack message, a missing attribute's type
   or the offending attribute (the core's own refusals listed in
   NO_EXTACK_OK excepted);
 - a refused change leaves the device as it was (its IFLA_INFO_DATA, its
   MTU and this namespace's UDP sockets), a refused creation leaves no
   device.
Last line: "requests N accepted A refused R problems P".
"""
import errno
import random
import socket
import struct
import sys

from teredo_genl import attr, attrs

NETLINK_GENERIC = 16
SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_CAP_ACK = 270, 11, 10
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO = 3, 4, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
NLA_F_NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID = 0x10, 3, 1
CTRL_ATTR_FAMILY_NAME = 2

# (errno, where) refused by the kernel's core before the module is asked,
# without an extack: nothing the module can add a message to
NO_EXTACK_OK = {
    (errno.EPERM, "genl"): "genetlink's GENL_UNS_ADMIN_PERM check",
    (errno.EOPNOTSUPP, "genl"): "genetlink: no such command, or no dump",
    (errno.EEXIST, "rtnl"): "rtnetlink: the name is taken",
    (errno.ENODEV, "rtnl"): "rtnetlink: no such device",
}


class Nl:
    def __init__(self, proto):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.settimeout(10)
        self.s.bind((0, 0))
        self.seq = 0

    def request(self, kind, flags, body):
        """(errno, extack attributes, replies) of a request"""
        self.seq += 1
        msg = struct.pack("IHHII", 16 + len(body), kind,
                          NLM_F_REQUEST | flags, self.seq, 0) + body
        self.s.send(msg)
        replies = []
        while True:
            try:
                data = self.s.recv(1 << 20)
            except socket.timeout:
                return None, {}, replies
            off = 0
            while off + 16 <= len(data):
                n, t, fl, seq, _ = struct.unpack_from("IHHII", data, off)
                if n < 16:
                    raise RuntimeError("netlink message of %d bytes" % n)
                part = data[off:off + n]
                off += (n + 3) & ~3
                if seq != self.seq:
                    continue
                if t == NLMSG_DONE:	# a dump's end (no ack follows)
                    err = -struct.unpack_from("i", part, 16)[0]
                    ext = attrs(part[20:]) if fl & NLM_F_ACK_TLVS else {}
                    return err, ext, replies
                if t != NLMSG_ERROR:
                    replies.append(part)
                    continue
                err = -struct.unpack_from("i", part, 16)[0]
                skip = 20 + (16 if fl & NLM_F_CAPPED else (len(msg) + 3) & ~3)
                ext = attrs(part[skip:]) if fl & NLM_F_ACK_TLVS else {}
                return err, ext, replies


class Fuzz:
    def __init__(self, seed, where):
        self.r = random.Random(seed)
        self.where = where
        self.n = self.accepted = self.refused = self.problems = 0

    def problem(self, text):
        self.problems += 1
        print("problem: " + text, flush=True)

    def judge(self, what, err, ext):
        self.n += 1
        if self.n % 250 == 0:
            print("# %d requests" % self.n, flush=True)
        if err is None:
            self.problem("%s: no answer in 10 s" % what)
            return
        if not err:
            self.accepted += 1
            return
        self.refused += 1
        if not ext.keys() & {NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS,
                             NLMSGERR_ATTR_MISS_TYPE} and \
                (err, self.where) not in NO_EXTACK_OK:
            self.problem("%s: refused with %s and no extack" %
                         (what, errno.errorcode.get(err, err)))

    # values: mostly the boundaries of a type, some random
    def u32(self):
        return self.r.choice([0, 1, 2, 255, 256, 1279, 1280, 1281, 1500,
                              65507, 65508, 65535, 65536, 1000000, 1000001,
                              0x7fffffff, 0xffffffff,
                              self.r.getrandbits(32)])

    def u8(self):
        return self.r.choice([0, 1, 2, 3, 127, 255, self.r.getrandbits(8)])

    def be16(self):
        return self.r.choice([0, 1, 3544, 3545, 4000, 65535,
                              self.r.getrandbits(16)])

    def ipv4(self):
        return self.r.choice(["0.0.0.0", "0.0.0.1", "127.0.0.1",
                              "10.0.0.1", "198.18.0.1", "198.18.0.2",
                              "198.18.0.99", "224.0.0.1",
                              "255.255.255.255", "192.88.99.1",
                              socket.inet_ntoa(struct.pack(
                                  "!I", self.r.getrandbits(32)))])

    def mangle(self, payload):
        """the payload, or one a little shorter or longer"""
        k = self.r.random()
        if k < 0.08:
            return payload[:self.r.randrange(len(payload) + 1)]
        if k < 0.14:
            return payload + bytes(self.r.choice([1, 2, 4, 16]))
        return payload


class Rtnl(Fuzz):
    NAMES = ["nf0", "nf1", "nf2", "nf3"]

    def __init__(self, seed, underlay, guest):
        super().__init__(seed, "rtnl")
        self.nl = Nl(socket.NETLINK_ROUTE)
        self.guest = guest
        self.underlay = underlay
        try:
            self.ulink = socket.if_nametoindex(underlay)
        except OSError:
            self.ulink = 0

    def ifindex(self):
        names = self.NAMES + ["lo"]
        idx = [self.ulink, 0, 9999, 0xffffffff]
        for n in names:
            try:
                idx.append(socket.if_nametoindex(n))
            except OSError:
                pass
        return self.r.choice(idx)

    def info_data(self):
        gens = {
            1: lambda: struct.pack("B", self.u8()),             # mode
            2: lambda: socket.inet_aton(self.ipv4()),           # local
            3: lambda: struct.pack("!H", self.be16()),          # port
            4: lambda: struct.pack("I", self.ifindex()),        # link
            5: lambda: struct.pack("I", self.u32()),            # mtu
            6: lambda: struct.pack("I", self.u32()),            # maxpeers
            7: lambda: struct.pack("B", self.u8()),             # fastpath
            8: lambda: struct.pack("I", self.ifindex()),        # native
            9: lambda: struct.pack("I", self.u32()),            # proberate
            10: lambda: struct.pack("I", self.u32()),           # probetotal
        }
        data = b""
        for _ in range(self.r.randrange(0, 6)):
            kind = self.r.choice(list(gens) + [0, 11, 12, 200])
            payload = gens[kind]() if kind in gens else \
                self.r.randbytes(self.r.choice([0, 1, 4, 8]))
            data += attr(kind, self.mangle(payload))
        return data

    def body(self, name, data, mtu=None):
        info = attr(IFLA_INFO_KIND, b"teredo\0")
        info += attr(IFLA_INFO_DATA | NLA_F_NESTED, data)
        b = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
        b += attr(IFLA_IFNAME, name.encode() + b"\0")
        if mtu is not None:
            b += attr(IFLA_MTU, struct.pack("I", mtu))
        return b + attr(IFLA_LINKINFO | NLA_F_NESTED, info)

    def state(self, name):
        """what a refused change must not touch"""
        b = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
        b += attr(IFLA_IFNAME, name.encode() + b"\0")
        err, _, replies = self.nl.request(RTM_GETLINK, NLM_F_ACK, b)
        if err:
            return None
        a = attrs(replies[0][32:])
        info = attrs(a.get(IFLA_LINKINFO, b""))
        with open("/proc/net/udp") as f:
            udp = sorted(line.split()[1] for line in f.readlines()[1:])
        return (a.get(IFLA_MTU), info.get(IFLA_INFO_DATA), udp)

    def run(self, count):
        for _ in range(count):
            name = self.r.choice(self.NAMES)
            exists = self.state(name) is not None
            mtu = self.u32() if self.r.random() < 0.2 else None
            data = self.info_data()
            if not exists and not self.guest:
                if self.r.random() < 0.5:	# a creation that can work
                    data = attr(2, socket.inet_aton("198.18.0.1")) + \
                        attr(3, struct.pack("!H", 5000 + self.NAMES.index(name))) + data
                err, ext, _ = self.nl.request(
                    RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                    self.body(name, data, mtu))
                self.judge("create %s %s" % (name, data.hex()), err, ext)
                if err and self.state(name) is not None:
                    self.problem("create %s refused (%d) but the device exists"
                                 % (name, err))
                continue
            if not exists:
                continue
            if self.r.random() < 0.1 and not self.guest:
                err, ext, _ = self.nl.request(
                    RTM_DELLINK, NLM_F_ACK, self.body(name, b""))
                self.judge("delete " + name, err, ext)
                continue
            if self.r.random() < 0.15:
                up = self.r.random() < 0.5
                b = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0,
                                1 if up else 0, 1)	# IFF_UP
                b += attr(IFLA_IFNAME, name.encode() + b"\0")
                self.nl.request(RTM_NEWLINK, NLM_F_ACK, b)
            before = self.state(name)
            err, ext, _ = self.nl.request(RTM_NEWLINK, NLM_F_ACK,
                                          self.body(name, data, mtu))
            self.judge("set %s mtu %s %s" % (name, mtu, data.hex()), err, ext)
            after = self.state(name)
            if err and after != before:
                self.problem("set %s %s refused (%s) but changed it: %s -> %s"
                             % (name, data.hex(), errno.errorcode.get(err, err),
                                before, after))
        if not self.guest:
            for name in self.NAMES:
                if self.state(name) is not None:
                    self.nl.request(RTM_DELLINK, NLM_F_ACK, self.body(name, b""))


class Genl(Fuzz):
    def __init__(self, seed, devs):
        super().__init__(seed, "genl")
        self.nl = Nl(NETLINK_GENERIC)
        err, _, r = self.nl.request(
            GENL_ID_CTRL, NLM_F_ACK,
            struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) +
            attr(CTRL_ATTR_FAMILY_NAME, b"teredo\0"))
        if err:
            sys.exit("no teredo family (%d)" % err)
        self.fid = struct.unpack("H", attrs(r[0][20:])[CTRL_ATTR_FAMILY_ID][:2])[0]
        self.devs = devs

    def attribute(self):
        kind = self.r.choice([1, 1, 2, 2, 2, 10, 10, 11, 12, 12, 13, 13, 14,
                              14, 15, 0, 3, 4, 8, 17, 19, 25])
        dev = self.r.choice(self.devs + ["lo", "nosuch0", ""])
        try:
            idx = socket.if_nametoindex(dev) if dev else 0
        except OSError:
            idx = 0
        idx = self.r.choice([idx, idx, 0, 1, 9999, 0xffffffff])
        addr = self.r.choice([
            "2001:0:c612:1::1", "2001:0:c612:1:8000:63bf:39ed:ffea",
            "2001:0:a00:1::1", "2001:0:ffff:ffff::1", "2001:db8::1", "::",
            socket.inet_ntop(socket.AF_INET6, self.r.randbytes(16))])
        gens = {
            1: lambda: struct.pack("I", idx),
            2: lambda: (self.r.choice([dev, dev, "x" * 15, "x" * 16, "x" * 40])
                        .encode() + self.r.choice([b"\0", b"", b"\0\0"])),
            10: lambda: socket.inet_aton(self.ipv4()),
            11: lambda: struct.pack("!H", self.be16()),
            12: lambda: self.r.randbytes(self.r.choice(
                [0, 1, 4, 8, 40, 100, 1499, 1500, 1501, 2000])),
            13: lambda: struct.pack("B", self.u8()),
            14: lambda: socket.inet_pton(socket.AF_INET6, addr),
            15: lambda: struct.pack("B", self.u8()),
        }
        payload = gens[kind]() if kind in gens else \
            self.r.randbytes(self.r.choice([0, 1, 4, 8, 16]))
        return attr(kind, self.mangle(payload))

    def template(self, cmd):
        """a request that can work: a device, the command's attributes"""
        dev = self.r.choice(self.devs)
        try:
            idx = socket.if_nametoindex(dev)
        except OSError:
            idx = 0
        b = attr(2, dev.encode() + b"\0") if self.r.random() < 0.5 else \
            attr(1, struct.pack("I", idx))
        if cmd == 3:
            b += attr(10, socket.inet_aton(self.r.choice(
                ["198.18.0.2", "198.18.0.2", "198.18.0.99", self.ipv4()])))
            b += attr(12, self.r.randbytes(self.r.choice(
                [1, 8, 48, 61, 100, 1500])))
            if self.r.random() < 0.3:
                b += attr(11, struct.pack("!H", self.r.choice([3544, self.be16()])))
        elif cmd == 4:
            q = self.r.choice([0, 1, 1])
            b += attr(13, bytes([q]))
            if q:
                b += attr(14, socket.inet_pton(socket.AF_INET6, self.r.choice(
                    ["2001:0:c612:2::1", "2001:0:c612:2:8000:63bf:39ed:ffea",
                     "2001:0:a00:1::1", "2001:db8::1"])))
                if self.r.random() < 0.5:
                    b += attr(15, bytes([self.u8()]))
        return b

    def run(self, count):
        for _ in range(count):
            cmd = self.r.choice([1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 0, 5, 6, 255])
            body = self.template(cmd) if self.r.random() < 0.6 else b""
            body += b"".join(self.attribute()
                             for _ in range(self.r.randrange(0, 6 if not body else 3)))
            flags = NLM_F_ACK
            if self.r.random() < 0.25:
                flags |= NLM_F_DUMP
            err, ext, _ = self.nl.request(
                self.fid, flags,
                struct.pack("BBH", cmd, self.r.choice([0, 1, 1, 1, 2]), 0) + body)
            self.judge("cmd %d flags %#x %s" % (cmd, flags, body.hex()), err, ext)


def main():
    a = sys.argv[1:]
    if len(a) < 4 or a[0] not in ("rtnl", "genl"):
        sys.exit(__doc__)
    seed, count = int(a[1]), int(a[2])
    if a[0] == "rtnl":
        f = Rtnl(seed, a[3], "--guest" in a[4:])
    else:
        f = Genl(seed, a[3:])
    f.run(count)
    print("requests %d accepted %d refused %d problems %d" %
          (f.n, f.accepted, f.refused, f.problems), flush=True)


if __name__ == "__main__":
    main()

// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of rtnl.c against the running kernel, in a network namespace of
 * their own (needs root; skipped otherwise) and without the teredo module:
 * links, IPv6 addresses and routes on a dummy (or ifb) device, else on lo,
 * and the watch socket. What the tests check is read back with dumps on a
 * socket of their own. Prints "ok DESC" or "not ok DESC" a line (check.sh
 * numbers them as TAP); exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"
#include "util.h"
#include "test_lib.h"

#ifndef __aligned
#define __aligned(x)	__attribute__((aligned(x)))
#endif

#define RX_SIZE		32768
#define METRIC		1029

static struct mnl_socket *tnl;		/* the tests' own socket */
static unsigned int tseq;

static void check_err(const char *desc, int got, int want)
{
	result(got == want, "%s", desc);
	if (got != want)
		printf("#   got %d (%s), want %d (%s)\n", got,
		       got < 0 ? strerror(-got) : "-", want,
		       want < 0 ? strerror(-want) : "-");
}

/* a request on tnl, @cb for each reply; 0 or a negative errno */
static int raw_run(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char rx[RX_SIZE] __aligned(4);
	unsigned int portid = mnl_socket_get_portid(tnl);
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++tseq;
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(tnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(tnl, rx, sizeof(rx));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(rx, n, tseq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *raw_msg(char *buf, size_t size, uint16_t type,
				uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* ip link add @name type @kind */
static int raw_link_add(const char *name, const char *kind)
{
	char buf[512] __aligned(4);
	struct nlmsghdr *nlh = raw_msg(buf, sizeof(buf), RTM_NEWLINK,
				       NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *info;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return raw_run(nlh, NULL, NULL);
}

/* ip addr add @a/24 dev @ifindex */
static int raw_addr4_add(int ifindex, const char *a)
{
	char buf[512] __aligned(4);
	struct nlmsghdr *nlh = raw_msg(buf, sizeof(buf), RTM_NEWADDR,
				       NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct in_addr ip;

	inet_pton(AF_INET, a, &ip);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(ip), &ip);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(ip), &ip);
	return raw_run(nlh, NULL, NULL);
}

static int raw_link_del(int ifindex)
{
	char buf[512] __aligned(4);
	struct nlmsghdr *nlh = raw_msg(buf, sizeof(buf), RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	return raw_run(nlh, NULL, NULL);
}

struct link_info {
	int ifindex;
	unsigned int flags, mtu;
	bool found;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_info *l = data;
	const struct nlattr *a;

	if (ifi->ifi_index != l->ifindex)
		return MNL_CB_OK;
	l->found = true;
	l->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_MTU)
			l->mtu = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static struct link_info get_link(int ifindex)
{
	struct link_info l = { .ifindex = ifindex };
	char buf[512] __aligned(4);
	struct nlmsghdr *nlh = raw_msg(buf, sizeof(buf), RTM_GETLINK,
				       NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	raw_run(nlh, link_cb, &l);
	return l;
}

/* IPv6 addresses of a device: how many, and one of them */
struct addr_find {
	int ifindex;
	struct in6_addr a;
	unsigned int count, plen, flags;
	bool found;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_find *f = data;
	const struct nlattr *a;
	unsigned int flags = ifa->ifa_flags;
	bool match = false;

	if (ifa->ifa_family != AF_INET6 || (int)ifa->ifa_index != f->ifindex)
		return MNL_CB_OK;
	f->count++;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_FLAGS)
			flags = mnl_attr_get_u32(a);
		if (mnl_attr_get_type(a) == IFA_ADDRESS &&
		    !memcmp(mnl_attr_get_payload(a), &f->a, sizeof(f->a)))
			match = true;
	}
	if (match) {
		f->found = true;
		f->plen = ifa->ifa_prefixlen;
		f->flags = flags;
	}
	return MNL_CB_OK;
}

static struct addr_find find_addr6(int ifindex, const char *addr)
{
	struct addr_find f = { .ifindex = ifindex, .a = in6(addr) };
	char buf[512] __aligned(4);
	struct nlmsghdr *nlh = raw_msg(buf, sizeof(buf), RTM_GETADDR,
				       NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	raw_run(nlh, addr_cb, &f);
	return f;
}

/* an IPv6 route dst/plen dev ifindex metric, in table main */
struct route_find {
	int ifindex;
	struct in6_addr dst;
	unsigned int plen, metric, proto;
	bool found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_find *f = data;
	const struct nlattr *a;
	struct in6_addr dst = IN6ADDR_ANY_INIT;
	unsigned int table = rtm->rtm_table, metric = 0;
	int oif = 0;

	if (rtm->rtm_family != AF_INET6 || rtm->rtm_dst_len != f->plen)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			memcpy(&dst, mnl_attr_get_payload(a), sizeof(dst));
			break;
		case RTA_OIF:
			oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_PRIORITY:
			metric = mnl_attr_get_u32(a);
			break;
		case RTA_TABLE:
			table = mnl_attr_get_u32(a);
			break;
		}
	}
	if (oif == f->ifindex && metric == f->metric &&
	    table == RT_TABLE_MAIN && !memcmp(&dst, &f->dst, sizeof(dst))) {
		f->found = true;
		f->proto = rtm->rtm_protocol;
	}
	return MNL_CB_OK;
}

static struct route_find find_route6(int ifindex, const char *dst,
				     unsigned int plen)
{
	struct route_find f = {
		.ifindex = ifindex, .dst = in6(dst), .plen = plen,
		.metric = METRIC,
	};
	char buf[512] __aligned(4);
	struct nlmsghdr *nlh = raw_msg(buf, sizeof(buf), RTM_GETROUTE,
				       NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET6;
	raw_run(nlh, route_cb, &f);
	return f;
}

static void test_link(struct rtnl *r, struct rtnl *w, int *dev)
{
	static const char *const kinds[] = { "dummy", "ifb" };
	struct link_info l;
	size_t i;
	int err;

	check_err("rtnl: index of lo is 1", rtnl_link_index(r, "lo"), 1);
	check_err("rtnl: index of an unknown name: -ENODEV",
		  rtnl_link_index(r, "nosuchdev0"), -ENODEV);
	check_err("rtnl: index of a name too long: -ENODEV",
		  rtnl_link_index(r, "a-name-much-too-long"), -ENODEV);
	check_err("rtnl: watch: nothing yet", rtnl_watch_read(w, 0), 0);
	check_err("rtnl: set lo up", rtnl_link_set(r, 1, true, 0), 0);
	l = get_link(1);
	result(l.found && (l.flags & IFF_UP), "rtnl: lo is up");
	check_err("rtnl: watch: lo up, lo ignored", rtnl_watch_read(w, 1), 0);
	check_err("rtnl: set an unknown ifindex: -ENODEV",
		  rtnl_link_set(r, 9999, true, 0), -ENODEV);

	*dev = 1;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		err = raw_link_add("d0", kinds[i]);
		if (!err) {
			*dev = rtnl_link_index(r, "d0");
			printf("# device d0 of kind %s, ifindex %d\n",
			       kinds[i], *dev);
			break;
		}
		printf("# cannot create a %s device: %s\n", kinds[i],
		       strerror(-err));
	}
	if (*dev == 1) {
		printf("# testing on lo\n");
		return;
	}
	result(*dev > 1, "rtnl: index of d0");
	check_err("rtnl: watch: new d0, d0 ignored",
		  rtnl_watch_read(w, *dev), 0);
	err = rtnl_route6(r, true, *dev, NULL, 0, METRIC);
	check_err("rtnl: route on a down device: -ENETDOWN", err, -ENETDOWN);
	result(r->ext_msg[0], "rtnl: ... with the kernel's message");
	printf("#   \"%s\"\n", r->ext_msg);
	check_err("rtnl: set d0 up, mtu 1400",
		  rtnl_link_set(r, *dev, true, 1400), 0);
	result(!r->ext_msg[0], "rtnl: message cleared at the next request");
	l = get_link(*dev);
	result(l.found && (l.flags & IFF_UP) && l.mtu == 1400,
	       "rtnl: d0 is up with mtu 1400");
	check_err("rtnl: watch: d0 up, lo ignored", rtnl_watch_read(w, 1), 1);
}

static void check_addr(int dev, const char *a, unsigned int plen,
		       unsigned int flag, bool want)
{
	struct addr_find f = find_addr6(dev, a);
	char desc[160];

	if (want) {
		snprintf(desc, sizeof(desc), "rtnl: %s/%u found, flag 0x%x",
			 a, plen, flag);
		result(f.found && f.plen == plen && (f.flags & flag), "%s", desc);
		if (!f.found)
			printf("#   not found\n");
		else if (f.plen != plen || !(f.flags & flag))
			printf("#   /%u flags 0x%x\n", f.plen, f.flags);
	} else {
		snprintf(desc, sizeof(desc), "rtnl: %s gone", a);
		result(!f.found, "%s", desc);
	}
}

static void test_addr(struct rtnl *r, int dev)
{
	struct in6_addr ll = in6("fe80::ffff:ffff:ffff");
	struct in6_addr ta = in6("2001:0:c612:1:0:f227:3fff:fdfe");
	struct in6_addr np = in6("2001:db8::1");

	check_err("rtnl: add fe80::ffff:ffff:ffff/64 nodad",
		  rtnl_addr6(r, true, dev, &ll, 64, IFA_F_NODAD), 0);
	check_err("rtnl: add 2001:0:c612:1:0:f227:3fff:fdfe/32 nodad",
		  rtnl_addr6(r, true, dev, &ta, 32, IFA_F_NODAD), 0);
	check_err("rtnl: add it again (replace)",
		  rtnl_addr6(r, true, dev, &ta, 32, IFA_F_NODAD), 0);
	check_addr(dev, "fe80::ffff:ffff:ffff", 64, IFA_F_NODAD, true);
	check_addr(dev, "2001:0:c612:1:0:f227:3fff:fdfe", 32, IFA_F_NODAD,
		   true);
	check_err("rtnl: add 2001:db8::1/64 nodad noprefixroute (IFA_FLAGS)",
		  rtnl_addr6(r, true, dev, &np, 64,
			     IFA_F_NODAD | IFA_F_NOPREFIXROUTE), 0);
	check_addr(dev, "2001:db8::1", 64, IFA_F_NOPREFIXROUTE, true);
	check_err("rtnl: delete 2001:0:c612:1:0:f227:3fff:fdfe/32",
		  rtnl_addr6(r, false, dev, &ta, 32, 0), 0);
	check_addr(dev, "2001:0:c612:1:0:f227:3fff:fdfe", 32, 0, false);
	check_err("rtnl: delete it again: -EADDRNOTAVAIL",
		  rtnl_addr6(r, false, dev, &ta, 32, 0), -EADDRNOTAVAIL);
}

static void check_route(int dev, const char *dst, unsigned int plen,
			bool want)
{
	struct route_find f = find_route6(dev, dst, plen);
	char desc[160];

	if (want) {
		snprintf(desc, sizeof(desc), "rtnl: route %s/%u metric %u, "
			 "proto static, found", dst, plen, METRIC);
		result(f.found && f.proto == RTPROT_STATIC, "%s", desc);
	} else {
		snprintf(desc, sizeof(desc), "rtnl: route %s/%u gone", dst,
			 plen);
		result(!f.found, "%s", desc);
	}
}

static void test_route(struct rtnl *r, int dev)
{
	struct in6_addr pfx = in6("2001::");

	check_err("rtnl: add default route metric 1029",
		  rtnl_route6(r, true, dev, NULL, 0, METRIC), 0);
	check_err("rtnl: add 2001::/32 metric 1029",
		  rtnl_route6(r, true, dev, &pfx, 32, METRIC), 0);
	check_err("rtnl: add 2001::/32 again (replace)",
		  rtnl_route6(r, true, dev, &pfx, 32, METRIC), 0);
	check_route(dev, "::", 0, true);
	check_route(dev, "2001::", 32, true);
	check_err("rtnl: delete the default route",
		  rtnl_route6(r, false, dev, NULL, 0, METRIC), 0);
	check_err("rtnl: delete 2001::/32",
		  rtnl_route6(r, false, dev, &pfx, 32, METRIC), 0);
	check_route(dev, "::", 0, false);
	check_route(dev, "2001::", 32, false);
	check_err("rtnl: delete 2001::/32 again: -ESRCH",
		  rtnl_route6(r, false, dev, &pfx, 32, METRIC), -ESRCH);
	check_err("rtnl: route /129: -EINVAL",
		  rtnl_route6(r, true, dev, &pfx, 129, METRIC), -EINVAL);
}

static void test_watch(struct rtnl *r, struct rtnl *w, int dev)
{
	int rcvbuf = 1, i, err = 0;
	char a[32];

	rtnl_watch_read(w, 0);
	check_err("rtnl: watch: quiet", rtnl_watch_read(w, 0), 0);
	check_err("rtnl: add 192.0.2.1/24 to the device",
		  raw_addr4_add(dev, "192.0.2.1"), 0);
	check_err("rtnl: watch: IPv4 address of the ignored device",
		  rtnl_watch_read(w, dev), 0);
	check_err("rtnl: add 198.51.100.1/24 to lo",
		  raw_addr4_add(1, "198.51.100.1"), 0);
	check_err("rtnl: watch: IPv4 address added (and its routes)",
		  rtnl_watch_read(w, dev == 1 ? 0 : dev), 1);
	check_err("rtnl: watch: quiet again", rtnl_watch_read(w, 0), 0);
	if (dev != 1) {
		check_err("rtnl: delete d0", raw_link_del(dev), 0);
		check_err("rtnl: index of d0 deleted: -ENODEV",
			  rtnl_link_index(r, "d0"), -ENODEV);
		check_err("rtnl: watch: d0 deleted, d0 ignored",
			  rtnl_watch_read(w, dev), 0);
	}

	/* a receive queue too small for the changes: ENOBUFS */
	setsockopt(rtnl_watch_fd(w), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	for (i = 0; i < 32 && !err; i++) {
		snprintf(a, sizeof(a), "203.0.113.%d", i + 1);
		err = raw_addr4_add(1, a);
	}
	check_err("rtnl: add 32 addresses to lo", err, 0);
	check_err("rtnl: watch: overrun counts, lo ignored",
		  rtnl_watch_read(w, 1), 1);
	check_err("rtnl: watch: quiet after the overrun",
		  rtnl_watch_read(w, 1), 0);
}

static void test_create(struct rtnl *r)
{
	int err = rtnl_link_create_client(r, "teredo9", 0, htons(3545));

	if (err > 0) {
		printf("# the teredo module is there\n");
		result(err == rtnl_link_index(r, "teredo9"),
		       "rtnl: create a teredo client link");
		check_err("rtnl: delete it", raw_link_del(err), 0);
		return;
	}
	check_err("rtnl: create a teredo link without the module: "
		  "-EOPNOTSUPP", err, -EOPNOTSUPP);
	result(r->ext_msg[0], "rtnl: ... with the kernel's message");
	printf("#   \"%s\"\n", r->ext_msg);
}

static void run_tests(void)
{
	struct rtnl r, w;
	int dev;

	tnl = mnl_socket_open(NETLINK_ROUTE);
	if (!tnl || mnl_socket_bind(tnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		result(false, "rtnl: a socket for the tests");
		return;
	}
	check_err("rtnl: open", rtnl_open(&r), 0);
	check_err("rtnl: open the watch", rtnl_watch_open(&w), 0);
	if (!r.nl || !w.nl)
		return;
	test_link(&r, &w, &dev);
	test_addr(&r, dev);
	test_route(&r, dev);
	test_watch(&r, &w, dev);
	test_create(&r);
	rtnl_close(&w);
	rtnl_close(&r);
	mnl_socket_close(tnl);
}

int main(void)
{
	pid_t pid;
	int st;

	if (geteuid()) {
		puts("ok rtnl: tests in a network namespace # SKIP not root");
		puts("# end of the tests");
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (!pid) {
		if (unshare(CLONE_NEWNET)) {
			printf("ok rtnl: tests in a network namespace "
			       "# SKIP unshare: %s\n", strerror(errno));
			puts("# end of the tests");
			exit(0);
		}
		alarm(60);	/* a request left without answer fails */
		run_tests();
		puts("# end of the tests");	/* check.sh: it ran to its end */
		fflush(stdout);
		_exit(failed);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
		result(false, "rtnl: the tests ran to their end");
		return 1;
	}
	return WEXITSTATUS(st) ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink on libmnl: the teredo device, its IPv6 addresses and routes,
 * and a socket watching the host's IPv4 addresses, routes and links.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/teredo.h>

#include "nlack.h"
#include "rtnl.h"
#include "util.h"

#ifndef __aligned
#define __aligned(x)	__attribute__((aligned(x)))
#endif

#define RTNL_REQ_SIZE	1024	/* room for our requests */
#define RTNL_RX_SIZE	32768	/* the largest dump skb the kernel sends */


static struct nlmsghdr *rtnl_msg(struct rtnl *r, char *buf, uint16_t type,
				 uint16_t flags)
{
	struct nlmsghdr *nlh;

	/* libmnl 1.0.4 leaves attribute padding as it finds it */
	memset(buf, 0, RTNL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++r->seq;
	return nlh;
}

/*
 * Send the request, call @cb (if any) for each reply until the ack of a
 * do or the end of a dump. Returns 0 or a negative errno.
 */
static int rtnl_run(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data)
{
	const struct nl_ext ext = { r->ext_msg, sizeof(r->ext_msg), NULL };
	char rx[RTNL_RX_SIZE] __aligned(4);

	return nl_run(r->nl, r->portid, nlh, rx, sizeof(rx), cb, data, &ext);
}

static int rtnl_socket(struct rtnl *r, unsigned int groups)
{
	int one = 1;

	memset(r, 0, sizeof(*r));
	r->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!r->nl)
		return -errno;
	if (mnl_socket_bind(r->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		rtnl_close(r);
		return err;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (unsigned int)time(NULL);
	/* best effort: the kernel's explanation of errors, without our request */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

int rtnl_open(struct rtnl *r)
{
	return rtnl_socket(r, 0);
}

void rtnl_close(struct rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

static struct ifinfomsg *rtnl_ifi(struct nlmsghdr *nlh, int ifindex)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return ifi;
}

static int rtnl_link_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int *ifindex = data;

	if (nlh->nlmsg_type == RTM_NEWLINK &&
	    mnl_nlmsg_get_payload_len(nlh) >= sizeof(*ifi))
		*ifindex = ifi->ifi_index;
	return MNL_CB_OK;
}

int rtnl_link_index(struct rtnl *r, const char *name)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct nlmsghdr *nlh;
	int ifindex = 0, err;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	nlh = rtnl_msg(r, req, RTM_GETLINK, 0);
	rtnl_ifi(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = rtnl_run(r, nlh, rtnl_link_index_cb, &ifindex);
	if (err)
		return err;
	return ifindex > 0 ? ifindex : -ENODEV;
}

struct kind_list {
	const char *kind;
	struct rtnl_link *links;
	size_t n, max;
};

static int kind_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *i, *name = NULL;
	struct kind_list *l = data;
	bool match = false;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = a;
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(i, a)
			if (mnl_attr_get_type(i) == IFLA_INFO_KIND &&
			    !strncmp(mnl_attr_get_payload(i), l->kind,
				     mnl_attr_get_payload_len(i)) &&
			    strlen(l->kind) + 1 == mnl_attr_get_payload_len(i))
				match = true;
	}
	if (!match || !name || l->n == l->max)
		return MNL_CB_OK;
	l->links[l->n].ifindex = ifi->ifi_index;
	snprintf(l->links[l->n].name, sizeof(l->links->name), "%.*s",
		 (int)strnlen(mnl_attr_get_payload(name),
			      mnl_attr_get_payload_len(name)),
		 (const char *)mnl_attr_get_payload(name));
	l->n++;
	return MNL_CB_OK;
}

int rtnl_links_of_kind(struct rtnl *r, const char *kind,
		       struct rtnl_link *links, size_t max)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct kind_list l = { .kind = kind, .links = links, .max = max };
	struct nlmsghdr *nlh;
	int err;

	nlh = rtnl_msg(r, req, RTM_GETLINK, NLM_F_DUMP);
	rtnl_ifi(nlh, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = rtnl_run(r, nlh, kind_cb, &l);
	return err ? err : (int)l.n;
}

int rtnl_link_create_client(struct rtnl *r, const char *name,
			    uint32_t local, uint16_t port)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	int err;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	nlh = rtnl_msg(r, req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_ifi(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "teredo");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_TEREDO_MODE, TEREDO_MODE_CLIENT);
	if (local)
		mnl_attr_put(nlh, IFLA_TEREDO_LOCAL, sizeof(local), &local);
	if (port)
		mnl_attr_put(nlh, IFLA_TEREDO_PORT, sizeof(port), &port);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	err = rtnl_run(r, nlh, NULL, NULL);
	if (err)
		return err;
	return rtnl_link_index(r, name);
}

int rtnl_link_set(struct rtnl *r, int ifindex, bool up, unsigned int mtu)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = rtnl_msg(r, req, RTM_NEWLINK, 0);
	ifi = rtnl_ifi(nlh, ifindex);
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_run(r, nlh, NULL, NULL);
}

/* Local client discovery (IFLA_TEREDO_DISCOVERY) of a client device. */
int rtnl_link_set_discovery(struct rtnl *r, int ifindex, bool on)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;

	nlh = rtnl_msg(r, req, RTM_NEWLINK, 0);
	rtnl_ifi(nlh, ifindex);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "teredo");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_TEREDO_DISCOVERY, on);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return rtnl_run(r, nlh, NULL, NULL);
}

int rtnl_addr6(struct rtnl *r, bool add, int ifindex,
	       const struct in6_addr *a, unsigned int plen, uint32_t flags)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (plen > 128)
		return -EINVAL;
	nlh = rtnl_msg(r, req, add ? RTM_NEWADDR : RTM_DELADDR,
		       add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = flags & 0xff;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;	/* the kernel works it out */
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(*a), a);
	if (flags > 0xff)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return rtnl_run(r, nlh, NULL, NULL);
}

int rtnl_route6(struct rtnl *r, bool add, int ifindex,
		const struct in6_addr *dst, unsigned int plen,
		unsigned int metric)
{
	char req[RTNL_REQ_SIZE] __aligned(4);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (plen > 128 || (plen && !dst))
		return -EINVAL;
	nlh = rtnl_msg(r, req, add ? RTM_NEWROUTE : RTM_DELROUTE,
		       add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (plen)
		mnl_attr_put(nlh, RTA_DST, sizeof(*dst), dst);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return rtnl_run(r, nlh, NULL, NULL);
}

int rtnl_watch_open(struct rtnl *w)
{
	static const unsigned int groups[] = {
		RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_LINK,
	};
	int err, fd, flags;
	size_t i;

	err = rtnl_socket(w, 0);
	if (err)
		return err;
	fd = mnl_socket_get_fd(w->nl);
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP,
					  (void *)&groups[i],
					  sizeof(groups[i])) < 0)
			goto fail;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		goto fail;
	return 0;

fail:
	err = -errno;
	rtnl_close(w);
	return err;
}

int rtnl_watch_fd(const struct rtnl *w)
{
	return mnl_socket_get_fd(w->nl);
}

struct watch_ctx {
	int ignore;		/* ifindex whose changes do not count */
	int changed;
};

static int watch_addr(const struct nlmsghdr *nlh, struct watch_ctx *ctx)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    ifa->ifa_family != AF_INET)
		return 0;
	return (int)ifa->ifa_index != ctx->ignore;
}

static int watch_route(const struct nlmsghdr *nlh, struct watch_ctx *ctx)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_family != AF_INET)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
		if (mnl_attr_get_type(a) == RTA_OIF &&
		    mnl_attr_get_payload_len(a) == sizeof(uint32_t))
			return (int)mnl_attr_get_u32(a) != ctx->ignore;
	return 1;		/* no single device: multipath, blackhole... */
}

/*
 * A link of another device: removed, up/running/carrier changed (the
 * kernel says which flags changed, or 0 for a state change such as the
 * carrier), or new. Wireless events (IFLA_WIRELESS) do not count.
 */
static int watch_link(const struct nlmsghdr *nlh, struct watch_ctx *ctx)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const unsigned int path = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) ||
	    ifi->ifi_index == ctx->ignore)
		return 0;
	if (nlh->nlmsg_type == RTM_DELLINK || (ifi->ifi_change & path))
		return 1;
	if (ifi->ifi_change)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_WIRELESS)
			return 0;
	return 1;
}

static int watch_cb(const struct nlmsghdr *nlh, void *data)
{
	struct watch_ctx *ctx = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ctx->changed |= watch_addr(nlh, ctx);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		ctx->changed |= watch_route(nlh, ctx);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ctx->changed |= watch_link(nlh, ctx);
		break;
	}
	return MNL_CB_OK;
}

int rtnl_watch_read(struct rtnl *w, int ignore_ifindex)
{
	struct watch_ctx ctx = { .ignore = ignore_ifindex };
	char rx[RTNL_RX_SIZE] __aligned(4);
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(w->nl, rx, sizeof(rx));
		if (n >= 0) {
			/* notifications: no sequence number nor port to check */
			if (nl_msgs_ok(rx, (size_t)n))
				mnl_cb_run(rx, n, 0, 0, watch_cb, &ctx);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return ctx.changed;
		if (errno == ENOBUFS || errno == ENOSPC)
			ctx.changed = 1;	/* lost or cut: assume a change */
		else if (errno != EINTR)
			return -errno;
	}
}

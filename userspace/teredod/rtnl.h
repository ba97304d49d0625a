/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnetlink on libmnl for the client daemon: the teredo device, its
 * addresses and routes, and a watch on the host's IPv4 addresses and routes.
 * Functions return 0 or a negative errno; the kernel's extended ack message,
 * if any, is in r->ext_msg.
 */
#ifndef TEREDOD_RTNL_H
#define TEREDOD_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

struct rtnl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	char ext_msg[256];
};

int rtnl_open(struct rtnl *r);
void rtnl_close(struct rtnl *r);

/* The ifindex of @name, or -ENODEV. */
int rtnl_link_index(struct rtnl *r, const char *name);

/* The links of a kind ("teredo") in this namespace: how many (at most
 * @max), or a negative errno.
 */
struct rtnl_link {
	int ifindex;
	char name[16];
};
int rtnl_links_of_kind(struct rtnl *r, const char *kind,
		       struct rtnl_link *links, size_t max);

/* ip link add @name type teredo mode client [local @local] [port @port]
 * (network order; 0 = unset). Returns the new ifindex.
 */
int rtnl_link_create_client(struct rtnl *r, const char *name,
			    uint32_t local, uint16_t port);
int rtnl_link_set(struct rtnl *r, int ifindex, bool up, unsigned int mtu);
int rtnl_link_set_discovery(struct rtnl *r, int ifindex, bool on);

/* IPv6 addresses: add (replace) or delete @a/@plen on @ifindex; flags are
 * IFA_F_* (IFA_F_NODAD for ours).
 */
int rtnl_addr6(struct rtnl *r, bool add, int ifindex,
	       const struct in6_addr *a, unsigned int plen, uint32_t flags);

/* IPv6 route @dst/@plen dev @ifindex metric @metric (add or delete). */
int rtnl_route6(struct rtnl *r, bool add, int ifindex,
		const struct in6_addr *dst, unsigned int plen,
		unsigned int metric);

/*
 * A second socket subscribed to RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE
 * and RTNLGRP_LINK. rtnl_watch_read() drains it (non-blocking) and returns
 * 1 if something that may change our IPv4 path happened (an IPv4 address
 * or route added or removed, a link going up or down) on any device but
 * @ignore_ifindex, 0 if not, or a negative errno.
 */
int rtnl_watch_open(struct rtnl *w);
int rtnl_watch_fd(const struct rtnl *w);
int rtnl_watch_read(struct rtnl *w, int ignore_ifindex);

#endif /* TEREDOD_RTNL_H */

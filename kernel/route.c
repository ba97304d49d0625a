// SPDX-License-Identifier: GPL-2.0
/*
 * The outer IPv4 routes to the peers' mappings, cached per CPU: a relay
 * sends to many peers in turn, and a FIB lookup for every packet is the
 * largest part of its transmit cost. A direct-mapped table of dst_caches
 * indexed by a hash of the destination address, each slot tagged per CPU
 * with the address whose route it holds. Cached routes are checked like
 * any dst_cache entry (a routing change makes them stale) and all of them
 * are dropped when the device's configuration changes.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <net/dst_cache.h>
#include <net/route.h>

#include "teredo.h"

/* A relay serves many peers; a client, its server and a few. */
#define TEREDO_ROUTE_SLOTS_RELAY	1024
#define TEREDO_ROUTE_SLOTS_CLIENT	16

struct teredo_routes {
	unsigned int bits;		/* log2 of the number of slots */
	__be32 __percpu *daddr;		/* per CPU: each slot's address */
	struct dst_cache slot[];
};

static void teredo_routes_free(struct teredo_routes *rc, unsigned int n)
{
	while (n--)
		dst_cache_destroy(&rc->slot[n]);
	free_percpu(rc->daddr);
	kvfree(rc);
}

int teredo_routes_init(struct teredo_dev *td)
{
	unsigned int n = td->cfg.mode == TEREDO_MODE_RELAY ?
			 TEREDO_ROUTE_SLOTS_RELAY : TEREDO_ROUTE_SLOTS_CLIENT;
	struct teredo_routes *rc;
	unsigned int i;

	rc = kvzalloc(struct_size(rc, slot, n), GFP_KERNEL);
	if (!rc)
		return -ENOMEM;
	rc->bits = ilog2(n);
	/* zero: no slot holds a route (0.0.0.0 is never a destination) */
	rc->daddr = __alloc_percpu(n * sizeof(__be32), sizeof(__be32));
	if (!rc->daddr) {
		kvfree(rc);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (dst_cache_init(&rc->slot[i], GFP_KERNEL)) {
			teredo_routes_free(rc, i);
			return -ENOMEM;
		}
	}
	td->routes = rc;
	return 0;
}

void teredo_routes_destroy(struct teredo_dev *td)
{
	teredo_routes_free(td->routes, 1U << td->routes->bits);
	td->routes = NULL;
}

/* After a change of the addresses, port or device the routes depend on. */
void teredo_routes_reset(struct teredo_dev *td)
{
	unsigned int i;

	for (i = 0; i < 1U << td->routes->bits; i++)
		dst_cache_reset(&td->routes->slot[i]);
}

/* The route from the device's socket to @ip:@port: from this CPU's slot for
 * @ip if it holds it, else from the FIB (and then cached, unless it leads
 * back into the device). Bottom halves disabled. Returns a referenced route
 * and its source address, or an ERR_PTR.
 */
struct rtable *teredo_route(struct teredo_dev *td, __be32 ip, __be16 port,
			    __be32 *saddr)
{
	struct teredo_routes *rc = td->routes;
	u32 i = hash_32((__force u32)ip, rc->bits);
	__be32 *tag = this_cpu_ptr(rc->daddr) + i;
	struct rtable *rt;
	struct flowi4 fl4;

	if (*tag == ip) {
		rt = dst_cache_get_ip4(&rc->slot[i], saddr);
		if (rt)
			return rt;
	}
	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_oif = td->cfg.link;
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.daddr = ip;
	fl4.saddr = td->cfg.local;
	fl4.fl4_dport = port;
	fl4.fl4_sport = td->cfg.port;
	rt = ip_route_output_key(td->net, &fl4);
	if (IS_ERR(rt))
		return rt;
	if (rt->dst.dev != td->dev) {
		dst_cache_set_ip4(&rc->slot[i], &rt->dst, fl4.saddr);
		*tag = ip;
	}
	*saddr = fl4.saddr;
	return rt;
}

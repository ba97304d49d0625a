// SPDX-License-Identifier: GPL-2.0
/*
 * The outer IPv4 routes to the peers' mappings, cached per CPU: a relay
 * sends to many peers in turn, and a FIB lookup for every packet is the
 * largest part of its transmit cost. A direct-mapped table of dst_caches
 * indexed by a hash of the destination address, each slot tagged per CPU
 * with the address whose route it holds. Cached routes are checked like
 * any dst_cache entry (a routing change makes them stale) and all of them
 * are dropped when the device's configuration changes.
 *
 * A relay with more peers than slots would miss nearly always, although
 * its peers' routes are nearly all the same one or two (the uplink's
 * gateway, a connected subnet). So a relay also keeps a few route
 * classes: routes that send alike (same device, gateway, source address,
 * metrics, output), one dst_cache each. A peer's entry holds a hint, the
 * class its own route was found in, and it is sent by that class's route
 * without a lookup. A hint belongs to an epoch, which holds while the FIB
 * does not change (the routes' generation): when it does, hints are not
 * used nor set until the peer sweep has cleared them all, and a new epoch
 * begins. Routes that belong to one destination (a PMTU or redirect
 * exception) and IPsec or lightweight-tunnel routes get no class.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <net/dst_cache.h>
#include <net/lwtunnel.h>
#include <net/route.h>

#include "teredo.h"

/* A relay serves many peers; a client, its server and a few. */
#define TEREDO_ROUTE_SLOTS_RELAY	1024
#define TEREDO_ROUTE_SLOTS_CLIENT	16

/* A hint: epoch (1 to 31) in the high 5 bits, class + 1 in the low 3. */
#define TEREDO_ROUTE_CLASSES		7
#define TEREDO_ROUTE_EPOCHS		31
#define TEREDO_HINT(epoch, class)	((epoch) << 3 | ((class) + 1))
#define TEREDO_HINT_EPOCH(hint)		((hint) >> 3)
#define TEREDO_HINT_CLASS(hint)		(((hint) & 7) - 1)

/* What makes two routes send alike. Compared whole: zeroed first. */
struct teredo_route_key {
	const struct net_device *dev;
	unsigned long metrics;
	int (*output)(struct net *net, struct sock *sk, struct sk_buff *skb);
	struct in6_addr gw;
	__be32 saddr;
	u32 tclassid;
	unsigned int flags;
	unsigned short dst_flags;
	u8 gw_family;
	u8 uses_gateway;
};

struct teredo_route_class {
	struct teredo_route_key key;	/* set once in an epoch */
	struct dst_cache dst;
};

struct teredo_routes {
	unsigned int bits;		/* log2 of the number of slots */
	__be32 __percpu *daddr;		/* per CPU: each slot's address */
	/* route classes, relay only */
	u8 __percpu *cls_epoch;		/* per CPU: each class's route's */
	unsigned int epoch;		/* of the hints, 0: being cleared */
	unsigned int last_epoch;
	int genid;			/* the FIB's, when the epoch began */
	unsigned int nclasses;		/* in use in this epoch */
	spinlock_t lock;		/* adding a class */
	struct teredo_route_class cls[TEREDO_ROUTE_CLASSES];
	struct dst_cache slot[];
};

static void teredo_routes_free(struct teredo_routes *rc, unsigned int n)
{
	unsigned int i;

	while (n--)
		dst_cache_destroy(&rc->slot[n]);
	for (i = 0; i < TEREDO_ROUTE_CLASSES; i++)
		dst_cache_destroy(&rc->cls[i].dst);
	free_percpu(rc->cls_epoch);
	free_percpu(rc->daddr);
	kvfree(rc);
}

/* A new epoch of hints: none is set, the FIB is as it is now. Hints of the
 * last epoch may still be set in entries, until the next sweep clears them.
 */
static void teredo_routes_new_epoch(struct teredo_dev *td)
{
	struct teredo_routes *rc = td->routes;

	spin_lock_bh(&rc->lock);
	rc->nclasses = 0;
	rc->genid = rt_genid_ipv4(td->net);
	rc->last_epoch = rc->last_epoch % TEREDO_ROUTE_EPOCHS + 1;
	/* pairs with smp_load_acquire() in teredo_route_classify() */
	smp_store_release(&rc->epoch, rc->last_epoch);
	spin_unlock_bh(&rc->lock);
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
	spin_lock_init(&rc->lock);
	/* zero: no slot holds a route (0.0.0.0 is never a destination) */
	rc->daddr = __alloc_percpu(n * sizeof(__be32), sizeof(__be32));
	/* and no class (epochs start at 1) */
	rc->cls_epoch = __alloc_percpu(TEREDO_ROUTE_CLASSES, 1);
	for (i = 0; i < TEREDO_ROUTE_CLASSES; i++)
		if (dst_cache_init(&rc->cls[i].dst, GFP_KERNEL))
			goto err;
	if (!rc->daddr || !rc->cls_epoch)
		goto err;
	for (i = 0; i < n; i++) {
		if (dst_cache_init(&rc->slot[i], GFP_KERNEL)) {
			teredo_routes_free(rc, i);
			return -ENOMEM;
		}
	}
	td->routes = rc;
	/* hints, for a relay: the first epoch */
	if (td->cfg.mode == TEREDO_MODE_RELAY)
		teredo_routes_new_epoch(td);
	return 0;
err:
	teredo_routes_free(rc, 0);
	return -ENOMEM;
}

void teredo_routes_destroy(struct teredo_dev *td)
{
	teredo_routes_free(td->routes, 1U << td->routes->bits);
	td->routes = NULL;
}

/* Hints of @epoch are of no use till the next sweep: the routes changed. */
static void teredo_routes_stale(struct teredo_dev *td, unsigned int epoch)
{
	if (epoch && cmpxchg(&td->routes->epoch, epoch, 0) == epoch)
		teredo_peers_sweep_soon(td);
}

/* After a change of the addresses, port or device the routes depend on. */
void teredo_routes_reset(struct teredo_dev *td)
{
	struct teredo_routes *rc = td->routes;
	unsigned int i;

	teredo_routes_stale(td, READ_ONCE(rc->epoch));
	for (i = 0; i < TEREDO_ROUTE_CLASSES; i++)
		dst_cache_reset(&rc->cls[i].dst);
	for (i = 0; i < 1U << rc->bits; i++)
		dst_cache_reset(&rc->slot[i]);
}

/* The peer sweep is starting: must it clear every entry's hint? */
bool teredo_routes_sweep_begin(struct teredo_dev *td)
{
	return td->cfg.mode == TEREDO_MODE_RELAY &&
	       !READ_ONCE(td->routes->epoch);
}

/* The sweep cleared every hint, after teredo_routes_sweep_begin() said so.
 * Once the transmissions that may have read the last epoch are over (an
 * RCU grace period), hints set by them are of an epoch that is not the
 * next one, which may begin. May sleep.
 */
void teredo_routes_sweep_end(struct teredo_dev *td)
{
	synchronize_rcu();
	teredo_routes_new_epoch(td);
}

/* The route from the device's socket, bound as @b, to @ip:@port: from this CPU's slot for
 * @ip if it holds it, else from the FIB (and then cached, unless it leads
 * back into the device). Bottom halves disabled. Returns a referenced route
 * and its source address, or an ERR_PTR.
 */
struct rtable *teredo_route(struct teredo_dev *td,
			    const struct teredo_bind *b, __be32 ip, __be16 port,
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
	teredo_stat_inc(td, TEREDO_STAT_TX_ROUTE_LOOKUP);
	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_oif = b->link;
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.daddr = ip;
	fl4.saddr = b->local;
	fl4.fl4_dport = port;
	fl4.fl4_sport = b->port;
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

static void teredo_route_key(struct teredo_route_key *k,
			     const struct rtable *rt, __be32 saddr)
{
	memset(k, 0, sizeof(*k));
	k->dev = rt->dst.dev;
	k->metrics = rt->dst._metrics;
	k->output = rt->dst.output;
	if (rt->rt_gw_family == AF_INET)
		k->gw.s6_addr32[0] = rt->rt_gw4;
	else if (rt->rt_gw_family == AF_INET6)
		k->gw = rt->rt_gw6;
	k->saddr = saddr;
#ifdef CONFIG_IP_ROUTE_CLASSID
	k->tclassid = rt->dst.tclassid;
#endif
	k->flags = rt->rt_flags;
	k->dst_flags = rt->dst.flags;
	k->gw_family = rt->rt_gw_family;
	k->uses_gateway = rt->rt_uses_gateway;
}

/* May @rt, a peer's route, be shared: not one of its address's own? */
static bool teredo_route_shareable(const struct rtable *rt)
{
	return rt->rt_type == RTN_UNICAST && !rt->rt_pmtu &&
	       !rt->dst.expires && !dst_xfrm(&rt->dst) &&
	       !rt->dst.lwtstate &&
	       !(rt->rt_flags & (RTCF_LOCAL | RTCF_BROADCAST | RTCF_MULTICAST));
}

/* The class of @key among the first @n, or @n. */
static unsigned int teredo_route_class_find(const struct teredo_routes *rc,
					    const struct teredo_route_key *key,
					    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&rc->cls[i].key, key, sizeof(*key)))
			break;
	return i;
}

/* A class for @key in @epoch, added if there is room: its index, or
 * TEREDO_ROUTE_CLASSES.
 */
static unsigned int teredo_route_class_add(struct teredo_routes *rc,
					   const struct teredo_route_key *key,
					   unsigned int epoch)
{
	unsigned int i = TEREDO_ROUTE_CLASSES, n;

	spin_lock(&rc->lock);
	n = rc->nclasses;
	if (rc->epoch == epoch) {
		i = teredo_route_class_find(rc, key, n);
		if (i == n && n < TEREDO_ROUTE_CLASSES) {
			rc->cls[i].key = *key;
			/* the key, then its count: pairs with the
			 * smp_load_acquire() in teredo_route_classify()
			 */
			smp_store_release(&rc->nclasses, n + 1);
		}
	}
	spin_unlock(&rc->lock);
	return i;
}

/* The FIB changed since @epoch began: @rt, valid, is of its generation
 * now. While no class was added, no hint of @epoch exists and the epoch
 * can start again from here; otherwise its hints are stale. Returns
 * whether @epoch goes on.
 */
static bool teredo_routes_rebase(struct teredo_dev *td, unsigned int epoch,
				 const struct rtable *rt)
{
	struct teredo_routes *rc = td->routes;
	bool ok;

	spin_lock(&rc->lock);
	ok = rc->epoch == epoch && !rc->nclasses;
	if (ok)
		WRITE_ONCE(rc->genid, rt->rt_genid);
	spin_unlock(&rc->lock);
	if (!ok)
		teredo_routes_stale(td, epoch);
	return ok;
}

/* @rt, just found for @p (whose hint, if any, did not serve): give @p a
 * hint of its class, adding the class if there is room, and cache @rt as
 * that class's route on this CPU.
 */
static void teredo_route_classify(struct teredo_dev *td,
				  struct teredo_peer *p,
				  struct rtable *rt, __be32 saddr)
{
	struct teredo_routes *rc = td->routes;
	/* pairs with smp_store_release() in teredo_routes_new_epoch() */
	unsigned int epoch = smp_load_acquire(&rc->epoch);
	struct teredo_route_key key;
	unsigned int i, n;

	if (!epoch)
		return;
	if (rt->rt_genid != READ_ONCE(rc->genid) &&
	    !teredo_routes_rebase(td, epoch, rt))
		return;
	if (!teredo_route_shareable(rt)) {
		if (READ_ONCE(p->route))
			WRITE_ONCE(p->route, 0);
		return;
	}
	teredo_route_key(&key, rt, saddr);
	/* pairs with smp_store_release() in teredo_route_class_add() */
	n = smp_load_acquire(&rc->nclasses);
	i = teredo_route_class_find(rc, &key, n);
	if (i == n) {
		i = teredo_route_class_add(rc, &key, epoch);
		if (i >= TEREDO_ROUTE_CLASSES)
			return;
	}
	/* new on this CPU, or its route went stale (a PMTU exception) */
	dst_cache_set_ip4(&rc->cls[i].dst, &rt->dst, saddr);
	this_cpu_ptr(rc->cls_epoch)[i] = epoch;
	if (READ_ONCE(p->route) != TEREDO_HINT(epoch, i))
		WRITE_ONCE(p->route, TEREDO_HINT(epoch, i));
}

/* The route to @p, a trusted peer at @ip:@port, as teredo_route(): by its
 * hint if it has one of this epoch and this CPU holds that class's route.
 */
struct rtable *teredo_route_peer(struct teredo_dev *td,
				 const struct teredo_bind *b,
				 struct teredo_peer *p, __be32 ip, __be16 port,
				 __be32 *saddr)
{
	struct teredo_routes *rc = td->routes;
	unsigned int hint = READ_ONCE(p->route);
	struct rtable *rt;

	if (hint && TEREDO_HINT_EPOCH(hint) == READ_ONCE(rc->epoch)) {
		unsigned int i = TEREDO_HINT_CLASS(hint);

		if (this_cpu_ptr(rc->cls_epoch)[i] ==
		    TEREDO_HINT_EPOCH(hint)) {
			rt = dst_cache_get_ip4(&rc->cls[i].dst, saddr);
			if (likely(rt))
				return rt;
		}
	}
	rt = teredo_route(td, b, ip, port, saddr);
	if (!IS_ERR(rt) && rt->dst.dev != td->dev &&
	    td->cfg.mode == TEREDO_MODE_RELAY)
		teredo_route_classify(td, p, rt, *saddr);
	return rt;
}

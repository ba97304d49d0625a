// SPDX-License-Identifier: GPL-2.0
/*
 * The peer list: creation on transmit, trust on reception, queues of
 * packets waiting for a bubble's answer, and a periodic worker that retries
 * bubbles, gives up on silent peers and expires idle ones.
 */
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/route.h>

#include "teredo.h"

#define TEREDO_GC_TICK		HZ
#define TEREDO_SWEEP_TICKS	5	/* full table sweep every 5 ticks */

static struct kmem_cache *teredo_peer_cache __read_mostly;

int teredo_peer_cache_init(void)
{
	teredo_peer_cache = KMEM_CACHE(teredo_peer, 0);
	return teredo_peer_cache ? 0 : -ENOMEM;
}

void teredo_peer_cache_exit(void)
{
	rcu_barrier();	/* client states still on their way out */
	kmem_cache_destroy(teredo_peer_cache);
}

unsigned int teredo_peer_size(void)
{
	return kmem_cache_size(teredo_peer_cache);
}

/* Under the peer lock: out of the table; teredo_peer_reap() frees it
 * after a grace period. Without an rcu_head the entry is 48 bytes.
 */
static void teredo_peer_unlink(struct teredo_dev *td, struct teredo_peer *p)
{
	struct teredo_queue *q = teredo_queue_detach(td, p);

	if (q)
		teredo_queue_free(q);
	WRITE_ONCE(p->flags, p->flags | TEREDO_PEER_DEAD);
	rhashtable_remove_fast(&td->peers, &p->node, teredo_peer_params);
	llist_add(&p->dead, &td->dead);
}

static void teredo_peer_free_list(struct llist_node *n)
{
	struct teredo_peer *p, *tmp;

	llist_for_each_entry_safe(p, tmp, n, dead)
		kmem_cache_free(teredo_peer_cache, p);
}

/* Free the unlinked peers once no reader can see them. Process context,
 * outside RCU read sections (the worker, generic netlink).
 */
static void teredo_peer_reap(struct teredo_dev *td)
{
	struct llist_node *n = llist_del_all(&td->dead);

	if (!n)
		return;
	synchronize_rcu();
	teredo_peer_free_list(n);
}

/* teredo_peer_rx() for a peer not trusted yet, or at another mapping.
 * Only at an address this host routes as unicast: never at one of its own
 * (what ip_route_input() drops without accept_local, and a relay's fast
 * path takes before it) nor a subnet's broadcast; false then.
 */
bool teredo_peer_trust(struct teredo_dev *td, struct teredo_peer *p,
		       __be32 ip, __be16 port)
{
	struct teredo_queue *q;
	bool moved;

	if (inet_addr_type(td->net, ip) != RTN_UNICAST)
		return false;
	/* fresh before trusted: a sender seeing it trusted and stale would
	 * take its trust back
	 */
	teredo_peer_touch(&p->last_rx, teredo_now());
	spin_lock(&td->lock);
	if (p->flags & TEREDO_PEER_DEAD) {
		spin_unlock(&td->lock);
		return true;
	}
	/* a local peer (discovery.c, hairpin.c) answering from elsewhere is
	 * not
	 */
	moved = p->ip != ip || p->port != port;
	WRITE_ONCE(p->ip, ip);
	WRITE_ONCE(p->port, port);
	q = teredo_queue_detach(td, p);
	if (!(p->flags & TEREDO_PEER_TRUSTED))
		teredo_stat_inc(td, TEREDO_STAT_PEER_TRUSTED);
	/* the mapping is written before the flag that publishes it */
	smp_store_release(&p->flags,
			  (p->flags & ~(TEREDO_PEER_BUBBLES |
					(moved ? TEREDO_PEER_LOCAL |
						 TEREDO_PEER_HAIRPIN : 0))) |
			  TEREDO_PEER_TRUSTED);
	spin_unlock(&td->lock);

	if (q)
		teredo_queue_release(td, q, ip, port);
	return true;
}

/* @p, taken in, sent an ND option trailer: it speaks server load
 * reduction (RFC 6081 section 5.7). In softirq.
 */
void teredo_peer_slr(struct teredo_dev *td, struct teredo_peer *p)
{
	if (READ_ONCE(p->flags) & TEREDO_PEER_SLR)
		return;
	spin_lock(&td->lock);
	if (!(p->flags & TEREDO_PEER_DEAD))
		WRITE_ONCE(p->flags, p->flags | TEREDO_PEER_SLR);
	spin_unlock(&td->lock);
}

/* Under the peer lock: a new entry for @addr, mapped to @ip:@port, not
 * trusted, back-dated so that it is not valid yet and a probe may go at
 * once (RFC 4380 section 5.2.6). ERR_PTR(-ENOSPC) when the table is full.
 */
struct teredo_peer *teredo_peer_new(struct teredo_dev *td,
				    const struct in6_addr *addr,
				    __be32 ip, __be16 port, u32 now)
{
	struct teredo_peer *p;

	if (atomic_read(&td->peers.nelems) >= td->cfg.max_peers)
		return ERR_PTR(-ENOSPC);
	p = kmem_cache_zalloc(teredo_peer_cache, GFP_ATOMIC);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->addr = *addr;
	p->ip = ip;
	p->port = port;
	p->last_rx = now - TEREDO_PEER_TTL;
	p->last_tx = now - TEREDO_PEER_TTL;
	if (rhashtable_lookup_insert_fast(&td->peers, &p->node,
					  teredo_peer_params)) {
		kmem_cache_free(teredo_peer_cache, p);
		return ERR_PTR(-ENOMEM);
	}
	teredo_stat_inc(td, TEREDO_STAT_PEER_NEW);
	return p;
}

/* The entry of @addr, created (untrusted, mapped to @ip:@port) if needed;
 * NULL if there is no room. In softirq. No reference: RCU keeps it.
 */
struct teredo_peer *teredo_peer_find_or_new(struct teredo_dev *td,
					    const struct in6_addr *addr,
					    __be32 ip, __be16 port)
{
	struct teredo_peer *p;

	p = teredo_peer_find(&td->peers, addr);
	if (p)
		return p;
	spin_lock(&td->lock);
	p = teredo_peer_find(&td->peers, addr);
	if (!p) {
		p = teredo_peer_new(td, addr, ip, port, teredo_now());
		if (IS_ERR(p)) {
			teredo_stat_inc(td, PTR_ERR(p) == -ENOSPC ?
					TEREDO_STAT_TX_TABLE_FULL :
					TEREDO_STAT_TX_NOMEM);
			p = NULL;
		}
	}
	spin_unlock(&td->lock);
	return p;
}

/* May a bubble go to @p at @ip:@port now (RFC 4380 section 5.2.6)?
 * Always while we wait for it ourselves (our probe may just have gone),
 * or to another mapping than @p's: what went to that one (data, to a
 * relay that then changed) opened nothing at this one. Within the
 * budgets. If so, it is accounted as sent. In softirq.
 */
bool teredo_peer_bubble_due(struct teredo_dev *td, struct teredo_peer *p,
			    __be32 ip, __be16 port)
{
	u32 now = teredo_now();
	bool due;

	spin_lock(&td->lock);
	due = !(p->flags & TEREDO_PEER_DEAD) &&
	      (p->queue || p->ip != ip || p->port != port ||
	       teredo_since(now, READ_ONCE(p->last_tx)) >= TEREDO_BUBBLE_GAP) &&
	      teredo_budget_take(td, ip, TEREDO_BUDGET_ANYONE, now, true);
	if (due)
		WRITE_ONCE(p->last_tx, now);
	spin_unlock(&td->lock);
	return due;
}

/* Is @nonce the one of the relay test waiting for @p? In softirq. */
bool teredo_peer_ping_ok(struct teredo_dev *td, struct teredo_peer *p,
			 u64 nonce)
{
	bool ok;

	spin_lock(&td->lock);
	ok = !(p->flags & TEREDO_PEER_DEAD) && p->queue &&
	     !teredo_addr_is_teredo(&p->addr) && p->queue->nonce == nonce;
	spin_unlock(&td->lock);
	return ok;
}

/* A trusted entry silent for TEREDO_PEER_TTL: it goes, or is no longer
 * trusted if the peer speaks server load reduction.
 */
static bool teredo_peer_stale(const struct teredo_peer *p, u8 flags, u32 now)
{
	return flags & TEREDO_PEER_TRUSTED &&
	       teredo_since(now, READ_ONCE(p->last_rx)) >= TEREDO_PEER_TTL;
}

static bool teredo_peer_expired(const struct teredo_peer *p, u32 now)
{
	u8 flags = READ_ONCE(p->flags);

	if (flags & TEREDO_PEER_TRUSTED)
		return !(flags & TEREDO_PEER_SLR) &&
		       teredo_peer_stale(p, flags, now);
	/* untrusted: once its bubbles are over and nothing waits; and one
	 * that speaks server load reduction, once too old to be asked
	 */
	return !p->queue &&
	       teredo_since(now, READ_ONCE(p->last_tx)) >= TEREDO_PEER_TTL &&
	       (!(flags & TEREDO_PEER_SLR) ||
		teredo_since(now, READ_ONCE(p->last_rx)) >=
		TEREDO_PEER_SLR_TTL);
}

/* Under the peer lock: @p's mapping became one of our addresses (or a
 * broadcast: a subnet that came with one).
 */
static void teredo_peer_untrust_local(struct teredo_dev *td,
				      struct teredo_peer *p)
{
	if (p->flags & TEREDO_PEER_TRUSTED &&
	    inet_addr_type(td->net, p->ip) != RTN_UNICAST)
		WRITE_ONCE(p->flags, p->flags & ~TEREDO_PEER_TRUSTED);
}

static void teredo_gc_sweep(struct teredo_dev *td, u32 now)
{
	bool unhint = teredo_routes_sweep_begin(td);
	bool local = xchg(&td->recheck_local, false);
	struct rhashtable_iter iter;
	struct teredo_peer *p;
	unsigned int n = 0;

	rhashtable_walk_enter(&td->peers, &iter);
	rhashtable_walk_start(&iter);
	while ((p = rhashtable_walk_next(&iter))) {
		if (IS_ERR(p)) {
			if (PTR_ERR(p) == -EAGAIN)
				continue;
			break;
		}
		if (unhint && READ_ONCE(p->route))
			WRITE_ONCE(p->route, 0);
		if (local && teredo_peer_trusted(p)) {
			spin_lock_bh(&td->lock);
			teredo_peer_untrust_local(td, p);
			spin_unlock_bh(&td->lock);
		}
		if (READ_ONCE(p->flags) & TEREDO_PEER_SLR &&
		    teredo_peer_stale(p, READ_ONCE(p->flags), now)) {
			spin_lock_bh(&td->lock);
			if (p->flags & TEREDO_PEER_SLR &&
			    teredo_peer_stale(p, p->flags, now))
				WRITE_ONCE(p->flags, p->flags &
					   ~(TEREDO_PEER_TRUSTED |
					     TEREDO_PEER_BUBBLES));
			spin_unlock_bh(&td->lock);
		}
		if (teredo_peer_expired(p, now)) {
			spin_lock_bh(&td->lock);
			if (!(p->flags & TEREDO_PEER_DEAD) &&
			    teredo_peer_expired(p, now)) {
				teredo_peer_unlink(td, p);
				teredo_stat_inc(td, TEREDO_STAT_PEER_EXPIRED);
			}
			spin_unlock_bh(&td->lock);
		}
		if (++n % 1024 == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	if (unhint) {
		teredo_routes_sweep_end(td);
		td->unhinted = teredo_now();
	}
	teredo_peer_reap(td);
}

/* Forget every peer: our address changed (RFC 4380 section 5.2.1). */
void teredo_peer_flush(struct teredo_dev *td)
{
	struct rhashtable_iter iter;
	struct teredo_peer *p;

	rhashtable_walk_enter(&td->peers, &iter);
	rhashtable_walk_start(&iter);
	while ((p = rhashtable_walk_next(&iter))) {
		if (IS_ERR(p)) {
			if (PTR_ERR(p) == -EAGAIN)
				continue;
			break;
		}
		spin_lock_bh(&td->lock);
		if (!(p->flags & TEREDO_PEER_DEAD))
			teredo_peer_unlink(td, p);
		spin_unlock_bh(&td->lock);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	teredo_peer_reap(td);
}

static void teredo_gc(struct work_struct *work)
{
	struct teredo_dev *td = container_of(to_delayed_work(work),
					     struct teredo_dev, gc);
	u32 now = teredo_now();

	teredo_queue_retry(td, now);
	teredo_discovery_tick(td, now);
	teredo_dormant_tick(td, now);
	if (++td->gc_ticks % TEREDO_SWEEP_TICKS == 0 ||
	    READ_ONCE(td->recheck_local) ||
	    (teredo_routes_sweep_begin(td) &&
	     teredo_since(now, td->unhinted) >= TEREDO_GC_TICK))
		teredo_gc_sweep(td, now);
	queue_delayed_work(system_power_efficient_wq, &td->gc,
			   TEREDO_GC_TICK);
}

int teredo_peers_init(struct teredo_dev *td)
{
	struct rhashtable_params params = teredo_peer_params;

	spin_lock_init(&td->lock);
	INIT_LIST_HEAD(&td->pending);
	init_llist_head(&td->dead);
	INIT_DELAYED_WORK(&td->gc, teredo_gc);
	td->unhinted = teredo_now() - TEREDO_GC_TICK;
	/* At most a bucket (8 bytes) per peer: the table stops doubling at
	 * 2^20 buckets (or the next power of two above maxpeers) and then
	 * holds up to twice that many, in chains of one or two.
	 */
	params.max_size = roundup_pow_of_two(max_t(u32, td->cfg.max_peers,
						   TEREDO_DEFAULT_MAX_PEERS));
	return rhashtable_init(&td->peers, &params);
}

/* The route hints went stale (route.c): sweep them soon, at most once a
 * tick. From any context between teredo_peers_start() and
 * teredo_peers_stop(), while the device's paths may send.
 */
void teredo_peers_sweep_soon(struct teredo_dev *td)
{
	mod_delayed_work(system_power_efficient_wq, &td->gc, 0);
}

void teredo_peers_start(struct teredo_dev *td)
{
	queue_delayed_work(system_power_efficient_wq, &td->gc,
			   TEREDO_GC_TICK);
}

/* The device is going away and receives nothing any more: stop the worker,
 * drop whatever waits.
 */
void teredo_peers_stop(struct teredo_dev *td)
{
	struct teredo_queue *q, *tmp;

	cancel_delayed_work_sync(&td->gc);
	spin_lock_bh(&td->lock);
	list_for_each_entry_safe(q, tmp, &td->pending, pending)
		teredo_queue_free(teredo_queue_detach(td, q->peer));
	spin_unlock_bh(&td->lock);
}

static void teredo_peer_free(void *ptr, void *arg)
{
	kmem_cache_free(teredo_peer_cache, ptr);
}

/* From the device destructor: no reader is left. */
void teredo_peers_destroy(struct teredo_dev *td)
{
	teredo_peer_free_list(llist_del_all(&td->dead));
	rhashtable_free_and_destroy(&td->peers, teredo_peer_free, NULL);
}

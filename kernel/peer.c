// SPDX-License-Identifier: GPL-2.0
/*
 * The peer list: creation on transmit, trust on reception, queues of
 * packets waiting for a bubble's answer, and a periodic worker that retries
 * bubbles, gives up on silent peers and expires idle ones.
 */
#include <linux/icmpv6.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "teredo.h"

#define TEREDO_GC_TICK		HZ
#define TEREDO_SWEEP_TICKS	5	/* full table sweep every 5 ticks */

static struct kmem_cache *teredo_peer_cache __read_mostly;

const struct rhashtable_params teredo_peer_params = {
	.head_offset		= offsetof(struct teredo_peer, node),
	.key_offset		= offsetof(struct teredo_peer, addr),
	.key_len		= sizeof(struct in6_addr),
	.automatic_shrinking	= true,
};

int teredo_peer_cache_init(void)
{
	teredo_peer_cache = KMEM_CACHE(teredo_peer, 0);
	return teredo_peer_cache ? 0 : -ENOMEM;
}

void teredo_peer_cache_exit(void)
{
	rcu_barrier();	/* peers still on their way out */
	kmem_cache_destroy(teredo_peer_cache);
}

unsigned int teredo_peer_size(void)
{
	return kmem_cache_size(teredo_peer_cache);
}

static void teredo_peer_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(teredo_peer_cache,
			container_of(head, struct teredo_peer, rcu));
}

/* Under the peer lock: take the queue away from @p. */
static struct teredo_queue *teredo_queue_detach(struct teredo_dev *td,
						struct teredo_peer *p)
{
	struct teredo_queue *q = p->queue;

	if (q) {
		p->queue = NULL;
		list_del(&q->pending);
		td->queued -= q->bytes;
	}
	return q;
}

static void teredo_queue_free(struct teredo_queue *q)
{
	__skb_queue_purge(&q->skbs);
	kfree(q);
}

/* Under the peer lock: out of the table, freed after a grace period. */
static void teredo_peer_unlink(struct teredo_dev *td, struct teredo_peer *p)
{
	struct teredo_queue *q = teredo_queue_detach(td, p);

	if (q)
		teredo_queue_free(q);
	WRITE_ONCE(p->flags, p->flags | TEREDO_PEER_DEAD);
	rhashtable_remove_fast(&td->peers, &p->node, teredo_peer_params);
	call_rcu(&p->rcu, teredo_peer_free_rcu);
}

/* A valid packet came from @p at @ip:@port: trust it (RFC 4380 5.4.2) and
 * release what waited for it.
 */
void teredo_peer_rx(struct teredo_dev *td, struct teredo_peer *p,
		    __be32 ip, __be16 port)
{
	struct teredo_queue *q;
	struct sk_buff *skb;

	teredo_peer_touch(&p->last_rx, teredo_now());
	if (likely(teredo_peer_trusted(p) && READ_ONCE(p->ip) == ip &&
		   READ_ONCE(p->port) == port))
		return;

	spin_lock(&td->lock);
	if (p->flags & TEREDO_PEER_DEAD) {
		spin_unlock(&td->lock);
		return;
	}
	WRITE_ONCE(p->ip, ip);
	WRITE_ONCE(p->port, port);
	p->bubbles = 0;
	q = teredo_queue_detach(td, p);
	if (!(p->flags & TEREDO_PEER_TRUSTED))
		teredo_stat_inc(td, TEREDO_STAT_PEER_TRUSTED);
	/* the mapping is written before the flag that publishes it */
	smp_store_release(&p->flags, p->flags | TEREDO_PEER_TRUSTED);
	spin_unlock(&td->lock);

	if (q) {
		while ((skb = __skb_dequeue(&q->skbs)))
			teredo_encap(td, skb, ip, port);
		kfree(q);
	}
}

/* Under the peer lock: a bubble to the server of @p, if one is due. */
static struct sk_buff *teredo_bubble_due(struct teredo_dev *td,
					 struct teredo_peer *p, u32 now)
{
	struct teredo_queue *q = p->queue;

	if (now - p->last_tx < TEREDO_BUBBLE_GAP ||
	    p->bubbles >= TEREDO_BUBBLES)
		return NULL;
	p->bubbles++;
	p->last_tx = now;
	return teredo_bubble(td, &q->bubble_src, &p->addr,
			     teredo_addr_server(&p->addr), htons(TEREDO_PORT));
}

static void teredo_send_bubbles(struct teredo_dev *td,
				struct sk_buff_head *bubbles)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(bubbles))) {
		teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
		teredo_encap(td, skb, TEREDO_CB(skb)->ip, TEREDO_CB(skb)->port);
	}
}

/* No valid trusted entry for @dst (RFC 4380 5.4.1 case 3): queue @skb,
 * create the entry if needed and send a bubble through the peer's server.
 * Called from ndo_start_xmit, bottom halves disabled.
 */
void teredo_peer_queue(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst)
{
	struct sk_buff_head bubbles;
	struct teredo_peer *p;
	struct teredo_queue *q;
	struct sk_buff *bubble;
	u32 now = teredo_now();
	int err;

	__skb_queue_head_init(&bubbles);
	spin_lock(&td->lock);
	p = teredo_peer_find(&td->peers, dst);
	if (!p) {
		if (atomic_read(&td->peers.nelems) >= td->cfg.max_peers) {
			teredo_stat_inc(td, TEREDO_STAT_TX_TABLE_FULL);
			goto drop;
		}
		p = kmem_cache_zalloc(teredo_peer_cache, GFP_ATOMIC);
		if (!p)
			goto nomem;
		p->addr = *dst;
		p->ip = teredo_addr_ip(dst);
		p->port = teredo_addr_port(dst);
		/* back-dated: not valid yet, and a bubble may go at once */
		p->last_rx = now - TEREDO_PEER_TTL;
		p->last_tx = now - TEREDO_PEER_TTL;
		err = rhashtable_lookup_insert_fast(&td->peers, &p->node,
						    teredo_peer_params);
		if (err) {
			kmem_cache_free(teredo_peer_cache, p);
			goto nomem;
		}
		teredo_stat_inc(td, TEREDO_STAT_PEER_NEW);
	} else if (p->flags & TEREDO_PEER_TRUSTED) {
		if (teredo_peer_fresh(p, now)) {
			__be32 ip = p->ip;
			__be16 port = p->port;

			spin_unlock(&td->lock);
			teredo_encap(td, skb, ip, port);
			return;
		}
		/* silent for too long: check the mapping again */
		WRITE_ONCE(p->flags, p->flags & ~TEREDO_PEER_TRUSTED);
		p->bubbles = 0;
	}

	q = p->queue;
	if (!q) {
		q = kzalloc(sizeof(*q), GFP_ATOMIC);
		if (!q)
			goto nomem;
		__skb_queue_head_init(&q->skbs);
		q->peer = p;
		q->bubble_src = ipv6_hdr(skb)->saddr;
		list_add_tail(&q->pending, &td->pending);
		p->queue = q;
	}
	if (q->bytes + skb->len > TEREDO_QUEUE_PEER ||
	    td->queued + skb->len > TEREDO_QUEUE_TOTAL) {
		teredo_stat_inc(td, TEREDO_STAT_TX_QUEUE_FULL);
		bubble = NULL;
	} else {
		skb_dst_drop(skb);
		q->bytes += skb->len;
		td->queued += skb->len;
		__skb_queue_tail(&q->skbs, skb);
		teredo_stat_inc(td, TEREDO_STAT_TX_QUEUED);
		skb = NULL;
	}
	bubble = teredo_bubble_due(td, p, now);
	if (bubble)
		__skb_queue_tail(&bubbles, bubble);
	spin_unlock(&td->lock);
	kfree_skb(skb);
	teredo_send_bubbles(td, &bubbles);
	return;

nomem:
	teredo_stat_inc(td, TEREDO_STAT_TX_NOMEM);
drop:
	spin_unlock(&td->lock);
	DEV_STATS_INC(td->dev, tx_dropped);
	kfree_skb(skb);
}

/* Retry bubbles of waiting peers; give up on those that never answered:
 * their packets are answered with ICMPv6 address unreachable.
 */
static void teredo_gc_pending(struct teredo_dev *td, u32 now)
{
	struct sk_buff_head bubbles, dead;
	struct teredo_queue *q, *tmp;
	struct sk_buff *skb;

	__skb_queue_head_init(&bubbles);
	__skb_queue_head_init(&dead);
	spin_lock_bh(&td->lock);
	list_for_each_entry_safe(q, tmp, &td->pending, pending) {
		struct teredo_peer *p = q->peer;

		skb = teredo_bubble_due(td, p, now);
		if (skb) {
			__skb_queue_tail(&bubbles, skb);
		} else if (p->bubbles >= TEREDO_BUBBLES &&
			   now - p->last_tx >= TEREDO_BUBBLE_GAP) {
			teredo_queue_detach(td, p);
			skb_queue_splice_tail(&q->skbs, &dead);
			kfree(q);
		}
	}
	spin_unlock_bh(&td->lock);

	teredo_send_bubbles(td, &bubbles);
	while ((skb = __skb_dequeue(&dead))) {
		teredo_stat_inc(td, TEREDO_STAT_TX_UNREACHABLE);
		DEV_STATS_INC(td->dev, tx_dropped);
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
		kfree_skb(skb);
	}
}

static bool teredo_peer_expired(const struct teredo_peer *p, u32 now)
{
	if (p->flags & TEREDO_PEER_TRUSTED)
		return now - READ_ONCE(p->last_rx) >= TEREDO_PEER_TTL;
	/* untrusted: once its bubbles are over and nothing waits */
	return !p->queue && now - READ_ONCE(p->last_tx) >= TEREDO_PEER_TTL;
}

static void teredo_gc_sweep(struct teredo_dev *td, u32 now)
{
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
}

static void teredo_gc(struct work_struct *work)
{
	struct teredo_dev *td = container_of(to_delayed_work(work),
					     struct teredo_dev, gc);
	u32 now = teredo_now();

	teredo_gc_pending(td, now);
	if (++td->gc_ticks % TEREDO_SWEEP_TICKS == 0)
		teredo_gc_sweep(td, now);
	queue_delayed_work(system_power_efficient_wq, &td->gc,
			   TEREDO_GC_TICK);
}

int teredo_peers_init(struct teredo_dev *td)
{
	spin_lock_init(&td->lock);
	INIT_LIST_HEAD(&td->pending);
	INIT_DELAYED_WORK(&td->gc, teredo_gc);
	return rhashtable_init(&td->peers, &teredo_peer_params);
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
	rhashtable_free_and_destroy(&td->peers, teredo_peer_free, NULL);
}

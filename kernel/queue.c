// SPDX-License-Identifier: GPL-2.0
/*
 * Queues of the peer list: packets waiting for a peer to answer (RFC 4380
 * sections 5.2.4 and 5.4.1), and on a client, packets from native sources
 * held until a relay test vouches for the relay they came through (Miredo's
 * rule for section 5.2.3 case 6). The probes that ask for the answer:
 * bubbles, or the echo request of the relay discovery test (section 5.2.9).
 */
#include <linux/icmpv6.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "teredo.h"

/* Under the peer lock: take the queue away from @p. */
struct teredo_queue *teredo_queue_detach(struct teredo_dev *td,
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

void teredo_queue_free(struct teredo_queue *q)
{
	__skb_queue_purge(&q->skbs);
	kfree(q);
}

/* The peer answered from @ip:@port: send what waited for it there, and
 * deliver what was held if it came through that same mapping. In softirq,
 * under RCU: the peer may be unlinked meanwhile, but not freed.
 */
void teredo_queue_release(struct teredo_dev *td, struct teredo_queue *q,
			  __be32 ip, __be16 port)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&q->skbs))) {
		struct teredo_skb_cb *cb = TEREDO_CB(skb);

		if (!cb->inbound)
			teredo_encap_bh(td, skb, q->peer, ip, port);
		else if (cb->ip == ip && cb->port == port)
			teredo_deliver(td, skb);
		else
			teredo_rx_drop(td, skb, TEREDO_STAT_RX_UNVERIFIED);
	}
	kfree(q);
}

/* Under the peer lock: the probes for @p, if one is due (at most
 * TEREDO_BUBBLES, TEREDO_BUBBLE_GAP apart).
 */
static void teredo_probe_due(struct teredo_dev *td, struct teredo_peer *p,
			     u32 now, struct sk_buff_head *out)
{
	struct sk_buff *skb;

	if (teredo_since(now, p->last_tx) < TEREDO_BUBBLE_GAP ||
	    teredo_peer_bubbles(p) >= TEREDO_BUBBLES)
		return;
	teredo_peer_set_bubbles(p, teredo_peer_bubbles(p) + 1);
	p->last_tx = now;
	if (td->cfg.mode == TEREDO_MODE_CLIENT) {
		teredo_client_probe(td, p, out);
		return;
	}
	/* a relay: through the peer's server */
	skb = teredo_bubble(td, &p->queue->bubble_src, &p->addr,
			    teredo_addr_server(&p->addr), htons(TEREDO_PORT));
	if (skb) {
		teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
		__skb_queue_tail(out, skb);
	}
}

static void teredo_send_probes(struct teredo_dev *td,
			       struct sk_buff_head *probes)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(probes)))
		teredo_encap(td, skb, TEREDO_CB(skb)->ip, TEREDO_CB(skb)->port);
}

/* Under the peer lock: the entry of @addr, created if needed. */
static struct teredo_peer *teredo_queue_peer(struct teredo_dev *td,
					     const struct in6_addr *addr,
					     u32 now)
{
	struct teredo_peer *p = teredo_peer_find(&td->peers, addr);

	if (p)
		return p;
	if (teredo_addr_is_teredo(addr))
		return teredo_peer_new(td, addr, teredo_addr_ip(addr),
				       teredo_addr_port(addr), now);
	return teredo_peer_new(td, addr, 0, 0, now);
}

/* Under the peer lock: the queue of @p, created if needed. */
static struct teredo_queue *teredo_queue_get(struct teredo_dev *td,
					     struct teredo_peer *p,
					     const struct in6_addr *src)
{
	struct teredo_queue *q = p->queue;

	if (q)
		return q;
	q = kzalloc(sizeof(*q), GFP_ATOMIC);
	if (!q)
		return NULL;
	__skb_queue_head_init(&q->skbs);
	q->peer = p;
	q->bubble_src = *src;
	if (!teredo_addr_is_teredo(&p->addr))
		q->nonce = get_random_u64();
	list_add_tail(&q->pending, &td->pending);
	p->queue = q;
	return q;
}

/*
 * Queue @skb for the peer @addr and probe it. Outbound, @src is the source
 * of our probes; inbound (held), TEREDO_CB(@skb) says where it came from.
 * Bottom halves disabled. Consumes @skb.
 */
static void teredo_queue_skb(struct teredo_dev *td, struct sk_buff *skb,
			     const struct in6_addr *addr,
			     const struct in6_addr *src, bool inbound)
{
	struct sk_buff_head probes;
	struct teredo_peer *p;
	struct teredo_queue *q;
	u32 now = teredo_now();

	__skb_queue_head_init(&probes);
	spin_lock(&td->lock);
	p = teredo_queue_peer(td, addr, now);
	if (IS_ERR(p)) {
		teredo_stat_inc(td, PTR_ERR(p) == -ENOSPC ?
				TEREDO_STAT_TX_TABLE_FULL : TEREDO_STAT_TX_NOMEM);
		goto drop;
	}
	if (p->flags & TEREDO_PEER_TRUSTED) {
		if (!inbound && teredo_peer_fresh(p, now)) {
			__be32 ip = p->ip;
			__be16 port = p->port;

			spin_unlock(&td->lock);
			teredo_encap(td, skb, ip, port);
			return;
		}
		/* silent for too long, or another mapping: check again */
		WRITE_ONCE(p->flags, p->flags & ~(TEREDO_PEER_TRUSTED |
						  TEREDO_PEER_BUBBLES));
	}

	q = teredo_queue_get(td, p, src);
	if (!q) {
		teredo_stat_inc(td, TEREDO_STAT_TX_NOMEM);
		goto drop;
	}
	if (q->bytes + skb->len > TEREDO_QUEUE_PEER ||
	    td->queued + skb->len > TEREDO_QUEUE_TOTAL) {
		teredo_stat_inc(td, TEREDO_STAT_TX_QUEUE_FULL);
	} else {
		skb_dst_drop(skb);
		if (!inbound)
			TEREDO_CB(skb)->inbound = false;
		q->bytes += skb->len;
		td->queued += skb->len;
		__skb_queue_tail(&q->skbs, skb);
		teredo_stat_inc(td, inbound ? TEREDO_STAT_RX_HELD :
				TEREDO_STAT_TX_QUEUED);
		skb = NULL;
	}
	teredo_probe_due(td, p, now, &probes);
	spin_unlock(&td->lock);
	if (skb) {
		if (inbound)
			dev_core_stats_rx_dropped_inc(td->dev);
		else
			DEV_STATS_INC(td->dev, tx_dropped);
		kfree_skb(skb);
	}
	teredo_send_probes(td, &probes);
	return;

drop:
	spin_unlock(&td->lock);
	if (inbound)
		dev_core_stats_rx_dropped_inc(td->dev);
	else
		DEV_STATS_INC(td->dev, tx_dropped);
	kfree_skb(skb);
}

/* No valid trusted entry for @dst: queue @skb, create the entry if needed
 * and probe the peer. From ndo_start_xmit.
 */
void teredo_peer_queue(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst)
{
	teredo_queue_skb(td, skb, dst, &ipv6_hdr(skb)->saddr, false);
}

/* A client received @skb (IPv6 at skb->data) from the native @src through
 * @ip:@port, a relay it has not verified: hold it and test the relay.
 * In softirq.
 */
void teredo_peer_hold(struct teredo_dev *td, struct sk_buff *skb,
		      const struct in6_addr *src, __be32 ip, __be16 port)
{
	struct teredo_skb_cb *cb = TEREDO_CB(skb);

	cb->ip = ip;
	cb->port = port;
	cb->inbound = true;
	teredo_queue_skb(td, skb, src, &ipv6_hdr(skb)->daddr, true);
}

/* Retry the probes of waiting peers; give up on those that never answered:
 * their packets are answered with ICMPv6 address unreachable, and what was
 * held is dropped.
 */
void teredo_queue_retry(struct teredo_dev *td, u32 now)
{
	struct sk_buff_head probes, dead;
	struct teredo_queue *q, *tmp;
	struct sk_buff *skb;

	__skb_queue_head_init(&probes);
	__skb_queue_head_init(&dead);
	spin_lock_bh(&td->lock);
	list_for_each_entry_safe(q, tmp, &td->pending, pending) {
		struct teredo_peer *p = q->peer;

		if (teredo_peer_bubbles(p) < TEREDO_BUBBLES) {
			teredo_probe_due(td, p, now, &probes);
		} else if (teredo_since(now, p->last_tx) >= TEREDO_BUBBLE_GAP) {
			teredo_queue_detach(td, p);
			skb_queue_splice_tail(&q->skbs, &dead);
			kfree(q);
		}
	}
	spin_unlock_bh(&td->lock);

	teredo_send_probes(td, &probes);
	while ((skb = __skb_dequeue(&dead))) {
		if (TEREDO_CB(skb)->inbound) {
			local_bh_disable();
			teredo_rx_drop(td, skb, TEREDO_STAT_RX_UNVERIFIED);
			local_bh_enable();
			continue;
		}
		teredo_stat_inc(td, TEREDO_STAT_TX_UNREACHABLE);
		DEV_STATS_INC(td->dev, tx_dropped);
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
		kfree_skb(skb);
	}
}

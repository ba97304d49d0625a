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
#include <net/ip_tunnels.h>

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

/* IPv6 lengths, as what pays for them is counted: a bubble, and a
 * client's echo request. Every datagram the device sends carries the
 * same IPv4 and UDP headers, what it relays as much as its probes.
 */
#define TEREDO_BUBBLE_LEN	sizeof(struct ipv6hdr)
#define TEREDO_PING_LEN		(TEREDO_BUBBLE_LEN + 16)
#define TEREDO_CREDIT_BYTES	(TEREDO_BUBBLES * TEREDO_PING_LEN)
/* queues the worker looks at in one hold of the peer lock */
#define TEREDO_RETRY_BATCH	64

/* Where a probe for the peer @addr goes, other than to the peer itself,
 * in @ip, and what it costs: a Teredo peer's server; our own server,
 * relaying our echo request to a native peer. 0 if there is none.
 */
static unsigned int teredo_probe_target(struct teredo_dev *td,
					const struct in6_addr *addr,
					__be32 *ip)
{
	const struct teredo_client *c;

	if (teredo_addr_is_teredo(addr)) {
		*ip = teredo_addr_server(addr);
		return TEREDO_BUBBLE_LEN;
	}
	c = rcu_dereference_bh(td->client);
	if (!c)
		return 0;
	*ip = c->server;
	return TEREDO_PING_LEN;
}

enum teredo_probe_verdict {
	TEREDO_PROBE_NOT_DUE,	/* too soon, too many, not paid for */
	TEREDO_PROBE_REFUSED,	/* by a budget */
	TEREDO_PROBE_GO,
};

/* Under the peer lock: may a probe go to @p now (at most TEREDO_BUBBLES,
 * TEREDO_BUBBLE_GAP apart, paid for by what was queued, within the
 * budgets)? @charge: it goes, charge the budgets. The gap is between the
 * probes of a round: the first goes at once, however recently data went
 * to a peer that now needs checking again (a relay that changed).
 */
static enum teredo_probe_verdict
teredo_probe_may(struct teredo_dev *td, struct teredo_peer *p, u32 who,
		 u32 now, unsigned int credit_probes, unsigned int credit_bytes,
		 bool charge)
{
	unsigned int sent = teredo_peer_bubbles(p);
	unsigned int cost;
	__be32 ip;

	if (sent >= TEREDO_BUBBLES ||
	    (sent && teredo_since(now, READ_ONCE(p->last_tx)) < TEREDO_BUBBLE_GAP))
		return TEREDO_PROBE_NOT_DUE;
	cost = teredo_probe_target(td, &p->addr, &ip);
	if (!cost || !credit_probes || credit_bytes < cost)
		return TEREDO_PROBE_NOT_DUE;
	if (!teredo_budget_take(td, ip, who, now, charge))
		return TEREDO_PROBE_REFUSED;
	return TEREDO_PROBE_GO;
}

/* A relay's bubble, decided under the peer lock and built after it. */
struct teredo_bubble_note {
	struct in6_addr src;
	struct in6_addr dst;
	__be32 ip;
	bool due;
};

/* Under the peer lock: the probes for @p, if one is due. A relay's bubble
 * goes in @note if there is one, to be built once the lock is released.
 */
static void teredo_probe_due(struct teredo_dev *td, struct teredo_peer *p,
			     u32 now, struct sk_buff_head *out,
			     struct teredo_bubble_note *note)
{
	struct teredo_queue *q = p->queue;
	struct sk_buff *skb;
	__be32 ip;

	if (teredo_probe_may(td, p, q->who, now, q->credit_probes,
			     q->credit_bytes, true) != TEREDO_PROBE_GO)
		return;
	q->credit_probes--;
	q->credit_bytes -= teredo_probe_target(td, &p->addr, &ip);
	teredo_peer_set_bubbles(p, teredo_peer_bubbles(p) + 1);
	WRITE_ONCE(p->last_tx, now);
	if (td->cfg.mode == TEREDO_MODE_CLIENT) {
		teredo_client_probe(td, p, out);
		return;
	}
	/* a relay: through the peer's server */
	if (note) {
		note->src = q->bubble_src;
		note->dst = p->addr;
		note->ip = ip;
		note->due = true;
		return;
	}
	skb = teredo_bubble(td, &q->bubble_src, &p->addr, ip,
			    htons(TEREDO_PORT));
	if (skb) {
		teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
		__skb_queue_tail(out, skb);
	}
}

static void teredo_send_probes(struct teredo_dev *td,
			       struct sk_buff_head *probes,
			       const struct teredo_bubble_note *note)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(probes)))
		teredo_encap(td, skb, TEREDO_CB(skb)->ip, TEREDO_CB(skb)->port);
	if (!note || !note->due)
		return;
	skb = teredo_bubble(td, &note->src, &note->dst, note->ip,
			    htons(TEREDO_PORT));
	if (skb) {
		teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
		teredo_encap(td, skb, note->ip, htons(TEREDO_PORT));
	}
}

/* Under the peer lock: a queue for @p, which has none. */
static struct teredo_queue *teredo_queue_new(struct teredo_dev *td,
					     struct teredo_peer *p,
					     const struct in6_addr *src,
					     u32 now)
{
	struct teredo_queue *q;

	q = kzalloc(sizeof(*q), GFP_ATOMIC);
	if (!q)
		return NULL;
	__skb_queue_head_init(&q->skbs);
	q->peer = p;
	q->bubble_src = *src;
	q->since = now;
	q->round = td->retry_round;
	if (!teredo_addr_is_teredo(&p->addr))
		q->nonce = get_random_u64();
	list_add_tail(&q->pending, &td->pending);
	p->queue = q;
	return q;
}

/* Under the peer lock: room for @truesize more bytes in the device's
 * queues, made by dropping the queues that waited longest (not @keep):
 * a flood of packets that nobody answers must not keep new peers out.
 * Their peers stay, and still become trusted if they answer. At most a
 * few queues go for one packet; their packets onto @dropped, freed once
 * the lock is released.
 */
static bool teredo_queue_room(struct teredo_dev *td, unsigned int truesize,
			      const struct teredo_queue *keep,
			      struct sk_buff_head *dropped)
{
	struct teredo_queue *q, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(q, tmp, &td->pending, pending) {
		if (td->queued + truesize <= TEREDO_QUEUE_TOTAL || n++ == 4)
			break;
		if (q == keep)
			continue;
		teredo_queue_detach(td, q->peer);
		skb_queue_splice_tail_init(&q->skbs, dropped);
		kfree(q);
	}
	return td->queued + truesize <= TEREDO_QUEUE_TOTAL;
}

/* What teredo_queue_room() dropped. */
static void teredo_queue_drop(struct teredo_dev *td,
			      struct sk_buff_head *dropped)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(dropped))) {
		teredo_stat_inc(td, TEREDO_STAT_TX_QUEUE_FULL);
		if (TEREDO_CB(skb)->inbound)
			dev_core_stats_rx_dropped_inc(td->dev);
		else
			DEV_STATS_INC(td->dev, tx_dropped);
		kfree_skb(skb);
	}
}

/* Under the peer lock: may a packet of @wire_len bytes make a queue for
 * @addr, whose entry is @p (NULL: none yet)? Not if the probe it pays for
 * would exceed the budgets, nor without room for it: then nothing is
 * created for it.
 */
static bool teredo_queue_admit(struct teredo_dev *td, struct sk_buff *skb,
			       const struct in6_addr *addr,
			       struct teredo_peer *p, u32 who,
			       unsigned int wire_len, bool inbound, u32 now,
			       struct sk_buff_head *dropped)
{
	struct teredo_peer fresh = { .addr = *addr,
				     .last_tx = now - TEREDO_PEER_TTL };

	if (!p && atomic_read(&td->peers.nelems) >= td->cfg.max_peers) {
		teredo_stat_inc(td, TEREDO_STAT_TX_TABLE_FULL);
		return false;
	}
	/* if this packet's probe would go at once, it must be allowed */
	if (teredo_probe_may(td, p ?: &fresh, who, now, 1, wire_len, false) ==
	    TEREDO_PROBE_REFUSED) {
		teredo_stat_inc(td, inbound ? TEREDO_STAT_RX_UNVERIFIED :
				TEREDO_STAT_TX_PROBE_REFUSED);
		return false;
	}
	if (!teredo_queue_room(td, skb->truesize, NULL, dropped)) {
		teredo_stat_inc(td, TEREDO_STAT_TX_QUEUE_FULL);
		return false;
	}
	return true;
}

/*
 * Queue @skb for the peer @addr and probe it. Outbound, @src is the source
 * of our probes; inbound (held), TEREDO_CB(@skb) says where it came from.
 * @wire_len: the IPv6 length of what was received, which pays for the
 * probes.
 * Bottom halves disabled. Consumes @skb.
 */
static void teredo_queue_skb(struct teredo_dev *td, struct sk_buff *skb,
			     const struct in6_addr *addr,
			     const struct in6_addr *src, bool inbound,
			     unsigned int wire_len)
{
	struct teredo_bubble_note note = {};
	struct sk_buff_head probes, dropped;
	struct teredo_peer *p;
	struct teredo_queue *q;
	u32 now = teredo_now();
	u32 who = teredo_budget_who(td, inbound ? addr : src);

	__skb_queue_head_init(&probes);
	__skb_queue_head_init(&dropped);
	spin_lock(&td->lock);
	p = teredo_peer_find(&td->peers, addr);
	if (p && p->flags & TEREDO_PEER_TRUSTED) {
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

	q = p ? p->queue : NULL;
	if (!q) {
		if (!teredo_queue_admit(td, skb, addr, p, who, wire_len,
					inbound, now, &dropped))
			goto unlock;
		if (!p) {
			p = teredo_peer_new(td, addr,
					    teredo_addr_is_teredo(addr) ?
					    teredo_addr_ip(addr) : 0,
					    teredo_addr_is_teredo(addr) ?
					    teredo_addr_port(addr) : 0, now);
			if (IS_ERR(p)) {
				teredo_stat_inc(td, PTR_ERR(p) == -ENOSPC ?
						TEREDO_STAT_TX_TABLE_FULL :
						TEREDO_STAT_TX_NOMEM);
				goto unlock;
			}
		}
		q = teredo_queue_new(td, p, src, now);
		if (!q) {
			teredo_stat_inc(td, TEREDO_STAT_TX_NOMEM);
			goto unlock;
		}
	}
	q->who = who;
	q->credit_probes = min_t(unsigned int, q->credit_probes + 1,
				 TEREDO_BUBBLES);
	q->credit_bytes = min_t(unsigned int, q->credit_bytes + wire_len,
				TEREDO_CREDIT_BYTES);
	if (q->bytes + skb->truesize > TEREDO_QUEUE_PEER ||
	    !teredo_queue_room(td, skb->truesize, q, &dropped)) {
		teredo_stat_inc(td, TEREDO_STAT_TX_QUEUE_FULL);
	} else {
		skb_dst_drop(skb);
		if (!inbound)
			TEREDO_CB(skb)->inbound = false;
		q->bytes += skb->truesize;
		td->queued += skb->truesize;
		__skb_queue_tail(&q->skbs, skb);
		teredo_stat_inc(td, inbound ? TEREDO_STAT_RX_HELD :
				TEREDO_STAT_TX_QUEUED);
		skb = NULL;
	}
	teredo_probe_due(td, p, now, &probes, &note);
unlock:
	spin_unlock(&td->lock);
	if (skb) {
		if (inbound)
			dev_core_stats_rx_dropped_inc(td->dev);
		else
			DEV_STATS_INC(td->dev, tx_dropped);
		kfree_skb(skb);
	}
	teredo_queue_drop(td, &dropped);
	teredo_send_probes(td, &probes, &note);
}

/* No valid trusted entry for @dst: queue @skb, create the entry if needed
 * and probe the peer. From ndo_start_xmit.
 */
void teredo_peer_queue(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst)
{
	struct sk_buff *segs, *next;

	if (likely(!skb_is_gso(skb))) {
		teredo_queue_skb(td, skb, dst, &ipv6_hdr(skb)->saddr, false,
				 skb->len);
		return;
	}
	/* Queues hold packets as they will go, each paying for its probe,
	 * and a peer's 8 KiB would refuse a GSO packet whole.
	 */
	segs = teredo_gso_segment(td, skb, true);
	if (IS_ERR(segs)) {
		/* -ENOMEM, or a GSO packet its own offload will not cut */
		teredo_tx_drop(td, skb, PTR_ERR(segs) == -ENOMEM ?
			       TEREDO_STAT_TX_NOMEM : TEREDO_STAT_TX_BAD_PROTO);
		return;
	}
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		teredo_queue_skb(td, skb, &ipv6_hdr(skb)->daddr,
				 &ipv6_hdr(skb)->saddr, false, skb->len);
	}
}

/* A client received @skb (IPv6 at skb->data, @wire_len bytes) from the
 * native @src through @ip:@port, a relay it has not verified: hold it and
 * test the relay. In softirq.
 */
static void teredo_hold_one(struct teredo_dev *td, struct sk_buff *skb,
			    const struct in6_addr *src, __be32 ip, __be16 port,
			    unsigned int wire_len)
{
	struct teredo_skb_cb *cb = TEREDO_CB(skb);

	cb->ip = ip;
	cb->port = port;
	cb->inbound = true;
	teredo_queue_skb(td, skb, src, &ipv6_hdr(skb)->daddr, true, wire_len);
}

void teredo_peer_hold(struct teredo_dev *td, struct sk_buff *skb,
		      const struct in6_addr *src, __be32 ip, __be16 port,
		      unsigned int wire_len)
{
	struct sk_buff *segs, *next;

	if (likely(!skb_is_gso(skb))) {
		teredo_hold_one(td, skb, src, ip, port, wire_len);
		return;
	}
	/* merged by GRO: held as the datagrams it was, which a peer's
	 * 8 KiB would refuse whole
	 */
	skb->protocol = htons(ETH_P_IPV6);
	segs = iptunnel_pull_offloads(skb) ? ERR_PTR(-ENOMEM) :
	       teredo_gso_segment(td, skb, false);
	if (IS_ERR(segs)) {
		teredo_rx_drop(td, skb, PTR_ERR(segs) == -ENOMEM ?
			       TEREDO_STAT_RX_NOMEM : TEREDO_STAT_RX_BAD_LENGTH);
		return;
	}
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		teredo_hold_one(td, skb, src, ip, port, skb->len);
	}
}

/* Under the peer lock: has @q waited long enough? After its last probe's
 * gap, or as long as all its probes would have taken.
 */
static bool teredo_queue_over(const struct teredo_queue *q, u32 now)
{
	const struct teredo_peer *p = q->peer;

	if (teredo_since(now, q->since) >= TEREDO_BUBBLES * TEREDO_BUBBLE_GAP)
		return true;
	return teredo_peer_bubbles(p) >= TEREDO_BUBBLES &&
	       teredo_since(now, READ_ONCE(p->last_tx)) >= TEREDO_BUBBLE_GAP;
}

/* What the queues given up on held: ICMPv6 address unreachable for what
 * was to go, a drop for what was held. Process context.
 */
static void teredo_queue_dead(struct teredo_dev *td, struct sk_buff_head *dead)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(dead))) {
		local_bh_disable();
		if (TEREDO_CB(skb)->inbound) {
			teredo_rx_drop(td, skb, TEREDO_STAT_RX_UNVERIFIED);
		} else {
			teredo_stat_inc(td, TEREDO_STAT_TX_UNREACHABLE);
			DEV_STATS_INC(td->dev, tx_dropped);
			icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH,
					ICMPV6_ADDR_UNREACH, 0);
			kfree_skb(skb);
		}
		local_bh_enable();
	}
}

/* Retry the probes of waiting peers; give up on those that never answered.
 * Each queue is looked at once a round, TEREDO_RETRY_BATCH of them per
 * hold of the peer lock: the queues are bounded by TEREDO_QUEUE_TOTAL,
 * the work under the lock and the probes in flight by the batch.
 */
void teredo_queue_retry(struct teredo_dev *td, u32 now)
{
	struct sk_buff_head probes, dead;
	struct teredo_queue *q;
	unsigned int n;
	u32 round;

	__skb_queue_head_init(&probes);
	__skb_queue_head_init(&dead);
	spin_lock_bh(&td->lock);
	round = ++td->retry_round;
	for (;;) {
		for (n = 0; n < TEREDO_RETRY_BATCH; n++) {
			q = list_first_entry_or_null(&td->pending,
						     struct teredo_queue,
						     pending);
			if (!q || q->round == round)
				break;
			q->round = round;
			list_move_tail(&q->pending, &td->pending);
			if (!teredo_queue_over(q, now)) {
				teredo_probe_due(td, q->peer, now, &probes,
						 NULL);
				continue;
			}
			teredo_queue_detach(td, q->peer);
			skb_queue_splice_tail_init(&q->skbs, &dead);
			kfree(q);
		}
		spin_unlock_bh(&td->lock);
		teredo_send_probes(td, &probes, NULL);
		teredo_queue_dead(td, &dead);
		if (n < TEREDO_RETRY_BATCH)
			break;
		cond_resched();
		spin_lock_bh(&td->lock);
	}
}

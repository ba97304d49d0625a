// SPDX-License-Identifier: GPL-2.0
/*
 * On-demand qualification (teredod's QualifyOnDemand): a dormant client
 * keeps its address but sends nothing by itself, and no refresh keeps its
 * NAT mapping. What the host sends meanwhile waits here while teredod,
 * told, qualifies again; its answer sends the packets on, or refuses
 * them if the address changed or qualification failed.
 */
#include <linux/icmpv6.h>

#include "teredo.h"

#define TEREDO_WAKE_PACKETS	64
#define TEREDO_WAKE_BYTES	(256 * 1024)	/* truesize */
/* a wake takes teredod up to 6 s (6 solicitations, 1 s apart) */
#define TEREDO_WAKE_WAIT	(30 * HZ)
#define TEREDO_WAKE_GAP		HZ		/* between two notifications */

void teredo_dormant_init(struct teredo_dev *td)
{
	skb_queue_head_init(&td->wake_q);
	td->last_xmit = teredo_now();
}

/* ndo_start_xmit of a client that was dormant: @skb waits, teredod is
 * told. False if the client is awake by now (it was woken while we
 * looked): the caller sends @skb as usual. Bottom halves disabled.
 */
bool teredo_dormant_hold(struct teredo_dev *td, struct sk_buff *skb)
{
	const struct teredo_client *c;
	u32 now = teredo_now();
	bool tell;

	spin_lock(&td->wake_q.lock);
	/* teredo_client_set() publishes before it takes this lock */
	c = rcu_dereference_bh(td->client);
	if (!c || !c->dormant) {
		spin_unlock(&td->wake_q.lock);
		return false;
	}
	if (skb_queue_len(&td->wake_q) >= TEREDO_WAKE_PACKETS ||
	    td->wake_bytes + skb->truesize > TEREDO_WAKE_BYTES) {
		spin_unlock(&td->wake_q.lock);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_QUEUE_FULL);
		return true;
	}
	/* no device pinned by a route while it waits */
	skb_dst_drop(skb);
	tell = skb_queue_empty(&td->wake_q) ||
	       teredo_since(now, td->wake_told) >= TEREDO_WAKE_GAP;
	if (skb_queue_empty(&td->wake_q))
		td->wake_since = now;
	if (tell)
		td->wake_told = now;
	td->wake_bytes += skb->truesize;
	__skb_queue_tail(&td->wake_q, skb);
	spin_unlock(&td->wake_q.lock);
	teredo_stat_inc(td, TEREDO_STAT_TX_DORMANT);
	if (tell)
		teredo_wake_notify(td);
	return true;
}

/* Something that needs an answer from a dormant client came in (a
 * relay test, a peer the server announced): teredod is told, as for a
 * packet of the host's, at most once a second. Any context.
 */
void teredo_dormant_poke(struct teredo_dev *td)
{
	u32 now = teredo_now();

	if (teredo_since(now, READ_ONCE(td->wake_told)) < TEREDO_WAKE_GAP)
		return;
	WRITE_ONCE(td->wake_told, now);
	teredo_wake_notify(td);
}

/* Awake (@send: the packets go as if sent now; those from an address
 * that is no longer ours are refused with ICMPv6 "source address failed
 * policy", so that a connection fails at once and is made again from the
 * new one) or not qualified any more (refused, ICMPv6 unreachable).
 * Process context.
 */
void teredo_dormant_release(struct teredo_dev *td, bool send)
{
	const struct teredo_client *c;
	struct sk_buff_head list;
	struct sk_buff *skb;

	__skb_queue_head_init(&list);
	spin_lock_bh(&td->wake_q.lock);
	skb_queue_splice_init(&td->wake_q, &list);
	td->wake_bytes = 0;
	spin_unlock_bh(&td->wake_q.lock);
	/* what ndo_start_xmit runs under: BH off, and RCU for the peer
	 * table (the stack's output path holds rcu_read_lock())
	 */
	local_bh_disable();
	rcu_read_lock();
	c = rcu_dereference_bh(td->client);
	while ((skb = __skb_dequeue(&list))) {
		if (send && c && td->dev->flags & IFF_UP &&
		    ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &c->addr)) {
			teredo_client_xmit(td, skb);
			continue;
		}
		if (send && c) {
			icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH,
					ICMPV6_POLICY_FAIL, 0);
			teredo_tx_drop(td, skb, TEREDO_STAT_TX_BAD_SOURCE);
			continue;
		}
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE, 0);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_OFFLINE);
	}
	rcu_read_unlock();
	local_bh_enable();
}

/* From the worker: what waits goes if the client is awake (it was woken
 * between a hold and its release), teredod is told again if it missed
 * the notification (a restart), and nothing waits beyond
 * TEREDO_WAKE_WAIT.
 */
void teredo_dormant_tick(struct teredo_dev *td, u32 now)
{
	const struct teredo_client *c;
	bool dormant, late;

	if (skb_queue_empty_lockless(&td->wake_q))
		return;
	rcu_read_lock();
	c = rcu_dereference(td->client);
	dormant = c && c->dormant;
	rcu_read_unlock();
	spin_lock_bh(&td->wake_q.lock);
	late = teredo_since(now, td->wake_since) >= TEREDO_WAKE_WAIT;
	spin_unlock_bh(&td->wake_q.lock);
	if (!dormant || late)
		teredo_dormant_release(td, !dormant);
	else
		teredo_dormant_poke(td);
}

/* The device is going away. */
void teredo_dormant_purge(struct teredo_dev *td)
{
	skb_queue_purge(&td->wake_q);
	td->wake_bytes = 0;
}

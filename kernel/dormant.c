// SPDX-License-Identifier: GPL-2.0
/*
 * On-demand qualification (teredod's QualifyOnDemand): a dormant client
 * keeps its address but sends nothing, and no refresh keeps its NAT
 * mapping. What the host sends meanwhile waits here while teredod, told
 * once, qualifies again; its answer sends the packets on (or drops them,
 * if the address changed or qualification failed).
 */
#include <linux/icmpv6.h>

#include "teredo.h"

#define TEREDO_WAKE_PACKETS	64
#define TEREDO_WAKE_BYTES	(256 * 1024)	/* truesize */
/* teredod's qualification takes up to 12 s (3 solicitations, 4 s each) */
#define TEREDO_WAKE_WAIT	(30 * HZ)
#define TEREDO_WAKE_GAP		HZ		/* between two notifications */

void teredo_dormant_init(struct teredo_dev *td)
{
	skb_queue_head_init(&td->wake_q);
	td->last_xmit = teredo_now();
}

/* ndo_start_xmit of a dormant client: @skb waits, teredod is told. Bottom
 * halves disabled.
 */
void teredo_dormant_hold(struct teredo_dev *td, struct sk_buff *skb)
{
	u32 now = teredo_now();
	bool tell;

	spin_lock(&td->wake_q.lock);
	if (skb_queue_len(&td->wake_q) >= TEREDO_WAKE_PACKETS ||
	    td->wake_bytes + skb->truesize > TEREDO_WAKE_BYTES) {
		spin_unlock(&td->wake_q.lock);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_QUEUE_FULL);
		return;
	}
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
}

/* Awake (@send: the packets go as if sent now) or not qualified any more
 * (they are refused, with ICMPv6 unreachable). Process context.
 */
void teredo_dormant_release(struct teredo_dev *td, bool send)
{
	struct sk_buff_head list;
	struct sk_buff *skb;

	__skb_queue_head_init(&list);
	spin_lock_bh(&td->wake_q.lock);
	skb_queue_splice_init(&td->wake_q, &list);
	td->wake_bytes = 0;
	spin_unlock_bh(&td->wake_q.lock);
	local_bh_disable();
	while ((skb = __skb_dequeue(&list))) {
		if (send) {
			teredo_client_xmit(td, skb);
			continue;
		}
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE, 0);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_OFFLINE);
	}
	local_bh_enable();
}

/* From the worker: teredod did not answer in time. */
void teredo_dormant_tick(struct teredo_dev *td, u32 now)
{
	bool late;

	if (skb_queue_empty_lockless(&td->wake_q))
		return;
	spin_lock_bh(&td->wake_q.lock);
	late = !skb_queue_empty(&td->wake_q) &&
	       teredo_since(now, td->wake_since) >= TEREDO_WAKE_WAIT;
	spin_unlock_bh(&td->wake_q.lock);
	if (late)
		teredo_dormant_release(td, false);
}

/* The device is going away. */
void teredo_dormant_purge(struct teredo_dev *td)
{
	skb_queue_purge(&td->wake_q);
	td->wake_bytes = 0;
}

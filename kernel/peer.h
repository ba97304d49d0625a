/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The list of recent peers (RFC 4380 section 5.2): an rhashtable keyed by
 * the peer's IPv6 address. Lookups are lock-free under RCU; changes of the
 * table, of trust and of queues take the device's peer lock.
 */
#ifndef _TEREDO_PEER_H
#define _TEREDO_PEER_H

#include <linux/rhashtable.h>
#include <linux/skbuff.h>

#define TEREDO_PEER_TTL		(30 * HZ)	/* valid after last reception */
#define TEREDO_BUBBLE_GAP	(2 * HZ)	/* between two bubbles */
#define TEREDO_BUBBLES		4		/* first one and 3 retries */
#define TEREDO_QUEUE_PEER	4096		/* bytes queued per peer */
#define TEREDO_QUEUE_TOTAL	BIT(20)	/* bytes queued per device */

struct teredo_dev;

/* Packets waiting for a peer to answer a bubble. */
struct teredo_queue {
	struct list_head pending;	/* in teredo_dev.pending */
	struct sk_buff_head skbs;
	struct teredo_peer *peer;
	unsigned int bytes;
	struct in6_addr bubble_src;	/* source of the bubbles we send */
};

#define TEREDO_PEER_TRUSTED	BIT(0)	/* mapping verified by reception */
#define TEREDO_PEER_DEAD	BIT(1)	/* out of the table */

struct teredo_peer {
	struct rhash_head node;
	struct in6_addr addr;
	__be32 ip;		/* mapped IPv4 address and port */
	__be16 port;
	u8 flags;		/* written under the peer lock */
	u8 bubbles;		/* sent without an answer */
	u32 last_rx;		/* jiffies, truncated */
	u32 last_tx;		/* jiffies: last packet or bubble sent */
	union {
		struct teredo_queue *queue;	/* under the peer lock */
		struct rcu_head rcu;		/* once dead */
	};
};

extern const struct rhashtable_params teredo_peer_params;

static inline u32 teredo_now(void)
{
	return (u32)jiffies;
}

static inline struct teredo_peer *teredo_peer_find(struct rhashtable *ht,
						   const struct in6_addr *a)
{
	return rhashtable_lookup(ht, a, teredo_peer_params);
}

static inline bool teredo_peer_trusted(const struct teredo_peer *p)
{
	/* pairs with smp_store_release() in teredo_peer_rx() */
	return smp_load_acquire(&p->flags) & TEREDO_PEER_TRUSTED;
}

static inline bool teredo_peer_fresh(const struct teredo_peer *p, u32 now)
{
	return now - READ_ONCE(p->last_rx) < TEREDO_PEER_TTL;
}

static inline void teredo_peer_touch(u32 *stamp, u32 now)
{
	if (READ_ONCE(*stamp) != now)
		WRITE_ONCE(*stamp, now);
}

int teredo_peers_init(struct teredo_dev *td);
void teredo_peers_start(struct teredo_dev *td);
void teredo_peers_stop(struct teredo_dev *td);
void teredo_peers_destroy(struct teredo_dev *td);
int teredo_peer_cache_init(void);
void teredo_peer_cache_exit(void);
unsigned int teredo_peer_size(void);

void teredo_peer_rx(struct teredo_dev *td, struct teredo_peer *p,
		    __be32 ip, __be16 port);
void teredo_peer_queue(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst);

#endif /* _TEREDO_PEER_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The list of recent peers (RFC 4380 section 5.2): an rhashtable keyed by
 * the peer's IPv6 address. Lookups are lock-free under RCU; changes of the
 * table, of trust and of queues take the device's peer lock.
 */
#ifndef _TEREDO_PEER_H
#define _TEREDO_PEER_H

#include <linux/bitfield.h>
#include <linux/jhash.h>
#include <linux/llist.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <net/ipv6.h>

#include "addr.h"

#define TEREDO_PEER_TTL		(30 * HZ)	/* valid after last reception */
/* The entry of a peer that speaks RFC 6081's server load reduction is
 * kept, not trusted, after it goes stale: the next packet to it asks the
 * peer itself at its mapping (a solicitation) before its server (section
 * 5.7). For as long as a NAT keeps a UDP mapping at least (RFC 4787
 * REQ-5: 2 min).
 */
#define TEREDO_PEER_SLR_TTL	(120 * HZ)
#define TEREDO_SLR_SOLICITS	3	/* the last one with the server's */
#define TEREDO_BUBBLE_GAP	(2 * HZ)	/* between two bubbles */
#define TEREDO_BUBBLES		4		/* first one and 3 retries */
/* What queued packets may take, counted in truesize: memory, not bytes
 * on the wire.
 */
#define TEREDO_QUEUE_PEER	8192		/* per peer */
#define TEREDO_QUEUE_TOTAL	BIT(20)	/* per device */

struct teredo_dev;

/* Packets waiting for a peer to answer a bubble. Each packet queued
 * earns one probe and its length in probe bytes: no input makes the
 * device send more to a third party than it received.
 */
struct teredo_queue {
	struct list_head pending;	/* in teredo_dev.pending */
	struct sk_buff_head skbs;
	struct teredo_peer *peer;
	unsigned int bytes;		/* truesize of skbs */
	struct in6_addr bubble_src;	/* source of the bubbles we send */
	u64 nonce;			/* of our echo requests to a native peer */
	u32 since;			/* jiffies: created */
	u32 round;			/* the worker's last look at it */
	u16 credit_bytes;
	u32 who;			/* the last payer's site (budget.c) */
	u8 credit_probes;
};

#define TEREDO_PEER_TRUSTED	BIT(0)	/* mapping verified by reception */
#define TEREDO_PEER_DEAD	BIT(1)	/* out of the table */
#define TEREDO_PEER_BUBBLES	GENMASK(4, 2)	/* sent without an answer */
#define TEREDO_PEER_LOCAL	BIT(5)	/* mapped to its address on our link */
#define TEREDO_PEER_HAIRPIN	BIT(6)	/* mapped to the address it gave */
#define TEREDO_PEER_SLR		BIT(7)	/* sent us an ND option trailer */

struct teredo_peer {
	struct rhash_head node;
	struct in6_addr addr;
	__be32 ip;		/* mapped IPv4 address and port */
	__be16 port;
	u8 flags;		/* written under the peer lock */
	u8 route;		/* route class hint (route.c), lock-free */
	u32 last_rx;		/* jiffies, truncated */
	u32 last_tx;		/* jiffies: last packet or bubble sent */
	union {
		struct teredo_queue *queue;	/* under the peer lock */
		struct llist_node dead;		/* out of the table */
	};
};

/* jhash, seeded per table: of the 96 bits after the prefix for a Teredo
 * address (nearly every key; they all share the prefix), of all 128 bits
 * for another one (a client's native peers; the kernel's IPv6 address
 * hash). The parameters are constant where lookups are compiled, so that
 * the hash and the compare are inlined instead of called through ht->p.
 */
static inline u32 teredo_peer_hash(const void *key, u32 len, u32 seed)
{
	const struct in6_addr *a = key;

	if (likely(teredo_addr_is_teredo(a)))
		return jhash_3words((__force u32)a->s6_addr32[1],
				    (__force u32)a->s6_addr32[2],
				    (__force u32)a->s6_addr32[3], seed);
	return __ipv6_addr_jhash(a, seed);
}

static inline int teredo_peer_cmp(struct rhashtable_compare_arg *arg,
				  const void *obj)
{
	const struct teredo_peer *p = obj;

	return !ipv6_addr_equal(arg->key, &p->addr);
}

static const struct rhashtable_params teredo_peer_params = {
	.head_offset		= offsetof(struct teredo_peer, node),
	.key_offset		= offsetof(struct teredo_peer, addr),
	.key_len		= sizeof(struct in6_addr),
	.hashfn			= teredo_peer_hash,
	.obj_cmpfn		= teredo_peer_cmp,
	.automatic_shrinking	= true,
};

static inline u32 teredo_now(void)
{
	return (u32)jiffies;
}

static __always_inline struct teredo_peer *
teredo_peer_find(struct rhashtable *ht, const struct in6_addr *a)
{
	return rhashtable_lookup(ht, a, teredo_peer_params);
}

static inline unsigned int teredo_peer_bubbles(const struct teredo_peer *p)
{
	return FIELD_GET(TEREDO_PEER_BUBBLES, READ_ONCE(p->flags));
}

/* Under the peer lock. */
static inline void teredo_peer_set_bubbles(struct teredo_peer *p,
					   unsigned int n)
{
	BUILD_BUG_ON(FIELD_MAX(TEREDO_PEER_BUBBLES) < TEREDO_BUBBLES);
	WRITE_ONCE(p->flags, (p->flags & ~TEREDO_PEER_BUBBLES) |
			     FIELD_PREP(TEREDO_PEER_BUBBLES, n));
}

static inline bool teredo_peer_trusted(const struct teredo_peer *p)
{
	/* pairs with smp_store_release() in teredo_peer_trust() */
	return smp_load_acquire(&p->flags) & TEREDO_PEER_TRUSTED;
}

/* Jiffies from @stamp to @now; 0 if @stamp is later (another CPU wrote
 * it after we read the clock).
 */
static inline u32 teredo_since(u32 now, u32 stamp)
{
	s32 d = (s32)(now - stamp);

	return d > 0 ? d : 0;
}

static inline bool teredo_peer_fresh(const struct teredo_peer *p, u32 now)
{
	return teredo_since(now, READ_ONCE(p->last_rx)) < TEREDO_PEER_TTL;
}

static inline void teredo_peer_touch(u32 *stamp, u32 now)
{
	if (READ_ONCE(*stamp) != now)
		WRITE_ONCE(*stamp, now);
}

/*
 * A packet from the Teredo address @src came from @ip:@port, not from the
 * mapping in the address: a peer behind a symmetric NAT (RFC 6081 section
 * 4.2). Accept it only from the mapping a bubble taught us, or if it is
 * that bubble (same IPv4 as embedded, another port) answering ours.
 */
static inline bool teredo_peer_symmetric_ok(const struct teredo_peer *p,
					    const struct in6_addr *src,
					    __be32 ip, __be16 port, bool bubble)
{
	if (teredo_peer_trusted(p))
		return READ_ONCE(p->ip) == ip && READ_ONCE(p->port) == port;
	return bubble && ~src->s6_addr32[3] == ip && READ_ONCE(p->queue);
}

/* RFC 6081 section 6.1, packets 5 to 7: a bubble from the peer we
 * bubbled within a round of bubbles, from the IPv4 address its Teredo
 * address embeds and our bubble went to, but another port: a symmetric
 * NAT's mapping toward us.
 */
static inline bool teredo_peer_punched(const struct teredo_peer *p,
				       const struct in6_addr *src,
				       __be32 ip, bool bubble)
{
	return bubble && !teredo_peer_trusted(p) &&
	       ~src->s6_addr32[3] == ip && READ_ONCE(p->ip) == ip &&
	       teredo_since(teredo_now(), READ_ONCE(p->last_tx)) <
	       TEREDO_BUBBLES * TEREDO_BUBBLE_GAP;
}

/* From the alternate address (RFC 6081 section 5.5) @p's bubble through
 * our server gave.
 */
static inline bool teredo_peer_hairpin_from(const struct teredo_peer *p,
					    __be32 ip, __be16 port)
{
	/* pairs with smp_store_release() in teredo_hairpin_learn() */
	return (smp_load_acquire(&p->flags) & TEREDO_PEER_HAIRPIN) &&
	       READ_ONCE(p->ip) == ip && READ_ONCE(p->port) == port;
}

int teredo_peers_init(struct teredo_dev *td);
void teredo_peers_start(struct teredo_dev *td);
void teredo_peers_sweep_soon(struct teredo_dev *td);
void teredo_peers_stop(struct teredo_dev *td);
void teredo_peers_destroy(struct teredo_dev *td);
int teredo_peer_cache_init(void);
void teredo_peer_cache_exit(void);
unsigned int teredo_peer_size(void);

void teredo_peer_flush(struct teredo_dev *td);

/* between peer.c and queue.c, under the peer lock unless said */
struct teredo_peer *teredo_peer_new(struct teredo_dev *td,
				    const struct in6_addr *addr,
				    __be32 ip, __be16 port, u32 now);
struct teredo_queue *teredo_queue_detach(struct teredo_dev *td,
					 struct teredo_peer *p);
void teredo_queue_free(struct teredo_queue *q);
/* not under the lock: send or deliver what waited, free @q */
void teredo_queue_release(struct teredo_dev *td, struct teredo_queue *q,
			  __be32 ip, __be16 port);
/* from the worker, not under the lock */
void teredo_queue_retry(struct teredo_dev *td, u32 now);

bool teredo_peer_trust(struct teredo_dev *td, struct teredo_peer *p,
		       __be32 ip, __be16 port);
void teredo_peer_slr(struct teredo_dev *td, struct teredo_peer *p);

/* A valid packet came from @p at @ip:@port: trust it (RFC 4380 5.4.2) and
 * release what waited for it. In softirq. False if @ip is one of ours:
 * a loop, or a forgery; the packet goes no further.
 */
static inline bool teredo_peer_rx(struct teredo_dev *td,
				  struct teredo_peer *p, __be32 ip, __be16 port)
{
	if (unlikely(!teredo_peer_trusted(p) || READ_ONCE(p->ip) != ip ||
		     READ_ONCE(p->port) != port))
		return teredo_peer_trust(td, p, ip, port);
	teredo_peer_touch(&p->last_rx, teredo_now());
	return true;
}

void teredo_peer_queue(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst);
void teredo_peer_hold(struct teredo_dev *td, struct sk_buff *skb,
		      const struct in6_addr *src, __be32 ip, __be16 port,
		      unsigned int wire_len);
struct teredo_peer *teredo_peer_find_or_new(struct teredo_dev *td,
					    const struct in6_addr *addr,
					    __be32 ip, __be16 port);
bool teredo_peer_bubble_due(struct teredo_dev *td, struct teredo_peer *p,
			    __be32 ip, __be16 port);
bool teredo_peer_ping_ok(struct teredo_dev *td, struct teredo_peer *p,
			 u64 nonce);

#endif /* _TEREDO_PEER_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Budgets of the probes (bubbles, echo requests) the device sends on its
 * own: anyone can make a relay probe a Teredo address they choose, and
 * the server it embeds is then a third party. A token bucket per IPv4
 * address, in a table of slots indexed by a keyed hash, and one for the
 * whole device. Addresses that share a slot share its budget: no
 * collision, chosen or not, raises what one address can receive.
 *
 * Most Teredo clients share a few servers, so one sender spraying new
 * Teredo addresses of a server would otherwise take that server's whole
 * budget, and with it every other sender's first contact with its
 * clients: each requester (the /48 of the IPv6 source that made us
 * probe: one site) has a bucket of its own for each IPv4 address, a
 * share of the per-address rate.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "teredo.h"

#define TEREDO_BUDGET_SLOTS	1024
#define TEREDO_BUDGET_SHARE	4	/* a site: 1/4 of an address's rate */

struct teredo_bucket {
	u32 stamp;	/* jiffies of the last refill */
	u32 tokens;	/* HZ per probe */
};

struct teredo_budget {
	u32 rate;	/* probes a second to one IPv4 address */
	u32 total;	/* probes a second in all */
	u32 seed;
	u32 who_seed;
	struct teredo_bucket all;
	struct teredo_bucket slot[TEREDO_BUDGET_SLOTS];
	struct teredo_bucket who[TEREDO_BUDGET_SLOTS];
};

/* A second's worth of probes at @rate, and at least one. */
static u32 teredo_bucket_cap(u32 rate)
{
	return max_t(u32, rate, 1) * HZ;
}

static u32 teredo_budget_share(const struct teredo_budget *b)
{
	return max_t(u32, b->rate / TEREDO_BUDGET_SHARE, 1);
}

static void teredo_bucket_refill(struct teredo_bucket *b, u32 rate, u32 now)
{
	u32 cap = teredo_bucket_cap(rate);
	u32 d = min_t(u32, teredo_since(now, b->stamp), HZ);

	b->stamp = now;
	b->tokens = min(b->tokens + d * rate, cap);
}

static void teredo_budget_fill(struct teredo_budget *b, u32 now)
{
	unsigned int i;

	b->all.stamp = now;
	b->all.tokens = teredo_bucket_cap(b->total);
	for (i = 0; i < TEREDO_BUDGET_SLOTS; i++) {
		b->slot[i].stamp = now;
		b->slot[i].tokens = teredo_bucket_cap(b->rate);
		b->who[i].stamp = now;
		b->who[i].tokens = teredo_bucket_cap(teredo_budget_share(b));
	}
}

int teredo_budget_init(struct teredo_dev *td, u32 rate, u32 total)
{
	struct teredo_budget *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return -ENOMEM;
	b->rate = rate;
	b->total = total;
	b->seed = get_random_u32();
	b->who_seed = get_random_u32();
	teredo_budget_fill(b, teredo_now());
	td->budget = b;
	return 0;
}

void teredo_budget_free(struct teredo_dev *td)
{
	kfree(td->budget);
	td->budget = NULL;
}

/* New rates: every bucket starts full. Process context. */
void teredo_budget_set(struct teredo_dev *td, u32 rate, u32 total)
{
	struct teredo_budget *b = td->budget;

	spin_lock_bh(&td->lock);
	if (b->rate != rate || b->total != total) {
		b->rate = rate;
		b->total = total;
		teredo_budget_fill(b, teredo_now());
	}
	spin_unlock_bh(&td->lock);
}

/* Who asks for a probe made by a packet from (or, held, to) @addr: its
 * /48, one site, hashed. The seed never changes: no lock.
 */
u32 teredo_budget_who(const struct teredo_dev *td, const struct in6_addr *addr)
{
	const struct teredo_budget *b = td->budget;
	u32 h = jhash_2words((__force u32)addr->s6_addr32[0],
			     (__force u32)(addr->s6_addr32[1] &
					   htonl(0xffff0000)), b->who_seed);

	return h == TEREDO_BUDGET_ANYONE ? 0 : h;
}

/* May a probe go to @ip now, asked for by the requester @who
 * (TEREDO_BUDGET_ANYONE: not charged to one)? If so and @charge, it is
 * charged. Under the peer lock; a refusal is counted.
 */
bool teredo_budget_take(struct teredo_dev *td, __be32 ip, u32 who, u32 now,
			bool charge)
{
	struct teredo_budget *b = td->budget;
	struct teredo_bucket *s, *w = NULL;

	lockdep_assert_held(&td->lock);
	s = &b->slot[jhash_1word((__force u32)ip, b->seed) &
		     (TEREDO_BUDGET_SLOTS - 1)];
	teredo_bucket_refill(&b->all, b->total, now);
	teredo_bucket_refill(s, b->rate, now);
	if (who != TEREDO_BUDGET_ANYONE) {
		w = &b->who[jhash_2words(who, (__force u32)ip, b->seed) &
			    (TEREDO_BUDGET_SLOTS - 1)];
		teredo_bucket_refill(w, teredo_budget_share(b), now);
	}
	if (b->all.tokens < HZ || s->tokens < HZ || (w && w->tokens < HZ)) {
		teredo_stat_inc(td, TEREDO_STAT_TX_PROBE_LIMITED);
		return false;
	}
	if (charge) {
		b->all.tokens -= HZ;
		s->tokens -= HZ;
		if (w)
			w->tokens -= HZ;
	}
	return true;
}

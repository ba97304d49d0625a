// SPDX-License-Identifier: GPL-2.0
/*
 * teredod server: per-IPv4 rate limits, so that the server can be used
 * neither to flood a victim (its replies go where the UDP source or the
 * Teredo destination says) nor as a cheap amplifier, and a budget of
 * router advertisements for the whole server.
 *
 * A token bucket per slot of a fixed table, indexed by a keyed hash of
 * the address. Addresses that share a slot share its bucket: nothing is
 * ever evicted, so no number of sources, spoofed or not, gives an address
 * a fresh burst (as the kernel's budget.c does). Memory is bounded
 * whatever the number of sources. A bucket holds its deficit (0: full),
 * so a table fresh from calloc() is full.
 */
#include <stdlib.h>

#include "server.h"

#define RL_UNIT		1000	/* tokens per packet */
#define RL_MAX_SLOTS	(1U << 24)

int srv_rl_init(struct srv_rl *rl, uint32_t slots, uint32_t rate,
		uint32_t burst, uint32_t seed)
{
	uint32_t n = 1;

	while (n < slots && n < RL_MAX_SLOTS)
		n <<= 1;
	rl->slots = calloc(n, sizeof(*rl->slots));
	if (!rl->slots)
		return -1;
	rl->mask = n - 1;
	rl->seed = seed;
	rl->rate = rate;
	rl->burst = burst ? burst : 1;
	rl->shared = 0;
	return 0;
}

void srv_rl_free(struct srv_rl *rl)
{
	free(rl->slots);
	rl->slots = NULL;
}

static uint32_t rl_hash(uint32_t x, uint32_t seed)
{
	x ^= seed;
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

bool srv_bucket_take(struct srv_bucket *b, uint32_t rate, uint32_t burst,
		     uint64_t now)
{
	uint64_t full = (uint64_t)(burst ? burst : 1) * RL_UNIT, refill;

	if (now > b->last) {
		refill = (now - b->last) * rate;
		b->deficit = refill >= b->deficit ? 0 : b->deficit - refill;
		b->last = now;
	}
	if (b->deficit + RL_UNIT > full)
		return false;
	b->deficit += RL_UNIT;
	return true;
}

bool srv_rl_allow(struct srv_rl *rl, uint32_t addr, uint64_t now)
{
	struct srv_rl_slot *sl;

	if (!rl->rate)
		return true;
	sl = &rl->slots[rl_hash(addr, rl->seed) & rl->mask];
	if (sl->addr != addr) {
		if (sl->addr)
			rl->shared++;
		sl->addr = addr;
	}
	return srv_bucket_take(&sl->b, rl->rate, rl->burst, now);
}

uint32_t srv_rl_used(const struct srv_rl *rl)
{
	uint32_t i, n = 0;

	for (i = 0; rl->slots && i <= rl->mask; i++)
		n += rl->slots[i].addr != 0;
	return n;
}

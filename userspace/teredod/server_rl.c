// SPDX-License-Identifier: GPL-2.0
/*
 * teredod server: per-IPv4 rate limits, so that the server can be used
 * neither to flood a victim (its replies go where the UDP source or the
 * Teredo destination says) nor as a cheap amplifier.
 *
 * A token bucket per address in a fixed table: SRV_RL_WAYS consecutive
 * slots from a keyed hash of the address; a new address takes a free slot
 * or evicts the least recently used of those. Memory is bounded whatever
 * the number of sources; an evicted address starts again with a full
 * bucket, which only matters when more addresses than slots are active.
 */
#include <stdlib.h>

#include "server.h"

#define RL_UNIT		1000	/* tokens per packet */
#define RL_MAX_SLOTS	(1U << 24)

int srv_rl_init(struct srv_rl *rl, uint32_t slots, uint32_t rate,
		uint32_t burst, uint32_t seed)
{
	uint32_t n = SRV_RL_WAYS;

	while (n < slots && n < RL_MAX_SLOTS)
		n <<= 1;
	rl->slots = calloc(n, sizeof(*rl->slots));
	if (!rl->slots)
		return -1;
	rl->mask = n - 1;
	rl->seed = seed;
	rl->rate = rate;
	rl->burst = burst ? burst : 1;
	rl->evictions = 0;
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

bool srv_rl_allow(struct srv_rl *rl, uint32_t addr, uint64_t now_ms)
{
	uint32_t base, i, full = rl->burst * RL_UNIT;
	struct srv_rl_slot *sl, *victim = NULL;
	uint64_t t;

	if (!rl->rate)
		return true;
	base = rl_hash(addr, rl->seed);
	for (i = 0; i < SRV_RL_WAYS; i++) {
		sl = &rl->slots[(base + i) & rl->mask];
		if (sl->addr == addr && addr)
			goto found;
		if (!victim || (victim->addr && (!sl->addr ||
						 sl->last < victim->last)))
			victim = sl;
	}
	if (victim->addr)
		rl->evictions++;
	victim->addr = addr;
	victim->tokens = full - RL_UNIT;
	victim->last = now_ms;
	return true;

found:
	if (now_ms > sl->last) {
		t = (now_ms - sl->last) * rl->rate + sl->tokens;
		sl->tokens = t > full ? full : (uint32_t)t;
		sl->last = now_ms;
	}
	if (sl->tokens < RL_UNIT)
		return false;
	sl->tokens -= RL_UNIT;
	return true;
}

uint32_t srv_rl_used(const struct srv_rl *rl)
{
	uint32_t i, n = 0;

	for (i = 0; rl->slots && i <= rl->mask; i++)
		n += rl->slots[i].addr != 0;
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The hairpinning extension (RFC 6081 sections 3.5 and 5.5), client mode:
 * two clients behind one NAT that does not hairpin cannot reach each other
 * at their mappings, which are both the NAT's own address. Their bubbles
 * carry an Alternate Address trailer with the address and port the sender
 * has behind the NAT, and each tries the other's there.
 *
 * Our address behind the NAT goes only in bubbles to clients behind the
 * same NAT (the IPv4 address their Teredo address embeds is ours) and to
 * their servers. An alternate address is taken only from a bubble relayed
 * by our server, from a client whose mapping is our NAT's address, as its
 * origin indication says, only a private, link-local or shared one (or our
 * NAT's), and only for an entry not trusted yet nor found on our link;
 * the entry is trusted there once a packet comes from there. One bubble
 * is sent for each taken in, within the budgets of every bubble.
 */
#include <net/route.h>

#include "teredo.h"
#include "rx.h"

/* Is @peer a client behind our own NAT? */
bool teredo_hairpin_behind_us(const struct teredo_client *c,
			      const struct in6_addr *peer)
{
	return teredo_addr_is_teredo(peer) &&
	       teredo_addr_ip(peer) == teredo_addr_ip(&c->addr) &&
	       !ipv6_addr_equal(peer, &c->addr);
}

/* Our address and port as a client behind our NAT reaches them: the
 * socket's, or the source of the route to our server. Under RCU-bh.
 */
static bool teredo_hairpin_local(struct teredo_dev *td,
				 const struct teredo_client *c,
				 __be32 *ip, __be16 *port)
{
	const struct teredo_bind *b = teredo_bind(td);
	struct flowi4 fl4 = {
		.daddr		= c->server,
		.saddr		= b->local,
		.flowi4_oif	= b->link,
		.flowi4_proto	= IPPROTO_UDP,
	};
	struct rtable *rt;

	if (!b->sock)
		return false;
	*port = b->port;
	if (b->local) {
		*ip = b->local;
		return true;
	}
	rt = ip_route_output_key(td->net, &fl4);
	if (IS_ERR(rt))
		return false;
	ip_rt_put(rt);
	*ip = fl4.saddr;
	return true;
}

/* A bubble from us to @peer at @ip:@port, with our address behind the NAT
 * in a trailer if @peer is behind it too. Bottom halves disabled.
 */
struct sk_buff *teredo_hairpin_bubble(struct teredo_dev *td,
				      const struct teredo_client *c,
				      const struct in6_addr *peer,
				      __be32 ip, __be16 port)
{
	struct sk_buff *skb = teredo_bubble(td, &c->addr, peer, ip, port);
	struct teredo_alt_trailer *t;
	__be32 lip;
	__be16 lport;

	if (!skb || !teredo_hairpin_behind_us(c, peer) ||
	    !teredo_hairpin_local(td, c, &lip, &lport))
		return skb;
	t = skb_put(skb, sizeof(*t));
	t->type = TEREDO_TRAILER_ALT;
	t->len = sizeof(*t) - offsetof(struct teredo_alt_trailer, reserved);
	t->reserved = 0;
	t->ip = lip;
	t->port = lport;
	return skb;
}

/* Could @ip:@port be where a client behind our NAT is? A private,
 * link-local or shared address, or our NAT's own (a UPnP mapping): never
 * a global one, which would let whoever forges our server's address (RFC
 * 4380 section 7) take a sibling's traffic. Not one of ours, nor a
 * subnet's broadcast address, nor port 0. 2: behind the NAT, 1: our
 * NAT's, 0: neither.
 */
static int teredo_hairpin_alt_ok(struct teredo_dev *td,
				 const struct teredo_client *c,
				 __be32 ip, __be16 port)
{
	int rank;

	if (!port)
		return 0;
	if (ipv4_is_private_10(ip) || ipv4_is_private_172(ip) ||
	    ipv4_is_private_192(ip) || ipv4_is_linklocal_169(ip) ||
	    teredo_ipv4_is_shared(ip))
		rank = 2;
	else if (ip == teredo_addr_ip(&c->addr))
		rank = 1;
	else
		return 0;
	return inet_addr_type(td->net, ip) == RTN_UNICAST ? rank : 0;
}

/* A bubble our server relayed (@rx) from @peer, whose entry is @p: if it
 * is a client behind our NAT with an alternate address (one behind the
 * NAT rather than our NAT's own), and the entry is neither trusted nor
 * found on our link, the entry goes there, not trusted. The address in
 * @ip and @port. In @tell whether it is new and a bubble through the
 * peer's server (@server) is due, so that the peer learns ours the same
 * way (that server a global unicast address, within the budgets). False
 * if there is none to take. In softirq.
 */
bool teredo_hairpin_learn(struct teredo_dev *td,
			  const struct teredo_client *c,
			  struct teredo_peer *p, const struct in6_addr *peer,
			  const struct teredo_rx *rx,
			  __be32 *ip, __be16 *port, bool *tell)
{
	__be32 server = teredo_addr_server(peer);
	int i, rank, best = -1, best_rank = 0;
	u32 now = teredo_now();
	bool moved;

	if (!rx->alt_n || !teredo_hairpin_behind_us(c, peer) ||
	    rx->origin_ip != teredo_addr_ip(peer) ||
	    rx->origin_port != teredo_addr_port(peer) ||
	    READ_ONCE(p->flags) & (TEREDO_PEER_TRUSTED | TEREDO_PEER_LOCAL))
		return false;
	for (i = 0; i < rx->alt_n; i++) {
		rank = teredo_hairpin_alt_ok(td, c, rx->alt_ip[i],
					     rx->alt_port[i]);
		if (rank > best_rank) {
			best = i;
			best_rank = rank;
		}
	}
	if (best < 0)
		return false;
	*ip = rx->alt_ip[best];
	*port = rx->alt_port[best];
	*tell = false;
	spin_lock(&td->lock);
	if (p->flags & (TEREDO_PEER_DEAD | TEREDO_PEER_TRUSTED |
			TEREDO_PEER_LOCAL)) {
		spin_unlock(&td->lock);
		return false;
	}
	moved = p->ip != *ip || p->port != *port;
	if (moved) {
		WRITE_ONCE(p->ip, *ip);
		WRITE_ONCE(p->port, *port);
		/* fresh, and a bubble to it due at once */
		WRITE_ONCE(p->last_tx, now - TEREDO_BUBBLE_GAP);
		*tell = teredo_ipv4_is_global(server) &&
			inet_addr_type(td->net, server) == RTN_UNICAST &&
			teredo_budget_take(td, server, TEREDO_BUDGET_ANYONE,
					   now, true);
	}
	/* the address before the flag: teredo_peer_hairpin_from() */
	smp_store_release(&p->flags, p->flags | TEREDO_PEER_HAIRPIN);
	spin_unlock(&td->lock);
	if (moved)
		teredo_stat_inc(td, TEREDO_STAT_RX_HAIRPIN);
	return true;
}

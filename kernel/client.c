// SPDX-License-Identifier: GPL-2.0
/*
 * Client mode (RFC 4380 section 5.2, RFC 5991): the state teredod sets once
 * qualified, and the client's reception and transmission rules. The
 * qualification, the maintenance of the NAT mapping and the NAT probing are
 * teredod's, through the device's socket over generic netlink.
 */
#include <linux/icmpv6.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "teredo.h"
#include "rx.h"

/* server packets passed to teredod: a burst of 50, 50 a second */
#define TEREDO_CONTROL_RATE	50
/* bubbles answering server-relayed ones, a second */
#define TEREDO_PUNCH_RATE	200
/* answers to a solicitation of teredod's come in this long after it */
#define TEREDO_CONTROL_WAIT	(30 * HZ)

void teredo_client_init(struct teredo_dev *td)
{
	ratelimit_state_init(&td->control_rs, HZ, TEREDO_CONTROL_RATE);
	ratelimit_set_flags(&td->control_rs, RATELIMIT_MSG_ON_RELEASE);
	ratelimit_state_init(&td->punch_rs, HZ, TEREDO_PUNCH_RATE);
	ratelimit_set_flags(&td->punch_rs, RATELIMIT_MSG_ON_RELEASE);
}

/* From the device destructor: no reader is left. */
void teredo_client_exit(struct teredo_dev *td)
{
	kfree(rcu_dereference_protected(td->client, true));
}

/* Qualified with @addr (NULL: not qualified), @dormant or not. A new
 * address makes every peer entry stale: they go. What waited for a
 * dormant client goes once it is awake. Process context, from generic
 * netlink.
 */
int teredo_client_set(struct teredo_dev *td, const struct in6_addr *addr,
		      u8 nat, bool dormant)
{
	struct teredo_client *c = NULL, *old;
	bool flush;

	if (addr) {
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c)
			return -ENOMEM;
		c->addr = *addr;
		c->server = teredo_addr_server(addr);
		c->nat = nat;
		c->dormant = dormant;
	}
	spin_lock_bh(&td->lock);
	old = rcu_replace_pointer(td->client, c, lockdep_is_held(&td->lock));
	if (!old || !c || old->server != c->server)
		WRITE_ONCE(td->server_seen, false);
	spin_unlock_bh(&td->lock);
	flush = !old || !c || !ipv6_addr_equal(&old->addr, &c->addr);
	if (old)
		kfree_rcu(old, rcu);
	if (flush)
		teredo_peer_flush(td);
	if (c && flush)
		teredo_discovery_soon(td);
	if (!c || !dormant)
		teredo_dormant_release(td, c);
	return 0;
}

/* teredod sent a solicitation to @ip: its answers may come in for a while.
 * The slot of @ip, or the one that expired or expires first, is taken.
 * Process context.
 */
void teredo_client_expect(struct teredo_dev *td, __be32 ip)
{
	u32 now = teredo_now(), until = now + TEREDO_CONTROL_WAIT;
	unsigned int i, slot = 0;
	s32 left, least = S32_MAX;

	spin_lock_bh(&td->lock);
	for (i = 0; i < TEREDO_CONTROL_FROM; i++) {
		u64 e = td->control_from[i];

		if ((u32)(e >> 32) == (__force u32)ip) {
			slot = i;
			break;
		}
		left = (s32)((u32)e - now);
		if (!e || left < least) {
			slot = i;
			least = e ? left : S32_MIN;
		}
	}
	WRITE_ONCE(td->control_from[slot],
		   (u64)(__force u32)ip << 32 | until);
	spin_unlock_bh(&td->lock);
}

/* Is @ip a server teredod talks to? Ours, or one it sent to lately. */
static bool teredo_client_expected(struct teredo_dev *td,
				   const struct teredo_client *c, __be32 ip)
{
	u32 now = teredo_now();
	unsigned int i;

	if (c && ip == c->server)
		return true;
	for (i = 0; i < TEREDO_CONTROL_FROM; i++) {
		u64 e = READ_ONCE(td->control_from[i]);

		if ((u32)(e >> 32) == (__force u32)ip && (s32)((u32)e - now) > 0)
			return true;
	}
	return false;
}

/* A packet with an authentication header from a server port: an answer to
 * one of teredod's solicitations, for teredod (rate-limited). Only from
 * the servers teredod talks to: a flood from anywhere else must not crowd
 * their answers out of the budget.
 */
static int teredo_client_control(struct teredo_dev *td, struct sk_buff *skb,
				 const struct teredo_client *c,
				 __be32 saddr, __be16 sport)
{
	if (sport != htons(TEREDO_PORT) ||
	    !teredo_client_expected(td, c, saddr) ||
	    !__ratelimit(&td->control_rs))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_CONTROL);
	teredo_control_notify(td, skb, saddr, sport);
	consume_skb(skb);
	return 0;
}

/* Without an authentication header, but from a link-local source: a
 * router advertisement too, for teredod to refuse and say why. Never for
 * the IPv6 stack.
 */
static bool teredo_client_is_ra(struct sk_buff *skb,
				const struct teredo_rx *rx)
{
	const struct ipv6hdr *ip6h;

	ip6h = (const struct ipv6hdr *)(skb->data + rx->off);
	return ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL &&
	       ip6h->nexthdr == IPPROTO_ICMPV6;
}

/* A bubble from our address to @peer at @ip:@port (with our address
 * behind the NAT if it is behind it too), a neighbor advertisement if
 * @advert.
 */
static void teredo_client_bubble(struct teredo_dev *td,
				 const struct teredo_client *c,
				 const struct in6_addr *peer,
				 __be32 ip, __be16 port, bool advert)
{
	struct sk_buff *skb = teredo_hairpin_bubble(td, c, peer, ip, port);

	if (!skb)
		return;
	if (advert)
		teredo_trailer_nd(skb, TEREDO_ND_ADVERT);
	teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
	teredo_encap(td, skb, ip, port);
}

/* A bubble our server relayed (origin indication, @rx) from @peer at
 * @ip:@port: answer with a direct bubble there, which opens our NAT to it
 * (RFC 4380 section 5.2.3; Windows and Miredo do the same). At most one
 * every 2 s. A client behind our NAT is answered at the alternate address
 * its bubble gave (RFC 6081 section 5.5); when that is new, through its
 * server instead, so that it learns ours the same way. One that gave a
 * random port (sections 5.4 and 5.5) is answered there. One bubble for
 * each taken in.
 */
static void teredo_client_punch(struct teredo_dev *td,
				const struct teredo_client *c,
				const struct in6_addr *peer,
				const struct teredo_rx *rx)
{
	__be32 ip = rx->origin_ip;
	__be16 port = rx->origin_port;
	struct teredo_peer *p;
	bool tell;

	if (!teredo_ipv4_is_global(ip) ||
	    inet_addr_type(td->net, ip) != RTN_UNICAST ||
	    !__ratelimit(&td->punch_rs))
		return;
	/* dormant: nothing goes out by itself; teredod is asked to wake */
	if (c->dormant) {
		teredo_dormant_poke(td);
		return;
	}
	p = teredo_peer_find_or_new(td, peer, ip, port);
	if (!p)
		return;
	/* a client behind our NAT: where its bubble says it is, or where
	 * it is on our link, or ask the link (not our NAT's address, which
	 * may not hairpin)
	 */
	if (teredo_hairpin_learn(td, c, p, peer, rx, &ip, &port, &tell)) {
		if (tell)
			teredo_client_bubble(td, c, peer,
					     teredo_addr_server(peer),
					     htons(TEREDO_PORT), false);
		else if (teredo_peer_bubble_due(td, p, ip, port))
			teredo_client_bubble(td, c, peer, ip, port, false);
		return;
	}
	teredo_randport_learn(td, c, p, peer, rx);
	if (READ_ONCE(p->flags) & (TEREDO_PEER_LOCAL | TEREDO_PEER_HAIRPIN)) {
		ip = READ_ONCE(p->ip);
		port = READ_ONCE(p->port);
	} else if (teredo_discovery_behind_us(td, c, peer)) {
		teredo_discovery_ask(td, c, peer);
		return;
	}
	if (teredo_peer_bubble_due(td, p, ip, port))
		teredo_client_bubble(td, c, peer, ip, port, false);
}

/* Native peers a client talks to through relays: global unicast, not
 * IPv4-mapped or -compatible (::/96).
 */
static bool teredo_native_ok(const struct in6_addr *a)
{
	int type = ipv6_addr_type(a);

	return type & IPV6_ADDR_UNICAST &&
	       !(type & (IPV6_ADDR_LINKLOCAL | IPV6_ADDR_SITELOCAL |
			 IPV6_ADDR_LOOPBACK | IPV6_ADDR_MAPPED)) &&
	       (a->s6_addr32[0] | a->s6_addr32[1] | a->s6_addr32[2]);
}

/* From a Teredo peer (RFC 4380 section 5.2.3 cases 1 and 3, and a local
 * client, section 5.2.8). A direct bubble taken in that solicits (RFC
 * 6081 section 5.7.4.2) is answered with one that advertises, within the
 * gap and budgets of every bubble.
 */
static int teredo_client_rcv_teredo(struct teredo_dev *td,
				    const struct teredo_client *c,
				    struct sk_buff *skb,
				    const struct teredo_rx *rx,
				    __be32 saddr, __be16 sport)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct in6_addr *src = &ip6h->saddr;
	struct teredo_peer *p = teredo_peer_find(&td->peers, src);
	bool bubble = teredo_is_bubble(ip6h);
	struct teredo_peer *local;
	bool answer = false;

	if (p && teredo_peer_trusted(p) && READ_ONCE(p->ip) == saddr &&
	    READ_ONCE(p->port) == sport) {
		/* case 1: a trusted peer, from its mapping */
	} else if (teredo_addr_ip(src) == saddr &&
		   teredo_addr_port(src) == sport) {
		/* case 3: from the mapping in its address, never one into a
		 * private network (CVE-2006-6264)
		 */
		if (!teredo_ipv4_is_global(saddr))
			return teredo_rx_drop(td, skb,
					      TEREDO_STAT_RX_BAD_MAPPING);
		if (!p)
			p = teredo_peer_find_or_new(td, src, saddr, sport);
	} else if (p && teredo_peer_hairpin_from(p, saddr, sport)) {
		/* at the alternate address it gave (RFC 6081 section 5.5):
		 * a bubble there tells it we hear it
		 */
		answer = bubble && !teredo_peer_trusted(p) &&
			 !c->dormant &&
			 teredo_peer_bubble_due(td, p, saddr, sport);
	} else {
		local = teredo_discovery_peer(td, c, p, src, saddr, sport,
					      skb->skb_iif, bubble);
		if (local) {
			p = local;
		} else if (p && !c->dormant && teredo_ipv4_is_global(saddr) &&
			   teredo_peer_punched(p, src, saddr, bubble)) {
			/* a bubble there tells it we hear it (it waits) */
			answer = teredo_peer_bubble_due(td, p, saddr, sport);
		} else if (!p || !teredo_peer_symmetric_ok(p, src, saddr, sport,
							   bubble)) {
			return teredo_rx_drop(td, skb,
					      TEREDO_STAT_RX_BAD_MAPPING);
		}
	}
	/* before the entry is trusted, which releases what waited for it
	 * (our own solicitation, maybe): a bubble is due while we wait
	 */
	if (!answer && p && bubble && rx->nd_solicit) {
		if (c->dormant)
			teredo_dormant_poke(td);
		else
			answer = teredo_peer_bubble_due(td, p, saddr, sport);
	}
	if (p && !teredo_peer_rx(td, p, saddr, sport))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_LOOP);
	if (p && bubble && rx->nd)
		teredo_peer_slr(td, p);
	if (answer)
		teredo_client_bubble(td, c, src, saddr, sport,
				     bubble && rx->nd_solicit);
	if (bubble) {
		teredo_stat_inc(td, TEREDO_STAT_RX_BUBBLE);
		consume_skb(skb);
		return 0;
	}
	return teredo_deliver(td, skb);
}

/* From a native peer through a relay (RFC 4380 section 5.2.3 cases 1, 2
 * and 6): only through the relay a connectivity test verified; anything
 * else is held until a test succeeds through that same relay. @wire_len:
 * the packet's IPv6 length, which pays for that test.
 */
static int teredo_client_rcv_native(struct teredo_dev *td,
				    struct sk_buff *skb,
				    __be32 saddr, __be16 sport,
				    unsigned int wire_len)
{
	/* a copy: teredo_ping_reply() may move the head */
	struct in6_addr src = ipv6_hdr(skb)->saddr;
	struct teredo_peer *p;
	u64 nonce;

	/* link-local (forged router advertisements, redirects), loopback,
	 * multicast...: never from a relay
	 */
	if (!teredo_native_ok(&src) || !teredo_ipv4_is_global(saddr))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_BAD_MAPPING);

	p = teredo_peer_find(&td->peers, &src);
	if (p && teredo_peer_trusted(p) && READ_ONCE(p->ip) == saddr &&
	    READ_ONCE(p->port) == sport) {
		teredo_peer_touch(&p->last_rx, teredo_now());
		return teredo_deliver(td, skb);
	}
	if (p && teredo_ping_reply(skb, &nonce) &&
	    teredo_peer_ping_ok(td, p, nonce)) {
		/* our test's answer: this relay is the one */
		if (!teredo_peer_rx(td, p, saddr, sport))
			return teredo_rx_drop(td, skb, TEREDO_STAT_RX_LOOP);
		consume_skb(skb);
		return 0;
	}
	/* unknown, or through another relay than the one verified (an
	 * anycast relay may change): test again, as Miredo does; what goes
	 * to the peer waits meanwhile
	 */
	teredo_peer_hold(td, skb, &src, saddr, sport, wire_len);
	return 0;
}

/* encap_rcv of a client: @skb is parsed (@rx), skb->data at the UDP
 * header. In softirq, under RCU. Consumes @skb.
 */
int teredo_client_rcv(struct teredo_dev *td, struct sk_buff *skb,
		      const struct teredo_rx *rx, __be32 saddr, __be16 sport)
{
	const struct teredo_client *c = rcu_dereference(td->client);
	unsigned int wire_len;
	struct ipv6hdr *ip6h;
	bool from_server;

	from_server = c && saddr == c->server && sport == htons(TEREDO_PORT);
	if (from_server) {
		WRITE_ONCE(td->server_rx, teredo_now());
		if (!READ_ONCE(td->server_seen))
			WRITE_ONCE(td->server_seen, true);
	}
	if (rx->auth || teredo_client_is_ra(skb, rx))
		return teredo_client_control(td, skb, c, saddr, sport);
	if (unlikely(!(td->dev->flags & IFF_UP)))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_DEV_DOWN);
	if (unlikely(!c))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_OFFLINE);

	skb_pull_rcsum(skb, rx->off);
	wire_len = skb->len;
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	if (unlikely(!ipv6_addr_equal(&ip6h->daddr, &c->addr)))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_NOT_SERVED);
	if (from_server && rx->origin && teredo_is_bubble(ip6h)) {
		teredo_client_punch(td, c, &ip6h->saddr, rx);
		teredo_stat_inc(td, TEREDO_STAT_RX_BUBBLE);
		consume_skb(skb);
		return 0;
	}
	if (teredo_addr_is_teredo(&ip6h->saddr))
		return teredo_client_rcv_teredo(td, c, skb, rx, saddr, sport);
	return teredo_client_rcv_native(td, skb, saddr, sport, wire_len);
}

/* ndo_start_xmit of a client, after the common checks (RFC 4380 section
 * 5.2.4). Bottom halves disabled, under RCU.
 */
netdev_tx_t teredo_client_xmit(struct teredo_dev *td, struct sk_buff *skb)
{
	const struct teredo_client *c = rcu_dereference_bh(td->client);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct in6_addr *dst = &ip6h->daddr;

	if (unlikely(!c)) {
		/* not qualified: say so to the sender */
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE, 0);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_OFFLINE);
		return NETDEV_TX_OK;
	}
	if (unlikely(!ipv6_addr_equal(&ip6h->saddr, &c->addr))) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_BAD_SOURCE);
		return NETDEV_TX_OK;
	}
	/* for teredod's idle timer: at most one write a jiffy */
	teredo_peer_touch(&td->last_xmit, teredo_now());
	if (unlikely(c->dormant)) {
		if (!teredo_dormant_hold(td, skb))
			return teredo_client_xmit(td, skb);	/* woken */
		return NETDEV_TX_OK;
	}
	if (likely(teredo_tx_trusted(td, skb, dst)))
		return NETDEV_TX_OK;
	if (teredo_addr_is_teredo(dst)) {
		if (teredo_tx_teredo_ok(td, skb, dst))
			teredo_peer_queue(td, skb, dst);
		return NETDEV_TX_OK;
	}
	if (unlikely(!teredo_native_ok(dst))) {
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOT_GLOBAL);
		return NETDEV_TX_OK;
	}
	teredo_peer_queue(td, skb, dst);
	return NETDEV_TX_OK;
}

/* Under the peer lock: the probes of a client for @p, which has a queue.
 * A native peer: an echo request through our server (section 5.2.9). A
 * Teredo peer: a direct bubble first, so that our NAT lets its answer in
 * (RFC 6081 section 4.2), then one through its server (section 5.2.6).
 */
void teredo_client_probe(struct teredo_dev *td, struct teredo_peer *p,
			 struct sk_buff_head *out)
{
	const struct teredo_client *c = rcu_dereference_bh(td->client);
	struct sk_buff *skb;
	bool solicited;

	if (!c)
		return;
	if (c->dormant) {
		teredo_dormant_poke(td);
		return;
	}
	if (!teredo_addr_is_teredo(&p->addr)) {
		skb = teredo_ping(td, &c->addr, &p->addr, p->queue->nonce,
				  c->server);
		if (skb) {
			teredo_stat_inc(td, TEREDO_STAT_TX_PING);
			__skb_queue_tail(out, skb);
		}
		return;
	}
	/* a peer that speaks server load reduction, its entry gone stale:
	 * asked at its mapping, a bubble that solicits; with the last one
	 * the usual pair, and the peer no longer taken to speak it until
	 * its bubbles say so again (RFC 6081 section 5.7.2)
	 */
	solicited = p->flags & TEREDO_PEER_SLR &&
		    teredo_peer_bubbles(p) <= TEREDO_SLR_SOLICITS &&
		    p->port && inet_addr_type(td->net, p->ip) == RTN_UNICAST;
	if (solicited) {
		skb = teredo_hairpin_bubble(td, c, &p->addr, p->ip, p->port);
		if (skb) {
			teredo_trailer_nd(skb, TEREDO_ND_SOLICIT);
			teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
			__skb_queue_tail(out, skb);
		}
		if (teredo_peer_bubbles(p) < TEREDO_SLR_SOLICITS)
			return;
		WRITE_ONCE(p->flags, p->flags & ~TEREDO_PEER_SLR);
	}
	/* a client behind our NAT is at its address on our link, or at the
	 * one its bubble gave: its mapping is our NAT's, which may not
	 * hairpin. Our bubbles to it say where we are (RFC 6081 5.5). One
	 * at a random port (randport.c) is asked at its mapping too.
	 */
	if (!(p->flags & TEREDO_PEER_LOCAL) &&
	    !(p->flags & TEREDO_PEER_HAIRPIN &&
	      teredo_hairpin_behind_us(c, &p->addr)) &&
	    !teredo_discovery_behind_us(td, c, &p->addr) &&
	    !(solicited && p->ip == teredo_addr_ip(&p->addr) &&
	      p->port == teredo_addr_port(&p->addr))) {
		skb = teredo_hairpin_bubble(td, c, &p->addr,
					    teredo_addr_ip(&p->addr),
					    teredo_addr_port(&p->addr));
		if (skb) {
			teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
			__skb_queue_tail(out, skb);
		}
	}
	skb = teredo_hairpin_bubble(td, c, &p->addr,
				    teredo_addr_server(&p->addr),
				    htons(TEREDO_PORT));
	if (skb) {
		teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
		__skb_queue_tail(out, skb);
	}
	/* and there (solicited already), or ask the link where it is */
	if (!(p->flags & (TEREDO_PEER_LOCAL | TEREDO_PEER_HAIRPIN))) {
		teredo_discovery_ask(td, c, &p->addr);
		return;
	}
	if (solicited)
		return;
	skb = teredo_hairpin_bubble(td, c, &p->addr, p->ip, p->port);
	if (skb) {
		teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
		__skb_queue_tail(out, skb);
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every received Teredo datagram goes through, inline in both paths
 * that take them: the device's UDP socket (rx.c) and the relay's receive
 * fast path (fastrx.c). RFC 4380 sections 5.1 and 5.4.2; a client's own
 * rules are in client.c.
 */
#ifndef _TEREDO_RX_H
#define _TEREDO_RX_H

#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>

#include "teredo.h"

#define TEREDO_AUTH_MIN		13	/* 00 01 idlen aulen nonce[8] conf */

/* The authentication and origin indications (RFC 4380 5.1.1) at the
 * start of the UDP payload of @skb, which starts with a zero byte (both
 * do, an IPv6 header never): returns the offset of the IPv6 header
 * after them, with that header pulled into the head, or 0 if the datagram
 * is cut short.
 */
static __always_inline unsigned int
teredo_parse_ind(struct sk_buff *skb, struct teredo_rx *rx)
{
	unsigned int off = sizeof(struct udphdr);
	const u8 *p = skb->data + off;

	if (p[1] == 1) {
		unsigned int len;

		len = TEREDO_AUTH_MIN + p[2] + p[3];
		if (!pskb_may_pull(skb, off + len + 2))
			return 0;
		rx->auth = true;
		off += len;
		p = skb->data + off;
	}
	if (p[0] == 0 && p[1] == 0) {
		if (!pskb_may_pull(skb, off + TEREDO_ORIGIN_LEN))
			return 0;
		p = skb->data + off;
		rx->origin = true;
		rx->origin_port = ~get_unaligned((__be16 *)(p + 2));
		rx->origin_ip = ~get_unaligned((__be32 *)(p + 4));
		off += TEREDO_ORIGIN_LEN;
	}
	if (!pskb_may_pull(skb, off + sizeof(struct ipv6hdr)))
		return 0;
	return off;
}

static inline bool teredo_is_bubble(const struct ipv6hdr *ip6h)
{
	return ip6h->nexthdr == NEXTHDR_NONE && !ip6h->payload_len;
}

/* Parse the optional indications, check the IPv6 header and trim RFC 6081
 * trailers (read first if @trailers, for a bubble). Returns the drop
 * reason, or TEREDO_STAT_MAX when the packet is well formed.
 */
static __always_inline enum teredo_stat
teredo_parse(struct sk_buff *skb, struct teredo_rx *rx, bool trailers)
{
	unsigned int off = sizeof(struct udphdr);
	struct ipv6hdr *ip6h;
	unsigned int end;

	/* nothing is shorter than a bare IPv6 header: one pull for most */
	if (!pskb_may_pull(skb, off + sizeof(*ip6h)))
		return TEREDO_STAT_RX_SHORT;
	/* both indications start with a zero byte, an IPv6 header never */
	if (unlikely(!skb->data[off])) {
		off = teredo_parse_ind(skb, rx);
		if (!off)
			return TEREDO_STAT_RX_SHORT;
	}
	ip6h = (struct ipv6hdr *)(skb->data + off);
	if (ip6h->version != 6)
		return TEREDO_STAT_RX_BAD_HEADER;
	end = off + sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (end > skb->len)
		return TEREDO_STAT_RX_BAD_LENGTH;
	/* trailers (RFC 6081) never reach the stack; a client reads a
	 * bubble's
	 */
	if (unlikely(skb->len > end)) {
		if (trailers && teredo_is_bubble(ip6h) &&
		    !teredo_parse_trailers(skb, end, rx))
			return TEREDO_STAT_RX_BAD_HEADER;
		if (pskb_trim_rcsum(skb, end))
			return TEREDO_STAT_RX_SHORT;
	}
	rx->off = off;
	return TEREDO_STAT_MAX;
}

/* What every datagram of a relay goes through first. */
static __always_inline enum teredo_stat
teredo_rx_check(struct teredo_dev *td, struct sk_buff *skb,
		struct teredo_rx *rx)
{
	if (unlikely(!(td->dev->flags & IFF_UP)))
		return TEREDO_STAT_RX_DEV_DOWN;
	return teredo_parse(skb, rx, false);
}

/* Destinations a relay serves: global unicast IPv6 outside the Teredo
 * prefix (RFC 4380 5.4.2, RFC 6324). Its host's own global addresses are
 * among them: the stack delivers those, so that the relay's host reaches
 * Teredo peers itself, as a host-specific relay (RFC 4380 section 4).
 */
static inline enum teredo_stat teredo_relay_dst(const struct in6_addr *dst)
{
	int type;

	/* 2000::/3, what nearly every packet is for, is none of the rest */
	if ((dst->s6_addr[0] & 0xe0) != 0x20) {
		type = ipv6_addr_type(dst);
		if (type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL |
			    IPV6_ADDR_LOOPBACK | IPV6_ADDR_MAPPED |
			    IPV6_ADDR_SITELOCAL) ||
		    type == IPV6_ADDR_ANY)
			return TEREDO_STAT_RX_NOT_SERVED;
	}
	if (teredo_addr_is_teredo(dst))
		return TEREDO_STAT_RX_LOOP;
	return TEREDO_STAT_MAX;
}

/* GRO merges TCP, and UDP when the user turned on UDP forwarding GRO;
 * for anything else it is only cost (a NAPI poll, the GRO callbacks and
 * list receive), so that goes to the backlog. A flow keeps one path.
 */
static inline bool teredo_gro_merges(const struct net_device *dev,
				     const struct ipv6hdr *ip6h)
{
	switch (ip6h->nexthdr) {
	case IPPROTO_TCP:
		return true;
	case IPPROTO_UDP:
		return dev->features & (NETIF_F_GRO_UDP_FWD |
					NETIF_F_GRO_FRAGLIST);
	default:
		return false;
	}
}

/* Make @skb, an IPv6 packet at skb->data, one received by the device:
 * no tunnel left in it (a GSO datagram from a tunnel on this host becomes
 * a GSO IPv6 packet; skb->encapsulation cleared), as
 * iptunnel_pull_header() leaves it. Fails only for want of memory.
 */
static inline int teredo_rx_prepare(struct teredo_dev *td, struct sk_buff *skb)
{
	struct net_device *dev = td->dev;

	if (unlikely(iptunnel_pull_offloads(skb)))
		return -ENOMEM;
	skb_scrub_packet(skb, !net_eq(td->net, dev_net(dev)));
	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb->mac_len = 0;
	return 0;
}

/* netif_rx() and gro_cells_receive() count their own refusals in the
 * device's rx_dropped.
 */
static inline void teredo_rx_count(struct net_device *dev, int ret,
				   unsigned int len)
{
	if (likely(ret == NET_RX_SUCCESS))
		dev_sw_netstats_rx_add(dev, len);
}

/* A relay's rules (RFC 4380 5.4.2) for the datagram at skb->data (its UDP
 * header; the IPv4 header before it). Returns true when @skb, now the
 * IPv6 packet at skb->data, is to be delivered; false when it was taken in
 * (a bubble) or dropped.
 */
static __always_inline bool teredo_relay_rcv(struct teredo_dev *td,
					     struct sk_buff *skb)
{
	struct teredo_rx rx = {};
	enum teredo_stat why;
	struct teredo_peer *p;
	struct ipv6hdr *ip6h;
	__be32 saddr;
	__be16 sport;

	why = teredo_rx_check(td, skb, &rx);
	if (unlikely(why != TEREDO_STAT_MAX))
		goto drop;
	saddr = ip_hdr(skb)->saddr;
	sport = udp_hdr(skb)->source;

	/* server control traffic (router advertisements) is for clients */
	why = TEREDO_STAT_RX_CONTROL;
	if (unlikely(rx.auth))
		goto drop;
	/* teredo_parse() pulled the IPv6 header into the head; a partial
	 * checksum (a sender on this host) that starts in what is pulled
	 * becomes none, or the native side would fill it in before data
	 */
	skb_pull_rcsum(skb, rx.off);
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);

	/* The source must be a Teredo address embedding the UDP source
	 * (RFC 4380 5.4.2): the anti-spoofing rule and the loop breaker.
	 */
	why = TEREDO_STAT_RX_BAD_MAPPING;
	if (unlikely(!teredo_addr_is_teredo(&ip6h->saddr)))
		goto drop;
	p = teredo_peer_find(&td->peers, &ip6h->saddr);
	if (unlikely(teredo_addr_ip(&ip6h->saddr) != saddr ||
		     teredo_addr_port(&ip6h->saddr) != sport) &&
	    !(p && teredo_peer_symmetric_ok(p, &ip6h->saddr, saddr, sport,
					    teredo_is_bubble(ip6h))))
		goto drop;
	/* from ourselves: a loop */
	why = TEREDO_STAT_RX_LOOP;
	if (unlikely((skb->dev && skb->dev->flags & IFF_LOOPBACK) ||
		     saddr == teredo_bind(td)->local))
		goto drop;
	why = TEREDO_STAT_RX_UNKNOWN_PEER;
	if (unlikely(!p))
		goto drop;
	/* from another of our addresses: a loop, or a forgery */
	why = TEREDO_STAT_RX_LOOP;
	if (unlikely(!teredo_peer_rx(td, p, saddr, sport)))
		goto drop;

	if (teredo_is_bubble(ip6h)) {
		teredo_stat_inc(td, TEREDO_STAT_RX_BUBBLE);
		consume_skb(skb);
		return false;
	}
	why = teredo_relay_dst(&ip6h->daddr);
	if (likely(why == TEREDO_STAT_MAX))
		return true;
drop:
	teredo_rx_drop(td, skb, why);
	return false;
}

#endif /* _TEREDO_RX_H */

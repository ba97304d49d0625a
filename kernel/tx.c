// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: IPv6 packets from the stack to Teredo peers, in UDP over IPv4
 * (RFC 4380 section 5.4.1 for a relay).
 */
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/route.h>

#include "teredo.h"

void teredo_tx_drop(struct teredo_dev *td, struct sk_buff *skb,
		    enum teredo_stat why)
{
	unsigned int n = teredo_skb_segs(skb);

	teredo_stat_add(td, why, n);
	DEV_STATS_ADD(td->dev, tx_dropped, n);
	kfree_skb(skb);
}

static bool gso_virtual;
module_param(gso_virtual, bool, 0644);
MODULE_PARM_DESC(gso_virtual,
		 "Leave segmentation and checksums to virtual uplinks (veth, bridge) too, not only to NICs: only where no Teredo peer receives in userspace through them");

/* May the uplink @dev finish a packet's segmentation and checksums? A NIC
 * (a device on a bus) or the software at its queue does, for the wire.
 * A virtual device may hand the packet to a socket on this host, and a
 * plain UDP socket is given a UDP tunnel GSO datagram whole and an inner
 * checksum left partial: a userspace Teredo peer (Miredo) reads both.
 */
static bool teredo_uplink_offloads(const struct net_device *dev)
{
	return dev->dev.parent || READ_ONCE(gso_virtual);
}

/* @skb, IPv6, in UDP from the socket of @b by @rt (whose reference it
 * takes) to @ip:@port. A GSO packet is left to the uplink to segment as
 * a UDP tunnel's, with IPv6 in IPv4 inside as sit over fou is: without
 * SKB_GSO_IPXIP4, sit's offload would refuse the inner packet.
 */
static void teredo_encap_one(struct teredo_dev *td, struct sk_buff *skb,
			     const struct teredo_bind *b, struct rtable *rt,
			     __be32 saddr, __be32 ip, __be16 port, u8 ttl)
{
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			 TEREDO_ENCAP_LEN) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4 |
				     SKB_GSO_UDP_TUNNEL_CSUM)) {
		ip_rt_put(rt);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOMEM);
		return;
	}
	skb_set_inner_ipproto(skb, IPPROTO_IPV6);
	skb->dev = td->dev;
	/* Outer DF clear (RFC 4380 section 5.1.1); the stats are counted by
	 * iptunnel_xmit() on skb->dev.
	 */
	teredo_udp_tunnel_xmit_skb(rt, b->sock->sk, skb, saddr, ip, 0,
				   ttl ?: ip4_dst_hoplimit(&rt->dst), 0,
				   b->port, port,
				   !net_eq(td->net, dev_net(td->dev)), false);
}

/* The GSO packet @skb cut into segments, their checksums computed: a
 * list, which then replaces @skb, or an error, @skb left as it was.
 * @tx: counted as segmented for sending (tx_gso, tx_gso_segments).
 */
struct sk_buff *teredo_gso_segment(struct teredo_dev *td, struct sk_buff *skb,
				   bool tx)
{
	struct sk_buff *segs, *seg;
	unsigned int n = 0;

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs))
		return segs ?: ERR_PTR(-EINVAL);
	for (seg = segs; seg; seg = seg->next)
		n++;
	if (tx) {
		teredo_stat_inc(td, TEREDO_STAT_TX_GSO);
		teredo_stat_add(td, TEREDO_STAT_TX_GSO_SEGMENTS, n);
	}
	consume_skb(skb);
	return segs;
}

/* @skb, a GSO packet, sent as segments encapsulated each by itself: the
 * Teredo work was still done once for all of them.
 */
static void teredo_encap_segments(struct teredo_dev *td, struct sk_buff *skb,
				  const struct teredo_bind *b,
				  struct rtable *rt, __be32 saddr,
				  __be32 ip, __be16 port)
{
	struct sk_buff *segs, *next;

	segs = teredo_gso_segment(td, skb, true);
	if (IS_ERR(segs)) {
		ip_rt_put(rt);
		teredo_tx_drop(td, skb, PTR_ERR(segs) == -ENOMEM ?
			       TEREDO_STAT_TX_NOMEM : TEREDO_STAT_TX_BAD_PROTO);
		return;
	}
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		dst_hold(&rt->dst);
		teredo_encap_one(td, skb, b, rt, saddr, ip, port, 0);
	}
	ip_rt_put(rt);
}

/* Send @skb, an IPv6 packet, in UDP to @ip:@port from the device's socket,
 * the mapping of the trusted peer @p if it is one (NULL otherwise).
 * Consumes @skb. Bottom halves disabled (the transmit path): that is the
 * RCU read side the socket, @p and the per-CPU route cache need.
 */
void teredo_encap_bh(struct teredo_dev *td, struct sk_buff *skb,
		     struct teredo_peer *p, __be32 ip, __be16 port)
{
	const struct teredo_bind *b = teredo_bind(td);
	struct rtable *rt;
	bool offloads;
	__be32 saddr;

	if (unlikely(!b->sock)) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NO_SOCKET);
		return;
	}
	if (p)
		rt = teredo_route_peer(td, b, p, ip, port, &saddr);
	else
		rt = teredo_route(td, b, ip, port, &saddr);
	if (IS_ERR(rt)) {
		DEV_STATS_INC(td->dev, tx_carrier_errors);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NO_ROUTE);
		return;
	}
	if (unlikely(rt->dst.dev == td->dev)) {
		ip_rt_put(rt);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_LOOP);
		return;
	}
	offloads = teredo_uplink_offloads(rt->dst.dev);
	/* what the outer IPv4 length could not hold is cut here too: 6.1
	 * lets IFLA_GSO_MAX_SIZE pass the device's TSO limit
	 */
	if (skb_is_gso(skb) && (!offloads || skb->len > TEREDO_MAX_MTU)) {
		teredo_encap_segments(td, skb, b, rt, saddr, ip, port);
		return;
	}
	/* an SCTP CRC (the fast path takes packets the stack did not
	 * check) is not the Internet checksum the outer one builds on
	 */
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    (!offloads || skb_csum_is_sctp(skb)) &&
	    skb_csum_hwoffload_help(skb, 0)) {
		ip_rt_put(rt);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOMEM);
		return;
	}
	teredo_encap_one(td, skb, b, rt, saddr, ip, port, 0);
}

/* @skb, a bubble, to @ip:@port by @rt (whose reference it takes) from
 * the socket of @b with the outer @ttl: local discovery's (discovery.c).
 * Bottom halves disabled.
 */
void teredo_encap_rt(struct teredo_dev *td, struct sk_buff *skb,
		     const struct teredo_bind *b, struct rtable *rt,
		     __be32 saddr, __be32 ip, __be16 port, u8 ttl)
{
	teredo_encap_one(td, skb, b, rt, saddr, ip, port, ttl);
}

/* The same from any context. */
void teredo_encap(struct teredo_dev *td, struct sk_buff *skb,
		  __be32 ip, __be16 port)
{
	local_bh_disable();
	teredo_encap_bh(td, skb, NULL, ip, port);
	local_bh_enable();
}

/* A bubble (RFC 4380 section 2.8): an IPv6 header without payload, to be
 * sent to @ip:@port.
 */
struct sk_buff *teredo_bubble(struct teredo_dev *td,
			      const struct in6_addr *src,
			      const struct in6_addr *dst,
			      __be32 ip, __be16 port)
{
	unsigned int hroom = LL_MAX_HEADER + TEREDO_ENCAP_LEN;
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;

	/* with room for trailers (hairpin.c, trailer.c) */
	skb = alloc_skb(hroom + sizeof(*ip6h) +
			sizeof(struct teredo_alt_trailer) +
			sizeof(struct teredo_nd_trailer), GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hroom);
	ip6h = skb_put(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = 0;
	ip6h->nexthdr = NEXTHDR_NONE;
	ip6h->hop_limit = 0;
	ip6h->saddr = *src;
	ip6h->daddr = *dst;
	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = td->dev;
	TEREDO_CB(skb)->ip = ip;
	TEREDO_CB(skb)->port = port;
	return skb;
}

/* Where packets to @dst go at once, lock-free: a valid trusted entry (RFC
 * 4380 5.2.4 and 5.4.1 case 1), whose last transmission is now, and its
 * mapping in @ip and @port. NULL if there is none. Bottom halves disabled.
 */
struct teredo_peer *teredo_tx_target(struct teredo_dev *td,
				     const struct in6_addr *dst,
				     __be32 *ip, __be16 *port)
{
	struct teredo_peer *p = teredo_peer_find(&td->peers, dst);
	u32 now;

	if (unlikely(!p || !teredo_peer_trusted(p)))
		return NULL;
	now = teredo_now();
	if (unlikely(!teredo_peer_fresh(p, now)))
		return NULL;
	teredo_peer_touch(&p->last_tx, now);
	*ip = READ_ONCE(p->ip);
	*port = READ_ONCE(p->port);
	return p;
}

/* @skb sent at once to the trusted entry of @dst: the fast path. Returns
 * false if there is none. From ndo_start_xmit (bottom halves disabled).
 */
bool teredo_tx_trusted(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst)
{
	struct teredo_peer *p;
	__be32 ip;
	__be16 port;

	p = teredo_tx_target(td, dst, &ip, &port);
	if (!p)
		return false;
	teredo_encap_bh(td, skb, p, ip, port);
	return true;
}

/* May anything go to the IPv4 addresses in the Teredo address @dst? Global
 * unicast only (RFC 4380 5.2.4, 5.4.1), server included, and none of ours:
 * that would bounce between relays (RFC 6324). Nor what this host routes
 * as a broadcast (a subnet's), or not at all. Drops @skb if not.
 */
bool teredo_tx_teredo_ok(struct teredo_dev *td, struct sk_buff *skb,
			 const struct in6_addr *dst)
{
	__be32 ip = teredo_addr_ip(dst), server = teredo_addr_server(dst);
	unsigned int t1, t2;

	if (!teredo_ipv4_is_global(ip) || !teredo_ipv4_is_global(server)) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOT_GLOBAL);
		return false;
	}
	t1 = inet_addr_type(td->net, ip);
	t2 = inet_addr_type(td->net, server);
	if (t1 == RTN_LOCAL || t2 == RTN_LOCAL) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_LOOP);
		return false;
	}
	if (t1 != RTN_UNICAST || t2 != RTN_UNICAST) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOT_GLOBAL);
		return false;
	}
	return true;
}

/* Send @len bytes of @data in UDP to @ip:@port from the device's socket:
 * teredod's router solicitations. Process context.
 */
int teredo_send_raw(struct teredo_dev *td, const void *data,
		    unsigned int len, __be32 ip, __be16 port)
{
	unsigned int hroom = LL_MAX_HEADER + TEREDO_ENCAP_LEN;
	struct sk_buff *skb;

	skb = alloc_skb(hroom + len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, hroom);
	skb_put_data(skb, data, len);
	skb_reset_network_header(skb);
	local_bh_disable();
	teredo_stat_inc(td, TEREDO_STAT_TX_CONTROL);
	teredo_encap_bh(td, skb, NULL, ip, port);
	local_bh_enable();
	return 0;
}

netdev_tx_t teredo_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct teredo_dev *td = netdev_priv(dev);
	const struct in6_addr *dst;

	if (unlikely(skb->protocol != htons(ETH_P_IPV6) ||
		     !pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_BAD_PROTO);
		return NETDEV_TX_OK;
	}
	dst = &ipv6_hdr(skb)->daddr;
	if (unlikely(ipv6_addr_is_multicast(dst))) {
		/* neighbour discovery, MLD: nothing to do with Teredo */
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_MULTICAST);
		return NETDEV_TX_OK;
	}
	if (unlikely(skb_is_gso(skb) ?
		     !skb_gso_validate_network_len(skb, dev->mtu) :
		     skb->len > dev->mtu)) {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, dev->mtu);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_TOO_BIG);
		return NETDEV_TX_OK;
	}
	if (td->cfg.mode == TEREDO_MODE_CLIENT)
		return teredo_client_xmit(td, skb);

	/* a relay serves Teredo destinations only */
	if (unlikely(!teredo_addr_is_teredo(dst))) {
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOT_TEREDO);
		return NETDEV_TX_OK;
	}
	if (likely(teredo_tx_trusted(td, skb, dst)))
		return NETDEV_TX_OK;
	if (teredo_tx_teredo_ok(td, skb, dst))
		teredo_peer_queue(td, skb, dst);
	return NETDEV_TX_OK;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's transmit fast path ("native IFNAME", with "fastpath on").
 *
 * A relay spends more on an encapsulation in the IPv6 receive and forward
 * path around its own code than in it: the input route lookup, forwarding,
 * the output path and a hop through the Teredo device's transmit queue.
 * With "native IFNAME" the device is also the receive handler of the
 * native side device: an IPv6 packet received there for a Teredo
 * destination whose peer is trusted and fresh is checked as ip6_rcv() and
 * ip6_forward() would, its hop limit decremented, and sent in UDP to the
 * peer's mapping in the same pass, as the device's ndo_start_xmit would.
 * The device's transmit counters count it.
 *
 * The native device's taps (tcpdump), tc and netdev-family netfilter
 * ingress hooks still see every packet first. What IPv6 does after them
 * does not happen for the packets taken here: netfilter's ip6 and inet
 * hooks (prerouting, forward, postrouting, conntrack), IPsec policy, the
 * routing table (the Teredo prefix is taken as routed to the device), the
 * IPv6 counters and the Teredo device's own taps and qdisc. Everything
 * else goes on through the stack unchanged and reaches the device through
 * its route if it has one: packets to a peer not yet trusted (the queue
 * and the bubbles), hop limits that expire here, packets above the
 * device's MTU (ICMPv6 errors), hop-by-hop options, GRO trains, sources
 * the stack would not forward, and forwarding turned off.
 */
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/ipv6.h>

#include "teredo.h"

/* Would IPv6 forward @h, at the start of @skb, to @td? Returns its IPv6
 * length, or 0.
 */
static unsigned int teredo_fast_tx_match(const struct teredo_dev *td,
					 const struct sk_buff *skb,
					 const struct ipv6hdr *h)
{
	unsigned int len = sizeof(*h) + ntohs(h->payload_len);
	const struct inet6_dev *idev;
	int type;

	if (h->version != 6 || !teredo_addr_is_teredo(&h->daddr) ||
	    h->nexthdr == NEXTHDR_HOP || h->hop_limit <= 1)
		return 0;
	if (unlikely(len > skb->len || len > READ_ONCE(td->dev->mtu) ||
		     !netif_running(td->dev)))
		return 0;
	/* what ip6_rcv_core() drops, and ip6_forward() answers or drops */
	type = ipv6_addr_type(&h->saddr);
	if (unlikely(!(type & IPV6_ADDR_UNICAST) ||
		     type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_LINKLOCAL |
			     IPV6_ADDR_MAPPED)))
		return 0;
	idev = __in6_dev_get(skb->dev);
	if (unlikely(!idev || READ_ONCE(idev->cnf.disable_ipv6) ||
		     !READ_ONCE(dev_net(skb->dev)->ipv6.devconf_all->forwarding)))
		return 0;
	return len;
}

/* An IPv6 packet received on the native device: in softirq, under RCU. */
rx_handler_result_t teredo_fast_tx(struct teredo_dev *td,
				   struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct teredo_peer *p;
	const struct ipv6hdr *h;
	struct ipv6hdr _h;
	unsigned int len;
	__be32 ip;
	__be16 port;

	/* a frame of a VLAN with no device here is the stack's to drop */
	if (skb->pkt_type != PACKET_HOST || skb_is_gso(skb) ||
	    unlikely(skb_vlan_tag_present(skb)))
		return RX_HANDLER_PASS;
	h = skb_header_pointer(skb, 0, sizeof(_h), &_h);
	if (!h)
		return RX_HANDLER_PASS;
	len = teredo_fast_tx_match(td, skb, h);
	if (!len)
		return RX_HANDLER_PASS;
	p = teredo_tx_target(td, &h->daddr, &ip, &port);
	if (!p)
		return RX_HANDLER_PASS;

	/* ours: a tap may share it, and it is about to change */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		teredo_stat_inc(td, TEREDO_STAT_TX_NOMEM);
		DEV_STATS_INC(td->dev, tx_dropped);
		return RX_HANDLER_CONSUMED;
	}
	*pskb = skb;
	if (unlikely(pskb_trim_rcsum(skb, len) ||
		     skb_ensure_writable(skb, sizeof(struct ipv6hdr)))) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NOMEM);
		return RX_HANDLER_CONSUMED;
	}
	/* as ip6_forward() leaves it */
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	ipv6_hdr(skb)->hop_limit--;
	teredo_stat_inc(td, TEREDO_STAT_TX_FASTPATH);
	teredo_encap_bh(td, skb, p, ip, port);
	return RX_HANDLER_CONSUMED;
}

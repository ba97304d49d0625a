// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's receive fast path ("fastpath on"): decapsulation.
 *
 * A relay spends most of a decapsulation in the IPv4 and UDP receive path
 * around its own code: the input route, the socket lookup, the backlog and
 * a second pass through the stack. With the fast path the device is the
 * receive handler of its underlay device (dev IFNAME, fastpath.c), as a
 * bridge is of its ports: it takes the Teredo datagrams for its local
 * address and port as the underlay receives them, checks them as ip_rcv()
 * and udp_rcv() would, applies the relay's rules, and hands the IPv6
 * packet inside to the stack on the Teredo device in the same pass.
 *
 * The underlay's taps (tcpdump), tc and netdev-family netfilter ingress
 * hooks still see every datagram first. What IPv4 does after them does not
 * happen for the datagrams taken here: netfilter's ip and inet hooks
 * (prerouting, input, conntrack), reverse-path filtering, IPsec policy, and
 * the IP and UDP receive counters. Whatever the fast path does not take as
 * a whole (fragments, IP options, bad checksums, martian sources, GRO
 * trains, other addresses, ports or protocols) goes on through the stack
 * unchanged, and reaches the socket if it is for the device.
 */
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/udp.h>

#include "teredo.h"
#include "rx.h"

struct teredo_fast_hdr {
	struct iphdr ip;
	struct udphdr udp;
};

/* Is @h, at the start of a datagram of @skb_len bytes, a whole UDP
 * datagram to @td that the stack would take as it is? Returns its IPv4
 * length, or 0.
 */
static unsigned int teredo_fast_match(const struct teredo_dev *td,
				      const struct teredo_fast_hdr *h,
				      unsigned int skb_len)
{
	const struct teredo_bind *b = teredo_bind(td);
	unsigned int len = ntohs(h->ip.tot_len);
	__be32 saddr = h->ip.saddr;

	if (h->ip.version != 4 || h->ip.ihl != 5 ||
	    h->ip.protocol != IPPROTO_UDP || h->ip.daddr != b->local ||
	    h->udp.dest != b->port || ip_is_fragment(&h->ip))
		return 0;
	if (unlikely(len > skb_len ||
		     len != sizeof(h->ip) + ntohs(h->udp.len) ||
		     len < sizeof(*h) ||
		     ip_fast_csum(&h->ip, h->ip.ihl)))
		return 0;
	/* martians: the input route would drop them */
	if (unlikely(ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr) ||
		     ipv4_is_zeronet(saddr) || ipv4_is_loopback(saddr)))
		return 0;
	return len;
}

/* An IPv4 packet received on the underlay device: in softirq, under RCU. */
rx_handler_result_t teredo_fast_rx(struct teredo_dev *td,
				   struct sk_buff **pskb)
{
	const struct teredo_fast_hdr *h;
	struct sk_buff *skb = *pskb;
	struct net_device *dev;
	unsigned int len;

	/* a GRO train (fraglist) is for the stack to take apart, and so
	 * are the rare datagrams whose headers a driver left in pages; a
	 * frame of a VLAN with no device here is the stack's to drop
	 */
	if (skb->pkt_type != PACKET_HOST || skb_is_gso(skb) ||
	    unlikely(skb_vlan_tag_present(skb) ||
		     skb_headlen(skb) < sizeof(*h)))
		return RX_HANDLER_PASS;
	h = (const struct teredo_fast_hdr *)skb->data;
	len = teredo_fast_match(td, h, skb->len);
	if (!len)
		return RX_HANDLER_PASS;

	/* ours: a tap may share it, and it is about to change */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		teredo_stat_inc(td, TEREDO_STAT_RX_NOMEM);
		dev_core_stats_rx_dropped_inc(td->dev);
		return RX_HANDLER_CONSUMED;
	}
	*pskb = skb;
	if (unlikely(pskb_trim_rcsum(skb, len))) {
		teredo_rx_drop(td, skb, TEREDO_STAT_RX_NOMEM);
		return RX_HANDLER_CONSUMED;
	}
	/* as ip_local_deliver() and udp_rcv() leave it */
	skb_set_transport_header(skb, sizeof(struct iphdr));
	__skb_pull(skb, sizeof(struct iphdr));
	/* the whole datagram: udp_lib_checksum_complete() would sum the
	 * UDP_SKB_CB() cscov that only the stack's udp4_csum_init() sets,
	 * and skb->cb holds what the layer before us left there
	 */
	if (skb_checksum_init_zero_check(skb, IPPROTO_UDP, udp_hdr(skb)->check,
					 inet_compute_pseudo) ||
	    skb_checksum_complete(skb)) {
		/* the stack counts it and drops it */
		__skb_push(skb, sizeof(struct iphdr));
		return RX_HANDLER_PASS;
	}
	teredo_stat_inc(td, TEREDO_STAT_RX_FASTPATH);
	if (!teredo_relay_rcv(td, skb))
		return RX_HANDLER_CONSUMED;

	/* What GRO does not merge goes through the stack again in this
	 * pass, as received on the device, instead of waiting in the
	 * backlog.
	 */
	if (unlikely(teredo_rx_prepare(td, skb))) {
		teredo_rx_drop(td, skb, TEREDO_STAT_RX_NOMEM);
		return RX_HANDLER_CONSUMED;
	}
	dev = td->dev;
	if (teredo_gro_merges(dev, (struct ipv6hdr *)skb->data)) {
		len = skb->len;
		teredo_rx_count(dev, gro_cells_receive(&td->gro_cells, skb),
				len);
		return RX_HANDLER_CONSUMED;
	}
	dev_sw_netstats_rx_add(dev, skb->len);
	return RX_HANDLER_ANOTHER;
}

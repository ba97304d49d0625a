// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: Teredo UDP datagrams to IPv6 packets for the stack
 * (RFC 4380 sections 5.1 and 5.4.2; a client's rules are in client.c).
 */
#include <linux/netdevice.h>

#include "teredo.h"
#include "rx.h"

int teredo_rx_drop(struct teredo_dev *td, struct sk_buff *skb,
		   enum teredo_stat why)
{
	unsigned int i, n = teredo_skb_segs(skb);

	teredo_stat_add(td, why, n);
	for (i = 0; i < n; i++)
		dev_core_stats_rx_dropped_inc(td->dev);
	kfree_skb(skb);
	return 0;
}

/* Hand @skb, an IPv6 packet at skb->data, to the stack. */
int teredo_deliver(struct teredo_dev *td, struct sk_buff *skb)
{
	struct net_device *dev = td->dev;
	unsigned int len;
	int ret;

	if (unlikely(teredo_rx_prepare(td, skb)))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_NOMEM);
	len = skb->len;
	if (teredo_gro_merges(dev, (struct ipv6hdr *)skb->data))
		ret = gro_cells_receive(&td->gro_cells, skb);
	else
		ret = netif_rx(skb);
	teredo_rx_count(dev, ret, len);
	return 0;
}

/* encap_rcv of the device's UDP socket: in softirq, under RCU, with the UDP
 * checksum verified. skb->data is the UDP header. Always consumes @skb.
 */
int teredo_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct teredo_dev *td = rcu_dereference_sk_user_data(sk);
	struct teredo_rx rx = {};
	enum teredo_stat why;

	if (unlikely(!td)) {
		kfree_skb(skb);
		return 0;
	}
	if (td->cfg.mode == TEREDO_MODE_RELAY) {
		if (teredo_relay_rcv(td, skb))
			teredo_deliver(td, skb);
		return 0;
	}
	/* a client's control packets pass while the device is down (as
	 * Miredo's hook leaves it when the server is lost): teredod needs
	 * them to qualify again
	 */
	why = teredo_parse(skb, &rx, true);
	if (unlikely(why != TEREDO_STAT_MAX))
		return teredo_rx_drop(td, skb, why);
	return teredo_client_rcv(td, skb, &rx, ip_hdr(skb)->saddr,
				 udp_hdr(skb)->source);
}
